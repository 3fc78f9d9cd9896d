"""``wt status``: the parallel-work dashboard (checks, uncommitted work,
overlap, conflict forecast, landing order), once, as JSON or HTML, or
refreshed in place (``--watch``)."""
from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context
    from worktree_guard.model import WorktreeInfo

from worktree_guard.commands.wt import json_text
from worktree_guard.commands.wt import _is_bootstrap
from worktree_guard.commands.wt import _name
from worktree_guard.commands.wt import _parallel
from worktree_guard.commands.wt import _table
from worktree_guard.commands.wt import forecast
from worktree_guard.commands.wt.forecast import DONE
from worktree_guard.commands.wt.listing import _collect

# The default ``--budget``: seconds spent forecasting overlapping pairs.
BUDGET = 2.0
# The one hard bound, for memory: a file changed by more than this many
# branches is a hotspot whose pairs are not listed one by one (1,000
# branches sharing a file would make 499,500 pairs, each a record).
HOT_MAX = 300


def cmd_status(ns: argparse.Namespace, ctx: Context) -> int:
    if ns.watch:
        from worktree_guard.commands.wt.watch import watch
        return watch(ns, ctx)
    data = gather(ctx, ns.fetch, dirty=not ns.committed, budget=ns.budget)
    if ns.html:
        from worktree_guard.commands.wt.html import write_page
        write_page(ns.html, data, ns.refresh)
    if ns.json:
        print(json_text(data, indent=2))
    elif ns.html:
        print(f'wrote {ns.html}')
    else:
        print(render(ctx, data, ns.fetch))
    return int(data['exit_code'])


def gather(ctx: Context, fetch: bool, dirty: bool,
           budget: float = BUDGET) -> dict[str, Any]:
    """Everything the dashboard shows, as JSON-ready data.  What git writes
    meanwhile (snapshots, forecasts) goes to a scratch object directory,
    removed at the end (``gitctx.replay.scratch_objects``).  The pair
    forecasts stop after ``budget`` seconds (``forecast.budgeted``)."""
    from worktree_guard.gitctx.replay import scratch_objects
    notes: list[str] = []
    label, base = ctx.base_tip(fetch, notes)  # a fetch keeps its objects
    with scratch_objects(ctx.repo) as scratch:
        return _gather(ctx, label, base, notes, dirty, scratch, budget)


