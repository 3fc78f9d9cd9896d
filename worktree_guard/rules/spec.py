"""``RuleSpec``: the one declaration of a rule, which its module exports as
``SPEC``.  Everything else about a rule derives from it:

- the registry (``rules.RULES``, ``COMMIT_RULES``, ``PUSH_RULES``,
  ``HOOK_IDS``), ``explain`` and ``rules``;
- the policy's built-in defaults and JSON Schema (``policy/defaults.py``,
  ``policy/schema.json``, written by ``rules/derive.py``): the rule's
  severity keys (``rules.<id>`` and ``rules.<id>/<kind>``) and the policy
  section it owns;
- the README's rule table (checked by a test).

Plain ``__slots__`` classes: the registry is imported on the commit path.
"""
from __future__ import annotations

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from typing import Protocol

    from worktree_guard.model import Violation
    from worktree_guard.policy import Policy

    class RuleModule(Protocol):
        """What the runner asks of a rule module: its ``SPEC`` and a pure
        ``check``.  For mypy only (no ``typing`` at run time): the rule
        modules the runner runs are checked against it in
        ``rules/__init__.py``, and ``runner.rule_module`` returns it."""

        SPEC: RuleSpec

        def check(self, facts: Any, policy: Policy,
                  notes: list[str] | None = None) -> list[Violation]: ...

STAGES = ('commit', 'push', 'server', 'agent')
SEVERITIES = ('error', 'warn', 'off')


class Section:
    """A policy section a rule owns: ``name`` (the YAML key) and its keys,
    each a JSON-schema property with a ``default`` and a ``description``.

    A key whose value is a list of globs names its dialect (one per key,
    docs/policy.md): ``"x-glob": "name"`` for whole-name globs over branch
    and ref names (``policy.globmatch``), ``"x-glob": "path"`` for
    gitignore-style globs over file paths (``pathspec``; the policy
    precompiles those).
    ``x-`` keywords stay out of the published schema.
    """

    __slots__ = ('name', 'properties', 'description')

    def __init__(self, name: str, properties: dict[str, dict[str, Any]],
                 description: str | None = None) -> None:
        self.name = name
        self.properties = properties
        self.description = description


class RuleSpec:
    """One rule.

    ``id``: the stable rule id (``rules.<id>`` in the policy, the module
    ``rules/<id with _>.py``).  ``hook_id``: its own pre-commit hook id, or
    ``''`` for none.  ``stages``: of ``commit``, ``push``, ``server``; a
    rule with a client stage (commit or push) gets severity keys and may
    be named in ``server.allow-skip``.  ``kinds``: each kind of finding ->
    its default severity.  ``severity``: the rule's default severity.
    ``facts``: the ``gitctx.collect.COLLECTORS`` key the runner gathers for
    ``check`` (``''``: the runner gathers none).  ``section``: the policy section the rule owns, if any.
    ``module``: filled in by the registry.
    """

    __slots__ = ('id', 'hook_id', 'stages', 'kinds', 'severity', 'summary',
                 'explain', 'facts', 'section', 'module')

    def __init__(self, id: str, *, summary: str, explain: str,
                 stages: tuple[str, ...], facts: str,
                 kinds: dict[str, str] | None = None,
                 severity: str = 'error', hook_id: str = '',
                 section: Section | None = None) -> None:
        self.id = id
        self.hook_id = hook_id
        self.stages = stages
        self.kinds = kinds or {}
        self.severity = severity
        self.summary = summary
        self.explain = explain
        self.facts = facts
        self.section = section
        self.module = ''

    @property
    def client(self) -> bool:
        """Does the rule run in a client hook (commit or push)?"""
        return 'commit' in self.stages or 'push' in self.stages


# -- helpers for a section's keys (JSON-schema properties) ------------------------

def key(default: object, description: str, **schema: Any) -> dict[str, Any]:
    """A key: JSON-schema keywords (``type='integer', minimum=1``; write
    ``min_length`` for ``minLength`` and the like), its default and its
    description (shown by ``init`` and editors)."""
    out = {_camel(k): v for k, v in schema.items()}
    out['default'] = default
    out['description'] = description
    return out


def choice(options: tuple[str, ...], description: str) -> dict[str, Any]:
    """One of ``options``; the first is the default."""
    return key(options[0], description, enum=list(options))


def string_list(description: str, default: tuple[str, ...] = (),
                glob: str | None = None) -> dict[str, Any]:
    """A list of non-empty strings; ``glob='name'`` or ``'path'`` marks
    a glob list and its dialect (see ``Section``)."""
    # Bounded, as every value of a policy a pusher may write (issue 13).
    out = key(list(default), description, type='array', max_items=1000,
              items={'type': 'string', 'minLength': 1, 'maxLength': 4096})
    if glob is not None:
        out['x-glob'] = glob
    return out


def _camel(name: str) -> str:
    first, *rest = name.split('_')
    return first + ''.join(r.title() for r in rest)
