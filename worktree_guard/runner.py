"""The engine: run the rules of one stage.  Gather facts (gitctx), judge
(rules), collect findings and notes into a ``Result``.

This is the only place that runs rules and the only place that wires git
facts to them: every entry point (the hooks, ``check``, the server, ``wt
status``) asks it.  Each rule's ``SPEC.facts`` names the gitctx collector it
needs; the rule's pure ``check(facts, policy, notes)`` judges them.

The runner reads the generated rule index (``rules/index.py``, written by
``./dev gen`` from the ``SPEC``s), not the registry: a hook imports the
modules of the rules it runs and no other (a push never loads the agent
guard or the layout rule).
"""
from __future__ import annotations

import os

from worktree_guard.rules import index as registry
from worktree_guard.report import Result

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence
    from typing import Any

    from worktree_guard.gitctx import Repo
    from worktree_guard.model import StageInput
    from worktree_guard.policy import Policy
    from worktree_guard.model import Violation
    from worktree_guard.rules.spec import RuleModule


def stage_rules(stage: str) -> tuple[str, ...]:
    return registry.COMMIT_RULES if stage == 'commit' else \
        registry.PUSH_RULES


def skipped_rules(environ: dict[str, str] | os._Environ[str],
                  notes: list[str] | None = None) -> dict[str, str]:
    """Rules skipped by ``SKIP`` (hook ids) or ``WORKTREE_GUARD_SKIP`` (rule
    ids), mapped to the variable that skipped them.  A name in
    ``WORKTREE_GUARD_SKIP`` that is no client rule gets a note (``SKIP``
    also names other pre-commit hooks, so it is not checked)."""
    out: dict[str, str] = {}
    for hook_id in _split(environ.get('SKIP', '')):
        for rule in registry.HOOK_IDS.get(hook_id, ()):
            out.setdefault(rule, f'SKIP={hook_id}')
    client = [r for r, entry in registry.RULES.items() if entry[3]]
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
        environ: dict[str, str] | None = None,
        baseline: bool | str = True) -> Result:
    """Judge ``inp`` by ``rules`` (default: the stage's).  ``baseline``
    applies ``paths.baseline`` as committed in a revision: ``True`` means
    ``HEAD`` (the local hooks), a string names the revision (CI: the base
    ref, where its policy comes from), ``False`` none (the server has no
    checkout; ``worktree-guard baseline`` writes it).  The working tree's
    copy is never read: an uncommitted baseline applies once committed."""
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
    skips = skipped_rules(os.environ if environ is None else environ,
                          result.notes)
    _judge(repo, policy, inp, rules, skips, result)
    if baseline and (result.violations or inp.all_files) \
            and repo.root is not None and not inp.server:
        from worktree_guard.report.baseline import apply
        apply(result, committed_baseline(repo, 'HEAD' if baseline is True
                                         else str(baseline)),
              policy, inp.all_files, inp.files)
    return result


def committed_baseline(repo: Repo, rev: str) -> Any:
    """A baseline reader of the blob committed in ``rev``: a regular file
    of at most ``MAX_BYTES`` (``gitctx.blobs.committed_file``)."""
    from worktree_guard.gitctx.blobs import committed_file
    from worktree_guard.report.baseline import MAX_BYTES

    def read(rel: str) -> bytes | None:
        return committed_file(repo, rev, rel, MAX_BYTES, 'the baseline')
    return read


def run_many(repo: Repo, policy: Policy,
             jobs: Sequence[tuple[StageInput, Sequence[str] | None]],
             environ: dict[str, str] | None = None) -> list[Result]:
    """Judge several inputs in one pass, one ``Result`` each, as ``run``
    would judge each alone (no baseline: the server, its caller, has
    none).  The skips are read once; the facts of every job come from
    the one ``repo``, so a receive hook's frozen repository answers the
    reads that refs share (one rev-list and one diff per distinct range)
    once."""
    notes: list[str] = []
    skips = skipped_rules(os.environ if environ is None else environ, notes)
    results = []
    for inp, rules in jobs:
        result = Result()
        result.notes += notes
        _judge(repo, policy, inp, rules, skips, result)
        results.append(result)
    return results


def _judge(repo: Repo, policy: Policy, inp: StageInput,
           rules: Sequence[str] | None, skips: dict[str, str],
           result: Result) -> None:
    wanted = [r for r in stage_rules(inp.stage)
              if rules is None or r in rules]
    facts_cache: dict[str, object] = {}
    for rule in wanted:
        if rule in skips:
            result.skipped.append(rule)
            result.notes.append(f'skipped {rule} ({skips[rule]})')
            continue
        if policy.severity(rule) == 'off':
            continue
        kind = registry.RULES[rule][2]
        if kind not in facts_cache:  # rules that need the same facts share
            from worktree_guard.gitctx import collect
            facts_cache[kind] = collect.collector(kind)(repo, policy, inp)
        result.violations += evaluate(rule, facts_cache[kind], policy,
                                      result.notes)
        result.rules_run.append(rule)


# -- one rule -------------------------------------------------------------------

def rule_module(rule: str) -> RuleModule:
    """The module of a rule id, as the registry names it."""
    module: RuleModule = __import__(
        registry.RULES[rule][0], fromlist=['check'])
    return module


def evaluate(rule: str, facts: object, policy: Policy,
             notes: list[str] | None = None) -> list[Violation]:
    """Judge gathered facts with one rule, the policy's severities applied
    (``off`` findings dropped).  ``wt status`` asks this for facts it
    gathered for many worktrees at once."""
    out = []
    for v in rule_module(rule).check(facts, policy, notes):
        # A rule may cap a finding at `warn` (weak evidence); the policy
        # can lower a severity, never raise a capped one.
        sev = policy.severity(v.rule, v.kind)
        v.severity = 'warn' if sev == 'error' and v.severity == 'warn' \
            else sev
        if v.severity != 'off':
            out.append(v)
    return out
