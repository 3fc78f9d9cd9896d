"""``wt sync`` and the done-when scenario of issue 15, in real git: worktrees,
a bare remote, a branch landing, ``wt status`` forecasting the uncommitted
edit, ``wt sync --all`` rebasing, aborting and skipping."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.integration.commands.wt.conftest import publish_policy
from tests.helpers import git
from tests.helpers import repo_state
from tests.helpers import wg
from tests.integration.commands.wt.test_wt import Out
from tests.helpers import old_git

Run = Callable[..., Out]

LINES = ''.join(f'line {i}\n' for i in range(1, 21))



def _edit(text: str, n: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[n - 1] = new + '\n'
    return ''.join(lines)


def _commit(repo: RepoHandle, where: Path, files: dict[str, str],
            msg: str = 'work') -> None:
    for rel, content in files.items():
        repo.write(rel, content, cwd=where)
        repo.git('add', '--', rel, cwd=where)
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', msg,
             cwd=where)


def _base_file(repo: RepoHandle) -> None:
    _commit(repo, repo.path, {'src/lines.txt': LINES}, 'lines')
    repo.git('push', '-q', '--no-verify', 'origin', 'main')


def _state(path: Path) -> dict[str, object]:
    """One worktree's HEAD, branch tip, index entries, files and the stash
    (refs of other worktrees may move: they are not its state)."""
    st = repo_state(path, include_remote_tracking=False)
    st.pop('refs')
    st['tip'] = git('rev-parse', 'HEAD', cwd=path)
    st['stashes'] = git('stash', 'list', cwd=path)
    return st


@pytest.mark.timeout(300)
def test_done_when(plain_repo: RepoHandle) -> None:
    """Issue 15, tried as a new user would, with the console script."""
    r = plain_repo
    _base_file(r)
    main = r.path
    a = r.worktree('issue-1-land-me')
    _commit(r, a, {'src/lines.txt': _edit(LINES, 3, 'A three')})
    d = r.worktree('issue-4-clash')
    _commit(r, d, {'src/lines.txt': _edit(LINES, 3, 'D three')})
    b = r.worktree('issue-2-dirty')
    r.write('src/lines.txt', _edit(LINES, 3, 'B three'), cwd=b)  # not added
    r.write('notes/new.md', 'untracked\n', cwd=b)
    c = r.worktree('issue-3-behind')
    _commit(r, c, {'docs/c.md': 'c\n'})
    _commit(r, main, {'docs/other.md': 'base moved\n'}, 'base')
    r.git('push', '-q', '--no-verify', 'origin', 'main')
    before_b = _state(b)

    proc = wg('wt', 'status', cwd=main)
    assert proc.returncode == 1, proc
    out = proc.stdout
    row = next(ln.split() for ln in out.splitlines()
               if ln.split()[1:2] == ['issue-2-dirty*'])
    assert row[2] == '2'  # DIRTY: the edit and the untracked file
    assert 'includes uncommitted work' in out
    assert 'issue-1-land-me + issue-2-dirty: src/lines.txt' in out
    assert 'would CONFLICT in src/lines.txt' in out
    assert 'landing order' in out
    data = json.loads(wg('wt', 'status', '--json', cwd=main).stdout)
    order = [s['branch'] for s in data['landing_order']]
    assert sorted(order) == ['issue-1-land-me', 'issue-2-dirty',
                             'issue-3-behind', 'issue-4-clash']
    assert order[0] == 'issue-3-behind'  # conflicts with nothing
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-2-dirty']['uncommitted'] is True
    assert by['issue-2-dirty']['files'] == ['notes/new.md', 'src/lines.txt']
    assert by['issue-1-land-me']['uncommitted'] is False
    assert _state(b) == before_b  # the snapshot touched nothing

    # Land issue 1 on the remote.
    r.git('push', '-q', '--no-verify', 'origin', 'issue-1-land-me:main',
          cwd=a, check=False)
    r.git('fetch', '-q', 'origin', cwd=a)
    r.git('-c', 'core.hooksPath=/dev/null', 'rebase', '-q', 'origin/main',
          cwd=a)
    r.git('push', '-q', '--no-verify', 'origin', 'HEAD:main', cwd=a)
    landed = r.git('rev-parse', 'HEAD', cwd=a).strip()
    before_d = _state(d)
    old_c = r.head(cwd=c)

    proc = wg('wt', 'sync', '--all', cwd=main)
    assert proc.returncode == 1, proc  # one conflict, one skipped
    table = {ln.split()[1]: ln for ln in proc.stdout.splitlines()[2:6]}
    assert 'up to date' in table['issue-1-land-me']
    assert 'skipped' in table['issue-2-dirty']
    assert 'uncommitted' in table['issue-2-dirty']
    assert 'synced' in table['issue-3-behind']
    assert 'conflict (src/lines.txt)' in table['issue-4-clash']
    # The clean one sits on the landed tip, with its own commit replayed.
    assert r.git('rev-parse', 'HEAD~1', cwd=c).strip() == landed
    assert (c / 'docs' / 'c.md').read_text() == 'c\n'
    # The conflicting and the dirty ones are exactly as they were.
    assert _state(d) == before_d
    assert _state(b) == before_b
    # The way back for the synced one.
    undo = next(ln for ln in proc.stdout.splitlines()
                if 'issue-3-behind' in ln).split('undo: ', 1)[1]
    args = undo.split()
    assert args[:3] == ['git', '-C', str(c)]
    r.git(*args[3:], cwd=c)
    assert r.head(cwd=c) == old_c

    # wt create runs the setup command and copies what .worktreeinclude
    # lists (ignored files only).
    (main / '.env').write_text('SECRET=1\n')
    (main / '.gitignore').write_text('trees/\n.env\nbuild/\n')
    (main / 'build').mkdir()
    (main / 'build' / 'big.bin').write_text('not copied\n')
    (main / '.worktreeinclude').write_text('.env\n')
    publish_policy(main,
                   'worktrees:\n  setup:\n    - echo set up in $(basename '
                   '$PWD) > setup.log\n')
    proc = wg('wt', 'create', '5', 'Ünïcode setup', cwd=main)
    assert proc.returncode == 0, proc
    new = main / 'trees' / 'issue-5-unicode-setup'
    assert (new / '.env').read_text() == 'SECRET=1\n'
    assert not (new / 'build').exists()
    assert (new / 'setup.log').read_text() == \
        'set up in issue-5-unicode-setup\n'
    assert 'include: copied .env' in proc.stdout
    assert 'setup: ok' in proc.stdout


def test_sync_forecasts_and_aborts_a_rebase_that_stops(
        plain_repo: RepoHandle, wt: Run, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A merge would be clean (the branch's net change is nil) but the
    first replayed commit conflicts: the replay forecast says so and
    nothing is touched; with a git that cannot forecast, the rebase stops
    and is aborted: nothing changed either way."""
    r = plain_repo
    _base_file(r)
    w = r.worktree('issue-1-back-and-forth')
    _commit(r, w, {'src/lines.txt': _edit(LINES, 5, 'mine')}, 'change')
    _commit(r, w, {'src/lines.txt': LINES, 'x.txt': 'x\n'}, 'revert')
    _commit(r, r.path, {'src/lines.txt': _edit(LINES, 5, 'theirs')}, 'base')
    r.git('push', '-q', '--no-verify', 'origin', 'main')
    before = _state(w)
    res = wt(r.path, 'sync', '1', '--json')
    assert res.code == 1, res
    (row,) = json.loads(res.out)['worktrees']
    assert row['result'] == 'conflict'
    assert row['conflict_files'] == ['src/lines.txt']
    assert row['detail'].startswith('forecast: commit 1 of 2 (')
    assert row['detail'].endswith('stops the rebase; not touched')
    assert _state(w) == before
    monkeypatch.setenv('PATH', old_git(tmp_path, '--write-tree|--stdin')
                       + os.pathsep + os.environ['PATH'])
    res = wt(r.path, 'sync', '1', '--json')
    (row,) = json.loads(res.out)['worktrees']
    assert row['result'] == 'conflict'
    assert row['conflict_files'] == ['src/lines.txt']
    assert 'aborted' in row['detail']
    assert _state(w) == before
    assert not (Path(r.git('rev-parse', '--git-dir', cwd=w).strip())
                / 'rebase-merge').exists()


