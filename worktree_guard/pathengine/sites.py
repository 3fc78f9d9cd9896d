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

from worktree_guard.pathengine import lines as _lines
from worktree_guard.pathengine import text
from worktree_guard.pathengine.patterns import FILE_DIR
from worktree_guard.pathengine.patterns import rx
from worktree_guard.pathengine.tokens import joined as _joined

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
    model = models.get(ri)
    if model is None:
        model = models[ri] = _region(places, change, rs, rend, path)
    kind, bases, mdl, is_test, folder = model
    line = data[cs:le].decode('utf-8', 'surrogateescape')
    prefix = data[cs:ts].decode('utf-8', 'surrogateescape')
    joined = ''
    call = 0
    if tag == 3:
        joined_s = _joined(line, len(prefix) - 1)
        if joined_s is None:
            return None
        jbase, joined, call = joined_s
        if jbase == 'file':
            bases = (folder,)
    after_variable = ts > cs and data[ts - 1] in _VARIABLE_END
    where = _where(kind, bases, folder, path, line, prefix,
                   mdl.at(ts) if mdl is not None else (None, None),
                   tag, after_variable)
    if where is None:
        return None
    strength, wbases, reason, anchored = where
    return (strength, wbases, reason, folder, kind,
            'anchor' if anchored else joined, is_test, call)


def _region(places: Places, change: PathChange, rs: int, rend: int,
            path: str) -> tuple[str, tuple[str, ...], Any, bool, str]:
    """(file kind, policy bases, line model or None, is a test file,
    folder) of one region, built on its first candidate."""
    data = change.data
    folder = posixpath.dirname(path)
    head = data[rs:rs + 256]
    if change.patch:
        nl = head.find(b'\n')
        first = head[:nl]
        head = head[nl + 2:] if (b' +1,' in first
                                 or b' +1 ' in first) else b''
    kind = text.file_kind(path, head)
    if places.ctx.resolve == 'both' and folder:
        bases: tuple[str, ...] = (folder, '')
    else:
        bases = places.bases or (folder,)
    mdl = None
    if kind == text.SHELL or (
            kind in (text.DOC, text.CHANGELOG) and (
                data.find(b'```', rs, rend) != -1
                or data.find(b'~~~', rs, rend) != -1
                or data.find(b'::', rs, rend) != -1
                or data.find(b'<pre', rs, rend) != -1
                or data.find(b'.nf', rs, rend) != -1
                or data.find(b'.EX', rs, rend) != -1
                or data.find(b'----', rs, rend) != -1
                or data.find(b'....', rs, rend) != -1)):
        mdl = _lines.build(data, rs, rend, change.patch, kind, folder,
                           bases if kind == text.SHELL else ('',),
                           path.endswith('.rst'),
                           path.endswith(('.adoc', '.asc', '.asciidoc')),
                           text.is_man_page(path))
    return kind, bases, mdl, text.is_test(path), folder


