"""worktree-paths: nothing committed reaches across a worktree boundary.

A pure function of ``PathFacts`` (gitctx/paths.py) and the policy; no git.

Scanning is done on the raw bytes git produced (one patch, or one
``cat-file --batch`` output) with patterns that each start with a literal
(``../``, ``/home/``, a checkout's absolute path, ``trees/``), so ``re``
skips between candidates at memchr speed.  Only candidates become Python
work: each is widened to its path token, the token is classified once, and
line numbers are counted only for real findings.
"""
from __future__ import annotations

import posixpath

from worktree_guard.model import Violation
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import choice
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

# `typing` and `re` cost milliseconds of a hook run: `re` is imported only
# when the content holds a candidate; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.model import Checkout
    from worktree_guard.model import PathChange
    from worktree_guard.model import PathFacts
    from worktree_guard.policy import Policy

RULE = 'worktree-paths'
FACTS = 'paths'
SPEC = RuleSpec(
    RULE, hook_id='check-worktree-paths', stages=('commit', 'push'),
    facts=FACTS,
    kinds={'relative-escape': 'error', 'absolute-checkout': 'error',
           'sibling-worktree': 'error', 'home-path': 'warn',
           'escaping-symlink': 'error', 'staged-worktree': 'error'},
    summary='nothing committed reaches across worktree boundaries',
    explain="""\
Every worktree is its own project root.  Committed content may not reference
paths outside it: `../` paths that climb out of the worktree, absolute paths
into the main checkout or any worktree, `trees/issue-N-.../` references to a
sibling worktree, home-directory paths (warning), symlinks that escape, or
worktrees staged into the repo.  Suppress one line with a trailing
`worktree-guard: allow` comment, or the next with `worktree-guard:
allow-next-line`.

Fix: write paths relative to this worktree (docs/x.md, not
../main-repo/docs/x.md or /home/ann/app/docs/x.md); make symlinks relative
and inside the tree; unstage a worktree swept in by `git add -A`:
git rm --cached -r -- trees/<name>   and add /trees/ to .gitignore.""",
    section=Section('paths', {
        'scope': choice(
            ('added', 'all'),
            "'added' checks only the lines a change adds; 'all' whole "
            'files.'),
        'resolve-from': choice(
            ('file', 'root', 'both'),
            "Where relative '..' paths start: the file's folder, the "
            'worktree root, or both (flag only if both escape).'),
        'include': string_list(
            'gitignore-style patterns; when set, only matching files are '
            'checked.', glob='path'),
        'exclude': string_list(
            'gitignore-style patterns of files never checked.',
            glob='path'),
        'allow': string_list(
            "Path tokens to accept: a literal, or 're:<RE2 regex>'."),
        'max-file-size': key(
            '1MiB', 'Files larger than this are skipped (bytes, or e.g. '
            "'512KiB', '1MB').", type=['integer', 'string'],
            pattern='^[0-9]+ *([kKmMgG]i?[bB]?|[bB])?$', minimum=1),
        'baseline': key(
            '.worktree-guard-baseline.json', 'The baseline file, relative to '
            'the worktree root: the findings accepted on adoption '
            "('worktree-guard baseline' writes it).", type='string',
            min_length=1, pattern='^(?!/)(?!(.*/)?\\.\\.(/|$))'),
    }),
)

# Each hot pattern is a literal, then the rest of the token (up to a
# delimiter or a colon), so the token's tail is found in C.  A pattern runs
# only when one of its literals occurs in the content (``bytes in``).
_TAIL = rb'[^ \t\r\n\v\f"\'`()\[\]{}<>,;|=:]*'
_FIXED: tuple[tuple[tuple[bytes, ...], bytes, int], ...] = (
    ((b'../',), rb'\.\./' + _TAIL, 0),
    ((b'/home/', b'/Users/'), rb'/(?:home|Users)/' + _TAIL, 0),
    # Tag 1: Windows drive paths (C:\Users\..., c:/users/..., JSON \\).
    ((b'sers', b'SERS'),
     rb':(?:\\{1,2}|/)(?:[Uu]sers|USERS)(?:\\{1,2}|/)' + _TAIL, 1),
)
_SUPPRESS = rb'worktree-guard:[ \t]*allow(-next-line)?'
_HUNK = rb'@@ -[0-9]+(?:,[0-9]+)? \+([0-9]+)'
_WIN_HOME = r'[A-Za-z]:(?:\\\\?|/)(?:[Uu]sers|USERS)(?:\\\\?|/)[^\\/]+(?:\\|/)'
_COMPILED: dict[bytes | str, Any] = {}


