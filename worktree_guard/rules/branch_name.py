"""branch-name: branches are named ``issue-<N>-<slug>`` unless exempt."""
from __future__ import annotations

from worktree_guard.report import Violation

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

    from worktree_guard.facts import BranchTarget
    from worktree_guard.policy import Policy

RULE = 'branch-name'
MAX_NAME = 255  # git refuses longer ref components on most filesystems


def check(targets: Sequence[BranchTarget], policy: Policy,
          detached: bool = False) -> list[Violation]:
    out: list[Violation] = []
    branches = policy['branches']
    if detached and not branches['allow-detached']:
        out.append(Violation(
            RULE, 'HEAD is detached; commits here belong to no issue branch',
            kind='detached', ref='HEAD',
            fix=['git switch -c issue-<N>-<slug>'],
        ))
    for target in targets:
        name = target.name
        if policy.matches('branches', 'exempt', name):
            continue
        if branches['check'] == 'new' and target.is_new is False:
            continue
        if policy.branch_regex().search(name[:MAX_NAME]) and \
                len(name) <= MAX_NAME:
            continue
        from worktree_guard.slug import suggest_branch
        suggestion = suggest_branch(name, branches['slug-max-length'])
        if target.origin == 'push':
            where = f'refs/heads/{name}'
            fix = [
                f'git push <remote> <local-branch>:{suggestion}  '
                f'(push under a compliant name)',
                f'git branch -m {suggestion}  (rename the local branch)',
            ]
            what = f"remote branch '{name}'"
        else:
            where = f'refs/heads/{name}'
            fix = [f'git branch -m {suggestion}']
            what = f"branch '{name}'"
        out.append(Violation(
            RULE,
            f'{what} does not match the branch pattern '
            f'(issue-<N>-<slug>); try {suggestion!r}',
            ref=where, token=name, fix=fix,
        ))
    return out
