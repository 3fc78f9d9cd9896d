"""The reference-transaction hook's shell filter and its cache (issue 17):
Python starts only when a moved branch may be protected, and protected
branches hold exactly as before.  Since issue 23 the policy is the one
committed on the remote base (refs/remotes/origin/main), so the cache
depends on that ref's loose file and packed-refs, not on the working
tree's policy file.

Each test installs the hook with a wrapper as its interpreter, which logs
every start of Python, so the tests count starts rather than time them.
Commits use --no-verify: only the ref transaction runs."""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from worktree_guard.commands import reftx
from worktree_guard.commands.install import hook_script

SHELLS = [s for s in ('dash', 'bash') if shutil.which(s)]
POLICY = '.worktree-guard.yaml'


class Counted:
    """A clone whose reference-transaction hook logs each Python start."""

    def __init__(self, repo: RepoHandle, log: Path) -> None:
        self.repo = repo
        self.log = log

    def starts(self) -> int:
        return len(self.log.read_text().splitlines()) \
            if self.log.exists() else 0

    def cache(self, cwd: Path | None = None) -> Path:
        where = cwd or self.repo.path
        rel = git('rev-parse', '--git-dir', cwd=where).strip()
        return (where / rel).resolve() / reftx.CACHE_FILE

    def commit(self, cwd: Path | None = None) -> int:
        """An empty commit (no commit hooks); its exit code."""
        return self.repo.run_git('commit', '-q', '--no-verify',
                                 '--allow-empty', '-m', 'x',
                                 cwd=cwd).returncode

    def age(self, rel: str, seconds: float = 60) -> None:
        """Date a file in the past, as an edit made long ago."""
        when = time.time() - seconds
        os.utime(self.repo.path / rel, (when, when))


def _install(repo: RepoHandle, tmp_path: Path, shell: str,
             hooks: Path | None = None) -> Counted:
    log = tmp_path / f'python-starts-{shell}.log'
    wrapper = tmp_path / 'python-wrapper'
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\n'
                       f'exec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    script = hook_script('reference-transaction', str(wrapper))
    assert script.startswith('#!/bin/sh\n')
    hook = (hooks or repo.path / '.git' / 'hooks') / 'reference-transaction'
    hook.write_text(f'#!{shutil.which(shell)}\n' + script.split('\n', 1)[1])
    hook.chmod(0o755)
    return Counted(repo, log)


@pytest.fixture(params=SHELLS)
def counted(request: pytest.FixtureRequest, native_repo: RepoHandle,
            tmp_path: Path) -> Counted:
    return _install(native_repo, tmp_path, request.param)


def _common(c: Counted) -> Path:
    return (c.repo.path / '.git').resolve()


def _age_refs(c: Counted) -> None:
    """The clone's ref files are long past (the cache trusts none written
    within 2 s before it)."""
    common = _common(c)
    for f in (common / 'refs' / 'remotes' / 'origin',
              common / 'refs' / 'remotes' / 'origin' / 'main'):
        if f.exists():
            c.age(str(f), 60)


def _warm(c: Counted, branch: str = 'issue-1-work') -> None:
    """Move to an issue branch: Python runs once and writes the cache."""
    _age_refs(c)
    c.repo.git('switch', '-q', '-c', branch)
    assert c.starts() == 1
    common = _common(c)
    assert c.cache().read_text().split('\n')[:7] == [
        reftx.cache_stamp(), str(c.repo.path.resolve()), '2',
        str(common / 'refs' / 'remotes' / 'origin'),
        str(common / 'refs' / 'remotes' / 'origin' / 'main'), 'main',
        'master']


def _patterns(c: Counted) -> list[str]:
    lines = c.cache().read_text().split('\n')
    return [x for x in lines[3 + int(lines[2]):] if x]


