"""Python's navigation from ``__file__``: where a pathlib ``.parents[n]``
or ``.parent`` chain, or an ``os.path.dirname`` chain, lands (issue 24).

``Path(__file__).resolve().parents[2] / 'docs'`` and
``os.path.join(os.path.dirname(os.path.dirname(__file__)), 'x')`` name
no ``../``; ``resolve`` turns them into the relative path they mean from
the file's own folder (``../../docs``, ``../x``), which the engine
then judges like any other.  The scan finds them by the patterns
``patterns.PATHLIB`` and ``patterns.DIRNAME`` (their literals:
``parents[``, ``.parent.parent``, ``dirname(os.path.dirname(``, ...).
Pure string work; ``re`` through ``patterns.rx``.
"""
from __future__ import annotations

from worktree_guard.pathengine.patterns import rx

_STR = r'([\'"])([^\'"\n]*)\1'
_OPEN = (r'Path\(\s*(?:(?:os\.path\.)?(?:abspath|realpath)\(\s*__file__\s*\)'
         r'|__file__)\s*\)'
         r'(?:\.(?:resolve|absolute)\(\s*(?:strict\s*=\s*(?:True|False)\s*)?'
         r'\))*')
_STEPS = r'((?:\.parents\[\s*\d+\s*\]|\.parent(?![\w(]))+)'
_STEP = r'\.parents\[\s*(\d+)\s*\]|\.parent'
_SLASH = r'\s*/\s*' + _STR
_JOINPATH = r'\.joinpath\('
_ARG = r'\s*' + _STR + r'\s*([,)])'
_DIRS = (r'((?:(?:os\.)?path\.)?dirname\(\s*)+'
         r'((?:os\.path\.)?(?:abspath|realpath)\(\s*)?__file__')
_JOIN_BEFORE = r'join\(\s*(?:(?:os\.)?path\.)?$'


def resolve(line: str, at: int) -> tuple[str, str, int] | None:
    """For the expression at ``at`` (``Path(`` or ``dirname(``): ('file',
    the path it names relative to the file's folder, ``at``), or None
    when it is no navigation from ``__file__``."""
    rest = line[at:]
    if rest.startswith('Path'):
        return _pathlib(rest, at)
    return _dirname(line, at)


def _pathlib(rest: str, at: int) -> tuple[str, str, int] | None:
    m = rx(_OPEN + _STEPS).match(rest)
    if m is None:
        return None
    level = -1   # Path(__file__) is the file; .parent its folder
    for st in rx(_STEP).finditer(m.group(1)):
        level += 1 if st.group(1) is None else int(st.group(1)) + 1
    parts: list[str] = []
    pos = m.end()
    while True:
        s = rx(_SLASH).match(rest, pos)
        if s is not None:
            parts.append(s.group(2))
            pos = s.end()
            continue
        j = rx(_JOINPATH).match(rest, pos)
        if j is None:
            break
        args, pos = _args(rest, j.end())
        parts += args
        if pos < 0:
            break
    return 'file', _path(level, parts), at


def _dirname(line: str, at: int) -> tuple[str, str, int] | None:
    m = rx(_DIRS).match(line, at)
    if m is None:
        return None
    opened = line.count('dirname(', at, m.end())
    level = opened - 1   # dirname(__file__) is the folder
    pos = m.end()
    for _ in range(opened + (m.group(2) is not None)):
        c = rx(r'\s*\)').match(line, pos)
        if c is None:
            return None
        pos = c.end()
    parts: list[str] = []
    if rx(_JOIN_BEFORE).search(line, 0, at) is not None:
        # The first argument of os.path.join(): the literals after it.
        c = rx(r'\s*,').match(line, pos)
        if c is not None:
            parts, _ = _args(line, c.end())
    return 'file', _path(level, parts), at


def _args(text: str, pos: int) -> tuple[list[str], int]:
    """String literals separated by commas from ``pos``, up to ``)``:
    the literals, and where the call ends (-1: a non-literal stopped the
    reading)."""
    out: list[str] = []
    while True:
        a = rx(_ARG).match(text, pos)
        if a is None:
            return out, -1
        out.append(a.group(2))
        pos = a.end()
        if a.group(3) == ')':
            return out, pos


def _path(level: int, parts: list[str]) -> str:
    return '/'.join(['..'] * level + [p.strip('/') for p in parts
                                      if p.strip('/')]) or '.'
