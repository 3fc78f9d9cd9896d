"""The server hooks run in-process against real bare repositories: every
branch of commands/server.py, gitctx/receive.py and install --server.

The objects a "push" would bring are put in the bare repo under
refs/incoming/* first (a real `git push` with no hook installed); the hook
is then fed the `<old> <new> <ref>` lines git would send.
"""
from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import git
from tests.helpers import run
from worktree_guard import hookinput
from worktree_guard import server_guard
from worktree_guard.commands import server
from worktree_guard.cli import main as cli_main
from worktree_guard.errors import GitError
from worktree_guard.model import ZERO_OID
from worktree_guard.gitctx import receive
from worktree_guard.commands.install import MARKER

POLICY = """\
version: 1
server:
  allow-skip: [branch-name, sync-before-push]
"""


class Bare:
    """A bare repository and a work clone that feeds it objects."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / 'srv.git'
        self.work = root / 'work'
        self._n = 0

    def git(self, *args: str, check: bool = True) -> str:
        return git('--git-dir', str(self.path), *args, cwd=self.root,
                   check=check)

    def oid(self, rev: str) -> str:
        return self.git('rev-parse', rev).strip()

    def make(self, files: dict[str, str | None], base: str = 'main',
             links: dict[str, str] | None = None) -> str:
        """A commit on ``base`` with ``files`` (None deletes), stored in the
        bare repo under refs/incoming/ (so the hook can read it)."""
        w = self.work
        git('checkout', '-q', '--detach', base, cwd=w)
        for rel, content in files.items():
            p = w / rel
            if content is None:
                git('rm', '-q', '--', rel, cwd=w)
                continue
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(content)
            git('add', '--', rel, cwd=w)
        for rel, target in (links or {}).items():
            os.symlink(target, w / rel)
            git('add', '--', rel, cwd=w)
        git('commit', '-q', '--allow-empty', '-m', 'c', cwd=w)
        oid = git('rev-parse', 'HEAD', cwd=w).strip()
        self._n += 1
        git('push', '-q', 'origin', f'HEAD:refs/incoming/{self._n}', cwd=w)
        return oid


def _build(root: Path, policy: str | None) -> Bare:
    b = Bare(root)
    git('init', '-q', '--bare', '-b', 'main', str(b.path), cwd=root)
    git('init', '-q', '-b', 'main', str(b.work), cwd=root)
    (b.work / 'README.md').write_text('# srv\n')
    if policy is not None:
        (b.work / '.worktree-guard.yaml').write_text(policy)
    git('add', '-A', cwd=b.work)
    git('commit', '-q', '-m', 'initial', cwd=b.work)
    git('remote', 'add', 'origin', str(b.path), cwd=b.work)
    git('push', '-q', 'origin', 'main', cwd=b.work)
    git('fetch', '-q', 'origin', cwd=b.work)
    return b


@pytest.fixture(scope='module')
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp('srv-tpl')
    _build(root, POLICY)
    return root


@pytest.fixture
def bare(template: Path, tmp_path: Path) -> Bare:
    dest = tmp_path / 'b'
    shutil.copytree(template, dest, symlinks=True)
    git('remote', 'set-url', 'origin', str(dest / 'srv.git'),
        cwd=dest / 'work')
    return Bare(dest)


class Hook:
    """Runs a server hook in-process, as git would: cwd and GIT_DIR set to
    the bare repository, the ref lines on stdin."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.mp = monkeypatch
        self.capsys = capsys

    def __call__(self, bare: Bare | Path, lines: str = '',
                 argv: tuple[str, ...] = (), hook: str = 'pre-receive',
                 environ: dict[str, str] | None = None,
                 git_dir: bool = True,
                 stdin: io.TextIOBase | None = None) -> tuple[int, str]:
        path = bare.path if isinstance(bare, Bare) else bare
        self.capsys.readouterr()
        with self.mp.context() as m:
            m.chdir(path)
            if git_dir:
                m.setenv('GIT_DIR', '.')
            m.setattr(sys, 'stdin', stdin or io.StringIO(lines))
            rc = server.main(hook, list(argv), environ=environ or {})
        err = self.capsys.readouterr().err
        assert 'Traceback' not in err
        return rc, err


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Hook:
    return Hook(monkeypatch, capsys)


