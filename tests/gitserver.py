"""Real git servers for the integration tests: ``git http-backend`` behind
lighttpd (Debian's package), and ``git daemon``, both on 127.0.0.1 on a free
port, started and stopped by the test fixture.

Without lighttpd the HTTP tests skip with the reason (``.ci/run`` installs
it).  The servers run in their own process groups, and are stopped with
their children (CGI processes, hooks) when the fixture ends.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import UNMEASURED
from tests.helpers import find_tool

HTTP_BACKEND_CANDIDATES = ('/usr/lib/git-core/git-http-backend',
                           '/usr/libexec/git-core/git-http-backend')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until the server accepts connections (bounded; fails with its log)."""
    for _ in range(500):
        if proc.poll() is not None:
            raise AssertionError(f'server exited {proc.returncode}: '
                                 f'{log.read_text(errors="replace")}')
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(('127.0.0.1', port)) == 0:
                return
        time.sleep(0.02)
    raise AssertionError(f'server never listened: {log.read_text()}')


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group (CGIs and hooks too)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=5)
            break
        except subprocess.TimeoutExpired:  # pragma: no cover (stubborn)
            continue


def http_backend() -> str | None:
    found = next((p for p in HTTP_BACKEND_CANDIDATES if os.path.exists(p)),
                 None)
    if found is None:  # pragma: no cover (git always ships it on Debian)
        exec_path = subprocess.run(['git', '--exec-path'], text=True,
                                   capture_output=True).stdout.strip()
        cand = os.path.join(exec_path, 'git-http-backend')
        found = cand if os.path.exists(cand) else None
    return found


def lighttpd() -> str | None:
    return find_tool('lighttpd', '/usr/sbin/lighttpd')


class Server:
    """A running server: ``url(name)`` is the clone URL of ``root/name``."""

    def __init__(self, kind: str, root: Path, port: int,
                 proc: subprocess.Popen[bytes] | None) -> None:
        self.kind = kind
        self.root = root
        self.port = port
        self.proc = proc

    def url(self, name: str, user: str | None = None) -> str:
        if self.kind == 'file':
            return f'file://{self.root / name}'
        if self.kind == 'daemon':
            return f'git://127.0.0.1:{self.port}/{name}'
        prefix = f'/as-{user}' if user else '/git'
        return f'http://127.0.0.1:{self.port}{prefix}/{name}'

    def close(self) -> None:
        if self.proc is not None:
            stop(self.proc)


def start_http(root: Path, env: dict[str, str],
               users: tuple[str, ...] = ('alice', 'eve')) -> Server:
    """lighttpd serving ``git http-backend`` for every repo under ``root``.

    ``/git/<repo>`` is anonymous (no ``REMOTE_USER``); ``/as-<user>/<repo>``
    runs the backend with ``REMOTE_USER=<user>``, as a web server's
    authentication would.  Pushes need ``http.receivepack`` in each repo.
    """
    exe = lighttpd()
    if exe is None:
        pytest.skip('lighttpd is not installed (apt-get install -y '
                    'lighttpd; .ci/run installs it): the HTTP server tests '
                    'need a real web server')
    backend = http_backend()
    assert backend is not None
    port = free_port()
    conf = root.parent / f'lighttpd-{port}.conf'
    log = root.parent / f'lighttpd-{port}.log'
    passed = {k: v for k, v in env.items()
              if k in ('PATH', 'HOME', 'GIT_CONFIG_GLOBAL',
                       'GIT_CONFIG_NOSYSTEM', 'WORKTREE_GUARD_PYTHON')}
    base = {'GIT_PROJECT_ROOT': str(root), 'GIT_HTTP_EXPORT_ALL': '1',
            **passed}

    def setenv(extra: dict[str, str]) -> str:
        pairs = ', '.join(f'"{k}" => "{v}"' for k, v in
                          {**base, **extra}.items())
        return f'setenv.set-environment = ( {pairs} )'

    blocks = [f'''$HTTP["url"] =~ "^/git/" {{
    alias.url = ( "/git/" => "{backend}/" )
    cgi.assign = ( "" => "" )
    {setenv({})}
}}''']
    for user in users:
        blocks.append(f'''$HTTP["url"] =~ "^/as-{user}/" {{
    alias.url = ( "/as-{user}/" => "{backend}/" )
    cgi.assign = ( "" => "" )
    {setenv({'REMOTE_USER': user})}
}}''')
    conf.write_text(f'''server.modules = ( "mod_alias", "mod_cgi", "mod_setenv" )
server.document-root = "{root}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{log}"
server.max-worker = 0
server.max-connections = 64
cgi.execute-x-only = "disable"
{chr(10).join(blocks)}
''')
    log.write_text('')
    proc = subprocess.Popen([exe, '-D', '-f', str(conf)],
                            stdout=subprocess.DEVNULL,
                            stderr=open(log, 'ab'),  # noqa: SIM115
                            start_new_session=True, env=env)
    wait_port(port, proc, log)
    return Server('http', root, port, proc)


def start_daemon(root: Path, env: dict[str, str]) -> Server:
    port = free_port()
    log = root.parent / f'daemon-{port}.log'
    log.write_text('')
    proc = subprocess.Popen(
        ['git', 'daemon', '--reuseaddr', f'--base-path={root}',
         '--export-all', '--enable=receive-pack', '--listen=127.0.0.1',
         f'--port={port}', '--informative-errors', str(root)],
        stdout=subprocess.DEVNULL, stderr=open(log, 'ab'),  # noqa: SIM115
        start_new_session=True, env=env)
    wait_port(port, proc, log)
    return Server('daemon', root, port, proc)


def start(kind: str, root: Path) -> Server:
    # Like every process git starts in the tests, the server's hooks run
    # unmeasured (tests/helpers.py, UNMEASURED).
    env = {k: v for k, v in os.environ.items() if k not in UNMEASURED}
    if kind == 'http':
        return start_http(root, env)
    if kind == 'daemon':
        return start_daemon(root, env)
    return Server('file', root, 0, None)
