"""Which git command runs this hook (read from ``/proc``, Linux only).

The ``reference-transaction`` hook is started by the git process whose
transaction it judges.  ``git fetch origin main:main`` moves ``main`` in
one transaction and ``origin/main`` in a later one, so while ``main``
moves the tracking ref cannot vouch for the commit yet; the command line
can: a fetch from the base remote of ``main`` into ``main`` is a sync.
"""
from __future__ import annotations

import os

# git's global options that take a separate value.
_VALUED = ('-c', '-C', '--git-dir', '--work-tree', '--namespace',
           '--config-env', '--exec-path')


def parent_argv(pid: int | None = None) -> list[str] | None:
    """The command line of our parent (``None`` when unknown)."""
    try:
        with open(f'/proc/{pid or os.getppid()}/cmdline', 'rb') as f:
            raw = f.read()
    except OSError:  # pragma: no cover (no /proc: not Linux)
        return None
    return [a.decode('utf-8', 'surrogateescape')
            for a in raw.split(b'\0') if a] or None


def fetch_into(argv: list[str] | None, remote: str, branch: str) -> bool:
    """Is ``argv`` a ``git fetch <remote> [+]<branch>:<branch>``?"""
    if not argv or os.path.basename(argv[0]) not in ('git', 'git.exe'):
        return False
    i = 1
    while i < len(argv) and argv[i].startswith('-'):
        i += 2 if argv[i] in _VALUED else 1
    if argv[i:i + 1] != ['fetch']:
        return False
    rest = [a for a in argv[i + 1:] if not a.startswith('-')]
    if rest[:1] != [remote]:
        return False
    names = (branch, f'refs/heads/{branch}')
    for spec in rest[1:]:
        src, sep, dst = spec.lstrip('+').partition(':')
        if sep and src in names and dst in names:
            return True
    return False
