"""worktree-layout: linked worktrees live at ``<worktrees.root>/<branch>``.

With ``worktrees.layout: nested`` (the default) that is under the main
checkout, and ``<root>/`` must be ignored there; with ``bare`` it is under
the git common dir.  The main checkout is never judged.  A detached linked
worktree (``git worktree add --detach``, a bisect) has no branch to name its
folder after: it only has to sit directly in ``<root>/``.  During a rebase
the branch being rebased counts (gitctx reads it from the rebase state).
A branch that does not match ``branches.pattern`` (and is not exempt) is
never given a folder of its own name: the fix renames it first.
"""
from __future__ import annotations

import posixpath

from worktree_guard.model import Violation
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import choice
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import LayoutFacts
    from worktree_guard.policy import Policy

RULE = 'worktree-layout'
FACTS = 'layout'
SPEC = RuleSpec(
    RULE, hook_id='check-worktree-layout', stages=('commit',), facts=FACTS,
    kinds={'location': 'error', 'not-ignored': 'error'},
    summary='linked worktrees live at <worktrees.root>/<branch> and are '
            'ignored',
    explain="""\
A commit in a linked worktree is refused when the worktree is not at
<main checkout>/<worktrees.root>/<branch> (or, with worktrees.layout: bare,
<git-common-dir>/<worktrees.root>/<branch>), or when <worktrees.root>/ is not
ignored in the main checkout.  The main checkout is not judged.  A detached
linked worktree only has to sit directly in <worktrees.root>/; during a
rebase the branch being rebased names the folder.

Fix: git worktree move <path> <root>/<branch>   (or git switch back to the
branch the folder is named after); worktree-guard wt create makes worktrees
in the right place.""",
    # `worktrees` serves the `wt` commands too.
    section=Section('worktrees', {
        'root': key('trees', 'Folder (relative) that holds the worktrees.',
                    type='string', min_length=1),
        'layout': choice(
            ('nested', 'bare'),
            "'nested': <main checkout>/<root>/<branch>; 'bare': "
            '<git-common-dir>/<root>/<branch>.'),
        'bootstrap': string_list(
            "Untracked files or folders 'wt create' copies into a new "
            'worktree.'),
        # wt create/remove (issue 15; docs/wt.md).
        'include': key(
            '.worktreeinclude',
            "File in the main checkout (gitignore syntax) listing the "
            "ignored files 'wt create' copies into a new worktree; empty: "
            'none.', type='string'),
        'setup': string_list(
            "Shell commands 'wt create' runs in the new worktree, in order; "
            'a failure is reported and the worktree kept.'),
        'teardown': string_list(
            "Shell commands 'wt remove' runs in the worktree before "
            'removing it; a failure keeps the worktree (--force goes on).'),
        'setup-timeout': key(
            600, 'Seconds each setup or teardown command may run.',
            type='number', exclusive_minimum=0),
        # Issue 25: WT_PORT = port-base + the issue number (docs/wt.md).
        'port-base': key(
            3000, "The first of the ports 'wt' hands out: issue N's "
            'setup commands and wt env get WT_PORT = port-base + N '
            '(wrapped to stay below 65536).', type='integer', minimum=1024,
            maximum=65535),
        # Issue 14; doctor says where git is too old for it.
        'freeze-main-checkout': key(
            False, 'Refuse a branch switch in the main checkout while issue '
            'worktrees are active (reference-transaction hook; needs git '
            '>= 2.46 to see HEAD updates).', type='boolean'),
    }),
)


def _show(path: str, main_root: str | None) -> str:
    """``path`` relative to the main checkout when inside it."""
    if main_root is not None:
        rel = posixpath.relpath(path, main_root)
        if rel != '..' and not rel.startswith('../'):
            return rel
    return path


def expected_path(facts: LayoutFacts) -> str | None:
    """Where the worktree should be (``None``: no main checkout to nest in)."""
    if facts.root_dir is None:
        return None
    name = facts.branch if facts.branch is not None \
        else posixpath.basename(facts.path)
    return posixpath.normpath(posixpath.join(facts.root_dir, name))


def _rename(branch: str | None, policy: Policy) -> str | None:
    """The compliant name to give ``branch`` first, or ``None`` when the
    branch is fine (or exempt, or there is none)."""
    if branch is None or policy.matches('branches', 'exempt', branch) or \
            policy.branch_regex().search(branch):
        return None
    from worktree_guard.slug import suggest_branch
    return suggest_branch(branch, policy['branches']['slug-max-length'])


