"""``gitctx.replay``: rebase forecasts in real git, their edges, and the
scratch object directory that leaves the repository's objects as they
were."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import old_git
from tests.helpers import git
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import replay
from worktree_guard.gitctx import worktrees

OFF = ('-c', 'core.hooksPath=/dev/null')


def _commit(where: Path, files: dict[str, str], msg: str) -> str:
    for rel, content in files.items():
        (where / rel).parent.mkdir(parents=True, exist_ok=True)
        (where / rel).write_text(content)
        git('add', '--', rel, cwd=where)
    git(*OFF, 'commit', '-q', '-m', msg, cwd=where)
    return git('rev-parse', 'HEAD', cwd=where).strip()


def test_edges(plain_repo: RepoHandle, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    main = r.path
    base = git('rev-parse', 'HEAD', cwd=main).strip()
    # A branch that merged an unrelated history: its root commit would
    # need git rebase --root.
    git('switch', '-q', '--orphan', 'other', cwd=main)
    root = _commit(main, {'other.txt': 'o\n'}, 'root')
    git('switch', '-q', '-f', '-c', 'issue-1-x', base, cwd=main)
    git(*OFF, 'merge', '-q', '--allow-unrelated-histories', '-m', 'join',
        root, cwd=main)
    tip = git('rev-parse', 'HEAD', cwd=main).strip()
    # A branch with a merge of its own lines (a diamond over its commits):
    # the merge is left out, its two sides replayed once each.
    git('switch', '-q', '-c', 'issue-2-diamond', base, cwd=main)
    fork = _commit(main, {'a.txt': 'a\n'}, 'a')
    _commit(main, {'b.txt': 'b\n'}, 'b')
    git('switch', '-q', '-c', 'side', fork, cwd=main)
    _commit(main, {'c.txt': 'c\n'}, 'c')
    git('switch', '-q', 'issue-2-diamond', cwd=main)
    git(*OFF, 'merge', '-q', '-m', 'join', 'side', cwd=main)
    diamond = git('rev-parse', 'HEAD', cwd=main).strip()
    git('switch', '-q', 'main', cwd=main)
    monkeypatch.chdir(main)
    repo = Repo.discover()
    with replay.scratch_objects(repo) as env:
        assert env['GIT_ALTERNATE_OBJECT_DIRECTORIES'].endswith('objects')
        got = replay.replay_onto(repo, base, [tip])
        assert got is not None and got[tip].state == 'unknown'
        (c,) = replay.commits_many(repo, base, [diamond]).values()
        assert len(c.own) == 4 and len(c.todo) == 3 and c.forks == {base}
        assert replay.replay_onto(repo, base, []) == {}
        # Nothing between two equal revisions: no patch.
        assert replay.patch_ids(repo, 'log', '-p', f'{base}..{base}') == {}
        job = replay.Job(base, replay.trees(repo, [base])[base],
                         [('0' * 40, base)], set())
        with pytest.raises(GitError, match='cannot forecast the rebase'):
            replay.replay_many(repo, [job])
    assert replay.trees(repo, []) == {}
    assert replay.squashed(repo, base, {}) == set()
    assert replay.created_at(repo, 'no-such-branch') is None
    monkeypatch.setenv('PATH', old_git(tmp_path, '--stdin')
                       + os.pathsep + os.environ['PATH'])
    with pytest.raises(GitError, match='cannot forecast the rebase'):
        replay.replay_many(repo, [job])
    good = replay.Job(base, replay.trees(repo, [base])[base],
                      [(tip, base)], {tip})
    with replay.scratch_objects(repo):
        (done,) = replay.replay_many(repo, [good]) or []
        assert done[0] is not None and done[1] == []
        # The pair fallback of wt status, one merge-tree per pair.
        assert worktrees.merge_conflicts_many(repo, [(base, tip)]) == [[]]
    monkeypatch.setenv('PATH', old_git(tmp_path / 'older',
                                        '--write-tree|--stdin')
                       + os.pathsep + os.environ['PATH'])
    # Discovered again, so its environment has the new PATH too (the
    # subprocess fallback looks git up on the child's PATH).
    repo = Repo.discover()
    assert worktrees.merge_conflicts_many(repo, [(base, tip)]) is None
    assert replay.replay_many(repo, [good]) is None


def test_scratch_objects_are_removed(plain_repo: RepoHandle,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(plain_repo.path)
    repo = Repo.discover()
    with replay.scratch_objects(repo) as env:
        where = env['GIT_OBJECT_DIRECTORY']
        oid = repo.out('hash-object', '-w', '--stdin',
                       input=b'scratch\n').strip()
        assert os.path.isdir(where)
    assert not os.path.exists(where)
    res = repo.git('cat-file', '-e', oid, check=False)
    assert res.returncode != 0
