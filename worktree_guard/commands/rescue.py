"""``worktree-guard wt rescue <N> [paths...]``: move edits that leaked into
the main checkout into issue N's worktree (issue 14), and the leaked-edits
lines of ``doctor``.

The git work is in gitctx/rescue.py: the patch is checked in the target
before anything changes, and the main checkout's whole dirty state is kept
under ``refs/worktree-guard/rescued/<time>`` before it is cleared.
"""
from __future__ import annotations

import os
import time

from worktree_guard.errors import GuardError

TYPE_CHECKING = False
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
    import shlex

    from worktree_guard.gitctx import rescue as rescue_mod
    stamp = time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    ref, files = rescue_mod.rescue(main, target, paths, stamp)
    print(f'moved {len(files)} changed file{"s" * (len(files) != 1)} from '
          f'the main checkout into {shown}:')
    for f in files:
        print(f'  {f}')
    quoted = ' '.join(shlex.quote(f) for f in files)
    print(f"the main checkout's changes before the move are kept in {ref}")
    print(f'  undo: git -C {shlex.quote(main)} diff --binary {ref}^1 {ref} '
          f'-- {quoted} | git -C {shlex.quote(target)} apply -R --binary '
          f'&& git -C {shlex.quote(main)} stash apply --index {ref}')
    return 0


def leak_lines(repo: Repo) -> tuple[list[str], int]:
    """doctor's lines on tracked changes in the main checkout while issue
    worktrees are active, and the number of problems (0 or 1)."""
    from worktree_guard.gitctx import rescue as rescue_mod
    main = repo.main_root()
    linked = [w for w in repo.worktrees()
              if not w.is_main and not w.bare and os.path.isdir(w.path)]
    if main is None or not linked:
        return [], 0
    try:
        files = rescue_mod.leaked_files(main)
    except GuardError as e:   # an unborn HEAD: nothing to compare with
        return [f'main checkout: changes not checked ({e.message})'], 0
    if not files:
        return [], 0
    branches = [w.branch for w in linked if w.branch]
    touched = rescue_mod.overlap(main, branches, files)
    lines = [f'main checkout: {len(files)} uncommitted change'
             f'{"s" * (len(files) != 1)} while issue worktrees are active '
             '(edits that belong in a worktree?):']
    also = {f: [b for b, hits in touched.items() if f in hits]
            for f in files}
    files.sort(key=lambda f: not also[f])   # shared files first
    for f in files[:20]:
        lines.append(f'    {f}' + (f'  (also changed on '
                                    f'{", ".join(also[f])})'
                                    if also[f] else ''))
    if len(files) > 20:
        lines.append(f'    ... and {len(files) - 20} more')
    lines.append('    move them: worktree-guard wt rescue <N> [paths...]')
    return lines, 1
