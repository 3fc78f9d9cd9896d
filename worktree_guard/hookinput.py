"""Hook inputs: what each entry point is handed, parsed into ``RefUpdate``s.

One module for every way a run learns what it judges: git's pre-push stdin,
pre-commit's ``PRE_COMMIT_*`` variables, CI's ``--from-ref``/``--to-ref``
and its ``GITHUB_*``/``CI_*`` variables, and the server's pre-receive and
``update`` lines.  Parsing is pure; resolving a name to an oid asks
``gitctx``.
"""
from __future__ import annotations

import os

from worktree_guard.errors import GitError
from worktree_guard.errors import GuardError
from worktree_guard.model import RefUpdate
from worktree_guard.model import ZERO_OID
from worktree_guard.model import is_oid

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx import Repo


# -- git's hook stdin ----------------------------------------------------------------

def parse_push_lines(text: str) -> list[RefUpdate]:
    """Parse git's pre-push stdin: ``<lref> <loid> <rref> <roid>`` lines.

    Malformed lines raise ``GitError`` (exit 2) naming the line.
    """
    updates = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(' ')
        if len(parts) != 4 or not all(is_oid(p) for p in (parts[1], parts[3])):
            raise GitError(
                f'pre-push input line {n} is malformed: {line[:120]!r}',
                'git sends "<local-ref> <local-oid> <remote-ref> <remote-oid>" '
                'lines; run this hook from git, not by hand',
            )
        updates.append(RefUpdate(parts[0], parts[1], parts[2], parts[3]))
    return updates


def _bad_line(n: int, line: str, what: str) -> GitError:
    return GitError(
        f'{what} input line {n} is malformed: {line[:120]!r}',
        'git sends "<old-oid> <new-oid> <ref-name>" lines; run this hook '
        'from git, not by hand',
    )


def parse_receive_lines(text: str) -> list[RefUpdate]:
    """Parse pre-receive stdin: ``<old-oid> SP <new-oid> SP <ref> LF``.

    A pre-receive line becomes a ``RefUpdate`` seen from the remote side:
    the ref being written is both ``local_ref`` and ``remote_ref``, its
    current value ``remote_oid`` and the pushed value ``local_oid``.
    """
    updates = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(' ')
        if len(parts) != 3:
            raise _bad_line(n, line, 'pre-receive')
        old, new, ref = parts
        updates.append(update_from(ref, old, new, n, line))
    return updates


def update_from(ref: str, old: str, new: str, n: int = 1,
                line: str | None = None) -> RefUpdate:
    """One received ref (the ``update`` hook's ``<ref> <old> <new>``)."""
    if not (is_oid(old) and is_oid(new) and ref.startswith('refs/')):
        raise _bad_line(n, line if line is not None else f'{ref} {old} {new}',
                        'pre-receive' if line is not None else 'update')
    return RefUpdate(ref, new, ref, old)


# -- pre-commit and CI --------------------------------------------------------------

def updates_from_pre_commit_env(
        repo: Repo, environ: dict[str, str] | os._Environ[str],
) -> tuple[list[RefUpdate], str | None] | None:
    """Rebuild the one ref pre-commit exposes to pre-push hooks.

    pre-commit (``hook_impl._pre_push_ns``) passes only the first pushed
    ref that brings something new, never a deletion, through
    ``PRE_COMMIT_LOCAL_BRANCH``/``REMOTE_BRANCH``/``REMOTE_NAME`` (full
    refs) and ``PRE_COMMIT_FROM_REF``/``TO_REF``.  ``FROM_REF`` is the
    remote tip only when that tip exists locally; for a new branch (or an
    unknown remote tip) it is a synthetic parent: the parent of the first
    commit no remote-tracking ref of the remote contains.  When the push
    includes the root commit, FROM and TO are both unset.

    So the remote oid is ``FROM_REF`` when it equals the remote-tracking
    ref, or when it is not an ancestor of ``TO_REF`` (a synthetic parent
    always is); otherwise the remote-tracking ref, else new (zeros).
    Returns ``None`` when the variables are absent (not a pre-push run).
    """
    remote_branch = environ.get('PRE_COMMIT_REMOTE_BRANCH')
    local_branch = environ.get('PRE_COMMIT_LOCAL_BRANCH') or 'HEAD'
    remote = environ.get('PRE_COMMIT_REMOTE_NAME') or None
    to_ref = environ.get('PRE_COMMIT_TO_REF')
    from_ref = environ.get('PRE_COMMIT_FROM_REF')
    if not remote_branch:
        # `pre-commit run --hook-stage pre-push --from-ref A --to-ref B`
        # (or try-repo): refs without a remote branch, as in CI.
        if from_ref and to_ref:
            return updates_from_refs(repo, from_ref, to_ref, None), remote
        return None
    local_oid = _commit_oid(repo, to_ref or local_branch)
    short = remote_branch[11:] if remote_branch.startswith('refs/heads/') \
        else None
    tracking = repo.ref_oid(f'refs/remotes/{remote}/{short}') \
        if remote and short else None
    from_oid = _commit_oid(repo, from_ref) if from_ref and to_ref else None
    if from_oid is not None and (
            from_oid == tracking or short is None
            or not repo.is_ancestor(from_oid, local_oid)):
        remote_oid = from_oid
    else:
        remote_oid = tracking or ZERO_OID
    return [RefUpdate(local_branch, local_oid, remote_branch,
                      remote_oid)], remote


