"""Markdown read by a CommonMark parser (``pathengine.markdown``, issue
24) against the hand reading of the same bytes, in the same run.

The corpus is real Markdown: this repository's own (README, CHANGELOG,
ARCHITECTURE, docs/*.md) and what the machine holds (``/usr/share/doc``,
the Python's site-packages, global node modules), sorted, capped.

- in-process, ``Engine.scan`` of every doc as it is (the parser runs only
  for a doc that holds a candidate and a backtick, ``<`` or ``~~~``), and
  of every doc with one in-tree ``../`` link appended (every doc parsed),
  against the same scans with the parser switched off (the hand reading
  ``.txt`` docs get);
- the native pre-commit hook (worktree-paths only) on the corpus staged as
  ``.md`` files, each with the ``../`` link, against the same bytes staged
  as ``.txt`` and against ``git cat-file --batch`` reading the blobs;
- one staged doc: the first load of markdown-it-py, in a hook run.
"""
from __future__ import annotations

import os
import subprocess
from functools import partial
from pathlib import Path

from common import PROJECT
from common import Cmd
from common import Options
from common import Row
from common import Stat
from common import git
from common import hook_env
from common import install_native
from common import make_repo
from common import measure
from common import timed
from common import write_files

SKIP_OTHERS = 'branch-name,protected-branch,worktree-layout'
LINK = b'\nSee [the guide](../guide.md).\n'
_ROOTS = ('/usr/share/doc', '/usr/lib/node_modules', '/usr/local/lib')


def corpus(cap: int) -> list[tuple[str, bytes]]:
    """(name, bytes) of real Markdown docs: this repository's, then the
    machine's (files of 1 KB to 256 KB), up to ``cap``."""
    own = [PROJECT / 'README.md', PROJECT / 'CHANGELOG.md',
           PROJECT / 'ARCHITECTURE.md', PROJECT / 'CONTRIBUTING.md',
           *sorted((PROJECT / 'docs').glob('*.md'))]
    import site
    roots = [*_ROOTS, *site.getsitepackages()]
    found: list[Path] = []
    for root in roots:
        for dirpath, dirs, files in os.walk(root):
            dirs.sort()
            found += [Path(dirpath) / f for f in sorted(files)
                      if f.endswith(('.md', '.markdown'))]
    docs = []
    seen: set[bytes] = set()
    for p in [*own, *found]:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        if not 1024 <= len(data) <= 256 * 1024 or data in seen:
            continue
        seen.add(data)
        docs.append((p.name, data))
        if len(docs) == cap:
            break
    return docs


def _engine_rows(docs: list[tuple[str, bytes]], runs: int) -> list[Row]:
    from worktree_guard.model import Checkout
    from worktree_guard.pathengine import Engine
    from worktree_guard.pathengine import Context
    from worktree_guard.pathengine import markdown
    from worktree_guard.pathengine import text
    root = '/w/main/trees/issue-24-bench'
    engine = Engine(Context(checkouts=[
        Checkout('main', '/w/main', ['/w/main']),
        Checkout('current', root, [root], 'issue-24-bench',
                 'issue-24-bench')], root=root, git_dir='/w/main/.git'))
    is_markdown = text.is_markdown
    markdown._md()   # the import is the hook rows' (below)

    def never(path: str) -> bool:
        return False

    def scan(parsed: bool, extra: bytes) -> None:
        if not parsed:
            text.is_markdown = never
        try:
            for i, (_, data) in enumerate(docs):
                engine.scan(f'docs/d{i}/doc.md', data + extra)
        finally:
            text.is_markdown = is_markdown

    size = sum(len(d) for _, d in docs)
    held = sum(1 for _, d in docs if b'../' in d or b'/home/' in d)
    rows = []
    for extra, tag in ((b'', f'as they are ({held} hold ../ or /home/)'),
                       (LINK, 'each with a ../ link (all parsed)')):
        a: list[float] = []
        b: list[float] = []
        for r in range(runs):
            # Round-robin: the order alternates.
            for parsed in ((True, False) if r % 2 else (False, True)):
                (a if parsed else b).append(
                    timed(partial(scan, parsed, extra), 1))
        parsed_ms, hand_ms = Stat.of(a), Stat.of(b)
        rows.append(Row(
            'markdown', f'Engine.scan, {len(docs)} real .md docs, {tag}',
            parsed_ms, 'the hand reading', hand_ms,
            note=f'{size / 1e6:.1f} MB, '
                 f'{(parsed_ms - hand_ms) * 1e3 / size * 1024:.0f} us '
                 'more per KB'))
    return rows


def _repo(base: Path, name: str, docs: list[tuple[str, bytes]],
          ext: str) -> tuple[Path, bytes, dict[str, str]]:
    repo = make_repo(base / name)
    git('switch', '-q', '-c', 'issue-24-bench', cwd=repo)
    install_native(repo)
    write_files(repo, {f'docs/d{i // 100:03d}/f{i:05d}{ext}': data + LINK
                       for i, (_, data) in enumerate(docs)})
    git('add', '-A', cwd=repo)
    oids = [line.split()[1] for line in
            git('ls-files', '-s', cwd=repo).splitlines()
            if '\tdocs/d' in line]
    env = hook_env(repo)
    env['WORKTREE_GUARD_SKIP'] = SKIP_OTHERS
    return repo, ('\n'.join(oids) + '\n').encode(), env


def _rc(repo: Path, env: dict[str, str]) -> int:
    return subprocess.run([str(repo / '.git/hooks/pre-commit')], cwd=repo,
                          env={**os.environ, **env},
                          capture_output=True).returncode


def _hook_rows(base: Path, docs: list[tuple[str, bytes]],
               runs: int) -> list[Row]:
    rows = []
    for n, label in ((len(docs), f'{len(docs)} staged real .md docs'),
                     (1, 'one staged .md doc (the parser loads)')):
        sub = docs[:n] if n > 1 else [('x.md', b'Run `make`.\n')]
        md, oids, env_md = _repo(base, f'md-{n}', sub, '.md')
        txt, _, env_txt = _repo(base, f'txt-{n}', sub, '.txt')
        hook_md = str(md / '.git' / 'hooks' / 'pre-commit')
        hook_txt = str(txt / '.git' / 'hooks' / 'pre-commit')
        cmds = [Cmd('md', [hook_md], md, env=env_md, rc=_rc(md, env_md)),
                Cmd('txt', [hook_txt], txt, env=env_txt,
                    rc=_rc(txt, env_txt)),
                Cmd('catfile', ['git', 'cat-file', '--batch'], md,
                    stdin=oids)]
        m = measure(cmds, runs, warmup=1)
        rows.append(Row('markdown', f'pre-commit hook, {label}', m['md'],
                        'the same bytes as .txt', m['txt']))
        rows.append(Row('markdown', f'pre-commit hook, {label}', m['md'],
                        'git cat-file --batch', m['catfile']))
    return rows


def run(opts: Options) -> list[Row]:
    base = opts.workdir / 'markdown'
    base.mkdir()
    docs = corpus(60 if opts.quick else 400)
    return [*_engine_rows(docs, max(3, opts.runs // 3)),
            *_hook_rows(base, docs, opts.runs)]
