"""Batched facts about many branches at once, for ``wt status`` at scale.

``wt status`` used to run two git processes per worktree (``rev-list
--count`` and ``diff base...tip``), about 5 ms each: linear, but 1,000
worktrees took 10 s.  ``branch_facts`` gets the same answers for every tip
in three processes whatever their number:

1. ``git merge-base --octopus base tips...``: one commit under them all;
2. ``git rev-list --parents`` of everything above it: the commit graph that
   tells each tip's ahead/behind counts and merge base, walked in Python;
3. ``git diff-tree --stdin``: each tip against its merge base.

A tip whose merge base with the base is not a single commit (criss-cross
merges) or that shares no history falls back to the per-tip commands.
Read-only, like all of ``gitctx``.
"""
from __future__ import annotations

import os

from worktree_guard.errors import GitError
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.gitctx import worktrees
from worktree_guard.gitctx.replay import trees
from worktree_guard.gitctx import indexfile
from worktree_guard.gitctx import worktrees as wts
import marshal
import time
import stat
import shutil
import tempfile
from worktree_guard.gitctx.process import foreign_env
from worktree_guard.gitctx.process import spawn

from typing import TYPE_CHECKING
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Any

    from worktree_guard.gitctx import Repo
    from worktree_guard.gitctx import indexfile
    from worktree_guard.gitctx.indexfile import Entry

    # What ``changes_many`` runs for a worktree with changes: (its path,
    # HEAD, HEAD's tree, its status lines) -> what ``marshal`` can send.
    Then = Callable[[str, str, str, list[str]], str | None]

# (ahead, behind, files the tip changes since its merge base or None when
# the two share no history)
Facts = tuple[int, int, 'list[str] | None']


def branch_facts(repo: Repo, base: str,
                 tips: Sequence[str]) -> dict[str, Facts]:
    """``{tip: (ahead, behind, files)}`` for every tip against ``base``."""
    wanted = sorted(set(tips))
    if not wanted:
        return {}
    res = repo.git('merge-base', '--octopus', base, *wanted, check=False)
    floor = decode(res.stdout).split()
    graph: dict[str, list[str]] = {}
    if res.returncode == 0 and len(floor) == 1:
        text = repo.out('rev-list', '--parents', '--stdin',
                        input=''.join(f'{t}\n' for t in [base, *wanted])
                        .encode() + f'^{floor[0]}\n'.encode())
        for line in text.splitlines():
            oid, *parents = line.split()
            graph[oid] = parents
    out: dict[str, Facts] = {}
    bases: dict[str, str] = {}
    slow: list[str] = []
    walker = _Walker(graph, base)
    for tip in wanted:
        got = walker.tip(tip, floor[0] if len(floor) == 1 else None)
        if got is None:
            slow.append(tip)
            continue
        ahead, behind, merge_base = got
        out[tip] = (ahead, behind, None)
        bases[tip] = merge_base
    for tip, files in _diff_many(repo, bases).items():
        ahead, behind, _ = out[tip]
        out[tip] = (ahead, behind, files)
    for tip in slow:
        out[tip] = _one(repo, base, tip)
    return out


class _Walker:
    """Ahead/behind and merge bases from a commit graph cut at a common
    ancestor, the floor (``graph`` maps each commit above it to its
    parents; the floor and what is under it are not in it)."""

    def __init__(self, graph: dict[str, list[str]], base: str) -> None:
        self.graph = graph
        self.in_base = self._reach([base])
        self._behind: dict[frozenset[str], int] = {}

    def _reach(self, start: Sequence[str]) -> set[str]:
        seen: set[str] = set()
        todo = [c for c in start if c in self.graph]
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(p for p in self.graph[c] if p in self.graph)
        return seen

    def tip(self, tip: str, floor: str | None) -> tuple[
            int, int, str] | None:
        """(ahead, behind, merge base), or ``None`` when the graph cannot
        tell (no single floor, or a criss-cross merge base)."""
        if floor is None:
            return None
        if tip not in self.graph:  # the tip is the floor itself
            return 0, len(self.in_base), tip
        hits: set[str] = set()  # the first commits the base has too
        seen: set[str] = set()
        todo = [tip]
        while todo:
            c = todo.pop()
            if c in seen or c in hits:
                continue
            if c in self.in_base:
                hits.add(c)
                continue
            seen.add(c)
            todo.extend(p for p in self.graph[c] if p in self.graph)
        key = frozenset(hits)
        if key not in self._behind:
            self._behind[key] = len(self.in_base) - len(self._reach(
                list(hits)))
        if len(hits) > 1:
            below = self._reach([p for h in hits for p in self.graph[h]])
            tops = hits - below
            if len(tops) > 1:
                return None  # criss-cross: let git pick
            hits = tops
        return len(seen), self._behind[key], next(iter(hits), floor)


