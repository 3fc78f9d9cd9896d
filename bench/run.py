"""worktree-guard benchmarks: ``./dev bench`` (= ``python bench/run.py``).

    python bench/run.py                  # every scenario, >= 15 runs each,
                                         # writes bench/RESULTS.md
    python bench/run.py --quick          # fewer runs, smaller sizes (~2 min)
    python bench/run.py --only commit,paths
    python bench/run.py --loaded         # the same beside one CPU burner
                                         # per core (the "loaded" run)
    python bench/run.py --label loaded   # label a run "loaded" that other
                                         # work on the machine loads
    python bench/run.py --list

Each scenario prints medians, their spread (the interquartile range of the
runs) and their ratio to a baseline measured in the same run (round-robin,
so load on the machine hits both alike).  A scenario whose feature is not
implemented prints "not available yet" and the run goes on.  Only a full
run (no --quick, no --only) rewrites its run's section ("quiet" or
"loaded") of RESULTS.md, unless --results names a file; the other run's
section is kept.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import os
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common
from common import Options
from common import Row
from common import Unavailable
from common import say

# name -> (module, function, what it measures)
SCENARIOS: dict[str, tuple[str, str, str]] = {
    'startup': ('startup', 'run',
                'interpreter start-up and one git process (the baselines)'),
    'commit': ('commit_suite', 'run_native',
               'native pre-commit hook (4 rules, 10 files) vs '
               'no-commit-to-branch'),
    'commit-whole': ('commit_whole', 'run',
                     'a whole git commit of 1 file with every hook install '
                     'puts in place vs no-commit-to-branch alone'),
    'pre-commit': ('commit_suite', 'run_pre_commit',
                   'the commit suite through pre-commit run'),
    'pre-commit-files': ('precommit_files', 'run',
                         "the path hooks with pre-commit's file names "
                         '(commit, run --all-files) vs pass_filenames '
                         'false'),
    'paths': ('paths', 'run',
              'worktree-paths on 5k/20k staged real files vs git cat-file '
              '--batch of the same blobs'),
    'markdown': ('md_contexts', 'run',
                 'Markdown contexts from markdown-it-py vs the hand reading '
                 'of the same real docs (Engine.scan, the commit hook)'),
    'scan': ('scan', 'run',
             'whole-file scan (check --all-files) of 5k/20k/80k files vs '
             'git grep --cached and git cat-file --batch; peak RSS'),
    'push-paths': ('push_paths', 'run',
                   'worktree-paths on a CI push (500 commits, 5,000 '
                   'files) vs git diff-tree -p, with and without '
                   'escapes'),
    'push': ('push', 'run',
             'pre-push check without the fetch vs git merge-base '
             '--is-ancestor'),
    'wt-status': ('wt_status', 'run', 'wt status for 10 and 50 worktrees'),
    'wt-scale': ('wt_scale', 'run',
                 'wt status for 1,000 worktrees and 200 sharing one file'),
    'agent': ('agent', 'run',
              'the coding-agent hook per tool call vs python -I -S -c pass'),
    'sandbox': ('sandbox', 'run',
                'worktree-guard sandbox -- true vs true and python -I -c '
                'pass'),
    'reftx': ('reftx', 'run',
              'reference-transaction hook: added time per ref update'),
    'server': ('server', 'run',
               'pre-receive: added time per push (200 commits, 2,000 '
               'files)'),
}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog='bench/run.py', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true',
                   help='fewer runs and smaller sizes (a smoke run)')
    p.add_argument('--only', metavar='NAMES',
                   help='comma-separated scenario names (see --list)')
    p.add_argument('--runs', type=int,
                   help='runs per measurement (default 15; 5 with --quick)')
    p.add_argument('--results', metavar='PATH',
                   help='write the Markdown report here (a full run writes '
                        'bench/RESULTS.md)')
    p.add_argument('--loaded', action='store_true',
                   help='run one CPU burner per core beside the benchmarks '
                        'and label the run "loaded"')
    p.add_argument('--label', choices=('quiet', 'loaded'),
                   help='the RESULTS.md section to write (default: quiet, '
                        'or loaded with --loaded)')
    p.add_argument('--keep', action='store_true',
                   help='keep the scratch repos and print where they are')
    p.add_argument('--list', action='store_true', help='list the scenarios')
    ns = p.parse_args(argv)
    if ns.list:
        for name, (_, _, what) in SCENARIOS.items():
            say(f'{name:12} {what}')
        return 0
    names = list(SCENARIOS)
    if ns.only:
        names = [n.strip() for n in ns.only.split(',') if n.strip()]
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            p.error(f"unknown scenario(s) {', '.join(unknown)}; "
                    f"known: {', '.join(SCENARIOS)}")
    runs = ns.runs or (5 if ns.quick else 15)
    label = ns.label or ('loaded' if ns.loaded else 'quiet')
    workdir = common.tmpdir('wg-bench-')
    opts = Options(runs, ns.quick, workdir)
    common.setup_env(workdir)
    burners = start_burners() if ns.loaded else []
    info = common.machine()
    info['run'] = label + (f' ({len(burners)} CPU burner(s) '
                           '`python -c "while 1: pass"` beside it)'
                           if burners else '')
    date = datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%d %H:%M UTC')
    commit = common.commit_id()
    say(f'worktree-guard benchmarks ({"quick, " if ns.quick else ""}'
        f'{runs} runs per median)')
    say(f"date {date}; commit {commit}")
    for k, v in info.items():
        say(f'{k}: {v}')
    rows: list[Row] = []
    status: dict[str, str] = {}
    started = time.perf_counter()
    try:
        for name in names:
            mod_name, fn_name, what = SCENARIOS[name]
            say('')
            say(f'== {name}: {what}')
            t0 = time.perf_counter()
            try:
                mod = importlib.import_module(mod_name)
                got = getattr(mod, fn_name)(opts)
            except Unavailable as e:
                say(f'  not available yet: {e}')
                status[name] = f'not available yet: {e}'
                continue
            except Exception as e:  # a broken scenario must not stop the rest
                say(f'  FAILED: {type(e).__name__}: {e}')
                if os.environ.get('BENCH_DEBUG'):
                    traceback.print_exc()
                status[name] = f'failed: {type(e).__name__}: ' \
                    f'{str(e).splitlines()[0] if str(e) else ""}'
                continue
            for row in got:
                say(row.text())
            rows += got
            status[name] = f'{time.perf_counter() - t0:.0f} s'
    finally:
        for b in burners:
            b.kill()
            b.wait()
        if ns.keep:
            say(f'\nscratch repos kept in {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    info['load'] = f"{info['load']} at the start, " \
        f"{common.machine()['load']} at the end"
    say(f'\ntotal {time.perf_counter() - started:.0f} s; load {info["load"]}')
    out = ns.results
    if out is None and not ns.quick and not ns.only:
        out = str(Path(__file__).resolve().parent / 'RESULTS.md')
    if out:
        write_report(Path(out), rows, status, info, date, commit, runs,
                     label)
        say(f'wrote {out}')
    missed = [r for r in rows if r.ok is False]
    if missed:
        say(f'{len(missed)} target(s) missed')
    return 0


def start_burners() -> list[subprocess.Popen[bytes]]:
    """One busy loop per core, so the run shares the CPUs the way a
    developer machine with a build going does."""
    return [subprocess.Popen([sys.executable, '-c', 'while 1: pass'])
            for _ in range(os.cpu_count() or 1)]


HEAD = """# Benchmark results

