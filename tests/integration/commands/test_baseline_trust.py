"""Issue 23: the baseline comes from a trusted, committed copy: CI's from
the base ref (test_baseline.py), the local hooks' from HEAD, never the
working tree; it must be a regular file shaped like a baseline, and only
a fingerprint accepts a finding."""
from __future__ import annotations

import os

import pytest

from tests.helpers import RepoHandle
from tests.helpers import there
from tests.helpers import wg

FILE = '.worktree-guard-baseline.json'
ESCAPE = 'cd ../../other-repo && make\n'
# What ESCAPE reaches is on this machine: the evidence that makes it an
# error (docs/paths.md).
BESIDE = '../../other-repo/Makefile'
pytestmark = pytest.mark.timeout(120)


def _quiet_commit(r: RepoHandle, *paths: str) -> None:
    r.git('add', '--', *paths)
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'setup',
          '--', *paths)


def test_the_commit_hook_ignores_an_uncommitted_baseline(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-3-sneak')
    there(r.path, BESIDE)
    r.write('run.sh', ESCAPE)
    r.git('add', 'run.sh')
    assert wg('baseline', cwd=r.path).returncode == 0   # records it
    assert (r.path / FILE).exists()
    proc = r.commit('escape')
    assert proc.returncode == 1, proc
    assert 'run.sh:1:' in proc.output
    assert 'accepted by the baseline' not in proc.output


def test_a_fifo_at_the_baseline_path_does_not_hang(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-4-fifo')
    there(r.path, BESIDE)
    os.mkfifo(r.path / FILE)
    r.write('run.sh', ESCAPE)
    r.git('add', 'run.sh')
    proc = r.commit('escape')
    assert proc.returncode == 1, proc
    assert 'run.sh:1:' in proc.output
    assert 'Traceback' not in proc.output


def test_a_committed_symlink_baseline_is_refused(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-5-link')
    (r.path.parent / 'outside.json').write_text(
        '{"version": 1, "files": {}}')
    os.symlink('../outside.json', r.path / FILE)
    _quiet_commit(r, FILE)
    r.write('run.sh', ESCAPE)
    r.git('add', 'run.sh')
    proc = wg('check', cwd=r.path)
    assert proc.returncode == 2, proc
    assert proc.stderr.startswith(
        f'worktree-guard: error: {FILE}:1: the baseline is a symlink in '
        'HEAD, not a regular file')


def test_paths_baseline_naming_a_script_hides_nothing(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-6-script')
    # Line 2 runs where line 1's cd went: two folders up from there.
    there(r.path / 'src', BESIDE, '../../../other-repo/Makefile')
    r.write('.worktree-guard.yaml', 'paths:\n  baseline: src/run.sh\n')
    r.write('src/run.sh', ESCAPE)
    _quiet_commit(r, '.worktree-guard.yaml', 'src/run.sh')
    r.write('src/run.sh', ESCAPE + ESCAPE)
    r.git('add', 'src/run.sh')
    # Every file judged: the baseline is read, and is none.
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 2, proc
    assert 'src/run.sh:1: the baseline is not valid JSON' in proc.stderr
    # A commit: the finding in run.sh stands (it was dropped in 0.2).
    proc = wg('check', cwd=r.path)
    assert proc.returncode == 1, proc
    assert 'src/run.sh:2:4: worktree-paths/relative-escape' in proc.stdout


def test_a_baseline_too_large_is_refused(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-7-big')
    r.write(FILE, '{"version": 1, "files": {}, "note": "'
            + 'x' * (16 << 20) + '"}')
    _quiet_commit(r, FILE)
    r.write('run.sh', ESCAPE)
    r.git('add', 'run.sh')
    proc = wg('check', cwd=r.path)
    assert proc.returncode == 2, proc
    assert f'{FILE}:1: the baseline is larger than 16777216 bytes in HEAD' \
        in proc.stderr
