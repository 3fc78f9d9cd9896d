"""What one simple shell command does to files and to git, for the
agent-guard rule (rules/agent_guard.py), which judges it.

A Bash tool call is split into simple commands by worktree_guard/shell.py
(or, when it needs bash's grammar, rules/shell_tree.py); ``effects`` reads
one of them, as a shell and the commands it names would, and lists what it
would do, in order, as ``(kind, word, what)``:

- ``WRITE``: the word is written (created, changed or removed): write
  redirections (``>&file`` too), every operand of ``rm``/``touch``/
  ``tee``..., the destination of ``cp``/``ln``/``install``/``rsync``,
  ``mv``'s sources and destination, ``sed -i``'s and ``perl -i``'s files,
  ``dd of=``, the folders of ``make -C``, ``npm --prefix``, ``patch -d``,
  ``tar -C`` (extracting), ``unzip -d``, ``git worktree add``, ``git
  clone``, outputs (``curl -o``, ``sort -o``, ``cc -o``...), ``find``'s
  roots with ``-delete``, ``flock``'s lock file, ``GIT_INDEX_FILE=``.  A
  glob is cut back to the folder it would expand in (``../x/*.py`` ->
  ``../x/``);
- ``LINK``: ``ln`` makes the word (a ``Link``: its ``target`` and whether
  it is ``hard``); the judge follows writes through it later in the line;
- ``CD``: the shell moves to the word (``cd``, ``pushd``; ``~`` with no
  operand);
- ``GIT_C``, ``GIT_DIR``, ``WORK_TREE``: git is pointed at the word (``git
  -C``, ``--git-dir``, ``--work-tree``, ``GIT_DIR=``, ``GIT_WORK_TREE=``);
  each ``-C`` moves git's folder for what follows in the same command;
- ``SWITCH``: git switches the branch of its checkout (``git switch``,
  ``git checkout <branch>``, ``git reset --hard``); the word is the
  subcommand;
- ``REMOVE``: ``git worktree remove`` of the word;
- ``GIT_CONFIG``: ``git config`` sets a value in the repository's shared
  config file (no ``--worktree``/``--file``/``--global``/``--system``);
- ``SCRIPT``: the word is a script run by a nested shell (``sh -c``, a
  here-document fed to ``bash``, ``eval``, ``env -S``, ``flock -c``);
- ``SOURCE``: the word is a script file read into this shell;
- ``CODE_PATH``: a path written inside an interpreter's inline code;
- ``UNKNOWN``: what the command writes cannot be read from it: inline
  code (``python -c``, ``perl -e``, ``node -e``...) that may write, a
  script on standard input from another command, ``xargs`` targets from
  a pipe, a command whose name is a variable;
- ``ASSIGN``: the word (``NAME=value``) sets a shell variable (a line of
  assignments alone, ``export``, ``declare``...).

Wrappers are looked through with their options' values (``nice -n 5``,
``timeout -s KILL 5``, ``flock -w 3 f``, ``env -C dir -u X``, ``sudo -u
root``, ``chrt -f 10``...); ``env -C``/``sudo -D`` move the command's
folder.  ``find <roots> -exec CMD {} ;`` is read as ``CMD`` with the roots
for ``{}``; ``xargs CMD`` as ``CMD`` with the words its input holds:
literal when it comes from ``echo``/``printf``, the roots of ``find``,
``.`` for ``git ls-files``/``grep -l``, unknown otherwise.

Inline code is ``UNKNOWN`` unless it is clearly harmless: no name that
writes, deletes, runs or imports anything by name (``open``, ``write``,
``remove``, ``os.system``, ``subprocess``, ``shutil``, ``fs``, ``File``,
``exec``, ``eval``, ``__import__``...: ``_RISKY``) and, for the judge to
check, no path in it that lies in another checkout (``CODE_PATH``).

``what`` names the command or operator for messages (``redirection >``,
``rm``, ``git -C``).  A word whose value the shell decides at run time
(``$VAR``, ``$(...)``, ``cd -``) is marked ``dynamic``; ``expand``
replaces the variables the judge knows (``$PWD``, ``$(pwd)``, ``$HOME``,
``$TMPDIR``, ``$(mktemp)``, ``$(git rev-parse --show-toplevel)``, earlier
assignments) first.  No policy, no checkouts, no path resolved here: pure,
like every rule module.
"""
from worktree_guard.shell import Command
from worktree_guard.shell import Word

# Effect kinds.
WRITE = 'write'
LINK = 'link'
CD = 'cd'
GIT_C = '-C'
GIT_DIR = '--git-dir'
WORK_TREE = '--work-tree'
SWITCH = 'switch'
REMOVE = 'worktree remove'
GIT_CONFIG = 'git config'
SCRIPT = 'script'
SOURCE = 'source'
CODE_PATH = 'code path'
CHDIR = 'chdir'
FILE_TEXT = 'file text'
RUN = 'run'
UNKNOWN = 'unknown'
ASSIGN = 'assign'
# The kinds that point git somewhere or say what git does.
GIT_KINDS = frozenset((GIT_C, GIT_DIR, WORK_TREE, SWITCH, REMOVE, GIT_CONFIG))

Effect = tuple[str, Word, str]

_WRITE_REDIRS = frozenset(('>', '>>', '>|', '&>', '&>>', '<>', '>&'))
# Commands whose every operand is written (created, changed or removed).
_ALL_OPERANDS = frozenset(('rm', 'rmdir', 'touch', 'mkdir', 'truncate',
                           'unlink', 'shred', 'tee', 'mkfifo', 'mknod'))
