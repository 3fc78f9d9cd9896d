"""gitctx.pipes.Logged: a command's output followed line by line through
its log file; its exit ends the run, whatever it left in the background;
timeouts and interruptions stop its whole group.

Every test runs twice: through ``posix_spawnp`` and through the
``subprocess`` fallback."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import alive

import worktree_guard.gitctx.process as spawn_mod
from worktree_guard.errors import GitError
from worktree_guard.gitctx.pipes import Logged


@pytest.fixture(autouse=True, params=['posix_spawn', 'subprocess'])
def mode(request: pytest.FixtureRequest,
         monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == 'subprocess':
        monkeypatch.setattr(spawn_mod, 'POSIX_SPAWN', False)
    else:
        monkeypatch.delenv('WORKTREE_GUARD_SPAWN', raising=False)
    return str(request.param)


@pytest.mark.timeout(60)
def test_lines_come_while_the_command_runs(tmp_path: Path) -> None:
    """The command waits for a file that is made only once its first line
    was seen: buffered output would never get there."""
    go = tmp_path / 'go'
    run = Logged(['sh', '-c', f'echo first; echo err >&2; '
                              f'while [ ! -e {go} ]; do sleep 0.01; done; '
                              'printf "second\\nno newline"; exit 4'],
                 str(tmp_path / 'log'), env={**os.environ, 'X': '1'},
                 timeout=50)
    seen = []
    for line in run.lines():
        seen.append(line)
        if line == b'first':
            go.touch()
    assert seen == [b'first', b'err', b'second', b'no newline']
    assert (run.returncode, run.timed_out, run.lingering) == (4, False, False)
    assert (tmp_path / 'log').read_bytes() == \
        b'first\nerr\nsecond\nno newline'


@pytest.mark.timeout(60)
def test_a_background_process_does_not_hold_the_run(
        tmp_path: Path, groups: list[int]) -> None:
    log = tmp_path / 'log'
    log.write_bytes(b'before\n')  # appended to, and not shown again
    # "started" comes first: the background loop starts after it.
    run = Logged(['sh', '-c', 'echo started; while :; do echo tick; '
                              f'sleep 0.05; done & echo $! > {tmp_path}/pid'],
                 str(log), timeout=50)
    lines = list(run.lines())
    groups.append(run.pgid)
    assert lines[0] == b'started' and set(lines[1:]) <= {b'tick'}
    assert run.returncode == 0 and run.lingering and not run.timed_out
    pid = int((tmp_path / 'pid').read_text())
    assert alive(pid)
    # It keeps writing, to the log (not to a closed pipe).
    size = log.stat().st_size
    while log.stat().st_size == size:
        pass
    assert alive(pid)
    assert log.read_bytes().startswith(b'before\nstarted\n')


@pytest.mark.timeout(60)
def test_a_timeout_stops_the_group(tmp_path: Path) -> None:
    run = Logged(['sh', '-c', f'sleep 30 & echo $! > {tmp_path}/pid; '
                              'echo waiting; wait'],
                 str(tmp_path / 'log'), timeout=0.5)
    assert list(run.lines()) == [b'waiting']
    assert run.timed_out and run.returncode != 0
    pid = int((tmp_path / 'pid').read_text())
    while alive(pid):
        pass


@pytest.mark.timeout(60)
def test_a_group_ignoring_sigterm_gets_sigkill(tmp_path: Path) -> None:
    run = Logged(['sh', '-c', "trap '' TERM; sleep 30 & "
                              f"echo $! > {tmp_path}/pid; echo stubborn; "
                              'wait'],
                 str(tmp_path / 'log'), timeout=0.3)
    assert list(run.lines()) == [b'stubborn']
    assert run.timed_out and not run.lingering
    pid = int((tmp_path / 'pid').read_text())
    while alive(pid):
        pass


@pytest.mark.timeout(60)
def test_closing_early_stops_the_command(tmp_path: Path) -> None:
    run = Logged(['sh', '-c', 'echo one; exec sleep 30'],
                 str(tmp_path / 'log'))
    lines = run.lines()
    assert next(lines) == b'one'
    pgid = run.pgid
    lines.close()
    assert not alive(pgid)


def test_a_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    run = Logged(['wt-no-such-program-here'], str(tmp_path / 'log'))
    with pytest.raises(GitError) as info:
        list(run.lines())
    assert info.value.message.startswith(
        'cannot run wt-no-such-program-here:')
