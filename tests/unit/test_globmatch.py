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


# -- issue 23: bounded cost ------------------------------------------------------

_GLOB_ALPHABET = st.sampled_from(['a', 'b', '/', '.', '0', '*', '**', '?',
                                  '[ab]', '[!a]', '[!-0]', '[--0]', '[/]',
                                  '\\*', '[a'])


@settings(max_examples=400, deadline=None)
@given(st.lists(_GLOB_ALPHABET, max_size=8).map(''.join),
       st.text(alphabet='ab/.0*-', max_size=12))
def test_re2_agrees_with_the_python_steps(pattern: str, name: str) -> None:
    from worktree_guard.policy import globmatch
    nfa = compile_glob(pattern)(name)
    try:
        globmatch.NFA_BUDGET = -1     # every match goes to RE2
        assert compile_glob(pattern)(name) is nfa, globmatch.to_regex(pattern)
    finally:
        globmatch.NFA_BUDGET = 4096


def test_long_names_go_to_re2(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pusher's long name against a glob of many stars: RE2 (compiled
    once per glob), not len(name) x states Python steps."""
    from worktree_guard.policy import match
    compiled = []
    real = match.compile_regex

    def counting(pattern: str) -> object:
        compiled.append(pattern)
        return real(pattern)
    monkeypatch.setattr(match, 'compile_regex', counting)
    glob = compile_glob('*a' * 32 + 'b')
    assert not glob('a' * 200_000)
    assert glob('a' * 200_000 + 'b')
    assert len(compiled) == 1
    # Short names, and names shorter than the glob's fixed characters,
    # never compile anything.
    assert not compile_glob('*a' * 32)('issue-1-x')
    assert compile_glob('re*se/*')('release/1')
    assert len(compiled) == 1


def test_a_pattern_re2_cannot_take_falls_back() -> None:
    from worktree_guard.policy import globmatch
    glob = compile_glob('*\udcff*')
    other = compile_glob('a*')
    try:
        globmatch.NFA_BUDGET = -1
        assert glob('a\udcffb')
        assert not glob('ab')
        assert other('a\udcff') and other('ab')
    finally:
        globmatch.NFA_BUDGET = 4096


def test_wildcards() -> None:
    from worktree_guard.policy.globmatch import wildcards
    assert wildcards('release/*') == 1
    assert wildcards('a**b?[xy]\\*') == 3
    assert wildcards('main') == 0


def test_validation_caps_wildcards() -> None:
    from worktree_guard.errors import PolicyError
    from worktree_guard.policy import parse
    ok = '*a' * 32
    parse(f"branches:\n  protected: ['{ok}']\n")
    with pytest.raises(PolicyError) as e:
        parse(f"branches:\n  protected: [main, '{ok}*']\n")
    assert ("'branches.protected' pattern 2 holds 33 wildcards; a branch or "
            'ref glob holds at most 32') in e.value.message
    with pytest.raises(PolicyError) as e:
        parse("server:\n  allowed-refs: ['" + 'refs/*' * 40 + "']\n")
    assert "'server.allowed-refs' pattern 1 holds 40 wildcards" in \
        e.value.message
    with pytest.raises(PolicyError) as e:
        parse("branches:\n  exempt: ['" + 'x' * 256 + "']\n")
    assert ("'branches.exempt' pattern 1 is 256 characters long; a branch "
            'or ref glob is at most 255') in e.value.message
    many = ''.join(f"    - 'r{i}/*'\n" for i in range(257))
    with pytest.raises(PolicyError) as e:
        parse('sync:\n  exempt:\n' + many)
    assert e.value.message.count('\n') <= 2   # one message, not 257
    assert ("'sync.exempt' pattern 257 brings the wildcards of the branch "
            'and ref globs to 257; together they hold at most 256') in \
        e.value.message
    # Plain names cost nothing: any number of them.
    parse('branches:\n  protected:\n' + ''.join(
        f'    - p{i}\n' for i in range(1000)))


# One glob dialect per policy key (docs/policy.md): branch and ref keys are
# whole-name globs (globmatch), path keys gitignore-style (pathspec).  The
# same pattern and name, judged by the key's dialect.
@pytest.mark.parametrize(('section', 'key', 'pattern', 'name', 'matches'), [
    ('branches', 'exempt', 'release/*', 'release/1.2', True),
    ('branches', 'exempt', 'release/*', 'release/1.2/x', False),
    ('branches', 'protected', 'bot/**', 'bot/a/b', True),
    ('branches', 'protected', 'develop', 'develop/x', False),
    # An unclosed '[' is a literal to the matcher, so validation takes it.
    ('branches', 'exempt', 'feat[', 'feat[', True),
    ('sync', 'exempt', 'rel[ease', 'rel[ease', True),
    ('branches', 'exempt', '[z-a]', 'z', False),
    ('server', 'allowed-refs', 'refs/meta/*', 'refs/meta/config', True),
    ('server', 'allowed-refs', 'refs/meta/*', 'refs/meta/a/b', False),
    # Whole names: '*' stops at '/'; gitignore: no '/' matches at any depth
    # and a folder covers what is in it.
    ('branches', 'exempt', '*.md', 'a/b.md', False),
    ('paths', 'include', '*.md', 'a/b.md', True),
    ('paths', 'include', 'docs/', 'docs/a/b.md', True),
    ('paths', 'exclude', '/build', 'src/build', False),
    ('paths', 'exclude', 'build', 'src/build/x.o', True),
])
def test_one_dialect_per_key(section: str, key: str, pattern: str,
                             name: str, matches: bool) -> None:
    from worktree_guard.policy import parse
    pol = parse(f"{section}:\n  {key}: ['{pattern}']\n")
    assert pol.matches(section, key, name) is matches


@pytest.mark.parametrize('key', ['include', 'exclude'])
@pytest.mark.parametrize('pattern', ['feat[', '[z-a]', '\\\\'])
def test_path_globs_are_validated_by_pathspec(key: str, pattern: str) -> None:
    """What pathspec cannot apply is refused; the same text as a branch
    glob is a literal name (above)."""
    from worktree_guard.errors import PolicyError
    from worktree_guard.policy import parse
    with pytest.raises(PolicyError) as e:
        parse(f'paths:\n  {key}: ["{pattern}"]\n')
    assert f"'paths.{key}' has an invalid pattern" in e.value.message


def test_only_path_globs_are_compiled_to_regexes() -> None:
    """Branch and ref globs keep no regex: the matcher reads the pattern."""
    from worktree_guard.policy import defaults
    from worktree_guard.policy import parse
    pol = parse("branches:\n  exempt: ['x/*']\npaths:\n  include: [src]\n")
    assert set(pol.globs) == {f'{s}.{k}' for s, k in defaults.PATH_GLOB_KEYS}
    assert pol.globs['paths.include'] == ['^(?:.+/)?src(?:(?P<ps_d>/)|$)']
