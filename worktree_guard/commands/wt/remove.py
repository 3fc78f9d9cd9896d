"""``wt remove`` and ``wt prune``: a worktree goes, its branch too when
merged; every deletion prints how to restore it."""
from __future__ import annotations

import os
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context
    from worktree_guard.model import WorktreeInfo

from worktree_guard.commands.wt import Refused
from worktree_guard.commands.wt import is_bootstrap
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt import linked_worktrees
from worktree_guard.gitctx import worktrees
from worktree_guard.gitctx import Repo
from worktree_guard.commands.wt import consent
from worktree_guard.commands.wt.env import worktree_env
from worktree_guard.commands.wt.provision import run_commands
from worktree_guard.commands.wt.provision import say_now
from worktree_guard.gitctx import replay
import argparse as argparse_mod


def cmd_remove(ns: argparse.Namespace, ctx: Context) -> int:
    issue = issue_number(ns.issue)
    w = _the_worktree(ctx, issue)
    where = ctx.show(w.path)
    real = os.path.realpath(w.path)
    here = os.path.realpath(os.getcwd())
    inside = here == real or here.startswith(real + os.sep)
    if w.prunable:
        return _drop_stale(ctx, w, where, ns)
    lines = worktrees.changes(w.path)
    boot = ctx.policy['worktrees']['bootstrap']
    work = [x for x in lines if not is_bootstrap(x, boot)]
    _may_remove(w, where, work, ns.force)
    if _teardown(ctx, w, where, issue, ns.force):
        # What teardown left behind goes with the worktree.
        lines = worktrees.changes(w.path)
    if inside:
        # Work from the main checkout (or the common dir): this one goes.
        ctx.repo = Repo.discover(ctx.main_real or ctx.repo.common_dir)
    # Untracked bootstrap copies (or --force'd changes) need git's --force.
    try:
        ctx.gp.remove_worktree(w.path, 2 if w.locked else 1
                               if lines or ns.force else 0)
    except GuardError as e:
        raise GuardError(f'{e.message}; nothing was removed',
                         'git refuses worktrees with submodules unless '
                         'forced: rerun with --force') from None
    out = [f'removed worktree {where}']
    if work:
        out.append(f'  discarded {len(work)} uncommitted change'
                   f"{'s' * (len(work) != 1)} (--force)")
    out.extend(_remove_branch(ctx, w, ns.keep_branch, ns.force))
    if inside:
        out.append(f'note: your shell was inside it: cd '
                   f'{ctx.main_real or ctx.repo.common_dir}')
    print('\n'.join(out))
    return 0


def _the_worktree(ctx: Context, issue: int) -> WorktreeInfo:
    """The one linked worktree of ``issue``; exit 2 when none or more."""
    found = [w for w in linked_worktrees(ctx) if issue in ctx.issues_of(w)]
    if not found:
        raise GuardError(f'no worktree for issue {issue}',
                         "'worktree-guard wt list' shows the worktrees")
    if len(found) > 1:
        raise GuardError(
            f'issue {issue} has {len(found)} worktrees: '
            + ', '.join(ctx.show(w.path) for w in found),
            'remove the one you mean with git worktree remove <path>',
        )
    return found[0]


def _may_remove(w: WorktreeInfo, where: str, work: list[str],
                force: bool) -> None:
    """Refuse (exit 1) a worktree with uncommitted work, or a locked one,
    unless forced."""
    if work and not force:
        shown = '\n'.join(f'    {x}' for x in work[:10])
        more = f'\n    ... and {len(work) - 10} more' if len(work) > 10 \
            else ''
        raise Refused(
            f'{where} has {len(work)} uncommitted change'
            f"{'s' * (len(work) != 1)}; nothing was removed:\n{shown}{more}",
            f'commit or stash them in {where}, or rerun with --force to '
            'discard them',
        )
    if w.locked and not force:
        raise Refused(f'{where} is locked ({w.locked}); nothing was removed',
                      'git worktree unlock <path>, or rerun with --force')


