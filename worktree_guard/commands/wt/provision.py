"""Setting a worktree up and tearing it down (issue 15), with the commands
and copies of the policy committed on the base, once the local user
approved them (``consent``, issue 23).

- ``worktrees.bootstrap``: files or folders of the main checkout copied
  into a new worktree, never from outside it (a symlinked folder that
  leads out is skipped).

- ``worktrees.include`` names a file (default ``.worktreeinclude``, the
  cross-tool convention) in gitignore syntax: the *ignored* files of the
  main checkout that it matches are copied into a new worktree (``.env``,
  local config), never overwriting what the checkout has.
- ``worktrees.setup``: shell commands run in the new worktree, in order,
  each with ``worktrees.setup-timeout``; their output is shown as it comes
  (and kept in the worktree's git dir, ``wt-setup.log``).  A command ends
  when it exits: what it leaves in the background keeps running.  The
  first failure stops the list and is reported; the worktree is kept.
- ``worktrees.teardown``: the same, in the worktree, before ``wt remove``.

``wt setup N`` (``cmd_setup``) provisions an existing worktree, after
``wt trust`` approved what ``wt create`` skipped.
"""
from __future__ import annotations

import os
import shutil
from typing import TYPE_CHECKING

from worktree_guard.commands.wt import consent
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt.env import worktree_env
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import decode
from worktree_guard.gitctx.pipes import Logged

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Callable
    from collections.abc import Iterable

    from worktree_guard.commands.wt import Context


def provision(ctx: Context, path: str, say: Callable[[str], None],
              issue: int, branch: str | None) -> bool:
    """Bootstrap copies, include copies and setup commands for issue
    ``issue``'s new worktree at ``path`` (on ``branch``), as the base's
    committed policy says, once the local user approved them; ``False``
    when a setup command failed.  The commands get the worktree's
    variables (``commands.wt.env``: ``WT_PORT``...)."""
    found = consent.commands(ctx)
    if found.empty:
        return True
    if not found.approved:
        say(consent.refusal(found))
        return True
    src_root = ctx.main_real if ctx.nested else ctx.repo.root
    bootstrap(found.bootstrap, src_root, path, say)
    copy_included(ctx, found.include_lines or [], src_root, path, say)
    return run_commands('setup', found.setup, path,
                        found.policy['worktrees']['setup-timeout'], say,
                        worktree_env(ctx, found.policy, issue, branch, path))


def cmd_setup(ns: argparse.Namespace, ctx: Context) -> int:
    """``wt setup N``: provision issue N's existing worktree (after
    ``wt trust`` approved what ``wt create`` skipped)."""
    issue = issue_number(ns.issue)
    w = next((w for w in ctx.repo.worktrees() if issue in ctx.issues_of(w)),
             None)
    if w is None:
        raise GuardError(f'issue {issue} has no worktree',
                         f'worktree-guard wt create {issue} <title>')
    found = consent.commands(ctx)
    if not found.approved:
        print(consent.refusal(found))
        return 1
    return 0 if provision(ctx, w.path, say_now, issue, w.branch) else 1


def _copy_new(src: str, dst: str) -> str:
    """copytree's copy function: never overwrite what the checkout has."""
    if not os.path.lexists(dst):
        shutil.copy2(src, dst, follow_symlinks=False)
    return dst


def _inside(path: str, root: str) -> bool:
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip('/') + '/')


def bootstrap(entries: Iterable[str], src_root: str | None, dest: str,
              say: Callable[[str], None]) -> None:
    """Copy ``worktrees.bootstrap``'s entries from the checkout."""
    for entry in entries:
        rel = os.path.normpath(entry.rstrip('/'))
        if os.path.isabs(rel) or rel == '..' or rel.startswith('../'):
            say(f'bootstrap: skipped {entry!r}: not a path inside the '
                'checkout')
            continue
        if src_root is None:
            say(f'bootstrap: skipped {entry!r}: no checkout to copy it from')
            continue
        src = os.path.join(src_root, rel)
        dst = os.path.join(dest, rel)
        if not os.path.lexists(src):
            say(f'bootstrap: skipped {entry!r}: not found in {src_root}')
        elif not _inside(os.path.dirname(src), src_root):
            say(f'bootstrap: skipped {entry!r}: a symlinked folder leads '
                'out of the checkout')
        else:
            _copy('bootstrap', src, dst, rel, say)


