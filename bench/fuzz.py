"""The long fuzz job: the Hypothesis properties of ``tests/integration/test_fuzz.py``
with many more examples than the default test run.

    python bench/fuzz.py                    # 5,000 examples per property
    python bench/fuzz.py --examples 50000   # longer
    python bench/fuzz.py --seed 1234 -k policy

It runs pytest on ``tests/integration/test_fuzz.py``, the matcher properties of
``tests/integration/test_hotpath.py``, the allow-paths glob's
(``tests/unit/test_globmatch.py``) and the agent hook's ``os.path``
stand-in's (``tests/unit/test_lightpath.py``) with ``WORKTREE_GUARD_FUZZ_EXAMPLES``
set (the CLI fuzzer, one process per example, gets a tenth of it), prints
the time each property took, and exits with pytest's status.  A failure
prints Hypothesis's smallest failing example; paste it into the test as an
``@example`` before fixing the bug.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog='bench/fuzz.py', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--examples', type=int, default=5000,
                   help='examples per property (default: 5000)')
    p.add_argument('--seed', type=int,
                   help='a fixed Hypothesis seed (default: random)')
    p.add_argument('-k', metavar='EXPR',
                   help='only the properties matching this pytest -k '
                        'expression')
    p.add_argument('-n', metavar='N', default='2',
                   help='pytest-xdist workers (default: 2)')
    ns = p.parse_args(argv)
    env = dict(os.environ, WORKTREE_GUARD_FUZZ_EXAMPLES=str(ns.examples))
    cmd = [sys.executable, '-m', 'pytest', 'tests/integration/test_fuzz.py',
           'tests/integration/test_hotpath.py', 'tests/unit/test_globmatch.py',
           'tests/unit/test_lightpath.py', '-q', '--no-cov',
           '-n', ns.n, '-p', 'no:cacheprovider', '--durations=0',
           '--durations-min=0.5']
    if ns.seed is not None:
        cmd.append(f'--hypothesis-seed={ns.seed}')
    if ns.k:
        cmd += ['-k', ns.k]
    print(f'fuzz: {ns.examples} examples per property '
          f'({max(4, ns.examples // 10)} for the CLI fuzzer)', flush=True)
    start = time.monotonic()
    code = subprocess.call(cmd, cwd=ROOT, env=env)
    print(f'fuzz: {"passed" if code == 0 else "FAILED"} in '
          f'{time.monotonic() - start:.0f} s')
    return code


if __name__ == '__main__':
    raise SystemExit(main())
