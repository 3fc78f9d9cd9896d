"""Conventions: what a file's name, folder and content say about the folder
its paths are read from (issue 24).

Projects say how a file is used by convention, not by a fixed list of
names, so each question here is answered from the name, the folder and
the content the scanner already holds:

- **Tests** (``test_file``): a test folder (git's and Perl's ``t/``,
  ``test*/``, ``*-tests/``, ``spec/``, ``testdata``, ``fixtures``,
  ``__tests__``, ``__mocks__``), a test file (``*.bats``, Perl's ``*.t``,
  ``test_x.py``), or a script that sources a test library
  (``. ./test-lib.sh``, ``load test_helper``,
  ``source "$TEST_DIRECTORY/lib.sh"``) or declares tests
  (``test_expect_success``, bats' ``@test``).
- **The syntax itself** (``syntax_literal``): a quoted literal made of
  ``..`` segments only (``"../"``, ``".."``, ``"../*"``) that is
  compared or tested (``starts_with(rel, "../")``), built into a string
  (``strbuf_addstr(sb, "../")``), a pattern (ESLint's ``"../*"``), or a
  single climb that no path call uses.
- **Makefiles** (``is_make``, ``make_role``, ``install_value``,
  ``run_dir``): a recipe line runs in its own shell from the Makefile's
  folder, after the ``cd``s before it on the line; ``$(MAKE) -C dir``,
  ``git -C dir`` and ``ninja -C dir`` read their arguments from ``dir``;
  a variable's value relative to an install prefix
  (``ETC_GITCONFIG = ../etc/gitconfig``, ``gitexecdir =
  ../libexec/git-core``) is no path of this tree.
- **Tools that run from another folder** (``region``): ``.vscode/``
  files resolve from the workspace folder (the one that holds
  ``.vscode/``), a task's commands from its ``cwd``; compiled
  TypeScript's ``__dirname`` is the compiled file's folder (``src/x.ts``
  runs as ``dist/src/x.js``); tsconfig's ``paths`` resolve from its
  ``baseUrl``; the key of a string-to-string table (a codemod's
  ``'../foo': '@x/foo'``) is an import specifier of other files
  (``table_key``).

Pure string functions on the line's text: no I/O, ``re`` only through
``patterns.rx`` and only for a region that holds a candidate.
"""
from __future__ import annotations

from worktree_guard import purepath
from worktree_guard.pathengine import lines as _lines
from worktree_guard.pathengine import text
from worktree_guard.pathengine.patterns import FILE_DIR
from worktree_guard.pathengine.patterns import rx

UNKNOWN = _lines.UNKNOWN

# -- tests --------------------------------------------------------------------------

# Folder names that hold tests, beyond text.is_test's list: git's and
# Perl's t/ (and xt/, author tests), tst/, mocks.
_TEST_FOLDERS = frozenset(('t', 'xt', 'tst', '__mocks__', 'mocks'))
_TEST_SUFFIXES = ('-test', '_test', '-tests', '_tests', '.tests')
# A script that sources a test library or declares tests (in a patch the
# line starts with its +, - or space).
_TEST_LIB = (
    rb'(?m)^[-+ ]?[ \t]*(?:'
    rb'(?:\.|source)[ \t]+\S*(?i:test[-_]?(?:lib|helper|dir|functions)'
    rb'|sharness|shunit2)'
    rb'|(?:load|bats_load_library)[ \t]+\S*(?i:test_helper|bats-)'
    rb'|test_expect_(?:success|failure)[ \t]'
    rb'|@test[ \t]+["\'])')


def test_path(path: str) -> bool:
    """A test, fixture or snapshot file by its name or a folder's."""
    if text.is_test(path):
        return True
    parts = path.lower().split('/')
    if parts[-1].endswith(('.bats', '.t')):
        return True
    return any(p in _TEST_FOLDERS or p.startswith('test')
               or p.endswith(_TEST_SUFFIXES) for p in parts[:-1])


def test_file(path: str, kind: str, data: bytes, rs: int,
              rend: int) -> bool:
    """A test file by name or folder, or a script (the region: a whole
    file or a patch's hunks) that sources a test library."""
    if test_path(path):
        return True
    return kind == text.SHELL and rx(_TEST_LIB).search(
        data, rs, rend) is not None


