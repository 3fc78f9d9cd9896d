"""The pre-push check without the fetch (``sync.fetch: false``), against a
bare ``git merge-base --is-ancestor`` plus the interpreter's start-up, in
the same run.

The candidate is the native ``pre-push`` hook fed one ref line, as git feeds
it: first with only ``sync-before-push`` running (the other push rules
skipped through ``WORKTREE_GUARD_SKIP``), then the whole push suite.  The
pushed commits add real files (issue 26: the standard library's sources,
``server.real_blob``).
"""
from __future__ import annotations

from pathlib import Path

from common import PYTHON
from common import ZERO
from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import add_remote
from common import git
from common import install_native
from common import make_repo
from common import measure
from common import run as sh
from common import write_files
from server import real_blob
from server import real_name

POLICY = b'version: 1\nsync:\n  fetch: false\n'
BRANCH = 'issue-4-push-speed'
SYNC_ONLY = 'branch-name,protected-branch,worktree-paths'


def _line(repo: Path, branch: str) -> bytes:
    oid = git('rev-parse', branch, cwd=repo).strip()
    return f'refs/heads/{branch} {oid} refs/heads/{branch} {ZERO}\n'.encode()


def build(opts: Options) -> tuple[Path, str]:
    base = opts.workdir / 'push'
    base.mkdir()
    repo = make_repo(base / 'repo', files={'.worktree-guard.yaml': POLICY})
    remote = add_remote(repo)
    # A branch that is behind origin/main: the availability probe.
    git('branch', 'issue-4-behind', cwd=repo)
    write_files(repo, {'docs/more.md': b'more\n'})
    git('add', '-A', cwd=repo)
    git('commit', '-q', '-m', 'main moves on', cwd=repo)
    git('push', '-q', 'origin', 'main', cwd=repo)
    # The measured branch: three commits on top of origin/main.
    git('switch', '-q', '-c', BRANCH, cwd=repo)
    for i in range(3):
        write_files(repo, {real_name(i): real_blob(i)})
        git('add', '-A', cwd=repo)
        git('commit', '-q', '-m', f'step {i}', cwd=repo)
    install_native(repo)
    return repo, str(remote)


def run(opts: Options) -> list[Row]:
    repo, url = build(opts)
    hook = str(repo / '.git' / 'hooks' / 'pre-push')
    probe = sh([hook, 'origin', url], repo, input=_line(repo, 'issue-4-behind'),
               env={'WORKTREE_GUARD_SKIP': SYNC_ONLY}, check=False)
    if probe.returncode != 1:
        raise Unavailable('sync-before-push does not refuse a branch that '
                          'is behind origin/main yet (issue 4)')
    line = _line(repo, BRANCH)
    tip = git('rev-parse', BRANCH, cwd=repo).strip()
    cmds = [
        Cmd('sync', [hook, 'origin', url], repo, stdin=line,
            env={'WORKTREE_GUARD_SKIP': SYNC_ONLY}),
        Cmd('suite', [hook, 'origin', url], repo, stdin=line),
        Cmd('mergebase', ['git', 'merge-base', '--is-ancestor',
                          'refs/remotes/origin/main', tip], repo),
        Cmd('py', [PYTHON, '-c', 'pass'], repo),
        Cmd('pyIS', [PYTHON, '-I', '-S', '-c', 'pass'], repo),
    ]
    m = measure(cmds, opts.runs)
    base = m['mergebase'] + m['py']
    base_is = m['mergebase'] + m['pyIS']
    return [
        Row('push', 'pre-push hook, sync-before-push only (no fetch)',
            m['sync'], 'merge-base --is-ancestor + python -c pass', base,
            target=3.0),
        Row('push', 'pre-push hook, sync-before-push only (no fetch)',
            m['sync'], 'merge-base --is-ancestor + python -I -S -c pass',
            base_is),
        Row('push', 'pre-push hook, the whole push suite (no fetch)',
            m['suite'], 'merge-base --is-ancestor + python -c pass', base),
        Row('push', 'git merge-base --is-ancestor', m['mergebase'],
            'python -c pass', m['py']),
    ]
