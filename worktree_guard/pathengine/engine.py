"""The path engine: candidates in bytes, their context, and verdicts.

Scanning runs on the raw bytes git produced (one patch, or one ``cat-file
--batch`` output) with patterns that each start with a literal (``../``,
``/home/``, a checkout's absolute path, ``trees/``), so ``re`` skips
between candidates at memchr speed and is imported only when a literal
occurs.  Only candidates become Python work: each is widened to its path
token, decoded (``text.decode``), placed in its file (``lines.Model``,
built only for regions with a candidate), and judged once per distinct
(token, place); line numbers are counted only for real findings.
"""
from __future__ import annotations

import posixpath

from worktree_guard.pathengine import lines as _lines
from worktree_guard.pathengine import text

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.model import Checkout
    from worktree_guard.model import PathChange

# How much a place in a file says about a path (confidence).
STRONG = 3   # the file itself uses it: link, include, import, script, config
WEAK = 2     # prose-like: inline code, a code comment -> warning
QUIET = 1    # an example for the reader (docs commands, changelogs, gitdir
#              strings, doc links in code comments) -> only known places
SKIP = 0     # not a path of this tree at all (.gitmodules URLs)

_TAIL = rb'[^ \t\r\n\v\f"\'`()\[\]{}<>,;|=:]*'
# (literals, pattern, tag, extra literal needed); tag: 0 generic token,
# 1 Windows home, 2 token in group 1 after an anchor, 3 a quoted '..',
# 4 `cd ..`, 5 a checkout's path with `//` or `/./` inside.
_FIXED: tuple[tuple[tuple[bytes, ...], bytes, int], ...] = (
    ((b'../',), rb'\.\./' + _TAIL, 0),
    ((b'..\\',), rb'\.\.\\[^ \t\r\n"\'`\\]' + _TAIL, 0),
    ((b'%2e', b'%2E'), rb'%2[eE]%2[eE]' + _TAIL, 0),
    ((b'/home/', b'/Users/'), rb'/(?:home|Users)/' + _TAIL, 0),
    ((b'sers', b'SERS'),
     rb':(?:\\{1,2}|/)(?:[Uu]sers|USERS)(?:\\{1,2}|/)' + _TAIL, 1),
    ((b'show-toplevel', b'pwd)', b'PWD'),
     rb'(?:\$\(git rev-parse --show-toplevel\)|\$\(pwd\)|\$PWD|\$\{PWD\})'
     rb'["`]?(/' + _TAIL
     + rb')', 2),
    ((b"'..'", b'".."'), rb'[\'"](\.\.)[\'"]', 3),
    ((b'cd ..',), rb'(?<![\w.-])cd[ \t]+(\.\.)(?=[\s;&|)`"\']|$)', 4),
)
# One byte every hit of a pattern holds: a memchr-fast scan (a hundred
# times faster than a multi-byte search) rules the pattern out first.
_GATES = {b'..\\': b'\\', b'%2e': b'%', b'show-toplevel': b'$'}
_SUPPRESS = rb'worktree-guard:[ \t]*allow(-next-line)?'
_HUNK = rb'@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)'
_WIN_HOME = r'[A-Za-z]:(?:\\\\?|/)(?:[Uu]sers|USERS)(?:\\\\?|/)([^\\/]+)(?:\\|/)'
_JOIN = (r'(?:join|resolve|Path)\(\s*((?:[^()\'"]|\'[^\']*\'|"[^"]*"'
         r'|\((?:[^()]|\([^()]*\))*\))*)\)')
# Expressions that mean "this file's folder" in code.
_FILE_DIR = ('__dirname', '__DIR__', 'os.path.dirname(__file__)',
             'dirname(__file__)', 'path.dirname(__filename)',
             'Path(__file__).parent', 'Path(__file__).resolve().parent',
             'os.path.dirname(os.path.abspath(__file__))',
             'os.path.dirname(os.path.realpath(__file__))',
             'path.dirname(__dirname)', 'import.meta.dirname',
             'File.dirname(__FILE__)', '__FILE__')
_COMMENT = ('#', '//', '/*', '*', '--', ';', '<!--', '%', '"""', "'''",
            'rem ', 'REM ')
_LINK_BEFORE = ('](', ']: ', ']:', '<')
_COMPILED: dict[bytes | str, Any] = {}

# What ends a path token: blanks, quotes, brackets, separators.
# Blocks of a terminal session: lines without a prompt are output.
_CONSOLE = frozenset(('console', 'shell-session', 'shellsession',
                      'terminal'))
