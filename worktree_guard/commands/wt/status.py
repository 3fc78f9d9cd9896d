"""``wt status``: the parallel-work dashboard (checks, overlap, conflict
forecast)."""
from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING


if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context

from worktree_guard.commands.wt import _name
from worktree_guard.commands.wt import _table
from worktree_guard.commands.wt.listing import _collect


def cmd_status(ns: argparse.Namespace, ctx: Context) -> int:
    from worktree_guard.model import BranchFacts
    from worktree_guard.model import BranchTarget
    from worktree_guard.gitctx import worktrees
    from worktree_guard.commands.doctor import hook_states
    from worktree_guard.runner import evaluate
    repo, policy = ctx.repo, ctx.policy
    notes: list[str] = []
    label, base = ctx.base_tip(ns.fetch, notes)
    all_wts = repo.worktrees()
    for w in all_wts:
        if w.prunable:
            notes.append(f'{w.path} is prunable ({w.prunable}): '
                         'worktree-guard wt prune')
    active = sorted(
        (w for w in all_wts if not w.bare and not w.prunable
         and w.branch != ctx.base_branch),
        key=lambda w: (min(ctx.issues_of(w), default=0), w.path))
    rows = _collect(ctx, active, base, dirty=False, files=True)
    layout = worktrees.layout_facts_all(repo, policy, active)
    hooks = hook_states(repo, [w.path for w in active])
    problems = 0
    for w, r in zip(active, rows, strict=True):
        checks: list[str] = []
        if w.branch is not None:
            is_new = repo.ref_oid(
                f'refs/remotes/{ctx.remote}/{w.branch}') is None
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

    # Overlap: pairs of branches that change a file in common.
    by_file: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        for f in r['files'] or ():
            by_file.setdefault(f, []).append(i)
    shared: dict[tuple[int, int], list[str]] = {}
    for f, idx in sorted(by_file.items()):
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                shared.setdefault((idx[a], idx[b]), []).append(f)
    pairs = sorted(shared)
    # Forecast: the overlapping pairs, and each branch the base moved under.
    against_base = [i for i, r in enumerate(rows)
                    if base is not None and r['behind'] and r['files']]
    jobs = [(rows[a]['head'], rows[b]['head']) for a, b in pairs] + \
        [(rows[i]['head'], base) for i in against_base]
    forecast = worktrees.merge_conflicts_many(repo, jobs) if jobs else []
    if forecast is None:
        notes.append('git is older than 2.38 (no merge-tree --write-tree): '
                     'no conflict forecast, overlap only')
    overlaps = []
    conflicts = 0
    for n, (a, b) in enumerate(pairs):
        res = forecast[n] if forecast is not None else None
        conflicts += bool(res)
        overlaps.append({
            'branches': [_name(rows[a]), _name(rows[b])],
            'files': shared[(a, b)],
            'conflict': None if res is None else bool(res),
            'conflict_files': res,
        })
    known = forecast is not None and base is not None
    for r in rows:
        # Up to date with the base (or no changes): nothing to conflict.
        r['base_conflict'] = False if known else None
        r['base_conflict_files'] = [] if known else None
    if forecast is not None:
        for n, i in enumerate(against_base):
            res = forecast[len(pairs) + n]
            rows[i]['base_conflict'] = bool(res)
            rows[i]['base_conflict_files'] = res
            conflicts += bool(res)
    code = 1 if problems or conflicts else 0
    if ns.json:
        import json
        print(json.dumps({
            'base': {'ref': label, 'oid': base},
            'forecast': forecast is not None,
            'worktrees': rows, 'overlaps': overlaps, 'notes': notes,
            'exit_code': code,
        }, indent=2))
        return code
    _print_status(ctx, label, base, rows, overlaps, notes, ns.fetch)
    return code


def _print_status(ctx: Context, label: str, base: str | None,
                  rows: list[dict[str, Any]], overlaps: list[dict[str, Any]],
                  notes: list[str], fetch: bool) -> None:
    if base is None:
        fresh = ''
    elif not fetch:
        fresh = '  (wt status --fetch refreshes it)'
    elif ctx.fetched and label == f'{ctx.remote}/{ctx.base_branch}':
        fresh = '  (fetched just now)'
    else:
        fresh = '  (not refreshed: see the notes)'
    print(f'base: {label}' + (f' {base[:12]}' if base else '') + fresh)
    if not rows:
        print('no active worktrees')
    else:
        table = [('ISSUE', 'BRANCH', 'BEHIND', 'AHEAD', 'FILES', 'MERGE',
                  'CHECKS')]
        for r in rows:
            merge = {None: '?', False: 'clean', True: 'CONFLICT'}[
                r['base_conflict']]
            table.append((
                '-' if r['issue'] is None else str(r['issue']), _name(r),
                '-' if r['behind'] is None else str(r['behind']),
                '-' if r['ahead'] is None else str(r['ahead']),
                '-' if r['files'] is None else str(len(r['files'])), merge,
                'ok' if not r['checks'] else 'FAIL',
            ))
        print(_table(table))
    for r in rows:
        for c in r['checks']:
            print(f'  {_name(r)}: {c}')
    for r in rows:
        if r['base_conflict']:
            print(f'  {_name(r)}: merging {label} would CONFLICT in '
                  + ', '.join(r['base_conflict_files']))
    print()
    print('overlap (branches that change the same files):')
    in_pair: set[str] = set()
    for o in overlaps:
        a, b = o['branches']
        in_pair.update((a, b))
        print(f'  {a} + {b}: ' + ', '.join(o['files']))
        if o['conflict'] is True:
            print('    forecast: merging them would CONFLICT in '
                  + ', '.join(o['conflict_files']))
        elif o['conflict'] is False:
            print('    forecast: they merge cleanly')
    if not overlaps:
        print('  none')
    alone = [_name(r) for r in rows if _name(r) not in in_pair]
    if alone and overlaps:
        print('  no overlap: ' + ', '.join(alone))
    for n in notes:
        print(f'note: {n}')
