"""`worktree-guard doctor`, proved against what git and pre-commit then
really do: a missing pre-commit config, the commit-stage hook ids, relative
hooks paths, bare repos, gone worktrees and bad policies."""
from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

import pytest
import yaml

from tests.helpers import RepoHandle
from tests.helpers import precommit_config
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.commands import doctor
from worktree_guard.commands import install

NO_CONFIG = 'no .pre-commit-config.yaml here: pre-commit fails every commit'
NO_COMMIT_HOOK = 'has no worktree-guard commit hook'


def _line(out: str, path: Path) -> str:
    """doctor's status line for the worktree at ``path``."""
    found = [x for x in out.splitlines() if x.startswith(f'{path} [')]
    assert len(found) == 1, out
    return found[0]


def test_doctor_flags_pre_commit_without_config(
        precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    wt = r.worktree('issue-3-ok')
    os.remove(r.path / '.pre-commit-config.yaml')
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1, proc
    main = _line(proc.stdout, r.path)
    assert ': BROKEN (pre-commit=pre-commit, pre-push=pre-commit)' in main
    assert f'{NO_CONFIG} and every push' in proc.stdout
    assert NO_COMMIT_HOOK not in proc.stdout
    assert ': ok (' in _line(proc.stdout, wt)
    # What doctor says is what pre-commit does.
    r.git('switch', '-q', '-c', 'issue-4-no-config')
    proc = r.commit('a', files={'a.txt': 'a\n'})
    assert proc.returncode == 1
    assert 'No .pre-commit-config.yaml file was found' in proc.output
    assert r.commit('a', files={'a.txt': 'a\n'}, cwd=wt).returncode == 0


@pytest.mark.parametrize('remove, says', [
    ('pre-push', NO_CONFIG),
    ('pre-commit', 'no .pre-commit-config.yaml here: pre-commit fails '
                   'every push'),
])
def test_doctor_no_config_with_one_hook_type(precommit_repo: RepoHandle,
                                             remove: str, says: str) -> None:
    r = precommit_repo
    os.remove(r.path / '.git' / 'hooks' / remove)
    os.remove(r.path / '.pre-commit-config.yaml')
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1
    line = _line(proc.stdout, r.path)
    assert ': BROKEN (' in line and f'{remove}=none' in line
    assert f'no {remove} hook in' in proc.stdout
    notes = [x.strip() for x in proc.stdout.splitlines()
             if x.strip().startswith('no .pre-commit-config.yaml')]
    assert notes == [says]


def test_commit_hook_ids_come_from_the_registry() -> None:
    assert doctor._commit_hook_ids() == {
        'worktree-guard-commit', 'worktree-guard-commit-verbose',
        'check-branch-name', 'check-protected-branch', 'check-worktree-paths',
        'check-worktree-layout'}
    hooks = yaml.safe_load(
        (Path(__file__).resolve().parents[3] / '.pre-commit-hooks.yaml').read_text())
    at_commit = {h['id'] for h in hooks if 'pre-commit' in h['stages']}
    assert doctor._commit_hook_ids() == at_commit


@pytest.mark.parametrize('hooks, counted', [
    (['id: check-worktree-layout'], True),
    (['id: check-protected-branch'], True),
    (['id: check-worktree-paths'], True),
    (['id: worktree-guard-push', 'id: check-sync-before-push'], False),
    (['id: check-branch-name', 'id: worktree-guard-push'], True),
    (['{id: check-branch-name, stages: [pre-push]}'], False),
    (['{id: check-branch-name, stages: [commit]}'], True),
    (['{id: worktree-guard-commit, stages: [pre-commit, pre-push]}'], True),
])
def test_doctor_counts_every_commit_stage_hook(
        precommit_repo: RepoHandle, hook_repo: tuple[Path, str],
        hooks: list[str], counted: bool) -> None:
    r = precommit_repo
    r.write('.pre-commit-config.yaml', precommit_config(hook_repo, *hooks))
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 0, proc
    assert (NO_COMMIT_HOOK in proc.stdout) is not counted, proc.stdout


@pytest.mark.parametrize('hook, blocks', [
    ('id: check-protected-branch', True),
    ('{id: check-protected-branch, stages: [pre-push]}', False),
])
def test_doctor_agrees_with_a_real_commit(precommit_repo: RepoHandle,
                                          hook_repo: tuple[Path, str],
                                          hook: str, blocks: bool) -> None:
    """A single-rule hook doctor counts really judges commits; one moved
    to pre-push (which doctor does not count) really does not."""
    r = precommit_repo
    r.write('.pre-commit-config.yaml', precommit_config(hook_repo, hook))
    r.git('add', '.pre-commit-config.yaml')
    proc = wg('doctor', cwd=r.path)
    assert (NO_COMMIT_HOOK in proc.stdout) is not blocks
    proc = r.commit('on main', files={'m.txt': 'm\n'})
    assert (proc.returncode == 1) is blocks, proc
    assert ('protected-branch' in proc.output) is blocks


def test_doctor_prints_the_command_for_a_relative_hooks_path(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('config', 'core.hooksPath', 'team hooks')
    # (Kept out of git, so it is no untracked leak of the main checkout.)
    with open(r.path / '.git' / 'info' / 'exclude', 'a') as f:
        f.write('/team hooks/\n')
    proc = wg('install', cwd=r.path)
    assert proc.returncode == 0, proc
    shared = r.path / 'team hooks'
    fix = f'  git config core.hooksPath {shlex.quote(str(shared))}'
    assert proc.stdout.splitlines().count(fix) == 1, proc.stdout
    wt = r.worktree('issue-5-relative')
    proc = wg('doctor', cwd=wt)
    assert proc.returncode == 1
    assert ': SILENT (' in _line(proc.stdout, wt)
    assert "core.hooksPath is relative ('team hooks')" in proc.stdout
    assert fix in proc.stdout.splitlines()
    # Run the printed command as a shell would: now every worktree runs them.
    assert run(['sh', '-c', fix.strip()], cwd=wt).returncode == 0
    assert r.git('config', 'core.hooksPath').strip() == str(shared)
    proc = wg('doctor', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'core.hooksPath is relative' not in proc.stdout
    assert proc.stdout.count(': ok (pre-commit=native, pre-push=native)') == 2
    r.git('switch', '-q', '-c', 'feature/x', cwd=wt)
    proc = r.commit('x', files={'x.txt': 'x\n'}, cwd=wt)
    assert proc.returncode == 1 and 'branch-name' in proc.output


def test_relative_hooks_path_message_is_none_when_absolute(
        plain_repo: RepoHandle, tmp_path: Path) -> None:
    from worktree_guard.gitctx import Repo
    assert install.relative_hooks_path(Repo.discover(str(plain_repo.path))) \
        is None
    plain_repo.git('config', 'core.hooksPath', str(tmp_path / 'h'))
    assert install.relative_hooks_path(Repo.discover(str(plain_repo.path))) \
        is None


def test_doctor_on_a_bare_repo_a_gone_worktree_and_a_bad_policy(
        plain_repo: RepoHandle, tmp_path: Path) -> None:
    bare = plain_repo.remote
    wt = tmp_path / 'wt'
    gone = tmp_path / 'gone'
    for path, branch in ((wt, 'issue-8-a'), (gone, 'issue-9-b')):
        git('-C', str(bare), 'worktree', 'add', '-q', '-b', branch,
            str(path), 'main', cwd=tmp_path)
    assert wg('install', cwd=wt).returncode == 0
    shutil.rmtree(gone)
    (wt / '.worktree-guard.yaml').write_text('brnaches: {}\n')
    proc = wg('doctor', cwd=wt)
    assert proc.returncode == 1
    assert 'policy: INVALID' in proc.stdout and 'brnaches' in proc.stdout
    assert f'{bare} [bare]: no hooks run here for commits' in proc.stdout
    assert ': ok (pre-commit=native, pre-push=native)' in _line(
        proc.stdout, wt)
    assert f'{gone} [issue-9-b]: MISSING folder (prunable)' in proc.stdout


def test_the_fix_for_a_repo_without_hooks_installs_every_hook(
        plain_repo: RepoHandle) -> None:
    """The one-line fix names every missing hook, and its pre-commit form
    installs the commit, push and merge hook types, not just one."""
    state = doctor._hook_state(str(plain_repo.path),
                               str(plain_repo.path / '.git' / 'hooks'),
                               frozenset())
    assert state.status == 'SILENT'
    assert state.problem is not None
    assert 'no pre-commit or pre-push hook' in state.problem
    for kind in ('pre-commit', 'pre-push', 'pre-merge-commit'):
        assert f'--hook-type {kind}' in state.problem
