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
    from worktree_guard.records import Checkout

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
    strength, bases, _, folder, kind, joined, is_test, _ = site
    doc = kind in (text.DOC, text.CHANGELOG)
    if doc and _home_example(raw, tag, strength):
        return None
    if tag == 1:
        return _win_home(places, raw, is_test)
    t = _spelled(raw, joined, tag, doc)
    if not t or places.allowed(t):
        return None
    if t.startswith('/'):
        return _absolute(places, raw, t, kind, folder, is_test)
    if _no_path(raw, t):
        return None
    n = text.norm(clean(t) or '.')
    if tag == 4 or n == '..' or '..' in t.split('/'):
        strength, reason = _confidence(site, t)
        if doc and t in ('..', '../') and reason != 'a link target':
            return None   # `../` named in prose: the syntax, no path
        v = _relative(places, raw, t, strength, bases, reason, folder,
                      doc and tag == 0 and not joined)
        if v is not None:
            return v
    if bases is None:
        return None
    return _sibling(places, raw, n, strength, is_test)


def _home_example(raw: str, tag: int, strength: int) -> bool:
    """A home path in a doc's code (inline code, a code block, a command
    or its output): an example of someone's machine shown to the reader
    (`export X=/home/john_doe/.asdf`), never a reference the doc uses
    (asdf's /home/john_doe/.asdf, Pro Git's /home/schacon/.ssh/id_rsa)."""
    return strength < STRONG and (tag == 1 or ('/' in raw and text.home_user(
        text.decode(raw, True)) is not None))


def _no_path(raw: str, t: str) -> bool:
    """Relative to a variable or the home folder (``$X/..``, ``~/..``),
    or a regex (``'..\\d'``), not a Windows path: no path to judge."""
    return t[0] in '~$%' or ('\\' in raw and t.count('/') == 1
                             and t.split('/')[1] in _REGEX)


def _win_home(places: Places, raw: str, is_test: bool) -> Verdict | None:
    """A Windows home path (``C:\\Users\\ann``): one user's machine."""
    m = rx(WIN_HOME).match(text.decode(raw) if '\\\\' in raw else raw)
    if m and not is_test and text.plausible_user(
            m.group(1), places.ctx.container_users):
        return ('home-path', f"'{raw}' is a home-directory path: it "
                'exists on one machine only; use a path relative to '
                'the worktree', [], 'error', 'a real user\'s home', None)
    return None


def _spelled(raw: str, joined: str, tag: int, doc: bool) -> str:
    """The path a token spells: decoded, a ``join(...)`` joined, an
    anchored expression's path made relative, ``//x`` folded."""
    t = joined if tag == 3 else text.decode(raw, doc)
    if joined == 'anchor':
        t = t.lstrip('/') or '.'
    if t.startswith('//') and ':' not in t:
        t = '/' + t.lstrip('/')
    return t


def _confidence(site: tuple[Any, ...], t: str) -> tuple[int, str]:
    """The strength of a climb's site, and why: test data is quiet, a
    path-traversal example (``../../etc/passwd``) weak."""
    strength, _, reason, _, _, _, is_test, _ = site
    if strength > QUIET and is_test:
        return QUIET, 'test data'
    if strength > QUIET and _payload(t):
        return WEAK, 'a path-traversal example'
    return strength, reason


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
    """A relative path that may climb out of the worktree: an error when
    it lands in a known place (``_landing``), or else when it reaches
    something that exists on this machine only (``_nowhere``)."""
    if bases is None or strength == QUIET:
        return None   # from an unknown folder: never an error alone
    cleaned = clean(t)
    norms = [text.norm(posixpath.join(b or '.', cleaned)) for b in bases]
    if not all(text.escapes(n) for n in norms):
        return None
    start = f'{bases[0]}/' if bases[0] else 'the worktree root'
    msg = (f"'{raw}' climbs out of the worktree: resolved from {start} "
           f'it is {norms[0]}')
    hit = _landing(places, bases[0], cleaned)
    if hit is None:
        return _nowhere(places, msg, norms[0], bases, cleaned, strength,
                        reason)
    known = places.describe(*hit)
    msg += f', in {known}'
    if strength == WEAK and known == 'the main checkout':
        # Any `../../x` of weak evidence lands in the main checkout
        # from trees/<x>: the landing says little about intent.
        return ('relative-escape', f'{msg}: {_OUTSIDE} (a warning: '
                f'{reason})', [], 'warn', reason, None)
    # A sibling or the git dir is named on purpose.
    fix, repl = _rewrite(places, hit, bases, folder,
                         strength == STRONG and rewritable)
    return ('relative-escape', msg, fix, 'error',
            f'{reason}; lands in {known}', repl)


