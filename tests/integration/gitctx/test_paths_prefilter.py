"""The pre-filter of a large staged or pushed change (``gitctx.paths``
``_Collector.diff``): the ``-p`` diff reads only the changed files that hold
one of the path engine's literals, yet reports exactly what one diff of the
whole change reports (``WORKTREE_GUARD_FULL_SCAN=1``), through real git, at
a commit and on a push; and it runs the git processes it says it runs
(counted with ``GIT_TRACE``)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import there
from tests.helpers import git
from tests.helpers import wg
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx.paths import PREFILTER_MIN
from worktree_guard.gitctx.paths import index_entries
from worktree_guard.gitctx.paths import staged_changes
from worktree_guard.gitctx.paths import staged_paths

BRANCH = 'issue-17-prefilter'
OUT = '../../outside/x.md'   # an escape: a finding
SUB = '1' * 40               # a commit id for gitlinks

POLICIES = {
    'default': 'version: 1\n',
    'exclude': "version: 1\npaths:\n  exclude: ['skip/**', '*.bin']\n",
    'include': "version: 1\npaths:\n  include: ['docs/**', 'trees/**', "
               "'ln*', 'mv/**', 'Dock*']\n",
    'small': 'version: 1\npaths:\n  max-file-size: 2KiB\n',
}


# The skip notes with the pre-filter and with one whole diff: only the
# binary files and the files over max-file-size that hold no literal
# (docs/plain.bin, docs/big-clean.md) go uncounted.
SKIPS = {
    'default': ('worktree-paths: skipped 1 binary file',
                'worktree-paths: skipped 2 binary files'),
    'exclude': ('worktree-paths: skipped 1 binary file, 2 files excluded by '
                'paths.include/exclude',) * 2,
    'include': ('worktree-paths: skipped 1 binary file, 2 files excluded by '
                'paths.include/exclude',
                'worktree-paths: skipped 2 binary files, 2 files excluded by '
                'paths.include/exclude'),
    'small': ('worktree-paths: skipped 1 binary file, 1 file over 2KiB',
              'worktree-paths: skipped 2 binary files, 2 files over 2KiB'),
}


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)


def _base(root: Path) -> dict[str, str | bytes]:
    """The committed files the change then edits, moves and deletes."""
    return {
        'mv/plain.md': 'a clean file that moves as it is\n' * 20,
        'mv/escape.md': f'see {OUT}\n' + 'filler line\n' * 30,
        'mv/edit.md': 'a file that moves and gains an escape\n' * 30,
        'mv/clean-edit.md': 'moves and gains a clean line\n' * 30,
        'docs/keep.md': 'line\n' * 10,
        'docs/mode.sh': 'echo hi\n',
        'docs/gone.md': f'see {OUT}\n',
        'docs/to-link.md': 'becomes a symlink\n',
        'docs/old-link': '../x',   # replaced below by a symlink to it
        'skip/old.md': 'x\n',
    }


def _change(root: Path) -> None:
    """The staged change: more than PREFILTER_MIN files of every kind."""
    files: dict[str, str | bytes] = {
        f'docs/clean/f{i:03d}.md': f'see docs/x{i}.md\n'
        for i in range(PREFILTER_MIN + 20)}
    files.update({
        'docs/escape.md': f'intro\nsee {OUT}\n',
        'docs/in-tree.md': 'see ../README.md\n',
        'docs/keep.md': 'line\n' * 10 + f'new {OUT}\n',
        'docs/sp ace ü "q".md': f'odd name {OUT}\n',
        'docs/glob*[x].md': f'glob chars {OUT}\n',
        'docs/tab\tname.md': f'a tab {OUT}\n',
        'docs/home.md': 'see /home/ann/src/app/x.md\n',
        'docs/bin.dat': b'\0\1binary ' + OUT.encode() + b'\n',
        'docs/plain.bin': b'\0\1binary, no literal\n',
        'docs/big.md': f'big {OUT}\n' + 'x' * 3000 + '\n',
        'docs/big-clean.md': 'y' * 3000 + '\n',
        'trees/issue-9-x/a.md': 'a clean file in a staged worktree\n',
        'trees/issue-9-x/b.md': 'another\n',
        'skip/new.md': f'excluded {OUT}\n',
        'Dockerfile': 'FROM alpine\nRUN adduser -D ann\n',
    })
    _write(root, files)
    git('add', '-A', cwd=root)
    git('mv', 'mv/plain.md', 'mv/plain-moved.md', cwd=root)
    git('mv', 'mv/escape.md', 'mv/escape-moved.md', cwd=root)
    git('mv', 'mv/edit.md', 'mv/edit-moved.md', cwd=root)
    git('mv', 'mv/clean-edit.md', 'mv/clean-edit-moved.md', cwd=root)
    with (root / 'mv/edit-moved.md').open('a') as f:
        f.write(f'now {OUT}\n')
    with (root / 'mv/clean-edit-moved.md').open('a') as f:
        f.write('one more clean line\n')
    (root / 'docs/mode.sh').chmod(0o755)
    git('rm', '-qf', 'docs/gone.md', cwd=root)
    (root / 'docs/to-link.md').unlink()
    (root / 'docs/to-link.md').symlink_to(OUT)
    (root / 'docs/old-link').unlink()
    (root / 'docs/old-link').symlink_to('../x')
    (root / 'ln-out').symlink_to(OUT)
    (root / 'ln-in').symlink_to('docs/keep.md')
    git('add', '-A', cwd=root)
    git('update-index', '--add', '--cacheinfo', f'160000,{SUB},vendor/sub',
        cwd=root)
    git('update-index', '--add', '--cacheinfo',
        f'160000,{SUB},trees/issue-8-y', cwd=root)


def _repo(tmp_path: Path, policy: str) -> Path:
    root = tmp_path / 'app'
    git('init', '-q', '-b', 'main', str(root), cwd=tmp_path)
    there(root, '../outside/x.md')   # OUT from a folder: on this machine
    (root / '.worktree-guard.yaml').write_text(POLICIES[policy])
    _write(root, _base(root))
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'base', cwd=root)
    git('switch', '-q', '-c', BRANCH, cwd=root)
    return root


def _both(root: Path, *args: str) -> tuple[dict[str, object],
                                           dict[str, object]]:
    """The JSON reports with the pre-filter and with one whole diff."""
    cmd = ['check', '--format', 'json', '--rule', 'worktree-paths', *args]
    fast = wg(*cmd, cwd=root)
    full = wg(*cmd, cwd=root, env={'WORKTREE_GUARD_FULL_SCAN': '1'})
    assert 'Traceback' not in fast.output + full.output
    assert fast.returncode == full.returncode == 1, (fast, full)
    return json.loads(fast.stdout), json.loads(full.stdout)


def _skips(report: dict[str, object]) -> list[object]:
    notes = report['notes']
    assert isinstance(notes, list)
    return [n for n in notes if 'skipped' in str(n)]


@pytest.mark.timeout(180)
@pytest.mark.parametrize('policy', sorted(POLICIES))
def test_a_large_change_reports_what_one_whole_diff_does(
        tmp_path: Path, policy: str) -> None:
    root = _repo(tmp_path, policy)
    _change(root)
    fast, full = _both(root, '--stage', 'commit')
    assert fast['violations'] == full['violations']
    found = {(v['path'], v['kind']) for v in fast['violations']}  # type: ignore[union-attr,index]
    paths = {p for p, _ in found}
    if policy != 'include':
        assert 'docs/sp ace ü "q".md' in paths
        assert 'docs/tab\tname.md' in paths
    assert 'mv/edit-moved.md' in paths         # a rename that adds one
    assert 'mv/escape-moved.md' not in paths   # a pure rename adds nothing
    assert 'ln-out' in paths and 'docs/to-link.md' in paths
    assert 'trees/issue-9-x' in paths and 'trees/issue-8-y' in paths
    assert not any(p.startswith('docs/clean/') for p in paths)
    git('commit', '-q', '--no-verify', '-m', 'change', cwd=root)
    pushed = _both(root, '--stage', 'push', '--from-ref', 'main',
                   '--to-ref', BRANCH)
    assert pushed[0]['violations'] == pushed[1]['violations']
    for before, after in ((fast, full), pushed):
        # A binary file or one over max-file-size is counted only when
        # it holds a literal (the pre-filter never reads the others).
        assert _skips(before) == [SKIPS[policy][0]], before
        assert _skips(after) == [SKIPS[policy][1]], after


@pytest.mark.timeout(120)
def test_the_first_commit_reads_whole_files(
        tmp_path: Path) -> None:
    # No HEAD: everything staged is added, read whole (not a diff).
    root = tmp_path / 'app'
    git('init', '-q', '-b', BRANCH, str(root), cwd=tmp_path)
    _write(root, _base(root))
    _change(root)
    fast, full = _both(root, '--stage', 'commit')
    assert fast['violations'] == full['violations']
    assert (_skips(fast), _skips(full)) == tuple([n] for n in
                                                 SKIPS['default'])
    assert 'mv/escape-moved.md' in {
        v['path'] for v in fast['violations']}  # type: ignore[union-attr,index]


def _trace(root: Path, tmp_path: Path, *args: str,
           env: dict[str, str] | None = None) -> list[str]:
    """The git commands one check runs (``GIT_TRACE``)."""
    trace = tmp_path / 'trace'
    trace.unlink(missing_ok=True)
    proc = wg('check', '--rule', 'worktree-paths', *args, cwd=root,
              env={'GIT_TRACE': str(trace), **(env or {})})
    assert 'Traceback' not in proc.output
    return [line.split('built-in: git ', 1)[1].split(' ')[0]
            + (' --raw' if ' --raw ' in line else '')
            for line in trace.read_text().splitlines()
            if 'built-in: git ' in line]


def _n(ran: list[str], command: str) -> int:
    """How many of the commands ``ran`` start with ``command``."""
    return sum(r.startswith(command) for r in ran)


@pytest.mark.timeout(120)
def test_git_processes_of_a_small_and_a_large_change(tmp_path: Path) -> None:
    root = _repo(tmp_path, 'default')
    # A small change: one diff, as always (its listing comes first).
    _write(root, {'docs/escape.md': f'see {OUT}\n'})
    git('add', '-A', cwd=root)
    ran = _trace(root, tmp_path, '--stage', 'commit')
    assert _n(ran, 'diff-index --raw') == 1, ran
    assert _n(ran, 'diff-index') == 1 and 'grep' not in ran, ran
    # pre-commit's file names list the staged paths: the listing is the
    # one the pre-filter would read (a small change: no grep either).
    ran = _trace(root, tmp_path, '--stage', 'commit', 'docs/escape.md')
    assert _n(ran, 'diff-index --raw') == 1, ran
    assert _n(ran, 'diff-index') == 2 and 'grep' not in ran, ran
    # A large one: the diff stopped after its listing, one grep, one
    # diff of the candidates.
    _change(root)
    ran = _trace(root, tmp_path, '--stage', 'commit')
    assert _n(ran, 'diff-index --raw') == 1, ran
    assert _n(ran, 'diff-index') == 2 and _n(ran, 'grep') == 1, ran
    names = [f for f in git('diff', '--cached', '--name-only', cwd=root
                            ).splitlines() if f.startswith('docs/')]
    ran = _trace(root, tmp_path, '--stage', 'commit', *names)
    assert _n(ran, 'diff-index') == 2 and _n(ran, 'grep') == 1, ran
    # WORKTREE_GUARD_FULL_SCAN=1: one whole diff.
    ran = _trace(root, tmp_path, '--stage', 'commit',
                 env={'WORKTREE_GUARD_FULL_SCAN': '1'})
    assert _n(ran, 'diff-index') == 1 and 'grep' not in ran, ran


@pytest.mark.timeout(120)
def test_a_change_with_too_many_candidates_is_diffed_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from worktree_guard.gitctx import paths
    from worktree_guard.model import StageInput
    from worktree_guard.policy import default_policy
    root = _repo(tmp_path, 'default')
    files: dict[str, str | bytes] = {f'docs/e{i:03d}.md': f'see {OUT}\n'
                                     for i in range(PREFILTER_MIN + 1)}
    files.update({f'docs/clean{i:03d}.md': 'no literal\n'
                  for i in range(PREFILTER_MIN)})
    _write(root, files)
    git('add', '-A', cwd=root)
    monkeypatch.setenv('WORKTREE_GUARD_FULL_SCAN', '1')
    want = paths.path_facts(Repo.discover(str(root)), default_policy(),
                            StageInput('commit'))
    monkeypatch.delenv('WORKTREE_GUARD_FULL_SCAN')
    monkeypatch.setattr(paths, 'PATHSPEC_MAX', 10)
    monkeypatch.setattr(paths, 'NAME_COST', 1)
    got = paths.path_facts(Repo.discover(str(root)), default_policy(),
                           StageInput('commit'))
    assert got.changes[0].entries == want.changes[0].entries
    assert b'docs/clean000.md' in got.changes[0].data   # the whole diff
    assert got.changes[0].data == want.changes[0].data
    # Short names for few entries, but more bytes than a command line
    # should hold: the whole diff too.
    monkeypatch.setattr(paths, 'NAME_COST', 20000)
    got = paths.path_facts(Repo.discover(str(root)), default_policy(),
                           StageInput('commit'))
    assert b'docs/clean000.md' not in got.changes[0].data   # pre-filtered
    monkeypatch.setattr(paths, 'ARGS_MAX', 100)
    got = paths.path_facts(Repo.discover(str(root)), default_policy(),
                           StageInput('commit'))
    assert got.changes[0].data == want.changes[0].data


@pytest.mark.timeout(60)
def test_an_unmerged_path_sends_the_whole_change_to_one_diff(
        tmp_path: Path) -> None:
    root = _repo(tmp_path, 'default')
    _write(root, {'docs/keep.md': 'theirs\n'})
    _write(root, {f'docs/c{i:03d}.md': f'see {OUT}\n'
                  for i in range(PREFILTER_MIN + 1)})
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'theirs', cwd=root)
    git('switch', '-q', 'main', cwd=root)
    _write(root, {'docs/keep.md': 'ours\n'})
    git('commit', '-q', '-am', 'ours', cwd=root)
    git('merge', '-q', BRANCH, cwd=root, check=False)
    repo = Repo.discover(str(root))
    listed = staged_changes(repo)
    assert any(c[0] == 'U' for c in listed)
    assert len(listed) > PREFILTER_MIN
    ran = _trace(root, tmp_path, '--stage', 'commit', 'docs/keep.md')
    assert 'grep' not in ran and _n(ran, 'diff-index') == 2, ran


def test_staged_paths_name_both_sides_of_a_rename(tmp_path: Path) -> None:
    root = _repo(tmp_path, 'default')
    git('mv', 'mv/plain.md', 'mv/moved.md', cwd=root)
    repo = Repo.discover(str(root))
    assert staged_paths(repo) == {'mv/plain.md', 'mv/moved.md'}
    # Kept for the pre-filter, without a patch yet.
    assert repo.listings[('diff-index', '--cached', 'HEAD')][1] is None


@pytest.mark.parametrize(('content', 'expected'), [
    (None, -1),                        # no index file
    (b'DIRC\0\0\0\2\0\0\0\7', 7),
    (b'DIRC\0\0\0\2', -1),             # cut short
    (b'not an index file', -1),
])
def test_index_entries_reads_the_header(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        content: bytes | None,
                                        expected: int) -> None:
    git('init', '-q', str(tmp_path / 'r'), cwd=tmp_path)
    repo = Repo.discover(str(tmp_path / 'r'))
    if content is not None:
        (tmp_path / 'idx').write_bytes(content)
        monkeypatch.setitem(repo.env, 'GIT_INDEX_FILE', str(tmp_path / 'idx'))
    assert index_entries(repo) == expected


@pytest.mark.timeout(120)
def test_a_listing_longer_than_a_pipe_is_read_whole(tmp_path: Path) -> None:
    # 800 records are more than one read of the pipe: records cut
    # between two reads are joined.
    root = _repo(tmp_path, 'default')
    files: dict[str, str | bytes] = {
        f'many/d{i // 100:02d}/file-with-a-longer-name-{i:04d}.md':
        f'clean {i}\n' for i in range(800)}
    files['many/escape.md'] = f'see {OUT}\n'
    _write(root, files)
    git('add', '-A', cwd=root)
    fast, full = _both(root, '--stage', 'commit')
    assert fast == full
    assert [v['path'] for v in fast['violations']] == [  # type: ignore[union-attr,index]
        'many/escape.md']


@pytest.mark.timeout(60)
def test_a_small_change_with_a_long_patch_is_read_whole(
        tmp_path: Path) -> None:
    # Its patch comes in many reads after the listing: all of it is kept.
    root = _repo(tmp_path, 'default')
    _write(root, {'docs/long.md': 'a clean line of text\n' * 20000
                  + f'see {OUT}\n'})
    git('add', '-A', cwd=root)
    fast, full = _both(root, '--stage', 'commit')
    assert fast == full
    assert [(v['path'], v['line']) for v in fast['violations']] == [  # type: ignore[union-attr,index]
        ('docs/long.md', 20001)]


@pytest.mark.timeout(60)
def test_a_large_change_with_nothing_to_read_runs_one_diff(
        tmp_path: Path) -> None:
    # No changed file holds a literal: the diff stopped after its listing
    # is the only one, and the listing's paths are still judged.
    root = _repo(tmp_path, 'default')
    files: dict[str, str | bytes] = {f'docs/clean/f{i:03d}.md': 'clean\n'
                                     for i in range(PREFILTER_MIN + 10)}
    files['trees/issue-9-x/a.md'] = 'a staged worktree\n'
    _write(root, files)
    git('add', '-A', cwd=root)
    ran = _trace(root, tmp_path, '--stage', 'commit')
    assert _n(ran, 'diff-index') == 1 and _n(ran, 'grep') == 1, ran
    fast, full = _both(root, '--stage', 'commit')
    assert fast == full
    assert [v['kind'] for v in fast['violations']] == [  # type: ignore[union-attr,index]
        'staged-worktree']


def test_refs_of_one_range_share_its_diff_in_a_receive_hook(
        tmp_path: Path) -> None:
    # A receive hook's repository is frozen: two refs pushed at one tip
    # share the one diff of their range (read once, the same bytes).
    from worktree_guard.gitctx import paths
    from worktree_guard.model import RefUpdate
    from worktree_guard.model import StageInput
    from worktree_guard.policy import default_policy
    root = _repo(tmp_path, 'default')
    base = git('rev-parse', 'main', cwd=root).strip()
    _write(root, {'docs/escape.md': f'see {OUT}\n'})
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'escape', cwd=root)
    tip = git('rev-parse', 'HEAD', cwd=root).strip()
    inp = StageInput('push', [RefUpdate(f'refs/heads/{name}', tip,
                                        f'refs/heads/{name}', base)
                              for name in ('issue-1-a', 'issue-2-b')])
    for frozen in (False, True):
        repo = Repo.discover(str(root))
        repo.frozen = frozen
        facts = paths.path_facts(repo, default_policy(), inp)
        one, two = facts.changes
        assert one.data == two.data and b'docs/escape.md' in one.data
        assert (one.data is two.data) == frozen
