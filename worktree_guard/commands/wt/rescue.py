"""``wt rescue <N> [paths...]``: find issue N's worktree; commands/rescue.py
moves the leaked edits (issue 14)."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from worktree_guard.commands import rescue
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt import linked_worktrees
from worktree_guard.errors import GuardError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context


def cmd_rescue(ns: argparse.Namespace, ctx: Context) -> int:
    issue = issue_number(ns.issue)
    main = ctx.repo.main_root()
    if main is None:
        raise GuardError('no main checkout: the repository is bare',
                         'wt rescue moves changes out of the main checkout')
    found = [w for w in linked_worktrees(ctx) if issue in ctx.issues_of(w)
             and os.path.isdir(w.path)]
    if len(found) != 1:
        raise GuardError(
            f'no worktree for issue {issue}' if not found else
            f'issue {issue} has {len(found)} worktrees',
            "'worktree-guard wt list' shows the worktrees")
    return rescue.run(main, found[0].path, ctx.show(found[0].path),
                      ns.paths)
