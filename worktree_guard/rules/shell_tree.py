"""A shell command line read with bash's grammar (tree-sitter-bash), for
the commands worktree_guard/shell.py's lexer hands over (``split`` returns
``None``): compound commands (``{ ...; }``, ``if``, ``for``, ``while``,
``until``, ``case``, ``!``), subshells, functions, brace expansion and
``$'...'`` quoting.

``parse`` returns the simple commands in the order a reader meets them,
as the lexer's ``Command``/``Word`` records, so rules/agent_shell.py reads
both alike.  Between them, ``OPEN``/``CLOSE`` mark a subshell (its ``cd``
does not outlive it).  Every branch of a conditional and every loop body
is listed once (as if each ran); a ``for`` loop over at most
``_MAX_LOOP`` literal words lists its body once per word, after an
assignment of the loop variable, so ``for f in a b; do rm "$f"; done``
reads as ``f=a; rm $f; f=b; rm $f``.  A function's body is listed where it
is defined.  Brace expansion gives one word per alternative; ``$'...'`` is
decoded.

tree-sitter is imported when the first such command is read, never on the
hook's path for a simple command.  A line bash's grammar rejects, a node
this module does not know, or tree-sitter missing raise ``GrammarError``:
the guard then treats the command as one it cannot check.  Pure: no I/O.
"""
from worktree_guard.shell import Command
from worktree_guard.shell import Word

from typing import TYPE_CHECKING
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

OPEN = '('
CLOSE = ')'
_MAX_LOOP = 8
_MAX_BRACES = 64
_GLOB = frozenset('*?[')
_PARSER: 'list[Any]' = []


class GrammarError(ValueError):
    """The line cannot be read with bash's grammar."""


def parse(line: str) -> 'list[Command | str]':
    """The simple commands of ``line`` with ``OPEN``/``CLOSE`` around the
    commands of a subshell (see the module)."""
    tree = _parser().parse(_joined(line).encode('utf-8', 'surrogateescape'))
    root = tree.root_node
    if root.has_error:
        raise GrammarError('bash would not parse it')
    walk = _Walk()
    walk.statements(root.children)
    return walk.out


def _joined(line: str) -> str:
    """``line`` with its backslash-newlines gone, as bash removes them
    before it splits words (tree-sitter would split ``a\\<newline>b``
    in two)."""
    if '\\\n' not in line:
        return line
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == '\\':
            pair = line[i:i + 2]
            out.append('' if pair == '\\\n' else pair)
            i += 2
        else:
            out.append(line[i])
            i += 1
    return ''.join(out)


def _parser() -> 'Any':
    if not _PARSER:
        try:
            # deferred: tree-sitter loads only for a compound command the
            # fast lexer hands over (the agent hook's hot path)
            import tree_sitter
            import tree_sitter_bash  # deferred: as above
        except ImportError as e:
            raise GrammarError(f'tree-sitter is not installed ({e})'
                               ) from None
        lang = tree_sitter.Language(tree_sitter_bash.language())
        _PARSER.append(tree_sitter.Parser(lang))
    return _PARSER[0]


def _text(node: 'Any') -> str:
    return bytes(node.text).decode('utf-8', 'surrogateescape')


# Nodes that hold no command.
_QUIET = frozenset(('comment', ';', '&', '&&', '||', '|', '|&', '\n',
                    'test_command', 'unset_command', ';;', ';&', ';;&',
                    '(', ')', '{', '}', 'do', 'done', 'then', 'fi', 'if',
                    'elif', 'else', 'while', 'until', 'for', 'select', 'in',
                    'case', 'esac', 'function', '!', '((', '))',
                    'binary_expression', 'postfix_expression',
                    'unary_expression', 'parenthesized_expression',
                    'arithmetic_expansion'))
# Nodes whose children are statements, run in order.
_BLOCKS = frozenset(('program', 'list', 'compound_statement', 'do_group',
                     'if_statement', 'elif_clause', 'else_clause',
                     'while_statement', 'negated_command',
                     'c_style_for_statement'))
