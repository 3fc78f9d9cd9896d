"""Edits that leaked into the main checkout, and moving them into an issue
worktree (issue 14: ``doctor`` lists them, ``wt rescue`` moves them;
issue 22: untracked files and commits too).

Three kinds of leak, each kept under ``refs/worktree-guard/rescued/``
before anything moves, so every byte can come back:

- tracked changes (``git diff HEAD``: staged or not), moved as one binary
  patch: checked to apply in the target worktree before anything changes,
  the main checkout's whole dirty state kept as a stash-like commit
  (``git stash create``: no ref but ours, no index or file changes), then
  applied in the target and reverse-applied in the main checkout;
- untracked files that are not ignored (an agent's new file), kept as a
  commit of them (a temporary index: the real one is not touched), then
  moved into the target (refused when the target has such a path);
- commits on the main checkout's branch that its upstream does not have
  (an agent committed on ``main``): the tip is kept under a rescue ref and
  the branch goes back to its upstream with ``git reset --keep``; the
  commits are then one ``git cherry-pick`` away in the target.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from worktree_guard.errors import GitError
from worktree_guard.errors import GuardError
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import foreign_env
from worktree_guard.gitctx.process import spawn
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.gitctx.worktrees import git_at

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

REF_PREFIX = 'refs/worktree-guard/rescued/'


class RescueRefused(GuardError):
    """The patch does not apply in the target: nothing was changed."""

    exit_code = 1


def _z(out: bytes) -> list[str]:
    return [f for f in decode(out).split('\0') if f]


def leaked_files(main_root: str) -> list[str]:
    """Tracked files whose content in the main checkout differs from HEAD
    (staged or not).  ``git status`` with no optional locks: ``git diff``
    would rewrite the index's stat data, and doctor changes nothing."""
    res = git_at(main_root, '--no-optional-locks', 'status', '--porcelain',
                 '-z', '--untracked-files=no', '--no-renames',
                 '--ignore-submodules=dirty')
    if res.returncode != 0:
        raise GitError(f'cannot read the changes in {main_root}: '
                       f'{stderr_tail(res)}')
    return sorted(entry[3:] for entry in _z(res.stdout))


def leaked_untracked(main_root: str) -> list[str]:
    """Untracked files of the main checkout that git does not ignore (an
    agent's new file; ignored ones, such as the worktrees root or a
    bootstrap copy, are not leaks)."""
    res = git_at(main_root, '--no-optional-locks', 'status', '--porcelain',
                 '-z', '--untracked-files=all', '--ignore-submodules=all')
    if res.returncode != 0:  # pragma: no cover (leaked_files' status ran)
        raise GitError(f'cannot read the untracked files in {main_root}: '
                       f'{stderr_tail(res)}')
    # A folder entry (``dir/``) is an embedded checkout, a worktree
    # under an unignored root, say: its own layout problem, not a leak.
    return sorted(e[3:] for e in _z(res.stdout)
                  if e.startswith('?? ') and not e.endswith('/'))


def unpushed(main_root: str) -> tuple[str, str, int] | None:
    """``(upstream, head, n)`` when the main checkout's branch has ``n`` > 0
    commits its upstream does not have (a commit made on ``main``);
    ``None`` without an upstream or when it has none."""
    up = git_at(main_root, 'rev-parse', '--verify', '-q', '@{upstream}')
    head = git_at(main_root, 'rev-parse', '--verify', '-q', 'HEAD')
    if up.returncode != 0 or head.returncode != 0:
        return None
    upstream, tip = decode(up.stdout).strip(), decode(head.stdout).strip()
    count = git_at(main_root, 'rev-list', '--count', f'{upstream}..{tip}')
    n = int(decode(count.stdout).strip() or 0) if count.returncode == 0 \
        else 0
    return (upstream, tip, n) if n else None


def overlap(main_root: str, branches: Sequence[str],
            files: Sequence[str]) -> dict[str, list[str]]:
    """Which of ``files`` each branch changes since it left the main
    checkout's HEAD."""
    wanted = set(files)
    out: dict[str, list[str]] = {}
    for branch in branches:
        res = git_at(main_root, 'diff', '--name-only', '--no-renames', '-z',
                     f'HEAD...{branch}', '--')
        if res.returncode != 0:
            continue
        hits = [f for f in _z(res.stdout) if f in wanted]
        if hits:
            out[branch] = hits
    return out


def _selected(files: list[str], paths: Sequence[str]) -> list[str]:
    if not paths:
        return files
    keep = []
    prefixes = [p.rstrip('/') for p in paths]
    for f in files:
        for p in prefixes:
            if p in ('', '.') or f == p or f.startswith(p + '/'):
                keep.append(f)
                break
    return keep


class Rescued:
    """What a rescue moved and where the copies are: ``ref`` keeps the
    tracked changes (``files``), ``untracked_ref`` the untracked files
    (``untracked``), ``commits_ref`` the main branch's old tip (``commits``
    commits past ``upstream``)."""

    def __init__(self) -> None:
        self.ref: str | None = None
        self.files: list[str] = []
        self.untracked_ref: str | None = None
        self.untracked: list[str] = []
        self.commits_ref: str | None = None
        self.commits = 0
        self.upstream: str | None = None


