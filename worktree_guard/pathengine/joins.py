"""Line continuations: a shell script's (and a Makefile recipe's) logical
lines.

The shell removes a backslash-newline before it splits words, so
``cp a ..\\`` + newline + ``/x`` copies to ``../x``; make hands a recipe's
backslash-newlines to the shell, and drops the recipe tab that starts the
next line.  ``join`` copies a change with the continuations of its shell
and Makefile regions removed (in a patch: over the removed lines, up to
the next line of the new file), so every pattern and site sees the token
as the shell does; ``Joined.remap`` puts each finding back where its
token starts in the original, with its line and column there, the token
shown joined.  A patch's logical line counts as added when one of its
lines is; a finding on it stays when its token touches an added line.
All of it is linear in the size of the change: each continuation is
found once, and findings map back through one sorted table.

Not joined: a backslash that a backslash escapes (``\\\\``), a comment
line's, the ``\\ No newline`` marker's line in a patch, and a Makefile's
non-recipe lines (make turns their continuations into a blank).  Quoting
is not read: inside single quotes or a quoted here-document, where the
shell keeps them, continuations are joined too.
"""
from __future__ import annotations

from bisect import bisect_right

from worktree_guard.pathengine import text
from worktree_guard.pathengine.conventions import is_make

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import PathChange
    from worktree_guard.pathengine.findings import Finding

_NL, _BACKSLASH, _TAB = 0x0A, 0x5C, 0x09
_PLUS, _SPACE, _MINUS, _HASH = 0x2B, 0x20, 0x2D, 0x23
CONTINUATION = b'\\\n'


def joinable(path: str, data: bytes, rs: int, patch: bool) -> str | None:
    """``shell`` or ``make`` when the region's continuations are joined,
    else None."""
    if is_make(path):
        return 'make'
    if text.file_kind(path, text.region_head(data, rs, patch)) == text.SHELL:
        return 'shell'
    return None


class Joined:
    """A joined copy of a change (``change``) and how to map it back."""

    __slots__ = ('change', 'original', 'breaks', 'shifts', 'marked')

    def __init__(self, change: PathChange, original: PathChange,
                 breaks: list[int], shifts: list[int],
                 marked: list[tuple[int, int, bool]]) -> None:
        self.change = change
        self.original = original
        # From joined offset breaks[i] on, the original is shifts[i] on.
        self.breaks = breaks
        self.shifts = shifts
        # A patch's logical lines whose first line is no added line but
        # another is: (joined start, joined end, added) per line of it.
        self.marked = marked

    def orig(self, j: int) -> int:
        """The original offset of the joined offset ``j``."""
        i = bisect_right(self.breaks, j) - 1
        return j + (self.shifts[i] if i >= 0 else 0)

    def remap(self, found: list[tuple[int, int, Finding]]) -> list[Finding]:
        """The findings (sorted by joined start) at their original lines
        and columns; in a patch, those whose token touches an added
        line."""
        from worktree_guard.pathengine.tokens import LineCounter
        data = self.original.data
        patch = self.original.patch
        regions = self.original.regions
        starts = [r[0] for r in regions]
        counter = LineCounter(data, patch)
        marked = self.marked
        mstarts = [m[0] for m in marked]
        out: list[Finding] = []
        ls = pos = chars = -1
        for ts, te, f in found:
            if marked and not _touches_added(marked, mstarts, ts, te):
                continue
            o = self.orig(ts)
            ri = bisect_right(starts, o) - 1
            rs = regions[ri][0]
            if ls < rs or data.find(b'\n', pos, o) != -1:
                ls = data.rfind(b'\n', max(rs, pos), o) + 1 or rs
                pos = ls + (patch and data[ls] != _NL)
                chars = 0
            chars += len(data[pos:o].decode('utf-8', 'surrogateescape'))
            pos = o
            f.line = counter.line(ri, rs, ls)
            f.col = chars + 1
            out.append(f)
        return out


def _touches_added(marked: list[tuple[int, int, bool]], mstarts: list[int],
                   ts: int, te: int) -> bool:
    i = bisect_right(mstarts, ts) - 1
    if i < 0 or marked[i][1] <= ts:
        return True   # not on a marked line: judged as the engine said
    while i < len(marked) and marked[i][0] < te:
        if marked[i][2]:
            return True
        i += 1
    return False