def check(facts: LayoutFacts | None, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    if facts is not None and facts.unjudged and notes is not None:
        notes.append(f'worktree-layout not judged: {facts.unjudged}')
    if facts is None or not facts.linked:
        return []
    out: list[Violation] = []
    root = facts.root.strip('/')
    expected = expected_path(facts)
    here = _show(facts.path, facts.main_root)
    if expected is None:
        out.append(Violation(
            RULE,
            'worktrees.layout is nested (<main checkout>/'
            f'{root}/<branch>), but this repository has no main checkout: '
            'it is bare',
            kind='location', path=here,
            fix=["set 'worktrees: {layout: bare}' in .worktree-guard.yaml "
                 f'(worktrees under <git-common-dir>/{root}/)'],
        ))
    elif facts.path != expected:
        out.append(_misplaced(facts, policy, expected))
    if facts.ignored is False and facts.main_root is not None:
        gitignore = posixpath.join(facts.main_root, '.gitignore')
        out.append(Violation(
            RULE,
            f"'{root}/' is not ignored in the main checkout: its worktrees "
            "show up there as untracked and 'git add -A' would stage them",
            kind='not-ignored', path=gitignore, token=f'{root}/',
            fix=[f"echo '/{root}/' >> {gitignore}  (then commit .gitignore "
                 'on a branch)',
                 "'worktree-guard wt create' adds it for you"],
        ))
    return out


def _misplaced(facts: LayoutFacts, policy: Policy,
               expected: str) -> Violation:
    """The worktree is not where the layout puts it: move it, or rename
    its branch (first, or instead, when the branch name is refused)."""
    assert facts.root_dir is not None  # expected_path() needs it
    folder = posixpath.basename(facts.path)
    rename = _rename(facts.branch, policy)
    in_root = posixpath.dirname(facts.path) == posixpath.normpath(
        facts.root_dir)
    if rename is not None and in_root and _rename(folder, policy) is None:
        rename = folder  # the folder already has a compliant name
    if rename is not None and rename != folder:
        # Never send the worktree into a folder named after a branch
        # that branch-name refuses: rename first, then move once.
        expected = posixpath.normpath(posixpath.join(facts.root_dir, rename))
    if rename == folder:
        fix = [f'git branch -m {facts.branch} {folder}',
               f'git switch {folder}  (if that branch exists already)']
    else:
        fix = _move_fix(facts, policy, rename, expected)
    return Violation(RULE, _misplaced_what(facts, rename, expected),
                     kind='location', path=_show(facts.path, facts.main_root),
                     token=facts.path, fix=fix)


def _misplaced_what(facts: LayoutFacts, rename: str | None,
                    expected: str) -> str:
    root = facts.root.strip('/')
    here = _show(facts.path, facts.main_root)
    parent = f'<{"git-common-dir" if facts.layout == "bare" else "main checkout"}>/{root}/<branch>'
    if facts.branch is None:
        return (f'detached worktree is at {here}, outside {root}/; '
                f'it belongs directly in {_show(posixpath.dirname(expected), facts.main_root)}/')
    if rename == posixpath.basename(facts.path):
        return (f'worktree of branch {facts.branch!r} is at {here}, and '
                'the branch does not match branches.pattern: rename the '
                f'branch after its folder ({parent})')
    if rename is not None:
        return (f'worktree of branch {facts.branch!r} is at {here}, and '
                'the branch does not match branches.pattern: rename '
                'the branch first, then move the worktree to '
                f'{_show(expected, facts.main_root)} ({parent})')
    return (f'worktree of branch {facts.branch!r} is at {here}; '
            f'expected {_show(expected, facts.main_root)} ({parent})')


def _move_fix(facts: LayoutFacts, policy: Policy, rename: str | None,
              expected: str) -> list[str]:
    """Move the worktree (after renaming its branch, when it must be);
    or, when the folder beside it names a fine branch, switch to it."""
    folder = posixpath.basename(facts.path)
    fix = [f'mkdir -p {posixpath.dirname(expected)} && '
           f'git worktree move {facts.path} {expected}']
    if rename is not None:
        fix.insert(0, f'git branch -m {facts.branch} {rename}')
    elif facts.branch is not None and \
            posixpath.dirname(facts.path) == posixpath.dirname(expected) and \
            _rename(folder, policy) is None:
        fix.append(f'git switch {folder}  '
                   '(if the folder names the right branch)')
    return fix
