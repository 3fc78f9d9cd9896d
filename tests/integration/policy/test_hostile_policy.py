"""Hostile policies are bounded (issue 13): a few hundred bytes of YAML, a
huge file, huge numbers, backtracking globs, and policy paths that are no
regular file.  Each finishes with exit 2 (or a verdict) well inside the
timeout, prints no traceback and never echoes what it should not."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import run
from tests.helpers import unprivileged
from tests.helpers import wg

pytestmark = pytest.mark.timeout(120)


def bomb(levels: int = 12) -> str:
    lines = ['version: 1', 'x0: &x0 [a, a, a, a, a, a, a, a, a]']
    for i in range(1, levels):
        lines.append(f'x{i}: &x{i} [' + ', '.join([f'*x{i - 1}'] * 9) + ']')
    return '\n'.join(lines) + '\n'


def _check(r: RepoHandle, *args: str) -> tuple[int, str]:
    proc = wg('check', *args, cwd=r.path)
    assert 'Traceback' not in proc.output
    assert 'internal error' not in proc.output
    return proc.returncode, proc.output


def test_alias_bomb(plain_repo: RepoHandle) -> None:
    assert len(bomb()) < 1000
    plain_repo.write('.worktree-guard.yaml', bomb())
    rc, out = _check(plain_repo)
    assert rc == 2
    assert 'expands to more than 10000 YAML nodes' in out


def test_huge_policy(plain_repo: RepoHandle) -> None:
    plain_repo.write('.worktree-guard.yaml',
                     'version: 1\n' + '# pad\n' * 400_000)
    rc, out = _check(plain_repo)
    assert rc == 2
    assert 'a policy is at most 1048576 bytes (1 MiB)' in out


@pytest.mark.parametrize(('policy', 'said'), [
    ('paths:\n  max-file-size: 99999999999999999999\n',
     'paths.max-file-size'),
    ("paths:\n  max-file-size: '5GiB'\n", "'paths.max-file-size' is over"),
    ('sync:\n  max-behind: 99999999999\n', 'sync.max-behind'),
    ('sync:\n  max-staleness: 9999999d\n', "'sync.max-staleness' is over"),
])
def test_numbers_have_upper_bounds(plain_repo: RepoHandle, policy: str,
                                   said: str) -> None:
    plain_repo.write('.worktree-guard.yaml', policy)
    rc, out = _check(plain_repo)
    assert rc == 2
    assert said in out


def test_backtracking_globs_run_in_linear_time(plain_repo: RepoHandle) -> None:
    r = plain_repo
    evil = 'a*' * 25 + 'b'
    r.write('.worktree-guard.yaml',
            f"branches:\n  exempt: ['{evil}']\n  protected: ['{evil}']\n"
            f"paths:\n  exclude: ['{evil}']\n  include: ['{evil}', '**']\n"
            f"sync:\n  exempt: ['{evil}']\n")
    name = 'a' * 60
    r.git('switch', '-q', '-c', name)
    r.write(name + '.txt', 'x\n')
    r.git('add', '-A')
    rc, out = _check(r)
    assert rc == 1   # judged: the name is not an issue branch
    assert 'branch-name' in out


@pytest.mark.parametrize('kind', ['directory', 'fifo', 'dangling',
                                  'outward'])
def test_policy_that_is_no_file(plain_repo: RepoHandle, tmp_path: Path,
                                kind: str) -> None:
    p = plain_repo.path / '.worktree-guard.yaml'
    secret = tmp_path / 'secret'
    secret.write_text('root:x:0:0:the first line\n')
    if kind == 'directory':
        p.mkdir()
    elif kind == 'fifo':
        os.mkfifo(p)
    elif kind == 'dangling':
        p.symlink_to(tmp_path / 'gone')
    else:
        p.symlink_to(secret)
    rc, out = _check(plain_repo)
    assert rc == 2
    assert {'directory': 'the policy is a directory, not a file',
            'fifo': 'the policy is a FIFO, not a file',
            'dangling': 'the policy is a symlink to nothing',
            'outward': 'the policy is a symlink out of the repository'}[kind] \
        in out
    assert 'root:x' not in out


def test_unreadable_policy(plain_repo: RepoHandle) -> None:
    drop = unprivileged()
    if drop is None:
        pytest.skip('running as root without setpriv: cannot make a file '
                    'unreadable for this process')
    p = plain_repo.write('.worktree-guard.yaml', 'version: 1\n')
    p.chmod(0)
    exe = os.path.join(os.path.dirname(os.sys.executable), 'worktree-guard')
    proc = run([*drop, exe, 'check'], cwd=plain_repo.path)
    p.chmod(0o644)
    assert proc.returncode == 2, proc
    assert 'cannot read the policy file' in proc.stderr
    assert 'Traceback' not in proc.stderr
