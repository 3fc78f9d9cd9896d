"""The facts of the parallel-work dashboard (``wt status``, ``wt plan``,
``--watch``, ``--html``): checks, uncommitted work, overlap, conflict
forecasts, landing order, gathered for every worktree at once as
JSON-ready data.  The commands that print them import this module; it
imports none of them."""
from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.commands.wt import Context
    from worktree_guard.model import WorktreeInfo

from worktree_guard.commands.wt import is_bootstrap
from worktree_guard.commands.wt import branch_label
from worktree_guard.commands.wt import forecast
from worktree_guard.commands.wt.forecast import DONE
from worktree_guard.commands.wt.listing import collect
from worktree_guard.gitctx import fleet
from worktree_guard.gitctx.replay import scratch_objects
from worktree_guard.commands.wt.order import conflicted_rebases
from worktree_guard.commands.rescue import leak_summary
from worktree_guard.model import BranchFacts
from worktree_guard.model import BranchTarget
from worktree_guard.gitctx import worktrees
from worktree_guard.commands.doctor import hook_states
from worktree_guard.runner import evaluate
from worktree_guard.commands.wt.order import landing_order
from worktree_guard.commands.wt.order import pairs_of
from worktree_guard.model import WorktreeInfo
from worktree_guard.commands.wt import ISSUE_NAME
import time

# The default ``--budget``: seconds spent forecasting overlapping pairs.
BUDGET = 2.0
# The one hard bound, for memory: a file changed by more than this many
# branches is a hotspot whose pairs are not listed one by one (1,000
# branches sharing a file would make 499,500 pairs, each a record).
HOT_MAX = 300

Pair = tuple[int, int]


def gather(ctx: Context, fetch: bool, dirty: bool,
           budget: float = BUDGET) -> dict[str, Any]:
    """Everything the dashboard shows, as JSON-ready data.  What git writes
    meanwhile (snapshots, forecasts) goes to a scratch object directory,
    removed at the end (``gitctx.replay.scratch_objects``).  The pair
    forecasts stop after ``budget`` seconds (``forecast.budgeted``)."""
    notes: list[str] = []
    label, base = ctx.base_tip(fetch, notes)  # a fetch keeps its objects
    with scratch_objects(ctx.repo) as scratch:
        return _gather(ctx, label, base, notes, dirty, scratch, budget)


def _gather(ctx: Context, label: str, base: str | None, notes: list[str],
            dirty: bool, scratch: dict[str, str],
            budget: float) -> dict[str, Any]:
    all_wts, active = _active(ctx, notes, dirty)
    rows = collect(ctx, active, base, dirty=dirty, files=True,
                    then=_snapper(ctx, scratch))
    _uncommitted(ctx, rows, base, dirty)
    remote_oids = _remote_tips(ctx)
    problems = _checks(ctx, active, rows, set(remote_oids))
    for r in rows:
        if r['files'] is None and r['base_known']:
            notes.append(f'{branch_label(r)} shares no history with {label}')
        del r['base_known']
    rows += _pushed_elsewhere(ctx, base, all_wts, remote_oids)
    fc = _Forecasts(ctx, rows, base, budget)
    overlaps, conflicts = fc.overlaps()
    conflicts += fc.finish_rows()
    notes += fc.notes()
    directed = {(o['rebase'][k]['lands'], o['rebase'][k]['rebased']):
                o['rebase'][k]['conflict_files']
                for o in overlaps if o.get('rebase') for k in (0, 1)
                if o['rebase'][k]['conflict_files']}
    order = _order(rows, overlaps, fc.hot_only, directed)
    return {
        'base': {'ref': label, 'oid': base},
        'forecast': fc.known,
        'committed_only': not dirty,
        'worktrees': rows, 'overlaps': overlaps,
        'hotspots': fc.hotspots(),
        'landing_order': order, 'notes': notes,
        'conflicted_rebases': conflicted_rebases(
            [s['branch'] for s in order], directed),
        'exit_code': 1 if problems or conflicts else 0,
        'fetched': ctx.fetched,
        'fetched_label': f'{ctx.remote}/{ctx.base_branch}',
    }


