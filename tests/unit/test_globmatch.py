"""Whole-name globs in linear time (no git)."""
from __future__ import annotations

import pytest

from worktree_guard.policy.globmatch import compile_glob
from worktree_guard.policy.globmatch import matches_any


@pytest.mark.parametrize(('pattern', 'name', 'want'), [
    ('release/*', 'release/1.2', True),
    ('release/*', 'release/1.2/x', False),
    ('release/*', 'release/', True),  # not a valid ref anyway
    ('release/*', 'release', False),
    ('bot/**', 'bot/a', True),
    ('bot/**', 'bot/a/b/c', True),
    ('bot/**', 'bot', False),
    ('bot/**', 'robot/a', False),
    ('develop', 'develop', True),
    ('develop', 'develop/Anything', False),
    ('develop', 'xdevelop', False),
    ('refs/notes/*', 'refs/notes/commits', True),
    ('refs/notes/*', 'refs/notes/a/b', False),
    ('refs/review/**', 'refs/review/1/2', True),
    ('v?', 'v1', True),
    ('v?', 'v12', False),
    ('v?', 'v/', False),
    ('v[0-9]', 'v7', True),
    ('v[0-9]', 'vx', False),
    ('v[!0-9]', 'vx', True),
    ('v[!0-9]', 'v7', False),
    ('v[^ab]', 'vc', True),
    ('v[ab', 'v[ab', True),
    ('v[ab]', 'vb', True),
    ('v[a-cx]', 'vx', True),
    ('a\\*', 'a*', True),
    ('a\\*', 'ab', False),
    ('a**b', 'a/x/b', True),
    ('*', '', True),
    ('', '', True),
    ('', 'x', False),
    ('a*' * 25 + 'b', 'a' * 5000, False),
    ('a*' * 25 + 'b', 'a' * 5000 + 'b', True),
    ('**/x', 'a/b/x', True),
    ('*/x', 'a/b/x', False),
])
def test_glob(pattern: str, name: str, want: bool) -> None:
    assert compile_glob(pattern)(name) is want


def test_matches_any() -> None:
    assert matches_any(['x', 'release/*'], 'release/1')
    assert not matches_any([], 'x')
