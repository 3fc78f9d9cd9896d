"""Starting git: ``spawn`` and the environments git runs in.

Processes are started with ``os.posix_spawnp`` instead of ``subprocess``:
importing ``subprocess`` costs more than the rest of the commit-stage run.
"""
from __future__ import annotations

import os
import select
import time

from worktree_guard.errors import GitError

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Generator
    from collections.abc import Sequence


# Variables git exports into hooks that may be relative to the hook's cwd.
_PATH_VARS = ('GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR',
              'GIT_OBJECT_DIRECTORY')
# Variables that tie a git process to *this* repository; removed when we run
# git against another one (``git rev-parse --local-env-vars``).
LOCAL_ENV_VARS = (
    'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS',
    'GIT_CONFIG_COUNT', 'GIT_OBJECT_DIRECTORY', 'GIT_DIR', 'GIT_WORK_TREE',
    'GIT_IMPLICIT_WORK_TREE', 'GIT_GRAFT_FILE', 'GIT_INDEX_FILE',
    'GIT_NO_REPLACE_OBJECTS', 'GIT_REPLACE_REF_BASE', 'GIT_PREFIX',
    'GIT_INTERNAL_SUPER_PREFIX', 'GIT_SHALLOW_FILE', 'GIT_COMMON_DIR',
    'GIT_QUARANTINE_PATH',
)
# Every git we start ignores ``refs/replace/*``: a pushed or fetched
# replace ref must never swap the commits or the policy we judge (issue 13).
NO_REPLACE = 'GIT_NO_REPLACE_OBJECTS'


class ProcResult:
    __slots__ = ('returncode', 'stdout', 'stderr', 'timed_out')

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes,
                 timed_out: bool = False) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out


def spawn(
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
) -> ProcResult:
    """Run ``argv`` and collect its output without importing subprocess.

    stdin, stdout and stderr are pipes served by one ``poll`` loop, so large
    inputs and outputs cannot deadlock.  With a ``timeout`` the child runs in
    its own process group (so helpers such as ``ssh`` or
    ``git-remote-http`` go too); when time is up the group gets SIGTERM (git
    removes its lock files), then SIGKILL, and ``timed_out`` is set.  If we
    are interrupted, the child is stopped the same way: never left behind.

    Where ``os.posix_spawnp`` or ``select.poll`` is missing (Windows), or
    ``WORKTREE_GUARD_SPAWN=subprocess`` asks for it, ``subprocess`` does
    the same job (``spawn_subprocess``).
    """
    env = git_env(argv, env)
    if not POSIX_SPAWN or os.environ.get('WORKTREE_GUARD_SPAWN') == 'subprocess':
        return spawn_subprocess(argv, input, env, timeout)
    pid, in_w, out_r, err_r = start_piped(argv, env, timeout is not None)
    return collect(pid, in_w, out_r, err_r, input, timeout)


def collect(pid: int, in_w: int, out_r: int, err_r: int,
             input: bytes | None, timeout: float | None) -> ProcResult:
    """Feed ``input`` to a started child and collect its output."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    reaped: int | None = None
    pipes = serve(in_w, out_r, err_r, input or b'', deadline)
    try:
        for fd, data in pipes:
            if fd < 0:
                timed_out = True
                break
            chunks[fd].append(data)
        reaped = stop_child(pid, group=True) if timed_out \
            else os.waitpid(pid, 0)[1]
    finally:
        pipes.close()
        if reaped is None:  # interrupted: stop the child, then re-raise
            stop_child(pid, group=timeout is not None)
    rc = os.waitstatus_to_exitcode(reaped)
    return ProcResult(rc, b''.join(chunks[out_r]), b''.join(chunks[err_r]),
                      timed_out)


def serve(in_w: int, out_r: int, err_r: int, input: bytes,
          deadline: float | None
          ) -> Generator[tuple[int, bytes], None, None]:
    """A started child's three pipes, served by one ``poll`` loop (so large
    inputs and outputs cannot deadlock): ``input`` is fed as the child
    reads it, and each piece read is yielded as ``(fd, data)`` until both
    outputs close.  ``(-1, b'')`` says the ``deadline`` (``time.monotonic``)
    passed first.  Closing the iterator closes the pipes still open."""
    pending = memoryview(input)
    open_fds = {out_r, err_r, in_w}
    try:
        poller = select.poll()
        poller.register(out_r, select.POLLIN)
        poller.register(err_r, select.POLLIN)
        if pending:
            os.set_blocking(in_w, False)
            poller.register(in_w, select.POLLOUT)
        else:
            os.close(in_w)
            open_fds.discard(in_w)
        while open_fds:
            wait_ms = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                wait_ms = int(left * 1000) + 1
            for fd, _ in poller.poll(wait_ms):
                if fd == in_w:
                    try:
                        n = os.write(in_w, pending[:65536])
                    except BrokenPipeError:
                        n = len(pending)
                    pending = pending[n:]
                    if not pending:
                        poller.unregister(in_w)
                        os.close(in_w)
                        open_fds.discard(in_w)
                    continue
                data = os.read(fd, 1 << 16)
                if data:
                    yield fd, data
                else:
                    poller.unregister(fd)
                    os.close(fd)
                    open_fds.discard(fd)
        else:
            return
        yield -1, b''   # time is up
    finally:
        for fd in open_fds:
            os.close(fd)


def git_env(argv: Sequence[str],
             env: dict[str, str] | None) -> dict[str, str] | None:
    """``env`` with ``GIT_NO_REPLACE_OBJECTS=1`` for a git process."""
    if argv[0] == 'git':
        environ = os.environ if env is None else env
        if environ.get(NO_REPLACE) != '1':
            env = {**environ, NO_REPLACE: '1'}
    return env


def start_piped(argv: Sequence[str], env: dict[str, str] | None,
           group: bool) -> tuple[int, int, int, int]:
    """Start ``argv`` with three pipes: (pid, stdin, stdout, stderr)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    actions: list[tuple[int, ...]] = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
        actions.append((os.POSIX_SPAWN_CLOSE, fd))
    try:
        environ = os.environ if env is None else env
        if not group:
            pid = os.posix_spawnp(argv[0], list(argv), environ,
                                  file_actions=actions)
        else:
            pid = os.posix_spawnp(argv[0], list(argv), environ,
                                  file_actions=actions, setpgroup=0)
    except OSError as e:
        for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
            os.close(fd)
        if argv[0] == 'git':
            raise GitError(
                f'cannot run git: {e.strerror}',
                'install git (2.38 or newer) and make sure it is on PATH',
            ) from None
        raise GitError(f'cannot run {argv[0]}: {e.strerror}') from None
    os.close(in_r)
    os.close(out_w)
    os.close(err_w)
    return pid, in_w, out_r, err_r


