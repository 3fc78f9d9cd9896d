"""A small POSIX shell lexer and parser for the agent guard (issue 14).

It splits a command line the way ``sh`` does before it runs anything:
quotes, backslashes, comments, operators (``&&``, ``||``, ``;``, ``|``,
``&``, parentheses, newlines), redirections (``>``, ``>>``, ``2>``,
``&>``, here-documents whose bodies are skipped) and the words in between,
with quotes removed.  A word that the shell would still expand (``$VAR``,
``$(...)``, backticks) is marked ``dynamic``: its value is not known
before the command runs.

Why not ``shlex``: importing it imports ``re``, about 6 ms, which alone is
most of the hook's budget (it runs before every tool call; see bench/).
``shlex`` also does not know redirections with file descriptors
(``2>``), here-documents or ``$(...)``.  ``bashlex`` (a port of bash's
parser) is GPL-3.0, which an MIT project cannot ship.  The property test
in tests/unit/test_shell.py checks that plain words split exactly as
``shlex.split`` splits them.

Anything this lexer cannot read (an unterminated quote, a substitution
that never closes) raises ``ShellSyntaxError``.  ``split`` is the agent
guard's entry: it returns ``None`` for a command line that needs bash's
grammar (compound commands, subshells, functions, brace expansion,
``$'...'``), which rules/shell_tree.py then reads with tree-sitter.
Pure: no I/O.
"""
# Longest first, so '>>' wins over '>'.
_REDIRS = ('&>>', '<<<', '<<-', '>>', '>|', '>&', '<<', '<&', '<>', '&>',
           '>', '<')
_OPS = ('&&', '||', ';;', '|&', ';', '|', '&', '(', ')', '\n')
_META = frozenset(' \t\n;&|()<>')
_DIGITS = frozenset('0123456789')
_GLOB = frozenset('*?[')
# Words that start a compound command (or end one) in command position.
RESERVED = frozenset(('if', 'then', 'elif', 'else', 'fi', 'for', 'while',
                      'until', 'do', 'done', 'case', 'esac', 'select',
                      'function', 'coproc', '!', '{', '}', '[[', ']]'))


class ShellSyntaxError(ValueError):
    """The command line cannot be split (unterminated quote, ...)."""


class Word:
    """One word, quotes removed.  ``dynamic``: it holds an expansion the
    shell resolves at run time (``$X``, ``$(...)``, backticks); ``glob``:
    an unquoted ``*``, ``?`` or ``[``; ``body``: a here-document's body,
    on its delimiter word."""

    __slots__ = ('text', 'dynamic', 'glob', 'body')

    def __init__(self, text: str, dynamic: bool = False,
                 glob: bool = False) -> None:
        self.text = text
        self.dynamic = dynamic
        self.glob = glob
        self.body: str | None = None

    def __repr__(self) -> str:
        return f'Word({self.text!r}{", dynamic" if self.dynamic else ""})'


class Command:
    """One simple command: its words and its redirections ``(operator,
    target)`` (``target`` is ``None`` for ``>&2`` style duplications);
    ``pipe_in``: the command whose output it reads (``a | b``)."""

    __slots__ = ('words', 'redirs', 'pipe_in')

    def __init__(self) -> None:
        self.words: list[Word] = []
        self.redirs: list[tuple[str, Word | None]] = []
        self.pipe_in: Command | None = None

    @property
    def argv(self) -> list[str]:
        return [w.text for w in self.words]

    def __repr__(self) -> str:
        return f'Command({self.argv!r}, redirs={len(self.redirs)})'


def tokens(line: str) -> list[tuple[str, object]]:
    """``('w', Word)``, ``('op', str)`` and ``('r', str)`` tokens."""
    return _Lexer(line).run()


