"""worktree_guard/shell.py: the agent guard's shell lexer (no git).

Plain words must split exactly as ``shlex.split`` splits them (a property
test); operators, redirections, here-documents and expansions are checked
by example.
"""
from __future__ import annotations

import shlex

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from worktree_guard.shell import ShellSyntaxError
from worktree_guard.shell import parse
from worktree_guard.shell import tokens

# Characters with no operator meaning: quotes, backslashes, blanks, text.
plain = st.text(alphabet='ab ./-_=\'"\\\t~*', max_size=30)


@settings(max_examples=1500, deadline=None)
@given(plain)
def test_plain_words_split_like_shlex(line: str) -> None:
    try:
        want = shlex.split(line, comments=True)
    except ValueError:
        with pytest.raises(ShellSyntaxError):
            parse(line)
        return
    cmds = parse(line)
    got = [w for c in cmds for w in c.argv]
    assert got == want, (line, got, want)


@pytest.mark.parametrize(('line', 'argvs'), [
    ('a && b || c; d | e & f', [['a'], ['b'], ['c'], ['d'], ['e'], ['f']]),
    ('(cd x; ls)', [['cd', 'x'], ['ls']]),
    ('a\nb', [['a'], ['b']]),
    ('echo "a b" \'c d\' e\\ f', [['echo', 'a b', 'c d', 'e f']]),
    ('echo "x\\"y\\$z\\\\w\\q"', [['echo', 'x"y$z\\w\\q']]),
    ('echo "a\\\nb"', [['echo', 'ab']]),
    ('echo a#b # comment', [['echo', 'a#b']]),
    ('echo \\\n x', [['echo', 'x']]),
    ('echo a\\\nb', [['echo', 'ab']]),
    ('x=1 y', [['x=1', 'y']]),
    ('echo 12', [['echo', '12']]),
    ('', []), (';;', []),
])
def test_argv(line: str, argvs: list[list[str]]) -> None:
    assert [c.argv for c in parse(line)] == argvs


@pytest.mark.parametrize(('line', 'redirs'), [
    ('echo x > f', [('>', 'f')]),
    ('echo x >>f', [('>>', 'f')]),
    ('cmd 2>err 1>out', [('>', 'err'), ('>', 'out')]),
    ('cmd &> all', [('&>', 'all')]),
    ('cmd &>> all', [('&>>', 'all')]),
    ('cmd >| f', [('>|', 'f')]),
    ('cmd 2>&1', [('>&', None)]),
    ('cmd >&-', [('>&', None)]),
    ('cmd >& file', [('>&', 'file')]),
    ('cmd < in <> rw', [('<', 'in'), ('<>', 'rw')]),
    ('cmd <<< "word"', [('<<<', 'word')]),
    ('a12>f', [('>', 'f')]),
    ('echo "2">f', [('>', 'f')]),
])
def test_redirections(line: str, redirs: list[tuple[str, str | None]]
                      ) -> None:
    (cmd,) = parse(line)
    assert [(op, t.text if t is not None else None)
            for op, t in cmd.redirs] == redirs


def test_a_quoted_digit_is_a_word_not_an_fd() -> None:
    (cmd,) = parse('echo "2">f')
    assert cmd.argv == ['echo', '2']
    (cmd,) = parse('echo a2>f')
    assert cmd.argv == ['echo', 'a2']


def test_here_documents_are_skipped() -> None:
    cmds = parse('cat <<EOF > out\nrm -rf /\nEOF\nls')
    assert [c.argv for c in cmds] == [['cat'], ['ls']]
    assert [(op, t.text if t else None) for op, t in cmds[0].redirs] == \
        [('<<', 'EOF'), ('>', 'out')]
    cmds = parse("cat <<-'X'\n\trm -rf /\n\tX\necho done")
    assert [c.argv for c in cmds] == [['cat'], ['echo', 'done']]
    cmds = parse('a <<A; b <<B\n1\nA\n2\nB\nc')
    assert [c.argv for c in cmds] == [['a'], ['b'], ['c']]


@pytest.mark.parametrize(('line', 'text', 'dynamic', 'glob'), [
    ('echo $HOME/x', '$HOME/x', True, False),
    ('echo ${A:-b}', '${A:-b}', True, False),
    ('echo $(ls "a b" \'c)\')', '$(ls "a b" \'c)\')', True, False),
    ('echo $((1 + (2)))', '$((1 + (2)))', True, False),
    ('echo `ls \\` x`', '`ls \\` x`', True, False),
    ('echo "$X"', '$X', True, False),
    ('echo "`x`"', '`x`', True, False),
    ('echo $1$?', '$1$?', True, False),
    ('echo $', '$', True, False),
    ('echo *.py', '*.py', False, True),
    ("echo '*.py'", '*.py', False, False),
    ('echo a\\$b', 'a$b', False, False),
])
def test_expansions(line: str, text: str, dynamic: bool, glob: bool) -> None:
    (cmd,) = parse(line)
    word = cmd.words[1]
    assert (word.text, word.dynamic, word.glob) == (text, dynamic, glob)
    assert repr(word).startswith('Word(')


@pytest.mark.parametrize('line', [
    "echo 'x", 'echo "x', 'echo `x', 'echo $(x', 'echo ${x', 'cat <<EOF',
    'cat <<EOF\nbody', 'echo >', 'echo > ;', "echo $(echo ')",
    'echo $(echo \\', 'echo "$(x"', 'echo \\',
])
def test_syntax_errors(line: str) -> None:
    with pytest.raises(ShellSyntaxError):
        parse(line)


def test_tokens_and_repr() -> None:
    toks = tokens('a && b')
    assert [k for k, _ in toks] == ['w', 'op', 'w']
    (cmd,) = parse('echo > f')
    assert repr(cmd) == "Command(['echo'], redirs=1)"
