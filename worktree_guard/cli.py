"""Entry points: ``worktree-guard <command>``.

The native hook path (``worktree-guard hook <name>``) is dispatched before
argparse is imported; everything else goes through the parser.  Every error
ends with exit code 2 and a message, never a traceback.
"""
from __future__ import annotations

import os
import sys

from worktree_guard.errors import GuardError

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Callable
    from collections.abc import Sequence

    from worktree_guard.report import Result

NATIVE_HOOKS = ('pre-commit', 'pre-push', 'commit-msg')


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if os.environ.get('WORKTREE_GUARD_AUDIT'):  # tests: the nothing-lost audit
        from worktree_guard.audit import audited
        return audited(args, _main)
    return _main(args)


def _main(args: list[str]) -> int:
    try:
        if args[:1] == ['hook']:
            return native_hook(args[1:])
        if args[:1] in (['pre-receive'], ['update']):
            # Server hooks parse their own flags (--gitlab, --policy-ref).
            from worktree_guard import server
            return server.main(args[0], args[1:])
        if args[:1] == ['check']:
            fast = fast_check_args(args[1:])
            if fast is not None:
                return cmd_check(fast)
        return _dispatch(args)
    except GuardError as e:
        _err(e.render())
        return e.exit_code
    except KeyboardInterrupt:
        _err('worktree-guard: interrupted')
        return 130
    except BrokenPipeError:  # pragma: no cover (output closed by the reader)
        return 2
    except Exception as e:  # no traceback ever reaches a user
        if os.environ.get('WORKTREE_GUARD_DEBUG'):
            raise
        _err(f'worktree-guard: internal error: {type(e).__name__}: {e}\n'
             '  hint: this is a bug; rerun with WORKTREE_GUARD_DEBUG=1 for '
             'the traceback and report it')
        return 2


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _out(msg: str) -> None:
    if msg:
        print(msg)


# -- native git hooks (no argparse) -------------------------------------------------

def native_hook(args: list[str]) -> int:
    """``worktree-guard hook pre-commit|pre-push|commit-msg [git's args]``."""
    if not args or args[0] not in NATIVE_HOOKS:
        raise GuardError(
            f"'hook' needs one of: {', '.join(NATIVE_HOOKS)}",
            'the native hooks in hooks/ call this; run '
            "'worktree-guard install' to put them in place",
        )
    name = args[0]
    env = os.environ
    skip = {s.strip() for s in env.get('SKIP', '').split(',')}
    hook_id = 'worktree-guard-push' if name == 'pre-push' else \
        'worktree-guard-commit'
    if hook_id in skip:
        if name != 'commit-msg':  # said once, by the pre-commit hook
            _err(f'note: skipped every rule of the {name} hook '
                 f'(SKIP={hook_id})')
        return 0
    from worktree_guard import policy as policy_mod
    from worktree_guard import runner
    from worktree_guard.gitctx import Repo
    from worktree_guard.model import StageInput
    repo = Repo.discover(hook=True)
    pol = policy_mod.load(repo.root, None, repo.git_dir)
    if name == 'pre-push':
        from worktree_guard.hookinput import parse_push_lines
        remote = args[1] if len(args) > 1 else None
        # Bytes, as the server reads them: a ref name need not be UTF-8.
        data = '' if sys.stdin.isatty() else _read_stdin()
        inp = StageInput('push', parse_push_lines(data), remote)
        rules = None
    elif name == 'commit-msg':
        # Runs for merge commits too, where git skips the pre-commit hook.
        inp = StageInput('commit')
        rules = ('branch-name', 'protected-branch')
    else:
        inp = StageInput('commit')
        rules = None
    result = runner.run(repo, pol, inp, rules)
    if name == 'commit-msg':  # the pre-commit hook already said these
        result.notes = [n for n in result.notes
                        if not n.startswith(('skipped ', 'WORKTREE_GUARD'))]
    return _emit(result, 'text', hook_id=hook_id, native=True)


def _read_stdin() -> str:
    """stdin as text; undecodable bytes (a ref name need not be UTF-8)
    are kept as surrogate escapes, as the server hook reads them."""
    raw = getattr(sys.stdin, 'buffer', None)
    if raw is None:  # a text stream without bytes underneath
        return sys.stdin.read()
    return str(raw.read().decode('utf-8', 'surrogateescape'))


