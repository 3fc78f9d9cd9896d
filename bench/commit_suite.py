"""The commit-stage suite (branch-name, protected-branch, worktree-layout,
worktree-paths) on a 10-file commit.

``commit``: the native ``pre-commit`` hook that ``worktree-guard install``
writes, run as git runs it (cwd at the worktree root, ``GIT_INDEX_FILE``
set), against pre-commit-hooks' ``no-commit-to-branch`` run directly and
against the interpreter's start-up.  The ``commit-msg`` hook (the branch
rules again, for merge commits) runs on every native commit too, so it is
reported beside it.  Measured in the main checkout and in a
linked worktree ``trees/issue-7-...`` (where the layout rule has work).

``pre-commit``: the same suite through ``pre-commit run``, against
``pre-commit run no-commit-to-branch``.  Both are ``repo: local`` hooks with
``language: system`` pointing at the same venv's console scripts, so the
framework's share is identical.

The ten files are real source and docs (``common.real_files``); a real
finding makes the suite exit 1, learnt from one run (``common.rc_of``).
"""
from __future__ import annotations

from pathlib import Path

from common import PYTHON
from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import git
from common import hook_env
from common import install_native
from common import make_repo
from common import measure
from common import rc_of
from common import real_files
from common import tool
from common import write_files

BRANCH = 'issue-7-commit-speed'
WT_BRANCH = 'issue-8-linked-worktree'


def _stage_ten(root: Path, tag: str) -> None:
    # Ten real files (source and docs: common.real_files).
    files = {f'src/{tag}/{path}': data for path, data in real_files(10)}
    write_files(root, files)
    git('add', '--', f'src/{tag}', cwd=root)


def build(opts: Options) -> tuple[Path, Path]:
    base = opts.workdir / 'commit'
    base.mkdir()
    repo = make_repo(base / 'repo')
    git('switch', '-q', '-c', BRANCH, cwd=repo)
    install_native(repo)
    _stage_ten(repo, 'main')
    wt = repo / 'trees' / WT_BRANCH
    git('worktree', 'add', '-q', '-b', WT_BRANCH, str(wt), 'main', cwd=repo)
    _stage_ten(wt, 'wt')
    return repo, wt


def run_native(opts: Options) -> list[Row]:
    peer = tool('no-commit-to-branch')
    if peer is None:
        raise Unavailable('no-commit-to-branch is not installed '
                          '(pip install pre-commit-hooks)')
    repo, wt = build(opts)
    hook = str(repo / '.git' / 'hooks' / 'pre-commit')
    rows = []
    for where, root in (('main checkout', repo), ('linked worktree', wt)):
        env = hook_env(root)
        if root == wt:
            env['GIT_INDEX_FILE'] = git(
                'rev-parse', '--path-format=absolute', '--git-path',
                'index', cwd=wt).strip()
        msg = root / 'bench-commit-msg'
        msg.write_text('bench: a commit message\n')
        cmds = [
            Cmd('suite', [hook], root, env=env, rc=rc_of([hook], root, env)),
            Cmd('msg', [hook[:-len('pre-commit')] + 'commit-msg', str(msg)],
                root, env=env),
            Cmd('peer', [peer], root, env=env),
            Cmd('py', [PYTHON, '-c', 'pass'], root),
            Cmd('pyIS', [PYTHON, '-I', '-S', '-c', 'pass'], root),
        ]
        # Cheap runs: twice as many, for steadier medians on a busy box.
        m = measure(cmds, opts.runs * 2)
        rows += [
            Row('commit', f'native pre-commit hook, 4 rules ({where})',
                m['suite'], 'no-commit-to-branch', m['peer'], target=1.0),
            Row('commit', f'native pre-commit hook, 4 rules ({where})',
                m['suite'], 'python -c pass', m['py']),
            Row('commit', f'native commit-msg hook, 2 rules ({where})',
                m['msg'], 'no-commit-to-branch', m['peer']),
            Row('commit', f'no-commit-to-branch, run directly ({where})',
                m['peer'], 'python -c pass', m['py']),
            Row('commit', f'python -I -S -c pass ({where})', m['pyIS'],
                'python -c pass', m['py']),
        ]
    return rows


PRE_COMMIT_CONFIG = """\
repos:
- repo: local
  hooks:
  - id: worktree-guard-commit
    name: worktree-guard (commit rules)
    entry: {wg} check --hook worktree-guard-commit --stage commit
    language: system
    pass_filenames: false
    always_run: true
  - id: no-commit-to-branch
    name: no-commit-to-branch
    entry: {peer}
    language: system
    pass_filenames: false
    always_run: true
"""


def run_pre_commit(opts: Options) -> list[Row]:
    pc = tool('pre-commit')
    peer = tool('no-commit-to-branch')
    wg = tool('worktree-guard')
    if pc is None or peer is None or wg is None:
        raise Unavailable('pre-commit, no-commit-to-branch or '
                          'worktree-guard is not installed')
    base = opts.workdir / 'pre-commit'
    base.mkdir()
    repo = make_repo(base / 'repo', files={
        '.pre-commit-config.yaml':
            PRE_COMMIT_CONFIG.format(wg=wg, peer=peer).encode()})
    git('switch', '-q', '-c', BRANCH, cwd=repo)
    _stage_ten(repo, 'main')
    suite = [pc, 'run', 'worktree-guard-commit']
    direct = [wg, 'check', '--hook', 'worktree-guard-commit', '--stage',
              'commit']
    cmds = [
        Cmd('suite', suite, repo, rc=rc_of(suite, repo)),
        Cmd('peer', [pc, 'run', 'no-commit-to-branch'], repo),
        Cmd('direct', direct, repo, rc=rc_of(direct, repo)),
    ]
    m = measure(cmds, opts.runs)
    return [
        Row('pre-commit', 'pre-commit run worktree-guard-commit',
            m['suite'], 'pre-commit run no-commit-to-branch', m['peer'],
            target=1.1),
        Row('pre-commit', 'worktree-guard check (its entry, run directly)',
            m['direct'], 'pre-commit run no-commit-to-branch', m['peer']),
    ]
