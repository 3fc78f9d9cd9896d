"""The commands: one module per ``worktree-guard <command>``.

Each module declares its subcommand(s) with ``add_parser(sub)`` (the
subparser's ``run`` default is the function that runs it) and does the
command's work through the layers below: ``policy``, ``gitctx``, the
``runner`` and ``report``.  ``cli`` builds the one parser from them, and
routes the hook-like commands (``hook``, ``check`` as pre-commit runs it,
``pre-receive``/``update``, ``wt``) before argparse is imported.

Modules here import lazily: the hook entry points (``hook``, ``check``,
``server``) are on the hot path (ARCHITECTURE.md, start-up).
"""
TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    # What ``ArgumentParser.add_subparsers`` returns.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

POLICY_HELP = 'policy file (default: .worktree-guard.yaml at the repo root)'


def add_command(sub: 'Subparsers', name: str,
                help: str) -> 'argparse.ArgumentParser':
    """A subcommand whose description is its help line."""
    return sub.add_parser(name, help=help, description=help)


def add_policy_arg(p: 'argparse.ArgumentParser') -> None:
    p.add_argument('--policy', metavar='PATH', help=POLICY_HELP)
