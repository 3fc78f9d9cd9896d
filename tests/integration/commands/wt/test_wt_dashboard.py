"""``wt status`` v2: uncommitted work, --committed, grouping by file with
bounded forecasts, ``wt plan``, and ``--watch`` in a real terminal-less
run."""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RepoHandle
from tests.helpers import repo_state
from tests.integration.commands.wt.conftest import Work
from tests.integration.commands.wt.test_wt import Out
from worktree_guard.commands.wt import dashboard as dashboard_mod

Run = Callable[..., Out]


def test_uncommitted_work_and_committed_only(native_repo: RepoHandle,
                                            wt: Run, work: Work) -> None:
    r = native_repo
    work(r, 'issue-1-a', {'src/app.py': 'print("a")\n'})
    b = r.worktree('issue-2-b')
    r.write('src/app.py', 'print("b")\n', cwd=b)
    r.git('add', 'src/app.py', cwd=b)  # staged only
    r.write('.env', 'x\n', cwd=b)  # a bootstrap copy: not work
    (r.path / '.worktree-guard.yaml').write_text(
        'worktrees:\n  bootstrap: [.env]\n')
    before = repo_state(b)
    data = json.loads(wt(r.path, 'status', '--json').out)
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-2-b']['dirty'] == 1
    assert by['issue-2-b']['uncommitted'] is True
    assert by['issue-2-b']['files'] == ['src/app.py']
    assert data['overlaps'][0]['conflict'] is True
    assert repo_state(b) == before
    # --committed: no git status, no snapshot, no overlap.
    res = wt(r.path, 'status', '--committed')
    assert '(committed work only: --committed)' in res.out
    row = next(ln.split() for ln in res.out.splitlines()
               if 'issue-2-b' in ln)
    assert row[1] == 'issue-2-b' and row[2] == '-'
    assert 'overlap (branches that change the same files):\n  none' in \
        res.out
    # Changes that add up to nothing: a file unstaged but still there.
    r.git('reset', '-q', '--hard', cwd=b)
    r.git('rm', '-q', '--cached', 'README.md', cwd=b)
    data = json.loads(wt(r.path, 'status', '--json').out)
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-2-b']['dirty'] == 2  # 'D ' and '??'
    assert by['issue-2-b']['uncommitted'] is False
    r.git('reset', '-q', cwd=b)
    # A worktree without an index (--no-checkout): its work is deletion.
    r.git('worktree', 'add', '-q', '--no-checkout', '-b', 'issue-3-empty',
          str(r.path / 'trees' / 'issue-3-empty'), 'main')
    data = json.loads(wt(r.path, 'status', '--json').out)
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-3-empty']['uncommitted'] is True
    assert 'README.md' in by['issue-3-empty']['files']


def test_snapshot_reports_git_failures(plain_repo: RepoHandle,
                                       monkeypatch: pytest.MonkeyPatch,
                                       ) -> None:
    from worktree_guard.errors import GitError
    from worktree_guard.gitctx import Repo
    from worktree_guard.gitctx.fleet import snapshot
    monkeypatch.chdir(plain_repo.path)
    gone = plain_repo.path / 'trees' / 'gone'
    # A worktree folder removed meanwhile: the snapshot says so.
    with pytest.raises(GitError, match='cannot snapshot the uncommitted '
                                       f'work in {gone}'):
        snapshot(Repo.discover(), str(gone), 'f' * 40, 'e' * 40)


def test_watch_signature(plain_repo: RepoHandle, tmp_path: Path) -> None:
    from worktree_guard.commands.wt.watch import signature
    common = plain_repo.path / '.git'
    first = signature(str(common))  # no linked worktrees: no folder
    assert (str(common / 'index'), os.stat(common / 'index').st_mtime_ns) \
        in first
    assert (str(common / 'packed-refs'), 0) in first or any(
        p == str(common / 'packed-refs') for p, _ in first)
    plain_repo.git('branch', 'issue-9-x')
    assert signature(str(common)) != first


