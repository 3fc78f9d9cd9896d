"""Issue 23: a policy or baseline read from a commit, never the working
tree (``gitctx.blobs.committed_file``, ``tree_entry``), against real git."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import git
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx.blobs import committed_file
from worktree_guard.gitctx.blobs import tree_entry


def _repo(path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    git('init', '-q', '-b', 'main', str(path), cwd=path.parent)
    monkeypatch.chdir(path)
    return Repo.discover()


def test_committed_file(tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    w = tmp_path / 'w'
    w.mkdir()
    repo = _repo(w, monkeypatch)
    # Unborn: nothing is committed yet.
    assert committed_file(repo, 'HEAD', 'b.json', 100, 'the baseline') \
        is None
    (w / 'b.json').write_text('{}')
    (w / 'big.json').write_text('x' * 101)
    os.symlink('b.json', w / 'link.json')
    (w / 'd').mkdir()
    (w / 'd' / 'x').write_text('x')
    git('add', '-A', cwd=w)
    git('commit', '-q', '-m', 'c', cwd=w)
    (w / 'b.json').write_text('{"changed": 1}')   # never read
    assert committed_file(repo, 'HEAD', 'b.json', 100, 'the baseline') \
        == b'{}'
    assert committed_file(repo, 'HEAD', 'none.json', 100, 'x') is None
    assert committed_file(repo, 'HEAD', 'd/x', 100, 'x') == b'x'
    assert tree_entry(repo, 'HEAD', 'd') is not None
    entry = tree_entry(repo, 'HEAD', 'd')
    assert entry is not None and entry[0] == '040000' and entry[2] == -1
    for name, what in (('link.json', 'a symlink'), ('d', 'a folder')):
        with pytest.raises(GuardError) as e:
            committed_file(repo, 'HEAD', name, 100, 'the baseline')
        assert e.value.message == (f'{name}:1: the baseline is {what} in '
                                   'HEAD, not a regular file')
    with pytest.raises(GuardError) as e:
        committed_file(repo, 'HEAD', 'big.json', 100, 'the baseline')
    assert e.value.message == ('big.json:1: the baseline is larger than 100 '
                               'bytes in HEAD')
