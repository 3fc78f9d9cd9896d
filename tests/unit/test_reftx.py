"""The reference-transaction decision, table-driven (no git)."""
from __future__ import annotations

import pytest

from worktree_guard.commands.reftx import Move
from worktree_guard.commands.reftx import parse
from worktree_guard.commands.reftx import refusals

Z = '0' * 40
A, B, C = 'a' * 40, 'b' * 40, 'c' * 40


def test_parse() -> None:
    moves = parse(f'{A} {B} refs/heads/main\nnonsense\n'
                  f'{Z} {C} refs/remotes/origin/main\n{A} x HEAD\n')
    assert [(m.old, m.new, m.ref) for m in moves] == [
        (A, B, 'refs/heads/main'), (Z, C, 'refs/remotes/origin/main')]
    assert moves[0].branch == 'main'


# The remote-tracking main is at C, which contains A and C only.
@pytest.mark.parametrize(('old', 'new', 'ref', 'why'), [
    (A, B, 'refs/heads/main', 'origin/main does not contain it'),
    (A, C, 'refs/heads/main', None),              # a sync
    (C, A, 'refs/heads/main', None),              # reset back: still a sync
    (A, Z, 'refs/heads/main', None),              # a local delete
    (A, A, 'refs/heads/main', None),              # no move
    (A, B, 'refs/heads/issue-1-x', None),         # not protected
    (A, B, 'refs/tags/main', None),               # not a branch
    (Z, B, 'refs/heads/master', None),            # new, remote lacks it
    (A, B, 'refs/heads/master', 'origin/master does not exist'),
])
def test_refusals(old: str, new: str, ref: str, why: str | None) -> None:
    found = refusals(
        [Move(old, new, ref)], lambda b: b in ('main', 'master'),
        lambda b: C if b == 'main' else None,
        lambda tip, commit: commit in (A, C), 'origin')
    if why is None:
        assert found == []
    else:
        assert len(found) == 1 and why in found[0]


@pytest.mark.parametrize(('argv', 'want'), [
    (['git', 'fetch', 'origin', 'main:main'], True),
    (['/usr/bin/git', '-c', 'x=y', 'fetch', '-q', 'origin',
      '+refs/heads/main:refs/heads/main'], True),
    (['git', 'fetch', 'origin', 'side:main'], False),
    (['git', 'fetch', '.', 'side:main'], False),
    (['git', 'fetch', 'origin'], False),
    (['git', 'pull', 'origin', 'main:main'], False),
    (['git', 'fetch', 'origin', 'main'], False),
    (['python', 'fetch', 'origin', 'main:main'], False),
    (None, False),
    ([], False),
])
def test_fetch_into(argv: list[str] | None, want: bool) -> None:
    from worktree_guard.gitctx.caller import fetch_into
    assert fetch_into(argv, 'origin', 'main') is want


def test_parent_argv() -> None:
    import os
    import sys

    from worktree_guard.gitctx.caller import parent_argv
    me = parent_argv(os.getpid())
    assert me is not None and 'python' in os.path.basename(sys.executable)
    assert parent_argv() is not None


def test_signals_outside_the_main_thread() -> None:
    import threading

    from worktree_guard import signals
    got: list[dict[int, object]] = []
    t = threading.Thread(target=lambda: got.append(signals.install()))
    t.start()
    t.join()
    assert got == [{}]
    saved = signals.install()
    try:
        assert set(saved) == set(signals.CAUGHT)
    finally:
        signals.restore(saved)
