"""git processes that overlap: ``Started`` (run now, collect later),
``stream`` (yield output as it comes) and ``relay`` (one process's output
fed, as it comes, to another's input).  A whole-file scan pipes ``git
grep -l`` into ``cat-file --batch`` and judges while both run.
``Logged`` runs a command that is not git (``wt``'s setup commands) with
its output in a log file, followed line by line as it comes.
"""
from __future__ import annotations

import os
import select
import time

from worktree_guard.errors import GitError
from worktree_guard.gitctx import process
from worktree_guard.gitctx.process import ProcResult
from worktree_guard.gitctx.process import collect
from worktree_guard.gitctx.process import git_env
from worktree_guard.gitctx.process import spawn_subprocess
from worktree_guard.gitctx.process import start_piped
from worktree_guard.gitctx.process import stop_child
from worktree_guard.gitctx.process import serve
from worktree_guard.gitctx.process import stderr_tail

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Generator
    from collections.abc import Sequence


def _posix() -> bool:
    return process.POSIX_SPAWN and \
        os.environ.get('WORKTREE_GUARD_SPAWN') != 'subprocess'


class Started:
    """A process started now and collected by ``wait()``: git works on one
    question (``git grep``) while we ask it another.  Its stdin is empty.
    Without ``posix_spawnp`` it runs in ``wait()``."""

    __slots__ = ('argv', 'env', 'fds', 'result')

    def __init__(self, argv: Sequence[str],
                 env: dict[str, str] | None = None) -> None:
        self.argv = argv
        self.env = git_env(argv, env)
        self.fds: tuple[int, int, int, int] | None = None
        self.result: ProcResult | None = None
        if _posix():
            self.fds = start_piped(argv, self.env, False)

    def wait(self) -> ProcResult:
        if self.result is None:
            if self.fds is None:
                self.result = spawn_subprocess(self.argv, None, self.env,
                                                None)
            else:
                self.result = collect(*self.fds, None, None)
        return self.result


def stream(argv: Sequence[str], *, input: bytes = b'',
           env: dict[str, str] | None = None,
           what: str = 'git') -> Generator[bytes, None, None]:
    """Run ``argv`` and yield its stdout as it arrives (``input`` is fed
    as the child reads it): output is never held whole.  At the end, a
    non-zero exit raises ``GitError`` with git's message.  Closing the
    iterator early stops the child; ``what`` names the command in the
    error.  Without ``posix_spawnp`` (or with
    ``WORKTREE_GUARD_SPAWN=subprocess``) the output comes in one piece."""
    env = git_env(argv, env)
    if not _posix():
        res = spawn_subprocess(argv, input, env, None)
        _check(what, res)
        yield res.stdout
        return
    pid, in_w, out_r, err_r = start_piped(argv, env, False)
    err: list[bytes] = []
    reaped: int | None = None
    pipes = serve(in_w, out_r, err_r, input, None)
    try:
        for fd, data in pipes:
            if fd == out_r:
                yield data
            else:
                err.append(data)
        reaped = os.waitpid(pid, 0)[1]
    finally:
        pipes.close()
        if reaped is None:  # closed early or interrupted: stop the child
            stop_child(pid, group=False)
    _check(what, ProcResult(os.waitstatus_to_exitcode(reaped), b'',
                            b''.join(err)))


