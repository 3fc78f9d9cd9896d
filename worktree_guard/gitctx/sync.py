"""Git facts for sync-before-push: the base tip, and each pushed branch's
ancestry against it.

Which tip is judged against, and how its age is measured:

* Client side with ``sync.fetch: true`` (the default): one
  ``git fetch <remote> +refs/heads/<base>:refs/remotes/<remote>/<base>``
  bounded by ``sync.fetch-timeout``.  It writes that one remote-tracking
  ref and nothing else: no tags, no ``FETCH_HEAD``, no pruning, no
  submodules, no auto-gc/maintenance, no commit-graph.  The tip is then
  "fetched just now".
* When the fetch fails (or ``sync.fetch: false``) the cached
  remote-tracking ref is the only tip.  Its age is the time since the ref
  last *changed*: the newest entry of its reflog
  (``logs/refs/remotes/<remote>/<base>``), or, without a reflog, the mtime
  of the loose ref file.  A fetch that brings nothing new rewrites neither,
  so the age is an upper bound: it errs towards "too old", never towards
  trusting a stale ref.  A packed ref without a reflog has no known age.
  Whether the cached tip is trusted (``sync.when-unreachable``,
  ``sync.max-staleness``) is decided by rules/sync_before_push.py.
* Server side (``inp.server``, inside pre-receive): this repository *is*
  the remote, so the tip is the local ``refs/heads/<base>``; nothing is
  fetched.

Per pushed branch, one ``git rev-list --left-right --parents
<tip>...<pushed>`` answers both questions: ``<`` lines are base commits the
branch lacks (how far behind), ``>`` lines with two or more parents are the
merge commits in ``<tip>..<pushed>``.
"""
from __future__ import annotations

import os
import time

from worktree_guard.model import SyncFacts
from worktree_guard.model import SyncTarget

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import RefUpdate
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy
    from worktree_guard.model import StageInput

def sync_facts(repo: Repo, policy: Policy, inp: StageInput) -> SyncFacts | None:
    """The facts sync-before-push judges, or ``None`` when no pushed ref
    needs judging (deletions, tags, non-branch refs and ``sync.exempt``
    branches are skipped before anything runs)."""
    wanted = [u for u in inp.updates
              if u.is_branch and not u.is_delete
              and not policy.matches('sync', 'exempt', u.branch)]
    if not wanted:
        return None
    if inp.server:
        from worktree_guard.gitctx.receive import server_base
        remote, base = server_base(repo, policy)
    else:
        remote, base = repo.resolve_base(policy['base']['remote'],
                                         policy['base']['branch'])
    # The base branch itself is judged by protected-branch (fast-forward
    # only), not by this rule.
    wanted = [u for u in wanted if u.branch != base]
    if not wanted:
        return None
    # base.remote and base.branch were validated as names when the policy
    # was loaded (policy.validate._bad_name): neither can smuggle in an option or
    # a refspec.
    facts = _tip(repo, policy, inp, remote, base)
    if facts.tip is not None:
        shallow = _shallow_commits(repo)
        for u in wanted:
            facts.targets.append(_target(repo, facts.tip, u, shallow))
        if policy['sync']['warn-overlap'] and not inp.server:
            _add_conflicts(repo, facts)
    else:
        facts.targets = [SyncTarget(u) for u in wanted]
    return facts


# -- the base tip ---------------------------------------------------------------------

def _tip(repo: Repo, policy: Policy, inp: StageInput, remote: str,
         base: str) -> SyncFacts:
    """Where the base tip is: fetched, the cached remote-tracking ref (with
    its age and the fetch error) or, on the server, the local branch.
    Whether it is trusted is the rule's call."""
    if inp.server:
        tip = repo.ref_oid(f'refs/heads/{base}')
        return SyncFacts(remote, base, tip, 'local', missing=tip is None)

    sync = policy['sync']
    tracking = f'refs/remotes/{remote}/{base}'
    error: str | None = None
    if sync['fetch']:
        error, missing = fetch_base(repo, remote, base,
                                    float(sync['fetch-timeout']))
        if missing:
            return SyncFacts(remote, base, None, 'fetched', missing=True)
        if error is None:
            tip = repo.ref_oid(tracking)
            if tip is not None:
                return SyncFacts(remote, base, tip, 'fetched')
            error = f'the fetch did not write {tracking}'  # pragma: no cover (reftable or a racing writer)

    cached = repo.ref_oid(tracking)
    age = None if cached is None else ref_age(repo, tracking, cached)
    return SyncFacts(remote, base, cached, 'cached', age=age,
                     fetch_error=error)


