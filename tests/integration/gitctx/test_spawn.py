"""gitctx.spawn: timeouts stop the whole process group, interruptions never
leave a child behind, and a chatty child cannot outrun its deadline.

Every test runs twice: through ``posix_spawnp`` and through the
``subprocess`` fallback that platforms without it (Windows) use."""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from worktree_guard.errors import GitError
from worktree_guard.gitctx import spawn
import worktree_guard.gitctx.process as spawn_mod
from worktree_guard.gitctx import pipes


@pytest.fixture(autouse=True, params=['posix_spawn', 'subprocess'])
def mode(request: pytest.FixtureRequest,
         monkeypatch: pytest.MonkeyPatch) -> str:
    """Force one way of starting processes, as a platform would."""
    if request.param == 'subprocess':
        monkeypatch.setattr(spawn_mod, 'POSIX_SPAWN', False)
    else:
        monkeypatch.delenv('WORKTREE_GUARD_SPAWN', raising=False)
    return str(request.param)


def test_input_output_and_exit_code_in_both_ways(mode: str) -> None:
    data = b'x' * 300_000  # more than a pipe holds
    res = spawn(['sh', '-c', 'cat; echo err >&2; exit 3'], input=data)
    assert (res.returncode, res.stdout, res.stderr, res.timed_out) == \
        (3, data, b'err\n', False)


def test_a_missing_program_is_a_clear_error(mode: str) -> None:
    with pytest.raises(GitError) as info:
        spawn(['git-no-such-program-here'])
    assert info.value.message.startswith(
        'cannot run git-no-such-program-here:')


