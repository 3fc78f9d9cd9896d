"""branch-name and protected-branch as pure functions: facts in, findings
out, no git (the real hooks are in tests/integration/rules/
test_branch_rules.py and test_sync.py).  One row per case: the targets,
then the finding kinds expected, in order."""
from __future__ import annotations

import pytest

from worktree_guard import policy as P
from worktree_guard.model import BranchFacts
from worktree_guard.model import BranchTarget
from worktree_guard.model import RefUpdate
from worktree_guard.rules import branch_name
from worktree_guard.rules import protected_branch

OLD = '1' * 40
NEW = '2' * 40
ZERO = '0' * 40


def push(name: str, *, old: str = OLD, new: str = NEW,
         ff: bool | None = True, is_new: bool | None = False) -> BranchTarget:
    ref = f'refs/heads/{name}'
    return BranchTarget(name, 'push', is_new,
                        RefUpdate(ref, new, ref, old, ff), remote='origin')


def head(name: str, **kw: object) -> BranchTarget:
    return BranchTarget(name, 'HEAD', **kw)  # type: ignore[arg-type]


def kinds(rule: object, facts: BranchFacts, text: str = '') -> list[str]:
    """The findings' kinds (``name``: a branch-name finding, which has
    the rule's one default kind), and ``unfetched`` for a force push that
    only may overwrite (the remote's tip was never fetched)."""
    pol = P.parse(text) if text else P.default_policy()
    found = rule.check(facts, pol)  # type: ignore[attr-defined]
    return ['unfetched' if 'never fetched' in v.message
            else v.kind or 'name' for v in found]


@pytest.mark.parametrize(('targets', 'committing', 'want'), [
    pytest.param([head('main')], True, ['commit'], id='commit-on-main'),
    pytest.param([head('main', unborn=True)], True, [], id='first-commit'),
    pytest.param([head('main')], False, [], id='all-files-commits-nothing'),
    pytest.param([head('issue-1-a')], True, [], id='issue-branch'),
    pytest.param([push('main')], True, [], id='fast-forward-push'),
    pytest.param([push('main', new=ZERO, ff=None)], True, ['delete'],
                 id='delete'),
    pytest.param([push('main', ff=False)], True, ['force-push'],
                 id='force-push'),
    pytest.param([push('main', ff=None)], True, ['unfetched'],
                 id='remote-tip-never-fetched'),
    pytest.param([push('main', old=ZERO, ff=None, is_new=True)], True, [],
                 id='new-protected-branch'),
])
def test_protected_branch(targets: list[BranchTarget], committing: bool,
                          want: list[str]) -> None:
    facts = BranchFacts(targets, committing=committing)
    assert kinds(protected_branch, facts) == want


@pytest.mark.parametrize(('operation', 'fix'), [
    (None, 'worktree-guard wt create <N> <title> && worktree-guard wt '
           'rescue <N>'),
    ('merge', 'git merge --abort'),
    ('cherry-pick', 'git cherry-pick --abort'),
    ('revert', 'git revert --abort'),
    ('rebase', 'git rebase --abort'),
])
def test_protected_branch_fix_fits_the_operation(operation: str | None,
                                                 fix: str) -> None:
    """Mid-merge git cannot switch branches: the fix says abort first."""
    facts = BranchFacts([head('main', operation=operation)])
    (found,) = protected_branch.check(facts, P.default_policy())
    assert found.fix[0].startswith(fix)


@pytest.mark.parametrize(('targets', 'policy', 'want'), [
    pytest.param([head('issue-12-fix-login')], '', [], id='good-name'),
    pytest.param([head('fix-login')], '', ['name'], id='bad-name'),
    pytest.param([head('main')], '', [], id='exempt'),
    pytest.param([push('fix-login', new=ZERO, ff=None)], '', [],
                 id='deleting-a-badly-named-branch'),
    pytest.param([push('fix-login', is_new=False)],
                 'branches:\n  check: new\n', [],
                 id='check-new-grandfathers-existing'),
    pytest.param([push('fix-login', old=ZERO, is_new=True)],
                 'branches:\n  check: new\n', ['name'],
                 id='check-new-judges-new'),
])
def test_branch_name(targets: list[BranchTarget], policy: str,
                     want: list[str]) -> None:
    assert kinds(branch_name, BranchFacts(targets), policy) == want


def test_detached_head_is_judged_only_when_disallowed() -> None:
    facts = BranchFacts([], detached=True)
    assert kinds(branch_name, facts) == []
    assert kinds(branch_name, facts,
                 'branches:\n  allow-detached: false\n') == ['detached']
