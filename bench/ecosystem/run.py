#!/usr/bin/env python3
"""Ecosystem check: worktree-paths on real public repositories.

For each repository of ``manifest.json`` (pinned commits), from a local
mirror (``git clone --mirror`` makes one; README.md says where the
script looks):

1. a throw-away clone, checked out at the pinned commit on the repo's
   default branch;
2. ``worktree-guard check --all-files --rule worktree-paths`` (and
   ``--rule protected-branch``, which must say nothing on the default
   branch);
3. the last N first-parent commits replayed as pushes:
   ``check --stage push --from-ref C^ --to-ref C --branch issue-1-replay
   --rule worktree-paths``.

Every finding is looked up in ``labels.json`` by (repo, path, token,
hash of the stripped line text), so labels survive engine changes that
move columns or line numbers.  The script prints precision of errors,
warnings per 1,000 files and false blocks per 1,000 replayed commits, per
repo and in total, then every finding without a label and every change
against the labels.  ``--write-missing`` appends unlabelled findings with
``"verdict": null`` for a human to fill in.

The engine measured is the worktree-guard of ``--tool-checkout DIR``
(default: the checkout this script lives in), run as ``python -m
worktree_guard`` with ``PYTHONPATH=DIR``, so another branch's engine can be
measured against the same labels.

Exit status: 0 when everything ran (whatever the numbers), 1 when the
tool crashed on some input (exit code other than 0/1, or no JSON), 2 on a
usage error or a crash of this script.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent.parent
MANIFEST = HERE / 'manifest.json'
LABELS = HERE / 'labels.json'
# A neutral default under the user's cache folder; --mirror or
# $WG_ECOSYSTEM_MIRROR name another (README: filling it with git clone
# --mirror).
DEFAULT_MIRROR = os.environ.get('WG_ECOSYSTEM_MIRROR') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache'),
    'worktree-guard', 'ecosystem')
REPLAY_BRANCH = 'issue-1-replay'
# The policy of every run: built-in defaults, but never fetch.
POLICY = 'sync:\n  fetch: false\n'
TOOL_TIMEOUT = 600


class ToolCrash(Exception):
    """worktree-guard did not answer with exit 0/1 and JSON."""


# -- labels ---------------------------------------------------------------------

def line_hash(text: str) -> str:
    """The label key's line part: sha1 of the stripped line, 12 hex."""
    raw = text.strip().encode('utf-8', 'surrogateescape')
    return hashlib.sha1(raw).hexdigest()[:12]


Key = tuple[str, str, str, str]   # (repo, path, token, line_sha)


def label_key(label: dict[str, Any]) -> Key:
    return (label['repo'], label['path'], label['token'], label['line_sha'])


