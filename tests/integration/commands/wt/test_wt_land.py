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

    git('fetch', '-q', 'origin', cwd=main)  # the other clone's branch too
    res = wt(main, 'status', '--json')
    data = json.loads(res.out)
    by = {w['branch']: w for w in data['worktrees']}
    got = {b: (w['state'], w['how']) for b, w in by.items()}
    assert got == {
        'issue-1-fast-forward': ('landed', 'fast-forward'),
        'issue-2-cherry-picked': ('landed', 'cherry-pick'),
        'issue-3-squashed': ('landed', 'squash'),
        'issue-4-intermediate': ('conflict', None),
        'issue-5-behind': ('clean', None),
        'origin/issue-6-elsewhere': ('clean', None),
    }, got
    six = by['origin/issue-6-elsewhere']
    assert (six['remote'], six['issue'], six['path']) == (True, 6, None)
    four = by['issue-4-intermediate']
    assert four['base_conflict_files'] == ['src/lines.txt']
    assert (four['replay']['step'], four['replay']['commits']) == (1, 2)
    steps = {s['branch']: s for s in data['landing_order']}
    assert sorted(steps) == ['issue-4-intermediate', 'issue-5-behind',
                             'origin/issue-6-elsewhere']
    assert steps['origin/issue-6-elsewhere']['before'][0].startswith(
        'pushed from another clone')
    assert steps['issue-4-intermediate']['step'] > steps['issue-5-behind'][
        'step']
    text = wt(main, 'status').out
    assert 'origin/issue-6-elsewhere: pushed from another clone, no ' \
        'worktree here (forecast, read-only)' in text
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


# -- wt land's edges (no hooks: each refusal is wt land's own) ------------------------

def _wt_with(r: RepoHandle, branch: str, files: dict[str, str],
             base: str = 'main') -> Path:
    w = r.worktree(branch, base=base)
    _commit(w, files, branch)
    return w


def test_land_refuses(plain_repo: RepoHandle, wt: Run) -> None:
    r = plain_repo
    main = r.path
    res = wt(main, 'land')
    assert res.code == 1 and 'nothing to land' in res.err, res
    res = wt(main, 'land', '9')
    assert res.code == 2 and 'no worktree for issue 9' in res.err
    r.worktree('issue-1-empty')
    res = wt(main, 'land', '1')
    assert res.code == 1, res
    assert 'issue 1 (issue-1-empty): nothing to land: it has no commits ' \
        'of its own' in res.err
    w2 = _wt_with(r, 'issue-2-landed', {'two.txt': '2\n'})
    git('push', '-q', 'origin', 'issue-2-landed:main', cwd=w2)
    res = wt(main, 'land', '2')
    assert res.code == 1 and 'it has landed already' in res.err, res
    (main / '.worktree-guard.yaml').write_text('base:\n  branch: trunk\n')
    res = wt(main, 'land')
    assert res.code == 2 and 'no origin/trunk to land on' in res.err, res
    (main / '.worktree-guard.yaml').unlink()


