"""Where a path sits in its file: code blocks, prompts, comments, ``cd``.

A ``Model`` is built for one text region only when the scanner found a
candidate in it.  It walks the region's lines once and records, at each
line start, the fenced block it is in (docs) and the folder the shell is
in (shell scripts and shell blocks of docs), with ``cd`` changes inside a
line recorded at their offsets.  Patches are walked over their new-file
lines (``+`` and context); lines before a hunk are unknown, so a hunk
starts outside any block with no ``cd`` seen.

Markdown docs are read by a CommonMark parser instead (``markdown``,
which shares ``new_lines``, ``Shell`` and ``track``); the docs read here
are the others: rst, AsciiDoc, man pages, text, MDX.
"""
from __future__ import annotations

import posixpath

from worktree_guard.pathengine import text

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterator

# The state of the shell's folder: a root-relative folder, or UNKNOWN
# after `cd $VAR` (nothing relative is judged until a known cd).
UNKNOWN = '\0'
# In a Markdown prose line parsed by ``markdown``, the place of the shell
# folder holds the inline context: a code span (or HTML code), or prose.
# None (the hand reading) leaves it to ``sites``, which counts backticks.
CODE, PROSE = '\1code', '\1prose'
SHELL_LANGS = frozenset(('sh', 'bash', 'zsh', 'shell', 'console',
                         'shell-session', 'shellsession', 'ksh', 'terminal',
                         ''))
# `cd "$(dirname "$0")"` and friends: the script's own folder.
_SELF_DIR = ('$(dirname "$0")', '$(dirname $0)', '$(dirname -- "$0")',
             '"$(dirname "$0")"', '"$(dirname $0)"',
             '$(dirname "${BASH_SOURCE[0]}")', '"$(dirname "${BASH_SOURCE[0]}")"',
             '${BASH_SOURCE%/*}', '"${BASH_SOURCE%/*}"',
             '$(cd "$(dirname "$0")" && pwd)', '"$(cd "$(dirname "$0")" && pwd)"',
             '$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)',
             '"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"')
_TOPLEVEL = ('$(git rev-parse --show-toplevel)',
             '"$(git rev-parse --show-toplevel)"',
             '`git rev-parse --show-toplevel`')
_SEPARATORS = ('&&', '||', ';', '|', '(', ')')


def split_words(line: str) -> list[tuple[int, int, str]]:
    """Shell words of a line as (start, end, text without quotes); quotes
    keep blanks inside a word; ``$(...)`` stays one word."""
    out: list[tuple[int, int, str]] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c in ' \t':
            i += 1
            continue
        if c == '#' and (i == 0 or line[i - 1] in ' \t'):
            break
        if line.startswith(('&&', '||'), i):
            out.append((i, i + 2, line[i:i + 2]))
            i += 2
            continue
        if c in ';|()':
            out.append((i, i + 1, c))
            i += 1
            continue
        start = i
        word = []
        depth = 0
        while i < n:
            c = line[i]
            if c in '"\'':
                j = line.find(c, i + 1)
                j = n if j == -1 else j
                word.append(line[i + 1:j])
                i = j + 1
                continue
            if c == '$' and line.startswith('$(', i):
                depth += 1
                word.append('$(')
                i += 2
                continue
            if c == ')' and depth:
                depth -= 1
                word.append(c)
                i += 1
                continue
            if depth == 0 and (c in ' \t;|()' or line.startswith('&&', i)):
                break
            word.append(c)
            i += 1
        out.append((start, i, ''.join(word)))
    return out


def commands(line: str) -> list[list[tuple[int, int, str]]]:
    """The simple commands of a line, split at ``;``, ``&&``, ``|``..."""
    cmds: list[list[tuple[int, int, str]]] = [[]]
    for w in split_words(line):
        if w[2] in _SEPARATORS:
            cmds.append([])
        else:
            cmds[-1].append(w)
    return [c for c in cmds if c]


def cd_target(arg: str, cwd: str, folder: str) -> str:
    """The folder after ``cd arg`` from ``cwd`` (root-relative)."""
    cwd_known = cwd != UNKNOWN
    for anchor in _SELF_DIR:
        if arg == anchor or arg.startswith(anchor.strip('"') + '/') \
                or arg.startswith(anchor + '/'):
            rest = arg[len(anchor):].lstrip('/') if arg.startswith(anchor) \
                else arg[len(anchor.strip('"')):].lstrip('/')
            return text.norm(posixpath.join(folder or '.', rest or '.'))
    for anchor in _TOPLEVEL:
        if arg == anchor or arg.startswith(anchor + '/'):
            return text.norm(arg[len(anchor):].lstrip('/') or '.')
    if not arg or arg.startswith(('$', '~', '-', '`', '/')) or '$' in arg \
            or not cwd_known:
        return UNKNOWN
    return text.norm(posixpath.join(cwd or '.', text.decode(arg)))


