"""The settings of the coding agents' own OS sandboxes that ``install
--agent`` writes (issue 22): Claude Code's ``sandbox`` section and Codex's
``workspace-write`` block in ``.codex/config.toml``.  Both name the same
places (``places``): the git-dir paths a linked worktree's commits write,
and, for Claude Code, the other checkouts and the shared hooks and config
that its sandbox must not write.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError
from worktree_guard.gitctx.checkouts import checkout_map

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

TOML_BEGIN = ('# worktree-guard begin: install --agent codex (uninstall '
              'removes this block)')
TOML_END = '# worktree-guard end'


class Places:
    """The paths the sandbox settings name, for the checkout at ``root``:
    ``writable``, the git-dir paths a linked worktree's commits write (the
    shared ``objects``, ``refs`` and ``logs``, and its own
    ``worktrees/<name>``); ``denied``, the other checkouts and the shared
    hooks and config."""

    def __init__(self, writable: list[str], denied: list[str]) -> None:
        self.writable = writable
        self.denied = denied


def places(root: str, git_dir: str) -> Places:
    cmap = checkout_map(root)
    assert cmap is not None   # install checked the checkout
    common = cmap.common_dir
    git_dir = os.path.realpath(git_dir)
    writable = [os.path.join(common, d) for d in ('objects', 'refs', 'logs')]
    if git_dir != common:
        writable.append(git_dir)
    me = os.path.realpath(root)
    denied: list[str] = []
    for c in cmap.checkouts:
        if c.root == me:
            continue
        # A checkout that holds this worktree (trees/issue-N) or the common
        # git dir: a rule on its root would cover them too, so the rule
        # goes on each of its entries but the ones toward those two (a
        # snapshot: rerun install after adding top-level entries; the
        # sandbox's default refuses writes outside the worktree anyway).
        steps = {p[len(c.root) + 1:].split('/', 1)[0] for p in (me, common)
                 if p.startswith(c.root.rstrip('/') + '/')}
        if not steps:
            denied.append(c.root)
            continue
        for name in sorted(os.listdir(c.root)):
            if name not in steps:
                denied.append(os.path.join(c.root, name))
    denied += [os.path.join(common, 'hooks'), os.path.join(common, 'config')]
    return Places(writable, denied)


def _abs(path: str) -> str:
    """A path as Claude Code's sandbox settings take it: ``//`` is the
    filesystem root in every version (a leading ``/`` alone has meant the
    settings file's folder in some)."""
    return '/' + path


def merge_sandbox(data: dict[str, Any], where: Places) -> None:
    """Claude Code's ``sandbox`` settings, merged into ``data``."""
    box = data.get('sandbox')
    if box is None:
        box = data['sandbox'] = {'enabled': True, 'failIfUnavailable': True}
    fs = box.get('filesystem') if isinstance(box, dict) else None
    if fs is None and isinstance(box, dict):
        fs = box['filesystem'] = {}
    if not isinstance(box, dict) or not isinstance(fs, dict):
        raise GuardError("the settings file's 'sandbox' (or "
                         "sandbox.filesystem) is not an object",
                         'fix it by hand, then rerun install --agent')
    box['enabled'] = True
    box['failIfUnavailable'] = True
    for key, paths in (('allowWrite', where.writable),
                       ('denyWrite', where.denied)):
        have = fs.setdefault(key, [])
        if not isinstance(have, list):
            raise GuardError(f"the settings file's sandbox.filesystem.{key} "
                             'is not a list', 'fix it by hand, then rerun '
                                              'install --agent')
        have += [_abs(p) for p in paths if _abs(p) not in have]


def strip_sandbox(data: dict[str, Any], where: Places) -> bool:
    """Take our paths out of ``data``'s sandbox, and the whole section when
    nothing of the user's is left in it; True if anything went."""
    box = data.get('sandbox')
    if not isinstance(box, dict):
        return False
    fs = box.get('filesystem')
    removed = False
    if isinstance(fs, dict):
        ours = {_abs(p) for p in where.writable + where.denied}
        for key in ('allowWrite', 'denyWrite'):
            have = fs.get(key)
            if isinstance(have, list):
                kept = [p for p in have if p not in ours]
                removed |= len(kept) != len(have)
                if kept:
                    fs[key] = kept
                else:
                    del fs[key]
        if not fs:
            del box['filesystem']
    if removed and set(box) <= {'enabled', 'failIfUnavailable'}:
        del data['sandbox']
    return removed


def _toml_str(s: str) -> str:
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def codex_block(where: Places) -> str:
    roots = ', '.join(_toml_str(p) for p in where.writable)
    return (f'{TOML_BEGIN}\nsandbox_mode = "workspace-write"\n'
            f'sandbox_workspace_write.writable_roots = [{roots}]\n'
            f'{TOML_END}\n')


def strip_toml(text: str) -> str:
    """``text`` without our marked block."""
    begin = text.find(TOML_BEGIN)
    end = text.find(TOML_END, begin)
    if begin < 0 or end < 0:
        return text
    return text[:begin] + text[end + len(TOML_END):].lstrip('\n')


def merge_toml(path: str, text: str, where: Places) -> str:
    """``text`` with our block first (its keys are top-level: before any
    table); unchanged, with a note, when the file sets the sandbox itself
    (read line by line: Python 3.10 has no TOML parser)."""
    rest = strip_toml(text)
    for line in rest.splitlines():
        word = line.strip().lstrip('[').strip()
        if word.startswith(('sandbox_mode', 'sandbox_workspace_write',
                            '"sandbox_mode"', '"sandbox_workspace_write"')):
            print(f'{os.path.relpath(path)} sets the sandbox itself; add '
                  'these to its sandbox_workspace_write.writable_roots for '
                  'commits to work: ' + ', '.join(where.writable))
            return rest
    return codex_block(where) + rest
