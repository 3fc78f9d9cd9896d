"""gitctx.spawn: timeouts stop the whole process group, interruptions never
leave a child behind, and a chatty child cannot outrun its deadline."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from worktree_guard.gitctx import spawn


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


def test_an_interrupted_spawn_leaves_no_child(tmp_path: Path) -> None:
    pidfile = tmp_path / 'pid'

    class Interrupted(Exception):
        pass

    def on_alarm(signum: int, frame: object) -> None:
        raise Interrupted

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        with pytest.raises(Interrupted):
            spawn(['sh', '-c', f'echo $$ > {pidfile}; exec sleep 10'])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    child = int(pidfile.read_text())
    assert not _alive(child)
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # already reaped