# Commands that write their operands after the first (mode, owner).
_AFTER_FIRST = frozenset(('chmod', 'chown', 'chgrp'))
# Options that take a value, per command (the value is not an operand).
_VALUE_OPTS: dict[str, frozenset[str]] = {
    'cp': frozenset(('-S', '--suffix', '-t', '--target-directory')),
    'mv': frozenset(('-S', '--suffix', '-t', '--target-directory')),
    'ln': frozenset(('-S', '--suffix', '-t', '--target-directory')),
    'install': frozenset(('-S', '--suffix', '-t', '--target-directory',
                          '-m', '--mode', '-o', '--owner', '-g', '--group')),
    'touch': frozenset(('-r', '--reference', '-d', '--date', '-t')),
    'truncate': frozenset(('-s', '--size', '-r', '--reference')),
    'mkdir': frozenset(('-m', '--mode')),
    'mknod': frozenset(('-m', '--mode')),
    'mkfifo': frozenset(('-m', '--mode')),
    'sed': frozenset(('-e', '--expression', '-f', '--file', '-l',
                      '--line-length')),
    'patch': frozenset(('-d', '--directory', '-o', '--output', '-i',
                        '--input', '-p', '-F', '-B', '-r', '-D', '-V', '-z',
                        '-Y')),
    'grep': frozenset(('-e', '-f', '-m', '-A', '-B', '-C', '-d', '-D',
                       '--regexp', '--file', '--max-count')),
    'rg': frozenset(('-e', '-f', '-m', '-A', '-B', '-C', '-g', '-t', '-T',
                     '--regexp', '--file', '--glob', '--type',
                     '--type-not', '--max-count')),
    'rsync': frozenset(('-e', '--rsh', '--exclude', '--include',
                        '--filter', '-f', '--exclude-from',
                        '--include-from', '--files-from', '--chmod',
                        '--backup-dir', '--suffix')),
}
# Options whose value is a path the command writes, per command.
_OUTPUT_OPTS: dict[str, frozenset[str]] = {
    'make': frozenset(('-C', '--directory')),
    'npm': frozenset(('--prefix', '-C')),
    'pnpm': frozenset(('-C', '--dir', '--prefix')),
    'yarn': frozenset(('--cwd',)),
    'patch': frozenset(('-d', '--directory', '-o', '--output')),
    'unzip': frozenset(('-d',)),
    'curl': frozenset(('-o', '--output', '--output-dir', '-c',
                       '--cookie-jar', '-D', '--dump-header')),
    'wget': frozenset(('-O', '--output-document', '-P',
                       '--directory-prefix', '-o', '--output-file')),
    'sort': frozenset(('-o', '--output')),
    'cc': frozenset(('-o',)), 'gcc': frozenset(('-o',)),
    'g++': frozenset(('-o',)), 'clang': frozenset(('-o',)),
    'rustc': frozenset(('-o', '--out-dir')),
    'go': frozenset(('-o',)),
    'cargo': frozenset(('--target-dir', '--manifest-path')),
    'cmake': frozenset(('-B', '--build', '--install-prefix')),
    'pip': frozenset(('-t', '--target', '--prefix', '--root', '--src',
                      '-e', '--editable')),
    'uv': frozenset(('-t', '--target', '--prefix', '--directory')),
}
for _alias, _of in (('gmake', 'make'), ('pip3', 'pip'), ('c++', 'g++'),
                    ('clang++', 'clang')):
    _OUTPUT_OPTS[_alias] = _OUTPUT_OPTS[_of]
# Wrappers: name -> options that take a value.  The wrapped command
# follows its options (and, for some, one positional word).
_WRAPPERS: dict[str, frozenset[str]] = {
    'sudo': frozenset(('-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t',
                       '-U', '-T', '--user', '--group', '--host',
                       '--prompt', '--close-from', '--chdir', '--role',
                       '--type', '--other-user', '--command-timeout')),
    'doas': frozenset(('-u', '-C')),
    'env': frozenset(('-u', '--unset', '-C', '--chdir', '-S',
                      '--split-string', '-a', '--argv0')),
    'nice': frozenset(('-n', '--adjustment')),
    'timeout': frozenset(('-s', '--signal', '-k', '--kill-after')),
    'flock': frozenset(('-w', '--wait', '--timeout', '-E',
                        '--conflict-exit-code', '-c', '--command')),
    'stdbuf': frozenset(('-i', '-o', '-e', '--input', '--output',
                         '--error')),
    'ionice': frozenset(('-c', '--class', '-n', '--classdata', '-p',
                         '--pid', '-P', '--pgid', '-u', '--uid')),
    'chrt': frozenset(('-T', '-P', '-D', '--sched-runtime',
                       '--sched-period', '--sched-deadline')),
    'time': frozenset(('-f', '--format', '-o', '--output')),
    'exec': frozenset(('-a',)),
    'setsid': frozenset(()), 'nohup': frozenset(()),
    'command': frozenset(()), 'builtin': frozenset(()),
    'coproc': frozenset(()), 'unbuffer': frozenset(()),
    'caffeinate': frozenset(()), 'eatmydata': frozenset(()),
}
# Wrappers that take one positional word before the command.
_ONE_POSITIONAL = frozenset(('timeout', 'flock', 'chrt'))
_SHELLS = frozenset(('sh', 'bash', 'zsh', 'dash', 'ksh'))
_PYTHONS = ('python', 'pypy')
_CODE_OPTS: dict[str, frozenset[str]] = {
    'perl': frozenset(('-e', '-E')), 'ruby': frozenset(('-e',)),
    'node': frozenset(('-e', '--eval', '-p', '--print')),
    'nodejs': frozenset(('-e', '--eval', '-p', '--print')),
    'deno': frozenset(('eval',)), 'bun': frozenset(('-e', '--eval')),
    'php': frozenset(('-r',)), 'lua': frozenset(('-e',)),
    'Rscript': frozenset(('-e',)),
}
# Names in inline code that may write, delete, run or load anything.
_RISKY = frozenset((
    'open', 'write', 'writelines', 'write_text', 'write_bytes', 'remove',
    'removedirs', 'unlink', 'rename', 'renames', 'rmtree', 'rmdir',
    'mkdir', 'makedirs', 'symlink', 'symlink_to', 'hardlink_to', 'link',
    'chdir', 'touch', 'copy', 'copy2', 'copyfile', 'copytree', 'move',
    'system', 'popen', 'Popen', 'spawn', 'spawnSync', 'execv', 'execvp',
    'execve', 'execFile', 'execSync', 'exec', 'eval', '__import__', 'import_module', 'importlib', 'subprocess', 'shutil',
    'pathlib', 'fs', 'child_process', 'File', 'FileUtils', 'IO', 'Dir',
    'truncate', 'ftruncate', 'chmod', 'chown', 'utime', 'save', 'savez',
    'savetxt', 'dump', 'to_csv', 'to_json', 'to_parquet', 'tofile',
    'sqlite3', 'mkfifo', 'mknod', 'getattr', 'globals', 'vars',
    '__builtins__', 'builtins', 'qx', 'sysopen', 'syswrite', 'Deno',
    'Bun', 'fopen', 'file_put_contents', 'sink', 'writeLines', 'saveRDS',
    'posix', 'ctypes', 'fork', 'kill', 'posix_spawn', 'posix_spawnp',
    'fdopen', 'lchown', 'lchmod', 'chflags', 'mkstemp', 'mkdtemp'))
_RISKY_TEXT = ('`', 'os.replace', '.replace(os', 'Path.replace')
_WRITERS = _ALL_OPERANDS | {'cp', 'mv', 'ln', 'install', 'sed', 'dd',
                            'rsync'} | _AFTER_FIRST
# git's options that take the next word as their value.
_GIT_VALUE_OPTS = ('-C', '-c', '--git-dir', '--work-tree', '--namespace',
                   '--exec-path', '--config-env', '--super-prefix')
_GIT_ENV = {'GIT_DIR': GIT_DIR, 'GIT_COMMON_DIR': GIT_DIR,
            'GIT_WORK_TREE': WORK_TREE, 'GIT_INDEX_FILE': WRITE}
_DECLARE = frozenset(('export', 'declare', 'typeset', 'local', 'readonly'))
_STDIN = '{stdin}'
# Commands whose output lists files (xargs input, $(...) in a for loop).
_LISTERS = frozenset(('find', 'git', 'grep', 'rg'))
# Wrapper options that move the command's folder.
_CHDIR = frozenset((('env', '-C'), ('env', '--chdir'), ('sudo', '-D'),
                    ('sudo', '--chdir')))
_MAX_NEST = 8