def _gather(ctx: Context, label: str, base: str | None, notes: list[str],
            dirty: bool, scratch: dict[str, str],
            budget: float) -> dict[str, Any]:
    from worktree_guard.model import BranchFacts
    from worktree_guard.model import BranchTarget
    from worktree_guard.gitctx import worktrees
    from worktree_guard.commands.doctor import hook_states
    from worktree_guard.runner import evaluate
    from worktree_guard.commands.wt.plan import conflicted_rebases
    from worktree_guard.commands.wt.plan import landing_order
    from worktree_guard.commands.wt.plan import pairs_of
    repo, policy = ctx.repo, ctx.policy
    all_wts = repo.worktrees()
    for w in all_wts:
        if w.prunable:
            notes.append(f'{w.path} is prunable ({w.prunable}): '
                         'worktree-guard wt prune')
    active = sorted(
        (w for w in all_wts if not w.bare and not w.prunable
         and w.branch != ctx.base_branch),
        key=lambda w: (min(ctx.issues_of(w), default=0), w.path))
    main = repo.main_root()
    if dirty and main is not None and any(not w.is_main for w in active):
        # Leaks into the main checkout (an agent's edit, new file or
        # commit on main): doctor's check, one line per kind.
        from worktree_guard.commands.rescue import leak_summary
        notes.extend(leak_summary(main))
    rows = _collect(ctx, active, base, dirty=dirty, files=True)
    _uncommitted(ctx, rows, base, dirty, scratch)
    layout = worktrees.layout_facts_all(repo, policy, active)
    hooks = hook_states(repo, [w.path for w in active])
    tracking = f'refs/remotes/{ctx.remote}/'
    remote_oids = dict(line.split(' ', 1)[::-1] for line in repo.out(
        'for-each-ref', '--format=%(objectname) %(refname)',
        tracking).splitlines())
    remote_refs = set(remote_oids)
    problems = 0
    for w, r in zip(active, rows, strict=True):
        checks: list[str] = []
        if w.branch is not None:
            is_new = f'refs/remotes/{ctx.remote}/{w.branch}' not in \
                remote_refs
            found = evaluate('branch-name', BranchFacts(
                [BranchTarget(w.branch, 'HEAD', is_new)]), policy)
            checks += [f'branch-name: {v.message}' for v in found
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
        if 'files' not in r:  # no base to compare with
            r['files'] = None
        elif r['files'] is None:
            notes.append(f'{_name(r)} shares no history with {label}')
        problems += bool(checks)
    rows += _pushed_elsewhere(ctx, base, all_wts, remote_oids)

    verdicts_known = forecast.verdicts(ctx, rows, base)
    waiting = [r for r in rows if r.get('state') not in forecast.DONE]
    ranked, shared, hot, hot_only = _overlap(rows)
    both: dict[tuple[int, int], tuple[list[str], list[str]]] | None = None
    left: list[tuple[int, int]] = []
    if ranked and base is not None and verdicts_known:
        import time
        both, left = forecast.budgeted(
            ranked, lambda batch: forecast.pairs(ctx, rows, base, batch),
            budget, time.monotonic)
    known = both is not None or (verdicts_known and not ranked)
    if base is not None and not known:
        notes.append('git is older than 2.38 (no merge-tree --write-tree): '
                     'no conflict forecast, overlap only')
    cut = {p: shared[p] for p in left} if both is not None else {}
    pairs = sorted(p for p in ranked if p not in cut)
    overlaps: list[dict[str, Any]] = []
    conflicts = 0
    for a, b in pairs:
        res = both[(a, b)] if both is not None else None
        first, second = (res or ([], []))
        union = sorted(set(first) | set(second))
        conflicts += bool(union)
        overlaps.append({
            'branches': [_name(rows[a]), _name(rows[b])],
            'files': shared[(a, b)],
            'conflict': None if res is None else bool(union),
            'conflict_files': None if res is None else union,
            # Which rebase stops: the second branch's, after the first lands.
            'rebase': None if res is None else [
                {'lands': _name(rows[a]), 'rebased': _name(rows[b]),
                 'conflict_files': first},
                {'lands': _name(rows[b]), 'rebased': _name(rows[a]),
                 'conflict_files': second}],
        })
    for (a, b), files in cut.items():
        overlaps.append({'branches': [_name(rows[a]), _name(rows[b])],
                         'files': files, 'conflict': None,
                         'conflict_files': None, 'cut': True})
    for r in rows:
        r.pop('result_tree', None)
        if not verdicts_known:
            r['base_conflict'] = r['base_conflict_files'] = None
        conflicts += bool(r['base_conflict'])
    hotspots = [{'file': f, 'branches': [_name(rows[i]) for i in idx]}
                for f, idx in sorted(hot.items())]
    for h in hotspots:
        notes.append(
            f"forecast cut at {h['file']}: {len(h['branches'])} branches "
            f'change it (more than {HOT_MAX}: too many pairs to hold), so '
            'their pairs were not forecast one by one; each was forecast '
            'against the base')
    if cut:
        more = forecast.suggest(budget, len(ranked), len(ranked) - len(cut))
        notes.append(f'budget: {len(cut):,} of {len(ranked):,} overlapping '
                     f'pairs not forecast in {budget:g} s (the pairs '
                     'sharing the fewest files); they are listed as overlap '
                     f'only; rerun with --budget {more}')
    directed = {(o['rebase'][k]['lands'], o['rebase'][k]['rebased']):
                o['rebase'][k]['conflict_files']
                for o in overlaps if o.get('rebase') for k in (0, 1)
                if o['rebase'][k]['conflict_files']}
    order: list[dict[str, Any]] = landing_order(
        [{'name': _name(r), 'issue': r['issue'], 'behind': r['behind'],
          'base_conflict': r['base_conflict'],
          'uncommitted': r['uncommitted']} for r in waiting],
        pairs_of(overlaps) | {
            frozenset((_name(rows[a]), _name(rows[b]))): ('cut', files)
            for (a, b), files in hot_only.items()}, directed)
    remote = {_name(r) for r in rows if r.get('remote')}
    for step in order:
        step['remote'] = step['branch'] in remote
        if step['remote']:
            step['ready'] = False
            step['before'].insert(0, 'pushed from another clone: it lands '
                                  'there (read-only here)')
    return {
        'base': {'ref': label, 'oid': base},
        'forecast': known,
        'committed_only': not dirty,
        'worktrees': rows, 'overlaps': overlaps, 'hotspots': hotspots,
        'landing_order': order, 'notes': notes,
        'conflicted_rebases': conflicted_rebases(
            [s['branch'] for s in order], directed),
        'exit_code': 1 if problems or conflicts else 0,
        'fetched': ctx.fetched,
        'fetched_label': f'{ctx.remote}/{ctx.base_branch}',
    }


def _pushed_elsewhere(ctx: Context, base: str | None,
                      wts: list[WorktreeInfo],
                      remote_oids: dict[str, str]) -> list[dict[str, Any]]:
    """Rows for the ``issue-*`` branches on the remote that no worktree
    here has (other clones pushed them): forecast, marked ``remote``,
    read-only (no checks, no uncommitted work)."""
    from worktree_guard.model import WorktreeInfo
    from worktree_guard.commands.wt import _ISSUE_NAME
    prefix = f'refs/remotes/{ctx.remote}/'
    here = {w.branch for w in wts if w.branch}
    found = []
    for ref, oid in sorted(remote_oids.items()):
        name = ref[len(prefix):]
        m = _ISSUE_NAME.match(name)
        if m is not None and name not in here:
            found.append((int(m.group(1)), f'{ctx.remote}/{name}', oid))
    rows = _collect(ctx, [WorktreeInfo('', name, oid)
                          for _, name, oid in found], base, dirty=False,
                    files=True)
    for (issue, _, _), r in zip(found, rows, strict=True):
        r.update(issue=issue, path=None, remote=True, checks=[], dirty=None,
                 uncommitted=False, snapshot=None, tip=r['head'])
        r.setdefault('files', None)
    return rows


def _uncommitted(ctx: Context, rows: list[dict[str, Any]], base: str | None,
                 dirty: bool, scratch: dict[str, str]) -> None:
    """Each row's ``dirty`` count, and for a dirty worktree a snapshot
    commit of its uncommitted work (``commands.wt.gitpy.snapshot``: nothing is
    touched) whose files and forecasts replace the branch's own."""
    boot = ctx.policy['worktrees']['bootstrap']
    for r in rows:
        ch = r.pop('changes', None)
        work = None if ch is None else [
            x for x in ch if not _is_bootstrap(x, boot)]
        r['dirty'] = None if work is None else len(work)
        r['uncommitted'] = False
        r['snapshot'] = None
        r['tip'] = r['head']
    if not dirty:
        return
    todo = [r for r in rows if r['dirty'] and r['head']]
    if not todo:
        return
    from worktree_guard.gitctx import fleet
    from worktree_guard.commands.wt.gitpy import snapshot
    snaps = _parallel(
        lambda r: snapshot(r['path'], r['head'], boot, scratch), todo)
    facts = fleet.branch_facts(ctx.repo, base, [s for s in snaps if s]) \
        if base is not None else {}
    for r, snap in zip(todo, snaps, strict=True):
        if snap is None:  # only changes git sees no content in (modes...)
            continue
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
_HOW = {'fast-forward': 'fast-forwarded into', 'cherry-pick':
        'cherry-picked into', 'squash': 'squash-merged into'}


def _pair_forecast(o: dict[str, Any]) -> list[str]:
    """What rebasing one of a pair after the other lands would do."""
    if o['conflict'] is None:
        return []
    if not o['conflict']:
        return ['    forecast: they rebase cleanly, in either order']
    one, two = o['rebase']
    if one['conflict_files'] and two['conflict_files']:
        return ['    forecast: rebasing either after the other lands would '
                'CONFLICT in ' + ', '.join(o['conflict_files'])]
    stop, clean = (one, two) if one['conflict_files'] else (two, one)
    return [f"    forecast: rebasing {stop['rebased']} after {stop['lands']}"
            ' lands would CONFLICT in ' + ', '.join(stop['conflict_files'])
            + f"; {clean['rebased']} after {clean['lands']}: clean"]



# The table's columns, for wt status and the --watch frame.
HEADINGS = ('ISSUE', 'BRANCH', 'DIRTY', 'BEHIND', 'AHEAD', 'FILES', 'REBASE',
            'CHECKS')


def cells(r: dict[str, Any]) -> tuple[str, ...]:
    """One worktree's row of the table (``-`` where a fact is unknown)."""
    def num(v: object) -> str:
        return '-' if v is None else str(v)
    return (num(r['issue']), _name(r) + ('*' if r['uncommitted'] else ''),
            num(r['dirty']), num(r['behind']), num(r['ahead']),
            '-' if r['files'] is None else str(len(r['files'])),
            _VERDICT.get(r['state'], '?'),
            'ok' if not r['checks'] else 'FAIL')


def render(ctx: Context, data: dict[str, Any], fetch: bool) -> str:
    """The dashboard as text."""
    from worktree_guard.commands.wt.plan import render as render_order
    label, base = data['base']['ref'], data['base']['oid']
    rows, overlaps = data['worktrees'], data['overlaps']
    if base is None:
        fresh = ''
    elif not fetch:
        fresh = '  (wt status --fetch refreshes it)'
    elif data['fetched'] and label == data['fetched_label']:
        fresh = '  (fetched just now)'
    else:
        fresh = '  (not refreshed: see the notes)'
    out = [f'base: {label}' + (f' {base[:12]}' if base else '') + fresh]
    if not rows:
        out.append('no active worktrees')
    else:
        table = [HEADINGS] + [cells(r) for r in rows]
        out.append(_table(table))
        if any(r['uncommitted'] for r in rows):
            out.append('* includes uncommitted work (a snapshot: nothing '
                       'was changed)')
        elif data['committed_only']:
            out.append('(committed work only: --committed)')
        pushed = [_name(r) for r in rows if r.get('remote')]
        if pushed:
            out.append(f"{', '.join(pushed)}: pushed from another clone, "
                       'no worktree here (forecast, read-only)')
    for r in rows:
        out.extend(f'  {_name(r)}: {c}' for c in r['checks'])
    for r in rows:
        if r['base_conflict']:
            rp = r['replay']
            out.append(f'  {_name(r)}: rebasing onto {label} would CONFLICT '
                       'in ' + ', '.join(r['base_conflict_files'])
                       + f" (commit {rp['step']} of {rp['commits']}, "
                       f"{rp['at'][:12]})")
        elif r['state'] in DONE and not r.get('remote'):
            what = f"LANDED ({_HOW[r['how']]} {label})" \
                if r['state'] == 'landed' else 'no commits of its own'
            issue = r['issue'] if r['issue'] is not None else '<N>'
            out.append(f'  {_name(r)}: {what}: not a step of the plan; '
                       f'worktree-guard wt remove {issue}')
    out.append('')
    out.append('overlap (branches that change the same files):')
    in_pair: set[str] = set()
    for o in overlaps:
        a, b = o['branches']
        in_pair.update((a, b))
        out.append(f'  {a} + {b}: ' + ', '.join(o['files']))
        out.extend(['    overlap only: not forecast (out of --budget)']
                   if o.get('cut') else _pair_forecast(o))
    for h in data['hotspots']:
        names = h['branches']
        in_pair.update(names)
        out.append(f"  {h['file']}: changed by {len(names)} branches: "
                   + ', '.join(names[:8]) + (', ...' if len(names) > 8
                                             else ''))
    if not overlaps and not data['hotspots']:
        out.append('  none')
    alone = [_name(r) for r in rows if _name(r) not in in_pair]
    if alone and in_pair:
        out.append('  no overlap: ' + ', '.join(alone))
    out.append('')
    out.extend(render_order(data['landing_order']))
    out.extend(f'note: {n}' for n in data['notes'])
    return '\n'.join(out)