def test_sync_keeps_untracked_files_as_git_rebase_does(
        plain_repo: RepoHandle, wt: Run) -> None:
    """Issue 25: an untracked file (a setup marker) does not stop a sync;
    one the base adds under the same name does, and is named."""
    r = plain_repo
    w = r.worktree('issue-1-setup-ran')
    _commit(r, w, {'mine.txt': '1\n'})
    (w / '.setup-ran').write_text('ok\n')
    (w / 'cache').mkdir()
    (w / 'cache' / 'a.bin').write_text('x\n')
    _commit(r, r.path, {'new/added.txt': 'base\n'}, 'base')
    r.git('push', '-q', '--no-verify', 'origin', 'main')
    res = wt(r.path, 'sync', '1')
    assert res.code == 0 and 'synced' in res.out, res
    assert (w / '.setup-ran').read_text() == 'ok\n'
    assert (w / 'new' / 'added.txt').read_text() == 'base\n'
    # The base adds cache/a.bin and other.txt: both are in the way.
    _commit(r, r.path, {'cache/a.bin': 'y\n', 'other.txt': 'o\n'}, 'more')
    r.git('push', '-q', '--no-verify', 'origin', 'main')
    (w / 'other.txt').write_text('mine\n')
    before = _state(w)
    res = wt(r.path, 'sync', '1')
    assert res.code == 1, res
    assert 'untracked files the rebase would overwrite: cache/, ' \
        'other.txt' in res.out
    assert _state(w) == before


