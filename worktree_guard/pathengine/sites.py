"""Sites: where a token sits in its file, and how much that says.

A site is (strength, bases, reason, folder, file kind, joined, is_test,
call): the confidence of the place (``STRONG`` a path the file uses,
``WEAK`` prose-like, ``QUIET`` an example for the reader), the folders
the path resolves from, and why, in words.  It depends on the file's
kind (``text.file_kind``), the region's line model (``lines.Model``:
code blocks, console output, the shell's ``cd``), comments, links, and
the expression the token continues (``__dirname + '/..'``).  The
confidence model is in docs/paths.md.
"""
from __future__ import annotations

import posixpath

from worktree_guard.pathengine import configs
from worktree_guard.pathengine import conventions as _conventions
from worktree_guard.pathengine import lines as _lines
from worktree_guard.pathengine import text
from worktree_guard.pathengine.computed import resolve as _computed
from worktree_guard.pathengine.patterns import FILE_DIR
from worktree_guard.pathengine.patterns import JOIN
from worktree_guard.pathengine.patterns import rx
from worktree_guard.pathengine.tokens import first_cd_end

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.model import PathChange
    from worktree_guard.pathengine.places import Places

# How much a place in a file says about a path (confidence).
STRONG = 3   # the file itself uses it: link, include, import, script, config
WEAK = 2     # prose-like: inline code, a code comment -> warning
QUIET = 1    # an example for the reader (docs commands, changelogs, gitdir
#              strings, doc links in code comments) -> only known places
SKIP = 0     # not a path of this tree at all (.gitmodules URLs)

_COMMENT = ('#', '//', '/*', '*', '--', ';', '<!--', '%', '"""', "'''",
            'rem ', 'REM ')
_LINK_BEFORE = ('](', ']: ', ']:', '<')
# Blocks of a terminal session: lines without a prompt are output.
_CONSOLE = frozenset(('console', 'shell-session', 'shellsession',
                      'terminal'))
_PROMPTS = ('$', '#', '%', '>', 'PS', '\u276f', '(')
# A token right after these is relative to a variable: ${root}/..
_VARIABLE_END = frozenset(b')}')
# How much of the text before a token the checks of its place read: the
# expression right before it.  What needs the whole line before it (the
# backticks, a link's ``](``, the character offset) is counted as the
# tokens of a line go by, so a line of many tokens is judged in linear
# time (issue 23).
WINDOW = 256
_LINE = -1   # the key of the current line's facts in ``models``


class _Line:
    """One line's facts, computed once, and running counts up to the
    last token judged on it (``pos``): characters and backticks before
    it."""

    __slots__ = ('cs', 'le', 'text', 'stripped', 'gitdir', 'linking',
                 'bracket', 'pos', 'chars', 'ticks', 'joins', 'cd_end',
                 'cmds', 'symlinks', 'dirs', 'role', 'written')

    def __init__(self, data: bytes, cs: int, le: int) -> None:
        self.cs = cs
        self.le = le
        text = self.text = data[cs:le].decode('utf-8', 'surrogateescape')
        self.stripped = text.lstrip()
        self.gitdir = 'gitdir:' in text or 'gitdir =' in text
        self.linking = 'ln ' in text or 'cp ' in text or 'symlink' in text
        self.bracket = data.find(b'](', cs, le)
        self.pos = cs
        self.chars = 0
        self.ticks = 0
        self.joins: list[Any] | None = None
        self.cd_end = first_cd_end(text)
        self.cmds: tuple[list[int], list[tuple[int, str]]] | None = None
        self.symlinks: tuple[Any, Any] | None = None
        # The folders its words run in, per starting folder
        # (conventions.run_dirs), and its Makefile role: once per line.
        self.dirs: dict[str, tuple[list[int], list[str]]] = {}
        self.role: str | None = None
        self.written: int | None = None

    def run_dir(self, cwd: str, folder: str, cds: bool,
                start: int = 0) -> str:
        """The folder the token at ``chars`` is read from, from ``cwd``
        (``conventions.run_dirs``), for the command that starts at
        ``start`` (a package.json script's value)."""
        table = self.dirs.get(cwd)
        if table is None:
            line = self.text[start:]
            # Words are split only for a line that can move the folder.
            table = self.dirs[cwd] = _conventions.run_dirs(
                line, cwd, folder, cds) if _conventions.moves(
                    line, cds) else ([], [])
        return _conventions.run_dir(table, self.chars - start, cwd)

    def echoed(self) -> bool:
        """The token is text an echo writes into a file."""
        if self.written is None:
            self.written = _conventions.written_before(self.text)
        return self.chars < self.written

    def advance(self, data: bytes, ts: int) -> None:
        """Count what lies between the last token and ``ts`` (a token
        starts after an ASCII delimiter, so no character is split)."""
        if ts < self.pos:
            self.pos, self.chars, self.ticks = self.cs, 0, 0
        chunk = data[self.pos:ts]
        self.chars += len(chunk.decode('utf-8', 'surrogateescape'))
        self.ticks += chunk.count(b'`')
        self.pos = ts


