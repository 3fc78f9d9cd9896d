"""Run the rules of one stage: gather facts (gitctx), judge (rules), collect.

This is the only place that wires git facts to rules.  Each rule gets a
``_run_<rule>`` function here that asks gitctx for exactly the facts the
rule needs and passes them to the rule's pure ``check``.
"""
from __future__ import annotations

import os

from worktree_guard.facts import BranchTarget
from worktree_guard.facts import RefUpdate
from worktree_guard.facts import ZERO_OID
from worktree_guard.report import Result
from worktree_guard.report import Violation
from worktree_guard.rules import COMMIT_RULES
from worktree_guard.rules import HOOK_IDS
from worktree_guard.rules import PUSH_RULES

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Sequence

    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy


class StageInput:
    """What a run judges.

    ``stage`` is ``commit`` or ``push``.  At push, ``updates`` are the refs
    being pushed and ``remote`` the remote's name.  ``all_files`` checks
    whole files instead of the change.  Facts collectors
    (``gitctx.<domain>.<x>_facts(repo, policy, inp)``) read it and may add
    ``notes``.
    """

    __slots__ = ('stage', 'updates', 'remote', 'all_files', 'notes',
                 'server')

    def __init__(self, stage: str, updates: list[RefUpdate] | None = None,
                 remote: str | None = None, all_files: bool = False,
                 server: bool = False) -> None:
        self.stage = stage
        self.updates = updates or []
        self.remote = remote
        self.all_files = all_files
        # Set by the pre-receive hook: we *are* the remote.  The base tip is
        # the local refs/heads/<base>; nothing is fetched; pushed objects may
        # sit in git's quarantine.
        self.server = server
        # Facts collectors append one-line notes (skips, caches used).
        self.notes: list[str] = []


def stage_rules(stage: str) -> tuple[str, ...]:
    return COMMIT_RULES if stage == 'commit' else PUSH_RULES


def skipped_rules(environ: dict[str, str] | os._Environ[str],
                  notes: list[str] | None = None) -> dict[str, str]:
    """Rules skipped by ``SKIP`` (hook ids) or ``WORKTREE_GUARD_SKIP`` (rule
    ids), mapped to the variable that skipped them.  A name in
    ``WORKTREE_GUARD_SKIP`` that is no client rule gets a note (``SKIP``
    also names other pre-commit hooks, so it is not checked)."""
    from worktree_guard.rules import RULES
    out: dict[str, str] = {}
    for hook_id in _split(environ.get('SKIP', '')):
        for rule in HOOK_IDS.get(hook_id, ()):
            out.setdefault(rule, f'SKIP={hook_id}')
    client = [r for r, info in RULES.items()
              if set(info.stages) & {'commit', 'push'}]
    for rule in _split(environ.get('WORKTREE_GUARD_SKIP', '')):
        if rule in client:
            out.setdefault(rule, f'WORKTREE_GUARD_SKIP={rule}')
        elif notes is not None:
            notes.append(f'WORKTREE_GUARD_SKIP names an unknown rule '
                         f"{rule!r} (known: {', '.join(client)})")
    return out


def _split(value: str) -> list[str]:
    return [p.strip() for p in value.split(',') if p.strip()]


def run(repo: Repo, policy: Policy, inp: StageInput,
        rules: Sequence[str] | None = None,
        environ: dict[str, str] | None = None) -> Result:
    if inp.stage == 'commit' and repo.root is None:
        from worktree_guard.errors import GuardError
        raise GuardError(
            'this is a bare repository: nothing is committed here, so the '
            'commit rules have nothing to judge',
            'run it in a checkout or worktree; a bare repo that receives '
            "pushes takes 'worktree-guard install --server', and CI runs "
            "'check --stage push --from-ref <base> --to-ref <head>'",
        )
    result = Result()
    wanted = [r for r in stage_rules(inp.stage)
              if rules is None or r in rules]
    skips = skipped_rules(os.environ if environ is None else environ,
                          result.notes)
    for rule in wanted:
        if rule in skips:
            result.skipped.append(rule)
            result.notes.append(f'skipped {rule} ({skips[rule]})')
            continue
        if policy.severity(rule) == 'off':
            continue
        runner = _RUNNERS[rule]
        found = runner(repo, policy, inp)
        result.rules_run.append(rule)
        for v in found:
            v.severity = policy.severity(v.rule, v.kind)
            if v.severity != 'off':
                result.violations.append(v)
    result.notes.extend(inp.notes)
    return result


# -- facts for each rule --------------------------------------------------------

