"""sync-before-push: a pushed branch contains the base tip; history stays linear.

Pure: judges the ``SyncFacts`` that ``gitctx.sync.sync_facts`` gathered
(which tip was trusted, how far behind each pushed branch is, which merge
commits it carries, which other worktree branches it would conflict with).
"""
from __future__ import annotations


from worktree_guard.report import Violation

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.facts import SyncFacts
    from worktree_guard.facts import SyncTarget
    from worktree_guard.policy import Policy

RULE = 'sync-before-push'
MAX_LISTED = 5


def fix_command(facts: SyncFacts) -> str:
    """The sync that works in a worktree setup.

    Never ``git fetch origin main:main``: git refuses to fetch into a branch
    that is checked out, and ``main`` is checked out in the main checkout.
    """
    return f'git fetch {facts.remote} && git rebase {facts.remote}/{facts.base}'


def check(facts: SyncFacts | None, policy: Policy) -> list[Violation]:
    if facts is None or not facts.targets:
        return []
    if facts.tip is None:
        return [_unreachable(facts, policy)]
    out: list[Violation] = []
    sync = policy['sync']
    for target in facts.targets:
        if target.unknown is not None:
            out.append(_undecided(facts, target))
        elif target.behind > sync['max-behind']:
            out.append(_behind(facts, target, sync['max-behind']))
        if sync['require-linear'] and target.merges:
            out.append(_merges(facts, target))
        for other, paths in target.conflicts.items():
            out.append(_overlap(target, other, paths))
    return out


def _plural(n: int, word: str) -> str:
    return f'{n} {word}{"s" * (n != 1)}'


def _listed(items: list[str]) -> str:
    shown = ', '.join(items[:MAX_LISTED])
    if len(items) > MAX_LISTED:
        shown += f' (+{len(items) - MAX_LISTED} more)'
    return shown


def _unreachable(facts: SyncFacts, policy: Policy) -> Violation:
    problem = facts.problem or ''
    fetch = (f'git fetch {facts.remote}  (check the remote URL with '
             "'git remote -v' and your network)")
    sync = policy['sync']
    # gitctx.sync words the three cases: no cached ref at all, a cached ref
    # of unknown age (packed, no reflog), a cached ref that is too old.
    if problem.startswith('there is no remote-tracking ref'):
        # No policy trusts a ref that does not exist: only a fetch helps.
        fix = [fetch]
    elif sync['when-unreachable'] != 'warn':
        fix = [fetch,
               'or set sync.when-unreachable: warn in .worktree-guard.yaml '
               'to trust a cached ref younger than sync.max-staleness']
    elif 'at an unknown time' in problem:
        fix = [f'{fetch}; a cached ref of unknown age is never trusted, '
               'whatever sync.max-staleness says']
    else:
        fix = [fetch,
               f'or raise sync.max-staleness (now {sync["max-staleness"]}) '
               f'in .worktree-guard.yaml to trust the cached '
               f'{facts.base_name} while {facts.remote} is unreachable; '
               f'fetch again once it is back']
    return Violation(
        RULE,
        f'cannot tell whether the push contains {facts.base_name}: '
        f'{problem}',
        kind='unreachable',
        ref=f'refs/remotes/{facts.remote}/{facts.base}',
        token=facts.base_name,
        fix=fix,
    )


def _undecided(facts: SyncFacts, target: SyncTarget) -> Violation:
    u = target.update
    return Violation(
        RULE,
        f"cannot tell whether branch '{u.branch}' contains "
        f'{facts.base_name}: {target.unknown}',
        kind='unreachable', ref=u.remote_ref, token=u.branch,
        fix=[f'git fetch --unshallow {facts.remote}  (then push again; if '
             f'it is still refused: {fix_command(facts)})',
             'or set sync.when-unreachable: warn in .worktree-guard.yaml to '
             'let such pushes through'],
    )


def _behind(facts: SyncFacts, target: SyncTarget, allowed: int) -> Violation:
    u = target.update
    tip = (facts.tip or '')[:12]
    allowance = f' (sync.max-behind allows {allowed})' if allowed else ''
    return Violation(
        RULE,
        f"branch '{u.branch}' is {_plural(target.behind, 'commit')} behind "
        f'{facts.base_name} ({tip}){allowance}: sync it before you push '
        "(rebase, don't merge)",
        kind='behind', ref=u.remote_ref, token=u.branch,
        fix=[fix_command(facts)],
    )


def _merges(facts: SyncFacts, target: SyncTarget) -> Violation:
    u = target.update
    n = len(target.merges)
    return Violation(
        RULE,
        f"branch '{u.branch}' has {_plural(n, 'merge commit')} between "
        f'{facts.base_name} and its tip ({_listed([m[:12] for m in target.merges])}): '
        'history must stay linear, so sync by rebasing instead of merging',
        kind='merge-commit', ref=u.remote_ref, token=u.branch,
        fix=[f'{fix_command(facts)}  (the rebase drops the merge commits '
             'and replays your own on top)'],
    )


def _overlap(target: SyncTarget, other: str, paths: list[str]) -> Violation:
    u = target.update
    return Violation(
        RULE,
        f"branch '{u.branch}' would conflict with the active branch "
        f"'{other}' in {_listed(paths)}",
        kind='overlap', ref=u.remote_ref, token=other,
        fix=[f"agree with the owner of '{other}' who lands first; the other "
             'rebases onto the base afterwards'],
    )
