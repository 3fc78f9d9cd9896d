"""branch-name: branches are named ``issue-<N>-<slug>`` unless exempt."""
from __future__ import annotations

from worktree_guard.policy.match import DEFAULT_BRANCH_PATTERN
from worktree_guard.model import Violation
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import choice
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import BranchFacts
    from worktree_guard.model import BranchTarget
    from worktree_guard.policy import Policy

RULE = 'branch-name'
FACTS = 'branch'
SPEC = RuleSpec(
    RULE, hook_id='check-branch-name', stages=('commit', 'push'),
    facts=FACTS, kinds={'detached': 'error'},
    summary='branch names follow issue-<N>-<slug>',
    explain="""\
The branch being committed on, or at push the remote branch being created or
updated, must match `branches.pattern` (default `issue-<N>-<slug>`: a
positive issue number, then lowercase words joined by single hyphens).
Branches matching `branches.exempt` (main, master, release/*, bots...) pass.
With `branches.check: new`, only branches absent from the remote are judged,
so existing branches are grandfathered.  A detached HEAD passes unless
`branches.allow-detached: false`.

Fix: git branch -m <suggested-name>   (before pushing)""",
    # `branches` serves protected-branch and `wt create` too.
    section=Section('branches', {
        'pattern': key(
            DEFAULT_BRANCH_PATTERN,
            "RE2 regex a branch name must match; needs a named group "
            "'issue' (and may have 'slug').",
            type='string', min_length=1),
        'exempt': string_list(
            'gitignore-style patterns, anchored at the start of the branch '
            'name, for branches the name rule skips.',
            ('main', 'master', 'develop', 'gh-pages', 'release/*',
             'dependabot/**', 'renovate/**'), glob='name'),
        'protected': string_list(
            'Patterns for branches that take no direct commits, force '
            'pushes or deletions.', ('main', 'master'), glob='name'),
        'check': choice(
            ('all', 'new'),
            "'new' checks only branches not yet on the remote."),
        'allow-detached': key(
            True, 'Whether a commit on a detached HEAD passes the branch '
            'rules.', type='boolean'),
        'slug-max-length': key(
            40, "Longest slug 'wt create' makes (cut at a word boundary).",
            type='integer', minimum=1, maximum=200),
    }),
)
MAX_NAME = 255  # git refuses longer ref components on most filesystems


def check(facts: BranchFacts, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    out: list[Violation] = []
    branches = policy['branches']
    if facts.detached and not branches['allow-detached']:
        out.append(Violation(
            RULE, 'HEAD is detached; commits here belong to no issue branch',
            kind='detached', ref='HEAD',
            fix=['git switch -c issue-<N>-<slug>'],
        ))
    for target in facts.targets:
        if target.update is not None and target.update.is_delete:
            continue
        name = target.name
        if policy.matches('branches', 'exempt', name):
            continue
        if branches['check'] == 'new' and target.is_new is False:
            continue
        if policy.branch_regex().search(name[:MAX_NAME]) and \
                len(name) <= MAX_NAME:
            continue
        from worktree_guard.slug import suggest_branch
        where = f'refs/heads/{name}'
        if target.origin == 'push':
            what = f"remote branch '{name}'"
            remote = target.remote or '<remote>'
            local = _local_branch(target)
            m = policy.branch_regex().search(local) if local else None
            if local and m:
                # The local branch is compliant: keep its issue number, and
                # pushing it under its own name is the simplest fix.
                suggestion = suggest_branch(
                    name, branches['slug-max-length'], m.group('issue'))
                fix = [f'git push {remote} {local}  (push it under its own '
                       'name)',
                       f'git push {remote} {local}:{suggestion}']
            else:
                suggestion = suggest_branch(name, branches['slug-max-length'])
                src = local or '<local-branch>'
                fix = [f'git branch -m {src} {suggestion}  (rename the local '
                       'branch)' if local else
                       f'git branch -m {suggestion}  (rename the local '
                       'branch)',
                       f'git push {remote} {suggestion}']
        else:
            suggestion = suggest_branch(name, branches['slug-max-length'])
            fix = [f'git branch -m {suggestion}']
            what = f"branch '{name}'"
        out.append(Violation(
            RULE,
            f'{what} does not match the branch pattern '
            f'(issue-<N>-<slug>); try {suggestion!r}',
            ref=where, token=name, fix=fix,
        ))
    return out


def _local_branch(target: BranchTarget) -> str | None:
    """The short name of the local branch being pushed, if it is one."""
    ref = target.update.local_ref if target.update else ''
    return ref[len('refs/heads/'):] if ref.startswith('refs/heads/') \
        else None