def _commit_oid(repo: Repo, rev: str, trust_oid: bool = True) -> str:
    """A full oid as is (pre-commit passes oids git gave it), else resolved."""
    if trust_oid and is_oid(rev):
        return rev
    oid = repo.rev_parse(rev)
    if oid is None:
        raise GuardError(f'cannot resolve {rev!r} to a commit',
                         'fetch it first (CI clones are often shallow: '
                         'use fetch-depth: 0)')
    return oid


def _ci_remote_ref(repo: Repo, to_oid: str, from_oid: str) -> str:
    """The branch a CI run judges: the pull/merge request's head branch,
    else the checked-out branch, else the branch the CI says it built,
    else (a detached checkout) the one branch whose tip is the judged
    head and not the base."""
    env = os.environ
    name = env.get('GITHUB_HEAD_REF') or env.get(
        'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME') or repo.head().branch
    if not name and env.get('GITHUB_REF', '').startswith('refs/heads/'):
        name = env['GITHUB_REF'][11:]
    name = name or env.get('CI_COMMIT_BRANCH')
    if not name:
        name = _branch_at(repo, to_oid, from_oid)
    return f'refs/heads/{name}'


def _branch_at(repo: Repo, to_oid: str, from_oid: str) -> str:
    """The name of the one branch (local, else remote-tracking) at the
    judged head of a detached checkout; the base's own branches do not
    count."""
    names = repo.branches_at(to_oid) - repo.branches_at(from_oid)
    if len(names) == 1:
        return names.pop()
    seen = f" ({', '.join(sorted(names))} point at it)" if names else ''
    raise GuardError('cannot tell which branch is being pushed: HEAD is '
                     f'detached{seen}',
                     'pass --branch NAME (the branch under review)')


def updates_from_refs(repo: Repo, from_ref: str, to_ref: str,
                      branch: str | None) -> list[RefUpdate]:
    """The push rules' input in CI: ``--from-ref BASE --to-ref HEAD``.

    One update of ``refs/heads/<branch>`` (``--branch``, else see
    ``_ci_remote_ref``) from ``BASE`` to ``HEAD``: the path rules judge the
    commits ``BASE..HEAD``; sync-before-push judges ``HEAD`` against the
    remote base tip, exactly as the pre-push hook does.
    """
    to_oid = _commit_oid(repo, to_ref, trust_oid=False)
    from_oid = _commit_oid(repo, from_ref, trust_oid=False)
    remote_ref = f'refs/heads/{branch}' if branch else \
        _ci_remote_ref(repo, to_oid, from_oid)
    return [RefUpdate('HEAD', to_oid, remote_ref, from_oid)]


# -- the files pre-commit passes ----------------------------------------------------

def files_to_judge(repo: Repo, files: list[str], whole: bool = False,
                   cwd: str | None = None) -> list[str] | None:
    """The files a commit-stage run judges whole, from the file names
    pre-commit passes (``pass_filenames: true``), or ``None`` for the
    staged change.

    Inside ``git commit`` or ``git merge`` (``GIT_INDEX_FILE`` is set for
    their hooks), and for ``pre-commit run`` on the staged files (every
    name is a staged change), the run judges the staged change as a commit
    does, every staged path (what pre-commit's ``types`` or a deleted
    working-tree file would leave out included).  When any name is not a
    staged change (``pre-commit run --all-files`` or ``--files``), the run
    judges exactly the given files, whole, as the index holds them.
    ``whole`` (``check --all-files FILE...``) judges the given files whole
    in any case.  Names are relative to ``cwd`` (pre-commit runs at the
    root).
    """
    if not files or repo.root is None:
        return None
    from worktree_guard.gitctx.paths import staged_paths
    root = os.path.realpath(repo.root)
    here = os.path.realpath(cwd or os.getcwd())
    prefix = '' if here == root else os.path.relpath(here, root) + '/'
    names = [os.path.normpath(prefix + f).replace(os.sep, '/')
             for f in files]
    if whole:
        return names
    if os.environ.get('GIT_INDEX_FILE'):
        # git commit and git merge set it for their hooks: a commit, even
        # when pre-commit passes a merge's files that HEAD already has.
        return None
    staged = staged_paths(repo)
    return None if all(n in staged for n in names) else names
