"""Processes die with the hook (issue 13).

``timeout git push`` sends SIGTERM, a closed terminal SIGHUP.  Python's
default for both is to die on the spot, which leaves a ``git fetch`` (in
its own process group, with its ``git-remote-http`` child) running for
ever.  While worktree-guard runs, SIGTERM and SIGHUP raise ``Stopped``
instead (SIGINT already raises ``KeyboardInterrupt``): the stack unwinds,
and ``spawn`` stops its child's process group on the way out
(``gitctx.process.stop_child``).  The exit status is then ``128 + signal``.
"""
from __future__ import annotations

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import signal
    from types import FrameType
    from typing import Any
else:  # the C module: `signal` itself imports enum (~5 ms of a hook)
    try:
        import _signal as signal
    except ImportError:  # pragma: no cover (CPython always has it)
        import signal

CAUGHT = (signal.SIGTERM, signal.SIGHUP)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwind, stopping children on the way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def install() -> dict[int, Any]:
    """Catch SIGTERM and SIGHUP; returns the handlers to put back.  Outside
    the main thread (signals cannot be caught there) nothing changes."""
    saved: dict[int, Any] = {}
    for sig in CAUGHT:
        try:
            saved[sig] = signal.signal(sig, _raise)
        except ValueError:  # not the main thread
            break
    return saved


def restore(saved: dict[int, Any]) -> None:
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def exit_status(e: KeyboardInterrupt) -> int:
    """``128 + signal``, as a shell reports a process a signal stopped."""
    return 128 + getattr(e, 'signum', signal.SIGINT)