class Link(Word):
    """The name ``ln`` makes; ``target`` as written, ``hard`` or
    symbolic."""

    __slots__ = ('target', 'hard')

    def __init__(self, name: Word, target: Word, hard: bool) -> None:
        super().__init__(name.text, name.dynamic or target.dynamic, False)
        self.target = target
        self.hard = hard


def _basename(path: str) -> str:
    """``posixpath.basename`` (the agent hook imports no ``os``)."""
    return path.rsplit('/', 1)[-1]


def is_assignment(t: str) -> bool:
    head, eq, _ = t.partition('=')
    return bool(eq and head) and (head[0].isalpha() or head[0] == '_') and \
        all(c.isalnum() or c == '_' for c in head)


def effects(cmd: Command) -> list[Effect]:
    """What the simple command ``cmd`` does, in order (see the module)."""
    out: list[Effect] = [(WRITE, _written(target), f'redirection {op}')
                         for op, target in cmd.redirs
                         if op in _WRITE_REDIRS and target is not None]
    words = cmd.words
    i = 0
    while i < len(words) and is_assignment(words[i].text):
        i += 1
    out += _file_text(cmd, words[i:])
    if i == len(words):   # shell variables
        return out + [(ASSIGN, w, 'assignment') for w in words]
    out += _git_env(words[:i])
    return out + _command(words[i:], cmd, 0)


def _file_text(cmd: Command, words: list[Word]) -> list[Effect]:
    """``FILE_TEXT`` for each file the command writes with text the line
    holds (``cat > f <<EOF``, ``echo ... >> f``, ``printf``, ``tee f``):
    the word is the file, its ``body`` the text, ``what`` the operator."""
    if not words or any(w.dynamic for w in words):
        return []
    name = words[0].text
    args = [w.text for w in words[1:]]
    text = _written_text(cmd, name, args)
    if text is None:
        return []
    targets = [(op, t) for op, t in cmd.redirs
               if op in ('>', '>>', '>|') and t is not None and
               not t.dynamic]
    if name == 'tee':
        targets += [('>>' if '-a' in args else '>', Word(a))
                    for a in args if not a.startswith('-')]
    out: list[Effect] = []
    for op, target in targets:
        word = Word(target.text, target.dynamic)
        word.body = text
        out.append((FILE_TEXT, word, op))
    return out


def _written_text(cmd: Command, name: str, args: list[str]) -> str | None:
    """The text ``cat``/``tee`` (from the line's standard input),
    ``echo`` or ``printf`` writes out; ``None`` when unknown."""
    if name in ('cat', 'tee') and not [a for a in args if a.startswith('-')
                                       and a not in ('-', '-a')]:
        stdin = _stdin_text(cmd)
        return stdin.text if stdin is not None and not stdin.dynamic \
            else None
    if name == 'echo':
        return ' '.join(a for a in args if a not in ('-e', '-E', '-n')) + \
            ('' if '-n' in args else '\n')
    if name == 'printf' and args:
        return ''.join(args)
    return None


def _git_env(assigns: list[Word]) -> list[Effect]:
    out: list[Effect] = []
    for w in assigns:
        name, _, value = w.text.partition('=')
        if name in _GIT_ENV:
            out.append((_GIT_ENV[name], _written(_sub(w, value)),
                        f'{name}='))
    return out


def _command(words: list[Word], cmd: Command, nest: int) -> list[Effect]:
    """The effects of the command ``words`` (a name and its arguments)."""
    head = words[0]
    if head.dynamic:
        return [(UNKNOWN, head, 'a command named by a variable')]
    name = _basename(head.text)
    args = words[1:]
    if nest > _MAX_NEST:
        return [(UNKNOWN, head, 'a command nested this deep')]
    if name in _WRAPPERS:
        return _wrapper(name, args, cmd, nest)
    shell = _shell_command(name, args, cmd)
    if shell is not None:
        return shell
    if '/' in head.text:   # ./run.sh, bin/tool: a program from a file
        return [(RUN, head, 'exec')] + _command([Word(name)] + args, cmd,
                                                nest + 1)
    if name in _DECLARE:
        assigns = [w for w in args if is_assignment(w.text)]
        return _git_env(assigns) + [(ASSIGN, w, name) for w in assigns]
    if name == 'xargs':
        return _xargs(args, cmd, nest)
    if name == 'find':
        return _find(args, cmd, nest)
    code = _code_command(name, args, cmd)
    if code is not None:
        return code
    return _file_command(name, args)


def _shell_command(name: str, args: list[Word], cmd: Command
                   ) -> list[Effect] | None:
    """The effects of a command that moves or feeds the shell (``cd``,
    ``git``, a nested shell, ``eval``, ``source``);
    ``None`` for any other."""
    if name in ('cd', 'pushd'):
        return [(CD, _cd_dest(args), 'cd')]
    if name == 'git':
        return _git(args)
    if name in _SHELLS:
        return _shell(args, cmd)
    if name == 'eval':
        return _eval(args)
    if name in ('source', '.'):
        return [(SOURCE, args[0], name), (RUN, args[0], 'sh')] if args \
            else []
    return None


def _code_command(name: str, args: list[Word], cmd: Command
                  ) -> list[Effect] | None:
    """The effects of an interpreter of inline code (python, perl, node,
    awk...); ``None`` for any other command."""
    if name.startswith(_PYTHONS):
        return _python(name, args, cmd)
    if name in _CODE_OPTS:
        return _interpreter(name, args, cmd)
    if name in ('awk', 'gawk', 'mawk', 'nawk'):
        return _awk(name, args)
    return None


def _file_command(name: str, args: list[Word]) -> list[Effect]:
    """The files a file tool (``dd``, ``ln``, ``tar``, ``rm``, ``cp``,
    ``curl -o``...) writes."""
    if name == 'dd':
        return [(WRITE, _written(_sub(w, w.text[3:])), 'dd of=')
                for w in args if w.text.startswith('of=')]
    if name == 'ln':
        return _ln(args)
    if name == 'tar':
        return _tar(args)
    out = [(WRITE, _written(w), name) for w in _write_operands(name, args)]
    if name in _OUTPUT_OPTS:
        out += [(WRITE, _written(w), f'{name} {opt}')
                for opt, w in _option_values(args, _OUTPUT_OPTS[name])]
    return out


def _written(word: Word) -> Word:
    """A written word; a glob cut back to the folder it expands in."""
    if word.dynamic or not word.glob:
        return word
    text = word.text
    cut = min(i for i, c in enumerate(text) if c in '*?[')
    return _sub(word, text[:text.rfind('/', 0, cut) + 1] or '.')


def _sub(word: Word | None, text: str) -> Word:
    return Word(text, word.dynamic if word is not None else False,
                word.glob if word is not None else False)


def _option_values(args: list[Word], opts: frozenset[str]
                   ) -> list[tuple[str, Word]]:
    """``(option, value)`` of every option of ``opts`` in ``args``:
    ``-o v``, ``--out=v``, ``-ov``."""
    out: list[tuple[str, Word]] = []
    for i, w in enumerate(args):
        t = w.text
        opt, eq, val = t.partition('=')
        if t in opts and i + 1 < len(args):
            out.append((t, args[i + 1]))
        elif eq and opt in opts and opt.startswith('--'):
            out.append((opt, _sub(w, val)))
        elif len(t) > 2 and t[:2] in opts and not t.startswith('--'):
            out.append((t[:2], _sub(w, t[2:])))
    return out


