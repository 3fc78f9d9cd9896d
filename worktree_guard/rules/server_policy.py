"""server-policy: a push cannot break or replace the server's policy.

Only the pre-receive/update hooks apply it.  The server code reads the
pushed policy blob (gitctx.receive) and parses it; these pure functions
turn what it found into findings.  Not configurable: no policy, least of
all a pushed one, can switch off the guard of the policy itself.
"""
from __future__ import annotations

from worktree_guard.model import Violation
from worktree_guard.rules.spec import RuleSpec

RULE = 'server-policy'
SPEC = RuleSpec(
    RULE, stages=('server',), facts='',
    kinds={'invalid': 'error', 'policy-ref': 'error',
           'ref-namespace': 'error', 'loosened': 'error'},
    summary="pushes cannot break or replace the server's policy",
    explain="""\
Only the pre-receive hook applies it.  A push to the policy branch must carry
a valid .worktree-guard.yaml (an invalid one would refuse every later push,
its own fix included), and a push may not write a --policy-ref outside
refs/heads/: admins change that ref on the server with git update-ref.
A push may write only refs/heads/* and refs/tags/* (plus the globs of
server.allowed-refs).  Every policy ref (the branch HEAD names or
--policy-ref, and the branch its base.branch names) is protected: no
deletion, no force push.  The pushed policy must be a regular file (no
symlink, folder or submodule).  A change that loosens the policy (a weaker
severity, a widened allow/exclude list, ...) or changes a key only admins
may change (base.*, branches.exempt/protected/pattern, sync.exempt,
worktrees.*, agents.*, paths.baseline) needs a pusher listed in
server.policy-admins.

Fix: worktree-guard policy validate   (before pushing)""",
)


def policy_ref_written(ref: str) -> Violation:
    """A push writes the policy ref, which lies outside ``refs/heads/``."""
    return Violation(
        RULE,
        f"{ref} holds the server's policy; it is changed on the server "
        'only, not by a push',
        kind='policy-ref', ref=ref,
        fix=[f'on the server: git update-ref {ref} <commit>'],
    )


def invalid_policy(ref: str, filename: str, message: str,
                   hint: str | None) -> Violation:
    """The policy pushed to the policy branch does not parse."""
    return Violation(
        RULE,
        f'the pushed {filename} is invalid, and it would become the policy '
        f'of every push: {message.splitlines()[0]}',
        kind='invalid', ref=ref,
        fix=[hint or 'fix the file',
             'worktree-guard policy validate  (before pushing)'],
    )


def ref_outside_namespaces(ref: str) -> Violation:
    """A push writes a ref outside ``refs/heads/`` and ``refs/tags/`` that
    ``server.allowed-refs`` does not admit."""
    return Violation(
        RULE,
        f'{ref} is outside refs/heads/ and refs/tags/; this server takes no '
        'other refs (refs/replace/ never counts: replace objects are '
        'ignored)',
        kind='ref-namespace', ref=ref,
        fix=['push a branch or a tag instead',
             'or an admin lists the ref in server.allowed-refs '
             '(globs: refs/notes/*, refs/review/**)'],
    )


def loosened(ref: str, filename: str, changes: list[str],
             pusher: str | None, admin: bool) -> Violation:
    """A push loosens the policy on the policy ref: refused, or (by a
    policy admin) accepted with a warning that names them."""
    listed = '; '.join(changes)
    if admin:
        return Violation(
            RULE, f'{pusher} (server.policy-admins) loosens the policy: '
            f'{listed}', kind='loosened', severity='warn', ref=ref,
            path=filename)
    return Violation(
        RULE,
        f'this push loosens the policy on {ref} ({listed}); only '
        'server.policy-admins may'
        + (f', and {pusher} is not listed' if pusher else
           ', and the server does not say who pushes'),
        kind='loosened', ref=ref, path=filename,
        fix=['push the policy change as a tightening only, or ask a policy '
             'admin to push it',
             'the policy in force lists admins under server.policy-admins'],
    )


def policy_ref_moved(ref: str, how: str) -> Violation:
    """A push deletes or rewrites a policy ref."""
    return Violation(
        RULE,
        f"{ref} holds the server's policy, so it may not be {how} by a "
        'push (it is protected whatever branches.protected says)',
        kind='policy-ref', ref=ref,
        fix=['push a fast-forward instead',
             f'or an admin moves it on the server: git update-ref {ref} '
             '<commit>'],
    )
