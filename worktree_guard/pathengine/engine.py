"""The path engine: candidates in bytes, their context, and verdicts.

Scanning runs on the raw bytes git produced (one patch, or one ``cat-file
--batch`` output) with patterns that each start with a literal (``../``,
``/home/``, a checkout's absolute path, ``trees/``), so ``re`` skips
between candidates at memchr speed and is imported only when a literal
occurs.  Only candidates become Python work: each is widened to its path
token, decoded (``text.decode``), placed in its file (``lines.Model``,
built only for regions with a candidate), and judged once per distinct
(token, place); line numbers are counted only for real findings.

This module is the scan loop and the public ``Engine``; each job it
runs has its own module:

- ``patterns``: the spellings of a candidate and when each pattern runs;
- ``tokens``: from a hit to the token as written, suppression comments,
  line numbers;
- ``sites``: where a token sits in its file (docs, code blocks, comments,
  links, the shell's ``cd``) and the confidence that gives;
- ``findings``: the verdict on a token at a site, and its fix;
- ``places``: the checkouts, and where a path lands in them;
- ``symlinks``: the verdict on a committed symlink.
"""
from __future__ import annotations

from worktree_guard.pathengine import patterns as _patterns
from worktree_guard.pathengine.places import Places

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.model import PathChange
    from worktree_guard.pathengine.findings import Finding
    from worktree_guard.pathengine.findings import Verdict
    from worktree_guard.pathengine.places import Context
    from worktree_guard.pathengine.places import Place

_PLUS = 0x2B


