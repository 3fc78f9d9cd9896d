"""The engine as a policy sets it up: what ``rules/worktree_paths.py``
(commit, push, CI, server) and the agent guard's content scan both build,
so the two judge a line alike and neither rule imports the other."""
from __future__ import annotations

from worktree_guard.pathengine.engine import Engine
from worktree_guard.pathengine.places import Context

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import PathFacts
    from worktree_guard.policy import Policy


class _Branches:
    """``branches.pattern``, compiled on first use."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def match(self, name: str) -> object:
        return self.policy.branch_regex().match(name)


def engine_for(facts: PathFacts, policy: Policy) -> Engine:
    """The path engine with everything the facts and policy know."""
    return Engine(Context(
        facts.checkouts, facts.root, policy['worktrees']['root'],
        policy['paths']['resolve-from'], policy['paths']['allow'],
        _Branches(policy), facts.container_users, facts.symlinks,
        facts.git_dir, facts.home, exists=facts.exists))