def _diff_many(repo: Repo, bases: dict[str, str]) -> dict[str, list[str]]:
    """Files each tip changes against its merge base: one ``diff-tree``.

    Each line ``<tip> <merge base>`` diffs the tip against the merge base
    as if it were its parent; ``--always`` prints the header of an empty
    diff too, so every tip gets one."""
    if not bases:
        return {}
    order = list(bases)
    res = repo.git('diff-tree', '--stdin', '--always', '-r', '--name-only',
                   '--no-renames', '-z',
                   input=''.join(f'{t} {bases[t]}\n' for t in order).encode(),
                   check=False)
    out: dict[str, list[str]] = {t: [] for t in order}
    k = -1
    for field in decode(res.stdout).split('\0'):
        if k + 1 < len(order) and field == order[k + 1]:
            k += 1
        elif field:
            out[order[max(k, 0)]].append(field)
    # diff-tree skips a line it cannot read, sometimes with exit 0.
    if res.returncode != 0 or k != len(order) - 1:
        why = stderr_tail(res) if res.stderr.strip() else \
            'git diff-tree skipped a tip'
        raise GitError(f'cannot list changed files: {why}')
    return out


def _one(repo: Repo, base: str, tip: str) -> Facts:
    """The per-tip commands, for what the graph walk leaves to git."""
    res = repo.git('rev-list', '--left-right', '--count', f'{base}...{tip}',
                   check=False)
    if res.returncode != 0:
        raise GitError(f'cannot compare {tip} with {base}: '
                       f'{stderr_tail(res)}')
    behind, ahead = decode(res.stdout).split()
    return int(ahead), int(behind), worktrees.changed_files(repo, base, tip)


def remote_tips(repo: Repo, remote: str) -> dict[str, str]:
    """The remote-tracking refs of ``remote`` -> their tips: one
    ``for-each-ref``."""
    return dict(line.split(' ', 1)[::-1] for line in repo.out(
        'for-each-ref', '--format=%(objectname) %(refname)',
        f'refs/remotes/{remote}/').splitlines())


# -- uncommitted work -------------------------------------------------------------------

# From this many worktrees on, ``changes_many`` forks workers.
FORK_MIN = 16


def changes_many(repo: Repo, worktrees: Sequence[tuple[str, str]],
                 workers: int, then: Then | None = None,
                 ) -> dict[str, tuple[list[str], str | None]]:
    """``git status --porcelain`` lines (``worktrees.changes``) of each
    ``(path, head)``, and what ``then(path, head, head's tree, lines)``
    answers for a worktree that has some (``wt status``: its snapshot).
    A worktree proven clean from its index and files
    (``indexfile.proven_clean``) costs no process; the others run ``git
    status``.  From ``FORK_MIN`` worktrees on, ``workers`` forked
    processes share them: the proofs and ``then`` are Python, and one
    process would leave the other cores idle while ``git status`` (C,
    several at a time) would not."""
    tree = trees(repo, [h for _, h in worktrees])
    items = [(path, head, tree[head]) for path, head in worktrees]
    if workers < 2 or len(items) < FORK_MIN:
        return _changes_of(items, then)
    return _forked(items, workers, then)


def _changes_of(items: Sequence[tuple[str, str, str]], then: Then | None,
                ) -> dict[str, tuple[list[str], str | None]]:
    out: dict[str, tuple[list[str], str | None]] = {}
    for path, head, tree in items:
        lines = [] if indexfile.proven_clean(path, tree) else \
            wts.changes(path)
        out[path] = (lines, then(path, head, tree, lines)
                     if then is not None and lines else None)
    return out