def rescue(main_root: str, target_root: str, paths: Sequence[str],
           stamp: str) -> Rescued:
    """Move the leaks under ``paths`` (all, commits included, when empty)
    from the main checkout into the worktree at ``target_root``."""
    out = Rescued()
    files = _selected(leaked_files(main_root), paths)
    untracked = _selected(leaked_untracked(main_root), paths)
    ahead = unpushed(main_root) if not paths else None
    if not files and not untracked and ahead is None:
        raise GuardError('nothing to rescue: no changed or untracked files, '
                         'and no commit on the main checkout\'s branch that '
                         'its upstream lacks' + (' under ' + ' '.join(paths)
                                                 if paths else ''),
                         'git -C <main checkout> status shows what is there')
    clash = [f for f in untracked
             if os.path.lexists(os.path.join(target_root, f))]
    if clash:
        raise RescueRefused(
            f'{target_root} already has {len(clash)} of the untracked '
            f'files; nothing was changed: {", ".join(clash[:5])}',
            'move or remove them there first, or rescue other paths')
    if files:
        out.ref = _move_tracked(main_root, target_root, files, stamp)
        out.files = files
    if untracked:
        out.untracked_ref = _keep(main_root, _snapshot(main_root, untracked),
                                  stamp + '-untracked')
        for f in untracked:
            dest = os.path.join(target_root, f)
            os.makedirs(os.path.dirname(dest) or '.', exist_ok=True)
            shutil.move(os.path.join(main_root, f), dest)
        out.untracked = untracked
    if ahead is not None:
        upstream, tip, n = ahead
        out.commits_ref = _keep(main_root, tip, stamp + '-commits')
        res = git_at(main_root, 'reset', '-q', '--keep', upstream)
        # (The tracked changes were moved out just before: --keep has no
        # local change to protect, so only a git failure lands here.)
        if res.returncode != 0:  # pragma: no cover
            raise GitError(f'the commits made on the main checkout\'s '
                           f'branch are kept in {out.commits_ref}, but '
                           f'resetting it to {upstream[:12]} failed: '
                           f'{stderr_tail(res)}')
        out.commits, out.upstream = n, upstream
    return out


def _snapshot(main_root: str, files: list[str]) -> str:
    """A commit (on HEAD) of the untracked ``files``, made through a
    temporary index: the checkout's index is not touched."""
    with tempfile.TemporaryDirectory(prefix='wg-rescue-') as tmp:
        env = {**foreign_env(), 'GIT_INDEX_FILE': os.path.join(tmp, 'index')}

        def git(*args: str) -> str:
            res = spawn(['git', '-C', main_root, *args], env=env)
            if res.returncode != 0:  # pragma: no cover (a git failure)
                raise GitError(f'cannot keep a copy of the untracked '
                               f'files: {stderr_tail(res)}')
            return decode(res.stdout).strip()

        git('read-tree', 'HEAD')
        git('add', '-f', '--', *files)
        tree = git('write-tree')
        return git('commit-tree', tree, '-p', 'HEAD', '-m',
                   'worktree-guard rescue: untracked files')


def _move_tracked(main_root: str, target_root: str, files: list[str],
                  stamp: str) -> str:
    """Move the tracked changes of ``files``; the ref that keeps the
    main checkout's state."""
    res = git_at(main_root, 'diff', 'HEAD', '--binary', '--no-renames',
                 '--', *files)
    if res.returncode != 0:  # pragma: no cover (the same diff just worked)
        raise GitError(f'cannot make the patch: {stderr_tail(res)}')
    patch = res.stdout
    check = git_at(target_root, 'apply', '--check', '--binary', input=patch)
    if check.returncode != 0:
        why = decode(check.stderr).strip().splitlines()
        raise RescueRefused(
            f'the changes do not apply in {target_root}; nothing was '
            'changed:\n  ' + '\n  '.join(why[:10]),
            'commit or stash the conflicting work there first, or rescue '
            'fewer paths: worktree-guard wt rescue <N> <path>...')
    snap = git_at(main_root, 'stash', 'create',
                  f'worktree-guard rescue into {target_root}')
    oid = decode(snap.stdout).strip()
    if snap.returncode != 0 or not oid:  # pragma: no cover (files changed)
        raise GitError(f'cannot keep a copy of the changes: '
                       f'{stderr_tail(snap)}')
    ref = _keep(main_root, oid, stamp)
    applied = git_at(target_root, 'apply', '--binary', input=patch)
    if applied.returncode != 0:  # pragma: no cover (checked just above)
        raise GitError(f'the patch did not apply in {target_root}: '
                       f'{stderr_tail(applied)}; the main checkout is '
                       f'untouched, its changes are also in {ref}')
    cleared = git_at(main_root, 'apply', '-R', '--binary', input=patch)
    reset = git_at(main_root, 'reset', '-q', 'HEAD', '--', *files)
    if cleared.returncode != 0 or reset.returncode != 0:  # pragma: no cover
        raise GitError(f'the changes are in {target_root} now, but '
                       'clearing them from the main checkout failed: '
                       f'{stderr_tail(cleared)}; git stash apply --index '
                       f'{ref} puts the main checkout back')
    return ref


def _keep(main_root: str, oid: str, stamp: str) -> str:
    """A new ref ``refs/worktree-guard/rescued/<stamp>[-n]`` at ``oid``."""
    zero = '0' * len(oid)
    for n in range(1, 100):
        ref = REF_PREFIX + stamp + (f'-{n}' if n > 1 else '')
        res = git_at(main_root, 'update-ref', '-m', 'worktree-guard rescue',
                     ref, oid, zero)
        if res.returncode == 0:
            return ref
    raise GitError('cannot create a ref under ' + REF_PREFIX)  # pragma: no cover
