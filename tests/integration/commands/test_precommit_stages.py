"""pre-commit users: a merge commit into main is judged (pre-merge-commit),
and the -verbose hook ids show the warnings of a passing hook."""
from __future__ import annotations

from typing import Any

import yaml

from tests.helpers import RepoHandle
from tests.helpers import run

HOME_PATH = 'worktree-paths/home-path warning'


def _use_hooks(r: RepoHandle, *ids: str) -> None:
    """Point .pre-commit-config.yaml at ``ids`` of the same hook repo and
    stage it (pre-commit refuses an unstaged config)."""
    path = r.path / '.pre-commit-config.yaml'
    cfg: dict[str, Any] = yaml.safe_load(path.read_text())
    cfg['repos'][0]['hooks'] = [{'id': i} for i in ids]
    path.write_text(yaml.safe_dump(cfg))
    r.git('add', '.pre-commit-config.yaml')


def test_a_merge_into_main_is_refused_through_pre_commit(
        precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    run(['pre-commit', 'install', '--hook-type', 'pre-merge-commit'],
        cwd=r.path, check=True)
    r.git('switch', '-q', '-c', 'issue-3-feature')
    assert r.commit('feature', files={'src/f.py': 'x = 1\n'}).returncode == 0
    r.git('switch', '-q', 'main')
    before = r.head()
    proc = r.run_git('merge', '--no-ff', '-m', 'merge it', 'issue-3-feature')
    assert proc.returncode != 0, proc
    assert 'protected-branch' in proc.output
    assert "branch 'main' is protected" in proc.output
    assert r.head() == before
    # A fast-forward makes no commit: no hook runs, and nothing is judged
    # here (the push rules judge what reaches the remote).
    r.run_git('merge', '--abort')
    assert r.run_git('merge', '--ff-only', 'issue-3-feature').returncode == 0


def test_a_merge_on_an_issue_branch_passes(precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    run(['pre-commit', 'install', '--hook-type', 'pre-merge-commit'],
        cwd=r.path, check=True)
    r.git('switch', '-q', '-c', 'issue-4-a')
    assert r.commit('a', files={'a.txt': 'a\n'}).returncode == 0
    r.git('switch', '-q', '-c', 'issue-4-b', 'main')
    assert r.commit('b', files={'b.txt': 'b\n'}).returncode == 0
    proc = r.run_git('merge', '--no-ff', '-m', 'merge a', 'issue-4-a')
    assert proc.returncode == 0, proc
    assert r.git('rev-list', '--count', '--merges', 'HEAD').strip() == '1'


def test_verbose_ids_show_warnings_of_a_passing_commit(
        precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    r.git('switch', '-q', '-c', 'issue-5-home')
    _use_hooks(r, 'worktree-guard-commit-verbose')
    proc = r.commit('home', files={'docs/home.md': 'at /home/ann/app/x\n'})
    assert proc.returncode == 0, proc
    assert HOME_PATH in proc.output
    assert 'worktree-guard-commit-verbose' in proc.output
    # The plain id hides a passing hook's output, warnings included.
    _use_hooks(r, 'worktree-guard-commit')
    proc = r.commit('home', files={'docs/home2.md': 'at /home/bo/app/y\n'})
    assert proc.returncode == 0, proc
    assert 'home-path' not in proc.output


def test_verbose_push_id_shows_the_sync_note(
        precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    run(['pre-commit', 'install', '--hook-type', 'pre-push'], cwd=r.path,
        check=True)
    r.git('switch', '-q', '-c', 'issue-6-push')
    _use_hooks(r, 'worktree-guard-commit', 'worktree-guard-push-verbose')
    assert r.commit('push me', files={'p.txt': 'p\n'}).returncode == 0
    proc = r.run_git('push', '-q', 'origin', 'issue-6-push')
    assert proc.returncode == 0, proc
    assert 'note:' in proc.output and 'origin/main' in proc.output
