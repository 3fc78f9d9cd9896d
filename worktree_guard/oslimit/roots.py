"""The folders a sandboxed command may write: pure computation.

A Landlock or bubblewrap rule on a folder covers everything below it, and
neither can carve a hole back out of an allowed folder.  So every allowed
root is checked against the *protected* paths (the other checkouts, the
common git dir, an absolute ``core.hooksPath``): a root that holds one of
them, or lies inside one, is dropped (``/tmp`` when the repository lives
under ``/tmp``; ``~/.cache`` when it lives there).  The exceptions are the
worktree itself (inside the main checkout in the usual ``trees/`` layout)
and the git dir's own ``objects``, ``refs``, ``logs`` and
``worktrees/<name>``, which a linked worktree needs to commit.

When no temp folder survives, the caller makes a private one (``private_temp``
names it) and exports ``TMPDIR``.  Paths are real paths (symlinks
resolved); nothing here touches the file system.
"""
from worktree_guard.errors import GuardError
from worktree_guard.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.records import CheckoutMap
    from worktree_guard.records import RepoCheckout

GIT_SUBDIRS = ('objects', 'refs', 'logs')
# What stays writable of /dev when /dev itself cannot be allowed.
# (bubblewrap also needs them listed to read them: /dev/urandom.)
DEVICES = ('/dev/null', '/dev/zero', '/dev/full', '/dev/random',
           '/dev/urandom', '/dev/tty', '/dev/ptmx', '/dev/pts')


