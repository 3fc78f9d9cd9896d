"""The policy: ``.worktree-guard.yaml`` loaded, validated and merged with defaults.

Hot path: with no policy file nothing is parsed.  With one, the validated
result is cached (``marshal``, keyed by the file's stat) in the worktree's git
dir, so a commit pays neither for ``yaml`` nor for ``jsonschema``.

Cold path (cache miss, ``policy validate``): PyYAML's safe loader builds the
node tree (for ``line:col``), ``jsonschema`` validates against the shipped
``policy.schema.json``, and semantic checks compile every regex (RE2) and glob
(pathspec).  Every problem becomes ``file:line:col: message`` plus a hint.
"""
from __future__ import annotations

import marshal
import os

from worktree_guard.errors import PolicyError

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from collections.abc import Callable
    from collections.abc import Iterator

    import yaml

POLICY_FILE = '.worktree-guard.yaml'
SCHEMA_FILE = 'policy.schema.json'
CACHE_FILE = 'worktree-guard-policy.cache'
CACHE_VERSION = 3

DEFAULT_BRANCH_PATTERN = (
    r'^issue-(?P<issue>[1-9][0-9]*)-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$'
)

# The built-in policy.  Keep in sync with policy.schema.json (a test checks).
DEFAULTS: dict[str, dict[str, Any]] = {
    'base': {'remote': None, 'branch': None},
    'branches': {
        'pattern': DEFAULT_BRANCH_PATTERN,
        'exempt': ['main', 'master', 'develop', 'gh-pages', 'release/*',
                   'dependabot/**', 'renovate/**'],
        'protected': ['main', 'master'],
        'check': 'all',
        'allow-detached': True,
        'slug-max-length': 40,
    },
    'worktrees': {'root': 'trees', 'layout': 'nested', 'bootstrap': []},
    'paths': {
        'scope': 'added',
        'resolve-from': 'file',
        'include': [],
        'exclude': [],
        'allow': [],
        'max-file-size': '1MiB',
    },
    'sync': {
        'fetch': True,
        'fetch-timeout': 10,
        'when-unreachable': 'block',
        'max-staleness': '1d',
        'max-behind': 0,
        'require-linear': True,
        'exempt': [],
        'warn-overlap': False,
    },
    'server': {'allow-skip': []},
    'rules': {
        'branch-name': 'error',
        'branch-name/detached': 'error',
        'protected-branch': 'error',
        'protected-branch/commit': 'error',
        'protected-branch/delete': 'error',
        'protected-branch/force-push': 'error',
        'worktree-layout': 'error',
        'worktree-layout/location': 'error',
        'worktree-layout/not-ignored': 'error',
        'worktree-paths': 'error',
        'worktree-paths/relative-escape': 'error',
        'worktree-paths/absolute-checkout': 'error',
        'worktree-paths/sibling-worktree': 'error',
        'worktree-paths/home-path': 'warn',
        'worktree-paths/escaping-symlink': 'error',
        'worktree-paths/staged-worktree': 'error',
        'sync-before-push': 'error',
        'sync-before-push/behind': 'error',
        'sync-before-push/merge-commit': 'error',
        'sync-before-push/unreachable': 'error',
        'sync-before-push/overlap': 'warn',
    },
}

# Keys whose values are glob lists, compiled to regexes at load time.
GLOB_KEYS = (('branches', 'exempt'), ('branches', 'protected'),
             ('paths', 'include'), ('paths', 'exclude'), ('sync', 'exempt'))


