"""``gitctx.fleet.branch_facts`` (batched ahead/behind and changed files)
agrees with the per-tip git commands on real graphs: ahead, behind, merged,
criss-cross merge bases, the floor itself, unrelated history."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import fleet
from worktree_guard.gitctx import worktrees


def _commit(path: Path, rel: str, text: str, msg: str = 'c') -> str:
    (path / rel).parent.mkdir(parents=True, exist_ok=True)
    (path / rel).write_text(text)
    git('add', '--', rel, cwd=path)
    git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', msg,
        cwd=path)
    return git('rev-parse', 'HEAD', cwd=path).strip()


def _slow(repo: Repo, base: str, tip: str) -> tuple[int, int, object]:
    behind, ahead = repo.out('rev-list', '--left-right', '--count',
                             f'{base}...{tip}').split()
    return int(ahead), int(behind), worktrees.changed_files(repo, base, tip)


def test_branch_facts_agree_with_git(plain_repo: RepoHandle,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    p = plain_repo.path
    g = lambda *a: git(*a, cwd=p).strip()  # noqa: E731
    root = g('rev-parse', 'HEAD')
    tips = {'root': root}
    g('switch', '-q', '-c', 'one')
    tips['one'] = _commit(p, 'one.txt', '1')
    _commit(p, 'one.txt', '2')
    tips['one2'] = g('rev-parse', 'HEAD')
    g('switch', '-q', 'main')
    _commit(p, 'base.txt', 'b')
    g('switch', '-q', '-c', 'two')
    tips['two'] = _commit(p, 'src/two.txt', '2')
    g('switch', '-q', 'main')
    _commit(p, 'base.txt', 'b2')
    # Criss-cross: x and y each merge the other's first commit.
    g('switch', '-q', '-c', 'x', root)
    x1 = _commit(p, 'x.txt', 'x')
    g('switch', '-q', '-c', 'y', root)
    y1 = _commit(p, 'y.txt', 'y')
    g('switch', '-q', 'x')
    g('-c', 'core.hooksPath=/dev/null', 'merge', '-q', '--no-edit', y1)
    tips['x'] = g('rev-parse', 'HEAD')
    g('switch', '-q', 'y')
    g('-c', 'core.hooksPath=/dev/null', 'merge', '-q', '--no-edit', x1)
    tips['y'] = g('rev-parse', 'HEAD')
    g('switch', '-q', 'main')
    base_cc = g('rev-parse', 'HEAD')
    # A merge commit on the base side that is a tip's ancestor too.
    g('switch', '-q', '-c', 'merged', 'main')
    # Merging two (forked from the first base commit): a diamond.
    g('-c', 'core.hooksPath=/dev/null', 'merge', '-q', '--no-edit', 'two')
    tips['merged'] = _commit(p, 'm.txt', 'm')
    g('switch', '-q', 'main')
    repo = Repo.discover(str(p))
    for base in (base_cc, tips['x'], root, tips['merged']):
        got = fleet.branch_facts(repo, base, list(tips.values()))
        for name, tip in tips.items():
            assert got[tip] == _slow(repo, base, tip), (base[:7], name)
    assert fleet.branch_facts(repo, root, []) == {}
    # One floor for all, but a criss-cross merge base for y against x.
    got = fleet.branch_facts(repo, tips['x'], [tips['y'], tips['one']])
    assert got[tips['y']] == _slow(repo, tips['x'], tips['y'])
    # Unrelated history: the slow path, no files.
    tree = g('rev-parse', 'main^{tree}')
    orphan = g('commit-tree', '-m', 'orphan', tree)
    got = fleet.branch_facts(repo, base_cc, [orphan, tips['two']])
    assert got[orphan][2] is None
    assert got[orphan] == _slow(repo, base_cc, orphan)
    assert got[tips['two']] == _slow(repo, base_cc, tips['two'])


def test_branch_facts_errors(plain_repo: RepoHandle) -> None:
    repo = Repo.discover(str(plain_repo.path))
    head = plain_repo.head()
    with pytest.raises(GitError, match='cannot compare'):
        fleet.branch_facts(repo, head, ['f' * 40])
    with pytest.raises(GitError, match='cannot list changed files'):
        fleet._diff_many(repo, {'e' * 40: head})
