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
    kinds={'invalid': 'error', 'policy-ref': 'error'},
    summary="pushes cannot break or replace the server's policy",
    explain="""\
Only the pre-receive hook applies it.  A push to the policy branch must carry
a valid .worktree-guard.yaml (an invalid one would refuse every later push,
its own fix included), and a push may not write a --policy-ref outside
refs/heads/: admins change that ref on the server with git update-ref.

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