def line_facts(models: dict[int, Any], data: bytes, cs: int, le: int,
               ts: int) -> _Line:
    """The facts of the line ``[cs, le)``, counted up to ``ts``."""
    lc = models.get(_LINE)
    if lc is None or lc.cs != cs or lc.le != le:
        lc = models[_LINE] = _Line(data, cs, le)
    lc.advance(data, ts)
    return lc


def column(models: dict[int, Any], data: bytes, cs: int, le: int,
           ts: int) -> int:
    """The 1-based character column of ``ts`` on the line ``[cs, le)``."""
    return line_facts(models, data, cs, le, ts).chars + 1


def site(places: Places, change: PathChange, ri: int, rs: int, rend: int,
         path: str, cs: int, ts: int, le: int, tag: int,
         models: dict[int, Any]) -> tuple[Any, ...] | None:
    """Where the token at ``ts`` sits: (strength, bases, reason,
    folder, file kind, joined, is_test, call) or None to leave it.
    ``bases`` are the root-relative folders it resolves from (None:
    unknown); ``joined`` is a join() call's path, or ``anchor`` when
    the token continues an expression for a folder; ``call`` the
    join() call's offset in the line."""
    data = change.data
    rg = models.get(ri)
    if rg is None:
        rg = models[ri] = _Region(places, change, rs, rend, path)
    lc = line_facts(models, data, cs, le, ts)
    bases = configs.working_directory(path, lc.stripped) or rg.bases
    prefix = data[max(cs, ts - WINDOW):ts].decode('utf-8',
                                                  'surrogateescape')
    joined = jbase = ''
    call = 0
    if tag == 3:
        if lc.joins is None:
            lc.joins = list(rx(JOIN).finditer(lc.text))
        joined_s = _computed(places, data[ts], lc, path)
        if joined_s is None:
            return None
        jbase, joined, call = joined_s
    after_variable = ts > cs and data[ts - 1] in _VARIABLE_END
    where = _where(rg, bases, path, lc, prefix,
                   rg.mdl.at(ts) if rg.mdl is not None else (None, None),
                   tag, after_variable, jbase == 'file')
    if where is None:
        return None
    strength, wbases, reason, anchored = where
    if jbase == 'abs' and strength == QUIET:
        # `cd ~/proj` for the reader: a usual place, not this machine's.
        return None
    return (strength, wbases, reason, rg.folder, rg.kind,
            'anchor' if anchored else joined, rg.test, call)


class _Region:
    """One region's facts, built on its first candidate: its file kind,
    the policy's bases, its line model (or None), its folder and what its
    conventions say (``conventions.Region``); ``test``: a test file (a
    CI workflow never is: it runs)."""

    __slots__ = ('kind', 'bases', 'mdl', 'folder', 'conv', 'test')

    def __init__(self, places: Places, change: PathChange, rs: int,
                 rend: int, path: str) -> None:
        data = change.data
        self.folder = folder = posixpath.dirname(path)
        self.kind = kind = text.file_kind(
            path, text.region_head(data, rs, change.patch))
        if places.ctx.resolve == 'both' and folder:
            bases: tuple[str, ...] = (folder, '')
        else:
            bases = places.bases or (folder,)
        # Agent, CI and compose configs: their tool's folder (issue 24).
        self.bases = bases = configs.bases(path) or bases
        self.conv = conv = _conventions.Region(path, kind, data, rs, rend)
        self.test = conv.test and not configs.workflow(path)
        self.mdl = None
        if kind in (text.DOC, text.CHANGELOG) and text.is_markdown(path):
            # Markdown: contexts from a CommonMark parser, loaded only here.
            from worktree_guard.pathengine import markdown
            if markdown.markup(data, rs, rend):
                self.mdl = markdown.build(data, rs, rend, change.patch,
                                          folder)
        elif kind == text.SHELL or (
                kind in (text.DOC, text.CHANGELOG) and any(
                    data.find(mark, rs, rend) != -1 for mark in _BLOCKS)):
            self.mdl = _lines.build(
                data, rs, rend, change.patch, kind, folder,
                bases if kind == text.SHELL else ('',),
                path.endswith('.rst'),
                path.endswith(('.adoc', '.asc', '.asciidoc')),
                text.is_man_page(path))


