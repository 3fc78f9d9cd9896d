"""``wt plan``: only the landing order of the dashboard (``order``; ``wt
status`` shows it with the rest)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from worktree_guard.commands.wt.order import Directed
from worktree_guard.commands.wt.order import EXACT_MAX
from worktree_guard.commands.wt.order import Pairs
from worktree_guard.commands.wt.order import conflicted_rebases
from worktree_guard.commands.wt.order import landing_order
from worktree_guard.commands.wt.order import pairs_of
from worktree_guard.commands.wt.order import render
from worktree_guard.commands.wt import json_text
from worktree_guard.commands.wt.dashboard import gather

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context

__all__ = ['EXACT_MAX', 'Directed', 'Pairs', 'cmd_plan', 'conflicted_rebases',
           'landing_order', 'pairs_of', 'render']


def cmd_plan(ns: argparse.Namespace, ctx: Context) -> int:
    """Only the landing order (``wt status`` shows it with the rest)."""
    data = gather(ctx, ns.fetch, dirty=not ns.committed, budget=ns.budget)
    if ns.json:
        print(json_text({'base': data['base'],
                          'landing_order': data['landing_order'],
                          'notes': data['notes']}, indent=2))
        return 0
    print('\n'.join(render(data['landing_order'])))
    for n in data['notes']:
        print(f'note: {n}')
    return 0
