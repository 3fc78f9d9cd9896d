"""Exempt globs match the whole branch name (issue 13), at commit and on
the server: ``release/*`` matches ``release/1.2`` and not
``release/1.2/x``; ``develop`` does not exempt ``develop/x``; ``bot/**``
is everything below ``bot/``."""
from __future__ import annotations

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg

EXEMPT = ('version: 1\nbranches:\n  exempt: [main, develop, release/*, '
          'bot/**]\n')


@pytest.mark.parametrize(('branch', 'ok'), [
    ('release/1.2', True),
    ('release/1.2/x', False),
    ('develop', True),
    ('develop/Anything', False),
    ('bot/a', True),
    ('bot/a/b/c', True),
    ('robot/a', False),
])
def test_exempt_names_at_commit(plain_repo: RepoHandle, branch: str,
                                ok: bool) -> None:
    r = plain_repo
    r.write('.worktree-guard.yaml', EXEMPT)
    r.git('switch', '-q', '-c', branch)
    proc = wg('check', '--rule', 'branch-name', cwd=r.path)
    assert proc.returncode == (0 if ok else 1), proc
    assert ('branch-name' in proc.output) is not ok


def test_exempt_names_on_the_server(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.write('.worktree-guard.yaml', EXEMPT)
    r.git('add', '-A')
    r.git('commit', '-q', '--no-verify', '-m', 'policy')
    r.git('push', '-q', '--no-verify', 'origin', 'main')
    proc = wg('install', '--server', str(r.remote), cwd=r.path)
    assert proc.returncode == 0, proc
    for branch, ok in (('release/1.2/x', False), ('release/1.2', True),
                       ('develop/x', False), ('bot/a/b', True)):
        proc = run(['git', 'push', '--no-verify', 'origin',
                    f'HEAD:refs/heads/{branch}'], cwd=r.path)
        assert (proc.returncode == 0) is ok, (branch, proc)
        if not ok:
            assert 'branch-name' in proc.stderr
    assert git('--git-dir', str(r.remote), 'for-each-ref',
               '--format=%(refname)', 'refs/heads/', cwd=r.path).split() == [
        'refs/heads/bot/a/b', 'refs/heads/main', 'refs/heads/release/1.2']
