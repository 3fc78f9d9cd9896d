"""Whole-name globs in linear time, and the path globs of
``agents.allow-paths`` (no git)."""
from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from worktree_guard.policy.globmatch import compile_glob
from worktree_guard.policy.globmatch import match_path
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


# -- path globs (agents.allow-paths) -----------------------------------------------

@pytest.mark.parametrize(('pattern', 'path', 'hit'), [
    ('/a/**', '/a', True), ('/a/**', '/a/b/c', True), ('/a/*', '/a/b/c',
                                                       False),
    ('/a/*.py', '/a/x.py', True), ('/a/?.py', '/a/xy.py', False),
    ('/a/**/z', '/a/z', True), ('/a/**/z', '/a/b/c/z', True),
    ('/a/b', '/a/b', True), ('/a/b', '/a/bc', False), ('/a/*', '/a', False),
    ('/a/x*y', '/a/xay', True), ('/a/x*y', '/a/xa', False),
    ('/a/[b]', '/a/b', False), ('/a/[b]', '/a/[b]', True),
    ('/a//b', '/a/b', False), ('/a/**/**/b', '/a/b', True),
    ('/a/*b*c', '/a/xbycbc', True), ('/a/*b*c', '/a/xbycbd', False),
])
def test_match_path(pattern: str, path: str, hit: bool) -> None:
    assert match_path(pattern, path) is hit


def test_match_path_does_not_backtrack_for_ever() -> None:
    """Stars that the old recursive matcher tried in every combination
    (``*a*a*a...`` against ``aaaa...b``): now a polynomial number of
    steps, so this returns at once (pytest-timeout bounds a hang)."""
    assert not match_path('/' + '*a' * 30 + '*c', '/' + 'a' * 2000 + 'b')
    assert not match_path('/**/' * 30 + 'c', '/a' * 300)


def _reference(pattern: str, path: str) -> bool:
    """The recursive matcher rules/agent_guard.py had: the specification."""
    def segments(pat: list[str], parts: list[str]) -> bool:
        if not pat:
            return not parts
        if pat[0] == '**':
            return any(segments(pat[1:], parts[i:])
                       for i in range(len(parts) + 1))
        return bool(parts) and one(pat[0], parts[0]) and \
            segments(pat[1:], parts[1:])

    def one(pat: str, name: str) -> bool:
        if not pat:
            return not name
        c = pat[0]
        if c == '*':
            return any(one(pat[1:], name[i:]) for i in range(len(name) + 1))
        return bool(name) and (c == '?' or c == name[0]) and \
            one(pat[1:], name[1:])
    return segments(pattern.strip('/').split('/'), path.strip('/').split('/'))


PROPERTY_EXAMPLES = int(os.environ.get('WORKTREE_GUARD_FUZZ_EXAMPLES', '150'))


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(st.one_of(
    st.text(alphabet='ab*?/', max_size=10),
    st.lists(st.sampled_from(['a', 'b', 'ab', '*', '**', '?', 'a*', '*b',
                              '']), max_size=5).map('/'.join)),
    st.lists(st.sampled_from(['a', 'b', 'ab', 'ba', 'aab', '']),
             max_size=6).map('/'.join))
def test_match_path_agrees_with_the_recursive_matcher(pattern: str,
                                                      path: str) -> None:
    assert match_path(pattern, path) is _reference(pattern, path)
