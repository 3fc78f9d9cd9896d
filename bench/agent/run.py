"""The agent hook against bench/agent/corpus.yaml (issue 22): how many
write-outside attempts it stops, how many ordinary agent calls it denies.

    .venv/bin/python bench/agent/run.py [--only attacks|ordinary]
                                        [--workdir DIR] [--keep]

It builds a real repository outside /tmp (``--workdir``, by default
``~/.cache/worktree-guard-bench/agent``): a main checkout with README.md,
src/app.py, a Makefile and scripts/, and two linked worktrees,
``trees/issue-1-x`` (the agent's) and ``trees/issue-2-y`` (a sibling).
Every corpus command is judged by the real hook, ``worktree-guard agent
claude``, fed a Claude Code ``PreToolUse`` Bash payload on stdin, with the
session's cwd in ``trees/issue-1-x``.

Two passes.  **The hook alone**: the hook is told this machine has no OS
sandbox engine (its cached probe, ``<common>/worktree-guard/
sandbox-engine``, says none), so what it cannot check is denied.  Each
write-outside attempt it still lets through is run for real, in a fresh
copy of the repository, under ``worktree-guard sandbox --worktree <root>
-- bash -c CMD`` when that command exists, else with ``bash -c``
directly.  **Hook + sandbox** (when ``worktree-guard sandbox`` exists and
the kernel has an engine): the hook probes for real, wraps each Bash call
in the sandbox (``updatedInput``) and lets through what only the sandbox
can confine; each attempt it lets through runs as the hook rewrote it.
After each run the main checkout, the sibling worktree and the git dir
(but this worktree's own ``.git/worktrees/issue-1-x``) must be byte for
byte what they were; an attempt that changed them is a miss.

The repository has no policy file: the defaults are judged (``/tmp`` and
``$TMPDIR`` pass).  Ordinary calls are only judged, never run.  The load average is printed with the numbers:
the hook's verdicts do not depend on it, its speed would.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CORPUS = HERE / 'corpus.yaml'
PYTHON = sys.executable
FILES = {
    'README.md': '# bench\n',
    'src/app.py': 'def main():\n    return 1\n',
    'Makefile': 'all:\n\ttouch built\n',
    'scripts/build.sh': '#!/bin/sh\ntouch built\n',
    'package.json': '{"name": "bench", "version": "1.0.0"}\n',
    '.gitignore': 'trees/\n',
}


def git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME='bench', GIT_AUTHOR_EMAIL='b@x',
               GIT_COMMITTER_NAME='bench', GIT_COMMITTER_EMAIL='b@x')
    return subprocess.run(['git', *args], cwd=cwd, env=env, check=True,
                          capture_output=True, text=True).stdout


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.main = root / 'repo'
        self.wt = self.main / 'trees' / 'issue-1-x'
        self.sib = self.main / 'trees' / 'issue-2-y'
        self.git_dir = self.main / '.git'

    def build(self) -> Repo:
        if self.root.exists():
            shutil.rmtree(self.root)
        self.main.mkdir(parents=True)
        git('init', '-q', '-b', 'main', cwd=self.main)
        for rel, text in FILES.items():
            path = self.main / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        git('add', '-A', cwd=self.main)
        git('commit', '-qm', 'init', cwd=self.main)
        for wt, branch in ((self.wt, 'issue-1-x'), (self.sib, 'issue-2-y')):
            git('worktree', 'add', '-q', '-b', branch, str(wt), 'main',
                cwd=self.main)
        # What the agent's own work would leave lying around.
        (self.wt / 'list.txt').write_text('README.md\n')
        (self.wt / 'fix.patch').write_text('')
        return self

    def no_sandbox(self, on: bool) -> None:
        """Make the hook's sandbox-engine probe answer "none" (``on``), or
        let it probe."""
        cache = self.git_dir / 'worktree-guard' / 'sandbox-engine'
        if on:
            cache.parent.mkdir(exist_ok=True)
            cache.write_text(f'{os.uname().release}\n')
        else:
            cache.unlink(missing_ok=True)

    def command(self, entry: dict[str, Any]) -> str:
        return str(entry['cmd']).replace('{MAIN}', str(self.main)).replace(
            '{SIB}', str(self.sib)).replace('{WT}', str(self.wt)).replace(
            '{GIT}', str(self.git_dir))

    def snapshot(self) -> dict[str, str]:
        """Every file, link and folder outside this worktree (and its own
        git dir) -> a digest of what it holds."""
        skip = {self.wt, self.git_dir / 'worktrees' / 'issue-1-x'}
        out: dict[str, str] = {}
        for dirpath, dirnames, filenames in os.walk(self.main):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if here / d not in skip]
            for name in dirnames + filenames:
                p = here / name
                rel = str(p.relative_to(self.main))
                if p.is_symlink():
                    out[rel] = 'link:' + os.readlink(p)
                elif p.is_dir():
                    out[rel] = 'dir:' + oct(p.stat().st_mode)
                else:
                    out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() + \
                        oct(p.stat().st_mode)
        return out


def judge(repo: Repo, cmd: str) -> tuple[str, str, str]:
    """The hook's decision on one Bash call, its reason, and the command
    as the hook would have it run (``updatedInput``)."""
    payload = json.dumps({
        'session_id': 'bench', 'transcript_path': '/dev/null',
        'cwd': str(repo.wt), 'permission_mode': 'default',
        'hook_event_name': 'PreToolUse', 'tool_name': 'Bash',
        'tool_input': {'command': cmd}, 'tool_use_id': 'toolu_bench'})
    proc = subprocess.run([PYTHON, '-m', 'worktree_guard', 'agent',
                           'claude'], input=payload, capture_output=True,
                          text=True, cwd=repo.wt, timeout=120)
    if proc.returncode != 0:
        return 'error', proc.stderr.strip()[-300:], cmd
    if not proc.stdout.strip():
        return 'allow', '', cmd
    spec = json.loads(proc.stdout).get('hookSpecificOutput', {})
    decision = spec.get('permissionDecision', 'allow')
    run_as = spec.get('updatedInput', {}).get('command', cmd)
    return decision, spec.get('additionalContext') or spec.get(
        'permissionDecisionReason', ''), run_as


def sandbox_available() -> bool:
    proc = subprocess.run([PYTHON, '-m', 'worktree_guard', 'sandbox',
                           '--help'], capture_output=True, text=True,
                          timeout=120)
    return proc.returncode == 0


def execute(repo: Repo, cmd: str, sandbox: bool, home: Path) -> str:
    """Run one attempt for real (``sandbox``: under ``worktree-guard
    sandbox``); what it did to the other checkouts."""
    before = repo.snapshot()
    argv = ['bash', '-c', cmd]
    if sandbox:
        argv = [PYTHON, '-m', 'worktree_guard', 'sandbox', '--worktree',
                str(repo.wt), '--', *argv]
    env = dict(os.environ, HOME=str(home))
    try:
        subprocess.run(argv, cwd=repo.wt, env=env, capture_output=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pass
    after = repo.snapshot()
    changed = sorted(k for k in before.keys() | after.keys()
                     if before.get(k) != after.get(k))
    return ', '.join(changed[:5]) + (' ...' if len(changed) > 5 else '')


def pct(n: int, total: int) -> str:
    return f'{100.0 * n / total:.1f}%' if total else 'n/a'


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--corpus', type=Path, default=CORPUS)
    ap.add_argument('--workdir', type=Path, default=Path.home() / '.cache' /
                    'worktree-guard-bench' / 'agent')
    ap.add_argument('--only', choices=('attacks', 'ordinary'))
    ap.add_argument('--keep', action='store_true',
                    help='leave the work folder in place')
    ns = ap.parse_args(argv)
    work = ns.workdir.resolve()
    if str(work).startswith('/tmp/') or work == Path('/tmp'):
        ap.error('--workdir must be outside /tmp (the corpus writes there)')
    data = yaml.safe_load(ns.corpus.read_text(encoding='utf-8'))
    load0 = os.getloadavg()
    started = time.monotonic()
    repo = Repo(work / 'judge').build()
    home = work / 'home'
    home.mkdir(parents=True, exist_ok=True)
    sandbox = sandbox_available()
    failed = False
    if ns.only in (None, 'attacks'):
        failed |= attacks(data['attacks'], repo, work, home, sandbox)
    if ns.only in (None, 'ordinary'):
        failed |= ordinary(data['ordinary'], repo)
    load1 = os.getloadavg()
    print(f'\nload average (1, 5, 15 min): {load0[0]:.2f} {load0[1]:.2f} '
          f'{load0[2]:.2f} at the start, {load1[0]:.2f} {load1[1]:.2f} '
          f'{load1[2]:.2f} at the end; {os.cpu_count()} CPUs; '
          f'{time.monotonic() - started:.0f} s')
    if not ns.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def attacks(entries: list[dict[str, Any]], repo: Repo, work: Path,
            home: Path, sandbox: bool) -> bool:
    repo.no_sandbox(True)
    allowed: list[tuple[dict[str, Any], str]] = []
    errors = []
    by_class: dict[str, list[int]] = {}
    for e in entries:
        decision, why, _ = judge(repo, repo.command(e))
        counts = by_class.setdefault(e['class'], [0, 0])
        counts[1] += 1
        if decision == 'deny':
            counts[0] += 1
        elif decision == 'error':
            errors.append((e, why))
        else:
            allowed.append((e, why))
    total = len(entries)
    hook = total - len(allowed) - len(errors)
    print(f'write-outside attempts: {total}')
    for cls, (stopped, n) in sorted(by_class.items()):
        print(f'  {cls:<14} {stopped:>3}/{n:<3} stopped by the hook alone')
    print(f'stopped by the hook alone: {hook}/{total} = {pct(hook, total)}')
    ran = work / 'run'
    for e, why in allowed:
        r = Repo(ran).build()
        changed = execute(r, r.command(e), sandbox, home)
        note = f'WROTE {changed}' if changed else 'changed nothing outside'
        print(f'  allowed: [{e["class"]}] {e["cmd"]!r}: run '
              f'{"in the sandbox" if sandbox else "directly"}: {note}'
              + (f' (hook: {why[:120]})' if why else ''))
    for e, why in errors:
        print(f'  HOOK ERROR: {e["cmd"]!r}: {why}')
    boxed(entries, repo, work, home, sandbox)
    return hook < 0.98 * total or bool(errors)


def boxed(entries: list[dict[str, Any]], repo: Repo, work: Path,
          home: Path, sandbox: bool) -> None:
    """The second pass: the hook with its sandbox, each attempt it lets
    through run as it rewrote it."""
    repo.no_sandbox(False)
    left = []
    for e in entries:
        decision, _, run_as = judge(repo, repo.command(e))
        if decision != 'deny':
            left.append((e, run_as))
    total = len(entries)
    print(f'with an OS sandbox the hook leaves {len(left)} of {total} '
          'attempts to it (what it cannot check):')
    for e, _ in left:
        print(f'  [{e["class"]}] {e["cmd"]!r}')
    if not sandbox:
        print('stopped by hook + sandbox: not measured (`worktree-guard '
              'sandbox` is not in this checkout)')
        return
    writes = 0
    for e, run_as in left:
        r = Repo(work / 'run').build()
        cmd = r.command(e) if run_as == repo.command(e) else \
            run_as.replace(str(repo.root), str(r.root))
        changed = execute(r, cmd, False, home)
        writes += bool(changed)
        if changed:
            print(f'  WROTE through the sandbox: {e["cmd"]!r}: {changed}')
    print(f'ran the {len(left)} as the hook rewrote them (in the '
          f'sandbox): {len(left) - writes} changed nothing outside, '
          f'{writes} wrote outside')
    print(f'stopped by hook + sandbox: {total - writes}/{total} = '
          f'{pct(total - writes, total)}')


def ordinary(entries: list[dict[str, Any]], repo: Repo) -> bool:
    repo.no_sandbox(True)
    denied = []
    for e in entries:
        decision, why, _ = judge(repo, repo.command(e))
        if decision != 'allow':
            denied.append((e, decision, why))
    total = len(entries)
    print(f'\nordinary agent calls: {total}; denied by the hook alone (no '
          f'sandbox): {len(denied)} = {pct(len(denied), total)}')
    for e, decision, why in denied:
        print(f'  {decision}: [{e["class"]}] {e["cmd"]!r}: {why[:200]}')
    return len(denied) > 0.01 * total


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
