"""Adoption on a protected main (issue 16, part 4), and doctor's advice when
``core.hooksPath`` is set (part 7).  Real git, real hooks, real pushes; no
bypass anywhere (no SKIP, no --no-verify)."""
from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.commands import init as init_cmd

pytestmark = pytest.mark.timeout(300)


def _adopt_and_push(repo: RepoHandle, issue: str,
                    main_hooked: bool = True) -> None:
    """On main: the files cannot be committed there; init makes the
    adoption branch, the commit and the push pass through the hooks."""
    assert repo.git('branch', '--show-current').strip() == 'main'
    # Not on a terminal, no number: the files are written here, with
    # exactly what to run.
    proc = wg('init', cwd=repo.path, input='')
    assert proc.returncode == 0, proc.output
    assert 'main is a protected branch' in proc.stdout
    assert '    git switch -c issue-<N>-adopt-worktree-guard\n' in proc.stdout
    assert '    git push -u origin issue-<N>-adopt-worktree-guard\n' \
        in proc.stdout
    assert (repo.path / '.worktree-guard.yaml').is_file()
    proc = wg('init', '--force', '--issue', issue, cwd=repo.path)
    assert proc.returncode == 0, proc.output
    branch = f'issue-{issue}-adopt-worktree-guard'
    assert f'made the adoption branch {branch}' in proc.stdout
    assert repo.git('branch', '--show-current').strip() == branch
    assert (repo.path / '.worktree-guard.yaml').is_file()
    proc = repo.commit('Adopt worktree-guard', files={
        '.worktree-guard.yaml':
            (repo.path / '.worktree-guard.yaml').read_text()})
    assert proc.returncode == 0, proc.output
    proc = repo.run_git('push', '-u', 'origin', branch)
    assert proc.returncode == 0, proc.output
    assert repo.git('rev-parse', f'origin/{branch}') == \
        repo.git('rev-parse', 'HEAD')
    if not main_hooked:  # main has no pre-commit config until the merge
        return
    # protected-branch stayed strict: main still takes no commit.
    repo.git('switch', '-q', 'main')
    proc = repo.commit('on main', files={'x.txt': 'x\n'})
    assert proc.returncode == 1 and 'protected-branch' in proc.output


def test_adopt_native_on_a_protected_main(native_repo: RepoHandle) -> None:
    # The policy itself cannot be committed on main: the circle init breaks.
    native_repo.write('.worktree-guard.yaml', 'version: 1\n')
    native_repo.git('add', '.worktree-guard.yaml')
    proc = native_repo.run_git('commit', '-m', 'policy on main')
    assert proc.returncode == 1 and 'protected-branch' in proc.output
    native_repo.git('reset', '-q')
    os.remove(native_repo.path / '.worktree-guard.yaml')
    _adopt_and_push(native_repo, '7')


@pytest.mark.slow
def test_adopt_with_pre_commit_on_a_protected_main(
        plain_repo: RepoHandle, hook_repo: tuple[Path, str]) -> None:
    repo = plain_repo
    path, sha = hook_repo
    repo.write('.pre-commit-config.yaml',
               f'repos:\n- repo: {path}\n  rev: {sha}\n  hooks:\n'
               '  - id: worktree-guard-commit\n'
               '  - id: worktree-guard-push\n')
    run(['pre-commit', 'install', '--hook-type', 'pre-commit',
         '--hook-type', 'pre-push'], cwd=repo.path, check=True)
    repo.git('add', '.pre-commit-config.yaml')
    proc = repo.run_git('commit', '-m', 'config on main')
    assert proc.returncode == 1 and 'protected-branch' in proc.output
    # The staged config goes into the adoption commit with the policy.
    _adopt_and_push(repo, '8', main_hooked=False)
    assert '.pre-commit-config.yaml' in repo.git(
        'show', '--name-only', '--format=', 'HEAD')