def _publish(c: Counted, policy: str) -> None:
    """The remote's main gets ``policy`` committed, and it is fetched."""
    r = c.repo
    base = r.git('rev-parse', 'origin/main').strip()
    blob = r.run_git('hash-object', '-w', '--stdin',
                     input=policy).stdout.strip()
    tree = r.run_git('mktree', input=f'100644 blob {blob}\t{POLICY}\n'
                     ).stdout.strip()
    oid = r.git('commit-tree', '-m', 'policy', '-p', base, tree).strip()
    r.git('push', '-q', '--no-verify', 'origin', f'{oid}:refs/heads/main')
    r.git('fetch', '-q', 'origin')
    assert (_common(c) / 'refs' / 'remotes' / 'origin' / 'main').exists()


def test_issue_branch_commits_start_no_python(counted: Counted) -> None:
    c = counted
    _warm(c)
    for _ in range(3):
        assert c.commit() == 0
    head = c.repo.head()
    # From a subdirectory: git runs the hook at the worktree root.
    c.repo.git('update-ref', 'refs/heads/issue-2-other', head,
               cwd=c.repo.path / 'src')
    assert c.starts() == 1
    c.repo.git('branch', '-q', '-D', 'issue-2-other')
    assert c.starts() == 1
    c.repo.git('fetch', '-q')            # no branch moves: the old filter
    assert c.starts() == 1
    assert c.repo.git('log', '--format=%s', '-3').split() == ['x'] * 3


def test_protected_branches_still_run_python_and_are_refused(
        counted: Counted) -> None:
    c = counted
    _warm(c)
    assert c.commit() == 0
    side = c.repo.head()
    c.repo.git('switch', '-q', 'main')
    main = c.repo.head()
    before = c.starts()
    assert c.commit() != 0
    proc = c.repo.run_git('update-ref', 'refs/heads/main', side)
    assert proc.returncode != 0
    assert "protected branch 'main' may not move to" in proc.stderr
    # A transaction that also moves an issue branch: main still decides.
    proc = c.repo.run_git('update-ref', '--stdin', input=(
        f'update refs/heads/issue-1-work {main}\n'
        f'update refs/heads/main {side}\n'))
    assert proc.returncode != 0
    assert c.starts() == before + 3
    assert c.repo.head() == main
    assert c.repo.git('rev-parse', 'issue-1-work').strip() == side


def test_a_working_tree_policy_edit_does_not_count(counted: Counted) -> None:
    """Protecting the branch we are on in the working tree changes
    nothing: the committed policy of the remote base judges."""
    c = counted
    _warm(c)
    c.repo.write(POLICY, 'branches:\n  protected: [main, issue-1-work]\n')
    assert c.commit() == 0
    assert c.starts() == 1


@pytest.mark.parametrize('same_second', [False, True])
def test_a_fetched_policy_counts_on_the_next_transaction(
        counted: Counted, same_second: bool) -> None:
    c = counted
    _warm(c)
    _publish(c, 'branches:\n  protected: [main, issue-1-work]\n')
    if not same_second:   # the fetch long past; the cache still older
        ref = _common(c) / 'refs' / 'remotes' / 'origin' / 'main'
        when = time.time() - 1
        os.utime(ref, (when, when))
    assert c.commit() != 0
    assert c.starts() == 2
    assert _patterns(c) == ['issue-1-work', 'main']
    # A glob: release/* is protected from the next transaction on.
    _publish(c, 'branches:\n  protected: [main, "release/*"]\n')
    c.repo.git('branch', 'release/2.0')  # created: the remote lacks it, ok
    assert c.starts() == 3
    assert _patterns(c) == ['main', 'release/*']
    _age_refs(c)
    assert c.commit() == 0               # issue-1-work: no Python
    assert c.starts() == 3
    c.repo.git('switch', '-q', 'release/2.0')
    assert c.commit() != 0               # refused, by Python
    assert c.starts() == 4
    c.repo.git('switch', '-q', 'issue-1-work')
    assert c.commit() == 0
    assert c.starts() == 4


def _good(c: Counted) -> str:
    return c.cache().read_text()


