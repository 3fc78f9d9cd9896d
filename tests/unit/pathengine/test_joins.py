"""pathengine/joins.py: a shell script's and a Makefile recipe's line
continuations (issue 23): a token a backslash-newline splits is joined
before it is judged, and reported where it starts, with its column there,
shown joined; whole files and patches alike, in linear time."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ctx
from worktree_guard.model import PathChange
from worktree_guard.pathengine import Engine

SIB = '../issue-46-docs/x'   # from the worktree root: the sibling worktree


def found(path: str, content: str) -> list[tuple[int, int, str]]:
    return [(f.line or 0, f.col or 0, f.token or '')
            for f in Engine(ctx()).scan(path, content.encode())]


FILES = [
    # Issue 23's three examples: `..` split from its rest, `.` from `./`,
    # `../` from `../`.
    ('run', '#!/bin/sh\ncp a ..\\\n/issue-46-docs/x\n', [(2, 6, SIB)]),
    ('run.sh', 'cp a .\\\n./../issue-46-docs/x\n',
     [(1, 6, '../../issue-46-docs/x')]),
    ('run.sh', 'cp a ../\\\n../main/x\n', [(1, 6, '../../main/x')]),
    # Many continuations in one token; the column counts characters.
    ('run.sh', 'cp a .\\\n.\\\n/\\\n../../x\n', [(1, 6, '../../../x')]),
    ('run.sh', 'echo é \\\n  ../../../x ../../../y\n',
     [(2, 3, '../../../x'), (2, 14, '../../../y')]),
    ('run.sh', 'cp ..\\\n/../../x \\\n  ../../../y\n',
     [(1, 4, '../../../x'), (3, 3, '../../../y')]),
    # Not continuations: an escaped backslash, a comment line's, the
    # file's last byte, another language's.
    ('run.sh', 'echo a..\\\\\n/issue-46-docs/x\n', []),
    ('run.sh', '# see ..\\\n/issue-46-docs/x\n', []),
    ('run.sh', 'cp a ../../../x\\\n', [(1, 6, '../../../x')]),
    ('a.py', "x = '..' \\\n    '/issue-46-docs/x'\n", []),
    # A Makefile's recipe line continues (its recipe tab dropped); a
    # variable's continuation is a blank to make.
    ('Makefile', 'all:\n\tcp a ..\\\n\t/issue-46-docs/x\n', [(2, 7, SIB)]),
    ('sub/rules.mk', 'X = ..\\\n/issue-46-docs/x\n', []),
    # A doc's shell block is no script: its `cd` still reads through.
    ('README.md', '```sh\ncd \\\n  \\\n  sub\ncat ../x\n```\nsee ../../../x\n',
     [(7, 5, '../../../x')]),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), FILES)
def test_whole_files(path: str, content: str,
                     expected: list[tuple[int, int, str]]) -> None:
    assert found(path, content) == expected


def _patch(hunks: bytes, path: str = 'run.sh') -> PathChange:
    head = f'diff --git a/{path} b/{path}\n'.encode()
    return PathChange(None, [], head + hunks,
                      [(len(head), len(head) + len(hunks), path)], True)


PATCHES = [
    # An added line continues a context line, over a removed one (and
    # its "\ No newline").
    (b'@@ -1,2 +1,2 @@\n cp a ..\\\n-/old\n+/issue-46-docs/x\n',
     [(1, 6, SIB)]),
    (b'@@ -1,2 +1,2 @@\n cp a ..\\\n-/old\n\\ No newline at end of file\n'
     b'+/issue-46-docs/x\n', [(1, 6, SIB)]),
    (b'@@ -0,0 +1,2 @@\n+cp a .\\\n+./../issue-46-docs/x\n',
     [(1, 6, '../../issue-46-docs/x')]),
    (b'@@ -1,2 +1,2 @@\n+cp a ..\\\n /issue-46-docs/x\n', [(1, 6, SIB)]),
    # Tokens on the context lines of an added logical line stay unjudged.
    (b'@@ -1,2 +1,2 @@\n cp ../../../a \\\n+../../../b\n',
     [(2, 1, '../../../b')]),
    (b'@@ -1,3 +1,3 @@\n ../../../o\n cp \\\n+a \\\n ../../../b\n'
     b'+../../../c\n', [(5, 1, '../../../c')]),
    # No continuation: the new file ends, the hunk ends, a removed
    # line's backslash; an empty context line ends the logical line.
    (b'@@ -0,0 +1 @@\n+cp a ../../../\\\n\\ No newline at end of file\n',
     [(1, 6, '../../../')]),
    (b'@@ -1 +1 @@\n+cp a ..\\\n@@ -5 +5 @@\n+/issue-46-docs/x\n', []),
    (b'@@ -1 +1 @@\n+cp a ..\\\n', []),
    (b'@@ -1 +1 @@\n-cp a ..\\\n+/issue-46-docs/x\n', []),
    (b'@@ -1,2 +1,2 @@\n+cp a ../../../x\\\n\n+y\n', [(1, 6, '../../../x')]),
]


@pytest.mark.parametrize(('hunks', 'expected'), PATCHES)
def test_patches(hunks: bytes, expected: list[tuple[int, int, str]]) -> None:
    assert [(f.line, f.col, f.token) for f in Engine(ctx()).scan_change(
        _patch(hunks))] == expected


def test_makefile_patch() -> None:
    hunks = (b'@@ -0,0 +1,4 @@\n+all:\n+\tcp a ..\\\n+\t/issue-46-docs/x\n'
             b'+X = ..\\\n+/issue-46-docs/y\n')
    assert [(f.line, f.col, f.token) for f in Engine(ctx()).scan_change(
        _patch(hunks, 'GNUmakefile'))] == [(2, 7, SIB)]


def test_regions_before_and_after_stay_in_place() -> None:
    """A ``cat-file --batch`` buffer: the regions after a joined one
    move, their findings keep their lines and columns."""
    files = [('a.md', 'see ../../../a\n'), ('b.sh', 'cp ..\\\n/../../b\n'),
             ('c.py', "x = '..' \\\n  ../../../c\n")]
    data, regions, pos = b'', [], 0
    for path, content in files:
        body = content.encode()
        regions.append((pos, pos + len(body), path))
        data += body + b'\n'
        pos += len(body) + 1
    got = Engine(ctx()).scan_change(PathChange(None, [], data, regions))
    assert [(f.path, f.line, f.col, f.token) for f in got] == [
        ('a.md', 1, 5, '../../../a'), ('b.sh', 1, 4, '../../../b'),
        ('c.py', 2, 3, '../../../c')]


@pytest.mark.timeout(120)
@pytest.mark.parametrize('unit', [
    '..\\\n/../../o \\\n',   # one logical line of 2n lines
    'cp ..\\\n/../../o\n',   # n logical lines
])
def test_a_long_file_of_continuations_is_linear(unit: str) -> None:
    """100,000 joined tokens: quadratic work (each join or finding
    reading the file up to it) is some 10^10 steps, far past the
    timeout; linear work is a second or two."""
    n = 100_000
    got = Engine(ctx()).scan('a.sh', (unit * n).encode())
    assert len(got) == n
    assert (got[-1].line, got[-1].token) == (2 * n - 1, '../../../o')