def _where(kind: str, bases: tuple[str, ...], folder: str, path: str,
           line: str, prefix: str, state: tuple[str | None, str | None],
           tag: int, after_variable: bool) -> tuple[
        int, tuple[str, ...] | None, str, bool] | None:
    """(strength, bases, reason, anchored) of one place in a file."""
    stripped = line.lstrip()
    if kind == text.GITMODULES:
        if stripped.startswith('url'):
            return None   # relative to the remote's URL
        return (STRONG, bases, 'a .gitmodules path', False)
    if kind == text.GENERATED:
        return (QUIET, bases, 'a generated file', False)
    if stripped.startswith('alias ') and kind in (text.SHELL,
                                                  text.CODE):
        return (QUIET, None, 'an alias, run later from the folder the '
                'user is in', False)
    if 'gitdir:' in line or 'gitdir =' in line:
        return (QUIET, bases, 'a gitdir string (relative to the git '
                'dir, not to this file)', False)
    # `__dirname + '/../x'`, `$(git rev-parse --show-toplevel)/..`
    anchor = _anchor(prefix)
    block, cwd = state
    if kind in (text.DOC, text.CHANGELOG):
        if block in _CONSOLE and not stripped.startswith(_PROMPTS):
            return None   # a command's output: an example, no reference
        if block is not None and block in _lines.SHELL_LANGS:
            if cwd is None or cwd == _lines.UNKNOWN:
                return (QUIET, None, 'a command for the reader after a '
                        'cd to an unknown folder', False)
            return (QUIET, _link(line, prefix, (cwd,)),
                    'a command for the reader, run from a folder this '
                    'file does not know', False)
        if block is not None:
            return (QUIET, bases, f'an example in a {block} code '
                    'block', False)
        if tag == 4 or stripped.startswith(('$ ', '% ', '> $ ')) or (
                line.startswith(('    ', '\t'))
                and path.endswith(('.md', '.markdown'))
                and not stripped.startswith(('-', '*', '[', '<'))):
            return (QUIET, None, 'a command for the reader', False)
        link = prefix.endswith(_LINK_BEFORE) or prefix.rstrip(
            '"\'').endswith(('src=', 'href=', 'include::', 'image::',
                             'literalinclude::', 'figure::'))
        if kind == text.CHANGELOG and not link:
            return (QUIET, bases, 'quoted text in a changelog', False)
        if not link and prefix.count('`') % 2 == 1:
            return (WEAK, bases, 'inline code in a doc', False)
        return (STRONG, bases, 'a link target' if link else
                'a path the doc refers to', False)
    if stripped.startswith('#' if kind == text.SHELL else _COMMENT):
        if kind != text.SHELL and (prefix.rstrip().endswith(
                _LINK_BEFORE) or '](' in prefix):
            return (QUIET, (folder,), 'a doc link in a code comment '
                    '(relative to the rendered page)', False)
        return (WEAK, bases, 'a comment', False)
    if anchor == 'file':
        return (STRONG, (folder,), "a path relative to the file's own "
                'folder', True)
    if anchor == 'root':
        return (STRONG, ('',), 'a path from the worktree root', True)
    if after_variable and anchor is None:
        return None   # ${dir}/..: relative to a variable
    if kind == text.SHELL:
        if cwd is None or cwd == _lines.UNKNOWN:
            return (QUIET, None, 'after a cd to an unknown folder',
                    False)
        return (STRONG, _link(line, prefix, (cwd,)),
                'a path the script uses', anchor == 'cwd')
    if anchor == 'cwd':
        return (STRONG, bases, 'a path from the current folder', True)
    return (STRONG, _link(line, prefix, bases),
            'a config value' if kind == text.CONFIG
            else 'a path the code uses', False)


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


def _link(line: str, prefix: str,
          bases: tuple[str, ...]) -> tuple[str, ...]:
    """Bases for a symlink-making command's target: the link's folder."""
    if 'ln ' in line or 'cp ' in line or 'symlink' in line:
        link = _link_folder(line, len(prefix))
        if link is not None:
            return tuple(text.norm(posixpath.join(b or '.', link))
                         for b in bases)
    return bases


def _link_folder(line: str, at: int) -> str | None:
    """When the word at ``at`` is the target of a symlink-making command
    (``ln -s``, ``cp -s``, ``os.symlink``, ``symlink_to``,
    ``fs.symlink``), the folder of the link it makes, relative to where
    the command runs."""
    if 'symlink' in line:
        m = rx(r'symlink(?:Sync)?\(\s*([\'"])(.*?)\1\s*,\s*([\'"])(.*?)\3'
               ).search(line)
        if m and m.start(2) <= at <= m.end(2):
            return posixpath.dirname(m.group(4)) or '.'
        m = rx(r'Path\(\s*([\'"])(.*?)\1\s*\)\.symlink_to\(\s*([\'"])'
               ).search(line)
        if m and at >= m.end(3):
            return posixpath.dirname(m.group(2)) or '.'
    for cmd in _lines.commands(line):
        if cmd[0][2] not in ('ln', 'cp'):
            continue
        opts = [w[2] for w in cmd[1:] if w[2].startswith('-')]
        if not any(o == '--symbolic' or (not o.startswith('--') and 's' in o)
                   for o in opts):
            continue
        args = [w for w in cmd[1:] if not w[2].startswith('-')]
        if not args or not any(w[0] <= at < w[1] for w in args[:-1]):
            continue
        dest = args[-1][2] if len(args) > 1 else '.'
        if dest.endswith('/') or len(args) > 2 or dest == '.':
            return dest.rstrip('/') or '.'
        return posixpath.dirname(dest) or '.'
    return None