def _skip_options(args: list[Word], takes: frozenset[str]) -> int:
    """The index of the first word after the options in ``args``."""
    i = 0
    while i < len(args):
        t = args[i].text
        if t == '--':
            return i + 1
        if not t.startswith('-') or t == '-':
            return i
        i += 2 if t in takes else 1
    return i


def _within(dest: Word | None, word: Word) -> Word:
    """``word``, a path relative to the folder ``dest`` (``env -C``)."""
    if dest is None or word.text.startswith(('/', '~')):
        return word
    return Word(f'{dest.text.rstrip("/")}/{word.text}',
                dest.dynamic or word.dynamic, word.glob)


def _wrapper(name: str, args: list[Word], cmd: Command,
             nest: int) -> list[Effect]:
    """A wrapper (``env``, ``sudo``, ``nice``, ``flock``, ``coproc``...)
    and the command it runs, moved to its ``-C``/``-D`` folder."""
    takes = _WRAPPERS[name]
    i = _skip_options(args, takes)
    opts = args[:i]
    texts = [w.text for w in opts]
    values = _option_values(opts, takes)
    moved = [(o, v) for o, v in values if (name, o) in _CHDIR]
    out = _wrapper_options(name, values)
    if name == 'env':
        while i < len(args) and is_assignment(args[i].text):
            i += 1
        out += _git_env(args[_skip_options(args, takes):i])
    if _runs_nothing(name, texts):
        return out
    if name in _ONE_POSITIONAL and i < len(args):
        if name == 'flock' and not args[i].text.isdigit():
            out.append((WRITE, args[i], 'flock'))
        i += 1
    rest = args[i:]
    if name == 'coproc':
        rest, script = _coproc(rest)
        if script is not None:
            return [script]
    if not rest:
        return out
    inner = _command(rest, cmd, nest + 1)
    if moved:
        opt, chdir = moved[-1]
        out.append((CHDIR, chdir, f'{name} {opt} {chdir.text}'))
        inner = [(k, w if k in (SWITCH, ASSIGN, UNKNOWN, SCRIPT, LINK, CD)
                  else _within(chdir, w), what) for k, w, what in inner]
    return out + inner


def _wrapper_options(name: str, values: list[tuple[str, Word]]
                     ) -> list[Effect]:
    """What a wrapper's own options do: run a script (``env -S``,
    ``flock -c``), write a file (``time -o``)."""
    out: list[Effect] = []
    for o, v in values:
        if (name, o) in (('env', '-S'), ('env', '--split-string'),
                         ('flock', '-c'), ('flock', '--command')):
            out.append((SCRIPT, v, f'{name} {o}'))
        elif name == 'time' and o in ('-o', '--output'):
            out.append((WRITE, v, 'time -o'))
    return out


def _runs_nothing(name: str, texts: list[str]) -> bool:
    """The wrapper's options make it describe, not run, what follows
    (``command -v``, ``chrt -p``)."""
    if name in ('command', 'builtin'):
        return '-v' in texts or '-V' in texts
    if name in ('ionice', 'chrt'):
        return any(t in ('-p', '--pid') for t in texts)
    return False


def _coproc(rest: list[Word]) -> tuple[list[Word], Effect | None]:
    """``coproc [NAME] { ...; }`` / ``( ... )``: (the words of the command
    it runs, or the script in parentheses)."""
    if len(rest) > 1 and rest[1].text in ('{', '(') and \
            is_assignment(rest[0].text + '='):
        rest = rest[1:]
    if rest and rest[0].text == '{':
        return rest[1:], None
    if rest and rest[0].text.startswith('('):
        return rest, (SCRIPT, _sub(rest[0], rest[0].text.strip('()')),
                      'coproc')
    return rest, None


def _cd_dest(args: list[Word]) -> Word:
    operands = [w for w in args if not w.text.startswith('-')
                or w.text == '-']
    if not operands:
        return _sub(None, '~')
    dest = operands[0]
    if dest.text == '-':   # $OLDPWD: known only at run time
        return Word('-', True, dest.glob)
    return dest


def _stdin_text(cmd: Command) -> Word | None:
    """The text a command reads on standard input when the command line
    holds it (a here-document, a here-string); ``None`` when it comes from
    elsewhere (a pipe, a file, the terminal)."""
    for op, target in cmd.redirs:
        if op == '<<<' and target is not None:
            return Word(target.text, target.dynamic)
        if op in ('<<', '<<-') and target is not None and \
                target.body is not None:
            return Word(target.body)
    return None


def _shell(args: list[Word], cmd: Command) -> list[Effect]:
    for i, w in enumerate(args[:-1]):
        if w.text == '-c' or (w.text.startswith('-') and
                              w.text.endswith('c') and
                              not w.text.startswith('--')):
            return [(SCRIPT, args[i + 1], 'the script')]
    i = _skip_options(args, frozenset(('-o', '+o', '--rcfile',
                                       '--init-file')))
    if i < len(args) and '-s' not in [w.text for w in args[:i]]:
        return [(RUN, args[i], 'sh')]   # a script file
    stdin = _stdin_text(cmd)
    if stdin is not None:
        return [(SCRIPT, stdin, 'the script on standard input')]
    if cmd.pipe_in is not None:
        return [(UNKNOWN, Word('|'), 'a script piped into the shell')]
    return []


def _eval(args: list[Word]) -> list[Effect]:
    if not args:
        return []
    text = ' '.join(w.text for w in args)
    return [(SCRIPT, Word(text, any(w.dynamic for w in args)), 'eval')]


def _python(name: str, args: list[Word], cmd: Command) -> list[Effect]:
    tail = name[len('python'):] if name.startswith('python') else \
        name[len('pypy'):]
    if tail and not all(c.isdigit() or c == '.' for c in tail):
        return []   # python-config, pythonw...
    what = f'{name} -c'
    i = 0
    while i < len(args):
        t = args[i].text
        if t == '-c' and i + 1 < len(args):
            return _code(args[i + 1], what)
        if t.startswith('-c') and len(t) > 2:
            return _code(_sub(args[i], t[2:]), what)
        if t in ('-W', '-X', '--check-hash-based-pycs'):
            i += 2
            continue
        if t == '-m' or (t.startswith('-') and t != '-'):
            if t.startswith('-m'):
                return []   # a module: a program like any other
            i += 1
            continue
        if t != '-':
            return [(RUN, args[i], 'python')]   # a script file
        break
    return _stdin_code(cmd, name)


def _stdin_code(cmd: Command, name: str) -> list[Effect]:
    """Code the interpreter reads on standard input: judged when the line
    holds it, unknown from a pipe; a file (``< f``) is a script."""
    stdin = _stdin_text(cmd)
    if stdin is not None:
        return _code(stdin, f'{name} code on standard input')
    if cmd.pipe_in is not None:
        return [(UNKNOWN, Word('|', True), f'{name} code from a pipe')]
    return []


