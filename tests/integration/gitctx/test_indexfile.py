"""``gitctx.indexfile``: a clean worktree proven from its index and files,
checked against ``git status`` on real repositories and real worktrees;
the snapshot's trees and commit written without git, checked against
``git write-tree`` and ``git cat-file``; and ``fleet.changes_many``, which
runs ``git status`` only where the files prove nothing (counted with
``GIT_TRACE``)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import fleet
from worktree_guard.gitctx import indexfile
from worktree_guard.gitctx import worktrees

# Real files: a few of the standard library's, in folders of their own.
STDLIB = Path(os.__file__).parent
REAL = {'lib/json/__init__.py': STDLIB / 'json' / '__init__.py',
        'lib/json/decoder.py': STDLIB / 'json' / 'decoder.py',
        'lib/email/mime/text.py': STDLIB / 'email' / 'mime' / 'text.py',
        'lib/a.b': STDLIB / 'this.py', 'lib/a-b': STDLIB / 'this.py',
        'tool.py': STDLIB / 'keyword.py'}


def _status(path: Path) -> str:
    return git('--no-optional-locks', 'status', '--porcelain', cwd=path)


def _tree(path: Path) -> str:
    return git('rev-parse', 'HEAD^{tree}', cwd=path).strip()


def _clean(path: Path) -> bool:
    return indexfile.proven_clean(str(path), _tree(path))


@pytest.fixture
def tree(plain_repo: RepoHandle) -> Path:
    """A linked worktree of real files (an executable, a symlink, names
    that sort around ``/``), committed and checked out."""
    p = plain_repo.path
    for rel, src in REAL.items():
        (p / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, p / rel)
    (p / 'tool.py').chmod(0o755)
    (p / 'link').symlink_to('lib/json/decoder.py')
    git('add', '-A', cwd=p)
    git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'real',
        cwd=p)
    git('worktree', 'add', '-q', str(p / 'trees' / 'issue-1-x'), '-b',
        'issue-1-x', cwd=p)
    return p / 'trees' / 'issue-1-x'


def test_clean_worktrees_are_proven_clean(plain_repo: RepoHandle,
                                          tree: Path) -> None:
    assert _status(tree) == ''
    assert _clean(tree)
    # The main checkout holds the ignored trees/ folder: an untracked name
    # this reader cannot rule out, so git status is asked (and agrees).
    assert _status(plain_repo.path) == ''
    assert not _clean(plain_repo.path)
    shutil.rmtree(plain_repo.path / 'trees')
    git('worktree', 'prune', cwd=plain_repo.path)
    assert _clean(plain_repo.path)


def test_a_racily_clean_entry_is_judged_by_its_content(tree: Path) -> None:
    index = Path(indexfile.git_dir(str(tree)) or '') / 'index'
    got = indexfile.load(str(tree), 20)
    assert got is not None
    newest = max(e[3][0] for e in got[0].entries)
    # The index written in the tick its newest file was: racy, and the
    # content (unchanged) decides.
    os.utime(index, ns=(newest, newest))
    assert _clean(tree)
    # An entry whose recorded blob is not the file's content, in a racy
    # tick, is not clean, though every stat field matches.
    name, mode, _, st = got[0].entries[0]
    other = [(name, mode, b'\0' * 20, st)]
    assert not indexfile._unmodified(os.fsencode(tree), other, st[0],
                                     'sha1')


@pytest.mark.parametrize('dirt', [
    'edit', 'same-size', 'untracked', 'untracked-deep', 'staged', 'deleted',
    'chmod', 'symlink-to-file', 'file-to-dir'])
def test_any_change_is_not_proven_clean(tree: Path, dirt: str) -> None:
    f = tree / 'lib' / 'json' / 'decoder.py'
    if dirt == 'edit':
        f.write_text(f.read_text() + '# more\n')
    elif dirt == 'same-size':
        data = bytearray(f.read_bytes())
        data[0] = ord('#') if data[0] != ord('#') else ord('"')
        f.write_bytes(bytes(data))
    elif dirt == 'untracked':
        (tree / 'notes.txt').write_text('x\n')
    elif dirt == 'untracked-deep':
        (tree / 'lib' / 'email' / 'new').mkdir()
        (tree / 'lib' / 'email' / 'new' / 'x.py').write_text('x\n')
    elif dirt == 'staged':
        f.write_text('staged\n')
        git('add', '--', str(f), cwd=tree)
        f.write_bytes((tree.parent.parent / 'lib' / 'json' /
                       'decoder.py').read_bytes())
    elif dirt == 'deleted':
        f.unlink()
    elif dirt == 'chmod':
        f.chmod(0o755)
    elif dirt == 'symlink-to-file':
        (tree / 'link').unlink()
        shutil.copyfile(f, tree / 'link')
    else:
        (tree / 'tool.py').unlink()
        (tree / 'tool.py').mkdir()
    assert _status(tree) != ''
    assert not _clean(tree)


def test_optional_extensions_are_skipped(tree: Path) -> None:
    # The untracked cache (UNTR) and the end-of-index entry (EOIE).
    git('-c', 'index.threads=2', '-c', 'core.untrackedCache=true',
        'update-index', '--untracked-cache', cwd=tree)
    git('-c', 'core.untrackedCache=true', 'status', cwd=tree)
    index = Path(indexfile.git_dir(str(tree)) or '') / 'index'
    assert b'UNTR' in index.read_bytes()
    assert _clean(tree)


def test_a_folder_gone_meanwhile(tree: Path) -> None:
    """The count of names meets a tracked folder that is gone (removed
    after its files were checked, while a new name at the top keeps the
    top's count): not proven clean."""
    got = indexfile.load(str(tree), 20)
    assert got is not None
    gone = [*got[0].entries, (b'gone/x.py', *got[0].entries[0][1:])]
    assert indexfile._nothing_untracked(os.fsencode(tree),
                                        got[0].entries)
    (tree / 'new.txt').write_text('x\n')
    assert not indexfile._nothing_untracked(os.fsencode(tree),
                                            got[0].entries)
    assert not indexfile._nothing_untracked(os.fsencode(tree), gone)


@pytest.mark.parametrize('case', [
    'ignored', 'empty-dir', 'index-v4', 'split-index', 'skip-worktree',
    'no-index', 'submodule'])
def test_clean_but_unprovable_asks_git(tree: Path, case: str) -> None:
    """What this reader does not prove (a stricter answer than git's):
    ``False`` means "ask git status", which finds the worktree clean."""
    if case == 'ignored':
        (tree / '.git-ignored').write_text('')
        Path(indexfile.git_dir(str(tree)) or '', 'info').mkdir()
        exclude = Path(indexfile.git_dir(str(tree)) or '').parent.parent / \
            'info' / 'exclude'
        exclude.write_text('.git-ignored\n')
    elif case == 'empty-dir':
        (tree / 'lib' / 'empty').mkdir()
    elif case == 'index-v4':
        git('update-index', '--index-version', '4', cwd=tree)
    elif case == 'split-index':
        git('update-index', '--split-index', cwd=tree)
    elif case == 'skip-worktree':
        git('update-index', '--skip-worktree', 'tool.py', cwd=tree)
    elif case == 'submodule':
        sub = tree / 'sub'
        git('init', '-q', str(sub), cwd=tree)
        (sub / 'x').write_text('x\n')
        git('add', 'x', cwd=sub)
        git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid',
            'commit', '-q', '-m', 'x', cwd=sub)
        git('add', 'sub', cwd=tree)
        git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'sub',
            cwd=tree)
    else:
        (Path(indexfile.git_dir(str(tree)) or '') / 'index').unlink()
        (tree / 'tool.py').unlink()
    if case != 'no-index':
        assert _status(tree) == ''
    assert not _clean(tree)


