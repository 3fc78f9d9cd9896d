"""pathengine/engine.py: the scan loop over a change's regions: patches
(only new lines count, numbered in the new file; suppression comments
read the new file), the regions' bounds and the lines asked for."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ctx
from worktree_guard.model import PathChange
from worktree_guard.pathengine import Engine


def test_patches_see_new_lines_and_shebangs() -> None:
    data = (b'diff --git a/t b/t\n@@ -0,0 +1,3 @@\n+#!/bin/sh\n'
            b'+cd ..\n+x\n'
            b'diff --git a/u.txt b/u.txt\n@@ -3,2 +3,2 @@\n ctx\n-old\n'
            b'\\ No newline at end of file\n+cd ..\n')
    h1 = data.index(b'@@')
    e1 = data.index(b'diff', 1)
    h2 = data.index(b'@@', e1)
    change = PathChange(None, [], data, [(h1, e1, 't'),
                                         (h2, len(data), 'u.txt')], True)
    found = Engine(ctx()).scan_change(change)
    assert [(f.path, f.line) for f in found] == [('t', 2)]


def test_scan_added_lines_only() -> None:
    e = Engine(ctx())
    data = b'see ../../../a\nsee ../../../b\n'
    assert [f.line for f in e.scan('a.md', data, {2})] == [2]
    assert e.scan_change(PathChange()) == []


def _patch(hunks: bytes, path: str = 'a.md') -> PathChange:
    """One file's ``git diff -p`` output; its region starts at the first
    hunk header."""
    head = f'diff --git a/{path} b/{path}\n'.encode()
    return PathChange(None, [], head + hunks,
                      [(len(head), len(head) + len(hunks), path)], True)


PATCHES = [
    # Context and removed lines are the old file's: not judged, but
    # counted in the new file's numbers (context) or not (removed).
    (b'@@ -1,2 +1,2 @@\n ../../../ctx\n-../../../old\n+../../../new\n', [2]),
    # allow-next-line reaches over removed lines and "\ No newline".
    (b'@@ -1,2 +1,2 @@\n+x # worktree-guard: allow-next-line\n-old\n'
     b'\\ No newline at end of file\n+../../../a\n', []),
    # ...but not over the hunk header, nor from its own line.
    (b'@@ -0,0 +1 @@\n+../../../a # worktree-guard: allow-next-line\n', [1]),
    # The same token twice (judged once), two hunks of one file.
    (b'@@ -0,0 +1,2 @@\n+../../../a\n+../../../a\n', [1, 2]),
    (b'@@ -0,0 +1 @@\n+../../../a\n@@ -10,0 +11 @@\n+../../../b\n', [1, 11]),
]


@pytest.mark.parametrize(('hunks', 'lines'), PATCHES)
def test_patch_lines_and_suppression(hunks: bytes, lines: list[int]) -> None:
    found = Engine(ctx()).scan_change(_patch(hunks))
    assert [f.line for f in found] == lines


def test_only_the_regions_are_scanned() -> None:
    # Hits before the first region and after the last one are no file's.
    body = b'see ../../../x\nsee ../../../y'   # no newline at the end
    data = b'../../../pre\n' + body + b'\n../../../post\n'
    start = data.index(body)
    change = PathChange(None, [], data, [(start, start + len(body), 'a.md')])
    found = Engine(ctx()).scan_change(change)
    assert [(f.line, f.token) for f in found] == [(1, '../../../x'),
                                                  (2, '../../../y')]


def test_finding_loads_on_first_use() -> None:
    """``pathengine.Finding`` is the findings module's (loaded lazily);
    any other unknown name is an AttributeError as usual."""
    import worktree_guard.pathengine as pe
    from worktree_guard.pathengine import findings
    assert pe.Finding is findings.Finding
    with pytest.raises(AttributeError, match='no attribute'):
        pe.NoSuchName  # noqa: B018


@pytest.mark.parametrize(('content', 'expected'), [
    # Two loose spellings on a line, the last without a newline.
    ('x\nsee /w//main/a.md and /w/./main/b.md',
     [(2, 5, '/w//main/a.md'), (2, 23, '/w/./main/b.md')]),
    # The component on a line without the spelling, then with it.
    ('main street\n/w/main/./x and //w//main/y\n',
     [(2, 1, '/w/main/./x'), (2, 17, '//w//main/y')]),
])
def test_a_loose_checkout_spelling_is_found_on_the_lines_of_its_name(
        content: str, expected: list[tuple[int, int, str]]) -> None:
    found = Engine(ctx()).scan('README.md', content.encode())
    assert [(f.line, f.col, f.token) for f in found] == expected