def _forked(items: Sequence[tuple[str, str, str]], workers: int,
            then: Then | None) -> dict[str, tuple[list[str], str | None]]:
    """``_changes_of`` in ``workers`` forked processes, each a share of
    the worktrees, its answer sent back through a pipe (``marshal``)."""
    children = []
    for k in range(workers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover (a forked child: coverage stops)
            os.close(r)
            _child(w, items[k::workers], then)
        os.close(w)
        children.append((pid, r))
    out: dict[str, tuple[list[str], str | None]] = {}
    failed = []
    for pid, r in children:
        with os.fdopen(r, 'rb') as f:
            data = f.read()
        os.waitpid(pid, 0)
        answer: tuple[bool, Any] = marshal.loads(data) if data else (
            False, 'a worker died')
        if answer[0]:
            out.update(answer[1])
        else:
            failed.append(str(answer[1]))
    if failed:
        raise GitError(failed[0])
    return out


def _child(fd: int, items: Sequence[tuple[str, str, str]],
           then: Then | None) -> None:  # pragma: no cover (runs in a forked child)
    """A forked worker: its share's changes (or its error) into ``fd``;
    never returns."""
    try:
        data = marshal.dumps((True, _changes_of(items, then)))
    except BaseException as e:  # the parent raises it
        data = marshal.dumps((False, getattr(e, 'message', str(e))))
    with os.fdopen(fd, 'wb') as f:
        f.write(data)
    os._exit(0)


# Snapshot commits never go on a ref: a fixed identity and message.
_WHO = b'worktree-guard <wt@localhost>'
_MESSAGE = b'wt status: uncommitted work\n'


def snapshot(repo: Repo, path: str, head: str, head_tree: str,
             exclude: Sequence[str] = (),
             objects: dict[str, str] | None = None,
             changes: Sequence[str] | None = None) -> str | None:
    """A commit of everything uncommitted in the worktree at ``path`` (staged,
    unstaged and untracked files that are not ignored) on top of ``head``;
    ``None`` when there is nothing.  Like ``git stash create`` but with
    untracked files; the user's index, work tree, refs and stash are not
    touched, and its trees and commit are written here as loose objects
    (``indexfile``: no ``write-tree`` or ``commit-tree`` process).

    With ``changes``, the worktree's ``git status`` lines
    (``worktrees.changes``), no git process at all: the index's entries,
    with the files those lines name as the work tree has them
    (``_tree_from_status``).  Otherwise, or when the lines cannot tell
    (an untracked folder, a conflict, a submodule, attributes that filter
    content), one ``git add -A`` into a copy of the index.
    ``objects``: the variables of a scratch object directory
    (``gitctx.replay.scratch_objects``) that receives the objects, so the
    repository keeps none; ``exclude``: paths left out (bootstrap copies,
    not the user's work)."""

    store = (objects or {}).get('GIT_OBJECT_DIRECTORY') or os.path.join(
        repo.common_dir, 'objects')
    algo = indexfile.algorithm(head)
    tree = _tree_from_status(repo, path, exclude, store, algo, changes) \
        if changes is not None else None
    if tree is None:
        tree = _tree_by_git_add(path, head, exclude, store, algo, objects)
    if tree == head_tree:
        return None
    who = _WHO + b' %d +0000' % int(time.time())
    return indexfile.write_commit(store, tree, head, who, _MESSAGE, algo)


def _excluded(rel: str, exclude: Sequence[str]) -> bool:
    """Is ``rel`` (a path from the top) one of ``exclude`` or under it?"""
    for entry in exclude:
        e = os.path.normpath(entry.rstrip('/'))
        if rel.rstrip('/') == e or rel.startswith(e + '/'):
            return True
    return False


def _tree_from_status(repo: Repo, path: str, exclude: Sequence[str],
                      store: str, algo: str,
                      changes: Sequence[str]) -> str | None:
    """The snapshot's tree from the index and the files ``changes`` (``XY
    path`` status lines) name: each changed file in the work tree is
    hashed and written as a blob, a deleted one leaves; ``None`` when
    the lines cannot tell (``snapshot``)."""
    index = _plain_index(repo, path, algo)
    if index is None:
        return None
    entries = {e[0]: e for e in index.entries}
    known = dict(index.trees)
    for line in changes:
        xy, rel = line[:2], line[3:]
        if 'U' in xy or xy in ('AA', 'DD') or rel.endswith('/'):
            return None  # a conflict, or an untracked folder
        if xy[1] == ' ' or _excluded(rel, exclude):
            continue  # staged only: the index holds it
        name = os.fsencode(rel)
        if not _take(os.path.join(path, rel), name, entries, store, algo):
            return None
        cut = len(name)
        while cut > 0:  # its folders' cache trees no longer hold
            cut = name.rfind(b'/', 0, cut)
            known.pop(name[:cut + 1] if cut > 0 else b'', None)
    return indexfile.write_tree(store, [entries[n] for n in sorted(entries)],
                                algo, known)


def _plain_index(repo: Repo, path: str, algo: str) -> indexfile.Index | None:
    """The worktree's index, when no attributes may filter what git would
    store (``.gitattributes``, ``info/attributes``): else ``None``."""
    where = indexfile.git_dir(path)
    if where is None or os.path.exists(os.path.join(
            repo.common_dir, 'info', 'attributes')):
        return None
    try:
        with open(os.path.join(where, 'index'), 'rb') as f:
            index = indexfile.read(f.read(), 20 if algo == 'sha1' else 32,
                                   strict=False)
    except OSError:
        return None
    if index is None or any(n == b'.gitattributes' or
                            n.endswith(b'/.gitattributes')
                            for n, *_ in index.entries):
        return None
    return index


def _take(full: str, name: bytes, entries: dict[bytes, Entry],
          store: str, algo: str) -> bool:
    """Put the work tree's file at ``full`` into ``entries`` as ``name``
    (a blob written to ``store``), or drop it when it is gone; ``False``
    for what is neither a file nor a symlink (a submodule)."""

    old = entries.get(name)
    if old is not None and old[1] == 0o160000:
        return False
    try:
        st = os.lstat(full)
    except FileNotFoundError:
        entries.pop(name, None)
        return True
    if stat.S_ISLNK(st.st_mode):
        mode, data = 0o120000, os.fsencode(os.readlink(full))
    elif stat.S_ISREG(st.st_mode):
        mode = 0o100755 if st.st_mode & 0o100 else 0o100644
        with open(full, 'rb') as f:
            data = f.read()
    else:
        return False
    entries[name] = (name, mode, indexfile.write_blob(store, data, algo),
                     (0, 0, 0, 0, 0, 0))
    return True


def _tree_by_git_add(path: str, head: str, exclude: Sequence[str],
                     store: str, algo: str,
                     objects: dict[str, str] | None) -> str:
    """The snapshot's tree: one ``git add -A`` into a copy of the
    worktree's index (``GIT_INDEX_FILE``), its trees written here."""

    where = indexfile.git_dir(path)
    with tempfile.TemporaryDirectory(prefix='wt-snapshot-') as tmp:
        temp_index = os.path.join(tmp, 'index')
        index = os.path.join(where or path, 'index')
        if os.path.exists(index):
            shutil.copyfile(index, temp_index)
        env = {**foreign_env(), 'GIT_INDEX_FILE': temp_index,
               **(objects or {})}
        res = spawn(['git', '--no-optional-locks', '-C', path, 'add', '-A',
                     '--', '.', *(f':(exclude,top){e}' for e in exclude)],
                    env=env)
        if res.returncode != 0:
            raise GitError(f'cannot snapshot the uncommitted work in {path}: '
                           f'{stderr_tail(res)}')
        # git wrote no index: nothing was added.
        got: indexfile.Index | None = indexfile.Index([], None)
        if os.path.exists(temp_index):
            with open(temp_index, 'rb') as f:
                got = indexfile.read(f.read(), len(head) // 2, strict=False)
        if got is None:  # an index of version 4: git writes the tree
            return decode(spawn(['git', '-C', path, 'write-tree'],
                                env=env).stdout).strip()
        return indexfile.write_tree(store, got.entries, algo, got.trees)
