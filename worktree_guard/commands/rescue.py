"""``worktree-guard wt rescue <N> [paths...]``: move edits that leaked into
the main checkout into issue N's worktree (issue 14), and the leaked-edits
lines of ``doctor``.

The git work is in gitctx/rescue.py: the patch is checked in the target
before anything changes, and the main checkout's whole dirty state is kept
under ``refs/worktree-guard/rescued/<time>`` before it is cleared.
"""
from __future__ import annotations

import os
import shlex
import time
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError
from worktree_guard.gitctx import rescue as rescue_mod

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Callable
    from collections.abc import Sequence

    from worktree_guard.gitctx import Repo


def add_parser(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """``wt rescue``'s arguments (``add`` is wt's parser factory)."""
    sp = add('rescue', "move the main checkout's uncommitted changes into "
                       "issue N's worktree (a copy stays under "
                       'refs/worktree-guard/rescued/)')
    sp.add_argument('issue', help='issue number')
    sp.add_argument('paths', nargs='*',
                    help='only these files or folders (default: all)')


def run(main: str, target: str, shown: str, paths: Sequence[str]) -> int:
    """Move the leaked changes under ``paths`` from the main checkout at
    ``main`` into the worktree at ``target`` (``shown`` is how wt names
    it)."""
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    done = rescue_mod.rescue(main, target, paths, stamp)
    q = shlex.quote
    if done.ref is not None:
        files = done.files
        print(f'moved {len(files)} changed file{"s" * (len(files) != 1)} '
              f'from the main checkout into {shown}:')
        for f in files:
            print(f'  {f}')
        quoted = ' '.join(q(f) for f in files)
        print("the main checkout's changes before the move are kept in "
              f'{done.ref}')
        print(f'  undo: git -C {q(main)} diff --binary {done.ref}^1 '
              f'{done.ref} -- {quoted} | git -C {q(target)} apply -R '
              f'--binary && git -C {q(main)} stash apply --index {done.ref}')
    if done.untracked_ref is not None:
        files = done.untracked
        print(f'moved {len(files)} untracked file{"s" * (len(files) != 1)} '
              f'from the main checkout into {shown}:')
        for f in files:
            print(f'  {f}')
        quoted = ' '.join(q(f) for f in files)
        print(f'a copy is kept in {done.untracked_ref}')
        print(f'  undo: git -C {q(main)} restore --source='
              f'{done.untracked_ref} --worktree -- {quoted} && (cd '
              f'{q(target)} && rm -f -- {quoted})')
    if done.commits_ref is not None:
        n, up = done.commits, done.upstream or ''
        print(f'undid {n} commit{"s" * (n != 1)} made on the main '
              f"checkout's branch: it is back at its upstream "
              f'({up[:12]}); the commits are kept in {done.commits_ref}')
        print(f'  bring them to {shown}: git -C {q(target)} cherry-pick '
              f'{up}..{done.commits_ref}')
        print(f'  undo: git -C {q(main)} reset --keep {done.commits_ref}')
    return 0


def leak_summary(main: str) -> list[str]:
    """One line per kind of leak in the main checkout at ``main`` (for
    ``wt status``): changed files, untracked files, commits on its branch
    that its upstream lacks; none when it is clean."""
    try:
        changed = rescue_mod.leaked_files(main)
    except GuardError:   # an unborn HEAD: nothing to compare with
        return []
    untracked = rescue_mod.leaked_untracked(main)
    ahead = rescue_mod.unpushed(main)
    out = []
    for n, what in ((len(changed), 'changed file'),
                    (len(untracked), 'untracked file')):
        if n:
            out.append(f'main checkout: {n} {what}{"s" * (n != 1)} while '
                       'issue worktrees are active')
    if ahead is not None:
        n = ahead[2]
        out.append(f"main checkout: {n} commit{'s' * (n != 1)} on its "
                   'branch that its upstream lacks')
    if out:
        out[-1] += ' (move them: worktree-guard wt rescue <N>)'
    return out


def leak_lines(repo: Repo) -> tuple[list[str], int]:
    """doctor's lines on tracked changes in the main checkout while issue
    worktrees are active, and the number of problems (0 or 1)."""
    main = repo.main_root()
    linked = [w for w in repo.worktrees()
              if not w.is_main and not w.bare and os.path.isdir(w.path)]
    if main is None or not linked:
        return [], 0
    try:
        files = rescue_mod.leaked_files(main)
    except GuardError as e:   # an unborn HEAD: nothing to compare with
        return [f'main checkout: changes not checked ({e.message})'], 0
    lines = _listed(rescue_mod.leaked_untracked(main),
                    'main checkout: {n} untracked file{s} while issue '
                    'worktrees are active (new files that belong in a '
                    'worktree?):')
    ahead = rescue_mod.unpushed(main)
    if ahead is not None:
        upstream, _, n = ahead
        lines.append(f"main checkout: its branch has {n} commit"
                     f"{'s' * (n != 1)} that its upstream ({upstream[:12]}) "
                     'lacks (a commit made on main?)')
    if not files:
        if lines:
            lines.append('    move them: worktree-guard wt rescue <N>')
        return lines, int(bool(lines))
    branches = [w.branch for w in linked if w.branch]
    touched = rescue_mod.overlap(main, branches, files)
    also = {f: [b for b, hits in touched.items() if f in hits]
            for f in files}
    files.sort(key=lambda f: not also[f])   # shared files first
    lines += _listed(
        [f + (f'  (also changed on {", ".join(also[f])})' if also[f] else '')
         for f in files],
        'main checkout: {n} uncommitted change{s} while issue worktrees '
        'are active (edits that belong in a worktree?):')
    lines.append('    move them: worktree-guard wt rescue <N> [paths...]')
    return lines, 1


def _listed(items: list[str], head: str) -> list[str]:
    """``head`` (its ``{n}`` and ``{s}`` filled in) and the first 20
    items, indented; nothing for no items."""
    if not items:
        return []
    n = len(items)
    out = [head.format(n=n, s='s' * (n != 1))]
    out += [f'    {item}' for item in items[:20]]
    if n > 20:
        out.append(f'    ... and {n - 20} more')
    return out
