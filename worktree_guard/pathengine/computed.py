"""Computed paths: a token whose path is not the text as written (the
engine's tag 3, issue 24).

``resolve`` answers for a hit the ``sites`` module hands over: a quoted
``'..'`` argument of ``join(...)`` (``tokens.joined``), a bare ``..``
value of a config key that names a folder (``configs``), a
home-relative path into a known checkout (``homes``), or Python's
navigation from ``__file__`` (``pyparents``).  The answer is (base,
path, call): the path relative to ``base`` (``file``: the file's
folder; ``cwd``: where the file's paths resolve from; ``abs``: an
absolute path), and the character offset of the call or expression
(one finding per call).
"""
from __future__ import annotations

from worktree_guard.pathengine import configs
from worktree_guard.pathengine import homes
from worktree_guard.pathengine import pyparents
from worktree_guard.pathengine.tokens import joined

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.pathengine.places import Places

_DOT = 0x2E
_HOME_HEADS = frozenset(b'~$"')


def resolve(places: Places, head: int, lc: Any,
            path: str) -> tuple[str, str, int] | None:
    """The path the tag-3 token starting with the byte ``head`` names,
    on the line ``lc`` (``sites._Line``, its ``joins`` read), counted up
    to the token (``lc.chars``)."""
    if head == _DOT:
        found = joined(lc.text, lc.chars - 1, lc.joins, lc.cd_end)
        if found is None and configs.folder_value(path):
            return 'cwd', '..', lc.chars
        return found
    if head in _HOME_HEADS:
        return homes.expand(places, lc.text, lc.chars)
    return pyparents.resolve(lc.text, lc.chars)
