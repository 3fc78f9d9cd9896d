"""The path engine's parts, table-driven: spellings (text), line models
(lines) and the places a token can sit in a file.  No git."""
from __future__ import annotations

import pytest

from tests.unit.test_pathengine import CUR
from tests.unit.test_pathengine import MAIN
from tests.unit.test_pathengine import ctx
from tests.unit.test_pathengine import scan
from worktree_guard.model import Checkout
from worktree_guard.model import PathChange
from worktree_guard.pathengine import Context
from worktree_guard.pathengine import Engine
from worktree_guard.pathengine import lines
from worktree_guard.pathengine import text

ERR = 'relative-escape error'
OUT = '../../../out'   # from the worktree root: outside every checkout


@pytest.mark.parametrize(('raw', 'decoded'), [
    ('%2e%2e%2Fx%5cy', '../x\\y'),
    ('%41%2e', '%41.'),
    ('100%', '100%'),
    ('..\\/x', '../x'),
    ('..\\..\\x', '../../x'),
    ('a/b\\nc', 'a/b'),
    ('a/b\\x\\', 'a/b\\x\\'),
    ('C:\\\\Users\\\\ann', 'C:\\Users\\ann'),
])
def test_decode(raw: str, decoded: str) -> None:
    assert text.decode(raw) == decoded


@pytest.mark.parametrize(('token', 'user'), [
    ('/home/ann/x', 'ann'), ('C:/Users/bo/x', 'bo'), ('/home/ann', None),
    ('x/home/ann/y', None), ('C:\\Users\\cy\\x', 'cy'),
])
def test_home_user(token: str, user: str | None) -> None:
    assert text.home_user(token) == user


@pytest.mark.parametrize(('user', 'real'), [
    ('ann', True), ('runner', False), ('app', False), ('*', False),
    ('USER', False), ('.cache', False), ('dev1', True),
])
def test_plausible_user(user: str, real: bool) -> None:
    assert text.plausible_user(user, {'dev1x'}) is real
    assert text.plausible_user('svc', {'svc'}) is False


@pytest.mark.parametrize(('path', 'head', 'kind'), [
    ('.gitmodules', b'', 'gitmodules'), ('a/b.min.js', b'', 'generated'),
    ('CHANGELOG', b'', 'changelog'), ('HISTORY.rst', b'', 'changelog'),
    ('README', b'', 'doc'), ('docs/a.adoc', b'', 'doc'),
    ('x.bash', b'', 'shell'), ('.bashrc', b'', 'shell'),
    ('bin/tool', b'#!/bin/sh\nx', 'shell'), ('bin/t', b'#!/usr/bin/env bash',
                                              'shell'),
    ('bin/py', b'#!/usr/bin/env python3\n', 'code'),
    ('.env.local', b'', 'config'), ('a.toml', b'', 'config'),
    ('Makefile', b'', 'code'), ('changes.py', b'', 'code'),
])
def test_file_kind(path: str, head: bytes, kind: str) -> None:
    assert text.file_kind(path, head) == kind


@pytest.mark.parametrize(('path', 'test'), [
    ('tests/a.py', True), ('src/a_test.go', True), ('a.spec.ts', True),
    ('x/__snapshots__/a', True), ('test.py', True), ('a.snap', True),
    ('src/app.py', False), ('testing.md', False),
])
def test_is_test(path: str, test: bool) -> None:
    assert text.is_test(path) is test


# -- shell words and cd ------------------------------------------------------------

def test_split_words() -> None:
    words = [w[2] for w in lines.split_words(
        'a "b c" \'d\'e $(f "g") && h || i; j | (k) # l')]
    assert words == ['a', 'b c', 'de', '$(f g)', '&&', 'h', '||', 'i', ';',
                     'j', '|', '(', 'k', ')']
    assert [w[2] for w in lines.split_words('x "open')] == ['x', 'open']
    assert [w[2] for w in lines.split_words('a#b')] == ['a#b']