def _active(ctx: Context, notes: list[str], dirty: bool) -> tuple[
        list[WorktreeInfo], list[WorktreeInfo]]:
    """(every worktree, the active ones: not bare, not prunable, not on
    the base branch, by issue); notes for the prunable ones and, with
    ``dirty``, for leaks into the main checkout."""
    all_wts = ctx.repo.worktrees()
    for w in all_wts:
        if w.prunable:
            notes.append(f'{w.path} is prunable ({w.prunable}): '
                         'worktree-guard wt prune')
    active = sorted(
        (w for w in all_wts if not w.bare and not w.prunable
         and w.branch != ctx.base_branch),
        key=lambda w: (min(ctx.issues_of(w), default=0), w.path))
    main = ctx.repo.main_root()
    if dirty and main is not None and any(not w.is_main for w in active):
        # Leaks into the main checkout (an agent's edit, new file or
        # commit on main): doctor's check, one line per kind.
        notes.extend(leak_summary(main))
    return all_wts, active


def _remote_tips(ctx: Context) -> dict[str, str]:
    """The remote-tracking refs of the base remote -> their tips."""
    return fleet.remote_tips(ctx.repo, ctx.remote)


def _checks(ctx: Context, active: list[WorktreeInfo],
            rows: list[dict[str, Any]], remote_refs: set[str]) -> int:
    """Each row's failed ``checks`` (branch name, layout, hooks); the
    number of rows with one."""
    policy = ctx.policy
    layout = worktrees.layout_facts_all(ctx.repo, policy, active)
    hooks = hook_states(ctx.repo, [w.path for w in active])
    problems = 0
    for w, r in zip(active, rows, strict=True):
        checks: list[str] = []
        if w.branch is not None:
            is_new = f'refs/remotes/{ctx.remote}/{w.branch}' not in \
                remote_refs
            checks += [f'branch-name: {v.message}' for v in evaluate(
                'branch-name', BranchFacts(
                    [BranchTarget(w.branch, 'HEAD', is_new)]), policy)
                if v.severity == 'error']
        facts = layout.get(w.path)
        if facts is not None:
            checks += [f'{v.code}: {v.message}' for v in
                       evaluate('worktree-layout', facts, policy)
                       if v.severity == 'error']
        problem = hooks[w.path].problem
        if problem is not None:
            checks.append(f'hooks: {problem}')
        r['checks'] = checks
        r['base_known'] = 'files' in r  # else: no base to compare with
        r.setdefault('files', None)
        problems += bool(checks)
    return problems


class _Forecasts:
    """The overlapping pairs and their forecasts, cut by the budget and
    the hotspots (files changed by more than ``HOT_MAX`` branches)."""

    def __init__(self, ctx: Context, rows: list[dict[str, Any]],
                 base: str | None, budget: float) -> None:
        self.rows, self.budget = rows, budget
        self.verdicts_known = forecast.verdicts(ctx, rows, base)
        self.ranked, self.shared, self.hot, self.hot_only = _overlap(rows)
        self.both: dict[Pair, tuple[list[str], list[str]]] | None = None
        left: list[Pair] = []
        if self.ranked and base is not None and self.verdicts_known:
            self.both, left = forecast.budgeted(
                self.ranked,
                lambda batch: forecast.pairs(ctx, rows, base, batch),
                budget, time.monotonic)
        self.known = self.both is not None or (
            self.verdicts_known and not self.ranked)
        self.old_git = base is not None and not self.known
        self.cut = {p: self.shared[p] for p in left} \
            if self.both is not None else {}

    def overlaps(self) -> tuple[list[dict[str, Any]], int]:
        """The overlap records (forecast pairs, then those cut by the
        budget) and how many conflict."""
        rows, out, conflicts = self.rows, [], 0
        for a, b in sorted(p for p in self.ranked if p not in self.cut):
            res = self.both[(a, b)] if self.both is not None else None
            out.append(_overlap_record(rows[a], rows[b], self.shared[(a, b)],
                                       res))
            conflicts += bool(out[-1]['conflict'])
        for (a, b), files in self.cut.items():
            out.append({'branches': [branch_label(rows[a]), branch_label(rows[b])],
                        'files': files, 'conflict': None,
                        'conflict_files': None, 'cut': True})
        return out, conflicts

    def finish_rows(self) -> int:
        """Drop the rows' working fields; the conflicts with the base."""
        conflicts = 0
        for r in self.rows:
            r.pop('result_tree', None)
            if not self.verdicts_known:
                r['base_conflict'] = r['base_conflict_files'] = None
            conflicts += bool(r['base_conflict'])
        return conflicts

    def hotspots(self) -> list[dict[str, Any]]:
        return [{'file': f, 'branches': [branch_label(self.rows[i]) for i in idx]}
                for f, idx in sorted(self.hot.items())]

    def notes(self) -> list[str]:
        out = []
        if self.old_git:
            out.append('git is older than 2.38 (no merge-tree --write-tree):'
                       ' no conflict forecast, overlap only')
        out += [f"forecast cut at {h['file']}: {len(h['branches'])} "
                f'branches change it (more than {HOT_MAX}: too many pairs '
                'to hold), so their pairs were not forecast one by one; '
                'each was forecast against the base'
                for h in self.hotspots()]
        if self.cut:
            total = len(self.ranked)
            more = forecast.suggest(self.budget, total, total - len(self.cut))
            out.append(f'budget: {len(self.cut):,} of {total:,} overlapping '
                       f'pairs not forecast in {self.budget:g} s (the pairs '
                       'sharing the fewest files); they are listed as '
                       f'overlap only; rerun with --budget {more}')
        return out


