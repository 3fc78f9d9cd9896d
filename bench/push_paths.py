"""worktree-paths on a CI push: ``worktree-guard check --stage push --rule
worktree-paths --from-ref main --to-ref <branch>`` for a branch of 500
commits over 5,000 ~1 KB files (50 commits over 500 files with
``--quick``), against the one ``git diff-tree -r -p main <branch>`` the
check needs, in the same run.

Every commit edits ``files / commits`` files.  Measured without escapes
(one edited file in 20 adds an in-tree ``../`` link: the matcher runs and
finds nothing) and with them (one edited file in 100 also adds a ``../``
link out of the repository: findings, exit 1).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from common import Cmd
from common import Options
from common import Row
from common import fast_import
from common import git
from common import measure
from common import text_blob
from common import tool
from common import tree_blob

BRANCH = 'issue-17-push-paths'


def build(base: Path, files: int, commits: int,
          escape_every: int) -> Path:
    """main: one commit with ``files`` files; BRANCH: ``commits`` commits on
    top, each changing ``files // commits`` of them."""
    repo = base / f'push-{files}-{escape_every}'
    git('init', '-q', '-b', 'main', str(repo), cwd=base)
    per = max(1, files // commits)

    def path(i: int) -> str:
        return f'src/d{i // 100:03d}/f{i:05d}.md'

    def initial() -> Iterator[tuple[str, bytes]]:
        for i in range(files):
            yield path(i), text_blob(i, 1024)

    def change(c: int) -> Iterator[tuple[str, bytes]]:
        for k in range(c * per, (c + 1) * per):
            i = k % files
            yield path(i), tree_blob(
                i, 1024, escape_every=escape_every) + \
                f'edited in change {c}\n'.encode()

    stream = [('refs/heads/main', ':1', None, initial())] + [
        (f'refs/heads/{BRANCH}', f':{c + 2}', f':{c + 1}', change(c))
        for c in range(commits)]
    fast_import(repo, stream)
    git('symbolic-ref', 'HEAD', f'refs/heads/{BRANCH}', cwd=repo)
    git('read-tree', 'HEAD', cwd=repo)
    return repo


def run(opts: Options) -> list[Row]:
    base = opts.workdir / 'push-paths'
    base.mkdir()
    files, commits = (500, 50) if opts.quick else (5000, 500)
    guard = tool('worktree-guard') or 'worktree-guard'
    rows: list[Row] = []
    for every in (0, 100):
        repo = build(base, files, commits, every)
        tag = 'escapes in 1% of files' if every else 'no escapes'
        cmds = [
            Cmd('check', [guard, 'check', '--stage', 'push', '--rule',
                          'worktree-paths', '--from-ref', 'main',
                          '--to-ref', BRANCH, '--branch', BRANCH], repo,
                rc=1 if every else 0),
            Cmd('difftree', ['git', 'diff-tree', '-r', '-p', 'main',
                             BRANCH], repo),
        ]
        m = measure(cmds, opts.runs, warmup=1)
        rows.append(Row(
            'push-paths', f'CI push, {commits} commits / {files:,} files, '
            f'{tag}', m['check'], 'git diff-tree -r -p', m['difftree'],
            ))
    return rows
