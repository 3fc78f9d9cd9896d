"""The commit-stage hot path: plain-Python matchers that must agree with
``re`` exactly, the ``-I -S`` hook start-up, and what a hook run imports.

No timing assertions here: bench/ measures speed.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests import agent_payloads as A
from tests.helpers import RepoHandle
from tests.lint.hot_path import HOT_MODULES
from worktree_guard import policy as P
from worktree_guard.commands import faststart
from worktree_guard.commands import install
from worktree_guard.policy import match as M

# -- the built-in branch pattern without re -----------------------------------------

DEFAULT = re.compile(P.DEFAULT_BRANCH_PATTERN)

branch_names = st.one_of(
    st.text(alphabet='issue-0123456789abcz_A/\n. ', max_size=24),
    st.builds(lambda n, s, tail: f'issue-{n}-{s}{tail}',
              st.text(alphabet='0123456789', max_size=4),
              st.text(alphabet='abz09-', max_size=12),
              st.sampled_from(['', '\n', '\n\n', '-', 'X', '/x', ' '])),
)

# Matcher-vs-re properties: a bounded budget in the suite; `./dev fuzz`
# (bench/fuzz.py) raises it.
PROPERTY_EXAMPLES = int(os.environ.get('WORKTREE_GUARD_FUZZ_EXAMPLES', '150'))


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(branch_names)
def test_default_branch_ok_agrees_with_re(name: str) -> None:
    assert M.default_branch_ok(name) is (DEFAULT.search(name) is not None)


@pytest.mark.parametrize(('name', 'ok'), [
    ('issue-7-speed', True), ('issue-46-update-documentation', True),
    ('issue-7-speed\n', True), ('issue-0-x', False), ('issue-07-x', False),
    ('issue-7-', False), ('issue-7', False), ('issue--x', False),
    ('issue-7-a--b', False), ('issue-7-A', False), ('Issue-7-a', False),
    ('issue-x-a', False), ('issue-7-a-', False), ('issue-7-a\n\n', False),
])
def test_default_branch_ok_examples(name: str, ok: bool) -> None:
    assert M.default_branch_ok(name) is ok
    assert (DEFAULT.search(name) is not None) is ok


def test_default_regex_behaves_like_re() -> None:
    rx = P.compile_regex(P.DEFAULT_BRANCH_PATTERN)
    assert isinstance(rx, M.DefaultBranchRegex)
    m = rx.search('issue-42-fix-bug')
    assert m
    assert m.group('issue') == '42' and m.group('slug') == 'fix-bug'
    assert m.groupdict() == {'issue': '42', 'slug': 'fix-bug'}
    assert rx.match('issue-1-a') and rx.search('hotfix') is None
    assert rx.fullmatch('issue-1-a') and rx.fullmatch('issue-1-a\n') is None
    assert 'issue' in rx.groupindex and rx.pattern == P.DEFAULT_BRANCH_PATTERN
    # Anything else is re's own answer.
    assert rx.sub('X', 'issue-3-b') == 'X'
    assert rx.flags == DEFAULT.flags


def test_default_policy_branch_check_needs_no_re() -> None:
    code = (
        'import sys\n'
        'from worktree_guard import policy\n'
        'pol = policy.default_policy()\n'
        "assert pol.branch_regex().search('issue-1-a')\n"
        "assert pol.matches('branches', 'exempt', 'release/1.2')\n"
        "assert pol.matches('branches', 'protected', 'main')\n"
        "assert not pol.matches('branches', 'exempt', 'issue-1-a')\n"
        "print(sorted({'re', 'typing'} & set(sys.modules)))\n"
    )
    parent = str(Path(P.__file__).resolve().parents[2])
    out = subprocess.run(
        [sys.executable, '-I', '-S', '-c',
         f'import sys; sys.path.append({parent!r})\n' + code],
        capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]'


# -- globs without re -----------------------------------------------------------------

glob_segment = st.one_of(
    st.sampled_from(['*', '**', '?', '[ab]', 'a*', '*.x', 'a\\*b']),
    st.text(alphabet='ab-.+ #~', min_size=1, max_size=3),
)
globs = st.builds(lambda segs, tail: '/'.join(segs) + tail,
                  st.lists(glob_segment, min_size=1, max_size=3),
                  st.sampled_from(['', '/', '/**']))
names = st.text(alphabet='ab-.+ #~/\nx', max_size=12)


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None)
@given(globs, st.booleans(), st.lists(names, min_size=1, max_size=8))
def test_glob_matcher_agrees_with_re(glob: str, anchored: bool,
                                     candidates: list[str]) -> None:
    regex = M.glob_to_regex(('/' if anchored else '') + glob)
    if regex is None:
        return
    fast = M.glob_matcher(regex)
    compiled = re.compile(regex)
    for name in candidates:
        assert fast(name) is (compiled.match(name) is not None), \
            (glob, regex, name)


@pytest.mark.parametrize(('regex', 'shape'), [
    ('^main(?:(?P<ps_d>/)|$)', (['main'], False)),
    ('^release/[^/]+(?:(?P<ps_d>/)|$)', (['release', None], False)),
    ('^bot/', (['bot'], True)),
    ('^gh\\-pages(?:(?P<ps_d>/)|$)', (['gh-pages'], False)),
    ('^a(?:/.+)?/b(?:(?P<ps_d>/)|$)', None),   # a/**/b
    ('^x(?P<ps_d>/)', None),                   # x/
    ('.', None),                               # **
    ('^a\\d(?:(?P<ps_d>/)|$)', None),          # an escape class
    ('^a\\/b(?:(?P<ps_d>/)|$)', None),         # an escaped slash
    ('^a[^/]+b(?:(?P<ps_d>/)|$)', None),       # a star inside a segment
    ('^a\0b(?:(?P<ps_d>/)|$)', None),          # our placeholder, literally
    ('^(?:(?P<ps_d>/)|$)', None),              # an empty segment
])
def test_simple_glob_shapes(regex: str, shape: object) -> None:
    assert M.simple_glob(regex) == shape
    fast = M.glob_matcher(regex)
    for name in ('main', 'release/1', 'bot/x', 'gh-pages', 'a/q/b', 'x/',
                 'a1', 'a\0b', '', '/', 'a/b'):
        assert fast(name) is (re.match(regex, name) is not None)


# -- the -I -S hook start-up ------------------------------------------------------------

def test_fast_start_paths_find_the_package() -> None:
    paths = faststart.fast_start_paths(sys.executable)
    assert paths is not None
    pkg_parent = str(Path(P.__file__).resolve().parents[2])
    assert any(os.path.realpath(p) == os.path.realpath(pkg_parent)
               or os.path.isdir(os.path.join(p, 'worktree_guard'))
               for p in paths)
    # The package's own folder first: importing it scans no other folder.
    assert os.path.isdir(os.path.join(paths[0], 'worktree_guard'))


def test_fast_start_paths_give_up_safely(tmp_path: Path) -> None:
    assert faststart.fast_start_paths('/bin/false') is None
    # A python that works with site but not without it.
    wrapper = tmp_path / 'py'
    wrapper.write_text('#!/bin/sh\ncase "$*" in *" -S "*) exit 3;; esac\n'
                       f'exec {sys.executable} "$@"\n')
    wrapper.chmod(0o755)
    assert faststart.fast_start_paths(str(wrapper)) is None


def test_hook_script_shapes() -> None:
    plain = install.hook_script('pre-commit')
    assert ' -S ' not in plain and '-I -m worktree_guard hook' in plain
    baked = install.hook_script('pre-commit', '/py', paths=['/a b', '/c"d'])
    assert "exec /py -I -S -c 'import sys" in baked
    assert 'sys.path += ["/a b", "/c\\"d"]' in baked
    assert 'WORKTREE_GUARD_PYTHON$COVERAGE_PROCESS_START' in baked
    no_probe = install.hook_script('pre-commit', '/py')
    assert ' -S ' not in no_probe and "py=/py" in no_probe
    server = install.hook_script('pre-receive', '/py', 'server', paths=[])
    assert ' pre-receive "$@"' in server and ' -S ' in server


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD'))}


@pytest.mark.parametrize('stale', [False, True])
def test_fast_hook_runs_and_falls_back(plain_repo: RepoHandle, stale: bool,
                                       tmp_path: Path) -> None:
    """The -S script judges like the -I one; with a stale baked path it
    re-executes itself with -I."""
    r = plain_repo
    paths = ['/nonexistent/site-packages'] if stale else \
        faststart.fast_start_paths(sys.executable)
    hook = r.path / '.git' / 'hooks' / 'pre-commit'
    hook.write_text(install.hook_script('pre-commit', sys.executable,
                                        paths=paths))
    hook.chmod(0o755)
    r.write('a.txt', 'a\n')
    r.git('add', 'a.txt')
    env = _clean_env()
    env['GIT_INDEX_FILE'] = '.git/index'
    on_main = subprocess.run([str(hook)], cwd=r.path, env=env,
                             capture_output=True, text=True)
    assert on_main.returncode == 1, on_main
    assert 'protected-branch' in on_main.stderr
    assert 'Traceback' not in on_main.stderr
    r.git('switch', '-q', '-c', 'issue-5-fast-start')
    ok = subprocess.run([str(hook)], cwd=r.path, env=env,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok


def test_install_writes_the_fast_start(plain_repo: RepoHandle,
                                       monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str],
                                       ) -> None:
    monkeypatch.chdir(plain_repo.path)
    assert install.install() == 0
    text = (plain_repo.path / '.git' / 'hooks' / 'pre-push').read_text()
    assert ' -I -S -c ' in text and 'hook pre-push "$@"' in text
    assert install.MARKER in text


# -- what a native hook run imports -----------------------------------------------------

# Modules the commit stage must not pay for under the default policy.
NOT_ON_THE_COMMIT_PATH = ('argparse', 'subprocess', 'yaml', 'pathspec',
                          'jsonschema', 'json', 'dataclasses', 'git', 're2',
                          'runpy', 'importlib.util', 'anyascii',
                          # The engine's judging: only for a change that
                          # holds one of its literals (this one does not).
                          'worktree_guard.pathengine.findings',
                          'worktree_guard.pathengine.sites',
                          'worktree_guard.pathengine.conventions',
                          'worktree_guard.pathengine.homes',
                          'worktree_guard.pathengine.tokens',
                          'worktree_guard.pathengine.lines')


def test_native_pre_commit_imports_nothing_it_does_not_use(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-6-imports')
    r.write('docs/new.md', 'see docs/guide.md\n')
    r.git('add', 'docs/new.md')
    paths = faststart.fast_start_paths(sys.executable)
    assert paths is not None
    code = (
        'import sys\n'
        f'sys.path += {paths!r}\n'
        'from worktree_guard.cli import main\n'
        "rc = main(['hook', 'pre-commit'])\n"
        "print(' '.join(sorted(sys.modules)))\n"
        'sys.exit(rc)\n'
    )
    env = _clean_env()
    env['GIT_INDEX_FILE'] = '.git/index'
    out = subprocess.run([sys.executable, '-I', '-S', '-c', code],
                         cwd=r.path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    loaded = set(out.stdout.split())
    assert 'worktree_guard.runner' in loaded
    assert not loaded & set(NOT_ON_THE_COMMIT_PATH), \
        sorted(loaded & set(NOT_ON_THE_COMMIT_PATH))


# -- discovery without a process at a worktree's root ----------------------------------

def _where(repo: object) -> tuple[object, ...]:
    from worktree_guard.gitctx import Repo
    assert isinstance(repo, Repo)
    return (repo.git_dir, repo.common_dir, repo.root, repo.is_bare)


def _fast(path: Path, monkeypatch: pytest.MonkeyPatch,
          env: dict[str, str] | None = None) -> object:
    from worktree_guard.gitctx import Repo
    monkeypatch.chdir(path)
    return Repo._at_worktree_root(
        {k: v for k, v in os.environ.items() if not k.startswith('GIT_')}
        | (env or {}))


def test_fast_discovery_agrees_with_rev_parse(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    from worktree_guard.gitctx import Repo
    r = plain_repo
    wt = r.worktree('issue-3-fast')
    link = tmp_path / 'link'
    link.symlink_to(r.path)

    def slow() -> tuple[object, ...]:
        with monkeypatch.context() as m:
            m.setattr(Repo, '_at_worktree_root',
                      classmethod(lambda cls, env: None))
            return _where(Repo.discover())

    for where in (r.path, wt, link, link / 'trees' / 'issue-3-fast'):
        fast = _fast(where, monkeypatch)
        assert fast is not None, where
        assert _where(fast) == slow(), where
        # discover(hook=True) takes the fast path here.
        assert _where(Repo.discover(hook=True)) == _where(fast)
    # A relative gitfile (git >= 2.48 can write those): same answer.
    gitfile = wt / '.git'
    gitdir = gitfile.read_text().split(' ', 1)[1].strip()
    gitfile.write_text(f'gitdir: {os.path.relpath(gitdir, wt)}\n')
    assert _where(_fast(wt, monkeypatch)) == slow()


def test_fast_discovery_leaves_the_unusual_to_git(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    r = plain_repo
    assert _fast(r.path / 'docs', monkeypatch) is None  # not the root
    for env in ({'GIT_DIR': '.git'}, {'GIT_WORK_TREE': '.'},
                {'GIT_COMMON_DIR': '.git'}, {'GIT_CONFIG_COUNT': '1'},
                {'GIT_CONFIG_PARAMETERS': "'core.worktree'='/x'"}):
        assert _fast(r.path, monkeypatch, env) is None, env
    assert _fast(r.path, monkeypatch,
                 {'GIT_CONFIG_PARAMETERS': "'user.name'='x'"}) is not None
    # Not ours: git's safe.directory rule decides.
    monkeypatch.setattr(os, 'geteuid', lambda: os.stat(r.path).st_uid + 1)
    assert _fast(r.path, monkeypatch) is None
    monkeypatch.undo()
    config = r.path / '.git' / 'config'
    original = config.read_text()
    for extra in ('[core]\n\tworktree = /elsewhere\n',
                  '[include]\n\tpath = other\n', '[core]\n\tbare = true\n',
                  '[core]\n\tbare\n'):
        config.write_text(original + extra)
        assert _fast(r.path, monkeypatch) is None, extra
    config.write_text(original)
    # Gitfiles that do not look like git's.
    other = tmp_path / 'other'
    other.mkdir()
    (other / '.git').write_text('not a gitfile\n')
    assert _fast(other, monkeypatch) is None
    (other / '.git').write_text(f'gitdir: {tmp_path}\n')  # no HEAD there
    assert _fast(other, monkeypatch) is None
    # A gitdir of its own (no commondir) whose config is missing.
    lonely = tmp_path / 'lonely.git'
    lonely.mkdir()
    (lonely / 'HEAD').write_text('ref: refs/heads/main\n')
    (other / '.git').write_text(f'gitdir: {lonely}\n')
    assert _fast(other, monkeypatch) is None
    (lonely / 'config').write_text('[core]\n\tbare = false\n')
    fast = _fast(other, monkeypatch)
    assert fast is not None
    assert _where(fast) == (str(lonely), str(lonely), str(other), False)
    shutil.rmtree(r.path / 'docs')
    os.rename(r.path / '.git', r.path / 'gone')
    assert _fast(r.path, monkeypatch) is None  # no .git at all


# -- `check` without argparse (what pre-commit runs) ------------------------------------

@pytest.mark.parametrize('args', [
    [], ['--hook', 'worktree-guard-commit', '--stage', 'commit'],
    ['--hook=check-branch-name'], ['--hook='], ['--format=json'],
    ['--stage', 'push', '--format', 'json', '--all-files', '--policy', 'p.y'],
    ['--rule', 'branch-name'], ['--rule=a', '--rule', 'b', '--hook', 'h'],
    ['--from-ref', 'a', '--to-ref', 'b', '--branch', 'c', '--remote=o'],
    ['--hook', 'h', 'a.txt', 'b c'], ['--quiet', '--color', 'never', 'f'],
    ['--color=always', 'a', 'b'], ['-v'], ['--verbose', '--hook', 'h'],
    ['--hook', 'h', '-v', 'f'],
])
def test_fast_check_args_match_argparse(args: list[str]) -> None:
    """One declaration (check.OPTIONS), two readers that agree."""
    from worktree_guard.cli import parser
    from worktree_guard.commands import check
    fast = check.fast_args(args)
    assert fast is not None
    ns = parser().parse_args(['check', *args])
    assert set(check.CheckArgs.__slots__) == \
        {o.dest for o in check.OPTIONS} | {'files'}
    for key in check.CheckArgs.__slots__:
        assert getattr(fast, key) == getattr(ns, key), key


@pytest.mark.parametrize('args', [
    ['--hook'], ['--hook', '--stage', 'commit'], ['--stage', 'sideways'],
    ['--stage=sideways'], ['--hook', 'a', '--hook', 'b'], ['--all-files=1'],
    ['--hoo', 'x'], ['file.txt', '--stage', 'commit'], ['-h'],
    ['a', '--quiet'], ['--color', 'sometimes'], ['-vv'], ['-v', '--verbose'],
    ['-v=1'], ['f', '-v'],
])
def test_fast_check_args_leave_the_rest_to_argparse(args: list[str]) -> None:
    from worktree_guard.commands import check
    assert check.fast_args(args) is None


def test_check_under_pre_commit_needs_no_argparse(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-9-no-argparse')
    r.write('a.md', 'see docs/guide.md\n')
    r.git('add', 'a.md')
    code = (
        'import sys\n'
        'from worktree_guard.cli import main\n'
        "rc = main(['check', '--hook', 'worktree-guard-commit', '--stage', "
        "'commit'])\n"
        "print('argparse' in sys.modules, rc)\n"
    )
    env = _clean_env()
    env['PRE_COMMIT'] = '1'
    out = subprocess.run([sys.executable, '-I', '-c', code], cwd=r.path,
                         env=env, capture_output=True, text=True)
    assert out.stdout.split() == ['False', '0'], out
    # A violation still fails the same way through the fast path.
    r.git('switch', '-q', 'main')
    out = subprocess.run([sys.executable, '-I', '-c', code], cwd=r.path,
                         env=env, capture_output=True, text=True)
    assert out.stdout.split()[-1] == '1', out
    assert 'protected-branch' in out.stdout, out


# -- which of our modules a hook loads: tests/lint/hot_path.py HOT_MODULES --------------

def _imported(log: Path) -> set[str]:
    """The modules ``python -X importtime`` reported loading."""
    return {line.rsplit('|', 1)[1].strip()
            for line in log.read_text().splitlines()
            if line.startswith('import time:') and '|' in line}


def hook_runs(r: RepoHandle, tmp_path: Path) -> dict[str, set[str]]:
    """Every hook, run for real (git runs the installed hooks), each in a
    fresh interpreter that ``$WORKTREE_GUARD_PYTHON`` starts with ``-X
    importtime``: what each loaded, by name."""
    log = tmp_path / 'imports.log'
    py = tmp_path / 'py'
    py.write_text(f'#!/bin/sh\nexec {sys.executable} -X importtime "$@" '
                  f'2>>{log}\n')
    py.chmod(0o755)
    env = _clean_env() | {'WORKTREE_GUARD_PYTHON': str(py)}
    bare = Path(r.git('remote', 'get-url', 'origin').strip())
    assert install.install_server(str(bare)) == 0
    loaded: dict[str, set[str]] = {}

    def step(name: str, *cmd: str, cwd: Path = r.path, rc: int | None = 0,
             stdin: str | None = None) -> None:
        log.write_text('')
        proc = subprocess.run(list(cmd), cwd=cwd, env=env, input=stdin,
                              capture_output=True, text=True, timeout=120)
        assert rc is None or proc.returncode == rc, (name, proc,
                                                     log.read_text()[-2000:])
        loaded[name] = _imported(log)
        assert loaded[name], name

    wg = (str(py), '-I', '-m', 'worktree_guard')
    r.write('a.md', 'see docs/guide.md\n')
    r.git('add', 'a.md')
    step('pre-commit on main', 'git', 'commit', '-qm', 'x', rc=1)
    step('reference-transaction', 'git', 'update-ref', 'refs/heads/main',
         r.head(), rc=None)
    wt = r.worktree('issue-4-hot-path')
    for rel, text in (('README.md', 'see ../main-repo/docs/x.md\n'),
                      ('src/app.py', f"open('{r.path}/src/x.py')\n"),
                      # a backslash-newline (joins) and a symlink (symlinks)
                      ('run.sh', 'cp a ../\\\n  x\n')):
        r.write(rel, text, cwd=wt)
        r.git('add', rel, cwd=wt)
    (wt / 'link').symlink_to('../../x')
    r.git('add', 'link', cwd=wt)
    step('pre-commit, commit-msg: a path escape', 'git', 'commit', '-qm',
         'x', cwd=wt, rc=1)
    r.write('.worktree-guard.yaml', 'branches:\n  exempt: [release/*]\n',
            cwd=wt)
    r.git('add', '.worktree-guard.yaml', cwd=wt)
    step('pre-commit, commit-msg: a new policy', 'git', 'commit', '-qm',
         'x', '--', '.worktree-guard.yaml', cwd=wt)
    step('pre-push, pre-receive, update', 'git', 'push', '-q', 'origin',
         'issue-4-hot-path', cwd=wt)
    step('check under pre-commit', *wg, 'check', '--hook',
         'worktree-guard-commit', '--stage', 'commit', cwd=wt, rc=1)
    step('check in CI', *wg, 'check', '--from-ref', 'origin/main',
         '--to-ref', 'HEAD', cwd=wt, rc=None)
    for tool, payload in (
            ('an edit', A.claude_edit(str(wt), 'src/app.py', 'y')),
            ('a write outside', A.claude_write(str(wt), str(r.path / 'x'))),
            ('a shell command',
             A.claude_bash(str(wt), 'cd src && ls | grep x > out'))):
        step(f'agent: {tool}', *wg, 'agent', 'claude', cwd=wt,
             stdin=A.text(payload))
    step('sandbox', *wg, 'sandbox', '--', 'true', cwd=wt, rc=None)
    return loaded


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_hooks_load_only_the_hot_modules(native_repo: RepoHandle,
                                         tmp_path: Path) -> None:
    """HOT_MODULES (tests/lint/hot_path.py) is what the hooks load of
    ours: no hook loads another module, and each listed one is loaded."""
    loaded = hook_runs(native_repo, tmp_path)
    ours = {name: {m for m in mods if m.split('.')[0] == 'worktree_guard'}
            for name, mods in loaded.items()}
    for name, mods in ours.items():
        assert mods <= HOT_MODULES, \
            (name, 'loads modules missing from tests/lint/hot_path.py '
             'HOT_MODULES (add them):', sorted(mods - HOT_MODULES))
    assert set().union(*ours.values()) == HOT_MODULES, \
        ('no hook loads these HOT_MODULES (remove them):',
         sorted(HOT_MODULES - set().union(*ours.values())))