def test_hot_files_and_the_budget(native_repo: RepoHandle, wt: Run,
                                  monkeypatch: pytest.MonkeyPatch,
                                  work: Work) -> None:
    r = native_repo
    for i in range(1, 6):
        work(r, f'issue-{i}-s', {'shared.txt': f'{i}\n',
                                 f'own{1 if i < 3 else i}.txt': 'x\n'})
    work(r, 'issue-6-t', {'two.txt': 'a\n', 'own1.txt': 'y\n'})
    work(r, 'issue-7-t', {'two.txt': 'b\n'})
    # A large budget: every sharing pair is forecast, and no note.
    data = json.loads(wt(r.path, 'status', '--json', '--budget', '600').out)
    assert len(data['overlaps']) == 10 + 2 + 1  # 5 on shared.txt, own1, two
    assert all(o['conflict'] is not None for o in data['overlaps'])
    assert not any(o.get('cut') for o in data['overlaps'])
    assert not any(n.startswith('budget:') for n in data['notes'])
    assert data['hotspots'] == []
    # The memory valve: a file changed by more than HOT_MAX branches.
    monkeypatch.setattr(dashboard_mod, 'HOT_MAX', 4)
    res = wt(r.path, 'status', '--budget', '600')
    assert 'forecast cut at shared.txt: 5 branches change it' in res.out
    assert 'shared.txt: changed by 5 branches: issue-1-s' in res.out
    # issue-1-s and issue-6-t also share own1.txt: that pair is forecast.
    assert 'issue-1-s + issue-6-t: own1.txt' in res.out
    assert 'budget:' not in res.out
    data = json.loads(wt(r.path, 'status', '--json', '--budget', '600').out)
    assert data['hotspots'][0]['file'] == 'shared.txt'
    order = data['landing_order']
    assert len(order) == 7
    step = next(s for s in order if s['branch'] == 'issue-2-s')
    assert set(step['unknown']) <= {f'issue-{i}-s' for i in range(1, 6)}
    # Sharing the hot file and another: forecast, both files listed.
    assert data['overlaps'][0]['branches'] == ['issue-1-s', 'issue-2-s']
    assert data['overlaps'][0]['files'] == ['own1.txt', 'shared.txt']
    # No budget: no pair is forecast, each listed as overlap only.
    res = wt(r.path, 'status', '--budget', '0')
    assert 'note: budget: 4 of 4 overlapping pairs not forecast in 0 s' \
        in res.out
    assert 'rerun with --budget 10' in res.out
    assert res.out.count('overlap only: not forecast (out of --budget)') \
        == 4
    data = json.loads(wt(r.path, 'plan', '--json', '--budget', '0').out)
    assert any(n.startswith('budget: 4 of 4') for n in data['notes'])
    assert data['landing_order'][0]['unknown']


def _clock(ticks: list[float]) -> Callable[[], float]:
    """A fake monotonic clock: each reading takes the next tick."""
    return lambda: ticks.pop(0)


def test_budget_batches_in_priority_order() -> None:
    from worktree_guard.commands.wt import forecast
    shared = {(0, 1): ['a'], (0, 2): ['a', 'b'], (1, 2): ['a'],
              (3, 4): ['a', 'b', 'c'], (2, 3): ['a']}
    ranked = dashboard_mod.priority(shared)
    assert ranked == [(3, 4), (0, 2), (0, 1), (1, 2), (2, 3)]
    todo = [(i, i + 1) for i in range(100)]
    seen: list[int] = []

    def run(batch: object) -> dict[tuple[int, int],
                                   tuple[list[str], list[str]]]:
        assert isinstance(batch, list)
        seen.append(len(batch))
        return {p: ([], []) for p in batch}

    # Budget 0: nothing is forecast.
    got, left = forecast.budgeted(todo, run, 0, _clock([5.0, 5.0]))
    assert got == {} and left == todo and seen == []
    # Time for two batches: 16, then 32, in order; 52 left.
    got, left = forecast.budgeted(todo, run, 10,
                                  _clock([0.0, 1.0, 9.0, 10.0]))
    assert seen == [16, 32] and list(got) == todo[:48]
    assert left == todo[48:]
    # Time enough: every pair; batches double up to BATCH_MAX.
    seen.clear()
    many = [(i, i + 1) for i in range(2000)]
    got, left = forecast.budgeted(many, run, 10, lambda: 0.0)
    assert seen == [16, 32, 64, 128, 256, 512, 512, 480] and not left
    assert len(got) == 2000
    # The budget to suggest: the same pace with a margin, at least 10 s.
    assert forecast.suggest(0, 1086, 0) == 10
    assert forecast.suggest(4, 1086, 0) == 20
    assert forecast.suggest(2, 1086, 774) == 10
    assert forecast.suggest(2, 1086, 100) == 33
    # Git cannot forecast: nothing, and every pair is left.
    got, left = forecast.budgeted(todo, lambda batch: None, 10,
                                  lambda: 0.0)
    assert got is None and left == todo


