"""worktree-layout (issue 5).  Placeholder until the rule lands."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.policy import Policy
    from worktree_guard.report import Violation


def check(facts: object, policy: Policy) -> list[Violation]:
    return []
