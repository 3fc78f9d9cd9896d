"""CI judges a pull request by its base's policy (issue 13).

``check --stage push --from-ref <base> --to-ref <head>`` reads
``.worktree-guard.yaml`` from the base commit (``--policy-from-ref``, on
by default whenever ``--from-ref`` is given and ``--policy`` is not): a
pull request cannot switch the rules off for itself.  When the pull
request changes the policy, a note says what changes (``policy_diff``),
so a reviewer sees a loosening before merging it.
"""
from __future__ import annotations

from worktree_guard.errors import PolicyError

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy


def base_policy(repo: Repo, from_ref: str,
                to_ref: str) -> tuple[Policy, list[str]]:
    """The policy at ``from_ref`` (the built-in one when it has no file),
    and notes about how ``to_ref`` changes it."""
    from worktree_guard import policy as policy_mod
    from worktree_guard.gitctx import receive
    name = policy_mod.POLICY_FILE
    base = repo.rev_parse(from_ref)
    assert base is not None  # updates_from_refs resolved it already
    old_blob = receive.read_blob(repo, base, name)
    pol = policy_mod.default_policy() if old_blob is None else \
        policy_mod.parse(old_blob[1], f'{from_ref}:{name}')
    head = repo.rev_parse(to_ref)
    new_blob = None if head is None else receive.read_blob(repo, head, name)
    if (old_blob and old_blob[0]) == (new_blob and new_blob[0]):
        return pol, []
    said = (f'this change edits {name}; it is judged by the policy of '
            f'{from_ref}, and the new one applies once merged')
    try:
        new = policy_mod.default_policy() if new_blob is None else \
            policy_mod.parse(new_blob[1], f'{to_ref}:{name}')
    except PolicyError as e:
        return pol, [f'{said}; the new {name} is invalid: '
                     f'{e.message.splitlines()[0]}']
    from worktree_guard.policy.diff import loosenings
    loose = loosenings(pol, new)
    if loose:
        return pol, [f"{said}; it loosens: {'; '.join(loose)}"]
    return pol, [f'{said}; it loosens nothing']
