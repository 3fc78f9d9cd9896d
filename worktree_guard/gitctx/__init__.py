"""Git facts: the only package that runs git.

``process`` starts processes (``spawn``), ``version`` knows git's version, ``repo`` finds
the repository and reads HEAD, refs and worktrees.  The other modules gather
the facts of one domain each and return records from ``model``: ``branch``
(what a commit or push targets), ``paths`` (staged and pushed content,
with ``blobs`` reading and streaming whole files, ``scan`` the ``git
grep`` pre-filter, ``treefacts`` the judged tree's symlinks and Dockerfile
users, ``gitparse`` the parsers of git's outputs and ``pipes`` the
processes that overlap),
``sync`` (fetch, ancestry), ``worktrees`` (layout, the ``wt`` commands,
conflict forecasts) and ``receive`` (the server side).

Everything is read-only: nothing here changes the index, the working tree,
refs or the stash; the single exception is ``sync.fetch_base``, which
updates one remote-tracking ref when the policy asks.
"""
# The names below load their module on first use (PEP 562), so importing
# one submodule (the agent hook's ``gitctx.checkouts``) does not load the
# others.  mypy reads the TYPE_CHECKING imports.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx.process import LOCAL_ENV_VARS
    from worktree_guard.gitctx.process import ProcResult
    from worktree_guard.gitctx.process import decode
    from worktree_guard.gitctx.process import foreign_env
    from worktree_guard.gitctx.process import hook_env
    from worktree_guard.gitctx.process import spawn
    from worktree_guard.gitctx.process import stderr_tail
    from worktree_guard.gitctx.repo import Repo
    from worktree_guard.gitctx.repo import parse_worktree_list
    from worktree_guard.gitctx.version import MIN_GIT
    from worktree_guard.gitctx.version import USAGE_EXIT
    from worktree_guard.gitctx.version import git_version
    from worktree_guard.gitctx.version import too_old
    from worktree_guard.model import is_oid

_LAZY = {
    'Repo': 'gitctx.repo', 'parse_worktree_list': 'gitctx.repo',
    'LOCAL_ENV_VARS': 'gitctx.process', 'ProcResult': 'gitctx.process',
    'decode': 'gitctx.process', 'foreign_env': 'gitctx.process',
    'hook_env': 'gitctx.process', 'spawn': 'gitctx.process',
    'stderr_tail': 'gitctx.process', 'MIN_GIT': 'gitctx.version',
    'USAGE_EXIT': 'gitctx.version', 'git_version': 'gitctx.version',
    'too_old': 'gitctx.version', 'is_oid': 'model',
}

__all__ = [
    'LOCAL_ENV_VARS', 'MIN_GIT', 'USAGE_EXIT', 'ProcResult', 'Repo',
    'decode', 'foreign_env', 'git_version', 'hook_env', 'is_oid',
    'parse_worktree_list', 'spawn', 'stderr_tail', 'too_old',
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(__import__(f'worktree_guard.{module}', fromlist=[name]),
                    name)
    globals()[name] = value
    return value
