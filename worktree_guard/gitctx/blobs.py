"""Whole files, read once and streamed: the blob reader of a whole-file scan.

``Stream`` reads the files worth judging (by oid, or by name: ``:0:<path>``
in the index, ``<tree>:<path>``) through ONE buffered ``cat-file --batch``
and yields them as ``PathChange`` chunks of about ``CHUNK_BYTES``, so a
scan holds one chunk, never every blob; sizes come from the same pass.
``read_small`` reads a few small blobs (symlink targets, Dockerfiles) with
ONE ``cat-file --batch``; ``sizes`` asks ONE ``cat-file --batch-check
--buffer`` for the sizes of a patch's binary files.
"""
from __future__ import annotations

from worktree_guard.errors import GitError
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.model import PathChange

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator

    from worktree_guard.gitctx import Repo
    from worktree_guard.gitctx.pipes import Started

# A policy or baseline file is a regular file: no symlink (120000), no
# folder (040000), no submodule (160000).
FILE_MODES = ('100644', '100755')
_MODE_NAMES = {'120000': 'a symlink', '040000': 'a folder',
               '160000': 'a submodule'}


def mode_name(mode: str) -> str:
    return _MODE_NAMES.get(mode, f'mode {mode}')


def tree_entry(repo: Repo, commit: str, path: str,
               ) -> tuple[str, str, int] | None:
    """``(mode, oid, size)`` of ``path`` in ``commit`` (``None`` when it
    has none); one ``git ls-tree -l``.  The size is -1 for no blob."""
    from worktree_guard.gitctx.process import decode
    out = repo.git('ls-tree', '-l', '-z', '--full-tree', commit, '--',
                   path).stdout
    head, tab, name = out.rstrip(b'\0').partition(b'\t')
    parts = decode(head).split()
    if not tab or len(parts) != 4 or decode(name) != path:
        return None
    mode, _, oid, size = parts
    return mode, oid, int(size) if size.isdigit() else -1


def committed_file(repo: Repo, rev: str, path: str, max_bytes: int,
                   what: str) -> bytes | None:
    """The content of ``path`` as committed in ``rev`` (``None`` when
    ``rev`` is unborn or has no such file): never the working tree, so no
    FIFO, no symlink and no file changed under the run.  A symlink, folder
    or submodule there, or a blob larger than ``max_bytes``, is an error
    (``what`` names the file in it)."""
    from worktree_guard.errors import GuardError
    commit = repo.rev_parse(rev)
    if commit is None:
        return None
    entry = tree_entry(repo, commit, path)
    if entry is None:
        return None
    mode, oid, size = entry
    if mode not in FILE_MODES:
        raise GuardError(f'{path}:1: {what} is {mode_name(mode)} in {rev}, '
                         'not a regular file',
                         f'commit {path} as a plain file')
    if size > max_bytes:
        raise GuardError(f'{path}:1: {what} is larger than {max_bytes} '
                         f'bytes in {rev}', f'{what} is at most that size')
    out: bytes = repo.git('cat-file', 'blob', oid).stdout
    return out


# git's own binary test: a NUL in the first 8000 bytes (FIRST_FEW_BYTES).
BINARY_PROBE = 8000
# The progress line moves on every this many blobs.
PROGRESS_CHUNK = 1000
# A streamed chunk holds about this much content (one blob may exceed it).
CHUNK_BYTES = 1 << 20
# ... and is judged sooner, once it holds this much, when git has nothing
# more to give yet: the path engine then works while git still searches
# and reads (a scan's candidates are often less than one CHUNK_BYTES).
FLUSH_BYTES = 64 << 10


def _lines(names: list[str], end: bytes = b'\n') -> bytes:
    return b''.join(n.encode('utf-8', 'surrogateescape') + end
                    for n in names)


def sizes(repo: Repo, oids: list[str]) -> list[int]:
    """The sizes of objects (-1: missing), from one ``cat-file
    --batch-check --buffer``."""
    if not oids:
        return []
    out = repo.git('cat-file', '--batch-check', '--buffer',
                   input=_lines(oids)).stdout.split(b'\n')
    return [int(w) if (w := line.rsplit(b' ', 1)[-1]).isdigit() else -1
            for line in out[:len(oids)]]


def read_small(repo: Repo, oids: list[str]) -> list[bytes | None]:
    """The contents of a few small blobs (``None``: missing), from one
    ``cat-file --batch``."""
    if not oids:
        return []
    data = repo.git('cat-file', '--batch', input=_lines(oids)).stdout
    pos = 0
    out: list[bytes | None] = []
    for _ in oids:
        nl = data.find(b'\n', pos)
        size = data[pos:nl].rsplit(b' ', 1)[-1]
        if not size.isdigit():   # missing object
            pos = nl + 1
            out.append(None)
            continue
        end = nl + 1 + int(size)
        out.append(data[nl + 1:end])
        pos = end + 1
    return out


