"""``worktree-guard wt``: the done-when walk-through of issue 5 through the
real console script, then every command's edges in-process (real git, real
worktrees, a local bare remote)."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import wg
from worktree_guard import cli

T45 = 'trees/issue-45-add-rust-sdk-support'
T46 = 'trees/issue-46-update-documentation'
T47 = 'trees/issue-47-fix-performance-bug'


class Out:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    def __repr__(self) -> str:
        return f'Out({self.code}, out={self.out!r}, err={self.err!r})'


Run = Callable[..., Out]


def make_runner(monkeypatch: pytest.MonkeyPatch,
                capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``worktree-guard wt ARGS`` in-process in ``cwd``."""
    def run(cwd: Path, *args: str) -> Out:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = cli.main(['wt', *args])
        got = capsys.readouterr()
        assert 'Traceback' not in got.err
        return Out(code, got.out, got.err)
    return run


@pytest.fixture
def wt(monkeypatch: pytest.MonkeyPatch,
       capsys: pytest.CaptureFixture[str]) -> Run:
    return make_runner(monkeypatch, capsys)


def publish_policy(main: Path, text: str | None = None,
                   approve: bool = True) -> None:
    """Write the policy (``text``), commit it and the include listing on
    main and push them (wt's commands come from the base's committed
    policy only), then approve its commands on this machine
    (``wt trust --yes``)."""
    if text is not None:
        (main / '.worktree-guard.yaml').write_text(text)
    git('add', '-A', '--', '.worktree-guard.yaml', cwd=main)
    if (main / '.worktreeinclude').exists():
        git('add', '--', '.worktreeinclude', cwd=main)
    git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--allow-empty',
        '-m', 'policy', cwd=main)
    git('-c', 'core.hooksPath=/dev/null', 'pull', '-q', '--rebase',
        '--autostash', 'origin', 'main', cwd=main)
    git('push', '-q', 'origin', 'main', cwd=main)
    if approve:
        proc = wg('wt', 'trust', '--yes', cwd=main)
        assert proc.returncode in (0, 2), proc


def _branch(path: Path) -> str:
    return git('branch', '--show-current', cwd=path).strip()


# -- done when (the real console script, as a new user would) -------------------------

def test_three_parallel_issues(plain_repo: RepoHandle) -> None:
    main = plain_repo.path
    proc = wg('wt', 'create', '45', '[plan][feat]: Add Rust SDK support',
              cwd=main)
    assert proc.returncode == 0, proc
    wt45 = main / T45
    assert _branch(wt45) == 'issue-45-add-rust-sdk-support'
    assert plain_repo.head(cwd=wt45) == plain_repo.git(
        'rev-parse', 'origin/main').strip()
    # From inside issue 45's worktree, 46 still lands in the main checkout.
    proc = wg('wt', 'create', '46', 'update', 'documentation', cwd=wt45)
    assert proc.returncode == 0, proc
    assert (main / T46).is_dir()
    assert not (wt45 / 'trees').exists()
    assert _branch(main / T46) == 'issue-46-update-documentation'
    proc = wg('wt', 'create', '47', 'fix performance bug', cwd=main)
    assert proc.returncode == 0, proc

    # 45 and 47 change the same line; 46 changes the docs.
    plain_repo.commit('rust', cwd=main / T45,
                      files={'src/app.py': 'print("rust sdk")\n'})
    plain_repo.commit('perf', cwd=main / T47,
                      files={'src/app.py': 'print("fast")\n'})
    plain_repo.commit('docs', cwd=main / T46,
                      files={'docs/guide.md': '# Guide\n\nMore.\n'})
    proc = wg('wt', 'status', cwd=main)
    assert proc.returncode == 1, proc  # a conflict is forecast
    assert 'issue-45-add-rust-sdk-support + issue-47-fix-performance-bug: ' \
        'src/app.py' in proc.stdout
    assert 'would CONFLICT in src/app.py' in proc.stdout
    assert 'no overlap: issue-46-update-documentation' in proc.stdout
    data = json.loads(wg('wt', 'status', '--json', cwd=main).stdout)
    (pair,) = data['overlaps']
    assert pair['branches'] == ['issue-45-add-rust-sdk-support',
                                'issue-47-fix-performance-bug']
    assert (pair['conflict'], pair['conflict_files']) == (True,
                                                          ['src/app.py'])
    rows = {r['issue']: r for r in data['worktrees']}
    assert rows[46]['files'] == ['docs/guide.md']

    # A dirty worktree is never removed without --force.
    (main / T46 / 'docs' / 'guide.md').write_text('edited\n')
    proc = wg('wt', 'remove', '46', cwd=main)
    assert proc.returncode == 1, proc
    assert 'has 1 uncommitted change; nothing was removed' in proc.stderr
    assert 'M docs/guide.md' in proc.stderr
    assert (main / T46 / 'docs' / 'guide.md').read_text() == 'edited\n'
    assert 'issue-46-update-documentation' in plain_repo.git('branch')
    assert_no_traceback(proc)


