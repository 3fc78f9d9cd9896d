"""Whole-name globs in linear time, for names a pusher chooses (refs,
branches).

``*`` matches any run of characters other than ``/``, ``?`` one such
character, ``**`` any run including ``/`` (``bot/**`` is everything below
``bot/``), ``[abc]`` one of a set (``[!abc]`` none of it).  A pattern
matches the *whole* name: ``release/*`` matches ``release/1.2``, not
``release/1.2/x``.

The matcher is a set-of-states simulation of the pattern (no
backtracking): ``O(len(name) * len(pattern))`` whatever the input, so
``'a*' * 25 + 'b'`` against a long name costs microseconds, not hours.
Issue 23 bounds it further, as a push's names and (on a first push) its
policy are chosen by the pusher: a name shorter than the pattern's fixed
characters is no match at once; a glob holds at most ``MAX_WILDCARDS``
wildcards and ``MAX_GLOB_LENGTH`` characters, and a policy's branch and
ref globs ``MAX_TOTAL_WILDCARDS`` together (``policy validate`` refuses
more, before it compiles any glob); and when ``len(name)`` times
the pattern's live states would exceed ``NFA_BUDGET`` the glob runs as one
RE2 regex (linear, in C) instead of Python steps.

``match_path`` is the other dialect, for file paths (``agents.allow-paths``):
``*`` and ``?`` within one segment, ``**`` as a whole segment for any number
of segments (none too: ``/a/**`` matches ``/a``), no ``[...]`` sets.  It is
polynomial as well.  Pure: no git, no I/O.
"""
from __future__ import annotations

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Any

# Token kinds: a literal character, '?', '*' (no slash), '**' (anything),
# and a character class (its set and whether it is negated).
_LIT, _ONE, _STAR, _ANY, _SET = range(5)
# The most wildcards (``*``, ``**``, ``?``, ``[...]``) one glob may hold
# (``policy.validate``).
MAX_WILDCARDS = 32
# ... and all the branch and ref globs of a policy together.
MAX_TOTAL_WILDCARDS = 256
# The longest branch or ref glob (``policy.validate``): a ref's component
# is rarely longer than a file name.
MAX_GLOB_LENGTH = 255
# Python steps a match may take before the glob runs in RE2 instead.
NFA_BUDGET = 4096


def wildcards(pattern: str) -> int:
    """How many wildcards ``pattern`` holds."""
    return sum(1 for kind, _, _ in _tokens(pattern) if kind != _LIT)


def _tokens(pattern: str) -> list[tuple[int, str, bool]]:
    out: list[tuple[int, str, bool]] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == '*':
            if pattern.startswith('**', i):
                while i < n and pattern[i] == '*':
                    i += 1
                out.append((_ANY, '', False))
            else:
                i += 1
                out.append((_STAR, '', False))
            continue
        if c == '?':
            out.append((_ONE, '', False))
        elif c == '[':
            end = pattern.find(']', i + 2)
            if end < 0:  # no closing bracket: a literal '['
                out.append((_LIT, c, False))
            else:
                body = pattern[i + 1:end]
                neg = body[:1] in ('!', '^')
                out.append((_SET, body[1:] if neg else body, neg))
                i = end
        elif c == '\\' and i + 1 < n:
            i += 1
            out.append((_LIT, pattern[i], False))
        else:
            out.append((_LIT, c, False))
        i += 1
    return out


def _in_set(body: str, ch: str) -> bool:
    i, n = 0, len(body)
    while i < n:
        if i + 2 < n and body[i + 1] == '-':
            if body[i] <= ch <= body[i + 2]:
                return True
            i += 3
        else:
            if body[i] == ch:
                return True
            i += 1
    return False


def to_regex(pattern: str) -> str:
    """The RE2 regex that matches the whole names ``pattern`` does (no
    wildcard but ``**`` crosses a ``/``)."""
    out = ['(?s)^']
    for kind, text, neg in _tokens(pattern):
        if kind == _LIT:
            out.append(_hex(text))
        elif kind == _ONE:
            out.append('[^/]')
        elif kind == _STAR:
            out.append('[^/]*')
        elif kind == _ANY:
            out.append('.*')
        else:
            out.append(_class(text, neg))
    return ''.join(out) + '$'


def _utf8(text: str) -> bool:
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


def _hex(ch: str) -> str:
    return f'\\x{{{ord(ch):x}}}'