def load_labels(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    labels: list[dict[str, Any]] = data['labels']
    return labels


def save_labels(path: Path, labels: list[dict[str, Any]]) -> None:
    labels.sort(key=label_key)
    text = json.dumps({
        'about': 'Every worktree-paths finding of the ecosystem check, '
                 'labelled by a human who read the line in the repo: '
                 'verdict true (a maintainer would thank us: a real escape '
                 'or a real personal home path) or false, and why. Key: '
                 '(repo, path, token, line_sha = sha1 of the stripped line '
                 "text, 12 hex). 'severity' and 'seen' record where and how "
                 'the finding was first reported. See README.md.',
        'labels': labels,
    }, indent=1, ensure_ascii=False)
    path.write_text(text + '\n', encoding='utf-8')


# -- git and the tool -----------------------------------------------------------

def git(cwd: Path | str, *args: str, check: bool = True,
        input: bytes | None = None) -> bytes:
    res = subprocess.run(['git', *args], cwd=cwd, input=input,
                         capture_output=True, env=_git_env())
    if check and res.returncode != 0:
        raise RuntimeError(f'git {" ".join(args)}: '
                           f'{res.stderr.decode(errors="replace").strip()}')
    return res.stdout if res.returncode == 0 else b''


_LOCAL_GIT_VARS = frozenset((
    'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY',
    'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_COMMON_DIR', 'GIT_NAMESPACE',
    'GIT_PREFIX', 'GIT_QUARANTINE_PATH', 'GIT_CEILING_DIRECTORIES',
    'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_REPLACE_REF_BASE',
    'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT',
    'GIT_NO_REPLACE_OBJECTS', 'GIT_GRAFT_FILE', 'GIT_SHALLOW_FILE'))


def _git_env() -> dict[str, str]:
    # No repository-local git variables (a hook's GIT_DIR...), no
    # pre-commit variables, no skips: each run judges its clone as is.
    env = {k: v for k, v in os.environ.items()
           if k not in _LOCAL_GIT_VARS and not k.startswith('PRE_COMMIT')
           and k not in ('SKIP', 'WORKTREE_GUARD_SKIP')}
    env['GIT_TERMINAL_PROMPT'] = '0'
    env['GIT_CONFIG_NOSYSTEM'] = '1'
    return env


def mirror_git_dir(mirror: Path, name: str) -> Path | None:
    """The mirror of ``owner/name``: ``<mirror>/owner+name/repo[/.git]``
    (the fetch tool's layout) or ``<mirror>/owner+name.git`` (a ``git
    clone --mirror``)."""
    flat = name.replace('/', '+')
    for cand in (mirror / flat / 'repo' / '.git', mirror / flat / 'repo',
                 mirror / f'{flat}.git', mirror / flat):
        if (cand / 'HEAD').is_file() and (cand / 'objects').is_dir():
            return cand
    return None


class Tool:
    """``python -m worktree_guard`` from one checkout."""

    def __init__(self, checkout: Path, python: str, policy: Path) -> None:
        self.checkout = checkout
        self.python = python
        self.policy = policy
        self.runs = 0
        self.seconds = 0.0
        self.lock = threading.Lock()

    def check(self, cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
        env = _git_env()
        env['PYTHONPATH'] = str(self.checkout)
        env['PWD'] = str(cwd)
        # Byte code goes to our temp dir, not into the measured checkout
        # (which may be another branch's worktree).
        env['PYTHONPYCACHEPREFIX'] = str(self.policy.parent / 'pycache')
        env.pop('PYTHONSTARTUP', None)
        cmd = [self.python, '-m', 'worktree_guard', 'check', *args,
               '--format', 'json', '--policy', str(self.policy)]
        t0 = time.perf_counter()
        try:
            res = subprocess.run(cmd, cwd=cwd, capture_output=True,
                                 env=env, timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            raise ToolCrash(f'timed out after {TOOL_TIMEOUT} s') from e
        finally:
            with self.lock:     # --jobs: several repositories at once
                self.runs += 1
                self.seconds += time.perf_counter() - t0
        if res.returncode not in (0, 1):
            raise ToolCrash(f'exit {res.returncode}: '
                            + res.stderr.decode(errors='replace')[-500:])
        try:
            out: dict[str, Any] = json.loads(res.stdout)
        except ValueError as e:
            raise ToolCrash(f'no JSON on stdout ({e}): '
                            + res.stdout.decode(errors='replace')[:300]) \
                from e
        if out.get('exit_code') != res.returncode:
            raise ToolCrash(f'exit {res.returncode} but JSON says '
                            f'{out.get("exit_code")}')
        return res.returncode, out


# -- one repository ---------------------------------------------------------------

class Finding:
    __slots__ = ('repo', 'where', 'path', 'line', 'token', 'kind',
                 'severity', 'text', 'line_sha', 'label')

    def __init__(self, repo: str, where: str, v: dict[str, Any],
                 text: str) -> None:
        self.repo = repo
        self.where = where          # 'all-files' or a commit oid
        self.path: str = v['path']
        self.line: int | None = v['line']
        self.token: str = v['token'] if v['token'] is not None else ''
        self.kind: str = v['kind'] or ''
        self.severity: str = v['severity']
        self.text = text
        self.line_sha = line_hash(text)
        self.label: dict[str, Any] | None = None

    @property
    def key(self) -> Key:
        return (self.repo, self.path, self.token, self.line_sha)

    @property
    def is_error(self) -> bool:
        return self.severity == 'error'

    def place(self) -> str:
        at = 'HEAD' if self.where == 'all-files' else self.where[:12]
        line = f':{self.line}' if self.line is not None else ''
        return f'{self.repo} {at}:{self.path}{line}'

    def as_dict(self) -> dict[str, Any]:
        return {'repo': self.repo, 'where': self.where, 'path': self.path,
                'line': self.line, 'token': self.token, 'kind': self.kind,
                'severity': self.severity, 'line_sha': self.line_sha,
                'text': self.text,
                'verdict': self.label['verdict'] if self.label else None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Finding:
        """The inverse of ``as_dict`` (``--from-json``)."""
        return cls(d['repo'], d['where'], d, d.get('text', ''))


class RepoResult:
    def __init__(self, name: str, held_out: bool = False) -> None:
        self.name = name
        self.held_out = held_out
        self.skipped: str | None = None
        self.files = 0
        self.all_files: list[Finding] = []
        self.protected: list[str] = []
        # The latest first-parent commits replayed (exit 1 = a block).
        self.commits = 0
        self.blocks: list[tuple[str, list[Finding]]] = []
        # The origin commits: those that introduced a finding's line
        # (blame at the pinned commit), replayed the same way.
        self.origin_commits = 0
        self.origin_blocks: list[tuple[str, list[Finding]]] = []
        self.origin_skipped = 0     # root commits, lines blame could not find
        self.replay: list[Finding] = []
        self.crashes: list[str] = []
        # Commits not measured: the mirror lacks an object they need.
        self.unreadable: list[str] = []
        self.covered: set[str] = set()   # 'all-files' and commit oids
        self.seconds = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Everything ``from_dict`` needs to recount against new
        labels (``--from-json``)."""
        return {
            'name': self.name, 'held_out': self.held_out,
            'skipped': self.skipped, 'files': self.files,
            'all_files': [f.as_dict() for f in self.all_files],
            'protected': self.protected, 'commits': self.commits,
            'blocks': [[oid, [f.as_dict() for f in found]]
                       for oid, found in self.blocks],
            'origin_commits': self.origin_commits,
            'origin_blocks': [[oid, [f.as_dict() for f in found]]
                              for oid, found in self.origin_blocks],
            'origin_skipped': self.origin_skipped,
            'replay': [f.as_dict() for f in self.replay],
            'crashes': self.crashes, 'unreadable': self.unreadable,
            'covered': sorted(self.covered),
            'seconds': self.seconds}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RepoResult:
        r = cls(d['name'], d.get('held_out', False))
        r.skipped = d['skipped']
        r.files = d['files']
        r.all_files = [Finding.from_dict(f) for f in d['all_files']]
        r.protected = d['protected']
        r.commits = d['commits']
        # A block's findings are the same objects as in replay, so a
        # label set later reaches both.
        replay = [Finding.from_dict(f) for f in d['replay']]
        by_place = {(f.where, f.path, f.line, f.token): f for f in replay}

        def blocks(rows: list[Any]) -> list[tuple[str, list[Finding]]]:
            return [(oid, [by_place.get(
                (f['where'], f['path'], f['line'], f['token']))
                or Finding.from_dict(f) for f in found])
                for oid, found in rows]
        r.blocks = blocks(d['blocks'])
        r.origin_commits = d.get('origin_commits', 0)
        r.origin_blocks = blocks(d.get('origin_blocks', []))
        r.origin_skipped = d.get('origin_skipped', 0)
        r.replay = replay
        r.crashes = d['crashes']
        r.unreadable = d.get('unreadable', [])
        r.covered = set(d['covered'])
        r.seconds = d.get('seconds', 0.0)
        return r


class Texts:
    """Line texts of files at commits, one ``cat-file --batch`` each."""

    def __init__(self, clone: Path) -> None:
        self.clone = clone
        self.cache: dict[tuple[str, str], bytes | None] = {}

    def blob(self, rev: str, path: str) -> bytes | None:
        key = (rev, path)
        if key not in self.cache:
            res = subprocess.run(
                ['git', 'cat-file', 'blob', f'{rev}:{path}'],
                cwd=self.clone, capture_output=True, env=_git_env())
            self.cache[key] = res.stdout if res.returncode == 0 else None
        return self.cache[key]

    def line(self, rev: str, path: str, line: int | None) -> str:
        data = self.blob(rev, path)
        if data is None:
            return ''   # a gitlink or a staged worktree: no text
        if line is None:
            # A symlink: its target is the whole "line".
            return data[:4096].decode('utf-8', 'surrogateescape')
        lines = data.split(b'\n')
        if not 1 <= line <= len(lines):
            return ''
        return lines[line - 1].decode('utf-8', 'surrogateescape')


def run_repo(entry: dict[str, Any], tool: Tool, mirror: Path,
             workdir: Path, replay: int, log: Any,
             labels: list[dict[str, Any]] | None = None,
             origins: int = 0) -> RepoResult:
    name = entry['name']
    result = RepoResult(name, 'held-out' in entry.get('kinds', ()))
    src = mirror_git_dir(mirror, name)
    flat = name.replace('/', '+')
    if src is None:
        result.skipped = (f'no mirror <mirror>/{flat}[.git] (fetch it: see '
                          'bench/ecosystem/README.md)')
        return result
    commit = entry['commit']
    if subprocess.run(['git', 'cat-file', '-e', f'{commit}^{{commit}}'],
                      cwd=src, capture_output=True,
                      env=_git_env()).returncode != 0:
        result.skipped = (f'the mirror of {name} lacks the pinned commit '
                          f'{commit[:12]}')
        return result
    t0 = time.perf_counter()
    clone = workdir / flat
    # --shared borrows the mirror's objects (alternates) instead of
    # copying them: seconds instead of minutes on a large history, and a
    # snapshot that lacks its largest blobs clones all the same.  Nothing
    # here writes objects, so the mirror is only read.
    git(workdir, 'clone', '--quiet', '--shared', '--no-checkout',
        str(src), str(clone))
    # The default branch at the pinned commit.  The index is all the
    # rules read (ls-files, cat-file), so the files are not written out:
    # faster, and a blob missing from the snapshot is merely skipped.
    branch = entry['branch']
    git(clone, 'update-ref', f'refs/heads/{branch}', commit)
    git(clone, 'symbolic-ref', 'HEAD', f'refs/heads/{branch}')
    git(clone, 'read-tree', commit)
    texts = Texts(clone)
    result.files = len(git(clone, 'ls-files', '-z').split(b'\0')) - 1

    # (a) check --all-files on the default branch.
    try:
        _, out = tool.check(clone, '--all-files', '--rule', 'worktree-paths')
        result.all_files = [
            Finding(name, 'all-files', v,
                    texts.line(commit, v['path'], v['line']))
            for v in out['violations']]
        result.covered.add('all-files')
        _, out = tool.check(clone, '--all-files', '--rule',
                            'protected-branch')
        result.protected = [f'{v["code"]}: {v["message"]}'
                            for v in out['violations']]
    except ToolCrash as e:
        result.crashes.append(f'check --all-files: {e}')
    print(f'  {name}: all-files done ({result.files} files, '
          f'{len(result.all_files)} findings)', file=log, flush=True)

    # (b) replay the latest first-parent commits as pushes.
    chain = git(clone, 'rev-list', '--first-parent', '--parents',
                f'--max-count={replay}', commit).decode().split('\n')
    latest: set[str] = set()
    for row in chain:
        oids = row.split()
        if len(oids) < 2:
            continue   # the root commit: nothing to push it onto
        latest.add(oids[0])
        found = _replay(result, tool, clone, texts, oids[0], oids[1])
        if found is not None:
            result.commits += 1
            if found[0]:
                result.blocks.append((oids[0], found[1]))

    # (c) replay the commits that introduced the findings' lines.
    if origins > 0:
        targets = origin_targets(name, commit, result.all_files,
                                 labels or [], texts)
        found_origins, result.origin_skipped = origin_commits(
            clone, targets, exclude=latest, limit=origins)
        for oid, parent in found_origins:
            found = _replay(result, tool, clone, texts, oid, parent)
            if found is not None:
                result.origin_commits += 1
                if found[0]:
                    result.origin_blocks.append((oid, found[1]))
    result.seconds = time.perf_counter() - t0
    print(f'  {name}: replayed {result.commits} latest commits '
          f'({len(result.blocks)} blocked) and {result.origin_commits} '
          f'origin commits ({len(result.origin_blocks)} blocked) in '
          f'{result.seconds:.0f} s', file=log, flush=True)
    shutil.rmtree(clone, ignore_errors=True)
    return result


def _replay(result: RepoResult, tool: Tool, clone: Path, texts: Texts,
            oid: str, parent: str) -> tuple[bool, list[Finding]] | None:
    """``oid`` pushed onto ``parent``: (blocked, findings), or None when
    the tool crashed (recorded)."""
    try:
        rc, out = tool.check(
            clone, '--stage', 'push', '--from-ref', parent, '--to-ref',
            oid, '--branch', REPLAY_BRANCH, '--rule', 'worktree-paths')
    except ToolCrash as e:
        missing = missing_object(clone, str(e))
        if missing:
            # A snapshot without its largest blobs: the tool's exit 2 is
            # the right answer there, and the commit is not measured.
            result.unreadable.append(f'{oid[:12]} (needs {missing[:12]})')
        else:
            result.crashes.append(f'replay {oid[:12]}: {e}')
        return None
    result.covered.add(oid)
    found = [Finding(result.name, oid, v,
                     texts.line(oid, v['path'], v['line']))
             for v in out['violations']]
    result.replay.extend(found)
    return rc == 1, found


_UNREADABLE = re.compile(r'unable to read ([0-9a-f]{40})')


def missing_object(clone: Path, message: str) -> str | None:
    """The object a crash message says git could not read, when the
    clone really lacks it (a snapshot without its largest blobs)."""
    m = _UNREADABLE.search(message)
    if m is None:
        return None
    have = subprocess.run(['git', 'cat-file', '-e', m.group(1)], cwd=clone,
                          capture_output=True, env=_git_env())
    return m.group(1) if have.returncode != 0 else None


Target = tuple[str, str, int]   # (rev, path, line number at rev)


def origin_targets(name: str, commit: str, findings: list[Finding],
                   labels: list[dict[str, Any]], texts: Texts
                   ) -> list[Target]:
    """The lines whose origin commits are replayed: every finding of
    ``--all-files`` (at the pinned commit), then every label of this repo,
    found by its line hash in the file at the pinned commit, else at the
    commit where it was seen.  A line found nowhere is left out."""
    targets: list[Target] = []
    keys: set[tuple[str, str]] = set()
    for f in findings:
        if (f.path, f.line_sha) not in keys:
            keys.add((f.path, f.line_sha))
            targets.append((commit, f.path, f.line or 1))
    for lb in labels:
        if lb['repo'] != name or (lb['path'], lb['line_sha']) in keys:
            continue
        keys.add((lb['path'], lb['line_sha']))
        seen = lb.get('seen', '').split(':', 1)[0]
        for rev in (commit, seen):
            if rev in ('', 'all-files'):
                continue
            n = find_line(texts.blob(rev, lb['path']), lb['line_sha'])
            if n is not None:
                targets.append((rev, lb['path'], n))
                break
    return targets


def find_line(data: bytes | None, sha: str) -> int | None:
    """The first line (1-based) of ``data`` whose stripped text hashes to
    ``sha``; a symlink's target is line 1."""
    if data is None:
        return None
    if line_hash(data[:4096].decode('utf-8', 'surrogateescape')) == sha:
        return 1
    for n, raw in enumerate(data.split(b'\n'), 1):
        if line_hash(raw.decode('utf-8', 'surrogateescape')) == sha:
            return n
    return None


def origin_commits(clone: Path, targets: list[Target], exclude: set[str],
                   limit: int) -> tuple[list[tuple[str, str]], int]:
    """(origin, first parent) of each target line by ``git blame``, in
    target order, without duplicates or ``exclude``, at most ``limit``;
    and how many targets had none (a root commit, or blame failed)."""
    out: list[tuple[str, str]] = []
    seen = set(exclude)
    missed = 0
    for rev, path, n in targets:
        if len(out) >= limit:
            break
        blame = git(clone, 'blame', '--porcelain', '-L', f'{n},{n}', rev,
                    '--', path, check=False).split(b' ', 1)[0].decode()
        if len(blame) != 40 or blame.strip('0') == '':
            missed += 1
            continue
        if blame in seen:
            continue
        seen.add(blame)
        parents = git(clone, 'rev-list', '--parents', '-n', '1',
                      blame).decode().split()
        if len(parents) < 2:
            missed += 1     # a root commit: nothing to push it onto
            continue
        out.append((blame, parents[1]))
    return out, missed


# -- numbers ------------------------------------------------------------------------

class Stats:
    """The numbers of one repo (or the total)."""

    def __init__(self, results: Iterable[RepoResult]) -> None:
        self.files = self.errors = self.warnings = 0
        self.true_errors = self.unlabelled_errors = 0
        self.true_warnings = self.unlabelled_warnings = 0
        self.replay_errors = self.replay_warnings = 0
        self.commits = self.blocks = self.false_blocks = 0
        self.unknown_blocks = self.protected = self.crashes = 0
        self.origin_commits = self.origin_blocks = 0
        self.origin_false_blocks = self.origin_unknown_blocks = 0
        self.repos = 0
        for r in results:
            if r.skipped:
                continue
            self.repos += 1
            self.files += r.files
            self.protected += len(r.protected)
            self.crashes += len(r.crashes)
            for f in r.all_files:
                verdict = f.label['verdict'] if f.label else None
                if f.is_error:
                    self.errors += 1
                    self.true_errors += verdict is True
                    self.unlabelled_errors += verdict is None
                else:
                    self.warnings += 1
                    self.true_warnings += verdict is True
                    self.unlabelled_warnings += verdict is None
            self.commits += r.commits
            for f in r.replay:
                if f.is_error:
                    self.replay_errors += 1
                else:
                    self.replay_warnings += 1
            for _, found in r.blocks:
                self.blocks += 1
                what = block_verdict(found)
                self.false_blocks += what == 'false'
                self.unknown_blocks += what == 'unlabelled'
            self.origin_commits += r.origin_commits
            for _, found in r.origin_blocks:
                self.origin_blocks += 1
                what = block_verdict(found)
                self.origin_false_blocks += what == 'false'
                self.origin_unknown_blocks += what == 'unlabelled'

    @property
    def precision(self) -> float | None:
        return self.true_errors / self.errors if self.errors else None

    @property
    def warnings_per_1k(self) -> float:
        return 1000 * self.warnings / self.files if self.files else 0.0

    @property
    def false_blocks_per_1k(self) -> float:
        return 1000 * self.false_blocks / self.commits if self.commits \
            else 0.0

    @property
    def origin_false_blocks_per_1k(self) -> float:
        return 1000 * self.origin_false_blocks / self.origin_commits \
            if self.origin_commits else 0.0

    @property
    def all_false_blocks_per_1k(self) -> float:
        """Latest and origin commits together."""
        n = self.commits + self.origin_commits
        return 1000 * (self.false_blocks + self.origin_false_blocks) / n \
            if n else 0.0

    def as_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in vars(self).items()}
        d['precision'] = self.precision
        d['warnings_per_1k_files'] = self.warnings_per_1k
        d['false_blocks_per_1k_commits'] = self.false_blocks_per_1k
        d['origin_false_blocks_per_1k_commits'] = \
            self.origin_false_blocks_per_1k
        d['all_false_blocks_per_1k_commits'] = self.all_false_blocks_per_1k
        return d


def block_verdict(found: list[Finding]) -> str:
    """'TRUE' when some error of a blocked commit is labelled true,
    'unlabelled' when some is not labelled yet, else 'false'."""
    verdicts = {f.label['verdict'] if f.label else None
                for f in found if f.is_error}
    return 'TRUE' if True in verdicts else \
        'unlabelled' if None in verdicts else 'false'


def _pct(x: float | None) -> str:
    return '-' if x is None else f'{100 * x:.0f}%'


_COLS = ('repo', 'files', 'err', 'warn', 'true err', 'precision',
         'warn/1k files', 'commits', 'false', 'false/1k',
         'origin commits', 'origin false', 'replay err/warn', 'protected')


def table_rows(results: list[RepoResult]) -> list[list[str]]:
    """One row per repository, then the totals: of the tuned
    repositories, of the held-out ones, and of all."""
    rows = []
    for r in results:
        if r.skipped:
            rows.append([r.name, 'skipped: ' + r.skipped])
        else:
            rows.append(_row(r.name + (' (held out)' if r.held_out else ''),
                             Stats([r])))
    ran = [r for r in results if not r.skipped]
    tuned = [r for r in ran if not r.held_out]
    held = [r for r in ran if r.held_out]
    if tuned and held:
        rows.append(_row(f'TOTAL tuned ({len(tuned)})', Stats(tuned)))
        rows.append(_row(f'TOTAL HELD OUT ({len(held)})', Stats(held)))
    rows.append(_row(f'TOTAL ({len(ran)})', Stats(ran)))
    return rows


def _row(name: str, s: Stats) -> list[str]:
    unl = f' (+{s.unlabelled_errors}?)' if s.unlabelled_errors else ''
    unb = f' (+{s.unknown_blocks}?)' if s.unknown_blocks else ''
    uno = f' (+{s.origin_unknown_blocks}?)' if s.origin_unknown_blocks \
        else ''
    return [name, str(s.files), str(s.errors), str(s.warnings),
            f'{s.true_errors}{unl}', _pct(s.precision),
            f'{s.warnings_per_1k:.1f}', str(s.commits),
            f'{s.false_blocks}{unb}', f'{s.false_blocks_per_1k:.1f}',
            str(s.origin_commits), f'{s.origin_false_blocks}{uno}',
            f'{s.replay_errors}/{s.replay_warnings}', str(s.protected)]


def print_table(rows: list[list[str]], out: Any) -> None:
    full = [r for r in rows if len(r) == len(_COLS)]
    widths = [max(len(c), *(len(r[i]) for r in full))
              for i, c in enumerate(_COLS)]
    print('  '.join(c.ljust(w) for c, w in zip(_COLS, widths, strict=True)),
          file=out)
    for r in rows:
        if len(r) != len(_COLS):
            print(f'{r[0].ljust(widths[0])}  {r[1]}', file=out)
        else:
            print('  '.join(c.ljust(w) for c, w in
                            zip(r, widths, strict=True)), file=out)


# -- main ---------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description='worktree-paths on pinned public repositories: '
                    'precision, warnings and false blocks against '
                    'labels.json')
    p.add_argument('--mirror', default=DEFAULT_MIRROR, type=Path,
                   help='where the mirrors are (default: '
                        '$WG_ECOSYSTEM_MIRROR, else '
                        '${XDG_CACHE_HOME:-~/.cache}/worktree-guard/'
                        'ecosystem)')
    p.add_argument('--tool-checkout', type=Path, default=PROJECT,
                   help='checkout whose worktree_guard is measured '
                        '(default: the one holding this script)')
    p.add_argument('--python', default=sys.executable,
                   help='interpreter that runs the tool (needs its '
                        'dependencies; default: this one)')
    p.add_argument('--manifest', type=Path, default=MANIFEST)
    p.add_argument('--labels', type=Path, default=LABELS)
    p.add_argument('--repo', '--repos', action='append', metavar='OWNER/NAME',
                   help='run only these repos (repeatable, or '
                        'comma-separated)')
    p.add_argument('--held-out', choices=('with', 'without', 'only'),
                   default='with',
                   help='the held-out repositories (kind held-out): run '
                        'them too (default), leave them out, or run only '
                        'them')
    p.add_argument('--replay', type=int, default=150, metavar='N',
                   help='latest first-parent commits to replay per repo '
                        '(default: %(default)s)')
    p.add_argument('--origins', type=int, default=100, metavar='N',
                   help='at most N origin commits per repo: those that '
                        'introduced the lines of the findings and labels '
                        '(git blame at the pinned commit), replayed too; '
                        '0 = none (default: %(default)s)')
    p.add_argument('--unlabelled', action='store_true',
                   help='print only the findings without a label, each '
                        'with the git command that shows its line')
    p.add_argument('--from-json', type=Path, metavar='FILE',
                   action='append',
                   help='recount a --json-out of an earlier run against '
                        'the labels as they are now (no repository is '
                        'run; repeatable: runs of parts of the manifest '
                        'add up)')
    p.add_argument('--write-missing', action='store_true',
                   help='append unlabelled findings to the labels file '
                        'with verdict null')
    p.add_argument('--json-out', type=Path, metavar='FILE',
                   help='also write the numbers and findings as JSON')
    p.add_argument('--compare', type=Path, metavar='FILE',
                   help='a --json-out of an earlier run (say, another '
                        'engine): print its totals next to this run')
    p.add_argument('--markdown', type=Path, metavar='FILE',
                   help='also append the table as Markdown (RESULTS.md)')
    p.add_argument('--jobs', type=int, default=1, metavar='N',
                   help='repositories run at once (default: %(default)s; '
                        'the results are the same, in manifest order)')
    p.add_argument('--workdir', type=Path,
                   help='where the throw-away clones go (default: a temp '
                        'dir, removed afterwards)')
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _main(args)
    except KeyboardInterrupt:
        print('interrupted', file=sys.stderr)
        return 2
    except Exception as e:
        print(f'ecosystem check crashed: {type(e).__name__}: {e}',
              file=sys.stderr)
        if os.environ.get('WG_ECOSYSTEM_DEBUG'):
            raise
        return 2


def select(entries: list[dict[str, Any]], names: list[str] | None,
           held_out: str) -> list[dict[str, Any]]:
    """The manifest entries to run: ``names`` (each may hold several,
    comma-separated) if given, then filtered by ``held_out`` ('with',
    'without', 'only').  A name not in the manifest is a ValueError."""
    if names:
        wanted = {n.strip() for arg in names for n in arg.split(',')
                  if n.strip()}
        unknown = wanted - {e['name'] for e in entries}
        if unknown:
            raise ValueError(f'not in the manifest: '
                             f'{", ".join(sorted(unknown))}')
        entries = [e for e in entries if e['name'] in wanted]
    if held_out != 'with':
        keep = held_out == 'only'
        entries = [e for e in entries
                   if ('held-out' in e.get('kinds', ())) is keep]
    return entries


def _main(args: argparse.Namespace) -> int:
    manifest = json.loads(args.manifest.read_text(encoding='utf-8'))
    try:
        entries = select(manifest['repos'], args.repo, args.held_out)
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    labels = load_labels(args.labels)
    by_key = {label_key(lb): lb for lb in labels}
    if args.from_json:
        by_name: dict[str, RepoResult] = {}
        engines = []
        for path in args.from_json:
            old = json.loads(path.read_text(encoding='utf-8'))
            engines.append(old['engine'])
            for d in old['results']:
                by_name[d['name']] = RepoResult.from_dict(d)
        # In manifest order; a repo of no run is left out.
        results = [by_name[e['name']] for e in entries
                   if e['name'] in by_name]
        engine = ', '.join(dict.fromkeys(engines))
        runs_note = 'recounted from ' + ', '.join(
            _rel(p) for p in args.from_json)
    else:
        checkout = args.tool_checkout.resolve()
        if not (checkout / 'worktree_guard' / '__main__.py').is_file():
            print(f'{_rel(checkout)}: no worktree_guard package there',
                  file=sys.stderr)
            return 2
        engine = _describe_engine(checkout)
        print(f'engine: {engine}', flush=True)
        tool, results = _run_all(args, checkout, engine, entries, labels)
        runs_note = f'{tool.runs} runs, {tool.seconds:.0f} s in the tool'

    findings = [f for r in results for f in (*r.all_files, *r.replay)]
    for f in findings:
        f.label = by_key.get(f.key)
    for r in results:   # a block's findings may be copies (--from-json)
        for _, found in (*r.blocks, *r.origin_blocks):
            for f in found:
                f.label = by_key.get(f.key)

    out = sys.stdout
    if args.unlabelled:
        pins = {e['name']: e['commit'] for e in entries}
        missing = _print_unlabelled(pins, findings, out, args.mirror)
    else:
        print(f'\n== worktree-paths on {len(results)} repositories, engine '
              f'{engine} ({runs_note})', file=out)
        rows = table_rows(results)
        print_table(rows, out)
        _print_summary(results, out)
        _print_protected(results, out)
        _print_blocks(results, out)
        missing = _print_changes(results, findings, labels, out)
    crashed = _print_crashes(results, out)
    if args.compare:
        _print_compare(args.compare, engine, results, by_key, out)
    if args.write_missing and missing:
        added: dict[Key, dict[str, Any]] = {}
        for f in missing:
            if f.key not in added:
                added[f.key] = {
                    'repo': f.repo, 'path': f.path, 'token': f.token,
                    'line_sha': f.line_sha, 'verdict': None, 'reason': '',
                    'kind': f.kind, 'severity': f.severity,
                    'seen': _seen(f), 'engine': engine}
        save_labels(args.labels, labels + list(added.values()))
        print(f'\nwrote {len(added)} unlabelled findings to '
              f'{_rel(args.labels)} (verdict null): label them', file=out)
    if args.json_out:
        _write_json(args.json_out, engine, results)
    if args.markdown:
        _write_markdown(args.markdown, engine, table_rows(results), results)
    return 1 if crashed else 0


def _run_all(args: argparse.Namespace, checkout: Path, engine: str,
             entries: list[dict[str, Any]], labels: list[dict[str, Any]]
             ) -> tuple[Tool, list[RepoResult]]:
    own_tmp = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix='wg-ecosystem-')) if own_tmp \
        else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    policy = workdir / 'policy.yaml'
    policy.write_text(POLICY, encoding='utf-8')
    tool = Tool(checkout, args.python, policy)
    done: dict[str, RepoResult] = {}
    lock = threading.Lock()

    def one(entry: dict[str, Any]) -> None:
        try:
            r = run_repo(entry, tool, args.mirror, workdir,
                         entry.get('replay', args.replay), sys.stdout,
                         labels, args.origins)
        except RuntimeError as e:   # git failed on this mirror
            r = RepoResult(entry['name'],
                           'held-out' in entry.get('kinds', ()))
            r.skipped = f'git failed: {_short(str(e), 300)}'
        if r.skipped:
            print(f'  {entry["name"]}: SKIPPED: {r.skipped}', flush=True)
        with lock:
            done[entry['name']] = r
            if args.json_out:
                # After each repository, so a long run interrupted (or
                # watched) has what it did so far; the end rewrites it.
                _write_json(args.json_out, engine, [
                    done[e['name']] for e in entries if e['name'] in done])

    try:
        # Threads are enough: the work is in git and tool subprocesses.
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for future in [pool.submit(one, e) for e in entries]:
                future.result()
    finally:
        if own_tmp:
            shutil.rmtree(workdir, ignore_errors=True)
    return tool, [done[e['name']] for e in entries]