class Policy:
    """The effective policy: defaults merged with the file.

    ``data`` mirrors the YAML (kebab-case keys).  ``sources`` maps
    ``section.key`` to the file's ``path:line`` for keys the file sets.
    ``globs`` maps ``section.key`` to compiled-regex sources for glob lists.
    """

    __slots__ = ('data', 'sources', 'path', 'globs', '_compiled')

    def __init__(self, data: dict[str, dict[str, Any]],
                 sources: dict[str, str] | None = None,
                 path: str | None = None,
                 globs: dict[str, list[str]] | None = None) -> None:
        self.data = data
        self.sources = sources or {}
        self.path = path
        self.globs = globs if globs is not None else compile_globs(data)
        self._compiled: dict[str, Any] = {}

    def __getitem__(self, section: str) -> dict[str, Any]:
        return self.data[section]

    def severity(self, rule: str, kind: str | None = None) -> str:
        """Effective severity of a rule, or of one kind of a rule.

        ``off`` on the rule switches all its kinds off.  A kind set in the
        file wins; then the rule's level set in the file; then the defaults.
        """
        rules = self.data['rules']
        rule_sev: str = rules.get(rule, 'error')
        if rule_sev == 'off' or kind is None:
            return rule_sev
        key = f'{rule}/{kind}'
        if f'rules.{key}' in self.sources:
            return str(rules[key])
        if f'rules.{rule}' in self.sources:
            return rule_sev
        return str(rules.get(key, rule_sev))

    def matches(self, section: str, key: str, name: str) -> bool:
        """Does ``name`` match any glob of ``section.key``?"""
        cache_key = f'glob:{section}.{key}'
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            compiled = [glob_matcher(r)
                        for r in self.globs[f'{section}.{key}']]
            self._compiled[cache_key] = compiled
        return any(m(name) for m in compiled)

    def branch_regex(self) -> Any:
        """The compiled branch pattern (RE2 for user patterns)."""
        compiled = self._compiled.get('branch')
        if compiled is None:
            compiled = compile_regex(self.data['branches']['pattern'])
            self._compiled['branch'] = compiled
        return compiled

    def to_cache(self) -> dict[str, Any]:
        return {'data': self.data, 'sources': self.sources,
                'globs': self.globs}


def _regex_error(e: Exception) -> str:
    reason = e.args[0] if e.args else e  # RE2 gives bytes
    if isinstance(reason, bytes):
        return reason.decode('utf-8', 'replace')
    return str(reason)


def _too_deep(filename: str) -> PolicyError:
    return PolicyError(f'{filename}:1:1: the policy nests too deeply to '
                       'read', 'a policy is sections of keys with plain '
                       'values and lists; remove the nesting')


def _quote(key: object) -> str:
    """A key for a message: in quotes, control characters escaped."""
    text = str(key)
    return f"'{text}'" if text.isprintable() else repr(text)


class RE2Regex:
    """A compiled RE2 regex that also takes text read from git with
    undecodable bytes (surrogate escapes): RE2 wants UTF-8, so such
    characters are searched as U+FFFD."""

    __slots__ = ('_rx',)

    def __init__(self, rx: Any) -> None:
        self._rx = rx

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rx, name)

    def search(self, text: str, *args: Any) -> Any:
        return self._rx.search(_utf8(text), *args)

    def match(self, text: str, *args: Any) -> Any:
        return self._rx.match(_utf8(text), *args)

    def fullmatch(self, text: str, *args: Any) -> Any:
        return self._rx.fullmatch(_utf8(text), *args)


def _utf8(text: str) -> str:
    if text.isascii():
        return text
    return text.encode('utf-8', 'surrogatepass').decode('utf-8', 'replace')


def compile_regex(pattern: str) -> Any:
    """Compile a policy regex.  The built-in pattern is matched in plain
    Python (``DefaultBranchRegex``); user patterns use RE2, which runs in
    linear time, so no pattern can hang a commit (``(a+)+$`` included)."""
    if pattern == DEFAULT_BRANCH_PATTERN:
        return DefaultBranchRegex()
    import re2
    options = re2.Options()
    options.log_errors = False
    return RE2Regex(re2.compile(pattern, options))


# -- the hot path without ``re`` ---------------------------------------------------
#
# Importing ``re`` costs ~5 ms of a ~15 ms hook run.  The built-in branch
# pattern and the usual glob shapes (literal segments, ``*`` segments, a
# trailing ``/**``) are matched in plain Python with exactly ``re``'s
# answer (property tests compare the two); anything else compiles the regex.

_LOWER_DIGITS = frozenset('abcdefghijklmnopqrstuvwxyz0123456789')
_DIGITS = frozenset('0123456789')


