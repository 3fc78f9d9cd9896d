"""``wt status --html FILE``: the dashboard as one self-contained page.

No script, no external style sheet, font or image: the page opens from a
file with the network off.  Three parts: the worktree table, the overlap
matrix (branches x branches, each cell coloured by its forecast: clean,
overlap, conflict; grey where nothing is shared) and the landing order.
Elements carry ids and ``data-forecast`` attributes for tests and tools.
A hook problem every local worktree shares (``wt init`` never ran, say)
shows once, above the table (``id="hooks"``), not on each row.  With
``refresh`` the page reloads itself (``<meta http-equiv="refresh">``):
``wt status --watch --html FILE`` rewrites the file on every refresh.
"""
from __future__ import annotations

import html
import os
from typing import Any
from worktree_guard.errors import GuardError

# At most this many branches in the matrix (the ones that overlap first).
MATRIX_MAX = 60

COLOURS = {'conflict': '#d62728', 'clean': '#2ca02c', 'overlap': '#ff7f0e',
           'none': '#eeeeee', 'self': '#ffffff'}

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f4f4f4; }
#matrix td { width: 28px; height: 28px; padding: 0; }
#matrix th.col { writing-mode: vertical-rl; transform: rotate(180deg); }
.legend span { display: inline-block; padding: 2px 10px; margin-right: 6px;
               color: #fff; }
.CONFLICT { color: #d62728; font-weight: bold; }
""" + ''.join(f'td.{k} {{ background: {v}; }}\n' for k, v in COLOURS.items())


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _name(r: dict[str, Any]) -> str:
    return str(r['branch'] or f"(detached at {str(r['head'])[:12]})")


def shared_hooks(rows: list[dict[str, Any]]) -> list[str]:
    """The ``hooks:`` checks every local row has (remote rows have no
    checks): shown once, above the table."""
    local = [set(r['checks']) for r in rows if not r.get('remote')]
    if not local:
        return []
    return sorted(c for c in set.intersection(*local)
                  if c.startswith('hooks: '))


def render(data: dict[str, Any], refresh: int | None = None) -> str:
    rows = data['worktrees']
    base = data['base']
    common = shared_hooks(rows)
    out = ['<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">']
    if refresh is not None:
        out.append(f'<meta http-equiv="refresh" content="{int(refresh)}">')
    out += ['<title>worktree-guard wt status</title>',
            f'<style>{_STYLE}</style></head><body>',
            '<h1>worktree-guard wt status</h1>',
            f"<p>base: <code>{_e(base['ref'])}</code> "
            f"<code>{_e((base['oid'] or '')[:12])}</code></p>"]
    out += [f'<p id="hooks" class="CONFLICT">every worktree: {_e(c)}</p>'
            for c in common]
    out += ['<h2>Worktrees</h2>', '<table id="worktrees"><tr>']
    heads = ('issue', 'branch', 'dirty', 'behind', 'ahead', 'files',
             'rebase onto base', 'checks')
    out.append(''.join(f'<th>{h}</th>' for h in heads) + '</tr>')
    out += [_table_row(r, common) for r in rows]
    out.append('</table>')
    if any(r['uncommitted'] for r in rows):
        out.append('<p>* includes uncommitted work</p>')
    out += _matrix(rows, data['overlaps'], data['hotspots'])
    out += _landing_order(data['landing_order'])
    out += [f'<p class="note">note: {_e(n)}</p>' for n in data['notes']]
    out.append('</body></html>')
    return '\n'.join(out) + '\n'


def _table_row(r: dict[str, Any], common: list[str]) -> str:
    """One worktree's row of the table."""
    def num(v: object) -> object:
        return '-' if v is None else v
    merge = {'landed': 'LANDED', 'empty': 'empty'}.get(
        str(r.get('state')), {None: '?', False: 'clean', True: 'CONFLICT'}[
            r['base_conflict']])
    cells = (num(r['issue']), _name(r) + (' *' if r['uncommitted'] else ''),
             num(r['dirty']), num(r['behind']), num(r['ahead']),
             '-' if r['files'] is None else len(r['files']),
             merge, _checks(r['checks'], common))
    return '<tr>' + ''.join(
        f'<td class="{_e(c)}">{_e(c)}</td>' if c == 'CONFLICT'
        else f'<td>{_e(c)}</td>' for c in cells) + '</tr>'


def _landing_order(steps: list[dict[str, Any]]) -> list[str]:
    out = ['<h2>Landing order</h2><ol id="landing-order">']
    for s in steps:
        extra = '' if s['ready'] else f" (first: {'; '.join(s['before'])})"
        hand = ''.join(
            f"<li class=\"CONFLICT\">then rebase {_e(h['branch'])}: conflict "
            f"in {_e(', '.join(h['files']))}</li>" for h in s['hand_resolve'])
        out.append(f"<li>{_e(s['branch'])}{_e(extra)}"
                   + (f'<ul>{hand}</ul>' if hand else '') + '</li>')
    out.append('</ol>')
    return out


def _checks(checks: list[str], common: list[str]) -> str:
    """A row's checks cell: the shared hook problems point above."""
    if not checks:
        return 'ok'
    own = [c for c in checks if c not in common]
    return '; '.join(own + (['hooks: see above'] if len(own) < len(checks)
                            else []))


def _matrix(rows: list[dict[str, Any]], overlaps: list[dict[str, Any]],
            hotspots: list[dict[str, Any]]) -> list[str]:
    kind: dict[frozenset[str], tuple[str, list[str]]] = {}
    for o in overlaps:
        k = {True: 'conflict', False: 'clean', None: 'overlap'}[
            o['conflict']]
        kind[frozenset(o['branches'])] = (
            k, o['conflict_files'] if o['conflict'] else o['files'])
    for h in hotspots:
        names = h['branches'][:MATRIX_MAX]
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                kind.setdefault(frozenset((a, b)), ('overlap', [h['file']]))
    names = [_name(r) for r in rows]
    touched = {n for pair in kind for n in pair}
    shown = sorted(names, key=lambda n: (n not in touched, names.index(n)))
    cut = len(shown) > MATRIX_MAX
    shown = shown[:MATRIX_MAX]
    out = ['<h2>Overlap matrix</h2>', '<p class="legend">' + ''.join(
        f'<span style="background:{COLOURS[k]}">{k}</span>'
        for k in ('clean', 'overlap', 'conflict')) + '</p>']
    if cut:
        out.append(f'<p>showing {MATRIX_MAX} of {len(names)} branches '
                   '(the overlapping ones first)</p>')
    out.append('<table id="matrix"><tr><th></th>' + ''.join(
        f'<th class="col">{_e(n)}</th>' for n in shown) + '</tr>')
    for a in shown:
        cells = []
        for b in shown:
            if a == b:
                k, files = 'self', list[str]()
            else:
                k, files = kind.get(frozenset((a, b)), ('none', []))
            tip = f'{a} + {b}: {k}' + (f" ({', '.join(files)})" if files
                                       else '')
            cells.append(f'<td class="{k}" data-forecast="{k}" '
                         f'title="{_e(tip)}"></td>')
        out.append(f'<tr><th>{_e(a)}</th>{"".join(cells)}</tr>')
    out.append('</table>')
    return out


def write_page(path: str, data: dict[str, Any],
               refresh: int | None = None) -> None:
    """Write the page to ``path`` (atomically: a temp file, then rename);
    with ``refresh``, it reloads itself every ``refresh`` seconds."""
    tmp = f'{path}.tmp{os.getpid()}'
    try:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(render(data, refresh))
        os.replace(tmp, path)
    except OSError as e:
        raise GuardError(f'cannot write {path}: {e.strerror}',
                         'give a writable path: wt status --html FILE') \
            from None
