"""pathengine/lines.py: shell words, where a ``cd`` leads, and the hand
reading of docs that are not Markdown."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ERR
from tests.unit.pathengine import OUT
from tests.unit.pathengine import scan

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


# Docs that are not Markdown files (.txt, .mdx, a README with no
# extension) keep the hand reading of fences and <pre>: Markdown files
# are parsed (test_markdown.py).
HAND_DOCS = [
    # A ~~~ fence ends at ~~~ only; its shell text tracks cd.
    (f'~~~sh\ncd ../x\n```\ncat {OUT}\n~~~\nsee {OUT}\n', [f'6:5 {ERR}']),
    (f'```{{.bash}}\ncd sub\ncat {OUT}\n```\nsee {OUT}\n', [f'5:5 {ERR}']),
    (f'```text\n{OUT}\n```\n', []),
    # A fence inside <pre> is the block's text, not a fence.
    (f'<pre>\n```\n</pre>\nsee {OUT}\n', [f'4:5 {ERR}']),
]


@pytest.mark.parametrize('path', ['README', 'docs/guide.txt', 'docs/a.mdx'])
@pytest.mark.parametrize(('content', 'expected'), HAND_DOCS)
def test_fences_in_other_docs(path: str, content: str,
                              expected: list[str]) -> None:
    assert scan(path, content) == expected