def default_branch_ok(name: str) -> bool:
    """``re.search(DEFAULT_BRANCH_PATTERN, name) is not None``, without re."""
    if name.endswith('\n'):  # `$` also matches before a final newline
        name = name[:-1]
    if not name.startswith('issue-'):
        return False
    number, sep, slug = name[6:].partition('-')
    if not sep or not number or number[0] == '0' or \
            not _DIGITS.issuperset(number):
        return False
    return all(part and _LOWER_DIGITS.issuperset(part)
               for part in slug.split('-'))


class _LazyMatch:
    """A successful match of the built-in pattern; the real ``re.Match``
    (for ``group('issue')`` and the like) is computed on first use."""

    __slots__ = ('_name', '_match')

    def __init__(self, name: str) -> None:
        self._name = name
        self._match: Any = None

    def __bool__(self) -> bool:
        return True

    def __getattr__(self, attr: str) -> Any:
        if self._match is None:
            import re
            self._match = re.search(DEFAULT_BRANCH_PATTERN, self._name)
        return getattr(self._match, attr)


class DefaultBranchRegex:
    """The compiled built-in branch pattern.  ``search``/``match``/
    ``fullmatch`` decide in plain Python; everything else is ``re``'s."""

    __slots__ = ('pattern', 'groupindex')

    def __init__(self) -> None:
        self.pattern = DEFAULT_BRANCH_PATTERN
        self.groupindex = {'issue': 1, 'slug': 2}

    def search(self, name: str) -> _LazyMatch | None:
        return _LazyMatch(name) if default_branch_ok(name) else None

    match = search  # the pattern is anchored with ^

    def fullmatch(self, name: str) -> _LazyMatch | None:
        return self.search(name) if not name.endswith('\n') else None

    def __getattr__(self, attr: str) -> Any:
        import re
        return getattr(re.compile(DEFAULT_BRANCH_PATTERN), attr)


_DIR_OR_END = '(?:(?P<ps_d>/)|$)'
_SPECIAL = frozenset('.^$*+?{}[]|()')


def _unescape(part: str) -> str | None:
    """The literal a ``re.escape``d regex fragment matches; None if the
    fragment is not a plain literal."""
    out = []
    i = 0
    while i < len(part):
        c = part[i]
        if c == '\\':
            nxt = part[i + 1:i + 2]
            if not nxt or nxt.isalnum() or nxt == '_':
                return None
            out.append(nxt)
            i += 2
            continue
        if c in _SPECIAL:
            return None
        out.append(c)
        i += 1
    return ''.join(out)


def simple_glob(regex: str) -> tuple[list[str | None], bool] | None:
    """Split a pathspec regex of the usual shapes into segments (a literal,
    or None for ``[^/]+``) and whether it is a prefix (``dir/**``)."""
    if not regex.startswith('^'):
        return None
    body = regex[1:]
    if body.endswith(_DIR_OR_END):
        prefix = False
        body = body[:-len(_DIR_OR_END)]
    elif body.endswith('/'):
        prefix = True
        body = body[:-1]
    else:
        return None
    segments: list[str | None] = []
    for part in body.replace('[^/]+', '\0').split('/'):
        if part == '\0':
            segments.append(None)
            continue
        literal = _unescape(part) if '\0' not in part else None
        if not literal:
            return None
        segments.append(literal)
    return segments, prefix


def glob_matcher(regex: str) -> Callable[[str], bool]:
    """A predicate equal to ``bool(re.match(regex, name))``."""
    shape = simple_glob(regex)
    if shape is None:
        import re
        compiled = re.compile(regex)
        return lambda name: compiled.match(name) is not None
    segments, prefix = shape

    def match(name: str) -> bool:
        pos = 0
        for i, seg in enumerate(segments):
            if i:
                if name[pos:pos + 1] != '/':
                    return False
                pos += 1
            if seg is None:
                end = name.find('/', pos)
                end = len(name) if end < 0 else end
                if end == pos:
                    return False
                pos = end
            elif name.startswith(seg, pos):
                pos += len(seg)
            else:
                return False
        rest = name[pos:]
        if prefix:
            return rest[:1] == '/'
        return rest in ('', '\n') or rest[0] == '/'
    return match


