"""bubblewrap: the sandbox where Landlock is missing (Linux with user
namespaces).

The command runs in a new mount namespace where ``/`` is bound read-only
and each writable root is bound back read-write on top (``--bind X X``);
``/dev`` is the host's own (``--dev-bind``: the terminal's ``/dev/pts/N``
and ``/dev/shm`` stay usable, as under Landlock), or only its few device
files when ``/dev`` holds the repository.  No ``--proc``: the
host's ``/proc`` is already there through ``/``, and mounting a new one
fails in some containers.  ``--die-with-parent`` takes the command down
with us.  Writes elsewhere fail with ``EROFS`` ("Read-only file system").
"""
import os

NAME = 'bwrap'


def find(path_env: str | None) -> str | None:
    """The ``bwrap`` executable on ``path_env`` (``$PATH``), or ``None``."""
    for folder in (path_env or os.defpath).split(os.pathsep):
        full = os.path.join(folder or '.', NAME)
        if os.path.isfile(full) and os.access(full, os.X_OK):
            return full
    return None


def argv(exe: str, roots: list[str], status_fd: int,
         cmd: list[str]) -> list[str]:
    """The bwrap command line that runs ``cmd`` with ``roots`` writable;
    bwrap writes its JSON status lines to ``status_fd`` (an ``exit-code``
    line only when the command ran)."""
    out = [exe, '--ro-bind', '/', '/']
    for root in roots:
        if root == '/dev' or root.startswith('/dev/'):
            out += ['--dev-bind', root, root]
        elif os.path.exists(root):
            out += ['--bind', root, root]
    out += ['--die-with-parent', '--json-status-fd', str(status_fd), '--']
    return out + cmd


def ran(status: bytes) -> bool:
    """Whether bwrap's status lines say the command ran (rather than bwrap
    failing to set the sandbox up)."""
    return b'"exit-code"' in status
