"""Git facts: the only package that runs git.

``process`` starts processes (``spawn``), ``version`` knows git's version, ``repo`` finds
the repository and reads HEAD, refs and worktrees.  The other modules gather
the facts of one domain each and return records from ``model``: ``branch``
(what a commit or push targets), ``paths`` (staged and pushed content),
``sync`` (fetch, ancestry), ``worktrees`` (layout, the ``wt`` commands,
conflict forecasts) and ``receive`` (the server side).

Everything is read-only: nothing here changes the index, the working tree,
refs or the stash; the single exception is ``sync.fetch_base``, which
updates one remote-tracking ref when the policy asks.
"""
from __future__ import annotations

from worktree_guard.gitctx.repo import Repo
from worktree_guard.gitctx.repo import parse_worktree_list
from worktree_guard.gitctx.process import LOCAL_ENV_VARS
from worktree_guard.gitctx.process import ProcResult
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import foreign_env
from worktree_guard.gitctx.process import hook_env
from worktree_guard.gitctx.process import spawn
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.gitctx.version import MIN_GIT
from worktree_guard.gitctx.version import USAGE_EXIT
from worktree_guard.gitctx.version import git_version
from worktree_guard.gitctx.version import too_old
from worktree_guard.model import is_oid

__all__ = [
    'LOCAL_ENV_VARS', 'MIN_GIT', 'USAGE_EXIT', 'ProcResult', 'Repo',
    'decode', 'foreign_env', 'git_version', 'hook_env', 'is_oid',
    'parse_worktree_list', 'spawn', 'stderr_tail', 'too_old',
]