@pytest.mark.parametrize(('arg', 'cwd', 'after'), [
    ('sub', '', 'sub'), ('..', 'a/b', 'a'), ('$(dirname "$0")', 'x', 'f'),
    ('$(dirname "$0")/..', 'x', '.'), ('"$(dirname "$0")"/lib', 'x', 'f/lib'),
    ('$(git rev-parse --show-toplevel)', 'x', '.'),
    ('$(git rev-parse --show-toplevel)/src', 'x', 'src'),
    ('$DIR', '', lines.UNKNOWN), ('~', '', lines.UNKNOWN),
    ('/abs', '', lines.UNKNOWN), ('a${x}', '', lines.UNKNOWN),
    ('sub', lines.UNKNOWN, lines.UNKNOWN),
])
def test_cd_target(arg: str, cwd: str, after: str) -> None:
    assert lines.cd_target(arg, cwd, 'f') == after


SHELL = [
    # cd forms: pushd, popd, bare cd, cd -, subshells, anchors.
    ('pushd sub\ncat ../x\n', []),
    ('pushd sub\npopd\ncat ../x\n', []),
    ('cd\ncat ../x\n', []),
    ('cd -\ncat ../x\n', []),
    ('(cd sub && cat ../x)\ncat ../x\n', [f'2:5 {ERR}']),
    ('cd "$(dirname "$0")"\ncat ../x\n', [f'2:5 {ERR}']),
    ('cd $X\ncd "$(dirname "$0")"\ncat ../x\n', [f'3:5 {ERR}']),
    ('cat "$(dirname "$0")/../x"\n', [f'1:21 {ERR}']),
    ('cp ${A}/../x .\n', []),
    ('ln -s ../x dir/\n', []),
    ('ln -s ../../../x a b dir\n', [f'1:7 {ERR}']),
    ('ln -s ../x\n', [f'1:7 {ERR}']),
    ('ln --symbolic ../x sub/link\n', []),
    ('ln ../x hard\n', [f'1:4 {ERR}']),
    ('cp -s ../x sub/y\n', []),
    ('echo ln -s; cat ../x\n', [f'1:17 {ERR}']),
]


@pytest.mark.parametrize(('content', 'expected'), SHELL)
def test_shell_scripts(content: str, expected: list[str]) -> None:
    assert scan('run.sh', content) == expected


DOCS = [
    ('~~~sh\ncd ../x\n```\ncat ../y\n~~~\nsee ../z\n', [f'6:5 {ERR}']),
    ('```\n$ cd ../x\n```\n', []),
    ('```text\n../x\n```\n', []),
    # Indented lines read as code for the reader (a list's continuation
    # paragraph too: the engine sees one line at a time).
    ('- item\n    ../x\n', []),
    ('<img src="../x.png">\n', [f'1:11 {ERR}']),
    ('[a]: ../x\n', [f'1:6 {ERR}']),
    ('See ../x (prose).\n', [f'1:5 {ERR}']),
]


@pytest.mark.parametrize(('content', 'expected'), DOCS)
def test_docs(content: str, expected: list[str]) -> None:
    assert scan('README.md', content) == expected


def test_changelog_links_still_count() -> None:
    assert scan('CHANGES.md', '[old](../x)\nsee ../y\n') == [f'1:7 {ERR}']


