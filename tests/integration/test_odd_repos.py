"""Odd repositories, each with an explicit verdict, through real commits.

Every test that takes ``hooked_repo`` runs twice: with the native hooks and
with the pre-commit framework.  A verdict is one of: passes (exit 0), refused
by a named rule (exit 1), or refused as a broken environment (exit 2) with a
reason.  The suite-wide audit (conftest ``_nothing_lost``) checks every hook
run here left index, files, HEAD, refs and stash alone.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from tests.helpers import Proc
from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import copy_hooks
from tests.helpers import fake_git
from tests.helpers import flavour
from tests.helpers import git
from tests.helpers import run
from tests.helpers import there
from tests.helpers import unchanged
from tests.helpers import unprivileged
from tests.helpers import wg


def passed(proc: Proc) -> None:
    assert proc.returncode == 0, proc
    assert_no_traceback(proc)


def refused(proc: Proc, *needles: str) -> None:
    """Exit 1: a rule said no (git passes the hook's 1 on)."""
    assert proc.returncode == 1, proc
    for n in needles:
        assert n in proc.output, (n, proc)
    assert_no_traceback(proc)


def stage(r: RepoHandle, files: dict[str, str],
          cwd: Path | None = None) -> None:
    for rel, content in files.items():
        r.write(rel, content, cwd=cwd)
        r.git('add', '--', rel, cwd=cwd)


def nv_commit(r: RepoHandle, msg: str, files: dict[str, str],
              cwd: Path | None = None) -> None:
    """Set-up commit that bypasses the hooks (e.g. to move main)."""
    stage(r, files, cwd)
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', msg,
          cwd=cwd)


# -- unborn HEAD, detached HEAD -----------------------------------------------------------

def test_first_commit_in_a_fresh_repo(hooked_repo: RepoHandle,
                                      tmp_path: Path) -> None:
    """Verdict: the first commit on an unborn main passes; the second is a
    direct commit to main and is refused."""
    fresh = tmp_path / 'fresh'
    git('init', '-q', '-b', 'main', str(fresh), cwd=tmp_path)
    copy_hooks(hooked_repo, fresh)
    r = RepoHandle(fresh, tmp_path)
    stage(r, {'README.md': '# new\n'})
    if flavour(hooked_repo) == 'pre-commit':
        r.git('add', '.pre-commit-config.yaml')
    passed(r.run_git('commit', '-m', 'root'))
    stage(r, {'b.txt': 'b\n'})
    refused(r.run_git('commit', '-m', 'second'), 'protected-branch')
    r.git('switch', '-q', '-c', 'issue-1-first')
    passed(r.run_git('commit', '-m', 'on an issue branch'))


@pytest.mark.parametrize(('branch', 'verdict'), [
    ('issue-2-orphan', 'pass'), ('feature/orphan', 'branch-name'),
])
def test_orphan_branch_first_commit(hooked_repo: RepoHandle, branch: str,
                                    verdict: str) -> None:
    """An orphan branch is unborn too: its name is still judged."""
    r = hooked_repo
    r.git('checkout', '-q', '--orphan', branch)  # keeps the files staged
    if verdict == 'pass':
        passed(r.run_git('commit', '-m', 'orphan root'))
        return
    with unchanged(r.path):
        refused(r.run_git('commit', '-m', 'orphan root'), verdict,
                f"'{branch}'")


def test_detached_head(hooked_repo: RepoHandle) -> None:
    """Verdict: a commit on a detached HEAD passes (allow-detached: true);
    with allow-detached: false it is refused as branch-name/detached."""
    r = hooked_repo
    r.git('switch', '-q', '--detach', 'HEAD')
    passed(r.commit('detached', files={'d.txt': 'd\n'}))
    (r.path / '.worktree-guard.yaml').write_text(
        'branches:\n  allow-detached: false\n')
    stage(r, {'e.txt': 'e\n'})
    with unchanged(r.path):
        refused(r.run_git('commit', '-m', 'e'), 'branch-name/detached',
                'HEAD is detached')


# -- operations in progress -------------------------------------------------------------