def _interpreter(name: str, args: list[Word], cmd: Command
                 ) -> list[Effect]:
    opts = _CODE_OPTS[name]
    out: list[Effect] = []
    inplace = False
    codes = 0
    i = 0
    while i < len(args):
        t = args[i].text
        if t in opts and i + 1 < len(args):
            out += _code(args[i + 1], f'{name} {t}')
            codes += 1
            i += 2
            continue
        if t.startswith('-') and not t.startswith('--') and len(t) > 1:
            cluster = t[1:]
            inplace |= 'i' in cluster and name in ('perl', 'ruby')
            for j, c in enumerate(cluster):
                if f'-{c}' in opts:
                    code = cluster[j + 1:]
                    if code:
                        out += _code(_sub(args[i], code), f'{name} -{c}')
                    elif i + 1 < len(args):
                        out += _code(args[i + 1], f'{name} -{c}')
                        i += 1
                    codes += 1
                    break
            i += 1
            continue
        if t == '-' and codes == 0:
            return _stdin_code(cmd, name)
        break
    if codes == 0:
        return [(RUN, args[i], name)] if i < len(args) else \
            _stdin_code(cmd, name)
    if inplace:
        out += [(WRITE, _written(w), f'{name} -i') for w in args[i:]]
    return out


def _awk(name: str, args: list[Word]) -> list[Effect]:
    i = 0
    inplace = False
    while i < len(args):
        t = args[i].text
        if t in ('-f', '--file'):
            return []   # a program file
        if t in ('-i', '--include') and i + 1 < len(args):
            inplace |= args[i + 1].text == 'inplace'
            i += 2
        elif t in ('-v', '-F', '--assign', '--field-separator'):
            i += 2
        elif t.startswith('-') and t != '-':
            i += 1
        else:
            break
    if i >= len(args):
        return []
    code = args[i]
    out: list[Effect] = []
    if code.dynamic or any(r in code.text for r in _AWK_RISKY):
        out.append((UNKNOWN, code, f'{name} program'))
    if inplace:
        out += [(WRITE, _written(w), f'{name} -i inplace')
                for w in args[i + 1:] if not is_assignment(w.text)]
    return out


_AWK_RISKY = ('system', '| "', '|"', '|&', '> "', '>"', '>>', 'inplace')


def code(text: str, what: str) -> list[Effect]:
    """Inline code written to a file earlier in the line and run: like
    ``python -c``'s."""
    return _code(Word(text), what)


def _code(code: Word, what: str) -> list[Effect]:
    """Inline code: ``UNKNOWN`` unless harmless; its path strings."""
    if code.dynamic:
        return [(UNKNOWN, code, what)]
    text = _read_opens(code.text)
    names = set(''.join(c if c.isalnum() or c == '_' else ' '
                        for c in text).split())
    if names & _RISKY or any(r in text for r in _RISKY_TEXT):
        return [(UNKNOWN, code, what)]
    return [(CODE_PATH, Word(p), what) for p in _path_strings(text)]


def _read_opens(text: str) -> str:
    """``text`` with each ``open(...)`` call that only reads renamed
    ``read(...)``: a single argument, or a second one that is a quoted mode
    of ``r``, ``b`` and ``t`` alone."""
    out: list[str] = []
    i = 0
    while True:
        j = text.find('open(', i)
        if j < 0:
            return ''.join(out) + text[i:]
        end = text.find(')', j)
        args = text[j + 5:] if end < 0 else text[j + 5:end]
        _, comma, mode = args.partition(',')
        mode = mode.strip()
        reads = '(' not in args and (not comma or (
            ',' not in mode and len(mode) >= 2 and mode[0] == mode[-1] and
            mode[0] in '\'"' and set(mode[1:-1]) <= set('rbt')))
        out.append(text[i:j] + ('read(' if reads else 'open('))
        i = j + 5


def _path_strings(text: str) -> list[str]:
    """Quoted strings in code that look like paths: absolute, ``~/``, or
    climbing with ``..``."""
    out: list[str] = []
    for q in ('"', "'"):
        parts = text.split(q)
        for s in parts[1:-1:2]:
            if s.startswith(('/', '~/')) or s == '..' or \
                    s.startswith('../') or '/../' in s:
                out.append(s)
    return out


def _ln(args: list[Word]) -> list[Effect]:
    operands, targets = _operands('ln', args)
    hard = not any(w.text in ('-s', '--symbolic') or (
        w.text.startswith('-') and not w.text.startswith('--') and
        's' in w.text) for w in args)
    links: list[tuple[Word, Word]] = []
    if targets:
        links = [(_sub(targets[0], f'{targets[0].text.rstrip("/")}/'
                       f'{_basename(t.text)}'), t) for t in operands]
    elif len(operands) == 1:
        links = [(_sub(operands[0], _basename(operands[0].text)),
                  operands[0])]
    elif len(operands) == 2:
        links = [(operands[1], operands[0])]
    else:
        d = operands[-1] if operands else None
        links = [(_sub(d, f'{d.text.rstrip("/")}/{_basename(t.text)}'), t)
                 for t in operands[:-1]] if d is not None else []
    out: list[Effect] = [(WRITE, _written(name), 'ln')
                         for name, _ in links]
    out += [(LINK, Link(name, target, hard), 'ln') for name, target in links]
    return out


def _tar(args: list[Word]) -> list[Effect]:
    """Extracting writes the ``-C`` folder; creating, the archive."""
    if not args:
        return []
    first = args[0].text
    mode = first.lstrip('-') if first.lstrip('-').isalpha() and \
        not first.startswith('--') else ''
    texts = [w.text for w in args]
    extract = 'x' in mode or any(t in ('--extract', '--get') or (
        t.startswith('-') and not t.startswith('--') and 'x' in t)
        for t in texts)
    if extract:
        dirs = _option_values(args, frozenset(('-C', '--directory')))
        return [(WRITE, _written(w), 'tar -C') for _, w in dirs]
    return [(WRITE, _written(w), 'tar -f') for w in _tar_files(args, mode)
            if w.text != '-']


def _tar_files(args: list[Word], mode: str) -> list[Word]:
    """The archives ``tar`` names: ``--file``, ``-f x``, ``cf x``."""
    files = [v for _, v in _option_values(args, frozenset(('--file',)))]
    if 'f' in mode and len(args) > 1:
        files.append(args[1])
    for i, w in enumerate(args[1:-1], 1):
        t = w.text
        if t.startswith('-') and not t.startswith('--') and t.endswith('f'):
            files.append(args[i + 1])
    return files


def _find(args: list[Word], cmd: Command, nest: int) -> list[Effect]:
    i = 0
    while i < len(args) and not args[i].text.startswith(('-', '(', '!')):
        i += 1
    roots = args[:i] or [Word('.')]
    out: list[Effect] = []
    while i < len(args):
        t = args[i].text
        if t == '-delete':
            out += [(WRITE, _written(r), 'find -delete') for r in roots]
        elif t in ('-fprint', '-fprint0', '-fls', '-fprintf') and \
                i + 1 < len(args):
            out.append((WRITE, args[i + 1], f'find {t}'))
            i += 1
        elif t in ('-exec', '-execdir', '-ok', '-okdir'):
            j = i + 1
            while j < len(args) and args[j].text not in (';', '+'):
                j += 1
            inner = args[i + 1:j]
            if inner:
                for root in roots:
                    words = [_sub(root, w.text.replace('{}', root.text))
                             if '{}' in w.text else w for w in inner]
                    out += _command(words, Command(), nest + 1)
            i = j
        i += 1
    return out