def line(old: str, new: str, ref: str) -> str:
    return f'{old} {new} {ref}\n'


# -- verdicts ---------------------------------------------------------------------------

def test_good_branch_passes_silently(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/issue-1-ok'))
    assert (rc, err) == (0, '')


def test_bad_branch_is_refused_with_details(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'))
    assert rc == 1
    lines = err.splitlines()
    assert lines[0] == 'worktree-guard: refused refs/heads/hotfix (branch-name)'
    assert lines[1].startswith('  refs/heads/hotfix: branch-name ')
    assert '      token: hotfix' in lines
    assert any(ln.startswith('      fix: ') for ln in lines)
    assert ('worktree-guard: push refused: 1 of 1 ref broke the policy; no '
            'ref was updated') in lines
    assert ("worktree-guard: judged by the server's policy: "
            'refs/heads/main:.worktree-guard.yaml at '
            f"{bare.oid('main')[:12]}; policy edits in this push do not "
            'count') in lines


def test_gitlab_prefixes_every_line(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   argv=('--gitlab',))
    assert rc == 1
    assert err.splitlines()
    assert all(ln.startswith('GL-HOOK-ERR: ') for ln in err.splitlines())


def test_several_refs_one_verdict_each(bare: Bare, hook: Hook) -> None:
    a = bare.make({'a.txt': 'a\n'})
    b = bare.make({'b.txt': 'b\n'})
    rc, err = hook(bare, line(ZERO_OID, a, 'refs/heads/issue-2-a')
                   + '\n' + line(ZERO_OID, b, 'refs/heads/wip')
                   + line(ZERO_OID, b, 'refs/heads/temp'))
    assert rc == 1
    assert '2 of 3 refs broke the policy' in err
    assert 'refused refs/heads/wip (branch-name)' in err
    assert 'refused refs/heads/temp (branch-name)' in err
    assert 'issue-2-a' not in err


def test_warnings_accept_the_ref(bare: Bare, hook: Hook,
                                 tmp_path: Path) -> None:
    policy = tmp_path / 'server-policy.yaml'
    policy.write_text('rules:\n  branch-name: warn\n')
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   argv=('--policy', str(policy)))
    assert rc == 0
    assert err.splitlines()[0] == ('worktree-guard: accepted '
                                   'refs/heads/hotfix with warnings')
    assert 'branch-name warning: ' in err


def test_tags_are_judged_and_other_refs_refused(bare: Bare,
                                                hook: Hook) -> None:
    clean = bare.make({'a.txt': 'fine\n'})
    assert hook(bare, line(ZERO_OID, clean, 'refs/tags/v1')
                + line(clean, ZERO_OID, 'refs/tags/v0')) == (0, '')
    # No disk here: a plain climb warns, one into a folder named like a
    # worktree is refused (docs/paths.md).
    new = bare.make({'a.txt': 'cd ../../other-repo && make\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/tags/v2'))
    assert rc == 0
    assert 'accepted refs/tags/v2 with warnings' in err
    new = bare.make({'a.txt': 'cd ../issue-9-other && make\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/tags/v2'))
    assert rc == 1
    assert 'refused refs/tags/v2 (worktree-paths)' in err
    rc, err = hook(bare, line(ZERO_OID, clean, 'refs/notes/commits'))
    assert rc == 1
    assert 'refs/notes/commits is outside refs/heads/ and refs/tags/' in err


def test_deletions(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    assert hook(bare, line(main, ZERO_OID, 'refs/heads/wip')) == (0, '')
    rc, err = hook(bare, line(main, ZERO_OID, 'refs/heads/main'))
    assert rc == 1
    assert 'protected-branch/delete' in err


def test_force_push_to_main(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    ff = bare.make({'a.txt': 'a\n'})
    assert hook(bare, line(main, ff, 'refs/heads/main')) == (0, '')
    rc, err = hook(bare, line(ff, main, 'refs/heads/main'))
    assert rc == 1
    assert 'protected-branch/force-push' in err


def test_update_hook(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, hook='update',
                   argv=('refs/heads/bad', ZERO_OID, new))
    assert rc == 1
    assert 'refs/heads/bad was not updated' in err
    rc, err = hook(bare, hook='update',
                   argv=('refs/heads/issue-3-x', ZERO_OID, new))
    assert (rc, err) == (0, '')


def test_wrappers_and_cli_routing(bare: Bare, hook: Hook,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    new = bare.make({'a.txt': 'a\n'})
    monkeypatch.chdir(bare.path)
    monkeypatch.setenv('GIT_DIR', '.')
    assert server.main_update(['refs/heads/issue-4-y', ZERO_OID, new]) == 0
    assert server.main_update(['refs/heads/bad', ZERO_OID, new]) == 1
    monkeypatch.setattr(sys, 'stdin', io.StringIO(
        line(ZERO_OID, new, 'refs/heads/bad')))
    assert server.main_pre_receive([]) == 1
    monkeypatch.setattr(sys, 'stdin', io.StringIO(
        line(ZERO_OID, new, 'refs/heads/bad')))
    assert cli_main(['pre-receive', '--gitlab']) == 1
    assert cli_main(['update', '--policy-ref', 'main', 'refs/heads/bad',
                     ZERO_OID, new]) == 1


# -- input errors -----------------------------------------------------------------------

@pytest.mark.parametrize('text', [
    'abc refs/heads/x\n',
    f'{ZERO_OID} nothex refs/heads/x\n',
    f'{ZERO_OID} {ZERO_OID} HEAD\n',
])
def test_malformed_input_is_exit_2(bare: Bare, hook: Hook, text: str) -> None:
    rc, err = hook(bare, text)
    assert rc == 2
    assert 'pre-receive input line 1 is malformed' in err
    assert 'server-side check could not run' in err


def test_malformed_update_args(bare: Bare, hook: Hook) -> None:
    rc, err = hook(bare, hook='update', argv=('refs/heads/x', 'a', 'b'),
                   environ=None)
    assert rc == 2
    assert 'update input line 1 is malformed' in err


def test_bad_flags_are_usage_errors(bare: Bare, hook: Hook) -> None:
    rc, err = hook(bare, argv=('--bogus',))
    assert rc == 2
    assert 'usage: worktree-guard pre-receive' in err
    rc, err = hook(bare, argv=('--policy', 'a', '--policy-ref', 'b'))
    assert rc == 2
    rc, _ = hook(bare, hook='update', argv=('refs/heads/x',))
    assert rc == 2


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_pre_receive_by_hand_without_stdin(bare: Bare, hook: Hook) -> None:
    rc, err = hook(bare, stdin=_Tty())
    assert rc == 2
    assert 'reads "<old> <new> <ref>" lines on stdin' in err


def test_byte_input_with_a_non_utf8_ref(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    data = f'{ZERO_OID} {new} refs/heads/caf'.encode() + b'\xe9\n'
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding='utf-8')
    rc, err = hook(bare, stdin=stdin)
    assert rc == 1
    assert 'refused refs/heads/caf\ufffd (branch-name)' in err
    assert 'branch-name' in err


def test_empty_input_passes(bare: Bare, hook: Hook) -> None:
    assert hook(bare, '\n\n') == (0, '')


def test_outside_a_repository(tmp_path: Path, hook: Hook) -> None:
    rc, err = hook(tmp_path, line(ZERO_OID, 'a' * 40, 'refs/heads/x'),
                   git_dir=False)
    assert rc == 2
    assert 'not inside a git repository' in err


def test_without_git_dir_the_repo_is_discovered(bare: Bare,
                                                hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   git_dir=False)
    assert rc == 1
    assert 'refused refs/heads/hotfix' in err


# -- push options -----------------------------------------------------------------------

def _opts(*values: str, **extra: str) -> dict[str, str]:
    env = {'GIT_PUSH_OPTION_COUNT': str(len(values))}
    env.update({f'GIT_PUSH_OPTION_{i}': v for i, v in enumerate(values)})
    env.update(extra)
    return env


def test_allowed_skip_is_honoured_and_logged(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   environ=_opts('ci.skip', 'worktree-guard.skip=branch-name',
                                 'worktree-guard.skip=branch-name,',
                                 GL_USERNAME='alice'))
    assert rc == 0, err
    assert err.splitlines() == [
        'worktree-guard: skipping branch-name by alice (push option '
        'worktree-guard.skip; allowed by server.allow-skip)',
    ]


def test_other_skip_requests_are_ignored(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    main = bare.oid('main')
    rc, err = hook(bare, line(new, main, 'refs/heads/main'),
                   environ=_opts('worktree-guard.skip=protected-branch',
                                 'worktree-guard.skip=nonsense',
                                 'worktree-guard.force=yes'))
    assert rc == 1
    assert ('push option worktree-guard.skip=protected-branch ignored: '
            'server.allow-skip does not list it') in err
    assert 'worktree-guard.skip=nonsense ignored: no such rule' in err
    assert "push option 'worktree-guard.force=yes' ignored" in err
    # main is also the policy branch: a force push there is refused twice.
    assert 'refused refs/heads/main (protected-branch, server-policy)' in err


def test_push_options_parsing() -> None:
    assert receive.push_options({}) == []
    assert receive.push_options({'GIT_PUSH_OPTION_COUNT': 'x'}) == []
    assert receive.push_options(_opts('a', 'b=c')) == ['a', 'b=c']


def test_server_skip_variables_do_not_apply(bare: Bare, hook: Hook,
                                            monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv('WORKTREE_GUARD_SKIP', 'branch-name')
    monkeypatch.setenv('SKIP', 'worktree-guard-push')
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'))
    assert rc == 1
    assert 'refused refs/heads/hotfix' in err


# -- the trusted policy -----------------------------------------------------------------

def test_pushed_policy_is_not_used(bare: Bare, hook: Hook) -> None:
    new = bare.make({'.worktree-guard.yaml': 'rules:\n  branch-name: off\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'))
    assert rc == 1
    assert 'refused refs/heads/hotfix (branch-name)' in err


def test_policy_ref_option(bare: Bare, hook: Hook) -> None:
    lax = bare.make({'.worktree-guard.yaml': 'rules:\n  branch-name: off\n'})
    bare.git('update-ref', 'refs/meta/policy', lax)
    new = bare.make({'a.txt': 'a\n'})
    for ref in ('refs/meta/policy', 'refs/incoming/1'):
        rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                       argv=('--policy-ref', ref))
        assert (rc, err) == (0, '')
    # A branch name works too; a policy ref outside refs/heads/ cannot be
    # pushed to.
    rc, err = hook(bare, line(lax, new, 'refs/meta/policy'),
                   argv=('--policy-ref', 'refs/meta/policy'))
    assert rc == 1
    assert 'server-policy/policy-ref' in err
    assert 'changed on the server only' in err
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   argv=('--policy-ref', 'main'))
    assert rc == 1


def test_missing_policy_ref_fails_closed(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   argv=('--policy-ref', 'refs/meta/nothing'))
    assert rc == 2
    assert ("the server's policy ref refs/meta/nothing (from --policy-ref "
            'refs/meta/nothing) does not exist, so every push is refused'
            ) in err
    assert 'git symbolic-ref HEAD refs/heads/main' in err


def test_empty_repository_uses_defaults(tmp_path: Path, hook: Hook) -> None:
    b = _build(tmp_path, None)
    new = b.oid('main')
    b.git('update-ref', '-d', 'refs/heads/main')
    assert receive.head_target(receive.Repo(
        str(b.path), str(b.path), None, True, dict(os.environ))) == \
        'refs/heads/main'
    rc, err = hook(b, line(ZERO_OID, new, 'refs/heads/wip'))
    assert rc == 1
    assert ('the built-in defaults: refs/heads/main does not exist yet, and '
            'the first push into an empty repository sets the policy') in err
    # The first push of main is fine.
    assert hook(b, line(ZERO_OID, new, 'refs/heads/main')) == (0, '')


def test_default_branch_without_policy_file(tmp_path: Path,
                                            hook: Hook) -> None:
    b = _build(tmp_path, None)
    new = b.make({'a.txt': 'a\n'})
    rc, err = hook(b, line(ZERO_OID, new, 'refs/heads/wip'))
    assert rc == 1
    assert ('the built-in defaults, as refs/heads/main has no '
            '.worktree-guard.yaml') in err


def test_policy_ref_follows_head_and_never_a_dangling_one(
        bare: Bare, hook: Hook) -> None:
    repo = receive.Repo(str(bare.path), str(bare.path), None, True,
                        dict(os.environ))
    assert receive.head_target(repo) == 'refs/heads/main'
    main = bare.oid('main')
    bare.git('update-ref', 'refs/heads/trunk', main)
    bare.git('symbolic-ref', 'HEAD', 'refs/heads/trunk')
    assert receive.head_target(repo) == 'refs/heads/trunk'
    # HEAD names a missing branch (git init --bare made master, the team
    # pushes main): every push is refused, creating master included, so
    # nobody takes the policy over by creating it.
    bare.git('symbolic-ref', 'HEAD', 'refs/heads/master')
    lax = bare.make({'.worktree-guard.yaml': 'rules:\n  branch-name: off\n'})
    rc, err = hook(bare, line(ZERO_OID, lax, 'refs/heads/master'))
    assert rc == 2
    assert ("the server's policy ref refs/heads/master (from the server's "
            'HEAD (refs/heads/master)) does not exist') in err
    assert bare.git('rev-parse', '--verify', '-q', 'refs/heads/master',
                    check=False) == ''
    # A detached HEAD names no branch at all.
    bare.git('update-ref', '--no-deref', 'HEAD', main)
    assert receive.head_target(repo) is None
    rc, err = hook(bare, line(ZERO_OID, lax, 'refs/heads/issue-1-a'))
    assert rc == 2
    assert 'policy ref HEAD' in err
    bare.git('symbolic-ref', 'HEAD', 'refs/heads/main')


def test_base_branch_names_the_policy_branch(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    # main's policy says the base (and so the policy) is develop.
    pointer = bare.make({'.worktree-guard.yaml': POLICY + 'base:\n'
                         '  branch: develop\n'})
    bare.git('update-ref', 'refs/heads/main', pointer)
    new = bare.make({'a.txt': 'a\n'}, base=main)
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'))
    assert rc == 2
    assert ('policy ref refs/heads/develop (from base.branch in '
            'refs/heads/main:.worktree-guard.yaml') in err
    lax = bare.make({'.worktree-guard.yaml': 'rules:\n  branch-name: off\n'
                     '  sync-before-push: off\n'}, base=main)
    bare.git('update-ref', 'refs/heads/develop', lax)
    assert hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix')) == (0, '')
    bare.git('update-ref', 'refs/heads/main', main)
    bare.git('update-ref', '-d', 'refs/heads/develop')


def test_resolve_policy_ref(bare: Bare) -> None:
    repo = receive.Repo(str(bare.path), str(bare.path), None, True,
                        dict(os.environ))
    main = bare.oid('main')
    bare.git('update-ref', 'refs/heads/trunk', main)
    assert receive.resolve_policy_ref(repo, 'trunk') == (
        'refs/heads/trunk', main)
    assert receive.resolve_policy_ref(repo, 'refs/x') == ('refs/x', None)


def test_invalid_server_policy_refuses_every_push(bare: Bare,
                                                  hook: Hook) -> None:
    broken = bare.make({'.worktree-guard.yaml': 'rules:\n  nope: 1\n'})
    bare.git('update-ref', 'refs/heads/main', broken)
    new = bare.make({'a.txt': 'a\n'}, base=broken)
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/issue-5-x'))
    assert rc == 2
    assert "the server's policy is invalid, so every push is refused" in err
    assert 'refs/heads/main:.worktree-guard.yaml:2:3:' in err
    assert '--policy PATH' in err


def test_policy_that_is_not_a_file(bare: Bare, hook: Hook) -> None:
    odd = bare.make({'.worktree-guard.yaml': None,
                     '.worktree-guard.yaml/x': 'x\n'})
    bare.git('update-ref', 'refs/heads/main', odd)
    rc, err = hook(bare, line(ZERO_OID, odd, 'refs/heads/issue-6-x'))
    assert rc == 2
    assert '.worktree-guard.yaml is not a file' in err


def test_policy_file_option(bare: Bare, hook: Hook, tmp_path: Path) -> None:
    new = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                   argv=('--policy', str(tmp_path / 'missing.yaml')))
    assert rc == 2
    assert 'policy file not found' in err
    path = tmp_path / 'p.yaml'
    path.write_text('branches:\n  exempt: [hotfix]\n')
    assert hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'),
                argv=('--policy', str(path))) == (0, '')
    rc, err = hook(bare, line(ZERO_OID, new, 'refs/heads/wip'),
                   argv=('--policy', str(path)))
    assert rc == 1
    assert f"judged by the server's policy: {path} (a file on the server)\n" \
        in err


def test_push_to_the_policy_branch_is_validated(bare: Bare,
                                                hook: Hook) -> None:
    main = bare.oid('main')
    bad = bare.make({'.worktree-guard.yaml': 'rules: [nope\n'})
    rc, err = hook(bare, line(main, bad, 'refs/heads/main'))
    assert rc == 1
    assert 'server-policy/invalid' in err
    assert 'the pushed .worktree-guard.yaml is invalid' in err
    assert 'fix: worktree-guard policy validate' in err
    loose = bare.make({'.worktree-guard.yaml':
                       'rules:\n  branch-name: warn\n'})
    rc, err = hook(bare, line(main, loose, 'refs/heads/main'))
    assert rc == 1
    assert 'server-policy/loosened' in err
    assert 'rules.branch-name: error -> warn' in err
    assert 'the server does not say who pushes' in err
    good = bare.make({'.worktree-guard.yaml': POLICY + 'paths:\n'
                      '  max-file-size: 1KiB\n'})
    assert hook(bare, line(main, good, 'refs/heads/main')) == (0, '')
    gone = bare.make({'.worktree-guard.yaml': None})
    assert hook(bare, line(main, gone, 'refs/heads/main')) == (0, '')


def test_policy_cache(bare: Bare, hook: Hook) -> None:
    new = bare.make({'a.txt': 'a\n'})
    cache = bare.path / server_guard.CACHE_FILE
    assert not cache.exists()
    first = hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix'))
    assert cache.exists()
    # A hit gives the same verdict (the cache holds a permissive marker we
    # can see: replace the blob key's data and watch it be used).
    import marshal
    data = marshal.loads(cache.read_bytes())
    data['data']['rules']['branch-name'] = 'off'
    cache.write_bytes(marshal.dumps(data))
    assert hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix')) == (0, '')
    # Garbage or an unwritable cache only costs speed.
    cache.write_bytes(b'garbage')
    assert hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix')) == first
    cache.unlink()
    cache.mkdir()
    assert hook(bare, line(ZERO_OID, new, 'refs/heads/hotfix')) == first
    assert not [p for p in bare.path.iterdir() if p.name.endswith('.tmp')]


# -- receive.py ---------------------------------------------------------------------------

def test_parse_receive_lines() -> None:
    a, b = 'a' * 40, 'b' * 40
    [u] = hookinput.parse_receive_lines(f'\n{a} {b} refs/heads/x\n')
    assert (u.remote_ref, u.local_ref, u.remote_oid, u.local_oid) == (
        'refs/heads/x', 'refs/heads/x', a, b)
    with pytest.raises(GitError, match='line 2'):
        hookinput.parse_receive_lines(f'{a} {b} refs/heads/x\n{a} {b}\n')


def test_read_blob(bare: Bare) -> None:
    repo = receive.Repo(str(bare.path), str(bare.path), None, True,
                        dict(os.environ))
    main = bare.oid('main')
    got = receive.read_blob(repo, main, '.worktree-guard.yaml')
    assert got is not None
    assert got[1] == POLICY.encode()
    assert got[0] == bare.oid('main:.worktree-guard.yaml')
    assert receive.read_blob(repo, main, 'nope.yaml') is None


# -- install --server -------------------------------------------------------------------

def test_install_server(tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    srv = tmp_path / 'srv.git'
    git('init', '-q', '--bare', str(srv), cwd=tmp_path)
    assert cli_main(['install', '--server', str(srv)]) == 0
    out = capsys.readouterr().out
    hook_file = srv / 'hooks' / 'pre-receive'
    assert MARKER in hook_file.read_text()
    assert os.access(hook_file, os.X_OK)
    assert 'pre-receive "$@"' in hook_file.read_text()
    assert not (srv / 'hooks' / 'update').exists()
    assert 'set receive.advertisePushOptions=true' in out
    assert git('--git-dir', str(srv), 'config',
               'receive.advertisePushOptions', cwd=tmp_path).strip() == 'true'
    # Again: ours is replaced in place; an admin's config is left alone.
    git('--git-dir', str(srv), 'config', 'receive.advertisePushOptions',
        'false', cwd=tmp_path)
    assert cli_main(['install', '--server', str(srv)]) == 0
    assert 'advertisePushOptions' not in capsys.readouterr().out
    assert cli_main(['uninstall', '--server', str(srv)]) == 0
    assert not hook_file.exists()


def test_install_server_keeps_foreign_hooks(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    srv = tmp_path / 'srv.git'
    git('init', '-q', '--bare', str(srv), cwd=tmp_path)
    foreign = srv / 'hooks' / 'pre-receive'
    foreign.write_text('#!/bin/sh\nexit 0\n')
    assert cli_main(['install', '--server', str(srv)]) == 2
    assert 'not ours; refusing to overwrite' in capsys.readouterr().err
    assert foreign.read_text() == '#!/bin/sh\nexit 0\n'
    assert cli_main(['install', '--server', str(srv), '--force']) == 0
    assert (srv / 'hooks' / 'pre-receive.local').read_text() == \
        '#!/bin/sh\nexit 0\n'
    assert cli_main(['uninstall', '--server', str(srv)]) == 0
    assert foreign.read_text() == '#!/bin/sh\nexit 0\n'


def test_install_server_honours_core_hookspath(tmp_path: Path) -> None:
    srv = tmp_path / 'srv.git'
    git('init', '-q', '--bare', str(srv), cwd=tmp_path)
    hooks = tmp_path / 'shared-hooks'
    git('--git-dir', str(srv), 'config', 'core.hooksPath', str(hooks),
        cwd=tmp_path)
    assert cli_main(['install', '--server', str(srv)]) == 0
    assert (hooks / 'pre-receive').exists()
    assert cli_main(['uninstall', '--server', str(srv)]) == 0
    assert not (hooks / 'pre-receive').exists()


def test_install_server_refuses_non_bare(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    assert cli_main(['install', '--server', str(tmp_path / 'nope')]) == 2
    assert 'no such directory' in capsys.readouterr().err
    git('init', '-q', str(tmp_path / 'work'), cwd=tmp_path)
    assert cli_main(['install', '--server', str(tmp_path / 'work')]) == 2
    assert 'is not a bare git repository' in capsys.readouterr().err
    assert cli_main(['install', '--server', str(tmp_path)]) == 2
    assert 'is not a bare git repository' in capsys.readouterr().err
    # uninstall outside a repository finds nothing to remove
    assert cli_main(['uninstall', '--server', str(tmp_path)]) == 0
    assert 'nothing to remove' in capsys.readouterr().out


def test_installed_hook_runs_under_git(tmp_path: Path) -> None:
    """The installed script, run by a real `git push` (file://)."""
    b = _build(tmp_path, POLICY)
    assert cli_main(['install', '--server', str(b.path)]) == 0
    git('switch', '-q', '-c', 'wip', cwd=b.work)
    git('commit', '-q', '--allow-empty', '-m', 'x', cwd=b.work)
    proc = run(['git', 'push', 'origin', 'wip'], cwd=b.work)
    assert proc.returncode == 1
    assert 'remote: worktree-guard: refused refs/heads/wip' in proc.stderr
    proc = run(['git', 'push', '-o', 'worktree-guard.skip=branch-name',
                'origin', 'wip'], cwd=b.work)
    assert proc.returncode == 0, proc
    assert 'skipping branch-name' in proc.stderr


@pytest.fixture(autouse=True)
def _no_git_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv('GIT_DIR', raising=False)
    yield


# -- issue 13: what the server trusts ------------------------------------------------

def test_tag_of_a_tree_brings_no_commit(bare: Bare, hook: Hook) -> None:
    tree = bare.oid('main^{tree}')
    assert hook(bare, line(ZERO_OID, tree, 'refs/tags/tree')) == (0, '')


def test_skipped_paths_rule_skips_tags_too(bare: Bare, hook: Hook) -> None:
    bad = bare.make({'a.txt': 'cd ../issue-9-other && make\n'})
    policy = bare.make({'.worktree-guard.yaml': POLICY.replace(
        'allow-skip: [branch-name', 'allow-skip: [worktree-paths, branch-name'
    )})
    bare.git('update-ref', 'refs/heads/main', policy)
    rc, err = hook(bare, line(ZERO_OID, bad, 'refs/tags/v9'),
                   environ={'GIT_PUSH_OPTION_COUNT': '1',
                            'GIT_PUSH_OPTION_0':
                            'worktree-guard.skip=worktree-paths'})
    assert rc == 0
    assert 'skipping worktree-paths' in err


def test_policy_admin_may_loosen(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    admins = POLICY + '  policy-admins: [alice]\n'
    adm = bare.make({'.worktree-guard.yaml': admins})
    bare.git('update-ref', 'refs/heads/main', adm)
    loose = bare.make({'.worktree-guard.yaml': admins + 'rules:\n'
                       '  sync-before-push: off\n'}, base=adm)
    tip = bare.oid('main')
    for var in ('GL_USERNAME', 'GITEA_PUSHER_NAME', 'REMOTE_USER',
                'GL_USER'):
        rc, err = hook(bare, line(tip, loose, 'refs/heads/main'),
                       environ={var: 'mallory'})
        assert rc == 1
        assert 'and mallory is not listed' in err
    rc, err = hook(bare, line(tip, loose, 'refs/heads/main'),
                   environ={'GL_USER': 'alice'})
    assert rc == 0, err
    assert 'accepted refs/heads/main with warnings' in err
    assert ('alice (server.policy-admins) loosens the policy: '
            'rules.sync-before-push: error -> off') in err
    bare.git('update-ref', 'refs/heads/main', main)


def test_allowed_refs_widen_the_namespaces(bare: Bare, hook: Hook) -> None:
    ok = bare.make({'a.txt': 'a\n'})
    rc, err = hook(bare, line(ZERO_OID, ok, 'refs/notes/commits'))
    assert rc == 1
    wide = bare.make({'.worktree-guard.yaml': POLICY
                      + '  allowed-refs: [refs/notes/*, refs/review/**]\n'})
    bare.git('update-ref', 'refs/heads/main', wide)
    for ref in ('refs/notes/commits', 'refs/review/1/head'):
        assert hook(bare, line(ZERO_OID, ok, ref)) == (0, '')
    rc, err = hook(bare, line(ZERO_OID, ok, 'refs/notes/a/b'))
    assert rc == 1
    assert 'server-policy/ref-namespace' in err
    # Deleting a ref outside them is fine: it brings nothing.
    assert hook(bare, line(ok, ZERO_OID, 'refs/x/y')) == (0, '')


def test_server_base_from_base_branch(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    pinned = bare.make({'.worktree-guard.yaml': POLICY + 'base:\n'
                        '  branch: main\n'})
    bare.git('update-ref', 'refs/heads/main', pinned)
    behind = bare.make({'b.txt': 'b\n'}, base=main)
    rc, err = hook(bare, line(ZERO_OID, behind, 'refs/heads/issue-7-b'))
    assert rc == 1
    assert 'sync-before-push/behind' in err