_PROMPTS = ('$', '#', '%', '>', 'PS', '\u276f', '(')
_DELIMS = frozenset(b' \t\r\n\v\f"\'`()[]{}<>,;|=')
_TRAILING = frozenset(b',:;!?*\\')
_PLUS = 0x2B
# A token right after these is relative to a variable: ${root}/..
_VARIABLE_END = frozenset(b')}')

_OUTSIDE = ('copy or vendor what you need inside the worktree, or link to '
            'it by URL')


def _rx(source: bytes | str) -> Any:
    """A compiled pattern; ``re`` is imported on first use."""
    compiled = _COMPILED.get(source)
    if compiled is None:
        import re
        compiled = _COMPILED[source] = re.compile(source)
    return compiled


def _literal(lit: bytes) -> bytes:
    import re
    return re.escape(lit) + _TAIL


def _loose(form: bytes) -> bytes:
    """A checkout's path that also matches ``//`` and ``/./`` between
    its components."""
    import re
    sep = rb'/+(?:\./+)*'
    parts = [re.escape(p) for p in form.split(b'/') if p]
    return sep + sep.join(parts) + _TAIL


class Context:
    """What the engine knows about the checkout.  Every field is optional.

    ``checkouts``: ``facts.Checkout`` records (kind current/main/worktree,
    every absolute spelling of the root).  ``root``: the current worktree's
    absolute root (None on the server).  ``wroot``: ``worktrees.root``.
    ``resolve``: ``paths.resolve-from`` (file, root or both).  ``allow``:
    ``paths.allow`` entries.  ``branch_re``: an object with ``.match`` for
    branch-like names (None: ``issue-<N>-``).  ``container_users``: users the
    repository's Dockerfiles create.  ``symlinks``: every committed symlink
    of the tree (path -> target), for chains.  ``git_dir``: the absolute
    common git dir.  ``home``: the user's home, to expand ``~`` in
    ``judge_path``.
    """

    __slots__ = ('checkouts', 'root', 'wroot', 'resolve', 'allow',
                 'branch_re', 'container_users', 'symlinks', 'git_dir',
                 'home')

    def __init__(self, checkouts: list[Checkout] | None = None,
                 root: str | None = None, wroot: str = 'trees',
                 resolve: str = 'file', allow: list[str] | None = None,
                 branch_re: Any = None,
                 container_users: frozenset[str] | None = None,
                 symlinks: dict[str, str] | None = None,
                 git_dir: str | None = None,
                 home: str | None = None) -> None:
        self.checkouts = checkouts or []
        self.root = root
        wroot = wroot.strip('/')
        while wroot.startswith('./'):
            wroot = wroot[2:]
        self.wroot = wroot
        self.resolve = resolve
        self.allow = allow or []
        self.branch_re = branch_re
        self.container_users = container_users or frozenset()
        self.symlinks = symlinks or {}
        self.git_dir = git_dir
        self.home = home


class Finding:
    """One path finding.  ``severity`` is the most the evidence supports
    (``error`` or ``warn``; the policy may lower it); ``reason`` says why,
    in words.  ``fix`` lists fixes that keep the file working (empty when
    none is safe: the message explains instead); ``replacement`` is the
    new token text when the fix is a rewrite of the token."""

    __slots__ = ('kind', 'message', 'path', 'line', 'col', 'token',
                 'severity', 'reason', 'fix', 'replacement')

    def __init__(self, kind: str, message: str, *, path: str | None = None,
                 line: int | None = None, col: int | None = None,
                 token: str | None = None, severity: str = 'error',
                 reason: str = '', fix: list[str] | None = None,
                 replacement: str | None = None) -> None:
        self.kind = kind
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        self.token = token
        self.severity = severity
        self.reason = reason
        self.fix = fix or []
        self.replacement = replacement

    def __repr__(self) -> str:
        return (f'Finding({self.path}:{self.line}:{self.col} {self.kind} '
                f'{self.severity} {self.token!r})')


class Place:
    """Where one path lands (``Engine.judge``).  ``where``: ``inside``
    (this worktree), ``main`` (the main checkout), ``sibling`` (another
    worktree), ``git-dir``, ``home``, ``outside`` or ``unknown`` (relative
    to a variable).  ``path`` is the normalised absolute path (or None),
    ``rel`` the path inside the checkout it lands in."""

    __slots__ = ('where', 'path', 'rel', 'checkout')

    def __init__(self, where: str, path: str | None = None,
                 rel: str | None = None,
                 checkout: Checkout | None = None) -> None:
        self.where = where
        self.path = path
        self.rel = rel
        self.checkout = checkout

    def __repr__(self) -> str:
        return f'Place({self.where!r}, {self.path!r})'


