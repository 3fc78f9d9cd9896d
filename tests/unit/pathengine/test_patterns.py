"""pathengine/patterns.py: every spelling of a path that leaves the
worktree is caught, at its column, once."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ERR
from tests.unit.pathengine import MAIN
from tests.unit.pathengine import scan

# (file, content, findings "line:col kind severity")
# (file, content, findings "line:col kind severity")
SPELLINGS = [
    ('docs/a.md', f'see /{MAIN}/docs/x.md\n', ['1:5 absolute-checkout error']),
    ('docs/a.md', 'see /w/./main/docs/x.md\n',
     ['1:5 absolute-checkout error']),
    ('docs/a.md', 'see /w//main/docs/x.md\n', ['1:5 absolute-checkout error']),
    ('a.md', 'a/../trees/issue-46-docs/x.py\n',
     ['1:1 sibling-worktree error']),
    ('a.md', 'trees//issue-46-docs/x.py\n', ['1:1 sibling-worktree error']),
    ('a.md', 'trees/./issue-46-docs/x.py\n', ['1:1 sibling-worktree error']),
    ('app.py', "open(os.path.join('..', 'x'))\n", [f'1:20 {ERR}']),
    ('src/index.js', "path.join(__dirname, '..', '..')\n", [f'1:23 {ERR}']),
    ('run.sh', 'cd ..\n', [f'1:4 {ERR}']),
    ('run.sh', 'make && cd .. && ls\n', [f'1:12 {ERR}']),
    ('src/a.js', "require(__dirname + '/../../x')\n", [f'1:22 {ERR}']),
    ('a.py', 'p = dirname(__file__) + "/../x"\n', [f'1:26 {ERR}']),
    ('a.py', "glob('*/../..')\n", [f'1:7 {ERR}']),
    ('a.py', "glob('x?/../..')\n", [f'1:7 {ERR}']),
    ('docs/a.md', '[x](%2e%2e/%2e%2e/x.md)\n', [f'1:5 {ERR}']),
    ('docs/a.md', '[x](%2E%2E/..%2f..%2Fx.md)\n', [f'1:5 {ERR}']),
    ('a.json', '{"p": "..\\/..\\/x"}\n', [f'1:8 {ERR}']),
    ('a.ps1', 'Copy-Item ..\\..\\x .\n', [f'1:11 {ERR}']),
    ('docs/a.md', f'[x](file://{MAIN}/docs/x.md)\n',
     ['1:12 absolute-checkout error']),
    ('run.sh', 'cat "$(git rev-parse --show-toplevel)/../x"\n',
     [f'1:38 {ERR}']),
    ('run.sh', 'cp a "$(git rev-parse --show-toplevel)/.."\n',
     [f'1:39 {ERR}']),
    ('run.sh', 'cd "$(pwd)/.."\n', [f'1:11 {ERR}']),
    ('run.sh', 'rsync -a $PWD/../x .\n', [f'1:14 {ERR}']),
    ('run.sh', 'cp \\\n  ../../secret .\n', [f'2:3 {ERR}']),
    ('run.sh', 'ln -s \\\n  ../../x link\n', [f'2:3 {ERR}']),
    ('run.sh', 'cd sub && \\\n  cd ../.. && ls\n', [f'2:6 {ERR}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SPELLINGS)
def test_every_spelling_is_caught(path: str, content: str,
                                  expected: list[str]) -> None:
    assert scan(path, content) == expected