# -- templates -----------------------------------------------------------------------

# A template is rendered into another folder.  A template folder's files
# are rendered beside or below it (curl's projects/Windows/tmpl/*.vcxproj
# into projects/Windows/VC*/lib/): their paths resolve from their folder
# or one below it.  A template file elsewhere (``x.tmpl``) is rendered
# beside itself: its folder's rule holds.  Others are rendered
# anywhere (a cookiecutter's {{...}}/ folder, Jinja or Handlebars files,
# GitHub's issue forms, shown on another page): their relative paths
# resolve from a folder this file does not know.
_NEAR_FOLDERS = frozenset((
    'tmpl', 'template', 'templates', '_templates', 'skeleton', 'skel',
    'scaffold', 'scaffolds', 'boilerplate'))
_ELSEWHERE_FOLDERS = frozenset(('issue_template', 'discussion_template'))
_ELSEWHERE_EXT = ('.j2', '.jinja', '.jinja2', '.mustache', '.hbs',
                  '.handlebars', '.ejs', '.njk', '.liquid')
NEAR, ELSEWHERE = 'near', 'elsewhere'
# The folder below a template's own one that it may be rendered into.
BELOW = '_'


def template_kind(path: str) -> str:
    """``near`` for a template rendered beside or below its folder (in
    a template folder: ``tmpl/``, ``templates/``),
    ``elsewhere`` for one rendered anywhere (``{{cookiecutter.slug}}/``,
    ``a.j2``, ``.github/ISSUE_TEMPLATE/``, ``PULL_REQUEST_TEMPLATE.md``),
    '' for no template."""
    low = path.lower()
    parts = low.split('/')
    if low.endswith(_ELSEWHERE_EXT) or parts[-1].startswith(
            'pull_request_template.') or any(
            p in _ELSEWHERE_FOLDERS or '{{' in p for p in parts[:-1]):
        return ELSEWHERE
    return NEAR if any(p in _NEAR_FOLDERS for p in parts[:-1]) else ''


# -- the syntax itself ----------------------------------------------------------------

_SYNTAX_SEGMENTS = frozenset(('..', '.', '', '*', '**'))
# Calls that compare, test or measure a string (names lowercased, without
# '_'): their literal is the syntax, not a path.
_TESTS = frozenset((
    'startswith', 'endswith', 'hasprefix', 'hassuffix', 'skipprefix',
    'stripprefix', 'stripsuffix', 'removeprefix', 'removesuffix',
    'trimprefix', 'trimsuffix', 'cutprefix', 'cutsuffix',
    'trimstartmatches', 'trimendmatches', 'istartswith', 'iendswith',
    'strcmp', 'strncmp', 'strcasecmp', 'strncasecmp', 'memcmp', 'streq',
    'strequal', 'equals', 'equalsignorecase', 'compare', 'fnmatch',
    'wildmatch', 'match', 'matches', 'search', 'test', 'strstr',
    'contains', 'includes', 'indexof', 'lastindexof', 'find', 'rfind',
    'index', 'rindex', 'count', 'replace', 'replaceall', 'split', 'rsplit',
    'partition', 'rpartition', 'lstrip', 'rstrip', 'strip', 'strlen',
    'len', 'sizeof', 'length', 'assertequal', 'assertequals'))
# Calls that build or print a string: a literal of '..' segments only is
# a piece of it (git's relative_path() appends "../" per level).
_BUILDS = frozenset((
    'strbufaddstr', 'strbufadd', 'strbufaddf', 'strbufinsertstr',
    'append', 'appendstr', 'push', 'pushstr', 'concat', 'extend',
    'insert', 'prepend', 'repeat', 'write', 'writefile', 'writestr',
    'fputs', 'fprintf', 'printf', 'sprintf', 'snprintf', 'print',
    'println', 'puts', 'format', 'log'))
# Calls whose argument is a folder to use: a lone '..' there is one.
_PATH_CALLS = frozenset((
    'chdir', 'cd', 'require', 'import', 'include', 'open', 'fopen',
    'opendir', 'readdir', 'readdirsync', 'listdir', 'scandir', 'join',
    'resolve', 'path', 'glob', 'exists', 'existssync', 'stat', 'load'))
