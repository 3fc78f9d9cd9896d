"""Spellings and file kinds: pure string functions, no ``re``.

``decode`` undoes what a file's syntax adds to a path (string escapes,
JSON's ``\\/``, percent-encoding, Windows separators) so every spelling is
judged as the program that reads it sees it; ``norm`` collapses ``//``,
``.`` and ``..`` segments.
"""
from worktree_guard import purepath

# A backslash before one of these ends the path in a string literal
# ("...autoload\n"): the escape is the string's, not the path's.
_STRING_ESCAPES = frozenset('ntr0"\'')
_PERCENT = {'%2e': '.', '%2f': '/', '%5c': '\\'}


def decode(token: str, doc: bool = False) -> str:
    """The path a token spells, as the reader of the file sees it.
    ``doc``: the token is in a doc, whose markup escapes punctuation with
    a backslash (roff man pages: ``/home/\\.\\.\\./git\\-x``; Markdown:
    ``\\.``, ``\\-``, ``\\_``); those escapes are undone first."""
    if doc and '\\' in token and '..\\' not in token:   # not ..\\x
        for esc in ('\\.', '\\-', '\\_'):
            token = token.replace(esc, esc[1])
    if '%' in token:
        token = _percent(token)
    if '\\' in token:
        return _backslashes(token)
    return token


def _percent(token: str) -> str:
    """``%2e``, ``%2f`` and ``%5c`` (either case) decoded; any other
    percent sign is left as it is."""
    low = token.lower()
    if not ('%2e' in low or '%2f' in low or '%5c' in low):
        return token
    out = []
    i = 0
    while i < len(token):
        rep = _PERCENT.get(token[i:i + 3].lower())
        if rep is not None:
            out.append(rep)
            i += 3
        else:
            out.append(token[i])
            i += 1
    return ''.join(out)


def _backslashes(token: str) -> str:
    """A token with backslashes: JSON's ``\\/`` and an escaped backslash
    undone, then a Windows path's separators made ``/``, or a string's
    escapes (``\\n``, ``\\"``) taken as where the path ends."""
    token = token.replace('\\/', '/').replace('\\\\', '\\')
    if token.startswith('..\\') or '\\..' in token:
        # A Windows path: ..\..\x
        return token.replace('\\', '/')
    # "line\n../x": the string's escapes split it; the path is the
    # piece that holds the candidate.
    pieces = []
    start = 0
    i = token.find('\\')
    while i != -1 and i + 1 < len(token):
        if token[i + 1] in _STRING_ESCAPES:
            pieces.append(token[start:i])
            start = i + 2
        i = token.find('\\', i + 2)
    if not pieces:
        return token
    pieces.append(token[start:])
    return next((p for p in pieces if '..' in p or p.startswith('/')),
                pieces[0])


# ``normpath`` that also folds a leading ``//`` (``purepath``'s, shared
# with ``places``, which the agent hook loads without this module).
norm = purepath.norm


def escapes(norm_path: str) -> bool:
    """Does a normalised relative path climb above its start?"""
    return norm_path == '..' or norm_path.startswith('../')


# -- home directories -------------------------------------------------------------

# Names that stand for "some user" in docs, CI images and examples.
PLACEHOLDER_USERS = frozenset((
    'user', 'users', 'username', 'user-name', 'user_name', 'yourname',
    'your-name', 'your_name', 'yourusername', 'your-username', 'you', 'me',
    'myuser', 'my-user', 'name', 'someone', 'somebody', 'example', 'foo',
    'bar', 'baz', 'test', 'tester', 'testuser', 'john', 'jdoe', 'johndoe',
    'jane', 'janedoe', 'runner', 'runneradmin', 'ubuntu', 'vagrant',
    'ec2-user', 'pi', 'node', 'app', 'travis', 'circleci', 'jenkins',
    'builder', 'build', 'buildbot', 'docker', 'coder', 'codespace',
    'codespaces', 'vscode', 'gitpod', 'linuxbrew', 'shared', 'guest',
    'admin', 'default', 'nobody', 'root', 'dev', 'developer', 'ci',
    'somename', 'whoever', 'xxx', 'yyy', 'x', 'y', 'u',
))
_GLOB = frozenset('*?[]{}<>$%')


def home_user(token: str) -> str | None:
    """The user name of a home-directory path, or None."""
    t = token.replace('\\', '/')
    if len(t) > 2 and t[1] == ':' and t[2] == '/':
        t = t[2:]   # C:/Users/ann
    parts = norm(t).split('/', 3) if t.startswith('/') else []
    if len(parts) > 3 and parts[1].lower() in ('home', 'users') and parts[2]:
        return parts[2]
    return None


def plausible_user(user: str, container: frozenset[str] | set[str]) -> bool:
    """A real person's account name, not a placeholder, glob or the
    container user the repository's own Dockerfile creates."""
    low = user.lower()
    return not (low in PLACEHOLDER_USERS or user in container
                or any(c in _GLOB for c in user)
                or (user.isupper() and len(user) > 1)
                or user.startswith(('.', '-')))


# -- file kinds -------------------------------------------------------------------

