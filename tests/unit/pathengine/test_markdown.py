"""pathengine/markdown.py: Markdown contexts read by a CommonMark parser
(markdown-it-py), each asserted as the engine's verdict on a real
snippet: no finding (an example or a command), a warning (inline code)
or an error (prose, a link)."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ERR
from tests.unit.pathengine import OUT
from tests.unit.pathengine import ctx
from tests.unit.pathengine import scan
from worktree_guard.model import PathChange
from worktree_guard.pathengine import Engine
from worktree_guard.pathengine import lines
from worktree_guard.pathengine import markdown

WARN = 'relative-escape warn'

CONTEXTS = [
    # -- HTML in Markdown tables (false-error class 5) ------------------------
    # <code> in a cell is inline code: a warning, not an error.
    (f'| option | default |\n|---|---|\n| `--out` | <code>{OUT}</code> |\n',
     [f'3:19 {WARN}']),
    # <pre><code> in a cell is an example block: quiet.
    (f'| step | run |\n|---|---|\n| 1 | <pre><code>cd {OUT}</code></pre> |\n',
     []),
    # A cell's escaped pipe (\|) does not shift the columns after it.
    (f'| a | b |\n|---|---|\n| x \\| y | <kbd>{OUT}</kbd> |\n',
     [f'3:17 {WARN}']),
    (f'| a | b |\n|---|---|\n| `x \\| {OUT}` | y |\n', [f'3:9 {WARN}']),
    # The same cell text as prose, after the code: an error.
    (f'| a | b |\n|---|---|\n| <code>x</code> {OUT} | y |\n',
     [f'3:18 {ERR}']),
    # -- HTML blocks -----------------------------------------------------------
    (f'<details>\n<summary>Build</summary>\n<code>{OUT}</code>\n'
     f'</details>\n', [f'3:7 {WARN}']),
    (f'<pre>\ncd {OUT}\n</pre>\n\nsee {OUT}\n', [f'5:5 {ERR}']),
    (f'<table><tr><td><pre><code>cd {OUT}\nmake</code></pre></td></tr>\n'
     f'</table>\n', []),
    (f'<div>\n<a href="{OUT}/x">x</a>\n</div>\n', [f'2:10 {ERR}']),
    # `<>` is no tag; nested <kbd> ends with the outer one.
    (f'<p>\n1 <> 2: <kbd><kbd>Ctrl</kbd>+<kbd>{OUT}</kbd></kbd> {OUT}\n'
     '</p>\n', [f'2:35 {WARN}', f'2:60 {ERR}']),
    # An inline <code> left open runs to the end of its paragraph; a code
    # span inside <code> is part of it.
    (f'Use <code>cat `x`\n{OUT}\n\nsee {OUT}\n', [f'2:1 {WARN}',
                                                    f'4:5 {ERR}']),
    # -- HTML comments hold commands (the listings of a book) ------------------
    ('<!--\ncd listings/ch02/x\ncargo run\ncd ../../..\n-->\n', []),
    (f'<!-- cd listings/x && cargo run && cd {OUT} -->\n', []),
    (f'Build it. <!-- cd listings/x\ncd {OUT} -->\nsee {OUT}\n',
     [f'3:5 {ERR}']),
    # -- code spans ------------------------------------------------------------
    # A code span that wraps across a line break is still code.
    (f'Run `cat\n{OUT}/x` first.\n', [f'2:1 {WARN}']),
    (f'> Run `cat\n> {OUT}/x` first.\n', [f'2:3 {WARN}']),
    (f'- Run ``cat\n  {OUT}/x`` first.\n', [f'2:3 {WARN}']),
    # After the span closes, the line is prose again.
    (f'Run `cat\nx` then see {OUT}\n', [f'2:13 {ERR}']),
    # A link beside a code span is a link: an error.
    (f'See [the guide]({OUT}/x) or `make`.\n', [f'1:17 {ERR}']),
    # Link syntax inside a code span is an example, not a link.
    (f'Write `[a]({OUT}/x)` for that.\n', [f'1:12 {WARN}']),
    # A backtick the parser does not pair (or an escaped one) opens no span.
    (f'A ` tick, then {OUT}\n', [f'1:16 {ERR}']),
    (f'An \\`escaped\\` tick: {OUT}\n', [f'1:22 {ERR}']),
    # -- fences ------------------------------------------------------------------
    (f'```sh\ncd sub\ncat {OUT}\n```\nsee {OUT}\n', [f'5:5 {ERR}']),
    (f'- item\n\n  ```\n  cd {OUT}\n  ```\n', []),
    (f'~~~yaml\ndir: {OUT}\n~~~\n', []),
    (f'```console\n$ ls\n{OUT}\n```\n', []),
    # An unclosed fence runs to the end of the document.
    (f'```sh\ncat {OUT}\n', []),
    # Indented code after a blank line.
    (f'Then `make`:\n\n    cd {OUT}\n    cat {OUT}\n', []),
    # Headings are prose.
    (f'## Build in {OUT}\n', [f'1:13 {ERR}']),
    # Non-ASCII text before a span: columns count characters.
    (f'Über `{OUT}` und {OUT}\n', [f'1:7 {WARN}', f'1:{13 + len(OUT)} {ERR}']),
]


@pytest.mark.parametrize(('content', 'expected'), CONTEXTS)
def test_markdown_contexts(content: str, expected: list[str]) -> None:
    assert scan('docs/guide.md', content) == expected


def test_changelogs_and_other_markdown_names() -> None:
    # A changelog's inline code and prose are quoted text; a code span
    # there stays quiet too.
    assert scan('CHANGELOG.md', f'- `cat\n  {OUT}` works\n') == []
    assert scan('docs/a.markdown', f'Run `cat\n{OUT}` first.\n') == [
        f'2:1 {WARN}']


def _patch(hunks: str, path: str = 'README.md') -> PathChange:
    head = f'diff --git a/{path} b/{path}\n'.encode()
    data = head + hunks.encode()
    return PathChange(None, [], data, [(len(head), len(data), path)], True)


HUNKS = [
    # A hunk is parsed as it comes: a span within it is read as one.
    (f'@@ -1,1 +1,3 @@\n Intro.\n+Run `cat\n+{OUT}` first.\n', [f'3:1 {WARN}']),
    # A backtick the hunk does not pair may close a span that opened
    # above it: the backticks before the token on its line still count
    # (the hand reading), so it warns; in a whole file it is prose.
    (f'@@ -4,1 +4,2 @@\n x\n+done` and {OUT}\n', [f'5:11 {WARN}']),
    # Removed lines are not the new text; comments still hold commands.
    (f'@@ -1,2 +1,2 @@\n-<code>x\n+<!-- cd a\n+cd {OUT} -->\n', []),
]


@pytest.mark.parametrize(('hunks', 'expected'), HUNKS)
def test_markdown_hunks(hunks: str, expected: list[str]) -> None:
    found = Engine(ctx()).scan_change(_patch(hunks))
    assert [f'{f.line}:{f.col} {f.kind} {f.severity}' for f in found] == \
        expected


def test_markup_gate_and_model() -> None:
    # Without a backtick, `~~~` or `<`, no parser: the hand reading.
    assert not markdown.markup(b'see ../x\n', 0, 9)
    for text in (b'`x`', b'<b>', b'~~~'):
        assert markdown.markup(text, 0, len(text))
    data = b'a `b\nc` d <!-- cd x\ncd y -->\n\n`e`\n'
    model = markdown.build(data, 0, len(data), False, 'docs')
    # Inline text is parsed when a token is first placed in it.
    assert model.states == [(None, lines.PROSE)] * 5
    assert model.at(data.index(b'`e`')) == (None, lines.CODE)
    assert len(model.states) == 7
    assert model.at(0) == (None, lines.PROSE)
    assert model.at(data.index(b'c`')) == (None, lines.CODE)
    assert model.at(data.index(b' d')) == (None, lines.PROSE)
    assert model.at(data.index(b'cd y')) == ('', 'x')
    assert model.at(data.index(b'-->')) == ('', 'x/y')
    assert model.at(len(data) - 1) == (None, lines.PROSE)


def test_unplaced_lines_keep_the_hand_reading() -> None:
    # A list item's continuation line indented with a tab: the parser
    # expands the tab, so the line is not found in the source and the span
    # that ends on it is left to the hand reading (the backtick count).
    data = b'- Run `cat\n\tb` now\n'
    model = markdown.build(data, 0, len(data), False, '')
    assert model.at(data.index(b'b`')) == (None, lines.PROSE)
    assert (None, lines.CODE) not in model.states


def test_an_unpaired_backtick_in_a_whole_file_is_prose() -> None:
    # The hunk of HUNKS that warns, read as a whole file: no span opened.
    assert scan('README.md', f'x\ndone` and {OUT}\n') == [f'2:11 {ERR}']
