"""``wt status``: rule checks, behind counts, overlap, conflict forecasts
(``git merge-tree``), old-git fallbacks, and the batching of git calls."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import old_git
from tests.helpers import git
from tests.helpers import wg
from tests.integration.commands.wt.conftest import Work
from tests.integration.commands.wt.test_wt import Out
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import worktrees

Run = Callable[..., Out]


def _advance_base(repo: RepoHandle, files: dict[str, str]) -> None:
    """A commit lands on origin/main after the branches were made."""
    for rel, content in files.items():
        repo.write(rel, content)
        repo.git('add', '--', rel)
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'base')
    repo.git('push', '-q', '--no-verify', 'origin', 'main')


def test_status_forecasts(native_repo: RepoHandle, wt: Run,
                          work: Work) -> None:
    work(native_repo, 'issue-1-a', {'src/app.py': 'print("a")\n',
                                    'shared.txt': 'a\n'})
    work(native_repo, 'issue-2-b', {'src/app.py': 'print("b")\n'})
    work(native_repo, 'issue-3-c', {'docs/guide.md': 'c\n'})
    work(native_repo, 'issue-4-d', {'shared.txt': 'a\n'})  # same content
    _advance_base(native_repo, {'docs/guide.md': 'base\n'})
    r = wt(native_repo.path, 'status')
    assert r.code == 1, r
    out = r.out
    assert 'issue-1-a + issue-2-b: src/app.py' in out
    assert 'would CONFLICT in src/app.py' in out
    assert 'issue-1-a + issue-4-d: shared.txt' in out
    assert 'forecast: they rebase cleanly' in out
    assert 'rebasing onto origin/main would CONFLICT in docs/guide.md' in out
    rows = {ln.split()[1]: ln.split() for ln in out.splitlines()[2:6]}
    # ISSUE BRANCH DIRTY BEHIND AHEAD FILES MERGE CHECKS
    assert rows['issue-3-c'] == ['3', 'issue-3-c', '0', '1', '1', '1',
                                 'CONFLICT', 'ok']
    assert rows['issue-1-a'] == ['1', 'issue-1-a', '0', '1', '1', '2',
                                 'clean', 'ok']
    data = json.loads(wt(native_repo.path, 'status', '--json').out)
    assert data['forecast'] is True and data['exit_code'] == 1
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-3-c']['base_conflict_files'] == ['docs/guide.md']
    assert by['issue-2-b']['base_conflict'] is False
    assert by['issue-1-a']['checks'] == []
    assert [o['branches'] for o in data['overlaps']] == [
        ['issue-1-a', 'issue-2-b'], ['issue-1-a', 'issue-4-d']]


def test_status_all_clear(native_repo: RepoHandle, wt: Run,
                          work: Work) -> None:
    r = wt(native_repo.path, 'status')
    assert r.code == 0, r
    assert 'no active worktrees' in r.out
    assert 'overlap (branches that change the same files):\n  none' in r.out
    work(native_repo, 'issue-1-a', {'a.txt': 'a\n'})
    work(native_repo, 'issue-2-b', {'b.txt': 'b\n'})
    r = wt(native_repo.path, 'status')
    assert r.code == 0, r
    assert 'no overlap:' not in r.out  # nothing overlaps at all


def test_status_fetch(native_repo: RepoHandle, wt: Run,
                      tmp_path: Path, work: Work) -> None:
    work(native_repo, 'issue-1-a', {'a.txt': 'a\n'})
    other = tmp_path / 'other'
    git('clone', '-q', str(native_repo.remote), str(other), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'upstream', cwd=other)
    git('push', '-q', 'origin', 'main', cwd=other)
    data = json.loads(wt(native_repo.path, 'status', '--json').out)
    assert data['worktrees'][0]['behind'] == 0  # the cached base
    r = wt(native_repo.path, 'status')
    assert r.out.splitlines()[0].endswith('  (wt status --fetch refreshes it)')
    data = json.loads(wt(native_repo.path, 'status', '--json',
                         '--fetch').out)
    assert data['worktrees'][0]['behind'] == 1
    r = wt(native_repo.path, 'status', '--fetch')
    assert r.out.splitlines()[0].endswith('  (fetched just now)'), r.out
    assert '--fetch refreshes' not in r.out
    native_repo.git('remote', 'set-url', 'origin', '/nonexistent.git')
    r = wt(native_repo.path, 'status', '--fetch')
    assert 'note: could not fetch origin/main' in r.out
    assert r.out.splitlines()[0].endswith('  (not refreshed: see the notes)')


def test_status_rule_checks(native_repo: RepoHandle, wt: Run,
                            work: Work) -> None:
    work(native_repo, 'feature-x', {'a.txt': 'a\n'}, path='trees/feature-x')
    work(native_repo, 'issue-2-elsewhere', {'b.txt': 'b\n'},
         path='../elsewhere')
    native_repo.git('worktree', 'add', '-q', '--detach',
                    str(native_repo.path / 'trees' / 'review'))
    r = wt(native_repo.path, 'status')
    assert r.code == 1
    assert "feature-x: branch-name: branch 'feature-x' does not match" in \
        r.out
    assert 'issue-2-elsewhere: worktree-layout/location:' in r.out
    assert '(detached at ' in r.out
    # A kind the policy turns down to a warning no longer fails the check.
    (native_repo.path / '.worktree-guard.yaml').write_text(
        'rules:\n  branch-name: warn\n  worktree-layout/location: warn\n')
    r = wt(native_repo.path, 'status')
    assert r.code == 0, r
    assert 'FAIL' not in r.out


def test_status_hooks_checks(plain_repo: RepoHandle, wt: Run,
                             work: Work) -> None:
    w = work(plain_repo, 'issue-1-a', {'a.txt': 'a\n'})
    r = wt(plain_repo.path, 'status')
    hooks = os.path.join(os.path.realpath(plain_repo.path), '.git', 'hooks')
    assert f'issue-1-a: hooks: no pre-commit or pre-push hook in {hooks}' \
        in r.out
    hook = Path(hooks) / 'pre-commit'
    hook.write_text('#!/bin/sh\nexit 0\n')
    hook.chmod(0o755)
    r = wt(plain_repo.path, 'status')
    assert 'hooks: the pre-commit hook in' in r.out
    assert 'is not worktree-guard' in r.out
    # A relative core.hooksPath is resolved in each worktree.
    plain_repo.git('config', 'core.hooksPath', '.githooks')
    (plain_repo.path / '.githooks').mkdir()
    shutil.copy(hook, plain_repo.path / '.githooks' / 'pre-commit')
    r = wt(plain_repo.path, 'status')
    assert f'no pre-commit or pre-push hook in {w}/.githooks' in r.out


def test_status_pre_commit_hooks(precommit_repo: RepoHandle,
                                 wt: Run, work: Work) -> None:
    w = work(precommit_repo, 'issue-1-a', {'a.txt': 'a\n'})
    r = wt(precommit_repo.path, 'status')
    assert r.code == 0, r
    (w / '.pre-commit-config.yaml').write_text(
        'repos:\n- repo: local\n  hooks:\n  - id: worktree-guard-push\n'
        '    name: x\n    entry: x\n    language: system\n')
    r = wt(precommit_repo.path, 'status')
    assert 'runs no worktree-guard commit hook' in r.out


def test_status_without_base_and_unrelated_history(
        native_repo: RepoHandle, wt: Run, work: Work) -> None:
    work(native_repo, 'issue-1-a', {'a.txt': 'a\n'})
    tree = native_repo.git('rev-parse', 'main^{tree}').strip()
    orphan = native_repo.git('commit-tree', '-m', 'orphan', tree).strip()
    native_repo.git('branch', 'issue-2-orphan', orphan)
    native_repo.git('worktree', 'add', '-q',
                    str(native_repo.path / 'trees' / 'issue-2-orphan'),
                    'issue-2-orphan')
    r = wt(native_repo.path, 'status')
    assert 'note: issue-2-orphan shares no history with origin/main' in r.out
    row = next(ln for ln in r.out.splitlines() if 'issue-2-orphan' in ln)
    assert row.split()[5] == '-'
    (native_repo.path / '.worktree-guard.yaml').write_text(
        'base:\n  branch: trunk\n')
    r = wt(native_repo.path, 'status')
    row = next(ln for ln in r.out.splitlines() if 'issue-1-a' in ln)
    assert row.split()[3:7] == ['-', '-', '-', '?']


def test_status_notes_prunable(native_repo: RepoHandle, wt: Run,
                               work: Work) -> None:
    w = work(native_repo, 'issue-1-a', {'a.txt': 'a\n'})
    native_repo.git('worktree', 'move', str(w),
                    str(native_repo.path.parent / 'moved'))
    (native_repo.path.parent / 'moved' / '.git').unlink()
    r = wt(native_repo.path, 'status')
    assert 'is prunable (' in r.out and 'worktree-guard wt prune' in r.out


def _conflicting_pair(repo: RepoHandle, work: Work, tmp_path: Path,
                      monkeypatch: pytest.MonkeyPatch, reject: str) -> None:
    """Two worktrees that change the same lines, and an older git on
    PATH that rejects the merge-tree options ``reject``."""
    work(repo, 'issue-1-a', {'src/app.py': 'print("a")\n'})
    work(repo, 'issue-2-b', {'src/app.py': 'print("b")\n'})
    monkeypatch.setenv('PATH', old_git(tmp_path, reject)
                       + os.pathsep + os.environ['PATH'])


def test_status_with_git_older_than_2_38(
        native_repo: RepoHandle, wt: Run, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, work: Work) -> None:
    _conflicting_pair(native_repo, work, tmp_path, monkeypatch,
                      '--write-tree|--stdin')
    r = wt(native_repo.path, 'status')
    assert r.code == 0, r  # overlap alone is no failure
    assert 'issue-1-a + issue-2-b: src/app.py' in r.out
    assert 'CONFLICT' not in r.out
    assert 'note: git is older than 2.38' in r.out
    data = json.loads(wt(native_repo.path, 'status', '--json').out)
    assert data['forecast'] is False
    assert data['overlaps'][0]['conflict'] is None


def test_status_with_git_without_merge_tree_stdin(
        native_repo: RepoHandle, wt: Run, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, work: Work) -> None:
    _conflicting_pair(native_repo, work, tmp_path, monkeypatch, '--stdin')
    r = wt(native_repo.path, 'status')
    assert r.code == 1
    assert 'would CONFLICT in src/app.py' in r.out


def test_status_batches_git_calls(native_repo: RepoHandle,
                                  tmp_path: Path, work: Work) -> None:
    """One merge-tree per replay round (each branch has one commit: one
    round against the base) and one for every pair, a fixed number of git
    processes per worktree (no pair-by-pair or file-by-file calls)."""
    n = 8
    for i in range(1, n + 1):
        work(native_repo, f'issue-{i}-x', {'src/app.py': f'print({i})\n',
                                           f'own{i}.txt': 'x\n'})
    _advance_base(native_repo, {'src/app.py': 'print("base")\n'})
    trace = tmp_path / 'trace'
    proc = wg('wt', 'status', '--budget', '600', cwd=native_repo.path,
              env={'GIT_TRACE': str(trace)})
    assert proc.returncode == 1, proc
    assert proc.stdout.count('CONFLICT in src/app.py') == n * (n - 1) // 2 + n
    calls = [ln for ln in trace.read_text().splitlines()
             if 'trace: built-in: git' in ln]
    # One against the base, one per batch of pairs (28 pairs: 16, then 12).
    assert sum('git merge-tree' in c for c in calls) == 1 + 2
    # + a fixed number for the replay (commit lists, patch-ids, rounds)
    assert len(calls) <= 2 * n + 28, len(calls)


# -- merge_conflicts (the function the sync rule uses too) ------------------------------

def test_merge_conflicts(native_repo: RepoHandle,
                         monkeypatch: pytest.MonkeyPatch, work: Work) -> None:
    work(native_repo, 'issue-1-a', {'src/app.py': 'print("a")\n',
                                    'x.txt': 'a\n'})
    work(native_repo, 'issue-2-b', {'src/app.py': 'print("b")\n',
                                    'x.txt': 'b\n'})
    work(native_repo, 'issue-3-c', {'c.txt': 'c\n'})
    monkeypatch.chdir(native_repo.path)
    repo = Repo.discover()
    assert worktrees.merge_conflicts(repo, 'issue-1-a', 'issue-2-b') == [
        'src/app.py', 'x.txt']
    assert worktrees.merge_conflicts(repo, 'issue-1-a', 'issue-3-c') == []
    with pytest.raises(GitError, match='cannot forecast merging nope'):
        worktrees.merge_conflicts(repo, 'issue-1-a', 'nope')
    assert worktrees.merge_conflicts_many(repo, []) == []
    assert worktrees.merge_conflicts_many(
        repo, [('issue-1-a', 'issue-2-b'), ('issue-1-a', 'issue-3-c')]) == [
            ['src/app.py', 'x.txt'], []]
    with pytest.raises(GitError, match='cannot forecast merges'):
        worktrees.merge_conflicts_many(repo, [('issue-1-a', 'nope')])


def test_status_root_outside_the_checkout(native_repo: RepoHandle,
                                          wt: Run, work: Work) -> None:
    # The policy refuses '..' in root; a symlinked root still leads out.
    (native_repo.path.parent / 'wts').mkdir()
    (native_repo.path / 'wts').symlink_to(native_repo.path.parent / 'wts')
    (native_repo.path / '.worktree-guard.yaml').write_text(
        'worktrees:\n  root: wts\n')
    work(native_repo, 'issue-1-a', {'a.txt': 'a\n'}, path='../wts/issue-1-a')
    work(native_repo, 'issue-2-b', {'b.txt': 'b\n'}, path='trees/issue-2-b')
    r = wt(native_repo.path, 'status')
    assert 'issue-1-a: worktree-layout' not in r.out
    assert 'issue-2-b: worktree-layout/location' in r.out


def test_status_shows_leaks_into_the_main_checkout(
        plain_repo: RepoHandle, wt: Run, work: Work) -> None:
    """An agent's edit, new file and commit in the main checkout show in
    wt status (doctor's check), with the command that moves them."""
    r = plain_repo
    work(r, 'issue-1-a', {'a.txt': 'a\n'})
    out = wt(r.path, 'status').out
    assert 'main checkout:' not in out
    (r.path / 'README.md').write_text('edited in main\n')
    (r.path / 'new.txt').write_text('new\n')
    out = wt(r.path, 'status').out
    assert 'main checkout: 1 changed file while issue worktrees are ' \
        'active' in out
    assert 'main checkout: 1 untracked file while issue worktrees are ' \
        'active (move them: worktree-guard wt rescue <N>)' in out
    r.git('add', 'README.md', 'new.txt')
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'on main')
    out = wt(r.path, 'status').out
    assert 'main checkout: 1 commit on its branch that its upstream ' \
        'lacks' in out
    # --committed reads no working tree: no leak lines.
    assert 'main checkout:' not in wt(r.path, 'status', '--committed').out


