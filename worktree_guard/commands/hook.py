"""``worktree-guard hook pre-commit|pre-push|commit-msg|reference-transaction
[git's args]``: the
native git hooks that ``install`` writes.  Routed by ``cli`` before
argparse (the commit hot path); the subparser exists for ``--help``."""
from __future__ import annotations

import os
import sys

from worktree_guard.errors import GuardError

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.commands import Subparsers

NATIVE_HOOKS = ('pre-commit', 'pre-push', 'commit-msg',
                'reference-transaction')
HELP = 'entry point of the native git hooks'


def add_parser(sub: Subparsers) -> None:
    from worktree_guard.commands import add_command
    p = add_command(sub, 'hook', HELP)
    p.add_argument('name', choices=NATIVE_HOOKS)
    p.add_argument('args', nargs='*')


def main(args: list[str]) -> int:
    if not args or args[0] not in NATIVE_HOOKS:
        raise GuardError(
            f"'hook' needs one of: {', '.join(NATIVE_HOOKS)}",
            'the native hooks in hooks/ call this; run '
            "'worktree-guard install' to put them in place",
        )
    name = args[0]
    if name == 'reference-transaction':
        from worktree_guard.commands import reftx
        return reftx.main(args[1:])
    env = os.environ
    skip = {s.strip() for s in env.get('SKIP', '').split(',')}
    hook_id = 'worktree-guard-push' if name == 'pre-push' else \
        'worktree-guard-commit'
    if hook_id in skip:
        if name != 'commit-msg':  # said once, by the pre-commit hook
            print(f'note: skipped every rule of the {name} hook '
                  f'(SKIP={hook_id})', file=sys.stderr)
        return 0
    from worktree_guard import policy as policy_mod
    from worktree_guard import runner
    from worktree_guard.commands.check import emit
    from worktree_guard.gitctx import Repo
    from worktree_guard.model import StageInput
    repo = Repo.discover(hook=True)
    pol = policy_mod.load(repo.root, None, repo.git_dir)
    if name == 'pre-push':
        from worktree_guard.hookinput import parse_push_lines
        remote = args[1] if len(args) > 1 else None
        data = '' if sys.stdin.isatty() else read_stdin()
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
    return emit(result, 'text', hook_id=hook_id, native=True)


def read_stdin() -> str:
    """stdin as text; undecodable bytes (a ref name need not be UTF-8)
    are kept as surrogate escapes.  The server hooks read it the same
    way."""
    raw = getattr(sys.stdin, 'buffer', None)
    if raw is None:  # a text stream without bytes underneath
        return sys.stdin.read()
    return str(raw.read().decode('utf-8', 'surrogateescape'))
