"""The reference-transaction decision, table-driven (no git)."""
from __future__ import annotations

from pathlib import Path

import pytest

from worktree_guard.commands.reftx import CACHE_FILE
from worktree_guard.commands.reftx import Move
from worktree_guard.commands.reftx import cache_stamp
from worktree_guard.commands.reftx import cache_text
from worktree_guard.commands.reftx import parse
from worktree_guard.commands.reftx import refusals
from worktree_guard.commands.reftx import shell_pattern
from worktree_guard.commands.reftx import write_cache

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


@pytest.mark.parametrize(('glob', 'pattern'), [
    ('main', 'main'),
    ('/main/', 'main'),                 # Policy.matches strips slashes
    ('release-1.x_y/z', 'release-1.x_y/z'),
    ('release/*', 'release/*'),         # a literal prefix, then anything
    ('release/**', 'release/*'),
    ('rel?ase', 'rel*'),
    ('[mM]ain', '*'),
    ('ma\\in', 'ma*'),                  # an escape is no literal here
    ('main branch', 'main*'),           # nor a space
    ('dév', 'd*'),
    ('*', '*'),
    ('', '*'),
])
def test_shell_pattern_over_approximates(glob: str, pattern: str) -> None:
    assert shell_pattern(glob) == pattern


@pytest.mark.parametrize('glob', ['main', 'release/*', 'bot/**', 'r?l',
                                  '[ab]x', 'a*b', 'x\\*'])
@pytest.mark.parametrize('name', ['main', 'release/1', 'release/1/x',
                                  'bot/a/b', 'rel', 'ax', 'bx', 'aqb',
                                  'x*', 'issue-1-x'])
def test_every_name_the_glob_matches_the_pattern_matches(
        glob: str, name: str) -> None:
    import fnmatch

    from worktree_guard.policy import default_policy
    pol = default_policy()
    pol.data['branches']['protected'] = [glob]
    if pol.matches('branches', 'protected', name):
        # A `case` pattern of these characters reads like fnmatch's.
        assert fnmatch.fnmatchcase(name, shell_pattern(glob))


def test_the_cache_text() -> None:
    deps = ['/g/packed-refs', '/g/refs/remotes/origin/main']
    assert cache_text('/w/t', deps, ['main', 'release/*', 'main/']) == (
        f'{cache_stamp()}\n/w/t\n2\n/g/packed-refs\n'
        '/g/refs/remotes/origin/main\nmain\nrelease/*\n'.encode())
    assert cache_text('/w/t', [], []) == \
        f'{cache_stamp()}\n/w/t\n0\n'.encode()


def test_write_cache_is_best_effort(tmp_path: Path) -> None:
    import os
    assert write_cache(str(tmp_path), '/w', ['/d'], ['main'], 1000.0)
    path = tmp_path / CACHE_FILE
    assert path.stat().st_mtime == 1000.0
    assert path.read_bytes().endswith(b'\n1\n/d\nmain\n')
    # A root or a file git cannot have on one line, more files than the
    # script reads, and a git dir we cannot write.
    assert not write_cache(str(tmp_path), '/w\nx', [], [], 1000.0)
    assert not write_cache(str(tmp_path), '/w', ['/d\rx'], [], 1000.0)
    assert not write_cache(str(tmp_path), '/w', ['/d'] * 10, [], 1000.0)
    assert not write_cache(str(tmp_path / 'gone'), '/w', [], [], 1000.0)
    # The temporary file is removed when the rename fails.
    os.remove(path)
    path.mkdir()
    (path / 'x').write_text('')
    assert not write_cache(str(tmp_path), '/w', [], [], 1000.0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [CACHE_FILE]