def _conflict_setup(r: RepoHandle) -> str:
    """main: f.txt base -> main -> main2; issue-9-other: f.txt other.
    Returns the oid of the base -> main commit (to revert)."""
    nv_commit(r, 'base', {'f.txt': 'base\n'})
    r.git('switch', '-q', '-c', 'issue-9-other')
    nv_commit(r, 'other', {'f.txt': 'other\n'})
    r.git('switch', '-q', 'main')
    nv_commit(r, 'main', {'f.txt': 'main\n'})
    to_revert = r.head()
    nv_commit(r, 'main2', {'f.txt': 'main2\n'})
    return to_revert


@pytest.mark.parametrize('op', ['merge', 'cherry-pick', 'revert'])
@pytest.mark.parametrize('on', ['issue-10-target', 'main'])
def test_conflicted_operation_then_commit(hooked_repo: RepoHandle, op: str,
                                          on: str) -> None:
    """A conflicted merge / cherry-pick / revert, resolved, then `git
    commit`.  Verdict: passes on an issue branch; refused on main
    (protected-branch: the commit lands on main all the same)."""
    r = hooked_repo
    to_revert = _conflict_setup(r)
    if on != 'main':
        r.git('switch', '-q', '-c', on)
    arg = {'merge': 'issue-9-other', 'cherry-pick': 'issue-9-other',
           'revert': to_revert}[op]
    extra = ['--no-edit'] if op == 'revert' else []
    conflicted = r.run_git(op, *extra, arg)
    assert conflicted.returncode != 0
    assert 'CONFLICT' in conflicted.output
    state = {'merge': 'MERGE_HEAD', 'cherry-pick': 'CHERRY_PICK_HEAD',
             'revert': 'REVERT_HEAD'}[op]
    assert (r.path / '.git' / state).exists()
    stage(r, {'f.txt': 'resolved\n'})
    before = r.head()
    proc = r.run_git('commit', '--no-edit')
    if on == 'main':
        refused(proc, 'protected-branch', "'main' is protected")
        assert r.head() == before
        assert (r.path / '.git' / state).exists()  # still in progress
    else:
        passed(proc)
        assert r.head() != before


@pytest.mark.parametrize(('branch', 'verdict'), [
    ('issue-11-rebased', 'pass'), ('feature/rebased', 'branch-name'),
])
def test_rebase_in_progress(hooked_repo: RepoHandle, branch: str,
                            verdict: str) -> None:
    """A conflicted rebase, resolved, then `git commit`: HEAD is detached,
    and the branch being rebased is the one judged."""
    r = hooked_repo
    _conflict_setup(r)
    r.git('switch', '-q', '-c', branch, 'issue-9-other')
    nv_commit(r, 'more', {'g.txt': 'g\n'})
    proc = r.run_git('rebase', 'main')
    assert proc.returncode != 0 and 'CONFLICT' in proc.output
    assert (r.path / '.git' / 'rebase-merge').is_dir()
    stage(r, {'f.txt': 'resolved\n'})
    proc = r.run_git('commit', '--no-edit')
    if verdict == 'pass':
        passed(proc)
        cont = r.run_git('rebase', '--continue',
                         env={'GIT_EDITOR': 'true'})
        passed(cont)
        assert r.git('branch', '--show-current').strip() == branch
    else:
        refused(proc, 'branch-name', f"'{branch}'")


# -- shallow clones, submodules, sparse checkouts, bare repos -------------------------

def test_shallow_clone(hooked_repo: RepoHandle, tmp_path: Path) -> None:
    """A clone of depth 1: the branch's parent (the base tip) is cut off, so
    git cannot tell whether the branch contains the base.  Verdict: commits
    pass; the push says the merge base is unknown (shallow) and follows
    sync.when-unreachable: block refuses, warn lets it through."""
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-12-depth-one')
    nv_commit(r, 'D', {'d.txt': 'd\n'})
    r.git('push', '-q', '--no-verify', 'origin', 'issue-12-depth-one')
    clone = tmp_path / 'shallow'
    git('clone', '-q', '--depth', '1', '--branch', 'issue-12-depth-one',
        f'file://{r.remote}', str(clone), cwd=tmp_path)
    copy_hooks(r, clone)
    s = RepoHandle(clone, r.remote)
    assert s.git('rev-parse', '--is-shallow-repository').strip() == 'true'
    passed(s.commit('E', files={'e.txt': 'e\n'}))
    with unchanged(clone, include_remote_tracking=False):
        proc = s.run_git('push', 'origin', 'issue-12-depth-one')
    proc.stderr = proc.stderr.replace(str(tmp_path), '<tmp>')
    proc.stdout = proc.stdout.replace(str(tmp_path), '<tmp>')
    refused(proc, 'sync-before-push', 'shallow')
    (clone / '.worktree-guard.yaml').write_text(
        'sync:\n  when-unreachable: warn\n')
    proc = s.run_git('push', 'origin', 'issue-12-depth-one')
    passed(proc)
    if flavour(r) == 'native':  # pre-commit hides a passing hook's output
        assert 'shallow' in proc.output.replace(str(tmp_path), '<tmp>')


