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

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

    from worktree_guard.gitctx import Repo

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
    from worktree_guard.gitctx import worktrees
    res = repo.git('rev-list', '--left-right', '--count', f'{base}...{tip}',
                   check=False)
    if res.returncode != 0:
        raise GitError(f'cannot compare {tip} with {base}: '
                       f'{stderr_tail(res)}')
    behind, ahead = decode(res.stdout).split()
    return int(ahead), int(behind), worktrees.changed_files(repo, base, tip)


# -- uncommitted work -------------------------------------------------------------------

def changes_many(repo: Repo, worktrees: Sequence[tuple[str, str]],
                 workers: int) -> dict[str, list[str]]:
    """``git status --porcelain`` lines (``worktrees.changes``) of each
    ``(path, head)``.  A worktree proven clean from its index and files
    (``indexfile.proven_clean``) costs no process; the others run ``git
    status``, ``workers`` at a time, while the rest are being proven."""
    from concurrent.futures import Future
    from concurrent.futures import ThreadPoolExecutor

    from worktree_guard.gitctx import indexfile
    from worktree_guard.gitctx import worktrees as wts
    from worktree_guard.gitctx.replay import trees
    tree = trees(repo, [h for _, h in worktrees])
    out: dict[str, list[str]] = {}
    asked: dict[str, Future[list[str]]] = {}
    with ThreadPoolExecutor(max(1, workers)) as pool:
        for path, head in worktrees:
            if indexfile.proven_clean(path, tree[head]):
                out[path] = []
            else:
                asked[path] = pool.submit(wts.changes, path)
        out.update((path, job.result()) for path, job in asked.items())
    return out


# Snapshot commits never go on a ref: a fixed identity and message.
_WHO = b'worktree-guard <wt@localhost>'
_MESSAGE = b'wt status: uncommitted work\n'


def snapshot(repo: Repo, path: str, head: str, head_tree: str,
             exclude: Sequence[str] = (),
             objects: dict[str, str] | None = None) -> str | None:
    """A commit of everything uncommitted in the worktree at ``path`` (staged,
    unstaged and untracked files that are not ignored) on top of ``head``;
    ``None`` when there is nothing.

    Like ``git stash create`` but with untracked files: one ``git add -A``
    into a copy of the worktree's index (``GIT_INDEX_FILE``); its trees and
    the commit are written here (``indexfile.write_tree``), with no
    ``write-tree`` or ``commit-tree`` process.  The user's index, work
    tree, refs and stash are not touched.  ``objects``: the variables of a
    scratch object directory (``gitctx.replay.scratch_objects``) that
    receives the objects, so the repository keeps none; ``exclude``: paths
    left out (bootstrap copies, not the user's work)."""
    import shutil
    import tempfile
    import time

    from worktree_guard.gitctx import indexfile
    from worktree_guard.gitctx.process import foreign_env
    from worktree_guard.gitctx.process import spawn
    where = indexfile.git_dir(path)
    store = (objects or {}).get('GIT_OBJECT_DIRECTORY') or os.path.join(
        repo.common_dir, 'objects')
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
        algo = indexfile.algorithm(head)
        if got is None:  # an index of version 4: git writes the tree
            tree = decode(spawn(['git', '-C', path, 'write-tree'],
                                env=env).stdout).strip()
        else:
            tree = indexfile.write_tree(store, got.entries, algo)
    if tree == head_tree:
        return None
    who = _WHO + b' %d +0000' % int(time.time())
    return indexfile.write_commit(store, tree, head, who, _MESSAGE, algo)
