"""What the server trusts (issue 13): the policy ref, the ref namespaces a
push may write, and who may loosen the policy.

* The policy ref is explicit: ``--policy-ref``, else the branch the
  repository's HEAD names; when the policy read there sets
  ``base.branch``, that branch.  A dangling HEAD is never followed to a
  guess.  A missing policy ref refuses every push (fail closed), except the
  first push into an empty repository, which is judged by the built-in
  policy and may set any policy.
* Only ``refs/heads/*`` and ``refs/tags/*`` may be written, plus the globs
  of ``server.allowed-refs``; ``refs/replace/*`` is never honoured anyway
  (every git child runs with ``GIT_NO_REPLACE_OBJECTS=1``).
* A push that changes the policy file on the policy ref is judged by the
  old policy, and a change that loosens it (``policy_diff``) is refused
  unless the pusher is in ``server.policy-admins``.
"""
from __future__ import annotations

from worktree_guard.errors import GuardError
from worktree_guard.errors import PolicyError
from worktree_guard.model import Record

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Mapping

    from worktree_guard.gitctx import Repo
    from worktree_guard.model import RefUpdate
    from worktree_guard.model import Violation
    from worktree_guard.policy import Policy

POLICY_RULE = 'server-policy'
# Variables that name the pusher on common servers: GitLab, Gitea, a web
# server's authenticated user (git http-backend), gitolite.
PUSHER_VARS = ('GL_USERNAME', 'GITEA_PUSHER_NAME', 'REMOTE_USER', 'GL_USER')
# What a push may always write.
OPEN_NAMESPACES = ('refs/heads/', 'refs/tags/')


class TrustedPolicy(Record):
    """The policy a push is judged by, and where it came from."""

    __slots__ = ('policy', 'ref', 'source', 'first_push', 'pusher',
                 'chain')

    def __init__(self, policy: Policy, ref: str | None, source: str,
                 first_push: bool = False) -> None:
        self.policy = policy
        self.ref = ref        # the ref it is read from (None: a file)
        self.source = source  # for messages
        self.first_push = first_push  # an empty repository's first push
        self.pusher: str | None = None
        # Every ref read to find the policy (HEAD's branch or --policy-ref,
        # then the branch its base.branch names), with the policy each
        # holds now: a push to any of them is a policy change.
        self.chain: dict[str, Policy] = {} if ref is None else {ref: policy}

    def is_admin(self) -> bool:
        return self.pusher is not None and \
            self.pusher in self.policy['server']['policy-admins']


def pusher(environ: Mapping[str, str]) -> str | None:
    """Who pushes, as the server says it (``None`` when it does not)."""
    return next((environ[v] for v in PUSHER_VARS if environ.get(v)), None)


# -- namespaces ------------------------------------------------------------------

def ref_allowed(ref: str, policy: Policy) -> bool:
    if ref.startswith(OPEN_NAMESPACES):
        return True
    from worktree_guard.policy.globmatch import matches_any
    return matches_any(list(policy['server']['allowed-refs']), ref)


def namespace_violation(u: RefUpdate, policy: Policy) -> Violation | None:
    """A refusal for a ref outside the namespaces a push may write
    (deletions are let through: they bring nothing)."""
    if u.is_delete or ref_allowed(u.remote_ref, policy):
        return None
    from worktree_guard.rules import server_policy
    return server_policy.ref_outside_namespaces(u.remote_ref)


# -- the policy ref --------------------------------------------------------------