# -- create ------------------------------------------------------------------------------

def test_issue_numbers_match_exactly(plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    assert wt(main, 'create', '42', 'answer').code == 0
    assert wt(main, 'create', '4', 'four').code == 0  # 42 is not 4
    r = wt(main, 'create', '4', 'again')
    assert r.code == 1, r
    assert 'issue 4 already has a worktree: trees/issue-4-four' in r.err
    r = wt(main, 'create', '#42', 'again')
    assert r.code == 1 and 'trees/issue-42-answer' in r.err
    # A worktree made by hand is found by its folder name too.
    plain_repo.git('worktree', 'add', '-q', '--detach',
                   str(main / 'trees' / 'issue-7-by-hand'))
    assert wt(main, 'create', '7', 'x').code == 1


def test_create_ignores_root_in_info_exclude(plain_repo: RepoHandle,
                                             wt: Run) -> None:
    """The root goes to .git/info/exclude (local, nothing to commit), not
    to the tracked .gitignore; the message names the file."""
    gi = plain_repo.path / '.gitignore'
    gi.write_text('*.log')  # trees/ not ignored
    exclude = plain_repo.path / '.git' / 'info' / 'exclude'
    exclude.write_text('# git ls-files --others --exclude-from=...')
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert r.code == 0, r
    assert gi.read_text() == '*.log'
    assert exclude.read_text().endswith('...\n/trees/\n')
    assert f"added '/trees/' to {exclude}" in r.out
    assert 'nothing to commit' in r.out
    assert plain_repo.git('status', '--porcelain') == ' M .gitignore\n'
    exclude.unlink()
    exclude.parent.rmdir()
    assert wt(plain_repo.path, 'create', '6', 'y').code == 0
    assert exclude.read_text() == '/trees/\n'
    # Already ignored: left alone.
    assert wt(plain_repo.path, 'create', '8', 'z').code == 0
    assert exclude.read_text() == '/trees/\n'


def test_create_with_root_outside_the_checkout(plain_repo: RepoHandle,
                                               wt: Run) -> None:
    # The policy refuses '..' in root; a symlinked root still leads out.
    (plain_repo.path.parent / 'wts').mkdir()
    (plain_repo.path / 'wts').symlink_to(plain_repo.path.parent / 'wts')
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'worktrees:\n  root: wts\n')
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert r.code == 0, r
    assert (plain_repo.path.parent / 'wts' / 'issue-5-x').is_dir()
    assert (plain_repo.path / '.gitignore').read_text() == 'trees/\n'


def test_print_path(plain_repo: RepoHandle, wt: Run) -> None:
    r = wt(plain_repo.path, 'create', '9', 'Print me', '--print-path')
    assert r.code == 0, r
    path = os.path.realpath(plain_repo.path / 'trees' / 'issue-9-print-me')
    assert r.out == path + '\n'
    assert 'created worktree' in r.err