_OPERATOR_BEFORE = ('==', '!=', '===', '!==', ' in', ' eq', ' ne', '=~',
                    '<>', 'case', ' is')
_OPERATOR_AFTER = ('==', '!=', 'in ', 'eq ', 'ne ', 'not in ')
_IMPORT_BEFORE = ('from', 'import', 'include', 'require')
_QUOTES = '"\'`'
# What may follow the syntax named in a comment: an end of the word.
_BARE_END = frozenset(' \t"\'`),;:*')
# The longest literal read for its closing quote: a line of many tokens
# stays linear.
_LONGEST = 256


def _syntax_body(line: str, at: int) -> str | None:
    """The literal quoted around ``at`` when it is ``..`` segments and
    globs only (``"../"``, ``'..\\\\'``, ``"../*"``), else None."""
    if at == 0 or line[at - 1] not in _QUOTES:
        return None
    end = line.find(line[at - 1], at, at + _LONGEST)
    if end == -1:
        return None
    body = line[at:end]
    segs = body.replace('\\', '/').split('/')
    if '..' not in segs or any(s not in _SYNTAX_SEGMENTS for s in segs):
        return None
    return body


def bare_syntax(line: str, at: int) -> bool:
    """The token at character ``at`` is ``..`` segments only (``../``,
    ``../../``, ``..``): in prose or a comment it names the syntax, no
    path (``/* '../' is not a repository */``)."""
    end = at
    stop = min(len(line), at + _LONGEST)
    while end < stop and line[end] in './\\':
        end += 1
    if end < len(line) and line[end] not in _BARE_END:
        return False
    segs = line[at:end].replace('\\', '/').split('/')
    return all(s in ('..', '') for s in segs)


def syntax_literal(line: str, at: int, before: str, shell: bool) -> bool:
    """The quoted token at character ``at`` of ``line`` names the ``..``
    syntax itself, no path; ``before`` is the text right before it (the
    site's window)."""
    body = _syntax_body(line, at)
    if body is None:
        return False
    head = before[:-1].rstrip()
    name, _ = enclosing_call(head)
    if '*' in body:
        # A pattern of the syntax (fnmatch("../*"), ESLint's "../*"),
        # unless a path call reads it (glob('*/../..')).
        return body.startswith('..') and name not in _PATH_CALLS
    after = line[at + len(body) + 1:at + len(body) + 12].lstrip()
    if head.endswith(_OPERATOR_BEFORE) or after.startswith(_OPERATOR_AFTER) \
            or (shell and head.endswith(' =')):
        return True
    if name in _TESTS or name in _BUILDS:
        return True
    # A lone climb that no path call and no import uses: the syntax.
    return not shell and body.replace('\\', '/').strip('/') == '..' and \
        name not in _PATH_CALLS and not head.endswith(_IMPORT_BEFORE)


def enclosing_call(before: str) -> tuple[str, str]:
    """(name, arguments so far) of the call whose parenthesis is open
    at the end of ``before``: the name's last component, lowercased,
    without ``_`` (``starts_with`` and ``startsWith`` are one name);
    ('', '') outside any call."""
    depth = 0
    for i in range(len(before) - 1, -1, -1):
        c = before[i]
        if c in ')]}':
            depth += 1
        elif c in '([{':
            if depth:
                depth -= 1
                continue
            if c != '(':
                return '', ''
            j = i
            while j > 0 and (before[j - 1].isalnum()
                             or before[j - 1] in '_$.:'):
                j -= 1
            name = before[j:i].rpartition('.')[2].rpartition(':')[2]
            return name.replace('_', '').lower(), before[i + 1:]
    return '', ''


def file_call(before: str) -> bool:
    """The token is an argument of ``join(...)``/``resolve(...)`` whose
    first argument is this file's folder (``path.join(__dirname, '``)."""
    name, args = enclosing_call(before.rstrip(_QUOTES))
    if name not in ('join', 'resolve'):
        return False
    first = args.partition(',')[0].strip()
    return first in FILE_DIR


