"""Smoke test of the benchmarks: the documented entry point runs a cheap
scenario end to end and prints a ratio line with its spread; the report
writer keeps the other run's section.  No timing assertions."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import PROJECT

sys.path.insert(0, str(PROJECT / 'bench'))

import common
import run as bench_run


@pytest.mark.slow
def test_bench_quick_commit_prints_a_ratio() -> None:
    proc = subprocess.run(
        [sys.executable, str(PROJECT / 'bench' / 'run.py'), '--quick',
         '--runs', '3', '--only', 'commit'],
        cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'FAILED' not in out, out
    assert re.search(r'native pre-commit hook, 4 rules \(main checkout\)'
                     r'\s+[\d.]+ ms \(IQR [\d.]+ ms-[\d.]+ ms, n=\d+\)'
                     r'\s+[\d.]+x no-commit-to-branch', out), out
    assert re.search(r'date .*; commit [0-9a-f]{7,}', out), out
    assert re.search(r'load [\d.]+ [\d.]+ [\d.]+ at the start', out), out


@pytest.mark.parametrize('xs, med, q1, q3', [
    ([5.0], 5.0, 5.0, 5.0),
    ([1.0, 3.0], 2.0, 1.5, 2.5),
    ([4.0, 1.0, 3.0, 2.0, 5.0], 3.0, 2.0, 4.0),
])
def test_stat_keeps_median_and_quartiles(xs: list[float], med: float,
                                         q1: float, q3: float) -> None:
    st = common.Stat.of(xs, rss=2048)
    assert (float(st), st.q1, st.q3) == (med, q1, q3)
    assert (st.lo, st.hi, st.rss) == (min(xs), max(xs), 2048)
    row = common.Row('s', 'x', st, 'base', common.Stat.of([1.0, 1.0]))
    assert row.spread() == ('' if len(xs) < 2 else
                            f'IQR {q1:.1f} ms-{q3:.1f} ms, n={len(xs)}')
    assert row.ratio == med


def test_report_keeps_the_other_run(tmp_path: Path) -> None:
    out = tmp_path / 'RESULTS.md'
    info = {'load': '1.00 1.00 1.00'}
    quiet = [common.Row('scan', 'scan 5k', common.Stat.of([2.0, 4.0]),
                        'git grep', common.Stat.of([1.0, 3.0]), target=1.2)]
    bench_run.write_report(out, quiet, {'scan': '1 s'}, info, 'day 1',
                           'aaa', 5, 'quiet')
    loaded = [common.Row('scan', 'scan 5k', 9.0, 'git grep', 3.0,
                         target=1.2),
              common.Row('scan', 'rss', 70.0, unit='MB', limit=64)]
    bench_run.write_report(out, loaded, {'scan': '2 s'}, info, 'day 2',
                           'bbb', 5, 'loaded')
    text = out.read_text()
    quiet_part = text[text.index('## quiet run'):text.index('## loaded run')]
    loaded_part = text[text.index('## loaded run'):]
    assert '- commit: aaa' in quiet_part and 'bbb' not in quiet_part
    assert '| scan 5k | 3.0 ms | IQR 2.5 ms-3.5 ms, n=2 | 1.50x | ' \
           'git grep (2.0 ms; IQR 1.5 ms-2.5 ms, n=2) | <= 1.20x: ' \
           '**missed** |' in quiet_part
    assert '- commit: bbb' in loaded_part
    assert '| rss | 70.0 MB |  |  |  | <= 64.0 MB: **missed** |' \
        in loaded_part
    # A third write of the quiet run leaves the loaded one as it was.
    bench_run.write_report(out, quiet, {'scan': '1 s'}, info, 'day 3',
                           'ccc', 5, 'quiet')
    again = out.read_text()
    assert again[again.index('## loaded run'):] == loaded_part
    assert '- commit: ccc' in again and '- commit: aaa' not in again


def test_server_bench_builds_its_load_branches(tmp_path: Path) -> None:
    """The server scenario's fast-import history: the pushed branch and
    one branch of LOAD_COMMITS commits per concurrent push, each on main."""
    import server as server_bench
    repo = tmp_path / 'client'
    subprocess.run(['git', 'init', '-q', '-b', 'main', str(repo)], check=True)
    server_bench._fast_import(repo, files=10, commits=2, size=64, load=3)

    def count(rev: str) -> int:
        return int(subprocess.run(
            ['git', 'rev-list', '--count', rev], cwd=repo, check=True,
            capture_output=True, text=True).stdout)

    assert count(server_bench.BRANCH) == 3
    for b in range(3):
        assert count(f'main..issue-{100 + b}-load') == \
            server_bench.LOAD_COMMITS