_REDIRECTS = frozenset(('file_redirect', 'heredoc_redirect',
                        'herestring_redirect'))


class _Walk:
    def __init__(self) -> None:
        self.out: list[Command | str] = []

    def statements(self, nodes: 'list[Any]') -> None:
        for node in nodes:
            self.statement(node)

    def statement(self, node: 'Any') -> None:
        if isinstance(node, _Piped):
            self.piped(node)
            return
        t = node.type
        if t in _QUIET:
            return
        if t in _BLOCKS:
            self.statements(node.children)
        elif t == 'subshell':
            self.out.append(OPEN)
            self.statements(node.children)
            self.out.append(CLOSE)
        elif t == 'pipeline':
            self.pipeline(node)
        elif t == 'command':
            self.command(node)
        elif t in ('variable_assignment', 'variable_assignments'):
            cmd = Command()
            cmd.words += [_assignment(a) for a in (
                node.children if t == 'variable_assignments' else [node])]
            self.out.append(cmd)
        elif t == 'declaration_command':
            self.declaration(node)
        elif t == 'redirected_statement':
            self.redirected(node)
        elif t == 'for_statement':
            self.for_loop(node)
        elif t == 'case_statement':
            for item in node.children:
                if item.type == 'case_item':   # pattern) statements ;;
                    kids = [c.type for c in item.children]
                    start = kids.index(')') + 1 if ')' in kids else 0
                    self.statements(item.children[start:])
        elif t == 'function_definition':
            self.statements(node.children[-1:])
        else:
            raise GrammarError(f'{t} is not read')

    def piped(self, piped: '_Piped') -> None:
        start = len(self.out)
        self.statements(piped.node.children)
        first = next((c for c in self.out[start:]
                      if isinstance(c, Command)), None)
        if first is not None:
            first.pipe_in = piped.cmd

    def pipeline(self, node: 'Any') -> None:
        prev: Command | None = None
        for child in node.children:
            if child.type in ('|', '|&'):
                continue
            start = len(self.out)
            self.statement(child)
            first = next((c for c in self.out[start:]
                          if isinstance(c, Command)), None)
            if first is not None and prev is not None:
                first.pipe_in = prev
            last = [c for c in self.out[start:] if isinstance(c, Command)]
            prev = last[-1] if last else prev

    def command(self, node: 'Any') -> Command:
        cmd = Command()
        self.out.append(cmd)
        later: list[Any] = []
        for child in node.children:
            t = child.type
            if t == 'variable_assignment':
                cmd.words.append(_assignment(child))
            elif t == 'command_name':
                cmd.words += _words(child.children[0])
            elif t in _REDIRECTS:
                later += self.redirect(cmd, child)
            elif t != '$':
                cmd.words += _words(child)
        self.statements(later)
        return cmd

    def declaration(self, node: 'Any') -> None:
        cmd = Command()
        cmd.words.append(Word(_text(node.children[0])))
        for child in node.children[1:]:
            if child.type == 'variable_assignment':
                cmd.words.append(_assignment(child))
            elif child.type == 'variable_name':
                cmd.words.append(Word(_text(child)))
            else:
                cmd.words += _words(child)
        self.out.append(cmd)

    def redirected(self, node: 'Any') -> None:
        body, *redirects = node.children
        if body.type == 'command':
            cmd = self.command(body)
        else:
            self.statement(body)
            cmd = Command()   # the redirections of a compound command
            self.out.append(cmd)
        later: list[Any] = []
        for r in redirects:
            if r.type in _REDIRECTS:
                later += self.redirect(cmd, r)
            else:
                later.append(r)
        self.statements(later)

    def redirect(self, cmd: Command, node: 'Any') -> 'list[Any]':
        """Add ``node``'s redirections to ``cmd``; the statements found
        inside it (tree-sitter puts what follows a here-document's start
        there), to walk after ``cmd``."""
        t = node.type
        if t == 'file_redirect':
            _file_redirect(cmd, node)
            return []
        if t == 'herestring_redirect':
            word = _one(node.children[-1])
            word.body = word.text
            cmd.redirs.append(('<<<', word))
            return []
        return self.heredoc(cmd, node)

    def heredoc(self, cmd: Command, node: 'Any') -> 'list[Any]':
        """A here-document: its delimiter and body; what tree-sitter nests
        after its start (more redirections, a pipeline, statements)."""
        later: list[Any] = []
        delim = Word('')
        cmd.redirs.append((node.children[0].type, delim))
        for child in node.children[1:]:
            ct = child.type
            if ct == 'heredoc_start':
                delim.text = _text(child).strip('\'"\\')
            elif ct == 'heredoc_body':
                delim.body = _text(child)
            elif ct in _REDIRECTS:
                later += self.redirect(cmd, child)
            elif ct == 'pipeline' and child.children[0].type in (
                    '|', '|&'):
                later.append(_Piped(cmd, child))
            elif ct != 'heredoc_end':
                later.append(child)
        return later

    def for_loop(self, node: 'Any') -> None:
        name = ''
        values: list[Word] = []
        body = node.children[-1]
        for child in node.children[:-1]:
            if child.type == 'variable_name':
                name = _text(child)
            elif child.type not in _QUIET:
                values += _words(child)
        if not values or len(values) > _MAX_LOOP:
            # The variable is not known: an assignment that makes it so.
            values = [Word('$(for)', True)]   # no value we know
        for value in values:
            assign = Command()
            assign.words.append(Word(f'{name}={value.text}', value.dynamic,
                                     value.glob))
            self.out.append(assign)
            self.statement(body)


