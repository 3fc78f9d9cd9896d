"""Issue 23: what a branch cannot change about its own judging, against
real servers (file://, ``git daemon``, lighttpd + ``git http-backend``;
the fixtures of ``test_attacks_server``).  Clients push with --no-verify.
"""
from __future__ import annotations

import pytest

from tests.helpers import git
from tests.integration.commands.server.test_attacks_server import POLICY
from tests.integration.commands.server.test_attacks_server import Repo
from tests.integration.commands.server.test_attacks_server import refused
from tests.integration.commands.server.test_attacks_server import repo
from tests.integration.commands.server.test_attacks_server import site
from tests.integration.commands.server.test_attacks_server import template

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.xdist_group('trust')]
__all__ = ['repo', 'site', 'template']

DEVELOP = POLICY + 'base:\n  branch: develop\n'


def _on_develop(repo: Repo) -> str:
    """main's policy names develop as the policy branch (an admin set it
    up on the server); develop is not in branches.protected."""
    anchored = repo.commit({'.worktree-guard.yaml': DEVELOP})
    repo.plant(anchored, 'refs/heads/main')
    repo.plant(anchored, 'refs/heads/develop')
    return anchored


def test_redirecting_base_branch_needs_an_admin(repo: Repo) -> None:
    """The red team's redirect: main's policy says base.branch: develop, so
    main itself was no policy ref; a push to main that points base.branch
    at the pusher's own (lax) branch switched every rule off."""
    anchored = _on_develop(repo)
    lax = repo.commit({'.worktree-guard.yaml': POLICY.replace(
        'version: 1\n', 'version: 1\nrules:\n  protected-branch: off\n')},
        base=anchored)
    git('push', '-q', '--no-verify', str(repo.bare),
        f'{lax}:refs/heads/issue-9-mine', cwd=repo.work)
    redirect = repo.commit({'.worktree-guard.yaml': POLICY +
                            'base:\n  branch: issue-9-mine\n'},
                           base=anchored)
    proc = repo.push(f'{redirect}:refs/heads/main')
    refused(proc, 'refs/heads/main')
    assert 'server-policy/loosened' in proc.stderr
    assert 'base.branch: develop -> issue-9-mine (only server.policy-admins' \
        in proc.stderr
    assert repo.ref('refs/heads/main') == anchored
    # develop, the policy branch, still stands: no force push.
    side = repo.commit({'src/x.py': 'print(1)\n'}, base=f'{anchored}~1')
    proc = repo.push(f'+{side}:refs/heads/develop')
    refused(proc, 'refs/heads/develop')
    assert 'server-policy/policy-ref' in proc.stderr
    assert 'may not be force-pushed' in proc.stderr
    assert repo.ref('refs/heads/develop') == anchored
    if repo.site.kind == 'http':
        proc = repo.push(f'{redirect}:refs/heads/main', user='eve')
        refused(proc, 'refs/heads/main')
        proc = repo.push(f'{redirect}:refs/heads/main', user='alice')
        assert proc.returncode == 0, proc
        assert 'alice (server.policy-admins) loosens the policy' in \
            proc.stderr


def test_a_policy_branch_cannot_be_deleted(repo: Repo) -> None:
    """An unprotected policy branch deleted would lock the server (every
    push refused, exit 2)."""
    anchored = _on_develop(repo)
    proc = repo.push(':refs/heads/develop')
    refused(proc, 'refs/heads/develop')
    assert 'may not be deleted by a push' in proc.stderr
    assert repo.ref('refs/heads/develop') is not None
    # Work still goes in.
    ok = repo.commit({'src/a.py': 'print(1)\n'}, base=anchored)
    assert repo.push(f'{ok}:refs/heads/issue-5-ok').returncode == 0


@pytest.mark.parametrize('shape', ['symlink', 'folder'])
def test_a_policy_no_client_could_load_is_refused(repo: Repo,
                                                  shape: str) -> None:
    git('checkout', '-q', '--detach', 'origin/main', cwd=repo.work)
    (repo.work / 'other.yaml').write_text(POLICY + 'rules:\n  '
                                          'worktree-paths: off\n')
    policy = repo.work / '.worktree-guard.yaml'
    policy.unlink()
    if shape == 'symlink':
        policy.symlink_to('other.yaml')
    else:
        policy.mkdir()
        (policy / 'x').write_text('x\n')
    git('add', '-A', cwd=repo.work)
    git('commit', '-q', '-m', shape, cwd=repo.work)
    head = git('rev-parse', 'HEAD', cwd=repo.work).strip()
    proc = repo.push(f'{head}:refs/heads/main')
    refused(proc, 'refs/heads/main')
    assert 'server-policy/invalid' in proc.stderr
    assert f'is a {shape}, not a regular file' in proc.stderr
    assert repo.ref('refs/heads/main') != head


def test_a_merge_commit_onto_main_is_refused(repo: Repo) -> None:
    main = repo.ref('refs/heads/main')
    assert main is not None
    side = repo.commit({'src/side.py': 'print(1)\n'}, base=main)
    repo.commit({'src/main.py': 'print(2)\n'}, base=main)
    git('merge', '-q', '--no-ff', '-m', 'merge', side, cwd=repo.work)
    merge = git('rev-parse', 'HEAD', cwd=repo.work).strip()
    proc = repo.push(f'{merge}:refs/heads/main')
    refused(proc, 'refs/heads/main')
    assert 'protected-branch/merge' in proc.stderr
    assert f'merge commit {merge[:12]}' in proc.stderr
    assert repo.ref('refs/heads/main') == main
    # A linear fast-forward passes; allow-merges (set by an admin) lets
    # the merge in.
    allow = repo.commit({'.worktree-guard.yaml': POLICY +
                         '  allow-merges: true\n'}, base=main)
    repo.plant(allow, 'refs/heads/main')
    git('rebase', '-q', '--rebase-merges', '--onto', allow, main, merge,
        cwd=repo.work)
    merged = git('rev-parse', 'HEAD', cwd=repo.work).strip()
    proc = repo.push(f'{merged}:refs/heads/main')
    assert proc.returncode == 0, proc


def test_a_hostile_glob_policy_is_refused_at_validation(repo: Repo) -> None:
    """0.2: 250 protected globs of '*a' repeated (1 MiB) cost 13-39 s per
    push, most of it compiling the globs at validation.  Now a branch glob
    is at most 255 characters with 32 wildcards, 256 in all, checked
    before any glob compiles: the push that would install it is refused,
    quickly, as an invalid policy."""
    glob = '*a' * 2000
    hostile = POLICY + 'branches:\n  protected:\n' + ''.join(
        f"    - '{glob}{i}'\n" for i in range(250))
    bad = repo.commit({'.worktree-guard.yaml': hostile})
    proc = repo.push(f'{bad}:refs/heads/main')
    refused(proc, 'refs/heads/main')
    assert 'server-policy/invalid' in proc.stderr
    assert ("'branches.protected' pattern 1 is 4001 characters long; a "
            'branch or ref glob is at most 255') in proc.stderr
