"""The server hook's speed work (issue 17), with real git: the arguments
read without argparse, one runner pass whose refs share their git reads
(counted with GIT_TRACE on a real `git push`), and the policy read that
starts no git while the policy ref stands still.  No timings: the bench
measures those."""
from __future__ import annotations

import io
import marshal
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import worktree_guard
from tests.helpers import git
from tests.helpers import run
from worktree_guard import server_guard
from worktree_guard.cli import main as cli_main
from worktree_guard.cli import parser
from worktree_guard.commands import server
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import receive
from worktree_guard.gitctx import repo as repo_mod
from worktree_guard.model import ZERO_OID
from worktree_guard.policy.cache import load_memo
from worktree_guard.policy.cache import save_memo

POLICY = 'version: 1\n'
LOOSE = 'rules:\n  branch-name: off\n  sync-before-push: off\n'
# The git reads the hook starts (git's own receive-pack children differ:
# `rev-list --objects`, `for-each-ref`, `pack-objects`, `index-pack`).
HOOK_READS = re.compile(r'trace: built-in: git (rev-list --first-parent|'
                        r'rev-list --left-right|diff-tree|cat-file|'
                        r'rev-parse --verify|merge-base|ls-tree|grep)')


# -- the arguments, without argparse ---------------------------------------------------

@pytest.mark.parametrize('hook, argv', [
    ('pre-receive', []), ('pre-receive', ['--gitlab']),
    ('pre-receive', ['--policy-ref', 'refs/meta/policy']),
    ('pre-receive', ['--policy-ref=main', '--gitlab']),
    ('pre-receive', ['--policy', 'p.yaml']),
    ('pre-receive', ['--gitlab', '--policy=/srv/p.yaml']),
    ('update', ['refs/heads/x', 'a' * 40, 'b' * 40]),
    ('update', ['--gitlab', 'refs/heads/x', 'a', 'b']),
    ('update', ['refs/heads/x', '--policy-ref', 'main', 'a', 'b']),
])
def test_fast_args_match_argparse(hook: str, argv: list[str]) -> None:
    fast = server.fast_args(hook, argv)
    assert fast is not None
    ns = parser().parse_args([hook, *argv])
    assert (fast.hook, fast.gitlab, fast.policy_ref, fast.policy_path) == (
        hook, ns.gitlab, ns.policy_ref, ns.policy)
    assert fast.ref_args == ([ns.ref, ns.old, ns.new] if hook == 'update'
                             else [])


@pytest.mark.parametrize('hook, argv', [
    ('pre-receive', ['-h']), ('pre-receive', ['--gitl']),
    ('pre-receive', ['--policy']), ('pre-receive', ['--policy', '--gitlab']),
    ('pre-receive', ['--policy', 'a', '--policy-ref', 'b']),
    ('pre-receive', ['--policy-ref=a', '--policy-ref=b']),
    ('pre-receive', ['word']), ('update', ['refs/heads/x', 'a']),
    ('update', ['refs/heads/x', 'a', 'b', 'c']),
])
def test_fast_args_leave_the_rest_to_argparse(hook: str,
                                              argv: list[str]) -> None:
    assert server.fast_args(hook, argv) is None


def test_argparse_still_reads_what_the_fast_reader_leaves() -> None:
    opts = server.parse_args('pre-receive', ['--gitl', '--policy-r', 'x'])
    assert not isinstance(opts, int)
    assert (opts.gitlab, opts.policy_ref) == (True, 'x')


