"""``worktree-guard wt``: create, list, remove and watch issue worktrees."""
from __future__ import annotations

from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence


def main(argv: Sequence[str]) -> int:
    raise GuardError("'wt' is not implemented yet")