def load(repo: Repo, policy_ref: str | None,
         policy_path: str | None) -> TrustedPolicy:
    """The server's policy: ``--policy PATH``, else ``.worktree-guard.yaml``
    on the policy ref *on the server now* (the pushed commits are never
    consulted).  A policy ref without the file means the built-in
    defaults; an invalid file refuses every push (fail closed) until an
    administrator fixes it."""
    from worktree_guard import policy as policy_mod
    if policy_path is not None:
        pol = policy_mod.load(None, policy_path, repo.git_dir)
        return TrustedPolicy(pol, None, f'{policy_path} (a file on '
                                        'the server)')
    from worktree_guard.gitctx import receive
    if policy_ref is not None:
        ref, commit = receive.resolve_policy_ref(repo, policy_ref)
        why = f'--policy-ref {policy_ref}'
    else:
        ref = receive.head_target(repo) or 'HEAD'
        commit = repo.ref_oid(ref) if ref.startswith('refs/') else None
        why = f"the server's HEAD ({ref})"
    if commit is None:
        return _missing(repo, ref, why)
    trusted = _read(repo, ref, commit)
    base = trusted.policy['base']['branch']
    if base and f'refs/heads/{base}' != ref:
        # base.branch names the policy branch explicitly: read it there.
        ref = f'refs/heads/{base}'
        commit = repo.ref_oid(ref)
        if commit is None:
            return _missing(repo, ref, f'base.branch in {trusted.source}')
        first = trusted
        trusted = _read(repo, ref, commit)
        # The branch that names the policy branch is a policy ref too: a
        # push there can move where the policy comes from.
        trusted.chain = {**first.chain, **trusted.chain}
    return trusted


def _missing(repo: Repo, ref: str, why: str) -> TrustedPolicy:
    from worktree_guard import policy as policy_mod
    from worktree_guard.gitctx import receive
    if not receive.has_branches(repo):
        return TrustedPolicy(
            policy_mod.default_policy(), ref,
            f'the built-in defaults: {ref} does not exist yet, and the '
            'first push into an empty repository sets the policy',
            first_push=True)
    raise GuardError(
        f"the server's policy ref {ref} (from {why}) does not exist, so "
        'every push is refused: the policy is never guessed from another '
        'branch',
        'on the server, point HEAD at the default branch (git symbolic-ref '
        'HEAD refs/heads/main), or install the hook with --policy-ref '
        '<branch>',
    )


def _read(repo: Repo, ref: str, oid: str) -> TrustedPolicy:
    from worktree_guard import policy as policy_mod
    commit, blob, content = _locate(repo, oid)
    if blob is None:
        return TrustedPolicy(
            policy_mod.default_policy(), ref,
            f'the built-in defaults, as {ref} has no '
            f'{policy_mod.POLICY_FILE}')
    display = f'{ref}:{policy_mod.POLICY_FILE}'

    def read() -> bytes:
        if content is not None:
            return content
        from worktree_guard.gitctx import receive
        found = receive.read_blob(repo, commit, policy_mod.POLICY_FILE)
        if found is None or found[0] != blob:   # a foreign BLOBS_FILE
            raise GuardError(
                f'{BLOBS_FILE} names a policy blob that {commit[:12]} '
                'does not hold',
                f'on the server, remove {BLOBS_FILE} from the repository '
                '(it is only a cache)')
        return found[1]

    try:
        pol = _from_blob(repo, display, blob, read)
    except PolicyError as e:
        raise PolicyError(
            f"the server's policy is invalid, so every push is refused:\n"
            f'{e.message}',
            f'{e.hint + "; " if e.hint else ""}an administrator fixes '
            f'{ref} on the server, or points the hook at a valid file with '
            '--policy PATH',
        ) from None
    return TrustedPolicy(pol, ref, f'{display} at {commit[:12]}')


CACHE_FILE = 'worktree-guard-server-policy.cache'
# Which policy blob a policy ref's commit holds: with it, a push while the
# policy ref stands still reads the policy without starting git at all.
BLOBS_FILE = 'worktree-guard-server-policy.blobs'
BLOBS_KEY = ('policy-blobs',)
BLOBS_KEPT = 16   # commits remembered (the newest)


