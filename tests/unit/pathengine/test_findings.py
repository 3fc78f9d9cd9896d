"""pathengine/findings.py: the verdict on a token and its fix: known
places are errors, links above the root, container users, ``paths.allow``,
and fixes that leave a working file (or none when no rewrite is safe)."""
from __future__ import annotations

import posixpath
from collections.abc import Callable

import pytest

from tests.unit.pathengine import CUR
from tests.unit.pathengine import ERR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import ctx
from tests.unit.pathengine import disk
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
    # On the tables' machine what they reach is there (or they land in
    # a known place): errors.
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
    # No root, no disk (the server): a climb warns, a name warns by
    # structure alone.
    assert scan('a.md', '../../x\n', root=None, exists=None) == [
        '1:1 relative-escape warn']


def test_finding_repr() -> None:
    (f,) = Engine(ctx()).scan('a.md', b'see ../../../x\n')
    assert repr(f) == "Finding(a.md:1:5 relative-escape error '../../../x')"


# -- evidence: a climb that lands nowhere known ------------------------------------

TREES = f'{MAIN}/trees'        # what `../` reaches from the worktree root
NOTHING = disk(CUR)            # the worktree, and nothing beside it
SIBLING = disk(CUR, f'{TREES}/sibling-repo/x', f'{TREES}/v1.2.0/README.md',
               f'{TREES}/other-repo/README.md')
BOTH = disk(f'{CUR}/sibling-repo/x', f'{TREES}/sibling-repo/x')
DEEP = disk(f'{CUR}/tools/x', f'{TREES}/x')
SERVER = {'root': None, 'exists': None}
W = 'relative-escape warn'

EVIDENCE = [
    # A path the file uses: an error only when what it reaches is on
    # this disk, outside the worktree and not inside it.
    ('run.sh', 'cat ../sibling-repo/x\n', NOTHING, [f'1:5 {W}']),
    ('run.sh', 'cat ../sibling-repo/x\n', SIBLING, [f'1:5 {ERR}']),
    ('run.sh', 'cat ../sibling-repo/x\n', BOTH, [f'1:5 {W}']),
    # Weak evidence (a comment) warns where there is something, else
    # nothing.
    ('run.sh', '# cat ../sibling-repo/x\n', NOTHING, []),
    ('run.sh', '# cat ../sibling-repo/x\n', SIBLING, [f'1:7 {W}']),
    ('run.sh', '# cat ../sibling-repo/x\n', BOTH, []),
    # `../../clean-atexit` (git's test scripts) lands in no known place,
    # and nothing is there: a warning; under t/, a test folder, nothing.
    ('tools/x.sh', 'test_x () { > ../../clean-atexit && :; }\n',
     NOTHING, [f'1:15 {W}']),
    ('t/t0000-basic.sh', 'test_x () { > ../../clean-atexit && :; }\n',
     NOTHING, []),
    # The same path inside, read from a folder below the file's: the
    # file may be used from there.
    ('tools/run.sh', 'cat ../../x\n', DEEP, [f'1:5 {W}']),
    ('tools/run.sh', 'cat ../../x\n', disk(CUR, f'{TREES}/x'),
     [f'1:5 {ERR}']),
    # After a `cd` out of the worktree no folder below is inside it.
    ('run.sh', 'cd ../a\ncat ../b/c\n', disk(CUR, f'{TREES}/b/c'),
     [f'1:4 {W}', f'2:5 {ERR}']),
    # A bare climb names no file: an error when it names the folder that
    # holds every worktree; above the checkouts a warning from a path the
    # file uses (navigation: an alias, a walk up to a git dir), nothing
    # from inline code; on the server it warns.
    ('run.sh', 'cd ..\n', NOTHING, [f'1:4 {ERR}']),
    ('run.sh', 'cd ../../..\n', NOTHING, [f'1:4 {W}']),
    ('a.md', 'run `ls ../../..` here\n', NOTHING, []),
    # Known places need no disk: the main checkout, a sibling worktree,
    # the git dir.
    ('run.sh', 'cat ../../src/x\n', NOTHING, [f'1:5 {ERR}']),
    ('run.sh', 'cat ../issue-46-docs/x\n', NOTHING, [f'1:5 {ERR}']),
    ('run.sh', 'cat ../../.git/hooks/x\n', NOTHING, [f'1:5 {ERR}']),
    ('run.sh', '# cat ../issue-46-docs/x\n', NOTHING, [f'1:7 {ERR}']),
    # A folder named like a worktree (branches.pattern) that none of this
    # machine's is: structure, an error from a path the file uses.
    ('run.sh', 'cat ../issue-9-x/src\n', NOTHING, [f'1:5 {ERR}']),
    ('run.sh', 'cat ../../trees/issue-9-x/y\n', NOTHING, [f'1:5 {ERR}']),
    ('run.sh', '# cat ../issue-9-x/src\n', NOTHING, [f'1:7 {W}']),
    # Doc links above the root: GitHub's link to another tag's file
    # passes even where such a folder exists; another name (a sibling
    # repository) is an error where it is there, else a warning.
    ('docs/v.md', '[x](../../v1.2.0/README.md)\n', SIBLING, []),
    ('docs/v.md', '[x](../../other-repo/README.md)\n', SIBLING,
     [f'1:5 {ERR}']),
    ('docs/v.md', '[x](../../other-repo/README.md)\n', NOTHING,
     [f'1:5 {W}']),
]


@pytest.mark.parametrize(('path', 'content', 'exists', 'expected'),
                         EVIDENCE)
def test_an_error_needs_evidence(path: str, content: str,
                                 exists: Callable[[str], bool],
                                 expected: list[str]) -> None:
    assert scan(path, content, exists=exists) == expected


SERVER_CASES = [
    # No disk to look at: structure alone.  A climb warns (weak evidence:
    # nothing); a name like a worktree's is an error.
    ('run.sh', 'cat ../sibling-repo/x\n', [f'1:5 {W}']),
    ('run.sh', '# cat ../sibling-repo/x\n', []),
    ('run.sh', 'cat ../issue-9-x/src\n', [f'1:5 {ERR}']),
    ('run.sh', 'cd ..\n', [f'1:4 {W}']),
    ('a.md', f'see {CUR}/x\n', []),
    ('a.md', 'see trees/issue-9-x/src/y\n', ['1:5 sibling-worktree error']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SERVER_CASES)
def test_without_a_disk_structure_decides(path: str, content: str,
                                          expected: list[str]) -> None:
    assert scan(path, content, checkouts=[], **SERVER) == expected


def test_the_message_names_the_evidence() -> None:
    def one(exists: Callable[[str], bool], **kw: object) -> str:
        (f,) = Engine(ctx(exists=exists, **kw)).scan(
            'run.sh', b'cat ../sibling-repo/x\n')
        return f'{f.severity}: {f.message} [{f.reason}]'
    assert one(SIBLING) == (
        "error: '../sibling-repo/x' climbs out of the worktree: resolved "
        'from the worktree root it is ../sibling-repo/x, and '
        f'{TREES}/sibling-repo/x exists on this machine: copy or vendor '
        'what you need inside the worktree, or link to it by URL '
        '[a path the script uses; it exists here, outside the worktree]')
    assert 'nothing is there on this machine' in one(NOTHING)
    assert f'but so does {CUR}/sibling-repo/x inside' in one(BOTH)
    assert 'no checkout here shows what it reaches' in one(None, root=None)


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
