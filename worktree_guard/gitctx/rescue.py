"""Edits that leaked into the main checkout, and moving them into an issue
worktree (issue 14: ``doctor`` lists them, ``wt rescue`` moves them).

Only tracked changes count (``git diff HEAD``: staged or not).  A rescue
moves them as one binary patch: it checks that the patch applies in the
target worktree before it changes anything, keeps the main checkout's whole
dirty state as a stash-like commit under ``refs/worktree-guard/rescued/``
(``git stash create``: no ref but ours, no index or file changes), then
applies the patch in the target and reverse-applies it in the main
checkout.  ``git stash apply --index <ref>`` in the main checkout brings
every byte back.
"""
from __future__ import annotations

from worktree_guard.errors import GitError
from worktree_guard.errors import GuardError
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.gitctx.worktrees import git_at

TYPE_CHECKING = False
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


def rescue(main_root: str, target_root: str, paths: Sequence[str],
           stamp: str) -> tuple[str, list[str]]:
    """Move the leaked changes under ``paths`` (all when empty) from the
    main checkout into the worktree at ``target_root``.  Returns the ref
    that keeps the main checkout's state, and the files moved."""
    files = _selected(leaked_files(main_root), paths)
    if not files:
        raise GuardError('nothing to rescue: no tracked changes in the main '
                         'checkout' + (' under ' + ' '.join(paths)
                                       if paths else ''),
                         'git -C <main checkout> status shows what is there')
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
    return ref, files


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
