"""``wt land [N...] [--dry-run]``: the workflow's merge strategy as one
command (issue 25): land one branch, sync the others, land the next.

For each issue to land (the next one in the plan's order, or the ones
named, matched by exact issue number, in the plan's order):

1. fetch the base; the worktree must be clean (untracked files aside), on
   its branch, with no rebase or merge in progress;
2. sync it onto the fetched base: a rebase, never a merge (``wt sync``'s
   logic: a forecast conflict touches nothing, a stopped rebase is
   aborted);
3. run ``land.test`` in it, read from the base's *committed* policy
   (``<remote>/<base>:.worktree-guard.yaml``), never from a branch or a
   working tree, so the branch being landed cannot change its own test;
4. fast-forward the base on the remote with a plain ``git push <remote>
   <branch>:<base>``: the hooks (pre-push here, the server's there) judge
   it like any push, and a base that moved meanwhile refuses it;
5. fetch again and update the local base branch only when that is safe:
   the checkout that has it checked out must be clean (``git merge
   --ff-only <remote>/<base>``, a sync the hooks let through; a failure
   that staged the new files is undone with ``git reset --merge``); a
   branch no checkout has moves with ``git update-ref`` when it is
   behind; otherwise the output says what to run;
6. sync every other issue worktree onto the new base (``wt sync``: dirty
   ones are skipped, conflicts are forecast or aborted, never left half
   done).

The first failure in steps 1-5 stops everything, says where things stand
and prints the way back (``git reset --keep`` for a rebase, the force push
that would undo a land).  Exit 0 when every issue landed, 1 when one
stopped, 2 on bad usage.
"""
from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from worktree_guard import policy as policy_mod
from worktree_guard.commands.wt.provision import run_commands
from worktree_guard.commands.wt.status import gather
from worktree_guard.commands.wt.sync import sync_one
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import receive
from worktree_guard.gitctx import worktrees

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context
    from worktree_guard.model import WorktreeInfo
    from worktree_guard.policy import Policy

from worktree_guard.commands.wt import Refused
from worktree_guard.commands.wt import is_bootstrap
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt import linked_worktrees


class Stop(Exception):
    """A land stopped: the message says where things stand."""


def committed_policy(ctx: Context, base: str) -> tuple[Policy, str]:
    """The policy committed at the base tip (the built-in defaults when
    the base has none), and where it was read."""
    found = receive.read_blob(ctx.repo, base, policy_mod.POLICY_FILE)
    where = f'{ctx.remote}/{ctx.base_branch}:{policy_mod.POLICY_FILE}'
    if found is None:
        return policy_mod.default_policy(), f'the built-in defaults ({where} '\
            'does not exist)'
    return policy_mod.parse(found[1], where), where


def _plan(ctx: Context, wanted: list[int]) -> tuple[
        list[WorktreeInfo], dict[str, dict[str, Any]], list[str]]:
    """The worktrees to land, in the plan's order; the dashboard's rows by
    branch; the plan's notes."""
    data = gather(ctx, False, dirty=True)
    rows = {r['branch']: r for r in data['worktrees'] if r['branch']}
    linked = {w.branch: w for w in linked_worktrees(ctx) if w.branch}
    order = [s['branch'] for s in data['landing_order'] if not s['remote']]
    if not wanted:
        if not order:
            raise Refused('nothing to land: no issue worktree has work '
                          'that the base lacks',
                          "'worktree-guard wt status' shows the worktrees")
        return [linked[order[0]]], rows, data['notes']
    picked: list[str] = []
    for issue in wanted:
        found = [b for b, w in linked.items() if issue in ctx.issues_of(w)]
        if not found:
            raise GuardError(f'no worktree for issue {issue}',
                             "'worktree-guard wt list' shows the worktrees")
        for b in found:
            if b not in order:
                r = rows.get(b, {})
                why = {'landed': 'it has landed already',
                       'empty': 'it has no commits of its own'}.get(
                           str(r.get('state')), 'it is not in the plan')
                raise Refused(f'issue {issue} ({b}): nothing to land: {why}',
                              f'worktree-guard wt remove {issue}')
            picked.append(b)
    return ([linked[b] for b in order if b in picked], rows,
            data['notes'])