def test_create_slug_and_pattern_errors(plain_repo: RepoHandle,
                                        wt: Run) -> None:
    main = plain_repo.path
    for bad in ('abc', '0', '-3'):
        r = wt(main, 'create', '--', bad, 'x')
        assert r.code == 2 and 'is not an issue number' in r.err, r
        assert 'e.g. worktree-guard wt create 45 "Add Rust SDK support"' \
            in r.err
    r = wt(main, 'create', '3', '[only tags]')
    assert r.code == 2 and 'leaves no slug' in r.err
    (main / '.worktree-guard.yaml').write_text(
        "branches:\n  pattern: '^feat/(?P<issue>[0-9]+)$'\n")
    r = wt(main, 'create', '3', 'x')
    assert r.code == 2 and 'would not match branches.pattern' in r.err
    (main / '.worktree-guard.yaml').write_text(
        "branches:\n  pattern: '^feat/(?P<issue>[0-9]+)$'\n"
        "  exempt: ['issue-*']\n")
    assert wt(main, 'create', '3', 'x').code == 0


def test_slug_length_policy(plain_repo: RepoHandle, wt: Run) -> None:
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'branches:\n  slug-max-length: 10\n')
    r = wt(plain_repo.path, 'create', '46', 'update documentation now')
    assert r.code == 0
    assert (plain_repo.path / 'trees' / 'issue-46-update').is_dir()


def test_create_refuses_an_existing_folder(plain_repo: RepoHandle,
                                           wt: Run) -> None:
    (plain_repo.path / 'trees' / 'issue-5-x').mkdir(parents=True)
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert r.code == 2 and 'trees/issue-5-x already exists' in r.err


def test_create_reuses_an_existing_branch(plain_repo: RepoHandle,
                                          wt: Run) -> None:
    plain_repo.git('branch', 'issue-5-x', 'main')
    plain_repo.git('commit', '--allow-empty', '-q', '-m', 'local only')
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert r.code == 0, r
    assert 'existing branch' in r.out
    assert _branch(plain_repo.path / 'trees' / 'issue-5-x') == 'issue-5-x'


def test_create_starts_from_the_fetched_remote_tip(
        plain_repo: RepoHandle, wt: Run, tmp_path: Path) -> None:
    other = tmp_path / 'other'
    git('clone', '-q', str(plain_repo.remote), str(other), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'remote work', cwd=other)
    git('push', '-q', 'origin', 'main', 'main:develop', cwd=other)
    tip = git('rev-parse', 'HEAD', cwd=other).strip()
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert 'origin/main (just fetched)' in r.out
    assert plain_repo.head(cwd=plain_repo.path / 'trees/issue-5-x') == tip
    # No upstream: the branch is pushed under its own name later.
    assert plain_repo.run_git('rev-parse', '--abbrev-ref', 'issue-5-x@{u}'
                              ).returncode != 0
    r = wt(plain_repo.path, 'create', '6', 'y', '--base', 'develop')
    assert 'origin/develop (just fetched)' in r.out, r
    first = plain_repo.git('rev-list', '--max-parents=0', 'main').strip()
    r = wt(plain_repo.path, 'create', '7', 'z', '--base', first)
    assert r.code == 0, r
    assert plain_repo.head(cwd=plain_repo.path / 'trees/issue-7-z') == first
    r = wt(plain_repo.path, 'create', '8', 'z', '--base', 'no-such-ref')
    assert r.code == 2 and "cannot find the base 'no-such-ref'" in r.err


def test_create_when_the_remote_is_unreachable(plain_repo: RepoHandle,
                                               wt: Run) -> None:
    cached = plain_repo.git('rev-parse', 'origin/main').strip()
    plain_repo.git('remote', 'set-url', 'origin', '/nonexistent/remote.git')
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert r.code == 0, r
    assert 'warning: could not fetch origin/main' in r.out
    assert 'origin/main (cached)' in r.out
    assert plain_repo.head(cwd=plain_repo.path / 'trees/issue-5-x') == cached
    # No remote at all: the local base branch, with a warning.
    plain_repo.git('remote', 'remove', 'origin')
    r = wt(plain_repo.path, 'create', '6', 'y')
    assert r.code == 0, r
    assert 'warning: origin/main is not available' in r.out
    assert 'from main at' in r.out


