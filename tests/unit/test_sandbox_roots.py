"""The sandbox's pure parts, table-driven (no git, no sandbox): the
writable roots (oslimit/roots.py), the git config reader, the Landlock
rights per ABI, bubblewrap's command line, and the option parser."""
from __future__ import annotations

import os

import pytest

from worktree_guard.commands.sandbox import parse
from worktree_guard.errors import GuardError
from worktree_guard.oslimit import bwrap
from worktree_guard.oslimit import facts
from worktree_guard.oslimit import landlock
from worktree_guard.oslimit.facts import config_values
from worktree_guard.oslimit.roots import inside
from worktree_guard.oslimit.roots import minimal
from worktree_guard.oslimit.roots import plan
from worktree_guard.oslimit.roots import private_name
from worktree_guard.oslimit.roots import Root
from worktree_guard.records import CheckoutMap
from worktree_guard.records import RepoCheckout

R = '/w/repo'
COMMON = f'{R}/.git'
WT = f'{R}/trees/issue-1-x'
SIB = f'{R}/trees/issue-2-y'
CACHE = '/home/u/.cache'


def cmap(current: str = 'wt', root: str = R) -> CheckoutMap:
    common = f'{root}/.git'
    main = RepoCheckout(root, 'main', 'main', common)
    wt = RepoCheckout(f'{root}/trees/issue-1-x', 'worktree', 'issue-1-x',
                      f'{common}/worktrees/issue-1-x')
    sib = RepoCheckout(f'{root}/trees/issue-2-y', 'worktree', 'issue-2-y',
                       f'{common}/worktrees/issue-2-y')
    cur = {'wt': wt, 'main': main, 'none': None}[current]
    return CheckoutMap(cur, [main, wt, sib], common)


GIT = [f'{COMMON}/objects', f'{COMMON}/refs', f'{COMMON}/logs',
       f'{COMMON}/worktrees/issue-1-x']


@pytest.mark.parametrize(('temps', 'tmpdir_set', 'caches', 'extra',
                          'hooks', 'roots', 'dropped', 'tmpdir', 'parent'), [
    # The usual case: everything allowed.
    (['/tmp'], False, [CACHE], [], [],
     [WT, *GIT, '/tmp', CACHE, '/dev'], [], None, None),
    # $TMPDIR and /tmp both kept; --allow-write; a nested cache collapses.
    (['/t/session', '/tmp'], True, [CACHE, f'{CACHE}/pip'], ['/opt/x'], [],
     [WT, *GIT, '/opt/x', '/t/session', '/tmp', CACHE, '/dev'], [], None,
     None),
    # The repository under the temp folder: /tmp goes, a private one comes.
    (['/w'], False, [CACHE], [], [],
     [WT, *GIT, CACHE, '/dev'], [('/w', 'it holds /w/repo')], None, '/w'),
    # $TMPDIR inside the main checkout goes; /tmp takes its place.
    ([f'{R}/tmp', '/tmp'], True, [CACHE], [], [],
     [WT, *GIT, '/tmp', CACHE, '/dev'],
     [(f'{R}/tmp', f'it is inside {R}')], '/tmp', None),
    # $TMPDIR inside the worktree itself is fine (the worktree is writable).
    ([f'{WT}/tmp', '/tmp'], True, [CACHE], [], [],
     [WT, *GIT, '/tmp', CACHE, '/dev'], [], None, None),
    # The cache holds the repository, or the hooks folder: it goes.
    (['/tmp'], False, ['/w'], [], [],
     [WT, *GIT, '/tmp', '/dev'], [('/w', 'it holds /w/repo')], None, None),
    (['/tmp'], False, [CACHE], [], [f'{CACHE}/hooks'],
     [WT, *GIT, '/tmp', '/dev'],
     [(CACHE, f'it holds {CACHE}/hooks')], None, None),
    # A hooks folder inside the git dir's refs: refs goes.
    (['/tmp'], False, [], [], [f'{COMMON}/refs/hooks'],
     [WT, f'{COMMON}/objects', f'{COMMON}/logs', GIT[3], '/tmp', '/dev'],
     [(f'{COMMON}/refs', f'it is inside {COMMON}/refs/hooks')], None, None),
])
def test_plan(temps: list[str], tmpdir_set: bool, caches: list[str],
              extra: list[str], hooks: list[str], roots: list[str],
              dropped: list[tuple[str, str]], tmpdir: str | None,
              parent: str | None) -> None:
    p = plan(cmap(), temps=temps, tmpdir_set=tmpdir_set, caches=caches,
             extra=extra, hooks_paths=hooks)
    assert [r.path for r in p.roots] == roots
    assert [(r.path, why) for r, why in p.dropped] == dropped
    assert (p.tmpdir, p.private_parent) == (tmpdir, parent)
    assert p.worktree == WT
    assert COMMON in p.protected and SIB in p.protected


