"""pathengine/pyparents.py: pathlib ``.parents[n]``/``.parent`` chains and
``os.path.dirname`` chains from ``__file__``, resolved from the file's
folder (issue 24), table-driven: the expression in, the path it names out,
and the engine's verdict on it.  No git."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import scan
from worktree_guard.pathengine import pyparents

RESOLVE = [
    ('Path(__file__).parent.parent', '..'),
    ('Path(__file__).resolve().parents[3]', '../../..'),
    ('Path(__file__).parents[0]', '.'),
    ('Path(__file__).parents[ 1 ].parent', '../..'),
    ("Path(__file__).parent.parent / 'a' / \"b\"", '../a/b'),
    ("Path(__file__).absolute().parent.parent/'x/'", '../x'),
    ("Path(__file__).resolve(strict=True).parents[1] / '/'", '..'),
    ("Path(__file__).parents[1].joinpath('a', 'b')", '../a/b'),
    ("Path(__file__).parents[1].joinpath('a').joinpath('b')", '../a/b'),
    # A variable ends what is known: the folder reached so far.
    ("Path(__file__).parents[1].joinpath('a', name) / 'b'", '../a'),
    ("Path(__file__).parents[1] / name", '..'),
    ('Path(os.path.abspath(__file__)).parent.parent', '..'),
    ('Path(realpath(__file__)).parents[2]', '../..'),
    ('Path(x).parent.parent', None),
    ('Path(__file__).name', None),
    ('dirname(os.path.dirname(__file__))', '..'),
    ('dirname(dirname(abspath(__file__)))', '..'),
    ('dirname(path.dirname(path.dirname(os.path.realpath( __file__ ))))',
     '../..'),
    ('dirname(os.path.dirname(x))', None),
    ('dirname(dirname(__file__)', None),
]


@pytest.mark.parametrize(('expr', 'expected'), RESOLVE)
def test_resolve(expr: str, expected: str | None) -> None:
    line = f'X = {expr}\n'
    got = pyparents.resolve(line, 4)
    assert got == (None if expected is None else ('file', expected, 4))


JOINS = [
    ("os.path.join(os.path.dirname(os.path.dirname(__file__)), 'a', \"b\")",
     '../a/b'),
    ('os.path.join(os.path.dirname(os.path.dirname(__file__)), name)',
     '..'),
    ('os.path.join(os.path.dirname(os.path.dirname(__file__)))', '..'),
    ("join(dirname(dirname(__file__)), 'a')", '../a'),
    # Not a join's first argument: the literal after it is no part.
    ("f(os.path.dirname(os.path.dirname(__file__)), 'a')", '..'),
]


@pytest.mark.parametrize(('expr', 'expected'), JOINS)
def test_resolve_in_a_join(expr: str, expected: str) -> None:
    at = expr.index('dirname')
    assert pyparents.resolve(expr, at) == ('file', expected, at)


SCANS = [
    # From tools/: parents[0] tools, [1] the root, [2] trees/, [3] main.
    ('tools/gen.py', 'DOCS = Path(__file__).resolve().parents[3] / '
     "'docs'\n", ['1:8 relative-escape error']),
    ('x.py', "Y = Path(__file__).parent.parent / 'issue-46-docs'\n",
     ['1:5 relative-escape error']),
    ('scripts/a.py', 'Y = pathlib.Path(__file__).resolve().parent.parent'
     ".parent / 'issue-46-docs' / 'src'\n", ['1:13 relative-escape error']),
    ('src/b.py', "Y = Path(__file__).parents[2].joinpath('issue-46-docs')\n",
     ['1:5 relative-escape error']),
    ('conf.py', 'sys.path.insert(0, os.path.join(os.path.dirname('
     "os.path.dirname(__file__)), 'issue-46-docs'))\n",
     ['1:41 relative-escape error']),
    ('tools/base.py', 'BASE = os.path.dirname(os.path.dirname(os.path.'
     'dirname(os.path.dirname(os.path.abspath(__file__)))))\n',
     ['1:16 relative-escape error']),
    # One finding per join(): the chain and its '..' argument.
    ('x.py', "P = os.path.join(os.path.dirname(os.path.dirname(__file__)),"
     " '..', 'x')\n", ['1:26 relative-escape error']),
    # Inside the worktree: fine.
    ('src/m.py', "D = Path(__file__).parent.parent / 'data'\n", []),
    ('src/m.py', 'D = os.path.dirname(os.path.dirname(__file__))\n', []),
    ('a/b/c.py', 'ROOT = Path(__file__).resolve().parents[2]\n', []),
    # A comment: weak evidence, a warning even into the main checkout.
    ('tools/gen.py', '# Path(__file__).parents[3]\n',
     ['1:3 relative-escape warn']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SCANS)
def test_scan(path: str, content: str, expected: list[str]) -> None:
    assert scan(path, content) == expected
