"""A worktree's index file read without git, for ``wt status`` at scale.

``git status`` costs a process per worktree (2-3 ms each: 1,000 worktrees
take seconds).  Most worktrees are clean, and a clean one can be proven so
from files alone, as git itself decides before it reads any content:

- the index's cache tree (the ``TREE`` extension) names the tree of every
  entry and equals HEAD's tree: nothing is staged;
- every entry's stat data (mode, mtime, ctime, inode, size, owner) matches
  the file's ``lstat``, and no entry is racily clean (modified in the same
  clock tick as the index was written): nothing is modified;
- every folder that holds a tracked file lists as many names as it has
  tracked children (files, and folders that hold one): nothing is
  untracked.

Whatever cannot be proven this way (index version 4, a split or sparse
index, conflicts, skip-worktree or intent-to-add entries, submodules, an
invalid cache tree, any untracked name even an ignored one) answers
"unknown", and the caller runs ``git status``: this is only ever stricter
than git.

``write_tree`` and ``write_commit`` write a snapshot's tree and commit
objects as loose objects (``zlib``, ``hashlib``), so a snapshot of
uncommitted work needs one ``git add -A`` and no ``write-tree`` or
``commit-tree`` process.  Read-only towards the worktree and its index.
"""
from __future__ import annotations

import hashlib
import os
import struct
import zlib
import tempfile

from typing import TYPE_CHECKING
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

# One entry: (path, mode, object id, stat data compared with lstat:
# (mtime ns, ctime ns, inode, size, uid, gid), all as the index stores them).
Entry = tuple[bytes, int, bytes, tuple[int, int, int, int, int, int]]

_NS = 1_000_000_000
_M32 = 0xFFFFFFFF
_EXTENDED = 0x4000   # skip-worktree, intent-to-add
_STAGE = 0x3000      # a conflict's stages 1-3
_GITLINK = 0o160000
_SYMLINK = 0o120000


class Index:
    """The entries of an index file, the root of its cache tree and (read
    with ``strict=False``) its valid subtrees: folder (``a/b/``, the top
    ``b''``) -> raw tree id."""

    __slots__ = ('entries', 'root', 'trees')

    def __init__(self, entries: list[Entry], root: str | None,
                 trees: dict[bytes, bytes] | None = None) -> None:
        self.entries = entries
        self.root = root
        self.trees = trees or {}


def algorithm(oid: str) -> str:
    """The hash algorithm of an object id (40 hex digits: SHA-1)."""
    return 'sha1' if len(oid) == 40 else 'sha256'


def git_dir(worktree: str) -> str | None:
    """The git dir of the worktree at ``worktree``: its ``.git`` folder, or
    the folder its ``.git`` file names (a linked worktree)."""
    dot = os.path.join(worktree, '.git')
    if os.path.isdir(dot):
        return dot
    try:
        with open(dot, encoding='utf-8', errors='surrogateescape') as f:
            line = f.readline()
    except OSError:
        return None
    if not line.startswith('gitdir: '):
        return None
    return os.path.join(worktree, line[8:].rstrip('\n'))


def read(data: bytes, hash_len: int, strict: bool = True) -> Index | None:
    """The index ``data`` holds (``hash_len``: 20 for SHA-1, 32 for
    SHA-256), or ``None`` for what this reader does not prove things
    about (module docstring); ``strict=False`` takes skip-worktree and
    intent-to-add entries too (to write a tree, not to prove)."""
    if data[:4] != b'DIRC' or len(data) < 12 + hash_len:
        return None
    version, count = struct.unpack_from('>II', data, 4)
    if version not in (2, 3):
        return None
    entries: list[Entry] = []
    append = entries.append
    pos = 12
    fixed = 42 + hash_len
    unpack = struct.Struct(f'>10I{hash_len}sH').unpack_from
    refused = _STAGE | (_EXTENDED if strict else 0)
    for _ in range(count):
        (c_s, c_ns, m_s, m_ns, _dev, ino, mode, uid, gid, size, oid,
         flags) = unpack(data, pos)
        if flags & refused:
            return None
        start = pos + fixed + (2 if flags & _EXTENDED else 0)
        length = flags & 0xFFF
        end = start + length if length < 0xFFF else data.index(b'\0', start)
        append((data[start:end], mode, oid, (
            m_s * _NS + m_ns, c_s * _NS + c_ns, ino, size, uid, gid)))
        pos += (end - pos + 8) & ~7  # 1 to 8 NULs pad an entry
    return _extensions(data, pos, len(data) - hash_len, hash_len, entries,
                       not strict)


