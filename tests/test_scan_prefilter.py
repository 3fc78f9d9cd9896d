"""The whole-file scan's pre-filter through real git: ``git grep -l`` names
the files that hold one of the path engine's literals, in the index and in
a tree, from any folder, with names git would quote."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import git
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx.scan import candidates

FILES = {
    'a.md': 'see ../x\n',
    'sub/b.sh': 'cd\t..\n',
    'sub/c.txt': 'nothing here\n',
    'bin.dat': 'a\0b ../x\n',
    'sp ace/ü "q".md': 'at /home/ann/x\n',
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git('init', '-q', '-b', 'main', str(tmp_path / 'r'), cwd=tmp_path)
    root = tmp_path / 'r'
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git('add', '-A', cwd=root)
    return root


@pytest.mark.parametrize(('terms', 'expected'), [
    ([b'../'], {'a.md', 'bin.dat'}),
    ([b'../', b'\t..'], {'a.md', 'bin.dat', 'sub/b.sh'}),
    ([b'/home/'], {'sp ace/ü "q".md'}),
    ([b'no such text'], set()),
    ([], set()),
    ([b''], set()),
])
def test_candidates_in_the_index_and_a_tree(repo: Path, terms: list[bytes],
                                             expected: set[str]) -> None:
    r = Repo.discover(str(repo / 'sub'))
    assert candidates(r, terms) == expected
    tree = git('write-tree', cwd=repo).strip()
    assert candidates(r, terms, tree) == expected


def test_candidates_of_a_missing_tree_is_a_git_error(repo: Path) -> None:
    with pytest.raises(GitError, match="'git grep' failed"):
        candidates(Repo.discover(str(repo)), [b'../'], '0' * 40)
