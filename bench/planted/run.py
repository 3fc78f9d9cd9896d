"""Recall on planted escapes, at commit, through the installed hooks.

Builds a real machine under a fresh ``$HOME``: a main checkout ``~/proj``,
linked worktrees ``~/proj/trees/issue-7-work`` (where escapes are staged),
``~/proj/trees/issue-2-y`` (a sibling) and ``~/proj-issue-9-side`` (the
layout that keeps worktrees beside the main checkout), with
``worktree-guard install``'s native hooks.  Each escape of
``escapes.yaml`` is staged alone in its worktree and committed with
``git commit`` (or judged by ``worktree-guard check --stage commit``,
``--via check``); it is caught when the commit is refused and the hook's
output names one of its paths.  A harmless control commit must pass first.

    python bench/planted/run.py [--via commit|check] [--form F ...]
                                [--json] [--workdir DIR]

prints recall per form and the misses; exit 0 always (it measures).
``tests/integration/test_planted.py`` runs the same code and asserts that
every form caught today stays caught.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ESCAPES = HERE / 'escapes.yaml'
BINDIR = os.path.dirname(sys.executable)
WG = os.path.join(BINDIR, 'worktree-guard')
CURRENT = 'issue-7-work'
SIBLING = 'issue-2-y'
SIDE = 'proj-issue-9-side'
# The main checkout's files the escapes point at.
MAIN_FILES = {
    '.gitignore': '/trees/\n',
    'README.md': '# proj\n',
    'docs/x.md': '# x\n',
    'scripts/env.sh': 'X=1\n',
    'data/db.txt': 'rows\n',
    'libs/core/index.js': 'module.exports = 1\n',
    'common.mk': 'CC = cc\n',
    'src/a.py': 'A = 1\n',
}


def load(path: Path = ESCAPES) -> list[dict[str, Any]]:
    import yaml
    with open(path, encoding='utf-8') as f:
        entries: list[dict[str, Any]] = yaml.safe_load(f)['escapes']
    return entries


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('GIT_', 'PRE_COMMIT', 'COVERAGE_',
                                'WORKTREE_GUARD'))
           and k not in ('SKIP', 'PYTHONPATH')}
    home.mkdir(parents=True, exist_ok=True)
    cfg = home / '.gitconfig'
    cfg.write_text('[user]\n\tname = Planted\n\temail = p@example.invalid\n'
                   '[init]\n\tdefaultBranch = main\n'
                   '[advice]\n\tdetachedHead = false\n'
                   '[gc]\n\tauto = 0\n')
    env.update(HOME=str(home), GIT_CONFIG_GLOBAL=str(cfg),
               GIT_CONFIG_NOSYSTEM='1', LC_ALL='C',
               PATH=BINDIR + os.pathsep + env.get('PATH', ''))
    return env


class Machine:
    """The checkouts, the hooks, and one escape at a time."""

    def __init__(self, workdir: Path) -> None:
        self.home = workdir / 'home'
        self.env = _env(self.home)
        self.main = self.home / 'proj'
        self.trees = {
            'nested': self.main / 'trees' / CURRENT,
            'side': self.home / SIDE,
        }
        self.sib = self.main / 'trees' / SIBLING

    def run(self, *cmd: str, cwd: Path,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(cmd, cwd=cwd, env=self.env, text=True,
                              capture_output=True, timeout=120)
        if check and proc.returncode != 0:
            raise RuntimeError(f'{cmd} failed in {cwd}:\n{proc.stdout}'
                               f'{proc.stderr}')
        return proc

    def git(self, *args: str, cwd: Path,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run('git', *args, cwd=cwd, check=check)

    def build(self) -> None:
        self.main.mkdir(parents=True)
        self.git('init', '-q', '-b', 'main', cwd=self.main)
        _write(self.main, MAIN_FILES)
        self.git('add', '-A', cwd=self.main)
        self.git('commit', '-q', '-m', 'start', cwd=self.main)
        self.git('worktree', 'add', '-q', '-b', CURRENT,
                 str(self.trees['nested']), cwd=self.main)
        self.git('worktree', 'add', '-q', '-b', SIBLING, str(self.sib),
                 cwd=self.main)
        self.git('worktree', 'add', '-q', '-b', 'issue-9-side',
                 str(self.trees['side']), cwd=self.main)
        self.run(WG, 'install', cwd=self.main)

    def values(self) -> dict[str, str]:
        return {'main': str(self.main), 'sib': str(self.sib)}

    def attempt(self, entry: dict[str, Any], via: str,
                filler: int = 0) -> tuple[bool, str]:
        """Stage one escape and commit it: (caught, the hook's output).
        ``filler`` harmless files staged with it make a change large
        enough for the pre-filter (``gitctx.paths.PREFILTER_MIN``)."""
        tree = self.trees[entry.get('worktree', 'nested')]
        vals = self.values()
        self.git('reset', '-q', '--hard', 'main', cwd=tree)
        self.git('clean', '-fdxq', cwd=tree)
        try:
            if entry.get('base'):
                _write(tree, _fill(entry['base'], vals))
                self.git('add', '-A', cwd=tree)
                self.git('commit', '-q', '--no-verify', '-m', 'base',
                         cwd=tree)
            files = _fill(entry.get('files') or {}, vals)
            _write(tree, files)
            _write(tree, {f'filler/f{i}.txt': f'line {i}\n'
                          for i in range(filler)})
            links = _fill(entry.get('links') or {}, vals)
            for path, target in links.items():
                (tree / path).parent.mkdir(parents=True, exist_ok=True)
                os.symlink(target, tree / path)
            paths = list(files) + list(links)
            self.git('add', *(['-f'] if entry.get('force') else []), '--',
                     *paths, *(['filler'] if filler else []), cwd=tree)
            if via == 'check':
                proc = self.run(WG, 'check', '--stage', 'commit',
                                '--color', 'never', cwd=tree, check=False)
            else:
                proc = self.git('commit', '-q', '-m', entry['id'], cwd=tree,
                                check=False)
            out = proc.stdout + proc.stderr
            named = any(p in out for p in paths) or (
                entry['form'] == 'staged-under-trees' and 'trees/' in out)
            return proc.returncode != 0 and named, out
        finally:
            self.git('reset', '-q', '--hard', 'main', cwd=tree)
            self.git('clean', '-fdxq', cwd=tree)

    def control(self, via: str) -> None:
        """A harmless commit passes: a block below is the escape's."""
        entry = {'id': 'control', 'form': 'control',
                 'files': {'notes/today.md': 'Nothing to see here.\n'}}
        caught, out = self.attempt(entry, via)
        if caught:
            raise RuntimeError(f'the control commit was refused:\n{out}')


def _fill(files: dict[str, str], vals: dict[str, str]) -> dict[str, str]:
    def sub(s: str) -> str:
        for k, v in vals.items():
            s = s.replace('{' + k + '}', v)
        return s
    return {sub(k): sub(v) for k, v in files.items()}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding='utf-8')


