"""git's version: what worktree-guard needs, and what the git on PATH is."""
from __future__ import annotations

from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import spawn


# worktree-guard needs git 2.38; a few subcommands are checked before use.
MIN_GIT = (2, 38)
USAGE_EXIT = 129  # git's exit code for an unknown option
NEEDS_GIT: dict[str, tuple[tuple[int, ...], str]] = {
    'merge-tree': ((2, 38), 'merge-tree --write-tree (conflict forecasts)'),
}
_version_cache: list[tuple[int, ...] | None] = []


def parse_git_version(text: str) -> tuple[int, ...] | None:
    """``git version 2.39.5`` (``.windows.1``, `` (Apple Git-143)``)."""
    parts = text.split()
    if len(parts) < 3 or parts[:2] != ['git', 'version']:
        return None
    nums = []
    for p in parts[2].split('.'):
        if not p.isdigit():
            break
        nums.append(int(p))
    return tuple(nums) or None


def git_version() -> tuple[int, ...] | None:
    """The version of the git on PATH (one process, once per run)."""
    if not _version_cache:
        res = spawn(['git', 'version'])
        _version_cache.append(parse_git_version(decode(res.stdout)))
    return _version_cache[0]


def too_old(minimum: tuple[int, ...], feature: str) -> str | None:
    """Why git is too old for ``feature``, or None if it is new enough (or
    its version cannot be read: then git itself decides)."""
    version = git_version()
    if version is None or version >= minimum:
        return None
    have = '.'.join(map(str, version))
    need = '.'.join(map(str, minimum))
    return f'git {have} is older than {need}, which {feature} needs'
