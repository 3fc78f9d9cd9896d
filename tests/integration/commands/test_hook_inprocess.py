"""The native hook entry points, run in-process on real repositories.

The hook processes git starts during the tests run unmeasured (coverage's
start-up costs ~0.1 s a process: see ``tests/helpers.run``), so the paths
that only a hook reaches are measured here, through ``cli.main`` as the
hook scripts call it, with git's hook environment (cwd at the work tree,
stdin as git writes it)."""
from __future__ import annotations

import io
import sys

import pytest

from tests.helpers import RepoHandle
from worktree_guard import cli


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, 'stdin', io.TextIOWrapper(
        io.BytesIO(text.encode()), encoding='utf-8'))


def test_skip_every_commit_rule(native_repo: RepoHandle,
                                monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    """``SKIP=worktree-guard-commit`` skips the whole commit hook; the
    pre-commit hook says so once, commit-msg stays quiet."""
    monkeypatch.chdir(native_repo.path)
    (native_repo.path / 'x.md').write_text('see ../../outside.md\n')
    native_repo.git('add', 'x.md')
    assert cli.main(['hook', 'pre-commit']) == 1   # on main: refused
    capsys.readouterr()
    monkeypatch.setenv('SKIP', 'worktree-guard-commit')
    assert cli.main(['hook', 'pre-commit']) == 0
    assert capsys.readouterr().err == (
        'note: skipped every rule of the pre-commit hook '
        '(SKIP=worktree-guard-commit)\n')
    msg = native_repo.path / 'MSG'
    msg.write_text('wip\n')
    assert cli.main(['hook', 'commit-msg', str(msg)]) == 0
    assert capsys.readouterr().err == ''


def test_reference_transaction_without_a_remote(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no remote to compare against, moving a protected branch is the
    commit hook's business (protected-branch): the reference-transaction
    hook lets it through."""
    plain_repo.git('remote', 'remove', 'origin')
    monkeypatch.chdir(plain_repo.path)
    tip = plain_repo.git('rev-parse', 'HEAD').strip()
    # A commit on main that the remote does not have: a direct commit.
    new = plain_repo.git('commit-tree', 'HEAD^{tree}', '-p', 'HEAD',
                         '-m', 'direct').strip()
    stdin(monkeypatch, f'{tip} {new} refs/heads/main\n')
    assert cli.main(['hook', 'reference-transaction', 'prepared']) == 0
    # ... while with the remote, the same move of main is refused.
    plain_repo.git('remote', 'add', 'origin', '../origin.git')
    plain_repo.git('fetch', '-q', 'origin')
    stdin(monkeypatch, f'{tip} {new} refs/heads/main\n')
    assert cli.main(['hook', 'reference-transaction', 'prepared']) == 1


@pytest.mark.parametrize(('pushed', 'want'), [(False, 1), (True, 0)])
def test_branch_check_new_asks_the_remote(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        pushed: bool, want: int) -> None:
    """``branches.check: new``: a badly named branch already on the remote
    is grandfathered; one the remote lacks is judged."""
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'version: 1\nbranches:\n  check: new\n')
    plain_repo.git('switch', '-q', '-c', 'fix-login')
    if pushed:
        plain_repo.git('push', '-q', 'origin', 'fix-login')
    monkeypatch.chdir(plain_repo.path)
    monkeypatch.setenv('WORKTREE_GUARD_SKIP', 'worktree-paths')
    assert cli.main(['hook', 'pre-commit']) == want


def test_detached_head_passes_the_branch_rules(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit on a detached HEAD belongs to no branch: the branch rules
    let it through (``branches.allow-detached``, true by default)."""
    plain_repo.git('switch', '-q', '--detach')
    monkeypatch.chdir(plain_repo.path)
    assert cli.main(['hook', 'pre-commit']) == 0
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'version: 1\nbranches:\n  allow-detached: false\n')
    assert cli.main(['hook', 'pre-commit']) == 1
