"""What one simple shell command does to files and to git, for the
agent-guard rule (rules/agent_guard.py), which judges it.

A Bash tool call is split into simple commands by worktree_guard/shell.py;
``effects`` reads one of them, as a shell and the commands it names would,
and lists what it would do, in order, as ``(kind, word, what)``:

- ``WRITE``: the word is written (created, changed or removed): write
  redirections, every operand of ``rm``/``touch``/``tee``..., the
  destination of ``cp``/``ln``/``install``, ``mv``'s sources and
  destination, ``sed -i``'s files, ``dd of=``.  A glob is cut back to the
  folder it would expand in (``../x/*.py`` -> ``../x/``);
- ``CD``: the shell moves to the word (``cd``, ``pushd``; ``~`` with no
  operand);
- ``GIT_C``, ``GIT_DIR``, ``WORK_TREE``: git is pointed at the word (``git
  -C``, ``--git-dir``, ``--work-tree``); each ``-C`` moves git's folder
  for what follows in the same command;
- ``SWITCH``: git switches the branch of its checkout (``git switch``,
  ``git checkout <branch>``, ``git reset --hard``); the word is the
  subcommand;
- ``REMOVE``: ``git worktree remove`` of the word;
- ``SCRIPT``: the word is a script run by a nested shell (``sh -c``).

``what`` names the command or operator for messages (``redirection >``,
``rm``, ``git -C``).  A word whose value the shell decides at run time
(``$VAR``, ``$(...)``, ``cd -``) is marked ``dynamic``; the rule warns
that it could not check it.  No policy, no checkouts, no path resolved
here: pure, like every rule module.
"""
from worktree_guard.shell import Word

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.shell import Command

# Effect kinds.
WRITE = 'write'
CD = 'cd'
GIT_C = '-C'
GIT_DIR = '--git-dir'
WORK_TREE = '--work-tree'
SWITCH = 'switch'
REMOVE = 'worktree remove'
SCRIPT = 'script'

_WRITE_REDIRS = frozenset(('>', '>>', '>|', '&>', '&>>', '<>'))
# Commands whose every operand is written (created, changed or removed).
_ALL_OPERANDS = frozenset(('rm', 'rmdir', 'touch', 'mkdir', 'truncate',
                           'unlink', 'shred', 'tee'))
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
    'sed': frozenset(('-e', '--expression', '-f', '--file', '-l',
                      '--line-length')),
}
_WRAPPERS = frozenset(('sudo', 'command', 'exec', 'nohup', 'time', 'env',
                       'nice', 'builtin'))
_SHELLS = frozenset(('sh', 'bash', 'zsh', 'dash', 'ksh'))
# git's options that take the next word as their value.
_GIT_VALUE_OPTS = ('-C', '-c', '--git-dir', '--work-tree', '--namespace',
                   '--exec-path')


def _basename(path: str) -> str:
    """``posixpath.basename`` (the agent hook imports no ``os``)."""
    return path.rsplit('/', 1)[-1]


def effects(cmd: 'Command') -> list[tuple[str, Word, str]]:
    """What the simple command ``cmd`` does, in order (see the module)."""
    out = [(WRITE, _written(target), f'redirection {op}')
           for op, target in cmd.redirs
           if op in _WRITE_REDIRS and target is not None]
    words = _strip_wrappers(cmd.words)
    if not words:
        return out
    name = _basename(words[0].text)
    args = words[1:]
    if name in ('cd', 'pushd'):
        out.append((CD, _cd_dest(args), 'cd'))
    elif name == 'git':
        out += _git(args)
    elif name in _SHELLS:
        out += _script(args)
    elif name == 'dd':
        out += [(WRITE, _written(_sub(w, w.text[3:])), 'dd of=')
                for w in args if w.text.startswith('of=')]
    else:
        out += [(WRITE, _written(w), name)
                for w in _write_operands(name, args)]
    return out