def split(line: str) -> list[Command] | None:
    """The simple commands of ``line``, or ``None`` when it needs bash's
    grammar: a compound command (``if``, ``for``, ``{ ...; }``, ``!``...),
    a subshell, a function, brace expansion or ``$'...'`` quoting, or a
    line this lexer cannot read."""
    lexer = _Lexer(line)
    try:
        toks = lexer.run()
    except ShellSyntaxError:
        return None
    if lexer.grammar:
        return None
    cmds = _commands(toks)
    for cmd in cmds:
        for w in cmd.words:
            if w.text in RESERVED:
                return None
            if not _is_assignment(w.text):
                break
    return cmds


def _is_assignment(t: str) -> bool:
    head, eq, _ = t.partition('=')
    return bool(eq and head) and (head[0].isalpha() or head[0] == '_') and \
        all(c.isalnum() or c == '_' for c in head)


def parse(line: str) -> list[Command]:
    """The simple commands of ``line`` in order (pipelines, lists and
    subshells flattened; an empty command is dropped)."""
    return _commands(tokens(line))


def _commands(toks: list[tuple[str, object]]) -> list[Command]:
    out: list[Command] = []
    cur = Command()
    i = 0
    while i < len(toks):
        kind, val = toks[i]
        if kind == 'w':
            assert isinstance(val, Word)
            cur.words.append(val)
        elif kind == 'r':
            op = str(val)
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            if nxt is None or nxt[0] != 'w':
                raise ShellSyntaxError(f'{op} without a target')
            target = nxt[1]
            assert isinstance(target, Word)
            i += 1
            if op in ('>&', '<&') and (target.text == '-' or
                                       _DIGITS.issuperset(target.text)):
                cur.redirs.append((op, None))   # fd duplication
            else:
                cur.redirs.append((op, target))
        else:
            prev = cur if cur.words or cur.redirs else None
            if prev is not None:
                out.append(prev)
            cur = Command()
            if val in ('|', '|&'):
                cur.pipe_in = prev
        i += 1
    if cur.words or cur.redirs:
        out.append(cur)
    return out