def cmd_land(ns: argparse.Namespace, ctx: Context) -> int:
    wanted = [issue_number(t) for t in ns.issues]
    notes: list[str] = []
    label, base = ctx.base_tip(True, notes)
    if base is None or label != f'{ctx.remote}/{ctx.base_branch}':
        raise GuardError(f'no {ctx.remote}/{ctx.base_branch} to land on',
                         'wt land pushes to the base remote: check '
                         'base.remote/base.branch in the policy')
    policy, source = committed_policy(ctx, base)
    test = policy['land']['test']
    targets, rows, plan_notes = _plan(ctx, wanted)
    print(f'base: {label} {base[:12]} (fetched just now)' if ctx.fetched
          else f'base: {label} {base[:12]} (cached: the fetch failed)')
    print(f"land.test: {test if test else 'none'}  (from {source})")
    for n in notes + plan_notes:
        print(f'note: {n}')
    if ns.dry_run:
        _dry_run(ctx, targets, rows, test, label)
        return 0
    for k, w in enumerate(targets, 1):
        print(f'\nlanding {w.branch} ({k} of {len(targets)})')
        try:
            base = _land_one(ctx, w, base, label, test,
                             float(policy['land']['test-timeout']))
        except Stop as e:
            print(f'STOPPED: {e}')
            left = [t.branch for t in targets[k:]]
            if left:
                print('  not landed: ' + ', '.join(str(b) for b in left))
            return 1
    return 0


def _dry_run(ctx: Context, targets: list[WorktreeInfo],
             rows: dict[str, dict[str, Any]], test: str | None,
             label: str) -> None:
    print('\ndry run: nothing is changed')
    boot = ctx.policy['worktrees']['bootstrap']
    for k, w in enumerate(targets, 1):
        r = rows[str(w.branch)]
        rp = dict(r.get('replay') or {})
        if r['uncommitted'] and rp:  # the snapshot of the uncommitted work
            rp['commits'] -= 1
        state = r['state']
        if state == 'conflict':
            what = (f"rebase onto {label} would STOP at commit {rp['step']} "
                    f"of {rp['commits']} in "
                    + ', '.join(r['base_conflict_files']))
        elif state == 'clean':
            what = (f"rebase onto {label}: {rp['commits']} commit"
                    f"{'s' * (rp['commits'] != 1)} to replay, clean")
        else:
            what = f'based on {label} already'
        print(f'  {k}. {w.branch}: {what}')
        tracked = [x for x in worktrees.changes(w.path)
                   if not x.startswith('?? ') and not is_bootstrap(x, boot)]
        if tracked:
            print(f'     {len(tracked)} uncommitted change'
                  f"{'s' * (len(tracked) != 1)} to tracked files: it would "
                  'stop here')
        print(f"     then: {test or '(no land.test)'}; git push "
              f'{ctx.remote} {w.branch}:{ctx.base_branch}; '
              'worktree-guard wt sync --all')