def test_submodules(hooked_repo: RepoHandle, tmp_path: Path) -> None:
    """Verdict: adding and updating a submodule on an issue branch passes;
    the branch rules still refuse a bad branch in a repo with submodules."""
    r = hooked_repo
    sub = tmp_path / 'sub-src'
    git('init', '-q', '-b', 'main', str(sub), cwd=tmp_path)
    (sub / 'lib.txt').write_text('v1\n')
    git('add', 'lib.txt', cwd=sub)
    git('commit', '-q', '-m', 'v1', cwd=sub)
    r.git('switch', '-q', '-c', 'issue-13-submodule')
    r.git('submodule', 'add', '-q', str(sub), 'libs/sub')
    passed(r.run_git('commit', '-m', 'add submodule'))
    (sub / 'lib.txt').write_text('v2\n')
    git('commit', '-q', '-am', 'v2', cwd=sub)
    r.git('pull', '-q', cwd=r.path / 'libs' / 'sub')
    r.git('add', 'libs/sub')
    passed(r.run_git('commit', '-m', 'bump submodule'))
    r.git('switch', '-q', '-c', 'feature/sub')
    r.git('commit', '-q', '--amend', '--no-verify', '-m', 'bump')
    stage(r, {'x.txt': 'x\n'})
    with unchanged(r.path):
        refused(r.run_git('commit', '-m', 'x'), 'branch-name')


def test_sparse_checkout(hooked_repo: RepoHandle) -> None:
    """Verdict: a commit in a sparse checkout passes (files outside the cone
    are not on disk; nothing reads them from there)."""
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-14-sparse')
    r.git('update-index', '-q', '--refresh')  # the copied files' stat data
    r.git('sparse-checkout', 'set', '--cone', 'docs')
    assert not (r.path / 'src' / 'app.py').exists()
    stage(r, {'docs/guide.md': '# Guide\n\nsparse\n'})
    passed(r.run_git('commit', '-m', 'sparse'))
    r.write('docs/guide.md', '# Guide\n\nsparse, -a\n')
    passed(r.run_git('commit', '-a', '-m', 'sparse -a'))
    assert not (r.path / 'src' / 'app.py').exists()


def test_bare_repo(plain_repo: RepoHandle) -> None:
    """Verdict: the commit rules in a bare repository are an environment
    error (exit 2, with the reason): nothing is committed there.  The push
    rules in CI form and `doctor` still work."""
    bare = plain_repo.remote
    for args in (['check'], ['check', '--stage', 'commit'],
                 ['hook', 'pre-commit'], ['hook', 'commit-msg', 'MSG']):
        proc = wg(*args, cwd=bare)
        assert proc.returncode == 2, (args, proc)
        assert 'bare repository' in proc.stderr
        assert 'hint:' in proc.stderr
        assert_no_traceback(proc)
    proc = wg('check', '--stage', 'push', '--from-ref', 'main', '--to-ref',
              'main', '--branch', 'feature/x', '--rule', 'branch-name',
              cwd=bare)
    assert proc.returncode == 1, proc
    assert "'feature/x'" in proc.stdout
    proc = wg('doctor', cwd=bare)
    assert proc.returncode == 0, proc
    assert '[bare]' in proc.stdout


# -- worktrees: deleted, moved ----------------------------------------------------------

