"""worktree_guard/lightpath.py agrees with ``os.path``: property tests over
random paths, and over a tree of files, folders and symlinks (no git)."""
from __future__ import annotations

import contextlib
import os
import posixpath
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from worktree_guard import lightpath as L

EXAMPLES = int(os.environ.get('WORKTREE_GUARD_FUZZ_EXAMPLES', '100'))

# -- pure: strings in, strings out ------------------------------------------------

paths = st.text(alphabet='/.ab', max_size=14)


@settings(max_examples=EXAMPLES, deadline=None)
@given(paths)
@example('//a')
@example('///a/../..')
@example('a/../..')
@example('')
def test_string_functions_agree(p: str) -> None:
    assert L.isabs(p) is posixpath.isabs(p)
    assert L.basename(p) == posixpath.basename(p)
    assert L.dirname(p) == posixpath.dirname(p)
    assert L.normpath(p) == posixpath.normpath(p)
    assert L._normpath(p) == posixpath.normpath(p)   # the 3.10 fallback
    assert L.abspath(p) == posixpath.abspath(p)


@settings(max_examples=EXAMPLES, deadline=None)
@given(paths, st.lists(paths, max_size=4))
def test_join_agrees(first: str, rest: list[str]) -> None:
    assert L.join(first, *rest) == posixpath.join(first, *rest)


@settings(max_examples=EXAMPLES, deadline=None)
@given(paths.filter(bool), st.one_of(st.none(), paths.filter(bool)))
@example('a', None)
@example('/a/b', '/a/b')
@example('/', '/a/b/c')
def test_relpath_agrees(p: str, start: str | None) -> None:
    if start is None:
        assert L.relpath(p) == posixpath.relpath(p)
    else:
        assert L.relpath(p, start) == posixpath.relpath(p, start)


def test_relpath_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match='no path'):
        L.relpath('')


@pytest.mark.parametrize(('path', 'root', 'inside'), [
    ('/a', '/a', True), ('/a/b', '/a', True), ('/ab', '/a', False),
    ('/a', '/a/b', False), ('/x', '/', True), ('/', '/', True),
])
def test_within(path: str, root: str, inside: bool) -> None:
    assert L.within(path, root) is inside


# -- the file system: a tree of every kind of entry -----------------------------------

LINKS = {   # name -> target, inside the tree's root
    'ld': 'd', 'lf': 'f', 'dangling': 'nothing', 'up': '..',
    'chain': 'ld/../lf', 'ldd': 'ld', 'deep': 'd/e/../e',
}
NAMES = ['d', 'e', 'f', 'fifo', 'labs', 'missing', '.', '..', '', *LINKS]


@pytest.fixture(scope='module')
def tree() -> Iterator[str]:
    """The root (a real path) of: folders d and d/e, files f and d/e/g, a
    FIFO, relative symlinks (LINKS), and ``labs``, an absolute one."""
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        os.makedirs(f'{root}/d/e')
        Path(root, 'f').write_text('f\n')
        Path(root, 'd/e/g').write_text('g\n')
        os.mkfifo(f'{root}/fifo')
        for name, target in LINKS.items():
            os.symlink(target, f'{root}/{name}')
        os.symlink(f'{root}/d/e', f'{root}/labs')
        os.symlink('../lf', f'{root}/d/back')
        yield root


@contextlib.contextmanager
def cwd(path: str) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


tree_paths = st.lists(st.sampled_from([*NAMES, 'back', 'g']),
                      max_size=6).map('/'.join)


@settings(max_examples=EXAMPLES * 3, deadline=None)
@given(tree_paths)
@example('chain/../d/back')
@example('labs/g/x')
@example('up/../up/f')
def test_file_functions_agree(tree: str, rel: str) -> None:
    for p in (f'{tree}/{rel}', rel):   # absolute, and from the cwd
        with cwd(tree):
            assert L.realpath(p) == os.path.realpath(p), p
            assert L.exists(p) is os.path.exists(p), p
            assert L.lexists(p) is os.path.lexists(p), p
            assert L.isdir(p) is os.path.isdir(p), p
            assert L.isfile(p) is os.path.isfile(p), p
            assert L.islink(p) is os.path.islink(p), p


@pytest.mark.parametrize('name', ['d', 'f', 'fifo', 'ld', 'dangling',
                                  'missing'])
def test_filetype(tree: str, name: str) -> None:
    p = f'{tree}/{name}'
    follow = os.stat(p).st_mode & 0o170000 if os.path.exists(p) else 0
    assert L.filetype(p) == follow
    own = os.lstat(p).st_mode & 0o170000 if os.path.lexists(p) else 0
    assert L.filetype(p, follow=False) == own
    assert L.filetype('a\0b') == 0   # what os.path.exists calls False


# -- symlink loops: Python 3.13's answers, on every Python ----------------------------

@pytest.fixture(scope='module')
def loops() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.realpath(tmp)
        os.mkdir(f'{root}/d')
        os.symlink('b', f'{root}/a')
        os.symlink('a', f'{root}/b')
        os.symlink('self', f'{root}/self')
        os.symlink('d', f'{root}/ld')
        yield root


@pytest.mark.parametrize(('rel', 'want'), [
    ('a', 'a'), ('self', 'self'), ('self/x', 'self/x'),
    ('a/../ld', 'd'), ('self/../ld/x', 'd/x'), ('a/b/..', 'a'),
])
def test_loops_resolve_the_rest(loops: str, rel: str, want: str) -> None:
    """A loop is kept as written, then the rest is resolved after it."""
    assert L.realpath(f'{loops}/{rel}') == f'{loops}/{want}'
    if sys.version_info >= (3, 13):
        assert os.path.realpath(f'{loops}/{rel}') == f'{loops}/{want}'