def test_where_the_git_dir_is(tmp_path: Path, tree: Path) -> None:
    assert indexfile.git_dir(str(tmp_path)) is None  # no .git at all
    (tmp_path / '.git').write_text('not a gitdir line\n')
    assert indexfile.git_dir(str(tmp_path)) is None
    assert indexfile.load(str(tmp_path), 20) is None
    assert not indexfile.proven_clean(str(tmp_path), 'f' * 40)
    where = indexfile.git_dir(str(tree))
    assert where is not None and os.path.isfile(os.path.join(where, 'index'))
    assert indexfile.read(b'not an index', 20) is None


def test_a_conflict_is_not_proven_clean(plain_repo: RepoHandle) -> None:
    p = plain_repo.path
    g = lambda *a: git('-c', 'core.hooksPath=/dev/null', *a,  # noqa: E731
                       cwd=p, check=False)
    (p / 'c.txt').write_text('base\n')
    g('add', 'c.txt')
    g('commit', '-q', '-m', 'base')
    g('switch', '-q', '-c', 'other')
    (p / 'c.txt').write_text('other\n')
    g('commit', '-q', '-am', 'other')
    g('switch', '-q', 'main')
    (p / 'c.txt').write_text('main\n')
    g('commit', '-q', '-am', 'main')
    g('merge', '-q', 'other')
    assert 'UU c.txt' in _status(p)
    assert not _clean(p)