# A verdict: (kind, message, fix, severity, reason, replacement).
Verdict = tuple[str, str, list[str], str, str, 'str | None']


class Engine:
    """The shared judge.  Build one per run from a ``Context``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.wroot = ctx.wroot
        self.current = next((c for c in ctx.checkouts
                             if c.kind == 'current'), None)
        self.forms = sorted(((text.norm(f), c)
                             for c in ctx.checkouts for f in c.forms),
                            key=lambda fc: -len(fc[0]))
        self.names = sorted((c.name for c in ctx.checkouts if c.name),
                            key=len, reverse=True)
        self.allow_literal: list[str] = []
        self.allow_regex: list[Any] = []
        for entry in ctx.allow:
            if entry.startswith('re:'):
                from worktree_guard.policy import compile_regex
                self.allow_regex.append(compile_regex(entry[3:]))
            else:
                self.allow_literal.append(text.norm(entry))
        specs: list[tuple[tuple[bytes, ...], bytes | None, int,
                          bytes | None]] = [
            (lits, pat, tag, None) for lits, pat, tag in _FIXED]
        specs.append(((self.wroot.encode() + b'/',), None, 0, None))
        seen: list[str] = []
        for form, _ in sorted(self.forms, key=lambda fc: len(fc[0])):
            if form != '/' and not any(form == s or form.startswith(s + '/')
                                       for s in seen):
                seen.append(form)
                lit = form.encode('utf-8', 'surrogateescape')
                specs.append(((lit,), None, 0, None))
                parts = [p for p in form.split('/') if p]
                need = max(parts, key=len).encode('utf-8', 'surrogateescape')
                specs.append(((b'//', b'/./'), lit, 5, need))
        self.specs = specs
        self.bases = {'file': None, 'root': ('',),
                      'both': None}[ctx.resolve]
        self.nested = self._nested_worktrees()

    # -- places ----------------------------------------------------------------------

    def allowed(self, token: str) -> bool:
        n = text.norm(token) if token else token
        for lit in self.allow_literal:
            if n == lit or n.startswith(lit.rstrip('/') + '/'):
                return True
        return any(r.search(n) for r in self.allow_regex)

    def checkout_of(self, abspath: str) -> tuple[Checkout, str] | None:
        """The checkout an absolute path lies in, and the path inside it."""
        for form, co in self.forms:
            if abspath == form:
                return co, ''
            if abspath.startswith(form + '/'):
                return co, abspath[len(form) + 1:]
        return None

    def branch_like(self, name: str) -> bool:
        br = self.ctx.branch_re
        if br is None:
            head, _, rest = name.partition('-')
            num, _, _ = rest.partition('-')
            return head == 'issue' and num.isdigit()
        return bool(br.match(name))

    def describe(self, co: Checkout, rel: str = '') -> str:
        if co.kind == 'main' and (rel == '.git' or rel.startswith('.git/')):
            return "the repository's git dir"
        if co.kind == 'current':
            return 'this worktree'
        if co.kind == 'main':
            return 'the main checkout'
        label = f'{self.wroot}/{co.name}' if co.name else co.path
        return f'worktree {label}' + (f' (branch {co.branch})'
                                      if co.branch else '')

    def in_tree(self, co: Checkout, rel: str) -> str | None:
        """The in-tree path when the target maps back into this tree."""
        if co.kind in ('current', 'main') and not rel.startswith('.git') \
                and not (co.kind == 'main' and (
                    rel == self.wroot or rel.startswith(self.wroot + '/'))):
            return rel or '.'
        return None

    def judge(self, path: str, cwd: str) -> Place:
        """Where ``path`` (as typed in a shell or a tool call) lands when
        seen from the absolute folder ``cwd``.  No I/O: symlinks on disk
        are not followed, committed ones (``Context.symlinks``) are."""
        p = text.decode(path.strip())
        if p.startswith('file://'):
            p = p[7:]
        if p == '~' or p.startswith('~/'):
            if self.ctx.home is None:
                return Place('unknown')
            p = self.ctx.home + p[1:]
        if p.startswith(('$', '~', '%')):
            return Place('unknown')
        target = text.norm(posixpath.join(cwd, p))
        root = self.ctx.root
        if root is not None and self.ctx.symlinks:
            rootn = text.norm(root)
            if target.startswith(rootn + '/'):
                rel = self.follow(target[len(rootn) + 1:])
                target = text.norm(posixpath.join(rootn, rel))
        git_dir = self.ctx.git_dir
        if git_dir is not None:
            g = text.norm(git_dir)
            if target == g or target.startswith(g + '/'):
                return Place('git-dir', target, target[len(g) + 1:])
        hit = self.checkout_of(target)
        if hit is not None:
            co, rel = hit
            if co.kind != 'current' and (
                    rel == '.git' or rel.startswith('.git/')):
                return Place('git-dir', target, rel, co)
            if co.kind == 'current':
                if rel == '.git' or rel.startswith('.git/'):
                    return Place('git-dir', target, rel, co)
                return Place('inside', target, rel, co)
            if co.kind == 'main':
                head = rel.split('/', 2)
                if len(head) > 1 and head[0] == self.wroot \
                        and self.branch_like(head[1]):
                    return Place('sibling', target, rel, co)
                return Place('main', target, rel, co)
            return Place('sibling', target, rel, co)
        user = text.home_user(target)
        if user is not None:
            return Place('home', target)
        return Place('outside', target)

    def follow(self, path: str) -> str:
        """A root-relative path resolved component by component through
        the committed symlinks (chains too), normalised; it may climb out
        (``../x``) or become absolute."""
        links = self.ctx.symlinks
        stack: list[str] = []
        parts = [p for p in path.split('/') if p not in ('', '.')]
        i = hops = 0
        while i < len(parts):
            p = parts[i]
            i += 1
            if p == '..':
                if stack and stack[-1] != '..':
                    stack.pop()
                else:
                    stack.append('..')
                continue
            stack.append(p)
            target = None if '..' in stack else links.get('/'.join(stack))
            if target is not None and hops < 40:
                hops += 1
                stack.pop()
                if target.startswith('/'):
                    return text.norm('/'.join([target, *parts[i:]]))
                parts = [q for q in target.split('/')
                         if q not in ('', '.')] + parts[i:]
                i = 0
        return '/'.join(stack) or '.'

    # -- entries: staged worktrees and symlinks ----------------------------------

    def _nested_worktrees(self) -> list[str]:
        """Other checkouts that sit inside this one, as in-tree paths."""
        cur = self.current
        rels: list[str] = []
        if cur is None:
            return rels
        for co in self.ctx.checkouts:
            if co is cur:
                continue
            for form in co.forms:
                for base in cur.forms:
                    if form.startswith(base.rstrip('/') + '/'):
                        rels.append(form[len(base.rstrip('/')) + 1:])
        return rels

    def worktree_key(self, path: str) -> str | None:
        root = self.wroot
        if path == root:
            return root
        if path.startswith(root + '/'):
            return f'{root}/{path[len(root) + 1:].split("/", 1)[0]}'
        for rel in self.nested:
            if path == rel or path.startswith(rel + '/'):
                return rel
        return None

    def symlink(self, path: str, target: str) -> Finding | None:
        """A committed symlink ``path -> target``: error when it leaves
        the worktree (alone or through other committed links) or lands
        in a sibling worktree."""
        import shlex

        from worktree_guard.model import quote_path
        if self.allowed(target):
            return None
        base = posixpath.dirname(path)
        shown = quote_path(target)
        fix = [f'git rm --cached -- {shlex.quote(path)}']
        if target.startswith(('/', '\\\\')) or (
                target[1:3] in (':\\', ':/') and target[0].isalpha()):
            msg = (f'symlink {path} -> {shown} has an absolute target: it '
                   'points at one machine\'s files')
            hit = self.checkout_of(text.norm(target)) \
                if target.startswith('/') else None
            if hit is None and target.startswith('/') and \
                    text.home_user(text.norm(target)) is None:
                # /usr/local/opt/bash/bin/bash: an install location, the
                # same on every machine that has it (dotfiles): weak.
                return Finding('escaping-symlink', msg, path=path,
                               token=shown, severity='warn',
                               reason='an absolute symlink to a system '
                               'location', fix=fix)
            if hit is not None:
                co, rel = hit
                if self.in_tree(co, rel) is not None:
                    link = posixpath.relpath(rel or '.', base or '.')
                    fix = [f'ln -sfn {shlex.quote(link)} {shlex.quote(path)}'
                           f' && git add -- {shlex.quote(path)}']
            return Finding('escaping-symlink', msg, path=path, token=shown,
                           reason='a committed symlink', fix=fix)
        joined = posixpath.join(base, text.decode(target))
        norm = text.norm(joined)
        chain = False
        if not text.escapes(norm) and self.ctx.symlinks:
            followed = self.follow(joined)
            chain = followed != norm
            norm = followed
        if text.escapes(norm) or norm.startswith('/'):
            msg = f'symlink {path} -> {shown} points outside the worktree'
            if chain:
                msg += (f' through other committed symlinks (it resolves '
                        f'to {quote_path(norm)})')
            elif norm != target:
                msg += f' (it resolves to {quote_path(norm)})'
            return Finding('escaping-symlink', msg,
                           path=path, token=shown,
                           reason='a committed symlink', fix=fix)
        parts = norm.split('/')
        if len(parts) > 1 and parts[0] == self.wroot and (
                parts[1] in self.names or self.branch_like(parts[1])):
            return Finding(
                'escaping-symlink',
                f'symlink {path} -> {shown} points into worktree '
                f'{self.wroot}/{parts[1]}: every worktree is its own '
                'project root', path=path, token=shown,
                reason='a committed symlink', fix=fix)
        return None

    # -- content ----------------------------------------------------------------------

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
        found: list[tuple[int, Finding]] = []
        seen: set[int] = set()
        memo: dict[tuple[Any, ...], Verdict | None] = {}
        data = change.data
        models: dict[int, Any] = {}
        for literals, source, tag, need in self.specs:
            gate = _GATES.get(literals[0])
            if gate is not None and gate not in data:
                continue
            if (need is None or need in data) and any(
                    lit in data for lit in literals):
                if tag == 5:
                    pat = _rx(_loose(source))   # type: ignore[arg-type]
                else:
                    pat = _rx(source if source is not None
                              else _literal(literals[0]))
                self._hits(change, pat, tag % 5, seen, memo, found, models)
        found.sort(key=lambda pv: pv[0])
        return [f for _, f in found]

    def _hits(self, change: PathChange, pat: Any, tag: int, seen: set[int],
              memo: dict[tuple[Any, ...], Verdict | None],
              found: list[tuple[int, Finding]],
              models: dict[int, Any]) -> None:
        """Judge the tokens around each hit of one pattern."""
        data = change.data
        regions = change.regions
        patch = change.patch
        lines = _LineCounter(data, patch)
        ri, nreg = 0, len(regions)
        rs, rend, path = regions[0]
        for m in pat.finditer(data):
            pos, end = m.span()
            if pos >= rend:
                ri += 1
                while ri < nreg and regions[ri][1] <= pos:
                    ri += 1
                if ri == nreg:
                    return
                rs, rend, path = regions[ri]
            if pos < rs:
                continue
            ls = data.rfind(b'\n', rs, pos) + 1 or rs
            if patch:
                if data[ls] != _PLUS:
                    continue   # context or removed line, or a hunk header
                cs = ls + 1
            else:
                cs = ls
            if tag >= 2:
                span: tuple[int, int] | None = _trim(data, m.start(1),
                                                     m.end(1))
            else:
                span = _token(data, cs, pos, end, tag)
            if span is None or span[0] in seen:
                continue
            ts, te = span
            seen.add(ts)
            le = data.find(b'\n', pos, rend)
            if le == -1:
                le = rend
            raw = data[ts:te]
            site = self._site(change, ri, rs, rend, path, cs, ts, le, tag,
                              models)
            if site is None:
                continue
            if tag == 3:
                # One finding per join(...) call, at its first '..'.
                call = ~(cs + site[7])
                if call in seen:
                    continue
                seen.add(call)
            key = (raw, site, tag)
            if key in memo:
                verdict = memo[key]
            else:
                verdict = memo[key] = self.classify(
                    raw.decode('utf-8', 'surrogateescape'), site, tag)
            if verdict is None:
                continue
            if _suppressed(data, rs, ls, cs, le, patch):
                continue
            kind, msg, fix, severity, reason, repl = verdict
            token = raw.decode('utf-8', 'surrogateescape')
            if tag == 3 and site[5]:
                token = site[5]
            col = len(data[cs:ts].decode('utf-8', 'surrogateescape')) + 1
            found.append((ts, Finding(
                kind, msg, path=path, line=lines.line(ri, rs, ls), col=col,
                token=token, severity=severity, reason=reason, fix=fix,
                replacement=repl)))

    # -- where a token sits --------------------------------------------------------

    def _site(self, change: PathChange, ri: int, rs: int, rend: int,
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
            model = models[ri] = self._model(change, rs, rend, path)
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
        where = self._where(kind, bases, folder, path, line, prefix,
                            mdl.at(ts) if mdl is not None else (None, None),
                            tag, after_variable)
        if where is None:
            return None
        strength, wbases, reason, anchored = where
        return (strength, wbases, reason, folder, kind,
                'anchor' if anchored else joined, is_test, call)

    def _model(self, change: PathChange, rs: int, rend: int,
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
        if self.ctx.resolve == 'both' and folder:
            bases: tuple[str, ...] = (folder, '')
        else:
            bases = self.bases or (folder,)
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

    def _where(self, kind: str, bases: tuple[str, ...], folder: str,
               path: str, line: str, prefix: str,
               state: tuple[str | None, str | None], tag: int,
               after_variable: bool) -> tuple[
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
                return (QUIET, self._link(line, prefix, (cwd,)),
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
            return (STRONG, self._link(line, prefix, (cwd,)),
                    'a path the script uses', anchor == 'cwd')
        if anchor == 'cwd':
            return (STRONG, bases, 'a path from the current folder', True)
        return (STRONG, self._link(line, prefix, bases),
                'a config value' if kind == text.CONFIG
                else 'a path the code uses', False)

    def _link(self, line: str, prefix: str,
              bases: tuple[str, ...]) -> tuple[str, ...]:
        """Bases for a symlink-making command's target: the link's folder."""
        if 'ln ' in line or 'cp ' in line or 'symlink' in line:
            link = _link_folder(line, len(prefix))
            if link is not None:
                return tuple(text.norm(posixpath.join(b or '.', link))
                             for b in bases)
        return bases

    # -- verdicts ----------------------------------------------------------------------

    def classify(self, raw: str, site: tuple[Any, ...],
                 tag: int) -> Verdict | None:
        """The verdict for one token at one site, or None when fine."""
        strength, bases, reason, folder, kind, joined, is_test, _ = site
        doc = kind in (text.DOC, text.CHANGELOG)
        if doc and strength < STRONG and (tag == 1 or (
                '/' in raw
                and text.home_user(text.decode(raw, True)) is not None)):
            # A home path in a doc's code (inline code, a code block, a
            # command or its output): an example of someone's machine
            # shown to the reader (`export X=/home/john_doe/.asdf`), never a
            # reference the doc uses (asdf's /home/john_doe/.asdf, Pro
            # Git's /home/schacon/.ssh/id_rsa).
            return None
        if tag == 1:
            m = _rx(_WIN_HOME).match(text.decode(raw) if '\\\\' in raw
                                     else raw)
            if m and not is_test and text.plausible_user(
                    m.group(1), self.ctx.container_users):
                return ('home-path', f"'{raw}' is a home-directory path: it "
                        'exists on one machine only; use a path relative to '
                        'the worktree', [], 'error', 'a real user\'s home',
                        None)
            return None
        t = joined if tag == 3 else text.decode(raw, doc)
        if not t:  # pragma: no cover (defensive: a candidate holds a path)
            return None
        if joined == 'anchor':
            t = t.lstrip('/') or '.'
        if t.startswith('//') and ':' not in t:
            t = '/' + t.lstrip('/')
        if self.allowed(t):
            return None
        if t.startswith('/'):
            return self._absolute(raw, t, kind, folder, is_test)
        if t[0] in '~$%':   # relative to a variable or the home folder
            return None
        if '\\' in raw and t.count('/') == 1 and t.split('/')[1] in _REGEX:
            return None   # a regex ('..\d'), not a Windows path
        n = text.norm(_clean(t) or '.')
        if tag == 4 or n == '..' or '..' in t.split('/'):
            if strength > QUIET and is_test:
                strength, reason = QUIET, 'test data'
            elif strength > QUIET and _payload(t):
                # ../../etc/passwd: an example of path traversal.
                strength, reason = WEAK, 'a path-traversal example'
            if kind in (text.DOC, text.CHANGELOG) and reason != \
                    'a link target' and t in ('..', '../'):
                return None   # `../` named in prose: the syntax, no path
            v = self._relative(raw, t, strength, bases, reason, folder,
                               kind in (text.DOC, text.CHANGELOG)
                               and tag == 0 and not joined)
            if v is not None or bases is None:
                return v
        elif bases is None:
            return None
        return self._sibling(raw, n, strength, is_test)

    def _absolute(self, raw: str, t: str, kind: str, folder: str,
                  is_test: bool) -> Verdict | None:
        norm = text.norm(t)
        hit = self.checkout_of(norm)
        if hit is not None:
            co, rel = hit
            where = self.describe(co, rel)
            sugg = self.in_tree(co, rel)
            if sugg is not None and kind in (text.DOC, text.CHANGELOG):
                # Docs resolve relative paths from their own folder (or
                # the root, by policy): the rewrite names the same file.
                repl = sugg
                fixtext = f'use the in-tree path {sugg}'
                if folder and self.ctx.resolve != 'root':
                    repl = posixpath.relpath(sugg, folder)
                    fixtext = (f'use the in-tree path {repl} (relative to '
                               f'{folder}/; {sugg} from the worktree root)')
                return ('absolute-checkout',
                        f"'{raw}' is an absolute path into {where}: it "
                        'exists on this machine only', [fixtext], 'error',
                        f'lands in {where}', repl)
            if sugg is not None:
                why = (f'use the in-tree path {sugg}, relative to the '
                       'folder this file runs from')
            elif co.kind == 'main' and where.endswith('git dir'):
                why = "the git dir is not part of the project's files"
            elif rel:
                why = (f'refer to in-tree paths of this branch only; {rel} '
                       'reaches it through a merge, not a path')
            else:
                why = 'use a path relative to the worktree'
            return ('absolute-checkout',
                    f"'{raw}' is an absolute path into {where}: it exists "
                    f'on this machine only; {why}', [], 'error',
                    f'lands in {where}', None)
        user = text.home_user(norm)
        if user is not None and not is_test and text.plausible_user(
                user, self.ctx.container_users):
            return ('home-path', f"'{raw}' is a home-directory path: it "
                    'exists on one machine only; use a path relative to '
                    'the worktree', [], 'error', "a real user's home", None)
        return None

    def _relative(self, raw: str, t: str, strength: int,
                  bases: tuple[str, ...] | None, reason: str,
                  folder: str, rewritable: bool) -> Verdict | None:
        if bases is None or strength == QUIET:
            return None   # from an unknown folder: never an error alone
        clean = _clean(t)
        norms = [text.norm(posixpath.join(b or '.', clean)) for b in bases]
        if not all(text.escapes(n) for n in norms):
            return None
        start = f'{bases[0]}/' if bases[0] else 'the worktree root'
        msg = (f"'{raw}' climbs out of the worktree: resolved from {start} "
               f'it is {norms[0]}')
        known = None
        fix: list[str] = []
        repl = None
        root = self.ctx.root
        if root is not None:
            target = text.norm(posixpath.join(root, bases[0] or '.', clean))
            hit = self.checkout_of(target)
            if hit is not None and not (hit[0].kind == 'main' and (
                    hit[1] == self.wroot
                    or hit[1].startswith(self.wroot + '/'))):
                co, rel = hit
                known = self.describe(co, rel)
                msg += f', in {known}'
                sugg = self.in_tree(co, rel)
                # A rewrite keeps the file working only where the token
                # is a plain path read from a known folder (docs); in
                # code and scripts the program's folder decides.
                if sugg is not None and len(bases) == 1 and \
                        strength == STRONG and rewritable:
                    repl = posixpath.relpath(sugg, bases[0] or '.')
                    if bases[0] == folder and folder and \
                            self.ctx.resolve == 'file':
                        fix = [f'use the in-tree path {repl} (relative to '
                               f'{folder}/; {sugg} from the worktree root)']
                    else:
                        fix = [f'use the in-tree path {repl}']
        if known is not None and (strength == STRONG
                                  or known != 'the main checkout'):
            # A sibling or the git dir is named on purpose; any `../../x`
            # of weak evidence lands in the main checkout from trees/<x>.
            return ('relative-escape', msg, fix, 'error',
                    f'{reason}; lands in {known}', repl)
        msg += f': {_OUTSIDE}'
        ref = reason == 'a link target' and _ref_link(norms[0])
        if ref == 'tag':
            return None   # ../../v1.2.0/README.md: a tag, as GitHub reads it
        if strength == WEAK or ref:
            # A doc link one level above the root, to <ref>/<path>, that
            # lands in no known place: on GitHub a /blob/<ref>/ page
            # opens another tag's file (`../../v1.2.0/README.md`).
            return ('relative-escape', msg + f' (a warning: {reason})', [],
                    'warn', reason, None)
        return ('relative-escape', msg, [], 'error', reason, None)

    def _sibling(self, raw: str, n: str, strength: int,
                 is_test: bool) -> Verdict | None:
        root = self.wroot
        if not n.startswith(root + '/'):
            return None
        rest = n[len(root) + 1:]
        name = next((x for x in self.names if rest.startswith(x + '/')
                     and len(rest) > len(x) + 1), None)
        severity = 'error'
        if name is None:
            # Named like a worktree, but none of this machine: as strong
            # as the place it sits in (test data and examples pass).
            seg, _, more = rest.partition('/')
            if not more or not self.branch_like(seg) or is_test or \
                    strength == QUIET:
                return None
            name = seg
            severity = 'warn' if strength == WEAK else 'error'
        inner = rest[len(name) + 1:]
        own = self.current is not None and self.current.name == name
        msg = (f"'{raw}' reaches into worktree {root}/{name}"
               + (' (this worktree, through the main checkout)' if own
                  else '') + ': every worktree is its own project root')
        if own:
            return ('sibling-worktree', msg, [f'use the in-tree path {inner}'],
                    'error', f'lands in {root}/{name}', inner)
        return ('sibling-worktree', msg + f'; refer to in-tree paths of this '
                f'branch only ({inner} reaches it through a merge)', [],
                severity, f'lands in {root}/{name}', None)


# -- token helpers -------------------------------------------------------------------

_REGEX = frozenset('dwsbDWSB.')
# What traversal examples aim at: ../../etc/passwd, windows/win.ini.
_PAYLOADS = ('etc/passwd', 'etc/shadow', 'etc/hosts', 'etc/group',
             'windows/win.ini', 'windows/system32', 'winnt/win.ini',
             'boot.ini', 'proc/self/')


def _ref_link(n: str) -> str:
    """``../<ref>/<path>``: one level above the root, then a ref and a
    path, the shape of GitHub's blob/tree link to another ref: ``tag``
    when the ref is a version or a usual branch name, ``ref`` for any
    other name (a sibling repository?), '' for another shape."""
    parts = n.split('/')
    if len(parts) < 3 or parts[1] == '..' or not parts[2]:
        return ''
    name = parts[1]
    if name[:1].isdigit() or (name[:1] in 'vV' and name[1:2].isdigit()) \
            or name in ('main', 'master', 'HEAD', 'develop', 'trunk'):
        return 'tag'
    return 'ref'


def _payload(t: str) -> bool:
    """A path-traversal example: two or more ``..``, then a classic
    target file of the attack."""
    parts = [p for p in t.split('/') if p not in ('', '.')]
    ups = 0
    while ups < len(parts) and parts[ups] == '..':
        ups += 1
    return ups >= 2 and '/'.join(parts[ups:]).lower().startswith(_PAYLOADS)


def _clean(t: str) -> str:
    """A link's path without its ``#fragment`` or ``?query`` (a ``?``
    or ``#`` followed by more path is a glob or a name, kept)."""
    for mark in '#?':
        head, sep, tail = t.partition(mark)
        if sep and '/' not in tail:
            t = head
    return t


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
            if expr.endswith(_FILE_DIR):
                return 'file'
    if p.endswith(('$(dirname "$0")', '$(dirname $0)', '${BASH_SOURCE%/*}',
                   '$(dirname "${BASH_SOURCE[0]}")')):
        return 'file'
    return None


