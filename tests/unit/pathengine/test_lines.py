"""pathengine/lines.py: shell words and where a ``cd`` leads."""
from __future__ import annotations

import pytest

from worktree_guard.pathengine import lines


def test_split_words() -> None:
    words = [w[2] for w in lines.split_words(
        'a "b c" \'d\'e $(f "g") && h || i; j | (k) # l')]
    assert words == ['a', 'b c', 'de', '$(f g)', '&&', 'h', '||', 'i', ';',
                     'j', '|', '(', 'k', ')']
    assert [w[2] for w in lines.split_words('x "open')] == ['x', 'open']
    assert [w[2] for w in lines.split_words('a#b')] == ['a#b']


@pytest.mark.parametrize(('arg', 'cwd', 'after'), [
    ('sub', '', 'sub'), ('..', 'a/b', 'a'), ('$(dirname "$0")', 'x', 'f'),
    ('$(dirname "$0")/..', 'x', '.'), ('"$(dirname "$0")"/lib', 'x', 'f/lib'),
    ('$(git rev-parse --show-toplevel)', 'x', '.'),
    ('$(git rev-parse --show-toplevel)/src', 'x', 'src'),
    ('$DIR', '', lines.UNKNOWN), ('~', '', lines.UNKNOWN),
    ('/abs', '', lines.UNKNOWN), ('a${x}', '', lines.UNKNOWN),
    ('sub', lines.UNKNOWN, lines.UNKNOWN),
])
def test_cd_target(arg: str, cwd: str, after: str) -> None:
    assert lines.cd_target(arg, cwd, 'f') == after