def _land_one(ctx: Context, w: WorktreeInfo, base: str, label: str,
              test: str | None, timeout: float) -> str:
    """Land one worktree's branch; the new base tip.  ``Stop`` when it
    cannot."""
    where = ctx.show(w.path)
    _reread(ctx)
    fresh = next(x for x in linked_worktrees(ctx) if x.path == w.path)
    row = sync_one(ctx, fresh, base)
    undo: list[str] = []
    if row['result'] == 'skipped':
        raise Stop(f"{w.branch}: {row['detail']}; nothing changed")
    if row['result'] == 'conflict':
        raise Stop(f"{w.branch}: rebasing onto {label} conflicts in "
                   + ', '.join(row['conflict_files'])
                   + f" ({row['detail']}); "
                   'nothing changed. Resolve by hand: cd '
                   f'{where} && git rebase {label}')
    if row['result'] == 'synced':
        print(f"  rebased onto {label}: {row['detail']}")
        undo.append(f"git -C {where} reset --keep {row['old'][:12]}")
    tip = Repo.discover(w.path).head().oid
    assert tip is not None
    if test and not run_commands('land.test', [test], w.path, timeout,
                                 lambda s: print(f'  {s}', flush=True)):
        raise Stop(f'{w.branch}: land.test failed; the base is '
                   'unchanged' + _undo(undo))
    ok, text = worktrees.push(w.path, ctx.remote, str(w.branch),
                              ctx.base_branch)
    if not ok:
        shown = '\n'.join(f'    | {ln}' for ln in text.splitlines())
        raise Stop(f'{w.branch}: git push {ctx.remote} '
                   f'{w.branch}:{ctx.base_branch} was refused; the base is '
                   f'unchanged:\n{shown}' + _undo(undo))
    print(f'  pushed: git push {ctx.remote} {w.branch}:{ctx.base_branch} '
          f'({base[:12]}..{tip[:12]})')
    ctx.base_tip(True, [])  # the push moved the tracking ref already
    new = tip
    print(f'  undo the land (a force push: the server may refuse it): git '
          f'push --force-with-lease={ctx.base_branch}:{new} '
          f'{ctx.remote} {base}:refs/heads/{ctx.base_branch}')
    print(f'  {_local_base(ctx, new)}')
    _sync_others(ctx, w, new, label)
    issue = min(ctx.issues_of(w), default=None)
    print(f'  landed {w.branch}; when done with it: worktree-guard wt '
          f"remove {issue if issue is not None else '<N>'}")
    return new


def _reread(ctx: Context) -> None:
    """Forget what was read of the worktrees (their HEADs moved)."""
    ctx.repo = Repo.discover(ctx.main_real or ctx.repo.common_dir)


def _undo(undo: list[str]) -> str:
    return ('; undo its rebase: ' + ' && '.join(undo)) if undo else ''


def _local_base(ctx: Context, new: str) -> str:
    """Bring the local base branch to ``new`` when that is safe; what was
    done or what to run."""
    branch = ctx.base_branch
    tracking = f'{ctx.remote}/{branch}'
    local = ctx.repo.ref_oid(f'refs/heads/{branch}')
    if local is None:
        return f'no local {branch} to update'
    if not ctx.repo.is_ancestor(local, new):
        return (f'local {branch} has commits {tracking} lacks: not moved '
                f'(see git log {tracking}..{branch})')
    holder = next((x for x in ctx.repo.worktrees()
                   if x.branch == branch and not x.bare), None)
    if holder is None:
        err = worktrees.move_branch(ctx.repo, branch, new, local)
        if err is not None:  # pragma: no cover (the branch moved meanwhile)
            return f'local {branch} not moved ({err}): git branch -f ' \
                f'{branch} {tracking}'
        return f'local {branch}: {local[:12]} -> {new[:12]} (update-ref)'
    where = 'the main checkout' if holder.is_main else ctx.show(holder.path)
    tracked = [x for x in worktrees.changes(holder.path)
               if not x.startswith('?? ')]
    hint = f'git -C {holder.path} merge --ff-only {tracking}'
    if tracked:
        return (f'{where} (on {branch}) has uncommitted changes: not '
                f'touched; when it is clean: {hint}')
    err = worktrees.fast_forward(holder.path, tracking)
    if err is not None:
        return f'{where} (on {branch}) not fast-forwarded ({err}): {hint}'
    return f'{where}: {branch} fast-forwarded to {new[:12]}'


def _sync_others(ctx: Context, landed: WorktreeInfo, new: str,
                 label: str) -> None:
    _reread(ctx)
    others = [w for w in linked_worktrees(ctx)
              if not w.prunable and w.path != landed.path and
              ctx.issues_of(w)]
    for w in others:
        row = sync_one(ctx, w, new)
        detail = row['detail']
        if row['result'] == 'conflict':
            detail = ('conflict in ' + ', '.join(row['conflict_files'])
                      + f': resolve by hand: cd {ctx.show(w.path)} && git '
                      f'rebase {label}')
        print(f"  sync {w.branch}: {row['result']}"
              + (f' ({detail})' if detail else ''))
