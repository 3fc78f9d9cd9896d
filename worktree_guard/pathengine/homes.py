"""Home-relative paths that land in a known checkout (issue 24).

``~/proj/trees/issue-2-y``, ``$HOME/proj/data``, ``${HOME}/proj`` and
``"$HOME"/proj`` name this machine's checkouts through the user's home.
When the home is known (``Context.home``), ``spellings`` gives the scan
one pattern per checkout that lies under it (its literals are the
checkout's path below the home after each spelling of the home, so a
file that names the home for anything else, ``~/.bashrc``, opens none),
and ``expand`` turns a hit into the absolute path it names when that
lands in a checkout; the engine then judges it as the absolute path it
is (a known place: an error).  Pure string work.
"""
from __future__ import annotations

from worktree_guard import purepath
from worktree_guard.pathengine.patterns import rx

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.pathengine.places import Places

# The spellings of the home, as they open a path: the literal before the
# checkout's path below the home, and the pattern's alternative.
_HOMES = ((b'~/', rb'~'), (b'HOME/', rb'\$HOME'), (b'HOME}/', rb'\$\{HOME\}'),
          (b'HOME"/', rb'"?\$HOME"'), (b'HOME}"/', rb'"?\$\{HOME\}"'))
_TOKEN = (r'(?:~|\$HOME|\$\{HOME\}|"\$HOME"|"\$\{HOME\}")'
          r'(/[^ \t\r\n\v\f"\'`()\[\]{}<>,;|=:]*)')


def spellings(home: str | None, forms: list[str]) -> list[
        tuple[tuple[bytes, ...], bytes]]:
    """(literals, pattern) for each checkout root in ``forms`` that lies
    below ``home`` (a root that is the home itself is left out: every
    ``~/`` path would land in it)."""
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
                    + rb'(?![^/ \t\r\n"\'`)\]},;:])[^ \t\r\n\v\f"\'`()\[\]'
                    rb'{}<>,;|=:]*)'))
    return out


def _escape(lit: bytes) -> bytes:
    """``re.escape`` without importing ``re`` (the engine is built on
    every commit; ``re`` loads only for a candidate): an ASCII byte that
    is no letter or digit is escaped, and such an escape is literal."""
    return b''.join(b'\\' + bytes((c,)) if c < 128 and not
                    chr(c).isalnum() else bytes((c,)) for c in lit)


def expand(places: Places, line: str,
           at: int) -> tuple[str, str, int] | None:
    """For the home-relative path at ``at``: ('abs', the absolute path,
    ``at``) when it lands in a known checkout, else None."""
    home = places.ctx.home
    m = rx(_TOKEN).match(line, at)
    if home is None or m is None:
        return None
    target = purepath.norm(home.rstrip('/') + m.group(1))
    if places.checkout_of(target) is None:
        return None
    return 'abs', target, at
