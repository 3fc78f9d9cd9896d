"""Git facts for the ``wt`` commands and the worktree-layout rule (issue 5).

``merge_conflicts`` forecasts a merge with ``git merge-tree --write-tree``
(git >= 2.38), which writes objects but touches no worktree, index or ref.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from worktree_guard.errors import GitError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy
    from worktree_guard.runner import StageInput

# git's exit code for an unknown option (old git without ``--write-tree``).
_USAGE = 129


def _is_oid(s: str) -> bool:
    return len(s) in (40, 64) and all(c in '0123456789abcdef' for c in s)


def merge_conflicts(repo: Repo, ours: str, theirs: str) -> list[str] | None:
    """The files a merge of ``theirs`` into ``ours`` would leave conflicted.

    ``[]`` when the merge is clean; ``None`` when git is too old to forecast
    (``merge-tree --write-tree`` needs git 2.38).  Bad revisions or
    unrelated histories raise ``GitError``.
    """
    res = repo.git('merge-tree', '--write-tree', '--name-only',
                   '--no-messages', '-z', ours, theirs, check=False)
    if res.returncode == _USAGE:
        return None
    fields = res.stdout.decode('utf-8', 'surrogateescape').split('\0')
    # Exit 0: clean, exit 1: conflicts.  Both print the tree first; an error
    # (a bad revision also exits 1) prints no tree.
    if res.returncode not in (0, 1) or not _is_oid(fields[0]):
        err = res.stderr.decode('utf-8', 'surrogateescape').strip()
        raise GitError(
            f'cannot forecast merging {theirs} into {ours}: '
            f'{err.splitlines()[-1] if err else "exit " + str(res.returncode)}',
        )
    if res.returncode == 0:
        return []
    names: list[str] = []
    for f in fields[1:]:
        if not f:  # the blank field ends the conflicted-file list
            break
        if f not in names:
            names.append(f)
    return names


def layout_facts(repo: Repo, policy: Policy, inp: StageInput) -> object:
    return None
