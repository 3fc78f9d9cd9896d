"""``os.path`` for the agent hook's start-up, built on ``posix`` alone.

``python -I -S`` starts without ``os``; importing it costs five modules
(``os``, ``stat``, ``posixpath``, ``genericpath``, ``_collections_abc``),
about 1.2 ms, a sixth of the whole interpreter's start-up, on every tool
call an agent makes (issue 17).  These are the few ``posixpath`` functions
the agent hook needs, for ``str`` paths only, written after CPython's own;
``tests/unit/test_lightpath.py`` checks that they agree with ``os.path``
(property tests over random paths and a tree of symlinks).

``realpath`` is CPython 3.13's algorithm.  Pythons before 3.13 stop at a
symlink loop and keep the rest of the path as written; this one, like
3.13, goes on resolving the rest (no real path holds a loop either way).
"""
import posix

from worktree_guard import purepath

# The file-type bits of ``st_mode`` (``stat.S_IFMT``) and four types.
IFMT = 0o170000
IFDIR = 0o040000
IFREG = 0o100000
IFLNK = 0o120000
IFIFO = 0o010000

getcwd = posix.getcwd
listdir = posix.listdir
stat = posix.stat
# The string functions (purepath: no file system).
isabs = purepath.isabs
join = purepath.join
basename = purepath.basename
dirname = purepath.dirname
_normpath = purepath.normpath

_c_normpath = getattr(posix, '_path_normpath', None)


def normpath(path: str) -> str:
    if _c_normpath is None:  # pragma: no cover (Python 3.10)
        return _normpath(path)
    return _c_normpath(path) or '.'


def abspath(path: str) -> str:
    if not path.startswith('/'):
        path = join(posix.getcwd(), path)
    return normpath(path)


def relpath(path: str, start: str = '.') -> str:
    if not path:
        raise ValueError('no path specified')
    start_list = [x for x in abspath(start).split('/') if x]
    path_list = [x for x in abspath(path).split('/') if x]
    i = 0
    for a, b in zip(start_list, path_list, strict=False):
        if a != b:
            break
        i += 1
    rel_list = ['..'] * (len(start_list) - i) + path_list[i:]
    return join(*rel_list) if rel_list else '.'


def read_text(path: str) -> str | None:
    """A small file's text (undecodable bytes kept as surrogate escapes);
    ``None`` when it cannot be read.  git's own files (``HEAD``, refs,
    ``config``, gitfiles) are read this way without starting git."""
    try:
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            return f.read()
    except OSError:
        return None


def filetype(path: str, follow: bool = True) -> int:
    """The file-type bits of ``path`` (``IFREG``, ``IFDIR``...); 0 when it
    cannot be stat'ed."""
    try:
        return (posix.stat(path) if follow else posix.lstat(path)).st_mode \
            & IFMT
    except (OSError, ValueError):
        return 0


def exists(path: str) -> bool:
    return filetype(path) != 0


def lexists(path: str) -> bool:
    return filetype(path, follow=False) != 0


def isdir(path: str) -> bool:
    return filetype(path) == IFDIR


def isfile(path: str) -> bool:
    return filetype(path) == IFREG


def islink(path: str) -> bool:
    return filetype(path, follow=False) == IFLNK


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (both normalized, as ``realpath``
    gives them)."""
    return path == root or path.startswith(root.rstrip('/') + '/')


def realpath(filename: str) -> str:
    """The canonical path: every symlink resolved, ``.`` and ``..``
    folded; a missing tail is kept as written (``strict=False``)."""
    # The parts left to resolve, last first.  None marks the end of a
    # symlink's target: the symlink's own path is popped next.
    rest: list[str | None] = list(reversed(filename.split('/')))
    path = '/' if filename.startswith('/') else posix.getcwd()
    seen: dict[str, str | None] = {}   # symlink -> its resolved target
    while rest:
        name = rest.pop()
        if name is None:
            link = rest.pop()
            assert link is not None
            seen[link] = path
            continue
        if not name or name == '.':
            continue
        if name == '..':
            path = path[:path.rindex('/')] or '/'
            continue
        newpath = path + name if path == '/' else path + '/' + name
        try:
            if posix.lstat(newpath).st_mode & IFMT != IFLNK:
                path = newpath
                continue
            if newpath in seen:
                # Resolved before (use it), or being resolved (a loop).
                path = seen[newpath] or newpath
                continue
            target = posix.readlink(newpath)
        except OSError:
            path = newpath
            continue
        seen[newpath] = None
        if target.startswith('/'):
            path = '/'
        rest += (newpath, None)
        rest.extend(reversed(target.split('/')))
    return path
