"""Home-relative paths that land in a known checkout (issue 24).

``~/proj/trees/issue-2-y``, ``$HOME/proj/data``, ``${HOME}/proj`` and
``"$HOME"/proj`` name this machine's checkouts through the user's home.
When the home is known (``Context.home``), the scan runs one pattern per
checkout that lies under it (``patterns.home_spellings``: its literals are
the checkout's path below the home after each spelling of the home, so a
file that names the home for anything else, ``~/.bashrc``, opens none),
and ``expand`` turns a hit into the absolute path it names when that
lands in a checkout; the engine then judges it as the absolute path it
is (a known place: an error).  Loaded with ``computed``, when a pattern
first runs.  Pure string work.
"""
from __future__ import annotations

from worktree_guard import purepath
from worktree_guard.pathengine.patterns import rx

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.pathengine.places import Places

# A home-relative path: the home's spelling, then the path below it.
_TOKEN = (r'(?:~|\$HOME|\$\{HOME\}|"\$HOME"|"\$\{HOME\}")'
          r'(/[^ \t\r\n\v\f"\'`()\[\]{}<>,;|=:]*)')


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