def _xargs(args: list[Word], cmd: Command, nest: int) -> list[Effect]:
    takes = frozenset(('-I', '-n', '-L', '-P', '-d', '-E', '-s', '-a',
                       '--max-args', '--max-lines', '--max-procs',
                       '--delimiter', '--eof', '--max-chars', '--arg-file',
                       '--process-slot-var'))
    i = _skip_options(args, takes)
    opts = args[:i]
    replace = next((v.text for o, v in _option_values(
        opts, frozenset(('-I', '--replace'))) if o), None)
    if replace is None and any(w.text == '-i' for w in opts):
        replace = '{}'
    inner = args[i:] or [Word('echo')]
    from_file = any(o for o, _ in _option_values(
        opts, frozenset(('-a', '--arg-file'))))
    items = [Word(_STDIN, True)] if from_file else _piped_words(cmd.pipe_in)
    out: list[Effect] = []
    for item in items:
        if replace is not None:
            words = [_sub(item, w.text.replace(replace, item.text))
                     if replace in w.text else w for w in inner]
        else:
            words = inner + [item]
        out += _command(words, Command(), nest + 1)
    return out


def _piped_words(source: Command | None) -> list[Word]:
    """The words a command's output holds, when the line tells: literal
    ``echo``/``printf`` words, ``find``'s roots, ``.`` for ``git
    ls-files``, ``git diff --name-only``, ``grep -l``; else one dynamic
    word."""
    unknown = [Word(_STDIN, True)]
    if source is None or not source.words:
        return unknown
    name = _basename(source.words[0].text)
    args = source.words[1:]
    if any(w.dynamic for w in args):
        return unknown
    lister = _LISTED.get(name)
    listed = lister(name, args) if lister is not None else None
    return unknown if listed is None else listed


def _echoed(name: str, args: list[Word]) -> list[Word]:
    items = args[1:] if name == 'printf' else \
        [w for w in args if w.text not in ('-n', '-e', '-E')]
    return [Word(t, False, w.glob) for w in items for t in w.text.split()]


def _found_roots(name: str, args: list[Word]) -> list[Word]:
    i = 0
    while i < len(args) and not args[i].text.startswith(('-', '(', '!')):
        i += 1
    return args[:i] or [Word('.')]


def _git_listed(name: str, args: list[Word]) -> list[Word] | None:
    texts = [w.text for w in args]
    if texts[:1] in (['ls-files'], ['grep']) or \
            (texts[:1] == ['diff'] and '--name-only' in texts):
        return [Word('.')]
    return None


def _grep_listed(name: str, args: list[Word]) -> list[Word] | None:
    texts = [w.text for w in args]
    if not any(t in ('-l', '-rl', '-lr', '-Rl', '--files-with-matches')
               for t in texts):
        return None
    operands, _ = _operands(name, args)
    explicit = any(t in ('-e', '-f', '--regexp', '--file') or
                   t.startswith(('--regexp=', '--file=')) for t in texts)
    return (operands if explicit else operands[1:]) or [Word('.')]


# The words a command lists on its output, by its name: ``(name, args)``
# -> the words, or ``None`` when they cannot be told.
_LISTED = {'echo': _echoed, 'printf': _echoed, 'find': _found_roots,
           'git': _git_listed, 'grep': _grep_listed, 'rg': _grep_listed}


def _git(args: list[Word]) -> list[Effect]:
    """``git``'s own options (``-C``, ``--git-dir``, ``--work-tree``),
    then what its subcommand writes."""
    out, i = _git_options(args)
    rest = args[i:]
    if not rest:
        return out
    sub = rest[0]
    if _switches_branch(sub.text, [w.text for w in rest[1:]]):
        return out + [(SWITCH, sub, f'git {sub.text}')]
    how = _GIT_WRITES.get(sub.text)
    return out + (how(sub.text, rest[1:]) if how is not None else [])


def _git_options(args: list[Word]) -> tuple[list[Effect], int]:
    """(the folders git's options point it at, the index of the
    subcommand)."""
    out: list[Effect] = []
    i = 0
    while i < len(args):
        w = args[i]
        t = w.text
        if t in _GIT_VALUE_OPTS and i + 1 < len(args):
            value = args[i + 1]
            i += 2
        elif t.startswith(('--git-dir=', '--work-tree=')):
            t, _, glued = t.partition('=')
            value = _sub(w, glued)
            i += 1
        elif t.startswith('-'):
            i += 1
            continue
        else:
            break
        if t in (GIT_C, GIT_DIR, WORK_TREE):
            out.append((t, value, f'git {t}'))
    return out, i


def _no_option(words: list[Word]) -> list[Word]:
    return [w for w in words if not w.text.startswith('-')]


def _git_worktree(sub: str, args: list[Word]) -> list[Effect]:
    """``git worktree remove``/``add``/``move``."""
    action = args[0].text if args else ''
    if action == 'remove':
        return [(REMOVE, w, 'git worktree remove')
                for w in _no_option(args[1:])]
    if action == 'add':
        add = args[1:]
        j = _skip_options(add, frozenset(('-b', '-B', '--reason')))
        return [(WRITE, w, 'git worktree add') for w in add[j:j + 1]]
    if action == 'move':
        return [(WRITE, w, 'git worktree move')
                for w in _no_option(args[1:])]
    return []


def _git_submodule(sub: str, args: list[Word]) -> list[Effect]:
    operands = _no_option(args)
    if args[:1] and args[0].text == 'add' and len(operands) > 2:
        return [(WRITE, operands[-1], 'git submodule add')]
    return []


def _git_clean(sub: str, args: list[Word]) -> list[Effect]:
    if {'-n', '--dry-run'} & {w.text for w in args}:
        return []
    return [(WRITE, w, 'git clean') for w in _no_option(args)]


def _git_new_repo(sub: str, args: list[Word]) -> list[Effect]:
    """``git init [dir]``, ``git clone <url> [dir]``."""
    operands = _no_option(args)
    if sub == 'init' or len(operands) > 1:
        return [(WRITE, operands[-1], f'git {sub}')] if operands else []
    return []


def _git_output(sub: str, args: list[Word]) -> list[Effect]:
    """``-o``/``--output``/``--output-directory`` of ``archive``,
    ``format-patch``, ``diff``."""
    opts = frozenset(('-o', '--output', '--output-directory'))
    return [(WRITE, v, f'git {sub} {o}')
            for o, v in _option_values(args, opts)]


