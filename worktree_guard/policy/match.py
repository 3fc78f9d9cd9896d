"""Matching policy values: branch regexes (RE2 for user patterns, plain
Python for the built-in one), gitignore-style path globs (through
``pathspec``; branch and ref globs are ``globmatch``'s), sizes and
durations.

On the hook hot path: imports neither ``re`` nor ``pathspec`` unless a
pattern needs them.
"""
from __future__ import annotations

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from collections.abc import Callable
    from collections.abc import Iterable

DEFAULT_BRANCH_PATTERN = (
    r'^issue-(?P<issue>[1-9][0-9]*)-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$'
)


def regex_error(e: Exception) -> str:
    """The reason a regex did not compile (RE2 gives bytes)."""
    reason = e.args[0] if e.args else e
    if isinstance(reason, bytes):
        return reason.decode('utf-8', 'replace')
    return str(reason)


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
        # RE2: linear time, so a glob such as 'a*'*25 + 'b' cannot hang a
        # commit (or a server, where the names come from the pusher).
        # Python's '$' also matches before a final newline; RE2's does not.
        if regex.endswith(_DIR_OR_END):
            regex = regex[:-len(_DIR_OR_END)] + r'(?:(?P<ps_d>/)|\n?\z)'
        compiled = compile_regex(regex)
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


def glob_to_regex(pattern: str) -> str | None:
    """Translate one gitignore-style path pattern with pathspec; None if
    invalid."""
    from pathspec import GitIgnoreSpec
    try:
        spec = GitIgnoreSpec.from_lines([pattern])
    except Exception:  # pathspec raises its own error types for bad patterns
        return None
    pats = list(spec.patterns)
    regex = getattr(pats[0], 'regex', None) if pats else None
    return None if regex is None else str(regex.pattern)


def compile_globs(data: dict[str, dict[str, Any]],
                  glob_keys: Iterable[tuple[str, str]],
                  ) -> dict[str, list[str]]:
    """``section.key`` -> the regexes of its path glob list (``glob_keys``:
    ``(section, key)``); invalid patterns are left out."""
    out: dict[str, list[str]] = {}
    for section, key in glob_keys:
        regexes = []
        for pat in data[section][key]:
            r = glob_to_regex(pat)
            if r is not None:
                regexes.append(r)
        out[f'{section}.{key}'] = regexes
    return out


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
