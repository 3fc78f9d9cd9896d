"""Symlinks: the verdict on one committed symlink ``path -> target``.

An absolute target points at one machine's files (a system location
only warns); a relative one that climbs out of the worktree, alone or
through other committed links (``Places.follow``), or lands in a sibling
worktree is an error.  The fix re-points an absolute link into this
tree with a relative target, or drops the link from the index.
"""
from __future__ import annotations

import posixpath

from worktree_guard.pathengine import text
from worktree_guard.pathengine.findings import Finding

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import Checkout
    from worktree_guard.pathengine.places import Places


def symlink(places: Places, path: str, target: str) -> Finding | None:
    """A committed symlink ``path -> target``: error when it leaves
    the worktree (alone or through other committed links) or lands
    in a sibling worktree."""
    import shlex

    from worktree_guard.model import quote_path
    if places.allowed(target):
        return None
    shown = quote_path(target)
    fix = [f'git rm --cached -- {shlex.quote(path)}']
    if target.startswith(('/', '\\\\')) or (
            target[1:3] in (':\\', ':/') and target[0].isalpha()):
        return _absolute(places, path, target, shown, fix)
    return _relative(places, path, target, shown, fix)


def _absolute(places: Places, path: str, target: str, shown: str,
              fix: list[str]) -> Finding:
    """An absolute target (POSIX, UNC or a Windows drive): an error, or
    a warning for a system location; into a checkout's own tree, the fix
    re-points it with a relative target."""
    msg = (f'symlink {path} -> {shown} has an absolute target: it '
           'points at one machine\'s files')
    hit = places.checkout_of(text.norm(target)) \
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
        fix = _repoint(places, path, hit) or fix
    return Finding('escaping-symlink', msg, path=path, token=shown,
                   reason='a committed symlink', fix=fix)


def _repoint(places: Places, path: str,
             hit: tuple[Checkout, str]) -> list[str] | None:
    """The fix that re-points ``path`` at the checkout path ``hit`` with
    a relative target, when that lies in this tree."""
    import shlex
    co, rel = hit
    if places.in_tree(co, rel) is None:
        return None
    link = posixpath.relpath(rel or '.', posixpath.dirname(path) or '.')
    return [f'ln -sfn {shlex.quote(link)} {shlex.quote(path)}'
            f' && git add -- {shlex.quote(path)}']


def _relative(places: Places, path: str, target: str, shown: str,
              fix: list[str]) -> Finding | None:
    """A relative target, resolved from the link's folder (and through
    other committed links): an error when it climbs out of the worktree
    or lands in a sibling worktree."""
    from worktree_guard.model import quote_path
    joined = posixpath.join(posixpath.dirname(path), text.decode(target))
    norm = text.norm(joined)
    chain = False
    if not text.escapes(norm) and places.ctx.symlinks:
        followed = places.follow(joined)
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
    return _into_sibling(places, path, norm, shown, fix)


def _into_sibling(places: Places, path: str, norm: str, shown: str,
                  fix: list[str]) -> Finding | None:
    """A target inside the worktree that names a sibling worktree
    (``<wroot>/<name>/...``): every worktree is its own project root."""
    parts = norm.split('/')
    wroot = places.wroot
    if len(parts) > 1 and parts[0] == wroot and (
            parts[1] in places.names or places.branch_like(parts[1])):
        return Finding(
            'escaping-symlink',
            f'symlink {path} -> {shown} points into worktree '
            f'{wroot}/{parts[1]}: every worktree is its own '
            'project root', path=path, token=shown,
            reason='a committed symlink', fix=fix)
    return None