def test_leak_summary_where_git_cannot_tell(tmp_path: Path) -> None:
    """No repository to read (or an unborn one that git refuses): no
    leak lines, never an error."""
    from worktree_guard.commands.rescue import leak_summary
    assert leak_summary(str(tmp_path)) == []


def test_status_with_a_branch_name_that_is_not_utf8(tmp_path: Path,
                                                    wt: Run) -> None:
    """A branch (and worktree folder) named with a byte that is not UTF-8:
    status, its JSON and list work, never an internal error; an embedded
    checkout under an unignored root is no untracked leak."""
    repo = tmp_path / 'r'
    git('init', '-q', '-b', 'main', str(repo), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=repo)
    name = b'issue-1-a\xff'.decode('utf-8', 'surrogateescape')
    git('worktree', 'add', '-q', '-b', name, f'trees/{name}', cwd=repo)
    r = wt(repo, 'status')
    assert 'internal error' not in r.err, r
    assert 'issue-1-a' in r.out
    assert 'note: main checkout:' not in r.out   # no untracked leak
    assert 'issue-1-a\\xff' in r.out   # the byte, spelled
    data = wt(repo, 'status', '--json')
    assert 'internal error' not in data.err, data
    parsed = json.loads(data.out)
    assert 'issue-1-a\\xff' in {w['branch'] for w in parsed['worktrees']}
    assert '\\ud' not in data.out   # no lone surrogate escapes
    assert wt(repo, 'list').code == 0


