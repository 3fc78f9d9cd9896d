"""Nothing lost: the suite-wide audit, and the ways to bypass a hook.

``tests/conftest.py`` runs every test with ``WORKTREE_GUARD_AUDIT`` set (see
``worktree_guard/audit.py``); these tests prove that the audit really runs
inside the native hooks and the pre-commit hooks, and that it catches each
kind of change.
"""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import fake_git
from tests.helpers import flavour
from tests.helpers import git
from tests.helpers import unchanged
from tests.helpers import wg
from worktree_guard import audit
from worktree_guard.cli import main


@pytest.fixture
def private_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An audit log of this test's own, so that the changes it provokes on
    purpose do not fail it through the suite-wide fixture."""
    log = tmp_path / 'private-audit.log'
    monkeypatch.setenv('WORKTREE_GUARD_AUDIT', str(log))
    return log


# -- the audit runs inside real hooks ---------------------------------------------

def test_audit_catches_a_change_inside_a_real_hook(
        hooked_repo: RepoHandle, private_log: Path, tmp_path: Path) -> None:
    """A ``git`` on PATH that appends to an ignored file on every call stands
    in for a hook that changes the working tree: the audit, running inside
    the hook process, must report it, for native hooks and pre-commit."""
    r = hooked_repo
    victim = r.path / 'victim.log'
    (r.path / '.git' / 'info' / 'exclude').write_text('victim.log\n')
    victim.write_text('')
    env = fake_git(tmp_path / 'bin', touch=victim)
    r.git('switch', '-q', '-c', 'issue-1-audit')
    proc = r.commit('audited', files={'a.txt': 'a\n'}, env=env)
    assert proc.returncode == 0, proc
    log = private_log.read_text()
    assert "file 'victim.log' changed" in log, log
    hook = 'check --hook worktree-guard-commit' if \
        flavour(r) == 'pre-commit' else 'hook pre-commit'
    assert f'worktree-guard {hook}' in log


def test_clean_hook_runs_log_nothing(hooked_repo: RepoHandle,
                                     private_log: Path) -> None:
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-2-clean')
    assert r.commit('ok', files={'b.txt': 'b\n'}).returncode == 0
    r.git('switch', '-q', '-c', 'feature/refused')
    r.write('c.txt', 'c\n')
    r.git('add', 'c.txt')
    assert r.run_git('commit', '-m', 'refused').returncode != 0
    assert r.run_git('push', '-q', 'origin', 'issue-2-clean').returncode == 0
    assert not private_log.exists()


# -- what the audit compares ---------------------------------------------------------

def _audit(args: list[str], change) -> int:  # type: ignore[no-untyped-def]
    def run(a: Sequence[str] | None) -> int:
        change()
        return 0
    return audit.audited(run)(args)


@pytest.mark.parametrize('what', [
    'index', 'head', 'branch', 'stash', 'file', 'new-file', 'packed',
    'merge-head',
])
def test_audit_detects_each_kind_of_change(
        plain_repo: RepoHandle, private_log: Path,
        monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    r = plain_repo
    monkeypatch.chdir(r.path)
    r.write('stash-me.txt', 'x\n')
    r.git('add', 'stash-me.txt')
    r.git('stash', '-q')
    changes = {
        'index': lambda: r.git('add', '-N', 'new.txt'),
        'head': lambda: r.git('switch', '-q', '-c', 'issue-3-x'),
        'branch': lambda: r.git('branch', 'issue-4-y'),
        'stash': lambda: r.git('stash', 'drop', '-q'),
        'file': lambda: r.write('README.md', 'changed\n'),
        'new-file': lambda: r.write('created.txt', 'c\n'),
        'packed': lambda: r.git('pack-refs', '--all'),
        'merge-head': lambda: (r.path / '.git' / 'MERGE_HEAD').write_text(
            r.head() + '\n'),
    }
    r.write('new.txt', 'n\n')
    assert _audit(['check'], changes[what]) == 0
    log = private_log.read_text() if private_log.exists() else ''
    expected = {
        'index': 'index changed', 'head': 'git-dir HEAD changed',
        'branch': "ref 'refs/heads/issue-4-y' changed",
        'stash': 'stash reflog changed', 'file': "file 'README.md' changed",
        'new-file': "file 'created.txt' changed",
        'packed': None, 'merge-head': 'git-dir MERGE_HEAD changed',
    }[what]
    if expected is None:  # packing refs keeps every ref's value
        assert not log, log
    else:
        assert expected in log, log


def test_audit_compares_bytes_not_only_stat_data(
        plain_repo: RepoHandle, private_log: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A same-size rewrite in place with the old mtime put back: only the
    bytes differ, and the audit sees it."""
    r = plain_repo
    monkeypatch.chdir(r.path)
    app = r.path / 'src' / 'app.py'
    st = os.stat(app)

    def sneaky() -> None:
        with open(app, 'r+b') as f:
            f.write(b'P')
        os.utime(app, ns=(st.st_atime_ns, st.st_mtime_ns))

    _audit(['check'], sneaky)
    assert "file 'src/app.py' changed" in private_log.read_text()


