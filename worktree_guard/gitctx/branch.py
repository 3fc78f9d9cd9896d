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


MERGES_SHOWN = 5   # merge commits named per refused ref


def branch_facts(repo: Repo, policy: Policy, inp: StageInput) -> BranchFacts:
    if inp.stage == 'commit':
        return _commit(repo, policy, committing=not inp.all_files)
    targets = [BranchTarget(u.branch, 'push', u.is_new, u, remote=inp.remote)
               for u in inp.updates if u.is_branch]
    protected = [t.update for t in targets
                 if t.update and policy.matches('branches', 'protected',
                                                t.name)]
    repo.fill_fast_forward(protected)
    merges: dict[str, list[str]] = {}
    if not policy['server']['allow-merges']:
        # A protected branch keeps a linear history: the merge commits a
        # fast-forward brings (one rev-list per protected ref pushed).
        for u in protected:
            if u.fast_forward:
                out = repo.git('rev-list', '--merges',
                               f'--max-count={MERGES_SHOWN}',
                               f'{u.remote_oid}..{u.local_oid}',
                               '--').stdout.decode('ascii', 'replace')
                if out.split():
                    merges[u.remote_ref] = out.split()
    return BranchFacts(targets, merges=merges)


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