class Stream:
    """The files ``(path, object name)`` of one change, read through one
    buffered ``cat-file --batch -z`` and yielded as ``PathChange`` chunks
    (``data`` and text ``regions``) of about ``CHUNK_BYTES``.  Sizes come
    from the same pass: a file over ``max_size`` goes into ``oversized``
    and its bytes are dropped as they pass, never held; a binary file (a
    NUL in the first ``BINARY_PROBE`` bytes) goes into ``binary``; a
    missing object is left out.  ``progress`` hears ``(done, total)``
    every ``PROGRESS_CHUNK`` files and at the end; ``done`` is called once
    every file is read.  Each iteration reads again: the stream holds the
    file list, never the contents.  ``tree`` is the tree the files come
    from (``None``: the index) and ``dockerfiles`` whether it may hold a
    Dockerfile (``None``: unknown).
    """

    __slots__ = ('repo', 'ref', 'files', 'max_size', 'oversized', 'binary',
                 'progress', 'done', 'tree', 'dockerfiles', 'source',
                 '_rest')

    def __init__(self, repo: Repo, ref: str | None,
                 files: list[tuple[str, str]], max_size: int,
                 oversized: set[str], binary: set[str],
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.repo = repo
        self.ref = ref
        self.files = files
        self.max_size = max_size
        self.oversized = oversized
        self.binary = binary
        self.progress = progress
        self.done: Callable[[], None] | None = None
        self.tree: str | None = None
        self.dockerfiles: bool | None = None
        # A started ``git grep -l -z`` that names the files while they
        # are read: ``files`` grows as it does.
        self.source: Started | None = None
        self._rest = b''

    def __repr__(self) -> str:
        return f'Stream({len(self.files)} files)'

    def __iter__(self) -> Iterator[PathChange]:
        files = self.files
        source = self.source
        from worktree_guard.gitctx.scan import BOUNDED
        args = (*BOUNDED, 'cat-file', '--batch', '--buffer', '-z')
        if source is None:
            pieces = self.repo.git_stream(*args, input=_lines(
                [n for _, n in files], b'\0'))
        else:
            self.source = None   # read once; later runs read ``files``
            pieces = self.repo.git_relay(source, self._names, *args)
        yield from split(pieces, self.ref, files, self.max_size,
                         self.oversized, self.binary, self.progress)
        if source is not None and source.result is not None and \
                source.result.returncode not in (0, 1):   # 1: no match
            raise GitError(f"'git grep' failed: {stderr_tail(source.result)}")
        if self.done is not None:
            self.done()

    def _names(self, data: bytes) -> bytes:
        """``git grep -l -z`` output (``<tree>:<path>`` in a tree) to
        ``cat-file -z`` input, remembering each file; a name may be cut
        between pieces."""
        cut = 0 if self.tree is None else len(self.tree) + 1
        prefix = ':0:' if self.tree is None else self.tree + ':'
        *names, rest = (self._rest + data).split(b'\0')
        self._rest = rest
        out = []
        for raw in names:
            path = raw[cut:].decode('utf-8', 'surrogateescape')
            self.files.append((path, prefix + path))
            out.append((prefix + path).encode('utf-8', 'surrogateescape')
                       + b'\0')
        return b''.join(out)


def split(pieces: Iterable[bytes], ref: str | None,
          files: list[tuple[str, str]], max_size: int, oversized: set[str],
          binary: set[str],
          progress: Callable[[int, int], None] | None = None
          ) -> Iterator[PathChange]:
    """``cat-file --batch`` output for ``files`` (path, object name),
    arriving in ``pieces`` cut anywhere, as ``PathChange`` chunks of about
    ``CHUNK_BYTES``, or of ``FLUSH_BYTES`` or more at the end of a piece
    (git is still at work): each holds whole blobs (header lines
    included) and their text regions.  A blob over ``max_size`` is
    dropped as it passes; a missing one (``<name> missing``) is
    skipped."""
    buf = bytearray()
    regions: list[tuple[int, int, str]] = []
    pos = 0       # the next blob's header in buf
    i = 0         # the next blob
    drop = 0      # bytes of an oversized blob still to come
    for piece in pieces:
        if len(piece) <= drop:
            drop -= len(piece)
            continue
        buf += piece[drop:] if drop else piece
        drop = 0
        while i < len(files):   # files may grow as names arrive
            nl = buf.find(b'\n', pos)
            if nl == -1:
                break
            path = files[i][0]
            # "<oid> blob <size>", or "<name> missing".
            word = buf[buf.rfind(b' ', pos, nl) + 1:nl]
            size = int(word) if word.isdigit() else -1
            start = nl + 1
            if size > max_size:
                oversized.add(path)
                if len(buf) <= start + size:
                    drop = start + size + 1 - len(buf)
                    del buf[pos:]
                    i += 1
                    break
                del buf[pos:start + size + 1]
            elif size < 0:
                pos = start
            else:
                end = start + size
                if len(buf) <= end:   # the blob and its newline
                    break
                if buf.find(b'\0', start, min(end, start + BINARY_PROBE)) \
                        != -1:
                    binary.add(path)
                else:
                    regions.append((start, end, path))
                pos = end + 1
            i += 1
            if progress is not None and i % PROGRESS_CHUNK == 0:
                progress(i, len(files))
            if pos >= CHUNK_BYTES:
                yield PathChange(ref, data=bytes(buf[:pos]), regions=regions)
                del buf[:pos]
                pos = 0
                regions = []
        if regions and pos >= FLUSH_BYTES:
            yield PathChange(ref, data=bytes(buf[:pos]), regions=regions)
            del buf[:pos]
            pos = 0
            regions = []
    if progress is not None and len(files) % PROGRESS_CHUNK:
        progress(len(files), len(files))
    if regions:
        yield PathChange(ref, data=bytes(buf[:pos]), regions=regions)
