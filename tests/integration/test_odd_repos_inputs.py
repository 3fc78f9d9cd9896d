"""Odd inputs to the foundation: the CLI's last-resort handlers, git's
process plumbing, odd git states read from files, odd policies, install and
doctor corner cases.  Each test asserts the answer a person gets."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import run
from tests.helpers import wg
from worktree_guard import cli
from worktree_guard.gitctx import version as git_version_mod
from worktree_guard.commands import explain
from worktree_guard.commands import install
from worktree_guard import policy as P
from worktree_guard.policy import match as M
from worktree_guard.policy import validate as V
from worktree_guard.errors import GitError
from worktree_guard.errors import GuardError
from worktree_guard.errors import PolicyError
from worktree_guard.model import Head
from worktree_guard.model import RefUpdate
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import parse_worktree_list
from worktree_guard.gitctx import spawn
from worktree_guard.report import Violation
from worktree_guard.rules import RULES
from worktree_guard.rules.spec import RuleSpec

OID = 'a' * 40


# -- the CLI's last-resort handlers -----------------------------------------------------

def test_interrupt_is_exit_130(monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(ns: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(explain, 'run_rules', interrupted)
    assert cli.main(['rules']) == 130
    assert 'worktree-guard: interrupted' in capsys.readouterr().err


def test_debug_variable_shows_the_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ns: object) -> int:
        raise RuntimeError('kaboom')

    monkeypatch.setattr(explain, 'run_rules', boom)
    monkeypatch.setenv('WORKTREE_GUARD_DEBUG', '1')
    with pytest.raises(RuntimeError, match='kaboom'):
        cli.main(['rules'])


def test_help_is_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(['--help']) == 0
    assert 'usage: worktree-guard' in capsys.readouterr().out


def test_explain_a_rule_without_kinds(
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(RULES, 'plain-rule', RuleSpec(
        'plain-rule', hook_id='check-plain-rule', stages=('commit',),
        facts='branch', summary='a rule', explain='It explains itself.'))
    assert cli.main(['explain', 'plain-rule']) == 0
    out = capsys.readouterr().out
    assert 'It explains itself.' in out and 'kinds:' not in out


def test_module_entry_point(plain_repo: RepoHandle) -> None:
    import importlib
    mod = importlib.import_module('worktree_guard.__main__')
    assert mod.main is cli.main  # imported, not run
    proc = run([sys.executable, '-m', 'worktree_guard', 'rules'],
               cwd=plain_repo.path)
    assert proc.returncode == 0 and 'branch-name' in proc.stdout


def test_from_ref_needs_to_ref(plain_repo: RepoHandle) -> None:
    proc = wg('check', '--stage', 'push', '--from-ref', 'main',
              cwd=plain_repo.path)
    assert proc.returncode == 2
    assert '--from-ref and --to-ref go together' in proc.stderr


def test_check_reads_pre_commits_pre_push_variables(
        plain_repo: RepoHandle) -> None:
    """`check --stage auto` is a push check when pre-commit's pre-push
    variables are set (this is what the pre-commit hooks run)."""
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-3-local')
    env = {'PRE_COMMIT_REMOTE_BRANCH': 'refs/heads/hotfix',
           'PRE_COMMIT_LOCAL_BRANCH': 'refs/heads/issue-3-local',
           'PRE_COMMIT_REMOTE_NAME': 'origin',
           'PRE_COMMIT_FROM_REF': r.head(), 'PRE_COMMIT_TO_REF': r.head()}
    proc = wg('check', '--rule', 'branch-name', cwd=r.path, env=env)
    assert proc.returncode == 1, proc
    assert "remote branch 'hotfix'" in proc.stdout
    proc = wg('check', '--rule', 'branch-name', '--remote', 'upstream',
              '--format', 'json', cwd=r.path, env=env)
    assert json.loads(proc.stdout)['violations'][0]['ref'] == \
        'refs/heads/hotfix'


def test_policy_commands_outside_a_repo(tmp_path: Path) -> None:
    proc = wg('policy', 'show', cwd=tmp_path)
    assert proc.returncode == 0, proc
    assert 'no policy file: built-in defaults' in proc.stdout
    (tmp_path / '.worktree-guard.yaml').write_text('sync:\n  fetch: false\n')
    proc = wg('policy', 'validate', cwd=tmp_path)
    assert proc.returncode == 0 and 'valid' in proc.stdout


def test_check_new_grandfathers_branches_on_the_remote(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    (r.path / '.worktree-guard.yaml').write_text('branches:\n  check: new\n')
    r.git('switch', '-q', '-c', 'legacy-name')
    r.git('push', '-q', 'origin', 'legacy-name')
    proc = wg('check', '--stage', 'commit', '--rule', 'branch-name',
              cwd=r.path)
    assert proc.returncode == 0, proc
    r.git('switch', '-q', '-c', 'another-bad-name')
    proc = wg('check', '--stage', 'commit', '--rule', 'branch-name',
              cwd=r.path)
    assert proc.returncode == 1 and "'another-bad-name'" in proc.stdout


# -- processes -------------------------------------------------------------------------

def test_spawn_reports_a_missing_program() -> None:
    with pytest.raises(GitError, match='cannot run no-such-program-x'):
        spawn(['no-such-program-x'])


def test_spawn_streams_large_input_and_output() -> None:
    data = os.urandom(300_000)
    res = spawn(['cat'], input=data)
    assert res.returncode == 0 and res.stdout == data


def test_spawn_survives_a_reader_that_leaves() -> None:
    res = spawn(['true'], input=b'x' * 300_000)
    assert res.returncode == 0


def test_spawn_timeout() -> None:
    res = spawn(['sleep', '5'], timeout=0.2)
    assert res.timed_out and res.returncode != 0


@pytest.mark.parametrize(('text', 'version'), [
    ('git version 2.39.5\n', (2, 39, 5)),
    ('git version 2.45.1.windows.1', (2, 45, 1)),
    ('git version 2.39.3 (Apple Git-146)', (2, 39, 3)),
    ('git version 2.50.0.rc1', (2, 50, 0)),
    ('hub version 2.14.2', None),
    ('git version', None),
    ('git version x', None),
    ('', None),
])
def test_parse_git_version(text: str, version: tuple[int, ...] | None
                           ) -> None:
    assert git_version_mod.parse_git_version(text) == version


def test_git_version_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(git_version_mod, '_version_cache', [])
    first = git_version_mod.git_version()
    assert first is not None and first >= (2, 0)
    monkeypatch.setattr(git_version_mod, 'spawn', None)  # a second run would fail
    assert git_version_mod.git_version() == first
    assert git_version_mod.too_old((2, 0), 'x') is None
    assert git_version_mod.too_old((999,), 'the future') == \
        f"git {'.'.join(map(str, first))} is older than 999, which the " \
        'future needs'


def test_git_too_old_for_a_subcommand(plain_repo: RepoHandle,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo.discover(str(plain_repo.path))
    monkeypatch.setattr(git_version_mod, '_version_cache', [(2, 30, 1)])
    res = repo.git('merge-tree', '--write-tree', 'HEAD', 'HEAD', check=False)
    assert res.returncode == git_version_mod.USAGE_EXIT
    assert b'git 2.30.1 is older than 2.38' in res.stderr
    with pytest.raises(GitError) as info:
        repo.git('merge-tree', '--write-tree', 'HEAD', 'HEAD')
    assert info.value.message.startswith('git 2.30.1 is older than 2.38')
    assert info.value.hint == 'upgrade git to 2.38 or newer'


def test_usage_errors_of_a_new_git_are_not_blamed_on_its_age(
        plain_repo: RepoHandle) -> None:
    repo = Repo.discover(str(plain_repo.path))
    with pytest.raises(GitError) as info:
        repo.git('worktree', 'list', '--no-such-option')
    assert "'git worktree list --no-such-option' failed" in \
        info.value.message
    assert 'older' not in info.value.message


def test_is_ancestor_of_an_unknown_commit(plain_repo: RepoHandle) -> None:
    repo = Repo.discover(str(plain_repo.path))
    with pytest.raises(GitError, match='cannot compare'):
        repo.is_ancestor('f' * 40, 'HEAD')


def test_parse_push_lines_blank_and_malformed() -> None:
    from worktree_guard.hookinput import parse_push_lines
    good = f'refs/heads/x {OID} refs/heads/x {"0" * 40}'
    (u,) = parse_push_lines(f'\n{good}\n  \n')
    assert (u.branch, u.is_new) == ('x', True)
    with pytest.raises(GitError, match='pre-push input line 2 is malformed'):
        parse_push_lines(f'{good}\nrefs/heads/x nope refs/heads/x nope\n')


# -- git states read from files -----------------------------------------------------------

def _fake_repo(tmp_path: Path) -> Repo:
    git_dir = tmp_path / 'gitdir'
    git_dir.mkdir()
    return Repo(str(git_dir), str(git_dir), str(tmp_path), False,
                dict(os.environ))


def test_unreadable_head(tmp_path: Path) -> None:
    with pytest.raises(GitError, match='cannot read'):
        _fake_repo(tmp_path).head()


@pytest.mark.parametrize(('state', 'head_name', 'branch'), [
    ('rebase-merge', 'refs/heads/issue-1-x', 'issue-1-x'),
    ('rebase-apply', 'refs/heads/issue-2-y', 'issue-2-y'),
    ('rebase-merge', 'detached HEAD', None),   # rebasing a detached HEAD
    ('rebase-apply', None, None),
])
def test_rebase_states(tmp_path: Path, state: str, head_name: str | None,
                       branch: str | None) -> None:
    repo = _fake_repo(tmp_path)
    (Path(repo.git_dir) / 'HEAD').write_text(OID + '\n')
    (Path(repo.git_dir) / state).mkdir()
    if head_name is not None:
        (Path(repo.git_dir) / state / 'head-name').write_text(
            head_name + '\n')
    head = repo.head()
    assert (head.kind, head.branch, head.operation) == \
        ('detached', branch, 'rebase')


@pytest.mark.parametrize(('marker', 'operation'), [
    ('MERGE_HEAD', 'merge'), ('CHERRY_PICK_HEAD', 'cherry-pick'),
    ('REVERT_HEAD', 'revert'), ('BISECT_LOG', 'bisect'), (None, None),
])
def test_operations_in_progress(tmp_path: Path, marker: str | None,
                                operation: str | None) -> None:
    repo = _fake_repo(tmp_path)
    (Path(repo.git_dir) / 'HEAD').write_text('ref: refs/heads/side\n')
    if marker:
        (Path(repo.git_dir) / marker).write_text(OID)
    head = repo.head()
    assert (head.kind, head.branch, head.operation) == \
        ('unborn', 'side', operation)


def test_symbolic_loose_refs(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('symbolic-ref', 'refs/remotes/origin/HEAD',
          'refs/remotes/origin/main')
    repo = Repo.discover(str(r.path))
    assert repo.ref_oid('refs/remotes/origin/HEAD') == r.head()
    (r.path / '.git' / 'refs' / 'heads' / 'empty').write_text('')
    assert repo.ref_oid('refs/heads/empty') is None


def test_resolve_base_conventions(plain_repo: RepoHandle) -> None:
    r = plain_repo
    repo = Repo.discover(str(r.path))
    assert repo.resolve_base(None, None) == ('origin', 'main')
    assert repo.resolve_base('fork', 'trunk') == ('fork', 'trunk')
    r.git('remote', 'add', 'upstream', str(r.remote))
    # A Repo is one run's view: the remotes are read once per run.
    assert repo.resolve_base(None, None) == ('origin', 'main')
    repo = Repo.discover(str(r.path))
    assert repo.resolve_base(None, None) == ('upstream', 'main')
    assert repo.remotes() is repo.remotes()
    r.git('branch', '-m', 'main', 'master')
    r.git('update-ref', '-d', 'refs/remotes/origin/main')
    assert repo.resolve_base('origin', None) == ('origin', 'master')
    r.git('branch', '-m', 'master', 'trunk')
    assert repo.resolve_base('origin', None) == ('origin', 'main')


def test_ignored_in(plain_repo: RepoHandle) -> None:
    from worktree_guard.gitctx.worktrees import ignored_in
    root = str(plain_repo.path)
    assert ignored_in(root, ['trees/x', 'src/app.py']) == {'trees/x'}


def test_parse_worktree_list_odd_records() -> None:
    text = ('HEAD ' + OID + '\0\0'                      # no worktree line
            'worktree /a\0bare\0\0'
            'worktree /b\0HEAD ' + OID + '\0detached\0locked\0'
            'prunable gitdir file points to non-existent location\0'
            'future-field x\0\0'
            'worktree /c\0branch refs/heads/x\0locked why\0prunable')
    a, b, c = parse_worktree_list(text)
    assert (a.path, a.is_main, a.bare) == ('/a', True, True)
    assert (b.detached, b.locked, b.head) == (True, 'locked', OID)
    assert b.prunable and b.prunable.startswith('gitdir file')
    assert (c.branch, c.locked, c.prunable, c.is_main) == \
        ('x', 'why', 'prunable', False)


# -- policies ----------------------------------------------------------------------------

def _error(text: str) -> str:
    with pytest.raises(PolicyError) as info:
        P.parse(text)
    return info.value.render()


@pytest.mark.parametrize(('text', 'expect'), [
    ('a: ' + '[' * 3000 + ']' * 3000, ':1:1: the policy nests too deeply'),
    ('branches:\n  check: new\x07\n', ':2:13: invalid YAML: the character '
                                      'U+0007 is not allowed'),
    ('paths:\n  include: ["\\\\"]\n', "has an invalid pattern '\\\\'"),
    ("paths:\n  exclude: ['[z-a]']\n", "has an invalid pattern '[z-a]'"),
    ('branches:\n  slug-max-length: 0\n',
     ":2:20: 'branches.slug-max-length': 0 is less than the minimum of 1"),
    ('sync:\n  fetch: 3\n', ":2:10: 'sync.fetch' must be a boolean"),
    ('sync:\n  fetch:\n', "'sync.fetch' must be a boolean, got nothing "
                          '(null)'),
    ('"\\r": 1\n', ":1:1: unknown key '\\r'"),
    ('branches: {check: new}\nbranches: {check: all}\n',
     "duplicate key 'branches'"),
    ("paths:\n  allow: ['re:(']\n", 'is not a valid regex: missing ): ('),
    ("branches:\n  pattern: '('\n", 'is not a valid regex: missing ): ('),
])
def test_odd_policies(text: str, expect: str) -> None:
    msg = _error(text)
    assert expect in msg, msg
    assert "b'" not in msg


def test_validation_that_recurses_too_deep(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """How deep YAML may nest before the validator's own recursion gives
    out depends on the caller's stack; either way it is a located error."""
    def deep(*args: object) -> object:
        raise RecursionError

    monkeypatch.setattr(V, '_validate', deep)
    assert ':1:1: the policy nests too deeply' in _error('a: [[1]]\n')


