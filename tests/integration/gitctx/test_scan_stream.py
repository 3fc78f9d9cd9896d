"""Whole-file scans stream (issue 17): the files worth reading go through
ONE buffered ``cat-file --batch`` and reach the rule a chunk at a time, so
neither the memory held nor the git processes started grow with the
files; a whole listing becomes records only for what a rule judges by
path; and the findings are those of reading every file
(``WORKTREE_GUARD_FULL_SCAN=1``)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import there
from tests.helpers import git
from tests.helpers import wg
from worktree_guard.gitctx import blobs
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import paths
from worktree_guard.gitctx.blobs import Stream
from worktree_guard.model import StageInput
from worktree_guard.policy import default_policy
from worktree_guard.rules import worktree_paths


def _repo(tmp_path: Path, files: dict[str, str | bytes],
          branch: str = 'issue-17-stream') -> Path:
    root = tmp_path / 'app'
    git('init', '-q', '-b', branch, str(root), cwd=tmp_path)
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
    git('add', '-A', cwd=root)
    return root


def _many(n: int) -> dict[str, str | bytes]:
    """``n`` files of ~1 KB with an in-tree ``../`` link (every one is a
    candidate) and one that leaves the repository."""
    files: dict[str, str | bytes] = {
        f'd/f{i:04d}.md': f'see ../d/f0000.md {"x" * 1000}\n'
        for i in range(n)}
    files['d/bad.md'] = 'see ../../../x.md\n'
    return files


def _facts(root: Path, progress: object = None) -> tuple[object, list[str]]:
    inp = StageInput('commit', all_files=True)
    inp.progress = progress  # type: ignore[assignment]
    pol = default_policy()
    facts = paths.path_facts(Repo.discover(str(root)), pol, inp)
    notes: list[str] = []
    found = worktree_paths.check(facts, pol, notes)
    return facts, [f'{v.path}:{v.line}' for v in found] + notes


@pytest.mark.timeout(120)
@pytest.mark.parametrize('n', [40, 400])
def test_chunks_hold_a_bounded_share_and_git_runs_the_same_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    monkeypatch.setattr(blobs, 'CHUNK_BYTES', 8 * 1024)
    root = _repo(tmp_path, _many(n))
    trace = tmp_path / 'trace'
    monkeypatch.setenv('GIT_TRACE', str(trace))
    facts, found = _facts(root)
    assert found == ['d/bad.md:1']
    ran = [line.split('built-in: ', 1)[1].split(' -')[0] for line in
           trace.read_text().splitlines() if 'built-in: git' in line]
    # One listing, one grep, one reader (sizes from the same pass):
    # however many files.
    assert sorted(ran) == ['git cat-file', 'git grep', 'git ls-files',
                           'git rev-parse'], ran
    change = facts.changes[0]   # type: ignore[attr-defined]
    assert isinstance(change.parts, Stream)
    chunks = list(change.parts)
    sizes = [len(c.data) for c in chunks]
    # No chunk holds more than CHUNK_BYTES and one file (with its header).
    assert len(sizes) > 1 and max(sizes) < 8 * 1024 + 1100
    assert sum(len(c.regions) for c in chunks) == n + 1


@pytest.mark.timeout(120)
def test_progress_is_heard_per_chunk_of_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blobs, 'PROGRESS_CHUNK', 10)
    root = _repo(tmp_path, _many(24))
    heard: list[tuple[int, int]] = []
    _facts(root, lambda done, total: heard.append((done, total)))
    assert heard == [(10, 25), (20, 25), (25, 25)]
    heard.clear()
    (tmp_path / 'b').mkdir()
    root2 = _repo(tmp_path / 'b', _many(19))
    _facts(root2, lambda done, total: heard.append((done, total)))
    assert heard == [(10, 20), (20, 20)]   # the last chunk is the end


LINK_TARGETS = {'out': '../../x', 'in': 'docs/a.md', 'abs': '/etc/passwd'}


@pytest.mark.timeout(120)
@pytest.mark.parametrize('policy', [
    'version: 1\n',
    'version: 1\npaths:\n  exclude: ["skip/**"]\n  max-file-size: 2KB\n',
])
def test_findings_and_counts_match_reading_every_file(
        tmp_path: Path, policy: str) -> None:
    files: dict[str, str | bytes] = {
        '.worktree-guard.yaml': policy,
        'docs/a.md': 'see ../../../up.md and /home/ann/x\n',
        'docs/clean.md': 'nothing to see\n',
        'skip/b.md': 'see ../../../skipped.md\n',
        'big.md': '../../../big ' + 'x' * 5000 + '\n',
        'bin.dat': b'\0 ../../../x\n',
        'trees/issue-9-x/f.md': 'inside a worktree\n',
        'trees/issue-9-x/g.md': 'and ../../../out\n',
        'tab\there.md': 'see ../../../tab.md\n',
    }
    root = _repo(tmp_path, files)
    for name, target in LINK_TARGETS.items():
        (root / name).symlink_to(target)
    sub = tmp_path / 'sub'
    git('init', '-q', str(sub), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 's', cwd=sub)
    head = git('rev-parse', 'HEAD', cwd=sub).strip()
    git('update-index', '--add', '--cacheinfo', f'160000,{head},vendor/sub',
        cwd=root)
    git('add', '-A', cwd=root)
    args = ('check', '--all-files', '--rule', 'worktree-paths',
            '--format', 'json')
    fast = wg(*args, cwd=root)
    full = wg(*args, cwd=root, env={'WORKTREE_GUARD_FULL_SCAN': '1'})
    assert fast.returncode == full.returncode == 1, (fast, full)
    a, b = json.loads(fast.stdout), json.loads(full.stdout)
    assert a['violations'] == b['violations']
    named = {(v['path'], v['kind']) for v in a['violations']}
    assert ('out', 'escaping-symlink') in named
    assert ('trees/issue-9-x', 'staged-worktree') in named
    assert ('tab\there.md', 'relative-escape') in named
    assert not any(p in ('bin.dat', 'docs/clean.md') for p, _ in named)
    note = next(n for n in a['notes'] if 'skipped' in n)
    assert '1 binary file' in note
    if 'exclude' in policy:
        assert 'big.md' not in {p for p, _ in named}
        assert '1 file over 2KB' in note and 'excluded' in note
        assert not any(p.startswith('skip/') for p, _ in named)


@pytest.mark.timeout(120)
@pytest.mark.parametrize('dockerfile', [
    None, 'Dockerfile', 'ci/app.containerfile'])
def test_dockerfile_users_are_known_before_the_content_is_judged(
        tmp_path: Path, dockerfile: str | None) -> None:
    files: dict[str, str | bytes] = {
        'docs/a.md': 'the app lives in /home/ann/srv\n'}
    if dockerfile:
        files[dockerfile] = 'FROM x\nRUN useradd -m ann\nUSER ann\n'
    root = _repo(tmp_path, files)
    facts, found = _facts(root)
    change = facts.changes[0]   # type: ignore[attr-defined]
    # The content stays streamed (never held whole); a tree with a
    # Dockerfile has its users read before judging.
    assert isinstance(change.parts, Stream)
    if dockerfile:
        assert facts.container_users == {'ann'}  # type: ignore[attr-defined]
    assert [f for f in found if f.startswith('docs/')] == (
        [] if dockerfile else ['docs/a.md:1'])
    full = wg('check', '--all-files', '--rule', 'worktree-paths',
              '--format', 'json', cwd=root,
              env={'WORKTREE_GUARD_FULL_SCAN': '1'})
    fast = wg('check', '--all-files', '--rule', 'worktree-paths',
              '--format', 'json', cwd=root)
    assert json.loads(fast.stdout)['violations'] == \
        json.loads(full.stdout)['violations']


@pytest.mark.timeout(120)
def test_a_pushed_root_commit_streams_its_tree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from worktree_guard.model import RefUpdate
    root = _repo(tmp_path, {**_many(5), 'l': 'x'})
    (root / 'l').unlink()
    (root / 'l').symlink_to('../../x')
    git('add', '-A', cwd=root)
    git('commit', '-q', '-m', 'all', cwd=root)
    tip = git('rev-parse', 'HEAD', cwd=root).strip()
    inp = StageInput('push', updates=[RefUpdate(
        'refs/heads/issue-17-stream', tip, 'refs/heads/issue-17-stream',
        '0' * 40)])
    pol = default_policy()
    got = []
    for full in ('', '1'):
        monkeypatch.setenv('WORKTREE_GUARD_FULL_SCAN', full)
        facts = paths.path_facts(Repo.discover(str(root)), pol, inp)
        got.append([(v.path, v.line, v.kind) for v in
                    worktree_paths.check(facts, pol)])
        if not full:
            assert isinstance(facts.changes[0].parts, Stream)
            assert facts.changes[0].parts.tree == tip
    assert got[0] == got[1]
    assert {p for p, _, _ in got[0]} == {'d/bad.md', 'l'}


def test_a_stream_of_missing_files_is_no_change(tmp_path: Path) -> None:
    root = _repo(tmp_path, {'a.md': 'x\n'})
    stream = Stream(Repo.discover(str(root)), None, [], 10, set(), set())
    assert list(stream) == [] and repr(stream) == 'Stream(0 files)'
    assert blobs.sizes(Repo.discover(str(root)), []) == []
    assert blobs.read_small(Repo.discover(str(root)), []) == []


@pytest.mark.timeout(60)
def test_reading_every_file_leaves_a_missing_object_unread(
        tmp_path: Path) -> None:
    root = _repo(tmp_path, {'a.md': 'see ../x\n'})
    there(root, '../x')   # on this machine: an error
    git('update-index', '--add', '--cacheinfo',
        f'100644,{"12" * 20},gone', cwd=root)
    proc = wg('check', '--all-files', '--rule', 'worktree-paths', cwd=root,
              env={'WORKTREE_GUARD_FULL_SCAN': '1'})
    assert proc.returncode == 1, proc
    assert 'a.md:1:5' in proc.stdout and 'gone' not in proc.stdout
    assert 'Traceback' not in proc.output


@pytest.mark.timeout(60)
def test_a_streamed_grep_that_fails_is_a_git_error_and_reruns_read_again(
        tmp_path: Path) -> None:
    from worktree_guard.errors import GitError
    from worktree_guard.gitctx.scan import start
    root = _repo(tmp_path, _many(3))
    repo = Repo.discover(str(root))
    stream = Stream(repo, None, [], 1 << 20, set(), set())
    stream.source = start(repo, [b'../'], '0' * 40)
    stream.tree = '0' * 40
    with pytest.raises(GitError, match="'git grep' failed"):
        list(stream)
    # The index, named as grep names them (cut anywhere): read twice.
    stream = Stream(repo, None, [], 1 << 20, set(), set())
    stream.source = start(repo, [b'../'])
    first = [r for c in stream for r in c.regions]
    assert [p for _, _, p in first] == sorted(_many(3))
    assert stream.source is None and len(stream.files) == 4
    assert [r for c in stream for r in c.regions] == first
