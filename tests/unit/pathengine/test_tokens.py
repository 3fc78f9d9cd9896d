"""pathengine/tokens.py: a hit widened to its token (regexes, escapes,
fragments, colons, emphasis, continuation lines) and suppression
comments."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ERR
from tests.unit.pathengine import scan


MORE = [
    ('a.py', "r = '..\\d'\n", []),                      # a regex
    ('a.c', 'puts("line\\n../../../x");\n', [f'1:7 {ERR}']),
    ('a.md', 'see ../../../x#part and ../../../y?q=1\n',
     [f'1:5 {ERR}', f'1:25 {ERR}']),
    ('a.py', "join('a', 'b') + join('..', 'x')\n", [f'1:24 {ERR}']),
    ('a.py', "os.symlink('x', '../../../link')\n", [f'1:18 {ERR}']),
    ('run.sh', 'cat $PWD/../x!\n', [f'1:9 {ERR}']),
    ('a.md', 'xC:\\Users\\a\\b and file://host/x/../../../y\n', []),
    ('a.md', 'PATH=bin:../../../tools *../../../bold*\n',
     [f'1:10 {ERR}', f'1:26 {ERR}']),
    ('a.md', ('x ../../../a # worktree-guard: allow\n'
              '# worktree-guard: allow-next-line\n../../../b\n'
              '../../../c\n'), [f'4:1 {ERR}']),
    ('run.sh', 'cp \\\n  a \\\n  ../../../x .\n', [f'3:3 {ERR}']),
    ('README.md', '```sh\ncd $X\ncat trees/issue-46-docs/x\n```\n', []),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), MORE)
def test_more_token_shapes(path: str, content: str,
                           expected: list[str]) -> None:
    assert scan(path, content) == expected
