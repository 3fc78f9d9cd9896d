"""Markdown contexts from a CommonMark parser (markdown-it-py).

``build`` returns a ``lines.Model`` for one Markdown region (a whole
file, or the new-file lines of one hunk): what the hand scanner of
``lines`` cannot see, the parser does.

- fenced blocks (```lang, ~~~) and indented code blocks: the block's
  language, and the shell's ``cd`` in shell blocks;
- code spans, also across a line break, and HTML ``<code>``, ``<kbd>``,
  ``<samp>``, ``<tt>`` (in HTML blocks and inline, as in table cells):
  inline code (``CODE``); the rest of a paragraph is prose (``PROSE``),
  so a backtick the parser does not pair is no code span;
- HTML ``<pre>`` (in HTML blocks and inline) and HTML comments
  (``<!-- cd listings/x ... cd ../../.. -->``): commands for the reader,
  with their ``cd`` tracked.

The parser reports block tokens with line maps and inline tokens with
none; two inline rules are wrapped to record where in their inline text
a code span and a raw HTML tag start and end, and each inline text's
lines are matched back to the source lines.  A hunk is parsed as it
comes (it starts outside any block, as in ``lines``); a line the map
cannot place keeps the hand reading (``sites`` counts backticks).

markdown-it-py is loaded on the first Markdown region that holds a
candidate and Markdown that matters here (a backtick, ``~~~`` or ``<``,
``markup``); the others keep the plain reading.  The blocks of such a
region are parsed at once; the inline text of a paragraph, heading,
HTML block or table row only when a token is first placed in it
(``_Lazy.at``), since most of a doc's paragraphs hold no candidate.
``markdown_it`` is imported here only (an import-linter contract).
"""
from __future__ import annotations

from worktree_guard.pathengine import lines as _lines

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

# Inline kinds (``Model`` states in prose lines carry them in place of
# the shell folder): a code span or HTML code, or prose.
CODE = _lines.CODE
PROSE = _lines.PROSE
_PRE, _COMMENT = 'pre', 'comment'
_CODE_TAGS = ('code', 'kbd', 'samp', 'tt')
_RECORDS = '_worktree_guard_spans'
_parser: Any = None


def markup(data: bytes, rs: int, rend: int) -> bool:
    """Does the region hold Markdown that makes a context: a backtick
    (code span, fence), ``~~~`` or ``<`` (HTML)?  Without any, every
    line reads as ``lines`` and ``sites`` read it by hand."""
    return (data.find(b'`', rs, rend) != -1 or data.find(b'<', rs, rend) != -1
            or data.find(b'~~~', rs, rend) != -1)