def _commit_target(repo: Repo, policy: Policy) -> tuple[
        list[BranchTarget], bool]:
    head = repo.head()
    if head.branch is None:
        return [], True
    is_new = None
    if policy['branches']['check'] == 'new':
        remote, _ = repo.resolve_base(policy['base']['remote'],
                                      policy['base']['branch'])
        is_new = repo.ref_oid(f'refs/remotes/{remote}/{head.branch}') is None
    return [BranchTarget(head.branch, 'HEAD', is_new,
                         unborn=head.kind == 'unborn',
                         operation=head.operation)], False


def _push_targets(inp: StageInput, include_deletes: bool) -> list[
        BranchTarget]:
    out = []
    for u in inp.updates:
        if not u.is_branch or (u.is_delete and not include_deletes):
            continue
        out.append(BranchTarget(u.branch, 'push', u.is_new, u,
                                remote=inp.remote))
    return out


def _run_branch_name(repo: Repo, policy: Policy,
                     inp: StageInput) -> list[Violation]:
    from worktree_guard.rules import branch_name
    if inp.stage == 'commit':
        targets, detached = _commit_target(repo, policy)
        return branch_name.check(targets, policy, detached=detached)
    return branch_name.check(_push_targets(inp, False), policy)


def _run_protected_branch(repo: Repo, policy: Policy,
                          inp: StageInput) -> list[Violation]:
    from worktree_guard.rules import protected_branch
    if inp.stage == 'commit':
        targets, _ = _commit_target(repo, policy)
        return protected_branch.check(targets, policy)
    targets = [t for t in _push_targets(inp, True)
               if policy.matches('branches', 'protected', t.name)]
    repo.fill_fast_forward([t.update for t in targets if t.update])
    return protected_branch.check(targets, policy)


def _run_worktree_layout(repo: Repo, policy: Policy,
                         inp: StageInput) -> list[Violation]:
    from worktree_guard.gitctx import worktrees
    from worktree_guard.rules import worktree_layout
    return worktree_layout.check(worktrees.layout_facts(repo, policy, inp),
                                 policy)


def _run_worktree_paths(repo: Repo, policy: Policy,
                        inp: StageInput) -> list[Violation]:
    from worktree_guard.gitctx import paths
    from worktree_guard.rules import worktree_paths
    return worktree_paths.check(paths.path_facts(repo, policy, inp), policy)


def _run_sync_before_push(repo: Repo, policy: Policy,
                          inp: StageInput) -> list[Violation]:
    from worktree_guard.gitctx import sync
    from worktree_guard.rules import sync_before_push
    facts = sync.sync_facts(repo, policy, inp)
    found = sync_before_push.check(facts, policy)
    if facts is not None:
        inp.notes.extend(facts.notes)  # the rule's notes
    return found


_RUNNERS: dict[str, Callable[[Repo, Policy, StageInput], list[Violation]]] = {
    'branch-name': _run_branch_name,
    'protected-branch': _run_protected_branch,
    'worktree-layout': _run_worktree_layout,
    'worktree-paths': _run_worktree_paths,
    'sync-before-push': _run_sync_before_push,
}


# -- push inputs ------------------------------------------------------------------

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
    if trust_oid and len(rev) in (40, 64) and \
            all(c in '0123456789abcdef' for c in rev):
        return rev
    oid = repo.rev_parse(rev)
    if oid is None:
        from worktree_guard.errors import GuardError
        raise GuardError(f'cannot resolve {rev!r} to a commit',
                         'fetch it first (CI clones are often shallow: '
                         'use fetch-depth: 0)')
    return oid


def _ci_remote_ref(repo: Repo) -> str:
    """The branch a CI run judges: the pull/merge request's head branch,
    else the checked-out branch, else the branch the CI says it built."""
    env = os.environ
    name = env.get('GITHUB_HEAD_REF') or env.get(
        'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME') or repo.head().branch
    if not name and env.get('GITHUB_REF', '').startswith('refs/heads/'):
        name = env['GITHUB_REF'][11:]
    name = name or env.get('CI_COMMIT_BRANCH')
    if not name:
        from worktree_guard.errors import GuardError
        raise GuardError('cannot tell which branch is being pushed '
                         '(HEAD is detached)',
                         'pass --branch NAME')
    return f'refs/heads/{name}'


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
    remote_ref = f'refs/heads/{branch}' if branch else _ci_remote_ref(repo)
    return [RefUpdate('HEAD', to_oid, remote_ref, from_oid)]