def _emit(result: Result, fmt: str, hook_id: str | None = None,
          native: bool = False) -> int:
    from worktree_guard import report
    if fmt == 'json':
        _out(report.format_json(result))
        return result.exit_code
    text = report.format_text(result)
    if text:
        print(text, file=sys.stderr if native else sys.stdout)
    if result.exit_code and hook_id:
        print(f'  (to bypass once: SKIP={hook_id} git ... ; '
              'a server-side pre-receive hook, if installed, still '
              'applies)',
              file=sys.stderr if native else sys.stdout)
    return result.exit_code


# -- `check` as pre-commit runs it (no argparse) -----------------------------------

# check's options that take a value: None for free text, else the choices.
_CHECK_VALUES: dict[str, tuple[str, ...] | None] = {
    '--hook': None, '--policy': None, '--stage': ('commit', 'push', 'auto'),
    '--format': ('text', 'json'),
}


class CheckArgs:
    """``check``'s arguments, with the parser's defaults."""

    __slots__ = ('all_files', 'branch', 'files', 'format', 'from_ref', 'hook',
                 'policy', 'remote', 'rule', 'stage', 'to_ref')

    def __init__(self) -> None:
        self.stage = 'auto'
        self.hook: str | None = None
        self.rule: list[str] | None = None
        self.all_files = False
        self.format = 'text'
        self.from_ref: str | None = None
        self.to_ref: str | None = None
        self.branch: str | None = None
        self.remote: str | None = None
        self.files: list[str] = []
        self.policy: str | None = None


def fast_check_args(args: list[str]) -> CheckArgs | None:
    """Parse what pre-commit's hook entries run (``check --hook ID --stage
    S``, plus ``--format``, ``--policy`` and ``--all-files``) without
    argparse: building the parser costs several milliseconds (a gettext
    lookup per help string).  Anything else, a repeated option or a bad
    value returns ``None``, and argparse decides and words the error."""
    out = CheckArgs()
    seen: set[str] = set()
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition('=')
        if name in seen:
            return None
        seen.add(name)
        if name == '--all-files' and not eq:
            out.all_files = True
        elif name in _CHECK_VALUES:
            if not eq:
                i += 1
                if i == len(args) or args[i].startswith('-'):
                    return None
                value = args[i]
            choices = _CHECK_VALUES[name]
            if choices is not None and value not in choices:
                return None
            setattr(out, name[2:], value)
        else:
            return None
        i += 1
    return out


