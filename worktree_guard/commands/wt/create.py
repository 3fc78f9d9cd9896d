"""``wt create``: the worktree and branch of an issue, from the freshly
fetched base, with its bootstrap copies."""
from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError
from worktree_guard.gitctx import spawn
from worktree_guard.gitctx import sync
from worktree_guard.gitctx import worktrees
from worktree_guard.slug import slugify

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Callable

    from worktree_guard.commands.wt import Context

from worktree_guard.commands.wt import Refused
from worktree_guard.commands.wt import issue_number
from worktree_guard.commands.wt.provision import provision


def _gh_title(issue: int) -> str:
    if shutil.which('gh') is None:
        raise GuardError(
            f'a title is needed for issue {issue}',
            f'worktree-guard wt create {issue} <title words>  (or install '
            "the GitHub CLI 'gh' to use the issue's title)",
        )
    res = spawn(['gh', 'issue', 'view', str(issue), '--json', 'title',
                 '--jq', '.title'], timeout=30)
    title = res.stdout.decode('utf-8', 'replace').strip()
    if res.returncode != 0 or not title:
        err = res.stderr.decode('utf-8', 'replace').strip()
        raise GuardError(
            f'gh could not read the title of issue {issue}'
            + (f': {err.splitlines()[-1]}' if err else ''),
            'pass the title yourself: worktree-guard wt create '
            f'{issue} <title words>',
        )
    return title


def _start_point(ctx: Context, base: str | None,
                 say: Callable[[str], None]) -> tuple[str, str]:
    """(oid, description) of the commit a new branch starts from."""
    repo = ctx.repo
    branch = base or ctx.base_branch
    tracking = f'{ctx.remote}/{branch}'
    err: str | None = f'no remote {ctx.remote!r}'
    if ctx.remote in ctx.gp.remotes():
        err = sync.fetch(repo, ctx.remote, branch,
                         ctx.policy['sync']['fetch-timeout'],
                         ctx.main_real)
        oid = repo.ref_oid(f'refs/remotes/{tracking}')
        if oid is not None:
            if err is None:
                return oid, f'{tracking} (just fetched)'
            say(f'warning: could not fetch {tracking} ({err}); starting from '
                'the cached one, which may be stale')
            return oid, f'{tracking} (cached)'
    oid = repo.rev_parse(branch)
    if oid is None:
        raise GuardError(
            f'cannot find the base {branch!r}: not on {ctx.remote} ({err}) '
            'and not a local revision',
            'check base.remote/base.branch in the policy, or pass --base',
        )
    if base is None:
        say(f'warning: {tracking} is not available ({err}); starting from '
            f'the local {branch}')
    return oid, branch


def _ensure_ignored(ctx: Context, branch: str,
                    say: Callable[[str], None]) -> None:
    """Make the main checkout ignore ``/<root>/`` if it does not yet.

    The line goes to ``<git-common-dir>/info/exclude``: local to this clone,
    nothing to commit, shared by every worktree (issue 16); the message
    says which file changed and how to undo it."""
    main, root_dir = ctx.main_real, ctx.root_dir
    assert main is not None and root_dir is not None
    probe = worktrees.ignore_probe(main, root_dir, branch)
    if probe is None:  # the root is outside the main checkout
        return
    found = worktrees.ignored_in(main, [probe])
    if found is None or probe in found:
        return
    pattern = '/' + os.path.relpath(root_dir, main) + '/'
    info = os.path.join(ctx.repo.common_dir, 'info')
    os.makedirs(info, exist_ok=True)
    path = os.path.join(info, 'exclude')
    try:
        with open(path, 'rb') as f:
            old = f.read()
    except FileNotFoundError:
        old = b''
    sep = b'' if not old or old.endswith(b'\n') else b'\n'
    with open(path, 'ab') as f:
        f.write(sep + pattern.encode('utf-8', 'surrogateescape') + b'\n')
    say(f"added '{pattern}' to {path} so the main checkout ignores its "
        'worktrees (local to this clone, nothing to commit; undo: delete '
        'that line)')


def cmd_create(ns: argparse.Namespace, ctx: Context) -> int:
    def say(msg: str) -> None:
        # flushed: setup's output is shown as it comes, even on a pipe
        print(msg, file=sys.stderr if ns.print_path else sys.stdout,
              flush=True)

    policy = ctx.policy
    issue = issue_number(ns.issue)
    title = ' '.join(ns.title).strip() or _gh_title(issue)
    slug = slugify(title, policy['branches']['slug-max-length'])
    if not slug:
        raise GuardError(f'the title {title!r} leaves no slug',
                         'use letters or digits in the title')
    branch = f'issue-{issue}-{slug}'
    if not policy.branch_regex().search(branch) and \
            not policy.matches('branches', 'exempt', branch):
        raise GuardError(
            f'the branch {branch!r} would not match branches.pattern',
            'wt create makes issue-<N>-<slug> branches; align '
            'branches.pattern in .worktree-guard.yaml',
        )
    for w in ctx.repo.worktrees():
        if issue in ctx.issues_of(w):
            raise Refused(
                f'issue {issue} already has a worktree: {ctx.show(w.path)} '
                f"(branch {w.branch or 'detached'})",
                f'work there (cd {w.path}), or remove it first: '
                f'worktree-guard wt remove {issue}',
            )
    if ctx.root_dir is None:
        raise GuardError(
            'worktrees.layout is nested, but this repository has no main '
            'checkout (it is bare)',
            "set 'worktrees: {layout: bare}' in .worktree-guard.yaml",
        )
    path = os.path.join(ctx.root_dir, branch)
    if os.path.lexists(path):
        raise GuardError(f'{ctx.show(path)} already exists',
                         'move it away, or give another title')
    if ctx.nested:
        _ensure_ignored(ctx, branch, say)
    existing = ctx.gp.branch_tip(branch)
    if existing is not None:
        ctx.gp.add_worktree(path, branch, None)
        origin = f'existing branch, at {existing[:12]}'
    else:
        oid, desc = _start_point(ctx, ns.base, say)
        ctx.gp.add_worktree(path, branch, oid)
        origin = f'new branch from {desc} at {oid[:12]}'
    say(f'created worktree {ctx.show(path)}')
    say(f'  branch {branch} ({origin})')
    ok = provision(ctx, path, say, issue, branch)
    if ns.print_path:
        print(path)
    else:
        say(f'next: cd {path}')
    if not ok:
        say(f'setup failed; the worktree is kept: fix it by hand in {path}, '
            f'or remove it: worktree-guard wt remove {issue} --force')
        return 1
    return 0
