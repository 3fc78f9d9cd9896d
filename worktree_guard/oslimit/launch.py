"""Start the sandboxed command, wait for it, return its exit code.

Landlock: the ruleset is built in this process, then a forked child
restricts itself and execs the command, so this process (which prints
the hint afterwards, and writes coverage data in the tests) stays free.
A pipe, closed on exec, tells whether the exec happened.  bubblewrap is
started with ``posix_spawn``; its JSON status lines tell whether the
command ran.  SIGTERM and SIGHUP (``signals``) and SIGINT are passed on
to the child; a child a signal stopped gives ``128 + signal``.
"""
import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import signal
else:  # the C module: `signal` itself imports enum (as in `signals`)
    try:
        import _signal as signal
    except ImportError:  # pragma: no cover (CPython always has it)
        import signal

# Python ignores these at start-up; the command gets the defaults back.
RESET = (signal.SIGPIPE, signal.SIGXFSZ)
NOT_FOUND = 127
NOT_EXECUTABLE = 126


class LaunchError(Exception):
    """The command did not run: ``code`` is the exit code to return."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _forward(pid: int, e: KeyboardInterrupt) -> None:
    """Pass SIGINT, or SIGTERM/SIGHUP (``signals.Stopped``), on."""
    try:
        os.kill(pid, getattr(e, 'signum', signal.SIGINT))
    except ProcessLookupError:  # pragma: no cover (already gone: a race)
        pass


def _wait(pid: int) -> tuple[int, bool]:
    """(exit code, whether a signal was passed on to the child)."""
    forwarded = False
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except KeyboardInterrupt as e:
            _forward(pid, e)
            forwarded = True
    code = os.waitstatus_to_exitcode(status)
    return (128 - code if code < 0 else code), forwarded


def _read_all(fd: int) -> bytes:
    chunks: list[bytes] = []
    try:
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                return b''.join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


def _exec_error(cmd: list[str], err: int) -> LaunchError:
    import errno
    if err == errno.ENOENT:
        return LaunchError(f'{cmd[0]}: command not found', NOT_FOUND)
    return LaunchError(f'{cmd[0]}: {os.strerror(err)}', NOT_EXECUTABLE)


def landlock(ruleset_fd: int, cmd: list[str], env: dict[str, str]) -> int:
    """Run ``cmd`` restricted by the Landlock ruleset ``ruleset_fd``."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover (the forked child: it execs or exits, so coverage cannot record it; test_sandbox.py checks what it does)
        try:
            os.close(r)
            for sig in RESET:
                signal.signal(sig, signal.SIG_DFL)
            from worktree_guard.oslimit import landlock
            try:
                landlock.enforce(ruleset_fd)
            except landlock.LandlockError as e:
                os.write(w, b'L' + str(e).encode())
                os._exit(2)
            try:
                os.execvpe(cmd[0], cmd, env)
            except OSError as e:
                os.write(w, b'E%d' % (e.errno or 0))
        finally:
            os._exit(NOT_FOUND)
    os.close(w)
    try:
        report = _read_all(r)
    except KeyboardInterrupt as e:  # pragma: no cover (a signal in the moment before the exec)
        _forward(pid, e)
        report = b''
    code, _ = _wait(pid)
    if report.startswith(b'L'):
        raise LaunchError('Landlock refused to restrict the command ('
                          f'{report[1:].decode(errors="replace")}); it did '
                          'not run', 2)
    if report.startswith(b'E'):
        raise _exec_error(cmd, int(report[1:]))
    return code


def bwrap(argv: list[str], status_w: int, status_r: int,
          env: dict[str, str]) -> int:
    """Run bubblewrap's ``argv`` (which names ``status_w`` as its
    ``--json-status-fd``); a ``LaunchError`` when bwrap could not set up
    the sandbox."""
    from worktree_guard.oslimit.bwrap import ran
    os.set_inheritable(status_w, True)
    try:
        pid = os.posix_spawn(argv[0], argv, env, setsigdef=RESET)
    finally:
        os.close(status_w)
    code, forwarded = _wait(pid)
    status = _read_all(status_r)
    if code != 0 and not forwarded and not ran(status):
        raise LaunchError('bubblewrap could not set up the sandbox (its '
                          'message is above); the command did not run', 2)
    return code
