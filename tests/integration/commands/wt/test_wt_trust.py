"""wt runs the worktree commands of the base's committed policy only, and
only once the local user approved them (issue 23: "commands need the
user's consent")."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import wg
from tests.integration.commands.wt.test_wt import Out
from tests.integration.commands.wt.test_wt import publish_policy
from worktree_guard.commands.wt import consent

Run = Callable[..., Out]
SETUP = 'worktrees:\n  setup:\n    - touch setup-ran\n'


def test_unapproved_commands_do_not_run_until_trusted(
        plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    publish_policy(main, SETUP, approve=False)
    r = wt(main, 'create', '1', 'a')
    assert r.code == 0, r
    new = main / 'trees' / 'issue-1-a'
    assert new.is_dir() and not (new / 'setup-ran').exists()
    assert 'not approved on this machine' in r.out
    assert 'worktree-guard wt trust' in r.out
    # Without a terminal, approval needs --yes (after reading the list).
    proc = wg('wt', 'trust', cwd=main)
    assert proc.returncode == 2, proc
    assert '$ touch setup-ran' in proc.stdout
    assert 'wt trust --yes' in proc.stderr
    r = wt(main, 'setup', '1')
    assert r.code == 1 and 'not approved' in r.out
    assert wt(main, 'trust', '--yes').code == 0
    assert 'already approved' in wt(main, 'trust').out
    r = wt(main, 'setup', '1')
    assert r.code == 0, r
    assert (new / 'setup-ran').exists()
    # A changed command asks again.
    publish_policy(main, 'worktrees:\n  setup:\n    - touch other\n',
                   approve=False)
    r = wt(main, 'create', '2', 'b')
    assert not (main / 'trees' / 'issue-2-b' / 'other').exists()
    assert 'not approved' in r.out
    r = wt(main, 'setup', '7')
    assert r.code == 2 and 'issue 7 has no worktree' in r.err


def test_a_working_tree_policy_never_runs_commands(
        plain_repo: RepoHandle, wt: Run) -> None:
    """A branch (or anyone editing a checkout) cannot make wt run its
    commands: only the base's committed policy counts."""
    main = plain_repo.path
    publish_policy(main, '{}\n')
    (main / '.worktree-guard.yaml').write_text(SETUP)  # uncommitted
    assert wt(main, 'trust', '--yes').code == 0
    assert 'runs no commands' in wt(main, 'trust').out
    r = wt(main, 'create', '1', 'a')
    assert r.code == 0, r
    assert not (main / 'trees' / 'issue-1-a' / 'setup-ran').exists()
    # Committed on an issue branch and pushed: still not the base's.
    w = main / 'trees' / 'issue-1-a'
    (w / '.worktree-guard.yaml').write_text(SETUP)
    git('add', '.worktree-guard.yaml', cwd=w)
    git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'p', cwd=w)
    git('push', '-q', 'origin', 'issue-1-a', cwd=w)
    r = wt(w, 'create', '2', 'b')
    assert r.code == 0, r
    assert not (main / 'trees' / 'issue-2-b' / 'setup-ran').exists()


def test_teardown_needs_approval_too(plain_repo: RepoHandle, wt: Run,
                                     tmp_path: Path) -> None:
    main = plain_repo.path
    log = tmp_path / 'log'
    wt(main, 'create', '1', 'x')
    publish_policy(main, f'worktrees:\n  teardown: [echo down >> {log}]\n',
                   approve=False)
    r = wt(main, 'remove', '1')
    assert r.code == 0, r
    assert 'not approved' in r.out
    assert not log.exists()


def test_bootstrap_never_leaves_the_checkout(plain_repo: RepoHandle,
                                             wt: Run, tmp_path: Path) -> None:
    """A bootstrap entry under a symlinked folder that leads out of the
    repository is skipped, not copied."""
    main = plain_repo.path
    outside = tmp_path / 'outside'
    outside.mkdir()
    (outside / 'secret').write_text('s\n')
    (main / 'out').symlink_to(outside)
    publish_policy(main, 'worktrees:\n  bootstrap: [out/secret]\n')
    r = wt(main, 'create', '1', 'x')
    assert r.code == 0, r
    assert "bootstrap: skipped 'out/secret': a symlinked folder leads " \
        'out of the checkout' in r.out
    assert not (main / 'trees' / 'issue-1-x' / 'out').exists()


def test_approvals_live_outside_every_repository(
        plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    publish_policy(main, SETUP)
    store = Path(consent.store_path())
    assert store.is_file()
    assert str(main) not in str(store)
    store.write_text('not json')  # a damaged store: nothing approved
    r = wt(main, 'create', '1', 'a')
    assert 'not approved' in r.out
    store.write_text('[]')
    assert 'not approved' in wt(main, 'create', '2', 'b').out


def _on_a_terminal(cwd: Path, answer: str) -> tuple[int, str]:
    """``wt trust`` on a real pseudo-terminal, answering its question."""
    import os
    import pty
    import subprocess
    leader, follower = pty.openpty()
    proc = subprocess.Popen(['worktree-guard', 'wt', 'trust'], cwd=cwd,
                            stdin=follower, stdout=follower,
                            stderr=follower, close_fds=True)
    os.close(follower)
    os.write(leader, answer.encode() + b'\n')
    out = b''
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return proc.wait(timeout=60), out.decode(errors='replace')


def test_trust_asks_on_a_terminal(plain_repo: RepoHandle) -> None:
    main = plain_repo.path
    publish_policy(main, SETUP, approve=False)
    code, out = _on_a_terminal(main, 'n')
    assert code == 1 and 'not approved; nothing changed' in out, out
    code, out = _on_a_terminal(main, 'y')
    assert code == 0 and 'approved (kept in' in out, out


def test_an_explicit_policy_file_is_the_users(plain_repo: RepoHandle,
                                              wt: Run,
                                              tmp_path: Path) -> None:
    """``--policy FILE``: the user named it, so its commands (and the
    include listing beside the checkout) are the ones shown and run, once
    approved."""
    main = plain_repo.path
    pol = tmp_path / 'mine.yaml'
    pol.write_text('worktrees:\n  include: .mine\n')
    (main / '.mine').write_text('.env\n')
    (main / '.env').write_text('E=1\n')
    (main / '.gitignore').write_text('trees/\n.env\n')
    r = wt(main, 'trust', '--yes', '--policy', str(pol))
    assert r.code == 0, r
    assert f'{pol} (--policy)' in r.out and '    .env' in r.out
    r = wt(main, 'create', '1', 'x', '--policy', str(pol))
    assert r.code == 0, r
    assert (main / 'trees' / 'issue-1-x' / '.env').read_text() == 'E=1\n'
