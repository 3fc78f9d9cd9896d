"""Protected branches hold against every local path (issue 13): the
native reference-transaction hook, in a clone with `worktree-guard
install`.  Every commit below is made with --no-verify, so only the ref
transaction stands in the way."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import run

REFUSED = "protected branch 'main' may not move to"


def _side_commit(r: RepoHandle) -> str:
    """A commit origin/main does not have, on an issue branch."""
    r.git('switch', '-q', '-c', 'issue-1-side')
    r.write('side.txt', 'side\n')
    r.git('add', 'side.txt')
    r.git('commit', '-q', '--no-verify', '-m', 'side')
    oid = r.head()
    r.git('switch', '-q', 'main')
    return oid


def _main_unmoved(r: RepoHandle) -> None:
    assert r.git('rev-parse', 'main').strip() == \
        r.git('rev-parse', 'origin/main').strip()


@pytest.mark.parametrize('how', [
    'commit', 'cherry-pick', 'revert', 'merge', 'am', 'reset',
    'update-ref',
])
def test_local_paths_onto_main_are_refused(native_repo: RepoHandle,
                                           how: str) -> None:
    r = native_repo
    side = _side_commit(r)
    if how == 'commit':
        r.write('x.txt', 'x\n')
        r.git('add', 'x.txt')
        proc = r.run_git('commit', '--no-verify', '-m', 'x')
    elif how == 'cherry-pick':
        proc = r.run_git('cherry-pick', side)
    elif how == 'revert':
        proc = r.run_git('revert', '--no-edit', 'HEAD')
    elif how == 'merge':
        proc = r.run_git('merge', '--no-ff', '--no-verify', '--no-edit', side)
    elif how == 'am':
        patch = r.git('format-patch', '-1', '--stdout', side)
        proc = run(['git', 'am'], cwd=r.path, input=patch)
    elif how == 'reset':
        proc = r.run_git('reset', '--hard', side)
    else:
        proc = r.run_git('update-ref', 'refs/heads/main', side)
    assert proc.returncode != 0, proc
    assert REFUSED in proc.stderr
    assert 'origin/main does not contain it' in proc.stderr
    assert 'Traceback' not in proc.stderr
    _main_unmoved(r)


def test_syncs_pass(native_repo: RepoHandle, tmp_path: Path) -> None:
    r = native_repo
    # Someone else pushes to main; pull, fetch main:main and reset follow.
    other = tmp_path / 'other'
    git('clone', '-q', str(r.remote), str(other), cwd=tmp_path)
    for n in range(3):
        (other / f'o{n}.txt').write_text(f'{n}\n')
        git('add', '-A', cwd=other)
        git('commit', '-q', '--no-verify', '-m', f'o{n}', cwd=other)
        git('push', '-q', '--no-verify', 'origin', 'main', cwd=other)
        if n == 0:
            proc = r.run_git('pull', '-q', '--ff-only')
        elif n == 1:
            r.git('switch', '-q', '--detach')
            proc = r.run_git('fetch', '-q', 'origin', 'main:main')
            r.git('switch', '-q', 'main')
        else:
            r.git('fetch', '-q')
            proc = r.run_git('reset', '-q', '--hard', 'origin/main')
        assert proc.returncode == 0, proc
        _main_unmoved(r)
    assert r.git('rev-parse', 'main').strip() == \
        git('rev-parse', 'HEAD', cwd=other).strip()
    # Moving back to an older commit of origin/main is a sync too.
    assert r.run_git('reset', '-q', '--hard', 'HEAD~1').returncode == 0
    # Issue branches move freely.
    _side_commit(r)


def test_no_remote_keeps_the_commit_hook(native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('remote', 'remove', 'origin')
    r.write('x.txt', 'x\n')
    r.git('add', 'x.txt')
    proc = r.run_git('commit', '--no-verify', '-m', 'x')
    assert proc.returncode == 0, proc   # the hook lets it through
    proc = r.commit('y', files={'y.txt': 'y\n'})
    assert proc.returncode == 1
    assert 'protected-branch/commit' in proc.output


def test_first_commit_of_an_empty_clone(native_repo: RepoHandle,
                                        tmp_path: Path) -> None:
    empty = tmp_path / 'empty.git'
    git('init', '-q', '--bare', '-b', 'main', str(empty), cwd=tmp_path)
    clone = tmp_path / 'clone'
    git('clone', '-q', str(empty), str(clone), cwd=tmp_path)
    hooks = native_repo.path / '.git' / 'hooks' / 'reference-transaction'
    (clone / '.git' / 'hooks' / 'reference-transaction').write_bytes(
        hooks.read_bytes())
    (clone / '.git' / 'hooks' / 'reference-transaction').chmod(0o755)
    (clone / 'a.txt').write_text('a\n')
    git('add', '-A', cwd=clone)
    proc = run(['git', 'commit', '-q', '-m', 'first'], cwd=clone)
    assert proc.returncode == 0, proc
    # The second is new work on main, which the remote lacks: refused.
    (clone / 'b.txt').write_text('b\n')
    git('add', '-A', cwd=clone)
    proc = run(['git', 'commit', '-q', '-m', 'second'], cwd=clone)
    assert proc.returncode != 0
    assert 'origin/main does not exist' in proc.stderr


def test_force_push_over_an_unfetched_tip_needs_a_fetch(
        native_repo: RepoHandle, tmp_path: Path) -> None:
    r = native_repo
    other = tmp_path / 'other'
    git('clone', '-q', str(r.remote), str(other), cwd=tmp_path)
    (other / 'o.txt').write_text('o\n')
    git('add', '-A', cwd=other)
    git('commit', '-q', '--no-verify', '-m', 'o', cwd=other)
    git('push', '-q', '--no-verify', 'origin', 'main', cwd=other)
    side = _side_commit(r)
    # The fetch of the pre-push hook is off: origin/main stays stale.
    r.write('.worktree-guard.yaml', 'sync:\n  fetch: false\n')
    proc = r.run_git('push', '--force', 'origin', f'{side}:refs/heads/main')
    assert proc.returncode != 0
    assert 'fetch first' in proc.stderr
    assert 'protected-branch/force-push' in proc.stderr
    assert git('rev-parse', 'main', cwd=other).strip() == \
        git('--git-dir', str(r.remote), 'rev-parse', 'main',
            cwd=tmp_path).strip()


def _main(monkeypatch: pytest.MonkeyPatch, cwd: Path, args: list[str],
          text: str) -> int:
    import io
    import sys

    from worktree_guard.commands import reftx
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, 'stdin', io.StringIO(text))
    return reftx.main(args)


def test_what_the_shell_filter_lets_through(native_repo: RepoHandle,
                                            monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """In-process: the states and lines the hook script filters out, a
    bare repository, and the rule switched off."""
    r = native_repo
    side = _side_commit(r)
    main = r.git('rev-parse', 'main').strip()
    move = f'{main} {side} refs/heads/main\n'
    assert _main(monkeypatch, r.path, ['committed'], move) == 0
    assert _main(monkeypatch, r.path, ['prepared'],
                 f'{main} {side} refs/tags/x\n') == 0
    assert _main(monkeypatch, r.path, ['prepared'], move) == 1
    assert _main(monkeypatch, r.remote, ['prepared'], move) == 0
    # A skip lets the move through, never silently (issue 23).
    monkeypatch.setenv('WORKTREE_GUARD_SKIP', 'protected-branch')
    assert _main(monkeypatch, r.path, ['prepared'], move) == 0
    monkeypatch.delenv('WORKTREE_GUARD_SKIP')
    monkeypatch.setenv('SKIP', 'worktree-guard-commit')
    assert _main(monkeypatch, r.path, ['prepared'], move) == 0
    monkeypatch.delenv('SKIP')
    log = (r.path / '.git' / 'worktree-guard' / 'skips.log').read_text()
    assert [ln.split(' ', 2)[1] for ln in log.splitlines()] == [
        'WORKTREE_GUARD_SKIP=protected-branch:',
        'SKIP=worktree-guard-commit:']
    assert REFUSED in log
    # The working tree's policy is not the one that judges (issue 23)...
    r.write('.worktree-guard.yaml', 'rules:\n  protected-branch: off\n')
    assert _main(monkeypatch, r.path, ['prepared'], move) == 1
    # ...what the remote base has committed is.
    r.git('add', '.worktree-guard.yaml')
    tree = r.git('write-tree').strip()
    off = r.git('commit-tree', '-m', 'off', '-p', main, tree).strip()
    r.git('update-ref', 'refs/remotes/origin/main', off)
    assert _main(monkeypatch, r.path, ['prepared'], move) == 0
