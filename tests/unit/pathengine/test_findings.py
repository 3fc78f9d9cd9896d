"""pathengine/findings.py: the verdict on a token and its fix: known
places are errors, links above the root, container users, ``paths.allow``,
and fixes that leave a working file (or none when no rewrite is safe)."""
from __future__ import annotations

import posixpath

import pytest

from tests.unit.pathengine import CUR
from tests.unit.pathengine import ERR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import ctx
from tests.unit.pathengine import scan
from worktree_guard.pathengine import Engine


KNOWN = [
    # Landing in a known place is an error even from weak evidence.
    ('a.py', '# see ../issue-46-docs/x\n', ['1:7 relative-escape error']),
    ('docs/a.md', '`/w/main/.git/hooks`\n', ['1:2 absolute-checkout error']),
    ('README.md', '```sh\ncat /w/main/src/x\n```\n',
     ['2:5 absolute-checkout error']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), KNOWN)
def test_known_places_are_errors(path: str, content: str,
                                 expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_links_above_the_root_still_count() -> None:
    # Not the <ref>/<path> shape, or landing in a known place: errors.
    assert scan('docs/a.md', '[x](../../x.md)\n') == [f'1:5 {ERR}']
    assert scan('README.md', '[x](../../shared/a.md)\n') == [f'1:5 {ERR}']
    assert scan('docs/a.md', '[x](../../../issue-46-docs/a.md)\n') == [
        '1:5 relative-escape error']


def test_container_user_from_the_dockerfile() -> None:
    line = 'cd /home/appuser/src\n'
    assert scan('docs/a.md', line) == ['1:4 home-path error']
    assert scan('docs/a.md', line, container_users=frozenset(['appuser'])) \
        == []


def test_allow_does_not_allow_climbing_back_out() -> None:
    allow = ['../shared-assets']
    assert scan('a.md', '../shared-assets/x.png\n', allow=allow) == []
    assert scan('a.md', '../shared-assets/../../x\n', allow=allow) == [
        f'1:1 {ERR}']


def test_no_root_no_landing() -> None:
    assert scan('a.md', '../../x\n', root=None) == [f'1:1 {ERR}']


def test_finding_repr() -> None:
    (f,) = Engine(ctx()).scan('a.md', b'see ../../../x\n')
    assert repr(f) == "Finding(a.md:1:5 relative-escape error '../../../x')"


# -- fixes ------------------------------------------------------------------------

FIXABLE = [
    ('docs/a.md', f'see {CUR}/docs/x.md and {MAIN}/src/app.py\n'),
    ('README.md', 'see ../issue-45-rust-sdk/src/app.py\n'),
    ('docs/g.md', '[x](../../issue-45-rust-sdk/docs/y.md)\n'),
    ('a.md', 'trees/issue-45-rust-sdk/docs/x.md\n'),
]


@pytest.mark.parametrize(('path', 'content'), FIXABLE)
def test_applied_fixes_leave_a_working_file(path: str, content: str) -> None:
    """Every suggested rewrite names the same in-tree file, and the file
    it leaves has no finding left."""
    e = Engine(ctx())
    found = e.scan(path, content.encode())
    assert found and all(f.replacement for f in found)
    line = content
    folder = posixpath.dirname(path)
    for f in sorted(found, key=lambda f: -(f.col or 0)):
        assert f.token is not None and f.replacement is not None
        start = (f.col or 1) - 1
        assert line[start:start + len(f.token)] == f.token
        before = e.judge(f.token if f.token.startswith('/') else
                         posixpath.join(CUR, folder, f.token)
                         if f.kind == 'relative-escape' else
                         posixpath.join(MAIN, f.token), CUR)
        after = e.judge(posixpath.join(CUR, folder, f.replacement), CUR)
        assert after.where == 'inside'
        assert after.rel == before.rel
        line = line[:start] + f.replacement + line[start + len(f.token):]
    assert e.scan(path, line.encode()) == []


def test_no_fix_when_no_rewrite_is_safe() -> None:
    # A script runs from an unknown folder: no relative rewrite is safe.
    (f,) = Engine(ctx()).scan('run.sh', f'cat {CUR}/x\n'.encode())
    assert (f.fix, f.replacement) == ([], None)
    assert 'relative to the folder this file runs from' in f.message
    (f,) = Engine(ctx()).scan('a.md', b'../../../outside\n')
    assert (f.fix, f.replacement) == ([], None)
    assert 'copy or vendor' in f.message