def _joined(line: str, at: int) -> tuple[str, str, int] | None:
    """For a quoted ``'..'`` at ``at``: (base, joined path) of the
    ``join(...)`` call it is an argument of; base ``file`` when the first
    argument is this file's folder, else ``cwd``."""
    for m in _rx(_JOIN).finditer(line):
        if not m.start(1) <= at < m.end(1):
            continue
        args = _split_args(m.group(1))
        base = 'cwd'
        parts: list[str] = []
        for i, arg in enumerate(args):
            a = arg.strip()
            if len(a) >= 2 and a[0] in '\'"' and a[-1] == a[0]:
                parts.append(a[1:-1])
            elif i == 0 and a in _FILE_DIR:
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


def _link_folder(line: str, at: int) -> str | None:
    """When the word at ``at`` is the target of a symlink-making command
    (``ln -s``, ``cp -s``, ``os.symlink``, ``symlink_to``,
    ``fs.symlink``), the folder of the link it makes, relative to where
    the command runs."""
    if 'symlink' in line:
        m = _rx(r'symlink(?:Sync)?\(\s*([\'"])(.*?)\1\s*,\s*([\'"])(.*?)\3'
                ).search(line)
        if m and m.start(2) <= at <= m.end(2):
            return posixpath.dirname(m.group(4)) or '.'
        m = _rx(r'Path\(\s*([\'"])(.*?)\1\s*\)\.symlink_to\(\s*([\'"])'
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


def _trim(data: bytes, ts: int, te: int) -> tuple[int, int] | None:
    while te > ts and (data[te - 1] in _TRAILING or (
            data[te - 1] == 0x2E and te - 2 >= ts and data[te - 2] != 0x2E)):
        te -= 1
    return (ts, te) if te > ts else None


def _token(data: bytes, cs: int, pos: int, te: int,
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
    return _trim(data, ts, te)


def _suppressed(data: bytes, rs: int, ls: int, cs: int, le: int,
                patch: bool) -> bool:
    """``worktree-guard: allow`` on the line, or ``allow-next-line`` on the
    line before it (in the new file)."""
    rx = _rx(_SUPPRESS)
    for m in rx.finditer(data, cs, le):
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
        return any(m.group(1) for m in rx.finditer(data, start, end))
    return False


class _LineCounter:
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
                m = _rx(_HUNK).match(data, hh)
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