def test_plan_under_dev() -> None:
    """A repository under /dev (/dev/shm): /dev goes too."""
    p = plan(cmap(root='/dev/shm/r'), temps=['/tmp'], tmpdir_set=False,
             caches=[], extra=[], hooks_paths=[])
    assert [r.path for r in p.roots if r.why == 'devices'] == [
        '/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom',
        '/dev/tty', '/dev/ptmx', '/dev/pts']
    assert ('/dev', 'it holds /dev/shm/r') in [
        (r.path, why) for r, why in p.dropped]


@pytest.mark.parametrize(('current', 'temps', 'extra', 'hooks', 'message'), [
    ('main', ['/tmp'], [], [], 'is the main checkout'),
    ('none', ['/tmp'], [], [], 'in no checkout'),
    ('wt', ['/tmp'], [R], [], f'--allow-write {R} is refused: it holds'),
    ('wt', ['/tmp'], [f'{R}/src'], [], 'is inside /w/repo'),
    ('wt', ['/tmp'], [f'{SIB}/x'], [], 'is inside'),
    ('wt', ['/tmp'], [], [f'{WT}/hooks'], f'the worktree {WT} holds'),
    ('wt', [f'{R}/tmp'], [], [], 'no temp folder is outside'),
])
def test_plan_refuses(current: str, temps: list[str], extra: list[str],
                      hooks: list[str], message: str) -> None:
    with pytest.raises(GuardError, match=message):
        plan(cmap(current), temps=temps, tmpdir_set=False, caches=[],
             extra=extra, hooks_paths=hooks)


@pytest.mark.parametrize(('path', 'root', 'expected'), [
    ('/a/b', '/a', True), ('/a', '/a', True), ('/ab', '/a', False),
    ('/a', '/a/b', False), ('/x', '/', True),
])
def test_inside(path: str, root: str, expected: bool) -> None:
    assert inside(path, root) is expected


def test_minimal() -> None:
    roots = [Root('/a/b', 'x'), Root('/a', 'y'), Root('/a/c', 'z'),
             Root('/b', 'w'), Root('/b', 'v')]
    assert [(r.path, r.why) for r in minimal(roots)] == [('/a', 'y'),
                                                         ('/b', 'w')]


def test_private_name() -> None:
    name = private_name('/tmp', 1000, WT)
    assert name.startswith('/tmp/worktree-guard-sandbox-1000-')
    assert name == private_name('/tmp', 1000, WT)
    assert name != private_name('/tmp', 1000, SIB)


@pytest.mark.parametrize(('text', 'values'), [
    ('[core]\n\thooksPath = /h\n', ['/h']),
    ('[Core]\nHOOKSPATH=/h ; comment\n', ['/h']),
    ('[core] hookspath = "/with space" # c\n', ['/with space']),
    ('[core]\nhooksPath = /a\n[user]\nhooksPath = /b\n[core]\n'
     'hookspath=/c\n', ['/a', '/c']),
    ('[remote "origin"]\nhooksPath = /x\n[]\nhooksPath = /y\n', []),
    ('# only a comment\nhooksPath = /x\n[core]\nbare = false\n', []),
])
def test_config_values(text: str, values: list[str]) -> None:
    assert config_values(text, 'core', 'hookspath') == values


