"""The whole-file scan's pre-filter through real git: ``git grep -l`` names
the files that hold one of the path engine's literals, in the index and in
a tree, from any folder, with names git would quote."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import there
from tests.helpers import git
from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx.paths import PATHSPEC_MAX
from worktree_guard.gitctx.scan import candidate_list


def candidates(repo: Repo, terms: list[bytes], tree: str | None = None,
               paths: list[str] | None = None) -> set[str]:
    return set(candidate_list(repo, terms, tree, paths))


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


@pytest.mark.parametrize(('paths', 'expected'), [
    (['a.md', 'sub/b.sh', 'sub/c.txt'], {'a.md'}),
    (['sp ace/ü "q".md', 'bin.dat'], {'bin.dat'}),
    ([], set()),
])
def test_candidates_among_named_paths(repo: Path, paths: list[str],
                                      expected: set[str]) -> None:
    r = Repo.discover(str(repo))
    assert candidates(r, [b'../'], None, paths) == expected
    tree = git('write-tree', cwd=repo).strip()
    assert candidates(r, [b'../'], tree, paths) == expected


def test_candidates_of_a_missing_tree_is_a_git_error(repo: Path) -> None:
    with pytest.raises(GitError, match="'git grep' failed"):
        candidates(Repo.discover(str(repo)), [b'../'], '0' * 40)


# Every spelling the engine reports, one file each, among clean files, files
# with `//` (URLs) and a binary one: the pre-filtered scan must report
# exactly what reading every file reports.
SPELLED = {
    'sib-dotdot.md': 'a/../trees/issue-46-docs/x.py\n',
    'sib-double.md': 'trees//issue-46-docs/x.py\n',
    'join.py': "open(os.path.join('..', 'x'))\n",
    'cd.sh': 'cd ..\n',
    'cd-tab.sh': 'cd\t..\n',
    'pct.md': '[x](%2e%2e/%2e%2e/x.md)\n',
    'escaped.json': '{"p": "..\\/..\\/x"}\n',
    'win.ps1': 'Copy-Item ..\\..\\x .\n',
    'top.sh': 'cat "$(git rev-parse --show-toplevel)/../x"\n',
    'pwd.sh': 'cd "$(pwd)/.."\n',
    'home.md': 'see /home/ann/src/app/x.md\n',
    'winhome.md': 'see C:\\Users\\ann\\x\n',
    'abs-double.md': 'see /{root}/docs/guide.md\n',
    'abs.md': 'see {root}/docs/guide.md\n',
    'bin.dat': 'a\0 ../../x\n',
}


def _json(proc_out: str) -> list[dict[str, object]]:
    import json
    return [v for v in json.loads(proc_out)['violations']
            if v['rule'] == 'worktree-paths']


@pytest.mark.timeout(120)
@pytest.mark.parametrize(('stage', 'clean'), [
    # More files than PATHSPEC_MAX: the whole index is searched.
    ('all-files', PATHSPEC_MAX + 1),
    # A few: they are named to git grep, in the pushed tree.
    ('push-scope-all', 40),
])
def test_prefiltered_scan_reports_what_the_full_scan_does(
        tmp_path: Path, stage: str, clean: int) -> None:
    from tests.helpers import wg
    root = tmp_path / 'app'
    git('init', '-q', '-b', 'main', str(root), cwd=tmp_path)
    (root / '.worktree-guard.yaml').write_text(
        'version: 1\npaths:\n  scope: all\n')
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'policy', cwd=root)
    git('switch', '-q', '-c', 'issue-17-scan', cwd=root)
    files = {rel: text.replace('{root}', str(root))
             for rel, text in SPELLED.items()}
    files.update({f'clean/f{i}.md': f'see docs/x{i}.md; https://e.org//a\n'
                  for i in range(clean)})
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'spellings', cwd=root)
    args = ['check', '--format', 'json', '--rule', 'worktree-paths']
    if stage == 'all-files':
        args += ['--all-files']
    else:
        args += ['--stage', 'push', '--from-ref', 'main', '--to-ref',
                 'issue-17-scan']
    fast = wg(*args, cwd=root)
    full = wg(*args, cwd=root, env={'WORKTREE_GUARD_FULL_SCAN': '1'})
    assert fast.returncode == full.returncode == 1, (fast, full)
    found = _json(fast.stdout)
    assert found == _json(full.stdout)
    named = {v['path'] for v in found}
    assert {'join.py', 'cd.sh', 'abs.md'} <= named
    assert 'bin.dat' not in named   # a binary file is never judged
    assert not any(str(p).startswith('clean/') for p in named)


@pytest.mark.timeout(60)
def test_a_change_of_only_symlinks_runs_no_grep(tmp_path: Path) -> None:
    from tests.helpers import wg
    root = tmp_path / 'app'
    git('init', '-q', '-b', 'issue-17-links', str(root), cwd=tmp_path)
    (root / '.worktree-guard.yaml').write_text(
        'version: 1\npaths:\n  scope: all\n')
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'policy', cwd=root)
    (root / 'out').symlink_to('../../x')
    git('add', 'out', cwd=root)
    trace = tmp_path / 'trace'
    proc = wg('check', '--stage', 'commit', '--rule', 'worktree-paths',
              cwd=root, env={'GIT_TRACE': str(trace)})
    assert proc.returncode == 1, proc
    assert 'out' in proc.output
    ran = trace.read_text()
    assert 'built-in: git cat-file' in ran   # the target was read
    assert 'built-in: git grep' not in ran


@pytest.mark.timeout(60)
@pytest.mark.parametrize('mode', ['100644', '120000'])
def test_an_object_missing_from_the_index_is_left_unread(
        tmp_path: Path, mode: str) -> None:
    # A file git grep cannot read is no candidate; a symlink is sized
    # first, and a missing one is listed unread: neither is a traceback.
    from tests.helpers import wg
    root = tmp_path / 'app'
    git('init', '-q', '-b', 'issue-17-missing', str(root), cwd=tmp_path)
    (root / 'a.md').write_text('see ../x\n')
    there(root, '../x')   # on this machine: an error
    git('add', 'a.md', cwd=root)
    git('update-index', '--add', '--cacheinfo',
        f'{mode},{"12" * 20},gone', cwd=root)
    proc = wg('check', '--all-files', '--rule', 'worktree-paths', cwd=root)
    assert proc.returncode == 1, proc
    assert 'a.md:1:5' in proc.stdout and 'gone' not in proc.stdout
    assert 'Traceback' not in proc.output


@pytest.mark.parametrize(('cpus', 'expected'), [
    (1, ['--threads=1']),
    (2, ['--threads=1']),
    (8, []),      # git's default: grep.threads, or a thread per CPU
])
def test_grep_runs_one_thread_on_two_cpus(
        repo: Path, monkeypatch: pytest.MonkeyPatch, cpus: int,
        expected: list[str]) -> None:
    from worktree_guard.gitctx import scan
    monkeypatch.setattr(scan, '_cpus', lambda: cpus)
    # The user's grep.threads tunes their own greps, not this one.
    git('config', 'grep.threads', '2', cwd=repo)
    r = Repo.discover(str(repo))
    assert scan.threads() == expected
    assert candidates(r, [b'../']) == {'a.md', 'bin.dat'}
    assert scan._cpus() >= 1