def _recording(rule: Any) -> Any:
    """An inline rule that also records where its code span or HTML
    token starts and ends in the inline text."""
    def rule_and_record(state: Any, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        ok: bool = rule(state, silent)
        if ok and not silent and len(state.tokens) > count:
            # The rule's own token (an unpaired backtick pushes none).
            tok = state.tokens[-1]
            state.env[_RECORDS].append((start, state.pos, tok.type,
                                        tok.content))
        return ok
    return rule_and_record


def _same(url: str) -> str:
    return url


def _any(url: str) -> bool:
    return True


def _md() -> Any:
    """The parser, built once: CommonMark with raw HTML and GFM tables;
    inline text is parsed by ``build``, one inline token at a time."""
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt
        from markdown_it.rules_inline import backtick
        from markdown_it.rules_inline import html_inline
        md: Any = MarkdownIt('commonmark', {'html': True}).enable('table')
        # Only where code spans and raw HTML are counts: emphasis is not
        # read, link targets are neither normalised nor validated (the
        # link's extent is the same), inline text is parsed by ``build``.
        md.disable(['inline', 'text_join', 'emphasis'])
        md.normalizeLink = md.normalizeLinkText = _same
        md.validateLink = _any
        md.inline.ruler.at('backticks', _recording(backtick))
        md.inline.ruler.at('html_inline', _recording(html_inline))
        _parser = md
    return _parser


def _tag(content: str) -> tuple[str, bool] | None:
    """(name, closing) of an HTML tag that makes a context, or None."""
    low = content[:8].lower()
    closing = low.startswith('</')
    name = low[2 if closing else 1:].split('>')[0].split()[0:1]
    if not name:
        return None
    if name[0] == 'pre':
        return _PRE, closing
    if name[0] in _CODE_TAGS:
        return CODE, closing
    return None


class _Spans:
    """Turns HTML tags and code spans, in the order of one text, into
    ranges (start, end, kind) of that text; ``<pre>`` holds its
    ``<code>``; an open range ends with the text."""

    __slots__ = ('out', 'open', 'kind', 'depth')

    def __init__(self) -> None:
        self.out: list[tuple[int, int, str]] = []
        self.open = -1
        self.kind = ''
        self.depth = 0

    def add(self, start: int, end: int, kind: str) -> None:
        if self.open < 0:
            self.out.append((start, end, kind))

    def tag(self, start: int, end: int, content: str) -> None:
        if content.startswith('<!--'):
            self.add(start, end, _COMMENT)
            return
        tag = _tag(content)
        if tag is None:
            return
        kind, closing = tag
        if self.open < 0 and not closing:
            self.open, self.kind, self.depth = start, kind, 1
        elif self.open >= 0 and kind == self.kind:
            self.depth += -1 if closing else 1
            if not self.depth:
                self.out.append((self.open, end, kind))
                self.open = -1

    def done(self, length: int) -> list[tuple[int, int, str]]:
        if self.open >= 0:
            self.out.append((self.open, length, self.kind))
        return self.out


def _html_spans(content: str) -> list[tuple[int, int, str]]:
    """The ranges of an HTML block: comments, ``<pre>``, HTML code."""
    spans = _Spans()
    i = content.find('<')
    while i != -1:
        if content.startswith('<!--', i):
            end = content.find('-->', i + 4)
            end = len(content) if end == -1 else end + 3
            spans.tag(i, end, '<!--')
        else:
            end = content.find('>', i) + 1
            if not end:
                break   # `<pre` and no `>`: no tag (text, or a broken one)
            spans.tag(i, end, content[i:end])
        i = content.find('<', end)
    return spans.done(len(content))


def _inline_spans(md: Any, content: str) -> list[tuple[int, int, str]]:
    """The ranges of one inline text: code spans, HTML code, ``<pre>``
    and comments, from the parser's own reading."""
    env: dict[str, Any] = {_RECORDS: []}
    md.inline.parse(content, md, env, [])
    spans = _Spans()
    for start, end, kind, text in env[_RECORDS]:
        if kind == 'code_inline':
            spans.add(start, end, CODE)
        else:
            spans.tag(start, end, text)
    return spans.done(len(content))


def _align(content: str, first: int, texts: list[str],
           cursor: dict[int, int] | None) -> list[tuple[int, int, int, int]]:
    """Where each line of a token's text sits in the source: (text
    offset, source line, column, length).  A paragraph's or HTML block's
    line ends its source line (the parser took a container's marker and
    the indent off its head, the last line's blanks off its end); a table
    cell is found after the cells before it on its row (``cursor``).  A
    line not found is left out (a tab the parser expanded)."""
    out = []
    off = 0
    for k, part in enumerate(content.split('\n')):
        li = first + k
        if li >= len(texts):
            break
        src = texts[li]
        if cursor is not None:
            out += _cell(part, off, li, src, cursor)
            off += len(part) + 1
            continue
        if src.endswith(part):
            col = len(src) - len(part)
        else:
            tail = src.rstrip()
            col = len(tail) - len(part) if tail.endswith(part) \
                else src.find(part)
        if col != -1:
            out.append((off, li, col, len(part)))
        off += len(part) + 1
    return out


def _cell(part: str, off: int, li: int, src: str,
          cursor: dict[int, int]) -> list[tuple[int, int, int, int]]:
    """Where a table cell's text sits on its row, after the cells before
    it; the parser unescaped its ``\\|``, so each piece between two
    pipes is placed on its own."""
    pieces = part.split('|')
    col = src.find('\\|'.join(pieces), cursor.get(li, 0))
    if col == -1:  # pragma: no cover (defensive: a cell is its row's text)
        return []
    out = []
    for piece in pieces:
        out.append((off, li, col, len(piece)))
        off += len(piece) + 1
        col += len(piece) + 2
    cursor[li] = col - 2
    return out


def _place(spans: list[tuple[int, int, str]],
           where: list[tuple[int, int, int, int]],
           ranges: list[tuple[int, int, int, int, str]]) -> None:
    """Map a token's ranges to (line, column) pairs of the source; a
    range with an end on a line not placed is left to the hand
    reading."""
    from bisect import bisect_right
    offs = [w[0] for w in where]
    for start, end, kind in spans:
        i = bisect_right(offs, start) - 1
        j = bisect_right(offs, max(start, end - 1)) - 1
        if i < 0:  # pragma: no cover (defensive: a first line is placed)
            continue
        o1, l1, c1, n1 = where[i]
        o2, l2, c2, n2 = where[j]
        if start - o1 > n1 or end - o2 > n2:
            continue
        ranges.append((l1, c1 + start - o1, l2, c2 + end - o2, kind))


def _blocks(tokens: list[Any]) -> tuple[
        dict[int, str | None], dict[tuple[int, int], list[tuple[Any, bool]]]]:
    """Per line, the code block it is in ('' for indented code; None:
    a fence's own line) when it is in one; and the units of inline text
    (a paragraph, a heading, an HTML block, a table row's cells) that may
    hold a span, by their lines, each token with whether it is a cell."""
    block: dict[int, str | None] = {}
    units: dict[tuple[int, int], list[tuple[Any, bool]]] = {}
    cell = False
    for tok in tokens:
        if tok.map is None:
            cell = tok.type in ('th_open', 'td_open')
            continue
        first, last = tok.map
        if tok.type == 'fence':
            info = tok.info.strip().lstrip('{.').split()
            lang = info[0].rstrip('}').lower() if info else ''
            body = tok.content.count('\n')
            for li in range(first, last):
                block[li] = lang if first < li <= first + body else None
        elif tok.type == 'code_block':
            for li in range(first, last):
                block[li] = ''
        elif tok.type in ('inline', 'html_block') and (
                '`' in tok.content or '<' in tok.content):
            units.setdefault((first, last), []).append((tok, cell))
    return block, units


def _ranges(md: Any, unit: list[tuple[Any, bool]], first: int,
            texts: list[str]) -> list[tuple[int, int, int, int, str]]:
    """The ranges of one unit, on its lines counted from ``first``."""
    ranges: list[tuple[int, int, int, int, str]] = []
    cursor: dict[int, int] = {}
    for tok, cell in unit:
        spans = (_inline_spans(md, tok.content) if tok.type == 'inline'
                 else _html_spans(tok.content))
        if spans:
            _place(spans, _align(tok.content, first, texts,
                                 cursor if cell else None), ranges)
    ranges.sort()
    return [(a - first, b, c - first, d, k) for a, b, c, d, k in ranges]


def build(data: bytes, rs: int, rend: int, patch: bool,
          folder: str) -> _lines.Model:
    """The line model of one Markdown region (see the module doc): its
    blocks now, the inline text of a unit when a token is first placed
    in it (most of a doc's paragraphs hold no candidate)."""
    rows = list(_lines.new_lines(data, rs, rend, patch))
    texts = [r[2] for r in rows]
    md = _md()
    block, units = _blocks(md.parse('\n'.join(texts) + '\n'))
    model = _Lazy(rows, units, folder, None if patch else PROSE)
    _Walk(model, folder, model.prose).run(rows, block, [])
    return model


class _Lazy(_lines.Model):
    """A Markdown region's model whose inline units are parsed when a
    token is first placed in one (``at``)."""

    __slots__ = ('rows', 'line_starts', 'pending', 'folder', 'prose')

    def __init__(self, rows: list[tuple[int, int, str]],
                 units: dict[tuple[int, int], list[tuple[Any, bool]]],
                 folder: str, prose: str | None) -> None:
        super().__init__()
        self.rows = rows
        self.line_starts = [r[0] for r in rows]
        self.folder = folder
        self.prose = prose
        self.pending: dict[int, tuple[int, int, list[tuple[Any, bool]]]] = {}
        for (first, last), unit in units.items():
            for li in range(first, last):
                self.pending[li] = (first, last, unit)

    def at(self, pos: int) -> tuple[str | None, str | None]:
        if self.pending:
            from bisect import bisect_right
            unit = self.pending.get(bisect_right(self.line_starts, pos) - 1)
            if unit is not None:
                self._parse(*unit)
        return super().at(pos)

    def _parse(self, first: int, last: int,
               unit: list[tuple[Any, bool]]) -> None:
        """Lay one unit's ranges over its lines, in place of their plain
        prose states."""
        from bisect import bisect_left
        for li in range(first, last):
            del self.pending[li]
        rows = self.rows[first:last]
        part = _lines.Model()
        _Walk(part, self.folder, self.prose).run(
            rows, {}, _ranges(_md(), unit, first, [r[2] for r in self.rows]))
        s0 = bisect_left(self.starts, rows[0][0])
        s1 = bisect_left(self.starts, self.rows[last][0]) \
            if last < len(self.rows) else len(self.starts)
        self.starts[s0:s1] = part.starts
        self.states[s0:s1] = part.states


class _Walk:
    """Lays the parsed contexts over the region's lines, in order."""

    __slots__ = ('model', 'shell', 'cwd', 'lang', 'at', 'prose')

    def __init__(self, model: _lines.Model, folder: str,
                 prose: str | None) -> None:
        # What prose outside a code span is: PROSE in a whole file; in a
        # hunk (None) a span may have opened above it, so the backticks
        # before a token on its line still count (``sites``).
        self.prose = prose
        self.model = model
        self.shell = _lines.Shell(folder)
        self.cwd: str | None = None
        self.lang: str | None = None   # the code block of the line before
        self.at = (0, 0)   # a (column, byte) pair of the current line

    def run(self, rows: list[tuple[int, int, str]],
            block: dict[int, str | None],
            ranges: list[tuple[int, int, int, int, str]]) -> _lines.Model:
        model = self.model
        j, n = 0, len(ranges)
        open_: tuple[int, int, int, int, str] | None = None
        for li, (pos, cs, line) in enumerate(rows):
            model.starts.append(pos)
            if li in block:
                self._code(block[li], line, cs)
                continue
            self.lang = None
            self.at = (0, 0)
            model.states.append(self._state(open_))
            if open_ is not None:
                open_ = self._segment(open_, li, cs, line, 0)
            while open_ is None and j < n and ranges[j][0] == li:
                open_ = ranges[j]
                j += 1
                self.cwd = ''
                model.starts.append(cs + self._bytes(line, open_[1]))
                model.states.append(self._state(open_))
                open_ = self._segment(open_, li, cs, line, open_[1])
        return model

    def _bytes(self, line: str, col: int) -> int:
        """The byte length of the first ``col`` characters of ``line``,
        counted on from the last column asked (columns only grow along
        a line: a line of many spans is read once)."""
        c0, b0 = self.at
        head = line[c0:col]
        size = b0 + (len(head) if head.isascii()
                     else len(head.encode('utf-8', 'surrogateescape')))
        self.at = (col, size)
        return size

    def _state(self, open_: tuple[int, int, int, int, str] | None) -> tuple[
            str | None, str | None]:
        if open_ is None:
            return (None, self.prose)
        if open_[4] == CODE:
            return (None, CODE)
        return ('', self.cwd)

    def _code(self, lang: str | None, line: str, cs: int) -> None:
        """A line of a fenced or indented block (``lang``), or a fence's
        own line (None); a block's shell starts in the doc's folder."""
        model = self.model
        if lang is None:
            model.states.append((None, None))
        else:
            shell = lang in _lines.SHELL_LANGS
            if self.lang != lang:
                self.cwd = '' if shell else None
            model.states.append((lang, self.cwd))
            if shell:
                self.cwd = self.shell.feed(line, cs, self.cwd, lang, model)
        self.lang = lang

    def _segment(self, rng: tuple[int, int, int, int, str], li: int,
                 cs: int, line: str, start: int) -> tuple[
            int, int, int, int, str] | None:
        """The part of range ``rng`` on line ``li`` from column
        ``start``: its commands' ``cd``; None when the range ends on it."""
        ends = rng[2] == li
        end = rng[3] if ends else len(line)
        if rng[4] != CODE:
            part = line[start:end].replace('<!--', '    ').replace(
                '-->', '   ')
            self.cwd = _lines.track(part, cs + self._bytes(line, start),
                                    self.cwd, self.shell.folder, self.model)
        if not ends:
            return rng
        self.model.starts.append(cs + self._bytes(line, end))
        self.model.states.append((None, self.prose))
        return None