def table_key(line: str, at: int) -> bool:
    """The quoted token is the key of a string-to-string entry
    (``'../foo': '@x/foo'``, ``"../a" => "b"``): an import-rewrite
    table's specifier, read from other files, not a path of this one."""
    if at == 0 or line[at - 1] not in _QUOTES:
        return False
    end = line.find(line[at - 1], at, at + _LONGEST)
    if end == -1:
        return False
    after = line[end + 1:end + 8].lstrip()
    if after.startswith('=>'):
        after = after[2:]
    elif after.startswith(':'):
        after = after[1:]
    else:
        return False
    return after.lstrip()[:1] in _QUOTES


# -- Makefiles ------------------------------------------------------------------------

_MAKE_NOT = frozenset(('pl', 'py', 'rb', 'js', 'ts', 'sh', 'md', 'txt',
                       'json', 'yml', 'yaml', 'toml', 'cmake'))
_ASSIGN = (r'[ \t]*(?:(?:export|override|private)[ \t]+)*'
           r'([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:::?=|:::=|[?+!]=|=)')
# Install folders: a relative value that starts with one of them (after
# its climbs) is relative to an install prefix (the binary's folder).
_FHS = frozenset(('etc', 'share', 'lib', 'lib32', 'lib64', 'libexec',
                  'bin', 'sbin', 'include', 'var', 'man', 'locale',
                  'info'))
# Commands that run in the folder their -C names.
_DASH_C = frozenset(('make', 'gmake', '$(MAKE)', '${MAKE}', '$MAKE', 'git',
                     '$(GIT)', '${GIT}', '$GIT', 'ninja'))
_SEPARATORS = frozenset(('&&', '||', ';', '|'))


def is_make(path: str) -> bool:
    """A Makefile by name: ``Makefile``, ``GNUmakefile``, ``*.mk``,
    ``*.mak``, ``config.mak.uname``, ``Makefile.in``/``.am``."""
    if text.is_makefile(path):
        return True
    low = path.rsplit('/', 1)[-1].lower()
    stem, _, ext = low.partition('.')
    if stem in ('makefile', 'gnumakefile') and ext:
        return ext.rpartition('.')[2] not in _MAKE_NOT
    return low.endswith(('.mak', '.mk.in')) or low.startswith('config.mak')


def make_role(line: str) -> str:
    """``recipe`` (a tab-led line that is no spaced assignment),
    ``assign`` (a variable's value) or ``other`` (rules, directives)."""
    m = rx(_ASSIGN).match(line)
    if line.startswith('\t'):
        if m is not None and (line[m.end(1)] in ' \t' or line[m.end() - 2]
                              in ':?+!'):
            return 'assign'
        return 'recipe'
    return 'assign' if m is not None else 'other'


def install_value(line: str, at: int, token: str) -> bool:
    """The token at ``at`` is the value of a variable relative to an
    install prefix: a GNU install folder's name (``gitexecdir``,
    ``template_dir``, ``localedir_relative``) or a value that climbs to
    an install folder (``../etc/gitconfig``, ``../share/x``)."""
    m = rx(_ASSIGN).match(line)
    if m is None or m.end() > at or line[m.end():at].strip():
        return False
    name = m.group(1)
    if (name.islower() and name.endswith('dir')) or \
            name.lower().endswith('_relative'):
        return True
    rest = [p for p in token.split('/') if p not in ('', '.', '..')]
    return bool(rest) and rest[0] in _FHS