def _rel(path: Path) -> str:
    """``path`` relative to the project or the current folder when it is
    under one of them, else its name: no machine's absolute paths in the
    output."""
    path = path.resolve()
    for base in (PROJECT, Path.cwd()):
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return path.name


def _print_summary(results: list[RepoResult], out: Any) -> None:
    ran = [r for r in results if not r.skipped]
    parts = [('all', ran)]
    held = [r for r in ran if r.held_out]
    if held and len(held) < len(ran):
        parts = [('tuned', [r for r in ran if not r.held_out]),
                 ('HELD OUT', held), ('all', ran)]
    for what, rs in parts:
        t = Stats(rs)
        print(f'\n{what} ({t.repos} repos, {t.files} files): precision of '
              f'errors {_pct(t.precision)} ({t.true_errors} true of '
              f'{t.errors}); warnings per 1,000 files '
              f'{t.warnings_per_1k:.1f}; false blocks per 1,000 commits: '
              f'latest {t.false_blocks_per_1k:.1f} ({t.false_blocks} of '
              f'{t.commits}), origin {t.origin_false_blocks_per_1k:.1f} '
              f'({t.origin_false_blocks} of {t.origin_commits}), both '
              f'{t.all_false_blocks_per_1k:.1f}', file=out)
        if t.unlabelled_errors or t.unknown_blocks \
                or t.origin_unknown_blocks:
            print(f'  (+N?) = not labelled yet: {t.unlabelled_errors} '
                  f'errors, {t.unknown_blocks} latest and '
                  f'{t.origin_unknown_blocks} origin blocks', file=out)