def _overlap_record(ra: dict[str, Any], rb: dict[str, Any],
                    files: list[str],
                    res: tuple[list[str], list[str]] | None,
                    ) -> dict[str, Any]:
    """One forecast pair: ``res`` is (the files that stop rebasing ``rb``
    after ``ra`` lands, and the other way round), ``None`` unknown."""
    first, second = res or ([], [])
    union = sorted(set(first) | set(second))
    return {
        'branches': [branch_label(ra), branch_label(rb)], 'files': files,
        'conflict': None if res is None else bool(union),
        'conflict_files': None if res is None else union,
        # Which rebase stops: the second branch's, after the first lands.
        'rebase': None if res is None else [
            {'lands': branch_label(ra), 'rebased': branch_label(rb),
             'conflict_files': first},
            {'lands': branch_label(rb), 'rebased': branch_label(ra),
             'conflict_files': second}],
    }


def _order(rows: list[dict[str, Any]], overlaps: list[dict[str, Any]],
           hot_only: dict[Pair, list[str]],
           directed: dict[tuple[str, str], list[str]],
           ) -> list[dict[str, Any]]:
    """The landing order of the waiting rows (``order.landing_order``);
    a branch pushed from another clone is never ready here."""
    waiting = [r for r in rows if r.get('state') not in DONE]
    order: list[dict[str, Any]] = landing_order(
        [{'name': branch_label(r), 'issue': r['issue'], 'behind': r['behind'],
          'base_conflict': r['base_conflict'],
          'uncommitted': r['uncommitted']} for r in waiting],
        pairs_of(overlaps) | {
            frozenset((branch_label(rows[a]), branch_label(rows[b]))): ('cut', files)
            for (a, b), files in hot_only.items()}, directed)
    remote = {branch_label(r) for r in rows if r.get('remote')}
    for step in order:
        step['remote'] = step['branch'] in remote
        if step['remote']:
            step['ready'] = False
            step['before'].insert(0, 'pushed from another clone: it lands '
                                  'there (read-only here)')
    return order


def _pushed_elsewhere(ctx: Context, base: str | None,
                      wts: list[WorktreeInfo],
                      remote_oids: dict[str, str]) -> list[dict[str, Any]]:
    """Rows for the ``issue-*`` branches on the remote that no worktree
    here has (other clones pushed them): forecast, marked ``remote``,
    read-only (no checks, no uncommitted work)."""
    prefix = f'refs/remotes/{ctx.remote}/'
    here = {w.branch for w in wts if w.branch}
    found = []
    for ref, oid in sorted(remote_oids.items()):
        name = ref[len(prefix):]
        m = ISSUE_NAME.match(name)
        if m is not None and name not in here:
            found.append((int(m.group(1)), f'{ctx.remote}/{name}', oid))
    rows = collect(ctx, [WorktreeInfo('', name, oid)
                          for _, name, oid in found], base, dirty=False,
                    files=True)
    for (issue, _, _), r in zip(found, rows, strict=True):
        r.update(issue=issue, path=None, remote=True, checks=[], dirty=None,
                 uncommitted=False, snapshot=None, tip=r['head'])
        r.setdefault('files', None)
    return rows