class _Lexer:
    def __init__(self, s: str) -> None:
        self.s = s
        self.i = 0
        self.out: list[tuple[str, object]] = []
        self.heredocs: list[tuple[Word, bool]] = []
        self.want_delim: bool | None = None   # strip tabs (<<-)?
        self.grammar = False   # seen something only bash's grammar reads

    def run(self) -> list[tuple[str, object]]:
        s = self.s
        n = len(s)
        while self.i < n:
            c = s[self.i]
            if c in ' \t':
                self.i += 1
            elif c == '\\' and s.startswith('\\\n', self.i):
                self.i += 2
            elif c == '#':
                end = s.find('\n', self.i)
                self.i = n if end < 0 else end
            elif c == '\n':
                self.emit_op('\n')
                self.i += 1
                self.skip_heredocs()
            elif c in _META:
                self.operator()
            else:
                self.word()
        if self.heredocs or self.want_delim is not None:
            raise ShellSyntaxError('here-document without its body')
        return self.out

    def emit_op(self, op: str) -> None:
        self.out.append(('op', op))

    def operator(self) -> None:
        s, i = self.s, self.i
        for r in _REDIRS:
            if s.startswith(r, i):
                self.out.append(('r', r))
                self.i = i + len(r)
                if r in ('<<', '<<-'):
                    self.want_delim = r == '<<-'
                return
        for op in _OPS:
            if s.startswith(op, i):
                if op in ('(', ')', ';;'):
                    self.grammar = True
                self.emit_op(op)
                self.i = i + len(op)
                return
        raise AssertionError(s[i])  # pragma: no cover (_META covers all)

    def word(self) -> None:
        s = self.s
        n = len(s)
        buf: list[str] = []
        dynamic = glob = quoted = False
        start = self.i
        while self.i < n:
            c = s[self.i]
            if c in _META:
                break
            if c == "'":
                end = s.find("'", self.i + 1)
                if end < 0:
                    raise ShellSyntaxError('unterminated single quote')
                buf.append(s[self.i + 1:end])
                self.i = end + 1
                quoted = True
            elif c == '"':
                dynamic |= self.double(buf)
                quoted = True
            elif c == '\\':
                if self.i + 1 == n:
                    raise ShellSyntaxError('a backslash ends the command')
                if s[self.i + 1] != '\n':
                    buf.append(s[self.i + 1])
                self.i += 2
            elif c in {'$', '`'}:
                buf.append(self.expansion())
                dynamic = True
            else:
                if c in _GLOB:
                    glob = True
                elif c in '{}':
                    self.grammar = True
                buf.append(c)
                self.i += 1
        text = ''.join(buf)
        if self.i < n and s[self.i] in '<>' and not quoted and text and \
                _DIGITS.issuperset(text) and self.i - start == len(text):
            return   # an fd number: the redirection operator follows
        word = Word(text, dynamic, glob)
        if self.want_delim is not None:
            self.heredocs.append((word, self.want_delim))
            self.want_delim = None
        self.out.append(('w', word))

    def double(self, buf: list[str]) -> bool:
        """A double-quoted part; True if it expands something."""
        s = self.s
        n = len(s)
        self.i += 1
        dynamic = False
        while self.i < n:
            c = s[self.i]
            if c == '"':
                self.i += 1
                return dynamic
            if c == '\\' and self.i + 1 < n and s[self.i + 1] in '$`"\\\n':
                if s[self.i + 1] != '\n':
                    buf.append(s[self.i + 1])
                self.i += 2
            elif c in {'$', '`'}:
                buf.append(self.expansion())
                dynamic = True
            else:
                buf.append(c)
                self.i += 1
        raise ShellSyntaxError('unterminated double quote')

    def expansion(self) -> str:
        """``$NAME``, ``${...}``, ``$(...)``, ``$((...))`` or a backtick
        substitution, returned as written."""
        s = self.s
        start = self.i
        if s[start] == '`':
            return self.backticks(start)
        nxt = s[start + 1:start + 2]
        if nxt == "'":
            self.grammar = True   # $'...': bash decodes it
        if nxt in ('(', '{'):
            return self.bracketed(start, nxt)
        i = start + 1
        if i < len(s) and (s[i].isalnum() or s[i] == '_'):
            while i < len(s) and (s[i].isalnum() or s[i] == '_'):
                i += 1
        elif i < len(s) and s[i] in '@*#?$!-':
            i += 1
        self.i = i
        return s[start:i]

    def backticks(self, start: int) -> str:
        """A backtick substitution from ``start``, as written."""
        s = self.s
        i = start + 1
        while i < len(s) and s[i] != '`':
            i += 2 if s[i] == '\\' else 1
        if i >= len(s):
            raise ShellSyntaxError('unterminated backtick')
        self.i = i + 1
        return s[start:self.i]

    def bracketed(self, start: int, opening: str) -> str:
        """``$(...)``, ``$((...))`` or ``${...}`` from ``start`` (the
        ``$``) to its matching close, as written."""
        s = self.s
        close = ')' if opening == '(' else '}'
        depth = 0
        i = start + 1
        while i < len(s):
            c = s[i]
            if c == '\\':
                i += 2
                continue
            if c == "'" and close == ')':
                end = s.find("'", i + 1)
                if end < 0:
                    break
                i = end + 1
                continue
            if c == opening:
                depth += 1
            elif c == close:
                depth -= 1
                if depth == 0:
                    self.i = i + 1
                    return s[start:self.i]
            i += 1
        raise ShellSyntaxError(f'unterminated ${opening}')

    def skip_heredocs(self) -> None:
        """After a newline: skip the bodies of pending here-documents."""
        s = self.s
        while self.heredocs:
            word, strip = self.heredocs.pop(0)
            delim = word.text
            body: list[str] = []
            while True:
                if self.i >= len(s):
                    raise ShellSyntaxError(
                        f'here-document not closed by {delim!r}')
                end = s.find('\n', self.i)
                line = s[self.i:] if end < 0 else s[self.i:end]
                self.i = len(s) if end < 0 else end + 1
                if strip:
                    line = line.lstrip('\t')
                if line == delim:
                    break
                body.append(line + '\n')
            word.body = ''.join(body)
