"""worktree-paths through real commits and pushes, via the native hooks and
the pre-commit framework (``hooked_repo`` runs each test both ways).

The setup of the issue: a main checkout with the linked worktrees
``trees/issue-45-rust-sdk`` and ``trees/issue-46-docs``.
"""
from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import unchanged
from tests.helpers import wg

README = '# demo\n\nSee docs/guide.md.\n'


def _worktrees(r: RepoHandle) -> tuple[Path, Path]:
    return r.worktree('issue-45-rust-sdk'), r.worktree('issue-46-docs')


def _stage(r: RepoHandle, cwd: Path, files: dict[str, str]) -> None:
    for rel, content in files.items():
        r.write(rel, content, cwd=cwd)
        r.git('add', '--', rel, cwd=cwd)


def _refused(r: RepoHandle, cwd: Path, *args: str) -> str:
    """A commit that must be refused and leave everything as it was."""
    with unchanged(cwd):
        proc = r.run_git('commit', '-m', 'change', *args, cwd=cwd)
    assert proc.returncode != 0, proc
    assert_no_traceback(proc)
    return proc.output


def _passes(r: RepoHandle, cwd: Path, *args: str) -> str:
    before = r.head(cwd=cwd)
    proc = r.run_git('commit', '-m', 'change', *args, cwd=cwd)
    assert proc.returncode == 0, proc
    assert r.head(cwd=cwd) != before
    return proc.output


def test_relative_escape_refused_at_line_and_col(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    # It exists on this machine, outside the worktree: the evidence.
    r.write('main-repo/docs/x.md', 'x\n', cwd=w45.parent)
    _stage(r, w45, {'README.md': README + 'see ../main-repo/docs/x.md\n'})
    out = _refused(r, w45)
    assert 'README.md:4:5: worktree-paths/relative-escape' in out
    assert 'token: ../main-repo/docs/x.md' in out


def test_in_tree_relative_link_passes(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    _stage(r, w45, {'docs/a.md': '[readme](../README.md)\n'})
    out = _passes(r, w45)
    assert 'worktree-paths' not in out


def test_escaping_symlink_refused_in_tree_symlink_passes(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    os.symlink('../../shared', w45 / 'vendor')
    r.git('add', 'vendor', cwd=w45)
    out = _refused(r, w45)
    assert 'vendor: worktree-paths/escaping-symlink symlink vendor -> ' \
        '../../shared points outside the worktree' in out
    r.git('rm', '-q', '--cached', 'vendor', cwd=w45)
    os.remove(w45 / 'vendor')
    os.symlink('docs/guide.md', w45 / 'guide')
    r.git('add', 'guide', cwd=w45)
    _passes(r, w45)


def test_absolute_paths_into_checkouts_refused(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, w46 = _worktrees(r)
    _stage(r, w45, {'README.md': README + f'see {w46}/src/x.py\n'})
    out = _refused(r, w45)
    assert 'README.md:4:5: worktree-paths/absolute-checkout' in out
    assert 'worktree trees/issue-46-docs (branch issue-46-docs)' in out

    _stage(r, w45, {'README.md': README + f'edit {r.path}/docs/guide.md\n'})
    out = _refused(r, w45)
    assert 'README.md:4:6: worktree-paths/absolute-checkout' in out
    assert 'into the main checkout' in out
    assert 'fix: use the in-tree path docs/guide.md' in out


def test_add_all_in_main_with_trees_not_ignored(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    _worktrees(r)
    r.git('switch', '-q', '-c', 'issue-9-cleanup')
    (r.path / '.gitignore').write_text('')
    r.git('add', '-A')
    staged = r.git('ls-files', '-s', 'trees')
    assert staged.count('160000') == 2   # git staged both as gitlinks
    out = _refused(r, r.path)
    assert 'trees/issue-45-rust-sdk: worktree-paths/staged-worktree ' \
        'trees/issue-45-rust-sdk is staged as a gitlink' in out
    assert 'fix: git rm --cached -r -- trees/issue-45-rust-sdk' in out
    assert "fix: echo '/trees/' >> .gitignore" in out


def test_suppressed_lines_urls_and_binaries_pass(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    _stage(r, w45, {'notes.md': (
        'see ../../elsewhere   <!-- worktree-guard: allow -->\n'
        '# worktree-guard: allow-next-line\n'
        'cd ../main-repo\n'
        'https://host/a/../b and https://host/../../x\n')})
    (w45 / 'blob.bin').write_bytes(b'\0\1 ../../main-repo/x ' * 40)
    r.git('add', 'blob.bin', cwd=w45)
    proc = wg('check', '--rule', 'worktree-paths', cwd=w45)
    assert proc.returncode == 0, proc
    assert 'note: worktree-paths: skipped 1 binary file' in proc.stdout
    _passes(r, w45)


def test_commit_only_judges_the_named_file(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    # ../../x lands in the main checkout: a known place.
    _stage(r, w45, {'bad.md': 'see ../../x\n', 'good.md': 'fine\n'})
    _passes(r, w45, '--', 'good.md')
    assert r.git('show', '--name-only', '--format=', cwd=w45).split() == \
        ['good.md']
    out = _refused(r, w45, '--', 'bad.md')
    assert 'bad.md:1:5: worktree-paths/relative-escape' in out


def test_commit_all_judges_working_tree_changes(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    r.write('src/app.py', 'print("hello")\nopen("../../../etc/x")\n',
            cwd=w45)
    assert r.git('diff', '--cached', '--name-only', cwd=w45) == ''
    out = _refused(r, w45, '-a')
    assert 'src/app.py:2:7: worktree-paths/relative-escape' in out


def test_only_the_staged_version_counts(hooked_repo: RepoHandle) -> None:
    """`git add -p`: the index holds one version, the file another."""
    r = hooked_repo
    w45, _ = _worktrees(r)
    # A clean version staged, a bad line only in the working tree: passes.
    _stage(r, w45, {'README.md': README + 'more\n'})
    r.write('README.md', README + 'more\nsee ../../x\n', cwd=w45)
    _passes(r, w45)
    # The bad line staged, the working tree cleaned up: refused.
    _stage(r, w45, {'README.md': README + 'more\nsee ../../y\n'})
    r.write('README.md', README + 'more\n', cwd=w45)
    out = _refused(r, w45)
    assert 'README.md:5:5: worktree-paths/relative-escape' in out


def test_push_judges_the_pushed_range(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45, _ = _worktrees(r)
    _stage(r, w45, {'docs/x.md': 'see ../../../x\n'})   # the main checkout
    r.run_git('commit', '-q', '--no-verify', '-m', 'bad', cwd=w45)
    with unchanged(w45):
        proc = r.run_git('push', '-q', 'origin', 'issue-45-rust-sdk',
                         cwd=w45)
    assert proc.returncode != 0, proc
    assert 'docs/x.md:1:5: worktree-paths/relative-escape' in proc.output
    assert r.git('ls-remote', 'origin', 'issue-45-rust-sdk') == ''
    # The next commit removes the line: the pushed tip no longer has it.
    r.git('rm', '-q', 'docs/x.md', cwd=w45)
    _passes(r, w45)
    proc = r.run_git('push', '-q', 'origin', 'issue-45-rust-sdk', cwd=w45)
    assert proc.returncode == 0, proc
