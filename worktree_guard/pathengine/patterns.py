"""The spellings of a path candidate: the patterns the scan runs over bytes.

Every pattern starts with a literal (``../``, ``/home/``, a checkout's
absolute path, ``trees/``), so ``re`` skips between candidates at memchr
speed; a pattern runs only when one of its literals is in the buffer
(``specs``), and ``re`` is imported on the first compile (``rx``).
``prefilter.terms_of`` derives the whole-file pre-filter from the same
specs.
"""
from __future__ import annotations

from worktree_guard import purepath

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.model import Checkout

    # (literals, pattern, tag, extra literal needed): see FIXED.
    Spec = tuple[tuple[bytes, ...], bytes | None, int, bytes | None]

TAIL = rb'[^ \t\r\n\v\f"\'`()\[\]{}<>,;|=:]*'
# `Path(__file__)...parents[n]` / `.parent.parent`, and a chain of
# `dirname(` around `__file__`: each hit holds one of its spec's literals.
_FILE = (rb'(?:(?:(?:os\.path\.)?(?:abspath|realpath)\(\s*__file__\s*\))'
         rb'|__file__)')
_STEP = rb'(?:\.parents\[\s*\d+\s*\]|\.parent(?![\w(]))'
PATHLIB = (rb'(Path\(\s*' + _FILE + rb'\s*\)'
           rb'(?:\.(?:resolve|absolute)\(\s*(?:strict\s*=\s*(?:True|False)'
           rb'\s*)?\))*' + _STEP + rb'*(?:\.parents\[\s*\d+\s*\]'
           rb'|\.parent\.parent(?![\w(]))' + _STEP + rb'*)')
_DIR = rb'(?:(?:os\.)?path\.)?dirname\('
DIRNAME = (rb'(dirname\(' + _DIR + rb'(?:' + _DIR + rb')*' + _FILE
           + rb'(?:\s*\))+)')
# (literals, pattern, tag, extra literal needed); tag: 0 generic token,
# 1 Windows home, 2 token in group 1 after an anchor, 3 a computed path
# (``computed``: a quoted '..' of a join(), a config's bare `..`, a
# navigation from `__file__`, a home-relative path), 4 `cd ..`, 5 a
# checkout's path with `//` or `/./` inside.
FIXED: tuple[tuple[tuple[bytes, ...], bytes, int], ...] = (
    ((b'../',), rb'\.\./' + TAIL, 0),
    ((b'..\\',), rb'\.\.\\[^ \t\r\n"\'`\\]' + TAIL, 0),
    ((b'%2e', b'%2E'), rb'%2[eE]%2[eE]' + TAIL, 0),
    ((b'/home/', b'/Users/'), rb'/(?:home|Users)/' + TAIL, 0),
    ((b'sers', b'SERS'),
     rb':(?:\\{1,2}|/)(?:[Uu]sers|USERS)(?:\\{1,2}|/)' + TAIL, 1),
    ((b'show-toplevel', b'pwd)', b'PWD'),
     rb'(?:\$\(git rev-parse --show-toplevel\)|\$\(pwd\)|\$PWD|\$\{PWD\})'
     rb'["`]?(/' + TAIL
     + rb')', 2),
    # These two start with their literal and look behind it: a pattern
    # that opens on a lookbehind or a character class is tried at every
    # byte (ten times slower on real text).
    ((b"'..'", b'".."'), rb'(\.\.)(?<=[\'"]\.\.)[\'"]', 3),
    ((b'cd ..', b'cd\t..', b'cd  ..', b'cd \t..', b'cd\t ..', b'cd\t\t..'),
     rb'cd(?<![\w.-]cd)[ \t]{1,2}(\.\.)(?=[\s;&|)`"\']|$)', 4),
    # A computed path (tag 3, issue 24; ``computed``): a bare `..` value
    # of a config key that names a folder, and Python's navigation from
    # `__file__` (``pyparents``).
    ((b'directory: ..', b'context: ..'),
     rb'(?:directory|context):[ \t]+(\.\.)(?![^ \t\r\n#])', 3),
    ((b'parents[', b'.parent.parent'), PATHLIB, 3),
    ((b'dirname(os.path.dirname(', b'dirname(path.dirname(',
      b'dirname(dirname('), DIRNAME, 3),
)
# One byte every hit of a pattern holds: a memchr-fast scan (a hundred
# times faster than a multi-byte search) rules the pattern out first.
GATES = {b'..\\': b'\\', b'%2e': b'%', b'show-toplevel': b'$'}
WIN_HOME = r'[A-Za-z]:(?:\\\\?|/)(?:[Uu]sers|USERS)(?:\\\\?|/)([^\\/]+)(?:\\|/)'
JOIN = (r'(?:join|resolve|Path)\(\s*((?:[^()\'"]|\'[^\']*\'|"[^"]*"'
        r'|\((?:[^()]|\([^()]*\))*\))*)\)')