def _print_unlabelled(pins: dict[str, str], findings: list[Finding],
                      out: Any, mirror: Path | None = None) -> list[Finding]:
    """Each finding without a label (or with verdict null), once per
    key, with the command that shows its line in the mirror (its folder
    under ``$MIRROR``, the mirror root)."""
    dirs: dict[str, str] = {}
    missing = [f for f in findings
               if f.label is None or f.label['verdict'] is None]
    done: set[Key] = set()
    print(f'unlabelled findings: {len({f.key for f in missing})}', file=out)
    for f in missing:
        if f.key in done:
            continue
        done.add(f.key)
        rev = pins.get(f.repo, 'HEAD')[:12] if f.where == 'all-files' \
            else f.where[:12]
        if f.repo not in dirs:
            src = mirror_git_dir(mirror, f.repo) if mirror else None
            dirs[f.repo] = str(src.relative_to(mirror)) if src and mirror \
                else f.repo.replace('/', '+') + '.git'
        print(f'{f.place()}: {f.severity} {f.kind} token {f.token!r}\n'
              f'    line: {_short(f.text)}\n'
              f'    git -C "$MIRROR/{dirs[f.repo]}" show {rev}:{f.path}',
              file=out)
    return [f for f in missing if f.label is None]


def _seen(f: Finding) -> str:
    line = f':{f.line}' if f.line is not None else ''
    return f'{f.where}{line}'


