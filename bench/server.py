"""The server hook, against the same pushes to the same repository without
the hook, in the same run:

- latency: 200 commits over 2,000 files pushed to a bare repository with
  ``worktree-guard install --server``'s ``pre-receive`` hook.  Target
  (issue 26): the added time at most 1.0x a bare push (the hooked push
  <= 2x);
- throughput: 20 pushes at once (20 branches of 10 commits each);
  target (issue 26): >= 0.7x the pushes a second of the hook-less server;
- scale (full runs only, and not with ``BENCH_SERVER_NO_BIG=1``: it takes
  minutes to build): 10,000 commits over 100,000 files;
- a costly policy (issue 23): the worst a valid policy may ask of the glob
  matcher (256 wildcards in 8 protected globs of 255 characters, and 990
  plain names) and a 240-character branch name, against the same push
  judged by the built-in policy; target <= 2x.

The files are real (issue 26): copies of this machine's Python standard
library (``real_blob``: file ``i`` is the ``i``-th of its source files,
whole, or its first ``size`` bytes cut at a line for the 100,000-file
shape), so the pre-filter meets real text: ``...``, rST directives,
relative imports and paths.

Each timed push goes to a fresh copy of the bare repository (the copy is not
timed), so every push receives the same new commits.  The hooked copy holds
the hook's caches as any earlier push leaves them (a warm server).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
import subprocess
from pathlib import Path

from common import PYTHON
from common import Options
from common import Row
from common import Stat
from common import Unavailable
from common import ENV
from common import git
from common import run as sh
from common import timed

BRANCH = 'issue-9-server-bench'


def _stdlib_sources() -> list[tuple[str, bytes]]:
    """The standard library's source files (``.py``, ``.rst``, ``.txt``)
    under 64 KB, in path order: (their suffix, their content)."""
    import sysconfig
    root = sysconfig.get_paths()['stdlib']
    out = []
    for folder, dirs, files in sorted(os.walk(root)):
        dirs[:] = sorted(d for d in dirs if d not in ('__pycache__',
                                                      'site-packages'))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(('.py', '.rst', '.txt')) and \
                    not os.path.islink(path) and \
                    os.path.getsize(path) <= 65536:
                with open(path, 'rb') as f:
                    out.append((os.path.splitext(name)[1], f.read()))
    return out


_SOURCES: list[tuple[str, bytes]] = []


def _source(i: int) -> tuple[str, bytes]:
    if not _SOURCES:
        _SOURCES.extend(_stdlib_sources())
    return _SOURCES[i % len(_SOURCES)]


def real_name(i: int) -> str:
    """The path of file ``i``, with its real file's suffix."""
    return f'src/d{i // 100:02d}/f{i:04d}{_source(i)[0]}'


def real_blob(i: int, size: int | None = None) -> bytes:
    """Real file ``i`` (the stdlib's sources, in turn): whole, or its first
    ``size`` bytes cut at a line."""
    data = _source(i)[1]
    if size is not None and len(data) > size:
        data = data[:data.rfind(b'\n', 0, size) + 1] or data[:size]
    return data if data.endswith(b'\n') else data + b'\n'


# 20 pushes at once: branches of LOAD_COMMITS commits, one file each.
LOAD_PUSHES = 20
LOAD_COMMITS = 10


