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
Pure: no git, no I/O.
"""
from __future__ import annotations

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable

# Token kinds: a literal character, '?', '*' (no slash), '**' (anything),
# and a character class (its set and whether it is negated).
_LIT, _ONE, _STAR, _ANY, _SET = range(5)


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


def compile_glob(pattern: str) -> Callable[[str], bool]:
    """A predicate: does the whole ``name`` match ``pattern``?"""
    toks = _tokens(pattern)
    m = len(toks)

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