def _describe_engine(checkout: Path) -> str:
    head = git(checkout, 'rev-parse', '--short=10', 'HEAD',
               check=False).decode().strip()
    branch = git(checkout, 'branch', '--show-current',
                 check=False).decode().strip()
    # --no-optional-locks: status must not refresh (write) the index of
    # a checkout someone else is working in.
    dirty = git(checkout, '--no-optional-locks', 'status', '--porcelain',
                '--', 'worktree_guard', check=False).strip()
    return f'{branch or "detached"}@{head or "?"}' + \
        (' (+uncommitted)' if dirty else '')


def _short(text: str, n: int = 140) -> str:
    text = text.strip()
    return text if len(text) <= n else text[:n - 3] + '...'


def _print_protected(results: list[RepoResult], out: Any) -> None:
    bad = [(r.name, p) for r in results for p in r.protected]
    print(f'\nprotected-branch findings from check --all-files on the '
          f'default branch: {len(bad)} (must be 0)', file=out)
    for name, p in bad:
        print(f'  {name}: {p}', file=out)


def _print_blocks(results: list[RepoResult], out: Any) -> None:
    print('\nblocked replayed commits:', file=out)
    any_block = False
    for r in results:
        for which, blocks in (('latest', r.blocks),
                              ('origin', r.origin_blocks)):
            for oid, found in blocks:
                any_block = True
                errs = [f for f in found if f.is_error]
                print(f'  {r.name} {oid[:12]} ({which}): '
                      f'{block_verdict(found)} block '
                      f'({len(errs)} error(s))', file=out)
                for f in errs[:3]:
                    print(f'      {f.path}:{f.line} {f.kind} {f.token!r}',
                          file=out)
    if not any_block:
        print('  none', file=out)