def relay(source: Started, argv: Sequence[str],
          feed: Callable[[bytes], bytes], *,
          env: dict[str, str] | None = None,
          what: str = 'git') -> Generator[bytes, None, None]:
    """``stream(argv)`` whose stdin is ``source``'s stdout as it comes,
    each piece passed through ``feed``: two processes in a pipeline (git
    grep names files, cat-file reads them) with no wait between them.
    ``source.result`` holds its exit code and stderr at the end (the
    caller judges them).  Without ``posix_spawnp`` the source finishes
    first."""
    if source.fds is None:
        res = source.wait()
        yield from stream(argv, input=feed(res.stdout), env=env, what=what)
        return
    spid, s_in, _, _ = source.fds
    os.close(s_in)
    pid, in_w, out_r, err_r = start_piped(argv, git_env(argv, env), False)
    pump = _Pump(source, feed, (in_w, out_r, err_r))
    try:
        pump.start()
        while pump.open_fds:
            for fd, _ in pump.poller.poll():
                data = pump.step(fd)
                if data is not None:
                    yield data
    except BaseException:  # closed early or interrupted: stop both
        for fd in pump.open_fds:
            os.close(fd)
        stop_child(pid, group=False)
        if source.result is None:
            stop_child(spid, group=False)
        raise
    _check(what, ProcResult(os.waitstatus_to_exitcode(
        os.waitpid(pid, 0)[1]), b'', b''.join(pump.err)))


class _Pump:
    """``relay``'s two processes, polled: the source's output, passed
    through ``feed``, written to the reader's stdin as it can take it;
    the reader's output handed back; both stderrs kept."""

    def __init__(self, source: Started, feed: Callable[[bytes], bytes],
                 fds: tuple[int, int, int]) -> None:
        assert source.fds is not None
        self.source = source
        self.feed = feed
        self.spid, _, self.s_out, self.s_err = source.fds
        self.in_w, self.out_r, self.err_r = fds
        self.err: list[bytes] = []
        self.s_err_data: list[bytes] = []
        self.pending = bytearray()
        self.open_fds = {self.out_r, self.err_r, self.in_w, self.s_out,
                         self.s_err}
        self.source_open = {self.s_out, self.s_err}
        self.writing = False
        self.poller = select.poll()

    def start(self) -> None:
        for fd in (self.out_r, self.err_r, self.s_out, self.s_err):
            self.poller.register(fd, select.POLLIN)
        os.set_blocking(self.in_w, False)

    def step(self, fd: int) -> bytes | None:
        """Serve the ready ``fd``; the reader's output it read, if any."""
        if fd == self.in_w:
            self.write()
            return None
        data = os.read(fd, 1 << 16)
        if not data:
            self.closed(fd)
        elif fd == self.out_r:
            return data
        elif fd == self.s_out:
            self.pending += self.feed(data)
            if self.pending and not self.writing:
                self.poller.register(self.in_w, select.POLLOUT)
                self.writing = True
        elif fd == self.s_err:
            self.s_err_data.append(data)
        else:
            self.err.append(data)
        return None

    def write(self) -> None:
        """Write what is pending to the reader; close its stdin once all
        is written and the source is done."""
        try:
            n = os.write(self.in_w, self.pending[:65536])
        except BrokenPipeError:
            n = len(self.pending)
        del self.pending[:n]
        if not self.pending:
            self.poller.unregister(self.in_w)
            self.writing = False
            if not self.source_open:
                self.close_input()

    def closed(self, fd: int) -> None:
        """``fd`` is at its end; when the source's are both, reap it."""
        self.poller.unregister(fd)
        os.close(fd)
        self.open_fds.discard(fd)
        self.source_open.discard(fd)
        if fd in (self.s_out, self.s_err) and not self.source_open:
            self.source.result = ProcResult(os.waitstatus_to_exitcode(
                os.waitpid(self.spid, 0)[1]), b'', b''.join(self.s_err_data))
            if not self.writing:
                self.close_input()

    def close_input(self) -> None:
        os.close(self.in_w)
        self.open_fds.discard(self.in_w)