# -- the parser --------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    import argparse
    from worktree_guard import __version__

    p = argparse.ArgumentParser(
        prog='worktree-guard',
        description='Git hooks that keep parallel worktrees apart: branch '
                    'names, protected branches, path boundaries, sync '
                    'before push.',
    )
    p.add_argument('--version', action='version',
                   version=f'worktree-guard {__version__}')
    sub = p.add_subparsers(dest='command', metavar='<command>')

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help)

    def policy_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument('--policy', metavar='PATH',
                        help='policy file (default: .worktree-guard.yaml at '
                             'the repo root)')

    c = add('check', 'run the rules of a stage and report violations')
    c.add_argument('--stage', choices=('commit', 'push', 'auto'),
                   default='auto',
                   help="'auto' (default) means push when pre-commit's "
                        'pre-push variables are set, else commit')
    c.add_argument('--hook', metavar='HOOK_ID',
                   help='run the rules of this hook id only')
    c.add_argument('--rule', action='append', metavar='RULE',
                   help='run only this rule (repeatable)')
    c.add_argument('--all-files', action='store_true',
                   help='check whole tracked files, not just the change')
    c.add_argument('--format', choices=('text', 'json'), default='text')
    c.add_argument('--from-ref', metavar='REV',
                   help='push stage in CI: the base the branch is judged '
                        'against')
    c.add_argument('--to-ref', metavar='REV',
                   help='push stage in CI: the head being pushed')
    c.add_argument('--branch', metavar='NAME',
                   help='push stage in CI: the branch name being pushed '
                        '(default: $GITHUB_HEAD_REF or the current branch)')
    c.add_argument('--remote', metavar='NAME', help='remote being pushed to')
    c.add_argument('files', nargs='*', help=argparse.SUPPRESS)
    policy_arg(c)

    h = add('hook', 'entry point of the native git hooks')
    h.add_argument('name', choices=NATIVE_HOOKS)
    h.add_argument('args', nargs='*')

    pol = add('policy', 'validate or show the policy')
    pol_sub = pol.add_subparsers(dest='policy_command', metavar='<action>')
    pv = pol_sub.add_parser('validate', help='validate the policy file')
    policy_arg(pv)
    ps = pol_sub.add_parser(
        'show', help='print the effective policy and where each key came '
                     'from')
    ps.add_argument('--format', choices=('yaml', 'json'), default='yaml')
    policy_arg(ps)
    pol_sub.add_parser('schema', help='print the JSON Schema of the policy')

    i = add('init', 'write a commented default policy and print the '
                    '.pre-commit-config.yaml snippet')
    i.add_argument('--force', action='store_true',
                   help='overwrite an existing policy file')
    i.add_argument('--install-pre-commit', action='store_true',
                   help='also run pre-commit install for the pre-commit and '
                        'pre-push hook types')

    ins = add('install', 'install the native git hooks into the shared '
                         'hooks folder')
    ins.add_argument('--force', action='store_true',
                     help='replace foreign hooks (moved to <hook>.local, '
                          'where they no longer run)')
    ins.add_argument('--server', metavar='BARE_REPO',
                     help='install the server-side pre-receive hook into '
                          'a bare repository')
    un = add('uninstall', 'remove the native hooks that install put in place')
    un.add_argument('--server', metavar='BARE_REPO')

    d = add('doctor', 'check that hooks run in every worktree and the '
                      'policy is valid')
    policy_arg(d)

    e = add('explain', 'explain a rule')
    e.add_argument('rule', nargs='?', help='rule id (omit to list rules)')

    add('rules', 'list the rules and their hook ids')

    demo = add('demo', 'run the built-in demo in a throw-away repo')
    demo.add_argument('--keep', action='store_true',
                      help='keep the demo repo and print its path')

    wt = add('wt', 'create, list, remove and watch issue worktrees')
    wt.add_argument('wt_args', nargs=argparse.REMAINDER)

    pr = add('pre-receive', 'server-side hook: judge pushed refs')
    pr.add_argument('pr_args', nargs=argparse.REMAINDER)
    up = add('update', 'server-side per-ref hook: <ref> <old> <new>')
    up.add_argument('up_args', nargs=argparse.REMAINDER)
    return p


def _dispatch(args: list[str]) -> int:
    parser = _parser()
    if not args:
        parser.print_help()
        return 2
    try:
        ns = parser.parse_args(args)
    except SystemExit as e:  # argparse printed usage and the error (exit 2)
        return int(e.code or 0)
    handler = _COMMANDS[ns.command]
    return handler(ns)


# -- commands ----------------------------------------------------------------------

def cmd_check(ns: argparse.Namespace | CheckArgs) -> int:
    from worktree_guard import hookinput
    from worktree_guard import policy as policy_mod
    from worktree_guard.model import StageInput
    from worktree_guard import runner
    from worktree_guard.gitctx import Repo
    from worktree_guard.rules import HOOK_IDS
    from worktree_guard.rules import RULES

    env = os.environ
    # pre-commit runs hooks at the worktree root: find the repo from files.
    repo = Repo.discover(hook=env.get('PRE_COMMIT') == '1')
    pol = policy_mod.load(repo.root, ns.policy, repo.git_dir)
    stage = ns.stage
    pc = hookinput.updates_from_pre_commit_env(repo, env) \
        if stage in ('auto', 'push') and not ns.from_ref else None
    if stage == 'auto':
        stage = 'push' if (pc is not None or ns.from_ref) else 'commit'
    rules: list[str] | None = None
    if ns.hook:
        if ns.hook not in HOOK_IDS:
            raise GuardError(f'unknown hook id {ns.hook!r}',
                             f"known: {', '.join(HOOK_IDS)}")
        rules = list(HOOK_IDS[ns.hook])
    if ns.rule:
        for r in ns.rule:
            if r not in RULES:
                raise GuardError(f'unknown rule {r!r}',
                                 f"known: {', '.join(RULES)}")
        rules = [r for r in ns.rule if rules is None or r in rules]
    inp = StageInput(stage, all_files=ns.all_files)
    if stage == 'push':
        if ns.from_ref or ns.to_ref:
            if not (ns.from_ref and ns.to_ref):
                raise GuardError('--from-ref and --to-ref go together')
            inp.updates = hookinput.updates_from_refs(
                repo, ns.from_ref, ns.to_ref, ns.branch)
            inp.remote = ns.remote
        elif pc is not None:
            inp.updates, inp.remote = pc
            inp.remote = ns.remote or inp.remote
        else:
            raise GuardError(
                'the push stage needs refs to judge',
                'run it from a pre-push hook, or pass --from-ref <base> '
                '--to-ref <head> (in CI)',
            )
    result = runner.run(repo, pol, inp, rules)
    return _emit(result, ns.format, hook_id=ns.hook)