# Expressions that mean "this file's folder" in code.
FILE_DIR = ('__dirname', '__DIR__', 'os.path.dirname(__file__)',
            'dirname(__file__)', 'path.dirname(__filename)',
            'Path(__file__).parent', 'Path(__file__).resolve().parent',
            'os.path.dirname(os.path.abspath(__file__))',
            'os.path.dirname(os.path.realpath(__file__))',
            'path.dirname(__dirname)', 'import.meta.dirname',
            'File.dirname(__FILE__)', '__FILE__')
# The spellings of the home, as they open a path: the literal before a
# checkout's path below the home, and the pattern's alternative (the
# hit is the path ``homes.expand`` names).
_HOMES = ((b'~/', rb'~'), (b'HOME/', rb'\$HOME'), (b'HOME}/', rb'\$\{HOME\}'),
          (b'HOME"/', rb'"?\$HOME"'), (b'HOME}"/', rb'"?\$\{HOME\}"'))
_COMPILED: dict[bytes | str, Any] = {}


def rx(source: bytes | str) -> Any:
    """A compiled pattern; ``re`` is imported on first use."""
    compiled = _COMPILED.get(source)
    if compiled is None:
        import re
        compiled = _COMPILED[source] = re.compile(source)
    return compiled


def _literal(lit: bytes) -> bytes:
    import re
    return re.escape(lit) + TAIL


def _loose(form: bytes) -> bytes:
    """A checkout's path that also matches ``//`` and ``/./`` between
    its components."""
    import re
    sep = rb'/+(?:\./+)*'
    parts = [re.escape(p) for p in form.split(b'/') if p]
    return sep + sep.join(parts) + TAIL


def specs(wroot: str, forms: list[tuple[str, Checkout]],
          home: str | None = None) -> list[Spec]:
    """Each checkout's path below ``home`` spelled from the home
    (``home_spellings``), the fixed spellings, then ``<wroot>/`` and each
    checkout's absolute path (plain, and with ``//`` or ``/./`` inside);
    a path inside another listed one is covered by it.  The home's run
    first: the token ``~/x/trees/y`` is theirs, not ``trees/``'s."""
    outer = _outer(forms)
    out: list[Spec] = [(lits, pat, 3, None) for lits, pat in
                       home_spellings(home, outer)]
    out += [(lits, pat, tag, None) for lits, pat, tag in FIXED]
    out.append(((wroot.encode() + b'/',), None, 0, None))
    for form in outer:
        lit = form.encode('utf-8', 'surrogateescape')
        out.append(((lit,), None, 0, None))
        parts = [p for p in form.split('/') if p]
        need = max(parts, key=len).encode('utf-8', 'surrogateescape')
        out.append(((b'//', b'/./'), lit, 5, need))
    return out


def home_spellings(home: str | None, forms: list[str]) -> list[
        tuple[tuple[bytes, ...], bytes]]:
    """(literals, pattern) for each checkout root in ``forms`` that lies
    below ``home``, spelled from the home (``~/``, ``$HOME/``, ...; a
    root that is the home itself is left out: every ``~/`` path would
    land in it)."""
    if not home:
        return []
    h = purepath.norm(home).rstrip('/')
    out = []
    for form in forms:
        if not form.startswith(h + '/'):
            continue
        rel = form[len(h) + 1:].encode('utf-8', 'surrogateescape')
        lits = tuple(lit + rel for lit, _ in _HOMES)
        alts = b'|'.join(p for _, p in _HOMES)
        out.append((lits, b'((?:' + alts + b')/' + _escape(rel)
                    + rb'(?![^/ \t\r\n"\'`)\]},;:])' + TAIL + b')'))
    return out


def _escape(lit: bytes) -> bytes:
    """``re.escape`` without importing ``re`` (the engine is built on
    every commit; ``re`` loads only for a candidate): an ASCII byte that
    is no letter or digit is escaped, and such an escape is literal."""
    return b''.join(b'\\' + bytes((c,)) if c < 128 and not
                    chr(c).isalnum() else bytes((c,)) for c in lit)


def _outer(forms: list[tuple[str, Checkout]]) -> list[str]:
    """The checkout roots that lie in no other listed one."""
    seen: list[str] = []
    for form, _ in sorted(forms, key=lambda fc: len(fc[0])):
        if form != '/' and not any(form == s or form.startswith(s + '/')
                                   for s in seen):
            seen.append(form)
    return seen


def pattern(literals: tuple[bytes, ...], source: bytes | None,
            tag: int) -> Any:
    """The compiled pattern of one spec."""
    if tag == 5:
        return rx(_loose(source))   # type: ignore[arg-type]
    return rx(source if source is not None else _literal(literals[0]))