def _git_config(args: list[Word]) -> list[Effect]:
    texts = [w.text for w in args]
    files = _option_values(args, frozenset(('-f', '--file')))
    positional = []
    i = 0
    while i < len(args):
        t = texts[i]
        if t in ('-f', '--file', '--blob', '--type', '--default',
                 '--comment'):
            i += 2
            continue
        if not t.startswith('-'):
            positional.append(args[i])
        i += 1
    sub = positional[0].text if positional else ''
    writes = sub in ('set', 'unset', 'rename-section', 'remove-section',
                     'edit') or bool(set(texts) & _CONFIG_WRITES) or (
        sub not in ('get', 'list') and len(positional) >= 2 and
        not set(texts) & _CONFIG_READS)
    if not writes:
        return []
    if files:
        return [(WRITE, v, 'git config --file') for _, v in files]
    if set(texts) & {'--global', '--system', '--worktree', '--blob'}:
        return []
    if not positional:
        return [(GIT_CONFIG, Word('--edit'), 'git config')]
    key = positional[0] if sub not in ('set', 'unset') else \
        (positional[1:] or positional)[0]
    return [(GIT_CONFIG, key, f'git config {key.text}')]


# What each git subcommand writes: ``how(subcommand, its arguments)``.
_GIT_WRITES = {
    'worktree': _git_worktree, 'submodule': _git_submodule,
    'clean': _git_clean, 'config': lambda sub, args: _git_config(args),
    'clone': _git_new_repo, 'init': _git_new_repo,
    'archive': _git_output, 'format-patch': _git_output,
    'diff': _git_output,
}


def _strip_wrappers(words: list[Word]) -> list[Word]:
    """The command's own words: leading assignments (``X=1 cmd``) and
    wrappers (``sudo``, ``env``, ``exec``...) with their options gone
    (``git_reads_only``'s view; ``effects`` reads wrappers' option values
    too)."""
    i = 0
    while i < len(words):
        t = words[i].text
        if is_assignment(t):
            i += 1
        elif _basename(t) in _WRAPPERS:
            i += 1
            while i < len(words) and words[i].text.startswith('-'):
                i += 1
        else:
            break
    return words[i:]


def _operands(name: str, args: list[Word]) -> tuple[list[Word], list[Word]]:
    """(operands, values of -t/--target-directory) of a command."""
    takes = _VALUE_OPTS.get(name, frozenset())
    operands: list[Word] = []
    targets: list[Word] = []
    i = 0
    while i < len(args):
        w = args[i]
        t = w.text
        if t == '--':
            operands += args[i + 1:]
            break
        opt, eq, val = t.partition('=')
        if t.startswith('-') and len(t) > 1:
            if opt in ('-t', '--target-directory'):
                if eq:
                    targets.append(_sub(w, val))
                elif i + 1 < len(args):
                    targets.append(args[i + 1])
                    i += 1
            elif t in takes:
                i += 1
        else:
            operands.append(w)
        i += 1
    return operands, targets


def _write_operands(name: str, args: list[Word]) -> list[Word]:
    """The operands a command writes (creates, changes or removes)."""
    if name in ('cp', 'mv', 'install', 'rsync') or name in _ALL_OPERANDS:
        operands, targets = _operands(name, args)
        if name in _ALL_OPERANDS or name == 'mv':
            return operands + targets   # mv also removes its sources
        if targets:
            return targets
        return operands[-1:] if len(operands) > 1 else []
    if name in _AFTER_FIRST:
        operands, _ = _operands(name, args)
        if any(w.text.startswith('--reference') for w in args):
            return operands
        return operands[1:]
    if name == 'patch':
        operands, _ = _operands(name, args)
        return operands[:1]
    if name == 'sed':
        return _sed_files(args)
    return []


def _sed_files(args: list[Word]) -> list[Word]:
    """The files ``sed -i`` edits in place (none without ``-i``)."""
    if not any(w.text.startswith('-i') or w.text.startswith('--in-place')
               or (w.text.startswith('-') and not w.text.startswith('--')
                   and 'i' in w.text) for w in args):
        return []
    operands, _ = _operands('sed', args)
    has_script = any(w.text in ('-e', '--expression', '-f', '--file')
                     or w.text.startswith(('--expression=', '--file='))
                     for w in args)
    return operands if has_script else operands[1:]


def _switches_branch(sub: str, args: list[str]) -> bool:
    if sub == 'switch':
        return True
    if sub == 'checkout':
        if any(a in ('-b', '-B', '--orphan') for a in args):
            return True
        # `git checkout -- f`, `git checkout .`, `-p`: files, not HEAD.
        return '--' not in args and '.' not in args and \
            not any(a in ('-p', '--patch') for a in args) and \
            any(not a.startswith('-') for a in args)
    if sub == 'reset':
        return '--hard' in args
    return False


# -- read-only git commands (issue 22) ---------------------------------------------

# git subcommands that only read, whatever their arguments (an output file,
# `--output`, is checked apart).  `git -C <other checkout>` with one of
# these is a read, judged as reads are (agents.read-outside), not as a
# write.  Anything not listed here, or listed below with arguments that
# write, is judged as a command that may write.
GIT_READ_ONLY = frozenset((
    'status', 'log', 'diff', 'show', 'rev-parse', 'ls-files', 'ls-tree',
    'blame', 'annotate', 'grep', 'cat-file', 'rev-list', 'describe',
    'shortlog', 'whatchanged', 'for-each-ref', 'show-ref', 'merge-base',
    'name-rev', 'cherry', 'diff-tree', 'diff-index', 'diff-files',
    'count-objects', 'var', 'help', 'version', 'check-ignore', 'check-attr',
    'check-ref-format', 'check-mailmap', 'range-diff', 'show-branch',
    'verify-commit', 'verify-tag', 'ls-remote'))
# Subcommands that read with some arguments only: their reading forms.
_BRANCH_WRITES = frozenset((
    '-d', '-D', '--delete', '-m', '-M', '--move', '-c', '-C', '--copy',
    '-f', '--force', '-u', '--set-upstream-to', '--unset-upstream',
    '--edit-description', '-t', '--track', '--no-track', '--create-reflog'))
_BRANCH_VALUES = frozenset(('--contains', '--no-contains', '--merged',
                            '--no-merged', '--points-at', '--sort',
                            '--format'))
_TAG_WRITES = frozenset(('-d', '--delete', '-a', '--annotate', '-s',
                         '--sign', '-u', '--local-user', '-f', '--force',
                         '-m', '--message', '-F', '--file', '-e',
                         '--edit', '--create-reflog'))
_CONFIG_READS = frozenset(('--get', '--get-all', '--get-regexp',
                           '--get-urlmatch', '--get-color',
                           '--get-colorbool', '-l', '--list'))
_CONFIG_WRITES = frozenset(('--add', '--unset', '--unset-all',
                            '--replace-all', '--rename-section',
                            '--remove-section', '-e', '--edit'))
_SUB_READS = {'stash': ('list', 'show'), 'worktree': ('list',),
              'notes': ('list', 'show'), 'reflog': ('show', 'exists'),
              'remote': ('show', 'get-url'), 'submodule': ('status',),
              'config': ('get', 'list')}


