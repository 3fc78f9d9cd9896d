"""Issue 23: the reference-transaction hook judges by the committed policy
of the remote base, and its skips are logged where doctor shows them."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import wg
from worktree_guard.commands import reftx
from worktree_guard.errors import PolicyError
from worktree_guard.gitctx import Repo

POLICY = '.worktree-guard.yaml'


def _commit_tree(r: RepoHandle, parent: str, files: dict[str, str]) -> str:
    lines = []
    for name, text in files.items():
        blob = r.run_git('hash-object', '-w', '--stdin',
                         input=text).stdout.strip()
        lines.append(f'100644 blob {blob}\t{name}\n')
    tree = r.run_git('mktree', input=''.join(lines)).stdout.strip()
    return r.git('commit-tree', '-m', 'c', '-p', parent, tree).strip()


def _repo(r: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.chdir(r.path)
    return Repo.discover()


def test_the_policy_comes_from_the_remote_base(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    repo = _repo(r, monkeypatch)
    main = r.git('rev-parse', 'origin/main').strip()
    r.write(POLICY, 'branches:\n  protected: [wt-only]\n')   # ignored
    pol, src = reftx.committed_policy(repo)
    assert src.ref == 'refs/remotes/origin/main'
    assert pol['branches']['protected'] == ['main', 'master']
    # The policy there names another base: one hop, to what it names.
    r.git('branch', 'develop', main)
    dev = _commit_tree(r, main, {POLICY: 'branches:\n  protected: [dev]\n'})
    r.git('update-ref', 'refs/remotes/origin/develop', dev)
    hop = _commit_tree(r, main, {POLICY: 'base:\n  branch: develop\n'})
    r.git('update-ref', 'refs/remotes/origin/main', hop)
    pol, src = reftx.committed_policy(repo)
    assert src.ref == 'refs/remotes/origin/develop'
    assert pol['branches']['protected'] == ['dev']
    assert src.deps[-1].endswith('refs/remotes/origin/develop')
    # A base it names that the remote lacks: the first one stands.
    r.git('update-ref', '-d', 'refs/remotes/origin/develop')
    pol, src = reftx.committed_policy(repo)
    assert src.ref == 'refs/remotes/origin/main'
    assert pol['base']['branch'] == 'develop'
    # A symlink there is refused.
    blob = r.run_git('hash-object', '-w', '--stdin',
                     input='x.yaml').stdout.strip()
    tree = r.run_git('mktree', input=f'120000 blob {blob}\t{POLICY}\n'
                     ).stdout.strip()
    link = r.git('commit-tree', '-m', 'l', '-p', main, tree).strip()
    r.git('update-ref', 'refs/remotes/origin/main', link)
    with pytest.raises(PolicyError) as e:
        reftx.committed_policy(repo)
    assert e.value.message == ('refs/remotes/origin/main:.worktree-guard.yaml'
                               ' is a symlink, not a regular file')


def test_without_a_remote_base_the_local_base_decides(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    r.git('update-ref', '-d', 'refs/remotes/origin/main')
    repo = _repo(r, monkeypatch)
    pol, src = reftx.committed_policy(repo)
    assert (src.ref, src.display) == (
        'refs/heads/main', 'refs/heads/main:.worktree-guard.yaml')
    heads = r.path / '.git' / 'refs' / 'heads'
    assert src.deps[-2:] == [
        str((r.path / '.git' / 'refs' / 'remotes' / 'origin' / 'main')
            .resolve()),
        str((heads / 'main').resolve())]
    # A branch's own policy is not the one that judges, and the branch's
    # ref is no dependency: its commits keep the shell cache valid.
    r.git('switch', '-q', '-c', 'issue-3-x')
    r.write(POLICY, 'branches:\n  protected: [main, x]\n')
    r.git('add', POLICY)
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'p')
    pol, src = reftx.committed_policy(repo)
    assert src.ref == 'refs/heads/main'
    assert pol['branches']['protected'] == ['main', 'master']
    assert not any(d.endswith('issue-3-x') for d in src.deps)
    # Landed on main, it judges.
    r.git('switch', '-q', 'main')
    r.git('merge', '-q', '--ff-only', 'issue-3-x')
    assert reftx.committed_policy(repo)[0]['branches']['protected'] == [
        'main', 'x']


def test_without_any_base_head_decides(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    r.git('update-ref', '-d', 'refs/remotes/origin/main')
    r.git('branch', '-q', '-m', 'main', 'trunk')
    repo = _repo(r, monkeypatch)
    pol, src = reftx.committed_policy(repo)
    assert (src.ref, src.display) == (None, 'the built-in policy')
    assert src.deps[-3:] == [
        str((r.path / '.git' / 'HEAD').resolve()),
        str((r.path / '.git' / 'refs' / 'heads').resolve()),
        str((r.path / '.git' / 'refs' / 'heads' / 'trunk').resolve())]
    r.write(POLICY, 'branches:\n  protected: [main, x]\n')
    r.git('add', POLICY)
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'p')
    pol, src = reftx.committed_policy(repo)
    assert src.ref == 'HEAD'
    assert pol['branches']['protected'] == ['main', 'x']
    # Detached: no branch ref to depend on.
    r.git('checkout', '-q', '--detach')
    assert reftx.committed_policy(repo)[1].deps[-1].endswith('HEAD')


def test_an_unborn_head_means_the_built_in_policy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import git
    git('init', '-q', '-b', 'main', str(tmp_path / 'n'), cwd=tmp_path)
    monkeypatch.chdir(tmp_path / 'n')
    pol, src = reftx.committed_policy(Repo.discover())
    assert src.ref is None and pol.path is None


def test_skips_are_logged_bounded_and_doctor_shows_them(
        native_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    r = native_repo
    git_dir = str(r.path / '.git')
    assert reftx.read_skips(git_dir) == []
    monkeypatch.setattr(reftx, 'SKIPS_KEPT', 3)
    for n in range(5):
        path = reftx.log_skip(git_dir, f'SKIP=x: move {n}')
    assert path == str(r.path / '.git' / 'worktree-guard' / 'skips.log')
    lines = reftx.read_skips(git_dir)
    assert [ln.split(' ', 1)[1] for ln in lines] == [
        'SKIP=x: move 2', 'SKIP=x: move 3', 'SKIP=x: move 4']
    proc = wg('doctor', cwd=r.path)
    assert 'skips: 3 protected-branch skips logged in ' in proc.stdout
    assert proc.stdout.rstrip().endswith('SKIP=x: move 4')
    # A linked worktree's own log too.
    from worktree_guard.commands.doctor import skip_lines
    wt = r.worktree('issue-2-wt')
    wt_git = Path(r.git('rev-parse', '--git-dir', cwd=wt).strip())
    reftx.log_skip(str(wt_git), 'SKIP=y: one')
    out = skip_lines(_repo(r, monkeypatch))
    assert out[0].startswith('skips: 3 protected-branch skips logged in ')
    assert out[4].startswith('skips: 1 protected-branch skip logged in ')
    assert out[5].endswith('SKIP=y: one')
    # Best effort: a git dir it cannot write loses the line, not the run.
    blocked = r.path / 'blocked'
    blocked.write_text('')
    reftx.log_skip(str(blocked), 'lost')
    assert reftx.read_skips(str(blocked)) == []


def test_a_skip_through_the_hook_says_so(
        native_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-1-side')
    r.write('s.txt', 's\n')
    r.git('add', 's.txt')
    r.git('commit', '-q', '--no-verify', '-m', 's')
    side = r.head()
    r.git('switch', '-q', 'main')
    main = r.head()
    monkeypatch.chdir(r.path)
    monkeypatch.setenv('WORKTREE_GUARD_SKIP', 'protected-branch')
    monkeypatch.setattr(sys, 'stdin',
                        io.StringIO(f'{main} {side} refs/heads/main\n'))
    assert reftx.main(['prepared']) == 0
    err = capsys.readouterr().err
    assert err.startswith('worktree-guard: protected-branch skipped '
                          '(WORKTREE_GUARD_SKIP=protected-branch), logged in ')
    monkeypatch.delenv('WORKTREE_GUARD_SKIP')
    monkeypatch.setattr(sys, 'stdin',
                        io.StringIO(f'{main} {side} refs/heads/main\n'))
    assert reftx.main(['prepared']) == 1
    err = capsys.readouterr().err
    assert ('judged by the committed policy refs/remotes/origin/main:'
            '.worktree-guard.yaml; a forged refs/remotes/origin/... (git '
            'update-ref) cannot be ruled out here') in err
    # A sync (origin/main has the commit) passes.
    monkeypatch.setattr(sys, 'stdin',
                        io.StringIO(f'{side} {main} refs/heads/main\n'))
    assert reftx.main(['prepared']) == 0
    # No remote: the commit hook's protected-branch applies.
    r.git('remote', 'remove', 'origin')
    monkeypatch.setattr(sys, 'stdin',
                        io.StringIO(f'{main} {side} refs/heads/main\n'))
    assert reftx.main(['prepared']) == 0
