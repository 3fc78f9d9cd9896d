"""pre-commit's ``pass_filenames`` for the path hooks (issue 16, part 3):
``pre-commit run --all-files`` and ``--files`` judge every file they are
given, whole; at ``git commit`` only the staged change counts.  Real
pre-commit, real git."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import there
from tests.helpers import RepoHandle
from tests.helpers import run
from tests.helpers import wg

pytestmark = pytest.mark.timeout(300)

ESCAPE = 'See ../../other-checkout/notes.md for the plan.\n'


def _beside(root: Path) -> None:
    """What ESCAPE (from the root or a folder) and ``../../x`` from a
    folder reach is on this machine: the evidence that makes them errors
    (docs/paths.md)."""
    there(root, '../../other-checkout/notes.md', '../other-checkout/notes.md',
          '../x')


def _commit_unhooked(repo: RepoHandle, files: dict[str, str]) -> None:
    """A commit the hooks never saw (history from before the adoption)."""
    for rel, text in files.items():
        repo.write(rel, text)
        repo.git('add', '--', rel)
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m',
             'legacy')


def _pre_commit(repo: RepoHandle, *args: str) -> tuple[int, str]:
    proc = run(['pre-commit', 'run', *args], cwd=repo.path)
    return proc.returncode, proc.output


def test_all_files_fails_on_a_committed_escape(
        precommit_repo: RepoHandle) -> None:
    repo = precommit_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-3-legacy')
    _commit_unhooked(repo, {'docs/plan.md': ESCAPE})
    # Nothing staged: the old hooks passed this, as a commit does.
    rc, out = _pre_commit(repo)
    assert rc == 0, out
    rc, out = _pre_commit(repo, '--all-files')
    assert rc == 1, out
    assert 'docs/plan.md:1:5: worktree-paths' in out
    # --files judges the named file whole too; another file passes.
    rc, out = _pre_commit(repo, '--files', 'docs/plan.md')
    assert rc == 1 and 'docs/plan.md:1:5' in out, out
    rc, out = _pre_commit(repo, '--files', 'README.md')
    assert rc == 0, out


def test_all_files_passes_a_clean_repo(precommit_repo: RepoHandle) -> None:
    repo = precommit_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-4-clean')
    rc, out = _pre_commit(repo, '--all-files')
    assert rc == 0, out
    assert 'worktree-guard (commit rules)' in out and 'Passed' in out


def test_all_files_on_main_judges_files_not_a_commit(
        precommit_repo: RepoHandle) -> None:
    """CI runs ``pre-commit run --all-files`` on main: nothing is being
    committed there, so protected-branch has nothing to refuse."""
    rc, out = _pre_commit(precommit_repo, '--all-files')
    assert rc == 0, out
    precommit_repo.write('hotfix.txt', 'x\n')
    precommit_repo.git('add', 'hotfix.txt')
    proc = precommit_repo.run_git('commit', '-m', 'on main')
    assert proc.returncode == 1 and 'protected-branch' in proc.output


def test_commit_judges_only_the_staged_change(
        precommit_repo: RepoHandle) -> None:
    repo = precommit_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-5-staged')
    _commit_unhooked(repo, {'docs/plan.md': ESCAPE})
    # The committed escape is not part of this commit: it passes ...
    proc = repo.commit('unrelated', files={'src/other.py': 'x = 1\n'})
    assert proc.returncode == 0, proc.output
    # ... and so does a commit that touches that file without adding one.
    proc = repo.commit('more', files={'docs/plan.md': ESCAPE + 'More.\n'})
    assert proc.returncode == 0, proc.output
    # An escape in the working tree but not staged does not count.
    repo.write('src/app.py', 'open("../../x")\n')
    proc = repo.commit('staged only', files={'src/third.py': 'y = 2\n'})
    assert proc.returncode == 0, proc.output
    # A staged escape fails, even when its file is gone from the working
    # tree (pre-commit cannot pass it then).
    repo.write('docs/new.md', ESCAPE)
    repo.git('add', 'docs/new.md')
    os.remove(repo.path / 'docs' / 'new.md')
    proc = repo.run_git('commit', '-m', 'escape')
    assert proc.returncode == 1, proc.output
    assert 'docs/new.md:1:5: worktree-paths' in proc.output


def test_all_files_sees_symlinks_and_notes_untracked(
        precommit_repo: RepoHandle) -> None:
    repo = precommit_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-6-links')
    os.symlink('../../elsewhere/file', repo.path / 'link')
    repo.git('add', 'link')
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'l')
    rc, out = _pre_commit(repo, '--all-files')
    assert rc == 1 and 'link' in out and 'symlink' in out, out
    # check's own file arguments: an untracked file is noted, not judged.
    Path(repo.path / 'loose.md').write_text(ESCAPE)
    proc = wg('check', '--all-files', 'loose.md', 'README.md',
              cwd=repo.path)
    assert proc.returncode == 0, proc.output
    assert '1 given file not in the index' in proc.output
    # From a subfolder, names are relative to it.
    proc = wg('check', 'guide.md', cwd=repo.path / 'docs')
    assert proc.returncode == 0, proc.output
    proc = wg('check', '../link', cwd=repo.path / 'docs')
    assert proc.returncode == 1 and 'link' in proc.output, proc.output


def test_file_names_on_the_first_commit(tmp_path: Path) -> None:
    """Before the first commit every indexed path is staged: the names of
    staged files make a commit; any other name judges the files whole."""
    repo = tmp_path / 'work' / 'fresh'
    _beside(repo)
    run(['git', 'init', '-q', '-b', 'issue-1-first', str(repo)],
        cwd=tmp_path, check=True)
    (repo / 'a.md').write_text(ESCAPE)
    run(['git', 'add', 'a.md'], cwd=repo, check=True)
    proc = wg('check', 'a.md', cwd=repo)
    assert proc.returncode == 1 and 'a.md:1:5' in proc.output, proc.output
    (repo / 'loose.md').write_text('x\n')
    proc = wg('check', 'loose.md', cwd=repo)
    assert proc.returncode == 0, proc.output
    assert '1 given file not in the index' in proc.output


def test_given_files_over_the_size_limit_are_not_read(
        plain_repo: RepoHandle) -> None:
    repo = plain_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-2-big')
    repo.write('.worktree-guard.yaml', 'version: 1\npaths:\n'
               '  max-file-size: 10\n')
    repo.write('big.md', ESCAPE)
    repo.git('add', '-A')
    repo.git('commit', '-q', '-m', 'big')
    proc = wg('check', '--all-files', 'big.md', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    assert 'skipped 1 file over 10' in proc.output, proc.output


def test_given_files_with_a_baseline(plain_repo: RepoHandle) -> None:
    """pre-commit's names under --all-files/--files: the baseline applies,
    and only the given files' entries can be stale."""
    repo = plain_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-3-legacy')
    _commit_unhooked(repo, {'a.md': ESCAPE, 'b.md': ESCAPE})
    proc = wg('baseline', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    # The committed baseline applies (issue 23: never the working tree's).
    assert wg('check', 'a.md', 'b.md', cwd=repo.path).returncode == 1
    baseline = '.worktree-guard-baseline.json'
    _commit_unhooked(repo, {baseline: (repo.path / baseline).read_text()})
    proc = wg('check', 'a.md', 'b.md', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    assert '2 findings accepted by the baseline' in proc.output
    _commit_unhooked(repo, {'a.md': 'fixed\n'})
    proc = wg('check', 'a.md', cwd=repo.path)
    assert proc.returncode == 0, proc.output
    assert 'no longer found: a.md' in proc.output
    assert 'b.md' not in proc.output
    proc = wg('check', 'README.md', cwd=repo.path)
    assert proc.returncode == 0 and 'no longer found' not in proc.output
    # A new escape in a given file still fails.
    _commit_unhooked(repo, {'c.md': ESCAPE})
    proc = wg('check', 'b.md', 'c.md', cwd=repo.path)
    assert proc.returncode == 1 and 'c.md:1:5' in proc.output


def test_a_merge_into_main_stays_a_commit(precommit_repo: RepoHandle) -> None:
    """pre-commit passes a merge's files, some of them HEAD's already (main
    moved after the branch forked): still a commit, refused on main."""
    repo = precommit_repo
    _beside(repo.path)
    run(['pre-commit', 'install', '--hook-type', 'pre-merge-commit'],
        cwd=repo.path, check=True)
    repo.git('switch', '-q', '-c', 'issue-5-side')
    assert repo.commit('side', files={'side.md': 'side\n'}).returncode == 0
    repo.git('switch', '-q', 'main')
    repo.write('README.md', '# moved on main\n')
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-qam', 'main')
    proc = repo.run_git('merge', '--no-ff', '-m', 'merge', 'issue-5-side')
    assert proc.returncode != 0, proc.output
    assert 'protected-branch' in proc.output
    repo.run_git('merge', '--abort')


def test_inside_git_commit_the_names_mean_a_commit(
        plain_repo: RepoHandle) -> None:
    """git commit and git merge set GIT_INDEX_FILE for their hooks: then a
    name that is no staged change still means a commit (as pre-commit
    passes a merge's files), not a whole-file run."""
    repo = plain_repo
    _beside(repo.path)
    repo.git('switch', '-q', '-c', 'issue-6-inside')
    _commit_unhooked(repo, {'a.md': ESCAPE})
    proc = wg('check', 'a.md', cwd=repo.path)
    assert proc.returncode == 1 and 'a.md:1:5' in proc.output
    index = str(repo.path / '.git' / 'index')
    proc = wg('check', 'a.md', cwd=repo.path, env={'GIT_INDEX_FILE': index})
    assert proc.returncode == 0, proc.output
