"""Findings: the verdict on one token at one site, and its fix.

``classify`` turns a token and its site (``sites.site``) into a verdict
(kind, message, fix, severity, reason, replacement) or None: an absolute
path into a checkout or a home, a relative path that climbs out of the
worktree, or a path into a sibling worktree.  A fix is offered only when
the rewrite keeps the file working (the same file, read from a known
folder); otherwise the message says what to do instead.
"""
from __future__ import annotations

import posixpath

from worktree_guard.pathengine import text
from worktree_guard.pathengine.patterns import WIN_HOME
from worktree_guard.pathengine.patterns import rx
from worktree_guard.pathengine.sites import QUIET
from worktree_guard.pathengine.sites import STRONG
from worktree_guard.pathengine.sites import WEAK
from worktree_guard.pathengine.tokens import clean

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.pathengine.places import Places

_OUTSIDE = ('copy or vendor what you need inside the worktree, or link to '
            'it by URL')
_REGEX = frozenset('dwsbDWSB.')
# What traversal examples aim at: ../../etc/passwd, windows/win.ini.
_PAYLOADS = ('etc/passwd', 'etc/shadow', 'etc/hosts', 'etc/group',
             'windows/win.ini', 'windows/system32', 'winnt/win.ini',
             'boot.ini', 'proc/self/')


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


# A verdict: (kind, message, fix, severity, reason, replacement).
Verdict = tuple[str, str, list[str], str, str, 'str | None']


def classify(places: Places, raw: str, site: tuple[Any, ...],
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
        m = rx(WIN_HOME).match(text.decode(raw) if '\\\\' in raw else raw)
        if m and not is_test and text.plausible_user(
                m.group(1), places.ctx.container_users):
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
    if places.allowed(t):
        return None
    if t.startswith('/'):
        return _absolute(places, raw, t, kind, folder, is_test)
    if t[0] in '~$%':   # relative to a variable or the home folder
        return None
    if '\\' in raw and t.count('/') == 1 and t.split('/')[1] in _REGEX:
        return None   # a regex ('..\d'), not a Windows path
    n = text.norm(clean(t) or '.')
    if tag == 4 or n == '..' or '..' in t.split('/'):
        if strength > QUIET and is_test:
            strength, reason = QUIET, 'test data'
        elif strength > QUIET and _payload(t):
            # ../../etc/passwd: an example of path traversal.
            strength, reason = WEAK, 'a path-traversal example'
        if kind in (text.DOC, text.CHANGELOG) and reason != \
                'a link target' and t in ('..', '../'):
            return None   # `../` named in prose: the syntax, no path
        v = _relative(places, raw, t, strength, bases, reason, folder,
                      kind in (text.DOC, text.CHANGELOG)
                      and tag == 0 and not joined)
        if v is not None or bases is None:
            return v
    elif bases is None:
        return None
    return _sibling(places, raw, n, strength, is_test)


def _absolute(places: Places, raw: str, t: str, kind: str, folder: str,
              is_test: bool) -> Verdict | None:
    norm = text.norm(t)
    hit = places.checkout_of(norm)
    if hit is not None:
        co, rel = hit
        where = places.describe(co, rel)
        sugg = places.in_tree(co, rel)
        if sugg is not None and kind in (text.DOC, text.CHANGELOG):
            # Docs resolve relative paths from their own folder (or
            # the root, by policy): the rewrite names the same file.
            repl = sugg
            fixtext = f'use the in-tree path {sugg}'
            if folder and places.ctx.resolve != 'root':
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
            user, places.ctx.container_users):
        return ('home-path', f"'{raw}' is a home-directory path: it "
                'exists on one machine only; use a path relative to '
                'the worktree', [], 'error', "a real user's home", None)
    return None


def _relative(places: Places, raw: str, t: str, strength: int,
              bases: tuple[str, ...] | None, reason: str,
              folder: str, rewritable: bool) -> Verdict | None:
    if bases is None or strength == QUIET:
        return None   # from an unknown folder: never an error alone
    cleaned = clean(t)
    norms = [text.norm(posixpath.join(b or '.', cleaned)) for b in bases]
    if not all(text.escapes(n) for n in norms):
        return None
    start = f'{bases[0]}/' if bases[0] else 'the worktree root'
    msg = (f"'{raw}' climbs out of the worktree: resolved from {start} "
           f'it is {norms[0]}')
    known = None
    fix: list[str] = []
    repl = None
    root = places.ctx.root
    if root is not None:
        target = text.norm(posixpath.join(root, bases[0] or '.', cleaned))
        hit = places.checkout_of(target)
        if hit is not None and not (hit[0].kind == 'main' and (
                hit[1] == places.wroot
                or hit[1].startswith(places.wroot + '/'))):
            co, rel = hit
            known = places.describe(co, rel)
            msg += f', in {known}'
            sugg = places.in_tree(co, rel)
            # A rewrite keeps the file working only where the token
            # is a plain path read from a known folder (docs); in
            # code and scripts the program's folder decides.
            if sugg is not None and len(bases) == 1 and \
                    strength == STRONG and rewritable:
                repl = posixpath.relpath(sugg, bases[0] or '.')
                if bases[0] == folder and folder and \
                        places.ctx.resolve == 'file':
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


def _sibling(places: Places, raw: str, n: str, strength: int,
             is_test: bool) -> Verdict | None:
    root = places.wroot
    if not n.startswith(root + '/'):
        return None
    rest = n[len(root) + 1:]
    name = next((x for x in places.names if rest.startswith(x + '/')
                 and len(rest) > len(x) + 1), None)
    severity = 'error'
    if name is None:
        # Named like a worktree, but none of this machine: as strong
        # as the place it sits in (test data and examples pass).
        seg, _, more = rest.partition('/')
        if not more or not places.branch_like(seg) or is_test or \
                strength == QUIET:
            return None
        name = seg
        severity = 'warn' if strength == WEAK else 'error'
    inner = rest[len(name) + 1:]
    current = places.current
    own = current is not None and current.name == name
    msg = (f"'{raw}' reaches into worktree {root}/{name}"
           + (' (this worktree, through the main checkout)' if own
              else '') + ': every worktree is its own project root')
    if own:
        return ('sibling-worktree', msg, [f'use the in-tree path {inner}'],
                'error', f'lands in {root}/{name}', inner)
    return ('sibling-worktree', msg + f'; refer to in-tree paths of this '
            f'branch only ({inner} reaches it through a merge)', [],
            severity, f'lands in {root}/{name}', None)


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
