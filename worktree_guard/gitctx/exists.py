"""What is on this machine's disk: the path engine's oracle (issue 24).

The path engine is pure (no I/O), yet a ``../`` climb is an error only
with evidence that it works on this machine alone: that it reaches
something that exists here, outside the worktree.  ``Exists`` is that
one fact, probed here and handed to the engine through the facts
record (``PathFacts.exists``, then ``pathengine.Context.exists``).

A probe is one ``lstat`` (``os.path.lexists``: a dangling symlink is
something there), remembered for the run: the same target is often named
many times.  Built only where a checkout is on this disk; the server
has none and judges by structure alone.
"""
from __future__ import annotations

import os


class Exists:
    """``exists(path)``: whether the absolute path ``path`` exists here
    (an ``lstat``, remembered)."""

    __slots__ = ('_seen',)

    def __init__(self) -> None:
        self._seen: dict[str, bool] = {}

    def __call__(self, path: str) -> bool:
        seen = self._seen.get(path)
        if seen is None:
            seen = self._seen[path] = os.path.lexists(path)
        return seen
