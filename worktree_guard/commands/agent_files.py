"""The files ``install --agent`` writes, and how ``uninstall --agent``
takes them back (issues 14 and 22): what a file held before is kept in the
worktree's git dir (``worktree-guard/agents/<agent>/<file>/``), so
uninstall puts it back byte for byte, or removes it if install created it,
or, when the file changed since, removes only our entries.  A file install
creates is listed in ``<common-dir>/info/exclude`` (git ignores it in every
worktree) unless a line there already names it.
"""
from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

from worktree_guard.gitctx.checkouts import checkout_map

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable

STATE_DIR = os.path.join('worktree-guard', 'agents')
EXCLUDE_NOTE = ('# worktree-guard install --agent: machine-specific agent '
                'settings (uninstall removes the next line)')


def read(path: str) -> bytes | None:
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None


def write_atomic(path: str, data: bytes) -> None:
    tmp = f'{path}.wg-tmp-{os.getpid()}'
    mode = None
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        pass
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def state_of(git_dir: str, agent: str, rel: str) -> str:
    return os.path.join(git_dir, STATE_DIR, agent, rel.replace(os.sep, '_'))


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def put_file(path: str, state: str, after: bytes, same: bool) -> bool:
    """Write ``after`` to ``path`` keeping what was there before in
    ``state``; ``same``: the file already says that (nothing written).
    True when the file was written."""
    if same:
        return False
    before = read(path)
    folder = os.path.dirname(path)
    created = not os.path.isdir(folder)
    os.makedirs(state, exist_ok=True)
    written = read(os.path.join(state, 'written'))
    if written is None:
        # The first install keeps what was there before.
        if before is not None:
            write_atomic(os.path.join(state, 'original'), before)
        else:
            write_atomic(os.path.join(state, 'absent'), b'')
        if created:
            write_atomic(os.path.join(state, 'created-dir'), b'')
    elif written != before:
        # Edited since the last install: the old bytes would lose those
        # edits, so uninstall will remove only our entries.
        _remove(os.path.join(state, 'original'))
        _remove(os.path.join(state, 'absent'))
    os.makedirs(folder, exist_ok=True)
    write_atomic(path, after)
    write_atomic(os.path.join(state, 'written'), after)
    return True


def take_back(path: str, state: str,
              strip_fn: Callable[[bytes], bytes | None],
              keep_dir: bool = False) -> str:
    """Undo ``put_file``: the file as it was, or only our entries out of it
    (``strip_fn`` gives the new bytes, ``None`` when nothing of ours is
    in it).  What was done, for the user."""
    current = read(path)
    written = read(os.path.join(state, 'written'))
    original = read(os.path.join(state, 'original'))
    absent = os.path.exists(os.path.join(state, 'absent'))
    unchanged = current is not None and current == written
    if unchanged and original is not None:
        write_atomic(path, original)
        said = f'restored {path} as it was before install'
    elif unchanged and absent:
        os.remove(path)
        said = f'removed {path} (install created it)'
        folder = os.path.dirname(path)
        if not keep_dir and os.path.exists(
                os.path.join(state, 'created-dir')) and \
                not os.listdir(folder):
            os.rmdir(folder)
    elif current is not None:
        new = strip_fn(current)
        if new is not None:
            write_atomic(path, new)
            said = (f'removed worktree-guard\'s entries from {path} (the '
                    'file changed since install, so only our entries went)')
        else:
            said = f'nothing to remove: no worktree-guard entries in {path}'
    else:
        said = f'nothing to remove: no {path}'
    shutil.rmtree(state, ignore_errors=True)
    return said


def exclude_path(common: str) -> str:
    return os.path.join(common, 'info', 'exclude')


def exclude_add(common: str, rel: str) -> bool:
    """List ``/rel`` in ``<common>/info/exclude`` unless a line there
    already names it; True if added."""
    path = exclude_path(common)
    text = (read(path) or b'').decode('utf-8', 'surrogateescape')
    pattern = '/' + rel.replace(os.sep, '/')
    if any(line.strip() in (pattern, pattern[1:])
           for line in text.splitlines()):
        return False
    if text and not text.endswith('\n'):
        text += '\n'
    text += f'{EXCLUDE_NOTE}\n{pattern}\n'
    os.makedirs(os.path.dirname(path), exist_ok=True)
    write_atomic(path, text.encode('utf-8', 'surrogateescape'))
    return True


def exclude_remove(common: str, rel: str) -> bool:
    """Take out the ``/rel`` line ``exclude_add`` put there (with its note);
    a line the user wrote stays.  True if removed."""
    path = exclude_path(common)
    raw = read(path)
    if raw is None:
        return False
    lines = raw.decode('utf-8', 'surrogateescape').splitlines(True)
    pattern = '/' + rel.replace(os.sep, '/')
    for i in range(len(lines) - 1):
        if lines[i].rstrip('\n') == EXCLUDE_NOTE and \
                lines[i + 1].rstrip('\n') == pattern:
            del lines[i:i + 2]
            write_atomic(path, ''.join(lines).encode('utf-8',
                                                      'surrogateescape'))
            return True
    return False


def still_used(root: str, rel: str) -> bool:
    """Does any checkout of the repository still have ``rel``?"""
    cmap = checkout_map(root)
    assert cmap is not None
    return any(os.path.lexists(os.path.join(c.root, rel))
               for c in cmap.checkouts)
