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


# -- issue 23: a line of many tokens is scanned in linear time --------------------

@pytest.mark.timeout(120)
@pytest.mark.parametrize(('path', 'unit'), [
    ('a.sh', 'a:../../o:'),          # one token, colons: the old walk back
    ('a.py', 'see ../../o/a.md '),   # many tokens: the old line reads
    ('a.md', '`x` [a](../../o/a.md) '),
    ('a.sh', 'ln -s x ../../o/y; '),
])
def test_one_long_line_is_linear(path: str, unit: str) -> None:
    """200,000 hits on one line: quadratic work (each hit reading the
    line up to it) is some 10^11 steps, far past the timeout; linear work
    is a second or two."""
    from tests.unit.pathengine import ctx
    from worktree_guard.pathengine import Engine
    n = 200_000
    found = Engine(ctx()).scan(path, (unit * n).encode() + b'\n')
    assert len(found) == n
    assert found[-1].col == len(unit) * (n - 1) + unit.index('../') + 1


def test_heads_and_joins_without_the_engine() -> None:
    from worktree_guard.pathengine.tokens import joined
    from worktree_guard.pathengine.tokens import token
    data = b'x PATH=a:../b'
    assert token(data, 0, data.index(b'../'), len(data), 0) == (9, 13)
    line = "os.chdir(d); p = '..'"
    assert joined(line, line.index("'..'") + 1) == ('cwd', '..', 18)
    assert joined("p = '..'", 5) is None


def test_hits_of_two_patterns_on_one_line() -> None:
    """The second pattern's hits start again at the line's start: the
    line's running counts start over (the columns stay right)."""
    assert scan('a.md', 'see ../../../x and /home/alice/y and ../../../q\n'
                ) == [f'1:5 {ERR}', '1:20 home-path error', f'1:38 {ERR}']
    line = ("os.symlink('a', 'b/../../../x') ; os.symlink('c', "
            "'../../../y')\n")
    assert scan('a.py', line) == [f'1:18 {ERR}', f'1:52 {ERR}']
    assert scan('a.sh', 'ln -s x ../../o/y; ln -s ../../../a b/c; ln -s '
                '../../../d\n') == [f'1:9 {ERR}', f'1:26 {ERR}', f'1:48 {ERR}']