def run_dirs(line: str, cwd: str, folder: str,
             cds: bool) -> tuple[list[int], list[str]]:
    """The folders the words of ``line`` are read from, starting in
    ``cwd``: (word starts, folder per word), for ``run_dir``.  A word
    is read from the folder after the line's ``cd``s before it (``cds``:
    a Makefile recipe, whose lines each run in their own shell; a
    script's ``cd``s are the line model's) and its command's ``-C dir``
    before it (``$(MAKE) -C Documentation``, ``git -C sub``); ``UNKNOWN``
    after a folder this file does not know (``cd $$d``).  One pass over
    the line, so a line of many tokens costs linear time."""
    starts: list[int] = []
    dirs: list[str] = []
    stack: list[str] = []
    cmd: list[str] = []
    here = cwd          # the folder of the current command's words
    for s, _, word in _lines.split_words(line):
        if word in _SEPARATORS or word in '()':
            if cds and word in _SEPARATORS:
                cwd = _after_cd(cmd, cwd, folder)
            elif word == '(':
                stack.append(cwd)
            elif word == ')' and stack:
                cwd = stack.pop()
            cmd = []
            here = cwd
            continue
        starts.append(s)
        dirs.append(here)
        cmd.append(word)
        here = _dash_c(cmd, here, folder)
    return starts, dirs


def moves(line: str, cds: bool) -> bool:
    """Can a command of ``line`` move the folder its words are read
    from (a ``-C``, ``--directory``, ``$(QUIET_SUBDIR0)``, and with
    ``cds`` a ``cd``/``pushd``/``popd``)?"""
    return '-C' in line or '--directory' in line or 'SUBDIR0)' in line \
        or (cds and ('cd' in line or 'popd' in line))


def run_dir(table: tuple[list[int], list[str]], at: int, cwd: str) -> str:
    """The folder the word at character ``at`` is read from, in a line's
    ``run_dirs`` table (``cwd`` before its first word)."""
    from bisect import bisect_right
    i = bisect_right(table[0], at) - 1
    return table[1][i] if i >= 0 else cwd


def _after_cd(cmd: list[str], cwd: str, folder: str) -> str:
    if not cmd or cmd[0] not in ('cd', 'pushd', 'popd'):
        return cwd
    args = [w for w in cmd[1:] if not w.startswith('-')]
    if cmd[0] == 'popd' or not args:
        return UNKNOWN
    return _lines.cd_target(args[0], cwd, folder)


def _dash_c(cmd: list[str], here: str, folder: str) -> str:
    """The folder of the words after the last of ``cmd``: ``here``,
    moved when that word ends a ``-C dir`` option of a command that
    runs in ``dir``."""
    i = 0
    while i < len(cmd) and '=' in cmd[i] and not cmd[i].startswith('-'):
        i += 1   # FOO=bar make -C x
    if i >= len(cmd) or here == UNKNOWN:
        return here
    name = cmd[i].lstrip('@+-')
    last = cmd[-1]
    d = None
    if len(cmd) == i + 1:
        if 'SUBDIR0)' in name:
            # git's $(QUIET_SUBDIR0)dir $(QUIET_SUBDIR1): make -C dir
            d = name.partition('SUBDIR0)')[2]
    elif name in _DASH_C:
        if cmd[-2] in ('-C', '--directory') and len(cmd) > i + 2:
            d = last
        elif last.startswith('--directory='):
            d = last.partition('=')[2]
        elif last.startswith('-C') and len(last) > 2:
            d = last[2:]
    return here if d is None else _lines.cd_target(d, here, folder)


def written_before(line: str) -> int:
    """Where the last ``>`` of an ``echo``/``printf`` line is (-1: none,
    or another command): text echoed into a file before it is that
    file's content (``echo "../../x/.git" >expect``, a generator's
    ``echo ^<ClCompile Include=^"..\\..\\%1^" /^>>> %3``), not a path
    this line uses."""
    head = line.lstrip().lower()
    if not head.startswith(('echo ', '@echo ', 'printf ', '@printf ')):
        return -1
    return line.rfind('>')


_SCRIPT = r'[ \t]*"[^"]+"[ \t]*:[ \t]*"'


def script_value(line: str) -> int:
    """Where the value of a ``"name": "command"`` line of package.json
    starts (-1: no such line): npm runs it from the package's folder."""
    m = rx(_SCRIPT).match(line)
    return -1 if m is None else m.end()


# -- tools that run from another folder -----------------------------------------------

_TS = ('.ts', '.tsx', '.mts', '.cts')
_CWD = rb'"cwd"\s*:\s*"([^"]*)"'
_BASE_URL = rb'"baseUrl"\s*:\s*"([^"]*)"'
_WORKSPACE = '${workspaceFolder}'