def test_the_environment_variable_forces_the_fallback(
        monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    monkeypatch.setenv('WORKTREE_GUARD_SPAWN', 'subprocess')
    res = spawn(['sh', '-c', 'echo $$'])
    assert res.returncode == 0 and res.stdout.strip().isdigit()


def _alive(pid: int) -> bool:
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(') ', 1)[1][0] != 'Z'
    except FileNotFoundError:
        return False


@pytest.mark.timeout(30)
def test_a_chatty_child_is_stopped_at_its_deadline() -> None:
    res = spawn(['yes'], timeout=0.3)
    assert res.timed_out
    assert res.stdout.startswith(b'y\n')


def test_timeout_stops_grandchildren(tmp_path: Path) -> None:
    pidfile = tmp_path / 'pid'
    res = spawn(['sh', '-c', f'sleep 30 & echo $! > {pidfile}; wait'],
                timeout=0.5)
    assert res.timed_out
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


@pytest.mark.timeout(30)
def test_a_child_that_ignores_sigterm_gets_sigkill() -> None:
    res = spawn(['sh', '-c', 'trap "" TERM; sleep 10'], timeout=0.2)
    assert res.timed_out
    assert res.returncode == -signal.SIGKILL


class Interrupted(Exception):
    """What the alarm raises in the middle of a spawn."""


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Raise ``Interrupted`` after ``seconds`` (as a signal handler that
    raises would, like SIGINT's ``KeyboardInterrupt``)."""
    def on_alarm(signum: int, frame: object) -> None:
        raise Interrupted

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_an_interrupted_spawn_leaves_no_child(tmp_path: Path) -> None:
    pidfile = tmp_path / 'pid'

    with pytest.raises(Interrupted), _alarm(0.5):
        spawn(['sh', '-c', f'echo $$ > {pidfile}; exec sleep 10'])
    child = int(pidfile.read_text())
    assert not _alive(child)
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # already reaped


def test_an_interrupted_spawn_with_a_timeout_stops_its_helpers(
        tmp_path: Path) -> None:
    """With a timeout the child has its own process group: an interruption
    (SIGTERM/SIGHUP become one, issue 13) stops its helpers too, as
    git-remote-http is stopped with the fetch."""
    pidfile = tmp_path / 'pid'

    with pytest.raises(Interrupted), _alarm(0.5):
        spawn(['sh', '-c', f'sleep 30 & echo $! > {pidfile}; wait'],
              timeout=60)
    helper = int(pidfile.read_text())
    for _ in range(200):
        if not _alive(helper):
            break
        time.sleep(0.01)
    assert not _alive(helper)


# -- stream and Started (whole-file scans, issue 17) ------------------------

def test_stream_yields_output_as_it_comes_and_feeds_input(mode: str) -> None:
    data = b'y' * 300_000  # more than a pipe holds, both ways
    got = list(pipes.stream(['sh', '-c', 'cat; echo err >&2'],
                                input=data))
    assert b''.join(got) == data
    if mode == 'posix_spawn':
        assert len(got) > 1   # in pieces, never collected whole
    assert list(pipes.stream(['sh', '-c', 'echo hi'])) == [b'hi\n']


def test_a_failed_stream_raises_with_its_message(mode: str) -> None:
    with pytest.raises(GitError) as info:
        list(pipes.stream(['sh', '-c', 'echo x; echo "fatal: bad" >&2; '
                               'exit 128'], what='git cat-file'))
    assert info.value.message == "'git cat-file' failed: fatal: bad"


@pytest.mark.timeout(30)
def test_a_stream_closed_early_stops_its_child(tmp_path: Path,
                                              mode: str) -> None:
    pidfile = tmp_path / 'pid'
    # The fallback returns once the child ends: give it nothing to wait on.
    rest = 'exec sleep 30' if mode == 'posix_spawn' else 'true'
    it = pipes.stream(['sh', '-c', f'echo $$ > {pidfile}; echo first; '
                           + rest])
    assert next(it) == b'first\n'
    it.close()
    child = int(pidfile.read_text())
    assert not _alive(child)


def test_a_write_to_a_stream_that_stopped_reading(mode: str) -> None:
    # The child exits without reading its input: no BrokenPipeError.
    assert list(pipes.stream(['sh', '-c', 'echo done'],
                                 input=b'z' * 300_000)) == [b'done\n']


def test_started_runs_beside_the_caller(mode: str) -> None:
    a = pipes.Started(['sh', '-c', 'echo one'])
    b = spawn(['sh', '-c', 'echo two'])
    res = a.wait()
    assert (res.returncode, res.stdout, b.stdout) == (0, b'one\n', b'two\n')
    assert a.wait() is res   # collected once


def test_relay_pipes_one_process_into_another(mode: str) -> None:
    source = pipes.Started(['sh', '-c', 'printf "a\\0b\\0"; echo warn >&2'])
    out = b''.join(pipes.relay(source, ['cat'], bytes.upper))
    assert out == b'A\0B\0'
    assert source.result is not None
    assert (source.result.returncode, source.result.stderr) == (0, b'warn\n')


def test_relay_of_a_silent_source_and_a_failing_reader(mode: str) -> None:
    source = pipes.Started(['sh', '-c', 'exit 3'])
    assert list(pipes.relay(source, ['cat'], bytes.upper)) in ([], [b''])
    assert source.result is not None and source.result.returncode == 3
    source = pipes.Started(['sh', '-c', 'echo x'])
    with pytest.raises(GitError, match="'git cat-file' failed: bad"):
        list(pipes.relay(source, ['sh', '-c', 'cat; echo bad >&2; exit 1'],
                             bytes.upper, what='git cat-file'))


@pytest.mark.timeout(30)
def test_a_relay_closed_early_stops_both_children(tmp_path: Path,
                                                  mode: str) -> None:
    if mode == 'subprocess':   # the source ends first: nothing to stop
        return
    pids = tmp_path / 'pids'
    source = pipes.Started(['sh', '-c', f'echo $$ >> {pids}; echo go; '
                                'exec sleep 30'])
    it = pipes.relay(source, ['sh', '-c', f'echo $$ >> {pids}; '
                                  'exec cat'], bytes.upper)
    assert next(it) == b'GO\n'
    it.close()
    for pid in pids.read_text().split():
        assert not _alive(int(pid))


def test_a_large_relay_never_blocks(mode: str) -> None:
    # More than a pipe holds, each way, while the reader writes back.
    source = pipes.Started(['sh', '-c', 'head -c 400000 /dev/zero'])
    out = b''.join(pipes.relay(source, ['cat'], lambda b: b'x' * len(b)))
    assert out == b'x' * 400_000


def test_a_relay_into_a_reader_of_small_pieces(mode: str) -> None:
    # The reader frees the pipe 4 KiB at a time: each write takes part of
    # what is pending, and the rest waits for the next turn, in order.
    data = bytes(range(256)) * 1600
    sent = [data]

    def feed(piece: bytes) -> bytes:   # all of it at the first piece
        return sent.pop() if sent and piece else b''

    source = pipes.Started(['sh', '-c', 'head -c 409600 /dev/zero'])
    out = b''.join(pipes.relay(source, ['dd', 'bs=4096', 'status=none'],
                               feed))
    assert out == data


def test_a_relay_whose_reader_stops_reading(mode: str) -> None:
    # The reader exits without reading its input: no BrokenPipeError.
    source = pipes.Started(['sh', '-c', 'head -c 400000 /dev/zero'])
    assert b''.join(pipes.relay(source, ['sh', '-c', 'echo done'],
                                bytes.upper)) == b'done\n'


@pytest.mark.timeout(30)
def test_a_relay_closed_after_its_source_ended(tmp_path: Path,
                                               mode: str) -> None:
    pidfile = tmp_path / 'pid'
    rest = 'exec sleep 30' if mode == 'posix_spawn' else 'true'
    source = pipes.Started(['sh', '-c', 'echo go'])
    it = pipes.relay(source, ['sh', '-c', f'echo $$ > {pidfile}; '
                              f'cat > /dev/null; echo end; {rest}'],
                     bytes.upper)
    assert next(it) == b'end\n'   # only once the source had ended
    it.close()
    assert source.result is not None and source.result.returncode == 0
    assert not _alive(int(pidfile.read_text()))
