"""Whole-file scans of REAL content: ``worktree-guard check --all-files
--rule worktree-paths`` over every tracked file of a repository of 5,000,
20,000 and 80,000 real text files (1,000 / 4,000 / 16,000 with
``--quick``; ``common.real_files``: the pinned ``bench/ecosystem``
repositories, the Python stdlib and site-packages, and beyond those
copies of them), against, in the same run over the same files:

- ``git grep --cached -n -F -e .. -e /home/``: git's own scan for the two
  key literals (the target: <= 1.5x);
- ``git cat-file --batch`` reading every blob (what a scan that reads
  everything cannot beat).

Each row says how many files reach the scanner (hold a pre-filter term).
Peak RSS, from one more, untimed run: of worktree-guard's own Python
process, and of the largest process of each command's tree (GNU time's
``%M``: with its git children; the target: <= 64 MB at 80,000 files).
The per-file time at each size is the curve.

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
from common import corpus_note
from common import real_files
from common import tool

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


def build(base: Path, n: int) -> tuple[Path, bytes]:
    repo = base / f'scan-{n}'
    git('init', '-q', '-b', BRANCH, str(repo), cwd=base)

    def files() -> Iterator[tuple[str, bytes]]:
        yield 'README.md', b'# scan bench\n'
        for path, data in real_files(n):
            yield f'p/{path}', data

    fast_import(repo, [(f'refs/heads/{BRANCH}', ':1', None, files())])
    git('read-tree', 'HEAD', cwd=repo)
    oids = [rec.split()[1] for rec in
            git('ls-files', '-s', '-z', cwd=repo).split('\0') if rec]
    assert len(oids) == n + 1, (len(oids), n)
    return repo, ('\n'.join(oids) + '\n').encode()


def reached(repo: Path) -> int:
    """The files that hold a pre-filter term: the ones the scan reads."""
    args = ['git', 'grep', '--cached', '-l', '-z', '-F']
    for lit in literals(repo):
        args += ['-e', lit]
    return subprocess.run(args, cwd=repo, env=ENV, capture_output=True,
                          check=False).stdout.count(b'\0')


def run(opts: Options) -> list[Row]:
    base = opts.workdir / 'scan'
    base.mkdir()
    sizes = (1000, 4000, 16000) if opts.quick else (5000, 20000, 80000)
    small, big = sizes[0], sizes[-1]
    guard = tool('worktree-guard') or 'worktree-guard'
    rows: list[Row] = []
    per_file: dict[int, float] = {}
    for n in sizes:
        repo, oids = build(base, n)
        tag = corpus_note(n, reached(repo))
        scan_args = [guard, 'check', '--all-files', '--rule',
                     'worktree-paths']
        rc = subprocess.run(scan_args, cwd=repo, env=ENV,
                            capture_output=True).returncode
        assert rc in (0, 1), rc   # real content: findings or none
        cmds = [
            Cmd('scan', scan_args, repo, rc=rc),
            Cmd('grep', ['git', 'grep', '--cached', '-n', '-F', '-e', '..',
                         '-e', '/home/'], repo),
            Cmd('catfile', ['git', 'cat-file', '--batch'], repo,
                stdin=oids),
        ]
        # The big sizes take seconds a run: fewer runs, still >= 3.
        runs = opts.runs if n <= 5000 else max(3, opts.runs // 3)
        m = measure(cmds, runs, warmup=1, rss=True)
        scan, grep, cat = m['scan'], m['grep'], m['catfile']
        per_file[n] = scan / n * 1000
        rows += [
            Row('scan', f'check --all-files, {n:,} files', scan,
                'git grep --cached -n -F -e .. -e /home/', grep,
                target=1.5, note=f'{tag}; {scan / n * 1000:.1f} us/file'),
            Row('scan', f'check --all-files, {n:,} files', scan,
                'git cat-file --batch (every blob)', cat),
            Row('scan', f"peak RSS, worktree-guard's Python process, "
                        f'{n:,} files',
                python_rss(repo, ['check', '--all-files', '--rule',
                                  'worktree-paths']) / 1024,
                'git grep --cached -n -F', grep.rss / 1024, unit='MB'),
            Row('scan', f'peak RSS, check --all-files with its git '
                        f'children, {n:,} files', scan.rss / 1024,
                'git grep --cached -n -F', grep.rss / 1024, unit='MB',
                limit=64 if n == big else None),
        ]
    rows.append(Row(
        'scan', f'per-file time at {big:,} files', per_file[big],
        f'per-file time at {small:,}', per_file[small], target=1.2,
        unit='us', note='curve: ' + ', '.join(
            f'{n:,}: {us:.1f} us' for n, us in sorted(per_file.items()))))
    return rows