def _file_redirect(cmd: Command, node: 'Any') -> None:
    """``> f``, ``2>&1``, ``>&-``: the operator and its target (none for
    a descriptor); words after the target are the command's arguments."""
    op = ''
    nodes: list[Any] = []
    for child in node.children:
        if child.type == 'file_descriptor':
            continue
        if not op:
            op = child.type
        else:
            nodes.append(child)
    if op in ('>&-', '<&-'):   # a descriptor closed: no target
        nodes.insert(0, None)
    target = _one(nodes[0]) if nodes and nodes[0] is not None else None
    for extra in nodes[1:]:   # words after the target: arguments
        cmd.words += _words(extra)
    if op in ('>&', '<&') and target is not None and (
            target.text == '-' or target.text.isdigit()):
        target = None
    cmd.redirs.append((op, target))


class _Piped:
    """The rest of a pipeline that tree-sitter nests in a here-document's
    redirection: its first command reads ``cmd``'s output."""

    type = 'piped'

    def __init__(self, cmd: Command, node: 'Any') -> None:
        self.cmd = cmd
        self.node = node


# -- words -------------------------------------------------------------------------

def _assignment(node: 'Any') -> Word:
    """``NAME=value`` as one word (an array value is dynamic)."""
    name = _text(node.children[0])
    value = node.children[2:]
    if not value:
        return Word(f'{name}=')
    if value[0].type == 'array':
        return Word(f'{name}={_text(value[0])}', True)
    word = _one(value[0])
    return Word(f'{name}={word.text}', word.dynamic, word.glob)


def _one(node: 'Any') -> Word:
    """One word (brace alternatives would be several: then the first,
    marked dynamic, as the shell's choice is not one word)."""
    words = _words(node)
    if len(words) == 1:
        return words[0]
    return Word(_text(node), True)


def _words(node: 'Any') -> list[Word]:
    """The words ``node`` expands to: one, or one per brace
    alternative."""
    parts: list[tuple[str, bool]] = []   # (text, unquoted)
    flags = [False, False]   # dynamic, glob
    _parts(node, parts, flags)
    chars = [(c, active) for text, active in parts for c in text]
    texts = _braces(chars)
    dynamic, glob = flags
    return [Word(t, dynamic, glob) for t in texts]