CODE = [
    ('src/a.py', "p = os.path.join(os.path.dirname(__file__), '..', 'x')\n",
     []),
    ('src/a.py', "p = os.path.join(os.path.dirname(__file__), '..', '..')\n",
     [f'1:46 {ERR}']),
    ('a.py', "p = os.path.join(base, '..')\n", []),
    ('a.py', "os.chdir('..')\n", [f'1:11 {ERR}']),
    ('a.py', f'x = "$(pwd)/{OUT[3:]}"\n', [f'1:12 {ERR}']),
    ('a.cfg', 'path = ../x\n', [f'1:8 {ERR}']),
    ('.gitmodules', '[submodule "x"]\n\tpath = ../x\n', [f'2:9 {ERR}']),
    ('a.c', '/* see ../../../x */\n', ['1:8 relative-escape warn']),
    ('a.js', 'x = "${A}/../x"\n', []),
    ('a.json', '"\\\\"\n', []),
    ('a.py', 'x = "//w/main"\n', ['1:6 absolute-checkout error']),
    ('a.py', 'x = "~/../x" + "%A%/../y"\n', []),
    ('dist/a.min.js', 'x="../../../y"\n', []),
    ('a.py', f'x = "{MAIN}/trees/issue-46-docs/src"\n',
     ['1:6 absolute-checkout error']),
    ('a.py', f'x = "{MAIN}/trees/issue-46-docs"\n',
     ['1:6 absolute-checkout error']),
    ('a.py', f'x = "{MAIN}"\n', ['1:6 absolute-checkout error']),
    ('a.py', 'x = "/home/ann/x"\n', ['1:6 home-path error']),
    ('a.py', 'x = "/srv/x"\n', []),
    ('a.py', 'x = "C:\\\\Users\\\\ann\\\\x"\n', ['1:6 home-path error']),
    ('tests/a.py', 'x = "C:\\\\Users\\\\ann\\\\x"\n', []),
    ('a.py', 'x = "trees/issue-46-docs/"\n', []),
    ('a.py', 'x = "trees/issue-77-new/x"\n', ['1:6 sibling-worktree error']),
    ('a.py', 'x = "trees/Nope/x"\n', []),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), CODE)
def test_code_and_config(path: str, content: str,
                         expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_resolve_from_both_and_root() -> None:
    assert scan('docs/a.md', '../x\n', resolve='both') == []
    assert scan('a.md', '../../../x\n', resolve='both') == [f'1:1 {ERR}']
    assert scan('docs/a.md', '../x\n', resolve='root') == [f'1:1 {ERR}']
    e = Engine(ctx(resolve='root'))
    (f,) = e.scan('docs/a.md', f'{CUR}/docs/x.md\n'.encode())
    assert f.replacement == 'docs/x.md'


def test_patches_see_new_lines_and_shebangs() -> None:
    data = (b'diff --git a/t b/t\n@@ -0,0 +1,3 @@\n+#!/bin/sh\n'
            b'+cd ..\n+x\n'
            b'diff --git a/u.txt b/u.txt\n@@ -3,2 +3,2 @@\n ctx\n-old\n'
            b'\\ No newline at end of file\n+cd ..\n')
    h1 = data.index(b'@@')
    e1 = data.index(b'diff', 1)
    h2 = data.index(b'@@', e1)
    change = PathChange(None, [], data, [(h1, e1, 't'),
                                         (h2, len(data), 'u.txt')], True)
    found = Engine(ctx()).scan_change(change)
    assert [(f.path, f.line) for f in found] == [('t', 2)]


def test_scan_added_lines_only() -> None:
    e = Engine(ctx())
    data = b'see ../../../a\nsee ../../../b\n'
    assert [f.line for f in e.scan('a.md', data, {2})] == [2]
    assert e.scan_change(PathChange()) == []


def test_places_without_a_git_dir() -> None:
    e = Engine(ctx(git_dir=None, home='/home/ann'))
    assert e.judge(f'{MAIN}/.git/x', CUR).where == 'git-dir'
    assert e.judge('.git', CUR).where == 'git-dir'
    assert e.judge(f'{MAIN}/trees/other', CUR).where == 'main'
    e = Engine(ctx(symlinks={'a': 'b'}))
    assert e.judge('/elsewhere/x', CUR).where == 'outside'


def test_symlink_shapes() -> None:
    e = Engine(ctx(allow=['../ok'], checkouts=[
        Checkout('current', CUR, [CUR]),
        Checkout('worktree', '/w/out', ['/w/out'])]))
    assert e.symlink('l', '../ok/x') is None
    for target in ('\\\\server\\share', 'C:\\x', 'c:/x'):
        f = e.symlink('l', target)
        assert f is not None and 'absolute target' in f.message
    f = e.symlink('d/l', f'{CUR}/.git/x')
    assert f is not None and f.fix == ['git rm --cached -- d/l']
    f = e.symlink('d/l', '../../x')
    assert f is not None and '(it resolves to ../x)' in f.message
    f = e.symlink('l', '../x')
    assert f is not None and 'resolves' not in f.message
    assert e.symlink('l', 'trees/nope/x') is None
    assert e.places.describe(Checkout('worktree', '/w/out', ['/w/out'])) == \
        'worktree /w/out'


MORE = [
    ('a.py', "r = '..\\d'\n", []),                      # a regex
    ('a.c', 'puts("line\\n../../../x");\n', [f'1:7 {ERR}']),
    ('a.md', 'see ../../../x#part and ../../../y?q=1\n',
     [f'1:5 {ERR}', f'1:25 {ERR}']),
    ('a.py', "join('a', 'b') + join('..', 'x')\n", [f'1:24 {ERR}']),
    ('a.py', "os.symlink('x', '../../../link')\n", [f'1:18 {ERR}']),
    ('run.sh', 'cat $PWD/../x!\n', [f'1:9 {ERR}']),
    ('a.md', 'xC:\\Users\\a\\b and file://host/x/../../../y\n', []),
    ('a.md', 'PATH=bin:../../../tools *../../../bold*\n',
     [f'1:10 {ERR}', f'1:26 {ERR}']),
    ('a.md', ('x ../../../a # worktree-guard: allow\n'
              '# worktree-guard: allow-next-line\n../../../b\n'
              '../../../c\n'), [f'4:1 {ERR}']),
    ('run.sh', 'cp \\\n  a \\\n  ../../../x .\n', [f'3:3 {ERR}']),
    ('README.md', '```sh\ncd $X\ncat trees/issue-46-docs/x\n```\n', []),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), MORE)
