"""Whole-file scans at ``git grep``'s pace: git names the files worth reading.

A whole-file scan (``check --all-files``, ``paths.scope: all``, the first
commit, a push that adds a root) judges every tracked file, but a file can
hold a finding only where one of the path engine's literals occurs
(``pathengine.prefilter_terms``: every pattern's hits contain one).  So ONE
``git grep -l -z -F`` over the index or the pushed tree names the
candidates, in C, without a byte of the other files reaching Python;
only they are sized and read.

git grep starts a thread per CPU by default.  Over the index or a tree
(not the work tree) its threads share one object store behind a lock,
and on a machine with two CPUs or fewer one thread is faster, loose or
packed objects (docs/performance.md has the numbers): there it runs with
``--threads=1``.  The user's ``grep.threads`` is not asked for (a ``git
config`` process before every scan's grep): it tunes their own greps, and
this one is an internal pre-filter whose fastest setting was measured.
"""
from __future__ import annotations

import os

from worktree_guard.errors import GitError
from worktree_guard.gitctx.process import stderr_tail

from typing import TYPE_CHECKING
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterable

    from worktree_guard.gitctx import Repo
    from worktree_guard.gitctx.pipes import Started


def candidate_list(repo: Repo, terms: Iterable[bytes],
                   tree: str | None = None,
                   paths: list[str] | None = None) -> list[str]:
    """The paths of the files in the index (``tree`` None) or in ``tree``
    that contain one of ``terms`` (fixed strings, case-sensitive), in
    git's order; only among ``paths`` (literal pathspecs) when given."""
    return finish(start(repo, terms, tree, paths), tree)


def start(repo: Repo, terms: Iterable[bytes], tree: str | None = None,
          paths: list[str] | None = None) -> Started | None:
    """The ``git grep`` of ``candidate_list``, started (``None``: nothing
    to look for, or nowhere); ``finish`` reads its answer."""
    args = [*BOUNDED, '--literal-pathspecs', 'grep', '-l', '-z', '-F',
            '--full-name', '--no-color', '--no-textconv']
    for term in terms:
        if term:
            args += ['-e', term.decode('utf-8', 'surrogateescape')]
    if len(args) == 8 + len(BOUNDED) or paths == []:
        return None
    args += threads()
    args += ['--cached', '--'] if tree is None else [tree, '--']
    return repo.git_start(*args, *(paths or ()))


def finish(started: Started | None, tree: str | None) -> list[str]:
    """The paths a started ``git grep -l -z`` names, in its order."""
    if started is None:
        return []
    res = started.wait()
    if res.returncode not in (0, 1):   # 1: no file matches
        raise GitError(f"'git grep' failed: {stderr_tail(res)}")
    cut = 0 if tree is None else len(tree) + 1   # "<tree>:<path>"
    return [rec[cut:].decode('utf-8', 'surrogateescape')
            for rec in res.stdout.split(b'\0')[:-1]]


# The object store's memory of a scan's git processes (git grep, and the
# cat-file that reads its names), bounded: git's defaults keep up to
# 96 MiB of delta bases and map packs in 1 GiB windows, so over the
# 80,000 real files of the scan bench a `git grep --cached` peaked at
# 195 MB and `cat-file --batch` of every blob at 178 MB; with these 40 MB
# and 22 MB, for about 5-9% more CPU (docs/performance.md).
BOUNDED = ('-c', 'core.deltaBaseCacheLimit=4m',
           '-c', 'core.packedGitWindowSize=1m',
           '-c', 'core.packedGitLimit=8m')
# At most this many usable CPUs: git grep runs one thread.
ONE_THREAD_CPUS = 2


def threads() -> list[str]:
    """``--threads=1`` on a machine with at most ``ONE_THREAD_CPUS``
    usable CPUs; else nothing: git's default (``grep.threads``, or a
    thread per CPU)."""
    return ['--threads=1'] if _cpus() <= ONE_THREAD_CPUS else []


def _cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (macOS has no affinity)
        return os.cpu_count() or 1
