"""``wt status``'s rebase forecasts (issue 25): directed pair forecasts,
a base conflict blamed on the base, old git, and snapshots and forecasts
that leave the repository's objects as they were."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.integration.commands.wt.test_wt import Out
from tests.integration.commands.wt.test_wt_land import LINES
from tests.integration.commands.wt.test_wt_land import _commit
from tests.integration.commands.wt.test_wt_land import _edit
from tests.integration.commands.wt.test_wt_land import _land_by_hand
from tests.helpers import old_git

Run = Callable[..., Out]


def test_one_way_conflict_and_base_blame(plain_repo: RepoHandle,
                                         wt: Run) -> None:
    r = plain_repo
    main = r.path
    _land_by_hand(r, {'src/lines.txt': LINES, 'notes.txt': LINES}, 'files')
    # 1's first commit touches line 5, its second puts it back: its
    # rebase after 2 lands stops; 2's after 1 does not.
    w1 = r.worktree('issue-1-back-and-forth')
    _commit(w1, {'src/lines.txt': _edit(LINES, 5, 'mine')}, 'one')
    _commit(w1, {'src/lines.txt': _edit(LINES, 15, 'one')}, 'one b')
    w2 = r.worktree('issue-2-theirs')
    _commit(w2, {'src/lines.txt': _edit(LINES, 5, 'theirs')}, 'two')
    # 3 conflicts with the base in notes.txt; 4 shares the file, cleanly.
    w3 = r.worktree('issue-3-clash')
    _commit(w3, {'notes.txt': _edit(LINES, 10, 'three')}, 'three')
    _land_by_hand(r, {'notes.txt': _edit(LINES, 10, 'base')}, 'base')
    git('pull', '-q', 'origin', 'main', cwd=main)
    w4 = r.worktree('issue-4-later')
    _commit(w4, {'notes.txt': _edit(_edit(LINES, 10, 'base'), 18, 'four')},
            'four')
    res = wt(main, 'status')
    assert res.code == 1, res
    assert '    forecast: rebasing issue-1-back-and-forth after ' \
        'issue-2-theirs lands would CONFLICT in src/lines.txt; ' \
        'issue-2-theirs after issue-1-back-and-forth: clean' in res.out
    assert 'issue-3-clash + issue-4-later: notes.txt\n' \
        '    forecast: they rebase cleanly, in either order' in res.out
    data = json.loads(wt(main, 'status', '--json').out)
    order = [s['branch'] for s in data['landing_order']]
    assert order.index('issue-1-back-and-forth') < order.index(
        'issue-2-theirs')
    assert data['conflicted_rebases'] == 0
    by = {w['branch']: w for w in data['worktrees']}
    assert by['issue-3-clash']['base_conflict_files'] == ['notes.txt']
    assert by['issue-4-later']['state'] == 'up to date'


def test_status_with_old_git_and_a_behind_branch(
        plain_repo: RepoHandle, wt: Run, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    w = r.worktree('issue-1-behind')
    _commit(w, {'one.txt': '1\n'}, 'one')
    _land_by_hand(r, {'base.txt': 'b\n'}, 'base')
    monkeypatch.setenv('PATH', old_git(tmp_path, '--write-tree|--stdin')
                       + os.pathsep + os.environ['PATH'])
    res = wt(r.path, 'status')
    assert 'note: git is older than 2.38' in res.out
    row = next(ln.split() for ln in res.out.splitlines()
               if ln.startswith('1 '))
    assert row[6] == '?'
    data = json.loads(wt(r.path, 'status', '--json').out)
    assert data['worktrees'][0]['base_conflict'] is None


def _objects(common: Path) -> dict[str, int]:
    out = {}
    for root, _, names in os.walk(common / 'objects'):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, common)] = os.path.getsize(p)
    return out


def test_status_leaves_no_objects_behind(plain_repo: RepoHandle,
                                         wt: Run) -> None:
    """Ten ``wt status`` runs with uncommitted work, forecasts against a
    moved base and an overlapping pair: ``.git/objects`` holds the same
    files, byte for byte in size, before and after."""
    r = plain_repo
    main = r.path
    _land_by_hand(r, {'src/lines.txt': LINES}, 'lines')
    w1 = r.worktree('issue-1-dirty')
    _commit(w1, {'src/lines.txt': _edit(LINES, 2, 'one')}, 'one')
    (w1 / 'src' / 'lines.txt').write_text(_edit(LINES, 3, 'uncommitted'))
    (w1 / 'new.txt').write_text('untracked, not ignored\n')
    w2 = r.worktree('issue-2-pair')
    _commit(w2, {'src/lines.txt': _edit(LINES, 3, 'two')}, 'two')
    _land_by_hand(r, {'src/lines.txt': _edit(LINES, 19, 'base')}, 'base')
    common = main / '.git'
    before = _objects(common)
    for _ in range(10):
        res = wt(main, 'status')
        assert 'issue-1-dirty*' in res.out, res
    assert _objects(common) == before