def _print_crashes(results: list[RepoResult], out: Any) -> bool:
    unreadable = [(r.name, c) for r in results for c in r.unreadable]
    if unreadable:
        print(f'\ncommits not replayed, the mirror lacks an object they '
              f'need: {len(unreadable)}', file=out)
        for name, c in unreadable:
            print(f'  {name}: {c}', file=out)
    crashes = [(r.name, c) for r in results for c in r.crashes]
    if crashes:
        print(f'\nTOOL CRASHES: {len(crashes)}', file=out)
        for name, c in crashes:
            print(f'  {name}: {_short(c, 400)}', file=out)
    return bool(crashes)


def _print_changes(results: list[RepoResult], findings: list[Finding],
                   labels: list[dict[str, Any]], out: Any) -> list[Finding]:
    """Unlabelled findings, severity changes and labelled findings that
    are gone; returns the unlabelled ones."""
    missing = [f for f in findings if f.label is None]
    unjudged = [f for f in findings
                if f.label is not None and f.label['verdict'] is None]
    print(f'\nunlabelled findings: {len(missing)} (+{len(unjudged)} with '
          'verdict null)', file=out)
    for f in [*missing, *unjudged]:
        print(f'  {f.place()}: {f.severity} {f.kind} token {f.token!r}\n'
              f'      line: {_short(f.text)}', file=out)
    changed = [f for f in findings if f.label is not None
               and f.label.get('severity') not in (None, f.severity)]
    seen_keys = {f.key for f in findings}
    ran = {r.name: r.covered for r in results if not r.skipped}
    gone = [lb for lb in labels if lb['repo'] in ran
            and label_key(lb) not in seen_keys
            and lb.get('seen', '').split(':', 1)[0] in ran[lb['repo']]]
    print(f'\nchanges against the labels: {len({f.key for f in changed})} '
          'changed severity, '
          f'{len(gone)} no longer reported', file=out)
    reported: set[Key] = set()
    for f in changed:
        if f.key in reported:
            continue
        reported.add(f.key)
        assert f.label is not None
        print(f'  {f.place()}: {f.label["severity"]} -> {f.severity} '
              f'(label {_verdict(f.label)}) token {f.token!r}', file=out)
    for lb in gone:
        print(f'  {lb["repo"]} {lb["seen"]} {lb["path"]}: gone '
              f'(label {_verdict(lb)}: {lb.get("reason", "")}) token '
              f'{lb["token"]!r}', file=out)
    return missing


