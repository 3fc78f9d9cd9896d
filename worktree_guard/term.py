"""The terminal: whether to colour, the colours, and a progress line.

Cheap on purpose (the commit hook decides colour on every run): no
``curses``, no terminfo; the environment and ``isatty`` decide.
"""
from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Mapping
    from typing import TextIO

COLOR_CHOICES = ('auto', 'always', 'never')

# SGR sequences: bold, red, yellow, green, dim; RESET ends each.
BOLD = '1'
RED = '1;31'
YELLOW = '1;33'
GREEN = '32'
DIM = '2'
RESET = '\033[0m'


def use_colour(stream: TextIO, setting: str = 'auto',
               environ: Mapping[str, str] | None = None) -> bool:
    """Colour ``stream``?  The first that applies decides:

    1. ``--color always|never``;
    2. ``PRE_COMMIT_COLOR=always|never`` (pre-commit's own setting);
    3. ``NO_COLOR`` set and not empty: never (https://no-color.org);
    4. ``FORCE_COLOR`` set and not empty: always (https://force-color.org);
    5. ``TERM=dumb``: never;
    6. whether ``stream`` is a terminal (pre-commit runs a hook in a
       pseudo-terminal when it colours its own output).
    """
    if setting != 'auto':
        return setting == 'always'
    env = os.environ if environ is None else environ
    pc = env.get('PRE_COMMIT_COLOR')
    if pc in ('always', 'never'):
        return pc == 'always'
    if env.get('NO_COLOR'):
        return False
    if env.get('FORCE_COLOR'):
        return True
    if env.get('TERM') == 'dumb':
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


def paint(text: str, sgr: str, on: bool) -> str:
    return f'\033[{sgr}m{text}{RESET}' if on else text


class Progress:
    """``progress(done, total)``: one line on ``stream``, redrawn in place
    (``\\r``), shown only when ``total`` exceeds ``minimum``; ``close()``
    clears it.  Build it only for a terminal (``for_terminal``)."""

    __slots__ = ('stream', 'what', 'minimum', 'shown')

    def __init__(self, stream: TextIO, what: str,
                 minimum: int = 1000) -> None:
        self.stream = stream
        self.what = what
        self.minimum = minimum
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total <= self.minimum:
            return
        self.shown = True
        self.stream.write(f'\r\033[Kworktree-guard: {self.what} '
                          f'{done:,}/{total:,}')
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write('\r\033[K')
            self.stream.flush()
            self.shown = False


def for_terminal(what: str,
                 environ: Mapping[str, str] | None = None) -> Progress | None:
    """A progress line on stderr, or ``None`` when stderr is no terminal,
    or when pre-commit runs us (it shows a hook's output only at its
    end, so a redrawn line would be noise)."""
    env = os.environ if environ is None else environ
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        tty = False
    if not tty or env.get('PRE_COMMIT') == '1' or env.get('TERM') == 'dumb':
        return None
    return Progress(sys.stderr, what)