def test_prunable_worktree(hooked_repo: RepoHandle) -> None:
    """A worktree whose folder was deleted (prunable).  Verdict: commits in
    the other worktrees are judged as usual (pass / refuse); doctor names
    the missing folder and exits 1."""
    r = hooked_repo
    gone = r.worktree('issue-15-gone')
    shutil.rmtree(gone)
    assert 'prunable' in r.git('worktree', 'list', '--porcelain')
    here = r.worktree('issue-16-here')
    passed(r.commit('here', cwd=here, files={'h.txt': 'h\n'}))
    bad = r.worktree('wip-17')
    stage(r, {'w.txt': 'w\n'}, cwd=bad)
    with unchanged(bad):
        refused(r.run_git('commit', '-m', 'w', cwd=bad), 'branch-name')
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1
    assert 'MISSING folder' in proc.stdout and 'issue-15-gone' in proc.stdout


def test_worktree_moved_by_hand_to_its_place(hooked_repo: RepoHandle,
                                             tmp_path: Path) -> None:
    """A worktree created elsewhere and moved by hand (`mv`) to
    trees/<branch>: git's record of it is stale.  Verdict: a commit there
    passes (it is where it belongs); the layout rule judges where it is,
    not where git remembers it."""
    r = hooked_repo
    r.worktree('issue-18-moved', path=str(tmp_path / 'elsewhere'))
    dest = r.path / 'trees' / 'issue-18-moved'
    dest.parent.mkdir(exist_ok=True)
    os.rename(tmp_path / 'elsewhere', dest)
    passed(r.commit('moved', cwd=dest, files={'m.txt': 'm\n'}))


def test_worktree_moved_to_the_wrong_place(hooked_repo: RepoHandle) -> None:
    """`git worktree move` to a folder that does not name its branch.
    Verdict: refused by worktree-layout/location, with the move back as the
    fix."""
    r = hooked_repo
    wt = r.worktree('issue-19-here')
    r.git('worktree', 'move', str(wt), str(r.path / 'trees' / 'misnamed'))
    moved = r.path / 'trees' / 'misnamed'
    stage(r, {'n.txt': 'n\n'}, cwd=moved)
    with unchanged(moved):
        proc = r.run_git('commit', '-m', 'n', cwd=moved)
    refused(proc, 'worktree-layout/location', 'issue-19-here',
            'git worktree move')


# -- core.hooksPath, symlinked paths -----------------------------------------------------