def _parts(node: 'Any', parts: list[tuple[str, bool]],
           flags: list[bool]) -> None:
    t = node.type
    text = _text(node)
    if t in ('word', 'number', 'variable_name'):
        _unquoted(text, parts, flags)
    elif t == 'raw_string':
        parts.append((text[1:-1], False))
    elif t == 'ansi_c_string':
        parts.append((ansi_c(text[2:-1]), False))
    elif t == 'string':
        for child in node.children:
            ct = child.type
            if ct == '"':
                continue
            if ct == 'string_content':
                parts.append((_dequote(_text(child)), False))
            else:
                flags[0] = True
                parts.append((_text(child), False))
    elif t in ('concatenation', 'brace_expression'):
        for child in node.children:
            _parts(child, parts, flags)
    elif t in ('{', '}', '..', ','):
        parts.append((text, True))
    else:   # expansions, substitutions: known at run time only
        flags[0] = True
        parts.append((text, False))


def _unquoted(text: str, parts: list[tuple[str, bool]],
              flags: list[bool]) -> None:
    i = 0
    n = len(text)
    buf: list[str] = []
    while i < n:
        c = text[i]
        if c == '\\' and i + 1 < n:
            if buf:
                parts.append((''.join(buf), True))
                buf = []
            parts.append((text[i + 1], False))   # (newlines are joined)
            i += 2
            continue
        if c in _GLOB:
            flags[1] = True
        buf.append(c)
        i += 1
    if buf:
        parts.append((''.join(buf), True))


def _dequote(text: str) -> str:
    """A double-quoted part's text: ``\\`` escapes only ``$`\\"`` (and a
    newline, joined before)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == '\\' and i + 1 < len(text) and text[i + 1] in '$`"\\':
            out.append(text[i + 1])
            i += 2
            continue
        out.append(c)
        i += 1
    return ''.join(out)


_ESCAPES = {'a': '\a', 'b': '\b', 'e': '\x1b', 'E': '\x1b', 'f': '\f',
            'n': '\n', 'r': '\r', 't': '\t', 'v': '\v', '\\': '\\',
            "'": "'", '"': '"', '?': '?'}


def ansi_c(body: str) -> str:
    """The text of ``$'body'``, decoded as bash decodes it."""
    out: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c != '\\' or i + 1 == n:
            out.append(c)
            i += 1
            continue
        e = body[i + 1]
        i += 2
        if e in _ESCAPES:
            out.append(_ESCAPES[e])
        elif e in 'xuU01234567':
            if e in '01234567':
                digits, base = e, 8
                while i < n and len(digits) < 3 and body[i] in '01234567':
                    digits += body[i]
                    i += 1
            else:
                base = 16
                most = {'x': 2, 'u': 4, 'U': 8}[e]
                digits = ''
                while i < n and len(digits) < most and \
                        body[i] in '0123456789abcdefABCDEF':
                    digits += body[i]
                    i += 1
                if not digits:
                    out.append('\\' + e)
                    continue
            out.append(chr(int(digits, base) % 0x110000))
        elif e == 'c' and i < n:
            out.append(chr(ord(body[i]) & 0x1f))
            i += 1
        else:
            out.append('\\' + e)
    return ''.join(out)


def _braces(chars: list[tuple[str, bool]]) -> list[str]:
    """Brace expansion over ``(char, unquoted)``: ``a{b,c}d`` -> ``abd``,
    ``acd``; at most ``_MAX_BRACES`` words."""
    depth = 0
    start = -1
    commas: list[int] = []
    for i, (c, active) in enumerate(chars):
        if not active:
            continue
        if c == '{':
            if depth == 0:
                start = i
                commas = []
            depth += 1
        elif c == '}' and depth:
            depth -= 1
            if depth == 0:
                if commas:
                    head, tail = chars[:start], chars[i + 1:]
                    cuts = [start, *commas, i]
                    out: list[str] = []
                    for k in range(len(cuts) - 1):
                        out += _braces(head + chars[cuts[k] + 1:cuts[k + 1]]
                                       + tail)
                    return out[:_MAX_BRACES]
                start = -1
        elif c == ',' and depth == 1:
            commas.append(i)
    return [''.join(c for c, _ in chars)]