def _extensions(data: bytes, pos: int, end: int, hash_len: int,
                entries: list[Entry], subtrees: bool) -> Index | None:
    index = Index(entries, None)
    while pos + 8 <= end:
        sig = data[pos:pos + 4]
        (size,) = struct.unpack_from('>I', data, pos + 4)
        if not sig[:1].isupper():
            return None  # a required extension: split or sparse index
        if sig == b'TREE':
            index.root = _root_tree(data, pos + 8, hash_len)
            if subtrees:
                _cache_trees(data, pos + 8, b'', hash_len, index.trees)
        pos += 8 + size
    return index


def _cache_trees(data: bytes, pos: int, prefix: bytes, hash_len: int,
                 out: dict[bytes, bytes]) -> int:
    """The valid records of a ``TREE`` extension from ``pos`` (one folder
    and, depth first, its subfolders) into ``out``; where they end."""
    nul = data.index(b'\0', pos)
    lf = data.index(b'\n', nul)
    count, subs = data[nul + 1:lf].split(b' ')
    path = prefix + data[pos:nul] + b'/' if nul > pos else prefix
    pos = lf + 1
    if int(count) >= 0:
        out[path] = data[pos:pos + hash_len]
        pos += hash_len
    for _ in range(int(subs)):
        pos = _cache_trees(data, pos, path, hash_len, out)
    return pos


def _root_tree(data: bytes, pos: int, hash_len: int) -> str | None:
    """The root record of a ``TREE`` extension: its tree, or ``None``
    when invalidated (a ``-1`` entry count)."""
    nul = data.index(b'\0', pos)
    lf = data.index(b'\n', nul)
    if nul != pos or int(data[nul + 1:lf].split(b' ')[0]) < 0:
        return None
    return data[lf + 1:lf + 1 + hash_len].hex()


def load(worktree: str, hash_len: int) -> tuple[Index, int] | None:
    """The worktree's index and the index file's mtime (ns); ``None``
    when it cannot be read or proven about."""
    where = git_dir(worktree)
    if where is None:
        return None
    path = os.path.join(where, 'index')
    try:
        with open(path, 'rb') as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except OSError:
        return None
    index = read(data, hash_len)
    return None if index is None else (index, st.st_mtime_ns)