def test_pre_receive_imports_no_argparse(tmp_path: Path) -> None:
    b = _bare(tmp_path)
    new = _incoming(b, 'issue-1-a', {'a.txt': 'a\n'})
    code = ('import sys\n'
            'from worktree_guard.cli import main\n'
            "rc = main(['pre-receive', '--gitlab'])\n"
            "print('argparse' in sys.modules, rc)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
    env['GIT_DIR'] = '.'
    out = subprocess.run([sys.executable, '-I', '-c', code], cwd=b.bare,
                         env=env, capture_output=True, text=True,
                         input=f'{ZERO_OID} {new} refs/heads/issue-1-a\n')
    assert out.stdout.split() == ['False', '0'], out


# -- a real server: shared reads, counted -----------------------------------------------

class Server:
    """A bare repository with the installed hook, and a client clone."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / 'srv.git'
        self.work = root / 'work'

    def git(self, *args: str) -> str:
        return git('--git-dir', str(self.bare), *args, cwd=self.root)


def _bare(root: Path, policy: str = POLICY) -> Server:
    s = Server(root)
    root.mkdir(exist_ok=True)
    git('init', '-q', '--bare', '-b', 'main', str(s.bare), cwd=root)
    git('init', '-q', '-b', 'main', str(s.work), cwd=root)
    (s.work / 'README.md').write_text('# srv\n')
    (s.work / '.worktree-guard.yaml').write_text(policy)
    git('add', '-A', cwd=s.work)
    git('commit', '-q', '-m', 'initial', cwd=s.work)
    git('remote', 'add', 'origin', str(s.bare), cwd=s.work)
    git('push', '-q', 'origin', 'main', cwd=s.work)
    return s


def _commit(s: Server, branch: str, files: dict[str, str]) -> str:
    git('switch', '-q', '-C', branch, 'main', cwd=s.work)
    for rel, text in files.items():
        (s.work / rel).write_text(text)
        git('add', rel, cwd=s.work)
    git('commit', '-q', '-m', branch, cwd=s.work)
    return git('rev-parse', 'HEAD', cwd=s.work).strip()


def _push(s: Server, trace: Path, *refspecs: str) -> tuple[int, list[str]]:
    """A real `git push`; the git reads the hook started."""
    trace.unlink(missing_ok=True)
    proc = run(['git', 'push', '-q', 'origin', *refspecs], cwd=s.work,
               env={'GIT_TRACE': str(trace)})
    reads = [m.group(1) for m in HOOK_READS.finditer(trace.read_text())]
    return proc.returncode, reads


@pytest.mark.timeout(120)
def test_refs_that_share_a_range_share_its_git_reads(tmp_path: Path) -> None:
    s = _bare(tmp_path / 'one')
    assert cli_main(['install', '--server', str(s.bare)]) == 0
    _commit(s, 'issue-1-a', {'a.txt': 'see docs/x\n'})
    template = tmp_path / 'template'
    shutil.copytree(s.root, template, symlinks=True)
    trace = tmp_path / 'trace'
    rc, one = _push(s, trace, 'issue-1-a')
    assert rc == 0
    # One ref: the policy read (cold), the new commits, their diff, sync.
    assert sorted(one) == ['cat-file', 'diff-tree', 'rev-list --first-parent',
                           'rev-list --left-right']
    # Four branches and a tag at the same commit, into a fresh copy: the
    # same reads once (one rev-list and one diff per distinct range), plus
    # the tag's peel: not 3 reads a ref as one runner per ref cost.
    s2 = Server(tmp_path / 'many')
    shutil.copytree(template, s2.root, symlinks=True)
    git('remote', 'set-url', 'origin', str(s2.bare), cwd=s2.work)
    rc, many = _push(s2, trace, *(f'issue-1-a:refs/heads/issue-{n}-a'
                                  for n in (1, 2, 3, 4)),
                     'issue-1-a:refs/tags/v1')
    assert rc == 0
    assert sorted(many) == sorted([*one, 'rev-parse --verify'])
    assert len(s2.git('for-each-ref', 'refs/heads/issue-*').splitlines()) == 4
    # The policy is read without git now that the memo holds main's commit.
    _commit(s2, 'issue-5-b', {'b.txt': 'b\n'})
    rc, warm = _push(s2, trace, 'issue-5-b')
    assert rc == 0
    assert 'cat-file' not in warm
    # Verdicts stay per ref: a bad name beside good ones.
    _commit(s2, 'hotfix', {'c.txt': 'c\n'})
    _commit(s2, 'issue-6-c', {'c.txt': 'c\n'})
    proc = run(['git', 'push', 'origin', 'hotfix', 'issue-6-c'], cwd=s2.work)
    assert proc.returncode == 1
    assert 'refused refs/heads/hotfix (branch-name)' in proc.stderr
    assert 'refused refs/heads/issue-6-c' not in proc.stderr
    assert '1 of 2 refs broke the policy' in proc.stderr


# The rule modules a push never runs: the generated rule index
# (rules/index.py) spares the hook their import.
NOT_ON_THE_PUSH_PATH = ('worktree_guard.rules.agent_guard',
                        'worktree_guard.rules.worktree_layout',
                        'worktree_guard.rules.server_policy',
                        'worktree_guard.rules.derive')


@pytest.mark.timeout(120)
def test_the_hook_loads_only_the_rules_a_push_runs(tmp_path: Path) -> None:
    """The installed hook's fast start, on a pushed branch: the push rules
    load and judge (a bad name is refused), the others never load."""
    from worktree_guard.commands import install
    s = _bare(tmp_path / 'imports')
    new = _commit(s, 'hotfix-7', {'x.txt': 'see docs/x\n'})
    git('push', '-q', 'origin', 'hotfix-7:refs/incoming/x', cwd=s.work)
    paths = install.fast_start_paths(sys.executable)
    assert paths is not None
    code = ('import sys\n'
            f'sys.path += {paths!r}\n'
            'from worktree_guard.cli import main\n'
            "rc = main(['pre-receive'])\n"
            "print(' '.join(sorted(sys.modules)))\n"
            'sys.exit(rc)\n')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD', 'GIT_'))}
    out = subprocess.run(
        [sys.executable, '-I', '-S', '-c', code], cwd=s.bare,
        env={**env, 'GIT_DIR': '.'}, capture_output=True, text=True,
        input=f'{ZERO_OID} {new} refs/heads/hotfix-7\n')
    assert out.returncode == 1, out.stderr
    assert 'refused refs/heads/hotfix-7 (branch-name)' in out.stderr
    loaded = set(out.stdout.split())
    assert {'worktree_guard.rules.branch_name',
            'worktree_guard.rules.worktree_paths',
            'worktree_guard.rules.sync_before_push'} <= loaded
    assert not loaded & set(NOT_ON_THE_PUSH_PATH), \
        sorted(loaded & set(NOT_ON_THE_PUSH_PATH))


# -- the policy memo -------------------------------------------------------------------

class Hook:
    def __init__(self, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str], trace: Path) -> None:
        self.mp = monkeypatch
        self.capsys = capsys
        self.trace = trace

    def __call__(self, s: Server, lines: str) -> tuple[int, str, list[str]]:
        self.capsys.readouterr()
        self.trace.unlink(missing_ok=True)
        with self.mp.context() as m:
            m.chdir(s.bare)
            m.setenv('GIT_DIR', '.')
            m.setenv('GIT_TRACE', str(self.trace))
            m.setattr(sys, 'stdin', io.StringIO(lines))
            rc = server.main('pre-receive', [], environ={})
        err = self.capsys.readouterr().err
        assert 'Traceback' not in err
        text = self.trace.read_text() if self.trace.exists() else ''
        return rc, err, [m.group(1) for m in HOOK_READS.finditer(text)]


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
         tmp_path: Path) -> Hook:
    return Hook(monkeypatch, capsys, tmp_path / 'trace')


def _incoming(s: Server, branch: str, files: dict[str, str]) -> str:
    """A commit on main, stored on the server under refs/incoming/."""
    oid = _commit(s, branch, files)
    git('push', '-q', 'origin', f'HEAD:refs/incoming/{branch}', cwd=s.work)
    return oid


def test_policy_memo_is_used_and_follows_the_policy_ref(
        tmp_path: Path, hook: Hook) -> None:
    s = _bare(tmp_path)
    memo = s.bare / server_guard.BLOBS_FILE
    cache = s.bare / server_guard.CACHE_FILE
    bad = _incoming(s, 'wip', {'a.txt': 'a\n'})
    push_bad = f'{ZERO_OID} {bad} refs/heads/wip\n'
    rc, err, reads = hook(s, push_bad)
    assert (rc, reads.count('cat-file')) == (1, 1)
    assert 'refused refs/heads/wip (branch-name)' in err
    assert memo.exists() and cache.exists()
    # Warm: the same verdict, and no git for the policy.
    assert hook(s, push_bad)[:2] == (rc, err)
    assert 'cat-file' not in hook(s, push_bad)[2]
    # Warm memo, cold parse cache: the blob is read by the commit.
    cache.unlink()
    assert hook(s, push_bad)[:2] == (rc, err)
    # The policy ref moves (a loosened policy lands on main on the
    # server): the memo does not answer for the new commit.
    loose = _incoming(s, 'loose', {'.worktree-guard.yaml': LOOSE})
    s.git('update-ref', 'refs/heads/main', loose)
    rc, err, reads = hook(s, push_bad)
    assert (rc, err, reads.count('cat-file')) == (0, '', 1)
    assert len(load_memo(str(memo), server_guard.BLOBS_KEY)) == 2


def test_policy_memo_is_keyed_by_the_package_version(
        tmp_path: Path, hook: Hook, monkeypatch: pytest.MonkeyPatch) -> None:
    s = _bare(tmp_path)
    new = _incoming(s, 'issue-1-a', {'a.txt': 'a\n'})
    push = f'{ZERO_OID} {new} refs/heads/issue-1-a\n'
    hook(s, push)
    path = str(s.bare / server_guard.BLOBS_FILE)
    assert load_memo(path, server_guard.BLOBS_KEY)
    monkeypatch.setattr(worktree_guard, '__version__', '0.0.0+other')
    assert load_memo(path, server_guard.BLOBS_KEY) == {}
    rc, _, reads = hook(s, push)
    assert (rc, reads.count('cat-file')) == (0, 1)


@pytest.mark.parametrize('content', [
    b'garbage', marshal.dumps(['a list']), marshal.dumps({'key': 1}),
])
def test_a_corrupt_policy_memo_is_ignored(tmp_path: Path, hook: Hook,
                                          content: bytes) -> None:
    s = _bare(tmp_path)
    bad = _incoming(s, 'wip', {'a.txt': 'a\n'})
    push = f'{ZERO_OID} {bad} refs/heads/wip\n'
    first = hook(s, push)
    memo = s.bare / server_guard.BLOBS_FILE
    memo.write_bytes(content)
    assert hook(s, push) == first   # read again with git, same verdict
    assert load_memo(str(memo), server_guard.BLOBS_KEY)   # rewritten


def test_a_parse_cache_with_its_key_but_no_policy_is_ignored(
        tmp_path: Path, hook: Hook) -> None:
    from worktree_guard.policy.cache import CACHE_VERSION
    from worktree_guard.policy.cache import full_key
    s = _bare(tmp_path)
    bad = _incoming(s, 'wip', {'a.txt': 'a\n'})
    push = f'{ZERO_OID} {bad} refs/heads/wip\n'
    first = hook(s, push)
    blob = s.git('rev-parse', 'main:.worktree-guard.yaml').strip()
    key = full_key((CACHE_VERSION, blob,
                    'refs/heads/main:.worktree-guard.yaml'))
    cache = s.bare / server_guard.CACHE_FILE
    assert marshal.loads(cache.read_bytes())['key'] == key
    cache.write_bytes(marshal.dumps({'key': key}))
    assert hook(s, push)[:2] == first[:2]
    assert 'data' in marshal.loads(cache.read_bytes())   # rewritten


def test_memo_entries_of_another_shape_are_ignored(tmp_path: Path,
                                                   hook: Hook) -> None:
    s = _bare(tmp_path)
    bad = _incoming(s, 'wip', {'a.txt': 'a\n'})
    push = f'{ZERO_OID} {bad} refs/heads/wip\n'
    main = s.git('rev-parse', 'main').strip()
    path = str(s.bare / server_guard.BLOBS_FILE)
    for odd in ((1, 2), (main,), ('x' * 40, ''), (main, 'not-an-oid'), 'x'):
        save_memo(path, server_guard.BLOBS_KEY, {main: odd})
        rc, err, reads = hook(s, push)
        assert (rc, reads.count('cat-file')) == (1, 1), odd
        assert 'refused refs/heads/wip' in err
    # Many commits: the newest BLOBS_KEPT are kept.
    save_memo(path, server_guard.BLOBS_KEY,
              {f'{n:040x}': (f'{n:040x}', '') for n in range(40)})
    hook(s, push)
    kept = load_memo(path, server_guard.BLOBS_KEY)
    assert len(kept) == server_guard.BLOBS_KEPT and main in kept


def test_a_memo_that_names_another_blob_fails_closed(tmp_path: Path,
                                                     hook: Hook) -> None:
    s = _bare(tmp_path)
    new = _incoming(s, 'issue-1-a', {'a.txt': 'a\n'})
    main = s.git('rev-parse', 'main').strip()
    readme = s.git('rev-parse', 'main:README.md').strip()
    save_memo(str(s.bare / server_guard.BLOBS_FILE), server_guard.BLOBS_KEY,
              {main: (main, readme)})
    rc, err, _ = hook(s, f'{ZERO_OID} {new} refs/heads/issue-1-a\n')
    assert rc == 2
    assert (f'{server_guard.BLOBS_FILE} names a policy blob that '
            f'{main[:12]} does not hold') in err
    assert f'remove {server_guard.BLOBS_FILE}' in err


def test_locate_blob(tmp_path: Path) -> None:
    s = _bare(tmp_path)
    repo = Repo(str(s.bare), str(s.bare), None, True, dict(os.environ))
    main = s.git('rev-parse', 'main').strip()
    blob = s.git('rev-parse', 'main:.worktree-guard.yaml').strip()
    assert receive.locate_blob(repo, main, '.worktree-guard.yaml') == (
        main, (blob, POLICY.encode()))
    assert receive.locate_blob(repo, main, 'nope') == (main, None)
    # A tree peels to no commit; its file is still found.
    tree = s.git('rev-parse', 'main^{tree}').strip()
    assert receive.locate_blob(repo, tree, '.worktree-guard.yaml') == (
        None, (blob, POLICY.encode()))


# -- a frozen repository answers repeated reads from memory ------------------------------

def test_frozen_repo_remembers_reads(tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    s = _bare(tmp_path)
    repo = Repo(str(s.bare), str(s.bare), None, True, dict(os.environ))
    first = repo.git('rev-parse', 'main')
    assert repo.git('rev-parse', 'main') is not first   # not frozen
    repo.frozen = True
    first = repo.git('rev-parse', 'main')
    assert repo.git('rev-parse', 'main') is first
    # Failures other than "no" (exit 1), other commands, other
    # environments or timeouts are asked again.
    bad = repo.git('rev-parse', '--verify', 'no-such-ref', check=False)
    assert bad.returncode not in (0, 1)
    assert repo.git('rev-parse', '--verify', 'no-such-ref',
                    check=False) is not bad
    cfg = repo.git('config', '--list')
    assert repo.git('config', '--list') is not cfg
    assert repo.git('rev-parse', 'main', env=dict(repo.env)) is not first
    assert repo.git('rev-parse', 'main', timeout=60) is not first
    # Past the memory cap, nothing more is kept.
    monkeypatch.setattr(repo_mod, 'MEMO_BYTES', 0)
    ls = repo.git('ls-tree', 'main')
    assert repo.git('ls-tree', 'main') is not ls


def test_server_repo_is_frozen(tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    s = _bare(tmp_path)
    monkeypatch.chdir(s.bare)
    monkeypatch.setenv('GIT_DIR', '.')
    assert receive.server_repo().frozen
    monkeypatch.delenv('GIT_DIR')
    assert receive.server_repo().frozen
