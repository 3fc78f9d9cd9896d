"""A whole ``git commit`` of one file, as a user types it (issue 26).

``everything install puts in place`` (the native ``pre-commit``,
``commit-msg``, ``pre-push`` and ``reference-transaction`` hooks of
``worktree-guard install``) against the same commit in a twin repository
whose only hook is pre-commit-hooks' ``no-commit-to-branch``.  Both sides
run ``git commit -q -m ... -- <file>`` on a file a tiny shell step has just
changed (the same step on both sides), in the main checkout (on a branch:
``main`` takes no commits) and in a linked worktree ``trees/issue-N-...``.
The file is a real one: a copy of this checkout's README.md.
"""
from __future__ import annotations

from pathlib import Path

from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import git
from common import install_native
from common import make_repo
from common import measure
from common import tool

BRANCH = 'issue-9-commit-one-file'
WT_BRANCH = 'issue-10-linked-worktree'
REAL = Path(__file__).resolve().parent.parent / 'README.md'
# The same change step on both sides: a new line in the real file, then the
# commit of that file alone.
STEP = ('printf "%s\\n" "$$" >> "$1" && '
        'exec git commit -q -m "bench: one file" -- "$1"')


def _twin(base: Path, name: str, hooks: str | None) -> tuple[Path, Path]:
    repo = make_repo(base / name, files={'docs/real.md': REAL.read_bytes()})
    wt = repo / 'trees' / WT_BRANCH
    git('worktree', 'add', '-q', '-b', WT_BRANCH, str(wt), 'main', cwd=repo)
    git('switch', '-q', '-c', BRANCH, cwd=repo)
    if hooks is None:
        install_native(repo)
    else:
        hook = repo / '.git' / 'hooks' / 'pre-commit'
        hook.write_text(f'#!/bin/sh\nexec {hooks}\n')
        hook.chmod(0o755)
    return repo, wt


def run(opts: Options) -> list[Row]:
    peer = tool('no-commit-to-branch')
    if peer is None:
        raise Unavailable('no-commit-to-branch is not installed '
                          '(pip install pre-commit-hooks)')
    base = opts.workdir / 'commit-whole'
    base.mkdir()
    ours = _twin(base, 'installed', None)
    theirs = _twin(base, 'peer', peer)
    rows = []
    for i, where in enumerate(('main checkout', 'linked worktree')):
        cmds = [Cmd(label, ['sh', '-c', STEP, 'step', 'docs/real.md'],
                    side[i])
                for label, side in (('ours', ours), ('peer', theirs))]
        m = measure(cmds, opts.runs * 2)
        rows.append(Row('commit-whole',
                        f'git commit of 1 file, everything install puts in '
                        f'place ({where})', m['ours'],
                        'the same commit, no-commit-to-branch its only hook',
                        m['peer'], target=1.0))
    return rows