def _teardown(ctx: Context, w: WorktreeInfo, where: str, issue: int,
              force: bool) -> bool:
    """Run the approved ``worktrees.teardown`` in the worktree (an
    unapproved one is refused with a message); did any run?"""
    cmds = consent.commands(ctx)
    teardown = cmds.teardown if cmds.approved else []
    if cmds.teardown and not cmds.approved:
        print(consent.refusal(cmds))
    if not teardown:
        return False
    ok = run_commands('teardown', teardown, w.path,
                      cmds.policy['worktrees']['setup-timeout'], say_now,
                      worktree_env(ctx, cmds.policy, issue, w.branch,
                                   w.path))
    if not ok and not force:
        raise Refused(f'teardown failed in {where}; nothing was removed',
                      'fix it and rerun, or rerun with --force to remove it '
                      'anyway')
    return True


def _drop_stale(ctx: Context, w: WorktreeInfo, where: str,
                ns: argparse.Namespace) -> int:
    """A prunable worktree: git cannot remove it, only prune its entry."""
    ctx.gp.prune(False)
    out = [f'dropped the stale worktree entry {where} ({w.prunable}; '
           'git worktree prune)']
    if os.path.lexists(w.path):
        out.append(f'  left the folder {where}: it is no longer a git '
                   'worktree')
    out.extend(_remove_branch(ctx, w, ns.keep_branch, ns.force))
    print('\n'.join(out))
    return 0


def _remove_branch(ctx: Context, w: WorktreeInfo, keep: bool,
                   force: bool) -> list[str]:
    if w.branch is None:
        return ['  no branch to delete (the worktree was detached)']
    branch = w.branch
    tip = ctx.gp.branch_tip(branch)
    if keep:
        return [f'  kept branch {branch} (--keep-branch)']
    if tip is None:
        return [f'  branch {branch} no longer exists']
    notes: list[str] = []
    label, base = ctx.base_tip(True, notes)
    out = [f'  note: {n}' for n in notes]
    how = landed(ctx, tip, base) if base is not None else None
    merged = how is not None
    if not merged and not force:
        out.append(f'  kept branch {branch}: not merged into {label} '
                   f'(--force deletes it, or: git branch -D {branch})')
        return out
    ctx.gp.delete_branch(branch)
    why = f'{how} into {label}' if how else 'NOT merged: --force'
    out.append(f'  deleted branch {branch} (was {tip[:12]}; {why}; '
               f'restore with: git branch {branch} {tip[:12]})')
    return out


def landed(ctx: Context, tip: str, base: str) -> str | None:
    """How ``tip`` has landed in ``base`` (``merged``, ``cherry-picked``
    or ``squash-merged``: ``gitctx.replay``, patch-id aware), or
    ``None``."""
    if ctx.repo.is_ancestor(tip, base):
        return 'merged'
    with replay.scratch_objects(ctx.repo):
        got = (replay.replay_onto(ctx.repo, base, [tip]) or {}).get(tip)
    if got is None or got.state != 'landed':
        return None
    return {'cherry-pick': 'cherry-picked'}.get(str(got.how),
                                                'squash-merged')


def cmd_prune(ns: argparse.Namespace, ctx: Context) -> int:
    lines = ctx.gp.prune(ns.dry_run)
    if not lines:
        print('nothing to prune: every worktree folder exists')
    for line in lines:
        print(('would prune: ' if ns.dry_run else 'pruned: ') + line)
    if not ns.merged:
        return 0
    return _prune_merged(ns, ctx)


def _prune_merged(ns: argparse.Namespace, ctx: Context) -> int:
    """``--merged``: remove each clean issue worktree whose branch landed
    (``wt remove`` for each: teardown, the branch goes, its restore line)."""
    notes: list[str] = []
    label, base = ctx.base_tip(True, notes)
    for n in notes:
        print(f'note: {n}')
    if base is None:
        print(f'no {label}: cannot tell which branches landed')
        return 1
    code = 0
    for w in linked_worktrees(ctx):
        issues = sorted(ctx.issues_of(w))
        if w.prunable or w.branch is None or w.head is None or not issues:
            continue
        how = landed(ctx, w.head, base)
        if how is None:
            continue
        if ns.dry_run:
            print(f'would remove: {ctx.show(w.path)} ({w.branch}, {how} '
                  f'into {label})')
            continue
        try:
            cmd_remove(argparse_mod.Namespace(
                issue=str(issues[0]), keep_branch=False, force=False), ctx)
        except GuardError as e:
            code = 1
            print(f'kept {ctx.show(w.path)}: {e.message}')
    return code
