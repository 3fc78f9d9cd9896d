"""worktree-paths on many staged ~2 KB text files, against ``git cat-file
--batch`` reading the same blobs in the same run.

The candidate is the native ``pre-commit`` hook with the other three commit
rules skipped (``WORKTREE_GUARD_SKIP``), so it is the path check as a commit
runs it: interpreter start-up, the staged diff, every blob read through one
long-lived git process, and the scan.  The blobs are loose objects, as
``git add`` leaves them.

Each size is measured twice: one file in 20 with an in-tree ``../`` link
(the matcher runs, finds nothing), and the same plus a ``../`` link out of
the repository in one file of every 100 (findings: the hook exits 1).
"""
from __future__ import annotations

from pathlib import Path

from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import git
from common import hook_env
from common import install_native
from common import make_repo
from common import measure
from common import run as sh
from common import tree_blob
from common import write_files

SKIP_OTHERS = 'branch-name,protected-branch,worktree-layout'


def _available(repo: Path) -> None:
    """The path rule is a placeholder until issue 3 lands: a staged
    ``../`` escape must be reported."""
    probe = repo.parent / 'probe'
    make_repo(probe)
    git('switch', '-q', '-c', 'issue-3-probe', cwd=probe)
    write_files(probe, {'a.md': b'see ../outside/x.md\n'})
    git('add', 'a.md', cwd=probe)
    cp = sh(['worktree-guard', 'check', '--stage', 'commit', '--rule',
              'worktree-paths'], probe, check=False)
    if cp.returncode != 1:
        raise Unavailable('worktree-paths does not report a staged ../ '
                          'escape yet (issue 3)')


def build(base: Path, n: int, escape_every: int = 0) -> tuple[Path, bytes]:
    repo = make_repo(base / f'repo-{n}-{escape_every}')
    git('switch', '-q', '-c', f'issue-3-paths-{n}', cwd=repo)
    install_native(repo)
    # 100 files a folder, like a real tree.
    write_files(repo, {f'p/d{i // 100:03d}/f{i:05d}.md':
                       tree_blob(i, escape_every=escape_every)
                       for i in range(n)})
    git('add', '-A', cwd=repo)
    oids = [line.split()[1] for line in
            git('ls-files', '-s', cwd=repo).splitlines()
            if '\tp/' in line]
    assert len(oids) == n, (len(oids), n)
    return repo, ('\n'.join(oids) + '\n').encode()


def run_sizes(opts: Options) -> list[Row]:
    base = opts.workdir / 'paths'
    base.mkdir()
    _available(base / 'x')
    sizes = (300, 1000, 4000) if opts.quick else (1000, 5000, 20000)
    mid, big = sizes[1], sizes[2]
    rows = []
    per_file: dict[int, float] = {}
    for n in sizes:
        for every in (0, 100):
            repo, oids = build(base, n, every)
            hook = str(repo / '.git' / 'hooks' / 'pre-commit')
            env = hook_env(repo)
            env['WORKTREE_GUARD_SKIP'] = SKIP_OTHERS
            cmds = [
                Cmd('paths', [hook], repo, env=env, rc=1 if every else 0),
                Cmd('catfile', ['git', 'cat-file', '--batch'], repo,
                    stdin=oids),
            ]
            m = measure(cmds, opts.runs if n < 10000 else max(
                3, opts.runs // 3), warmup=1)
            if not every:
                per_file[n] = m['paths'] / n
            tag = 'escapes in 1% of files' if every else 'no escapes'
            rows.append(Row(
                'paths', f'worktree-paths, {n:,} staged files, {tag}',
                m['paths'], 'git cat-file --batch', m['catfile'],
                target=1.3 if n == mid else None,
                note=f'{m["paths"] / n * 1000:.1f} us/file'))
    rows.append(Row(
        'paths', f'per-file time at {big:,} files',
        per_file[big] * 1000, f'per-file time at {mid:,}',
        per_file[mid] * 1000, target=1.2, unit='us'))
    return rows


run = run_sizes