def _fast_import(repo: Path, files: int, commits: int,
                 size: int | None = None,
                 load: int = 0) -> None:
    """main: one commit with ``files`` files; BRANCH: ``commits`` commits on
    top, each changing ``files // commits`` of them; ``load`` branches
    ``issue-<100+i>-load`` of LOAD_COMMITS commits on main, each changing
    one file of its own."""
    out: list[bytes] = []
    ts = 1700000000

    def data(b: bytes) -> None:
        out.append(f'data {len(b)}\n'.encode() + b + b'\n')

    out.append(b'commit refs/heads/main\nmark :1\n')
    out.append(f'committer Bench <b@example.invalid> {ts} +0000\n'.encode())
    data(b'initial')
    for i in range(files):
        out.append(f'M 100644 inline {real_name(i)}\n'
                   .encode())
        data(real_blob(i, size))
    out.append(b'\n')
    per = max(1, files // commits)
    parent = ':1'
    for c in range(commits):
        mark = c + 2
        out.append(f'commit refs/heads/{BRANCH}\nmark :{mark}\n'.encode())
        out.append(f'committer Bench <b@example.invalid> {ts + c + 1} '
                   f'+0000\n'.encode())
        data(f'change {c}'.encode())
        out.append(f'from {parent}\n'.encode())
        for k in range(c * per, (c + 1) * per):
            i = k % files
            out.append(f'M 100644 inline {real_name(i)}\n'
                       .encode())
            data(real_blob(i, size) + f'edited in change {c}\n'.encode())
        out.append(b'\n')
        parent = f':{mark}'
    mark = commits + 1
    for b in range(load):
        parent = ':1'
        for c in range(LOAD_COMMITS):
            mark += 1
            out.append(f'commit refs/heads/issue-{100 + b}-load\n'
                       f'mark :{mark}\n'.encode())
            out.append(f'committer Bench <b@example.invalid> {ts + c + 1} '
                       f'+0000\n'.encode())
            data(f'load {b}.{c}'.encode())
            out.append(f'from {parent}\n'.encode())
            i = (b * LOAD_COMMITS + c) % files
            out.append(f'M 100644 inline {real_name(i)}\n'
                       .encode())
            data(real_blob(i, size) + f'load {b}.{c}\n'.encode())
            out.append(b'\n')
            parent = f':{mark}'
    git('fast-import', '--quiet', cwd=repo, input=b''.join(out))


def build(opts: Options, name: str, files: int, commits: int,
          size: int | None = None, load: int = 0,
          ) -> tuple[Path, Path, Path]:
    base = opts.workdir / name
    base.mkdir()
    client = base / 'client'
    git('init', '-q', '-b', 'main', str(client), cwd=base)
    _fast_import(client, files, commits, size, load)
    plain = base / 'plain.git'
    git('init', '-q', '--bare', '-b', 'main', str(plain), cwd=base)
    git('push', '-q', str(plain), 'main', cwd=client)
    hooked = base / 'hooked.git'
    shutil.copytree(plain, hooked, symlinks=True)
    sh([PYTHON, '-m', 'worktree_guard', 'install', '--server', str(hooked)],
       base)
    return client, plain, hooked


class _Target:
    """A fresh copy of a bare template for every push."""

    def __init__(self, template: Path) -> None:
        self.template = template
        self.path = template.parent / f'run-{template.name}'

    def prepare(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        shutil.copytree(self.template, self.path, symlinks=True)


def _push(client: Path, target: Path, branch: str = BRANCH,
          check: bool = True) -> tuple[int, str]:
    cp = sh(['git', 'push', '-q', '--no-verify', str(target),
             f'{branch}:refs/heads/{branch}'], client, check=check)
    return cp.returncode, cp.stderr.decode(errors='replace')


def _probe(client: Path, hooked: _Target, bad: bool = True) -> None:
    """A good branch passes (and leaves the hook's caches, copied into the
    template: a warm server); a badly named one is refused."""
    hooked.prepare()
    rc, err = _push(client, hooked.path, check=False)
    if rc != 0:
        first = next((ln for ln in err.splitlines() if 'worktree-guard' in ln
                      or 'not implemented' in ln), err.strip()[:200])
        raise Unavailable(f'pre-receive refuses a good push: {first} '
                          '(issue 6)')
    for cache in hooked.path.glob('worktree-guard-*'):
        shutil.copy2(cache, hooked.template / cache.name)
    if not bad:
        return
    git('branch', '-f', 'hotfix-probe', BRANCH, cwd=client)
    hooked.prepare()
    rc, _ = _push(client, hooked.path, 'hotfix-probe', check=False)
    if rc == 0:
        raise Unavailable('pre-receive accepts a branch named hotfix-probe '
                          '(issue 6)')


def _burst(client: Path, target: Path) -> None:
    """LOAD_PUSHES pushes at once, one branch each; all must pass."""
    procs = [subprocess.Popen(
        ['git', 'push', '-q', '--no-verify', str(target),
         f'issue-{100 + b}-load:refs/heads/issue-{100 + b}-load'],
        cwd=client, env=ENV, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE) for b in range(LOAD_PUSHES)]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f'a concurrent push failed: {err.decode()}')


def _pair(runs: int, client: Path, with_hook: _Target, without: _Target,
          push: Callable[[Path, Path], object] = _push,
          ) -> tuple[Stat, Stat]:
    """Interleaved timings of ``push(client, target)`` with and without
    the hook."""
    samples_with: list[float] = []
    samples_without: list[float] = []
    for _ in range(runs):
        samples_with.append(timed(lambda: push(client, with_hook.path), 1,
                                  with_hook.prepare))
        samples_without.append(timed(lambda: push(client, without.path),
                                     1, without.prepare))
    return Stat.of(samples_with), Stat.of(samples_without)


def _latency_row(label: str, w: Stat, wo: Stat) -> Row:
    added = w - wo
    return Row('server', label, w, 'the same push without the hook', wo,
               target=2.0,
               note=f'added {added:.0f} ms per push = {added / wo:.2f}x a '
                    'bare push; target <= 1.0x')


# The worst a valid policy may ask of the glob matcher (policy.validate):
# 8 globs of 32 wildcards (256 in all) and 255 characters, 990 names.
COSTLY_POLICY = 'version: 1\nbranches:\n  protected:\n' + ''.join(
    f"    - '{'*a' * 32}{'x' * 188}{i:03d}'\n" for i in range(8)) + ''.join(
    f'    - name-{i}\n' for i in range(990))
LONG_BRANCH = 'issue-9-' + 'a' * 232


def _costly_policy_row(opts: Options) -> Row:
    """One push judged by COSTLY_POLICY against the same push judged by
    the built-in policy, both warm (the policy parsed and cached)."""
    client, _, hooked = build(opts, 'server-globs', 50, 5)
    costly = hooked.parent / 'costly.git'
    shutil.copytree(hooked, costly, symlinks=True)
    git('checkout', '-q', '-B', 'policy', 'main', cwd=client)
    (client / '.worktree-guard.yaml').write_text(COSTLY_POLICY)
    git('add', '.worktree-guard.yaml', cwd=client)
    git('commit', '-q', '-m', 'costly policy', cwd=client)
    # An admin's policy: planted on the server, as no push may bring it.
    for bare in (costly, hooked):
        git('--git-dir', str(bare), 'fetch', '-q', str(client),
            'policy:main' if bare == costly else 'policy:refs/x/p',
            cwd=client)
    git('checkout', '-q', '-B', LONG_BRANCH, 'policy', cwd=client)
    (client / 'x.md').write_text('a change\n')
    git('add', 'x.md', cwd=client)
    git('commit', '-q', '-m', 'work', cwd=client)
    with_costly, with_default = _Target(costly), _Target(hooked)
    for t in (with_costly, with_default):
        t.prepare()
        rc, err = _push(client, t.path, LONG_BRANCH, check=False)
        if rc != 0:
            raise RuntimeError(f'the costly-policy push failed: {err}')
        for cache in t.path.glob('worktree-guard-*'):
            shutil.copy2(cache, t.template / cache.name)
    w, wo = _pair(opts.runs, client, with_costly, with_default,
                  lambda c, t: _push(c, t, LONG_BRANCH))
    return Row('server', 'push judged by the costliest valid glob policy '
               '(a 240-character branch)', w,
               'the same push judged by the built-in policy', wo, target=2.0,
               note='issue 23: a policy cannot make a push slow; target '
                    '<= 2x')


def run(opts: Options) -> list[Row]:
    files, commits = (500, 50) if opts.quick else (2000, 200)
    client, plain, hooked = build(opts, 'server', files, commits,
                                  load=LOAD_PUSHES)
    with_hook, without = _Target(hooked), _Target(plain)
    _probe(client, with_hook)
    w, wo = _pair(opts.runs, client, with_hook, without)
    rows = [_latency_row(f'push {commits} commits / {files:,} files, '
                         'with pre-receive', w, wo)]
    w, wo = _pair(opts.runs, client, with_hook, without, _burst)
    rows.append(Row(
        'server', f'{LOAD_PUSHES} pushes at once ({LOAD_COMMITS} commits '
                  'each), with pre-receive', w,
        f'the same {LOAD_PUSHES} without the hook', wo, target=1 / 0.7,
        note=f'{LOAD_PUSHES * 1000 / w:.1f} vs '
             f'{LOAD_PUSHES * 1000 / wo:.1f} pushes/s = {wo / w:.2f}x the '
             'throughput; target >= 0.70x'))
    rows.append(_costly_policy_row(opts))
    if opts.quick or os.environ.get('BENCH_SERVER_NO_BIG'):
        return rows
    # 10,000 commits over 100,000 files: minutes to build, so full runs only.
    client, plain, hooked = build(opts, 'server-big', 100_000, 10_000,
                                  size=256)
    with_hook, without = _Target(hooked), _Target(plain)
    _probe(client, with_hook, bad=False)
    w, wo = _pair(min(opts.runs, 3), client, with_hook, without)
    rows.append(_latency_row('push 10,000 commits / 100,000 files, with '
                             'pre-receive', w, wo))
    return rows