def fetch_base(repo: Repo, remote: str, base: str, timeout: float | None,
               cwd: str | None = None) -> tuple[str | None, bool]:
    """Fetch ``base`` from ``remote`` into its remote-tracking ref only.

    The one fetch of worktree-guard (the push rules and ``wt`` use it):
    no FETCH_HEAD, no tags, no credential prompt, bounded by ``timeout``.
    ``cwd`` runs git in another checkout (``wt`` fetches from the main
    checkout, where a relative remote URL is resolved).
    Returns ``(error, missing)``: ``error`` is ``None`` on success, else a
    one-line reason; ``missing`` is true when the remote has no such branch.
    """
    from worktree_guard.gitctx import foreign_env
    from worktree_guard.gitctx import spawn
    env = dict(repo.env) if cwd is None else foreign_env()
    # English messages (we read one), and never a credential prompt that
    # would hang the push until the timeout.
    env.update(LC_ALL='C', LANGUAGE='C', GIT_TERMINAL_PROMPT='0')
    args = ('fetch', '--quiet', '--no-tags', '--no-write-fetch-head',
            '--no-recurse-submodules', '--no-prune', '--no-auto-maintenance',
            '--no-write-commit-graph', '--no-show-forced-updates', remote,
            f'+refs/heads/{base}:refs/remotes/{remote}/{base}')
    if cwd is None:
        res = repo.git(*args, check=False, timeout=timeout, env=env)
    else:
        res = spawn(['git', '-C', cwd, *args], env=env, timeout=timeout)
    if res.timed_out:
        return f'no answer within {timeout:g} s, sync.fetch-timeout', False
    if res.returncode == 0:
        return None, False
    text = res.stderr.decode('utf-8', 'replace')
    if "couldn't find remote ref" in text:
        return None, True
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    reason = (lines or [f'git fetch exited {res.returncode}'])[0]
    for prefix in ('fatal: ', 'error: '):
        if reason.startswith(prefix):
            reason = reason[len(prefix):]
    return reason, False


def fetch(repo: Repo, remote: str, branch: str,
          timeout: float | None = None, cwd: str | None = None) -> str | None:
    """Fetch one branch of ``remote`` into its remote-tracking ref, with the
    push rules' careful fetch (``sync.fetch_base``).

    ``cwd`` is where git runs (the main checkout: a relative remote URL is
    resolved from there, whichever worktree ``wt`` runs in).  Returns
    ``None`` on success, else a one-line reason."""
    error, missing = fetch_base(repo, remote, branch, timeout, cwd)
    if missing:
        return f"couldn't find remote ref {branch}"
    return error


def ref_age(repo: Repo, ref: str, oid: str,
            now: float | None = None) -> float | None:
    """Seconds since ``ref`` last changed to ``oid``: its newest reflog
    entry, else the loose ref file's mtime; ``None`` when unknown."""
    now = time.time() if now is None else now
    line = _last_line(os.path.join(repo.common_dir, 'logs', ref))
    if line is not None:
        fields = line.partition('\t')[0].split(' ')
        if len(fields) >= 4 and fields[1] == oid and fields[-2].isdigit():
            return max(0.0, now - int(fields[-2]))
    try:
        mtime = os.stat(os.path.join(repo.common_dir, ref)).st_mtime
    except OSError:
        return None
    return max(0.0, now - mtime)


def _last_line(path: str) -> str | None:
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 4096))
            data = f.read()
    except OSError:
        return None
    lines = [ln for ln in data.split(b'\n') if ln.strip()]
    return lines[-1].decode('utf-8', 'replace') if lines else None


# -- per pushed branch -------------------------------------------------------------------

def _shallow_commits(repo: Repo) -> frozenset[str]:
    """The cut-off commits of a shallow clone (empty when not shallow)."""
    try:
        with open(os.path.join(repo.common_dir, 'shallow'), encoding='ascii',
                  errors='replace') as f:
            return frozenset(f.read().split())
    except OSError:
        return frozenset()


def _target(repo: Repo, tip: str, update: RefUpdate,
            shallow: frozenset[str] = frozenset()) -> SyncTarget:
    if update.local_oid == tip:
        return SyncTarget(update)
    out = repo.git('rev-list', '--left-right', '--parents',
                   f'{tip}...{update.local_oid}', '--').stdout
    behind = 0
    merges: list[str] = []
    cut: str | None = None
    for line in out.decode('ascii', 'replace').splitlines():
        if line.startswith('<'):
            behind += 1
            continue
        oid = line[1:].split(' ', 1)[0]
        if oid in shallow:
            cut = oid
        if line.count(' ') >= 2:
            merges.append(oid)
    # The walk from the pushed tip hit a shallow cut before it found the
    # base tip: the base may well be further down, beyond the cut.
    return SyncTarget(update, behind, merges,
                      cut=cut if behind else None)


def _add_conflicts(repo: Repo, facts: SyncFacts) -> None:
    """sync.warn-overlap: forecast (``git merge-tree --write-tree``, issue
    5's ``merge_conflicts``) whether each pushed branch would conflict with
    a branch checked out in another linked worktree.

    As in ``wt status``, only the branches' own changes count: a pair is
    forecast when the files each changes against the base overlap, and
    only conflicts in those shared files are reported.  (A branch the base
    has moved under conflicts with the base, not with the pushed branch.)
    """
    from worktree_guard.errors import GitError
    from worktree_guard.gitctx.worktrees import changed_files
    from worktree_guard.gitctx.worktrees import merge_conflicts
    assert facts.tip is not None
    pushed = {t.update.branch for t in facts.targets}
    others = [w.branch for w in repo.worktrees()
              if w.branch and not w.bare and not w.prunable
              and w.branch not in (facts.base, *pushed)]
    own: dict[str, set[str]] = {}
    for other in others:
        files = changed_files(repo, facts.tip, f'refs/heads/{other}')
        if files:
            own[other] = set(files)
    for target in facts.targets:
        mine = set(changed_files(repo, facts.tip, target.update.local_oid)
                   or ())
        for other, theirs in own.items():
            shared = mine & theirs
            if not shared:
                continue
            try:
                paths = merge_conflicts(repo, target.update.local_oid,
                                        f'refs/heads/{other}')
            except GitError:  # pragma: no cover (shared files imply history)
                continue
            if paths is None:  # pragma: no cover (git < 2.38 cannot forecast)
                return
            paths = [p for p in paths if p in shared]
            if paths:
                target.conflicts[other] = paths