class Model:
    """Line facts of one region, built once."""

    __slots__ = ('starts', 'states')

    def __init__(self) -> None:
        # Sorted offsets; states[i] = (block, cwd) from starts[i] on.
        # block: None (prose), or the fence's language; cwd: the shell
        # folder (root-relative), UNKNOWN, or None outside shell text.
        self.starts: list[int] = []
        self.states: list[tuple[str | None, str | None]] = []

    def at(self, pos: int) -> tuple[str | None, str | None]:
        from bisect import bisect_right
        i = bisect_right(self.starts, pos) - 1
        return self.states[i] if i >= 0 else (None, None)


def new_lines(data: bytes, rs: int, rend: int,
              patch: bool) -> Iterator[tuple[int, int, str]]:
    """The new-file lines of a region: (line start, text start, text).
    In a patch, removed lines, ``\\ No newline`` and hunk headers are
    left out and the ``+``/`` `` column is not text."""
    pos = rs
    while pos < rend:
        le = data.find(b'\n', pos, rend)
        le = rend if le == -1 else le
        cs = pos
        if patch:
            first = data[pos:pos + 1]
            if first in (b'-', b'\\', b'@'):
                pos = le + 1
                continue
            cs = pos + (first not in (b'\n', b''))
        yield pos, cs, data[cs:le].decode('utf-8',
                                          'surrogateescape').rstrip('\r')
        pos = le + 1


class Shell:
    """The shell's folder through a shell text's logical lines (a line
    ending in a backslash continues on the next)."""

    __slots__ = ('folder', 'pending', 'pending_at')

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.pending = ''
        self.pending_at = 0

    def feed(self, line: str, cs: int, cwd: str | None, block: str | None,
             model: Model) -> str | None:
        """The folder after ``line`` (text at ``cs``), its ``cd`` changes
        recorded in ``model``; a doc's ``$ `` prompt is no command."""
        if line.endswith('\\'):
            if not self.pending:
                self.pending_at = cs
            self.pending += line[:-1] + ' '
            return cwd
        logical = self.pending + line
        base_off = self.pending_at if self.pending else cs
        self.pending = ''
        if block is not None and logical.lstrip().startswith('$ '):
            logical = logical.replace('$ ', '  ', 1)
        return track(logical, base_off, cwd, self.folder, model)


class _Blocks:
    """The example blocks of a doc that is not Markdown (Markdown is
    ``markdown``'s): fences, HTML ``<pre>``, rst literal blocks, AsciiDoc
    listings, roff ``.nf``/``.EX``; ``block`` and ``cwd`` as in
    ``Model``."""

    __slots__ = ('base', 'rst', 'adoc', 'roff', 'block', 'cwd', 'fence',
                 'rst_indent', 'closer', 'prev')

    def __init__(self, base: str, rst: bool, adoc: bool, roff: bool) -> None:
        self.base = base
        self.rst, self.adoc, self.roff = rst, adoc, roff
        self.block: str | None = None
        self.cwd: str | None = None
        self.fence = ''
        self.rst_indent = -1   # the indent of an open rst block's directive
        self.closer = ''   # what ends an HTML, roff or AsciiDoc block
        self.prev = ''     # the previous non-blank line ([source,lang])

    def _open(self, block: str) -> None:
        self.block = block
        self.cwd = self.base if block in SHELL_LANGS else None

    def _close(self) -> None:
        self.block = self.cwd = None
        self.closer = ''

    def line(self, line: str, model: Model) -> bool:
        """Read one line (its state is ``model``'s last); True when it
        is shell text inside a block."""
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if self.rst_indent >= 0 and stripped and indent <= self.rst_indent:
            self._close()
            self.rst_indent = -1
            model.states[-1] = (None, None)
        if self.rst and self.block is None:
            lang = _rst_block(stripped)
            if lang is not None:
                self.rst_indent = indent
                self._open(lang)
                return False
        if self.closer or (self.block is None and self.rst_indent < 0):
            done = self._tagged(stripped, model)
            if done is not None:
                return done
        if stripped:
            self.prev = stripped
        if stripped.startswith(('```', '~~~')) and self.rst_indent < 0 \
                and not self.closer:
            self._fence(stripped, model)
            return False
        return self.block is not None and self.block in SHELL_LANGS

    def _tagged(self, stripped: str, model: Model) -> bool | None:
        """An HTML, roff or AsciiDoc block's open or close line: False;
        None for other lines."""
        if self.closer:
            if stripped == self.closer or (self.closer == '</pre'
                                           and self.closer in stripped):
                self._close()
                return False
            return None
        opened = _other_block(stripped, self.prev, self.adoc, self.roff)
        if opened is None:
            return None
        self.closer, block = opened
        self._open(block)
        if self.closer == '</pre':   # <pre><code>$ x: in the block
            model.states[-1] = (self.block, self.cwd)
            if self.closer in stripped:
                self._close()
        return False

    def _fence(self, stripped: str, model: Model) -> None:
        if self.block is None:
            self.fence = stripped[:3]
            info = stripped[3:].strip().lstrip('{.').split()
            self._open(info[0].rstrip('}').lower() if info else '')
            model.states[-1] = (None, None)
        elif stripped.startswith(self.fence):
            self._close()