def glob_to_regex(pattern: str, anchored: bool) -> str | None:
    """Translate one gitignore-style pattern with pathspec; None if invalid."""
    from pathspec import GitIgnoreSpec
    if anchored and not pattern.startswith('/'):
        pattern = '/' + pattern
    try:
        spec = GitIgnoreSpec.from_lines([pattern])
    except Exception:  # pathspec raises its own error types for bad patterns
        return None
    pats = list(spec.patterns)
    regex = getattr(pats[0], 'regex', None) if pats else None
    return None if regex is None else str(regex.pattern)


def compile_globs(data: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for section, key in GLOB_KEYS:
        anchored = section != 'paths'
        regexes = []
        for pat in data[section][key]:
            r = glob_to_regex(pat, anchored)
            if r is not None:
                regexes.append(r)
        out[f'{section}.{key}'] = regexes
    return out


def default_policy() -> Policy:
    """The built-in policy.  Its glob regexes are precomputed below."""
    return Policy(_copy(DEFAULTS), {}, None, dict(_BUILTIN_GLOBS))


def _copy(d: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: {kk: (list(vv) if isinstance(vv, list) else vv)
                for kk, vv in v.items()} for k, v in d.items()}


# pathspec translations of the default globs, so the no-file hot path never
# imports pathspec.  A test recomputes them with pathspec and compares.
_BUILTIN_GLOBS: dict[str, list[str]] = {
    'branches.exempt': [
        '^main(?:(?P<ps_d>/)|$)', '^master(?:(?P<ps_d>/)|$)',
        '^develop(?:(?P<ps_d>/)|$)', '^gh\\-pages(?:(?P<ps_d>/)|$)',
        '^release/[^/]+(?:(?P<ps_d>/)|$)', '^dependabot/', '^renovate/',
    ],
    'branches.protected': ['^main(?:(?P<ps_d>/)|$)',
                           '^master(?:(?P<ps_d>/)|$)'],
    'paths.include': [],
    'paths.exclude': [],
    'sync.exempt': [],
}


# -- loading -----------------------------------------------------------------

def find_policy_file(root: str | None, override: str | None) -> str | None:
    if override is not None:
        if not os.path.isfile(override):
            raise PolicyError(
                f'{override}: policy file not found',
                'check the --policy path, or drop --policy to use '
                f'{POLICY_FILE} at the repo root',
            )
        return os.path.abspath(override)
    if root is None:
        return None
    path = os.path.join(root, POLICY_FILE)
    return path if os.path.isfile(path) else None


def load(root: str | None, override: str | None = None,
         cache_dir: str | None = None) -> Policy:
    """The effective policy for the worktree at ``root``.

    ``override`` is ``--policy PATH``.  ``cache_dir`` (the worktree's git dir)
    enables the stat-keyed cache; it is written best-effort, so a read-only
    ``.git`` only costs speed.
    """
    path = find_policy_file(root, override)
    if path is None:
        return default_policy()
    st = os.stat(path)
    key = (CACHE_VERSION, path, st.st_size, st.st_mtime_ns, st.st_ino,
           st.st_ctime_ns)
    display = os.path.relpath(path) if override is None else override

    def read() -> bytes:
        try:
            with open(path, 'rb') as f:
                return f.read()
        except OSError as e:
            raise PolicyError(f'{display}:1:1: cannot read the policy file: '
                              f'{e.strerror}',
                              'check its permissions') from None

    cache_path = os.path.join(cache_dir, CACHE_FILE) if cache_dir else None
    return cached_parse(cache_path, key, read, display, path)


def cached_parse(cache_path: str | None, key: tuple[object, ...],
                 read: Callable[[], bytes], display: str,
                 path: str) -> Policy:
    """``parse(read(), display)``, cached (``marshal``) at ``cache_path``
    under ``key``: a file's stat at the client, a blob id at the server.
    The cache is best-effort: a read-only ``.git`` only costs speed."""
    if cache_path is not None:
        try:
            with open(cache_path, 'rb') as f:
                cached = marshal.load(f)
            if cached.get('key') == key:
                return Policy(cached['data'], cached['sources'], path,
                              cached['globs'])
        except (OSError, EOFError, ValueError, TypeError, AttributeError):
            pass
    policy = parse(read(), display)
    policy.path = path
    if cache_path is not None:
        tmp = f'{cache_path}.{os.getpid()}.tmp'
        try:
            with open(tmp, 'wb') as f:
                marshal.dump({'key': key, **policy.to_cache()}, f)
            os.replace(tmp, cache_path)
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return policy


def parse(raw: bytes | str, filename: str = POLICY_FILE) -> Policy:
    """Parse and validate policy text; raise ``PolicyError`` on any problem."""
    import yaml

    if isinstance(raw, bytes):
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError as e:
            raise PolicyError(
                f'{filename}:1:1: the file is not valid UTF-8 '
                f'(byte {e.start})',
                'save the policy file as UTF-8',
            ) from None
    else:
        text = raw
    try:
        loader = yaml.SafeLoader(text)  # checks every character first
    except yaml.reader.ReaderError as e:  # a control character
        pos = e.position
        line = text.count('\n', 0, pos) + 1
        col = pos - text.rfind('\n', 0, pos)
        code = e.character if isinstance(e.character, int) else 0xFFFD
        raise PolicyError(
            f'{filename}:{line}:{col}: invalid YAML: the character '
            f'U+{code:04X} is not allowed in a YAML file',
            'remove the control character (or save the file as UTF-8 text)',
        ) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = e.problem or str(e)
        hint = 'fix the YAML syntax'
        if '\t' in problem or "'\\t'" in problem:
            hint = 'YAML does not allow tabs for indentation; use spaces'
        raise PolicyError(
            f'{filename}:{line}:{col}: invalid YAML: {problem}', hint,
        ) from None
    except RecursionError:
        raise _too_deep(filename) from None
    except yaml.YAMLError as e:  # pragma: no cover (text input raises only marked and reader errors)
        first = str(e).split('\n', 1)[0]
        raise PolicyError(f'{filename}:1:1: invalid YAML: {first}',
                          'fix the YAML syntax') from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if isinstance(data, dict) and isinstance(data.get('rules'), dict):
        # YAML 1.1 reads a bare `off` as false; it means the severity.
        for key, val in data['rules'].items():
            if val is False:
                data['rules'][key] = 'off'
    try:
        errors = list(_validate(data, node, filename))
    except RecursionError:
        raise _too_deep(filename) from None
    if errors:
        first_msg, first_hint = errors[0]
        more = ''
        if len(errors) > 1:
            more = '\n' + '\n'.join(m + (f'\n  hint: {h}' if h else '')
                                    for m, h in errors[1:])
        raise PolicyError(first_msg + (f'\n  hint: {first_hint}'
                                       if first_hint else '') + more)
    merged = _copy(DEFAULTS)
    sources: dict[str, str] = {}
    for section, values in data.items():
        if section == 'version':
            continue
        for key, val in (values or {}).items():
            merged[section][key] = val
            line = _line_of(node, (section, key))
            sources[f'{section}.{key}'] = f'{filename}:{line}'
    return Policy(merged, sources, None, compile_globs(merged))


def _validate(data: Any, root: yaml.Node | None,
              filename: str) -> Iterator[tuple[str, str | None]]:
    def at(path: tuple[Any, ...], key_node: bool = False) -> str:
        line, col = _mark_of(root, path, key_node)
        return f'{filename}:{line}:{col}'

    if not isinstance(data, dict):
        yield (f'{at(())}: the policy must be a mapping of sections, '
               f'got {_type_name(data)}',
               'start from `worktree-guard init`, which writes a valid file')
        return
    dupes = list(_duplicate_keys(root, ()))
    for path in dupes:
        yield (f'{at(path, key_node=True)}: duplicate key '
               f"{_quote('.'.join(map(str, path)))}",
               'remove one of the two entries')
    schema = load_schema()
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data),
                    key=lambda e: _mark_of(root, tuple(e.absolute_path)))
    for err in errors:
        yield _explain_schema_error(err, schema, at)
    if errors:
        return
    yield from _semantic_checks(data, at)


