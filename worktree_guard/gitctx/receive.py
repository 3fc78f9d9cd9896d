"""Git facts on the server (issue 6): what a ``pre-receive`` or ``update``
hook is given, and the trusted policy blob.

Inside ``pre-receive`` the pushed objects sit in git's quarantine: git sets
``GIT_QUARANTINE_PATH``, points ``GIT_OBJECT_DIRECTORY`` at the quarantine
and lists the real object store in ``GIT_ALTERNATE_OBJECT_DIRECTORIES``.
Every git child we start inherits that environment (``gitctx.hook_env``
keeps it and only makes relative paths absolute), so it sees the new
objects.  Nothing here writes objects or refs: git forbids ref updates in
quarantine, and a refused push must leave nothing behind.  The ``update``
hook runs after git moved the objects into the repository.
"""
from __future__ import annotations


from worktree_guard.errors import GitError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import decode
from worktree_guard.gitctx import hook_env

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Mapping

    from worktree_guard.policy import Policy

PUSH_OPTION_COUNT = 'GIT_PUSH_OPTION_COUNT'


def server_repo() -> Repo:
    """The repository a receive hook runs in.

    git runs receive hooks with ``GIT_DIR`` set (``.`` in a bare repo), so
    no ``rev-parse`` is needed; without it (run by hand) the repository is
    discovered from the cwd.  The hook never needs a work tree, so the repo
    is always used through ``--git-dir``.
    """
    env = hook_env()
    git_dir = env.get('GIT_DIR')
    if not git_dir:
        repo = Repo.discover()
        repo.root = None
    else:
        common = env.get('GIT_COMMON_DIR') or git_dir
        repo = Repo(git_dir, common, None, True, env)
    # Nothing moves while a receive hook runs: refs that share a range
    # share its git reads (``Repo.frozen``).
    repo.frozen = True
    return repo


def push_options(environ: Mapping[str, str]) -> list[str]:
    """``git push -o`` values: ``GIT_PUSH_OPTION_COUNT`` and
    ``GIT_PUSH_OPTION_<n>``.  Empty when the client sent none (or the server
    does not advertise push options)."""
    try:
        count = int(environ.get(PUSH_OPTION_COUNT, '0'))
    except ValueError:
        return []
    return [environ.get(f'GIT_PUSH_OPTION_{i}', '') for i in range(count)]


def head_target(repo: Repo) -> str | None:
    """The ref HEAD names (``refs/heads/master``), even when missing."""
    head = repo.head()
    if head.kind in ('branch', 'unborn') and head.branch:
        return head.branch if head.branch.startswith('refs/') \
            else f'refs/heads/{head.branch}'
    return None


def server_base(repo: Repo, policy: Policy) -> tuple[str, str]:
    """The base on the server: ``base.branch``, else the branch HEAD
    names.  Only branches count: a pushed ``refs/remotes/origin/main`` (or
    any other ref) never switches the base of the sync check."""
    remote = policy['base']['remote'] or 'origin'
    branch = policy['base']['branch']
    if branch is None:
        target = head_target(repo) or 'refs/heads/main'
        branch = target[11:] if target.startswith('refs/heads/') else 'main'
    return remote, branch


def has_branches(repo: Repo) -> bool:
    """Does the repository hold any branch yet?  (An empty one takes its
    first push with the built-in policy.)"""
    out = repo.git('for-each-ref', '--count=1', '--format=%(refname)',
                   'refs/heads/').stdout
    return bool(out.strip())


def peeled_commit(repo: Repo, oid: str) -> str | None:
    """The commit a pushed object is or points at (an annotated tag is
    peeled); ``None`` for a tag of a tree or a blob."""
    return repo.rev_parse(oid)


def resolve_policy_ref(repo: Repo, name: str) -> tuple[str, str | None]:
    """``--policy-ref NAME``: a full ref (``refs/...``) or a branch name.

    Returns the full ref and its commit (``None`` when it does not exist).
    """
    ref = name if name.startswith('refs/') else f'refs/heads/{name}'
    oid = repo.ref_oid(ref)
    return ref, (repo.rev_parse(oid) if oid else None)


def read_blob(repo: Repo, commit: str, path: str) -> tuple[str, bytes] | None:
    """``(blob oid, content)`` of ``path`` in ``commit``, or ``None`` when
    the commit has no such file.  One ``git cat-file --batch``, which sees
    quarantined objects like every other git child of the hook."""
    res = repo.git('cat-file', '--batch', input=f'{commit}:{path}\n'.encode(
        'utf-8', 'surrogateescape'))
    return _blob(commit, path, res.stdout)


def read_policy_blob(repo: Repo, commit: str, path: str) -> bytes | None:
    """The content of the policy ``path`` in ``commit`` (``None``: none),
    refused (``PolicyError``) when it is no regular file or larger than a
    policy may be: every client would refuse it, or read another file."""
    from worktree_guard.errors import PolicyError
    from worktree_guard.gitctx.blobs import FILE_MODES
    from worktree_guard.gitctx.blobs import mode_name
    from worktree_guard.gitctx.blobs import tree_entry
    from worktree_guard.policy.bounds import MAX_POLICY_BYTES
    entry = tree_entry(repo, commit, path)
    if entry is None:
        return None
    mode, oid, size = entry
    if mode not in FILE_MODES:
        raise PolicyError(f'{path} is {mode_name(mode)}, not a regular file',
                          'commit the policy as a plain file')
    if size > MAX_POLICY_BYTES:
        raise PolicyError(f'{path} is larger than {MAX_POLICY_BYTES} bytes',
                          'a policy is at most 1 MiB')
    return repo.git('cat-file', 'blob', oid).stdout


def locate_blob(repo: Repo, rev: str, path: str,
                ) -> tuple[str | None, tuple[str, bytes] | None]:
    """The commit ``rev`` peels to (``None`` when it is none), and
    ``read_blob``'s answer for ``path`` in it: one ``git cat-file --batch``
    for both."""
    res = repo.git('cat-file', '--batch',
                   input=f'{rev}^{{commit}}\n{rev}:{path}\n'.encode(
                       'utf-8', 'surrogateescape'))
    header, _, rest = res.stdout.partition(b'\n')
    parts = decode(header).split(' ')
    commit = None
    if len(parts) == 3 and parts[1] == 'commit' and parts[2].isdigit():
        commit = parts[0]
        rest = rest[int(parts[2]) + 1:]
    return commit, _blob(rev, path, rest)


def _blob(commit: str, path: str, out: bytes) -> tuple[str, bytes] | None:
    """One ``cat-file --batch`` record of ``<commit>:<path>``."""
    header, _, rest = out.partition(b'\n')
    parts = decode(header).split(' ')
    if len(parts) == 3 and parts[1] == 'blob' and parts[2].isdigit():
        return parts[0], rest[:int(parts[2])]
    if parts[-1] == 'missing':
        return None
    raise GitError(f'{commit[:12]}:{path} is not a file '
                   f'({decode(header).strip()})',
                   'the policy must be a regular file at the repository root')