# Marks of a doc's blocks: a doc without any needs no line model.
_BLOCKS = (b'```', b'~~~', b'::', b'<pre', b'.nf', b'.EX', b'----', b'....')
# _where's helpers return this to hand the token on to the next one.
_NEXT = (-1, None, '', False)
Where = tuple[int, 'tuple[str, ...] | None', str, bool]


def _where(rg: _Region, bases: tuple[str, ...], path: str, lc: _Line,
           prefix: str, state: tuple[str | None, str | None], tag: int,
           after_variable: bool, file_join: bool) -> Where | None:
    """(strength, bases, reason, anchored) of one place in a file;
    ``bases`` are the line's (a workflow's working-directory), ``prefix``
    is the ``WINDOW`` before the token."""
    where = _fixed(rg.kind, bases, lc)
    if where is not _NEXT:
        return where
    if rg.conv.template == _conventions.ELSEWHERE:
        return (QUIET, None, 'a template, rendered into a folder this '
                'file does not know', False)
    if rg.conv.template == _conventions.NEAR:
        # Rendered beside or below its folder: out only if out from both.
        bases = (rg.folder, posixpath.join(rg.folder, _conventions.BELOW))
    if rg.kind in (text.DOC, text.CHANGELOG):
        return _in_doc(rg, bases, path, lc, prefix, state, tag)
    if lc.stripped.startswith('#' if rg.kind == text.SHELL else _COMMENT):
        return _in_comment(rg, bases, lc, prefix)
    if tag == 0 and _conventions.syntax_literal(
            lc.text, lc.chars, prefix,
            rg.kind == text.SHELL or rg.conv.make):
        return None   # "../" compared, tested or built: the syntax
    return _in_code(rg, bases, lc, prefix, state[1], after_variable,
                    file_join)


def _fixed(kind: str, bases: tuple[str, ...],
           lc: _Line) -> Where | None:
    """Places that decide alone, whatever the line holds: .gitmodules,
    generated files, aliases, gitdir strings; ``_NEXT`` otherwise."""
    if kind == text.GITMODULES:
        if lc.stripped.startswith('url'):
            return None   # relative to the remote's URL
        return (STRONG, bases, 'a .gitmodules path', False)
    if kind == text.GENERATED:
        return (QUIET, bases, 'a generated file', False)
    if lc.stripped.startswith('alias ') and kind in (text.SHELL,
                                                     text.CODE):
        return (QUIET, None, 'an alias, run later from the folder the '
                'user is in', False)
    if lc.gitdir:
        return (QUIET, bases, 'a gitdir string (relative to the git '
                'dir, not to this file)', False)
    return _NEXT


def _in_doc(rg: _Region, bases: tuple[str, ...], path: str, lc: _Line,
            prefix: str, state: tuple[str | None, str | None],
            tag: int) -> Where | None:
    """A token in a doc: in a block, a command for the reader, inline
    code, a link or prose."""
    block, cwd = state
    stripped = lc.stripped
    if block in _CONSOLE and not stripped.startswith(_PROMPTS):
        return None   # a command's output: an example, no reference
    if block is not None and block in _lines.SHELL_LANGS:
        if cwd is None or cwd == _lines.UNKNOWN:
            return (QUIET, None, 'a command for the reader after a '
                    'cd to an unknown folder', False)
        return (QUIET, _link(lc, (cwd,)),
                'a command for the reader, run from a folder this '
                'file does not know', False)
    if block is not None:
        return (QUIET, bases, f'an example in a {block} code '
                'block', False)
    if tag == 4 or stripped.startswith(('$ ', '% ', '> $ ')) or (
            lc.text.startswith(('    ', '\t'))
            and path.endswith(('.md', '.markdown'))
            and not stripped.startswith(('-', '*', '[', '<'))):
        return (QUIET, None, 'a command for the reader', False)
    link = prefix.endswith(_LINK_BEFORE) or prefix.rstrip(
        '"\'').endswith(('src=', 'href=', 'include::', 'image::',
                         'literalinclude::', 'figure::'))
    if rg.kind == text.CHANGELOG and not link:
        return (QUIET, bases, 'quoted text in a changelog', False)
    if _inline_code(link, cwd, lc):
        return (WEAK, bases, 'inline code in a doc', False)
    return (STRONG, bases, 'a link target' if link else
            'a path the doc refers to', False)