def test_land_stops(plain_repo: RepoHandle, wt: Run, tmp_path: Path) -> None:
    r = plain_repo
    main = r.path
    _land_by_hand(r, {'src/lines.txt': LINES}, 'lines')
    w3 = _wt_with(r, 'issue-3-clash', {'src/lines.txt': _edit(LINES, 3, 'x')})
    w4 = _wt_with(r, 'issue-4-fine', {'four.txt': '4\n'})
    _wt_with(r, 'issue-5-later', {'five.txt': '5\n'})
    _land_by_hand(r, {'src/lines.txt': _edit(LINES, 3, 'y')}, 'base')
    git(*OFF, 'pull', '-q', 'origin', 'main', cwd=main)
    # A dry run: the conflict, the uncommitted change, the way through.
    (w4 / 'four.txt').write_text('edited\n')
    res = wt(main, 'land', '--dry-run', '3', '4', '5')
    assert res.code == 0, res
    assert 'issue-3-clash: rebase onto origin/main would STOP at commit 1 ' \
        'of 1 in src/lines.txt' in res.out
    assert '1 uncommitted change to tracked files: it would stop here' \
        in res.out
    assert 'issue-4-fine: rebase onto origin/main: 1 commit to replay' \
        in res.out
    assert 'git push origin issue-5-later:main' in res.out
    # Dirty: it waits for the others in the plan, then stops.
    res = wt(main, 'land', '4', '5')
    assert res.code == 1, res
    assert 'landing issue-5-later (1 of 2)' in res.out
    assert 'STOPPED: issue-4-fine: uncommitted changes (1)' in res.out
    git('checkout', '--', 'four.txt', cwd=w4)
    # A conflict with the base: stopped, nothing changed.
    before = git('rev-parse', 'HEAD', cwd=w3)
    res = wt(main, 'land', '3')
    assert res.code == 1 and 'conflicts in src/lines.txt' in res.out, res
    assert git('rev-parse', 'HEAD', cwd=w3) == before
    # land.test comes from the base's committed policy, not from the
    # working tree of the checkout wt runs in.
    _land_by_hand(r, {'.worktree-guard.yaml':
                      'land:\n  test: "echo testing; exit 3"\n'}, 'policy')
    (main / '.worktree-guard.yaml').write_text('land:\n  test: "true"\n')
    old4 = git('rev-parse', 'HEAD', cwd=w4).strip()
    res = wt(main, 'land', '3', '4')
    assert res.code == 1, res
    assert 'not landed: issue-3-clash' in res.out
    assert 'land.test: echo testing; exit 3  (from origin/main:' \
        '.worktree-guard.yaml)' in res.out
    assert '| testing' in res.out and 'land.test: FAILED (exit 3)' in res.out
    assert 'STOPPED: issue-4-fine: land.test failed; the base is ' \
        'unchanged; undo its rebase: git -C trees/issue-4-fine reset --keep ' \
        f'{old4[:12]}' in res.out
    undo = res.out.split('undo its rebase: ')[1].splitlines()[0]
    assert run(undo.split(), cwd=main).returncode == 0
    assert git('rev-parse', 'HEAD', cwd=w4).strip() == old4
    git('checkout', '--', '.worktree-guard.yaml', cwd=main)
    _land_by_hand(r, {'.worktree-guard.yaml': 'land:\n  test: "true"\n'},
                  'policy')
    # A refused push (the remote is gone): stopped, the way back shown.
    git('remote', 'set-url', 'origin', str(tmp_path / 'gone.git'), cwd=main)
    res = wt(main, 'land', '4')
    assert res.code == 1, res
    assert '(cached: the fetch failed)' in res.out
    assert 'note: could not fetch origin/main' in res.out
    assert 'git push origin issue-4-fine:main was refused; the base is ' \
        'unchanged' in res.out
    git('remote', 'set-url', 'origin', str(r.remote), cwd=main)


