"""The server hook's added time per push: 200 commits over 2,000 files pushed
to a bare repository with ``worktree-guard install --server``'s
``pre-receive`` hook, against the same push to the same repository without
the hook, in the same run.

Each timed push goes to a fresh copy of the bare repository (the copy is not
timed), so every push receives the same 200 new commits.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from common import PYTHON
from common import Options
from common import Row
from common import Stat
from common import Unavailable
from common import git
from common import run as sh
from common import text_blob
from common import timed

BRANCH = 'issue-9-server-bench'


def _fast_import(repo: Path, files: int, commits: int) -> None:
    """main: one commit with ``files`` files; BRANCH: ``commits`` commits on
    top, each changing ``files // commits`` of them."""
    out: list[bytes] = []
    ts = 1700000000

    def data(b: bytes) -> None:
        out.append(f'data {len(b)}\n'.encode() + b + b'\n')

    out.append(b'commit refs/heads/main\nmark :1\n')
    out.append(f'committer Bench <b@example.invalid> {ts} +0000\n'.encode())
    data(b'initial')
    for i in range(files):
        out.append(f'M 100644 inline src/d{i // 100:02d}/f{i:04d}.md\n'
                   .encode())
        data(text_blob(i, 1024))
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
            out.append(f'M 100644 inline src/d{i // 100:02d}/f{i:04d}.md\n'
                       .encode())
            data(text_blob(i, 1024) + f'edited in change {c}\n'.encode())
        out.append(b'\n')
        parent = f':{mark}'
    git('fast-import', '--quiet', cwd=repo, input=b''.join(out))


def build(opts: Options) -> tuple[Path, Path, Path]:
    base = opts.workdir / 'server'
    base.mkdir()
    client = base / 'client'
    git('init', '-q', '-b', 'main', str(client), cwd=base)
    files, commits = (500, 50) if opts.quick else (2000, 200)
    _fast_import(client, files, commits)
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


def run(opts: Options) -> list[Row]:
    client, plain, hooked = build(opts)
    with_hook, without = _Target(hooked), _Target(plain)
    # Probes: a good branch passes; a badly named one is refused.
    with_hook.prepare()
    rc, err = _push(client, with_hook.path, check=False)
    if rc != 0:
        first = next((ln for ln in err.splitlines() if 'worktree-guard' in ln
                      or 'not implemented' in ln), err.strip()[:200])
        raise Unavailable(f'pre-receive refuses a good push: {first} '
                          '(issue 6)')
    git('branch', '-f', 'hotfix-probe', BRANCH, cwd=client)
    with_hook.prepare()
    rc, _ = _push(client, with_hook.path, 'hotfix-probe', check=False)
    if rc == 0:
        raise Unavailable('pre-receive accepts a branch named hotfix-probe '
                          '(issue 6)')
    runs = opts.runs
    samples_with: list[float] = []
    samples_without: list[float] = []
    for _ in range(runs):
        samples_with.append(timed(lambda: _push(client, with_hook.path), 1,
                                  with_hook.prepare))
        samples_without.append(timed(lambda: _push(client, without.path),
                                     1, without.prepare))
    w = Stat.of(samples_with)
    wo = Stat.of(samples_without)
    files, commits = (500, 50) if opts.quick else (2000, 200)
    return [
        Row('server', f'push {commits} commits / {files:,} files, '
                      'with pre-receive', w, 'the same push without the '
                                             'hook', wo,
            note=f'added {w - wo:.0f} ms per push'),
    ]
