"""``wt status`` at scale (issue 15): 1,000 worktrees, and 200 worktrees
that all change one file.  Targets: each in <= 2 s on the 2-core machine.

- ``1,000 worktrees``: each branch adds its own file; run with
  ``--committed`` (no per-worktree ``git status`` or snapshot, as the issue
  sets the target).  Baseline, same run: the raw git the dashboard cannot
  avoid, ``git worktree list --porcelain`` plus one ``for-each-ref`` of
  the branch tips (wtbench.raw_git).
- ``200 share one file``: every branch edits the same lines of
  ``src/shared.py`` and the base has moved on, so each branch needs a
  forecast against the base; their 19,900 pairs are forecast only as
  far as ``--budget`` lets them (issue 25), so the bench runs with
  ``--budget 0`` (the dashboard without pair forecasts: the budget adds
  exactly what it is given).  Baseline: ``git worktree list``, ``for-each-ref`` and the
  one ``git merge-tree --stdin`` of the 200 branch-vs-base forecasts.
- each again without ``--committed`` (uncommitted work too), against the
  same raw git plus one ``git status`` per worktree, run as many at a time
  as ``wt status`` runs them.

The branches are written with one ``git fast-import``; the worktrees with
``git worktree add`` (cheap: three small files): wtbench.build.
"""
from __future__ import annotations

from collections.abc import Callable

from common import Cmd
from common import Options
from common import Row
from common import git
from common import measure
from common import run as sh
from wtbench import TARGET_MS
from wtbench import build
from wtbench import raw_git
from wtbench import tips
from wtbench import worktree_guard

SHARED = b''.join(f'value_{j} = {j}\n'.encode() for j in range(40))


def files_of(shared: bool) -> Callable[[int], dict[str, bytes]]:
    """What branch ``i`` writes: the same lines of one shared file, or a
    file of its own."""
    def files(i: int) -> dict[str, bytes]:
        if shared:
            return {'src/shared.py': b''.join(
                f'value_{j} = {j * 1000 + i}\n'.encode() for j in range(40))}
        return {f'src/task{i}.py': f'task = {i}\n'.encode()}
    return files


def run(opts: Options) -> list[Row]:
    wg = worktree_guard()
    base = opts.workdir / 'wt-scale'
    base.mkdir()
    rows = []
    cases = ((100, False), (40, True)) if opts.quick else \
        ((1000, False), (200, True))
    for n, shared in cases:
        # shared: the base moves on, every branch is behind by one and
        # needs a forecast against it
        repo = build(base / f'repo-{n}-{"shared" if shared else "own"}', n,
                     files_of(shared), {'src/shared.py': SHARED},
                     move_base=shared)
        argv = [wg, 'wt', 'status', '--committed', '--budget', '0']
        rc = sh(argv, repo, check=False).returncode
        main = git('rev-parse', 'origin/main', cwd=repo).strip()
        pairs = [(t, main) for t in tips(repo).values()] if shared else []
        what = f'{n} worktrees sharing one file' if shared else \
            f'{n} worktrees'
        raw, raw_label = raw_git(repo, n, pairs=pairs)
        m = measure([Cmd('status', argv, repo, rc=rc), raw], opts.runs,
                    warmup=1)
        rows.append(Row('wt-scale', f'wt status --committed, {what}',
                        m['status'], raw_label, m['raw'], limit=TARGET_MS,
                        note=f'{m["status"] / n:.2f} ms per worktree; '
                             f'exit {rc}'))
        # With uncommitted work (one git status per worktree): the 2 s
        # target holds for the 200 sharing a file, not for 1,000.
        full = Cmd('full', [wg, 'wt', 'status', '--budget', '0'], repo,
                   rc=rc)
        raw, raw_label = raw_git(repo, n, status=True, pairs=pairs)
        mf = measure([full, raw], max(1, opts.runs // 2), warmup=0)
        rows.append(Row('wt-scale', f'wt status (uncommitted work too), '
                                    f'{what}', mf['full'], raw_label,
                        mf['raw'], limit=TARGET_MS if shared else None,
                        note=f'{mf["full"] / n:.2f} ms per worktree'))
    return rows