def test_remote_tracking_refs_may_move_only_at_push(
        plain_repo: RepoHandle, private_log: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    monkeypatch.chdir(r.path)

    def move() -> None:
        r.git('update-ref', 'refs/remotes/origin/main', 'HEAD~0')
        r.git('update-ref', 'refs/remotes/origin/side', 'HEAD')

    for args in (['hook', 'pre-push', 'origin'], ['check', '--stage', 'push'],
                 ['check', '--stage=push'], ['pre-receive'],
                 ['check', '--from-ref', 'a', '--to-ref', 'b'],
                 ['wt', 'status', '--fetch']):
        _audit(args, move)
        r.git('update-ref', '-d', 'refs/remotes/origin/side')
    assert not private_log.exists()
    monkeypatch.setenv('PRE_COMMIT_TO_REF', 'HEAD')
    _audit(['check'], move)
    r.git('update-ref', '-d', 'refs/remotes/origin/side')
    assert not private_log.exists()
    monkeypatch.delenv('PRE_COMMIT_TO_REF')
    for args in (['hook', 'pre-commit'], ['check', '--stage', 'commit'],
                 ['check', '--stage=commit'], ['check'], ['doctor'],
                 ['wt', 'status'], ['wt', 'list']):
        _audit(args, move)
        r.git('update-ref', '-d', 'refs/remotes/origin/side')
    log = private_log.read_text()
    assert log.count("ref 'refs/remotes/origin/side' changed") == 7, log


def test_linked_worktree_refs_and_temporary_index(
        plain_repo: RepoHandle, private_log: Path,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    r = plain_repo
    wt = r.worktree('issue-5-linked')
    monkeypatch.chdir(wt)
    tmp_index = tmp_path / 'tmp-index'
    tmp_index.write_bytes((r.path / '.git' / 'index').read_bytes())
    monkeypatch.setenv('GIT_INDEX_FILE', str(tmp_index))
    _audit(['hook', 'pre-commit'], lambda: r.git(
        'update-ref', 'refs/worktree/mine', 'HEAD', cwd=wt))
    _audit(['hook', 'pre-commit'],
           lambda: tmp_index.write_bytes(b'garbage'))
    log = private_log.read_text()
    assert "ref 'refs/worktree/mine' changed" in log
    assert 'GIT_INDEX_FILE changed' in log


def test_unaudited_commands_and_places(
        plain_repo: RepoHandle, private_log: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    monkeypatch.chdir(r.path)
    # install/init change the repo on purpose: not audited.
    assert _audit(['init'], lambda: r.write('x.txt', 'x')) == 0
    assert _audit(['wt', 'create'], lambda: r.write('w.txt', 'w')) == 0
    assert _audit([], lambda: r.write('y.txt', 'y')) == 0
    # Outside a repository there is nothing to compare.
    monkeypatch.chdir(tmp_path)
    assert _audit(['check'], lambda: None) == 0
    # A bare repository has refs but no index or files.
    monkeypatch.chdir(r.remote)
    _audit(['check'], lambda: git('update-ref', 'refs/heads/z', 'main',
                                  cwd=r.remote))
    assert "ref 'refs/heads/z' changed" in private_log.read_text()
    assert 'x.txt' not in private_log.read_text()


def test_an_audit_failure_is_logged_not_raised(
        plain_repo: RepoHandle, private_log: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(plain_repo.path)

    def broken() -> None:
        raise RuntimeError('disk on fire')

    monkeypatch.setattr(audit, 'snapshot', broken)
    assert _audit(['check'], lambda: None) == 0
    assert 'audit failed: RuntimeError: disk on fire' in private_log.read_text()


def test_audit_sees_unreadable_loose_refs(
        plain_repo: RepoHandle, private_log: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    monkeypatch.chdir(r.path)
    broken = r.path / '.git' / 'refs' / 'heads' / 'broken'
    broken.symlink_to('nowhere')
    _audit(['check'], broken.unlink)
    log = private_log.read_text()
    assert "ref 'refs/heads/broken' changed: 'unreadable' -> None" in log


def test_main_without_audit_runs_plainly(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv('WORKTREE_GUARD_AUDIT')
    assert main(['rules']) == 0
    assert main(['check', '--hook', 'no-such-hook']) == 2
    assert 'branch-name' in capsys.readouterr().out


def test_the_audit_hooks_in_only_when_asked(tmp_path: Path) -> None:
    """Without the variable at start-up, ``cli.main`` is the plain entry
    point and the audit module is never imported."""
    code = ('import sys\n'
            'from worktree_guard import cli\n'
            "print(cli.main.__module__, 'worktree_guard.audit' in "
            'sys.modules)\n')
    env = {k: v for k, v in os.environ.items()
           if k != 'WORKTREE_GUARD_AUDIT'}
    for extra, answer in (({}, ['worktree_guard.cli', 'False']),
                          ({'WORKTREE_GUARD_AUDIT': ''},
                           ['worktree_guard.audit', 'True'])):
        proc = subprocess.run([sys.executable, '-c', code], cwd=tmp_path,
                              env=env | extra, capture_output=True,
                              text=True)
        assert proc.stdout.split() == answer, proc


# -- bypass: SKIP and WORKTREE_GUARD_SKIP ------------------------------------------------

def _stage_bad_commit(r: RepoHandle) -> None:
    r.git('switch', '-q', '-c', 'feature/skip-me')
    r.write('s.txt', 's\n')
    r.git('add', 's.txt')


def test_skip_hook_id_native(native_repo: RepoHandle) -> None:
    r = native_repo
    _stage_bad_commit(r)
    with unchanged(r.path):
        refused = r.run_git('commit', '-m', 's')
    assert refused.returncode == 1
    assert 'SKIP=worktree-guard-commit' in refused.output  # the way out
    proc = r.run_git('commit', '-m', 's',
                     env={'SKIP': 'worktree-guard-commit'})
    assert proc.returncode == 0, proc
    lines = [ln for ln in proc.stderr.splitlines() if 'skipped' in ln]
    # One line: the commit-msg hook does not repeat what pre-commit said.
    assert lines == [
        'note: skipped every rule of the pre-commit hook '
        '(SKIP=worktree-guard-commit)',
    ], proc.stderr


def test_skip_single_rule_hook_ids_native(native_repo: RepoHandle) -> None:
    r = native_repo
    _stage_bad_commit(r)
    proc = r.run_git('commit', '-m', 's',
                     env={'SKIP': 'check-branch-name, unknown-id'})
    assert proc.returncode == 0, proc
    assert proc.stderr.count(
        'note: skipped branch-name (SKIP=check-branch-name)') == 1


def test_worktree_guard_skip_names_rules(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    r.write('m.txt', 'm\n')
    r.git('add', 'm.txt')  # on main: protected-branch refuses
    env = {'WORKTREE_GUARD_SKIP': 'protected-branch,branch-name,nonsense'}
    proc = r.run_git('commit', '-m', 'm', env=env)
    assert proc.returncode == 0, proc
    if flavour(r) == 'native':
        # Each skip prints one line (commit-msg does not repeat them), and
        # a name that is no rule is pointed out.
        assert proc.stderr.count(
            'note: skipped protected-branch '
            '(WORKTREE_GUARD_SKIP=protected-branch)') == 1
        assert proc.stderr.count('note: skipped branch-name') == 1
        assert proc.stderr.count("unknown rule 'nonsense'") == 1
    # The CLI shows the same lines (what pre-commit shows with --verbose).
    proc = wg('check', '--stage', 'commit', cwd=r.path, env=env)
    assert proc.returncode == 0
    notes = [ln for ln in proc.stdout.splitlines()
             if 'WORKTREE_GUARD_SKIP' in ln]
    assert notes == [
        "note: WORKTREE_GUARD_SKIP names an unknown rule 'nonsense' (known: "
        'branch-name, protected-branch, worktree-layout, worktree-paths, '
        'sync-before-push)',
        'note: skipped branch-name (WORKTREE_GUARD_SKIP=branch-name)',
        'note: skipped protected-branch '
        '(WORKTREE_GUARD_SKIP=protected-branch)',
    ]


def test_skip_through_pre_commit(precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    _stage_bad_commit(r)
    proc = r.run_git('commit', '-m', 's',
                     env={'SKIP': 'worktree-guard-commit'})
    assert proc.returncode == 0, proc
    assert 'worktree-guard (commit rules)' in proc.output
    assert 'Skipped' in proc.output


def test_skip_at_push_native(native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-6-push')
    assert r.commit('p', files={'p.txt': 'p\n'}).returncode == 0
    with unchanged(r.path, include_remote_tracking=False):
        refused = r.run_git('push', 'origin', 'issue-6-push:hotfix')
    assert refused.returncode != 0
    assert 'SKIP=worktree-guard-push' in refused.output
    proc = r.run_git('push', 'origin', 'issue-6-push:hotfix',
                     env={'SKIP': 'worktree-guard-push'})
    assert proc.returncode == 0, proc
    assert 'skipped every rule of the pre-push hook (SKIP=worktree-guard-push)' \
        in proc.stderr
    assert_no_traceback(proc)


def test_readme_points_to_the_server_hook_for_no_verify(
        project_root: Path) -> None:
    readme = (project_root / 'README.md').read_text()
    section = readme.split('### Exit codes and skipping', 1)[1]
    assert '--no-verify' in section
    assert 'server' in section.split('--no-verify', 1)[1][:400]
