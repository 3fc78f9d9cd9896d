"""Messages that name the real problem (issue 13): dubious ownership names
the safe.directory command, core.worktree and GIT_WORK_TREE set-ups work,
and a git failure names the subcommand and git's own message."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import there
from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx.repo import command_name


@pytest.mark.parametrize(('args', 'want'), [
    (('-c', 'core.quotePath=false', '-c', 'x=1', 'diff-tree', '-r', 'a', 'b'),
     'diff-tree -r a'),
    (('--no-pager', 'log', '-1'), 'log -1'),
    (('-C', '/x', 'status'), 'status'),
    (('rev-parse',), 'rev-parse'),
    (('-c', 'a=b'), '-c a=b'),
])
def test_command_name(args: tuple[str, ...], want: str) -> None:
    assert command_name(args) == want


def test_git_failure_names_the_subcommand(plain_repo: RepoHandle) -> None:
    repo = Repo.discover(str(plain_repo.path))
    with pytest.raises(GitError) as e:
        repo.git('-c', 'core.quotePath=false', '-c', 'core.bigFileThreshold=1',
                 'diff-tree', '-r', 'nope', 'HEAD')
    assert e.value.message.startswith("'git diff-tree -r nope' failed: ")
    assert 'nope' in e.value.message.split('failed: ', 1)[1]


@pytest.mark.skipif(not hasattr(os, 'geteuid') or os.geteuid() != 0,
                    reason='making a repo owned by another user needs root')
def test_dubious_ownership_names_safe_directory(plain_repo: RepoHandle,
                                                tmp_path: Path) -> None:
    other = tmp_path / 'theirs'
    shutil.copytree(plain_repo.path, other, symlinks=True)
    for dirpath, dirs, files in os.walk(other):
        for name in dirs + files:
            os.lchown(os.path.join(dirpath, name), 65534, 65534)
    os.chown(other, 65534, 65534)
    proc = wg('check', cwd=other)
    assert proc.returncode == 2
    assert 'owned by another user (dubious ownership)' in proc.stderr
    assert f'git config --global --add safe.directory {other}' in proc.stderr
    assert 'not inside a git repository' not in proc.stderr


def test_core_worktree_and_git_work_tree(native_repo: RepoHandle,
                                         tmp_path: Path) -> None:
    r = native_repo
    elsewhere = tmp_path / 'elsewhere'
    shutil.copytree(r.path, elsewhere, ignore=shutil.ignore_patterns('.git'))
    r.git('switch', '-q', '-c', 'issue-1-apart')
    # core.worktree: the work tree has no .git of its own.
    r.git('config', 'core.worktree', str(elsewhere))
    proc = wg('check', cwd=r.path)
    assert proc.returncode == 0, proc
    (elsewhere / 'a.txt').write_text('a\n')
    git('--git-dir', str(r.path / '.git'), 'add', 'a.txt', cwd=elsewhere)
    proc = run(['git', '--git-dir', str(r.path / '.git'), 'commit', '-q',
                '-m', 'a'], cwd=elsewhere)
    assert proc.returncode == 0, proc
    # What it reaches from the work tree is on this machine: an error.
    there(elsewhere, '../other-repo/Makefile')
    (elsewhere / 'b.txt').write_text('cd ../other-repo && make\n')
    git('--git-dir', str(r.path / '.git'), 'add', 'b.txt', cwd=elsewhere)
    proc = run(['git', '--git-dir', str(r.path / '.git'), 'commit', '-q',
                '-m', 'b'], cwd=elsewhere)
    assert proc.returncode == 1
    assert 'worktree-paths' in proc.stderr
    r.git('config', '--unset', 'core.worktree')
    # GIT_WORK_TREE and GIT_DIR from the environment.
    env = {'GIT_DIR': str(r.path / '.git'), 'GIT_WORK_TREE': str(elsewhere)}
    proc = wg('check', cwd=elsewhere, env=env)
    assert proc.returncode == 1
    assert 'worktree-paths' in proc.output
    proc = wg('check', cwd=tmp_path, env=env)
    assert proc.returncode == 1
    assert 'worktree-paths' in proc.output