def _landing(places: Places, base: str,
             cleaned: str) -> tuple[Checkout, str] | None:
    """The known checkout a climb from ``base`` lands in, and the path
    inside it (None: no root, or no known place; the main checkout's
    worktrees folder is no place of its own)."""
    root = places.ctx.root
    if root is None:
        return None
    target = text.norm(posixpath.join(root, base or '.', cleaned))
    hit = places.checkout_of(target)
    if hit is None or (hit[0].kind == 'main' and (
            hit[1] == places.wroot
            or hit[1].startswith(places.wroot + '/'))):
        return None
    return hit


def _rewrite(places: Places, hit: tuple[Checkout, str],
             bases: tuple[str, ...], folder: str,
             rewritable: bool) -> tuple[list[str], str | None]:
    """The fix of a climb into a known place: a rewrite to the in-tree
    path, which keeps the file working only where the token is a plain
    path read from a known folder (docs); in code and scripts the
    program's folder decides."""
    sugg = places.in_tree(*hit)
    if sugg is None or len(bases) != 1 or not rewritable:
        return [], None
    repl = posixpath.relpath(sugg, bases[0] or '.')
    if bases[0] == folder and folder and places.ctx.resolve == 'file':
        return [f'use the in-tree path {repl} (relative to {folder}/; '
                f'{sugg} from the worktree root)'], repl
    return [f'use the in-tree path {repl}'], repl


def _nowhere(places: Places, msg: str, norm: str, bases: tuple[str, ...],
             cleaned: str, strength: int, reason: str) -> Verdict | None:
    """A climb that lands in no known place.  An error needs evidence
    that it works on this machine only: a folder named like a worktree
    (structure: it holds on the server too), or something that exists
    here, outside the worktree, and not inside it (``_there``).  Without
    that it is a warning from a path the file uses, and nothing from
    weak evidence."""
    name = _worktree_name(places, norm)
    if name is not None:
        return ('relative-escape', f'{msg}: {name} is named like a '
                'worktree, and every worktree is its own project root',
                [], 'error' if strength == STRONG else 'warn',
                f'{reason}; named like a worktree', None)
    if reason == 'a link target' and _tag_link(norm):
        return None   # ../../v1.2.0/README.md: a tag, as GitHub reads it
    if not _tail(norm):
        return _bare(places, msg, bases, cleaned, strength, reason)
    state, outside, inside = _there(places, bases, cleaned, norm)
    if state == 'outside':
        return ('relative-escape', f'{msg}, and {outside} exists on this '
                f'machine: {_OUTSIDE}', [],
                'error' if strength == STRONG else 'warn',
                f'{reason}; it exists here, outside the worktree', None)
    if strength == WEAK:
        return None
    why = {'unknown': 'no checkout here shows what it reaches',
           'nothing': 'nothing is there on this machine',
           'both': f'{outside} exists, but so does {inside} inside the '
                   'worktree'}[state]
    return ('relative-escape', f'{msg}; {why}, so it may be meant from '
            f'another folder (a warning): {_OUTSIDE}', [], 'warn',
            f'{reason}; {why}', None)


