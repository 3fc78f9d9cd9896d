"""Server-side enforcement, end to end: a real bare repository with
`worktree-guard install --server`, served by a real `git daemon` on
127.0.0.1 and over file://, and clients that push with --no-verify (so no
client hook helps).  The repositories and the daemon are built once per
module; every test clones afresh and pushes its own branch names.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import Proc
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg

# One worker builds the module's server and daemon once.
pytestmark = pytest.mark.xdist_group('server')

LOOSE_POLICY = """\
rules:
  branch-name: off
  protected-branch: off
  worktree-paths: off
  sync-before-push: off
  worktree-layout: off
server:
  allow-skip: [branch-name, protected-branch, worktree-paths, sync-before-push]
"""
SERVER_POLICY = """\
# The server's policy: the defaults, and one rule pushers may skip.
version: 1
server:
  allow-skip: [sync-before-push]
"""
TIMEOUT = 120  # seconds any single git command may take


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        port: int = s.getsockname()[1]
        return port


class Daemon:
    """`git daemon` serving ``base`` on 127.0.0.1 with receive-pack on."""

    def __init__(self, base: Path, log: Path) -> None:
        self.base = base
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> None:
        for _ in range(5):  # a port taken between probe and bind: retry
            self.port = _free_port()
            with open(self.log, 'ab') as log:
                self.proc = subprocess.Popen(
                    ['git', 'daemon', '--reuseaddr', '--listen=127.0.0.1',
                     f'--port={self.port}', f'--base-path={self.base}',
                     '--export-all', '--enable=receive-pack',
                     '--informative-errors', '--max-connections=64',
                     str(self.base)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                )
            if self._wait_ready(deadline_s=15):
                return
            self.stop()
        raise AssertionError(f'git daemon did not start: '
                             f'{self.log.read_text()[-2000:]}')

    def _wait_ready(self, deadline_s: float) -> bool:
        import time
        assert self.proc is not None
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            try:
                with socket.create_connection(('127.0.0.1', self.port),
                                              timeout=1):
                    return True
            except OSError:
                pass
            try:  # the bounded wait between probes; ends early if it died
                self.proc.wait(timeout=0.05)
                return False
            except subprocess.TimeoutExpired:
                continue
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover (hung daemon)
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def url(self, name: str) -> str:
        return f'git://127.0.0.1:{self.port}/{name}'


class Server:
    """The module's bare repositories (one per transport) and their URLs."""

    def __init__(self, root: Path, daemon: Daemon, first: str,
                 second: str) -> None:
        self.root = root
        self.daemon = daemon
        self.first = first    # main~1
        self.second = second  # main

    def bare(self, transport: str) -> Path:
        return self.root / f'{transport}.git'

    def url(self, transport: str) -> str:
        if transport == 'daemon':
            return self.daemon.url('daemon.git')
        return self.bare(transport).as_uri()

    def git(self, transport: str, *args: str, check: bool = True) -> str:
        return git('--git-dir', str(self.bare(transport)), *args,
                   cwd=self.root, check=check)

    def ref(self, transport: str, ref: str) -> str | None:
        out = self.git(transport, 'rev-parse', '-q', '--verify', ref,
                       check=False).strip()
        return out or None

    def has_object(self, transport: str, oid: str) -> bool:
        return run(['git', '--git-dir', str(self.bare(transport)),
                    'cat-file', '-e', oid], cwd=self.root).returncode == 0


def _seed_bare(root: Path) -> tuple[Path, str, str]:
    """A bare repo whose main has two commits and the server's policy."""
    bare = root / 'seed.git'
    work = root / 'seed'
    git('init', '-q', '--bare', '-b', 'main', str(bare), cwd=root)
    git('init', '-q', '-b', 'main', str(work), cwd=root)
    (work / 'README.md').write_text('# demo\n\nSee docs/guide.md.\n')
    (work / 'docs').mkdir()
    (work / 'docs' / 'guide.md').write_text('# Guide\n\n[up](../README.md)\n')
    (work / '.gitignore').write_text('trees/\n')
    (work / '.worktree-guard.yaml').write_text(SERVER_POLICY)
    git('add', '-A', cwd=work)
    git('commit', '-q', '-m', 'initial', cwd=work)
    first = git('rev-parse', 'HEAD', cwd=work).strip()
    (work / 'src').mkdir()
    (work / 'src' / 'app.py').write_text('print("hello")\n')
    git('add', '-A', cwd=work)
    git('commit', '-q', '-m', 'second', cwd=work)
    second = git('rev-parse', 'HEAD', cwd=work).strip()
    git('push', '-q', str(bare), 'main', cwd=work)
    return bare, first, second


