"""``worktree-guard wt status`` (the parallel-work dashboard) for 10 and 50
worktrees, against the raw git it must run for them in the same run
(wtbench.raw_git: ``worktree list``, ``for-each-ref``, one ``diff-tree
--stdin`` of the tips, one ``git status`` per worktree, one ``merge-tree
--stdin`` of the overlapping pairs).  Target: 50 worktrees in <= 2 s.

Every worktree ``trees/issue-<N>-task-<N>`` commits a change to its own
file; every tenth pair also edits the same lines of one shared file, so
the dashboard finds overlapping pairs and forecasts their conflicts (and
only theirs).
"""
from __future__ import annotations

from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import measure
from common import run as sh
from wtbench import TARGET_MS
from wtbench import branch
from wtbench import build
from wtbench import raw_git
from wtbench import tips
from wtbench import worktree_guard


def shared_file(i: int = 0) -> bytes:
    """``src/shared<k>.py`` as branch ``i`` writes it (0: the base's)."""
    return b''.join(f'value_{j} = {j * 100 + i if i else j}\n'.encode()
                    for j in range(40))


def files_of(i: int) -> dict[str, bytes]:
    files = {f'src/task{i}.py': f'task = {i}\n'.encode()}
    if i % 10 in (1, 2):  # pairs (1,2), (11,12), ...: same lines
        files[f'src/shared{i // 10}.py'] = shared_file(i)
    return files


def run(opts: Options) -> list[Row]:
    wg = worktree_guard()
    base = opts.workdir / 'wt'
    base.mkdir()
    sizes = (10, 25) if opts.quick else (10, 50)
    rows = []
    for n in sizes:
        repo = build(base / f'repo-{n}', n, files_of,
                     {f'src/shared{k}.py': shared_file()
                      for k in range(n // 10 + 1)})
        cp = sh([wg, 'wt', 'status'], repo, check=False)
        out = (cp.stdout + cp.stderr).decode(errors='replace')
        if cp.returncode == 2 or 'not implemented' in out:
            raise Unavailable(out.strip().splitlines()[0] if out.strip()
                              else 'wt status failed (issue 5)')
        tip = tips(repo)
        pairs = [(tip[branch(i)], tip[branch(i + 1)])
                 for i in range(1, n, 10)]
        raw, raw_label = raw_git(repo, n, files=True, status=True,
                                 pairs=pairs)
        cmds = [Cmd('status', [wg, 'wt', 'status'], repo,
                    rc=cp.returncode), raw]
        m = measure(cmds, opts.runs, warmup=1)
        rows.append(Row('wt-status', f'wt status, {n} worktrees',
                        m['status'], raw_label, m['raw'],
                        limit=TARGET_MS if n == 50 else None,
                        note=f'{m["status"] / n:.1f} ms per worktree; '
                             f'{len(pairs)} forecasts; exit '
                             f'{cp.returncode}'))
    return rows