def _tail(norm: str) -> str:
    """What a climb names after its ``..``s (empty: a bare climb)."""
    return '/'.join(p for p in norm.split('/') if p != '..')


def _bare(places: Places, msg: str, bases: tuple[str, ...], cleaned: str,
          strength: int, reason: str) -> Verdict | None:
    """A bare climb (`cd ..`, `chdir("..")`, `".."`) names no file, only
    the folder above: an error when that folder is the one that holds
    every worktree (`additionalDirectories: [".."]` in a worktree opens
    all its siblings); else a warning from a path the file uses (`cp a
    ../..` writes there, but a shell alias or a loop that walks up to
    find a git dir is navigation, not a reference that works here
    only), and nothing from weak evidence."""
    root = places.ctx.root
    hit = None if root is None else places.checkout_of(
        text.norm(posixpath.join(root, bases[0] or '.', cleaned)))
    if hit is not None and hit[0].kind == 'main' and hit[1] == places.wroot:
        return ('relative-escape', f'{msg}: the folder that holds every '
                f'worktree: {_OUTSIDE}', [],
                'error' if strength == STRONG else 'warn',
                f'{reason}; names the folder of every worktree', None)
    if strength == WEAK:
        return None
    return ('relative-escape', f'{msg}; a bare climb names no file, only '
            f'a folder above (a warning): {_OUTSIDE}', [], 'warn',
            f'{reason}; a bare climb', None)


def _worktree_name(places: Places, norm: str) -> str | None:
    """The folder a climb names after its ``..``s when it is named like a
    worktree: ``../issue-3-x/...`` or ``../../trees/issue-3-x/...``."""
    parts = [p for p in norm.split('/') if p != '..']
    if parts and places.branch_like(parts[0]):
        return parts[0]
    if len(parts) > 1 and parts[0] == places.wroot and \
            places.branch_like(parts[1]):
        return f'{parts[0]}/{parts[1]}'
    return None


def _there(places: Places, bases: tuple[str, ...], cleaned: str,
           norm: str) -> tuple[str, str | None, str | None]:
    """What this machine holds where a climb lands: ``unknown`` (no
    oracle, or no root to start from: the server), ``nothing``,
    ``outside`` (what it reaches exists) or ``both`` (it exists, and so does the same path inside the
    worktree, read from a folder below the start: the file may be used
    from there); with the paths found."""
    root = places.ctx.root
    if root is None or places.ctx.exists is None:
        return 'unknown', None, None
    targets = [text.norm(posixpath.join(root, b or '.', cleaned))
               for b in bases]
    outside = next((x for x in targets if places.exists(x)), None)
    if outside is None:
        return 'nothing', None, None
    tail = _tail(norm)
    folders = ['']
    start = bases[0]   # outside the worktree after a `cd ..`: none below
    for part in start.split('/') if start and not text.escapes(start) \
            else ():
        folders.append(posixpath.join(folders[-1], part))
    inside = next((x for x in (text.norm(posixpath.join(root, f, tail))
                               for f in folders) if places.exists(x)),
                  None)
    return ('both' if inside else 'outside'), outside, inside


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


def _tag_link(n: str) -> bool:
    """``../<ref>/<path>``: one level above the root, then a version or a
    usual branch name, then a path: the shape of GitHub's blob/tree link
    to another tag's file."""
    parts = n.split('/')
    if len(parts) < 3 or parts[1] == '..' or not parts[2]:
        return False
    name = parts[1]
    return name[:1].isdigit() or (name[:1] in 'vV' and name[1:2].isdigit()) \
        or name in ('main', 'master', 'HEAD', 'develop', 'trunk')


def _payload(t: str) -> bool:
    """A path-traversal example: two or more ``..``, then a classic
    target file of the attack."""
    parts = [p for p in t.split('/') if p not in ('', '.')]
    ups = 0
    while ups < len(parts) and parts[ups] == '..':
        ups += 1
    return ups >= 2 and '/'.join(parts[ups:]).lower().startswith(_PAYLOADS)