def inside(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (real, absolute paths)."""
    if root == '/':
        return True
    return path == root or path.startswith(root + '/')


class Root(Record):
    """One writable folder and why it is allowed (``worktree``, ``git``,
    ``git worktree``, ``temp``, ``cache``, ``devices``, ``--allow-write``)."""

    __slots__ = ('path', 'why')

    def __init__(self, path: str, why: str) -> None:
        self.path = path
        self.why = why


class Plan(Record):
    """What the sandbox allows: ``roots`` (in order, no root below
    another), ``dropped`` (a root and the reason it was left out), the
    ``worktree``, the ``protected`` paths, ``tmpdir`` (the value to export
    as ``TMPDIR``, or ``None`` to leave it) and ``private_parent`` (when
    set, the caller creates a private temp folder there, adds it and
    exports it as ``TMPDIR``)."""

    __slots__ = ('worktree', 'roots', 'dropped', 'protected', 'tmpdir',
                 'private_parent')

    def __init__(self, worktree: str, roots: list[Root],
                 dropped: list[tuple[Root, str]], protected: list[str],
                 tmpdir: str | None, private_parent: str | None) -> None:
        self.worktree = worktree
        self.roots = roots
        self.dropped = dropped
        self.protected = protected
        self.tmpdir = tmpdir
        self.private_parent = private_parent


def protected_paths(cmap: 'CheckoutMap', hooks_paths: list[str]) -> list[str]:
    """The other checkouts, the common git dir and the absolute hooks
    folders: no allowed root may hold one or lie inside one."""
    current = cmap.current
    out = [c.root for c in cmap.checkouts if c is not current]
    out.append(cmap.common_dir)
    out += hooks_paths
    return sorted(set(out))


def conflict(root: str, protected: list[str], exempt: list[str]) -> str | None:
    """The protected path ``root`` holds or lies in, unless ``root`` lies
    in an ``exempt`` folder (the worktree, the git dir's allowed parts)."""
    for p in protected:
        if inside(p, root):
            return f'it holds {p}'
    if any(inside(root, e) for e in exempt):
        return None
    for p in protected:
        if inside(root, p):
            return f'it is inside {p}'
    return None


def plan(cmap: 'CheckoutMap', *, temps: list[str], tmpdir_set: bool,
         caches: list[str], extra: list[str],
         hooks_paths: list[str]) -> Plan:
    """The writable roots of a command run in ``cmap.current``.

    ``temps`` are the temp folders (``$TMPDIR`` first when set, as
    ``tmpdir_set`` says, then ``/tmp``), ``caches`` the user's cache folders,
    ``extra`` the ``--allow-write`` paths; all real paths.  Raises
    ``GuardError`` when the current checkout cannot be confined (the main
    checkout, or a worktree holding another checkout) or an ``extra``
    path would open a protected one."""
    current = _confinable(cmap.current)
    protected = protected_paths(cmap, hooks_paths)
    worktree = current.root
    held = [p for p in protected if inside(p, worktree)]
    if held:
        raise GuardError(f'the worktree {worktree} holds {held[0]}: it '
                         'cannot be confined without opening that too')
    common = cmap.common_dir
    git_roots = [Root(f'{common}/{d}', 'git') for d in GIT_SUBDIRS]
    git_roots.append(Root(current.git_dir, 'git worktree'))
    exempt = [worktree] + [r.path for r in git_roots]
    roots = [Root(worktree, 'worktree')]
    dropped: list[tuple[Root, str]] = []
    for r in git_roots:
        why = next((f'it is inside {h}' for h in hooks_paths
                    if inside(h, r.path)), None)
        (dropped.append((r, why)) if why else roots.append(r))
    for path in extra:
        why = conflict(path, protected, [worktree])
        if why:
            raise GuardError(f'--allow-write {path} is refused: {why}',
                             'allow a folder outside every checkout and '
                             'the git dir')
        roots.append(Root(path, '--allow-write'))
    kept_temps = _open(temps, 'temp', protected, exempt, roots, dropped)
    _open(caches, 'cache', protected, exempt, roots, dropped)
    why = conflict('/dev', protected, exempt)
    if why:
        # (a repository under /dev/shm) the devices a command needs only
        dropped.append((Root('/dev', 'devices'), why))
        roots += [Root(d, 'devices') for d in DEVICES
                  if not conflict(d, protected, exempt)]
    else:
        roots.append(Root('/dev', 'devices'))
    tmpdir, parent = _temp(temps, kept_temps, tmpdir_set, protected)
    return Plan(worktree, minimal(roots), dropped, protected, tmpdir, parent)


def _confinable(current: 'RepoCheckout | None') -> 'RepoCheckout':
    """The checkout a sandbox confines: a linked worktree, else a
    ``GuardError`` that says why not."""
    if current is None:
        raise GuardError('the current folder is in no checkout (a bare '
                         "repository's git dir?)",
                         'run it inside a linked worktree, or pass '
                         '--worktree DIR')
    if current.kind == 'main':
        raise GuardError(
            f'{current.root} is the main checkout: the sandbox confines a '
            'linked worktree (its folder would hold the git dir and every '
            'worktree nested in it)',
            'run it inside a linked worktree (git worktree add), or pass '
            '--worktree DIR')
    return current


def _open(paths: list[str], why_open: str, protected: list[str],
          exempt: list[str], roots: list[Root],
          dropped: list[tuple[Root, str]]) -> list[str]:
    """Add each of ``paths`` to ``roots`` (as ``why_open``), or to
    ``dropped`` when it would open a protected path; the paths kept."""
    kept = []
    for path in paths:
        why = conflict(path, protected, exempt)
        if why:
            dropped.append((Root(path, why_open), why))
        else:
            kept.append(path)
            roots.append(Root(path, why_open))
    return kept


def _temp(temps: list[str], kept: list[str], tmpdir_set: bool,
          protected: list[str]) -> tuple[str | None, str | None]:
    """(the ``TMPDIR`` to export, the parent of a private temp folder)."""
    if kept:
        if tmpdir_set and temps[0] != kept[0]:
            return kept[0], None   # $TMPDIR was dropped: the next one
        return None, None
    for path in temps:
        if not any(inside(path, p) for p in protected):
            return None, path
    raise GuardError('no temp folder is outside the checkouts '
                     f"({', '.join(temps)})",
                     'set TMPDIR to a folder outside the repository')


def minimal(roots: list[Root]) -> list[Root]:
    """``roots`` without duplicates and without roots below another one
    (the first reason kept)."""
    out: list[Root] = []
    for r in roots:
        if any(inside(r.path, o.path) for o in out):
            continue
        out = [o for o in out if not inside(o.path, r.path)]
        out.append(r)
    return out


def private_name(parent: str, uid: int, worktree: str) -> str:
    """The private temp folder of one user's worktree: stable, so files a
    command leaves there are found by the next one."""
    import hashlib
    digest = hashlib.sha1(worktree.encode('utf-8', 'surrogateescape'))
    return f'{parent}/worktree-guard-sandbox-{uid}-{digest.hexdigest()[:12]}'
