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
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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


class Stat(float):
    """A median (the float's value) that carries its samples' spread: the
    quartiles ``q1``/``q3``, ``lo``/``hi``, and the peak RSS (KiB) of the
    command's process tree (``rss``; 0 when not measured)."""

    samples: list[float]
    q1: float
    q3: float
    lo: float
    hi: float
    rss: int

    @classmethod
    def of(cls, xs: Sequence[float], rss: int = 0) -> Stat:
        xs = sorted(xs)
        st = cls(statistics.median(xs))
        st.samples = list(xs)
        if len(xs) >= 2:
            q = statistics.quantiles(xs, n=4, method='inclusive')
            st.q1, st.q3 = q[0], q[2]
        else:
            st.q1 = st.q3 = xs[0]
        st.lo, st.hi = xs[0], xs[-1]
        st.rss = rss
        return st


def spread(value: float, fmt: Callable[[float], str]) -> str:
    """``IQR a-b`` of a ``Stat``; '' for a plain number."""
    if not isinstance(value, Stat) or len(value.samples) < 2:
        return ''
    return f'IQR {fmt(value.q1)}-{fmt(value.q3)}, n={len(value.samples)}'


def fmt_rss(kib: int) -> str:
    return f'{kib / 1024:.0f} MB'


class Row:
    """One printed result: a median (with its spread when it is a ``Stat``),
    and its ratio to a baseline measured in the same run."""

    def __init__(self, scenario: str, label: str, ms: float,
                 base_label: str | None = None,
                 base_ms: float | None = None,
                 target: float | None = None, note: str = '',
                 unit: str = 'ms', limit: float | None = None) -> None:
        self.scenario = scenario
        self.limit = limit   # an absolute target, in ``unit``
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
        if self.limit is not None:
            return self.ms <= self.limit
        if self.target is None or self.ratio is None:
            return None
        return self.ratio <= self.target

    def target_text(self) -> str:
        if self.limit is not None:
            return f'<= {self.fmt(self.limit)}'
        if self.target is not None:
            return f'<= {self.target:.2f}x'
        return ''

    def spread(self) -> str:
        return spread(self.ms, self.fmt)

    def base_spread(self) -> str:
        return spread(self.base_ms or 0, self.fmt)

    def text(self) -> str:
        out = f'  {self.label:<52} {self.fmt(self.ms):>10}'
        if self.spread():
            out += f' ({self.spread()})'
        if self.ratio is not None:
            out += f'  {self.ratio:6.2f}x {self.base_label} ' \
                   f'({self.fmt(self.base_ms or 0)}'
            out += f'; {self.base_spread()})' if self.base_spread() else ')'
        if self.target_text():
            out += f'  target {self.target_text()}: ' \
                   f'{"ok" if self.ok else "MISSED"}'
        if self.note:
            out += f'  [{self.note}]'
        return out


    def fmt(self, value: float) -> str:
        if self.unit == 'us':
            return f'{value:.1f} us'
        if self.unit == 'MB':
            return f'{value:.1f} MB'
        return fmt_ms(value)


def fmt_ms(ms: float) -> str:
    return f'{ms / 1000:.2f} s' if ms >= 10000 else f'{ms:.1f} ms'


# -- environment ----------------------------------------------------------------------

