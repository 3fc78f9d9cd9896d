"""``wt list``: every worktree with its ahead/behind, dirt and age."""
from __future__ import annotations

import os
import time
from typing import Any
from typing import TYPE_CHECKING


if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Sequence

    from worktree_guard.commands.wt import Context
    from worktree_guard.model import WorktreeInfo

from worktree_guard.commands.wt import json_text
from worktree_guard.commands.wt import age
from worktree_guard.commands.wt import is_bootstrap
from worktree_guard.commands.wt import text_table
from worktree_guard.gitctx import fleet
from worktree_guard.gitctx import worktrees
from worktree_guard.errors import GuardError
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt import linked_worktrees


def collect(ctx: Context, wts: Sequence[WorktreeInfo], base: str | None,
             dirty: bool, files: bool, then: fleet.Then | None = None,
             ) -> list[dict[str, Any]]:
    """Per worktree facts.  Ahead/behind and changed files come from
    ``gitctx.fleet`` in a few processes for all worktrees; the uncommitted
    changes (``dirty``) need a ``git status`` only in a worktree not
    proven clean from its index and files (``fleet.changes_many``)."""
    repo = ctx.repo
    heads = [w.head for w in wts if w.head and not w.prunable]
    times = worktrees.commit_times(repo, heads)
    facts = fleet.branch_facts(repo, base, heads) if base is not None \
        else {}
    now = time.time()
    readable = [(w.path, w.head) for w in wts if dirty and not w.prunable
                and w.head is not None and not w.bare
                and os.path.isdir(w.path)]
    # Two workers a core, and two: git status waits on the disk too.
    status = fleet.changes_many(repo, readable,
                                2 * (os.cpu_count() or 1) + 2, then)
    return [_row(ctx, w, times, facts, now, files, status if dirty else None)
            for w in wts]


def _row(ctx: Context, w: WorktreeInfo, times: dict[str, int],
         facts: dict[str, fleet.Facts], now: float, files: bool,
         status: dict[str, tuple[list[str], str | None]] | None,
         ) -> dict[str, Any]:
    """One worktree's facts (``changes``, and ``then``'s answer as
    ``made``, only when ``status`` is given)."""
    issues = sorted(ctx.issues_of(w))
    row: dict[str, Any] = {
        'issue': issues[0] if issues else None,
        'branch': w.branch, 'path': w.path, 'main': w.is_main,
        'head': w.head, 'detached': w.detached, 'bare': w.bare,
        'locked': w.locked, 'prunable': w.prunable,
        'ahead': None, 'behind': None,
    }
    when = times.get(w.head or '')
    row['last_commit'] = when
    row['age'] = age(now - when) if when is not None else None
    got = facts.get(w.head or '') if not w.prunable else None
    if got is not None:
        row['ahead'], row['behind'] = got[0], got[1]
        if files:
            row['files'] = got[2]
    if status is not None:
        lines, made = status.get(w.path, (None, None))
        row['changes'] = lines
        if made is not None:
            row['made'] = made
    return row


def cmd_list(ns: argparse.Namespace, ctx: Context) -> int:
    notes: list[str] = []
    label, base = ctx.base_tip(False, notes)
    wts = sorted(ctx.repo.worktrees(), key=lambda w: (
        not w.is_main, min(ctx.issues_of(w), default=0), w.path))
    rows = collect(ctx, wts, base, dirty=True, files=False)
    boot = ctx.policy['worktrees']['bootstrap']
    for r in rows:
        ch = r.pop('changes')
        if ch is not None:
            ch = [x for x in ch if not is_bootstrap(x, boot)]
        # The same shape as wt status: the number of changed paths.
        r['dirty'] = None if ch is None else len(ch)
    if ns.json:
        print(json_text({'base': {'ref': label, 'oid': base},
                          'worktrees': rows, 'notes': notes}, indent=2))
        return 0
    table = [('ISSUE', 'BRANCH', 'BEHIND', 'AHEAD', 'STATE', 'LAST', 'PATH')]
    for r in rows:
        table.append((
            '-' if r['issue'] is None else str(r['issue']),
            r['branch'] or ('(bare)' if r['bare'] else '(detached)'),
            '-' if r['behind'] is None else str(r['behind']),
            '-' if r['ahead'] is None else str(r['ahead']),
            _state(r), r['age'] or '-',
            ctx.show(r['path']) + ('  (main)' if r['main'] else ''),
        ))
    print(f'base: {label}' + (f' {base[:12]}' if base else ''))
    print(text_table(table))
    for r in rows:
        if r['prunable']:
            print(f"prunable: {r['path']}: {r['prunable']} "
                  "(worktree-guard wt prune drops it)")
    for n in notes:
        print(f'note: {n}')
    return 0


def _state(r: dict[str, Any]) -> str:
    """A worktree's STATE column: bare, prunable, dirty(N) or clean, and
    whether it is locked."""
    if r['bare']:
        state = 'bare'
    elif r['prunable']:
        state = 'prunable'
    else:
        state = f"dirty({r['dirty']})" if r['dirty'] else 'clean'
    return state + (',locked' if r['locked'] else '')


def only_worktree(ctx: Context, text: str) -> tuple[WorktreeInfo, int]:
    """The one linked worktree of the issue ``text`` names (matched
    exactly), and its number; exit 2 when there is none, or more."""
    issue = issue_number(text)
    found = [w for w in linked_worktrees(ctx) if issue in ctx.issues_of(w)]
    if len(found) != 1:
        raise GuardError(
            f'no worktree for issue {issue}' if not found else
            f'issue {issue} has {len(found)} worktrees: '
            + ', '.join(w.path for w in found),
            "'worktree-guard wt list' shows the worktrees")
    return found[0], issue


def cmd_path(ns: argparse.Namespace, ctx: Context) -> int:
    """``wt path N``: the worktree of issue ``N`` (matched exactly), for a
    shell function to ``cd`` into."""
    print(os.path.realpath(only_worktree(ctx, ns.issue)[0].path))
    return 0