def _copy(kind: str, src: str, dst: str, rel: str,
          say: Callable[[str], None]) -> bool:
    """Copy one file or folder of the checkout into the new worktree,
    never overwriting what the worktree has; whether anything was
    copied."""
    if os.path.isdir(src) and not os.path.islink(src):
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True,
                        copy_function=_copy_new)
        say(f'{kind}: copied {rel}/')
    elif os.path.lexists(dst):
        say(f'{kind}: kept {rel}: the new worktree already has it')
        return False
    else:
        os.makedirs(os.path.dirname(dst) or '.', exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
        say(f'{kind}: copied {rel}')
    return True


def copy_included(ctx: Context, lines: list[str], src_root: str | None,
                  dest: str, say: Callable[[str], None]) -> int:
    """Copy the ignored files the include listing ``lines`` (gitignore
    syntax, as committed on the base) matches; how many went."""

    # deferred: pathspec only when the base lists files to copy
    import pathspec

    if not lines or src_root is None:
        return 0
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    skip = {os.path.realpath(ctx.root_dir)} if ctx.root_dir else set()
    copied = 0

    def wanted(rel: str) -> bool:
        return spec.match_file(rel)

    def copy(rel: str) -> None:
        nonlocal copied
        copied += _copy('include', os.path.join(src_root, rel),
                        os.path.join(dest, rel), rel, say)

    for entry in ctx.gp.ignored_files():
        rel = entry.rstrip('/')
        full = os.path.join(src_root, rel)
        if os.path.realpath(full) in skip:
            continue
        if wanted(rel) or (entry.endswith('/') and wanted(entry)):
            copy(rel)
        elif entry.endswith('/'):
            # An ignored folder: what inside it does the list name?
            for root, dirs, files in os.walk(full):
                dirs[:] = [d for d in dirs if os.path.realpath(
                    os.path.join(root, d)) not in skip and d != '.git']
                for fname in files:
                    inner = os.path.relpath(os.path.join(root, fname),
                                            src_root)
                    if wanted(inner):
                        copy(inner)
    return copied


# The policy key that sets each kind's timeout, for the message.
_TIMEOUT_KEY = {'land.test': 'land.test-timeout'}


def say_now(msg: str) -> None:
    """Print a line at once (flushed): command output shows as it comes,
    on a pipe too."""
    print(msg, flush=True)


def run_commands(kind: str, commands: list[str], cwd: str, timeout: float,
                 say: Callable[[str], None],
                 env: dict[str, str] | None = None) -> bool:
    """Run each shell command in ``cwd`` (with ``env`` added to the
    environment), showing its output line by line as it comes; ``False``
    at the first failure.

    The output goes to ``<the worktree's git dir>/wt-<kind>.log``, which
    is followed (``gitctx.pipes.Logged``): a command ends when it exits,
    so a process it leaves in the background (``npm run dev &``) keeps
    running and writing to that log without holding ``wt`` up."""
    if not commands:
        return True
    log = os.path.join(Repo.discover(cwd).git_dir, f'wt-{kind}.log')
    full = None if env is None else {**os.environ, **env}
    for cmd in commands:
        say(f'{kind}: $ {cmd}')
        run = Logged(['sh', '-c', 'cd -- "$1" || exit 125; eval "$2"',
                      f'wt-{kind}', cwd, cmd], log, env=full,
                     timeout=timeout)
        for line in run.lines():
            say(f'  | {decode(line)}')
        if run.lingering and not run.timed_out:
            say(f'{kind}: it left a process running in the background '
                f'(process group {run.pgid}; stop it: kill -- '
                f'-{run.pgid}); its output goes to {log}')
        if run.timed_out:
            say(f'{kind}: FAILED: timed out after {timeout:g} s '
                f'({_TIMEOUT_KEY.get(kind, "worktrees.setup-timeout")}); '
                f'the output is in {log}')
            return False
        if run.returncode != 0:
            say(f'{kind}: FAILED (exit {run.returncode}); the output is in '
                f'{log}')
            return False
    say(f'{kind}: ok')
    return True
