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


def joined(line: str, at: int) -> tuple[str, str, int] | None:
    """For a quoted ``'..'`` at ``at``: (base, joined path) of the
    ``join(...)`` call it is an argument of; base ``file`` when the first
    argument is this file's folder, else ``cwd``."""
    for m in rx(JOIN).finditer(line):
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
    if 'chdir(' in line[:at] or 'cd(' in line[:at]:
        return 'cwd', '..', at
    return None


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


def token(data: bytes, cs: int, pos: int, te: int,
          tag: int) -> tuple[int, int] | None:
    """The path token of a hit [pos, te): [start, end) in ``data``.

    The pattern matched the token's tail; here the head is found (a path
    may start before ``../``), colons split (`PATH=a:../b`, `file.py:12`),
    URLs are left alone except ``file://``, and trailing punctuation goes.
    """
    if tag == 1:
        # A Windows drive path: the drive letter starts the token.
        ts = pos - 1
        if ts < cs or not chr(data[ts]).isalpha() or (
                ts > cs and data[ts - 1] not in _DELIMS):
            return None
    else:
        ts = pos
        while ts > cs and data[ts - 1] not in _DELIMS:
            ts -= 1
        if ts < pos:
            colon = data.rfind(b':', ts, pos)
            if colon != -1:
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
