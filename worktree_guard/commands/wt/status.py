"""``wt status``: the parallel-work dashboard (checks, uncommitted work,
overlap, conflict forecast, landing order), once, as JSON or HTML, or
refreshed in place (``--watch``)."""
from __future__ import annotations

from typing import Any
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context

from worktree_guard.commands.wt import json_text
from worktree_guard.commands.wt import branch_label
from worktree_guard.commands.wt import text_table
from worktree_guard.commands.wt.dashboard import HEADINGS
from worktree_guard.commands.wt.dashboard import cells
from worktree_guard.commands.wt.dashboard import gather
from worktree_guard.commands.wt.forecast import DONE
from worktree_guard.commands.wt.watch import watch
from worktree_guard.commands.wt.html import write_page
from worktree_guard.commands.wt.order import render as render_order

__all__ = ['HEADINGS', 'cells', 'cmd_status', 'gather', 'render']

_HOW = {'fast-forward': 'fast-forwarded into', 'cherry-pick':
        'cherry-picked into', 'squash': 'squash-merged into'}


def cmd_status(ns: argparse.Namespace, ctx: Context) -> int:
    if ns.watch:
        return watch(ns, ctx)
    data = gather(ctx, ns.fetch, dirty=not ns.committed, budget=ns.budget)
    if ns.html:
        write_page(ns.html, data, ns.refresh)
    if ns.json:
        print(json_text(data, indent=2))
    elif ns.html:
        print(f'wrote {ns.html}')
    else:
        print(render(ctx, data, ns.fetch))
    return int(data['exit_code'])


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


def render(ctx: Context, data: dict[str, Any], fetch: bool) -> str:
    """The dashboard as text: the base, the table, each row's findings,
    the overlap, the landing order, the notes."""
    label, base = data['base']['ref'], data['base']['oid']
    out = [f'base: {label}' + (f' {base[:12]}' if base else '')
           + _freshness(data, fetch)]
    out += _table_lines(data)
    for r in data['worktrees']:
        out.extend(f'  {branch_label(r)}: {c}' for c in r['checks'])
    for r in data['worktrees']:
        out += _row_verdict(r, label)
    out += ['', 'overlap (branches that change the same files):']
    out += _overlap_lines(data)
    out.append('')
    out.extend(render_order(data['landing_order']))
    out.extend(f'note: {n}' for n in data['notes'])
    return '\n'.join(out)


def _freshness(data: dict[str, Any], fetch: bool) -> str:
    """How fresh the base is, after its name."""
    if data['base']['oid'] is None:
        return ''
    if not fetch:
        return '  (wt status --fetch refreshes it)'
    if data['fetched'] and data['base']['ref'] == data['fetched_label']:
        return '  (fetched just now)'
    return '  (not refreshed: see the notes)'


def _table_lines(data: dict[str, Any]) -> list[str]:
    """The table of worktrees and what its marks mean."""
    rows = data['worktrees']
    if not rows:
        return ['no active worktrees']
    out = [text_table([HEADINGS] + [cells(r) for r in rows])]
    if any(r['uncommitted'] for r in rows):
        out.append('* includes uncommitted work (a snapshot: nothing was '
                   'changed)')
    elif data['committed_only']:
        out.append('(committed work only: --committed)')
    pushed = [branch_label(r) for r in rows if r.get('remote')]
    if pushed:
        out.append(f"{', '.join(pushed)}: pushed from another clone, no "
                   'worktree here (forecast, read-only)')
    return out


def _row_verdict(r: dict[str, Any], label: str) -> list[str]:
    """A row's conflict with the base, or why it is no step of the plan."""
    if r['base_conflict']:
        rp = r['replay']
        return [f'  {branch_label(r)}: rebasing onto {label} would CONFLICT in '
                + ', '.join(r['base_conflict_files'])
                + f" (commit {rp['step']} of {rp['commits']}, "
                f"{rp['at'][:12]})"]
    if r['state'] not in DONE or r.get('remote'):
        return []
    what = f"LANDED ({_HOW[r['how']]} {label})" \
        if r['state'] == 'landed' else 'no commits of its own'
    issue = r['issue'] if r['issue'] is not None else '<N>'
    return [f'  {branch_label(r)}: {what}: not a step of the plan; '
            f'worktree-guard wt remove {issue}']


def _overlap_lines(data: dict[str, Any]) -> list[str]:
    """The overlapping pairs with their forecasts, the hotspots, and the
    branches that overlap none."""
    out: list[str] = []
    in_pair: set[str] = set()
    for o in data['overlaps']:
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
    if not out:
        out.append('  none')
    alone = [branch_label(r) for r in data['worktrees'] if branch_label(r) not in in_pair]
    if alone and in_pair:
        out.append('  no overlap: ' + ', '.join(alone))
    return out
