"""The facts collectors, by the name a rule's ``FACTS`` gives.

Each is ``collector(repo, policy, inp) -> facts record``; the runner calls
the one a rule names, once per run, and hands the record to the rule.
A collector's module loads when a rule first asks for its facts: a push
never loads the commit's layout collector, a commit never the sync one.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable

# name -> (module, function)
COLLECTORS = {
    'branch': ('worktree_guard.gitctx.branch', 'branch_facts'),
    'layout': ('worktree_guard.gitctx.worktrees', 'layout_facts'),
    'paths': ('worktree_guard.gitctx.paths', 'path_facts'),
    'sync': ('worktree_guard.gitctx.sync', 'sync_facts'),
}


def collector(kind: str) -> Callable[..., object]:
    """The collector of the facts named ``kind`` (a ``COLLECTORS`` key)."""
    module, name = COLLECTORS[kind]
    found: Callable[..., object] = getattr(
        __import__(module, fromlist=[name]), name)
    return found
