"""Hostile policies are bounded (issue 13).

A policy file is read at every commit and, on a server, comes from a
pusher's branch once it lands; a few hundred bytes must not hang a hook.

* **Size**: at most 1 MiB (a 50 MB policy parsed for minutes).
* **YAML nodes**: aliases let 641 bytes stand for billions of nodes, and
  everything after composing (construction, validation, duplicate-key
  walks) pays for each.  The composed graph is measured first, in time
  linear in its size (shared nodes are counted once per use from a memo):
  more than ``MAX_NODES`` nodes once expanded is refused at once.
* **Numbers**: every amount has an upper bound (``check_amounts``; the
  schema bounds the plain numbers).
* **The file itself** (``check_file``): a directory, a FIFO (reading one
  would hang), a dangling symlink or a symlink out of the repository is
  refused with exit 2 and a message that never echoes its content.

Pure apart from ``check_file``, which only ``lstat``s and resolves paths
(with ``lightpath``: no ``os`` on the agent hook's path).
"""
from __future__ import annotations

from worktree_guard import lightpath as P
from worktree_guard.errors import PolicyError

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

MAX_POLICY_BYTES = 1 << 20
MAX_NODES = 10_000
MAX_FILE_SIZE = 1 << 30          # paths.max-file-size: 1 GiB
MAX_STALENESS = 366 * 86400      # sync.max-staleness: a year


def check_size(size: int, filename: str) -> None:
    if size > MAX_POLICY_BYTES:
        raise PolicyError(
            f'{filename}:1:1: the policy is {size} bytes; a policy is at '
            f'most {MAX_POLICY_BYTES} bytes (1 MiB)',
            'a policy is a few dozen lines: check that the right file is '
            'named .worktree-guard.yaml')


def expanded_nodes(root: Any, limit: int = MAX_NODES) -> int:
    """How many nodes the YAML graph under ``root`` stands for once every
    alias is expanded, counting up to just past ``limit``.  Each distinct
    node is visited once (memo by identity), so a graph that expands to
    billions is measured in the time its text takes to read."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()   # on the current path: meeting one is a cycle
    # Iterative post-order: deep nesting cannot overflow the stack here.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            total = 1
            for child in children:
                total = min(limit + 1, total + sizes[id(child)])
            sizes[key] = total
            open_.discard(key)
            continue
        if key in sizes:
            continue
        if key in open_:
            return limit + 1   # an alias of its own ancestor: endless
        open_.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _children(node: Any) -> list[Any]:
    value = getattr(node, 'value', None)
    if not isinstance(value, list):
        return []   # a scalar
    out: list[Any] = []
    for item in value:
        if isinstance(item, tuple):   # a mapping's (key, value)
            out.extend(item)
        else:
            out.append(item)
    return out


def check_nodes(root: Any, filename: str) -> None:
    if root is not None and expanded_nodes(root) > MAX_NODES:
        raise PolicyError(
            f'{filename}:1:1: the policy expands to more than {MAX_NODES} '
            'YAML nodes (aliases of aliases?); refused before reading it',
            'write the lists out instead of nesting anchors and aliases')


def check_amounts(data: dict[str, Any], at: Any, parse_size: Any,
                  parse_duration: Any) -> list[tuple[str, str]]:
    """Bounds the schema cannot state: sizes and durations written as
    text.  ``at(path)`` gives the ``file:line:col`` of a key; the parsers
    are the policy's own."""
    errors = []
    paths = data.get('paths')
    size = paths.get('max-file-size') if isinstance(paths, dict) else None
    if size is not None and parse_size(size) > MAX_FILE_SIZE:
        errors.append((f"{at(('paths', 'max-file-size'))}: "
                       f"'paths.max-file-size' is over 1GiB",
                       'files that large are never read line by line; use '
                       '1GiB or less'))
    sync = data.get('sync')
    stale = sync.get('max-staleness') if isinstance(sync, dict) else None
    if stale is not None and parse_duration(stale) > MAX_STALENESS:
        errors.append((f"{at(('sync', 'max-staleness'))}: "
                       "'sync.max-staleness' is over a year",
                       'use 366d or less'))
    return errors


def check_file(path: str, root: str | None, display: str) -> None:
    """Refuse a policy path that is no regular file inside the repository
    (``root``; ``None`` for ``--policy`` files, which may be anywhere)."""
    if not P.lexists(path):
        return   # absent: the caller decides
    real = path
    if P.islink(path):
        real = P.realpath(path)
        if not P.exists(real):
            raise PolicyError(
                f'{display}:1:1: the policy is a symlink to nothing',
                'make it a regular file, or remove the dangling link')
        if root is not None:
            top = P.realpath(root)
            if not P.within(real, top):
                raise PolicyError(
                    f'{display}:1:1: the policy is a symlink out of the '
                    'repository; it is not read',
                    'make it a regular file in the repository')
    kind = P.filetype(real)
    if kind != P.IFREG:
        what = 'a directory' if kind == P.IFDIR else \
            'a FIFO' if kind == P.IFIFO else 'not a file'
        raise PolicyError(
            f'{display}:1:1: the policy is {what}, not a file',
            'make .worktree-guard.yaml a regular file (or remove it to use '
            'the built-in defaults)')