def measure(entries: list[dict[str, Any]], workdir: Path,
            via: str = 'commit') -> list[dict[str, Any]]:
    """Each entry's result: id, form, caught, output."""
    machine = Machine(workdir)
    machine.build()
    machine.control(via)
    results = []
    for entry in entries:
        caught, out = machine.attempt(entry, via)
        results.append({'id': entry['id'], 'form': entry['form'],
                        'caught': caught, 'output': out})
    return results


def summary(results: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per form (and ``all``): (caught, planted)."""
    out: dict[str, tuple[int, int]] = {}
    for r in results:
        for key in (r['form'], 'all'):
            c, n = out.get(key, (0, 0))
            out[key] = (c + r['caught'], n + 1)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--via', choices=('commit', 'check'), default='commit')
    ap.add_argument('--form', action='append', default=[])
    ap.add_argument('--json', action='store_true')
    ap.add_argument('--workdir', type=Path)
    ns = ap.parse_args(argv)
    entries = [e for e in load()
               if not ns.form or e['form'] in ns.form]
    tmp = Path(tempfile.mkdtemp(prefix='planted-', dir=ns.workdir))
    try:
        results = measure(entries, tmp, ns.via)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table = summary(results)
    if ns.json:
        print(json.dumps({'forms': {k: {'caught': c, 'planted': n}
                                    for k, (c, n) in table.items()},
                          'missed': [r['id'] for r in results
                                     if not r['caught']]}, indent=1))
        return 0
    print(f'planted escapes at commit (via {ns.via}):')
    for form, (c, n) in table.items():
        if form != 'all':
            print(f'  {form:<28} {c:>3}/{n:<3} {100 * c / n:5.1f}%')
    c, n = table['all']
    print(f'  {"all":<28} {c:>3}/{n:<3} {100 * c / n:5.1f}%')
    for r in results:
        if not r['caught']:
            print(f'  missed: {r["id"]} ({r["form"]})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