def _move_hooks(r: RepoHandle, dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in ('pre-commit', 'pre-push', 'commit-msg'):
        src = r.path / '.git' / 'hooks' / name
        if src.exists():
            shutil.move(src, dest / name)


def test_core_hooks_path_absolute(hooked_repo: RepoHandle,
                                  tmp_path: Path) -> None:
    """Verdict: with an absolute core.hooksPath the hooks run in the main
    checkout and in every linked worktree."""
    r = hooked_repo
    _move_hooks(r, tmp_path / 'shared-hooks')
    r.git('config', 'core.hooksPath', str(tmp_path / 'shared-hooks'))
    wt = r.worktree('bad-name-20')
    for where in (r.path, wt):
        stage(r, {'a.txt': 'a\n'}, cwd=where)
        with unchanged(where):
            refused(r.run_git('commit', '-m', 'a', cwd=where),
                    'protected-branch' if where == r.path else 'branch-name')
    good = r.worktree('issue-21-good')
    passed(r.commit('g', cwd=good, files={'g.txt': 'g\n'}))


def test_core_hooks_path_relative(hooked_repo: RepoHandle) -> None:
    """Verdict: with a relative core.hooksPath the hooks run in the main
    checkout only; git resolves the path inside each linked worktree, finds
    no hooks there and commits unchecked.  `doctor` reports that worktree
    as SILENT (exit 1) and says to make the path absolute."""
    r = hooked_repo
    _move_hooks(r, r.path / '.githooks')
    r.git('config', 'core.hooksPath', '.githooks')
    stage(r, {'a.txt': 'a\n'})
    with unchanged(r.path):
        refused(r.run_git('commit', '-m', 'a'), 'protected-branch')
    wt = r.worktree('bad-name-22')
    proc = r.commit('unchecked', cwd=wt, files={'b.txt': 'b\n'})
    assert proc.returncode == 0, proc  # git's behaviour: no hook ran
    assert 'branch-name' not in proc.output
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1, proc
    assert 'SILENT' in proc.stdout and 'relative' in proc.stdout


def test_repo_entered_through_a_symlink(hooked_repo: RepoHandle,
                                        tmp_path: Path) -> None:
    """Verdict: the same as through the real path: a bad branch is refused,
    an issue branch (and its linked worktree) passes."""
    r = hooked_repo
    link = tmp_path / 'link'
    link.symlink_to(r.path)
    r.git('switch', '-q', '-c', 'feature/linked', cwd=link)
    stage(r, {'l.txt': 'l\n'}, cwd=link)
    with unchanged(link):
        refused(r.run_git('commit', '-m', 'l', cwd=link), 'branch-name')
    r.git('switch', '-q', '-c', 'issue-23-linked', cwd=link)
    passed(r.run_git('commit', '-m', 'l', cwd=link))
    wt = r.worktree('issue-24-via-link')
    via = link / 'trees' / 'issue-24-via-link'
    assert via.resolve() == wt.resolve()
    passed(r.commit('w', cwd=via, files={'w.txt': 'w\n'}))
    # Content naming the main checkout by the linked spelling the shell
    # shows ($PWD) is an absolute path into it all the same.
    stage(r, {'ref.md': f'see {link}/README.md\n'}, cwd=via)
    with unchanged(via):
        proc = r.run_git('commit', '-m', 'abs', cwd=via,
                         env={'PWD': str(via)})
    refused(proc, 'worktree-paths/absolute-checkout', f'{link}/README.md')


# -- temporary indexes, amend --------------------------------------------------------

ESCAPE = 'see ../../outside/x.md\n'
# What ESCAPE reaches is on this machine, beside the clone: the evidence
# that makes it an error (docs/paths.md).
OUTSIDE = '../../outside/x.md'


@pytest.mark.parametrize(('mode', 'bad', 'verdict'), [
    # Only the working tree's README is bad; the index is clean.
    ('-a', 'README.md', 'refused'),
    ('--', 'README.md', 'refused'),
    ('--include', 'README.md', 'refused'),
    ('', 'README.md', 'pass'),
    # Only the staged staged.txt is bad; README's change is clean.
    ('-a', 'staged.txt', 'refused'),
    ('--', 'staged.txt', 'pass'),
    ('--include', 'staged.txt', 'refused'),
    ('', 'staged.txt', 'refused'),
])
def test_commit_with_a_temporary_index(hooked_repo: RepoHandle, mode: str,
                                       bad: str, verdict: str) -> None:
    """`git commit -a`, `git commit -- <path>` and `--include <path>`
    commit from a temporary index (GIT_INDEX_FILE).  Verdict: the hook
    judges exactly what is committed: a bad change that is committed is
    refused, one that stays behind (unstaged, or staged but left out by
    `-- <path>`) is not."""
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-25-tmp-index')
    there(r.path, OUTSIDE)
    stage(r, {'staged.txt': ESCAPE if bad == 'staged.txt' else 'clean\n'})
    r.write('README.md', ESCAPE if bad == 'README.md' else '# changed\n')
    args = {'-a': ['-a'], '--': ['--', 'README.md'],
            '--include': ['--include', 'README.md'], '': []}[mode]
    if verdict == 'refused':
        with unchanged(r.path):
            proc = r.run_git('commit', '-m', 't', *args)
        refused(proc, 'worktree-paths/relative-escape', f'{bad}:1:5')
        return
    passed(r.run_git('commit', '-m', 't', *args))
    committed = r.git('show', '--name-only', '--format=', 'HEAD').split()
    assert bad not in committed
    assert (r.path / bad).read_text() == ESCAPE  # left as it was


def test_amend(hooked_repo: RepoHandle) -> None:
    """Verdict: amending on an issue branch passes; amending the tip of main
    is a direct commit to main and is refused."""
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-26-amend')
    passed(r.commit('first', files={'a.txt': 'a\n'}))
    tip = r.head()
    passed(r.run_git('commit', '--amend', '-m', 'amended'))
    assert r.head() != tip
    r.git('switch', '-q', 'main')
    with unchanged(r.path):
        refused(r.run_git('commit', '--amend', '-m', 'rewrite main'),
                'protected-branch')


# -- odd names and contents --------------------------------------------------------------

ODD_NAMES = ['with space.txt', 'ünïcödé/ファイル.md', 'new\nline.txt',
             '-rf', '--help.md', 'dir with space/-n', 'tab\tname.txt',
             'quote"and\'.txt', 'back\\slash.txt']


def test_odd_path_names(hooked_repo: RepoHandle) -> None:
    """Spaces, unicode, newlines, tabs, quotes and leading dashes in path
    names.  Verdict: a commit of clean files passes, whole-file checks
    pass, and a bad branch is still refused (no name breaks a hook)."""
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-27-odd-names')
    there(r.path, OUTSIDE)
    stage(r, {n: f'content of {n!r}\n' for n in ODD_NAMES})
    passed(r.run_git('commit', '-m', 'odd names'))
    proc = wg('check', '--stage', 'commit', '--all-files', cwd=r.path)
    passed(proc)
    stage(r, {n: 'x\n' + ESCAPE for n in ODD_NAMES})
    with unchanged(r.path):
        proc = r.run_git('commit', '-m', 'odd')
    refused(proc, 'worktree-paths/relative-escape')
    report = json.loads(wg('check', '--stage', 'commit', '--format', 'json',
                           cwd=r.path).stdout)
    found = sorted((v['path'], v['line'], v['col'])
                   for v in report['violations'])
    assert found == sorted((n, 2, 5) for n in ODD_NAMES)
    r.git('switch', '-q', '-c', 'feature/odd')
    stage(r, {n: 'changed\n' for n in ODD_NAMES})
    with unchanged(r.path):
        refused(r.run_git('commit', '-m', 'odd'), 'branch-name')


@pytest.mark.timeout(120)
def test_odd_contents(hooked_repo: RepoHandle) -> None:
    """CRLF text, LFS pointer files, binary bytes, an empty file and a
    symlink loop.  Verdict: passes, without hanging."""
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-28-odd-contents')
    (r.path / 'crlf.txt').write_bytes(b'line one\r\nline two\r\n')
    (r.path / 'big.bin').write_bytes(bytes(range(256)) * 64)
    (r.path / 'empty').write_bytes(b'')
    (r.path / 'model.bin').write_text(
        'version https://git-lfs.github.com/spec/v1\n'
        'oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d'
        '17e2393\nsize 12345\n')
    (r.path / '.gitattributes').write_text(
        'model.bin filter=lfs diff=lfs merge=lfs -text\n')
    (r.path / 'loop-a').symlink_to('loop-b')
    (r.path / 'loop-b').symlink_to('loop-a')
    (r.path / 'self').symlink_to('self')
    r.git('add', 'crlf.txt', 'big.bin', 'empty', 'model.bin',
          '.gitattributes', 'loop-a', 'loop-b', 'self')
    proc = r.run_git('commit', '-m', 'odd contents')
    passed(proc)
    passed(wg('check', '--stage', 'commit', '--all-files', cwd=r.path))
    # A finding on a CRLF line: the right line and column, no \r in it.
    there(r.path, '../../out/x.md')
    (r.path / 'crlf.txt').write_bytes(
        b'line one\r\nsee ../../out/x.md\r\n')
    r.git('add', 'crlf.txt')
    with unchanged(r.path):
        refused(r.run_git('commit', '-m', 'crlf'), 'crlf.txt:2:5')
    report = json.loads(wg('check', '--stage', 'commit', '--format', 'json',
                           cwd=r.path).stdout)
    (v,) = report['violations']
    assert (v['path'], v['line'], v['col'], v['token']) == \
        ('crlf.txt', 2, 5, '../../out/x.md')


@pytest.mark.timeout(120)
def test_a_100_mb_file_is_skipped_by_size(native_repo: RepoHandle) -> None:
    """A 100 MB file (sparse on disk) is staged.  Verdict: the hook skips it
    by size (paths.max-file-size) and answers fast."""
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-29-huge')
    huge = r.path / 'huge.dat'
    there(r.path, '../../outside/secret.txt')
    with open(huge, 'wb') as f:
        f.write(b'see ../../outside/secret.txt\n')
        f.truncate(100 * 1024 * 1024)
    r.git('add', 'huge.dat')
    proc = run([sys.executable, '-I', '-m', 'worktree_guard', 'hook',
                'pre-commit'], cwd=r.path)
    passed(proc)
    assert 'skipped 1 file over 1MiB' in proc.stderr
    proc = wg('check', '--stage', 'commit', '--all-files', cwd=r.path)
    passed(proc)
    assert 'skipped 1 file over 1MiB' in proc.stdout
    # The same bytes in a small file are found: the skip is by size only.
    with open(huge, 'rb') as f:
        (r.path / 'small.dat').write_bytes(f.readline())
    r.git('add', 'small.dat')
    proc = wg('check', '--stage', 'commit', cwd=r.path)
    assert proc.returncode == 1 and 'small.dat:1:5' in proc.stdout


# -- a broken environment: no git, old git, read-only .git -------------------------------

@pytest.mark.parametrize('entry', ['native', 'pre-commit'])
def test_git_missing_from_path(plain_repo: RepoHandle, tmp_path: Path,
                               entry: str) -> None:
    """Verdict: exit 2 and 'cannot run git', from the entry point each hook
    flavour uses (the native script's `python -I -m worktree_guard hook`,
    and pre-commit's `worktree-guard check --hook ...`), whenever the run
    needs git."""
    empty = tmp_path / 'empty-bin'
    empty.mkdir()
    if entry == 'native':
        base = [sys.executable, '-I', '-m', 'worktree_guard', 'hook']
        argvs = [base + ['pre-commit'], base + ['pre-push', 'origin']]
        # commit-msg re-checks the branch rules, which read HEAD and refs
        # from files: no git needed, so it still judges (main: refused).
        proc = run(base + ['commit-msg', 'MSG'], cwd=plain_repo.path,
                   env={'PATH': str(empty)})
        refused(proc, 'protected-branch')
    else:
        exe = shutil.which('worktree-guard')
        assert exe is not None
        argvs = [[exe, 'check', '--hook', 'worktree-guard-commit',
                  '--stage', 'commit'],
                 [exe, 'check', '--hook', 'worktree-guard-push',
                  '--stage', 'push']]
    # A push of a new branch: there is work to do, which needs git.
    line = (f'refs/heads/issue-1-x {plain_repo.head()} refs/heads/issue-1-x '
            f'{"0" * 40}\n')
    pre_commit_push = {'PRE_COMMIT_REMOTE_BRANCH': 'refs/heads/issue-1-x',
                       'PRE_COMMIT_LOCAL_BRANCH': 'refs/heads/issue-1-x',
                       'PRE_COMMIT_REMOTE_NAME': 'origin',
                       'PRE_COMMIT_TO_REF': plain_repo.head()}
    for argv in argvs:
        env = {'PATH': str(empty)}
        if argv[-1] == 'push':
            env.update(pre_commit_push)
        proc = run(argv, cwd=plain_repo.path, env=env, input=line)
        assert proc.returncode == 2, (argv, proc)
        assert 'cannot run git' in proc.stderr
        assert 'install git' in proc.stderr
        assert_no_traceback(proc)


def _old_git(bindir: Path) -> dict[str, str]:
    """A git that says it is 2.30.0 and, like 2.30, has no `worktree list
    -z` (2.36); everything else is the real git."""
    env = fake_git(bindir, version='2.30.0')
    wrapper = bindir / 'git'
    text = wrapper.read_text().replace(
        '\nexec ', '\ncase "$*" in *"worktree list"*"-z"*) '
        'echo "error: unknown switch \\`z\'" >&2; exit 129;; esac\nexec ', 1)
    wrapper.write_text(text)
    return env


def test_git_older_than_needed(hooked_repo: RepoHandle,
                               tmp_path: Path) -> None:
    """git 2.30 (faked): listing worktrees fails the way it fails there.
    Verdict: exit 2 with the reason (the version found and the one needed)
    and a hint, not git's usage message; the commit does not happen."""
    r = hooked_repo
    env = _old_git(tmp_path / 'old-git')
    proc = run(['git', 'version'], cwd=r.path, env=env)
    assert proc.stdout.strip() == 'git version 2.30.0'
    wt = r.worktree('issue-31-old-git')
    stage(r, {'o.txt': 'o\n'}, cwd=wt)
    before = r.head(cwd=wt)
    proc = r.run_git('commit', '-m', 'o', cwd=wt, env=env)
    assert proc.returncode == 1, proc  # git reports any hook failure as 1
    assert 'git 2.30.0 is older than 2.38' in proc.output, proc
    assert r.head(cwd=wt) == before
    proc = wg('check', '--stage', 'commit', cwd=wt, env=env)
    assert proc.returncode == 2, proc
    assert 'git 2.30.0 is older than 2.38, which worktree-guard needs' in \
        proc.stderr
    assert 'hint: upgrade git' in proc.stderr
    assert_no_traceback(proc)


def test_git_too_old_for_conflict_forecasts(plain_repo: RepoHandle,
                                            tmp_path: Path) -> None:
    """A git that reports 2.30 but works: only the features that need a
    newer git (merge-tree forecasts) are left out, and the output says
    why; everything else is judged as usual."""
    r = plain_repo
    env = fake_git(tmp_path / 'old-git', version='2.30.0')
    a = r.worktree('issue-32-a')
    b = r.worktree('issue-33-b')
    nv_commit(r, 'a', {'README.md': 'a\n'}, cwd=a)
    nv_commit(r, 'b', {'README.md': 'b\n'}, cwd=b)
    proc = wg('wt', 'status', cwd=r.path, env=env)
    assert proc.returncode in (0, 1), proc
    assert 'older than 2.38' in proc.output, proc
    assert_no_traceback(proc)
    proc = wg('check', '--stage', 'commit', cwd=a, env=env)
    passed(proc)


def test_read_only_git_dir(hooked_repo: RepoHandle) -> None:
    """A read-only .git (permissions enforced even for root).  Verdict: the
    hook still judges: exit 0 on an issue branch, exit 1 with branch-name on
    a bad one; the policy cache is not written, silently."""
    r = hooked_repo
    drop = unprivileged()
    if drop is None:
        pytest.skip('running as root without setpriv: cannot make .git '
                    'read-only for this process')
    (r.path / '.worktree-guard.yaml').write_text('branches:\n  check: all\n')
    r.git('switch', '-q', '-c', 'issue-30-read-only')
    r.git('branch', 'feature/ro')
    if flavour(r) == 'pre-commit':
        # pre-commit itself needs a writable .git (`git write-tree`): run
        # the entry point it would run.
        exe = shutil.which('worktree-guard')
        assert exe is not None
        cmd = [exe, 'check', '--hook', 'worktree-guard-commit', '--stage',
               'commit']
    else:
        cmd = [sys.executable, '-I', '-m', 'worktree_guard', 'hook',
               'pre-commit']
    git_dir = r.path / '.git'
    cache = git_dir / 'worktree-guard-policy.cache'
    # `git branch` above ran the reference-transaction hook, which cached
    # the policy while .git was still writable.
    cache.unlink(missing_ok=True)
    run(['chmod', '-R', 'a-w', str(git_dir)], cwd=r.path, check=True)
    try:
        if flavour(r) == 'pre-commit':
            proc = run(drop + ['pre-commit', 'run',
                                         'worktree-guard-commit'], cwd=r.path)
            assert proc.returncode == 3 and 'write-tree' in proc.output
        proc = run(drop + cmd, cwd=r.path)
        passed(proc)
        assert 'rror' not in proc.stderr
        # git's own writes fail: proof that .git really is read-only.
        denied = run(drop + ['git', 'switch', '-q', 'feature/ro'],
                     cwd=r.path)
        assert denied.returncode != 0
        r.git('switch', '-q', 'feature/ro')  # as root, with privileges
        proc = run(drop + cmd, cwd=r.path)
        refused(proc, 'branch-name', "'feature/ro'")
        assert not cache.exists()
    finally:
        run(['chmod', '-R', 'u+w', str(git_dir)], cwd=r.path, check=True)
