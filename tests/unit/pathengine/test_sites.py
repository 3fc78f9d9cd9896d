"""pathengine/sites.py: where a token sits decides how much it says: shell
scripts and their ``cd``, docs and their code blocks, comments, links,
code and config, generated files; the quiet ones (false positives of
issue 12) and the weak ones (warnings)."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import CUR
from tests.unit.pathengine import ERR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import OUT
from tests.unit.pathengine import ctx
from tests.unit.pathengine import scan
from worktree_guard.pathengine import Engine

# -- shell scripts ------------------------------------------------------------------

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


# -- docs ---------------------------------------------------------------------------

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


def test_rst_admonitions_are_prose() -> None:
    assert scan('docs/x.rst', '.. note::\n\n   see ../../../x\n') == [
        f'3:8 {ERR}']


# -- code and config ----------------------------------------------------------------

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


# -- quiet and weak places ----------------------------------------------------------

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
]


@pytest.mark.parametrize(('path', 'content', 'expected'), WEAK)
def test_weak_evidence_is_a_warning(path: str, content: str,
                                    expected: list[str]) -> None:
    assert scan(path, content) == expected
