"""Opt-in audit for the test suite: prove a run changed nothing the user has.

With ``WORKTREE_GUARD_AUDIT`` in the environment when ``worktree_guard.cli``
is imported, ``cli.main`` is :func:`audited`'s wrapper (the test suite sets
it in ``tests/conftest.py``, before anything imports the package, so native
hooks, pre-commit hooks, the console script and in-process ``main()`` calls
are all covered).  While the variable names a file, the wrapper snapshots
the repository before and after each hook-like run, inside the same
process, and appends every difference to that file (one line each).
Without the variable nothing imports this module, so normal runs pay
nothing for it.

What is compared: the raw bytes of the index (and of ``$GIT_INDEX_FILE``, the
temporary index of ``git commit -a`` / ``git commit -- <path>``), ``HEAD`` and
the in-progress state files (``MERGE_HEAD``...), every ref (loose files and
``packed-refs``, resolved to one name -> value map), the stash's reflog, and
every tracked and untracked working-tree file: its ``lstat`` (mode, size,
mtime, inode: a rewrite with the same content still shows) and, up to 1 MiB,
a digest of its bytes.  The one allowed
change is a remote-tracking ref (``refs/remotes/...``) in a push-stage run,
where the policy may fetch the base branch.
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence
    from typing import Protocol

    class Main(Protocol):
        """``cli.main``'s signature."""

        def __call__(self, argv: Sequence[str] | None = None) -> int: ...

# Commands that judge a repository and must leave it as it was (and ``wt
# list``/``wt status``/``wt plan``/``wt path``).  ``init``, ``install``, the other ``wt`` commands
# and ``demo`` change things on purpose.
AUDITED = ('hook', 'check', 'policy', 'doctor', 'pre-receive', 'update',
           'agent')
STATE_FILES = ('HEAD', 'ORIG_HEAD', 'MERGE_HEAD', 'MERGE_MSG',
               'CHERRY_PICK_HEAD', 'REVERT_HEAD', 'BISECT_LOG', 'AUTO_MERGE')

State = dict[str, object]
HASH_LIMIT = 1 << 20  # larger files are compared by their lstat only


def audited(main: Main) -> Main:
    """``main`` wrapped: a run that judges a repository (``AUDITED``) is
    recorded in the audit file when ``$WORKTREE_GUARD_AUDIT`` names one
    then (a test can unset it to run unaudited)."""
    def run(argv: Sequence[str] | None = None) -> int:
        args = list(sys.argv[1:] if argv is None else argv)
        if not os.environ.get('WORKTREE_GUARD_AUDIT') or not args or not (
                args[0] in AUDITED or (args[0] == 'wt' and list(args[1:2])
                                       in (['list'], ['status'], ['plan'],
                                           ['path']))):
            return main(args)
        return _audited(args, main)
    return run


def _audited(args: list[str], main: Main) -> int:
    """Run ``main(args)`` and record what it changed in the audit file."""
    problems: list[str] = []
    before = _snapshot(problems)
    try:
        return main(args)
    finally:
        after = _snapshot(problems)
        if before is not None and after is not None:
            problems += compare(before, after,
                                allow_remote_tracking=is_push(args))
        if problems:
            log = os.environ['WORKTREE_GUARD_AUDIT']
            with open(log, 'a', encoding='utf-8',
                      errors='backslashreplace') as f:
                for p in problems:
                    f.write(f'{os.getcwd()}: worktree-guard '
                            f'{" ".join(args)}: {p}\n')


def _snapshot(problems: list[str]) -> State | None:
    try:
        return snapshot()
    except Exception as e:  # an audit bug must fail the test, not the run
        problems.append(f'audit failed: {type(e).__name__}: {e}')
        return None


