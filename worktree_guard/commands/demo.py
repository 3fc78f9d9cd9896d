"""``worktree-guard demo``: a throw-away repo with worktrees, real commits.

It installs the native hooks (with this interpreter), then shows a good
commit passing and bad ones refused, each through a real ``git commit``;
then pushes to a local bare remote: one refused for being behind the base,
one refused for a merge commit, and both passing once rebased.  Every step
is printed as it happens.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING

from worktree_guard.commands import add_command
from worktree_guard.commands.install import NATIVE
from worktree_guard.commands.install import hooks_dir
from worktree_guard.commands.install import install_into
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import foreign_env
from worktree_guard.gitctx.admin import git_at

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers


def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'demo', 'run the built-in demo in a throw-away repo')
    p.add_argument('--keep', action='store_true',
                   help='keep the demo repo and print its path')
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    return run_demo(keep=ns.keep)


def _git(cwd: str, *args: str) -> tuple[int, str]:
    env = foreign_env()
    env.update({'GIT_AUTHOR_NAME': 'Demo', 'GIT_AUTHOR_EMAIL': 'demo@example.invalid',
                'GIT_COMMITTER_NAME': 'Demo',
                'GIT_COMMITTER_EMAIL': 'demo@example.invalid',
                'WORKTREE_GUARD_PYTHON': sys.executable})
    res = git_at(cwd, *args, env=env)
    return res.returncode, (res.stdout + res.stderr).decode(errors='replace')


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def _say(text: str) -> None:
    print(text, flush=True)   # progress shows even through a pipe


def _step(title: str, expect_ok: bool, rc: int, output: str) -> bool:
    verdict = 'passed' if rc == 0 else 'REFUSED'
    good = (rc == 0) == expect_ok
    lines = [f"\n$ {title}\n  -> {verdict} "
             f"({'as expected' if good else 'UNEXPECTED'})"]
    for line in output.strip().splitlines():
        if line.strip() and not line.startswith((
                '[', ' create mode', ' 1 file changed', 'To ', ' * [new',
                'branch ', '   ', ' ! [', 'error: failed to push',
                'remote:', 'hint:')):
            lines.append(f'     {line}')
    _say('\n'.join(lines))
    return good


def run_demo(keep: bool = False) -> int:
    base = tempfile.mkdtemp(prefix='worktree-guard-demo-')
    main = os.path.join(base, 'main-repo')
    origin = os.path.join(base, 'origin.git')
    ok = True
    try:
        _say(f'demo repo: {main}')
        _git(base, 'init', '-q', '-b', 'main', main)
        _write(os.path.join(main, 'README.md'), '# app\n')
        _write(os.path.join(main, '.gitignore'), 'trees/\n')
        _git(main, 'add', '-A')
        _git(main, 'commit', '-q', '-m', 'initial commit')
        _git(base, 'init', '-q', '--bare', '-b', 'main', origin)
        _git(main, 'remote', 'add', 'origin', origin)
        _git(main, 'push', '-q', '-u', 'origin', 'main')
        _say(f'remote: a local bare repository, origin.git ({origin})')
        hdir, _ = hooks_dir(Repo.discover(main))
        install_into(hdir, NATIVE, False, 'hook')  # as `install` does
        _say('installed the native hooks (worktree-guard install)')
        wt45 = os.path.join(main, 'trees', 'issue-45-add-rust-sdk')
        wt46 = os.path.join(main, 'trees', 'issue-46-update-docs')
        _git(main, 'worktree', 'add', '-q', '-b', 'issue-45-add-rust-sdk', wt45)
        _git(main, 'worktree', 'add', '-q', '-b', 'issue-46-update-docs', wt46)
        _say('worktrees: trees/issue-45-add-rust-sdk, '
             'trees/issue-46-update-docs')

        _write(os.path.join(wt45, 'sdk', 'rust.md'), '# Rust SDK\n')
        _git(wt45, 'add', '-A')
        ok &= _step('git commit (in trees/issue-45-add-rust-sdk)', True,
                    *_git(wt45, 'commit', '-m', 'Add Rust SDK notes'))

        _write(os.path.join(main, 'hotfix.txt'), 'quick fix\n')
        _git(main, 'add', 'hotfix.txt')
        ok &= _step('git commit (in the main checkout, on main)', False,
                    *_git(main, 'commit', '-m', 'quick fix on main'))
        _git(main, 'reset', '-q')
        os.remove(os.path.join(main, 'hotfix.txt'))

        _git(wt46, 'switch', '-q', '-c', 'Feature/Add Login'.replace(' ', '-'))
        _write(os.path.join(wt46, 'login.txt'), 'login\n')
        _git(wt46, 'add', '-A')
        ok &= _step('git commit (on branch Feature/Add-Login)', False,
                    *_git(wt46, 'commit', '-m', 'login'))
        _git(wt46, 'switch', '-q', 'issue-46-update-docs')
        _git(wt46, 'reset', '-q')
        os.remove(os.path.join(wt46, 'login.txt'))

        _write(os.path.join(wt46, 'README.md'),
               '# app\n\nSee ../../docs/x.md for details.\n')
        _git(wt46, 'add', '-A')
        ok &= _step('git commit (README links ../../docs/x.md, the main '
                    "checkout's copy)",
                    False, *_git(wt46, 'commit', '-m', 'docs that reach'))
        _git(wt46, 'checkout', '-q', 'HEAD', '--', 'README.md')

        _write(os.path.join(wt46, 'docs', 'guide.md'),
               f'# Guide\n\nSee {main}/docs/x.md\n')
        _git(wt46, 'add', '-A')
        ok &= _step('git commit (an absolute path into the main checkout)',
                    False, *_git(wt46, 'commit', '-m', 'absolute path'))
        _git(wt46, 'reset', '-q')
        os.remove(os.path.join(wt46, 'docs', 'guide.md'))

        _write(os.path.join(wt46, 'docs', 'guide.md'),
               '# Guide\n\nSee [the readme](../README.md).\n')
        _git(wt46, 'add', '-A')
        ok &= _step('git commit (docs/guide.md links ../README.md, in-tree)',
                    True, *_git(wt46, 'commit', '-m', 'guide'))
        ok &= _pushes(base, origin, wt45, wt46)
        _say('\nSummary: ' + ('every verdict as expected' if ok
                               else 'SOME VERDICTS WERE UNEXPECTED'))
    finally:
        if keep:
            _say(f'\nkept: {base}')
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0 if ok else 1



def _pushes(base: str, origin: str, wt45: str, wt46: str) -> bool:
    """Sync before push, through real pushes to the bare remote."""
    _say('\n-- pushing to origin (sync-before-push) --')
    mate = os.path.join(base, 'teammate')
    _git(base, 'clone', '-q', origin, mate)
    _write(os.path.join(mate, 'CHANGELOG.md'), '# Changes\n')
    _git(mate, 'add', '-A')
    _git(mate, 'commit', '-q', '-m', 'a teammate lands a change')
    _git(mate, 'push', '-q', 'origin', 'main')
    _say('a teammate pushed a commit to origin/main (a clone without hooks)')
    ok = _step('git push -u origin issue-45-add-rust-sdk (1 commit behind '
               'origin/main)', False,
               *_git(wt45, 'push', '-u', 'origin', 'issue-45-add-rust-sdk'))
    _git(wt45, 'fetch', '-q', 'origin')
    _git(wt45, 'rebase', '-q', 'origin/main')
    ok &= _step('git fetch && git rebase origin/main && git push -u origin '
                'issue-45-add-rust-sdk', True,
                *_git(wt45, 'push', '-u', 'origin', 'issue-45-add-rust-sdk'))
    _git(wt46, 'merge', '-q', '--no-ff', '-m', 'Merge origin/main',
         'origin/main')
    ok &= _step('git merge origin/main && git push -u origin '
                'issue-46-update-docs (a merge commit)', False,
                *_git(wt46, 'push', '-u', 'origin', 'issue-46-update-docs'))
    _git(wt46, 'rebase', '-q', 'origin/main')
    ok &= _step('git rebase origin/main (linear again) && git push -u '
                'origin issue-46-update-docs', True,
                *_git(wt46, 'push', '-u', 'origin', 'issue-46-update-docs'))
    return ok