def test_sync_skips_and_targets(plain_repo: RepoHandle, wt: Run) -> None:
    r = plain_repo
    one = r.worktree('issue-1-one')
    _commit(r, one, {'one.txt': '1\n'})
    two = r.worktree('issue-2-two')
    # Nothing moved: up to date, from inside the worktree (no arguments).
    res = wt(one, 'sync')
    assert res.code == 0, res
    assert 'up to date' in res.out and 'issue-2-two' not in res.out
    # A detached worktree and one in the middle of a merge are skipped.
    r.git('switch', '-q', '--detach', cwd=two)
    res = wt(r.path, 'sync', '2', '1')
    assert res.code == 1
    assert 'detached HEAD' in res.out
    r.git('switch', '-q', 'issue-2-two', cwd=two)
    gitdir = Path(r.git('rev-parse', '--absolute-git-dir', cwd=two).strip())
    (gitdir / 'MERGE_HEAD').write_text(r.head() + '\n')
    res = wt(r.path, 'sync', '#2')
    assert 'a merge is in progress there' in res.out
    (gitdir / 'MERGE_HEAD').unlink()
    # Bootstrap copies are not the user's work.
    (r.path / '.worktree-guard.yaml').write_text(
        'worktrees:\n  bootstrap: [.env]\n')
    (two / '.env').write_text('x\n')
    res = wt(r.path, 'sync', '2')
    assert res.code == 0 and 'up to date' in res.out, res
    # An unreachable remote: the cached base, said in a note.
    r.git('remote', 'set-url', 'origin', str(r.path / 'gone.git'))
    res = wt(r.path, 'sync', '1')
    assert res.code == 0, res
    assert 'note: could not fetch origin/main' in res.out
    assert 'fetched just now' not in res.out
    r.git('remote', 'set-url', 'origin', str(r.remote))
    res = wt(r.path, 'sync', '1')
    assert f'fetched just now from {r.remote}' in res.out
    # Usage errors.
    res = wt(r.path, 'sync', '--all', '1')
    assert res.code == 2 and 'not both' in res.err
    res = wt(r.path, 'sync', '9')
    assert res.code == 2 and 'no worktree for issue 9' in res.err
    res = wt(r.path, 'sync')
    assert res.code == 2 and 'not inside an issue worktree' in res.err
    # No base at all.
    (r.path / '.worktree-guard.yaml').write_text('base:\n  branch: trunk\n')
    res = wt(r.path, 'sync', '--all')
    assert res.code == 2 and 'no origin/trunk to sync onto' in res.err


def test_sync_all_with_nothing(plain_repo: RepoHandle, wt: Run) -> None:
    res = wt(plain_repo.path, 'sync', '--all')
    assert res.code == 0 and 'no issue worktrees to sync' in res.out
