"""Commands: usage errors, explain, rules, install/uninstall, doctor, demo."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import UNMEASURED
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.cli import main
from worktree_guard.commands.install import MARKER
from worktree_guard.commands.install import hook_script


def test_no_args_prints_help(tmp_path: Path) -> None:
    proc = wg(cwd=tmp_path)
    assert proc.returncode == 2
    assert 'usage' in proc.stdout


@pytest.mark.parametrize('args', [
    ['nonsense'], ['check', '--stage', 'sideways'], ['hook'], ['hook', 'x'],
    ['explain', 'brnch-name'], ['check', '--rule', 'nope'],
    ['check', '--hook', 'nope'], ['policy'],
])
def test_usage_errors_are_exit_2(plain_repo: RepoHandle, args) -> None:
    proc = wg(*args, cwd=plain_repo.path)
    assert proc.returncode == 2, proc
    assert proc.stderr.strip()
    assert_no_traceback(proc)


def test_outside_a_repo_is_exit_2(tmp_path: Path) -> None:
    proc = wg('check', cwd=tmp_path)
    assert proc.returncode == 2
    assert 'not inside a git repository' in proc.stderr
    assert_no_traceback(proc)


def test_git_missing_is_exit_2(plain_repo: RepoHandle, tmp_path: Path) -> None:
    import sys
    proc = run([sys.executable, '-m', 'worktree_guard', 'check'],
               cwd=plain_repo.path, env={'PATH': str(tmp_path)})
    assert proc.returncode == 2
    assert 'cannot run git' in proc.stderr
    assert_no_traceback(proc)


def test_explain_and_rules() -> None:
    assert main(['explain', 'branch-name']) == 0
    assert main(['explain', 'worktree-paths/home-path']) == 0
    assert main(['rules']) == 0
    assert main(['explain']) == 0


def test_version(capsys) -> None:
    assert main(['--version']) == 0
    assert 'worktree-guard' in capsys.readouterr().out


def test_repo_hooks_dir_matches_template(project_root: Path) -> None:
    for name in ('pre-commit', 'pre-push', 'commit-msg',
                 'reference-transaction'):
        path = project_root / 'hooks' / name
        assert path.read_text() == hook_script(name)
        assert os.access(path, os.X_OK)


def test_hooks_folder_via_core_hookspath(plain_repo: RepoHandle,
                                         project_root: Path) -> None:
    r = plain_repo
    r.git('config', 'core.hooksPath', str(project_root / 'hooks'))
    r.git('switch', '-q', '-c', 'feature/z')
    proc = r.commit('z', files={'z.txt': 'z\n'})
    assert proc.returncode == 1
    assert 'branch-name' in proc.output


def test_install_refuses_foreign_hooks(plain_repo: RepoHandle) -> None:
    r = plain_repo
    hook = r.path / '.git' / 'hooks' / 'pre-push'
    hook.write_text('#!/bin/sh\necho mine\n')
    hook.chmod(0o755)
    proc = wg('install', cwd=r.path)
    assert proc.returncode == 2
    assert 'not ours' in proc.stderr and '--force' in proc.stderr
    assert not (r.path / '.git' / 'hooks' / 'pre-commit').exists()
    proc = wg('install', '--force', cwd=r.path)
    assert proc.returncode == 0
    assert MARKER in hook.read_text()
    assert (r.path / '.git' / 'hooks' / 'pre-push.local').exists()
    proc = wg('uninstall', cwd=r.path)
    assert proc.returncode == 0
    assert hook.read_text() == '#!/bin/sh\necho mine\n'
    assert not (r.path / '.git' / 'hooks' / 'pre-commit').exists()
    proc = wg('uninstall', cwd=r.path)
    assert 'nothing to remove' in proc.stdout


def test_install_from_linked_worktree_goes_to_common_dir(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    wt = r.worktree('issue-1-a')
    assert wg('install', cwd=wt).returncode == 0
    assert (r.path / '.git' / 'hooks' / 'pre-commit').exists()
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 0, proc
    assert proc.stdout.count(': ok') == 2


def test_doctor_flags_relative_hookspath(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('config', 'core.hooksPath', '.git/hooks')
    assert wg('install', cwd=r.path).returncode == 0
    r.worktree('issue-2-b')
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1
    assert 'SILENT' in proc.stdout
    assert 'relative' in proc.stdout


def test_doctor_flags_missing_pre_push(precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    os.remove(r.path / '.git' / 'hooks' / 'pre-push')
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1
    assert 'pre-commit install --hook-type pre-push' in proc.stdout


def test_doctor_reports_invalid_policy(native_repo: RepoHandle) -> None:
    (native_repo.path / '.worktree-guard.yaml').write_text('brnaches: {}\n')
    proc = wg('doctor', cwd=native_repo.path)
    assert proc.returncode == 1
    assert 'INVALID' in proc.stdout and 'brnaches' in proc.stdout


def test_internal_errors_have_no_traceback(monkeypatch, capsys) -> None:
    from worktree_guard import cli
    from worktree_guard.commands import explain

    def boom(ns):
        raise RuntimeError('kaboom')

    monkeypatch.setattr(explain, 'run_rules', boom)
    assert cli.main(['rules']) == 2
    err = capsys.readouterr().err
    assert 'internal error: RuntimeError: kaboom' in err
    assert 'Traceback' not in err


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where an in-process demo puts its repositories (tempfile's folder;
    its hooks are processes git starts: run unmeasured, as in
    tests/helpers.run)."""
    for var in UNMEASURED:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    import tempfile
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    return tmp_path


