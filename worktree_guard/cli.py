"""Entry point: ``worktree-guard <command>`` (the console script's ``main``).

The hook-like commands are routed before argparse is imported: ``hook``
(the native git hooks), ``check`` as pre-commit runs it, ``pre-receive``
and ``update`` (which print their own errors, with GitLab's prefix when
asked), ``wt`` (its own parser) and ``sandbox`` (once per agent shell
command; its options are parsed by hand).  Everything else goes through the one
parser that ``parser()`` builds from the modules in ``commands/``.  Every
error ends with exit code 2 and a message, never a traceback.
"""
from __future__ import annotations

import os
import sys

from worktree_guard.errors import GuardError

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Sequence

HELP_FLAGS = (['-h'], ['--help'])


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from worktree_guard import signals
    saved = signals.install()  # SIGTERM/SIGHUP stop our children too
    try:
        return _route(args)
    except GuardError as e:
        _err(e.render())
        return e.exit_code
    except KeyboardInterrupt as e:  # SIGINT, or SIGTERM/SIGHUP (signals)
        _err('worktree-guard: interrupted')
        from worktree_guard.signals import exit_status
        return exit_status(e)
    except BrokenPipeError:  # pragma: no cover (output closed by the reader)
        return 2
    except Exception as e:  # no traceback ever reaches a user
        if os.environ.get('WORKTREE_GUARD_DEBUG'):
            raise
        _err(f'worktree-guard: internal error: {type(e).__name__}: {e}\n'
             '  hint: this is a bug; rerun with WORKTREE_GUARD_DEBUG=1 for '
             'the traceback and report it')
        return 2
    finally:
        signals.restore(saved)


def _route(args: list[str]) -> int:
    if '_ARGCOMPLETE' in os.environ:  # the shell asks for completions
        from worktree_guard.commands import completion
        return completion.complete(parser(full=True))
    command = args[:1]
    if command == ['hook'] and args[1:2] not in HELP_FLAGS:
        from worktree_guard.commands import hook
        return hook.main(args[1:])
    if command in (['pre-receive'], ['update']):
        from worktree_guard.commands import server
        return server.main(args[0], args[1:])
    if command == ['check']:
        from worktree_guard.commands import check
        fast = check.fast_args(args[1:])
        if fast is not None:
            return check.run(fast)
    if command == ['wt']:
        from worktree_guard.commands.wt import main as wt_main
        return wt_main(args[1:])
    if command == ['agent'] and args[1:2] not in HELP_FLAGS:
        # Before every coding-agent tool call: no argparse.
        from worktree_guard.commands import agent
        return agent.main(args[1:])
    if command == ['sandbox']:
        # Once per shell command an agent runs: no argparse.
        from worktree_guard.commands import sandbox
        return sandbox.main(args[1:])
    p = parser()
    if not args:
        p.print_help()
        return 2
    try:
        ns = p.parse_args(args)
    except SystemExit as e:  # argparse printed usage and the error (exit 2)
        return int(e.code or 0)
    return int(ns.run(ns))


def parser(full: bool = False) -> argparse.ArgumentParser:
    """The parser of every command, each declared by its module.  With
    ``full`` (shell completion), ``wt``'s own subcommands are in the tree
    too; otherwise ``wt`` is routed to its parser before this one."""
    import argparse

    from worktree_guard import __version__
    from worktree_guard.commands import add_command
    from worktree_guard.commands import baseline
    from worktree_guard.commands import check
    from worktree_guard.commands import completion
    from worktree_guard.commands import demo
    from worktree_guard.commands import doctor
    from worktree_guard.commands import explain
    from worktree_guard.commands import hook
    from worktree_guard.commands import init
    from worktree_guard.commands import install
    from worktree_guard.commands import policy
    from worktree_guard.commands import server

    p = argparse.ArgumentParser(
        prog='worktree-guard',
        description='Git hooks that keep parallel worktrees apart: branch '
                    'names, protected branches, path boundaries, sync '
                    'before push.',
    )
    p.add_argument('--version', action='version',
                   version=f'worktree-guard {__version__}')
    sub = p.add_subparsers(dest='command', metavar='<command>')
    for add_parser in (check.add_parser, hook.add_parser, policy.add_parser,
                       init.add_parser, install.add_parser,
                       doctor.add_parser, explain.add_parser,
                       baseline.add_parser, demo.add_parser,
                       completion.add_parser):
        add_parser(sub)
    if full:
        from worktree_guard.commands import wt
        wt.add_parser(sub)
    else:
        # Routed to wt's own parser before this one: listed for --help.
        add_command(sub, 'wt', 'create, list, remove and watch issue '
                               "worktrees (see 'worktree-guard wt --help')")
    add_command(sub, 'agent', 'coding-agent hook: claude, cursor or gemini '
                              '(payload on stdin), or check --path P '
                              '[--cwd D] [--write] (docs/agents.md)')
    add_command(sub, 'sandbox', 'run a command that the kernel lets write '
                                'only in its worktree (docs/sandbox.md; '
                                "see 'worktree-guard sandbox --help')")
    server.add_parser(sub)
    return p


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


if 'WORKTREE_GUARD_AUDIT' in os.environ:
    # The test suite's nothing-lost audit (tests/conftest.py): when the
    # variable is set at start-up, every run goes through audit.audited,
    # which snapshots the repository around it.  Normal runs never import
    # the audit.
    from worktree_guard.audit import audited
    main = audited(main)
