"""A tiny example rule, declared the way docs/adding-a-rule.md says, to
prove that the registry takes a new rule end to end (tests/integration/rules/test_registry.py
registers it).  It flags branch names that contain a word of
``wip.words``."""
from __future__ import annotations

from worktree_guard.model import BranchFacts
from worktree_guard.policy import Policy
from worktree_guard.report import Violation
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import string_list

RULE = 'no-wip'
FACTS = 'branch'  # a key of gitctx.collect.COLLECTORS
SPEC = RuleSpec(
    RULE, hook_id='check-no-wip', stages=('commit',), facts=FACTS,
    kinds={'word': 'error'},
    summary='branch names carry no work-in-progress words',
    explain='A branch named wip-something is not ready for review.\n\n'
            'Fix: git branch -m <a name without the word>',
    section=Section('wip', {
        'words': string_list('Words a branch name may not contain.',
                             ('wip', 'tmp')),
    }),
)


def check(facts: BranchFacts, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    out = []
    for target in facts.targets:
        for word in policy['wip']['words']:
            if word in target.name.split('-'):
                out.append(Violation(
                    RULE, f"branch '{target.name}' says it is {word!r}",
                    kind='word', ref=f'refs/heads/{target.name}',
                    token=target.name))
    return out