def test_sha256_repositories(tmp_path: Path) -> None:
    p = tmp_path / 'r256'
    git('init', '-q', '--object-format=sha256', str(p), cwd=tmp_path)
    shutil.copyfile(STDLIB / 'keyword.py', p / 'keyword.py')
    git('add', '-A', cwd=p)
    git('-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit',
        '-q', '-m', 'x', cwd=p)
    assert len(_tree(p)) == 64
    assert _clean(p)
    (p / 'new').write_text('x\n')
    assert not _clean(p)


# -- the snapshot's objects --------------------------------------------------------------

def test_write_tree_matches_git(tree: Path, tmp_path: Path) -> None:
    got = indexfile.load(str(tree), 20)
    assert got is not None
    objects = tmp_path / 'objects'
    oid = indexfile.write_tree(str(objects), got[0].entries, 'sha1')
    assert oid == _tree(tree) == git('write-tree', cwd=tree).strip()
    # Written as loose objects git reads back.
    env = {**os.environ, 'GIT_OBJECT_DIRECTORY': str(objects)}
    import subprocess
    kind = subprocess.run(['git', 'cat-file', '-t', oid], cwd=tree,
                          env=env, capture_output=True, text=True)
    assert kind.stdout.strip() == 'tree'
    # The index's valid cache trees (every folder's, after a commit) are
    # reused: the same tree, and nothing written.
    index = Path(indexfile.git_dir(str(tree)) or '') / 'index'
    full = indexfile.read(index.read_bytes(), 20, strict=False)
    assert full is not None
    assert full.trees[b''].hex() == oid
    assert full.trees[b'lib/json/'].hex() == git(
        'rev-parse', 'HEAD:lib/json', cwd=tree).strip()
    again = tmp_path / 'again'
    assert indexfile.write_tree(str(again), full.entries, 'sha1',
                                full.trees) == oid
    assert not again.exists()
    # An invalidated folder (a file added under lib/email/): only it and
    # the folders above it are written again.
    (tree / 'lib' / 'email' / 'x.py').write_text('x\n')
    git('add', 'lib/email/x.py', cwd=tree)
    staged = indexfile.read(index.read_bytes(), 20, strict=False)
    assert staged is not None
    assert b'lib/email/' not in staged.trees and b'' not in staged.trees
    assert b'lib/email/mime/' in staged.trees and b'lib/json/' in staged.trees
    assert indexfile.write_tree(str(again), staged.entries, 'sha1',
                                staged.trees) == git('write-tree',
                                                     cwd=tree).strip()
    assert len(list(again.glob('*/*'))) == 3  # lib/email/, lib/, the top