def build(data: bytes, rs: int, rend: int, patch: bool, kind: str,
          folder: str, bases: tuple[str, ...], rst: bool = False,
          adoc: bool = False, roff: bool = False) -> Model:
    """Walk the new-file lines of one region (see the module doc).
    Docs: Markdown fences (```lang, ~~~), HTML ``<pre>``, with ``roff``
    (man pages only) ``.nf``/``.EX`` blocks, with ``rst`` literal blocks (a paragraph ending
    in ``::``, ``.. code-block:: lang``) and with ``adoc`` AsciiDoc
    listing and literal blocks (``----``, ``....``, language from a
    ``[source,lang]`` line before)."""
    model = Model()
    shell = Shell(folder)
    docs = _Blocks(bases[0], rst, adoc, roff) \
        if kind in (text.DOC, text.CHANGELOG) else None
    cwd: str | None = (bases[0] if len(bases) == 1 else UNKNOWN) \
        if kind == text.SHELL else None
    for pos, cs, line in new_lines(data, rs, rend, patch):
        model.starts.append(pos)
        if docs is None:
            model.states.append((None, cwd))
            cwd = shell.feed(line, cs, cwd, None, model)
            continue
        model.states.append((docs.block, docs.cwd))
        if docs.line(line, model):
            docs.cwd = shell.feed(line, cs, docs.cwd, docs.block, model)
    return model


def _other_block(stripped: str, prev: str, adoc: bool,
                 roff: bool) -> tuple[str, str] | None:
    """(closer, language) of an HTML, roff or AsciiDoc block this line
    opens, or None."""
    if roff and stripped in ('.nf', '.EX'):
        return ('.fi' if stripped == '.nf' else '.EE'), ''
    if _pre_tag(stripped):
        return '</pre', ''
    if adoc and len(stripped) >= 4 and stripped in ('-' * len(stripped),
                                                   '.' * len(stripped)):
        lang = ''
        if prev.startswith('[source,') and prev.endswith(']'):
            lang = prev[8:-1].partition(',')[0].strip().lower()
        return stripped, lang
    return None


def _pre_tag(stripped: str) -> bool:
    """Does the line open an HTML ``<pre>`` block: a whole ``<pre>`` or
    ``<pre attr...>`` tag (a bare ``<pre`` is text)."""
    head = stripped[:5].lower()
    return head == '<pre>' or (head[:4] == '<pre' and head[4:5] in (' ', '\t')
                               and '>' in stripped)


def _rst_block(stripped: str) -> str | None:
    """The language of an rst literal block this line opens: a
    ``code-block``/``code``/``sourcecode`` directive, or a paragraph
    ending in ``::`` (''); None when it opens none (``.. note::``)."""
    if stripped.startswith('..'):
        directive, sep, lang = stripped[2:].partition('::')
        if sep and directive.strip() in ('code-block', 'code', 'sourcecode',
                                         'prompt'):
            return lang.strip().lower()
        return None
    return '' if stripped.endswith('::') else None


def track(line: str, off: int, cwd: str | None, folder: str,
          model: Model) -> str | None:
    """The folder after the commands of ``line`` (at ``off``) from
    ``cwd``; each ``cd`` recorded in ``model`` at its end."""
    if 'cd' not in line and 'pushd' not in line:
        return cwd
    subshell = line.lstrip().startswith('(')
    start = cwd
    for cmd in commands(line):
        name = cmd[0][2]
        if name not in ('cd', 'pushd', 'popd'):
            continue
        args = [w for w in cmd[1:] if not w[2].startswith('-') or w[2] == '-']
        if name == 'popd' or not args:
            new = UNKNOWN
        else:
            new = cd_target(args[0][2], cwd if cwd is not None else UNKNOWN,
                            folder)
        cwd = new
        model.starts.append(max(off + cmd[-1][1], model.starts[-1]))
        model.states.append((model.states[-1][0], cwd))
    if subshell and cwd != start:
        cwd = start
    return cwd
