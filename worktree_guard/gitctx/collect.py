"""The facts collectors, by the name a rule's ``FACTS`` gives.

Each is ``collector(repo, policy, inp) -> facts record``; the runner calls
the one a rule names, once per run, and hands the record to the rule.
"""
from __future__ import annotations

from worktree_guard.gitctx.branch import branch_facts
from worktree_guard.gitctx.paths import path_facts
from worktree_guard.gitctx.sync import sync_facts
from worktree_guard.gitctx.worktrees import layout_facts

COLLECTORS = {
    'branch': branch_facts,
    'layout': layout_facts,
    'paths': path_facts,
    'sync': sync_facts,
}
