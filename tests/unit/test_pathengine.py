"""The path engine, string in and findings out: no git, no files.

One case per spelling that must not slip through and per false-positive
kind of issue 12, the way gitlint tests its rules.  The checkout: a main
checkout /w/main with the linked worktrees trees/issue-45-rust-sdk (the
current one) and trees/issue-46-docs.
"""
from __future__ import annotations

import posixpath

import pytest

from worktree_guard.model import Checkout
from worktree_guard.pathengine import Context
from worktree_guard.pathengine import Engine

MAIN = '/w/main'
CUR = f'{MAIN}/trees/issue-45-rust-sdk'
SIB = f'{MAIN}/trees/issue-46-docs'


def ctx(**kw: object) -> Context:
    cos = [Checkout('main', MAIN, [MAIN]),
           Checkout('current', CUR, [CUR], 'issue-45-rust-sdk',
                    'issue-45-rust-sdk'),
           Checkout('worktree', SIB, [SIB], 'issue-46-docs', 'issue-46-docs')]
    args: dict[str, object] = dict(checkouts=cos, root=CUR,
                                   git_dir=f'{MAIN}/.git')
    args.update(kw)
    return Context(**args)  # type: ignore[arg-type]


def scan(path: str, content: str, **kw: object) -> list[str]:
    found = Engine(ctx(**kw)).scan(path, content.encode())
    return [f'{f.line}:{f.col} {f.kind} {f.severity}' for f in found]


ERR = 'relative-escape error'