@pytest.mark.parametrize(('abi', 'refer', 'truncate'), [
    (1, False, False), (2, True, False), (3, True, True), (7, True, True),
])
def test_handled_rights(abi: int, refer: bool, truncate: bool) -> None:
    rights = landlock.handled(abi)
    assert bool(rights & landlock.REFER) is refer
    assert bool(rights & landlock.TRUNCATE) is truncate
    assert rights & landlock.WRITE_FILE and rights & landlock.MAKE_SYM
    # Reads, execution and device ioctls are never handled.
    assert not rights & ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 15))


@pytest.mark.parametrize(('abi', 'reason'), [
    (None, 'has no Landlock'), (1, 'ABI 1'), (2, None), (7, None),
])
def test_unusable(abi: int | None, reason: str | None) -> None:
    why = landlock.unusable(abi)
    assert (why is None) if reason is None else (reason in (why or ''))


def test_ruleset_on_this_kernel(tmp_path: os.PathLike[str]) -> None:
    """A ruleset is built without restricting anything: a missing root is
    skipped, a file root gets the file rights, and a path Landlock cannot
    hold (a pipe) is an error."""
    abi = landlock.abi()
    if landlock.unusable(abi) is not None:
        pytest.skip(f'no usable Landlock here: {landlock.unusable(abi)}')
    assert abi is not None
    f = os.path.join(tmp_path, 'file')
    with open(f, 'w'):
        pass
    rs = landlock.Ruleset(abi, [str(tmp_path), f, f'{tmp_path}/missing'])
    assert rs.added == [str(tmp_path), f]
    rs.close()
    r, w = os.pipe()
    try:
        with pytest.raises(landlock.LandlockError,
                           match='landlock_add_rule'):
            landlock.Ruleset(abi, [f'/proc/self/fd/{r}'])
    finally:
        os.close(r)
        os.close(w)


def test_ruleset_the_kernel_refuses() -> None:
    abi = landlock.abi()
    if landlock.unusable(abi) is not None:
        pytest.skip(f'no usable Landlock here: {landlock.unusable(abi)}')
    assert abi is not None
    with pytest.raises(landlock.LandlockError,
                       match='landlock_create_ruleset: Invalid argument'):
        landlock.Ruleset(abi, ['/'], rights=1 << 62)   # no such right


@pytest.mark.parametrize(('env', 'temps', 'caches'), [
    ({'HOME': '/h'}, ['/tmp'], ['/h/.cache', '/h/.npm']),
    ({'HOME': '/h', 'TMPDIR': '/tmp', 'XDG_CACHE_HOME': '/c',
      'PIP_CACHE_DIR': '/p'}, ['/tmp'], ['/c', '/h/.npm', '/p']),
    ({'HOME': '/h', 'TMPDIR': '/t'}, ['/t', '/tmp'],
     ['/h/.cache', '/h/.npm']),
])
def test_temps_and_caches(env: dict[str, str], temps: list[str],
                          caches: list[str]) -> None:
    assert facts.temps(env) == [os.path.realpath(t) for t in temps]
    assert facts.caches(env) == caches


@pytest.mark.parametrize(('env', 'files'), [
    ({'HOME': '/h'}, ['/etc/gitconfig', '/h/.config/git/config',
                      '/h/.gitconfig']),
    ({'HOME': '/h', 'XDG_CONFIG_HOME': '/x', 'GIT_CONFIG_NOSYSTEM': '1'},
     ['/x/git/config', '/h/.gitconfig']),
    ({'GIT_CONFIG_GLOBAL': '/g', 'GIT_CONFIG_NOSYSTEM': '1'}, ['/g']),
])
def test_config_files(env: dict[str, str], files: list[str]) -> None:
    assert facts.config_files(env, '/r/.git', '/r/.git/worktrees/a') == [
        *files, '/r/.git/config', '/r/.git/worktrees/a/config.worktree']


