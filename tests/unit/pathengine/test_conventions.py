"""pathengine/conventions.py: contexts recognised by convention and content
(issue 24, item 4): test folders and files that source a test library,
string literals that are the ``../`` syntax itself, Makefile recipes and
install-prefix values, and tools that run from another folder.

The lines are taken from real projects (git's ``t/``, ``Makefile`` and
``config.mak.uname``, its C sources, ESLint configs, VS Code tasks).
Each false-error form has a twin that must stay an error: a true escape
in the same context (an absolute path into a checkout, a path into the
sibling worktree ``trees/issue-46-docs``)."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ERR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import SIB
from tests.unit.pathengine import ctx
from tests.unit.pathengine import scan
from worktree_guard.model import PathChange
from worktree_guard.pathengine import Engine
from worktree_guard.pathengine import conventions
from worktree_guard.pathengine import lines

ABS = 'absolute-checkout error'

# -- tests by convention and content ------------------------------------------------

ATEXIT = ('\ttest_expect_success "tests clean up even after a failure" "\n'
          '\t\t> ../../clean-atexit &&\n'
          '\t\ttest_atexit rm ../../clean-atexit &&\n'
          '\t\t> ../../dont-clean-atexit &&\n'
          '\t\t(exit 1)\n'
          '\t"\n')

TESTS = [
    # git's t/: the test runs in t/trash directory.t0000-basic/sub/.
    ('t/t0000-basic.sh', ATEXIT, []),
    ('t/t1006-cat-file.sh',
     '\ttest_ln_s_add ../../../great-escape dir/subdir/out-of-repo-link &&\n',
     []),
    ('t/Makefile', 'unit-tests:\n\t../../helper/test-tool$X run-command '
     'testsuite\n', []),
    # test*/ and *-tests/ folders, Perl's t/*.t, bats files.
    ('test-suite/run.sh', 'cp ../../../fixtures/a .\n', []),
    ('testing/lib.sh', 'cp ../../../fixtures/a .\n', []),
    ('integration-tests/x.sh', 'cp ../../../fixtures/a .\n', []),
    ('perl/t/basic.t', 'require "../../../lib/x.pl";\n', []),
    ('bin/x.bats', '@test "x" {\n  run ../../../bin/x\n}\n', []),
    # Content: a script that sources a test library or declares tests.
    ('contrib/subtree/check.sh', '. ./test-lib.sh\n> ../../../clean-atexit\n',
     []),
    ('contrib/x/run.sh', '. "$TEST_DIRECTORY"/lib-git.sh\n'
     'cp ../../../../x .\n', []),
    ('checks/run.sh', 'load test_helper\nrun ../../../bin/x\n', []),
    ('checks/more.sh', 'test_expect_success "x" "\n\tcp ../../../x .\n"\n',
     []),
    # The same lines elsewhere still count: the folder or the content
    # makes the test, not a letter in a name.
    ('scripts/atexit.sh', '> ../../../clean-atexit &&\n', [f'1:3 {ERR}']),
    ('tools/t.sh', 'cp ../../../x .\n', [f'1:4 {ERR}']),
    ('contest/x.sh', 'cp ../../../x .\n', [f'1:4 {ERR}']),
    ('scripts/lib.sh', '# . ./test-lib.sh is for t/ only\ncp ../../../x .\n',
     [f'2:4 {ERR}']),
    # Strong evidence in a test still counts: a checkout's absolute path.
    ('t/t0000-basic.sh', f'\tcp {MAIN}/x . &&\n', [f'1:5 {ABS}']),
    ('tests/run.sh', f'cd {SIB}/src\n', [f'1:4 {ABS}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), TESTS)
def test_tests_by_convention_and_content(path: str, content: str,
                                         expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_test_paths() -> None:
    yes = ('t/t0000-basic.sh', 'perl/t/x.t', 'xt/author.t', 'tst/a.c',
           'src/__mocks__/fs.js', 'testing/a.sh', 'testsuite/a.c',
           'e2e-tests/a.ts', 'api_test/a.go', 'a.bats')
    no = ('tools/t.sh', 'contest/a.sh', 'latest/a.sh', 'src/t', 'attest.sh')
    assert [p for p in yes if not conventions.test_path(p)] == []
    assert [p for p in no if conventions.test_path(p)] == []


# -- string literals that are the syntax itself -------------------------------------

SYNTAX = [
    # git's C sources.
    ('object-name.c',
     '\tif (!starts_with(rel, "./") && !starts_with(rel, "../"))\n'),
    ('archive.c', '\tif (!strcmp(rel, "./") || starts_with(rel, "../"))\n'),
    ('http-walker.c', '\t\t} else if (!memcmp(data + i, "../", 3)) {\n'),
    ('path.c', '\t\tstrbuf_addstr(sb, "../");\n'),
    ('submodule-config.c', '\t\turl += strlen("../");\n'),
    ('submodule.c', '\tif (!strbuf_realpath(&one_up, "../", 0))\n'),
    ('worktree.c', '\twrite_file(sb.buf, "../..");\n'),
    ('dir.c', '\tif (!strcmp(p, ".."))\n'),
    ('compat/mingw.c', '\tif (!strcmp(p, "..\\\\"))\n'),
    ('dir.h', '\t * Match a path starting with "../"\n'),
    ('submodule.c', "\t/* '../' is not a git repository */\n"),
    # Patterns of the syntax: ESLint's no-restricted-imports, fnmatch.
    ('eslint.config.js', '  "no-restricted-imports": ["error", { patterns: '
     '["../*", "../../*"] }],\n'),
    ('.eslintrc.json', '{"patterns": [{"group": ["../*", "../../*", '
     '"../../../*"]}]}\n'),
    ('a.c', 'if (!fnmatch("../*", p, 0))\n'),
    # Other languages' tests and comparisons.
    ('paths.py', "if rel.startswith('../../'):\n"),
    ('paths.py', "if rel == '../' or rel[:3] == '../':\n"),
    ('rel.go', 'if strings.HasPrefix(rel, "../") {\n'),
    ('rel.rs', 'if rel.starts_with("../") {\n'),
    ('rel.ts', "if (rel.startsWith('../../')) throw new Error(rel)\n"),
    ('rel.js', "const up = '../'.repeat(depth)\n"),
    ('run.sh', '[ "$rel" = "../" ] && exit 1\n'),
]


@pytest.mark.parametrize(('path', 'content'), SYNTAX)
def test_the_syntax_itself_is_no_path(path: str, content: str) -> None:
    assert scan(path, content) == []


SYNTAX_USED = [
    # A path call, an import or a shell command uses the literal.
    ('a.py', "os.chdir('../..')\n", [f'1:11 {ERR}']),
    ('a.js', "import x from '../'\n", [f'1:16 {ERR}']),
    ('a.js', "const up = require('../')\n", [f'1:21 {ERR}']),
    ('a.py', "files = glob('*/../..')\n", [f'1:15 {ERR}']),
    ('a.py', "ROOT = '../../'\n", [f'1:9 {ERR}']),
    ('run.sh', 'cp x "../../"\n', [f'1:7 {ERR}']),
    # A name after the climb is a path, whatever the call.
    ('a.py', "if rel.startswith('../issue-46-docs/x'):\n", [f'1:20 {ERR}']),
    ('a.c', '/* see ../issue-46-docs/x */\n', [f'1:8 {ERR}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SYNTAX_USED)
def test_a_used_literal_is_still_a_path(path: str, content: str,
                                        expected: list[str]) -> None:
    assert scan(path, content) == expected


# -- Makefiles ------------------------------------------------------------------------

MAKEFILES = [
    # git's Makefile: relative to the -C folder, after a cd, a symlink's
    # folder, an install prefix.
    ('Makefile', 'dist-doc:\n\t$(MAKE) -C Documentation '
     'WEBDOC_DEST=../.doc-tmp-dir install-webdoc\n', []),
    ('Makefile', 'dist-doc:\n\t$(MAKE) -C Documentation DESTDIR=./ \\\n'
     '\t\tman1dir=../.doc-tmp-dir/man1 \\\n\t\tinstall\n', []),
    ('Makefile', 'dist-doc:\n\tcd .doc-tmp-dir && $(TAR) cf '
     '../$(htmldocs).tar .\n', []),
    ('Makefile', 'dist:\n\t@$(MAKE) -C git-gui '
     'TARDIR=../.dist-tmp-dir/git-gui dist-version\n', []),
    ('Makefile', 'all::\n\t$(QUIET_SUBDIR0)templates $(QUIET_SUBDIR1) '
     'OUT=../build/templates\n', []),
    ('Makefile', 'doc:\n\tmake --directory=docs OUT=../site\n', []),
    ('Makefile', 'doc:\n\tgit -Cdocs add ../x\n', []),
    ('Makefile', 'hooks:\n\tln -sf ../../scripts/pre-commit '
     '"$$HOOKS_DIR/pre-commit"\n', []),
    ('Makefile', 'hooks:\n\tln -sf ../../scripts/pre-commit '
     '.git/hooks/pre-commit\n', []),
    ('Makefile', 'all:\n\tfor d in $(SUBDIRS); do (cd $$d && cp ../../x .); '
     'done\n', []),
    ('Makefile', 'all:\n\tcd sub; popd; cp ../../x .\n', []),
    ('Makefile', 'install:\n\tcp x $(DESTDIR)$(prefix)/../etc/x\n', []),
    ('config.mak.uname', '\tETC_GITCONFIG = ../etc/gitconfig\n'
     '\tETC_GITATTRIBUTES = ../etc/gitattributes\n', []),
    ('config.mak.uname', '\tgitexecdir = ../libexec/git-core\n'
     '\ttemplate_dir = ../share/git-core/templates/\n', []),
    ('Makefile', 'localedir_relative = ../../locale\n', []),
    ('build/rules.mak', 'ETC_DIR := ../etc\n', []),
    # True escapes in the same places.
    ('Makefile', 'all:\n\t$(MAKE) -C sub OUT=../../issue-46-docs/out\n',
     [f'2:21 {ERR}']),
    ('Makefile', 'all:\n\tcd sub && cp ../../issue-46-docs/x .\n',
     [f'2:15 {ERR}']),
    ('Makefile', 'all:\n\t(cd sub && true) && cp ../issue-46-docs/x .\n',
     [f'2:25 {ERR}']),
    ('Makefile', 'hooks:\n\tln -s ../../../issue-46-docs/x .git/hooks/x\n',
     [f'2:8 {ERR}']),
    ('Makefile', 'LIB = ../issue-46-docs/lib\n', [f'1:7 {ERR}']),
    ('Makefile', 'SRCS = ../issue-46-docs/a.c ../etc/b.c\n',
     [f'1:8 {ERR}', f'1:29 {ERR}']),
    ('Makefile', '\tLIB = ../issue-46-docs/lib\n', [f'1:8 {ERR}']),
    ('Makefile', 'include ../issue-46-docs/common.mk\n', [f'1:9 {ERR}']),
    ('Makefile', 'all:\n\t$(MAKE) -C ../issue-46-docs\n', [f'2:13 {ERR}']),
    ('Makefile.in', 'all:\n\tcd x && cp ../../issue-46-docs/y .\n',
     [f'2:13 {ERR}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), MAKEFILES)
def test_makefiles(path: str, content: str, expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_makefile_names_and_roles() -> None:
    make = ('Makefile', 'GNUmakefile', 'x.mk', 'rules.mak', 'config.mak.uname',
            'config.mak.autogen', 'Makefile.in', 'Makefile.am', 'x.mk.in')
    other = ('Makefile.PL', 'makefile.py', 'make.sh', 'Makefile.json')
    assert [p for p in make if not conventions.is_make(p)] == []
    assert [p for p in other if conventions.is_make(p)] == []
    roles = {'\tX = y': 'assign', '\tX := y': 'assign', '\tX?=y': 'assign',
             '\tX=y cmd': 'recipe', '\tcd x && y': 'recipe',
             'X=y': 'assign', 'export X ?= y': 'assign',
             'all: x': 'other', 'include x.mk': 'other'}
    assert {k: conventions.make_role(k) for k in roles} == roles


def test_the_folders_a_lines_words_run_in() -> None:
    def dirs(line: str, cwd: str = '', cds: bool = True) -> list[str]:
        return conventions.run_dirs(line, cwd, '', cds)[1]

    assert dirs('make -C a -C b x') == ['', '', '', 'a', 'a', 'a/b']
    assert dirs('FOO=1 git -C a x') == ['', '', '', '', 'a']
    assert dirs('cd a && x; cd; y') == ['', '', 'a', 'a', lines.UNKNOWN]
    assert dirs('(cd a; x) y') == ['', '', 'a', '']
    assert dirs('cd a && x', cds=False) == ['', '', '']
    assert dirs('ninja -C $(OUT) x') == ['', '', '', lines.UNKNOWN]
    assert dirs('make -C a x', cwd=lines.UNKNOWN)[-1] == lines.UNKNOWN
    assert dirs(')x') == ['']
    table = conventions.run_dirs('make -C a x', 'd', '', True)
    assert conventions.run_dir(table, 0, 'd') == 'd'
    assert conventions.run_dir(table, 10, 'd') == 'd/a'
    assert conventions.run_dir(([], []), 3, 'd') == 'd'


def test_shell_scripts_follow_git_and_make_c() -> None:
    assert scan('sync.sh', 'git -C vendor/lib fetch ../../upstream\n') == []
    assert scan('sync.sh', 'git -C sub fetch ../../issue-46-docs\n') == [
        f'1:18 {ERR}']
    assert scan('sync.sh', 'cd $X\ngit -C sub fetch ../../../x\n') == []


# -- tools that run from another folder ---------------------------------------------

TOOLS = [
    # An import-rewrite table's keys are specifiers of other files.
    ('scripts/codemods/imports.js', "const REWRITES = {\n"
     "  '../../../../shared/utils': '@acme/utils',\n"
     "  \"../../../../shared/x\" => \"@acme/x\",\n};\n", []),
    ('scripts/codemods/imports.js', "  '../../../../shared/utils',\n"
     "  '../../../../a': b,\n", [f'1:4 {ERR}', f'2:4 {ERR}']),
    # tsconfig paths resolve from baseUrl.
    ('packages/app/tsconfig.json', '{\n  "compilerOptions": {\n'
     '    "baseUrl": "./src",\n    "paths": {\n'
     '      "@shared/*": ["../../../shared/*"]\n    }\n  }\n}\n', []),
    ('packages/app/tsconfig.json', '{"compilerOptions": {"paths": {\n'
     '      "@shared/*": ["../../../shared/*"]\n}}}\n', [f'2:22 {ERR}']),
    ('packages/app/tsconfig.json', '{"baseUrl": "src",\n'
     '"extends": "../../../base.json"}\n', [f'2:13 {ERR}']),
    # Compiled TypeScript runs from dist/: src/cli.ts is dist/src/cli.js.
    ('src/cli.ts', "const root = path.join(__dirname, '../../templates')\n",
     []),
    ('src/cli.ts', "const root = __dirname + '/../../templates'\n", []),
    ('src/cli.ts', "const t = path.resolve(__dirname, '..', '..', 'x')\n",
     []),
    ('src/cli.ts', "const root = path.join(__dirname, "
     "'../../../issue-46-docs/x')\n", [f'1:36 {ERR}']),
    ('src/cli.js', "const root = path.join(__dirname, "
     "'../../issue-46-docs/x')\n", [f'1:36 {ERR}']),
    ('src/types.d.ts', "const r = path.join(__dirname, '../../x')\n",
     [f'1:33 {ERR}']),
    # stravu/crystal: main/src/index.ts runs as main/dist/main/src/index.js
    # (its tsconfig includes ../shared, so the rootDir is the repository).
    ('main/src/index.ts', "const p = path.join(__dirname, "
     "'../../../../frontend/dist/index.html')\n", []),
    ('cli.ts', "const t = path.join(__dirname, '../x')\n", []),
    ('cli.ts', "const t = path.join(__dirname, '../../x')\n", [f'1:33 {ERR}']),
    # VS Code: paths resolve from the workspace folder, a task's from
    # its cwd.
    ('.vscode/tasks.json', '{"tasks": [{\n  "options": {"cwd": '
     '"${workspaceFolder}/packages/web"},\n'
     '  "command": "../../node_modules/.bin/tsc"\n}]}\n', []),
    ('.vscode/launch.json', '{"cwd": "${fileDirname}",\n'
     ' "program": "../../../x"}\n', []),
    ('.vscode/launch.json', '{"cwd": "/srv",\n "program": "../../../x"}\n',
     []),
    ('.vscode/tasks.json', '{"cwd": "a",\n"x": "../../../x",\n'
     '"cwd": "b"}\n', []),
    ('.vscode/tasks.json', '{"cwd": "web",\n "command": '
     '"../../issue-46-docs/x"}\n', [f'2:14 {ERR}']),
    ('.vscode/tasks.json', '{"cwd": "${workspaceFolder}",\n "command": '
     '"../issue-46-docs/x"}\n', [f'2:14 {ERR}']),
    ('.vscode/tasks.json', '{"cwd": "../issue-46-docs"}\n', [f'1:10 {ERR}']),
    ('.vscode/settings.json', '{"python.analysis.extraPaths": '
     '["../issue-46-docs/src"]}\n', [f'1:34 {ERR}']),
    ('web/.vscode/settings.json', '{"eslint.nodePath": '
     '"../../issue-46-docs/x"}\n', [f'1:22 {ERR}']),
]


# -- files written elsewhere: templates, echoed text ---------------------------------

ELSEWHERE = [
    # curl's projects/Windows/tmpl/*.vcxproj land in projects/Windows/VC*/
    # lib/: four levels up is the checkout's include/, five a sibling
    # clone of openssl (an error, as curl's labels say).
    ('projects/Windows/tmpl/curl.vcxproj', '<AdditionalIncludeDirectories>'
     '..\\..\\..\\..\\include;..\\..\\..\\..\\lib'
     '</AdditionalIncludeDirectories>\n', []),
    ('projects/Windows/tmpl/curl.vcxproj', '<AdditionalIncludeDirectories>'
     '..\\..\\..\\..\\..\\openssl\\include'
     '</AdditionalIncludeDirectories>\n', [f'1:31 {ERR}']),
    ('projects/Windows/VC11/lib/libcurl.tmpl', '<Dirs>..\\..\\..\\..\\'
     '..\\libssh2\\include</Dirs>\n', [f'1:7 {ERR}']),
    ('generators/app/templates/src/index.js',
     "import x from '../../../../../shared/x'\n", []),
    ('{{cookiecutter.slug}}/setup.py', "p = '../../../x'\n", []),
    ('deploy/nginx.conf.j2', 'root ../../../www;\n', []),
    ('docs/_templates/page.html', '<a href="../../../index.html">\n', []),
    # anthropics/claude-code: an issue form's example text.
    ('.github/ISSUE_TEMPLATE/model_behavior.yml',
     '        - ../../../parent-directory/secrets.env\n', []),
    ('.github/PULL_REQUEST_TEMPLATE.md', 'See [x](../../../x)\n', []),
    # curl's generate.bat and git's tests echo lines into other files.
    ('projects/Windows/generate.bat', 'echo %SPACES%^<ClCompile Include=^"'
     '..\\..\\..\\..\\%1\\%~2^" /^>>> %3\n', []),
    ('run.sh', 'echo "../../../../sidemoved/.git" >expect-gitdir\n', []),
    ('Makefile', 'all:\n\t@echo ../../../x > out.txt\n', []),
    # npm runs a package's scripts from its folder, after their cd's.
    ('package.json', '  "link-all": "cd packages/server && cd ../server '
     '&& pnpm link --global && cd ../client && pnpm link --global",\n', []),
    ('package.json', '  "x": "cd $DIR && cp ../../../x ."\n', []),
    # The same places still report strong evidence, and a plain line.
    ('templates/a.sh', f'cp {MAIN}/x .\n', [f'1:4 {ABS}']),
    ('run.sh', 'cat ../issue-46-docs/x > out\n', [f'1:5 {ERR}']),
    ('run.sh', 'echo hi > out; cat ../issue-46-docs/x\n', [f'1:20 {ERR}']),
    ('package.json', '  "x": "cd sub && cp ../../issue-46-docs/x ."\n',
     [f'1:22 {ERR}']),
    ('package.json', '  "main": "../issue-46-docs/x.js",\n', [f'1:12 {ERR}']),
    ('package.json', '  "files": ["../issue-46-docs/x"],\n', [f'1:14 {ERR}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), ELSEWHERE)
def test_files_written_elsewhere(path: str, content: str,
                                 expected: list[str]) -> None:
    assert scan(path, content) == expected


@pytest.mark.parametrize(('path', 'content', 'expected'), TOOLS)
def test_tools_that_run_from_another_folder(path: str, content: str,
                                            expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_literal_helpers_at_their_edges() -> None:
    # An unclosed or a too-long literal is no syntax and no table key.
    assert not conventions.syntax_literal('x("../', 3, 'x("', False)
    assert not conventions.table_key("x('../a", 3)
    assert not conventions.table_key('../a: b', 0)
    assert not conventions.bare_syntax('../x', 0)
    assert conventions.bare_syntax('../..', 0)
    assert conventions.enclosing_call('a[f(x, ') == ('f', 'x, ')
    assert conventions.enclosing_call('{x: ') == ('', '')
    assert not conventions.file_call("path.join(base, '")
    assert not conventions.file_call("fs.readFileSync('")
    assert conventions.compiled('') == ('dist',)
    assert conventions.compiled('src') == ('dist/src',)
    assert conventions.compiled('main/src') == ('dist/main/src',
                                                'main/dist/main/src')


# -- at commit: the same contexts in a patch's hunks --------------------------------

def _patch(path: str, hunks: bytes) -> list[str]:
    head = f'diff --git a/{path} b/{path}\n'.encode()
    change = PathChange(None, [], head + hunks,
                        [(len(head), len(head) + len(hunks), path)], True)
    return [f'{f.line}:{f.col} {f.kind} {f.severity}'
            for f in Engine(ctx()).scan_change(change)]


PATCHES = [
    # git's Makefile (dist-doc, as its NO_TCLTK change edited it): a
    # recipe's -C line above the added continuation lines, joined through
    # the context line.
    ('Makefile', b'@@ -2875,3 +2875,6 @@ dist-doc:\n'
     b' \t$(MAKE) -C Documentation \\\n'
     b'+\t\tNO_TCLTK=\'$(NO_TCLTK)\' \\\n'
     b'+\t\tDESTDIR=./ \\\n'
     b' \t\tman1dir=../.doc-tmp-dir/man1 \\\n'
     b'+\t\tman7dir=../.doc-tmp-dir/man7 \\\n'
     b' \t\tinstall\n', []),
    ('config.mak.uname', b'@@ -762,3 +762,6 @@ ifeq ($(uname_S),MINGW)\n'
     b'         endif\n'
     b'+\t\t# Move system config into top-level /etc/\n'
     b'+\t\tETC_GITCONFIG = ../etc/gitconfig\n'
     b'+\t\tETC_GITATTRIBUTES = ../etc/gitattributes\n', []),
    ('t/t0000-basic.sh', b'@@ -802,2 +802,3 @@\n'
     b' \t\t> ../../clean-atexit &&\n'
     b'+\t\t> ../../also-clean-atexit &&\n', []),
    # A hunk that shows the test library sourced is a test's.
    ('contrib/x/check.sh', b'@@ -1,2 +1,3 @@\n . ./test-lib.sh\n \n'
     b'+cp ../../../../x .\n', []),
    # Without it, the same added line is judged.
    ('contrib/x/check.sh', b'@@ -4,1 +4,2 @@\n echo\n'
     b'+cp ../../../issue-46-docs/x .\n', [f'5:4 {ERR}']),
    ('Makefile', b'@@ -1,1 +1,2 @@\n all:\n'
     b'+\tcd sub && cp ../../issue-46-docs/x .\n', [f'2:15 {ERR}']),
]


@pytest.mark.parametrize(('path', 'hunks', 'expected'), PATCHES)
def test_patches_keep_the_contexts(path: str, hunks: bytes,
                                   expected: list[str]) -> None:
    assert _patch(path, hunks) == expected
