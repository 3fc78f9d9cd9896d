"""Processes die with the hook (issue 13): SIGTERM, SIGHUP or SIGINT during
the base fetch stops the fetch's whole process group (git and its
``git-remote-http`` child) before worktree-guard exits.  The remote is a
listener on 127.0.0.1 that accepts and never answers."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import git

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def silent() -> Iterator[socket.socket]:
    """Accepts connections and never says a word."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        s.listen(8)
        yield s


def _holders(port: int) -> list[int]:
    """Live processes whose command line names the silent server."""
    found = []
    needle = f'127.0.0.1:{port}'.encode()
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmd = f.read()
            with open(f'/proc/{pid}/stat', 'rb') as f:
                state = f.read().rsplit(b')', 1)[1].split()[0]
        except OSError:
            continue
        if needle in cmd and state != b'Z':
            found.append(int(pid))
    return found



def _default_sigint() -> None:
    """A shell that starts a job in the background (`./dev test &`) hands
    it SIGINT ignored, and Python keeps it ignored: give the hook the
    default a terminal's Ctrl-C would meet."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize('sig', [signal.SIGTERM, signal.SIGHUP,
                                 signal.SIGINT])
def test_signal_stops_the_fetch(tmp_path: Path, silent: socket.socket,
                                sig: signal.Signals) -> None:
    port = silent.getsockname()[1]
    r = tmp_path / 'r'
    git('init', '-q', '-b', 'main', str(r), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'a', cwd=r)
    git('update-ref', 'refs/remotes/origin/main', 'HEAD', cwd=r)
    git('remote', 'add', 'origin', f'http://127.0.0.1:{port}/x.git', cwd=r)
    git('checkout', '-q', '-b', 'issue-1-a', cwd=r)
    git('commit', '-q', '--allow-empty', '-m', 'b', cwd=r)
    (r / '.worktree-guard.yaml').write_text('sync:\n  fetch-timeout: 600\n')
    proc = subprocess.Popen(
        ['worktree-guard', 'check', '--stage', 'push', '--from-ref',
         'origin/main', '--to-ref', 'HEAD'], cwd=r,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_default_sigint)  # noqa: PLW1509 (no locks taken)
    try:
        conn, _ = silent.accept()   # the fetch is connected and waiting
        with conn:
            assert _holders(port)
            proc.send_signal(sig)
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 128 + sig
            assert b'worktree-guard: interrupted' in err
            assert b'Traceback' not in err
            # The fetch's side of the connection is closed: it is gone.
            conn.settimeout(30)
            assert conn.recv(1 << 16) is not None
            assert conn.recv(1) == b''
            for _ in range(300):
                if not _holders(port):
                    break
                time.sleep(0.01)
            assert _holders(port) == []
    finally:
        if proc.poll() is None:  # pragma: no cover (only when it failed)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