class Engine:
    """The shared judge.  Build one per run from a ``Context``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.places = places = Places(ctx)
        self.wroot = places.wroot
        self.specs = _patterns.specs(places.wroot, places.forms,
                                     ctx.home)

    # -- places and symlinks ---------------------------------------------------

    def allowed(self, token: str) -> bool:
        """``paths.allow`` allows ``token``."""
        return self.places.allowed(token)

    def judge(self, path: str, cwd: str) -> Place:
        """Where ``path`` lands when typed in the absolute folder ``cwd``
        (``Places.judge``)."""
        return self.places.judge(path, cwd)

    def worktree_key(self, path: str) -> str | None:
        """The worktree folder a staged path is in, or None."""
        return self.places.worktree_key(path)

    def symlink(self, path: str, target: str) -> Finding | None:
        """The finding on a committed symlink ``path -> target`` (the
        module is loaded for the first symlink: most changes have none)."""
        from worktree_guard.pathengine.symlinks import symlink
        return symlink(self.places, path, target)

    # -- content -----------------------------------------------------------------

    def scan(self, path: str, data: bytes,
             added_lines: set[int] | None = None) -> list[Finding]:
        """Findings in one file's whole content; with ``added_lines``
        only those on these (1-based) lines."""
        from worktree_guard.model import PathChange
        found = self.scan_change(PathChange(None, [], data,
                                            [(0, len(data), path)]))
        if added_lines is None:
            return found
        return [f for f in found if f.line in added_lines]

    def scan_change(self, change: PathChange) -> list[Finding]:
        """Findings in the text regions of one change, in order."""
        if not change.regions:
            return []
        if b'\\\n' in change.data:
            # A shell script or Makefile recipe read as its logical lines.
            from worktree_guard.pathengine import joins
            joined = joins.join(change)
            if joined is not None:
                return joined.remap(self._scan(joined.change))
        return [f for _, _, f in self._scan(change)]

    def _scan(self, change: PathChange) -> list[tuple[int, int, Finding]]:
        """The findings of ``scan_change``, each with its token's span
        in ``change.data``, sorted."""
        found: list[tuple[int, int, Finding]] = []
        seen: set[int] = set()
        memo: dict[tuple[Any, ...], Verdict | None] = {}
        data = change.data
        models: dict[int, Any] = {}
        for literals, source, tag, need in self.specs:
            gate = _patterns.GATES.get(literals[0])
            if gate is not None and gate not in data:
                continue
            if (need is None or need in data) and any(
                    lit in data for lit in literals):
                pat = _patterns.pattern(literals, source, tag)
                self._hits(change, pat.finditer(data) if need is None
                           else _near(data, pat, need), tag % 5, seen, memo,
                           found, models)
        found.sort(key=lambda pv: pv[0])
        return found

    def _hits(self, change: PathChange, hits: Any, tag: int, seen: set[int],
              memo: dict[tuple[Any, ...], Verdict | None],
              found: list[tuple[int, int, Finding]],
              models: dict[int, Any]) -> None:
        """Judge the tokens around each hit of one pattern (``hits``,
        its matches in order)."""
        # Loaded on the first pattern that runs (a buffer holds one of its
        # literals): a change with none never pays for them.
        from worktree_guard.pathengine import findings as _findings
        from worktree_guard.pathengine import sites as _sites
        from worktree_guard.pathengine import tokens as _tokens
        places = self.places
        site_of = _sites.site
        data = change.data
        regions = change.regions
        patch = change.patch
        lines = _tokens.LineCounter(data, patch)
        heads = _tokens.Heads(data)
        ri, nreg = 0, len(regions)
        rs, rend, path = regions[0]
        # The current line [ls, le) and whether it is suppressed: a line's
        # hits share them, so a line of many hits is read once (issue 23).
        ls = le = -1
        quiet: bool | None = None
        for m in hits:
            pos, end = m.span()
            if pos >= rend:
                ri = _region_of(regions, ri + 1, pos)
                if ri == nreg:
                    return
                rs, rend, path = regions[ri]
                ls = le = -1
            if pos < rs:
                continue
            if not ls <= pos < le:
                ls = data.rfind(b'\n', max(rs, le), pos) + 1 or rs
                le = _line_end(data, pos, rend)
                quiet = None
            if patch:
                if data[ls] != _PLUS:
                    continue   # context or removed line, or a hunk header
                cs = ls + 1
            else:
                cs = ls
            if tag >= 2:
                span: tuple[int, int] | None = _tokens.trim(
                    data, m.start(1), m.end(1))
            else:
                span = _tokens.token(data, cs, pos, end, tag, heads)
            if span is None or span[0] in seen:
                continue
            ts, te = span
            seen.add(ts)
            raw = data[ts:te]
            site = site_of(places, change, ri, rs, rend, path, cs, ts, le,
                           tag, models)
            verdict = None if site is None else _verdict(
                places, raw, site, tag, cs, seen, memo)
            if verdict is None:
                continue
            if quiet is None:
                quiet = _tokens.suppressed(data, rs, ls, cs, le, patch)
            if quiet:
                continue
            kind, msg, fix, severity, reason, repl = verdict
            assert site is not None
            token = site[5] if tag == 3 and site[5] else raw.decode(
                'utf-8', 'surrogateescape')
            col = _sites.column(models, data, cs, le, ts)
            found.append((ts, te, _findings.Finding(
                kind, msg, path=path, line=lines.line(ri, rs, ls), col=col,
                token=token, severity=severity, reason=reason, fix=fix,
                replacement=repl)))


def _region_of(regions: list[tuple[int, int, str]], ri: int,
               pos: int) -> int:
    """The first region from ``ri`` on that ends after ``pos``
    (``len(regions)``: none)."""
    while ri < len(regions) and regions[ri][1] <= pos:
        ri += 1
    return ri


def _line_end(data: bytes, pos: int, rend: int) -> int:
    """The end of the line at ``pos`` in a region ending at ``rend``."""
    le = data.find(b'\n', pos, rend)
    return rend if le == -1 else le


def _verdict(places: Places, raw: bytes, site: tuple[Any, ...], tag: int,
             cs: int, seen: set[int],
             memo: dict[tuple[Any, ...], Verdict | None]) -> Verdict | None:
    """The verdict on the token ``raw`` at ``site`` (its line starts at
    ``cs``), judged once per (token, site, tag); ``None`` for a second
    token of one join(...) call (one finding per call, at its first
    ``..``)."""
    if tag == 3:
        call = ~(cs + site[7])
        if call in seen:
            return None
        seen.add(call)
    key = (raw, site, tag)
    if key in memo:
        return memo[key]
    from worktree_guard.pathengine import findings as _findings
    verdict = memo[key] = _findings.classify(
        places, raw.decode('utf-8', 'surrogateescape'), site, tag)
    return verdict


def _near(data: bytes, pat: Any, need: bytes) -> Any:
    """The matches of ``pat`` on the lines that hold ``need`` (every hit
    of a checkout's loose spelling holds its longest component, on one
    line): a pattern that opens on ``/+`` is tried at every slash of the
    buffer otherwise."""
    end = -1   # the end of the last line searched
    at = data.find(need)
    while at != -1:
        if at > end:
            ls = data.rfind(b'\n', 0, at) + 1
            end = data.find(b'\n', at)
            if end == -1:
                end = len(data)
            yield from pat.finditer(data, ls, end)
        at = data.find(need, at + len(need))