def clean_env(home: Path) -> dict[str, str]:
    """A deterministic environment: own HOME and git config, no GIT_*,
    PRE_COMMIT*, SKIP or coverage variables, the venv's bin first on PATH.
    No PYTHONDONTWRITEBYTECODE either: an installed package has its
    bytecode cached, and without it every run would compile every module
    (a third of a whole-file scan's time here)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('GIT_', 'PRE_COMMIT', 'COVERAGE_',
                                'WORKTREE_GUARD'))
           and k not in ('SKIP', 'PYTHONPATH', 'PYTHONDONTWRITEBYTECODE')}
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


# -- real content ---------------------------------------------------------------------

# Where the pinned ``bench/ecosystem`` repositories are mirrored (the
# ecosystem check's layouts: ``owner+name/repo`` or ``owner+name.git``).
MIRRORS = tuple(Path(p) for p in (
    os.environ.get('WG_ECOSYSTEM_MIRROR'), '/work/.mirror',
    os.path.join(os.path.expanduser('~'), '.cache', 'worktree-guard',
                 'ecosystem')) if p)
# git's own binary test: a NUL in the first 8000 bytes.
_PROBE = 8000
# Files over the default ``paths.max-file-size`` are skipped by the tool:
# the corpus leaves them out.
REAL_MAX = 1 << 20


def _mirror(name: str) -> Path | None:
    flat = name.replace('/', '+')
    for root in MIRRORS:
        for cand in (root / flat / 'repo' / '.git', root / flat / 'repo',
                     root / f'{flat}.git', root / flat):
            if (cand / 'HEAD').is_file() and (cand / 'objects').is_dir():
                return cand
    return None


def real_sources() -> list[str]:
    """What the real corpus is drawn from, in words (for RESULTS.md)."""
    import json
    manifest = json.loads((BENCH / 'ecosystem' / 'manifest.json')
                          .read_text())['repos']
    found = [e['name'] for e in manifest if _mirror(e['name'])]
    import sysconfig
    lib = Path(sysconfig.get_paths()['stdlib'])
    return [f'{len(found)} pinned bench/ecosystem repositories '
            f'({", ".join(found)})' if found else
            'no bench/ecosystem mirror',
            f'the Python stdlib ({lib.name}) and the bench interpreter\'s '
            'site-packages (source and docs)']


def _real_index() -> list[tuple[str, str | None, str]]:
    """(path, git dir or None for a file, oid or file path) of every
    real text candidate, sorted: the regular files of each pinned
    ecosystem commit under ``<owner+name>/``, and the source and docs
    of the stdlib and site-packages under ``stdlib/`` and
    ``site-packages/``."""
    import json
    out: list[tuple[str, str | None, str]] = []
    manifest = json.loads((BENCH / 'ecosystem' / 'manifest.json')
                          .read_text())['repos']
    for entry in manifest:
        gd = _mirror(entry['name'])
        if gd is None:
            continue
        cp = subprocess.run(['git', '--git-dir', str(gd), 'ls-tree', '-r',
                             '-z', '-l', entry['commit']],
                            capture_output=True)
        if cp.returncode != 0:
            continue   # the pinned commit is not in this mirror
        flat = entry['name'].replace('/', '+')
        for rec in cp.stdout.split(b'\0')[:-1]:
            meta, _, path = rec.partition(b'\t')
            mode, _, oid, size = meta.split()
            if mode in (b'100644', b'100755') and size.isdigit() and \
                    0 < int(size) <= REAL_MAX:
                out.append((f'{flat}/{path.decode("utf-8", "replace")}',
                            str(gd), oid.decode()))
    import sysconfig
    seen: set[Path] = set()
    for key, tag in (('stdlib', 'stdlib'), ('purelib', 'site-packages')):
        lib = Path(sysconfig.get_paths()[key]).resolve()
        for f in sorted(lib.rglob('*')):
            if f.suffix in ('.py', '.rst', '.txt', '.md', '.sh', '.cfg',
                            '.toml', '.json', '.html') and \
                    f.is_file() and f not in seen and \
                    0 < f.stat().st_size <= REAL_MAX:
                seen.add(f)
                out.append((f'{tag}/{f.relative_to(lib)}', None, str(f)))
    out.sort()
    return out


def real_files(n: int, seed: int = 26) -> Iterator[tuple[str, bytes]]:
    """``n`` real text files (path, content): a fixed random sample of
    ``_real_index`` (binary files left out), read through one ``cat-file
    --batch`` per repository; beyond the corpus, copies of it under
    ``copy<k>/`` (80,000 files = copies of real files)."""
    import random
    pool = _real_index()
    if not pool:
        raise Unavailable('no real content: no ecosystem mirror, no stdlib')
    rng = random.Random(seed)
    order = list(range(len(pool)))
    rng.shuffle(order)
    made = 0
    rnd = 0
    while made < n:
        # Sample a little more than needed: binary files are dropped.
        want = order[:min(len(order), (n - made) * 11 // 10 + 16)]
        for path, data in _read([pool[i] for i in sorted(want)]):
            if made == n:
                break
            yield (path if rnd == 0 else f'copy{rnd}/{path}'), data
            made += 1
        if len(want) == len(order):
            rnd += 1


def _read(items: list[tuple[str, str | None, str]]
          ) -> Iterator[tuple[str, bytes]]:
    """The contents of ``items`` (text only), one ``cat-file --batch``
    per git dir."""
    groups: dict[str | None, list[tuple[str, str]]] = {}
    for path, gd, ref in items:
        groups.setdefault(gd, []).append((path, ref))
    for gd, entries in groups.items():
        if gd is None:
            for path, file in entries:
                data = Path(file).read_bytes()
                if b'\0' not in data[:_PROBE]:
                    yield path, data
            continue
        proc = subprocess.Popen(['git', '--git-dir', gd, 'cat-file',
                                 '--batch'], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        names = b''.join(o.encode() + b'\n' for _, o in entries)

        def feed(stdin: Any = proc.stdin, names: bytes = names) -> None:
            stdin.write(names)   # beside the reads: no pipe deadlock
            stdin.close()
        import threading
        writer = threading.Thread(target=feed)
        writer.start()
        for path, _ in entries:
            head = proc.stdout.readline().split()
            data = proc.stdout.read(int(head[2]) + 1)[:-1]
            if b'\0' not in data[:_PROBE]:
                yield path, data
        writer.join()
        proc.wait()


def rc_of(argv: Sequence[str], cwd: Path | str,
          env: dict[str, str] | None = None) -> int:
    """The exit code of one run: real content has its own findings (1)
    or none (0), so a command's expected code is learnt, not assumed."""
    code = run(argv, cwd, env=env, check=False).returncode
    if code not in (0, 1):
        raise RuntimeError(f'{" ".join(argv)}: exit {code} in {cwd}')
    return code


