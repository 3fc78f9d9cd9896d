"""``wt land`` and the rebase forecasts of issue 25, in real git: the
native hooks in the clone, the server hook on the bare remote, worktrees
that landed by fast-forward, cherry-pick and squash merge, one whose
intermediate commit conflicts, one that is behind, and a branch another
clone pushed.  Every verdict is checked against what ``git rebase`` then
does in a copy; nothing is lost (``git fsck``, reflogs)."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg
from tests.integration.commands.wt.test_wt import Out

Run = Callable[..., Out]

LINES = ''.join(f'line {i}\n' for i in range(1, 21))
OFF = ('-c', 'core.hooksPath=/dev/null')


def _edit(text: str, n: int, new: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[n - 1] = new + '\n'
    return ''.join(lines)


def _commit(where: Path, files: dict[str, str], msg: str) -> str:
    for rel, content in files.items():
        p = where / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        git('add', '--', rel, cwd=where)
    git(*OFF, 'commit', '-q', '-m', msg, cwd=where)
    return git('rev-parse', 'HEAD', cwd=where).strip()


def _land_by_hand(r: RepoHandle, files: dict[str, str], msg: str) -> None:
    """A commit on main in the main checkout, pushed (the hooks off: this
    is the base moving under the branches)."""
    _commit(r.path, files, msg)
    git('push', '-q', '--no-verify', 'origin', 'main', cwd=r.path)


def _rebase_in_copy(r: RepoHandle, tmp: Path, tips: dict[str, str],
                    onto: str) -> dict[str, str]:
    """What ``git rebase`` does to each tip, in a clone: ``conflict``,
    ``landed`` (nothing of its own is left) or ``clean``."""
    copy = tmp / 'copy'
    if not copy.exists():
        git('clone', '-q', '--no-checkout', str(r.path), str(copy), cwd=tmp)
        git('fetch', '-q', str(r.path), '+refs/*:refs/wg/*', cwd=copy)
    out = {}
    for name, tip in tips.items():
        git('checkout', '-q', '--force', '-B', 'probe', tip, cwd=copy)
        proc = run(['git', *OFF, 'rebase', '-q', onto], cwd=copy)
        if proc.returncode != 0:
            git('rebase', '--abort', cwd=copy)
            out[name] = 'conflict'
            continue
        own = git('rev-list', '--count', f'{onto}..probe', cwd=copy).strip()
        out[name] = 'landed' if own == '0' else 'clean'
    return out


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_acceptance(native_repo: RepoHandle, wt: Run, tmp_path: Path) -> None:
    r = native_repo
    main = r.path
    assert wg('install', '--server', str(r.remote), cwd=r.remote.parent
              ).returncode == 0
    _land_by_hand(r, {'src/lines.txt': LINES}, 'lines')

    # 1: landed by fast-forward (its commit pushed to main as it is).
    w1 = r.worktree('issue-1-fast-forward')
    _commit(w1, {'one.txt': '1\n'}, 'one')
    git('push', '-q', '--no-verify', 'origin', 'issue-1-fast-forward:main',
        cwd=w1)
    # 2: cherry-picked (both commits, one by one, onto a moved base).
    w2 = r.worktree('issue-2-cherry-picked')
    c2 = [_commit(w2, {'two.txt': '2\n'}, 'two'),
          _commit(w2, {'src/lines.txt': _edit(LINES, 18, 'two')}, 'two b')]
    # 3: squash-merged.
    w3 = r.worktree('issue-3-squashed')
    _commit(w3, {'src/lines.txt': _edit(LINES, 10, 'three')}, 'three')
    _commit(w3, {'three.txt': '3\n'}, 'three b')
    # 4: its first commit conflicts with the base, its net change does not.
    w4 = r.worktree('issue-4-intermediate')
    _commit(w4, {'src/lines.txt': _edit(LINES, 5, 'mine')}, 'four')
    _commit(w4, {'src/lines.txt': LINES, 'four.txt': '4\n'}, 'four back')
    # 5: behind, rebases cleanly.
    w5 = r.worktree('issue-5-behind')
    _commit(w5, {'five.txt': '5\n'}, 'five')
    # 6: pushed by another clone, no worktree here.
    other = tmp_path / 'other'
    git('clone', '-q', str(r.remote), str(other), cwd=tmp_path)
    git('switch', '-q', '-c', 'issue-6-elsewhere', cwd=other)
    _commit(other, {'src/lines.txt': _edit(LINES, 15, 'six')}, 'six')
    git('push', '-q', '--no-verify', 'origin', 'issue-6-elsewhere',
        cwd=other)

    git('pull', '-q', '--ff-only', 'origin', 'main', cwd=main)
    for c in c2:
        git(*OFF, 'cherry-pick', c, cwd=main)
    git('merge', '-q', '--squash', 'issue-3-squashed', cwd=main)
    git(*OFF, 'commit', '-q', '-m', 'squash of 3', cwd=main)
    _land_by_hand(r, {'src/lines.txt': _edit(
        _edit(_edit(LINES, 10, 'three'), 18, 'two'), 5, 'theirs')}, 'base')

    res = wt(main, 'status', '--json', '--fetch')
    data = json.loads(res.out)
    by = {w['branch']: w for w in data['worktrees']}
    got = {b: (w['state'], w['how']) for b, w in by.items()}
    assert got == {
        'issue-1-fast-forward': ('landed', 'fast-forward'),
        'issue-2-cherry-picked': ('landed', 'cherry-pick'),
        'issue-3-squashed': ('landed', 'squash'),
        'issue-4-intermediate': ('conflict', None),
        'issue-5-behind': ('clean', None),
    }, got
    four = by['issue-4-intermediate']
    assert four['base_conflict_files'] == ['src/lines.txt']
    assert (four['replay']['step'], four['replay']['commits']) == (1, 2)
    assert [s['branch'] for s in data['landing_order']] == [
        'issue-5-behind', 'issue-4-intermediate']
    text = wt(main, 'status').out
    assert 'issue-3-squashed: LANDED (squash-merged into origin/main)' in text
    assert 'rebasing onto origin/main would CONFLICT in src/lines.txt ' \
        '(commit 1 of 2, ' in text

    # What git rebase does, in a copy, for every verdict.
    base = git('rev-parse', 'origin/main', cwd=main).strip()
    tips = {b: w['head'] for b, w in by.items()}
    real = _rebase_in_copy(r, tmp_path, tips, base)
    assert real == {b: 'landed' if s == 'landed' else s
                    for b, (s, _) in got.items()}, real

    # wt remove treats a squash-merged branch as merged.
    res = wt(main, 'remove', '3')
    assert res.code == 0, res
    assert 'squash-merged into origin/main' in res.out
    # wt prune --merged takes the other landed ones.
    res = wt(main, 'prune', '--merged', '--dry-run')
    assert 'would remove: trees/issue-1-fast-forward' in res.out
    assert 'would remove: trees/issue-2-cherry-picked' in res.out
    res = wt(main, 'prune', '--merged')
    assert res.code == 0, res
    assert not w1.exists() and not w2.exists()
    branches = git('branch', '--format=%(refname:short)', cwd=main).split()
    assert 'issue-2-cherry-picked' not in branches

    # Three more issues: 7 and 8 share a file and rebase cleanly; 9
    # changes 7's line.
    now = (main / 'src' / 'lines.txt').read_text()
    w7 = r.worktree('issue-7-seven')
    _commit(w7, {'src/lines.txt': _edit(now, 12, 'seven')}, 'seven')
    w8 = r.worktree('issue-8-eight')
    _commit(w8, {'src/lines.txt': _edit(now, 2, 'eight')}, 'eight')
    w9 = r.worktree('issue-9-nine')
    _commit(w9, {'src/lines.txt': _edit(now, 12, 'nine')}, 'nine')
    (w5 / '.setup-ran').write_text('untracked\n')  # not work: it stays
    plan = json.loads(wt(main, 'plan', '--json').out)['landing_order']
    order = [s['branch'] for s in plan
             if s['branch'] in ('issue-5-behind', 'issue-7-seven',
                                'issue-8-eight')]
    res = wt(main, 'land', '--dry-run')
    assert res.code == 0 and 'dry run: nothing is changed' in res.out
    assert f'1. {plan[0]["branch"]}: ' in res.out
    tip5 = git('rev-parse', 'HEAD', cwd=w5).strip()

    res = wt(main, 'land', '8', '7', '5')
    assert res.code == 0, res
    landed = [ln.split()[1] for ln in res.out.splitlines()
              if ln.startswith('landing ')]
    assert landed == order, (landed, order)
    assert 'pushed: git push origin issue-5-behind:main' in res.out
    assert f'/trees/issue-5-behind reset --keep {tip5[:12]}' in res.out
    assert 'the main checkout: main fast-forwarded to' in res.out
    assert 'sync issue-4-intermediate: conflict (conflict in ' \
        'src/lines.txt: resolve by hand: cd trees/issue-4-intermediate && ' \
        'git rebase origin/main)' in res.out
    assert 'sync issue-9-nine: conflict' in res.out
    assert (w5 / '.setup-ran').read_text() == 'untracked\n'
    remote_main = git('ls-remote', str(r.remote), 'refs/heads/main',
                      cwd=main).split()[0]
    assert remote_main == git('rev-parse', 'origin/main', cwd=main).strip()
    last = git('rev-parse', 'HEAD', cwd=main / 'trees' / order[-1]).strip()
    assert remote_main == last
    for b in order:  # each one's commit is on the base, in that order
        assert git('log', '-1', '--format=%s', b, cwd=main).strip() in \
            git('log', '--format=%s', 'origin/main', cwd=main)
    # The main checkout was clean and on main: fast-forwarded, nothing
    # staged.
    assert git('rev-parse', 'main', cwd=main) == git(
        'rev-parse', 'origin/main', cwd=main)
    assert git('status', '--porcelain', '--untracked-files=no', cwd=main
               ) == ''
    # 9 conflicts with the landed 7: it stops, nothing changed.
    before9 = git('rev-parse', 'HEAD', cwd=w9).strip()
    res = wt(main, 'land', '9')
    assert res.code == 1, res
    assert 'STOPPED: issue-9-nine: rebasing onto origin/main conflicts in ' \
        'src/lines.txt' in res.out
    assert git('rev-parse', 'HEAD', cwd=w9).strip() == before9
    assert git('ls-remote', str(r.remote), 'refs/heads/main',
               cwd=main).split()[0] == remote_main
    assert git('status', '--porcelain', cwd=w9) == ''

    # Nothing lost: every object is there, every old tip in a reflog.
    assert run(['git', 'fsck', '--no-progress'], cwd=main).returncode == 0
    assert tip5 in git('reflog', 'show', '--format=%H', 'issue-5-behind',
                       cwd=main)