def _written(word: Word) -> Word:
    """A written word; a glob cut back to the folder it expands in."""
    if word.dynamic or not word.glob:
        return word
    text = word.text
    cut = min(i for i, c in enumerate(text) if c in '*?[')
    return _sub(word, text[:text.rfind('/', 0, cut) + 1] or '.')


def _cd_dest(args: list[Word]) -> Word:
    operands = [w for w in args if not w.text.startswith('-')
                or w.text == '-']
    if not operands:
        return _sub(None, '~')
    dest = operands[0]
    if dest.text == '-':   # $OLDPWD: known only at run time
        return Word('-', True, dest.glob)
    return dest


def _script(args: list[Word]) -> list[tuple[str, Word, str]]:
    for i, w in enumerate(args[:-1]):
        if w.text == '-c' or (w.text.startswith('-') and
                              w.text.endswith('c') and
                              not w.text.startswith('--')):
            return [(SCRIPT, args[i + 1], 'the script')]
    return []


def _git(args: list[Word]) -> list[tuple[str, Word, str]]:
    out: list[tuple[str, Word, str]] = []
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
    rest = args[i:]
    if not rest:
        return out
    sub = rest[0]
    sub_args = [w.text for w in rest[1:]]
    if _switches_branch(sub.text, sub_args):
        out.append((SWITCH, sub, f'git {sub.text}'))
    elif sub.text == 'worktree' and sub_args[:1] == ['remove']:
        out += [(REMOVE, w, 'git worktree remove') for w in rest[2:]
                if not w.text.startswith('-')]
    return out


def _sub(word: Word | None, text: str) -> Word:
    return Word(text, word.dynamic if word is not None else False,
                word.glob if word is not None else False)


def _strip_wrappers(words: list[Word]) -> list[Word]:
    """The command's own words: leading assignments (``X=1 cmd``) and
    wrappers (``sudo``, ``env``, ``exec``...) with their options gone."""
    i = 0
    while i < len(words):
        t = words[i].text
        head, eq, _ = t.partition('=')
        if eq and head and (head[0].isalpha() or head[0] == '_') and \
                all(c.isalnum() or c == '_' for c in head):
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
    if name in ('cp', 'mv', 'ln', 'install') or name in _ALL_OPERANDS:
        operands, targets = _operands(name, args)
        if name in _ALL_OPERANDS or name == 'mv':
            return operands + targets   # mv also removes its sources
        if targets:
            return targets
        return operands[-1:] if len(operands) > 1 else []
    if name == 'sed':
        if not any(w.text.startswith('-i') or w.text.startswith('--in-place')
                   for w in args):
            return []
        operands, _ = _operands(name, args)
        has_script = any(w.text in ('-e', '--expression', '-f', '--file')
                         or w.text.startswith(('--expression=', '--file='))
                         for w in args)
        return operands if has_script else operands[1:]
    return []


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
    if sub == 'branch':
        if any(o.partition('=')[0] in _BRANCH_WRITES for o in options):
            return False
        return not operands or bool({'-l', '--list', '--show-current'}
                                    & set(options))
    if sub == 'tag':
        if any(o.partition('=')[0] in _TAG_WRITES for o in options):
            return False
        return not operands or bool({'-l', '--list', '-v', '--verify'}
                                    & set(options))
    if sub == 'symbolic-ref':
        return len(operands) == 1 and not {'-d', '--delete'} & set(options)
    if sub == 'config' and operands[:1] not in (['get'], ['list']):
        if any(o in _CONFIG_WRITES for o in options):
            return False
        return bool(_CONFIG_READS & set(options)) or len(operands) == 1
    if not operands:   # `git reflog`, `git remote [-v]` list; `git stash`
        return sub == 'reflog' or (sub == 'remote' and
                                   options in ([], ['-v'], ['--verbose']))
    return operands[0] in _SUB_READS.get(sub, ())


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
