"""``worktree-guard baseline [--update | --force] [--policy PATH]``: record
the current findings in the baseline file (``paths.baseline``).

Without a flag it writes the file and refuses to replace one; ``--update``
drops the entries that are fixed and never adds one (so it cannot hide a
new finding); ``--force`` records every current finding again.  The run is
``check --all-files`` for the rules whose findings sit in files
(``CONTENT_RULES``), with ``SKIP`` ignored and no baseline applied.  See
``worktree_guard.report.baseline`` for the file and how runs apply it.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from worktree_guard import policy as policy_mod
from worktree_guard import runner
from worktree_guard.commands import POLICY_HELP
from worktree_guard.commands import add_command
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.model import StageInput
from worktree_guard.report.baseline import CONTENT_RULES
from worktree_guard.report.baseline import Entries
from worktree_guard.report.baseline import count
from worktree_guard.report.baseline import file_name
from worktree_guard.report.baseline import findings
from worktree_guard.report.baseline import load
from worktree_guard.report.baseline import total
from worktree_guard.report.baseline import write

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers

HELP = ('record the current findings in the baseline file (paths.baseline), '
        'for adopting on a repo with history')


def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'baseline', HELP)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument('--update', action='store_true',
                      help='drop the entries that are fixed; add none')
    mode.add_argument('--force', action='store_true',
                      help='replace an existing baseline with every current '
                           'finding')
    p.add_argument('--policy', metavar='PATH', help=POLICY_HELP)
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    return record(update=ns.update, force=ns.force, policy_path=ns.policy)


def record(update: bool, force: bool, policy_path: str | None) -> int:
    """Write, update or replace the baseline; 0, or ``GuardError``."""
    repo = Repo.discover()
    if repo.root is None:
        raise GuardError('a baseline records the findings in a checkout; '
                         'this repository is bare',
                         'run it in a checkout or worktree')
    root = repo.root
    pol = policy_mod.load(root, policy_path, repo.git_dir)
    rel = file_name(pol)
    result = runner.run(repo, pol, StageInput('commit', all_files=True),
                        CONTENT_RULES, environ={}, baseline=False)
    found = count(result.violations, rel)
    if update:
        old = load(root, rel)
        if old is None:
            raise GuardError(f'{rel}: there is no baseline to update',
                             'record one: worktree-guard baseline')
        new: Entries = {}
        for path, es in old.items():
            for fp, (code, n) in es.items():
                now = min(n, found.get(path, {}).get(fp, (code, 0))[1])
                if now:
                    new.setdefault(path, {})[fp] = (code, now)
        write(root, rel, new)
        dropped = total(old) - total(new)
        unlisted = total(found) - total(new)
        say(f'{rel}: dropped {findings(dropped, "fixed ")}, kept '
            f'{total(new)}')
        if unlisted:
            say(f'{findings(unlisted)} not in the baseline still '
                f'fail{"s" * (unlisted == 1)} (--update never adds; --force '
                "records every current finding; 'worktree-guard check "
                "--all-files' lists them)")
        return 0
    if not force and os.path.lexists(os.path.join(root, rel)):
        raise GuardError(
            f'{rel} exists',
            "'worktree-guard baseline --update' drops the fixed findings "
            "and adds none; 'worktree-guard baseline --force' records every "
            'current finding again')
    write(root, rel, found)
    n = total(found)
    say(f'{rel}: recorded {findings(n)} in {len(found)} '
        f'file{"s" * (len(found) != 1)}; commit it (on an issue branch) so '
        'that every run applies it')
    for note in result.notes:
        say(f'note: {note}')
    return 0


def say(text: str) -> None:
    print(text, file=sys.stdout)
