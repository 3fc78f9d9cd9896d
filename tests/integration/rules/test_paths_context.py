"""The facts the path engine needs from git (issue 12), through real
repositories: renames add nothing, the Dockerfiles' users, committed
symlinks for chains, and symlink targets read whole from a patch."""
from __future__ import annotations

import os

from tests.helpers import RepoHandle
from tests.integration.gitctx.test_paths_cases import Checker
from tests.integration.gitctx.test_paths_cases import check  # noqa: F401 (fixture)
from tests.integration.gitctx.test_paths_cases import codes
from tests.integration.gitctx.test_paths_cases import policy
from tests.integration.gitctx.test_paths_cases import stage
from worktree_guard.gitctx.treefacts import dockerfile_users


def test_a_pure_rename_adds_nothing(plain_repo: RepoHandle,
                                    check: Checker) -> None:  # noqa: F811
    r = plain_repo
    stage(r, {'old name.md': 'grandfathered ../../x\nline\n'})
    r.git('commit', '-q', '--no-verify', '-m', 'old')
    r.git('mv', 'old name.md', 'docs/new "name".md')
    assert check.json(r.path) == []
    policy(r, 'paths:\n  scope: all\n')
    assert check.json(r.path) == []
    # A rename that also edits: only the added line counts (scope added),
    # the whole new file with scope all.
    (r.path / 'docs/new "name".md').write_text(
        'grandfathered ../../x\nline\nnew ../../y\n')
    r.git('add', '-A')
    policy(r, 'paths:\n  scope: added\n')
    assert codes(check.json(r.path)) == [
        'docs/new "name".md:3:5 relative-escape']
    policy(r, 'paths:\n  scope: all\n')
    assert codes(check.json(r.path)) == [
        'docs/new "name".md:1:15 relative-escape',
        'docs/new "name".md:3:5 relative-escape']


def test_container_users_come_from_the_dockerfiles(
        plain_repo: RepoHandle, check: Checker) -> None:  # noqa: F811
    r = plain_repo
    stage(r, {'docker/Dockerfile.dev': (
        'FROM python\nRUN useradd -m -s /bin/bash appuser && \\\n'
        '    adduser --disabled-password builder2\n'
        'USER appuser:appgroup\nWORKDIR /home/svc/app\n')})
    r.git('commit', '-q', '--no-verify', '-m', 'docker')
    stage(r, {'a.md': ('cd /home/appuser/x /home/builder2/y /home/svc/z\n'
                       'and /home/ann/notes\n')})
    assert codes(check.json(r.path)) == ['a.md:2:5 home-path']
    # At push (CI mode) the pushed tip's Dockerfiles count.
    r.git('switch', '-q', '-c', 'issue-3-x')
    r.git('commit', '-q', '--no-verify', '-m', 'doc')
    _, out = check(r.path, '--stage', 'push', '--from-ref', 'main',
                    '--to-ref', 'HEAD')
    assert 'a.md:2:5' in out and 'appuser' not in out, out


def test_dockerfile_users() -> None:
    assert dockerfile_users(
        'USER 1000\nUSER root\nUSER $APP\nRUN useradd -u 5 --\n'
        'RUN adduser\nRUN useradd -m a -g b c\nCOPY x /home/\n') == {
        'c', '$APP'}


def test_a_dockerfile_without_its_object(plain_repo: RepoHandle,
                                         check: Checker) -> None:  # noqa: F811
    r = plain_repo
    r.git('update-index', '--add', '--cacheinfo',
          f'100644,{"3" * 40},Dockerfile')
    stage(r, {'a.md': 'see /home/ann/x\n'})
    assert codes(check.json(r.path, '--all-files')) == ['a.md:1:5 home-path']


def test_symlink_chains_at_commit_and_push(plain_repo: RepoHandle,
                                           check: Checker) -> None:  # noqa: F811
    r = plain_repo
    os.symlink('..', r.path / 'docs' / 'up')
    r.git('add', 'docs/up')
    r.git('commit', '-q', '--no-verify', '-m', 'up')
    os.symlink('up/..', r.path / 'docs' / 'chain')
    r.git('add', 'docs/chain')
    found = check.json(r.path)
    assert [v['path'] for v in found] == ['docs/chain']
    assert 'through other committed symlinks' in str(found[0]['message'])
    r.git('switch', '-q', '-c', 'issue-4-x')
    r.git('commit', '-q', '--no-verify', '-m', 'chain')
    rc, out = check(r.path, '--stage', 'push', '--from-ref', 'main',
                    '--to-ref', 'HEAD')
    assert rc == 1 and 'docs/chain: worktree-paths/escaping-symlink' in out


def test_symlink_target_with_newlines_from_a_patch(
        plain_repo: RepoHandle, check: Checker) -> None:  # noqa: F811
    r = plain_repo
    os.symlink('docs', r.path / 'ln')
    r.git('add', 'ln')
    r.git('commit', '-q', '--no-verify', '-m', 'link')
    os.remove(r.path / 'ln')
    os.symlink('docs\n../../../x\n', r.path / 'ln')
    r.git('add', 'ln')
    (v,) = check.json(r.path)
    assert v['token'] == '"docs\\n../../../x\\n"'