def test_demo_runs(demo_dir: Path,
                   capsys: pytest.CaptureFixture[str]) -> None:
    """The demo, kept for a look afterwards."""
    assert main(['demo', '--keep']) == 0
    stdout = capsys.readouterr().out
    assert 'every verdict as expected' in stdout
    kept = Path(stdout.rsplit('kept: ', 1)[1].strip())
    assert kept.parent == demo_dir and (kept / 'main-repo' / '.git').is_dir()
    assert kept.name.startswith('worktree-guard-demo-')
    # The pushes to the local bare remote: each refusal, then the fix.
    steps = stdout.split('\n$ ')
    verdicts = {s.split('\n', 1)[0]: s for s in steps[1:]}
    behind = verdicts['git push -u origin issue-45-add-rust-sdk (1 commit '
                      'behind origin/main)']
    assert '-> REFUSED (as expected)' in behind
    assert 'sync-before-push/behind' in behind
    merge = verdicts['git merge origin/main && git push -u origin '
                     'issue-46-update-docs (a merge commit)']
    assert '-> REFUSED (as expected)' in merge
    assert 'sync-before-push/merge-commit' in merge
    fixed = [s for t, s in verdicts.items() if t.startswith(('git fetch &&',
                                                            'git rebase'))]
    assert len(fixed) == 2
    assert all('-> passed (as expected)' in s for s in fixed)
    assert 'UNEXPECTED' not in stdout


def test_demo_leaves_nothing_behind(demo_dir: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Without ``--keep`` the demo removes its repositories."""
    assert main(['demo']) == 0
    out = capsys.readouterr().out
    assert 'every verdict as expected' in out and 'kept:' not in out
    assert list(demo_dir.iterdir()) == []


def test_help_lists_every_command_and_the_routed_ones_answer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The commands routed before the parser (hook, wt, the server hooks)
    still answer --help: hook through the parser, wt and the server hooks
    through their own."""
    monkeypatch.chdir(tmp_path)  # no repository needed
    assert main(['--help']) == 0
    out = capsys.readouterr().out
    for name in ('check', 'hook', 'policy', 'init', 'install', 'uninstall',
                 'doctor', 'explain', 'rules', 'demo', 'wt', 'pre-receive',
                 'update'):
        assert f'\n    {name}' in out, name
    assert main(['hook', '--help']) == 0
    assert '{pre-commit,pre-push,commit-msg,reference-transaction}' in \
        capsys.readouterr().out
    assert main(['wt', '--help']) == 0
    out = capsys.readouterr().out
    assert 'usage: worktree-guard wt' in out and 'wt_args' not in out
    assert all(f'\n    {c}' in out for c in ('create', 'list', 'status'))
    assert main(['update', '--help']) == 0
    assert '--policy-ref REF' in capsys.readouterr().out
