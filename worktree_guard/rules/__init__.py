"""The rule registry, derived from each rule module's ``SPEC``.

A rule is one module here: ``SPEC`` (a ``RuleSpec``: id, hook id, stages,
kinds and their default severities, summary, explain text, the facts it
needs, the policy section it owns), ``FACTS``, and a pure
``check(facts, policy, notes)`` that touches no git.  To add one, name its
module in ``RULE_MODULES`` and run ``./dev gen`` (docs/adding-a-rule.md).

The registry (``RULES`` and the rest) is built, importing every rule
module, on first use (the commit path runs most of them anyway); the
agent hook imports only its own rule.
"""
# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterable

    from worktree_guard.rules import branch_name
    from worktree_guard.rules import protected_branch
    from worktree_guard.rules import sync_before_push
    from worktree_guard.rules import worktree_layout
    from worktree_guard.rules import worktree_paths
    from worktree_guard.rules.spec import RuleModule
    from worktree_guard.rules.spec import RuleSpec

    # The rules the runner runs, checked by mypy against ``RuleModule``
    # (``server-policy`` and ``agent-guard`` have their own callers).
    RUNNER_RULES: tuple[RuleModule, ...] = (
        branch_name, protected_branch, worktree_layout, worktree_paths,
        sync_before_push)

# Every rule, in the order they run and are listed.  A new rule's module
# goes here (tests may extend the tuple and call ``load_registry``).
RULE_MODULES = (
    'worktree_guard.rules.branch_name',
    'worktree_guard.rules.protected_branch',
    'worktree_guard.rules.worktree_layout',
    'worktree_guard.rules.worktree_paths',
    'worktree_guard.rules.sync_before_push',
    'worktree_guard.rules.server_policy',
    'worktree_guard.rules.agent_guard',
)

# The pre-commit hook ids that run a whole stage.
STAGE_HOOKS = {'commit': 'worktree-guard-commit',
               'push': 'worktree-guard-push'}


class Registry:
    """What the rest of the package asks about rules (see ``load_registry``)."""

    __slots__ = ('rules', 'commit_rules', 'push_rules', 'hook_ids')

    def __init__(self, rules: 'dict[str, RuleSpec]') -> None:
        self.rules = rules
        self.commit_rules = tuple(r for r, s in rules.items()
                                  if 'commit' in s.stages)
        self.push_rules = tuple(r for r, s in rules.items()
                                if 'push' in s.stages)
        # pre-commit hook ids (and SKIP= names) -> the rules they run.
        # The -verbose ids are the same hooks with pre-commit's verbose:
        # true (their output shows when they pass).
        self.hook_ids: dict[str, tuple[str, ...]] = {
            STAGE_HOOKS['commit']: self.commit_rules,
            STAGE_HOOKS['push']: self.push_rules,
            f"{STAGE_HOOKS['commit']}-verbose": self.commit_rules,
            f"{STAGE_HOOKS['push']}-verbose": self.push_rules,
            **{s.hook_id: (s.id,) for s in rules.values() if s.hook_id},
        }


def load_registry(modules: 'Iterable[str]') -> Registry:
    """The registry of the rule modules named (their ``SPEC``s)."""
    specs = {}
    for name in modules:
        spec: RuleSpec = __import__(name, fromlist=['SPEC']).SPEC
        spec.module = name
        specs[spec.id] = spec
    return Registry(specs)


if TYPE_CHECKING:  # pragma: no cover (typing only)
    REGISTRY: Registry
    RULES: dict[str, RuleSpec]
    COMMIT_RULES: tuple[str, ...]
    PUSH_RULES: tuple[str, ...]
    HOOK_IDS: dict[str, tuple[str, ...]]


def __getattr__(name: str) -> object:
    """The registry, built on first use (PEP 562): importing one rule
    module (the agent hook's ``agent_guard``) does not import them all."""
    if name not in ('REGISTRY', 'RULES', 'COMMIT_RULES', 'PUSH_RULES',
                    'HOOK_IDS'):
        raise AttributeError(f'module {__name__!r} has no attribute '
                             f'{name!r}')
    registry = load_registry(RULE_MODULES)
    names = {'REGISTRY': registry, 'RULES': registry.rules,
             'COMMIT_RULES': registry.commit_rules,
             'PUSH_RULES': registry.push_rules,
             'HOOK_IDS': registry.hook_ids}
    globals().update(names)
    return names[name]