def _install(bare: Path) -> None:
    proc = wg('install', '--server', str(bare), cwd=bare.parent)
    assert proc.returncode == 0, proc
    assert (bare / 'hooks' / 'pre-receive').exists()


@pytest.fixture(scope='module')
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp('server')
    seed, first, second = _seed_bare(root)
    for name in ('daemon', 'file', 'load'):
        shutil.copytree(seed, root / f'{name}.git', symlinks=True)
        _install(root / f'{name}.git')
    daemon = Daemon(root, root / 'daemon.log')
    daemon.start()
    try:
        yield Server(root, daemon, first, second)
    finally:
        daemon.stop()


class Client:
    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str) -> str:
        return git(*args, cwd=self.path)

    def commit(self, files: dict[str, str], message: str = 'change') -> str:
        for rel, content in files.items():
            p = self.path / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content)
            self.git('add', '--', rel)
        self.git('commit', '-q', '--no-verify', '-m', message)
        return self.git('rev-parse', 'HEAD').strip()

    def push(self, *args: str) -> Proc:
        return run(['git', 'push', '--no-verify', 'origin', *args],
                   cwd=self.path, timeout=TIMEOUT)


@pytest.fixture(params=['daemon', 'file'])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(server: Server, transport: str, tmp_path: Path) -> Client:
    dest = tmp_path / 'client'
    run(['git', 'clone', '-q', server.url(transport), str(dest)],
        cwd=tmp_path, check=True, timeout=TIMEOUT)
    return Client(dest)


def _refused(proc: Proc, ref: str, rule: str) -> None:
    assert proc.returncode != 0, proc
    assert 'pre-receive hook declined' in proc.stderr, proc
    assert f'worktree-guard: refused refs/heads/{ref} (' in proc.stderr, proc
    line = next(ln for ln in proc.stderr.splitlines()
                if f'refused refs/heads/{ref} (' in ln)
    assert rule in line, proc
    assert 'Traceback' not in proc.output


# -- the issue's "done when" ---------------------------------------------------------

def test_branch_hotfix_is_refused(server: Server, transport: str,
                                  client: Client) -> None:
    client.git('switch', '-q', '-c', 'hotfix')
    oid = client.commit({'src/fix.py': 'x = 1\n'})
    proc = client.push('hotfix')
    _refused(proc, 'hotfix', 'branch-name')
    assert "remote branch 'hotfix' does not match" in proc.stderr
    assert server.ref(transport, 'refs/heads/hotfix') is None
    # git's quarantine dropped the pushed objects; the hook kept it so.
    assert not server.has_object(transport, oid)


