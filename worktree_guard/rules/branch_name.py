"""branch-name: branches are named ``issue-<N>-<slug>`` unless exempt."""
from __future__ import annotations

from worktree_guard.model import Violation

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import BranchFacts
    from worktree_guard.model import BranchTarget
    from worktree_guard.policy import Policy

RULE = 'branch-name'
FACTS = 'branch'
MAX_NAME = 255  # git refuses longer ref components on most filesystems


def check(facts: BranchFacts, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    out: list[Violation] = []
    branches = policy['branches']
    if facts.detached and not branches['allow-detached']:
        out.append(Violation(
            RULE, 'HEAD is detached; commits here belong to no issue branch',
            kind='detached', ref='HEAD',
            fix=['git switch -c issue-<N>-<slug>'],
        ))
    for target in facts.targets:
        if target.update is not None and target.update.is_delete:
            continue
        name = target.name
        if policy.matches('branches', 'exempt', name):
            continue
        if branches['check'] == 'new' and target.is_new is False:
            continue
        if policy.branch_regex().search(name[:MAX_NAME]) and \
                len(name) <= MAX_NAME:
            continue
        from worktree_guard.slug import suggest_branch
        where = f'refs/heads/{name}'
        if target.origin == 'push':
            what = f"remote branch '{name}'"
            remote = target.remote or '<remote>'
            local = _local_branch(target)
            m = policy.branch_regex().search(local) if local else None
            if local and m:
                # The local branch is compliant: keep its issue number, and
                # pushing it under its own name is the simplest fix.
                suggestion = suggest_branch(
                    name, branches['slug-max-length'], m.group('issue'))
                fix = [f'git push {remote} {local}  (push it under its own '
                       'name)',
                       f'git push {remote} {local}:{suggestion}']
            else:
                suggestion = suggest_branch(name, branches['slug-max-length'])
                src = local or '<local-branch>'
                fix = [f'git branch -m {src} {suggestion}  (rename the local '
                       'branch)' if local else
                       f'git branch -m {suggestion}  (rename the local '
                       'branch)',
                       f'git push {remote} {suggestion}']
        else:
            suggestion = suggest_branch(name, branches['slug-max-length'])
            fix = [f'git branch -m {suggestion}']
            what = f"branch '{name}'"
        out.append(Violation(
            RULE,
            f'{what} does not match the branch pattern '
            f'(issue-<N>-<slug>); try {suggestion!r}',
            ref=where, token=name, fix=fix,
        ))
    return out


def _local_branch(target: BranchTarget) -> str | None:
    """The short name of the local branch being pushed, if it is one."""
    ref = target.update.local_ref if target.update else ''
    return ref[len('refs/heads/'):] if ref.startswith('refs/heads/') \
        else None
