"""pathengine/prefilter.py: the whole-file scan's pre-filter loses no
finding: every spelling of the engine's tables holds one of
``prefilter_terms``, and the engine finds the same in a buffer of every
file as in a buffer of only the files that hold a term (the gates of its
patterns included).  No git."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ctx
from tests.unit.pathengine.test_findings import KNOWN
from tests.unit.pathengine.test_patterns import SPELLINGS
from tests.unit.pathengine.test_sites import WEAK
from worktree_guard.model import PathChange
from worktree_guard.pathengine import Engine
from worktree_guard.pathengine.prefilter import prefilter_terms
from worktree_guard.pathengine.prefilter import terms_of

FOUND = [(p, c) for p, c, expected in SPELLINGS + WEAK + KNOWN if expected]
# Spellings whose pattern opens only on a literal elsewhere in the buffer.
EXTRA = [
    ('a.sh', 'cd\t..\n'),
    ('b.sh', 'cd  ..\n'),
    ('c.sh', 'cd ..x\n'),   # opens the `cd ..` pattern, finds nothing
    ('d.md', 'see https://example.com//w/main/x\n'),
    ('e.md', 'plain prose, nothing to see\n'),
    ('f.md', 'a//b and /./ in a path that is no checkout\n'),
]


def terms() -> list[bytes]:
    return terms_of(Engine(ctx()).specs)


@pytest.mark.parametrize(('path', 'content'), FOUND)
def test_every_file_with_a_finding_holds_a_term(path: str,
                                                content: str) -> None:
    data = content.encode()
    assert Engine(ctx()).scan(path, data)
    assert any(t in line for line in data.split(b'\n') for t in terms())


def _change(files: list[tuple[str, str]]) -> PathChange:
    """Files as one ``cat-file --batch`` output with a region each."""
    parts: list[bytes] = []
    regions = []
    pos = 0
    for i, (path, content) in enumerate(files):
        head = f'{i:040x} blob {len(content.encode())}\n'.encode()
        body = content.encode()
        regions.append((pos + len(head), pos + len(head) + len(body), path))
        parts += [head, body, b'\n']
        pos += len(head) + len(body) + 1
    return PathChange(None, [], b''.join(parts), regions)


def _found(files: list[tuple[str, str]]) -> list[tuple[object, ...]]:
    return [(f.path, f.line, f.col, f.kind, f.severity, f.token)
            for f in Engine(ctx()).scan_change(_change(files))]


@pytest.mark.parametrize('order', [1, -1])
def test_the_filtered_buffer_finds_what_the_whole_one_does(order: int
                                                           ) -> None:
    # Distinct paths: the same path twice would be one file.
    files = [(f'f{i}/{p}', c) for i, (p, c) in enumerate(
        (FOUND + EXTRA)[::order])]
    ts = terms()
    kept = [(p, c) for p, c in files if any(t in c.encode() for t in ts)]
    assert len(kept) < len(files)   # the filter drops something
    whole = _found(files)
    assert whole and _found(kept) == whole


def test_cd_spellings_keep_their_files() -> None:
    # The engine's `cd[ \t]{1,2}..` runs on any of its six spellings: the
    # filter keeps the files that hold one.
    ts = terms()
    for content in ('cd\t..\n', 'cd  ..\n', 'cd ..x\n', 'cd \t..\n',
                    'cd\t\t..\n', 'cd\t ..\n'):
        assert any(t in content.encode() for t in ts), content


@pytest.mark.parametrize(('path', 'content'), [
    ('a.sh', 'cd\t..\n'), ('b.sh', 'cd  ..\n'), ('c.sh', 'cd \t..\n')])
def test_a_cd_spelling_is_judged_alike_alone(path: str,
                                             content: str) -> None:
    # The pattern opens on the file's own spelling, not on a `cd ..`
    # elsewhere in the buffer: the file alone finds what it finds among
    # others.
    alone = Engine(ctx()).scan(path, content.encode())
    assert alone and _found([(path, content)]) == _found(
        [(path, content), ('z.sh', 'cd ..\n')])[:1]


@pytest.mark.parametrize('content', [
    'and so on ...\n', '   .. note::\n   text\n', '   .. code-block:: sh\n',
    'the users of parsers\n', 'a PWD variable\n', 'percent %2e alone\n', 'cd   ..\n', '\t..\n', 'USERS: all\n'])
def test_prose_holds_no_term(content: str) -> None:
    assert not any(t in content.encode() for t in terms()), content


def test_windows_homes_and_anchors_hold_a_term() -> None:
    ts = terms()
    for content in ('C:\\Users\\ann\\x', 'c:\\\\users\\\\ann', 'D:/USERS/ann/x',
                    '"$(git rev-parse --show-toplevel)/../x"', '${PWD}/..',
                    '$(pwd)/..', "'..\"", '%2E%2e/x'):
        assert any(t in content.encode() for t in ts), content


def test_terms_name_the_checkouts_and_the_worktrees_root() -> None:
    c = ctx()
    ts = prefilter_terms(c.checkouts, 'trees')
    # `/w/main` is held by `main` (a file that holds it holds `main`).
    assert any(t in b'/w/main' for t in ts)
    assert b'trees/' in ts and b'../' in ts
    assert b'//' not in ts and b'main' in ts   # `//` only with the path
    # No term holds another: git grep looks for the fewest.
    assert not [(a, b) for a in ts for b in ts if a != b and a in b]
    assert prefilter_terms([], 'wt') == terms_of(
        Engine(type(c)(checkouts=[], wroot='wt')).specs)


@pytest.mark.parametrize('content', [
    # Issue 23: split by a line continuation, a term survives on a line.
    '#!/bin/sh\ncp a ..\\\n/issue-46-docs/x\n',
    '#!/bin/sh\ncp a ../\\\n../main/x\n',
    '#!/bin/sh\ncp a ../iss\\\nue-46-docs/x\n',
])
def test_a_continued_escape_keeps_its_file(content: str) -> None:
    data = content.encode()
    assert Engine(ctx()).scan('run', data)
    assert any(t in line for line in data.split(b'\n') for t in terms())