def proven_clean(worktree: str, head_tree: str) -> bool:
    """Is the worktree at ``worktree`` clean (nothing staged, modified or
    untracked), provably from its files?  ``False`` means unknown: ask
    ``git status``."""
    got = load(worktree, len(head_tree) // 2)
    if got is None:
        return False
    index, stamp = got
    return index.root == head_tree and \
        _unmodified(os.fsencode(worktree), index.entries, stamp,
                    algorithm(head_tree)) and \
        _nothing_untracked(os.fsencode(worktree), index.entries)


# The type and owner-executable bits of ``st_mode`` each index mode wants
# (a symlink's permission bits are all set on Linux); a gitlink has none.
_TYPE_BITS = 0o170100
_WANT = {0o100644: 0o100000, 0o100755: 0o100100, _SYMLINK: 0o120100}


def _unmodified(root: bytes, entries: Sequence[Entry], stamp: int,
                algo: str) -> bool:
    lstat = os.lstat
    want = _WANT.get
    prefix = root + b'/'
    for name, mode, oid, recorded in entries:
        try:
            st = lstat(prefix + name)
        except OSError:
            return False
        if (st.st_mtime_ns, st.st_ctime_ns, st.st_ino & _M32,
                st.st_size & _M32, st.st_uid, st.st_gid) != recorded or \
                st.st_mode & _TYPE_BITS != want(mode):
            return False  # a change, or a type or mode git would see
        if recorded[0] >= stamp and _blob_id(prefix + name, mode,
                                             algo) != oid:
            # Racily clean (written in the index's clock tick): the
            # content decides, as in git.
            return False
    return True


def _blob_id(path: bytes, mode: int, algo: str) -> bytes:
    """The blob id of the file (or symlink) at ``path``, unfiltered."""
    if mode == _SYMLINK:
        data = os.readlink(path)
    else:
        with open(path, 'rb') as f:
            data = f.read()
    return hashlib.new(algo, b'blob %d\0' % len(data) + data).digest()


def _nothing_untracked(root: bytes, entries: Sequence[Entry]) -> bool:
    """Does every folder that holds a tracked file list only tracked
    names (files, and folders that hold one; ``.git`` at the top)?

    Every tracked file exists (``_unmodified`` found it), so a folder
    lists no other name exactly when it lists as many names as it has
    tracked children: no name needs looking up."""
    children: dict[bytes, int] = {b'': 1}  # the top holds .git too
    for name, *_ in entries:
        cut = name.rfind(b'/')
        folder = name[:cut] if cut > 0 else b''
        while folder not in children:  # a new folder: its first child,
            children[folder] = 1      # and a child of its parent
            cut = folder.rfind(b'/')
            folder = folder[:cut] if cut > 0 else b''
        children[folder] += 1
    for folder, count in children.items():
        try:
            names = os.listdir(root + b'/' + folder if folder else root)
        except OSError:
            return False
        if len(names) != count:
            return False
    return True


# -- writing a snapshot's objects ---------------------------------------------------

def _write_object(objects: str, kind: bytes, body: bytes,
                  algo: str) -> bytes:
    """Write a loose object into the object directory ``objects``; its
    raw id."""
    raw = kind + b' ' + str(len(body)).encode() + b'\0' + body
    oid = hashlib.new(algo, raw).digest()
    hexid = oid.hex()
    folder = os.path.join(objects, hexid[:2])
    path = os.path.join(folder, hexid[2:])
    if not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        # A name of its own: snapshots written at once share trees.
        fd, tmp = tempfile.mkstemp(dir=folder, prefix='tmp_obj_')
        with os.fdopen(fd, 'wb') as f:
            f.write(zlib.compress(raw))
        os.replace(tmp, path)
    return oid


def write_blob(objects: str, data: bytes, algo: str) -> bytes:
    """Write ``data`` as a blob into ``objects``; its raw id."""
    return _write_object(objects, b'blob', data, algo)


def write_tree(objects: str, entries: Sequence[Entry], algo: str,
               known: dict[bytes, bytes] | None = None) -> str:
    """Write the trees of ``entries`` (an index's, sorted by path, stage 0)
    into ``objects``; the root tree's id.  ``known``: the index's valid
    cache trees (``Index.trees``), written already: reused, not
    written again."""
    return _tree(objects, entries, 0, len(entries), b'', algo,
                 known or {}).hex()


def _tree(objects: str, entries: Sequence[Entry], lo: int, hi: int,
          prefix: bytes, algo: str, known: dict[bytes, bytes]) -> bytes:
    if prefix in known:
        return known[prefix]
    items: list[tuple[bytes, bytes]] = []  # (sort key, tree entry)
    i = lo
    while i < hi:
        rest = entries[i][0][len(prefix):]
        cut = rest.find(b'/')
        if cut < 0:
            _, mode, oid, _ = entries[i]
            items.append((rest, b'%o %s\0' % (mode, rest) + oid))
            i += 1
            continue
        sub = rest[:cut]
        j = i
        below = prefix + sub + b'/'
        while j < hi and entries[j][0].startswith(below):
            j += 1
        oid = _tree(objects, entries, i, j, below, algo, known)
        items.append((sub + b'/', b'40000 %s\0' % sub + oid))
        i = j
    items.sort()
    return _write_object(objects, b'tree', b''.join(e for _, e in items),
                         algo)


def write_commit(objects: str, tree: str, parent: str, who: bytes,
                 message: bytes, algo: str) -> str:
    """Write a commit of ``tree`` on ``parent`` into ``objects``; its id.
    ``who``: ``Name <email> <time> <zone>``, as author and committer."""
    body = (b'tree %s\nparent %s\nauthor %s\ncommitter %s\n\n%s'
            % (tree.encode(), parent.encode(), who, who, message))
    return _write_object(objects, b'commit', body, algo).hex()
