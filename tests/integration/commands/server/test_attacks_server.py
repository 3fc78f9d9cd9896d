"""The red team's server bypasses (issue 13), rebuilt against real servers:
file://, ``git daemon`` and ``git http-backend`` behind lighttpd, each on
127.0.0.1, started and stopped here.  The clients push with --no-verify:
no client hook helps.  Each test gets a fresh bare repository with
``worktree-guard install --server``; a server process serves them all.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests import gitserver
from tests.helpers import Proc
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300),
              pytest.mark.xdist_group('attacks')]

POLICY = """\
version: 1
server:
  policy-admins: [alice]
"""
LAX = """\
version: 1
rules:
  branch-name: off
  protected-branch: off
  worktree-paths: off
  sync-before-push: off
"""
# The server has no disk to look at: a folder named like a worktree is
# its evidence (a plain climb only warns there, docs/paths.md).
ESCAPE = {'notes.txt': 'cd ../issue-9-other && make\n'}


class Site:
    """One server process and the repositories it serves."""

    def __init__(self, kind: str, root: Path, template: Path) -> None:
        self.kind = kind
        self.root = root
        self.template = template
        self.server = gitserver.start(kind, root)
        self._n = 0

    def new_repo(self) -> Repo:
        self._n += 1
        bare = self.root / f'r{self._n}.git'
        shutil.copytree(self.template, bare, symlinks=True)
        work = self.root.parent / f'{self.kind}-w{self._n}'
        git('clone', '-q', str(bare), str(work), cwd=self.root)
        return Repo(self, bare, work, self.server.url(bare.name))


class Repo:
    def __init__(self, site: Site, bare: Path, work: Path, url: str) -> None:
        self.site = site
        self.bare = bare
        self.work = work
        self.url = url

    def srv(self, *args: str, check: bool = True) -> str:
        return git('--git-dir', str(self.bare), *args, cwd=self.bare,
                   check=check)

    def ref(self, ref: str) -> str | None:
        return self.srv('rev-parse', '-q', '--verify', ref,
                        check=False).strip() or None

    def commit(self, files: dict[str, str], base: str = 'origin/main',
               message: str = 'change') -> str:
        git('checkout', '-q', '--detach', base, cwd=self.work)
        for rel, content in files.items():
            p = self.work / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content)
            git('add', '--', rel, cwd=self.work)
        git('commit', '-q', '--allow-empty', '-m', message, cwd=self.work)
        return git('rev-parse', 'HEAD', cwd=self.work).strip()

    def plant(self, oid: str, ref: str) -> None:
        """Write ``ref`` on the server, as an admin would (no hook)."""
        git('branch', '-f', 'planted', oid, cwd=self.work)
        self.srv('fetch', '-q', str(self.work), f'+refs/heads/planted:{ref}')

    def push(self, *refspecs: str, user: str | None = None,
             env: dict[str, str] | None = None) -> Proc:
        url = self.site.server.url(self.bare.name, user) if user else self.url
        proc = run(['git', 'push', '--no-verify', '--porcelain', url,
                    *refspecs], cwd=self.work, env=env, timeout=120)
        assert 'Traceback' not in proc.stderr
        return proc


def _template(root: Path) -> Path:
    bare = root / 'template.git'
    work = root / 'template'
    git('init', '-q', '--bare', '-b', 'main', str(bare), cwd=root)
    git('init', '-q', '-b', 'main', str(work), cwd=root)
    (work / '.worktree-guard.yaml').write_text(POLICY)
    (work / '.gitignore').write_text('trees/\n')
    (work / 'README.md').write_text('# demo\n')
    git('add', '-A', cwd=work)
    git('commit', '-q', '-m', 'initial', cwd=work)
    git('push', '-q', str(bare), 'main', cwd=work)
    git('--git-dir', str(bare), 'config', 'http.receivepack', 'true',
        cwd=root)
    proc = wg('install', '--server', str(bare), cwd=root)
    assert proc.returncode == 0, proc
    return bare


@pytest.fixture(scope='module')
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _template(tmp_path_factory.mktemp('template'))


@pytest.fixture(scope='module', params=['file', 'daemon', 'http'])
def site(request: pytest.FixtureRequest, template: Path,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    kind = str(request.param)
    root = tmp_path_factory.mktemp(f'srv-{kind}') / 'repos'
    root.mkdir()
    s = Site(kind, root, template)
    try:
        yield s
    finally:
        s.server.close()


@pytest.fixture
def repo(site: Site) -> Repo:
    return site.new_repo()


def refused(proc: Proc, ref: str) -> None:
    assert proc.returncode != 0, proc
    assert f'!\t{ref}' in proc.stdout or 'pre-receive hook declined' in \
        proc.stdout + proc.stderr, proc


# -- refs/replace ------------------------------------------------------------------

def test_pushed_replace_ref_is_refused(repo: Repo) -> None:
    main = repo.ref('refs/heads/main')
    assert main is not None
    twin = repo.commit({'.worktree-guard.yaml': LAX})
    proc = repo.push(f'{twin}:refs/replace/{main}')
    refused(proc, f'refs/replace/{main}')
    assert 'outside refs/heads/ and refs/tags/' in proc.stderr
    assert repo.ref(f'refs/replace/{main}') is None


def test_replace_ref_on_the_server_is_never_honoured(repo: Repo) -> None:
    """Even a replace ref already on the server (an admin's slip, an old
    push) does not swap the policy or hide an escaping commit."""
    main = repo.ref('refs/heads/main')
    assert main is not None
    lax = repo.commit({'.worktree-guard.yaml': LAX})
    # Put the object there without the hook, then replace main with it.
    repo.plant(lax, 'refs/incoming/lax')
    repo.srv('replace', main, lax)
    bad = repo.commit(ESCAPE)
    proc = repo.push(f'{bad}:refs/heads/issue-2-bad')
    refused(proc, 'refs/heads/issue-2-bad')
    assert 'worktree-paths' in proc.stderr
    assert repo.ref('refs/heads/issue-2-bad') is None


# -- laundering through another ref ----------------------------------------------------

@pytest.mark.parametrize('holder', ['refs/tags/v1', 'refs/x/y',
                                    'refs/remotes/origin/issue-3-bad'])
def test_laundering_through_another_ref(repo: Repo, holder: str) -> None:
    bad = repo.commit(ESCAPE)
    proc = repo.push(f'{bad}:{holder}')
    refused(proc, holder)
    assert repo.ref(holder) is None
    # Were it there anyway (written on the server), a branch that takes
    # the commit is judged on it: only branches count as judged.
    repo.plant(bad, holder)
    proc = repo.push(f'{bad}:refs/heads/issue-3-bad')
    refused(proc, 'refs/heads/issue-3-bad')
    assert 'worktree-paths' in proc.stderr
    assert repo.ref('refs/heads/issue-3-bad') is None


def test_clean_tags_pass(repo: Repo) -> None:
    ok = repo.commit({'src/a.py': 'print(1)\n'})
    proc = repo.push(f'{ok}:refs/tags/v2')
    assert proc.returncode == 0, proc
    assert repo.ref('refs/tags/v2') == ok


# -- the policy -----------------------------------------------------------------------

def test_fast_forward_to_main_that_switches_rules_off(repo: Repo) -> None:
    loose = repo.commit({'.worktree-guard.yaml': LAX + 'server:\n'
                         '  policy-admins: [alice]\n'})
    proc = repo.push(f'{loose}:refs/heads/main')
    refused(proc, 'refs/heads/main')
    assert 'server-policy/loosened' in proc.stderr
    assert 'rules.branch-name: error -> off' in proc.stderr
    assert repo.ref('refs/heads/main') != loose
    if repo.site.kind == 'http':
        # eve is authenticated but no policy admin; alice is.
        proc = repo.push(f'{loose}:refs/heads/main', user='eve')
        assert 'and eve is not listed' in proc.stderr
        refused(proc, 'refs/heads/main')
        proc = repo.push(f'{loose}:refs/heads/main', user='alice')
        assert proc.returncode == 0, proc
        assert 'alice (server.policy-admins) loosens the policy' in \
            proc.stderr
        assert repo.ref('refs/heads/main') == loose
    else:
        # Tightening is always allowed.
        tight = repo.commit({'.worktree-guard.yaml': POLICY + 'paths:\n'
                             '  max-file-size: 1KiB\n'})
        assert repo.push(f'{tight}:refs/heads/main').returncode == 0


def test_dangling_head_cannot_be_taken_over(repo: Repo) -> None:
    """``git init --bare`` made master; the team pushes main.  Creating
    master with a loose policy does not take the policy over."""
    repo.srv('symbolic-ref', 'HEAD', 'refs/heads/master')
    lax = repo.commit({'.worktree-guard.yaml': LAX})
    proc = repo.push(f'{lax}:refs/heads/master')
    assert proc.returncode != 0
    assert 'refs/heads/master' in proc.stderr
    assert 'does not exist, so every push is refused' in proc.stderr
    assert repo.ref('refs/heads/master') is None


def test_first_push_into_an_empty_repository(site: Site) -> None:
    repo = site.new_repo()
    repo.srv('update-ref', '-d', 'refs/heads/main')
    main = git('rev-parse', 'origin/main', cwd=repo.work).strip()
    proc = repo.push(f'{main}:refs/heads/main')
    assert proc.returncode == 0, proc
    assert repo.ref('refs/heads/main') == main


def test_pushed_remote_tracking_ref_cannot_switch_the_base(
        site: Site) -> None:
    """A master-based server: a pushed refs/remotes/origin/main (even where
    server.allowed-refs admits it) is no base for the sync check."""
    repo = site.new_repo()
    main = repo.ref('refs/heads/main')
    assert main is not None
    widen = repo.commit({'.worktree-guard.yaml': POLICY + '  allowed-refs: '
                         '[refs/remotes/**]\n'})
    repo.plant(widen, 'refs/heads/master')
    repo.srv('symbolic-ref', 'HEAD', 'refs/heads/master')
    repo.srv('update-ref', '-d', 'refs/heads/main')
    # An old base, pushed as the remote-tracking main...
    proc = repo.push(f'{main}:refs/remotes/origin/main')
    assert proc.returncode == 0, proc
    # ...and a branch on it, behind master: still behind.
    old = repo.commit({'src/b.py': 'print(2)\n'}, base=main)
    proc = repo.push(f'{old}:refs/heads/issue-4-old')
    refused(proc, 'refs/heads/issue-4-old')
    assert 'sync-before-push' in proc.stderr
    assert repo.ref('refs/heads/issue-4-old') is None


# -- load --------------------------------------------------------------------------------

def test_twenty_concurrent_pushes_over_http(site: Site) -> None:
    if site.kind != 'http':
        pytest.skip('the load test runs over HTTP only')
    repo = site.new_repo()
    jobs = []
    for i in range(1, 21):
        files = ESCAPE if i % 2 else {f'src/f{i}.py': f'print({i})\n'}
        jobs.append((f'refs/heads/issue-{i}-load', repo.commit(files),
                     bool(i % 2)))
    with ThreadPoolExecutor(20) as pool:
        procs = list(pool.map(lambda j: repo.push(f'{j[1]}:{j[0]}'), jobs))
    for (ref, oid, bad), proc in zip(jobs, procs, strict=True):
        if bad:
            refused(proc, ref)
            assert repo.ref(ref) is None
        else:
            assert proc.returncode == 0, proc
            assert repo.ref(ref) == oid
    fsck = run(['git', '--git-dir', str(repo.bare), 'fsck', '--strict'],
               cwd=repo.bare)
    assert fsck.returncode == 0, fsck
    assert 'error' not in fsck.stderr.lower()


def test_pushed_alias_bomb_policy_is_refused_fast(repo: Repo) -> None:
    lines = ['version: 1', 'x0: &x0 [a, a, a, a, a, a, a, a, a]']
    for i in range(1, 12):
        lines.append(f'x{i}: &x{i} [' + ', '.join([f'*x{i - 1}'] * 9) + ']')
    bombed = repo.commit({'.worktree-guard.yaml': '\n'.join(lines) + '\n'})
    proc = repo.push(f'{bombed}:refs/heads/main')
    refused(proc, 'refs/heads/main')
    assert 'server-policy/invalid' in proc.stderr
    assert 'expands to more than 10000 YAML nodes' in proc.stderr
