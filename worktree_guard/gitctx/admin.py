"""git for the commands that set things up rather than judge: ``install
--server`` (a bare repository on the server) and ``demo`` (a throw-away
repository).  Both point git at another repository than the cwd's, so git
runs with ``foreign_env``: a hook's ``GIT_DIR`` must not leak into it."""
from __future__ import annotations

import os

from worktree_guard.gitctx.process import ProcResult
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import foreign_env
from worktree_guard.gitctx.process import spawn


def git_at(path: str, *args: str,
           env: dict[str, str] | None = None) -> ProcResult:
    """``git -C path args``; ``env`` defaults to ``foreign_env()``."""
    return spawn(['git', '-C', path, *args],
                 env=foreign_env() if env is None else env)


def bare_hooks_dir(bare: str) -> str | None:
    """The hooks folder of the bare repository ``bare`` (``core.hooksPath``
    honoured); ``None`` when ``bare`` is not a bare repository."""
    res = git_at(bare, 'rev-parse', '--is-bare-repository', '--git-path',
                 'hooks')
    lines = decode(res.stdout).split('\n')
    if res.returncode != 0 or lines[0] != 'true':
        return None
    return os.path.join(bare, lines[1])


def hooks_dir_at(path: str) -> str:
    """The hooks folder of the repository at ``path``, whatever it is;
    ``<path>/hooks`` when git cannot say."""
    res = git_at(path, 'rev-parse', '--git-path', 'hooks')
    hooks = decode(res.stdout).strip() if res.returncode == 0 else 'hooks'
    return os.path.join(path, hooks)


def config_default(path: str, key: str, value: str) -> bool:
    """Set ``key`` in the repository at ``path`` unless it is set already;
    True when it was set here."""
    if git_at(path, 'config', '--get', key).returncode != 1:
        return False
    git_at(path, 'config', key, value)
    return True
