"""Tokens: from a pattern's hit to the path as written, on its line.

A hit is widened to its whole path token (``token``, ``trim``), a quoted
``'..'`` to the path of the ``join(...)`` call it is an argument of
(``joined``), a link's ``#fragment`` dropped (``clean``); a
``worktree-guard: allow`` comment silences a line (``suppressed``); and
line numbers are counted only for real findings (``LineCounter``).
"""
from __future__ import annotations

from worktree_guard.pathengine.patterns import FILE_DIR
from worktree_guard.pathengine.patterns import JOIN
from worktree_guard.pathengine.patterns import rx

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

_SUPPRESS = rb'worktree-guard:[ \t]*allow(-next-line)?'
_HUNK = rb'@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)'
# What ends a path token: blanks, quotes, brackets, separators.
_DELIMS = frozenset(b' \t\r\n\v\f"\'`()[]{}<>,;|=')
_TRAILING = frozenset(b',:;!?*\\')


def clean(t: str) -> str:
    """A link's path without its ``#fragment`` or ``?query`` (a ``?``
    or ``#`` followed by more path is a glob or a name, kept)."""
    for mark in '#?':
        head, sep, tail = t.partition(mark)
        if sep and '/' not in tail:
            t = head
    return t


def joined(line: str, at: int, calls: list[Any] | None = None,
           cd_end: int | None = None) -> tuple[str, str, int] | None:
    """For a quoted ``'..'`` at ``at``: (base, joined path) of the
    ``join(...)`` call it is an argument of; base ``file`` when the first
    argument is this file's folder, else ``cwd``.  ``calls`` (the line's
    ``JOIN`` matches) and ``cd_end`` (``cd_end(line)``) are the line's,
    when the caller has them."""
    for m in (rx(JOIN).finditer(line) if calls is None else calls):
        if not m.start(1) <= at < m.end(1):
            continue
        args = _split_args(m.group(1))
        base = 'cwd'
        parts: list[str] = []
        for i, arg in enumerate(args):
            a = arg.strip()
            if len(a) >= 2 and a[0] in '\'"' and a[-1] == a[0]:
                parts.append(a[1:-1])
            elif i == 0 and a in FILE_DIR:
                base = 'file'
            else:
                return None   # a variable: relative to something unknown
        return base, '/'.join(parts), m.start(1)
    if cd_end is None:
        cd_end = first_cd_end(line)
    if 0 <= cd_end <= at:
        return 'cwd', '..', at
    return None


def first_cd_end(line: str) -> int:
    """Where the first ``chdir(`` or ``cd(`` of ``line`` ends (-1: none):
    the text before ``at`` holds one when this is at most ``at``."""
    ends = [i + len(word) for word in ('chdir(', 'cd(')
            if (i := line.find(word)) >= 0]
    return min(ends) if ends else -1


def _split_args(s: str) -> list[str]:
    out, depth, cur, quote = [], 0, [], ''
    for c in s:
        if quote:
            cur.append(c)
            if c == quote:
                quote = ''
            continue
        if c in '\'"':
            quote = c
        elif c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
        elif c == ',' and depth == 0:
            out.append(''.join(cur))
            cur = []
            continue
        cur.append(c)
    out.append(''.join(cur))
    return out


def trim(data: bytes, ts: int, te: int) -> tuple[int, int] | None:
    while te > ts and (data[te - 1] in _TRAILING or (
            data[te - 1] == 0x2E and te - 2 >= ts and data[te - 2] != 0x2E)):
        te -= 1
    return (ts, te) if te > ts else None