def _locate(repo: Repo, oid: str) -> tuple[str, str | None, bytes | None]:
    """The commit the policy ref's ``oid`` peels to, the policy blob's id in
    it (``None``: no policy file) and, when git was asked, the blob's
    content.  A commit's tree never changes (replace objects are never
    honoured), so the answer is kept in ``BLOBS_FILE``, keyed by the
    package version like the policy cache; an entry of any other shape is
    ignored, and a missing or corrupt file only costs one ``git cat-file
    --batch``."""
    import os

    from worktree_guard import policy as policy_mod
    from worktree_guard.gitctx import receive
    from worktree_guard.model import is_oid
    from worktree_guard.policy.cache import load_memo
    from worktree_guard.policy.cache import save_memo
    path = os.path.join(repo.git_dir, BLOBS_FILE)
    memo = load_memo(path, BLOBS_KEY)
    hit = memo.get(oid)
    if isinstance(hit, tuple) and len(hit) == 2 \
            and all(isinstance(x, str) for x in hit) and is_oid(hit[0]) \
            and (hit[1] == '' or is_oid(hit[1])):
        return hit[0], hit[1] or None, None
    peeled, found = receive.locate_blob(repo, oid, policy_mod.POLICY_FILE)
    commit = peeled or oid   # a branch always holds a commit
    blob, content = found if found is not None else (None, None)
    memo.pop(oid, None)   # the newest last
    memo[oid] = (commit, blob or '')
    for old in list(memo)[:-BLOBS_KEPT]:
        del memo[old]
    save_memo(path, BLOBS_KEY, memo)
    return commit, blob, content


def _from_blob(repo: Repo, display: str, oid: str,
               read: Callable[[], bytes]) -> Policy:
    """Parse a policy blob, cached by its object id in the git dir: blobs
    never change, so a cache hit skips YAML and schema validation."""
    import os

    from worktree_guard import policy as policy_mod
    return policy_mod.cached_parse(
        os.path.join(repo.git_dir, CACHE_FILE),
        (policy_mod.CACHE_VERSION, oid, display), read, display, display)


# -- a push to the policy ref ----------------------------------------------------------

def policy_change(repo: Repo, trusted: TrustedPolicy,
                  u: RefUpdate) -> list[Violation]:
    """A push that updates a policy ref (``trusted.chain``): the new policy
    must be a regular file that parses (else every later push, its fix
    included, would be refused, or a client would read another file), and
    may not loosen the one the ref holds now, nor change a key only
    admins may change (``policy.diff``), unless the pusher is a policy
    admin."""
    from worktree_guard import policy as policy_mod
    from worktree_guard.gitctx import receive
    from worktree_guard.rules import server_policy
    name = policy_mod.POLICY_FILE
    try:
        blob = receive.read_policy_blob(repo, u.local_oid, name)
        new = policy_mod.default_policy() if blob is None else \
            policy_mod.parse(blob, name)
    except PolicyError as e:
        return [server_policy.invalid_policy(u.remote_ref, name, e.message,
                                             e.hint)]
    if trusted.first_push:
        return []
    from worktree_guard.policy.diff import loosenings
    old = trusted.chain.get(u.remote_ref, trusted.policy)
    loose = loosenings(old, new)
    if not loose:
        return []
    return [server_policy.loosened(u.remote_ref, name, loose,
                                   trusted.pusher, trusted.is_admin())]


def policy_ref_moves(repo: Repo, trusted: TrustedPolicy,
                     u: RefUpdate) -> list[Violation]:
    """A policy ref is protected whatever ``branches.protected`` says: no
    deletion (every later push would be refused) and no force push
    (which would rewrite the policy's history); an admin does either on
    the server.  The first push into an empty repository creates it."""
    if u.remote_ref not in trusted.chain or trusted.first_push:
        return []
    from worktree_guard.rules import server_policy
    if u.is_delete:
        return [server_policy.policy_ref_moved(u.remote_ref, 'deleted')]
    if not repo.is_ancestor(u.remote_oid, u.local_oid):
        return [server_policy.policy_ref_moved(u.remote_ref,
                                               'force-pushed')]
    return []