def _in_comment(rg: _Region, bases: tuple[str, ...], lc: _Line,
                prefix: str) -> Where | None:
    if _conventions.bare_syntax(lc.text, lc.chars):
        return None   # '../' named in a comment: the syntax, no path
    if rg.kind != text.SHELL and (prefix.rstrip().endswith(
            _LINK_BEFORE) or 0 <= lc.bracket <= lc.pos - 2):
        return (QUIET, (rg.folder,), 'a doc link in a code comment '
                '(relative to the rendered page)', False)
    return (WEAK, bases, 'a comment', False)


def _in_code(rg: _Region, bases: tuple[str, ...], lc: _Line, prefix: str,
             cwd: str | None, after_variable: bool,
             file_join: bool) -> Where | None:
    """A token in code, a script or config: anchored to a folder, after
    the script's cd, in a Makefile, or where the file's conventions
    say."""
    anchor = _anchor(prefix)
    if anchor == 'file' or file_join or (
            rg.conv.ts and _conventions.file_call(prefix)):
        return _file_relative(rg, anchor == 'file')
    if anchor == 'root':
        return (STRONG, ('',), 'a path from the worktree root', True)
    if after_variable and anchor is None:
        return None   # ${dir}/..: relative to a variable
    if lc.echoed():
        return (QUIET, None, 'text an echo writes into another file',
                False)
    if rg.kind == text.SHELL:
        return _in_script(rg, lc, cwd, anchor == 'cwd')
    if rg.conv.make:
        where = _in_makefile(rg, bases, lc, anchor == 'cwd')
        if where is not _NEXT:
            return where
    if _conventions.table_key(lc.text, lc.chars):
        return (QUIET, None, "a rewrite table's key (an import "
                'specifier of other files)', False)
    line_bases = rg.conv.bases_for(lc.text, bases)
    if rg.conv.package and line_bases is bases:
        start = _conventions.script_value(lc.text)
        if 0 <= start <= lc.chars:
            return _in_script(rg, lc, rg.folder, anchor == 'cwd', start)
    if line_bases is None:
        return (QUIET, None, "a tool's setting, run from a folder "
                'this file does not know', False)
    if anchor == 'cwd':
        return (STRONG, line_bases, 'a path from the current folder', True)
    return _linked(lc, line_bases, 'a config value'
                   if rg.kind == text.CONFIG
                   else 'a path the code uses', False)


def _file_relative(rg: _Region, anchored: bool) -> Where:
    """A path relative to the file's own folder; compiled TypeScript
    runs from its output's folder too."""
    if rg.conv.ts:
        return (STRONG, (rg.folder, *_conventions.compiled(rg.folder)),
                "a path relative to the file's folder, or to its "
                'compiled copy (outDir)', anchored)
    if not anchored:
        # join(__dirname, '..'): the policy's bases never apply.
        return (STRONG, (rg.folder,), 'a path the code uses', False)
    return (STRONG, (rg.folder,), "a path relative to the file's own "
            'folder', True)


def _in_script(rg: _Region, lc: _Line, cwd: str | None,
               anchored: bool, start: int = -1) -> Where:
    """A shell command: from ``cwd`` (the line model's), after the
    command's -C; from ``start`` on (a package.json script, run from
    the package's folder), after the line's ``cd``s too."""
    if cwd is not None and cwd != _lines.UNKNOWN:
        cwd = lc.run_dir(cwd, rg.folder, start >= 0, max(start, 0))
    if cwd is None or cwd == _lines.UNKNOWN:
        return (QUIET, None, 'after a cd to an unknown folder', False)
    return _linked(lc, (cwd,), 'a path the script uses', anchored)


def _in_makefile(rg: _Region, bases: tuple[str, ...], lc: _Line,
                 anchored: bool) -> Where | None:
    """A Makefile's recipe runs from the Makefile's folder, after the
    line's cd and the command's -C; a value relative to an install
    prefix is none of this tree's paths."""
    line = lc.text
    role = lc.role
    if role is None:
        role = lc.role = _conventions.make_role(line)
    if role == 'assign':
        token = (line[lc.chars:].split() or [''])[0]
        if _conventions.install_value(line, lc.chars, token):
            return (QUIET, None, 'a value relative to an install prefix',
                    False)
        return _NEXT
    if role != 'recipe':
        return _NEXT
    dirs = tuple(lc.run_dir(b, rg.folder, True) for b in bases)
    if _lines.UNKNOWN in dirs:
        return (QUIET, None, 'a recipe command run from a folder this '
                'file does not know', False)
    return _linked(lc, dirs, 'a path a recipe uses', anchored)


