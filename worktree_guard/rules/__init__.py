"""The rule registry: stable ids, names, stages, hook ids and explanations.

Each rule lives in its own module as a pure function of facts and policy;
none of them talks to git.  This table is plain data so that importing it
costs nothing on the commit path.
"""
from __future__ import annotations


class RuleInfo:
    __slots__ = ('id', 'hook_id', 'stages', 'summary', 'kinds', 'explain')

    def __init__(self, id: str, hook_id: str, stages: tuple[str, ...],
                 summary: str, kinds: tuple[str, ...], explain: str) -> None:
        self.id = id
        self.hook_id = hook_id
        self.stages = stages
        self.summary = summary
        self.kinds = kinds
        self.explain = explain


RULES: dict[str, RuleInfo] = {r.id: r for r in (
    RuleInfo(
        'branch-name', 'check-branch-name', ('commit', 'push'),
        'branch names follow issue-<N>-<slug>',
        ('detached',),
        """\
The branch being committed on, or at push the remote branch being created or
updated, must match `branches.pattern` (default `issue-<N>-<slug>`: a
positive issue number, then lowercase words joined by single hyphens).
Branches matching `branches.exempt` (main, master, release/*, bots...) pass.
With `branches.check: new`, only branches absent from the remote are judged,
so existing branches are grandfathered.  A detached HEAD passes unless
`branches.allow-detached: false`.

Fix: git branch -m <suggested-name>   (before pushing)""",
    ),
    RuleInfo(
        'protected-branch', 'check-protected-branch', ('commit', 'push'),
        'no direct commits, force pushes or deletions on protected branches',
        ('commit', 'delete', 'force-push'),
        """\
Branches matching `branches.protected` (default main, master) take no
direct commits (a repository's very first commit is allowed).  At push, a non-fast-forward update or a deletion of a
protected branch is refused; fast-forward pushes (merges) pass.

Fix: git switch -c issue-<N>-<slug>   (carry the commit to an issue branch),
then git branch -f main @{upstream} to put main back.""",
    ),
    RuleInfo(
        'worktree-layout', 'check-worktree-layout', ('commit',),
        'linked worktrees live at <worktrees.root>/<branch> and are ignored',
        ('location', 'not-ignored'),
        """\
A commit in a linked worktree is refused when the worktree is not at
<main checkout>/<worktrees.root>/<branch> (or, with worktrees.layout: bare,
<git-common-dir>/<worktrees.root>/<branch>), or when <worktrees.root>/ is not
ignored in the main checkout.  The main checkout is not judged.  A detached
linked worktree only has to sit directly in <worktrees.root>/; during a
rebase the branch being rebased names the folder.

Fix: git worktree move <path> <root>/<branch>   (or git switch back to the
branch the folder is named after); worktree-guard wt create makes worktrees
in the right place.""",
    ),
    RuleInfo(
        'worktree-paths', 'check-worktree-paths', ('commit', 'push'),
        'nothing committed reaches across worktree boundaries',
        ('relative-escape', 'absolute-checkout', 'sibling-worktree',
         'home-path', 'escaping-symlink', 'staged-worktree'),
        """\
Every worktree is its own project root.  Committed content may not reference
paths outside it: `../` paths that climb out of the worktree, absolute paths
into the main checkout or any worktree, `trees/issue-N-.../` references to a
sibling worktree, home-directory paths (warning), symlinks that escape, or
worktrees staged into the repo.  Suppress one line with a trailing
`worktree-guard: allow` comment, or the next with `worktree-guard:
allow-next-line`.

Fix: write paths relative to this worktree (docs/x.md, not
../main-repo/docs/x.md or /home/ann/app/docs/x.md); make symlinks relative
and inside the tree; unstage a worktree swept in by `git add -A`:
git rm --cached -r -- trees/<name>   and add /trees/ to .gitignore.""",
    ),
    RuleInfo(
        'sync-before-push', 'check-sync-before-push', ('push',),
        'pushed branches contain the remote base tip; history stays linear',
        ('behind', 'merge-commit', 'unreachable', 'overlap'),
        """\
Before a branch is pushed it must contain the tip of the remote base branch
(rebase, don't merge); sync.max-behind base commits may be missing.  The
base is fetched first into its remote-tracking ref only (sync.fetch,
sync.fetch-timeout); when that fails, sync.when-unreachable decides: block,
or warn and trust the cached ref while it is younger than
sync.max-staleness.  A note always says which tip was used.  Merge commits
between the base and the pushed tip are refused under sync.require-linear.
Deletions, tags, the base branch and sync.exempt branches are skipped; a
force push of an issue branch (rebase, then --force-with-lease) is fine.
sync.warn-overlap warns when the branch would conflict with a branch
checked out in another worktree.

Fix: git fetch origin && git rebase origin/main
(not 'git fetch origin main:main': git refuses that while main is checked
out in the main checkout)""",
    ),
    RuleInfo(
        'server-policy', '', ('server',),
        "pushes cannot break or replace the server's policy",
        ('invalid', 'policy-ref'),
        """\
Only the pre-receive hook applies it.  A push to the policy branch must carry
a valid .worktree-guard.yaml (an invalid one would refuse every later push,
its own fix included), and a push may not write a --policy-ref outside
refs/heads/: admins change that ref on the server with git update-ref.

Fix: worktree-guard policy validate   (before pushing)""",
    ),
)}

COMMIT_RULES = ('branch-name', 'protected-branch', 'worktree-layout',
                'worktree-paths')
PUSH_RULES = ('branch-name', 'protected-branch', 'worktree-paths',
              'sync-before-push')

# pre-commit hook ids (and SKIP= names) -> the rules they run.
HOOK_IDS: dict[str, tuple[str, ...]] = {
    'worktree-guard-commit': COMMIT_RULES,
    'worktree-guard-push': PUSH_RULES,
    **{info.hook_id: (info.id,) for info in RULES.values()
       if info.hook_id},
}