def test_land_leaves_the_local_base_safe(plain_repo: RepoHandle, wt: Run
                                         ) -> None:
    r = plain_repo
    main = r.path
    hook = Path(git('rev-parse', '--git-path', 'hooks', cwd=main).strip())
    if not hook.is_absolute():
        hook = main / hook
    for n in range(1, 6):
        _wt_with(r, f'issue-{n}-n{n}', {f'n{n}.txt': f'{n}\n'})
    # The main checkout has uncommitted changes: not touched.
    (main / 'README.md').write_text('edited\n')
    before = git('rev-parse', 'origin/main', cwd=main).strip()
    res = wt(main, 'land', '1')
    assert res.code == 0, res
    assert 'the main checkout (on main) has uncommitted changes: not ' \
        'touched; when it is clean: git -C ' in res.out
    # The printed way back of the land itself works (no server hook here
    # to refuse the force push).
    undo = res.out.split('undo the land (a force push: the server may '
                         'refuse it): ')[1].splitlines()[0]
    assert run(undo.split(), cwd=main).returncode == 0
    assert git('ls-remote', str(r.remote), 'refs/heads/main',
               cwd=main).split()[0] == before
    git('checkout', '--', 'README.md', cwd=main)
    # An untracked file the fast-forward would overwrite: not moved.
    (main / 'n2.txt').write_text('mine\n')
    res = wt(main, 'land', '2')
    assert res.code == 0, res
    assert 'the main checkout (on main) not fast-forwarded (' in res.out
    (main / 'n2.txt').unlink()
    # A hook that refuses moving main after git staged the merge: the
    # staged files are undone (git reset --merge), nothing is left staged.
    hook.mkdir(exist_ok=True)
    script = hook / 'reference-transaction'
    script.write_text('#!/bin/sh\n[ "$1" = prepared ] || exit 0\n'
                      'grep -q " refs/heads/main$" && exit 1\nexit 0\n')
    script.chmod(0o755)
    res = wt(main, 'land', '3')
    assert res.code == 0, res
    assert 'its staged result was undone (git reset --merge)' in res.out
    assert git('status', '--porcelain', '--untracked-files=no', cwd=main
               ) == ''
    script.unlink()
    # Local main has a commit of its own: not moved.
    _commit(main, {'local.txt': 'l\n'}, 'local only')
    res = wt(main, 'land', '4')
    assert 'local main has commits origin/main lacks: not moved' in res.out
    git('reset', '-q', '--keep', 'HEAD~1', cwd=main)
    # main checked out nowhere: moved with update-ref; then no main.
    git('switch', '-q', '-c', 'side', cwd=main)
    old = git('rev-parse', 'main', cwd=main).strip()
    res = wt(main, 'land', '5')
    assert res.code == 0, res
    assert f'local main: {old[:12]} -> ' in res.out
    assert git('rev-parse', 'main', cwd=main) == git(
        'rev-parse', 'origin/main', cwd=main)
    git('branch', '-D', 'main', cwd=main)
    _wt_with(r, 'issue-6-n6', {'n6.txt': '6\n'}, base='origin/main')
    res = wt(main, 'land', '6')
    assert res.code == 0 and 'no local main to update' in res.out, res


def test_path(plain_repo: RepoHandle, wt: Run) -> None:
    r = plain_repo
    w = r.worktree('issue-4-four')
    r.worktree('issue-42-answer')
    res = wt(r.path, 'path', '4')
    assert res.code == 0 and res.out == f'{w.resolve()}\n'
    res = wt(r.path, 'path', '7')
    assert res.code == 2 and 'no worktree for issue 7' in res.err
    git('worktree', 'add', '-q', '--detach',
        str(r.path / 'trees' / 'issue-4-again'), cwd=r.path)
    res = wt(r.path, 'path', '4')
    assert res.code == 2 and 'issue 4 has 2 worktrees' in res.err


def test_prune_merged_edges(plain_repo: RepoHandle, wt: Run) -> None:
    r = plain_repo
    main = r.path
    w1 = _wt_with(r, 'issue-1-landed', {'one.txt': '1\n'})
    git('push', '-q', 'origin', 'issue-1-landed:main', cwd=w1)
    _wt_with(r, 'issue-2-open', {'two.txt': '2\n'})
    (w1 / 'scratch.txt').write_text('mine\n')  # untracked: kept
    git('worktree', 'add', '-q', '--detach',
        str(main / 'trees' / 'issue-3-detached'), cwd=main)
    res = wt(main, 'prune', '--merged')
    assert res.code == 1, res
    assert 'kept trees/issue-1-landed: trees/issue-1-landed has 1 ' \
        'uncommitted change' in res.out
    assert 'issue-2-open' not in res.out
    (main / '.worktree-guard.yaml').write_text('base:\n  branch: trunk\n')
    res = wt(main, 'prune', '--merged')
    assert res.code == 1 and 'no origin/trunk: cannot tell' in res.out
