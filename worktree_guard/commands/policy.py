"""``worktree-guard policy validate|show|schema``.

``schema`` prints the policy's JSON Schema; ``init`` writes it to
``SCHEMA_FILE`` beside the policy (whose first line, a yaml-language-server
modeline, points editors at it), and ``schema --check`` and ``doctor`` say
when that copy is older than the installed worktree-guard's."""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from worktree_guard import __version__
from worktree_guard import policy as policy_mod
from worktree_guard.commands import add_command
from worktree_guard.commands import add_policy_arg
from worktree_guard.errors import GuardError
from worktree_guard.errors import PolicyError
from worktree_guard.gitctx import Repo
from worktree_guard.policy.bounds import MAX_POLICY_BYTES
from worktree_guard.policy.show import render

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers


def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'policy', 'validate or show the policy')
    actions = p.add_subparsers(dest='policy_command', metavar='<action>')
    add_policy_arg(actions.add_parser('validate',
                                      help='validate the policy file'))
    show = actions.add_parser(
        'show', help='print the effective policy and where each key came '
                     'from')
    show.add_argument('--format', choices=('yaml', 'json'), default='yaml')
    add_policy_arg(show)
    schema = actions.add_parser(
        'schema', help='print the JSON Schema of the policy')
    schema.add_argument(
        '--check', nargs='?', const='', metavar='FILE',
        help=f'exit 1 when FILE (default: {SCHEMA_FILE} at the checkout\'s '
             "root) is not this worktree-guard's schema, 0 when it is")
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    if ns.policy_command is None:
        raise GuardError("'policy' needs an action: validate, show or schema")
    if ns.policy_command == 'schema':
        if ns.check is None:
            print(schema_text(), end='')
            return 0
        path = ns.check or os.path.join(_root_or_cwd() or '.', SCHEMA_FILE)
        said = schema_note(path)
        print(said or f'{os.path.relpath(path)}: current')
        return 1 if said else 0
    root = _root_or_cwd()
    path = policy_mod.find_policy_file(root, ns.policy)
    if ns.policy_command == 'validate':
        if path is None:
            print('no .worktree-guard.yaml: the built-in defaults apply')
            return 0
        rel = os.path.relpath(path)
        try:
            with open(path, 'rb') as f:   # one byte more says "too big"
                raw = f.read(MAX_POLICY_BYTES + 1)
        except OSError as e:
            raise PolicyError(f'{rel}:1:1: cannot read the policy file: '
                              f'{e.strerror}', 'check its permissions') \
                from None
        policy_mod.parse(raw, rel)
        print(f'{rel}: valid')
        return 0
    pol = policy_mod.load(root, ns.policy)
    print(render(pol, ns.format))
    return 0


SCHEMA_FILE = '.worktree-guard.schema.json'
# The policy's first line, as ``init`` writes it.
MODELINE = f'# yaml-language-server: $schema=./{SCHEMA_FILE}'


def schema_text() -> str:
    """What ``policy schema`` prints and ``init`` writes."""
    return json.dumps(policy_mod.load_schema(), indent=2) + '\n'


def schema_note(path: str) -> str | None:
    """``None`` when the file at ``path`` holds this worktree-guard's
    schema (as JSON: its layout may differ); else one line saying what is
    wrong with it and the command that writes it again."""
    rel = os.path.relpath(path)
    fix = f'worktree-guard policy schema > {rel}'
    try:
        with open(path, 'rb') as f:
            current = json.loads(f.read()) == policy_mod.load_schema()
    except FileNotFoundError:
        return f'{rel}: no such file (write it: {fix})'
    except (OSError, ValueError):
        current = False
    if current:
        return None
    return (f"{rel}: not worktree-guard {__version__}'s policy schema "
            '(older, or edited): editors check the policy against it; '
            f'refresh it: {fix}')


def _root_or_cwd() -> str | None:
    """The checkout's root (``None`` in a bare repository); outside a
    repository, the cwd."""
    try:
        return Repo.discover().root
    except GuardError:
        return os.getcwd()
