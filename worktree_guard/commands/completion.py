"""``worktree-guard completion bash|zsh|fish``: the shell's completion
script, and the completions themselves when the shell asks.

The completions come from the one argparse tree every command declares
(``cli.parser(full=True)``, with ``wt``'s subcommands in it), through
argcomplete: bash, zsh and fish are served by the same code, and the option
tables stay the only place an option is declared.  argcomplete is imported
only here, when a shell asks (``_ARGCOMPLETE`` set) or a script is printed,
never on a hook's path.
"""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from worktree_guard.commands import add_command

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers

SHELLS = ('bash', 'zsh', 'fish')
HELP = 'print the shell completion script (bash, zsh or fish)'
PROG = 'worktree-guard'


def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'completion', HELP)
    p.add_argument('shell', choices=SHELLS)
    p.epilog = ('e.g. in ~/.bashrc: eval "$(worktree-guard completion '
                'bash)"; fish: worktree-guard completion fish | source')
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    # deferred: argcomplete only when completing (parser() loads us)
    import argcomplete
    sys.stdout.write(argcomplete.shellcode([PROG], shell=ns.shell))
    return 0


def complete(tree: argparse.ArgumentParser) -> int:
    """Answer the shell's completion request (``_ARGCOMPLETE`` is set)
    from ``tree`` (``cli.parser(full=True)``): argcomplete reads the
    command line from the environment and writes the candidates where the
    shell script reads them."""
    # deferred: argcomplete only when completing (parser() loads us)
    import argcomplete
    try:
        argcomplete.autocomplete(tree, exit_method=sys.exit)
    except SystemExit as e:  # answered (0), or a request it can't read
        return 0 if e.code in (0, None) else 2
    # argcomplete returns only when _ARGCOMPLETE is unset, which the caller
    # ruled out.
    return 2  # pragma: no cover (see above)