def _row(n: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        'issue': n, 'branch': f'issue-{n}-x', 'head': 'f' * 40,
        'uncommitted': False, 'dirty': 0, 'behind': 0, 'ahead': 1,
        'files': ['a'], 'state': 'up to date', 'checks': [],
        'base_conflict': False}
    row.update(kw)
    return row


def test_watch_frame_fits_the_terminal_by_urgency() -> None:
    from worktree_guard.commands.wt.watch import frame
    rows = [_row(i) for i in range(1, 201)]
    rows[150].update(dirty=2, uncommitted=True)
    rows[120].update(behind=3)
    rows[90].update(checks=['hooks: not installed'])
    rows[60].update(state='conflict', base_conflict=True)
    data: dict[str, Any] = {
        'base': {'ref': 'origin/main', 'oid': 'a' * 40},
        'worktrees': rows,
        'overlaps': [{'branches': ['issue-31-x', 'issue-200-x'],
                      'conflict': True},
                     {'branches': ['issue-1-x', 'issue-2-x'],
                      'conflict': False}],
        'landing_order': [{'branch': 'issue-1-x'}], 'notes': ['n']}
    narrow = frame(data, 40, 24, 'Ctrl-C to stop').splitlines()
    assert len(narrow) == 23 and all(len(ln) <= 40 for ln in narrow)
    lines = frame(data, 100, 24, 'Ctrl-C to stop').splitlines()
    assert len(lines) == 23
    assert lines[0] == 'base: origin/main ' + 'a' * 12
    assert lines[1].split()[:3] == ['ISSUE', 'BRANCH', 'DIRTY']
    order = [ln.split()[1] for ln in lines[2:9]]
    assert order == ['issue-61-x', 'issue-31-x', 'issue-200-x',
                     'issue-91-x', 'issue-121-x', 'issue-151-x*',
                     'issue-1-x']
    assert 'CONFLICT with base' in lines[2]
    assert 'CONFLICT with a branch' in lines[3]
    assert lines[-5] == '+184 more (wt status for all)'
    assert lines[-3].startswith('1 conflicting with the base, 1 conflicting'
                                ' pairs, 1 notes; land next: issue-1-x')
    assert lines[-1] == 'Ctrl-C to stop'
    # A tall terminal: every row, no "more" line.
    text = frame(data, 200, 300, 'x')
    assert 'more (wt status for all)' not in text
    assert len(text.splitlines()) == 1 + 1 + 200 + 4
    # A tiny one: the table head and the "more" line only.
    lines = frame(data, 200, 3, 'x').splitlines()
    assert '+200 more (wt status for all)' in lines
    # Nothing to show.
    data.update(worktrees=[], overlaps=[], landing_order=[], notes=[])
    data['base']['oid'] = None
    lines = frame(data, 80, 24, 'x').splitlines()
    assert lines[:2] == ['base: origin/main', 'no active worktrees']
    assert lines[-3] == '0 conflicting with the base, 0 conflicting ' \
        'pairs, 0 notes'


