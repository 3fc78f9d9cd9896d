"""Parsers of git's outputs for the path facts: patch headers, C-quoted
names, and the listings (``ls-files -s``, ``ls-tree -r``, ``--raw``).

``special`` picks from a whole listing, at C speed (``bytes.find``), only
the entries a rule judges by path (symlinks, gitlinks, paths under given
roots): a whole-file scan never turns every file of a large tree into a
Python object.
"""
from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterable

Item = tuple[str, str, str]   # (path, mode, oid)
SYMLINK = '120000'
GITLINK = '160000'


def range_base(out: bytes) -> str | None:
    lines = out.split()
    if not lines:
        return ''
    # `rev-list --parents` prints "<commit> <parents>..." newest first; the
    # last line is the oldest new commit of the first-parent chain.
    last = out.rstrip(b'\n').rsplit(b'\n', 1)[-1].split(b' ')
    return last[1].decode() if len(last) > 1 else None


_C_ESCAPES = {ord('a'): 7, ord('b'): 8, ord('t'): 9, ord('n'): 10,
              ord('v'): 11, ord('f'): 12, ord('r'): 13}


def unquote(s: bytes) -> bytes:
    """The first C-quoted string of ``s`` (git's quote_c_style)."""
    out = bytearray()
    i = 1
    while i < len(s) and s[i] != 0x22:
        c = s[i]
        if c == 0x5C:
            d = s[i + 1]
            if 0x30 <= d <= 0x37:
                out.append(int(s[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_C_ESCAPES.get(d, d))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def header_path(rest: bytes) -> str:
    """The path of ``diff --git a/<p> b/<p>`` (no renames: both are equal)."""
    if rest.startswith(b'"'):
        raw = unquote(rest)[2:]
    else:
        raw = rest[2:2 + (len(rest) - 5) // 2]
    return raw.decode('utf-8', 'surrogateescape')


def added_text(data: bytes, start: int, end: int) -> str:
    """The new side of a small patch (a symlink's target): every ``+``
    line, newlines inside the target kept, so it is judged whole."""
    out = []
    pos = start
    newline = True
    while pos < end:
        le = data.find(b'\n', pos, end)
        le = end if le == -1 else le
        if data[pos:pos + 1] == b'+':
            out.append(data[pos + 1:le])
            newline = True
        elif data[pos:pos + 2] == b'\\ ' and out:
            newline = False   # "\ No newline at end of file"
        pos = le + 1
    body = b'\n'.join(out) + (b'\n' if newline and out else b'')
    return body.decode('utf-8', 'surrogateescape')


def header_mode(header: bytes) -> tuple[str, str]:
    """(new mode, new oid) from a patch header."""
    i = header.find(b'\nindex ')
    if i == -1:
        return '', ''   # a pure rename: no content line
    j = header.find(b'\n', i + 1)
    fields = header[i + 7:j if j != -1 else len(header)].split(b' ')
    oid = fields[0].partition(b'..')[2].decode()
    mode = fields[1] if len(fields) > 1 else b''
    for key in (b'\nnew file mode ', b'\nnew mode '):
        k = header.find(key)
        if k != -1:
            mode = header[k + len(key):k + len(key) + 6]
            break
    return mode.decode(), oid


def split_z(out: bytes) -> list[bytes]:
    return out.split(b'\0')[:-1]   # every record ends with a NUL


def ls_files(out: bytes) -> list[Item]:
    """``ls-files -s -z``: ``<mode> <oid> <stage>\\t<path>``; merged only."""
    items = []
    for rec in split_z(out):
        meta, _, path = rec.partition(b'\t')
        mode, oid, stage = meta.split(b' ')
        if stage == b'0':
            items.append((path.decode('utf-8', 'surrogateescape'),
                          mode.decode(), oid.decode()))
    return items


def ls_tree(out: bytes) -> list[Item]:
    """``ls-tree -r -z``: ``<mode> <type> <oid>\\t<path>``."""
    items = []
    for rec in split_z(out):
        meta, _, path = rec.partition(b'\t')
        mode, _, oid = meta.split(b' ')
        items.append((path.decode('utf-8', 'surrogateescape'),
                      mode.decode(), oid.decode()))
    return items


def raw(out: bytes) -> list[Item]:
    """``--raw -z -M``: ``:<m1> <m2> <o1> <o2> <st>\\0<path>\\0``, and
    ``<old>\\0<new>\\0`` for a rename; a pure rename (R100) adds nothing."""
    parts = split_z(out)
    items = []
    i = 0
    while i < len(parts):
        fields = parts[i].split(b' ')
        status = fields[4]
        if status.startswith((b'R', b'C')):
            path = parts[i + 2]
            i += 3
            if status == b'R100':
                continue
        else:
            path = parts[i + 1]
            i += 2
        if status != b'D':
            items.append((path.decode('utf-8', 'surrogateescape'),
                          fields[1].decode(), fields[3].decode()))
    return items


# (status letter, old mode, new mode, same content, path, renamed from or '')
Change = tuple[str, str, str, bool, str, str]


def changes(out: bytes) -> list[Change]:
    """Every record of ``--raw -z -M``, deletions and pure renames too."""
    parts = split_z(out)
    found: list[Change] = []
    i, n = 0, len(parts)
    while i < n:
        old, new, o1, o2, status = parts[i][1:].split(b' ')
        if status[:1] in (b'R', b'C'):
            src = parts[i + 1].decode('utf-8', 'surrogateescape')
            path = parts[i + 2]
            i += 3
        else:
            src = ''
            path = parts[i + 1]
            i += 2
        found.append((status[:1].decode(), old.decode(), new.decode(),
                      o1 == o2, path.decode('utf-8', 'surrogateescape'),
                      src))
    return found


def special(out: bytes, tree: bool, roots: Iterable[str]) -> list[Item]:
    """The entries of a whole listing (``ls-tree -r -z`` when ``tree``,
    else ``ls-files -s -z``) that are symlinks or gitlinks, or whose path
    is one of ``roots`` or lies under one, in the listing's order.  Every
    record starts after a NUL, and the first tab ends its metadata."""
    starts: set[int] = set()
    for mode in (b'120000 ', b'160000 '):
        if out.startswith(mode):
            starts.add(0)
        key = b'\0' + mode
        i = out.find(key)
        while i != -1:
            starts.add(i + 1)
            i = out.find(key, i + 1)
    for root in roots:
        key = b'\t' + root.encode('utf-8', 'surrogateescape')
        i = out.find(key)
        while i != -1:
            if out[i + len(key):i + len(key) + 1] in (b'/', b'\0'):
                s = out.rfind(b'\0', 0, i) + 1
                if out.find(b'\t', s) == i:   # the path itself, not inside it
                    starts.add(s)
            i = out.find(key, i + 1)
    parse = ls_tree if tree else ls_files
    items: list[Item] = []
    for s in sorted(starts):
        items += parse(out[s:out.find(b'\0', s) + 1])
    return items


def dockerish(out: bytes) -> bool:
    """Whether a listing may name a Dockerfile or Containerfile."""
    low = out.lower()
    return b'dockerfile' in low or b'containerfile' in low
