"""Setup on create and teardown before remove (issue 15), with real
worktrees and real shell commands."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import alive
from tests.helpers import RepoHandle
from tests.helpers import git
from tests.integration.commands.wt.conftest import publish_policy
from tests.integration.commands.wt.test_wt import Out

Run = Callable[..., Out]



def _policy(main: Path, text: str) -> None:
    publish_policy(main, text)


def test_worktreeinclude_copies_only_ignored_listed_files(
        plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    (main / '.gitignore').write_text(
        'trees/\n.env\nconfig/\nnode_modules/\n*.local\n')
    (main / '.env').write_text('A=1\n')
    (main / 'config').mkdir()
    (main / 'config' / 'dev.local').write_text('dev\n')
    (main / 'config' / 'other.txt').write_text('no\n')
    (main / 'node_modules').mkdir()
    (main / 'node_modules' / 'big.js').write_text('no\n')
    (main / 'secrets').mkdir()
    (main / 'secrets' / 'x.local').write_text('yes\n')
    (main / 'tracked.local').write_text('ignored too\n')
    (main / '.worktreeinclude').write_text(
        '# comment\n.env\n*.local\nsecrets/\nREADME.md\n')
    _policy(main, '{}\n')
    r = wt(main, 'create', '1', 'include')
    assert r.code == 0, r
    new = main / 'trees' / 'issue-1-include'
    assert (new / '.env').read_text() == 'A=1\n'
    assert (new / 'config' / 'dev.local').read_text() == 'dev\n'
    assert not (new / 'config' / 'other.txt').exists()
    assert not (new / 'node_modules').exists()
    assert (new / 'tracked.local').exists()
    assert 'include: copied .env' in r.out
    # Tracked files are not ignored: README.md came from git, untouched.
    assert 'include: copied README.md' not in r.out
    # Nothing under trees/ (ignored too) is copied into itself.
    assert not (new / 'trees').exists()
    # An existing file in the checkout is kept, not overwritten.
    (main / '.worktreeinclude').write_text('.env\n')
    _policy(main, 'worktrees:\n  setup:\n    - echo mine > .env\n')
    r = wt(main, 'create', '2', 'kept')
    assert (main / 'trees' / 'issue-2-kept' / '.env').read_text() == 'mine\n'
    # Switched off, or no list: nothing copied.
    _policy(main, "worktrees:\n  include: ''\n")
    r = wt(main, 'create', '3', 'off')
    assert not (main / 'trees' / 'issue-3-off' / '.env').exists()
    (main / '.worktreeinclude').unlink()
    git('rm', '-q', '--cached', '.worktreeinclude', cwd=main)
    _policy(main, '{}\n')
    r = wt(main, 'create', '4', 'none')
    assert r.code == 0 and 'include:' not in r.out


def test_include_keeps_what_the_checkout_has(plain_repo: RepoHandle,
                                             wt: Run) -> None:
    main = plain_repo.path
    (main / '.gitignore').write_text('trees/\n*.local\n')
    (main / 'README.local').write_text('x\n')
    (main / '.worktreeinclude').write_text('*.local\n')
    _policy(main, 'worktrees:\n  bootstrap: [README.local]\n')
    r = wt(main, 'create', '1', 'x')
    assert r.code == 0, r
    assert 'bootstrap: copied README.local' in r.out
    assert 'include: kept README.local' in r.out


@pytest.mark.timeout(120)
def test_setup_commands_output_failure_and_timeout(plain_repo: RepoHandle,
                                                   wt: Run) -> None:
    main = plain_repo.path
    _policy(main, 'worktrees:\n  setup:\n    - echo hello; echo oops >&2\n'
                  '    - exit 3\n    - touch never\n')
    r = wt(main, 'create', '1', 'fails')
    assert r.code == 1, r
    new = main / 'trees' / 'issue-1-fails'
    assert new.is_dir()  # kept
    assert '  | hello' in r.out and '  | oops' in r.out
    assert 'setup: FAILED (exit 3); the output is in ' in r.out
    assert (main / '.git' / 'worktrees' / 'issue-1-fails' / 'wt-setup.log'
            ).read_text() == 'hello\noops\n'
    assert not (new / 'never').exists()
    assert 'the worktree is kept' in r.out
    assert 'wt remove 1 --force' in r.out
    _policy(main, 'worktrees:\n  setup: [sleep 30]\n  setup-timeout: 0.5\n')
    r = wt(main, 'create', '2', 'slow', '--print-path')
    assert r.code == 1
    assert r.out.strip() == str(main / 'trees' / 'issue-2-slow')
    assert 'timed out after 0.5 s' in r.err


@pytest.mark.timeout(120)
def test_setup_output_is_shown_as_it_comes(plain_repo: RepoHandle,
                                           wt: Run, tmp_path: Path) -> None:
    """The command waits for a file made only once its first line was
    shown: output held back until the command ends would never get there
    (and the setup would time out)."""
    from worktree_guard.commands.wt.provision import run_commands
    main = plain_repo.path
    assert wt(main, 'create', '1', 'live').code == 0
    new = main / 'trees' / 'issue-1-live'
    go = tmp_path / 'go'
    shown: list[str] = []

    def say(msg: str) -> None:
        shown.append(msg)
        if msg == '  | first':
            go.touch()

    cmd = f'echo first; while [ ! -e {go} ]; do sleep 0.01; done; echo second'
    assert run_commands('setup', [cmd], str(new), 100, say)
    assert shown == [f'setup: $ {cmd}', '  | first', '  | second',
                     'setup: ok']
    log = main / '.git' / 'worktrees' / 'issue-1-live' / 'wt-setup.log'
    assert log.read_text() == 'first\nsecond\n'


@pytest.mark.timeout(120)
def test_a_background_process_of_setup_does_not_block_create(
        plain_repo: RepoHandle, wt: Run, tmp_path: Path,
        groups: list[int]) -> None:
    """`npm run dev &`: the command's exit ends the step (ok, not a
    timeout); the dev server keeps running, writing to the log in the
    worktree's git dir."""
    main = plain_repo.path
    pidfile = tmp_path / 'pid'
    _policy(main, 'worktrees:\n  setup-timeout: 100\n  setup:\n'
                  "    - '(while :; do echo tick; sleep 0.05; done) & "
                  f"echo $! > {pidfile}'\n"
                  '    - echo after\n')
    r = wt(main, 'create', '1', 'dev server')
    m = re.search(r'process group (\d+)', r.out)
    if m:
        groups.append(int(m.group(1)))
    assert r.code == 0, r
    assert 'setup: ok' in r.out and '  | after' in r.out
    log = main / '.git' / 'worktrees' / 'issue-1-dev-server' / 'wt-setup.log'
    assert m is not None and f'its output goes to {log}' in r.out
    assert f'kill -- -{m.group(1)}' in r.out
    pid = int(pidfile.read_text())
    assert alive(pid)
    size = log.stat().st_size
    while log.stat().st_size == size:  # it keeps writing there
        pass
    assert alive(pid)