class Logged:
    """Run a command (``wt``'s setup commands: not git) with stdin from
    ``/dev/null`` and stdout and stderr appended to the file ``log``;
    ``lines()`` yields what it writes, line by line, as it comes.

    The command's exit ends the run, not the end of its output: a process
    it started in the background (a dev server) keeps the log open and
    keeps running, writing there, without holding us up.  Once the command
    has exited, what the log holds is read once more and the reading
    stops; ``lingering`` then says whether processes of its group (it runs
    in its own, ``pgid``) are still alive (or not reaped yet).  With a ``timeout`` the whole
    group gets SIGTERM, then SIGKILL, and ``timed_out`` is set; closing
    ``lines()`` early (an interruption) stops it the same way.  Without
    ``posix_spawnp`` it starts through ``subprocess``."""

    def __init__(self, argv: Sequence[str], log: str, *,
                 env: dict[str, str] | None = None,
                 timeout: float | None = None) -> None:
        self.argv = list(argv)
        self.log = log
        self.env = env
        self.timeout = timeout
        self.returncode: int | None = None
        self.timed_out = False
        self.lingering = False
        self.pgid = 0

    def lines(self) -> Generator[bytes, None, None]:
        fd = os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND
                     | os.O_CLOEXEC, 0o600)
        try:
            start = os.fstat(fd).st_size
            poll, stop = self._start(fd)
        finally:
            os.close(fd)
        status: int | None = None
        deadline = None if self.timeout is None \
            else time.monotonic() + self.timeout
        pending = b''
        nap = 0.001
        try:
            with open(self.log, 'rb') as reader:
                reader.seek(start)
                while status is None:
                    status = poll()  # first: then the read sees all of it
                    data = reader.read()
                    if data:
                        *done, pending = (pending + data).split(b'\n')
                        yield from done
                        nap = 0.001
                    if status is None:
                        if deadline is not None and \
                                time.monotonic() >= deadline:
                            self.timed_out = True
                            status = stop()
                        else:
                            time.sleep(nap)
                            nap = min(nap * 2, 0.05)
                # after a timeout, what it wrote meanwhile
                pending += reader.read() if self.timed_out else b''
            *done, last = pending.split(b'\n')
            yield from done
            if last:
                yield last
        finally:
            if status is None:  # closed early or interrupted
                status = stop()
        self.returncode = status
        self.lingering = not self.timed_out and _group_alive(self.pgid)

    def _start(self, fd: int) -> tuple[Callable[[], int | None],
                                      Callable[[], int]]:
        """Start the command with ``fd`` as its stdout and stderr:
        (a non-blocking poll for its exit code, a stop of its group)."""
        if not _posix():
            return self._start_subprocess(fd)
        actions: list[tuple[int | str, ...]] = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, fd, 1),
            (os.POSIX_SPAWN_DUP2, fd, 2),
        ]
        environ = os.environ if self.env is None else self.env
        try:
            pid = os.posix_spawnp(self.argv[0], self.argv, environ,
                                  file_actions=actions, setpgroup=0)
        except OSError as e:
            raise GitError(f'cannot run {self.argv[0]}: {e.strerror}'
                           ) from None
        self.pgid = pid

        def poll() -> int | None:
            done, st = os.waitpid(pid, os.WNOHANG)
            return os.waitstatus_to_exitcode(st) if done else None

        def stop() -> int:
            return os.waitstatus_to_exitcode(stop_child(pid, group=True))

        return poll, stop

    def _start_subprocess(self, fd: int) -> tuple[
            Callable[[], int | None], Callable[[], int]]:
        import subprocess
        try:
            proc = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=fd, stderr=fd,
                env=os.environ if self.env is None else self.env,
                start_new_session=True)
        except OSError as e:
            raise GitError(f'cannot run {self.argv[0]}: {e.strerror}'
                           ) from None
        self.pgid = proc.pid

        def stop() -> int:
            import signal
            for sig in (signal.SIGTERM, signal.SIGKILL):
                os.killpg(proc.pid, sig)
                try:
                    return proc.wait(1.0)
                except subprocess.TimeoutExpired:
                    continue
            return proc.wait()  # pragma: no cover (SIGKILL: at once)

        return proc.poll, stop


def _group_alive(pgid: int) -> bool:
    """Does a process of the group ``pgid`` still run?"""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover (another user's, reused)
        return True
    return True


def _check(what: str, res: ProcResult) -> None:
    if res.returncode != 0:
        raise GitError(f"'{what}' failed: {stderr_tail(res)}")
