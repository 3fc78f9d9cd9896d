"""``wt rescue`` and doctor's leaked-edits lines (issue 14), on real repos:
edits that leaked into the main checkout move into an issue worktree, and
nothing is lost (both trees compared byte for byte, restored from the
rescued ref)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import wg

BINARY = bytes(range(256)) * 4


def files_of(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ('.git', 'trees')]
        for n in names:
            p = Path(dirpath) / n
            if n != '.git':
                out[str(p.relative_to(root))] = p.read_bytes()
    return out


def status(root: Path) -> str:
    return git('status', '--porcelain', '--untracked-files=all', cwd=root)


@pytest.fixture
def leaky(plain_repo: RepoHandle) -> RepoHandle:
    r = plain_repo
    (r.path / 'data.bin').write_bytes(BINARY)
    r.git('add', 'data.bin')
    r.git('commit', '-q', '--no-verify', '-m', 'binary')
    r.git('push', '-q', 'origin', 'main')
    r.worktree('issue-1-a')
    r.worktree('issue-2-b')
    return r


def leak(r: RepoHandle) -> None:
    (r.path / 'src' / 'app.py').write_text('print("edited in main")\n')
    (r.path / 'README.md').write_text('# demo\n\nstaged edit\n')
    r.git('add', 'README.md')
    (r.path / 'docs' / 'new.md').write_text('a new file\n')
    r.git('add', 'docs/new.md')
    (r.path / 'data.bin').write_bytes(BINARY[::-1])
    (r.path / 'notes.txt').write_text('untracked: moves too\n')


@pytest.mark.timeout(300)
def test_rescue_moves_the_edits_and_nothing_is_lost(leaky: RepoHandle
                                                    ) -> None:
    r = leaky
    main, wt1 = r.path, r.path / 'trees' / 'issue-1-a'
    leak(r)
    main_before, wt_before = files_of(main), files_of(wt1)
    status_before = status(main)
    proc = wg('wt', 'rescue', '1', cwd=main)
    assert proc.returncode == 0, proc
    moved = ['README.md', 'data.bin', 'docs/new.md', 'src/app.py']
    for f in moved:
        assert f'  {f}\n' in proc.stdout
        assert files_of(wt1)[f] == main_before[f]
    # An untracked file an agent left is a leak too: it moves.
    assert 'moved 1 untracked file' in proc.stdout
    assert files_of(wt1)['notes.txt'] == b'untracked: moves too\n'
    assert status(main) == ''
    assert files_of(main)['src/app.py'] == b'print("hello")\n'
    assert 'docs/new.md' not in files_of(main)
    refs = git('for-each-ref', '--format=%(refname)',
               'refs/worktree-guard/rescued/', cwd=main).split()
    assert len(refs) == 2   # the tracked changes, the untracked files
    # The printed undo lines put both trees back, byte for byte.
    for line in proc.stdout.splitlines():
        if 'undo: ' in line:
            subprocess.run(['sh', '-c', line.split('undo: ', 1)[1]],
                           check=True, capture_output=True)
    assert files_of(main) == main_before
    assert files_of(wt1) == wt_before
    assert status(main) == status_before


def test_rescue_of_some_paths(leaky: RepoHandle) -> None:
    r = leaky
    leak(r)
    proc = wg('doctor', cwd=r.path)
    assert 'main checkout: 4 uncommitted changes' in proc.stdout
    assert '... and' not in proc.stdout
    proc = wg('wt', 'rescue', '2', 'src/', 'data.bin', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'moved 2 changed files' in proc.stdout
    assert set(status(r.path).split('\n')) >= {'M  README.md',
                                               'A  docs/new.md'}
    # The same second: a second ref, not an overwrite.
    proc = wg('wt', 'rescue', '2', 'README.md', cwd=r.path)
    assert 'moved 1 changed file from' in proc.stdout
    refs = git('for-each-ref', '--format=%(refname)',
               'refs/worktree-guard/', cwd=r.path).split()
    assert len(refs) == 2


def test_rescue_refuses_when_the_patch_does_not_apply(
        leaky: RepoHandle) -> None:
    r = leaky
    wt2 = r.path / 'trees' / 'issue-2-b'
    r.commit('wt2 change', cwd=wt2, files={'src/app.py': 'print("b")\n'})
    leak(r)
    before = files_of(r.path)
    proc = wg('wt', 'rescue', '2', cwd=r.path)
    assert proc.returncode == 1, proc
    assert 'do not apply' in proc.stderr and 'nothing was changed' in \
        proc.stderr
    assert 'src/app.py' in proc.stderr
    assert files_of(r.path) == before
    assert git('for-each-ref', 'refs/worktree-guard/', cwd=r.path) == ''
    assert_no_traceback(proc)


@pytest.mark.parametrize(('args', 'message'), [
    (['1'], 'nothing to rescue: no changed or untracked files'),
    (['1', 'src'], "its upstream lacks under src"),
    (['9'], 'no worktree for issue 9'),
    (['x'], "'x' is not an issue number"),
])
def test_rescue_errors(leaky: RepoHandle, args: list[str],
                       message: str) -> None:
    proc = wg('wt', 'rescue', *args, cwd=leaky.path)
    assert proc.returncode == 2 and message in proc.stderr, proc


def test_rescue_with_no_main_checkout(tmp_path: Path) -> None:
    src = tmp_path / 'src'
    git('init', '-q', str(src), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=src)
    proj = tmp_path / 'proj'
    git('clone', '-q', '--bare', str(src), str(proj / '.git'), cwd=tmp_path)
    git('worktree', 'add', '-q', '-b', 'issue-1-x',
        str(proj / 'trees' / 'issue-1-x'), cwd=proj / '.git')
    proc = wg('wt', 'rescue', '1', cwd=proj / 'trees' / 'issue-1-x')
    assert proc.returncode == 2 and 'no main checkout' in proc.stderr, proc
    proc = wg('doctor', cwd=proj / 'trees' / 'issue-1-x')
    assert 'main checkout:' not in proc.stdout


def test_doctor_lists_leaked_edits(leaky: RepoHandle) -> None:
    r = leaky
    wt2 = r.path / 'trees' / 'issue-2-b'
    proc = wg('doctor', cwd=r.path)
    assert 'main checkout:' not in proc.stdout
    r.commit('wt2 change', cwd=wt2, files={'src/app.py': 'print("b")\n'})
    leak(r)
    for i in range(18):
        (r.path / 'docs' / f'f{i}.md').write_text('x\n')
        r.git('add', f'docs/f{i}.md')
    # An unrelated history on a branch: no overlap can be read for it.
    wt3 = r.worktree('issue-3-c')
    git('checkout', '-q', '--orphan', 'issue-4-d', cwd=wt3)
    git('commit', '-q', '--no-verify', '--allow-empty', '-m', 'o', cwd=wt3)
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1
    out = proc.stdout
    assert 'main checkout: 22 uncommitted changes while issue worktrees ' \
           'are active' in out
    assert '    src/app.py  (also changed on issue-2-b)' in out
    assert '    ... and 2 more' in out
    assert 'worktree-guard wt rescue <N> [paths...]' in out


def test_doctor_without_worktrees_says_nothing_of_leaks(
        plain_repo: RepoHandle) -> None:
    (plain_repo.path / 'README.md').write_text('changed\n')
    proc = wg('doctor', cwd=plain_repo.path)
    assert 'main checkout:' not in proc.stdout


def test_rescue_everything_under_dot(leaky: RepoHandle) -> None:
    leak(leaky)
    proc = wg('wt', 'rescue', '1', '.', cwd=leaky.path)
    assert 'moved 4 changed files' in proc.stdout, proc


def test_rescued_refs_never_overwrite(leaky: RepoHandle) -> None:
    from worktree_guard.gitctx import rescue
    head = leaky.head()
    refs = [rescue._keep(str(leaky.path), head, '20260101T000000Z')
            for _ in range(3)]
    assert refs == ['refs/worktree-guard/rescued/20260101T000000Z',
                    'refs/worktree-guard/rescued/20260101T000000Z-2',
                    'refs/worktree-guard/rescued/20260101T000000Z-3']


def test_doctor_with_an_unborn_main_checkout(leaky: RepoHandle) -> None:
    git('checkout', '-q', '--orphan', 'fresh', cwd=leaky.path)
    proc = wg('doctor', cwd=leaky.path)   # every file is staged as new
    assert 'main checkout: 5 uncommitted changes' in proc.stdout, proc


def test_doctor_when_the_changes_cannot_be_read(
        leaky: RepoHandle, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from worktree_guard.commands.rescue import leak_lines
    from worktree_guard.errors import GitError
    from worktree_guard.gitctx import Repo
    from worktree_guard.gitctx import rescue
    with pytest.raises(GitError, match='cannot read the changes'):
        rescue.leaked_files(str(tmp_path))
    monkeypatch.chdir(leaky.path)
    real = rescue.leaked_files
    monkeypatch.setattr(rescue, 'leaked_files',
                        lambda main: real(str(tmp_path)))
    lines, problems = leak_lines(Repo.discover())
    assert problems == 0
    assert lines[0].startswith('main checkout: changes not checked '
                               '(cannot read the changes')


def test_a_commit_made_on_main_is_undone_and_kept(leaky: RepoHandle
                                                  ) -> None:
    """An agent committed on main: doctor says so, rescue puts main back
    at its upstream and keeps the commit, one cherry-pick from the issue
    worktree; the printed undo restores main."""
    r = leaky
    upstream = r.head()
    r.commit('agent on main', files={'src/app.py': 'print("agent")\n'},
             env={'SKIP': 'worktree-guard-commit'})
    tip = r.head()
    proc = wg('doctor', cwd=r.path)
    assert "its branch has 1 commit that its upstream" in proc.stdout
    assert proc.returncode == 1
    proc = wg('wt', 'rescue', '1', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'undid 1 commit made on the main checkout' in proc.stdout
    assert r.head() == upstream
    (ref,) = git('for-each-ref', '--format=%(refname)',
                 'refs/worktree-guard/rescued/', cwd=r.path).split()
    assert git('rev-parse', ref, cwd=r.path).strip() == tip
    wt1 = r.path / 'trees' / 'issue-1-a'
    pick = next(ln for ln in proc.stdout.splitlines() if 'cherry-pick' in ln)
    subprocess.run(['sh', '-c', pick.split(': ', 1)[1]], check=True,
                   capture_output=True)
    assert (wt1 / 'src' / 'app.py').read_text() == 'print("agent")\n'
    undo = next(ln for ln in proc.stdout.splitlines() if 'undo: ' in ln)
    subprocess.run(['sh', '-c', undo.split('undo: ', 1)[1]], check=True,
                   capture_output=True)
    assert r.head() == tip


def test_untracked_leaks_in_doctor_and_a_clash_refused(leaky: RepoHandle
                                                       ) -> None:
    r = leaky
    (r.path / 'new.txt').write_text('agent wrote this\n')
    proc = wg('doctor', cwd=r.path)
    assert 'main checkout: 1 untracked file while issue worktrees' in \
        proc.stdout
    assert '    new.txt' in proc.stdout
    for i in range(21):
        (r.path / f'n{i:02}.log').write_text('x\n')
    out = wg('doctor', cwd=r.path).stdout
    assert 'main checkout: 22 untracked files' in out
    assert '    ... and 2 more' in out
    for i in range(21):
        (r.path / f'n{i:02}.log').unlink()
    wt2 = r.path / 'trees' / 'issue-2-b'
    (wt2 / 'new.txt').write_text('already here\n')
    proc = wg('wt', 'rescue', '2', cwd=r.path)
    assert proc.returncode == 1, proc
    assert 'already has 1 of the untracked files' in proc.stderr
    assert (r.path / 'new.txt').read_text() == 'agent wrote this\n'
    assert (wt2 / 'new.txt').read_text() == 'already here\n'
    proc = wg('wt', 'rescue', '1', 'new.txt', cwd=r.path)
    assert proc.returncode == 0, proc
    assert not (r.path / 'new.txt').exists()
    assert (r.path / 'trees' / 'issue-1-a' / 'new.txt').exists()
