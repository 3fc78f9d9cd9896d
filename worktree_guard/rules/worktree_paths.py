"""worktree-paths: nothing committed reaches across a worktree boundary.

A pure function of ``PathFacts`` (gitctx/paths.py) and the policy; no git.
The judging is the shared path engine's (``worktree_guard.pathengine``);
this module builds its ``Context`` from the policy, groups staged
worktrees, and turns findings into violations.
"""
from __future__ import annotations

from worktree_guard.model import Violation
from worktree_guard.pathengine.bind import engine_for
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import choice
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import PathChange
    from worktree_guard.pathengine import Engine
    from worktree_guard.model import PathFacts
    from worktree_guard.policy import Policy

RULE = 'worktree-paths'
FACTS = 'paths'
SPEC = RuleSpec(
    RULE, hook_id='check-worktree-paths', stages=('commit', 'push'),
    facts=FACTS,
    kinds={'relative-escape': 'error', 'absolute-checkout': 'error',
           'sibling-worktree': 'error', 'home-path': 'warn',
           'escaping-symlink': 'error', 'staged-worktree': 'error'},
    summary='nothing committed reaches across worktree boundaries',
    explain="""\
Every worktree is its own project root.  Committed content may not reference
paths outside it: `../` paths that climb out of the worktree, absolute paths
into the main checkout or any worktree, `trees/issue-N-.../` references to a
sibling worktree, home-directory paths (warning), symlinks that escape, or
worktrees staged into the repo.  Every spelling is normalised first
(`//`, `/./`, `%2e%2e`, `..\\`, `file://`, `$(pwd)/..`, symlink chains).
An error needs evidence that the reference works on this machine only: a
path landing in the main checkout, a sibling worktree or the git dir, a
folder named like a worktree, a committed symlink that escapes, or a path
the file itself uses (a link, include, import, script or config value) that
reaches something on this disk outside the worktree and not inside it.  A
climb to nothing warns; inline code and comments warn at most; commands for
the reader in docs, changelogs, gitdir strings and .gitmodules URLs are not
judged (docs/paths.md).  Suppress one line with a trailing `worktree-guard: allow`
comment, or the next with `worktree-guard: allow-next-line`.

Fix: write paths relative to this worktree (docs/x.md, not
../main-repo/docs/x.md or /home/ann/app/docs/x.md); make symlinks relative
and inside the tree; unstage a worktree swept in by `git add -A`:
git rm --cached -r -- trees/<name>   and add /trees/ to .gitignore.""",
    section=Section('paths', {
        'scope': choice(
            ('added', 'all'),
            "'added' checks only the lines a change adds; 'all' whole "
            'files.'),
        'resolve-from': choice(
            ('file', 'root', 'both'),
            "Where relative '..' paths start: the file's folder, the "
            'worktree root, or both (flag only if both escape).'),
        'include': string_list(
            'gitignore-style patterns; when set, only matching files are '
            'checked.', glob='path'),
        'exclude': string_list(
            'gitignore-style patterns of files never checked.',
            glob='path'),
        'allow': string_list(
            "Path tokens to accept: a literal, or 're:<RE2 regex>'."),
        'max-file-size': key(
            '1MiB', 'Files larger than this are skipped (bytes, or e.g. '
            "'512KiB', '1MB').", type=['integer', 'string'],
            pattern='^[0-9]+ *([kKmMgG]i?[bB]?|[bB])?$', minimum=1,
            maximum=1 << 30),
        'baseline': key(
            '.worktree-guard-baseline.json', 'The baseline file, relative to '
            'the worktree root: the findings accepted on adoption '
            "('worktree-guard baseline' writes it).", type='string',
            min_length=1, pattern='^(?!/)(?!(.*/)?\\.\\.(/|$))'),
    }),
)


def check(facts: PathFacts, policy: Policy,
          notes: list[str] | None = None) -> list[Violation]:
    engine = engine_for(facts, policy)
    out: list[Violation] = []
    for change in facts.changes:
        _entries(engine, change, out)
        # A whole-file scan's content arrives in chunks, read as judged.
        for part in change.chunks():
            for f in engine.scan_change(part):
                out.append(Violation(
                    RULE, f.message, kind=f.kind, severity=f.severity,
                    path=f.path, line=f.line, col=f.col, ref=change.ref,
                    token=f.token, fix=f.fix))
    # Complete now that every chunk was read.
    if facts.skipped and notes is not None:
        notes.append('worktree-paths: skipped ' + ', '.join(
            f'{n} {one if n == 1 else many}' for n, one, many in facts.skipped))
    return out


def _entries(engine: Engine, change: PathChange,
             out: list[Violation]) -> None:
    """Staged worktrees and symlinks."""
    groups: dict[str, list[str]] = {}
    for path, mode, target in change.entries:
        key = engine.worktree_key(path)
        if key is not None:
            groups.setdefault(key, []).append(mode)
        elif target is not None:
            f = engine.symlink(path, target)
            if f is not None:
                out.append(Violation(RULE, f.message, kind=f.kind,
                                     severity=f.severity, path=path,
                                     ref=change.ref, token=f.token,
                                     fix=f.fix))
    for key, modes in groups.items():
        if engine.allowed(key):
            continue
        out.append(_staged(engine.wroot, key, modes, change.ref))


def _staged(wroot: str, key: str, modes: list[str],
            ref: str | None) -> Violation:
    import shlex
    if '160000' in modes:
        what = f'{key} is staged as a gitlink (an embedded repository)'
    else:
        n = len(modes)
        what = (f'{n} file{"s" * (n != 1)} under {key}/ '
                f'{"are" if n != 1 else "is"} staged')
    ignore = wroot if key.startswith(wroot) else key
    return Violation(
        RULE, f'{what}: worktrees must never be committed into the '
              'repository', kind='staged-worktree', path=key, ref=ref,
        token=key,
        fix=[f'git rm --cached -r -- {shlex.quote(key)}',
             f"echo '/{ignore}/' >> .gitignore   (the line /{ignore}/ "
             'in the main checkout\'s .gitignore)'],
    )
