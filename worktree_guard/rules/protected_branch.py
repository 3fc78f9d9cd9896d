"""protected-branch: no direct commits, force pushes or deletions."""
from __future__ import annotations

from worktree_guard.model import Violation
from worktree_guard.rules.spec import RuleSpec

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import BranchFacts
    from worktree_guard.policy import Policy

RULE = 'protected-branch'
FACTS = 'branch'
SPEC = RuleSpec(
    RULE, hook_id='check-protected-branch', stages=('commit', 'push'),
    facts=FACTS,
    kinds={'commit': 'error', 'delete': 'error', 'force-push': 'error',
           'merge': 'error'},
    summary='no direct commits, force pushes or deletions on protected '
            'branches',
    explain="""\
Branches matching `branches.protected` (default main, master) take no
direct commits (a repository's very first commit is allowed).  At push, a non-fast-forward update or a deletion of a
protected branch is refused, and so is a fast-forward that brings a merge
commit (a protected branch keeps a linear history) unless the policy sets
server.allow-merges: true.

Fix: worktree-guard wt create <N> <title> && worktree-guard wt rescue <N>
(moves the uncommitted work into the issue's own worktree, keeping a copy
under refs/worktree-guard/rescued/); without worktrees, git switch -c
issue-<N>-<slug>.  A commit already made on main: git branch issue-<N>-<slug>
then git reset --keep @{upstream} to put main back.""",
)


def check(facts: BranchFacts, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    out: list[Violation] = []
    for target in facts.targets:
        if not policy.matches('branches', 'protected', target.name):
            continue
        name = target.name
        update = target.update
        if update is None and (target.unborn or not facts.committing):
            # A repository's first commit has to land somewhere; under
            # --all-files nothing is being committed.
            continue
        if update is None:
            fix = ['worktree-guard wt create <N> <title> && worktree-guard '
                   'wt rescue <N>  (move this work into the issue\'s own '
                   'worktree; a copy stays under refs/worktree-guard/'
                   'rescued/, and main stays clean for the other '
                   'worktrees)',
                   'without worktrees: git switch -c issue-<N>-<slug>  '
                   '(the staged changes come along)']
            op = target.operation
            if op in ('merge', 'cherry-pick', 'revert'):
                # git cannot switch branches mid-operation.
                fix = [f'git {op} --abort  (then redo the {op} on an issue '
                       'branch: git switch -c issue-<N>-<slug>)']
            elif op == 'rebase':
                fix = ['git rebase --abort  (rebase an issue branch instead '
                       f"of '{name}')"]
            out.append(Violation(
                RULE,
                f"branch '{name}' is protected: it takes no direct commits",
                kind='commit', ref=f'refs/heads/{name}', token=name,
                fix=fix,
            ))
        elif update.is_delete:
            out.append(Violation(
                RULE, f"protected branch '{name}' may not be deleted",
                kind='delete', ref=update.remote_ref, token=name,
            ))
        elif update.fast_forward is False:
            out.append(Violation(
                RULE,
                f"protected branch '{name}' may not be force-pushed "
                '(the update is not a fast-forward)',
                kind='force-push', ref=update.remote_ref, token=name,
                fix=[f'git fetch {target.remote or "<remote>"} && git rebase '
                     f'{target.remote or "<remote>"}/{name}  '
                     '(then push without --force)'],
            ))
        elif update.remote_ref in facts.merges:
            found = facts.merges[update.remote_ref]
            out.append(Violation(
                RULE,
                f"protected branch '{name}' keeps a linear history: the "
                f'push brings merge commit{"s" * (len(found) > 1)} '
                f"{', '.join(m[:12] for m in found)}",
                kind='merge', ref=update.remote_ref, token=name,
                fix=[f'git rebase {target.remote or "<remote>"}/{name}  '
                     '(replay the work without its merges, then push)',
                     'or a policy admin sets server.allow-merges: true'],
            ))
        elif update.fast_forward is None and not update.is_new:
            # The remote's tip was never fetched: nothing proves this is a
            # fast-forward, so it may overwrite commits (a force push).
            remote = target.remote or '<remote>'
            out.append(Violation(
                RULE,
                f"protected branch '{name}': the remote's tip "
                f'{update.remote_oid[:12]} is not in this repository, so '
                'this push may overwrite commits you never fetched; fetch '
                'first',
                kind='force-push', ref=update.remote_ref, token=name,
                fix=[f'git fetch {remote} && git rebase {remote}/{name}  '
                     '(then push without --force)'],
            ))
    return out
