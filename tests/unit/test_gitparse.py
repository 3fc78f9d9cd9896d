"""gitparse.special picks, from a whole listing and without parsing every
record, exactly the entries a rule judges by path: symlinks, gitlinks and
paths at or under the given roots (table-driven, no git)."""
from __future__ import annotations

import pytest

from worktree_guard.gitctx.gitparse import dockerish
from worktree_guard.gitctx.gitparse import ls_files
from worktree_guard.gitctx.gitparse import ls_tree
from worktree_guard.gitctx.gitparse import special

A = 'a' * 40


def _files(*recs: tuple[str, str, int]) -> bytes:
    return b''.join(f'{m} {A} {st}\t{p}\0'.encode() for p, m, st in recs)


def _tree(*recs: tuple[str, str]) -> bytes:
    kind = {'160000': 'commit'}
    return b''.join(f'{m} {kind.get(m, "blob")} {A}\t{p}\0'.encode()
                    for p, m in recs)


FILES = [
    ('README.md', '100644', 0), ('bin/run', '100755', 0),
    ('link', '120000', 0), ('trees', '100644', 0),
    ('trees/issue-1-x/a.md', '100644', 0), ('treesx/b.md', '100644', 0),
    ('vendor/sub', '160000', 0), ('x\ttrees/c.md', '100644', 0),
    ('conflict/link', '120000', 2), ('nested/wt/f', '100644', 0),
]


@pytest.mark.parametrize(('roots', 'expected'), [
    ([], ['link', 'vendor/sub']),
    (['trees'], ['link', 'trees', 'trees/issue-1-x/a.md', 'vendor/sub']),
    (['trees', 'nested/wt'], ['link', 'trees', 'trees/issue-1-x/a.md',
                              'vendor/sub', 'nested/wt/f']),
    (['README.md'], ['README.md', 'link', 'vendor/sub']),
    (['no-such'], ['link', 'vendor/sub']),
])
def test_special_in_an_index_listing(roots: list[str],
                                     expected: list[str]) -> None:
    out = _files(*FILES)
    got = special(out, False, roots)
    assert [p for p, _, _ in got] == expected
    # The same records a full parse gives, in the listing's order.
    assert got == [i for i in ls_files(out) if i[0] in expected]


def test_special_in_a_tree_listing_and_at_its_start() -> None:
    out = _tree(('link', '120000'), ('a.md', '100644'),
                ('sub', '160000'), ('trees/x', '100644'))
    assert special(out, True, ['trees']) == [
        i for i in ls_tree(out) if i[0] != 'a.md']
    assert special(b'', True, ['trees']) == []


@pytest.mark.parametrize(('names', 'expected'), [
    (['src/app.py', 'README.md'], False),
    (['Dockerfile'], True),
    (['ci/app.CONTAINERFILE'], True),
    (['docker/base.dockerfile'], True),
])
def test_dockerish(names: list[str], expected: bool) -> None:
    assert dockerish(_files(*[(n, '100644', 0) for n in names])) is expected


def _batch(blobs: list[bytes | None]) -> bytes:
    return b''.join(f'{A} blob {len(b)}\n'.encode() + b + b'\n'
                    if b is not None else b':0:gone x missing\n'
                    for b in blobs)


BLOBS: list[bytes | None] = [
    b'one ../x\n', b'', b'bin\0ary', None, b'big' * 40, b'two\n' * 5,
    b'big' * 30, b'\n']


@pytest.mark.parametrize('cut', [1, 2, 7, 45, 46, 47, 100, 1000])
def test_split_reads_blobs_cut_anywhere(
        cut: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from worktree_guard.gitctx import blobs
    monkeypatch.setattr(blobs, 'CHUNK_BYTES', 60)
    out = _batch(BLOBS)
    files = [(f'f{i}', A) for i in range(len(BLOBS))]
    binary: set[str] = set()
    oversized: set[str] = set()
    heard: list[tuple[int, int]] = []
    chunks = list(blobs.split(
        [out[i:i + cut] for i in range(0, len(out), cut)], 'r', files, 80,
        oversized, binary, lambda d, t: heard.append((d, t))))
    assert binary == {'f2'} and oversized == {'f4', 'f6'}
    assert heard == [(8, 8)]
    texts = [(c.data[s:e], p) for c in chunks for s, e, p in c.regions]
    assert texts == [(b, f'f{i}') for i, b in enumerate(BLOBS)
                     if i in (0, 1, 5, 7)]
    assert all(c.ref == 'r' for c in chunks)
    # Each chunk holds whole blobs; an oversized one is never held.
    assert len(chunks) > 1
    assert not any(b'bigbig' in c.data for c in chunks)


def test_split_judges_what_arrived_when_git_pauses(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk far below CHUNK_BYTES is handed on at the end of a piece
    (git has nothing more yet) once it holds FLUSH_BYTES: the engine works
    while git searches on."""
    from worktree_guard.gitctx import blobs
    monkeypatch.setattr(blobs, 'FLUSH_BYTES', 20)
    texts = [b'a ../x\n' * 3, b'b\n', b'c ../y\n' * 4]
    files = [(f'f{i}', A) for i in range(len(texts))]
    out = _batch(list(texts))
    first = len(_batch(texts[:1]))
    # Pieces: the first blob and a byte of the next; then the rest.
    pieces = [out[:first + 1], out[first + 1:]]
    chunks = list(blobs.split(pieces, None, files, 1000, set(), set()))
    assert [[p for _, _, p in c.regions] for c in chunks] == [
        ['f0'], ['f1', 'f2']]
    assert [c.data[s:e] for c in chunks for s, e, _ in c.regions] == texts
