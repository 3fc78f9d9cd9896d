"""Git facts for the ``wt`` commands and the worktree-layout rule (issue 5).

``layout_facts`` is on the commit path: in the main checkout it reads no
file and starts no process; in a linked worktree it starts at most one
(``git check-ignore`` in the main checkout), two when the main checkout
cannot be derived from the common dir's name.

``merge_conflicts`` forecasts a merge with ``git merge-tree --write-tree``
(git >= 2.38), which writes objects but touches no worktree, index or ref.

The rest serves the interactive ``wt`` commands: fetching the base,
``git worktree add/remove/prune``, branch deletion and the batched facts of
``wt list`` and ``wt status``.
"""
from __future__ import annotations

import os

from worktree_guard.errors import GitError
from worktree_guard.errors import GuardError
from worktree_guard.model import LayoutFacts
from worktree_guard.gitctx import ProcResult
from worktree_guard.gitctx import decode
from worktree_guard.gitctx import foreign_env
from worktree_guard.model import is_oid
from worktree_guard.gitctx import spawn
from worktree_guard.gitctx import stderr_tail

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

    from worktree_guard.model import WorktreeInfo
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy
    from worktree_guard.model import StageInput

# git's exit code for an unknown option (old git without ``--write-tree``).
_USAGE = 129


def git_at(path: str, *args: str, input: bytes | None = None,
           timeout: float | None = None) -> ProcResult:
    """Run git in the checkout at ``path`` (not the repo we were started in)."""
    return spawn(['git', '-C', path, *args], input=input, env=foreign_env(),
                 timeout=timeout)


# -- merge forecasts -------------------------------------------------------------------

def merge_conflicts(repo: Repo, ours: str, theirs: str) -> list[str] | None:
    """The files a merge of ``theirs`` into ``ours`` would leave conflicted.

    ``[]`` when the merge is clean; ``None`` when git is too old to forecast
    (``merge-tree --write-tree`` needs git 2.38).  Bad revisions or
    unrelated histories raise ``GitError``.
    """
    res = repo.git('merge-tree', '--write-tree', '--name-only',
                   '--no-messages', '-z', ours, theirs, check=False)
    if res.returncode == _USAGE:
        return None
    fields = decode(res.stdout).split('\0')
    # Exit 0: clean, exit 1: conflicts.  Both print the tree first; an error
    # (a bad revision also exits 1) prints no tree.
    if res.returncode not in (0, 1) or not is_oid(fields[0]):
        raise GitError(f'cannot forecast merging {theirs} into {ours}: '
                       f'{stderr_tail(res)}')
    if res.returncode == 0:
        return []
    return _names(fields[1:])


def _names(fields: Sequence[str]) -> list[str]:
    """The conflicted files (``--name-only`` lists each once), up to the
    blank field that ends the list."""
    import itertools
    return list(itertools.takewhile(bool, fields))


def merge_conflicts_many(
        repo: Repo, pairs: Sequence[tuple[str, str]],
) -> list[list[str]] | None:
    """``merge_conflicts`` for many pairs, in one ``git merge-tree --stdin``.

    Each result is the conflicted files (``[]``: clean).  ``None`` when
    git cannot forecast at all.  A git without ``merge-tree --stdin``
    (2.38, 2.39 builds without it) forecasts one process per pair.
    """
    if not pairs:
        return []
    data = ''.join(f'{a} {b}\n' for a, b in pairs).encode()
    res = repo.git('merge-tree', '--stdin', '--name-only', '--no-messages',
                   '-z', input=data, check=False)
    if res.returncode == 0:
        fields = decode(res.stdout).split('\0')
        out: list[list[str]] = []
        i = 0
        for _ in pairs:
            # <status>\0<tree>\0<path>\0...\0\0 ; status 1 = clean.
            # Walk by index: a slice per pair copied the rest of the list
            # (quadratic: 1.6 s at 200 branches sharing a file).
            clean = fields[i] == '1'
            j = i + 2
            while fields[j]:
                j += 1
            out.append([] if clean else fields[i + 2:j])
            i = j + 1
        return out
    if res.returncode != _USAGE:
        raise GitError(f'cannot forecast merges: {stderr_tail(res)}')
    result: list[list[str]] = []
    for a, b in pairs:
        one = merge_conflicts(repo, a, b)
        if one is None:
            return None
        result.append(one)
    return result


