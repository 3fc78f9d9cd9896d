"""worktree-paths on many staged REAL text files, against ``git cat-file
--batch`` reading the same blobs in the same run.

The files are real source and docs (``common.real_files``: a fixed sample
of the pinned ``bench/ecosystem`` repositories' files and of this
machine's Python stdlib and site-packages; no synthetic text), so the
fraction of files that hold a pre-filter term, and the findings, are
those of real content: each row says how many files reach the scanner.

The candidate is the native ``pre-commit`` hook with the other three commit
rules skipped (``WORKTREE_GUARD_SKIP``), so it is the path check as a commit
runs it: interpreter start-up, the staged diff, every blob read through one
long-lived git process, and the scan.  The blobs are loose objects, as
``git add`` leaves them.
"""
from __future__ import annotations

from pathlib import Path

from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import corpus_note
from common import git
from common import hook_env
from common import install_native
from common import make_repo
from common import measure
from common import real_files
from common import run as sh
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


def build(base: Path, n: int) -> tuple[Path, bytes, int]:
    """A repository with ``n`` real files staged on an issue branch: the
    repo, the staged blobs' ids, and how many files hold a pre-filter
    term (reach the scanner)."""
    repo = make_repo(base / f'repo-{n}')
    git('switch', '-q', '-c', f'issue-3-paths-{n}', cwd=repo)
    install_native(repo)
    write_files(repo, {f'p/{path}': data for path, data in real_files(n)})
    # -f: a real .gitignore among the files would leave some out.
    git('add', '-f', '-A', cwd=repo)
    oids = [rec.split()[1] for rec in
            git('ls-files', '-s', '-z', cwd=repo).split('\0')
            if '\tp/' in rec]
    assert len(oids) == n, (len(oids), n)
    return repo, ('\n'.join(oids) + '\n').encode(), reached(repo, ['p/'])


def reached(repo: Path, paths: list[str], tree: str | None = None) -> int:
    """How many files under ``paths`` of the index (or ``tree``) hold one
    of the pre-filter's terms: the files that reach the scanner."""
    from worktree_guard.model import Checkout
    from worktree_guard.pathengine.prefilter import prefilter_terms
    terms = prefilter_terms([Checkout('current', str(repo), [str(repo)])],
                            'trees')
    args = ['grep', '-l', '-z', '-F', '--threads=1']
    for t in terms:
        args += ['-e', t.decode('utf-8', 'surrogateescape')]
    args += ['--cached', '--'] if tree is None else [tree, '--']
    out = sh(['git', *args, *paths], repo, check=False).stdout
    return out.count(b'\0')


def run_sizes(opts: Options) -> list[Row]:
    base = opts.workdir / 'paths'
    base.mkdir()
    _available(base / 'x')
    sizes = (1000, 4000) if opts.quick else (5000, 20000)
    rows = []
    per_file: dict[int, float] = {}
    for n in sizes:
        repo, oids, hit = build(base, n)
        hook = str(repo / '.git' / 'hooks' / 'pre-commit')
        env = hook_env(repo)
        env['WORKTREE_GUARD_SKIP'] = SKIP_OTHERS
        # Real content has its own findings (exit 1) or none (exit 0).
        rc = sh([hook], repo, env=env, check=False).returncode
        assert rc in (0, 1), rc
        cmds = [
            Cmd('paths', [hook], repo, env=env, rc=rc),
            Cmd('catfile', ['git', 'cat-file', '--batch'], repo,
                stdin=oids),
        ]
        m = measure(cmds, opts.runs if n < 10000 else max(
            3, opts.runs // 3), warmup=1)
        per_file[n] = m['paths'] / n
        rows.append(Row(
            'paths', f'worktree-paths, {n:,} staged real files',
            m['paths'], 'git cat-file --batch', m['catfile'],
            target=1.3, note=f'{corpus_note(n, hit)}; '
            f'{m["paths"] / n * 1000:.1f} us/file'))
    small, big = sizes
    rows.append(Row(
        'paths', f'per-file time at {big:,} files',
        per_file[big] * 1000, f'per-file time at {small:,}',
        per_file[small] * 1000, target=1.2, unit='us'))
    return rows


run = run_sizes