def _explain_schema_error(err: Any, schema: dict[str, Any],
                          at: Any) -> tuple[str, str | None]:
    import difflib
    path = tuple(err.absolute_path)
    dotted = '.'.join(str(p) for p in path) or '(top level)'
    if err.validator == 'additionalProperties':
        allowed = sorted(err.schema.get('properties', {}))
        extra = [k for k in err.instance if k not in allowed]
        key = extra[0] if extra else '?'
        close = difflib.get_close_matches(str(key), allowed, n=1)
        where = at(path + (key,), key_node=True)
        sect = f" in '{dotted}'" if path else ''
        hint = (f"did you mean '{close[0]}'?" if close
                else f"known keys{sect}: {', '.join(allowed)}")
        return f'{where}: unknown key {_quote(key)}{sect}', hint
    if err.validator == 'enum':
        choices = ', '.join(str(c) for c in err.validator_value)
        return (f"{at(path)}: '{dotted}' is {err.instance!r}, "
                f'which is not one of: {choices}',
                f'use one of: {choices}')
    if err.validator == 'type':
        want = err.validator_value
        want = ' or '.join(want) if isinstance(want, list) else want
        want = want.replace('array', 'list').replace('object', 'mapping')
        return (f"{at(path)}: '{dotted}' must be a {want}, "
                f'got {_type_name(err.instance)}',
                _type_hint(want))
    if err.validator == 'const':
        return (f"{at(path)}: '{dotted}' must be {err.validator_value!r}, "
                f'got {err.instance!r}',
                f'this worktree-guard reads policy version '
                f'{err.validator_value}')
    if err.validator == 'pattern' and dotted == 'sync.max-staleness':
        return (f"{at(path)}: '{dotted}' is {err.instance!r}, not a duration",
                'write a number and a unit: 30m, 12h, 1d or 2w')
    if err.validator == 'pattern':
        return (f"{at(path)}: '{dotted}' is {err.instance!r}, not a size",
                "write bytes, or a number and a unit: '512KiB', '1MB'")
    return f"{at(path)}: '{dotted}': {err.message}", None


