"""``wt sync [N...|--all]``: the workflow's "update the other workers" step.

Fetch the base once, then for each named worktree, one at a time:

- dirty (uncommitted changes to tracked files, bootstrap copies aside),
  detached, or in the middle of a rebase or merge: skipped with the
  reason.  Never stashed.  Untracked files are treated as ``git rebase``
  treats them: they stay, unless the base adds a file of the same name
  (then skipped, naming them).
- already based on the fresh tip: up to date.
- the rebase would stop on a conflict (``gitctx.replay``: the commits
  replayed one by one, as ``git rebase`` does; nothing touched): conflict,
  with the files and the commit; the worktree is not touched at all.
- otherwise ``git rebase --no-autostash <base tip>``; if it stops anyway
  (an intermediate commit conflicts, a hook refuses), it is aborted at
  once: the branch, HEAD, index and files are as they were, and the
  conflicted files are named.

Each synced worktree prints its way back (``git reset --keep <old tip>``).
Exit 0 when every worktree ends up on the base, 1 when one was skipped or
conflicts, 2 on bad usage.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING
from typing import Any

from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import replay
from worktree_guard.gitctx import worktrees

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context
    from worktree_guard.model import WorktreeInfo

from worktree_guard.commands.wt import is_bootstrap
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt import json_text
from worktree_guard.commands.wt import linked_worktrees
from worktree_guard.commands.wt import text_table


def _targets(ns: argparse.Namespace, ctx: Context) -> list[WorktreeInfo]:
    linked = [w for w in linked_worktrees(ctx) if not w.prunable]
    if ns.all and ns.issues:
        raise GuardError('give issue numbers or --all, not both',
                         'worktree-guard wt sync --all')
    if ns.all:
        return [w for w in linked if ctx.issues_of(w)]
    if ns.issues:
        out = []
        for text in ns.issues:
            issue = issue_number(text)
            found = [w for w in linked if issue in ctx.issues_of(w)]
            if not found:
                raise GuardError(f'no worktree for issue {issue}',
                                 "'worktree-guard wt list' shows the "
                                 'worktrees')
            out += [w for w in found if w not in out]
        return out
    here = os.path.realpath(os.getcwd())
    for w in linked:
        real = os.path.realpath(w.path)
        if here == real or here.startswith(real + os.sep):
            return [w]
    raise GuardError('not inside an issue worktree: which ones to sync?',
                     'worktree-guard wt sync <N>...  or  worktree-guard wt '
                     'sync --all')


def cmd_sync(ns: argparse.Namespace, ctx: Context) -> int:
    targets = _targets(ns, ctx)
    notes: list[str] = []
    label, base = ctx.base_tip(True, notes)
    if base is None:
        raise GuardError(f'no {label} to sync onto',
                         'check base.remote/base.branch in the policy')
    rows = [sync_one(ctx, w, base) for w in targets]
    if ns.json:
        print(json_text({'base': {'ref': label, 'oid': base},
                          'worktrees': rows, 'notes': notes}, indent=2))
    else:
        _print(ctx, label, base, rows, notes)
    return 0 if all(r['result'] in ('synced', 'up to date')
                    for r in rows) else 1


def sync_one(ctx: Context, w: WorktreeInfo, base: str) -> dict[str, Any]:
    """Rebase one worktree onto ``base`` when it is safe (the table in the
    module's docstring); its row."""
    boot = ctx.policy['worktrees']['bootstrap']
    issues = sorted(ctx.issues_of(w))
    row: dict[str, Any] = {
        'issue': issues[0] if issues else None, 'branch': w.branch,
        'path': w.path, 'result': 'skipped', 'detail': '',
        'conflict_files': [], 'old': w.head, 'new': None}
    head = Repo.discover(w.path).head()
    lines = [x for x in worktrees.changes(w.path)
             if not is_bootstrap(x, boot)]
    row['dirty'] = len(lines)  # as in wt status and wt list
    # Untracked files stay, as with git rebase, unless the rebase would
    # write a file of the same name.
    work = [x for x in lines if not x.startswith('?? ')]
    in_way = [] if work or w.head is None else _overwritten(
        ctx, w.head, base, [x[3:] for x in lines if x.startswith('?? ')])
    if head.operation is not None:
        row['detail'] = f'a {head.operation} is in progress there'
    elif w.branch is None or w.head is None:
        row['detail'] = 'detached HEAD: no branch to rebase'
    elif work:
        row['detail'] = (f'uncommitted changes ({len(work)}): commit '
                         'first (wt sync never stashes)')
    elif in_way:
        row['detail'] = ('untracked files the rebase would overwrite: '
                         + ', '.join(in_way) + ' (move them away first)')
    elif ctx.repo.is_ancestor(base, w.head):
        row['result'] = 'up to date'
    else:
        _rebase(row, ctx, w.head, base)
    return row


def _overwritten(ctx: Context, head: str, base: str,
                 untracked: list[str]) -> list[str]:
    """The untracked paths (a folder ends with ``/``) that the base adds
    over ``head``: a rebase would have to overwrite them."""
    if not untracked:
        return []
    added = worktrees.added_files(ctx.repo, head, base)
    return sorted(u for u in untracked
                  if any(a == u or (u.endswith('/') and a.startswith(u))
                         for a in added))


def _rebase(row: dict[str, Any], ctx: Context, head: str,
            base: str) -> None:
    # deferred: GitPython (~60 ms), only where a wt command needs it
    from worktree_guard.commands.wt.gitpy import rebase
    with replay.scratch_objects(ctx.repo):
        forecast = (replay.replay_onto(ctx.repo, base, [head]) or {}).get(
            head)
    if forecast is not None and forecast.state == 'conflict':
        row['result'] = 'conflict'
        row['conflict_files'] = forecast.files
        row['detail'] = (f'forecast: commit {forecast.step} of '
                         f'{forecast.commits} ({str(forecast.at)[:12]}) '
                         'stops the rebase; not touched')
        return
    done = rebase(row['path'], base)
    if done.new is None:
        row['result'] = 'conflict'
        row['conflict_files'] = done.conflicts
        row['detail'] = f'rebase stopped ({done.error}); aborted: as it was'
        return
    row['result'] = 'synced'
    row['new'] = done.new
    row['detail'] = (f'{done.replayed} commit{"s" * (done.replayed != 1)} '
                     f'replayed; undo: git -C {row["path"]} reset --keep '
                     f'{head[:12]}')


def _print(ctx: Context, label: str, base: str,
           rows: list[dict[str, Any]], notes: list[str]) -> None:
    fresh = f' (fetched just now from {ctx.gp.remote_url(ctx.remote)})' \
        if ctx.fetched else ''
    print(f'base: {label} {base[:12]}{fresh}')
    if not rows:
        print('no issue worktrees to sync')
    else:
        table = [('ISSUE', 'BRANCH', 'RESULT', 'DETAIL')]
        for r in rows:
            result = r['result']
            if r['conflict_files']:
                result += ' (' + ', '.join(r['conflict_files']) + ')'
            table.append(('-' if r['issue'] is None else str(r['issue']),
                          r['branch'] or '(detached)', result, r['detail']))
        print(text_table(table))
    for r in rows:
        if r['result'] == 'conflict':
            print(f"  {r['branch']}: resolve by hand: cd {ctx.show(r['path'])}"
                  f' && git rebase {label}')
    for n in notes:
        print(f'note: {n}')