class Heads:
    """Where the tokens of a line's hits start, for hits in increasing
    order (issue 23): each walk back stops at the previous hit, so a line
    of many hits costs linear time, not one walk to the line's start per
    hit.  ``find`` returns the first byte after the last delimiter before
    the hit and the last ``:`` between the two (-1: none)."""

    __slots__ = ('data', 'cs', 'pos', 'ts', 'colon')

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.cs = self.pos = self.ts = self.colon = -1

    def find(self, cs: int, pos: int) -> tuple[int, int]:
        data = self.data
        again = cs == self.cs and self.pos <= pos
        lo = self.pos if again else cs
        t = pos
        while t > lo and data[t - 1] not in _DELIMS:
            t -= 1
        if t == lo and again:
            # No delimiter since the last hit: the same token.
            ts, colon = self.ts, max(self.colon, data.rfind(b':', lo, pos))
        else:
            ts, colon = t, data.rfind(b':', t, pos)
        self.cs, self.pos, self.ts, self.colon = cs, pos, ts, colon
        return ts, colon


def token(data: bytes, cs: int, pos: int, te: int,
          tag: int, heads: Heads | None = None) -> tuple[int, int] | None:
    """The path token of a hit [pos, te): [start, end) in ``data``.

    The pattern matched the token's tail; here the head is found (a path
    may start before ``../``), colons split (`PATH=a:../b`, `file.py:12`),
    URLs are left alone except ``file://``, and trailing punctuation goes.
    ``heads`` (one per pattern's hits) finds the head in linear time over
    a line.
    """
    if tag == 1:
        # A Windows drive path: the drive letter starts the token.
        ts = pos - 1
        if ts < cs or not chr(data[ts]).isalpha() or (
                ts > cs and data[ts - 1] not in _DELIMS):
            return None
    else:
        ts, colon = (heads or Heads(data)).find(cs, pos)
        if colon != -1:   # ts <= colon < pos
            if data[colon + 1:colon + 3] == b'//':
                if data[colon - 4:colon].lower() != b'file':
                    return None   # a URL (scheme://...): left alone
                if data[colon + 3:colon + 4] != b'/':
                    return None   # file://host/...
                ts = colon + 3
            else:
                ts = colon + 1
    while ts < te and data[ts] == 0x2A and data[ts + 1:ts + 2] != b'/':
        ts += 1   # markdown emphasis, not a glob
    return trim(data, ts, te)


def suppressed(data: bytes, rs: int, ls: int, cs: int, le: int,
               patch: bool) -> bool:
    """``worktree-guard: allow`` on the line, or ``allow-next-line`` on the
    line before it (in the new file)."""
    r = rx(_SUPPRESS)
    for m in r.finditer(data, cs, le):
        if m.group(1) is None:
            return True
    end = ls - 1
    while end > rs:
        start = data.rfind(b'\n', rs, end) + 1 or rs
        if patch:
            first = data[start]
            if first in (0x2D, 0x5C):   # removed line, "\ No newline"
                end = start - 1
                continue
            if first == 0x40:           # the hunk header: nothing before
                return False
            start += first != 0x0A
        return any(m.group(1) for m in r.finditer(data, start, end))
    return False


class LineCounter:
    """New-file line numbers of line starts, counted incrementally."""

    def __init__(self, data: bytes, patch: bool) -> None:
        self.data = data
        self.patch = patch
        self.key = (-1, -1)
        self.pos = 0
        self.count = 0

    def line(self, ri: int, rs: int, ls: int) -> int:
        data = self.data
        if self.patch:
            hh = data.rfind(b'\n@@ ', rs - 1, ls) + 1
            key = (ri, hh)
            if key != self.key or self.pos > ls:
                he = data.find(b'\n', hh) + 1
                m = rx(_HUNK).match(data, hh)
                assert m is not None   # every hunk starts with a header
                self.key, self.pos, self.count = key, he, int(m.group(1))
            pos = self.pos
            n = data.count(b'\n', pos, ls) - data.count(
                b'\n-', pos - 1, ls) - data.count(b'\n\\', pos - 1, ls)
        else:
            key = (ri, 0)
            if key != self.key or self.pos > ls:
                self.key, self.pos, self.count = key, rs, 1
            n = data.count(b'\n', self.pos, ls)
        self.pos = ls
        self.count += n
        return self.count
