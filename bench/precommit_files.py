"""pre-commit's ``pass_filenames`` for the path hooks (issue 16), against
today's ``pass_filenames: false`` in the same run.

At ``pre-commit run`` on 10 staged files the hook now gets the staged
file names and asks git once more which paths are staged (``diff-index
--name-only``) to tell a commit from ``--all-files``; that process is the
whole added cost (inside ``git commit`` there is none: ``GIT_INDEX_FILE``
says it is a commit).  Under ``pre-commit run --all-files`` the hook now reads and judges
every file (it used to judge an empty staged change: fast, and blind to a
committed escape), so that row is the price of the check itself; it is
set against ``worktree-guard check --all-files`` (the same work without
pre-commit) and ``git cat-file --batch`` of the same blobs.

All hooks are ``repo: local`` with ``language: system`` on the same
console script, so pre-commit's share is identical on both sides.

The files are real source and docs (``common.real_files``), so real
findings may make a hook exit 1: each command's exit code is learnt from
one run (``common.rc_of``) and checked on every timed one.
"""
from __future__ import annotations

from pathlib import Path

from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import git
from common import make_repo
from common import measure
from common import rc_of
from common import real_files
from common import tool
from common import write_files

CONFIG = """\
repos:
- repo: local
  hooks:
  - id: today
    name: today (pass_filenames false)
    entry: {wg} check --hook worktree-guard-commit --stage commit
    language: system
    pass_filenames: false
    always_run: true
  - id: files
    name: with the file names (pass_filenames true)
    entry: {wg} check --hook worktree-guard-commit --stage commit
    language: system
    pass_filenames: true
    types: []
    require_serial: true
    always_run: true
"""


def _repo(base: Path, n: int, wg: str) -> tuple[Path, bytes]:
    repo = make_repo(base / f'repo-{n}', files={
        '.pre-commit-config.yaml': CONFIG.format(wg=wg).encode()})
    git('switch', '-q', '-c', f'issue-16-files-{n}', cwd=repo)
    write_files(repo, {f'p/{path}': data
                       for path, data in real_files(n)})
    git('add', '-f', '-A', cwd=repo)
    git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'files',
        cwd=repo)
    oids = [rec.split()[1] for rec in
            git('ls-files', '-s', '-z', cwd=repo).split('\0') if rec]
    return repo, ('\n'.join(oids) + '\n').encode()


def run(opts: Options) -> list[Row]:
    pc = tool('pre-commit')
    wg = tool('worktree-guard')
    if pc is None or wg is None:
        raise Unavailable('pre-commit or worktree-guard is not installed')
    base = opts.workdir / 'pre-commit-files'
    base.mkdir()
    rows = []
    # A commit: 10 staged files.
    repo, _ = _repo(base, 10, wg)
    write_files(repo, {f'src/{path}': data
                       for path, data in real_files(10, seed=7)})
    git('add', '-f', '-A', cwd=repo)
    files, today = [pc, 'run', 'files'], [pc, 'run', 'today']
    m = measure([Cmd('files', files, repo, rc=rc_of(files, repo)),
                 Cmd('today', today, repo, rc=rc_of(today, repo))],
                opts.runs)
    rows.append(Row('pre-commit-files',
                    'pre-commit run (10 staged files), file names',
                    m['files'], 'pass_filenames false', m['today'],
                    target=1.1))
    for n in ((300, 1000) if opts.quick else (1000, 5000)):
        repo, oids = _repo(base, n, wg)
        files = [pc, 'run', '--all-files', 'files']
        today = [pc, 'run', '--all-files', 'today']
        check = [wg, 'check', '--all-files', '--hook',
                 'worktree-guard-commit']
        m = measure([
            Cmd('files', files, repo, rc=rc_of(files, repo)),
            Cmd('today', today, repo, rc=rc_of(today, repo)),
            Cmd('check', check, repo, rc=rc_of(check, repo)),
            Cmd('catfile', ['git', 'cat-file', '--batch'], repo,
                stdin=oids),
        ], opts.runs, warmup=1)
        label = f'pre-commit run --all-files ({n:,} files), file names'
        rows += [
            Row('pre-commit-files', label, m['files'],
                'pass_filenames false (judges nothing)', m['today']),
            Row('pre-commit-files', label, m['files'],
                'worktree-guard check --all-files', m['check']),
            Row('pre-commit-files', f'worktree-guard check --all-files '
                f'({n:,} files)', m['check'], 'git cat-file --batch',
                m['catfile']),
        ]
    return rows