def git_reads_only(cmd: 'Command') -> bool:
    """``cmd`` is a git command that only reads (``GIT_READ_ONLY`` and
    the reading forms of ``branch``, ``tag``, ``config``, ``stash``,
    ``worktree``, ``notes``, ``reflog``, ``remote``, ``submodule``,
    ``symbolic-ref``); an output file (``--output``) or a redirection
    is judged on its own as a write."""
    words = _strip_wrappers(cmd.words)
    if not words or _basename(words[0].text) != 'git':
        return False
    args = [w.text for w in words[1:]]
    i = 0
    while i < len(args) and args[i].startswith('-'):
        i += 2 if args[i] in _GIT_VALUE_OPTS else 1
    if i >= len(args):
        return True   # `git`, `git --version`
    sub, rest = args[i], args[i + 1:]
    if any(a.startswith('--output') for a in rest):
        return False
    if sub in GIT_READ_ONLY:
        return True
    options = [a for a in rest if a.startswith('-')]
    operands = _git_operands(sub, rest)
    reads = _GIT_READS.get(sub)
    if reads is not None:
        return reads(options, operands)
    if sub == 'config' and operands[:1] not in (['get'], ['list']):
        return _config_reads(options, operands)
    if not operands:   # `git reflog`, `git remote [-v]` list; `git stash`
        return sub == 'reflog' or (sub == 'remote' and
                                   options in ([], ['-v'], ['--verbose']))
    return operands[0] in _SUB_READS.get(sub, ())


def _branch_reads(options: list[str], operands: list[str]) -> bool:
    if any(o.partition('=')[0] in _BRANCH_WRITES for o in options):
        return False
    return not operands or bool({'-l', '--list', '--show-current'}
                                & set(options))


def _tag_reads(options: list[str], operands: list[str]) -> bool:
    if any(o.partition('=')[0] in _TAG_WRITES for o in options):
        return False
    return not operands or bool({'-l', '--list', '-v', '--verify'}
                                & set(options))


def _symbolic_ref_reads(options: list[str], operands: list[str]) -> bool:
    return len(operands) == 1 and not {'-d', '--delete'} & set(options)


def _config_reads(options: list[str], operands: list[str]) -> bool:
    """``git config`` in its old form (``--get``, ``key``, ``key value``)."""
    if any(o in _CONFIG_WRITES for o in options):
        return False
    return bool(_CONFIG_READS & set(options)) or len(operands) == 1


# Subcommands that read with some arguments only: (options, operands) ->
# whether this form reads.
_GIT_READS = {'branch': _branch_reads, 'tag': _tag_reads,
              'symbolic-ref': _symbolic_ref_reads}


def _git_operands(sub: str, rest: list[str]) -> list[str]:
    """The words of a git subcommand that are no option (nor an option's
    value, for ``branch``'s)."""
    out: list[str] = []
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == '--':
            out += rest[i + 1:]
            break
        if a.startswith('-'):
            if sub == 'branch' and a in _BRANCH_VALUES and \
                    i + 1 < len(rest) and not rest[i + 1].startswith('-'):
                i += 1
        else:
            out.append(a)
        i += 1
    return out


# -- variables -------------------------------------------------------------------

def expand(cmd: Command, known: dict[str, Word]) -> Command:
    """``cmd`` with the expansions in its words that ``known`` holds
    replaced: ``$NAME``/``${NAME}`` by name, ``$(pwd)`` as ``PWD``,
    ``$(mktemp ...)`` as ``mktemp``, ``$(git rev-parse --show-toplevel)``
    as ``toplevel``.  A word with any other expansion stays dynamic, and
    so does one whose value holds blanks or is empty (unquoted, the shell
    would split it into other words), or any once ``IFS`` is set."""
    if not any(w.dynamic for w in cmd.words) and not any(
            t is not None and t.dynamic for _, t in cmd.redirs):
        return cmd
    out = Command()
    out.pipe_in = cmd.pipe_in
    out.words = [_expand(w, known) for w in cmd.words]
    out.redirs = [(op, _expand(t, known) if t is not None else None)
                  for op, t in cmd.redirs]
    return out


def _expand(word: Word, known: dict[str, Word]) -> Word:
    if not word.dynamic or 'IFS' in known:   # IFS set: splitting unknown
        return word
    text = word.text
    out: list[str] = []
    glob = word.glob
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c not in '$`':
            out.append(c)
            i += 1
            continue
        key, end = _expansion(text, i)
        value = key if isinstance(key, Word) else \
            known.get(key) if key else None
        if value is None or value.dynamic or \
                len(value.text.split()) != 1:   # split in words, or none
            return word
        out.append(value.text)
        glob |= value.glob
        i = end
    result = Word(''.join(out), False, glob)
    result.body = word.body
    return result


def _expansion(text: str, i: int) -> tuple[str | Word, int]:
    """(the name an expansion at ``text[i]`` reads, or '', its end)."""
    n = len(text)
    if text[i] == '`':
        end = text.find('`', i + 1)
        if end < 0:
            return '', n
        return _substitution(text[i + 1:end]), end + 1
    nxt = text[i + 1:i + 2]
    if nxt == '{':
        end = text.find('}', i)
        if end < 0:
            return '', n
        name = text[i + 2:end]
        return (name if is_assignment(name + '=') else ''), end + 1
    if nxt == '(':
        depth = 0
        for j in range(i + 1, n):
            depth += {'(': 1, ')': -1}.get(text[j], 0)
            if depth == 0:
                return _substitution(text[i + 2:j]), j + 1
        return '', n
    j = i + 1
    while j < n and (text[j].isalnum() or text[j] == '_'):
        j += 1
    name = text[i + 1:j]
    return (name if name and not name[0].isdigit() else ''), max(j, i + 1)


def _substitution(inner: str) -> str | Word:
    """The name ``expand`` looks up for ``$(inner)``, or the word it
    stands for when it lists files under one folder (``$(git ls-files)``,
    ``$(find src -name x)``, ``$(grep -rl x src)``: that folder)."""
    from worktree_guard.shell import ShellSyntaxError
    from worktree_guard.shell import parse
    try:
        cmds = parse(inner)
    except ShellSyntaxError:
        return ''
    if len(cmds) == 1 and not cmds[0].redirs:
        listed = _piped_words(cmds[0])
        if len(listed) == 1 and not listed[0].dynamic and \
                _basename(cmds[0].words[0].text) in _LISTERS:
            return listed[0]
    words = inner.split()
    if len(words) == 2 and words[0] in ('dirname', 'realpath') and \
            '$' not in words[1] and '`' not in words[1]:
        return _path_of(words[0], words[1].strip('"\''))
    if words == ['pwd']:
        return 'PWD'
    if words == ['git', 'rev-parse', '--show-toplevel']:
        return 'toplevel'
    if words[:1] == ['mktemp'] and all(_mktemp_arg(w) for w in words[1:]):
        return 'mktemp'
    return ''


def _path_of(command: str, path: str) -> Word:
    """``$(dirname path)``, ``$(realpath path)`` (left as written)."""
    if command == 'dirname':
        path = path.rstrip('/').rsplit('/', 1)[0] if '/' in \
            path.rstrip('/') else '.'
    return Word(path or '/')


def _mktemp_arg(word: str) -> bool:
    """A word of ``mktemp`` that keeps it making a temporary file: an
    option of these, or a template without a folder."""
    if word.startswith('-'):
        return word.lstrip('-') in ('d', 'q', 'u', 't', 'dry-run',
                                    'directory', 'quiet')
    return '/' not in word