def join(change: PathChange) -> Joined | None:
    """The change with the continuations of its shell and Makefile
    regions joined, or None when it has none."""
    from worktree_guard.model import PathChange
    data = change.data
    patch = change.patch
    out = bytearray()
    breaks: list[int] = []
    shifts: list[int] = []
    marked: list[tuple[int, int, bool]] = []
    regions: list[tuple[int, int, str]] = []
    copied = 0   # original offset copied up to
    for rs, rend, path in change.regions:
        i = data.find(CONTINUATION, rs, rend)
        how = joinable(path, data, rs, patch) if i != -1 else None
        removed = copied - len(out)
        if how is None:
            regions.append((rs - removed, rend - removed, path))
            continue
        out += data[copied:rs]
        copied = rs
        jrs = len(out)
        cont = -1      # where the last continuation line starts
        first = -1     # the logical line's first line (original offset)
        segs: list[tuple[int, int, bool]] = []   # its lines (patch)
        while i != -1:
            nxt = data.find(CONTINUATION, i + 2, rend)
            j = i
            while j > rs and data[j - 1] == _BACKSLASH:
                j -= 1
            odd = (i - j) % 2 == 0   # the backslash is no escaped one
            ls = data.rfind(b'\n', rs, i) + 1 or rs
            if ls != cont:
                # A new logical line: does it join its continuations?
                _flush(segs, marked)
                first, segs = ls, []
                if not _opens(data, ls, i, patch, how):
                    i = nxt
                    continue
            k = _next_line(data, i + 2, rend, patch) if odd else -1
            if k == -1:
                i = nxt
                continue
            skip = k + (patch and data[k] != _NL)
            if how == 'make' and data[skip:skip + 1] == b'\t':
                skip += 1
            out += data[copied:i]
            if patch:
                if not segs:
                    jfirst = len(out) - (i - first)
                    segs.append((jfirst, len(out), data[first] == _PLUS))
                end = data.find(b'\n', skip, rend)
                end = rend if end == -1 else end
                plus = data[k] == _PLUS
                segs.append((len(out), len(out) + end - skip, plus))
                if plus:
                    # Added to a context line: the logical line is added.
                    out[segs[0][0]] = _PLUS
            copied = skip
            breaks.append(len(out))
            shifts.append(copied - len(out))
            cont = k
            i = nxt
        _flush(segs, marked)
        out += data[copied:rend]
        copied = rend
        regions.append((jrs, len(out), path))
    if not breaks:
        return None
    out += data[copied:]
    joined = PathChange(change.ref, change.entries, bytes(out), regions,
                        patch)
    return Joined(joined, change, breaks, shifts, marked)


def _flush(segs: list[tuple[int, int, bool]],
           marked: list[tuple[int, int, bool]]) -> None:
    """Keep a patch's logical line whose first line is no added one but
    another is: its findings must touch an added line."""
    if segs and not segs[0][2] and any(s[2] for s in segs):
        marked += segs


def _opens(data: bytes, ls: int, i: int, patch: bool, how: str) -> bool:
    """Does the line [ls, i) start a logical line whose continuations
    join: a line of the new file, no comment, in a Makefile a recipe."""
    cs = ls
    if patch:
        if data[ls] not in (_PLUS, _SPACE):
            return False
        cs += 1
    if how == 'make':
        return data[cs] == _TAB
    return not data[cs:i].lstrip().startswith(b'#')


def _next_line(data: bytes, k: int, rend: int, patch: bool) -> int:
    """Where the line that continues the one before ``k`` starts (in a
    patch: the next line of the new file), or -1: none."""
    if not patch:
        return k if k < rend else -1
    back = False
    while k < rend:
        c = data[k]
        if c == _MINUS or (c == _BACKSLASH and back):
            back = c == _MINUS
            k = data.find(b'\n', k, rend) + 1 or rend
            continue
        return -1 if c in (_BACKSLASH, 0x40) else k
    return -1