def is_push(args: Sequence[str]) -> bool:
    """Is this a push-stage run (where a policy-driven fetch may happen),
    or ``wt status --fetch``?"""
    if args[0] in ('pre-receive', 'update'):
        return True
    if args[0] == 'wt':  # wt status --fetch fetches the base
        return '--fetch' in args
    if args[0] == 'hook':
        return list(args[1:2]) == ['pre-push']
    if args[0] != 'check':
        return False
    if 'push' in args or '--stage=push' in args:
        return True
    if 'commit' in args or '--stage=commit' in args:
        return False
    env = os.environ  # --stage auto: pre-commit's pre-push variables
    return bool(env.get('PRE_COMMIT_REMOTE_BRANCH')
                or env.get('PRE_COMMIT_TO_REF') or '--from-ref' in args)


def snapshot() -> State | None:
    """The state of the repository at the cwd, or None outside one."""
    try:
        repo = Repo.discover()
    except (GuardError, OSError):
        return None
    state: State = {}
    for name in STATE_FILES:
        state[f'git-dir {name}'] = _bytes(os.path.join(repo.git_dir, name))
    state['common HEAD'] = _bytes(os.path.join(repo.common_dir, 'HEAD'))
    state['stash reflog'] = _bytes(
        os.path.join(repo.common_dir, 'logs', 'refs', 'stash'))
    state['refs'] = _refs(repo.git_dir, repo.common_dir)
    if repo.root is not None:
        state['index'] = _bytes(os.path.join(repo.git_dir, 'index'))
        index_file = repo.env.get('GIT_INDEX_FILE')
        if index_file:
            state['GIT_INDEX_FILE'] = _bytes(index_file)
        state['files'] = _files(repo)
    return state


def compare(before: State, after: State,
            allow_remote_tracking: bool) -> list[str]:
    out = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in ('refs', 'files'):
            assert isinstance(old, dict) and isinstance(new, dict)
            for name in sorted(set(old) | set(new)):
                if old.get(name) == new.get(name):
                    continue
                if key == 'refs' and allow_remote_tracking and \
                        name.startswith('refs/remotes/'):
                    continue
                out.append(f'{key[:-1]} {name!r} changed: '
                           f'{old.get(name)!r} -> {new.get(name)!r}')
        else:
            out.append(f'{key} changed')
    return out


def _bytes(path: str) -> bytes | None:
    try:
        with open(path, 'rb') as f:
            return f.read()
    except OSError:
        return None


def _refs(git_dir: str, common_dir: str) -> dict[str, str]:
    """Every ref: packed-refs, overridden by loose files (per-worktree refs
    of a linked worktree included)."""
    refs: dict[str, str] = {}
    packed = _bytes(os.path.join(common_dir, 'packed-refs')) or b''
    for line in packed.decode('utf-8', 'surrogateescape').splitlines():
        if line and not line.startswith(('#', '^')):
            oid, _, name = line.partition(' ')
            refs[name] = oid
    for base in dict.fromkeys((common_dir, git_dir)):
        top = os.path.join(base, 'refs')
        for root, _dirs, names in os.walk(top):
            for name in names:
                full = os.path.join(root, name)
                rel = os.path.relpath(full, base).replace(os.sep, '/')
                content = _bytes(full)
                refs[rel] = 'unreadable' if content is None else \
                    content.decode('utf-8', 'surrogateescape').strip()
    return refs


def _files(repo: Repo) -> dict[str, tuple[object, ...] | None]:
    """Every tracked and untracked (ignored included) file: its lstat, and
    for regular files up to ``HASH_LIMIT`` a digest of the bytes."""
    assert repo.root is not None
    out: dict[str, tuple[object, ...] | None] = {}
    for rel in repo.listed_files():
        path = os.path.join(repo.root, rel)
        try:
            st = os.lstat(path)
            digest = None
            if stat.S_ISREG(st.st_mode) and st.st_size <= HASH_LIMIT:
                with open(path, 'rb') as f:
                    digest = hashlib.sha1(f.read()).hexdigest()
        except OSError:  # skip-worktree (sparse), deleted, unreadable
            out[rel] = None
            continue
        out[rel] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino,
                    digest)
    return out
