"""Whole-file scans: ``worktree-guard check --all-files --rule
worktree-paths`` over every tracked file of a repository with 5,000,
20,000 and 80,000 ~2 KB text files (500 / 2,000 / 8,000 with ``--quick``),
against, in the same run over the same files:

- ``git grep --cached -n -E '<the engine's literals>'``: git's own scan for
  the literals the path engine starts from (the target: <= 1.2x), with
  git's default threads (one per CPU), and the same with ``--threads=1``
  (what worktree-guard runs on a machine with two CPUs or fewer, where it
  is faster: docs/performance.md);
- ``git cat-file --batch`` reading every blob (what a scan that reads
  everything cannot beat).

One file in 20 has an in-tree ``../`` link (the matcher runs and finds
nothing); one in 100 links out of the repository (a finding, so the check
exits 1).  At the smallest size the same files without the escapes are
measured too.  Peak RSS, from one more, untimed run: of worktree-guard's
own Python process (the target: <= 64 MB at 80,000 files), and of the
largest process of each command's tree (GNU time's ``%M``: with its git
children, whose ``git grep`` holds up to ``core.deltaBaseCacheLimit`` of
delta bases, as the baseline does), and the
per-file time at each size is the curve (linear: the largest size's
per-file time within 1.2x of the smallest's).

The repositories are built with ``git fast-import`` (packed, as a clone
leaves them) and an index from ``git read-tree``; no working tree is
written, since ``--all-files`` reads the index.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from common import ENV
from common import PYTHON
from common import Cmd
from common import Options
from common import Row
from common import fast_import
from common import git
from common import measure
from common import tool
from common import tree_blob

BRANCH = 'issue-17-scan'


def literals(repo: Path) -> list[str]:
    """The literals the path engine pre-filters on for this repository (its
    root, the worktrees root, the home spellings, ...)."""
    try:
        from worktree_guard.model import Checkout
        from worktree_guard.pathengine.prefilter import prefilter_terms
    except ImportError:   # before the pre-filter: the engine's openers
        return ['../', '/home/', '/Users/', 'sers', 'SERS', 'trees/',
                str(repo)]
    return [t.decode('utf-8', 'surrogateescape') for t in prefilter_terms(
        [Checkout('current', str(repo), [str(repo)])], 'trees')]


def ere(literal: str) -> str:
    """``literal`` as a POSIX extended regular expression."""
    return ''.join('\\' + c if c in '.[]()*+?{}|^$\\' else c
                   for c in literal)


# worktree-guard in-process, writing its own peak RSS (KiB) at exit.
_SELF_RSS = (
    'import atexit, os, resource, runpy, sys\n'
    'atexit.register(lambda: open(os.environ["BENCH_RSS_OUT"], "w").write('
    'str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)))\n'
    'sys.argv[0] = "worktree-guard"\n'
    'runpy.run_module("worktree_guard", run_name="__main__")\n')


def python_rss(repo: Path, args: list[str]) -> int:
    """The peak RSS (KiB) of worktree-guard's own Python process, without
    its git children.  Started through GNU time (a small process), since
    exec keeps the RSS high-water mark of the process it replaces."""
    if not os.access('/usr/bin/time', os.X_OK):
        return 0
    fd, out = tempfile.mkstemp(prefix='bench-self-rss-')
    os.close(fd)
    try:
        subprocess.run(['/usr/bin/time', '-o', os.devnull, PYTHON, '-c',
                        _SELF_RSS, *args], cwd=repo,
                       env={**ENV, 'BENCH_RSS_OUT': out},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=600)
        text = Path(out).read_text().strip()
    finally:
        os.unlink(out)
    return int(text) if text else 0


def build(base: Path, n: int, escape_every: int) -> tuple[Path, bytes]:
    repo = base / f'scan-{n}-{escape_every}'
    git('init', '-q', '-b', BRANCH, str(repo), cwd=base)

    def files() -> Iterator[tuple[str, bytes]]:
        yield 'README.md', b'# scan bench\n'
        for i in range(n):
            # 100 files a folder, like a real tree.
            yield (f'p/d{i // 100:03d}/f{i:05d}.md',
                   tree_blob(i, escape_every=escape_every))

    fast_import(repo, [(f'refs/heads/{BRANCH}', ':1', None, files())])
    git('read-tree', 'HEAD', cwd=repo)
    oids = [line.split()[1] for line in
            git('ls-files', '-s', cwd=repo).splitlines()]
    assert len(oids) == n + 1, (len(oids), n)
    return repo, ('\n'.join(oids) + '\n').encode()


def run(opts: Options) -> list[Row]:
    base = opts.workdir / 'scan'
    base.mkdir()
    sizes = (500, 2000, 8000) if opts.quick else (5000, 20000, 80000)
    small, big = sizes[0], sizes[-1]
    guard = tool('worktree-guard') or 'worktree-guard'
    rows: list[Row] = []
    per_file: dict[int, float] = {}
    variants = [(n, 100) for n in sizes] + [(small, 0)]
    for n, every in variants:
        repo, oids = build(base, n, every)
        pattern = '|'.join(ere(lit) for lit in literals(repo))
        tag = f'{n:,} files, ' + (f'escapes in 1 of {every}' if every
                                  else 'no escapes')
        cmds = [
            Cmd('scan', [guard, 'check', '--all-files', '--rule',
                         'worktree-paths'], repo, rc=1 if every else 0),
            Cmd('grep', ['git', 'grep', '--cached', '-n', '-E', pattern],
                repo),
            Cmd('grep1', ['git', 'grep', '--threads=1', '--cached', '-n',
                          '-E', pattern], repo),
            Cmd('catfile', ['git', 'cat-file', '--batch'], repo,
                stdin=oids),
        ]
        # The big sizes take seconds a run: fewer runs, still >= 3.
        runs = opts.runs if n <= 5000 else max(3, opts.runs // 3)
        m = measure(cmds, runs, warmup=1, rss=True)
        scan, grep, grep1, cat = m['scan'], m['grep'], m['grep1'], \
            m['catfile']
        if every:
            per_file[n] = scan / n * 1000
        rows += [
            Row('scan', f'check --all-files, {tag}', scan,
                'git grep --cached -n -E <literals>', grep, target=1.2,
                note=f'{scan / n * 1000:.1f} us/file'),
            Row('scan', f'check --all-files, {tag}', scan,
                'git grep --cached -n -E --threads=1 <literals>', grep1),
            Row('scan', f'check --all-files, {tag}', scan,
                'git cat-file --batch (every blob)', cat),
            Row('scan', f'peak RSS, worktree-guard\'s Python process, {tag}',
                python_rss(repo, ['check', '--all-files', '--rule',
                                  'worktree-paths']) / 1024,
                'git grep --cached -n -E', grep.rss / 1024, unit='MB',
                limit=64 if n == big and every else None),
            Row('scan', f'peak RSS, check --all-files with its git '
                        f'children, {tag}', scan.rss / 1024,
                'git grep --cached -n -E', grep.rss / 1024, unit='MB'),
        ]
    rows.append(Row(
        'scan', f'per-file time at {big:,} files', per_file[big],
        f'per-file time at {small:,}', per_file[small], target=1.2,
        unit='us', note='curve: ' + ', '.join(
            f'{n:,}: {us:.1f} us' for n, us in sorted(per_file.items()))))
    return rows