def test_type_hints() -> None:
    assert 'hint: write a boolean' in _error('sync:\n  fetch: 3\n')
    assert 'hint: write a mapping of keys' in _error('branches: 3\n')
    assert 'hint: write a YAML list' in _error('sync:\n  exempt: x\n')
    assert 'got nothing (null)' in _error('branches:\n')


def test_regex_error_texts() -> None:
    assert M.regex_error(ValueError(b'bad \xff')) == 'bad \ufffd'
    assert M.regex_error(ValueError('plain')) == 'plain'
    assert M.regex_error(ValueError()) == ''


def test_re2_regexes_take_undecodable_text() -> None:
    rx = P.compile_regex('^(?P<issue>[0-9]+)-.+$')
    assert rx.groupindex['issue'] == 1
    for name in ('12-\udcff', '12-\ud800x'):
        assert rx.search(name)
        assert rx.match(name)
        assert rx.fullmatch(name)
    assert not rx.search('x-\udcff')
    assert rx.search('12-plain')


def test_invalid_globs_are_left_out_of_compiled_lists() -> None:
    data = P.copy_data(P.DEFAULTS)
    data['paths']['exclude'] = ['\\', 'ok/*']
    assert len(M.compile_globs(data, P.defaults.PATH_GLOB_KEYS)
               ['paths.exclude']) == 1