def _snapper(ctx: Context, scratch: dict[str, str]) -> fleet.Then:
    """What ``fleet.changes_many`` runs for a worktree with changes (in
    the worker that read them): a snapshot commit of its uncommitted work
    (``gitctx.fleet.snapshot``: nothing is touched), written to
    ``scratch``; none when all its changes are bootstrap copies."""
    boot = ctx.policy['worktrees']['bootstrap']
    repo = ctx.repo

    def snap(path: str, head: str, tree: str,
             lines: list[str]) -> str | None:
        if all(is_bootstrap(x, boot) for x in lines):
            return None
        return fleet.snapshot(repo, path, head, tree, boot, scratch, lines)
    return snap


def _uncommitted(ctx: Context, rows: list[dict[str, Any]], base: str | None,
                 dirty: bool) -> None:
    """Each row's ``dirty`` count, and for a dirty worktree its snapshot
    commit (``_snapper``), whose files and forecasts replace the
    branch's own."""
    boot = ctx.policy['worktrees']['bootstrap']
    snaps = {}
    for r in rows:
        ch = r.pop('changes', None)
        work = None if ch is None else [
            x for x in ch if not is_bootstrap(x, boot)]
        r['dirty'] = None if work is None else len(work)
        r['uncommitted'] = False
        r['snapshot'] = None
        r['tip'] = r['head']
        made = r.pop('made', None)
        if dirty and made is not None and r['head']:
            snaps[made] = r
    facts = fleet.branch_facts(ctx.repo, base, list(snaps)) \
        if base is not None and snaps else {}
    for snap, r in snaps.items():
        r['uncommitted'] = True
        r['snapshot'] = r['tip'] = snap
        if snap in facts:
            r['files'] = facts[snap][2]


def _overlap(rows: list[dict[str, Any]]) -> tuple[
        list[tuple[int, int]], dict[tuple[int, int], list[str]],
        dict[str, list[int]], dict[tuple[int, int], list[str]]]:
    """Branches grouped by the files they change: (the pairs to forecast,
    most urgent first; their shared files; the files changed by more than
    ``HOT_MAX`` branches; the pairs that share only such files, with
    those files)."""
    by_file: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.get('state') in DONE:
            continue  # landed or empty: not a step of the plan
        for f in r['files'] or ():
            by_file.setdefault(f, []).append(i)
    hot = {f: idx for f, idx in by_file.items() if len(idx) > HOT_MAX}
    shared: dict[tuple[int, int], list[str]] = {}
    for f, idx in sorted(by_file.items()):
        if f in hot:
            continue
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                shared.setdefault((idx[a], idx[b]), []).append(f)
    hot_only: dict[tuple[int, int], list[str]] = {}
    for f, idx in sorted(hot.items()):
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                if (idx[a], idx[b]) in shared:
                    shared[(idx[a], idx[b])].append(f)
                    shared[(idx[a], idx[b])].sort()
                else:
                    hot_only.setdefault((idx[a], idx[b]), []).append(f)
    return priority(shared), shared, hot, hot_only


def priority(shared: dict[tuple[int, int], list[str]]) -> list[
        tuple[int, int]]:
    """The pairs in the order their forecasts run: the pairs sharing the
    most files first, then those of the rows nearest the front (rows are
    sorted by issue number: the oldest work first)."""
    return sorted(shared, key=lambda p: (-len(shared[p]), p[1], p[0]))


_VERDICT = {'up to date': 'clean', 'clean': 'clean', 'conflict': 'CONFLICT',
            'landed': 'LANDED', 'empty': 'empty'}

# The table's columns, for wt status and the --watch frame.
HEADINGS = ('ISSUE', 'BRANCH', 'DIRTY', 'BEHIND', 'AHEAD', 'FILES', 'REBASE',
            'CHECKS')


def cells(r: dict[str, Any]) -> tuple[str, ...]:
    """One worktree's row of the table (``-`` where a fact is unknown)."""
    def num(v: object) -> str:
        return '-' if v is None else str(v)
    return (num(r['issue']), branch_label(r) + ('*' if r['uncommitted'] else ''),
            num(r['dirty']), num(r['behind']), num(r['ahead']),
            '-' if r['files'] is None else str(len(r['files'])),
            _VERDICT.get(r['state'], '?'),
            'ok' if not r['checks'] else 'FAIL')