# (file, content, findings "line:col kind severity")
SPELLINGS = [
    ('docs/a.md', f'see /{MAIN}/docs/x.md\n', ['1:5 absolute-checkout error']),
    ('docs/a.md', 'see /w/./main/docs/x.md\n',
     ['1:5 absolute-checkout error']),
    ('docs/a.md', 'see /w//main/docs/x.md\n', ['1:5 absolute-checkout error']),
    ('a.md', 'a/../trees/issue-46-docs/x.py\n',
     ['1:1 sibling-worktree error']),
    ('a.md', 'trees//issue-46-docs/x.py\n', ['1:1 sibling-worktree error']),
    ('a.md', 'trees/./issue-46-docs/x.py\n', ['1:1 sibling-worktree error']),
    ('app.py', "open(os.path.join('..', 'x'))\n", [f'1:20 {ERR}']),
    ('src/index.js', "path.join(__dirname, '..', '..')\n", [f'1:23 {ERR}']),
    ('run.sh', 'cd ..\n', [f'1:4 {ERR}']),
    ('run.sh', 'make && cd .. && ls\n', [f'1:12 {ERR}']),
    ('src/a.js', "require(__dirname + '/../../x')\n", [f'1:22 {ERR}']),
    ('a.py', 'p = dirname(__file__) + "/../x"\n', [f'1:26 {ERR}']),
    ('a.py', "glob('*/../..')\n", [f'1:7 {ERR}']),
    ('a.py', "glob('x?/../..')\n", [f'1:7 {ERR}']),
    ('docs/a.md', '[x](%2e%2e/%2e%2e/x.md)\n', [f'1:5 {ERR}']),
    ('docs/a.md', '[x](%2E%2E/..%2f..%2Fx.md)\n', [f'1:5 {ERR}']),
    ('a.json', '{"p": "..\\/..\\/x"}\n', [f'1:8 {ERR}']),
    ('a.ps1', 'Copy-Item ..\\..\\x .\n', [f'1:11 {ERR}']),
    ('docs/a.md', f'[x](file://{MAIN}/docs/x.md)\n',
     ['1:12 absolute-checkout error']),
    ('run.sh', 'cat "$(git rev-parse --show-toplevel)/../x"\n',
     [f'1:38 {ERR}']),
    ('run.sh', 'cp a "$(git rev-parse --show-toplevel)/.."\n',
     [f'1:39 {ERR}']),
    ('run.sh', 'cd "$(pwd)/.."\n', [f'1:11 {ERR}']),
    ('run.sh', 'rsync -a $PWD/../x .\n', [f'1:14 {ERR}']),
    ('run.sh', 'cp \\\n  ../../secret .\n', [f'2:3 {ERR}']),
    ('run.sh', 'ln -s \\\n  ../../x link\n', [f'2:3 {ERR}']),
    ('run.sh', 'cd sub && \\\n  cd ../.. && ls\n', [f'2:6 {ERR}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SPELLINGS)
def test_every_spelling_is_caught(path: str, content: str,
                                  expected: list[str]) -> None:
    assert scan(path, content) == expected


FALSE_POSITIVES = [
    # Docs that show commands (run from the reader's unknown folder).
    ('README.md', '```sh\ngit worktree add ../repo.feat\ncd ../repo\n```\n'),
    ('README.md', '```console\n$ cd ../repo\n```\n'),
    ('README.md', 'Then:\n\n$ git worktree add ../repo.feat\n'),
    ('docs/x.md', '```yaml\nbase_dir: "../worktrees"\n```\n'),
    ('README.md', '    cd ../../other\n'),
    # Paths relative to something else than the file.
    ('install.sh', 'ln -sf ../../scripts/pre-commit .git/hooks/pre-commit\n'),
    ('README.md', '```bash\nln -sf ../../scripts/pre-commit '
                  '.git/hooks/pre-commit\n```\n'),
    ('setup.py', "os.symlink('../../x/y', 'a/b/link')\n"),
    ('setup.py', "Path('a/b/link').symlink_to('../../c')\n"),
    ('build.sh', 'cd listings/ch02/x\nmake\ncd ../../..\n'),
    ('README.md', '```sh\ncd listings/ch02/x\ncargo run\ncd ../../..\n```\n'),
    ('build.sh', 'cd "$OUT"\ncat ../../x\n'),
    ('README.md', '```sh\ncd $WORK\ncp ../../x .\n```\n'),
    ('tests/fixtures/wt/.git', 'gitdir: ../../.git/worktrees/wt\n'),
    ('src/lib.rs', '//! [`Foo`]: ../foo/struct.Foo.html\n'),
    ('src/lib.rs', '/// See [bar](../../bar/index.html).\n'),
    ('CHANGELOG.md', '- `include "../../common.h"` is found again\n'),
    ('CHANGELOG.md', '    from ../../x import y\n'),
    # Home paths that are nobody's home.
    ('docs/a.md', 'cp /home/user/x /Users/me/y /home/runner/work/z\n'),
    ('docs/a.md', 'ls /Users/*/src /home/<name>/x /home/$USER/x\n'),
    ('tests/test_cfg.py', 'HOME = "/home/ann/project"\n'),
    ('src/__snapshots__/x.snap', '/Users/bob/code/x\n'),
    ('a.py', 'ROOT = "/home/runner/.vim/autoload\\n"\n'),
    ('a.json', '{"p": "C:\\\\Users\\\\runneradmin\\\\x"}\n'),
    # .gitmodules URLs are relative to the remote.
    ('.gitmodules', '[submodule "lib"]\n\tpath = lib\n\turl = ../lib.git\n'),
    # Docs formats: rst literal blocks, Markdown indented code, prompts.
    ('docs/x.rst', 'Run::\n\n    cd ../../other\n\nDone.\n'),
    ('docs/x.rst', '.. code-block:: bash\n\n   cp ../../a .\n'),
    ('docs/x.rst', '.. code-block:: yaml\n\n   dir: ../../a\n'),
    ('docs/x.md', 'First `cd ..`, then build.\n'),
    ('docs/x.md', 'Then cd .. and build.\n'),
    # Generated files quote the build machine's paths.
    ('dist/app.js.map', '{"sources":["../../src/a.ts"]}\n'),
    # Path-traversal test data, and regexes that look like Windows paths.
    ('tests/test_static.py', "get('/static/../../etc/passwd')\n"),
    ('src/re.py', "P = re.compile(r'a..\\d')\n"),
    # Test data: inputs of tests, not paths they use.
    ('tests/test_guard.py', "stage({'a.md': '../../../x'})\n"),
    # Worktree-like names of no worktree here, in tests and examples.
    ('tests/test_x.py', "stage({'a.md': 'trees/issue-9-x/src/y'})\n"),
    ('README.md', '```sh\ncat trees/issue-9-x/src/y\n```\n'),
    # An anchor in a comment is still a comment.
    ('a.py', '# see $(git rev-parse --show-toplevel)/../../../x\n'),
    # Lockfiles (paths relative to each package) and shell aliases.
    ('pnpm-lock.yaml', "      '@x/config': link:../config\n"),
    ('.aliases', 'alias ...="cd ../.."\n'),
    ('lib/dirs.zsh', "alias -g ...='../..'\n"),
    # Example homes in a doc's examples and output (asdf, Pro Git, man
    # pages), roff and Markdown escapes decoded first.
    ('docs/a.md', '```sh\nexport ASDF_DATA_DIR=/home/john_doe/.asdf\n```\n'),
    ('docs/a.md', '```console\n$ ls\n/Users/kim/.tool-versions\n```\n'),
    ('docs/a.md', '    $ ssh-keygen\n    (/home/schacon/.ssh/id_rsa)\n'),
    ('man/git-ignore.1', '.nf\n$ cat /home/alice/\\.gitignore\n.fi\n'),
    ('man/git-root.1', 'see /home/\\.\\.\\./git\\-extras\n'),
    ('docs/a.md', 'see /home/\\.\\.\\./x\n'),
    # HTML <pre>, roff .nf/.EX and AsciiDoc listing blocks are examples.
    ('man/git-ignore.1', '.nf\n\n$ git ignore\nGlobal: /home/alice/\\.gitignore\n'
     '.fi\n'),
    ('man/x.8', '.EX\ncd ../../x\n.EE\n'),
    ('man/git-ignore.html', '<pre><code>$ git ignore\nGlobal: /home/alice/.x\n'
     '</code></pre>\n'),
    ('a.html', '<pre>/home/alice/.x</pre>\n'),
    ('book/ssh.asc', '[source,console]\n----\n$ ssh-keygen\n'
     'Enter file (/home/schacon/.ssh/id_rsa):\n----\n'),
    ('book/x.adoc', '....\ncd ../../x\n....\n'),
    # GitHub's link to another tag's file (bats-core docs/versions.md).
    ('docs/versions.md', '[v1.2.0](../../v1.2.0/README.md)\n'
     '[a](../../main/a.md) [b](../2.0/b.md)\n'),
    # A home path in a doc's inline code is an example (asdf).
    ('docs/a.md', '- Usage: `export ASDF_DATA_DIR=/home/john_doe/.asdf`\n'),
    # Console output is an example, even of a checkout's path.
    ('docs/a.md', f'```console\n$ git worktree list\n{MAIN}/docs x\n```\n'),
    # The syntax named in prose, not a path.
    ('README.md', 'A `../` path, or `..`, climbs.\n'),
    # Left alone, as before.
    ('a.md', 'https://host/a/../../b and ${ROOT}/../../x\n'),
    ('a.py', "if part == '..':\n    pass\n"),
]


@pytest.mark.parametrize(('path', 'content'), FALSE_POSITIVES)
def test_false_positive_kinds_are_quiet(path: str, content: str) -> None:
    assert scan(path, content) == []


def test_home_paths_in_doc_prose_and_code_still_count() -> None:
    # Only the doc's examples pass: prose, links and code still report.
    assert scan('docs/a.md', 'see /home/ann/x\n') == ['1:5 home-path error']
    assert scan('plugins/pep8/_pep8',
                "'--config[default /home/gsemet/.config/pep8]'\n") == [
        '1:19 home-path error']
    assert scan('docs/a.md', '```console\n$ cat /home/ann/x\n```\n') == []
    # After an example block ends, prose is prose again.
    for text in ('.nf\nx\n.fi\n', '<pre>\nx\n</pre>\n', '----\nx\n----\n',
                 '[source,sh]\n----\nx\n----\n'):
        assert scan('book/a.asc', text + 'see /home/ann/x\n') == [
            f'{text.count(chr(10)) + 1}:5 home-path error'], text
    # Markdown's ---- is a rule, no block; a bare `<pre` is text, no tag.
    assert scan('a.md', '----\nsee /home/ann/x\n') == ['2:5 home-path error']
    assert scan('a.md', '<pre\nsee /home/ann/x\n') == ['2:5 home-path error']
    # roff's .nf opens a block in a man page only.
    assert scan('a.md', '.nf\nsee /home/ann/x\n') == ['2:5 home-path error']
    assert scan('a.md', '<pre class="x">\n/home/ann/x\n</pre>\n') == []


def test_links_above_the_root_still_count() -> None:
    # Not the <ref>/<path> shape, or landing in a known place: errors.
    assert scan('docs/a.md', '[x](../../x.md)\n') == [f'1:5 {ERR}']
    assert scan('README.md', '[x](../../shared/a.md)\n') == [f'1:5 {ERR}']
    assert scan('docs/a.md', '[x](../../../issue-46-docs/a.md)\n') == [
        '1:5 relative-escape error']


def test_container_user_from_the_dockerfile() -> None:
    line = 'cd /home/appuser/src\n'
    assert scan('docs/a.md', line) == ['1:4 home-path error']
    assert scan('docs/a.md', line, container_users=frozenset(['appuser'])) \
        == []


WEAK = [
    ('README.md', 'see `trees/issue-9-x/src/y`\n',
     ['1:6 sibling-worktree warn']),
    # From trees/<x>, any ../../x of weak evidence lands in the main
    # checkout: that alone does not make it an error.
    ('a.py', '# see ../../notes\n', ['1:7 relative-escape warn']),
    ('src/safe.py', "BAD = '../../etc/passwd'\n",
     ['1:8 relative-escape warn']),

    ('docs/a.md', 'run `../../tool`\n', ['1:6 relative-escape warn']),
    ('a.py', '# see ../../../notes\n', ['1:7 relative-escape warn']),
    ('run.sh', '# from ../../../x\n', ['1:8 relative-escape warn']),
    # The shape of GitHub's link to another ref's file, one level above
    # the root then <ref>/<path>, landing nowhere known: a name that is no
    # version or usual branch (a sibling repository?) warns.
    ('docs/versions.md', '[x](../../other-repo/README.md)\n',
     ['1:5 relative-escape warn']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), WEAK)
def test_weak_evidence_is_a_warning(path: str, content: str,
                                    expected: list[str]) -> None:
    assert scan(path, content) == expected


KNOWN = [
    # Landing in a known place is an error even from weak evidence.
    ('a.py', '# see ../issue-46-docs/x\n', ['1:7 relative-escape error']),
    ('docs/a.md', '`/w/main/.git/hooks`\n', ['1:2 absolute-checkout error']),
    ('README.md', '```sh\ncat /w/main/src/x\n```\n',
     ['2:5 absolute-checkout error']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), KNOWN)
def test_known_places_are_errors(path: str, content: str,
                                 expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_rst_admonitions_are_prose() -> None:
    assert scan('docs/x.rst', '.. note::\n\n   see ../../../x\n') == [
        f'3:8 {ERR}']


def test_allow_does_not_allow_climbing_back_out() -> None:
    allow = ['../shared-assets']
    assert scan('a.md', '../shared-assets/x.png\n', allow=allow) == []
    assert scan('a.md', '../shared-assets/../../x\n', allow=allow) == [
        f'1:1 {ERR}']


# -- symlinks ---------------------------------------------------------------------

def test_symlink_chain_through_committed_links() -> None:
    # docs/up -> .. stays inside; docs/chain -> up/.. climbs out through it.
    links = {'docs/up': '..', 'docs/chain': 'up/..', 'abs': '/etc',
             'docs/loop': 'loop/x'}
    e = Engine(ctx(symlinks=links))
    assert e.symlink('docs/up', '..') is None
    f = e.symlink('docs/chain', 'up/..')
    assert f is not None and 'through other committed symlinks' in f.message
    assert Engine(ctx()).symlink('docs/chain', 'up/..') is None
    assert e.symlink('l2', 'abs/passwd') is not None
    assert e.symlink('docs/l3', 'loop/y') is None   # a loop ends


def test_absolute_symlinks_to_system_places_only_warn() -> None:
    e = Engine(ctx())
    f = e.symlink('bin/bash', '/usr/local/opt/bash/bin/bash')
    assert f is not None and f.severity == 'warn'
    f = e.symlink('l', '/home/ann/x')
    assert f is not None and f.severity == 'error'
    f = e.symlink('l', f'{MAIN}/x')
    assert f is not None and f.severity == 'error'


def test_symlink_in_main_into_a_sibling_worktree() -> None:
    main_ctx = ctx(root=MAIN, checkouts=[Checkout('current', MAIN, [MAIN])])
    f = Engine(main_ctx).symlink('docs/l', '../trees/issue-46-docs/x')
    assert f is not None and 'points into worktree trees/issue-46-docs' in \
        f.message
    assert Engine(main_ctx).symlink('docs/l', '../src/x') is None


def test_symlink_target_with_a_newline_is_judged_whole_and_quoted() -> None:
    f = Engine(ctx()).symlink('l', 'ok\n../../../x')
    assert f is not None
    assert f.token == '"ok\\n../../../x"'
    assert '\n' not in f.message
    assert Engine(ctx()).symlink('l', 'ok\n../x') is None


# -- fixes ------------------------------------------------------------------------

FIXABLE = [
    ('docs/a.md', f'see {CUR}/docs/x.md and {MAIN}/src/app.py\n'),
    ('README.md', 'see ../issue-45-rust-sdk/src/app.py\n'),
    ('docs/g.md', '[x](../../issue-45-rust-sdk/docs/y.md)\n'),
    ('a.md', 'trees/issue-45-rust-sdk/docs/x.md\n'),
]


@pytest.mark.parametrize(('path', 'content'), FIXABLE)
def test_applied_fixes_leave_a_working_file(path: str, content: str) -> None:
    """Every suggested rewrite names the same in-tree file, and the file
    it leaves has no finding left."""
    e = Engine(ctx())
    found = e.scan(path, content.encode())
    assert found and all(f.replacement for f in found)
    line = content
    folder = posixpath.dirname(path)
    for f in sorted(found, key=lambda f: -(f.col or 0)):
        assert f.token is not None and f.replacement is not None
        start = (f.col or 1) - 1
        assert line[start:start + len(f.token)] == f.token
        before = e.judge(f.token if f.token.startswith('/') else
                         posixpath.join(CUR, folder, f.token)
                         if f.kind == 'relative-escape' else
                         posixpath.join(MAIN, f.token), CUR)
        after = e.judge(posixpath.join(CUR, folder, f.replacement), CUR)
        assert after.where == 'inside'
        assert after.rel == before.rel
        line = line[:start] + f.replacement + line[start + len(f.token):]
    assert e.scan(path, line.encode()) == []


def test_no_fix_when_no_rewrite_is_safe() -> None:
    # A script runs from an unknown folder: no relative rewrite is safe.
    (f,) = Engine(ctx()).scan('run.sh', f'cat {CUR}/x\n'.encode())
    assert (f.fix, f.replacement) == ([], None)
    assert 'relative to the folder this file runs from' in f.message
    (f,) = Engine(ctx()).scan('a.md', b'../../../outside\n')
    assert (f.fix, f.replacement) == ([], None)
    assert 'copy or vendor' in f.message


# -- judging one path (the agent guard) -------------------------------------------

JUDGE = [
    ('src/x.py', CUR, 'inside'),
    ('/w/main/src/x.py', CUR, 'main'),
    ('../issue-46-docs/x', CUR, 'sibling'),
    (f'{MAIN}/trees/issue-46-docs/x', CUR, 'sibling'),
    ('//w/main/./trees/issue-46-docs', CUR, 'sibling'),
    ('../../.git/hooks/pre-commit', CUR, 'git-dir'),
    ('.git/config', MAIN, 'git-dir'),
    ('~/notes', CUR, 'home'),
    ('/etc/passwd', CUR, 'outside'),
    ('$TMP/x', CUR, 'unknown'),
    (f'file://{CUR}/a', CUR, 'inside'),
    ('..\\..\\src', f'{CUR}/a/b', 'inside'),
    ('%2e%2e/%2e%2e/x', CUR, 'main'),
    ('../../x', f'{MAIN}/trees', 'outside'),
    ('sub/../../..', CUR, 'main'),
]


@pytest.mark.parametrize(('path', 'cwd', 'where'), JUDGE)
def test_judge_one_path(path: str, cwd: str, where: str) -> None:
    e = Engine(ctx(home='/home/ann'))
    assert e.judge(path, cwd).where == where


def test_judge_follows_committed_symlinks_and_unknown_home() -> None:
    e = Engine(ctx(symlinks={'shared': '../issue-46-docs'}))
    assert e.judge('shared/x', CUR).where == 'sibling'
    assert e.judge('~/x', CUR).where == 'unknown'   # no home known