def _linked(lc: _Line, bases: tuple[str, ...], reason: str,
            anchored: bool) -> Where:
    """A path read from ``bases``, or from a symlink's folder when it is
    the target of a symlink-making command."""
    linked = _link(lc, bases)
    if linked is None:
        return (QUIET, None, "a symlink's target, relative to a link "
                'folder this file does not know', False)
    return (STRONG, linked, reason, anchored)


def _inline_code(link: bool, cwd: str | None, lc: _Line) -> bool:
    """Is a doc's token inline code: in a code span or HTML code by the
    Markdown parser (link syntax there too), else, outside a link, after
    an odd number of backticks on its line."""
    if cwd in (_lines.CODE, _lines.PROSE):
        return cwd == _lines.CODE
    return not link and lc.ticks % 2 == 1


def _anchor(prefix: str) -> str | None:
    """``file``, ``root`` or ``cwd`` when the token continues an
    expression for this file's folder, the worktree root or the current
    folder."""
    if not prefix or prefix[-1] not in '"\'`)}D+. ':
        return None   # the common case, decided in one look
    p = prefix.rstrip('"\'`')
    if p.endswith(('--show-toplevel)', '--show-toplevel`')):
        return 'root'
    if p.endswith(('$(pwd)', '$PWD', '${PWD}')):
        return 'cwd'
    q = p.rstrip()
    for op in ('+', '.'):
        if q.endswith(op):
            expr = q[:-1].rstrip()
            if expr.endswith(FILE_DIR):
                return 'file'
    if p.endswith(('$(dirname "$0")', '$(dirname $0)', '${BASH_SOURCE%/*}',
                   '$(dirname "${BASH_SOURCE[0]}")')):
        return 'file'
    return None


def _link(lc: _Line, bases: tuple[str, ...]) -> tuple[str, ...] | None:
    """Bases for a symlink-making command's target: the link's folder
    (None: a folder this file does not know, ``"$$HOOKS_DIR/x"``)."""
    if lc.linking:
        link = _link_folder(lc, lc.chars)
        if link is not None:
            if '$' in link:
                return None
            return tuple(text.norm(posixpath.join(b or '.', link))
                         for b in bases)
    return bases


def _link_folder(lc: _Line, at: int) -> str | None:
    """When the word at ``at`` is the target of a symlink-making command
    (``ln -s``, ``cp -s``, ``os.symlink``, ``symlink_to``,
    ``fs.symlink``), the folder of the link it makes, relative to where
    the command runs.  The line's searches run once per line."""
    line = lc.text
    if lc.symlinks is None:
        lc.symlinks = (
            rx(r'symlink(?:Sync)?\(\s*([\'"])(.*?)\1\s*,\s*([\'"])(.*?)\3'
               ).search(line),
            rx(r'Path\(\s*([\'"])(.*?)\1\s*\)\.symlink_to\(\s*([\'"])'
               ).search(line)) if 'symlink' in line else (None, None)
    m, m2 = lc.symlinks
    if m and m.start(2) <= at <= m.end(2):
        return posixpath.dirname(m.group(4)) or '.'
    if m2 and at >= m2.end(3):
        return posixpath.dirname(m2.group(2)) or '.'
    cmds = lc.cmds
    if cmds is None:
        cmds = lc.cmds = _link_targets(line)
    starts, spans = cmds
    from bisect import bisect_right
    i = bisect_right(starts, at) - 1
    if i >= 0 and at < spans[i][0]:
        return str(spans[i][1])
    return None


def _link_targets(line: str) -> tuple[list[int], list[tuple[int, str]]]:
    """The targets of the line's ``ln -s``/``cp -s`` commands, once per
    line: their starts, sorted, and per target its end and the folder of
    the link it makes."""
    starts: list[int] = []
    spans: list[tuple[int, str]] = []
    for cmd in _lines.commands(line):
        if cmd[0][2] not in ('ln', 'cp'):
            continue
        opts = [w[2] for w in cmd[1:] if w[2].startswith('-')]
        if not any(o == '--symbolic' or (not o.startswith('--') and 's' in o)
                   for o in opts):
            continue
        args = [w for w in cmd[1:] if not w[2].startswith('-')]
        if len(args) < 2:
            continue
        dest = args[-1][2]
        if dest.endswith('/') or len(args) > 2 or dest == '.':
            folder = dest.rstrip('/') or '.'
        else:
            folder = posixpath.dirname(dest) or '.'
        for w in args[:-1]:
            starts.append(w[0])
            spans.append((w[1], folder))
    return starts, spans