def _class(body: str, neg: bool) -> str:
    """A ``[...]`` set as an RE2 class that never holds ``/``."""
    parts = []
    i, n = 0, len(body)
    while i < n:
        if i + 2 < n and body[i + 1] == '-':
            lo, hi = body[i], body[i + 2]
            i += 3
        else:
            lo = hi = body[i]
            i += 1
        for a, b in ((lo, min(hi, '.')), (max(lo, '0'), hi)):
            if a <= b:
                parts.append(_hex(a) if a == b else f'{_hex(a)}-{_hex(b)}')
    if neg:
        return '[^/' + ''.join(parts) + ']'
    return '[' + ''.join(parts) + ']' if parts else '[^\\x{0}-\\x{10ffff}]'


def compile_glob(pattern: str) -> Callable[[str], bool]:
    """A predicate: does the whole ``name`` match ``pattern``?"""
    toks = _tokens(pattern)
    m = len(toks)
    if all(kind == _LIT for kind, _, _ in toks):
        literal = ''.join(text for _, text, _ in toks)
        return literal.__eq__
    # Every token but a star takes one character: a shorter name is none.
    fixed = sum(1 for kind, _, _ in toks if kind not in (_STAR, _ANY))
    width = 2 * sum(1 for kind, _, _ in toks if kind != _LIT) + 1
    regex: list[Any] = []

    def in_re2(name: str) -> bool | None:
        """RE2's answer, or ``None`` when RE2 cannot take the pattern or
        the name (a lone surrogate: an undecodable byte of a ref name, which
        RE2's UTF-8 would read as U+FFFD): then the Python steps decide."""
        if not _utf8(name):
            return None
        if not regex:
            from worktree_guard.policy.match import compile_regex
            regex.append(compile_regex(to_regex(pattern))
                         if _utf8(pattern) else None)
        return None if regex[0] is None else \
            regex[0].search(name) is not None

    def closure(states: set[int]) -> set[int]:
        # A star may match nothing: a state before it also stands after it.
        todo = list(states)
        while todo:
            s = todo.pop()
            if s < m and toks[s][0] in (_STAR, _ANY) and s + 1 not in states:
                states.add(s + 1)
                todo.append(s + 1)
        return states

    def match(name: str) -> bool:
        if len(name) < fixed:
            return False
        if len(name) * width > NFA_BUDGET:
            found = in_re2(name)
            if found is not None:
                return found
        states = closure({0})
        for ch in name:
            nxt: set[int] = set()
            for s in states:
                if s == m:
                    continue
                kind, text, neg = toks[s]
                if kind == _ANY or (kind == _STAR and ch != '/'):
                    nxt.add(s)
                elif kind == _LIT:
                    if text == ch:
                        nxt.add(s + 1)
                elif ch != '/' and (kind == _ONE
                                    or _in_set(text, ch) != neg):
                    nxt.add(s + 1)
            if not nxt:
                return False
            states = closure(nxt)
        return m in states
    return match


def matches_any(patterns: list[str], name: str) -> bool:
    return any(compile_glob(p)(name) for p in patterns)


def match_path(pattern: str, path: str) -> bool:
    """Does the absolute ``path`` match the glob ``pattern`` (``*`` and
    ``?`` within one segment, ``**`` across segments)?  No ``re``."""
    return _wild(pattern.strip('/').split('/'), path.strip('/').split('/'),
                 '**', _match_segment)


def _match_segment(pat: str, name: str) -> bool:
    """``fnmatch`` for one segment with ``*`` and ``?`` only."""
    return _wild(pat, name, '*', _char)


def _char(pat: str, ch: str) -> bool:
    return pat in ('?', ch)


def _wild(pat: Sequence[str], items: Sequence[str], star: str,
          one: Callable[[str, str], bool]) -> bool:
    """Does ``items`` match ``pat``, where ``star`` stands for any run of
    items and ``one(p, item)`` matches one?  Greedy, going back only to
    the last star: ``O(len(pat) * len(items))`` calls of ``one``."""
    p = i = 0
    star_p = star_i = -1
    while i < len(items):
        if p < len(pat) and pat[p] == star:
            star_p, star_i = p, i
            p += 1
        elif p < len(pat) and one(pat[p], items[i]):
            p += 1
            i += 1
        elif star_p >= 0:   # let the last star take one item more
            star_i += 1
            p, i = star_p + 1, star_i
        else:
            return False
    return all(x == star for x in pat[p:])