POSIX_SPAWN = hasattr(os, 'posix_spawnp') and hasattr(select, 'poll')


def spawn_subprocess(argv: Sequence[str], input: bytes | None,
                      env: dict[str, str] | None,
                      timeout: float | None) -> ProcResult:
    """``spawn`` through ``subprocess``: for platforms without
    ``posix_spawnp``/``poll``, and forced by ``WORKTREE_GUARD_SPAWN=subprocess``
    (the suite runs once that way).  A timed-out child's session (POSIX) or
    the child itself (Windows) is killed."""
    import subprocess
    posix = os.name == 'posix'
    try:
        proc = subprocess.Popen(
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=os.environ if env is None else env,
            start_new_session=posix and timeout is not None)
    except OSError as e:
        hint = ('install git (2.38 or newer) and make sure it is on PATH'
                if argv[0] == 'git' else None)
        raise GitError(f'cannot run {argv[0]}: {e.strerror}', hint) from None
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        if posix:
            import signal
            try:  # SIGTERM first: git removes its lock files
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(1.0)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:  # pragma: no cover (already gone)
                pass
        else:  # pragma: no cover (Windows: no process groups)
            proc.kill()
        out, err = proc.communicate()
        return ProcResult(proc.wait(), out, err, timed_out=True)
    except BaseException:  # interrupted: never leave the child behind
        if posix and timeout is not None:  # its session: helpers too
            import signal
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait()
        raise
    return ProcResult(proc.returncode, out, err)


def stop_child(pid: int, group: bool, grace: float = 1.0) -> int:
    """SIGTERM the child (its group when it has one), SIGKILL after
    ``grace`` seconds; return its wait status."""
    import signal

    def send(sig: int) -> None:
        try:
            if group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:  # pragma: no cover (already gone)
            pass

    send(signal.SIGTERM)
    end = time.monotonic() + grace
    nap = 0.0005   # a git stopped mid-output is gone in a millisecond
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(nap)
        nap = min(nap * 2, 0.01)
    send(signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


def decode(b: bytes) -> str:
    """git's bytes as text; undecodable bytes survive (surrogateescape)."""
    return b.decode('utf-8', 'surrogateescape')


def stderr_tail(res: ProcResult) -> str:
    """git's own message: its first ``fatal:``/``error:`` line, else the
    last line it wrote to stderr, else ``exit <code>``."""
    lines = decode(res.stderr).strip().splitlines()
    for line in lines:
        if line.startswith(('fatal: ', 'error: ')):
            return line
    return lines[-1] if lines else f'exit {res.returncode}'


def hook_env() -> dict[str, str]:
    """The environment for git children, with relative git paths made absolute.

    Inside hooks git may export ``GIT_INDEX_FILE=.git/index`` (relative to
    the hook's cwd); making it absolute keeps it right whatever ``-C`` we use.
    """
    env = dict(os.environ)
    cwd = os.getcwd()
    for var in _PATH_VARS:
        val = env.get(var)
        if val and not os.path.isabs(val):
            env[var] = os.path.normpath(os.path.join(cwd, val))
    env[NO_REPLACE] = '1'
    return env


def foreign_env() -> dict[str, str]:
    """Environment for running git against a *different* repository."""
    env = dict(os.environ)
    for var in LOCAL_ENV_VARS:
        env.pop(var, None)
    env[NO_REPLACE] = '1'
    return env