class Region:
    """What a region's name and content say about where its paths are
    read from, computed once per region with a candidate.

    ``test``: a test file; ``template``: a template's kind
    (``template_kind``);
    ``make``: a Makefile; ``package``: a package.json, whose scripts
    run from its folder; ``ts``: TypeScript that
    is compiled (its ``__dirname`` is the output's folder);
    ``workspace``: a ``.vscode/`` file's workspace folder (None for
    other files); ``base``: the folder its paths resolve from (the
    workspace, or a task's ``cwd``), ``UNKNOWN`` when that is a folder
    the file does not know; ``paths_base``: a tsconfig's ``baseUrl``
    folder (for ``paths``)."""

    __slots__ = ('test', 'template', 'make', 'ts', 'package', 'workspace',
                 'base', 'paths_base')

    def __init__(self, path: str, kind: str, data: bytes, rs: int,
                 rend: int) -> None:
        folder = purepath.dirname(path)
        self.test = test_file(path, kind, data, rs, rend)
        self.template = template_kind(path)
        self.make = is_make(path)
        low = path.lower()
        self.ts = low.endswith(_TS) and not low.endswith('.d.ts')
        self.package = low.rsplit('/', 1)[-1] == 'package.json'
        self.workspace, self.base = _tool_base(folder, data, rs, rend)
        self.paths_base: str | None = None
        name = low.rsplit('/', 1)[-1]
        if name.startswith(('tsconfig', 'jsconfig')) and \
                name.endswith('.json'):
            m = rx(_BASE_URL).search(data, rs, rend)
            if m is not None:
                url = m.group(1).decode('utf-8', 'surrogateescape')
                self.paths_base = text.norm(purepath.join(folder or '.',
                                                          url or '.'))

    def bases_for(self, line: str,
                  bases: tuple[str, ...]) -> tuple[str, ...] | None:
        """The folders a code or config line's paths resolve from: the
        file's own ``bases`` unless a convention says otherwise (None:
        a folder the file does not know)."""
        if self.workspace is not None:
            if '"cwd"' in line:
                return (self.workspace,)   # the cwd itself
            base = self.base
            return None if base is None or base == UNKNOWN else (base,)
        if self.paths_base is not None and paths_entry(line):
            return (self.paths_base,)
        return bases


def compiled(folder: str) -> tuple[str, ...]:
    """Where compiled TypeScript of ``folder`` may run besides its own
    folder: its outDir copy (``dist/``) with the path from the rootDir,
    which may be the repository (``src`` -> ``dist/src``) or above the
    package (stravu/crystal's ``main/src/index.ts`` runs as
    ``main/dist/main/src/index.js``)."""
    if not folder:
        return ('dist',)
    top = folder.split('/', 1)[0]
    out = ['dist/' + folder]
    if top != folder:
        out.append(f'{top}/dist/{folder}')
    return tuple(out)


def _tool_base(folder: str, data: bytes, rs: int,
               rend: int) -> tuple[str | None, str | None]:
    """(workspace, base) of a ``.vscode/`` file: the workspace folder
    (the one that holds ``.vscode/``), and the folder its paths resolve
    from: the workspace, or the one ``cwd`` names for the tasks and
    launches; (None, None) for other files."""
    parts = folder.split('/')
    if parts[-1] != '.vscode':
        return None, None
    workspace = '/'.join(parts[:-1])
    cwds = {m.group(1).decode('utf-8', 'surrogateescape')
            for m in rx(_CWD).finditer(data, rs, rend)}
    if not cwds:
        return workspace, workspace
    cwd = cwds.pop() if len(cwds) == 1 else '$'
    if cwd.startswith(_WORKSPACE):
        cwd = cwd[len(_WORKSPACE):].lstrip('/') or '.'
    if '$' in cwd or cwd.startswith('/'):
        return workspace, UNKNOWN
    return workspace, text.norm(purepath.join(workspace or '.', cwd))


def paths_entry(line: str) -> bool:
    """A tsconfig ``paths`` line: ``"@x/*": ["../x/*"]``."""
    key, sep, rest = line.strip().partition(':')
    return bool(sep) and key[:1] == '"' and rest.lstrip()[:1] == '['