def test_init_branch_name_is_judged_by_the_rules(
        plain_repo: RepoHandle) -> None:
    for args, said in (
            (['--branch', 'adopt'], 'branch-name'),
            (['--branch', 'main'], 'protected-branch'),
            (['--issue', 'seven'], 'not an issue number'),
            (['--issue', '0'], 'not an issue number')):
        proc = wg('init', *args, cwd=plain_repo.path)
        assert proc.returncode == 2 and said in proc.stderr, (args, proc)
    assert plain_repo.git('branch', '--show-current').strip() == 'main'
    proc = wg('init', '--branch', 'issue-9-tooling', cwd=plain_repo.path)
    assert proc.returncode == 0, proc.output
    assert plain_repo.git('branch', '--show-current').strip() == \
        'issue-9-tooling'
    # The branch exists now: init says how to go on.
    plain_repo.git('switch', '-q', 'main')
    proc = wg('init', '--force', '--branch', 'issue-9-tooling',
              cwd=plain_repo.path)
    assert proc.returncode == 2
    assert 'git switch issue-9-tooling' in proc.stderr


def test_init_off_a_protected_branch_writes_in_place(
        plain_repo: RepoHandle) -> None:
    plain_repo.git('switch', '-q', '-c', 'issue-10-x')
    proc = wg('init', cwd=plain_repo.path)
    assert proc.returncode == 0, proc.output
    assert 'adoption branch' not in proc.stdout
    assert plain_repo.git('branch', '--show-current').strip() == 'issue-10-x'
    # A detached HEAD is no protected branch either.
    plain_repo.git('switch', '-q', '--detach')
    proc = wg('init', '--force', cwd=plain_repo.path)
    assert proc.returncode == 0, proc.output


@pytest.mark.parametrize(('typed', 'branch'), [
    ('12\n', 'issue-12-adopt-worktree-guard'), ('\n', None), ('', None)])
def test_init_asks_on_a_terminal(plain_repo: RepoHandle,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str],
                                 typed: str, branch: str | None) -> None:
    monkeypatch.chdir(plain_repo.path)
    monkeypatch.setattr(sys, 'stdin', io.StringIO(typed))
    assert init_cmd.init(ask=True) == 0
    out = capsys.readouterr().out
    assert 'Issue number for the adoption branch' in out
    assert plain_repo.git('branch', '--show-current').strip() == \
        (branch or 'main')
    assert ('    git switch -c issue-<N>-adopt-worktree-guard' in out) is \
        (branch is None)


# -- doctor with core.hooksPath set ---------------------------------------------------

def test_doctor_advice_with_core_hooks_path(plain_repo: RepoHandle,
                                            tmp_path: Path,
                                            hook_repo: tuple[Path, str]
                                            ) -> None:
    repo = plain_repo
    hooks = tmp_path / 'team-hooks'
    repo.git('config', 'core.hooksPath', str(hooks))
    proc = wg('doctor', cwd=repo.path)
    assert proc.returncode == 1
    assert 'pre-commit install` refuses' in proc.stdout
    assert '    worktree-guard install\n' in proc.stdout
    assert '    git config --local --unset core.hooksPath\n' in proc.stdout
    # What doctor says is what pre-commit does ...
    path, sha = hook_repo
    repo.write('.pre-commit-config.yaml',
               f'repos:\n- repo: {path}\n  rev: {sha}\n  hooks:\n'
               '  - id: worktree-guard-commit\n')
    proc = run(['pre-commit', 'install'], cwd=repo.path)
    assert proc.returncode != 0 and 'core.hooksPath' in proc.output
    # ... and each of its two ways works.
    proc = wg('install', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    proc = wg('doctor', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    assert 'core.hooksPath is set' not in proc.stdout
    for name in ('pre-commit', 'pre-push', 'commit-msg'):
        os.remove(hooks / name)
    repo.git('config', '--local', '--unset', 'core.hooksPath')
    proc = run(['pre-commit', 'install', '--hook-type', 'pre-commit',
                '--hook-type', 'pre-push'], cwd=repo.path)
    assert proc.returncode == 0, proc.output
    proc = wg('doctor', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    assert 'core.hooksPath' not in proc.stdout


def test_doctor_advice_names_the_scope(plain_repo: RepoHandle,
                                       tmp_path: Path) -> None:
    env = {'GIT_CONFIG_COUNT': '1', 'GIT_CONFIG_KEY_0': 'core.hooksPath',
           'GIT_CONFIG_VALUE_0': str(tmp_path / 'h')}
    proc = wg('doctor', cwd=plain_repo.path, env=env)
    assert 'command config' in proc.stdout
    assert 'remove core.hooksPath from' in proc.stdout