def corpus_note(n: int, reached: int) -> str:
    """The content and the fraction of its files that reach the
    scanner, for a row's note."""
    return (f'{n:,} real files, {reached / n:.1%} reach the scanner')


UPDIR = b'[up](../d000/f00000.md)\n'
ESCAPE = b'[other](../../../../other-repo/README.md)\n'


def tree_blob(i: int, size: int = 2048, escape_every: int = 0,
              updir_every: int = 20) -> bytes:
    """``text_blob`` with, in one file of every ``updir_every``, an in-tree
    ``../`` link (the matcher has to run and finds nothing) and, in one
    file of every ``escape_every`` (0: none), a ``../`` link out of the
    repository (a finding).  The size stays ``size``."""
    extra = b''
    if updir_every and i % updir_every == 7:
        extra += UPDIR
    if escape_every and i % escape_every == 3:
        extra += ESCAPE
    if not extra:
        return text_blob(i, size)
    return text_blob(i, size - len(extra)) + extra


def fast_import(repo: Path, commits: Iterable[tuple[str, str, str | None,
                                                     Iterable[tuple[
                                                         str, bytes]]]]
                ) -> None:
    """Stream commits into ``git fast-import`` (never all the data in
    memory): each is (ref, mark, parent mark or None, (path, data)...)."""
    full = dict(ENV)
    proc = subprocess.Popen(['git', 'fast-import', '--quiet'], cwd=repo,
                            env=full, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    w = proc.stdin.write
    ts = 1700000000
    for n, (ref, mark, parent, files) in enumerate(commits):
        w(f'commit {ref}\nmark {mark}\ncommitter Bench '
          f'<b@example.invalid> {ts + n} +0000\ndata 6\nbench\n'.encode())
        if parent:
            w(f'from {parent}\n'.encode())
        for path, data in files:
            w(f'M 100644 inline {path}\ndata {len(data)}\n'.encode())
            w(data)
            w(b'\n')
        w(b'\n')
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f'git fast-import failed in {repo}')


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

    def peak_rss(self) -> int:
        """The peak RSS (KiB) of one untimed run, from ``/usr/bin/time``
        (GNU time's ``%M``: the largest process of the command's tree); 0
        when there is no GNU time.

        Not ``wait4`` from this process: exec keeps the RSS high-water
        mark of the memory it replaces, so a child spawned from the
        harness reports at least the harness's own peak."""
        gnu_time = '/usr/bin/time'
        if not os.access(gnu_time, os.X_OK):
            return 0
        if self.prepare:
            self.prepare()
        fd, out = tempfile.mkstemp(prefix='bench-rss-')
        os.close(fd)
        try:
            cp = subprocess.run([gnu_time, '-f', '%M', '-o', out,
                                 *self.argv], cwd=self.cwd, env=self.env,
                                input=self.stdin or b'',
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=600)
            text = Path(out).read_text().strip().splitlines()
        finally:
            os.unlink(out)
        if cp.returncode != self.rc or not text:
            raise RuntimeError(f'{self.label}: exit {cp.returncode} under '
                               f'{gnu_time}, expected {self.rc}')
        return int(text[-1])

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


def measure(cmds: Sequence[Cmd], runs: int, warmup: int = 2,
            rss: bool = False) -> dict[str, Stat]:
    """Median milliseconds (with their spread) per command label,
    interleaved round-robin; with ``rss``, each command's peak RSS from
    one more, untimed run."""
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
    peaks = {c.label: c.peak_rss() if rss else 0 for c in cmds}
    return {label: Stat.of(xs, peaks[label]) for label, xs in samples.items()}


def timed(fn: Callable[[], object], runs: int,
          prepare: Callable[[], object] | None = None) -> Stat:
    """Median milliseconds of an in-process callable (e.g. a ``git push``
    wrapped in ``subprocess``), with untimed ``prepare`` before each run."""
    xs = []
    for _ in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        fn()
        xs.append((time.perf_counter() - start) * 1000)
    return Stat.of(xs)


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
                  f'{platform.python_version()} ({shown_path(PYTHON)})',
        'git': gitv,
        'load': load,
    }


def shown_path(path: str) -> str:
    """``path`` as results print it: relative to the checkout when it is
    inside it, so a results file names no one machine's folders."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rel = os.path.relpath(path, root)
    return path if rel.startswith('..') else rel


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