def test_status_runs_git_status_only_in_dirty_worktrees(
        native_repo: RepoHandle, tmp_path: Path, work: Work) -> None:
    """Clean worktrees are proven clean from their index and files: git
    status runs in the dirty ones only; a snapshot is written from the
    status lines without git (one git add only for an untracked folder,
    whose files the lines do not name), and GitPython never loads."""
    r = native_repo
    for i in range(1, 6):
        work(r, f'issue-{i}-x', {f'own{i}.txt': f'{i}\n'})
    trees = r.path / 'trees'
    (trees / 'issue-2-x' / 'own2.txt').write_text('edited\n')
    (trees / 'issue-2-x' / 'newdir').mkdir()
    (trees / 'issue-2-x' / 'newdir' / 'f.txt').write_text('f\n')
    (trees / 'issue-4-x' / 'new.txt').write_text('new\n')
    trace = tmp_path / 'trace'
    code = ('import sys\n'
            'from worktree_guard.commands.wt import main\n'
            "rc = main(['status', '--json'])\n"
            "print('GitPython' if 'git' in sys.modules else 'no GitPython',"
            ' file=sys.stderr)\n'
            'sys.exit(rc)\n')
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, '-c', code], cwd=r.path,
                          env={**os.environ, 'GIT_TRACE': str(trace)},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert 'no GitPython' in proc.stderr
    by = {w['branch']: w for w in json.loads(proc.stdout)['worktrees']}
    assert by['issue-2-x']['dirty'] == 2 and by['issue-2-x']['uncommitted']
    assert by['issue-2-x']['files'] == ['newdir/f.txt', 'own2.txt']
    assert by['issue-4-x']['files'] == ['new.txt', 'own4.txt']
    assert [by[f'issue-{i}-x']['dirty'] for i in (1, 3, 5)] == [0, 0, 0]
    calls = [ln for ln in trace.read_text().splitlines()
             if 'trace: built-in: git' in ln]
    status = [c.split('trace: built-in: ')[1] for c in calls
              if ' status ' in c]
    # The two dirty worktrees (besides the main checkout's leak check,
    # doctor's, with options of its own).
    assert status.count(
        'git status --porcelain -z --ignore-submodules=dirty') == 2, status
    assert sum(' add -A' in c for c in calls) == 1  # issue-2's folder
    assert not any('write-tree' in c or 'commit-tree' in c for c in calls)
