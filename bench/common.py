"""Shared machinery for the benchmarks: a clean git environment, repo
builders, an interleaved timer and the result rows.

Every scenario measures its candidate and its baselines in the same run,
round-robin (A, B, C, A, B, C, ...), so a noisy neighbour slows all of them
alike, and reports medians and ratios.  Timings never go into tests.
"""
from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
PYTHON = sys.executable
BINDIR = os.path.dirname(PYTHON)
ZERO = '0' * 40


def tool(name: str) -> str | None:
    """A console script next to the interpreter (the venv), else on PATH."""
    path = os.path.join(BINDIR, name)
    if os.access(path, os.X_OK):
        return path
    return shutil.which(name)


class Options:
    """Run-wide settings: ``runs`` per measurement, ``quick`` sizes."""

    def __init__(self, runs: int, quick: bool, workdir: Path,
                 verbose: bool = False) -> None:
        self.runs = runs
        self.quick = quick
        self.workdir = workdir
        self.verbose = verbose


class Unavailable(Exception):
    """The feature a scenario measures is not implemented (yet)."""


class Row:
    """One printed result: a median, and its ratio to a baseline."""

    def __init__(self, scenario: str, label: str, ms: float,
                 base_label: str | None = None,
                 base_ms: float | None = None,
                 target: float | None = None, note: str = '',
                 unit: str = 'ms') -> None:
        self.scenario = scenario
        self.unit = unit
        self.label = label
        self.ms = ms
        self.base_label = base_label
        self.base_ms = base_ms
        self.target = target
        self.note = note

    @property
    def ratio(self) -> float | None:
        if self.base_ms is None or self.base_ms <= 0:
            return None
        return self.ms / self.base_ms

    @property
    def ok(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target

    def text(self) -> str:
        out = f'  {self.label:<52} {self.fmt(self.ms):>10}'
        if self.ratio is not None:
            out += f'  {self.ratio:6.2f}x {self.base_label} ' \
                   f'({self.fmt(self.base_ms or 0)})'
        if self.target is not None:
            out += f'  target <= {self.target:.2f}x: ' \
                   f'{"ok" if self.ok else "MISSED"}'
        if self.note:
            out += f'  [{self.note}]'
        return out


    def fmt(self, value: float) -> str:
        if self.unit == 'us':
            return f'{value:.1f} us'
        return fmt_ms(value)


def fmt_ms(ms: float) -> str:
    return f'{ms / 1000:.2f} s' if ms >= 10000 else f'{ms:.1f} ms'


# -- environment ----------------------------------------------------------------------

def clean_env(home: Path) -> dict[str, str]:
    """A deterministic environment: own HOME and git config, no GIT_*,
    PRE_COMMIT*, SKIP or coverage variables, the venv's bin first on PATH."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('GIT_', 'PRE_COMMIT', 'COVERAGE_',
                                'WORKTREE_GUARD'))
           and k not in ('SKIP', 'PYTHONPATH')}
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / '.gitconfig'
    cfg.write_text(
        '[user]\n\tname = Bench\n\temail = bench@example.invalid\n'
        '[init]\n\tdefaultBranch = main\n'
        '[protocol "file"]\n\tallow = always\n'
        '[advice]\n\tdetachedHead = false\n'
        '[core]\n\tautocrlf = false\n'
        '[gc]\n\tauto = 0\n'
        '[maintenance]\n\tauto = false\n',
    )
    env['HOME'] = str(home)
    env['GIT_CONFIG_GLOBAL'] = str(cfg)
    env['GIT_CONFIG_NOSYSTEM'] = '1'
    env['PRE_COMMIT_HOME'] = str(home / 'pre-commit-cache')
    env['PRE_COMMIT_COLOR'] = 'never'
    env['PATH'] = BINDIR + os.pathsep + env.get('PATH', '')
    env['LC_ALL'] = 'C'
    return env


ENV: dict[str, str] = {}


def setup_env(workdir: Path) -> None:
    ENV.clear()
    ENV.update(clean_env(workdir / 'home'))


def run(argv: Sequence[str], cwd: Path | str, *, input: bytes | None = None,
        env: dict[str, str] | None = None, check: bool = True,
        timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
    full = dict(ENV)
    if env:
        full.update(env)
    cp = subprocess.run(list(argv), cwd=cwd, input=input, env=full,
                        capture_output=True, timeout=timeout)
    if check and cp.returncode != 0:
        raise RuntimeError(
            f'{" ".join(argv)} failed in {cwd} (exit {cp.returncode}):\n'
            + cp.stdout.decode(errors='replace')[-2000:]
            + cp.stderr.decode(errors='replace')[-2000:])
    return cp


def git(*args: str, cwd: Path | str, input: bytes | None = None,
        env: dict[str, str] | None = None) -> str:
    return run(['git', *args], cwd, input=input, env=env).stdout.decode()


# -- repositories ---------------------------------------------------------------------

def text_blob(i: int, size: int = 2048) -> bytes:
    """A ~``size``-byte text file: prose with in-tree relative links and
    slashes, like docs and code, so the path scanner has work to do."""
    line = (f'file {i}: see docs/guide.md and src/mod_{i % 97}.py; '
            f'ratio a/b; [link](./notes/n{i % 13}.md) value {i}\n').encode()
    n = size // len(line) + 1
    return (line * n)[:size - 1] + b'\n'


def make_repo(path: Path, branch: str = 'main',
              files: dict[str, bytes] | None = None) -> Path:
    """A repo with one commit on ``branch`` (README, .gitignore, docs)."""
    git('init', '-q', '-b', branch, str(path), cwd=path.parent)
    base = {'README.md': b'# bench\n\nSee docs/guide.md.\n',
            '.gitignore': b'trees/\n',
            'docs/guide.md': b'# Guide\n\n[readme](../README.md)\n'}
    write_files(path, {**base, **(files or {})})
    git('add', '-A', cwd=path)
    git('commit', '-q', '-m', 'initial', cwd=path)
    return path


def write_files(root: Path, files: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for rel, data in files.items():
        p = root / rel
        if p.parent not in made:
            p.parent.mkdir(parents=True, exist_ok=True)
            made.add(p.parent)
        p.write_bytes(data)


def add_remote(repo: Path, name: str = 'origin') -> Path:
    remote = repo.parent / f'{repo.name}-{name}.git'
    git('init', '-q', '--bare', '-b', 'main', str(remote), cwd=repo.parent)
    git('remote', 'add', name, str(remote), cwd=repo)
    git('push', '-q', '-u', name, 'main', cwd=repo)
    return remote


def hook_env(repo: Path) -> dict[str, str]:
    """What git exports into a pre-commit hook run at the worktree root."""
    return {'GIT_INDEX_FILE': '.git/index', 'GIT_PREFIX': '',
            'GIT_EDITOR': ':'}


def install_native(repo: Path) -> None:
    run([PYTHON, '-m', 'worktree_guard', 'install'], repo)


# -- timing ---------------------------------------------------------------------------

class Cmd:
    """A command to time: argv, cwd, extra env, stdin bytes, the exit code
    it must return (a run that fails is not a measurement)."""

    def __init__(self, label: str, argv: Sequence[str], cwd: Path | str,
                 env: dict[str, str] | None = None,
                 stdin: bytes | None = None, rc: int = 0,
                 prepare: Callable[[], None] | None = None) -> None:
        self.label = label
        self.argv = list(argv)
        self.cwd = str(cwd)
        self.env = dict(ENV)
        if env:
            self.env.update(env)
        self.stdin = stdin
        self.rc = rc
        self.prepare = prepare
        self._stdin_path: str | None = None

    def verify(self) -> None:
        """Run once with output captured; fail loudly on a wrong exit code."""
        if self.prepare:
            self.prepare()
        cp = subprocess.run(self.argv, cwd=self.cwd, env=self.env,
                            input=self.stdin or b'', capture_output=True,
                            timeout=600)
        if cp.returncode != self.rc:
            raise RuntimeError(
                f'{self.label}: exit {cp.returncode}, expected {self.rc}\n'
                f'  $ {" ".join(self.argv)}\n'
                + cp.stdout.decode(errors='replace')[-1500:]
                + cp.stderr.decode(errors='replace')[-1500:])

    def once(self) -> float:
        """One timed run.  ``posix_spawn`` with output to /dev/null keeps
        the harness's own cost small and equal for every command."""
        if self.prepare:
            self.prepare()
        if self.stdin is not None and self._stdin_path is None:
            fd, self._stdin_path = tempfile.mkstemp(prefix='bench-stdin-')
            with os.fdopen(fd, 'wb') as f:
                f.write(self.stdin)
        stdin = self._stdin_path or os.devnull
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, stdin, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
        ]
        old = os.getcwd()
        os.chdir(self.cwd)
        try:
            start = time.perf_counter()
            pid = os.posix_spawnp(self.argv[0], self.argv, self.env,
                                  file_actions=actions)
            _, status = os.waitpid(pid, 0)
            elapsed = time.perf_counter() - start
        finally:
            os.chdir(old)
        code = os.waitstatus_to_exitcode(status)
        if code != self.rc:
            raise RuntimeError(f'{self.label}: exit {code} during timing, '
                               f'expected {self.rc}')
        return elapsed * 1000

    def close(self) -> None:
        if self._stdin_path:
            os.unlink(self._stdin_path)
            self._stdin_path = None


