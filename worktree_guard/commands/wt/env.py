"""A worktree's environment (issue 25): ``WT_ISSUE``, ``WT_BRANCH``,
``WT_PATH``, ``WT_MAIN`` and ``WT_PORT``, given to its setup and teardown
commands, and printed by ``wt env N`` for ``eval "$(worktree-guard wt env
N)"``."""
from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING

from worktree_guard.commands.wt import consent
from worktree_guard.commands.wt.listing import only_worktree

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands.wt import Context
    from worktree_guard.policy import Policy

# The highest port number, plus one.
PORTS = 65536


def port(policy: Policy, issue: int) -> int:
    """Issue ``issue``'s port: ``worktrees.port-base`` + the issue number,
    wrapped to stay below 65536 (stable: the same issue, the same port)."""
    base = int(policy['worktrees']['port-base'])
    return base + issue % (PORTS - base)


def worktree_env(ctx: Context, policy: Policy, issue: int,
                 branch: str | None, path: str) -> dict[str, str]:
    """The variables of issue ``issue``'s worktree at ``path``."""
    return {
        'WT_ISSUE': str(issue),
        'WT_BRANCH': branch or '',
        'WT_PATH': os.path.realpath(path),
        'WT_MAIN': ctx.main_real or os.path.realpath(ctx.repo.common_dir),
        'WT_PORT': str(port(policy, issue)),
    }


def cmd_env(ns: argparse.Namespace, ctx: Context) -> int:
    """``wt env N``: ``export VAR=value`` lines, shell-quoted."""
    w, issue = only_worktree(ctx, ns.issue)
    policy = consent.commands(ctx).policy
    for name, value in worktree_env(ctx, policy, issue, w.branch,
                                    w.path).items():
        print(f'export {name}={shlex.quote(value)}')
    return 0