@pytest.mark.parametrize('bad', [
    'foreign-stamp', 'old-format', 'empty', 'garbled', 'stamp-only',
    'other-root', 'odd-count-line', 'ref-moved', 'package-newer',
])
def test_an_untrusted_cache_starts_python(counted: Counted,
                                          bad: str) -> None:
    c = counted
    _warm(c)
    first = c.starts()
    good = _good(c)
    lines = good.split('\n')
    text = {
        'foreign-stamp': '\n'.join([lines[0] + '.dev1', *lines[1:]]),
        'old-format': '\n'.join(['worktree-guard-reftx-cache 1 0.1.0',
                                 *lines[1:]]),
        'empty': '',
        'garbled': '\x00\x01 junk\n',
        'stamp-only': lines[0] + '\n',
        'other-root': '\n'.join([lines[0], '/elsewhere', *lines[2:]]),
        'odd-count-line': '\n'.join([*lines[:2], 'maybe', *lines[3:]]),
    }.get(bad, good)
    c.cache().write_text(text)
    c.age(str(c.cache()), 30)
    if bad == 'ref-moved':     # a fetch (or a forger) moved origin/main
        c.repo.git('update-ref', 'refs/remotes/origin/main',
                   c.repo.git('rev-parse', 'origin/main').strip())
        ref = _common(c) / 'refs' / 'remotes' / 'origin' / 'main'
        os.utime(ref)
    elif bad == 'package-newer':     # written before this package was
        os.utime(c.cache(), (0, 0))
    assert c.commit() == 0
    assert c.starts() == first + 1
    _age_refs(c)
    assert c.commit() == 0           # Python wrote a good cache again
    assert c.starts() == first + 1


@pytest.mark.parametrize('how', ['WORKTREE_GUARD_PYTHON', 'GIT_COMMON_DIR',
                                 'git-dir-elsewhere'])
def test_set_ups_the_cache_does_not_speak_for(
        counted: Counted, tmp_path: Path, how: str) -> None:
    """Another interpreter, or a git dir and work tree that git was told
    about from elsewhere: Python decides."""
    c = counted
    _warm(c)
    root = c.repo.path
    head = c.repo.head()
    update = ['update-ref', 'refs/heads/issue-3-x', head]
    if how == 'WORKTREE_GUARD_PYTHON':
        proc = c.repo.run_git(*update, env={
            how: str(tmp_path / 'python-wrapper')})
    elif how == 'GIT_COMMON_DIR':
        proc = c.repo.run_git(*update, env={how: str(root / '.git')})
    else:
        proc = c.repo.run_git(f'--git-dir={root}/.git',
                              f'--work-tree={root}', *update, cwd=tmp_path)
    assert proc.returncode == 0, proc
    assert c.starts() == 2


def test_linked_worktrees_keep_their_own_cache(counted: Counted) -> None:
    c = counted
    _warm(c)
    wt = c.repo.path.parent / 'trees' / 'issue-2-wt'
    c.repo.git('worktree', 'add', '-q', '-b', 'issue-2-wt', str(wt))
    assert c.commit(wt) == 0
    assert c.cache(wt) != c.cache()
    assert c.cache(wt).read_text().split('\n')[1] == str(wt.resolve())
    assert c.cache().read_text().split('\n')[1] == \
        str(c.repo.path.resolve())
    n = c.starts()
    assert c.commit(wt) == 0
    assert c.starts() == n        # the worktree's own cache
    assert c.commit() == 0
    assert c.starts() == n        # and the main checkout's
    # A policy edit in the linked worktree's files counts for nothing.
    (wt / POLICY).write_text('branches:\n  protected: [main, issue-2-wt]\n')
    assert c.commit(wt) == 0
    assert c.starts() == n


def test_a_bare_repository_runs_python(native_repo: RepoHandle,
                                       tmp_path: Path) -> None:
    bare = tmp_path / 'bare.git'
    git('clone', '-q', '--bare', str(native_repo.remote), str(bare),
        cwd=tmp_path)
    c = _install(RepoHandle(bare, bare), tmp_path, 'sh', bare / 'hooks')
    head = git('rev-parse', 'main', cwd=bare).strip()
    for n in range(2):
        git('update-ref', f'refs/heads/issue-{n}-x', head, cwd=bare)
    assert c.starts() == 2
    assert not (bare / reftx.CACHE_FILE).exists()