def test_locations_of_paths_the_yaml_does_not_have() -> None:
    root = yaml.compose('a: 1\nb: [x, y]\n')
    assert V._mark_of(None, ('a',)) == (1, 1)
    assert V._mark_of(root, ('a', 'deeper')) == (1, 4)   # a scalar
    assert V._mark_of(root, ('missing',)) == (1, 1)      # the mapping
    assert V._mark_of(root, ('b', 5)) == (2, 4)          # past the list
    assert V._mark_of(root, ('b', 1)) == (2, 8)


@pytest.mark.parametrize(('value', 'size'), [
    (1024, 1024), ('1024', 1024), ('2MB', 2_000_000), ('512KiB', 524_288),
    ('1 GiB', 1024 ** 3), ('3k', 3000),
])
def test_parse_size(value: int | str, size: int) -> None:
    assert P.parse_size(value) == size


# -- install, init, doctor ----------------------------------------------------------------

def test_is_ours_on_an_unreadable_path(tmp_path: Path) -> None:
    assert install.is_ours(str(tmp_path)) is False  # a folder


def test_install_into_an_absolute_hooks_path(plain_repo: RepoHandle,
                                             tmp_path: Path) -> None:
    r = plain_repo
    hooks = tmp_path / 'team-hooks'
    r.git('config', 'core.hooksPath', str(hooks))
    proc = wg('install', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'relative' not in proc.stdout
    assert install.MARKER in (hooks / 'pre-commit').read_text()
    r.git('switch', '-q', '-c', 'feature/abs-hooks')
    r.write('a.txt', 'a\n')
    r.git('add', 'a.txt')
    assert r.run_git('commit', '-m', 'a').returncode == 1


def test_init_in_a_bare_repo(plain_repo: RepoHandle) -> None:
    proc = wg('init', cwd=plain_repo.remote)
    assert proc.returncode == 2
    assert 'init needs a checkout, not a bare repository' in proc.stderr


def test_init_installs_pre_commit(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.write('.pre-commit-config.yaml', 'repos: []\n')  # install needs one
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'pre-commit installed at .git/hooks/pre-commit' in proc.stdout
    assert 'pre-commit installed at .git/hooks/pre-push' in proc.stdout
    r.git('config', 'core.hooksPath', '.githooks')
    proc = wg('init', '--force', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 2
    assert 'pre-commit install failed' in proc.stderr
    assert 'core.hooksPath' in proc.stderr
    assert_no_traceback(proc)


def test_doctor_on_odd_hook_setups(plain_repo: RepoHandle) -> None:
    r = plain_repo
    hooks = r.path / '.git' / 'hooks'
    (hooks / 'pre-commit').write_text(
        '#!/usr/bin/env python3\n# File generated by pre-commit\n'
        "INSTALL_PYTHON = '/usr/bin/python3'\n")
    (hooks / 'pre-commit').chmod(0o755)
    (hooks / 'pre-push').write_text('#!/bin/sh\nexit 0\n')
    (hooks / 'pre-push').chmod(0o755)
    (r.path / '.pre-commit-config.yaml').write_text('repos: [unclosed\n')
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'no worktree-guard commit hook' in proc.stdout
    assert 'pre-push is a foreign hook' in proc.stdout
    (r.path / '.pre-commit-config.yaml').write_text(
        'repos:\n- repo: local\n  hooks:\n  - id: check-branch-name\n')
    proc = wg('doctor', cwd=r.path)
    assert 'no worktree-guard commit hook' not in proc.stdout


# -- records and reports ----------------------------------------------------------------------

def test_records_repr_every_field_and_ref_kinds() -> None:
    update = RefUpdate('refs/heads/a', OID, 'refs/heads/b', '0' * 40)
    assert repr(Head('branch', 'main', OID)) == (
        f"Head(kind='branch', branch='main', oid='{OID}', operation=None)")
    assert (update.is_new, update.is_delete, update.is_tag) == \
        (True, False, False)


def test_violation_locations() -> None:
    assert Violation('r', 'm', path='a.txt').location == 'a.txt'
    assert Violation('r', 'm', path='a.txt', line=3).location == 'a.txt:3'
    assert Violation('r', 'm', path='a', line=3, col=4).location == 'a:3:4'
    assert Violation('r', 'm', ref='refs/heads/x').location == 'refs/heads/x'
    assert Violation('r', 'm').location == 'HEAD'


def test_guard_error_rendering() -> None:
    assert GuardError('m').render() == 'worktree-guard: error: m'
    assert GuardError('m', 'h').render().endswith('\n  hint: h')
    assert PolicyError('f:1:1: m', 'h').render() == 'f:1:1: m\n  hint: h'
    assert PolicyError('f:1:1: m').render() == 'f:1:1: m'


def test_git_helper_is_real(tmp_path: Path) -> None:
    git('init', '-q', str(tmp_path / 'r'), cwd=tmp_path)
    assert (tmp_path / 'r' / '.git').is_dir()
