"""Server-side enforcement: ``pre-receive`` and ``update`` hooks."""
from __future__ import annotations

from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence


def main_pre_receive(argv: Sequence[str]) -> int:
    raise GuardError("'pre-receive' is not implemented yet")


def main_update(argv: Sequence[str]) -> int:
    raise GuardError("'update' is not implemented yet")
