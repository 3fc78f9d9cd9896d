"""pathengine/engine.py: the scan loop over a change's regions: patches
(only new lines count, numbered in the new file) and the lines asked
for."""
from __future__ import annotations

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
