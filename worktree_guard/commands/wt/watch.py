"""``wt status --watch``: the dashboard, refreshed in place until Ctrl-C.

It redraws when a ref moves (git renames a lock file into place, so the
folder's mtime changes; ``packed-refs`` too) or when any worktree's index
or HEAD changes, and at least every ``--interval`` seconds (edits that are
not staged show then).  Polling a few dozen ``stat`` calls four times a
second costs nothing next to one dashboard; no inotify dependency.
``--fetch`` fetches once, for the first frame.

A frame fits the terminal (``frame``, a pure function of the dashboard's
data and the terminal's size): the worktree table, its rows sorted by
urgency (``urgency``), as many as fit, then ``+N more (wt status for
all)``, a one-line summary and the refresh line.
"""
from __future__ import annotations

import math
import os
import shutil
import sys
import time
from typing import Any
from typing import TYPE_CHECKING
from worktree_guard.commands.wt import branch_label
from worktree_guard.commands.wt import text_table
from worktree_guard.commands.wt.dashboard import HEADINGS
from worktree_guard.commands.wt.dashboard import cells
from worktree_guard.commands.wt import Context as Ctx
from worktree_guard.commands.wt.dashboard import gather
from worktree_guard.commands.wt.html import write_page

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context

CLEAR = '\x1b[H\x1b[2J'
POLL = 0.25
# Why a row is where it is, most urgent first.
URGENCY = ('CONFLICT with base', 'CONFLICT with a branch', 'checks FAIL',
           'behind', 'dirty', '')


def urgency(r: dict[str, Any], paired: set[str]) -> int:
    """A row's rank in ``URGENCY``: a conflict with the base, then a
    conflicting pair, failing checks, behind, dirty; clean last."""
    if r['base_conflict']:
        return 0
    if branch_label(r) in paired:
        return 1
    if r['checks']:
        return 2
    if r['behind']:
        return 3
    return 4 if r['dirty'] or r['uncommitted'] else 5


def frame(data: dict[str, Any], columns: int, lines: int,
          footer: str) -> str:
    """The dashboard in ``lines`` x ``columns`` (the last line stays free
    for the cursor): the base, the table sorted by urgency, cut with a
    ``+N more`` line, a summary, ``footer``."""
    rows = data['worktrees']
    paired = {n for o in data['overlaps'] if o['conflict']
              for n in o['branches']}
    ranked = sorted(enumerate(rows),
                    key=lambda ir: (urgency(ir[1], paired), ir[0]))
    base = data['base']
    head = [f"base: {base['ref']}" + (f" {base['oid'][:12]}"
                                      if base['oid'] else '')]
    conflicts = sum(bool(r['base_conflict']) for r in rows)
    pairs = sum(bool(o['conflict']) for o in data['overlaps'])
    order = data['landing_order']
    tail = ['', f'{conflicts} conflicting with the base, {pairs} conflicting'
            f' pairs, {len(data["notes"])} notes'
            + (f"; land next: {order[0]['branch']}" if order else ''),
            '', footer]
    room = max(0, lines - 1 - len(head) - len(tail) - 1)  # the table head
    body: list[str] = []
    if not rows:
        body.append('no active worktrees')
    else:
        shown = ranked if len(ranked) <= room else ranked[:max(0, room - 1)]
        table: list[tuple[str, ...]] = [(*HEADINGS, 'WHY')]
        for _, r in shown:
            table.append((*cells(r), URGENCY[urgency(r, paired)]))
        body = text_table(table).splitlines()
        if len(shown) < len(ranked):
            body.append(f'+{len(ranked) - len(shown)} more (wt status for '
                        'all)')
    return '\n'.join(line[:columns] for line in head + body + tail)


def signature(common_dir: str) -> tuple[tuple[str, int], ...]:
    """The mtimes that change when a ref, an index or a HEAD does."""
    out: list[tuple[str, int]] = []

    def add(path: str) -> None:
        try:
            out.append((path, os.stat(path).st_mtime_ns))
        except OSError:
            out.append((path, 0))

    add(os.path.join(common_dir, 'packed-refs'))
    for root, dirs, _files in os.walk(os.path.join(common_dir, 'refs')):
        dirs.sort()
        add(root)
    gitdirs = [common_dir]
    try:
        gitdirs += sorted(
            os.path.join(common_dir, 'worktrees', n)
            for n in os.listdir(os.path.join(common_dir, 'worktrees')))
    except OSError:
        pass
    for d in gitdirs:
        add(os.path.join(d, 'index'))
        add(os.path.join(d, 'HEAD'))
    return tuple(out)


def watch(ns: argparse.Namespace, ctx: Context) -> int:
    interval = max(POLL, ns.interval)
    fetch = ns.fetch
    try:
        while True:
            data = gather(ctx, fetch, dirty=not ns.committed,
                          budget=ns.budget)
            if ns.html:
                write_page(ns.html, data, ns.refresh or math.ceil(interval))
            size = shutil.get_terminal_size()
            footer = (f'Ctrl-C to stop; refreshed {time.strftime("%H:%M:%S")}'
                      f' on a ref or index change, at least every '
                      f'{interval:g} s')
            sys.stdout.write(
                f'{CLEAR}{frame(data, size.columns, size.lines, footer)}\n')
            sys.stdout.flush()
            fetch = False
            seen = signature(ctx.repo.common_dir)
            due = time.monotonic() + interval
            while time.monotonic() < due and \
                    signature(ctx.repo.common_dir) == seen:
                time.sleep(POLL)
            ctx = Ctx(ns.policy)  # fresh worktree list and policy
    except KeyboardInterrupt:
        sys.stdout.write('\n')
        return 0
