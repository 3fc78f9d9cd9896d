"""Smoke test of the benchmarks: the documented entry point runs a cheap
scenario end to end and prints a ratio line.  No timing assertions."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import PROJECT

pytestmark = pytest.mark.slow


def test_bench_quick_commit_prints_a_ratio() -> None:
    proc = subprocess.run(
        [sys.executable, str(PROJECT / 'bench' / 'run.py'), '--quick',
         '--runs', '3', '--only', 'commit'],
        cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'FAILED' not in out, out
    assert re.search(r'native pre-commit hook, 4 rules \(main checkout\)'
                     r'\s+[\d.]+ ms\s+[\d.]+x no-commit-to-branch', out), out
    assert re.search(r'date .*; commit [0-9a-f]{7,}', out), out
