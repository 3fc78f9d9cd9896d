"""Git facts for worktree-paths (issue 3).  Placeholder until that rule lands."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy
    from worktree_guard.runner import StageInput


def path_facts(repo: Repo, policy: Policy, inp: StageInput) -> object:
    return None
