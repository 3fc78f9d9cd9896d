"""sync-before-push: a pushed branch contains the base tip; history stays linear.

Pure: judges the ``SyncFacts`` that ``gitctx.sync.sync_facts`` gathered
(where the base tip came from and how old a cached one is, how far behind
each pushed branch is, which merge commits it carries, which other worktree
branches it would conflict with).  It decides whether a cached tip is
trusted (``sync.when-unreachable``, ``sync.max-staleness``) and adds its
one-line notes to the ``notes`` list the runner hands it.
"""
from __future__ import annotations


from worktree_guard.model import Violation
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import choice
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import SyncFacts
    from worktree_guard.model import SyncTarget
    from worktree_guard.policy import Policy

RULE = 'sync-before-push'
FACTS = 'sync'
SPEC = RuleSpec(
    RULE, hook_id='check-sync-before-push', stages=('push',), facts=FACTS,
    kinds={'behind': 'error', 'merge-commit': 'error',
           'unreachable': 'error', 'overlap': 'warn'},
    summary='pushed branches contain the remote base tip; history stays '
            'linear',
    explain="""\
Before a branch is pushed it must contain the tip of the remote base branch
(rebase, don't merge); sync.max-behind base commits may be missing.  The
base is fetched first into its remote-tracking ref only (sync.fetch,
sync.fetch-timeout); when that fails, sync.when-unreachable decides: block,
or warn and trust the cached ref while it is younger than
sync.max-staleness.  A note always says which tip was used.  Merge commits
between the base and the pushed tip are refused under sync.require-linear.
Deletions, tags, the base branch and sync.exempt branches are skipped; a
force push of an issue branch (rebase, then --force-with-lease) is fine.
sync.warn-overlap warns when the branch would conflict with a branch
checked out in another worktree.

Fix: git fetch origin && git rebase origin/main
(not 'git fetch origin main:main': git refuses that while main is checked
out in the main checkout)""",
    section=Section('sync', {
        'fetch': key(
            True, 'Fetch the base branch into its remote-tracking ref '
            'before judging a push.', type='boolean'),
        'fetch-timeout': key(
            10, 'Seconds the fetch may take.', type='number',
            exclusive_minimum=0, maximum=600),
        'when-unreachable': choice(('block', 'warn'),
                                   'What to do when the fetch fails.'),
        'max-staleness': key(
            '1d', "With 'warn', the oldest cached remote-tracking ref that "
            'may be trusted (e.g. 30m, 12h, 1d).', type='string',
            pattern='^[0-9]+[smhdw]$'),
        'max-behind': key(
            0, 'How many base commits a pushed branch may lack.',
            type='integer', minimum=0, maximum=100_000),
        'require-linear': key(
            True, 'Refuse merge commits between the base and the pushed '
            'tip.', type='boolean'),
        'exempt': string_list('Patterns of branches the sync rule skips.',
                              glob='name'),
        'warn-overlap': key(
            False, 'Warn at push when the branch would conflict with '
            'another active worktree branch.', type='boolean'),
    }),
)
MAX_LISTED = 5


def fix_command(facts: SyncFacts) -> str:
    """The sync that works in a worktree setup.

    Never ``git fetch origin main:main``: git refuses to fetch into a branch
    that is checked out, and ``main`` is checked out in the main checkout.
    """
    return f'git fetch {facts.remote} && git rebase {facts.remote}/{facts.base}'