def _rx(source: bytes | str) -> Any:
    """A compiled pattern; ``re`` is imported on first use."""
    compiled = _COMPILED.get(source)
    if compiled is None:
        import re
        compiled = _COMPILED[source] = re.compile(source)
    return compiled


def _literal(text: bytes) -> bytes:
    import re
    return re.escape(text) + _TAIL


# What ends a path token: blanks, quotes, brackets, separators.
_DELIMS = frozenset(b' \t\r\n\v\f"\'`()[]{}<>,;|=')
_TRAILING = frozenset(b',:;!?*\\')

_GENERIC_FIX = ('keep references inside the worktree: copy or vendor what '
                'you need, or link to it by URL')
_HOME_FIX = 'use a path relative to the worktree'
_PLUS = 0x2B
# A token right after these is relative to a variable: $(pwd)/.., ${root}/..
_VARIABLE_END = frozenset(b')}')


def check(facts: PathFacts, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    judge = _Judge(facts, policy)
    out: list[Violation] = []
    for change in facts.changes:
        judge.entries(change, out)
        judge.scan(change, out)
    if facts.skipped and notes is not None:
        notes.append('worktree-paths: skipped ' + ', '.join(
            f'{n} {one if n == 1 else many}' for n, one, many in facts.skipped))
    return out


class _Judge:
    def __init__(self, facts: PathFacts, policy: Policy) -> None:
        self.facts = facts
        self.policy = policy
        self.resolve = policy['paths']['resolve-from']
        self.wroot: str = policy['worktrees']['root'].strip('/')
        while self.wroot.startswith('./'):
            self.wroot = self.wroot[2:]
        self.current = next((c for c in facts.checkouts
                             if c.kind == 'current'), None)
        # Every absolute spelling of every checkout, longest first.
        self.forms = sorted(((f.rstrip('/') or '/', c)
                             for c in facts.checkouts for f in c.forms),
                            key=lambda fc: -len(fc[0]))
        self.names = sorted((c.name for c in facts.checkouts if c.name),
                            key=len, reverse=True)
        self.allow_literal: list[str] = []
        self.allow_regex: list[Any] = []
        for entry in policy['paths']['allow']:
            if entry.startswith('re:'):
                from worktree_guard.policy import compile_regex
                self.allow_regex.append(compile_regex(entry[3:]))
            else:
                self.allow_literal.append(entry)
        # (literals, pattern or None for "the literal", tag) to search.
        specs: list[tuple[tuple[bytes, ...], bytes | None, int]] = [
            *_FIXED, ((self.wroot.encode() + b'/',), None, 0)]
        seen: list[str] = []
        for form, _ in sorted(self.forms, key=lambda fc: len(fc[0])):
            if form != '/' and not any(form == s or form.startswith(s + '/')
                                       for s in seen):
                seen.append(form)
                specs.append(((form.encode('utf-8', 'surrogateescape'),),
                              None, 0))
        self.specs = specs
        self._branch_re: Any = None
        self.nested = self._nested_worktrees()

    # -- helpers -----------------------------------------------------------------

    def allowed(self, token: str) -> bool:
        for lit in self.allow_literal:
            if token == lit or token.startswith(lit.rstrip('/') + '/'):
                return True
        return any(r.search(token) for r in self.allow_regex)

    def checkout_of(self, abspath: str) -> tuple[Checkout, str] | None:
        """The checkout an absolute path lies in, and the path inside it."""
        for form, co in self.forms:
            if abspath == form:
                return co, ''
            if abspath.startswith(form + '/'):
                return co, abspath[len(form) + 1:]
        return None

    def suggest(self, rel: str, folder: str) -> str:
        """How a file in ``folder`` should spell the in-tree path ``rel``."""
        rel = rel or '.'
        if self.resolve == 'file' and folder:
            return (f'{posixpath.relpath(rel, folder)} (relative to '
                    f'{folder}/; {rel} from the worktree root)')
        return rel

    def branch_re(self) -> Any:
        if self._branch_re is None:
            self._branch_re = self.policy.branch_regex()
        return self._branch_re

    def describe(self, co: Checkout) -> str:
        if co.kind == 'current':
            return 'this worktree'
        if co.kind == 'main':
            return 'the main checkout'
        label = f'{self.wroot}/{co.name}' if co.name else co.path
        return f'worktree {label}' + (f' (branch {co.branch})'
                                      if co.branch else '')

    def in_tree(self, co: Checkout, rel: str, folder: str) -> str | None:
        """The in-tree spelling when the target maps back into this tree."""
        if co.kind in ('current', 'main') and not rel.startswith('.git') \
                and not (co.kind == 'main' and (
                    rel == self.wroot or rel.startswith(self.wroot + '/'))):
            return self.suggest(rel, folder)
        return None

    # -- entries: staged worktrees and symlinks ------------------------------------

    def entries(self, change: PathChange, out: list[Violation]) -> None:
        groups: dict[str, list[str]] = {}
        nested = self.nested
        for path, mode, target in change.entries:
            key = self._worktree_key(path, nested)
            if key is not None:
                groups.setdefault(key, []).append(mode)
            elif target is not None:
                v = self._symlink(path, target, change.ref)
                if v is not None:
                    out.append(v)
        for key, modes in groups.items():
            if self.allowed(key):
                continue
            out.append(self._staged(key, modes, change.ref))

    def _nested_worktrees(self) -> list[str]:
        """Other checkouts that sit inside this one, as in-tree paths."""
        cur = self.current
        rels: list[str] = []
        if cur is None:
            return rels
        for co in self.facts.checkouts:
            if co is cur:
                continue
            for form in co.forms:
                for base in cur.forms:
                    if form.startswith(base.rstrip('/') + '/'):
                        rels.append(form[len(base.rstrip('/')) + 1:])
        return rels

    def _worktree_key(self, path: str, nested: list[str]) -> str | None:
        root = self.wroot
        if path == root:
            return root
        if path.startswith(root + '/'):
            return f'{root}/{path[len(root) + 1:].split("/", 1)[0]}'
        for rel in nested:
            if path == rel or path.startswith(rel + '/'):
                return rel
        return None

    def _staged(self, key: str, modes: list[str],
                ref: str | None) -> Violation:
        import shlex
        if '160000' in modes:
            what = f'{key} is staged as a gitlink (an embedded repository)'
        else:
            n = len(modes)
            what = f'{n} file{"s" * (n != 1)} under {key}/ {"are" if n != 1 else "is"} staged'
        ignore = self.wroot if key.startswith(self.wroot) else key
        return Violation(
            RULE, f'{what}: worktrees must never be committed into the '
                  'repository', kind='staged-worktree', path=key, ref=ref,
            token=key,
            fix=[f'git rm --cached -r -- {shlex.quote(key)}',
                 f"echo '/{ignore}/' >> .gitignore   (the line /{ignore}/ "
                 'in the main checkout\'s .gitignore)'],
        )

    def _symlink(self, path: str, target: str,
                 ref: str | None) -> Violation | None:
        import shlex
        if self.allowed(target):
            return None
        base = posixpath.dirname(path)
        fix = [f'git rm --cached -- {shlex.quote(path)}', _GENERIC_FIX]
        if target.startswith(('/', '\\\\')) or (
                target[1:3] in (':\\', ':/') and target[0].isalpha()):
            msg = (f'symlink {path} -> {target} has an absolute target: it '
                   'points at one machine\'s files')
            hit = self.checkout_of(posixpath.normpath(target)) \
                if target.startswith('/') else None
            if hit is not None:
                co, rel = hit
                if self.in_tree(co, rel, base) is not None:
                    link = posixpath.relpath(rel or '.', base or '.')
                    fix = [f'ln -sfn {shlex.quote(link)} {shlex.quote(path)}'
                           f' && git add -- {shlex.quote(path)}']
        else:
            norm = posixpath.normpath(posixpath.join(base, target))
            if not _escapes(norm):
                return None
            msg = f'symlink {path} -> {target} points outside the worktree'
            if norm != target:
                msg += f' (it resolves to {norm})'
        return Violation(RULE, msg, kind='escaping-symlink', path=path,
                         line=None, ref=ref, token=target, fix=fix)

    # -- content ---------------------------------------------------------------------

    def scan(self, change: PathChange, out: list[Violation]) -> None:
        if not change.regions:
            return
        found: list[tuple[int, Violation]] = []
        seen: set[int] = set()
        memo: dict[tuple[bytes, str, bool, int], tuple[
            str, str, list[str]] | None] = {}
        data = change.data
        for literals, source, tag in self.specs:
            if any(lit in data for lit in literals):
                pat = _rx(source if source is not None
                          else _literal(literals[0]))
                self._hits(change, pat, tag, seen, memo, found)
        found.sort(key=lambda pv: pv[0])
        out.extend(v for _, v in found)

    def _hits(self, change: PathChange, pat: Any, tag: int, seen: set[int],
              memo: dict[tuple[bytes, str, bool, int], tuple[
                  str, str, list[str]] | None],
              found: list[tuple[int, Violation]]) -> None:
        """Judge the tokens around each hit of one pattern."""
        data = change.data
        regions = change.regions
        patch = change.patch
        local = change.ref is None
        lines = _LineCounter(data, patch)
        # Hits and regions are both sorted: walk them in step.
        ri, nreg = 0, len(regions)
        rs, rend, path = regions[0]
        folder = posixpath.dirname(path)
        for m in pat.finditer(data):
            pos, end = m.span()
            if pos >= rend:
                ri += 1
                while ri < nreg and regions[ri][1] <= pos:
                    ri += 1
                if ri == nreg:
                    return
                rs, rend, path = regions[ri]
                folder = posixpath.dirname(path)
            if pos < rs:
                continue
            ls = data.rfind(b'\n', rs, pos) + 1 or rs
            if patch:
                if data[ls] != _PLUS:
                    continue   # context or removed line, or a hunk header
                cs = ls + 1
            else:
                cs = ls
            span = _token(data, cs, pos, end, tag)
            if span is None or span[0] in seen:
                continue
            ts, te = span
            seen.add(ts)
            raw = data[ts:te]
            skip = ts > cs and data[ts - 1] in _VARIABLE_END
            key = (raw, folder, skip, tag)
            if key in memo:
                verdict = memo[key]
            else:
                verdict = memo[key] = None if skip else self.classify(
                    raw.decode('utf-8', 'surrogateescape'), folder, tag,
                    local)
            if verdict is None:
                continue
            token = raw.decode('utf-8', 'surrogateescape')
            if self.allowed(token):
                continue
            le = data.find(b'\n', pos, rend)
            if le == -1:
                le = rend
            if _suppressed(data, rs, ls, cs, le, patch):
                continue
            kind, msg, fix = verdict
            col = len(data[cs:ts].decode('utf-8', 'surrogateescape')) + 1
            found.append((ts, Violation(
                RULE, msg, kind=kind, path=path, line=lines.line(ri, rs, ls),
                col=col, ref=change.ref, token=token, fix=fix)))

    def classify(self, t: str, folder: str, tag: int,
                 local: bool) -> tuple[str, str, list[str]] | None:
        """(kind, message, fix) for one token found in a file of
        ``folder``, or None when it is fine."""
        if tag == 1:
            if _rx(_WIN_HOME).match(t):
                return ('home-path', f"'{t}' is a home-directory path: it "
                        'exists on one machine only', [_HOME_FIX])
            return None
        if t.startswith('/'):
            return self._absolute(t, folder)
        if t[0] in '~$%':   # relative to a variable or the home folder
            return None
        if '..' in t.split('/'):
            return self._relative(t, folder, local)
        return self._sibling(t)

    def _absolute(self, t: str, folder: str) -> tuple[str, str,
                                                      list[str]] | None:
        norm = posixpath.normpath(t)
        hit = self.checkout_of(norm)
        if hit is not None:
            co, rel = hit
            where = self.describe(co)
            fix = []
            sugg = self.in_tree(co, rel, folder)
            if sugg is not None:
                fix.append(f'use the in-tree path {sugg}')
            elif rel:
                fix.append(f'refer to in-tree paths of this branch only; '
                           f'{rel} reaches it through a merge, not a path')
            else:
                fix.append(_HOME_FIX)
            return ('absolute-checkout',
                    f"'{t}' is an absolute path into {where}: it exists on "
                    'this machine only', fix)
        parts = norm.split('/', 3)
        if len(parts) > 3 and parts[1] in ('home', 'Users') and parts[2]:
            return ('home-path', f"'{t}' is a home-directory path: it "
                    'exists on one machine only', [_HOME_FIX])
        return None

    def _relative(self, t: str, folder: str, local: bool) -> tuple[
            str, str, list[str]] | None:
        clean = t.split('#', 1)[0].split('?', 1)[0]
        bases = {'file': (folder,), 'root': ('',),
                 'both': (folder, '')}[self.resolve]
        norms = [posixpath.normpath(posixpath.join(b, clean)) for b in bases]
        if not all(_escapes(n) for n in norms):
            return None
        start = f'{bases[0]}/' if bases[0] else 'the worktree root'
        msg = (f"'{t}' climbs out of the worktree: resolved from {start} "
               f'it is {norms[0]}')
        fix = [_GENERIC_FIX]
        root = self.facts.root
        if local and root is not None:
            # Where it lands on this machine (commit stage only).
            target = posixpath.normpath(posixpath.join(root, bases[0], clean))
            hit = self.checkout_of(target)
            if hit is not None and not (hit[0].kind == 'main' and (
                    hit[1] == self.wroot
                    or hit[1].startswith(self.wroot + '/'))):
                co, rel = hit
                msg += f', in {self.describe(co)}'
                sugg = self.in_tree(co, rel, folder)
                if sugg is not None:
                    fix = [f'use the in-tree path {sugg}']
        return ('relative-escape', msg, fix)

    def _sibling(self, t: str) -> tuple[str, str, list[str]] | None:
        while t.startswith('./'):
            t = t[2:]
        root = self.wroot
        if not t.startswith(root + '/'):
            return None
        rest = t[len(root) + 1:]
        name = next((n for n in self.names if rest.startswith(n + '/')
                     and len(rest) > len(n) + 1), None)
        if name is None:
            seg, _, more = rest.partition('/')
            if not more or not self.branch_re().match(seg):
                return None
            name = seg
        inner = rest[len(name) + 1:]
        own = self.current is not None and self.current.name == name
        msg = (f"'{t}' reaches into worktree {root}/{name}"
               + (' (this worktree, through the main checkout)' if own
                  else '') + ': every worktree is its own project root')
        fix = [f'use the in-tree path {inner}' if own else
               f'refer to in-tree paths of this branch only ({inner} '
               'reaches it through a merge)']
        return ('sibling-worktree', msg, fix)


def _escapes(norm: str) -> bool:
    return norm == '..' or norm.startswith('../')


def _token(data: bytes, cs: int, pos: int, te: int,
           tag: int) -> tuple[int, int] | None:
    """The path token of a hit [pos, te): [start, end) in ``data``.

    The pattern matched the token's tail; here the head is found (a path
    may start before ``../``), colons split (`PATH=a:../b`, `file.py:12`)
    and trailing punctuation goes.
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
                    return None   # a URL (scheme://...): left alone
                ts = colon + 1
    while te > ts and (data[te - 1] in _TRAILING or (
            data[te - 1] == 0x2E and data[te - 2] != 0x2E)):
        te -= 1
    while ts < te and data[ts] == 0x2A:   # markdown emphasis
        ts += 1
    return (ts, te) if te > ts else None


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
