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

- ``real files`` (issue 26): 1,000 worktrees that each check out 300 real
  files (copies of this machine's Python standard library, ``REAL``), 20%
  of them dirty (one file edited, one new file).  ``wt status --budget 0``
  against the raw git a user would run for the same answer: ``worktree
  list``, ``for-each-ref`` and ``git status`` in every worktree (xargs,
  as many at a time as ``wt status`` runs them).  Target: <= 2 s, or
  <= 1.2x that raw git.  ``wt status`` proves the clean 80% clean from
  their index and files (no process) and runs ``git status`` and one
  ``git add -A`` (the snapshot) in the dirty ones only.

The branches are written with one ``git fast-import``; the worktrees with
``git worktree add``: wtbench.build.
"""
from __future__ import annotations

import os
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

from common import Cmd
from common import Options
from common import Row
from common import git
from common import measure
from common import run as sh
from wtbench import TARGET_MS
from wtbench import branch
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


# The real files every worktree of the ``real files`` case checks out.
REAL_FILES = 300
DIRTY_EVERY = 5  # every fifth worktree is dirty: 20%


def real_files(count: int = REAL_FILES) -> dict[str, bytes]:
    """``count`` real source files of the standard library (the first by
    path, at most 16 KB each, no bytecode), under ``lib/``."""
    root = Path(sysconfig.get_paths()['stdlib'])
    out: dict[str, bytes] = {}
    for folder, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d not in (
            '__pycache__', 'site-packages', 'test', 'tests'))
        for name in sorted(files):
            path = Path(folder) / name
            if name.endswith(('.pyc', '.so')) or path.is_symlink() or \
                    path.stat().st_size > 16384:
                continue
            out[f'lib/{path.relative_to(root)}'] = path.read_bytes()
            if len(out) == count:
                return out
    return out


def run_real(opts: Options, base: Path) -> list[Row]:
    """The ``real files`` case (module docstring)."""
    wg = worktree_guard()
    n = 100 if opts.quick else 1000
    files = real_files()
    size = sum(len(v) for v in files.values())
    repo = build(base / f'repo-{n}-real', n,
                 lambda i: {f'src/task{i}.py': f'task = {i}\n'.encode()},
                 files)
    # As a worktree in use is: its index refreshed by an earlier git
    # status (after git worktree add, every entry is racily clean: git and
    # wt status would both read every file again).
    time.sleep(1.1)
    for i in range(1, n + 1):
        git('status', '--porcelain', cwd=repo / 'trees' / branch(i))
    edited = sorted(files)[len(files) // 2]
    for i in range(1, n + 1, DIRTY_EVERY):
        tree = repo / 'trees' / branch(i)
        with open(tree / edited, 'ab') as f:
            f.write(b'# edited\n')
        (tree / 'notes.txt').write_text('new\n')
    argv = [wg, 'wt', 'status', '--budget', '0']
    rc = sh(argv, repo, check=False).returncode
    raw, raw_label = raw_git(repo, n, status=True)
    m = measure([Cmd('status', argv, repo, rc=rc), raw], opts.runs,
                warmup=1)
    dirty = len(range(1, n + 1, DIRTY_EVERY))
    return [Row('wt-scale', f'wt status, {n} worktrees of {len(files)} real '
                            f'files ({size // 1024} KB, stdlib), {dirty} '
                            'dirty', m['status'], raw_label, m['raw'],
                limit=TARGET_MS,
                note=f'{m["status"] / n:.2f} ms per worktree; exit {rc}')]


def run(opts: Options) -> list[Row]:
    wg = worktree_guard()
    base = opts.workdir / 'wt-scale'
    base.mkdir()
    rows = run_real(opts, base)
    if os.environ.get('WT_SCALE_ONLY_REAL'):
        return rows
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