# -- the layout rule (commit path) -----------------------------------------------------

def _main_candidate(common_dir: str) -> str | None:
    """The main checkout implied by a common dir named ``.git``."""
    common = os.path.normpath(common_dir)
    if os.path.basename(common) == '.git':
        return os.path.dirname(common)
    return None


def ignore_probe(main_real: str, root_dir: str, name: str) -> str | None:
    """``<root>/<name>/`` relative to the main checkout; ``None`` outside it."""
    rel = os.path.relpath(os.path.join(root_dir, name), main_real)
    if rel == '..' or rel.startswith('../'):
        return None
    return rel + '/'


def ignored_in(main: str, rels: Sequence[str]) -> set[str] | None:
    """Which of ``rels`` are ignored in the checkout at ``main``.

    One ``git check-ignore --stdin``.  ``None`` when git cannot tell:
    ``main`` is no work tree (a bare repository named ``.git``, with the
    worktrees next to it) or is unreadable.
    """
    res = git_at(main, 'check-ignore', '--no-index', '--stdin', '-z',
                 input=''.join(r + '\0' for r in rels).encode(
                     'utf-8', 'surrogateescape'))
    if res.returncode in (0, 1):
        return {f for f in decode(res.stdout).split('\0') if f}
    return None


def layout_context(repo: Repo, policy: Policy) -> tuple[
        str | None, str | None]:
    """(real main checkout or ``None`` if bare, real ``<root>`` folder or
    ``None`` when the nested layout has no main checkout).

    Raises ``GuardError`` when the main checkout cannot be traced: with a
    separate git dir, git reports the git dir as the main worktree."""
    wts = policy['worktrees']
    main = _main_candidate(repo.common_dir)
    if main is None and wts['layout'] == 'nested':
        main = repo.main_root()
        if main is not None and os.path.realpath(main) == \
                os.path.realpath(repo.common_dir):
            raise GuardError(
                'cannot find the main checkout: its git dir '
                f'({repo.common_dir}) is separate and git does not record '
                'where the checkout is',
                "set 'worktrees: {layout: bare}' to keep worktrees under "
                'the git dir',
            )
    main_real = os.path.realpath(main) if main else None
    if wts['layout'] == 'bare':
        base: str | None = repo.common_dir
    else:
        base = main_real
    root_dir = os.path.realpath(os.path.join(base, wts['root'])) \
        if base else None
    return main_real, root_dir


def _facts(path: str, branch: str | None, policy: Policy,
           main_real: str | None, root_dir: str | None,
           ignored: bool | None) -> LayoutFacts:
    wts = policy['worktrees']
    return LayoutFacts(True, os.path.realpath(path), branch, wts['layout'],
                       wts['root'], root_dir, main_real, ignored)


def layout_facts(repo: Repo, policy: Policy, inp: StageInput) -> LayoutFacts:
    """Where the worktree being committed in sits (see ``LayoutFacts``)."""
    if repo.root is None or not repo.is_linked_worktree():
        return LayoutFacts(False, repo.root or repo.git_dir)
    try:
        main_real, root_dir = layout_context(repo, policy)
    except GuardError as e:
        return LayoutFacts(False, repo.root, unjudged=e.message)
    branch = repo.head().branch
    ignored: bool | None = None
    if main_real is not None and root_dir is not None and \
            policy['worktrees']['layout'] == 'nested':
        name = branch or os.path.basename(os.path.realpath(repo.root))
        probe = ignore_probe(main_real, root_dir, name)
        if probe is not None:
            found = ignored_in(main_real, [probe])
            ignored = None if found is None else probe in found
    return _facts(repo.root, branch, policy, main_real, root_dir, ignored)


def layout_facts_all(repo: Repo, policy: Policy,
                     worktrees: Sequence[WorktreeInfo]) -> dict[
                         str, LayoutFacts]:
    """``LayoutFacts`` for every linked worktree, keyed by its path: one
    ``git check-ignore`` for all of them (``wt status``)."""
    main_real, root_dir = layout_context(repo, policy)
    linked = [w for w in worktrees if not w.is_main and not w.bare]
    probes: dict[str, str] = {}
    nested = policy['worktrees']['layout'] == 'nested'
    if main_real is not None and root_dir is not None and nested:
        for w in linked:
            name = w.branch or os.path.basename(os.path.realpath(w.path))
            probe = ignore_probe(main_real, root_dir, name)
            if probe is not None:
                probes[w.path] = probe
    found = ignored_in(main_real, sorted(set(probes.values()))) \
        if main_real is not None and probes else None
    return {
        w.path: _facts(w.path, w.branch, policy, main_real, root_dir,
                       (probes[w.path] in found)
                       if found is not None and w.path in probes else None)
        for w in linked
    }


