"""rules/shell_tree.py: command lines read with bash's grammar
(tree-sitter-bash), no git.  What the commands do is
test_agent_shell.py's."""
from __future__ import annotations

import sys
from typing import Any

import pytest

from worktree_guard.rules import shell_tree as T
from worktree_guard.shell import Command
from worktree_guard.shell import Word


def show(line: str) -> list[Any]:
    """Each command as (argv, redirections as (op, target, body), 'piped'
    when it reads a pipe), or a scope marker; dynamic words are marked with
    a leading '!'."""
    def mark(w: Word | None) -> str | None:
        return None if w is None else ('!' if w.dynamic else '') + w.text

    out: list[Any] = []
    for c in T.parse(line):
        if isinstance(c, str):
            out.append(c)
            continue
        out.append(([mark(w) for w in c.words],
                    [(op, mark(t), t.body if t else None)
                     for op, t in c.redirs],
                    'piped' if c.pipe_in is not None else ''))
    return out


@pytest.mark.parametrize(('line', 'want'), [
    ('(cd ..; ls) | grep x', [
        '(', (['cd', '..'], [], ''), (['ls'], [], ''), ')',
        (['grep', 'x'], [], 'piped')]),
    ('a | b |& c', [(['a'], [], ''), (['b'], [], 'piped'),
                    (['c'], [], 'piped')]),
    ('x=1 | b', [(['x=1'], [], ''), (['b'], [], 'piped')]),
    ('cat <<E | python3 - && rm x\nbody\nE\n', [
        (['cat'], [('<<', 'E', 'body\n')], ''),
        (['python3', '-'], [], 'piped'), (['rm', 'x'], [], '')]),
    ('cat <<E | { :; }\nb\nE\n', [(['cat'], [('<<', 'E', 'b\n')], ''),
                                  ([':'], [], 'piped')]),
    ("a <<'E' && b\nx\nE\n", [(['a'], [('<<', 'E', 'x\n')], ''),
                              (['b'], [], '')]),
    ('a <<-E > f\n\tx\n\tE\n', [(['a'], [('<<-', 'E', 'x\n\t'),
                                         ('>', 'f', None)], '')]),
    ('{ a; } <<E\nx\nE\n', [(['a'], [], ''),
                            ([], [('<<', 'E', 'x\n')], '')]),
    ('bash <<<"rm $x" 2>&1', [(['bash'], [('<<<', '!rm $x', 'rm $x'),
                                          ('>&', None, None)], '')]),
    ('while read l; do :; done < f | sort', [
        (['read', 'l'], [], ''), ([':'], [], ''), ([], [('<', 'f', None)],
                                                   ''),
        (['sort'], [], 'piped')]),
    ('# just a comment\n', []),
    ('echo x >&- {a,b}', [(['echo', 'x', 'a', 'b'], [('>&-', None, None)],
                           '')]),
    ('echo x >&-', [(['echo', 'x'], [('>&-', None, None)], '')]),
    ('find . -exec rm {} \\; {a,b}', [(['find', '.', '-exec', 'rm', '{}', ';',
                                       'a', 'b'], [], '')]),
])
def test_parse(line: str, want: list[Any]) -> None:
    assert show(line) == want


@pytest.mark.parametrize('line', [
    "echo 'x", 'cat <<EOF\nno end', 'coproc W (rm x)', '{x,y}',
    'cat <<-E > f | wc\n\tx\n\tE\n',
])
def test_what_bash_would_not_parse(line: str) -> None:
    with pytest.raises(T.GrammarError):
        T.parse(line)


class Node:
    """A stand-in for a tree-sitter node."""

    def __init__(self, type_: str, *children: Node, text: str = '') -> None:
        self.type = type_
        self.children = list(children)
        self.text = text.encode()


def test_a_node_it_does_not_know_is_an_error() -> None:
    walk = T._Walk()
    with pytest.raises(T.GrammarError, match='weird is not read'):
        walk.statement(Node('weird'))
    with pytest.raises(T.GrammarError, match='odd is not read'):
        walk.redirected(Node('redirected_statement',
                             Node('command', Node('command_name',
                                                  Node('word', text='a'))),
                             Node('odd')))


def test_a_pipe_into_nothing() -> None:
    walk = T._Walk()
    cmd = Command()
    walk.piped(T._Piped(cmd, Node('pipeline', Node('|'))))
    assert walk.out == []


def test_without_tree_sitter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(T, '_PARSER', [])
    monkeypatch.setitem(sys.modules, 'tree_sitter', None)
    with pytest.raises(T.GrammarError, match='tree-sitter is not installed'):
        T.parse('{ a; }')


def test_the_parser_is_made_once() -> None:
    T.parse('{ a; }')
    first = T._PARSER[0]
    T.parse('{ b; }')
    assert len(T._PARSER) == 1 and T._PARSER[0] is first


@pytest.mark.parametrize(('body', 'text'), [
    ('a\\tb\\x41\\101\\u00e9\\U0001F600', 'a\tb\x41A\u00e9\U0001F600'),
    ('\\cA\\e\\E\\?\\"', '\x01\x1b\x1b?"'),
    ('\\xZ\\u\\z', '\\xZ\\u\\z'),
    ('tail\\', 'tail\\'),
    ('\\7777', '\u01ff7'),
])
def test_ansi_c(body: str, text: str) -> None:
    assert T.ansi_c(body) == text


def test_words_keep_their_pieces() -> None:
    (cmd,) = [c for c in T.parse('rm "a\\\nb" c\\\\d ../{x,y} {}')
              if isinstance(c, Command)]
    assert [w.text for w in cmd.words] == ['rm', 'ab', 'c\\d', '../x',
                                           '../y', '{}']
    many = T.parse('echo {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}')
    assert isinstance(many[0], Command)
    assert len(many[0].words) == 1 + T._MAX_BRACES
