"""Review fixes for init, install and doctor, each proved on a real
repository: what the command says is checked against what git and
pre-commit then really do."""
from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.commands import doctor
from worktree_guard.commands import install
from worktree_guard import policy as P

NO_CONFIG = 'no .pre-commit-config.yaml here: pre-commit fails every commit'
NO_COMMIT_HOOK = 'has no worktree-guard commit hook'
STILL_RUNS = '(it no longer runs; chain it by hand if you still need it)'


def _config(hook_repo: tuple[Path, str], *hooks: str) -> str:
    """A .pre-commit-config.yaml for the snapshot of this checkout; each
    entry of ``hooks`` is the YAML of one hook (``id: ...`` and more)."""
    path, sha = hook_repo
    body = ''.join(f'  - {h}\n' for h in hooks)
    return f'repos:\n- repo: {path}\n  rev: {sha}\n  hooks:\n{body}'


def _line(out: str, path: Path) -> str:
    """doctor's status line for the worktree at ``path``."""
    found = [x for x in out.splitlines() if x.startswith(f'{path} [')]
    assert len(found) == 1, out
    return found[0]


# -- 1. init --install-pre-commit needs a config -------------------------------

def test_init_install_pre_commit_refuses_without_config(
        plain_repo: RepoHandle, hook_repo: tuple[Path, str],
        precommit_template: Path) -> None:
    r = plain_repo
    hooks = r.path / '.git' / 'hooks'
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 2, proc
    assert_no_traceback(proc)
    assert 'no .pre-commit-config.yaml in' in proc.stderr
    assert 'would make every commit fail' in proc.stderr
    assert 'save the snippet printed above as .pre-commit-config.yaml' \
        in proc.stderr
    # The policy is written and the snippet printed, but nothing installed.
    assert (r.path / '.worktree-guard.yaml').exists()
    assert 'id: worktree-guard-commit' in proc.stdout
    assert not (hooks / 'pre-commit').exists()
    assert not (hooks / 'pre-push').exists()
    r.git('switch', '-q', '-c', 'issue-1-still-commits')
    assert r.commit('a', files={'a.txt': 'a\n'}).returncode == 0
    # Once the config exists, it installs, and the hooks really judge.
    r.write('.pre-commit-config.yaml',
            _config(hook_repo, 'id: worktree-guard-commit'))
    r.git('add', '.pre-commit-config.yaml')
    proc = wg('init', '--force', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'pre-commit installed at .git/hooks/pre-commit' in proc.stdout
    assert doctor._hook_kind(str(hooks / 'pre-commit')) == 'pre-commit'
    assert r.commit('b', files={'b.txt': 'b\n'}).returncode == 0
    r.git('switch', '-q', '-c', 'feature/bad-name')
    proc = r.commit('c', files={'c.txt': 'c\n'})
    assert proc.returncode == 1 and 'branch-name' in proc.output, proc


def test_init_checks_the_config_of_its_own_worktree(
        precommit_repo: RepoHandle) -> None:
    """The config pre-commit reads is the one in the worktree it runs in."""
    r = precommit_repo
    wt = r.worktree('issue-2-no-config')
    os.remove(wt / '.pre-commit-config.yaml')
    proc = wg('init', '--install-pre-commit', cwd=wt)
    assert proc.returncode == 2
    assert f'no .pre-commit-config.yaml in {wt}' in proc.stderr
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc


# -- 2. doctor: pre-commit without a config, and which hooks count ----------------

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
    r.write('.pre-commit-config.yaml', _config(hook_repo, *hooks))
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
    r.write('.pre-commit-config.yaml', _config(hook_repo, hook))
    r.git('add', '.pre-commit-config.yaml')
    proc = wg('doctor', cwd=r.path)
    assert (NO_COMMIT_HOOK in proc.stdout) is not blocks
    proc = r.commit('on main', files={'m.txt': 'm\n'})
    assert (proc.returncode == 1) is blocks, proc
    assert ('protected-branch' in proc.output) is blocks


# -- 3. a relative core.hooksPath: doctor prints the fix ----------------------------

def test_doctor_prints_the_command_for_a_relative_hooks_path(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('config', 'core.hooksPath', 'team hooks')
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


# -- 4. install refuses a bare repository ------------------------------------------

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


# -- 5. --force says the old hook no longer runs -------------------------------------

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


# -- 6. the init template's schema instructions work ----------------------------------

def test_init_template_schema_instructions_work(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    assert wg('init', cwd=r.path).returncode == 0
    policy = r.path / '.worktree-guard.yaml'
    text = policy.read_text()
    assert '<path' not in text
    lines = text.splitlines()
    # No active modeline yet (its schema file does not exist yet) ...
    assert not any(x.startswith('# yaml-language-server:') for x in lines)
    # ... but the steps to make one are there, and they work.
    step = '#   worktree-guard policy schema > .worktree-guard.schema.json'
    modeline = '# yaml-language-server: $schema=./.worktree-guard.schema.json'
    assert step in lines and f'#   {modeline}' in lines
    # Unaudited: the shell's redirect writes into the working tree itself.
    assert run(['sh', '-c', step[4:]], cwd=r.path,
               env={'WORKTREE_GUARD_AUDIT': ''}).returncode == 0
    schema = json.loads((r.path / '.worktree-guard.schema.json').read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(text))
    policy.write_text(f'{modeline}\n{text}')
    assert P.parse(policy.read_bytes(), '.worktree-guard.yaml').data == \
        P.DEFAULTS
    proc = wg('policy', 'validate', cwd=r.path)
    assert proc.returncode == 0, proc


# -- the rest of commands/install.py and doctor.py ------------------------------

def test_fast_start_falls_back_when_a_probe_fails(tmp_path: Path) -> None:
    import sys
    assert install.fast_start_paths('/bin/false') is None
    # An interpreter that starts with site but not without (-S).
    py = tmp_path / 'python'
    py.write_text('#!/bin/sh\ncase " $* " in *" -S "*) exit 1;; esac\n'
                  f'exec {shlex.quote(sys.executable)} "$@"\n')
    py.chmod(0o755)
    assert install.fast_start_paths(str(py)) is None
    assert install.fast_start_paths(sys.executable)


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


def test_init_keeps_an_existing_policy(plain_repo: RepoHandle) -> None:
    policy = plain_repo.path / '.worktree-guard.yaml'
    policy.write_text('version: 1\n')
    proc = wg('init', cwd=plain_repo.path)
    assert proc.returncode == 2 and '--force' in proc.stderr
    assert policy.read_text() == 'version: 1\n'


def test_config_entries_that_are_not_hooks(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.write('.pre-commit-config.yaml',
            'repos:\n- repo: local\n  hooks:\n  - just-a-string\n'
            '  - id: check-worktree-layout\n')
    assert doctor._pre_commit_config(str(r.path)) == [
        ('check-worktree-layout', None)]
    os.remove(r.path / '.pre-commit-config.yaml')
    assert doctor._pre_commit_config(str(r.path)) is None


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