def test_hooks_paths(tmp_path: os.PathLike[str]) -> None:
    """Absolute and ``~`` values count; relative ones stay per checkout."""
    common = os.path.join(tmp_path, 'common')
    os.mkdir(common)
    with open(os.path.join(common, 'config'), 'w') as f:
        f.write('[core]\n\thooksPath = .githooks\n\thooksPath = ~/hooks\n')
    glob = os.path.join(tmp_path, 'global')
    with open(glob, 'w') as f:
        f.write('[core]\nhooksPath = /srv/hooks\n')
    env = {'HOME': '/h', 'GIT_CONFIG_GLOBAL': glob,
           'GIT_CONFIG_NOSYSTEM': '1'}
    home = os.path.expanduser('~')
    assert facts.hooks_paths(env, common, f'{common}/worktrees/a') == [
        os.path.realpath('/srv/hooks'), os.path.realpath(f'{home}/hooks')]


def test_bwrap_argv(tmp_path: os.PathLike[str]) -> None:
    here = str(tmp_path)
    argv = bwrap.argv('/usr/bin/bwrap', [here, '/dev', f'{here}/missing'],
                      7, ['sh', '-c', 'true'])
    assert argv == ['/usr/bin/bwrap', '--ro-bind', '/', '/', '--bind', here,
                    here, '--dev-bind', '/dev', '/dev', '--die-with-parent',
                    '--json-status-fd', '7', '--', 'sh', '-c', 'true']
    narrow = bwrap.argv('bwrap', ['/dev/null', '/dev/pts'], 3, ['true'])
    assert narrow[4:10] == ['--dev-bind', '/dev/null', '/dev/null',
                            '--dev-bind', '/dev/pts', '/dev/pts']
    assert bwrap.ran(b'{ "child-pid": 3 }\n{ "exit-code": 1 }\n')
    assert not bwrap.ran(b'{ "child-pid": 3 }\n')


def test_bwrap_find(tmp_path: os.PathLike[str]) -> None:
    exe = os.path.join(tmp_path, 'bwrap')
    with open(exe, 'w') as f:
        f.write('#!/bin/sh\n')
    assert bwrap.find(str(tmp_path)) is None   # not executable
    os.chmod(exe, 0o755)
    assert bwrap.find(f'/nonexistent:{tmp_path}') == exe


@pytest.mark.parametrize(('argv', 'expected'), [
    (['--', 'true'], ('auto', None, [], False, ['true'])),
    (['true', '-x'], ('auto', None, [], False, ['true', '-x'])),
    (['--engine', 'bwrap', '--worktree=/w', '--allow-write', '/a',
      '--allow-write=/b', '--', 'ls', '--', '-l'],
     ('bwrap', '/w', ['/a', '/b'], False, ['ls', '--', '-l'])),
    (['--check', '--engine=landlock'], ('landlock', None, [], True, [])),
])
def test_parse(argv: list[str],
               expected: tuple[str, str | None, list[str], bool,
                               list[str]]) -> None:
    ns = parse(argv)
    assert ns is not None
    assert (ns.engine, ns.worktree, ns.allow, ns.check, ns.cmd) == expected


@pytest.mark.parametrize(('argv', 'message'), [
    ([], 'no command to run'),
    (['--worktree', '/w'], 'no command to run'),
    (['--'], 'no command to run'),
    (['--bogus', '--', 'true'], "unknown option '--bogus'"),
    (['--engine', 'docker', '--', 'true'], "--engine 'docker'"),
    (['--worktree'], '--worktree needs a value'),
    (['--check', '--', 'true'], '--check takes no command'),
])
def test_parse_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(GuardError, match=message) as info:
        parse(argv)
    assert 'usage: worktree-guard sandbox' in info.value.render()


def test_parse_help() -> None:
    assert parse(['--help']) is None
    assert parse(['--check', '-h']) is None