Written by `./dev bench` (`python bench/run.py`). Every ratio is against a
baseline measured in the same run, interleaved round-robin; "spread" is the
interquartile range of the runs (n = runs). A quiet run (`./dev bench`, on
a machine doing nothing else) and a loaded run (`./dev bench --loaded`, one
CPU burner per core beside it, or `--label loaded` on a machine other work
loads) each keep their own section; a full run rewrites only its own.
"""


def write_report(path: Path, rows: list[Row], status: dict[str, str],
                 info: dict[str, str], date: str, commit: str,
                 runs: int, label: str = 'quiet') -> None:
    sections = {'quiet': '_No quiet run recorded yet._\n',
                'loaded': '_No loaded run recorded yet._\n'}
    if path.exists():
        old = path.read_text()
        for name in sections:
            start, end = f'<!-- run:{name} -->\n', f'<!-- /run:{name} -->'
            if start in old and end in old:
                sections[name] = old[old.index(start) + len(start):
                                     old.index(end)]
    lines = [
        f'Medians of {runs} runs (fewer where a scenario says so).',
        '',
        f'- date: {date}',
        f'- commit: {commit}',
        *(f'- {k}: {v}' for k, v in info.items()),
        '',
    ]
    for name, st in status.items():
        lines.append(f'### {name}')
        lines.append('')
        got = [r for r in rows if r.scenario == name]
        if not got:
            lines.append(f'_{st}_')
            lines.append('')
            continue
        lines.append('| measurement | median | spread | ratio | baseline '
                     '(median; spread) | target |')
        lines.append('|---|---:|---|---:|---|---|')
        for r in got:
            ratio = f'{r.ratio:.2f}x' if r.ratio is not None else ''
            base = ''
            if r.base_label:
                base = f'{r.base_label} ({r.fmt(r.base_ms or 0)}' + (
                    f'; {r.base_spread()})' if r.base_spread() else ')')
            target = ''
            if r.target_text():
                target = f'{r.target_text()}: ' \
                         f'{"ok" if r.ok else "**missed**"}'
            row_label = r.label + (f' [{r.note}]' if r.note else '')
            lines.append(f'| {row_label} | {r.fmt(r.ms)} | {r.spread()} | '
                         f'{ratio} | {base} | {target} |')
        lines.append('')
    sections[label] = '\n'.join(lines)
    out = [HEAD]
    for name in ('quiet', 'loaded'):
        out += [f'## {name} run', '', f'<!-- run:{name} -->',
                sections[name].rstrip('\n'), f'<!-- /run:{name} -->', '']
    path.write_text('\n'.join(out))


if __name__ == '__main__':
    raise SystemExit(main())
