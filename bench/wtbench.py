"""What the ``wt status`` benches share (wt_status.py, wt_scale.py): the
repository of ``n`` issue worktrees, and the same-run baseline, the raw git
that ``wt status`` cannot do without for those worktrees.

``raw_git`` is one ``sh -c`` of those commands, each run as ``wt status``
runs it (``GIT_TRACE`` of a run lists them):

- ``git worktree list --porcelain -z``: the worktrees and their branches;
- ``git for-each-ref`` of ``refs/heads`` and ``refs/remotes``: the tips
  and the base;
- with ``files``: one ``git diff-tree --stdin`` of every tip against the
  base, the files each branch changes (what overlaps);
- with ``status``: ``git status --porcelain -z`` in every worktree, as
  many at a time as ``wt status`` has workers (``2 * cores + 2``);
- with ``pairs``: one ``git merge-tree --stdin`` of those forecasts.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

from common import Cmd
from common import Unavailable
from common import add_remote
from common import git
from common import install_native
from common import make_repo
from common import tool

TARGET_MS = 2000.0
# `wt status` runs `git status` in this many workers (gitctx.fleet.changes_many).
WORKERS = 2 * (os.cpu_count() or 1) + 2


def worktree_guard() -> str:
    wg = tool('worktree-guard')
    if wg is None:
        raise Unavailable('worktree-guard is not installed')
    return wg


def branch(i: int) -> str:
    return f'issue-{i}-task-{i}'


def build(path: Path, n: int, files_of: Callable[[int], dict[str, bytes]],
          base_files: dict[str, bytes] | None = None,
          move_base: bool = False) -> Path:
    """A repo at ``path`` with an ``origin`` and ``n`` worktrees
    ``trees/issue-<i>-task-<i>``, each on a branch of one commit over main
    that writes ``files_of(i)`` (one ``git fast-import`` for them all).
    ``move_base``: main (and origin/main) then moves on by one commit, so
    every branch is behind.  The native hooks are installed, so the
    dashboard's hook check passes."""
    repo = make_repo(path, files=base_files)
    add_remote(repo)
    head = git('rev-parse', 'HEAD', cwd=repo).strip()
    chunks = []
    for i in range(1, n + 1):
        msg = f'task {i}\n'.encode()
        chunk = (f'commit refs/heads/{branch(i)}\n'
                 f'committer Bench <b@example.invalid> {1700000000 + i} '
                 f'+0000\ndata {len(msg)}\n'.encode() + msg
                 + f'from {head}\n'.encode())
        for rel, data in files_of(i).items():
            chunk += (f'M 100644 inline {rel}\n'
                      f'data {len(data)}\n'.encode() + data + b'\n')
        chunks.append(chunk)
    git('fast-import', '--quiet', cwd=repo, input=b''.join(chunks))
    for i in range(1, n + 1):
        git('worktree', 'add', '-q', str(repo / 'trees' / branch(i)),
            branch(i), cwd=repo)
    if move_base:
        (repo / 'docs' / 'moved.md').write_text('moved\n')
        git('add', '-A', cwd=repo)
        git('commit', '-q', '-m', 'base moves', cwd=repo)
        git('push', '-q', 'origin', 'main', cwd=repo)
    install_native(repo)
    return repo


def tips(repo: Path) -> dict[str, str]:
    """branch -> its tip, for the issue branches."""
    out = git('for-each-ref', '--format=%(refname:short) %(objectname)',
              'refs/heads/issue-*', cwd=repo)
    return dict(line.split() for line in out.splitlines())


def raw_git(repo: Path, n: int, *, files: bool = False,
            status: bool = False,
            pairs: Sequence[tuple[str, str]] = ()) -> tuple[Cmd, str]:
    """The baseline command (label ``raw``) and its label (the module
    docstring says what it runs)."""
    base = git('rev-parse', 'origin/main', cwd=repo).strip()
    tip = tips(repo)
    script = ['git worktree list --porcelain -z >/dev/null',
              "git for-each-ref --format='%(objectname) %(refname)' "
              'refs/heads refs/remotes >/dev/null']
    label = ['worktree list', 'for-each-ref']
    if files:
        diffs = repo.parent / f'{repo.name}-diff-tree.txt'
        diffs.write_text(''.join(f'{base} {tip[branch(i)]}\n'
                                 for i in range(1, n + 1)))
        script.append('git diff-tree --stdin --always -r --name-only '
                      f'--no-renames -z <{diffs} >/dev/null')
        label.append('diff-tree')
    if status:
        script.append(
            'printf "%s\\0" "$@" | xargs -0 -P '
            f'{min(n, WORKERS)} -I{{}} git --no-optional-locks -C {{}} '
            'status --porcelain -z --ignore-submodules=dirty >/dev/null')
        label.append(f'{n} x status')
    if pairs:
        forecasts = repo.parent / f'{repo.name}-merge-tree.txt'
        forecasts.write_text(''.join(f'{a} {b}\n' for a, b in pairs))
        script.append('git merge-tree --stdin --name-only --no-messages -z '
                      f'<{forecasts} >/dev/null')
        label.append('merge-tree --stdin')
    worktrees = [str(repo / 'trees' / branch(i)) for i in range(1, n + 1)]
    cmd = Cmd('raw', ['sh', '-c', ' && '.join(script), 'sh', *worktrees],
              repo)
    return cmd, 'raw git: ' + ' + '.join(label)