def test_snapshot(plain_repo: RepoHandle, tree: Path, tmp_path: Path,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(plain_repo.path)
    repo = Repo.discover()
    head = git('rev-parse', 'HEAD', cwd=tree).strip()
    objects = {'GIT_OBJECT_DIRECTORY': str(tmp_path / 'scratch'),
               'GIT_ALTERNATE_OBJECT_DIRECTORIES': str(
                   plain_repo.path / '.git' / 'objects')}
    (tmp_path / 'scratch').mkdir()
    assert fleet.snapshot(repo, str(tree), head, _tree(tree), (),
                          objects) is None  # nothing to take
    (tree / 'notes.txt').write_text('new\n')
    (tree / '.env').write_text('bootstrap\n')
    (tree / 'tool.py').write_text('edited\n')
    before = (Path(indexfile.git_dir(str(tree)) or '') / 'index'
              ).read_bytes()
    snap = fleet.snapshot(repo, str(tree), head, _tree(tree), ['.env'],
                          objects)
    assert snap is not None
    env = {**os.environ, **objects}
    import subprocess

    def show(*args: str) -> str:
        return subprocess.run(['git', *args], cwd=tree, env=env,
                              capture_output=True, text=True,
                              check=True).stdout
    assert show('rev-parse', f'{snap}^') == f'{head}\n'
    assert show('diff', '--name-only', head, snap).split() == [
        'notes.txt', 'tool.py']
    assert show('show', f'{snap}:tool.py') == 'edited\n'
    # The user's index is untouched, and the repository keeps no object.
    assert (Path(indexfile.git_dir(str(tree)) or '') / 'index'
            ).read_bytes() == before
    assert git('cat-file', '-e', snap, cwd=tree, check=False) == ''
    # An index of version 4: git writes the tree, the same one (the
    # commit's time may differ by a second, so its id may too).
    git('update-index', '--index-version', '4', cwd=tree)
    again = fleet.snapshot(repo, str(tree), head, _tree(tree), ['.env'],
                           objects)
    assert again is not None
    assert show('rev-parse', f'{again}^{{tree}}', f'{again}^') == show(
        'rev-parse', f'{snap}^{{tree}}', f'{snap}^')


@pytest.mark.parametrize('forked', [False, True])
def test_changes_many_runs_git_status_only_where_needed(
        plain_repo: RepoHandle, tree: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, forked: bool) -> None:
    """In this process, or (from ``FORK_MIN`` worktrees on) in forked
    workers that share the worktrees: the same answers, and git status
    only where the files prove nothing."""
    if forked:
        monkeypatch.setattr(fleet, 'FORK_MIN', 2)
    p = plain_repo.path
    paths = [tree]
    for i in (2, 3, 4):
        dest = p / 'trees' / f'issue-{i}-x'
        git('worktree', 'add', '-q', str(dest), '-b', f'issue-{i}-x',
            cwd=p)
        paths.append(dest)
    (paths[1] / 'notes.txt').write_text('x\n')
    (paths[3] / 'tool.py').write_text('edited\n')
    monkeypatch.chdir(p)
    trace = tmp_path / 'trace'
    monkeypatch.setenv('GIT_TRACE', str(trace))
    repo = Repo.discover()
    heads = [(str(d), git('rev-parse', 'HEAD', cwd=d).strip())
             for d in paths]
    got = fleet.changes_many(
        repo, heads, 3, lambda path, head, tree, lines:
        f'{os.getpid()} {head[:7]} {tree[:7]} {len(lines)}')
    calls = [ln for ln in trace.read_text().splitlines()
             if 'trace: built-in: git' in ln]
    assert sum(' status' in c for c in calls) == 2  # the two dirty ones
    monkeypatch.delenv('GIT_TRACE')
    assert {p: lines for p, (lines, _) in got.items()} == {
        str(d): worktrees.changes(str(d)) for d in paths}
    assert got[str(paths[0])] == ([], None)  # clean: nothing to run
    assert got[str(paths[1])][0] == ['?? notes.txt']
    # ``then`` ran for the two with changes, in a worker when forked.
    pid, head, tree, count = str(got[str(paths[1])][1]).split()
    assert (pid != str(os.getpid())) == forked
    assert head == heads[1][1][:7] and count == '1'
    assert tree == git('rev-parse', 'HEAD^{tree}', cwd=paths[1])[:7]


@pytest.mark.parametrize('forked', [False, True])
def test_changes_many_reports_git_failures(
        plain_repo: RepoHandle, tree: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, forked: bool) -> None:
    """A worktree git cannot read (its git dir is gone): the error, from
    this process or from a forked worker."""
    if forked:
        monkeypatch.setattr(fleet, 'FORK_MIN', 2)
    monkeypatch.chdir(plain_repo.path)
    repo = Repo.discover()
    head = git('rev-parse', 'HEAD', cwd=tree).strip()
    broken = tmp_path / 'broken'
    broken.mkdir()
    (broken / '.git').write_text('gitdir: /nonexistent/worktrees/x\n')
    with pytest.raises(GitError, match=f'cannot read the status of '
                                       f'{broken}'):
        fleet.changes_many(repo, [(str(tree), head), (str(broken), head)],
                           2)


@pytest.mark.parametrize('case', [
    'edit', 'new-file', 'deleted', 'chmod', 'symlink', 'staged-only',
    'staged-then-edited', 'staged-delete-kept', 'bootstrap-only',
    'new-folder', 'attributes', 'info-attributes', 'submodule',
    'submodule-like'])
def test_snapshot_from_status_lines_matches_git_add(
        plain_repo: RepoHandle, tree: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """The snapshot written from the status lines (no git) is the tree
    ``git add -A`` would give, or the lines give way to git add."""
    f = tree / 'lib' / 'json' / 'decoder.py'
    if case == 'edit':
        f.write_text('edited\n')
    elif case == 'new-file':
        (tree / 'lib' / 'new.py').write_text('new\n')
    elif case == 'deleted':
        f.unlink()
    elif case == 'chmod':
        f.chmod(0o755)
    elif case == 'symlink':
        (tree / 'link').unlink()
        (tree / 'link').symlink_to('tool.py')
    elif case == 'staged-only':
        f.write_text('staged\n')
        git('add', str(f), cwd=tree)
    elif case == 'staged-then-edited':
        f.write_text('staged\n')
        git('add', str(f), cwd=tree)
        f.write_text('edited after\n')
    elif case == 'staged-delete-kept':
        git('rm', '-q', '--cached', 'tool.py', cwd=tree)
    elif case == 'bootstrap-only':
        f.write_text('edited\n')
        (tree / '.env').write_text('copied\n')
    elif case == 'new-folder':
        (tree / 'newdir').mkdir()
        (tree / 'newdir' / 'x.py').write_text('x\n')
    elif case == 'attributes':
        (tree / '.gitattributes').write_text('*.py text eol=crlf\n')
        git('add', '.gitattributes', cwd=tree)
        git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'a',
            cwd=tree)
        f.write_text('edited\n')
    elif case == 'info-attributes':
        info = plain_repo.path / '.git' / 'info'
        info.mkdir(exist_ok=True)
        (info / 'attributes').write_text('*.py text eol=crlf\n')
        f.write_text('edited\n')
    elif case == 'submodule':
        sub = tree / 'sub'
        g = ('-c', 'user.name=t', '-c', 'user.email=t@example.invalid',
             '-c', 'core.hooksPath=/dev/null')
        git('init', '-q', str(sub), cwd=tree)
        (sub / 'x').write_text('x\n')
        git('add', 'x', cwd=sub)
        git(*g, 'commit', '-q', '-m', 'x', cwd=sub)
        git('add', 'sub', cwd=tree)
        git(*g, 'commit', '-q', '-m', 'sub', cwd=tree)
        (sub / 'x').write_text('y\n')
        git(*g, 'commit', '-q', '-am', 'y', cwd=sub)  # a new commit there
    else:
        (tree / 'lib' / 'json' / 'sub').mkdir()
        f.unlink()
        f.mkdir()  # a folder where the index has a file
    monkeypatch.chdir(plain_repo.path)
    repo = Repo.discover()
    head = git('rev-parse', 'HEAD', cwd=tree).strip()
    lines = worktrees.changes(str(tree))
    assert lines
    trees: list[str | None] = []
    for how in ('lines', 'git add'):
        scratch = tmp_path / how
        scratch.mkdir()
        objects = {'GIT_OBJECT_DIRECTORY': str(scratch),
                   'GIT_ALTERNATE_OBJECT_DIRECTORIES': str(
                       plain_repo.path / '.git' / 'objects')}
        trace = tmp_path / f'{how}.trace'
        monkeypatch.setenv('GIT_TRACE', str(trace))
        snap = fleet.snapshot(repo, str(tree), head, _tree(tree), ['.env'],
                              objects, lines if how == 'lines' else None)
        monkeypatch.delenv('GIT_TRACE')
        used_git = trace.exists() and ' add -A' in trace.read_text()
        if how == 'lines':
            assert used_git == (case in (
                'new-folder', 'attributes', 'info-attributes', 'submodule',
                'submodule-like'))
        import subprocess
        trees.append(None if snap is None else subprocess.run(
            ['git', 'rev-parse', f'{snap}^{{tree}}'], cwd=tree,
            env={**os.environ, **objects}, capture_output=True, text=True,
            check=True).stdout.strip())
    assert trees[0] == trees[1]
    # Unstaging a file still there adds up to nothing: no snapshot.
    assert (trees[0] is None) == (case == 'staged-delete-kept')
