"""``worktree-guard explain [RULE]`` and ``worktree-guard rules``."""
from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from worktree_guard import rules as rules_mod
from worktree_guard.commands import add_command
from worktree_guard.errors import GuardError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers


def add_parser(sub: Subparsers) -> None:
    e = add_command(sub, 'explain', 'explain a rule')
    e.add_argument('rule', nargs='?', help='rule id (omit to list rules)')
    e.set_defaults(run=run)
    add_command(sub, 'rules', 'list the rules and their hook ids') \
        .set_defaults(run=run_rules)


def run(ns: argparse.Namespace) -> int:
    if ns.rule is None:
        return run_rules(ns)
    rule = ns.rule.split('/')[0]
    info = rules_mod.RULES.get(rule)
    if info is None:
        close = difflib.get_close_matches(rule, list(rules_mod.RULES), n=1)
        raise GuardError(
            f'unknown rule {ns.rule!r}',
            f'did you mean {close[0]!r}?' if close
            else f"known rules: {', '.join(rules_mod.RULES)}",
        )
    print(f'{info.id} ({info.summary})\n'
          + (f'hook id: {info.hook_id}; ' if info.hook_id else '')
          + f'stages: {", ".join(info.stages)}')
    if info.kinds:
        print(f"kinds: {', '.join(info.id + '/' + k for k in info.kinds)}")
    print(info.explain)
    return 0


def run_rules(ns: argparse.Namespace) -> int:
    for info in rules_mod.RULES.values():
        print(f'{info.id:18} {info.hook_id:24} '
              f'{",".join(info.stages):12} {info.summary}')
    return 0