def cmd_policy(ns: argparse.Namespace) -> int:
    from worktree_guard import policy as policy_mod
    if ns.policy_command is None:
        raise GuardError("'policy' needs an action: validate, show or schema")
    if ns.policy_command == 'schema':
        import json
        _out(json.dumps(policy_mod.load_schema(), indent=2))
        return 0
    root = _root_or_none()
    path = policy_mod.find_policy_file(root, ns.policy)
    if ns.policy_command == 'validate':
        if path is None:
            _out('no .worktree-guard.yaml: the built-in defaults apply')
            return 0
        with open(path, 'rb') as f:
            policy_mod.parse(f.read(), os.path.relpath(path))
        _out(f'{os.path.relpath(path)}: valid')
        return 0
    pol = policy_mod.load(root, ns.policy)
    from worktree_guard.policy_show import render
    _out(render(pol, ns.format))
    return 0


def _root_or_none() -> str | None:
    from worktree_guard.gitctx import Repo
    try:
        return Repo.discover().root
    except GuardError:
        return os.getcwd()


def cmd_init(ns: argparse.Namespace) -> int:
    from worktree_guard.install import init
    return init(force=ns.force, run_pre_commit=ns.install_pre_commit)


def cmd_install(ns: argparse.Namespace) -> int:
    from worktree_guard import install
    if ns.server:
        return install.install_server(ns.server, force=ns.force)
    return install.install(force=ns.force)


def cmd_uninstall(ns: argparse.Namespace) -> int:
    from worktree_guard import install
    if ns.server:
        return install.uninstall_server(ns.server)
    return install.uninstall()


def cmd_doctor(ns: argparse.Namespace) -> int:
    from worktree_guard.install import doctor
    return doctor(ns.policy)


def cmd_explain(ns: argparse.Namespace) -> int:
    from worktree_guard.rules import RULES
    if ns.rule is None:
        return cmd_rules(ns)
    rule = ns.rule.split('/')[0]
    info = RULES.get(rule)
    if info is None:
        import difflib
        close = difflib.get_close_matches(rule, list(RULES), n=1)
        raise GuardError(
            f'unknown rule {ns.rule!r}',
            f'did you mean {close[0]!r}?' if close
            else f"known rules: {', '.join(RULES)}",
        )
    _out(f'{info.id} ({info.summary})\n'
         + (f'hook id: {info.hook_id}; ' if info.hook_id else '')
         + f'stages: {", ".join(info.stages)}')
    if info.kinds:
        _out(f"kinds: {', '.join(info.id + '/' + k for k in info.kinds)}")
    _out('')
    _out(info.explain)
    return 0


def cmd_rules(ns: argparse.Namespace) -> int:
    from worktree_guard.rules import RULES
    for info in RULES.values():
        _out(f'{info.id:18} {info.hook_id:24} {",".join(info.stages):12} '
             f'{info.summary}')
    return 0


def cmd_demo(ns: argparse.Namespace) -> int:
    from worktree_guard.demo import run_demo
    return run_demo(keep=ns.keep)


def cmd_wt(ns: argparse.Namespace) -> int:
    from worktree_guard.wt import main as wt_main
    return wt_main(ns.wt_args)


# 'hook', 'pre-receive' and 'update' are routed in _main before argparse;
# their subparsers exist for --help only.
_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    'check': cmd_check,
    'policy': cmd_policy,
    'init': cmd_init,
    'install': cmd_install,
    'uninstall': cmd_uninstall,
    'doctor': cmd_doctor,
    'explain': cmd_explain,
    'rules': cmd_rules,
    'demo': cmd_demo,
    'wt': cmd_wt,
}