def measure(cmds: Sequence[Cmd], runs: int, warmup: int = 2) -> dict[
        str, float]:
    """Median milliseconds per command label, interleaved round-robin."""
    for c in cmds:
        c.verify()
    samples: dict[str, list[float]] = {c.label: [] for c in cmds}
    try:
        for _ in range(warmup):
            for c in cmds:
                c.once()
        for r in range(runs):
            # Rotate the order so no command always runs first.
            k = r % len(cmds)
            for c in list(cmds[k:]) + list(cmds[:k]):
                samples[c.label].append(c.once())
    finally:
        for c in cmds:
            c.close()
    return {label: statistics.median(xs) for label, xs in samples.items()}


def timed(fn: Callable[[], object], runs: int,
          prepare: Callable[[], object] | None = None) -> float:
    """Median milliseconds of an in-process callable (e.g. a ``git push``
    wrapped in ``subprocess``), with untimed ``prepare`` before each run."""
    xs = []
    for _ in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - start) * 1000)
    return statistics.median(xs)


# -- the report -----------------------------------------------------------------------

def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = ' '.join(f'{x:.2f}' for x in os.getloadavg())
    except OSError:
        load = '?'
    gitv = subprocess.run(['git', '--version'], capture_output=True,
                          text=True).stdout.strip()
    return {
        'machine': f'{platform.system()} {platform.release()} '
                   f'{platform.machine()}, {os.cpu_count()} CPUs ({cpu})',
        'python': f'{platform.python_implementation()} '
                  f'{platform.python_version()} ({PYTHON})',
        'git': gitv,
        'load': load,
    }


def commit_id() -> str:
    cp = subprocess.run(['git', 'rev-parse', '--short=12', 'HEAD'],
                        cwd=PROJECT, capture_output=True, text=True)
    sha = cp.stdout.strip() or 'unknown'
    dirty = subprocess.run(['git', 'status', '--porcelain', '--',
                            'worktree_guard'], cwd=PROJECT,
                           capture_output=True, text=True).stdout.strip()
    return sha + (' (worktree_guard/ has uncommitted changes)' if dirty
                  else '')


def tmpdir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


def say(msg: str = '') -> None:
    print(msg, flush=True)
