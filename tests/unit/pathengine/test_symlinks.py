"""pathengine/symlinks.py: committed symlinks that leave the worktree,
alone or through other committed links, and their fixes."""
from __future__ import annotations

from tests.unit.pathengine import CUR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import ctx
from worktree_guard.model import Checkout
from worktree_guard.pathengine import Engine


def test_symlink_chain_through_committed_links() -> None:
    # docs/up -> .. stays inside; docs/chain -> up/.. climbs out through it.
    links = {'docs/up': '..', 'docs/chain': 'up/..', 'abs': '/etc',
             'docs/loop': 'loop/x'}
    e = Engine(ctx(symlinks=links))
    assert e.symlink('docs/up', '..') is None
    f = e.symlink('docs/chain', 'up/..')
    assert f is not None and 'through other committed symlinks' in f.message
    assert Engine(ctx()).symlink('docs/chain', 'up/..') is None
    assert e.symlink('l2', 'abs/passwd') is not None
    assert e.symlink('docs/l3', 'loop/y') is None   # a loop ends


def test_absolute_symlinks_to_system_places_only_warn() -> None:
    e = Engine(ctx())
    f = e.symlink('bin/bash', '/usr/local/opt/bash/bin/bash')
    assert f is not None and f.severity == 'warn'
    f = e.symlink('l', '/home/ann/x')
    assert f is not None and f.severity == 'error'
    f = e.symlink('l', f'{MAIN}/x')
    assert f is not None and f.severity == 'error'


def test_symlink_in_main_into_a_sibling_worktree() -> None:
    main_ctx = ctx(root=MAIN, checkouts=[Checkout('current', MAIN, [MAIN])])
    f = Engine(main_ctx).symlink('docs/l', '../trees/issue-46-docs/x')
    assert f is not None and 'points into worktree trees/issue-46-docs' in \
        f.message
    assert Engine(main_ctx).symlink('docs/l', '../src/x') is None


def test_symlink_target_with_a_newline_is_judged_whole_and_quoted() -> None:
    f = Engine(ctx()).symlink('l', 'ok\n../../../x')
    assert f is not None
    assert f.token == '"ok\\n../../../x"'
    assert '\n' not in f.message
    assert Engine(ctx()).symlink('l', 'ok\n../x') is None


def test_symlink_shapes() -> None:
    e = Engine(ctx(allow=['../ok'], checkouts=[
        Checkout('current', CUR, [CUR]),
        Checkout('worktree', '/w/out', ['/w/out'])]))
    assert e.symlink('l', '../ok/x') is None
    for target in ('\\\\server\\share', 'C:\\x', 'c:/x'):
        f = e.symlink('l', target)
        assert f is not None and 'absolute target' in f.message
    f = e.symlink('d/l', f'{CUR}/.git/x')
    assert f is not None and f.fix == ['git rm --cached -- d/l']
    f = e.symlink('d/l', '../../x')
    assert f is not None and '(it resolves to ../x)' in f.message
    f = e.symlink('l', '../x')
    assert f is not None and 'resolves' not in f.message
    assert e.symlink('l', 'trees/nope/x') is None


def test_an_absolute_link_into_this_tree_is_re_pointed() -> None:
    f = Engine(ctx()).symlink('docs/l', f'{CUR}/src')
    assert f is not None and f.fix == [
        'ln -sfn ../src docs/l && git add -- docs/l']