def _type_hint(want: str) -> str:
    if 'list' in want:
        return 'write a YAML list, e.g. [main, master] or one "- item" per line'
    if 'mapping' in want:
        return 'write a mapping of keys, e.g. "branches:\\n  check: new"'
    return f'write a {want}'


def _bad_name(value: str, kind: str) -> str | None:
    """Why ``value`` cannot be a git remote name, branch name or relative
    folder; ``None`` when it is fine.  These values reach git's command line
    (``git fetch <remote> <branch>``), so a leading ``-`` would be read as an
    option: a checked-in policy must never be able to run commands."""
    if value.startswith('-'):
        return 'it starts with "-", which git would read as an option'
    if any(ord(c) < 0x20 or c == '\x7f' for c in value):
        return 'it contains a control character'
    bad = set(' :*?[\\^~') if kind != 'folder' else set(':*?[\\')
    if set(value) & bad:
        chars = ' '.join(repr(c) for c in sorted(set(value) & bad))
        return f'it contains {chars}'
    parts = value.split('/')
    if '..' in value or (kind == 'folder' and '..' in parts):
        return 'it contains ".."'
    if kind == 'folder' and value.startswith('/'):
        return 'it must be relative to the repository'
    if kind != 'folder' and (value.endswith(('/', '.', '.lock'))
                             or '//' in value or value.startswith('/')):
        return 'it is not a valid git ref name'
    return None