def test_more_token_shapes(path: str, content: str,
                           expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_reprs_policy_hooks_and_nested_checkouts() -> None:
    class Branches:
        def match(self, name: str) -> bool:
            return name.startswith('feat-')

    e = Engine(ctx(allow=['re:^\\.\\./ok'], branch_re=Branches(),
                   wroot='./wt/'))
    assert e.wroot == 'wt'
    assert e.allowed('../ok/x') and not e.allowed('../nope')
    assert e.places.branch_like('feat-x') and not e.places.branch_like('issue-1-x')
    (f,) = e.scan('a.md', b'see ../../../x\n')
    assert repr(f) == "Finding(a.md:1:5 relative-escape error '../../../x')"
    assert repr(e.judge('/etc', CUR)) == "Place('outside', '/etc')"
    assert Engine(ctx()).judge(f'{MAIN}/trees/issue-9-x/y', CUR).where == \
        'sibling'
    # The main checkout is current: worktrees inside it are nested.
    main = Engine(Context(checkouts=[
        Checkout('current', MAIN, [MAIN]),
        Checkout('worktree', f'{MAIN}/trees/issue-46-docs',
                 [f'{MAIN}/trees/issue-46-docs'], 'issue-46-docs'),
        Checkout('worktree', f'{MAIN}/other', [f'{MAIN}/other'])]))
    assert [main.worktree_key(p) for p in (
        'trees', 'trees/issue-46-docs/x', 'other/y', 'src/x')] == [
        'trees', 'trees/issue-46-docs', 'other', None]
    assert Engine(Context()).worktree_key('other/y') is None
    f = Engine(ctx()).symlink('docs/l', f'{CUR}/src')
    assert f is not None and f.fix == [
        'ln -sfn ../src docs/l && git add -- docs/l']


def test_no_root_no_landing() -> None:
    assert scan('a.md', '../../x\n', root=None) == [f'1:1 {ERR}']