def _verdict(label: dict[str, Any]) -> str:
    v = label['verdict']
    return 'unlabelled' if v is None else 'true' if v else 'false'


def _write_json(path: Path, engine: str,
                results: list[RepoResult]) -> None:
    ran = [r for r in results if not r.skipped]
    data = {
        'engine': engine,
        'total': Stats(ran).as_dict(),
        'total_tuned': Stats([r for r in ran if not r.held_out]).as_dict(),
        'total_held_out': Stats([r for r in ran if r.held_out]).as_dict(),
        'repos': {r.name: {'skipped': r.skipped, 'held_out': r.held_out,
                           **Stats([r]).as_dict(),
                           'protected_findings': r.protected,
                           'crashes': r.crashes}
                  for r in results},
        # Everything --from-json needs to recount against new labels.
        'results': [r.as_dict() for r in results],
    }
    path.write_text(json.dumps(data, indent=1) + '\n', encoding='utf-8')


def _write_markdown(path: Path, engine: str, rows: list[list[str]],
                    results: list[RepoResult]) -> None:
    ran = [r for r in results if not r.skipped]
    lines = [f'## engine {engine}', '',
             f'{time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.', '']
    for what, rs in (('Tuned', [r for r in ran if not r.held_out]),
                     ('Held out', [r for r in ran if r.held_out]),
                     ('All', ran)):
        t = Stats(rs)
        lines.append(
            f'- {what} ({t.repos} repos, {t.files} files): precision of '
            f'errors {_pct(t.precision)} ({t.true_errors} of {t.errors}), '
            f'{t.warnings_per_1k:.1f} warnings per 1,000 files, false '
            f'blocks per 1,000 commits {t.false_blocks_per_1k:.1f} latest '
            f'({t.false_blocks} of {t.commits}), '
            f'{t.origin_false_blocks_per_1k:.1f} origin '
            f'({t.origin_false_blocks} of {t.origin_commits}), '
            f'{t.all_false_blocks_per_1k:.1f} both.')
    lines += ['', '| ' + ' | '.join(_COLS) + ' |',
              '|' + '---|' * len(_COLS)]
    for r in rows:
        cells = r if len(r) == len(_COLS) else \
            [r[0], r[1], *[''] * (len(_COLS) - 2)]
        lines.append('| ' + ' | '.join(c.replace('|', '/') for c in cells)
                     + ' |')
    with open(path, 'a', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n\n')


def _print_compare(path: Path, engine: str, results: list[RepoResult],
                   by_key: dict[Key, dict[str, Any]], out: Any) -> None:
    """An earlier run's numbers (A) next to this one's (B), recounted
    against today's labels when that run's JSON holds its findings."""
    old = json.loads(path.read_text(encoding='utf-8'))
    names = {r.name for r in results if not r.skipped}
    if 'results' in old:
        a_results = [RepoResult.from_dict(d) for d in old['results']
                     if d['name'] in names and not d['skipped']]
        for r in a_results:
            for f in (*r.all_files, *r.replay):
                f.label = by_key.get(f.key)
            for _, found in (*r.blocks, *r.origin_blocks):
                for f in found:
                    f.label = by_key.get(f.key)
        a_stats = {r.name: Stats([r]).as_dict() for r in a_results}
        a_total: dict[str, Any] | None = Stats(a_results).as_dict()
    else:   # an older JSON: its own numbers, as labelled then
        a_stats = old['repos']
        a_total = old['total']
    print(f'\n== side by side: {old["engine"]} (A) vs {engine} (B)',
          file=out)
    cols = ('repo', 'errors A/B', 'precision A/B', 'warn/1k A/B',
            'false blocks/1k A/B', 'origin false blocks A/B')
    rows = []
    for res in [*results, None]:
        if res is not None and res.skipped:
            continue
        name = 'TOTAL' if res is None else res.name
        a = a_total if res is None else a_stats.get(name)
        if a is None or a.get('skipped'):
            continue
        b = Stats(results if res is None else [res])
        rows.append((name, f'{a["errors"]}/{b.errors}',
                     f'{_pct(a["precision"])}/{_pct(b.precision)}',
                     f'{a["warnings_per_1k_files"]:.1f}/'
                     f'{b.warnings_per_1k:.1f}',
                     f'{a["false_blocks_per_1k_commits"]:.1f}/'
                     f'{b.false_blocks_per_1k:.1f}',
                     f'{a.get("origin_false_blocks", "-")}/'
                     f'{b.origin_false_blocks}'))
    widths = [max(len(c), *(len(row[i]) for row in rows))
              for i, c in enumerate(cols)]
    for row in [cols, *rows]:
        print('  '.join(c.ljust(w)
                        for c, w in zip(row, widths, strict=True)),
              file=out)


if __name__ == '__main__':
    sys.exit(main())
