"""``wt trust``: the commands a repository's policy runs on this machine
need the local user's consent (issue 23, in the spirit of direnv's
``allow``).

``wt create`` runs ``worktrees.setup``, copies the files
``worktrees.include`` lists and ``worktrees.bootstrap`` names, and
``wt remove`` runs ``worktrees.teardown``.  Whoever can push to the base
could otherwise make a teammate's next ``wt create`` run anything, and a
branch could do so from its own working tree.  So:

- the commands always come from the policy **committed on the base**
  (``gitctx.trust``: the fetched remote-tracking base, else the local
  base), never from a working tree or a branch; the include listing is
  read from the same commit (or from a file the user names with
  ``--policy``, which is theirs);
- they run only when the local user has approved a digest of exactly
  these commands (``worktree-guard wt trust``); a change to any of them
  asks again.  Approvals live outside every repository, in
  ``${XDG_DATA_HOME:-~/.local/share}/worktree-guard/approved.json``,
  keyed by the repository's common git dir.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError
from worktree_guard.gitctx.trust import trusted_policy

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context
    from worktree_guard.policy import Policy

STORE = os.path.join('worktree-guard', 'approved.json')


class Commands:
    """What the trusted policy would run or copy on this machine, where it
    comes from, and whether the local user approved it."""

    def __init__(self, policy: Policy, source: str,
                 include_lines: list[str] | None) -> None:
        w = policy['worktrees']
        self.policy = policy
        self.source = source
        self.setup: list[str] = list(w['setup'])
        self.teardown: list[str] = list(w['teardown'])
        self.bootstrap: list[str] = list(w['bootstrap'])
        self.include: str = str(w['include'] or '')
        self.include_lines = include_lines
        self.approved = False

    @property
    def empty(self) -> bool:
        return not (self.setup or self.teardown or self.bootstrap
                    or self.include_lines)

    def digest(self) -> str:
        """The sha256 of everything approval covers."""
        data = {'setup': self.setup, 'teardown': self.teardown,
                'bootstrap': self.bootstrap, 'include': self.include,
                'include-lines': self.include_lines}
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode('utf-8', 'surrogateescape')
                              ).hexdigest()

    def lines(self) -> list[str]:
        """The commands and files, as ``wt trust`` shows them."""
        out = [f'from the policy committed on {self.source}:']
        for name, cmds in (('setup', self.setup),
                           ('teardown', self.teardown)):
            out += [f'  worktrees.{name}: $ {c}' for c in cmds]
        out += [f'  worktrees.bootstrap: copy {b}' for b in self.bootstrap]
        if self.include_lines:
            out.append(f'  worktrees.include ({self.include}): copy the '
                       'ignored files matching')
            out += [f'    {x}' for x in self.include_lines
                    if x.strip() and not x.lstrip().startswith('#')]
        return out


def store_path() -> str:
    base = os.environ.get('XDG_DATA_HOME') or os.path.join(
        os.path.expanduser('~'), '.local', 'share')
    return os.path.join(base, STORE)


def _load_store() -> dict[str, str]:
    try:
        with open(store_path(), encoding='utf-8') as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(k, str) and isinstance(v, str)}


def _key(ctx: Context) -> str:
    return os.path.realpath(ctx.repo.common_dir)


def commands(ctx: Context) -> Commands:
    """The trusted policy's commands for this repository, and whether the
    local user approved them."""
    if ctx.policy_path is not None:
        # A policy file the user named on the command line is theirs; its
        # include listing is read beside the checkout.
        policy = ctx.policy
        source = f'{ctx.policy_path} (--policy)'
        lines = _listing_file(ctx.main_real or ctx.repo.root,
                              str(policy['worktrees']['include'] or ''))
    else:
        trusted = trusted_policy(ctx.repo.common_dir)
        anchor = trusted.anchor
        source = (f'{anchor.name} ({anchor.commit[:12]})'
                  if anchor.commit is not None else
                  'no base branch (the built-in defaults)')
        policy = trusted.policy
        name = str(policy['worktrees']['include'] or '')
        lines = None
        if name and anchor.commit is not None:
            text = ctx.repo.blob_text(anchor.commit, name)
            lines = text.splitlines() if text is not None else None
    found = Commands(policy, source, lines)
    found.approved = found.empty or \
        _load_store().get(_key(ctx)) == found.digest()
    return found


def _listing_file(root: str | None, name: str) -> list[str] | None:
    if not name or root is None:
        return None
    try:
        with open(os.path.join(root, name), encoding='utf-8') as f:
            return f.read().splitlines()
    except OSError:
        return None


def approve(ctx: Context, found: Commands) -> None:
    data = _load_store()
    data[_key(ctx)] = found.digest()
    path = store_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f'{path}.tmp-{os.getpid()}'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def refusal(found: Commands) -> str:
    """The note when the commands are not approved: nothing ran."""
    return (f'not run: the worktree commands committed on {found.source} '
            'are not approved on this machine (they changed, or were never '
            'approved); review them with: worktree-guard wt trust')


def cmd_trust(ns: argparse.Namespace, ctx: Context) -> int:
    """``wt trust [--yes]``: show the commands; approve them."""
    found = commands(ctx)
    if found.empty:
        print(f'the policy committed on {found.source} runs no commands '
              'and copies no files: nothing to approve')
        return 0
    print('\n'.join(found.lines()))
    if found.approved:
        print('already approved on this machine')
        return 0
    if not ns.yes:
        if not sys.stdin.isatty():
            raise GuardError('not approved: wt trust asks on a terminal',
                             'review the list above, then: worktree-guard '
                             'wt trust --yes')
        answer = input('run these in new worktrees on this machine? '
                       '[y/N] ').strip().lower()
        if answer not in ('y', 'yes'):
            print('not approved; nothing changed')
            return 1
    approve(ctx, found)
    print(f'approved (kept in {store_path()}); a change to any of them '
          'asks again')
    return 0
