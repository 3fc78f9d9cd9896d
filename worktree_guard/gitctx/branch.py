"""Branch facts: which branches a commit or a push targets."""
from __future__ import annotations

from worktree_guard.model import BranchFacts
from worktree_guard.model import BranchTarget

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx.repo import Repo
    from worktree_guard.model import StageInput
    from worktree_guard.policy import Policy


def branch_facts(repo: Repo, policy: Policy, inp: StageInput) -> BranchFacts:
    if inp.stage == 'commit':
        return _commit(repo, policy, committing=not inp.all_files)
    targets = [BranchTarget(u.branch, 'push', u.is_new, u, remote=inp.remote)
               for u in inp.updates if u.is_branch]
    repo.fill_fast_forward([
        t.update for t in targets
        if t.update and policy.matches('branches', 'protected', t.name)])
    return BranchFacts(targets)


def _commit(repo: Repo, policy: Policy, committing: bool) -> BranchFacts:
    head = repo.head()
    if head.branch is None:
        return BranchFacts([], detached=True, committing=committing)
    is_new = None
    if policy['branches']['check'] == 'new':
        remote, _ = repo.resolve_base(policy['base']['remote'],
                                      policy['base']['branch'])
        is_new = repo.ref_oid(f'refs/remotes/{remote}/{head.branch}') is None
    return BranchFacts([BranchTarget(head.branch, 'HEAD', is_new,
                                     unborn=head.kind == 'unborn',
                                     operation=head.operation)],
                       committing=committing)