@pytest.mark.timeout(120)
def test_the_worktree_variables(plain_repo: RepoHandle, wt: Run,
                                tmp_path: Path) -> None:
    """Setup and teardown get WT_*; wt env prints them, shell-quoted."""
    main = plain_repo.path
    got = tmp_path / 'got'
    _policy(main, 'worktrees:\n  setup:\n'
                  f"    - 'env | grep ^WT_ | sort > {got}'\n"
                  '  teardown:\n'
                  f"    - 'echo down $WT_ISSUE $WT_PORT >> {got}'\n")
    r = wt(main, 'create', '45', "it's here")
    assert r.code == 0, r
    new = (main / 'trees' / 'issue-45-its-here').resolve()
    want = {'WT_ISSUE': '45', 'WT_BRANCH': 'issue-45-its-here',
            'WT_PATH': str(new), 'WT_MAIN': str(main.resolve()),
            'WT_PORT': '3045'}
    assert got.read_text() == ''.join(f'{k}={v}\n'
                                      for k, v in sorted(want.items()))
    r = wt(main, 'env', '45')
    assert r.code == 0, r
    assert r.out.splitlines() == [f'export {k}={v}' for k, v in want.items()]
    # Quoted for the shell: eval gives the values back.
    r = wt(main, 'env', '#45')
    script = r.out + 'printf "%s\\n" "$WT_ISSUE" "$WT_PATH"'
    out = subprocess.run(['sh', '-c', script], capture_output=True,
                         text=True, check=True).stdout
    assert out == f'45\n{new}\n'
    r = wt(main, 'remove', '45')
    assert r.code == 0, r
    assert got.read_text().endswith('down 45 3045\n')
    assert wt(main, 'env', '45').code == 2


@pytest.mark.parametrize(('base', 'issue', 'port'), [
    (3000, 1, 3001), (3000, 62535, 65535), (3000, 62536, 3000),
    (65000, 1000, 65464), (65535, 7, 65535), (1024, 999_999_999, 1024
                                               + 999_999_999 % 64512)])
def test_ports_stay_in_range(base: int, issue: int, port: int) -> None:
    from worktree_guard.commands.wt.env import port as port_of
    from worktree_guard.policy import default_policy
    policy = default_policy()
    policy.data['worktrees']['port-base'] = base
    assert port_of(policy, issue) == port
    assert 1024 <= port <= 65535


def test_teardown_before_remove(plain_repo: RepoHandle, wt: Run,
                                tmp_path: Path) -> None:
    main = plain_repo.path
    log = tmp_path / 'log'
    wt(main, 'create', '1', 'x')
    _policy(main, f'worktrees:\n  teardown:\n    - echo down $PWD >> {log}\n'
                  '    - touch left-behind\n')
    r = wt(main, 'remove', '1')
    assert r.code == 0, r
    assert log.read_text() == f'down {main}/trees/issue-1-x\n'
    assert 'teardown: ok' in r.out
    assert not (main / 'trees' / 'issue-1-x').exists()
    # A failing teardown keeps the worktree unless --force.
    wt(main, 'create', '2', 'y')
    _policy(main, "worktrees:\n  teardown: ['exit 1']\n")
    r = wt(main, 'remove', '2')
    assert r.code == 1 and 'teardown failed' in r.err, r
    assert (main / 'trees' / 'issue-2-y').is_dir()
    r = wt(main, 'remove', '2', '--force')
    assert r.code == 0, r
    assert not (main / 'trees' / 'issue-2-y').exists()


def test_schema_knows_the_keys(plain_repo: RepoHandle, wt: Run) -> None:
    _policy(plain_repo.path, 'worktrees:\n  setup: echo-not-a-list\n')
    r = wt(plain_repo.path, 'create', '1', 'x')
    assert r.code == 2 and 'setup' in r.err, r
    _policy(plain_repo.path, 'worktrees:\n  setup-timeout: 0\n')
    r = wt(plain_repo.path, 'create', '1', 'x')
    assert r.code == 2 and 'setup-timeout' in r.err, r


@pytest.mark.timeout(120)
def test_a_timeout_names_its_own_key(plain_repo: RepoHandle) -> None:
    """land.test's timeout is land.test-timeout, not setup's key."""
    from worktree_guard.commands.wt.provision import run_commands
    said: list[str] = []
    assert not run_commands('land.test', ['sleep 30'], str(plain_repo.path),
                            0.3, said.append)
    assert any('(land.test-timeout)' in s for s in said), said
