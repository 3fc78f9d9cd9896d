"""``wt status --watch``: the dashboard, refreshed in place until Ctrl-C.

It redraws when a ref moves (git renames a lock file into place, so the
folder's mtime changes; ``packed-refs`` too) or when any worktree's index
or HEAD changes, and at least every ``--interval`` seconds (edits that are
not staged show then).  Polling a few dozen ``stat`` calls four times a
second costs nothing next to one dashboard; no inotify dependency.
``--fetch`` fetches once, for the first frame.
"""
from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context

CLEAR = '\x1b[H\x1b[2J'
POLL = 0.25


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
    from worktree_guard.commands.wt import Context as Ctx
    from worktree_guard.commands.wt.status import gather
    from worktree_guard.commands.wt.status import render
    interval = max(POLL, ns.interval)
    fetch = ns.fetch
    try:
        while True:
            data = gather(ctx, fetch, dirty=not ns.committed,
                          budget=ns.budget)
            frame = render(ctx, data, fetch)
            sys.stdout.write(
                f'{CLEAR}{frame}\n\nrefreshed {time.strftime("%H:%M:%S")}'
                f' (on every ref or index change, at least every '
                f'{interval:g} s); Ctrl-C to stop\n')
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