DOC, CHANGELOG, SHELL, CONFIG, CODE, GITMODULES, GENERATED = (
    'doc', 'changelog', 'shell', 'config', 'code', 'gitmodules', 'generated')
_LOCKFILES = frozenset(('pnpm-lock.yaml', 'yarn.lock', 'package-lock.json',
                        'npm-shrinkwrap.json', 'cargo.lock', 'poetry.lock',
                        'gemfile.lock', 'composer.lock', 'go.sum',
                        'pdm.lock', 'uv.lock', 'bun.lock'))
_DOC_EXT = frozenset(('md', 'markdown', 'mdx', 'mdown', 'rst', 'txt',
                      'adoc', 'asc', 'asciidoc', 'org', 'textile', 'rdoc', 'pod',
                      'html', 'htm'))
# Man pages (roff): docs whose examples sit in .nf/.EX blocks.
_MAN_EXT = frozenset(('1', '2', '3', '4', '5', '6', '7', '8', '9', 'man',
                      'roff'))
_SHELL_EXT = frozenset(('sh', 'bash', 'zsh', 'ksh', 'bats', 'envrc'))


def is_man_page(path: str) -> bool:
    """A roff man page (``git-x.1``, ``x.man``): its examples sit in
    ``.nf``/``.EX`` blocks, which mean nothing in other files."""
    return path.rpartition('.')[2].lower() in _MAN_EXT

def is_markdown(path: str) -> bool:
    """A Markdown doc (``.md``, ``.markdown``, ``.mdown``): its contexts
    come from a CommonMark parser (``pathengine.markdown``)."""
    return path.rpartition('.')[2].lower() in _MARKDOWN_EXT


_MARKDOWN_EXT = frozenset(('md', 'markdown', 'mdown'))
_CONFIG_EXT = frozenset(('yml', 'yaml', 'toml', 'json', 'jsonc', 'json5',
                         'ini', 'cfg', 'conf', 'env', 'properties', 'xml',
                         'plist'))
_CHANGELOG = ('changelog', 'changes', 'history', 'news', 'releases',
              'release-notes', 'release_notes')
_DOC_NAMES = ('readme', 'contributing', 'authors', 'notice', 'install',
              'todo', 'copying', 'license')
_TEST_DIRS = frozenset(('test', 'tests', '__tests__', 'fixture', 'fixtures',
                        '__fixtures__', 'snapshots', '__snapshots__',
                        'testdata', 'test-data', 'test_data', 'spec', 'specs',
                        'e2e', 'golden', 'testing'))


def file_kind(path: str, head: bytes) -> str:
    """How a file's paths are used, from its name (and shebang)."""
    name = path.rsplit('/', 1)[-1]
    low = name.lower()
    if low == '.gitmodules':
        return GITMODULES
    if low.endswith(('.map', '.min.js', '.min.css')) or low in _LOCKFILES:
        # Build output quotes the build machine's paths; lockfiles write
        # paths relative to each package, not to the lockfile.
        return GENERATED
    stem, dot, ext = low.rpartition('.')
    if not dot:
        stem, ext = low, ''
    if stem.startswith(_CHANGELOG) and (not ext or ext in _DOC_EXT):
        return CHANGELOG
    if ext in _DOC_EXT or ext in _MAN_EXT or (not ext and stem.startswith(_DOC_NAMES)):
        return DOC
    if ext in _SHELL_EXT or low in ('.bashrc', '.profile', '.zshrc'):
        return SHELL
    if head.startswith(b'#!'):
        first = head[:head.find(b'\n')] if b'\n' in head else head
        if first.endswith((b'sh', b' sh', b'bash', b'zsh', b'ksh')):
            return SHELL
    if ext in _CONFIG_EXT or low.startswith('.env'):
        return CONFIG
    return CODE


_MAKEFILES = frozenset(('makefile', 'gnumakefile'))


def is_makefile(path: str) -> bool:
    """A Makefile (``Makefile``, ``GNUmakefile``, ``*.mk``): its recipe
    lines are shell, continued with a backslash."""
    low = path.rsplit('/', 1)[-1].lower()
    return low in _MAKEFILES or low.endswith(('.mk', '.make'))


def region_head(data: bytes, rs: int, patch: bool) -> bytes:
    """The start of a region's file, for ``file_kind``'s shebang: a
    patch's first line only when its hunk starts at the file's first
    line, else nothing."""
    head = data[rs:rs + 256]
    if patch:
        nl = head.find(b'\n')
        first = head[:nl]
        head = head[nl + 2:] if (b' +1,' in first
                                 or b' +1 ' in first) else b''
    return head


def is_test(path: str) -> bool:
    """A test, fixture or snapshot file: its home paths are made up."""
    parts = path.lower().split('/')
    name = parts[-1]
    if any(p in _TEST_DIRS for p in parts[:-1]):
        return True
    stem = name.rsplit('.', 1)[0]
    return (name.endswith(('.snap', '.snapshot', '.golden'))
            or stem.startswith(('test_', 'test-')) or stem == 'test'
            or stem.endswith(('_test', '-test', '.test', '.spec', '_spec',
                              'tests')))