def test_watch_frame_in_a_small_terminal(native_repo: RepoHandle, wt: Run,
                                         monkeypatch: pytest.MonkeyPatch,
                                         work: Work) -> None:
    """One frame of ``--watch`` (no --html), in process: the terminal's
    size comes from COLUMNS and LINES; the wait for a change is cut."""
    from worktree_guard.commands.wt import watch as watch_mod
    for i in range(1, 5):
        work(native_repo, f'issue-{i}-a', {f'f{i}.txt': 'x\n'})
    monkeypatch.setenv('COLUMNS', '50')
    monkeypatch.setenv('LINES', '9')

    def stop(common_dir: str) -> tuple[tuple[str, int], ...]:
        raise KeyboardInterrupt

    monkeypatch.setattr(watch_mod, 'signature', stop)
    res = wt(native_repo.path, 'status', '--watch')
    assert res.code == 0, res
    lines = res.out.replace('\x1b[H\x1b[2J', '').splitlines()
    assert all(len(ln) <= 50 for ln in lines)
    assert '+3 more (wt status for all)' in lines
    assert lines[-2].startswith('Ctrl-C to stop; refreshed')


def test_plan(native_repo: RepoHandle, wt: Run, work: Work) -> None:
    r = native_repo
    work(r, 'issue-1-a', {'src/app.py': 'print("a")\n'})
    work(r, 'issue-2-b', {'src/app.py': 'print("b")\n'})
    res = wt(r.path, 'plan')
    assert res.code == 0, res
    assert res.out.startswith('landing order')
    assert 'then rebase issue-2-b: CONFLICT to resolve by hand in ' \
        'src/app.py' in res.out
    data = json.loads(wt(r.path, 'plan', '--json', '--committed').out)
    assert [s['branch'] for s in data['landing_order']] == [
        'issue-1-a', 'issue-2-b']
    (r.path / '.worktree-guard.yaml').write_text('base:\n  branch: trunk\n')
    res = wt(r.path, 'plan')
    assert 'note: no origin/trunk' in res.out


@pytest.mark.timeout(600)
def test_watch_redraws_on_a_ref_change(native_repo: RepoHandle,
                                       work: Work, tmp_path: Path) -> None:
    r = native_repo
    w = work(r, 'issue-1-a', {'a.txt': 'a\n'})
    page = tmp_path / 'status.html'
    proc = subprocess.Popen(
        ['worktree-guard', 'wt', 'status', '--watch', '--interval', '60',
         '--html', str(page)],
        cwd=r.path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
        # A background `./dev test &` hands SIGINT ignored to its children:
        # restore the default a terminal's Ctrl-C meets.
        preexec_fn=lambda: signal.signal(  # noqa: PLW1509 (no locks)
            signal.SIGINT, signal.SIG_DFL),
        # Unaudited: the test itself commits while the dashboard runs.
        env={k: v for k, v in os.environ.items()
             if k != 'WORKTREE_GUARD_AUDIT'})
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()

    def frame() -> str:
        got = []
        while True:
            line = lines.get(timeout=240)
            got.append(line)
            if 'Ctrl-C to stop' in line:
                return ''.join(got)
    try:
        first = frame()
        assert '\x1b[H\x1b[2J' in first
        row = next(ln.split() for ln in first.splitlines()
                   if 'issue-1-a' in ln and ln[:1] == '1')
        assert row[4] == '1'  # AHEAD
        # The page is rewritten on every frame and reloads itself.
        assert '<meta http-equiv="refresh" content="60">' in page.read_text()
        r.write('b.txt', 'b\n', cwd=w)
        r.git('add', 'b.txt', cwd=w)
        r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'b',
              cwd=w)
        second = frame()
        while 'issue-1-a' not in second or next(
                ln.split() for ln in second.splitlines()
                if 'issue-1-a' in ln and ln[:1] == '1')[4] != '2':
            second = frame()  # the index changed first, then the ref
        proc.send_signal(signal.SIGINT)
        # A loaded machine may take a while to unwind a git child.
        assert proc.wait(timeout=240) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
