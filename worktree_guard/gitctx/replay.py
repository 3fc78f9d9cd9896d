"""Forecasts that match a rebase (issue 25).

The workflow rebases (``wt sync``, ``wt land``), so a forecast replays each
branch's commits onto the base the way ``git rebase <onto>`` would:

- the commits are ``git rev-list --reverse --topo-order --right-only
  --cherry-mark onto...tip`` without merges; a commit whose patch-id is
  already upstream (``=``) drops out, as in the rebase;
- each commit ``C`` (parent ``P``) is applied with ``git merge-tree
  --write-tree`` of ``C`` and a commit holding the result so far whose
  only parent is ``P`` (so the merge base is ``P``: a cherry-pick).  git
  2.39 has no ``merge-tree --merge-base``; the stand-in commit is written
  with ``git hash-object``.  Every branch's next commit goes into one
  ``git merge-tree --stdin`` per round: the processes grow with the
  longest branch, not with the number of branches;
- a commit whose result equals what it is applied to becomes empty and is
  dropped (git's default ``--empty=drop``).

A branch whose commits all drop out (their patch-ids are upstream, or they
replay to nothing) or whose combined diff has a patch-id upstream (a
squash merge) has LANDED.

Everything this module writes (merge-tree's trees and blobs, the stand-in
commits, ``wt status``'s snapshots) goes to a temporary object directory
(``scratch_objects``) that sees the repository's objects as an alternate
and is removed afterwards: the repository's ``objects/`` is left as it
was.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from worktree_guard.errors import GitError
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.model import Replay

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterator
    from collections.abc import Sequence

    from worktree_guard.gitctx import Repo

# git's exit code for an unknown option (a git without merge-tree --stdin).
_USAGE = 129
_IDENT = 'worktree-guard <wt@localhost> 0 +0000'


@contextlib.contextmanager
def scratch_objects(repo: Repo) -> Iterator[dict[str, str]]:
    """Run ``repo``'s git in a temporary object directory that has the
    repository's objects as an alternate; yields the variables (for git
    started elsewhere, e.g. GitPython).  Removed on exit, with every
    object written meanwhile."""
    tmp = tempfile.mkdtemp(prefix='wt-objects-')
    objects = os.path.abspath(os.path.join(repo.common_dir, 'objects'))
    extra = {'GIT_OBJECT_DIRECTORY': tmp,
             'GIT_ALTERNATE_OBJECT_DIRECTORIES': objects}
    old = repo.env
    repo.env = {**old, **extra}
    try:
        yield extra
    finally:
        repo.env = old
        shutil.rmtree(tmp, ignore_errors=True)


class Job:
    """One branch to replay: its commits (``(oid, parent)``, oldest first)
    onto the commit ``onto`` whose tree is ``tree``; ``own`` is every
    commit of the branch that ``onto`` lacks (a parent among them is not
    in ``onto``)."""

    __slots__ = ('commits', 'onto', 'own', 'tree')

    def __init__(self, onto: str, tree: str, commits: list[tuple[str, str]],
                 own: set[str]) -> None:
        self.onto = onto
        self.tree = tree
        self.commits = commits
        self.own = own


def trees(repo: Repo, revs: Sequence[str]) -> dict[str, str]:
    """The tree of each commit, in one process."""
    wanted = sorted(set(revs))
    if not wanted:
        return {}
    out = repo.out('rev-parse', *(f'{r}^{{tree}}' for r in wanted)).split()
    return dict(zip(wanted, out, strict=True))


class Commits:
    """A branch's commits that ``onto`` lacks, as a rebase sees them:
    ``todo`` (``(oid, parent)``, oldest first: what it replays), ``own``
    (every one of them, merges and upstream patches too), ``dropped``
    (patch-id already upstream), ``root`` (a root commit is among them)
    and ``forks`` (their parents outside ``own``: the merge base, when
    there is one)."""

    __slots__ = ('dropped', 'forks', 'own', 'root', 'todo')

    def __init__(self) -> None:
        self.todo: list[tuple[str, str]] = []
        self.own: set[str] = set()
        self.dropped = 0
        self.root = False
        self.forks: set[str] = set()


def commits_many(repo: Repo, onto: str, tips: Sequence[str]) -> dict[
        str, Commits]:
    """What a rebase of each tip onto ``onto`` replays, for every tip at
    once: six git processes whatever their number (``git rebase`` asks
    ``rev-list --cherry-mark --right-only onto...tip`` per tip).

    One ``rev-list --topo-order --reverse --parents tips --not onto`` gives
    the commits the tips have and ``onto`` lacks; each tip's are those it
    reaches, in that order (for a linear branch, git's order).  A commit
    drops out when its patch-id is that of a commit ``onto`` has above the
    floor of them all (``merge-base --octopus``): ``git patch-id
    --stable`` of one ``diff-tree --stdin -p`` and of one ``log -p``."""
    wanted = sorted(set(tips))
    if not wanted:
        return {}
    text = repo.out('rev-list', '--topo-order', '--reverse', '--parents',
                    *wanted, '--not', onto, '--')
    parents: dict[str, list[str]] = {}
    pos: dict[str, int] = {}
    for n, line in enumerate(text.splitlines()):
        oid, *ps = line.split()
        parents[oid] = ps
        pos[oid] = n
    out: dict[str, Commits] = {}
    for tip in wanted:
        c = out[tip] = Commits()
        todo = [tip] if tip in parents else []
        while todo:
            x = todo.pop()
            if x not in c.own:
                c.own.add(x)
                todo.extend(p for p in parents[x] if p in parents)
        c.forks = {p for x in c.own for p in parents[x] if p not in c.own}
    upstream = _upstream_marks(repo, onto, wanted, sorted(
        x for x, ps in parents.items() if len(ps) == 1))
    for c in out.values():
        for oid in sorted(c.own, key=pos.__getitem__):
            ps = parents[oid]
            if len(ps) > 1:
                continue  # a merge: rebase leaves it out
            if oid in upstream:
                c.dropped += 1
            elif not ps:
                c.root = True
            else:
                c.todo.append((oid, ps[0]))
    return out


def _upstream_marks(repo: Repo, onto: str, tips: Sequence[str],
                    mine: Sequence[str]) -> set[str]:
    """The commits of ``mine`` whose patch-id is a commit's of ``onto``
    above the floor of ``onto`` and ``tips``."""
    if not mine:
        return set()
    res = repo.git('merge-base', '--octopus', onto, *tips, check=False)
    floor = decode(res.stdout).split()
    theirs = patch_ids(repo, 'log', '-p', '--no-merges', '--format=%H',
                       onto, *(f'^{f}' for f in floor[:1]), '--')
    upstream = {pid for ids in theirs.values() for pid in ids}
    if not upstream:
        return set()
    ours = patch_ids(repo, 'diff-tree', '--stdin', '-p',
                     input=''.join(f'{x}\n' for x in mine).encode())
    return {x for x in mine if ours.get(x, set()) & upstream}


def _stand_ins(repo: Repo, wanted: Sequence[tuple[str, str]]) -> list[str]:
    """Commits of ``(tree, parent)``, written in one ``hash-object``."""
    if not wanted:
        return []
    with tempfile.TemporaryDirectory(prefix='wt-commits-') as tmp:
        paths = []
        for n, (tree, parent) in enumerate(wanted):
            path = os.path.join(tmp, str(n))
            with open(path, 'w', encoding='ascii') as f:
                f.write(f'tree {tree}\nparent {parent}\nauthor {_IDENT}\n'
                        f'committer {_IDENT}\n\nwt: replayed\n')
            paths.append(path)
        out = repo.out('hash-object', '-w', '-t', 'commit', '--stdin-paths',
                       input=''.join(p + '\n' for p in paths).encode(
                           'utf-8', 'surrogateescape'))
    return out.split()


def result_commits(repo: Repo, onto: str,
                   tree_of: dict[str, str]) -> dict[str, str]:
    """A commit of each result tree on top of ``onto`` (what the rebased
    branch would be, as far as its content goes), keyed like ``tree_of``."""
    keys = list(tree_of)
    made = _stand_ins(repo, [(tree_of[k], onto) for k in keys])
    return dict(zip(keys, made, strict=True))


def _merge_round(repo: Repo, pairs: Sequence[tuple[str, str]]) -> list[
        tuple[str, list[str]]] | None:
    """``(tree, conflicted files)`` of each merge, in one
    ``merge-tree --stdin``; ``None`` when git cannot."""
    data = ''.join(f'{a} {b}\n' for a, b in pairs).encode()
    res = repo.git('merge-tree', '--stdin', '--name-only', '--no-messages',
                   '-z', input=data, check=False)
    if res.returncode == _USAGE:
        return _one_by_one(repo, pairs)
    if res.returncode != 0:
        raise GitError(f'cannot forecast the rebase: {stderr_tail(res)}')
    fields = decode(res.stdout).split('\0')
    out: list[tuple[str, list[str]]] = []
    i = 0
    for _ in pairs:
        # <status>\0<tree>\0<path>\0...\0\0 ; status 1 = clean.
        j = i + 2
        while fields[j]:
            j += 1
        out.append((fields[i + 1],
                    [] if fields[i] == '1' else fields[i + 2:j]))
        i = j + 1
    return out


def _one_by_one(repo: Repo, pairs: Sequence[tuple[str, str]]) -> list[
        tuple[str, list[str]]] | None:
    """``_merge_round`` on a git without ``merge-tree --stdin`` (2.38):
    one process per merge; ``None`` without ``--write-tree`` at all."""
    out: list[tuple[str, list[str]]] = []
    for a, b in pairs:
        res = repo.git('merge-tree', '--write-tree', '--name-only',
                       '--no-messages', '-z', a, b, check=False)
        if res.returncode == _USAGE:
            return None
        fields = decode(res.stdout).split('\0')
        if res.returncode not in (0, 1) or len(fields) < 2:
            raise GitError(f'cannot forecast the rebase: {stderr_tail(res)}')
        files = list(itertools.takewhile(bool, fields[1:]))
        out.append((fields[0], files if res.returncode else []))
    return out


class _Run:
    """One job's progress: the tree so far, the next commit, the step that
    stopped it and its files, how many commits became empty."""

    __slots__ = ('empty', 'files', 'next', 'stop', 'tree')

    def __init__(self, tree: str) -> None:
        self.tree = tree
        self.next = 0
        self.stop = 0
        self.files: list[str] = []
        self.empty = 0


def replay_many(repo: Repo, jobs: Sequence[Job]) -> list[
        tuple[str | None, list[str], int, int]] | None:
    """Replay each job's commits, one round per commit depth.

    Each result: (result tree or ``None`` on a conflict, the conflicted
    files, the 1-based step that stopped, commits that became empty).
    ``None`` when git has no ``merge-tree --stdin``."""
    runs = [_Run(j.tree) for j in jobs]
    while True:
        live = [n for n, j in enumerate(jobs)
                if not runs[n].stop and runs[n].next < len(j.commits)]
        if not live:
            break
        need: list[tuple[str, str]] = []
        where: dict[int, int] = {}
        ours: dict[int, str] = {}
        for n in live:
            job, run = jobs[n], runs[n]
            parent = job.commits[run.next][1]
            if run.tree == job.tree and parent not in job.own:
                ours[n] = job.onto  # the merge base is the parent already
            else:
                where[n] = len(need)
                need.append((run.tree, parent))
        made = _stand_ins(repo, need)
        for n, k in where.items():
            ours[n] = made[k]
        merged = _merge_round(repo, [
            (ours[n], jobs[n].commits[runs[n].next][0]) for n in live])
        if merged is None:
            return None
        for n, (tree, files) in zip(live, merged, strict=True):
            run = runs[n]
            run.next += 1
            if files:
                run.stop, run.files = run.next, files
            else:
                run.empty += tree == run.tree
                run.tree = tree
    return [(None if r.stop else r.tree, r.files, r.stop, r.empty)
            for r in runs]


def patch_ids(repo: Repo, *args: str, input: bytes | None = None) -> dict[
        str, set[str]]:
    """``git patch-id --stable`` of the patches ``git <args>`` prints:
    the patch-ids of each commit (or diff-tree header) it names."""
    patch = repo.git(*args, input=input).stdout
    out: dict[str, set[str]] = {}
    if not patch:
        return out
    text = decode(repo.git('patch-id', '--stable', input=patch).stdout)
    for line in text.splitlines():
        pid, oid = line.split()
        out.setdefault(oid, set()).add(pid)
    return out


def squashed(repo: Repo, onto: str, forks: dict[str, str]) -> set[str]:
    """The tips whose combined diff (from their fork point, ``forks``) has
    the patch-id of a commit ``onto`` has since then: squash-merged.  Five
    processes whatever the number of tips."""
    if not forks:
        return set()
    order = sorted(forks)
    mine = patch_ids(repo, 'diff-tree', '--stdin', '-p', input=''.join(
        f'{t} {forks[t]}\n' for t in order).encode())
    floor = decode(repo.git('merge-base', '--octopus',
                            *sorted(set(forks.values())),
                            check=False).stdout).split()
    theirs = patch_ids(repo, 'log', '-p', '--no-merges', '--format=%H',
                       onto, *(f'^{f}' for f in floor))
    upstream = {pid for ids in theirs.values() for pid in ids}
    return {t for t in order if mine.get(t, set()) & upstream}


def created_at(repo: Repo, branch: str) -> str | None:
    """Where ``branch`` was created: the first entry of its reflog
    (``None`` without one)."""
    path = os.path.join(repo.common_dir, 'logs', 'refs', 'heads', branch)
    try:
        with open(path, 'rb') as f:
            first = f.readline().decode('ascii', 'replace').split(' ')
    except OSError:
        return None
    return first[1] if len(first) > 1 else None


def replay_onto(repo: Repo, onto: str, tips: Sequence[str]) -> dict[
        str, Replay] | None:
    """What ``git rebase onto`` would do to each tip.  ``None`` when git
    cannot forecast (no ``merge-tree --write-tree``)."""
    wanted = sorted(set(tips))
    out: dict[str, Replay] = {}
    if not wanted:
        return out
    base_tree = trees(repo, [onto])[onto]
    jobs: list[Job] = []
    job_tips: list[str] = []
    found = commits_many(repo, onto, wanted)
    for tip in wanted:
        c = found[tip]
        if c.root:
            out[tip] = Replay(tip, onto, 'unknown', commits=len(c.todo),
                              dropped=c.dropped)
        elif not c.own:
            out[tip] = Replay(tip, onto, 'landed', 'fast-forward')
        elif not c.todo and c.dropped:
            out[tip] = Replay(tip, onto, 'landed', 'cherry-pick',
                              dropped=c.dropped)
        else:
            jobs.append(Job(onto, base_tree, c.todo, c.own))
            job_tips.append(tip)
    done = replay_many(repo, jobs)
    if done is None:
        return None
    stopped = {tip: res for tip, res in zip(job_tips, done, strict=True)
               if res[0] is None}
    squash = squashed(repo, onto, {
        t: next(iter(found[t].forks)) for t in stopped
        if len(found[t].forks) == 1})
    for job, tip, (tree, files, step, empty) in zip(jobs, job_tips, done,
                                                    strict=True):
        c = found[tip]
        n, dropped = len(c.todo), c.dropped
        if tree is None:
            out[tip] = Replay(tip, onto,
                              'landed' if tip in squash else 'conflict',
                              'squash' if tip in squash else None,
                              commits=n, dropped=dropped, files=files,
                              at=job.commits[step - 1][0], step=step)
        elif empty == n:
            out[tip] = Replay(tip, onto, 'landed', 'squash', commits=n,
                              dropped=dropped, tree=tree)
        else:
            out[tip] = Replay(tip, onto, 'clean', commits=n, dropped=dropped,
                              tree=tree)
    return out