def test_create_fetch_timeout(plain_repo: RepoHandle, wt: Run,
                              tmp_path: Path) -> None:
    """A remote that never answers: the fetch is cut at sync.fetch-timeout."""
    slow = tmp_path / 'slow-upload-pack'
    slow.write_text('#!/bin/sh\nsleep 30\n')
    slow.chmod(0o755)
    plain_repo.git('config', 'remote.origin.uploadpack', str(slow))
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'sync:\n  fetch-timeout: 1\n')
    r = wt(plain_repo.path, 'create', '5', 'x')
    assert r.code == 0, r
    assert 'no answer within 1 s, sync.fetch-timeout' in r.out


def _fake_gh(tmp_path: Path, script: str) -> str:
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    gh = bindir / 'gh'
    gh.write_text('#!/bin/sh\n' + script)
    gh.chmod(0o755)
    return str(bindir)


def test_title_from_gh(plain_repo: RepoHandle, wt: Run, tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _fake_gh(
        tmp_path,
        '[ "$*" = "issue view 45 --json title --jq .title" ] || exit 3\n'
        'echo "[plan][feat]: Add Rust SDK support"\n')
    monkeypatch.setenv('PATH', bindir + os.pathsep + os.environ['PATH'])
    r = wt(plain_repo.path, 'create', '45')
    assert r.code == 0, r
    assert (plain_repo.path / T45).is_dir()
    r = wt(plain_repo.path, 'create', '46')
    assert r.code == 2 and 'gh could not read the title of issue 46' in r.err
    assert 'pass the title yourself: worktree-guard wt create 46 <title ' \
        'words>' in r.err


def test_gh_failure_without_message(plain_repo: RepoHandle, wt: Run,
                                    tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = _fake_gh(tmp_path, 'exit 0\n')
    monkeypatch.setenv('PATH', bindir + os.pathsep + os.environ['PATH'])
    r = wt(plain_repo.path, 'create', '45')
    assert r.code == 2 and r.err.startswith(
        'worktree-guard: error: gh could not read the title of issue 45\n')


def test_no_title_and_no_gh(plain_repo: RepoHandle, wt: Run, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    for tool in ('git',):
        for d in os.environ['PATH'].split(os.pathsep):
            if os.path.exists(os.path.join(d, tool)):
                (bindir / tool).symlink_to(os.path.join(d, tool))
                break
    monkeypatch.setenv('PATH', str(bindir))
    r = wt(plain_repo.path, 'create', '45')
    assert r.code == 2
    assert 'a title is needed for issue 45' in r.err
    # The full command, as the user types it.
    assert 'hint: worktree-guard wt create 45 <title words>  (or install ' \
        "the GitHub CLI 'gh'" in r.err


def test_bootstrap_files(plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    publish_policy(main,
        'worktrees:\n  bootstrap: [CLAUDE.md, .claude/, missing.txt, '
        '../escape, /etc/passwd, README.md, link]\n')
    (main / 'CLAUDE.md').write_text('local notes\n')
    (main / '.claude').mkdir()
    (main / '.claude' / 'settings.json').write_text('{}\n')
    (main / 'link').symlink_to('CLAUDE.md')
    (main / '.gitignore').write_text('trees/\nCLAUDE.md\n')
    r = wt(main, 'create', '5', 'x')
    assert r.code == 0, r
    new = main / 'trees' / 'issue-5-x'
    assert (new / 'CLAUDE.md').read_text() == 'local notes\n'
    assert (new / '.claude' / 'settings.json').read_text() == '{}\n'
    assert os.readlink(new / 'link') == 'CLAUDE.md'
    for msg in ('bootstrap: copied CLAUDE.md', 'bootstrap: copied .claude/',
                "bootstrap: skipped 'missing.txt': not found",
                "bootstrap: skipped '../escape': not a path inside",
                "bootstrap: skipped '/etc/passwd': not a path inside",
                'bootstrap: kept README.md: the new worktree already has it'):
        assert msg in r.out, msg
    assert (new / 'README.md').read_text() == '# demo\n\nSee docs/guide.md.\n'
    # The copies are not the user's work: remove needs no --force.
    r = wt(main, 'remove', '5')
    assert r.code == 0, r
    assert not new.exists()


def test_bootstrap_directory_keeps_tracked_files(plain_repo: RepoHandle,
                                                 wt: Run) -> None:
    main = plain_repo.path
    publish_policy(main, 'worktrees:\n  bootstrap: [docs]\n')
    (main / 'docs' / 'guide.md').write_text('local edit\n')
    (main / 'docs' / 'extra.md').write_text('extra\n')
    assert wt(main, 'create', '5', 'x').code == 0
    new = main / 'trees' / 'issue-5-x' / 'docs'
    assert (new / 'guide.md').read_text() == '# Guide\n\n[readme](../README.md)\n'
    assert (new / 'extra.md').read_text() == 'extra\n'


# -- list --------------------------------------------------------------------------------

def test_list(plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    wt(main, 'create', '45', 'rust')
    wt(main, 'create', '46', 'docs')
    plain_repo.commit('a', cwd=main / 'trees/issue-45-rust',
                      files={'a.txt': 'a\n'})
    (main / 'trees/issue-46-docs/new.txt').write_text('x\n')
    plain_repo.git('worktree', 'add', '-q', '--detach',
                   str(main / 'trees' / 'review'))
    plain_repo.git('worktree', 'lock', '--reason', 'agent busy',
                   str(main / 'trees' / 'review'))
    gone = plain_repo.worktree('issue-9-gone')
    for p in sorted(gone.rglob('*'), reverse=True):
        p.unlink() if p.is_file() or p.is_symlink() else p.rmdir()
    gone.rmdir()
    r = wt(main, 'list')
    assert r.code == 0, r
    lines = r.out.splitlines()
    assert lines[0].startswith('base: origin/main ')
    # The same column order as wt status: BEHIND, then AHEAD.
    assert lines[1].split() == ['ISSUE', 'BRANCH', 'BEHIND', 'AHEAD', 'STATE',
                                'LAST', 'PATH']
    assert lines[2].split()[:5] == ['-', 'main', '0', '0', 'clean']
    assert lines[2].endswith('.  (main)')
    rows = {ln.split()[1]: ln.split() for ln in lines[3:] if ln[0] != 'p'}
    assert rows['issue-45-rust'][:5] == ['45', 'issue-45-rust', '0', '1',
                                         'clean']
    assert rows['issue-46-docs'][4] == 'dirty(1)'
    assert rows['(detached)'][4] == 'clean,locked'
    assert rows['issue-9-gone'][4] == 'prunable'
    assert any(ln.startswith('prunable: ') for ln in lines)
    data = json.loads(wt(main, 'list', '--json').out)
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-45-rust']['ahead'] == 1
    assert by['issue-46-docs']['dirty'] == 1
    assert by['issue-9-gone']['prunable']
    assert by['issue-9-gone']['dirty'] is None
    assert by[None]['locked'] == 'agent busy'
    assert by['issue-45-rust']['issue'] == 45
    assert isinstance(by['issue-45-rust']['last_commit'], int)


def test_list_without_base(plain_repo: RepoHandle, wt: Run) -> None:
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'base:\n  branch: trunk\n')
    r = wt(plain_repo.path, 'list')
    assert r.code == 0
    assert 'note: no origin/trunk and no local trunk: ahead/behind unknown' \
        in r.out
    assert r.out.splitlines()[2].split()[2:4] == ['-', '-']
    plain_repo.git('branch', 'trunk')
    r = wt(plain_repo.path, 'list')
    assert 'note: no origin/trunk: comparing with the local trunk' in r.out


def test_list_bare_repository(tmp_path: Path, wt: Run) -> None:
    bare = tmp_path / 'repo.git'
    src = tmp_path / 'src'
    git('init', '-q', '-b', 'main', str(src), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=src)
    git('clone', '-q', '--bare', str(src), str(bare), cwd=tmp_path)
    r = wt(bare, 'list')
    assert r.code == 0, r
    assert r.out.splitlines()[2].split()[:2] == ['-', '(bare)']
    assert ' bare ' in r.out.splitlines()[2]


# -- bare layout -------------------------------------------------------------------------

def test_bare_layout(tmp_path: Path, wt: Run) -> None:
    src = tmp_path / 'src'
    git('init', '-q', '-b', 'main', str(src), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=src)
    bare = tmp_path / 'repo.git'
    git('clone', '-q', '--bare', str(src), str(bare), cwd=tmp_path)
    r = wt(bare, 'create', '1', 'x')
    assert r.code == 2 and 'no main checkout' in r.err
    pol = tmp_path / 'bare.yaml'
    pol.write_text('worktrees:\n  layout: bare\n  bootstrap: [x]\n')
    r = wt(bare, 'create', '1', 'x', '--policy', str(pol))
    assert r.code == 0, r
    assert 'not approved on this machine' in r.out
    first = bare / 'trees' / 'issue-1-x'
    assert wt(bare, 'trust', '--yes', '--policy', str(pol)).code == 0
    r = wt(bare, 'setup', '1', '--policy', str(pol))
    assert r.code == 0, r
    assert first.is_dir()
    assert "bootstrap: skipped 'x': no checkout to copy it from" in r.out
    r = wt(first, 'create', '2', 'y', '--policy', str(pol))
    assert r.code == 0, r
    assert (bare / 'trees' / 'issue-2-y').is_dir()
    r = wt(first, 'status', '--policy', str(pol))
    assert 'worktree-layout' not in r.out


# -- remove ------------------------------------------------------------------------------

def test_remove_merged_and_unmerged(plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    wt(main, 'create', '1', 'merged')
    wt(main, 'create', '2', 'unmerged')
    wt(main, 'create', '3', 'kept')
    plain_repo.commit('work', cwd=main / 'trees/issue-2-unmerged',
                      files={'x.txt': 'x\n'})
    r = wt(main, 'remove', '1')
    assert r.code == 0, r
    assert r.out.splitlines()[0] == 'removed worktree trees/issue-1-merged'
    assert 'deleted branch issue-1-merged (was ' in r.out
    assert 'merged into origin/main' in r.out
    assert 'issue-1-merged' not in plain_repo.git('branch')
    r = wt(main, 'remove', '2')
    assert r.code == 0, r
    assert 'kept branch issue-2-unmerged: not merged into origin/main' in \
        r.out
    assert 'issue-2-unmerged' in plain_repo.git('branch')
    r = wt(main, 'remove', '3', '--keep-branch')
    assert 'kept branch issue-3-kept (--keep-branch)' in r.out
    assert 'issue-3-kept' in plain_repo.git('branch')


def test_remove_rebase_merged_branch(plain_repo: RepoHandle,
                                     wt: Run) -> None:
    """A branch whose commits reached main as equal patches is merged."""
    main = plain_repo.path
    wt(main, 'create', '1', 'x')
    plain_repo.commit('work', cwd=main / 'trees/issue-1-x',
                      files={'x.txt': 'x\n'})
    plain_repo.git('cherry-pick', 'issue-1-x')
    plain_repo.git('push', '-q', '--no-verify', 'origin', 'main')
    r = wt(main, 'remove', '1')
    assert 'deleted branch issue-1-x' in r.out, r


def test_remove_force(plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    wt(main, 'create', '1', 'x')
    w = main / 'trees/issue-1-x'
    plain_repo.commit('work', cwd=w, files={'x.txt': 'x\n'})
    for i in range(12):
        (w / f'new{i}.txt').write_text('x\n')
    r = wt(main, 'remove', '1')
    assert r.code == 1
    assert 'has 12 uncommitted changes' in r.err
    assert '... and 2 more' in r.err
    assert w.is_dir()
    r = wt(main, 'remove', '1', '--force')
    assert r.code == 0, r
    assert 'discarded 12 uncommitted changes (--force)' in r.out
    assert 'deleted branch issue-1-x' in r.out and 'NOT merged' in r.out
    assert not w.exists()


def test_remove_locked_gone_detached_and_missing(
        plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    locked = plain_repo.worktree('issue-1-locked')
    plain_repo.git('worktree', 'lock', str(locked))
    r = wt(main, 'remove', '1')
    assert r.code == 1 and 'is locked (locked)' in r.err
    r = wt(main, 'remove', '1', '--force')
    assert r.code == 0, r
    assert not locked.exists()
    gone = plain_repo.worktree('issue-2-gone')
    plain_repo.git('worktree', 'move', str(gone), str(main.parent / 'tmp'))
    (main.parent / 'tmp' / '.git').unlink()
    r = wt(main, 'remove', '2')
    assert r.code == 0, r
    assert 'dropped the stale worktree entry' in r.out
    assert 'left the folder' in r.out and (main.parent / 'tmp').is_dir()
    assert 'issue-2-gone' not in plain_repo.git('worktree', 'list')
    gone = plain_repo.worktree('issue-6-gone')
    plain_repo.git('worktree', 'move', str(gone), str(main.parent / 'tmp6'))
    (main.parent / 'tmp6' / '.git').unlink()
    (main.parent / 'tmp6').rename(main.parent / 'elsewhere6')
    r = wt(main, 'remove', '6', '--keep-branch')
    assert r.code == 0 and 'left the folder' not in r.out, r
    plain_repo.git('worktree', 'add', '-q', '--detach',
                   str(main / 'trees' / 'issue-3-review'))
    r = wt(main, 'remove', '3')
    assert 'no branch to delete (the worktree was detached)' in r.out, r
    r = wt(main, 'remove', '4')
    assert r.code == 2 and 'no worktree for issue 4' in r.err
    plain_repo.worktree('issue-5-a')
    plain_repo.worktree('issue-5-b')
    r = wt(main, 'remove', '5')
    assert r.code == 2 and 'issue 5 has 2 worktrees' in r.err


def test_remove_from_inside_and_vanished_branch(plain_repo: RepoHandle,
                                                wt: Run) -> None:
    main = plain_repo.path
    w = plain_repo.worktree('issue-1-x')
    (w / 'sub').mkdir()
    r = wt(w / 'sub', 'remove', '1')
    assert r.code == 0, r
    assert f'note: your shell was inside it: cd {os.path.realpath(main)}' \
        in r.out
    w = plain_repo.worktree('issue-2-x')
    r = wt(w, 'remove', '2', '--keep-branch')
    assert 'your shell was inside it' in r.out
    # The branch vanished under the worktree (deleted through its ref).
    plain_repo.worktree('issue-3-x')
    plain_repo.git('update-ref', '-d', 'refs/heads/issue-3-x')
    r = wt(main, 'remove', '3', '--force')
    assert 'branch issue-3-x no longer exists' in r.out, r


def test_remove_without_base(plain_repo: RepoHandle, wt: Run) -> None:
    plain_repo.worktree('issue-1-x')
    plain_repo.git('remote', 'remove', 'origin')
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'base:\n  branch: trunk\n')
    r = wt(plain_repo.path, 'remove', '1')
    assert 'note: no origin/trunk and no local trunk' in r.out
    assert 'kept branch issue-1-x: not merged into origin/trunk' in r.out


# -- prune -------------------------------------------------------------------------------

def test_prune(plain_repo: RepoHandle, wt: Run) -> None:
    r = wt(plain_repo.path, 'prune')
    assert r.out == 'nothing to prune: every worktree folder exists\n'
    w = plain_repo.worktree('issue-1-x')
    plain_repo.git('worktree', 'move', str(w), str(plain_repo.path.parent / 'm'))
    (plain_repo.path.parent / 'm' / '.git').unlink()
    r = wt(plain_repo.path, 'prune', '--dry-run')
    assert r.out.startswith('would prune: ')
    assert len(plain_repo.git('worktree', 'list').splitlines()) == 2
    r = wt(plain_repo.path, 'prune')
    assert r.out.startswith('pruned: ')
    assert len(plain_repo.git('worktree', 'list').splitlines()) == 1


# -- usage -------------------------------------------------------------------------------

def test_usage(plain_repo: RepoHandle, wt: Run) -> None:
    r = wt(plain_repo.path)
    assert r.code == 2 and 'create' in r.out
    r = wt(plain_repo.path, 'bogus')
    assert r.code == 2 and 'invalid choice' in r.err
    r = wt(plain_repo.path, '--help')
    assert r.code == 0 and 'worktree-guard wt' in r.out


# -- git refusing ------------------------------------------------------------------------

def test_git_failures_are_reported(plain_repo: RepoHandle, wt: Run) -> None:
    main = plain_repo.path
    # worktree add: the root is a file.
    (main / '.worktree-guard.yaml').write_text('worktrees:\n  root: blocker\n')
    (main / 'blocker').write_text('not a folder\n')
    r = wt(main, 'create', '1', 'x')
    assert r.code == 2 and 'git worktree add failed' in r.err, r
    (main / '.worktree-guard.yaml').unlink()
    # status: a broken index.
    w = plain_repo.worktree('issue-2-x')
    index = Path(plain_repo.git('rev-parse', '--git-path', 'index',
                                cwd=w).strip())
    index = index if index.is_absolute() else w / index
    saved = index.read_bytes()
    index.write_bytes(b'garbage')
    r = wt(main, 'remove', '2')
    assert r.code == 2 and 'cannot read the status of' in r.err, r
    index.write_bytes(saved)
    # branch -D: the ref is locked by another git process.
    lock = main / '.git' / 'refs' / 'heads' / 'issue-2-x.lock'
    lock.write_text('')
    r = wt(main, 'remove', '2', '--force')
    assert r.code == 2 and 'cannot delete branch issue-2-x' in r.err, r
    assert not w.exists()  # the worktree itself went
    lock.unlink()


def test_remove_worktree_with_submodule(plain_repo: RepoHandle, wt: Run,
                                        tmp_path: Path) -> None:
    sub = tmp_path / 'sub'
    git('init', '-q', '-b', 'main', str(sub), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 's', cwd=sub)
    w = plain_repo.worktree('issue-1-x')
    plain_repo.git('submodule', 'add', '-q', str(sub), 'sub', cwd=w)
    plain_repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m',
                   'sub', cwd=w)
    r = wt(plain_repo.path, 'remove', '1')
    assert r.code == 2, r
    assert 'nothing was removed' in r.err and '--force' in r.err
    assert w.is_dir()
    r = wt(plain_repo.path, 'remove', '1', '--force')
    assert r.code == 0, r
    assert not w.exists()


def test_renames_count_once(plain_repo: RepoHandle, wt: Run) -> None:
    w = plain_repo.worktree('issue-1-x')
    plain_repo.git('mv', 'README.md', 'READ.md', cwd=w)
    data = json.loads(wt(plain_repo.path, 'list', '--json').out)
    (row,) = [x for x in data['worktrees'] if x['issue'] == 1]
    assert row['dirty'] == 1


def test_age() -> None:
    from worktree_guard.commands.wt import age as _age
    assert [_age(s) for s in (-5, 59, 90, 7200, 3 * 86400)] == [
        '0s', '59s', '1m', '2h', '3d']


def test_standalone_main_and_subcommand_help(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``commands.wt.main(argv)`` (the REMAINDER hand-over) and the central
    CLI's ``wt --help`` both show wt's subcommand tree."""
    from worktree_guard.commands import wt as wt_cmd
    monkeypatch.chdir(plain_repo.path)
    assert wt_cmd.main([]) == 2
    assert 'status' in capsys.readouterr().out
    assert wt_cmd.main(['--help']) == 0
    assert 'sync' in capsys.readouterr().out
    assert wt_cmd.main(['list']) == 0
    assert 'BRANCH' in capsys.readouterr().out
    assert cli.main(['wt', '--help']) == 0
    out = capsys.readouterr().out
    assert 'create' in out and 'status' in out and 'wt_args' not in out


def test_add_parser_mounts_the_tree(plain_repo: RepoHandle,
                                    monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A central parser that mounts wt with ``add_parser`` runs it with
    ``ns.run(ns)``, like every other command."""
    import argparse

    from worktree_guard.commands import wt as wt_cmd
    central = argparse.ArgumentParser(prog='x')
    wt_cmd.add_parser(central.add_subparsers(dest='command'))
    monkeypatch.chdir(plain_repo.path)
    ns = central.parse_args(['wt'])
    assert ns.run(ns) == 2
    assert 'sync' in capsys.readouterr().out
    ns = central.parse_args(['wt', 'plan', '--json'])
    assert ns.run(ns) == 0
    assert json.loads(capsys.readouterr().out)['landing_order'] == []