def check(facts: SyncFacts | None, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    notes = [] if notes is None else notes
    if facts is None or not facts.targets:
        return []
    if facts.missing:
        if facts.source == 'local':
            notes.append(f"sync-before-push: there is no branch "
                               f"'{facts.base}' here yet: nothing to sync "
                               'with')
        else:
            notes.append(f"sync-before-push: {facts.remote} has no "
                               f"branch '{facts.base}' yet: nothing to sync "
                               'with')
        return []
    untrusted = _judge_tip(facts, policy, notes)
    if untrusted is not None:
        return [untrusted]
    out: list[Violation] = []
    sync = policy['sync']
    for target in facts.targets:
        if target.cut is not None:
            # A shallow clone cannot say whether the branch contains the
            # base: sync.when-unreachable decides, as for an unreachable
            # remote.
            if sync['when-unreachable'] == 'warn':
                notes.append(
                    'sync-before-push: cannot tell whether '
                    f"'{target.update.branch}' contains {facts.base_name} "
                    f'({_shallow(target.cut)}); let through under '
                    "sync.when-unreachable: warn (run 'git fetch "
                    "--unshallow' to judge it)")
            else:
                out.append(_undecided(facts, target, target.cut))
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


def age_text(age: float | None) -> str:
    """``last updated 2h 5m ago`` (or at an unknown time)."""
    if age is None:
        return 'last updated at an unknown time'
    secs = int(age)
    if secs < 60:
        span = f'{secs}s'
    elif secs < 3600:
        span = f'{secs // 60}m'
    elif secs < 86400:
        span = f'{secs // 3600}h {secs % 3600 // 60}m'
    else:
        span = f'{secs // 86400}d {secs % 86400 // 3600}h'
    return f'last updated {span} ago'


def _shallow(cut: str) -> str:
    return (f'this clone is shallow: the history is cut off at {cut[:12]}, '
            'before the base tip shows up')


def _judge_tip(facts: SyncFacts, policy: Policy,
               notes: list[str]) -> Violation | None:
    """Whether ``facts.tip`` is trusted: ``None`` (and a note saying which
    tip is judged against) when it is, else the ``unreachable`` violation.

    A fetched or local tip is trusted.  A cached remote-tracking ref is
    trusted when the fetch is off, or under ``sync.when-unreachable: warn``
    when its known age is below ``sync.max-staleness``.
    """
    tip = facts.tip
    if facts.source != 'cached':
        assert tip is not None  # check() handled a missing base
        how = ('fetched just now' if facts.source == 'fetched'
               else 'this repository')
        notes.append(f'sync-before-push: judged against '
                     f'{facts.base_name} at {tip[:12]} ({how})')
        return None
    remote, base, error = facts.remote, facts.base, facts.fetch_error
    fetch = (f'git fetch {remote}  (check the remote URL with '
             "'git remote -v' and your network)")
    if tip is None:
        why = (f'the fetch failed ({error})' if error is not None
               else 'sync.fetch is false')
        # No policy trusts a ref that does not exist: only a fetch helps.
        return _unreachable(
            facts, f'there is no remote-tracking ref {remote}/{base} '
            f"and {why}; run 'git fetch {remote}' once", [fetch])
    described = (f'the cached {remote}/{base} at {tip[:12]}, '
                 f'{age_text(facts.age)}')
    if error is None:
        notes.append(f'sync-before-push: judged against {described} '
                     '(sync.fetch is false)')
        return None
    sync = policy['sync']
    limit_text = sync['max-staleness']
    if sync['when-unreachable'] != 'warn':
        return _unreachable(
            facts, f'the fetch of {base} from {remote} failed ({error}), '
            f'and under sync.when-unreachable: block {described}, '
            'is not trusted',
            [fetch,
             'or set sync.when-unreachable: warn in .worktree-guard.yaml '
             'to trust a cached ref younger than sync.max-staleness'])
    from worktree_guard.policy import parse_duration
    if facts.age is not None and facts.age < parse_duration(limit_text):
        notes.append(
            f'sync-before-push: could not fetch {base} from {remote} '
            f'({error}); judged against {described} '
            f'(sync.when-unreachable: warn, max-staleness {limit_text})')
        return None
    problem = (f'the fetch of {base} from {remote} failed ({error}) and '
               f'{described}, is not younger than sync.max-staleness '
               f'({limit_text})')
    if facts.age is None:
        fix = [f'{fetch}; a cached ref of unknown age is never trusted, '
               'whatever sync.max-staleness says']
    else:
        fix = [fetch,
               f'or raise sync.max-staleness (now {limit_text}) '
               f'in .worktree-guard.yaml to trust the cached '
               f'{facts.base_name} while {remote} is unreachable; '
               f'fetch again once it is back']
    return _unreachable(facts, problem, fix)


def _unreachable(facts: SyncFacts, problem: str,
                 fix: list[str]) -> Violation:
    return Violation(
        RULE,
        f'cannot tell whether the push contains {facts.base_name}: '
        f'{problem}',
        kind='unreachable',
        ref=f'refs/remotes/{facts.remote}/{facts.base}',
        token=facts.base_name,
        fix=fix,
    )


def _undecided(facts: SyncFacts, target: SyncTarget, cut: str) -> Violation:
    u = target.update
    return Violation(
        RULE,
        f"cannot tell whether branch '{u.branch}' contains "
        f'{facts.base_name}: {_shallow(cut)}',
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
