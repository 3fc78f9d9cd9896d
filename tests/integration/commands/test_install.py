"""`worktree-guard install` (native and server hooks) at its edges, proved on
real repositories: bare repos, worktrees of bare repos, the git dir, a
foreign hook replaced with --force, the fast-start probe."""
from __future__ import annotations

import os
import shlex
from pathlib import Path


from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.commands import doctor
from worktree_guard.commands import install

STILL_RUNS = '(it no longer runs; chain it by hand if you still need it)'


def test_install_refuses_a_bare_repository(plain_repo: RepoHandle) -> None:
    bare = plain_repo.remote
    proc = wg('install', cwd=bare)
    assert proc.returncode == 2, proc
    assert_no_traceback(proc)
    assert f'{bare} is a bare repository' in proc.stderr
    assert f'worktree-guard install --server {bare}' in proc.stderr
    assert not (bare / 'hooks' / 'pre-commit').exists()
    assert not (bare / 'hooks' / 'pre-push').exists()
    # The command the hint names does the right thing.
    proc = wg('install', '--server', str(bare), cwd=bare)
    assert proc.returncode == 0, proc
    assert install.MARKER in (bare / 'hooks' / 'pre-receive').read_text()


def test_install_from_a_worktree_of_a_bare_repo(plain_repo: RepoHandle,
                                                tmp_path: Path) -> None:
    """A bare repository's linked worktrees do get client hooks."""
    bare = plain_repo.remote
    wt = tmp_path / 'wt'
    git('-C', str(bare), 'worktree', 'add', '-q', '-b', 'feature/y', str(wt),
        'main', cwd=tmp_path)
    proc = wg('install', cwd=wt)
    assert proc.returncode == 0, proc
    assert install.MARKER in (bare / 'hooks' / 'pre-commit').read_text()
    (wt / 'y.txt').write_text('y\n')
    git('add', 'y.txt', cwd=wt)
    proc = run(['git', 'commit', '-m', 'y'], cwd=wt)
    assert proc.returncode == 1 and 'branch-name' in proc.output


def test_install_from_inside_the_git_dir_of_a_checkout(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    proc = wg('install', cwd=r.path / '.git')
    assert proc.returncode == 0, proc
    assert install.MARKER in (r.path / '.git' / 'hooks' / 'pre-commit'
                              ).read_text()


def test_force_says_the_foreign_hook_no_longer_runs(plain_repo: RepoHandle,
                                                    tmp_path: Path) -> None:
    r = plain_repo
    ran = tmp_path / 'foreign-ran'
    hook = r.path / '.git' / 'hooks' / 'pre-commit'
    hook.write_text(f'#!/bin/sh\necho x >> {shlex.quote(str(ran))}\n')
    hook.chmod(0o755)
    proc = wg('install', cwd=r.path)
    assert proc.returncode == 2
    assert 'where they no longer run' in proc.stderr
    proc = wg('install', '--force', cwd=r.path)
    assert proc.returncode == 0, proc
    assert f'moved foreign pre-commit to pre-commit.local {STILL_RUNS}' \
        in proc.stdout.splitlines()
    r.git('switch', '-q', '-c', 'issue-6-force')
    assert r.commit('a', files={'a.txt': 'a\n'}).returncode == 0
    assert not ran.exists()  # as promised: the .local hook did not run


def test_server_force_says_the_foreign_hook_no_longer_runs(
        plain_repo: RepoHandle, tmp_path: Path) -> None:
    r = plain_repo
    ran = tmp_path / 'foreign-ran'
    hook = r.remote / 'hooks' / 'pre-receive'
    hook.write_text(f'#!/bin/sh\necho x >> {shlex.quote(str(ran))}\n')
    hook.chmod(0o755)
    proc = wg('install', '--server', str(r.remote), '--force', cwd=tmp_path)
    assert proc.returncode == 0, proc
    assert f'moved foreign pre-receive to pre-receive.local {STILL_RUNS}' \
        in proc.stdout.splitlines()
    r.git('switch', '-q', '-c', 'issue-7-server')
    assert r.commit('a', files={'a.txt': 'a\n'}).returncode == 0
    proc = r.run_git('push', '-q', 'origin', 'issue-7-server')
    assert proc.returncode == 0, proc
    assert not ran.exists()


def test_install_server_edges(tmp_path: Path) -> None:
    proc = wg('install', '--server', str(tmp_path / 'nope'), cwd=tmp_path)
    assert proc.returncode == 2 and 'no such directory' in proc.stderr
    git('init', '-q', str(tmp_path / 'work'), cwd=tmp_path)
    proc = wg('install', '--server', str(tmp_path / 'work'), cwd=tmp_path)
    assert proc.returncode == 2
    assert 'is not a bare git repository' in proc.stderr
    srv = tmp_path / 'srv.git'
    git('init', '-q', '--bare', str(srv), cwd=tmp_path)
    git('--git-dir', str(srv), 'config', 'receive.advertisePushOptions',
        'false', cwd=tmp_path)
    proc = wg('install', '--server', str(srv), cwd=tmp_path)
    assert proc.returncode == 0, proc
    assert 'advertisePushOptions' not in proc.stdout  # the admin's choice
    assert git('--git-dir', str(srv), 'config',
               'receive.advertisePushOptions', cwd=tmp_path).strip() == 'false'
    proc = wg('uninstall', '--server', str(srv), cwd=tmp_path)
    assert proc.returncode == 0
    assert f"removed {srv / 'hooks' / 'pre-receive'}" in proc.stdout
    assert not (srv / 'hooks' / 'pre-receive').exists()
    proc = wg('uninstall', '--server', str(tmp_path / 'nope'), cwd=tmp_path)
    assert proc.returncode == 0 and 'nothing to remove' in proc.stdout


def test_config_entries_that_are_not_hooks(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.write('.pre-commit-config.yaml',
            'repos:\n- repo: local\n  hooks:\n  - just-a-string\n'
            '  - id: check-worktree-layout\n')
    assert doctor._pre_commit_config(str(r.path)) == [
        ('check-worktree-layout', None)]
    os.remove(r.path / '.pre-commit-config.yaml')
    assert doctor._pre_commit_config(str(r.path)) is None