def _semantic_checks(data: dict[str, Any],
                     at: Any) -> Iterator[tuple[str, str | None]]:
    for section, key, kind in (('base', 'remote', 'remote'),
                               ('base', 'branch', 'branch'),
                               ('worktrees', 'root', 'folder')):
        value = (data.get(section) or {}).get(key)
        why = _bad_name(value, kind) if isinstance(value, str) else None
        if why is not None:
            yield (f"{at((section, key))}: '{section}.{key}' is "
                   f'{value!r}: {why}',
                   {'remote': 'name a remote as `git remote` lists it, '
                              'e.g. origin',
                    'branch': 'name a branch, e.g. main',
                    'folder': 'name a folder inside the repository, '
                              'e.g. trees'}[kind])
    branches = data.get('branches') or {}
    if 'pattern' in branches:
        pat = branches['pattern']
        where = at(('branches', 'pattern'))
        try:
            compiled = compile_regex(pat)
        except Exception as e:
            reason = _regex_error(e)
            yield (f"{where}: 'branches.pattern' is not a valid regex: "
                   f'{reason}',
                   'patterns use RE2 syntax (no lookarounds or '
                   'backreferences); test it with `worktree-guard policy '
                   'validate`')
        else:
            if 'issue' not in compiled.groupindex:
                yield (f"{where}: 'branches.pattern' has no named group "
                       "'issue'",
                       'capture the issue number as (?P<issue>[0-9]+)')
    for section, key in GLOB_KEYS:
        values = (data.get(section) or {}).get(key)
        if not values:
            continue
        for i, pat in enumerate(values):
            if glob_to_regex(pat, section != 'paths') is None:
                yield (f"{at((section, key, i))}: '{section}.{key}' has an "
                       f'invalid pattern {pat!r}',
                       'patterns are gitignore-style globs: *, **, ?, [a-z]; '
                       'close every [ with ]')
    for i, entry in enumerate((data.get('paths') or {}).get('allow') or []):
        if entry.startswith('re:'):
            try:
                compile_regex(entry[3:])
            except Exception as e:
                yield (f"{at(('paths', 'allow', i))}: 'paths.allow' entry "
                       f'{entry!r} is not a valid regex: {_regex_error(e)}',
                       "write 're:' followed by an RE2 regex, or a literal "
                       'path without the prefix')


def _duplicate_keys(node: Any, path: tuple[Any, ...]) -> Iterator[
        tuple[Any, ...]]:
    import yaml
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for k, v in node.value:
            key = k.value
            if key in seen:
                yield path + (key,)
            seen.add(key)
            yield from _duplicate_keys(v, path + (key,))


def _find_node(root: Any, path: tuple[Any, ...],
               key_node: bool = False) -> Any:
    import yaml
    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part) or k.value == part:
                    node = k if (last and key_node) else v
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _mark_of(root: Any, path: tuple[Any, ...],
             key_node: bool = False) -> tuple[int, int]:
    if root is None:
        return (1, 1)
    node = _find_node(root, path, key_node)
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _line_of(root: Any, path: tuple[Any, ...]) -> int:
    return _mark_of(root, path, key_node=True)[0]


def _type_name(v: Any) -> str:
    if v is None:
        return 'nothing (null)'
    return {'dict': 'a mapping', 'list': 'a list', 'str': 'a string',
            'int': 'a number', 'float': 'a number', 'bool': 'a boolean'}.get(
                type(v).__name__, type(v).__name__)


def load_schema() -> dict[str, Any]:
    import json
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, SCHEMA_FILE), encoding='utf-8') as f:
        schema: dict[str, Any] = json.load(f)
    return schema


def parse_size(value: int | str) -> int:
    """'1MiB' -> 1048576; plain integers are bytes."""
    if isinstance(value, int):
        return value
    s = value.strip().replace(' ', '').upper().rstrip('B')
    mult = 1
    for suffix, m in (('KI', 1024), ('MI', 1024 ** 2), ('GI', 1024 ** 3),
                      ('K', 1000), ('M', 1000 ** 2), ('G', 1000 ** 3)):
        if s.endswith(suffix):
            s, mult = s[:-len(suffix)], m
            break
    return int(s) * mult


def parse_duration(value: str) -> int:
    """'1d' -> 86400 seconds."""
    units = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
    return int(value[:-1]) * units[value[-1]]