# -- wt list / status ------------------------------------------------------------------

def changes(path: str) -> list[str]:
    """``git status --porcelain`` lines (``XY path``) of the worktree at
    ``path``, untracked files included; takes no optional lock."""
    res = spawn(['git', '--no-optional-locks', '-C', path, 'status',
                 '--porcelain', '-z', '--ignore-submodules=dirty'],
                env=foreign_env())
    if res.returncode != 0:
        raise GitError(f'cannot read the status of {path}: '
                       f'{stderr_tail(res)}')
    out = []
    fields = iter(decode(res.stdout).split('\0'))
    for f in fields:
        if not f:
            continue
        out.append(f)
        if f[0] in 'RC':  # a rename is followed by its source path
            next(fields, None)
    return out


def commit_times(repo: Repo, oids: Sequence[str]) -> dict[str, int]:
    """Committer time of each commit, in one process."""
    wanted = sorted(set(oids))
    if not wanted:
        return {}
    text = repo.out('log', '--no-walk=unsorted', '--format=%H %ct', *wanted)
    out = {}
    for line in text.splitlines():
        oid, _, when = line.partition(' ')
        out[oid] = int(when)
    return out


def changed_files(repo: Repo, base: str, tip: str) -> list[str] | None:
    """Files ``tip`` changes against its merge base with ``base`` (renames
    count as both paths); ``None`` when they share no history."""
    res = repo.git('diff', '--name-only', '--no-renames', '-z',
                   f'{base}...{tip}', check=False)
    if res.returncode != 0:
        return None
    return [f for f in decode(res.stdout).split('\0') if f]


def added_files(repo: Repo, old: str, new: str) -> list[str]:
    """Files ``new`` has and ``old`` does not (``git diff --diff-filter=A``)."""
    text = decode(repo.git('diff', '--name-only', '--no-renames',
                           '--diff-filter=A', '-z', old, new).stdout)
    return [f for f in text.split('\0') if f]


# -- wt land ---------------------------------------------------------------------------

def push(path: str, remote: str, src: str, dst: str,
         timeout: float | None = None) -> tuple[bool, str]:
    """``git push <remote> <src>:<dst>`` from the checkout at ``path``: a
    plain push, so the hooks (pre-push here, the server's there) judge
    it.  (ok, git's message)."""
    res = git_at(path, 'push', '--porcelain', remote, f'{src}:{dst}',
                 timeout=timeout)
    text = decode(res.stdout + res.stderr).strip()
    return res.returncode == 0 and not res.timed_out, text


def staged(path: str) -> bool:
    """Does the index of the checkout at ``path`` differ from its HEAD?"""
    return git_at(path, 'diff', '--cached', '--quiet').returncode != 0


def fast_forward(path: str, target: str) -> str | None:
    """``git merge --ff-only <target>`` in the clean checkout at ``path``;
    ``None`` when done, else why not.  When it fails after staging the new
    files (a hook refused the ref update: the native hooks do so for a
    branch the remote lacks), ``git reset --merge`` puts the index and the
    files back, so nothing is left staged."""
    res = git_at(path, 'merge', '--ff-only', '--quiet', target)
    if res.returncode == 0:
        return None
    why = stderr_tail(res)
    if staged(path):
        git_at(path, 'reset', '--merge')
        why += '; its staged result was undone (git reset --merge)'
    return why


def move_branch(repo: Repo, branch: str, new: str, old: str) -> str | None:
    """Move a branch no checkout has out from ``old`` to ``new``
    (``git update-ref``, which checks ``old``); ``None`` when done."""
    res = repo.git('update-ref', '-m', 'wt land: fast-forward',
                   f'refs/heads/{branch}', new, old, check=False)
    if res.returncode != 0:  # pragma: no cover (the branch moved meanwhile)
        return stderr_tail(res)
    return None