def test_good_issue_branch_is_accepted(server: Server, transport: str,
                                       client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-7-fix')
    oid = client.commit({'src/fix.py': 'x = 1\n'})
    proc = client.push('issue-7-fix')
    assert proc.returncode == 0, proc
    assert 'refused' not in proc.stderr
    assert server.ref(transport, 'refs/heads/issue-7-fix') == oid
    assert server.has_object(transport, oid)


def test_branch_behind_main_is_refused(server: Server, transport: str,
                                       client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-11-behind', server.first)
    oid = client.commit({'docs/more.md': 'more\n'})
    proc = client.push('issue-11-behind')
    _refused(proc, 'issue-11-behind', 'sync-before-push')
    assert server.ref(transport, 'refs/heads/issue-11-behind') is None
    assert not server.has_object(transport, oid)


def test_relative_escape_is_refused(server: Server, transport: str,
                                    client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-12-escape')
    # The server has no disk to look at: a folder named like a worktree
    # is its evidence (a plain climb only warns there, docs/paths.md).
    oid = client.commit({'notes.md': 'Config lives in ../issue-9-other/x\n'})
    proc = client.push('issue-12-escape')
    _refused(proc, 'issue-12-escape', 'worktree-paths')
    assert '../issue-9-other/x' in proc.stderr
    assert not server.has_object(transport, oid)


def test_escaping_symlink_is_refused(server: Server, transport: str,
                                     client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-13-link')
    os.symlink('../main-repo/x', client.path / 'shared')
    client.git('add', 'shared')
    oid = client.commit({}, 'add a link')
    proc = client.push('issue-13-link')
    _refused(proc, 'issue-13-link', 'worktree-paths')
    assert 'escaping-symlink' in proc.stderr
    assert not server.has_object(transport, oid)


def test_force_push_to_main_is_refused(server: Server, transport: str,
                                       client: Client) -> None:
    client.git('reset', '-q', '--hard', server.first)
    oid = client.commit({'src/other.py': 'y = 2\n'})
    proc = client.push('--force', 'main')
    _refused(proc, 'main', 'protected-branch')
    assert 'protected-branch/force-push' in proc.stderr
    assert server.ref(transport, 'refs/heads/main') == server.second
    assert not server.has_object(transport, oid)


def test_policy_edit_in_the_push_does_not_loosen_it(
        server: Server, transport: str, client: Client) -> None:
    """Switching every rule off in the pushed policy changes nothing: the
    server reads its policy from its own main."""
    client.git('switch', '-q', '-c', 'hotfix-loose')
    oid = client.commit({'.worktree-guard.yaml': LOOSE_POLICY},
                        'switch the rules off')
    proc = client.push('-o', 'worktree-guard.skip=branch-name',
                       'hotfix-loose')
    _refused(proc, 'hotfix-loose', 'branch-name')
    assert ("judged by the server's policy: "
            'refs/heads/main:.worktree-guard.yaml at') in proc.stderr
    assert 'server.allow-skip does not list it' in proc.stderr
    assert not server.has_object(transport, oid)


def test_policy_edit_with_an_escaping_path_is_refused(
        server: Server, transport: str, client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-14-loosen')
    oid = client.commit({'.worktree-guard.yaml': LOOSE_POLICY,
                         'notes.md': 'see ../issue-9-other/x\n'})
    proc = client.push('issue-14-loosen')
    _refused(proc, 'issue-14-loosen', 'worktree-paths')
    assert not server.has_object(transport, oid)


# -- more of the contract ------------------------------------------------------------

def test_one_bad_ref_refuses_the_whole_push(server: Server, transport: str,
                                            client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-15-multi')
    good = client.commit({'src/a.py': 'a = 1\n'})
    client.git('switch', '-q', '-c', 'wip-multi')
    bad = client.commit({'src/b.py': 'b = 1\n'})
    proc = client.push('issue-15-multi', 'wip-multi')
    _refused(proc, 'wip-multi', 'branch-name')
    assert '1 of 2 refs broke the policy; no ref was updated' in proc.stderr
    assert 'refused refs/heads/issue-15-multi' not in proc.stderr
    assert server.ref(transport, 'refs/heads/issue-15-multi') is None
    assert not server.has_object(transport, good)
    assert not server.has_object(transport, bad)


def test_allowed_skip_is_honoured_and_logged(server: Server, transport: str,
                                             client: Client) -> None:
    client.git('switch', '-q', '-c', 'issue-16-skip', server.first)
    oid = client.commit({'docs/skip.md': 'skip\n'})
    proc = client.push('-o', 'worktree-guard.skip=sync-before-push',
                       'issue-16-skip')
    assert proc.returncode == 0, proc
    assert ('worktree-guard: skipping sync-before-push (push option '
            'worktree-guard.skip; allowed by server.allow-skip)'
            in proc.stderr), proc
    assert server.ref(transport, 'refs/heads/issue-16-skip') == oid


def test_tags_and_deletions(server: Server, transport: str,
                            client: Client) -> None:
    client.git('tag', f'v1-{transport}')
    client.git('switch', '-q', '-c', 'issue-17-gone')
    client.commit({'src/gone.py': 'gone = 1\n'})
    assert client.push(f'v1-{transport}', 'issue-17-gone').returncode == 0
    proc = client.push('--delete', 'issue-17-gone')
    assert proc.returncode == 0, proc
    assert server.ref(transport, 'refs/heads/issue-17-gone') is None
    proc = client.push('--delete', 'main')
    _refused(proc, 'main', 'protected-branch')
    assert 'protected-branch/delete' in proc.stderr
    assert server.ref(transport, 'refs/heads/main') == server.second


def test_pushing_an_invalid_policy_to_main_is_refused(
        server: Server, transport: str, client: Client) -> None:
    """A broken policy on main would refuse every later push (its fix
    included), so the push that would put it there is refused."""
    oid = client.commit({'.worktree-guard.yaml': 'rules: [nope\n'})
    proc = client.push('main')
    _refused(proc, 'main', 'server-policy')
    assert 'server-policy/invalid' in proc.stderr
    assert server.ref(transport, 'refs/heads/main') == server.second
    assert not server.has_object(transport, oid)


# -- the update hook -------------------------------------------------------------------

def test_update_hook_judges_each_ref(tmp_path: Path) -> None:
    """For servers that run only per-ref hooks: the same judgement, one ref
    at a time (git moved the objects out of quarantine already)."""
    bare, _first, second = _seed_bare(tmp_path)
    hook = bare / 'hooks' / 'update'
    hook.write_text(
        '#!/bin/sh\nexec worktree-guard update --gitlab "$@"\n')
    hook.chmod(0o755)
    work = tmp_path / 'c'
    git('clone', '-q', bare.as_uri(), str(work), cwd=tmp_path)
    c = Client(work)
    c.git('switch', '-q', '-c', 'issue-20-ok')
    good = c.commit({'a.txt': 'a\n'})
    c.git('switch', '-q', '-c', 'nope')
    c.commit({'b.txt': 'b\n'})
    proc = c.push('issue-20-ok', 'nope')
    assert proc.returncode != 0
    assert ('GL-HOOK-ERR: worktree-guard: refused refs/heads/nope '
            '(branch-name)') in proc.stderr, proc
    assert 'refs/heads/nope was not updated' in proc.stderr
    # Per-ref semantics: the good ref of the same push went in.
    assert git('--git-dir', str(bare), 'rev-parse', 'issue-20-ok',
               cwd=tmp_path).strip() == good
    assert git('--git-dir', str(bare), 'rev-parse', 'main',
               cwd=tmp_path).strip() == second


# -- load ------------------------------------------------------------------------------

@pytest.mark.slow
def test_twenty_concurrent_pushes_over_git_daemon(server: Server,
                                                   tmp_path: Path) -> None:
    """20 clients push at once over git daemon, half good and half bad;
    each gets its own verdict, the refs end as the good pushes left them,
    and fsck is clean."""
    template = tmp_path / 'template'
    url = server.daemon.url('load.git')
    run(['git', 'clone', '-q', url, str(template)], cwd=tmp_path, check=True,
        timeout=TIMEOUT)
    jobs: list[tuple[Client, list[str], bool, str, str]] = []
    for i in range(20):
        dest = tmp_path / f'c{i}'
        shutil.copytree(template, dest, symlinks=True)
        c = Client(dest)
        kind = ('good', 'bad-name', 'force-main', 'loosen')[
            0 if i % 2 == 0 else 1 + (i // 2) % 3]
        if kind == 'good':
            branch = f'issue-{100 + i}-load'
            c.git('switch', '-q', '-c', branch)
            oid = c.commit({f'src/load_{i}.py': f'n = {i}\n'})
            jobs.append((c, [branch], True, branch, oid))
        elif kind == 'bad-name':
            branch = f'wip-load-{i}'
            c.git('switch', '-q', '-c', branch)
            oid = c.commit({f'src/load_{i}.py': f'n = {i}\n'})
            jobs.append((c, [branch], False, branch, oid))
        elif kind == 'force-main':
            c.git('reset', '-q', '--hard', server.first)
            oid = c.commit({f'src/load_{i}.py': f'n = {i}\n'})
            jobs.append((c, ['--force', 'main'], False, 'main', oid))
        else:
            branch = f'hotfix-load-{i}'
            c.git('switch', '-q', '-c', branch)
            oid = c.commit({'.worktree-guard.yaml': LOOSE_POLICY})
            jobs.append((c, [branch], False, branch, oid))
    assert sum(1 for j in jobs if j[2]) == 10

    def push(job: tuple[Client, list[str], bool, str, str]) -> Proc:
        return job[0].push(*job[1])

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(push, jobs, timeout=4 * TIMEOUT))

    for (_c, _args, good, branch, oid), proc in zip(jobs, results, strict=True):
        if good:
            assert proc.returncode == 0, (branch, proc)
        else:
            assert proc.returncode != 0, (branch, proc)
            assert 'pre-receive hook declined' in proc.stderr, (branch, proc)
            assert f'refused refs/heads/{branch} (' in proc.stderr, proc
            assert not server.has_object('load', oid), branch
    refs = dict(
        line.split(' ')[::-1] for line in server.git(
            'load', 'for-each-ref', '--format=%(objectname) %(refname)',
            'refs/heads').splitlines())
    expected = {f'refs/heads/{branch}': oid
                for _c, _a, good, branch, oid in jobs if good}
    expected['refs/heads/main'] = server.second
    assert refs == expected
    fsck = run(['git', '--git-dir', str(server.bare('load')), 'fsck',
                '--strict', '--no-progress'], cwd=tmp_path, timeout=TIMEOUT)
    assert fsck.returncode == 0, fsck
    assert 'error' not in fsck.output and 'missing' not in fsck.output, fsck
