"""pathengine/places.py: where one path lands (the agent guard's
``judge``), the policy's hooks (``paths.allow``, branch names,
``worktrees.root``) and the worktrees a staged path is in."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import CUR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import ctx
from worktree_guard.model import Checkout
from worktree_guard.pathengine import Context
from worktree_guard.pathengine import Engine
from worktree_guard.pathengine.places import Places


JUDGE = [
    ('src/x.py', CUR, 'inside'),
    ('/w/main/src/x.py', CUR, 'main'),
    ('../issue-46-docs/x', CUR, 'sibling'),
    (f'{MAIN}/trees/issue-46-docs/x', CUR, 'sibling'),
    ('//w/main/./trees/issue-46-docs', CUR, 'sibling'),
    ('../../.git/hooks/pre-commit', CUR, 'git-dir'),
    ('.git/config', MAIN, 'git-dir'),
    ('~/notes', CUR, 'home'),
    ('/etc/passwd', CUR, 'outside'),
    ('$TMP/x', CUR, 'unknown'),
    (f'file://{CUR}/a', CUR, 'inside'),
    ('..\\..\\src', f'{CUR}/a/b', 'inside'),
    ('%2e%2e/%2e%2e/x', CUR, 'main'),
    ('../../x', f'{MAIN}/trees', 'outside'),
    ('sub/../../..', CUR, 'main'),
]


@pytest.mark.parametrize(('path', 'cwd', 'where'), JUDGE)
def test_judge_one_path(path: str, cwd: str, where: str) -> None:
    e = Engine(ctx(home='/home/ann'))
    assert e.judge(path, cwd).where == where


def test_judge_follows_committed_symlinks_and_unknown_home() -> None:
    e = Engine(ctx(symlinks={'shared': '../issue-46-docs'}))
    assert e.judge('shared/x', CUR).where == 'sibling'
    assert e.judge('~/x', CUR).where == 'unknown'   # no home known


def test_places_without_a_git_dir() -> None:
    e = Engine(ctx(git_dir=None, home='/home/ann'))
    assert e.judge(f'{MAIN}/.git/x', CUR).where == 'git-dir'
    assert e.judge('.git', CUR).where == 'git-dir'
    assert e.judge(f'{MAIN}/trees/other', CUR).where == 'main'
    e = Engine(ctx(symlinks={'a': 'b'}))
    assert e.judge('/elsewhere/x', CUR).where == 'outside'


def test_policy_hooks() -> None:
    class Branches:
        def match(self, name: str) -> bool:
            return name.startswith('feat-')

    e = Engine(ctx(allow=['re:^\\.\\./ok'], branch_re=Branches(),
                   wroot='./wt/'))
    assert e.wroot == 'wt'
    assert e.allowed('../ok/x') and not e.allowed('../nope')
    assert e.places.branch_like('feat-x') and \
        not e.places.branch_like('issue-1-x')
    assert repr(e.judge('/etc', CUR)) == "Place('outside', '/etc')"
    assert Engine(ctx()).judge(f'{MAIN}/trees/issue-9-x/y', CUR).where == \
        'sibling'


def test_describe_a_worktree_without_a_name() -> None:
    assert Places(ctx()).describe(
        Checkout('worktree', '/w/out', ['/w/out'])) == 'worktree /w/out'


def test_nested_checkouts() -> None:
    # The main checkout is current: worktrees inside it are nested.
    main = Engine(Context(checkouts=[
        Checkout('current', MAIN, [MAIN]),
        Checkout('worktree', f'{MAIN}/trees/issue-46-docs',
                 [f'{MAIN}/trees/issue-46-docs'], 'issue-46-docs'),
        Checkout('worktree', f'{MAIN}/other', [f'{MAIN}/other'])]))
    assert [main.worktree_key(p) for p in (
        'trees', 'trees/issue-46-docs/x', 'other/y', 'src/x')] == [
        'trees', 'trees/issue-46-docs', 'other', None]
    assert Engine(Context()).worktree_key('other/y') is None


def test_place_a_checkout_inside_the_git_dir() -> None:
    """The bare layout: <common>/trees/main and <common>/trees/issue-<N>
    are checkouts, the rest of the common dir is the git dir (issue 22:
    the agent guard asks ``place`` too)."""
    common = '/w/repo.git'
    cos = [Checkout('current', f'{common}/trees/issue-1-a',
                    [f'{common}/trees/issue-1-a'], None, 'issue-1-a'),
           Checkout('worktree', f'{common}/trees/main',
                    [f'{common}/trees/main'], None, 'main')]
    places = Places(Context(cos, cos[0].path, git_dir=common))
    assert places.place(f'{common}/trees/issue-1-a/x').where == 'inside'
    assert places.place(f'{common}/trees/issue-1-a').where == 'inside'
    assert places.place(f'{common}/trees/main/x').where == 'sibling'
    assert places.place(f'{common}/hooks/x').where == 'git-dir'
    assert places.place(common).where == 'git-dir'
    assert places.place(f'{common}/trees/issue-1-a/.git').where == \
        'git-dir'
