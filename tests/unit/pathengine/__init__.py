"""The path engine's unit tests, one module per engine module, table-driven:
string in, findings out; no git, no files.

One case per spelling that must not slip through and per false-positive
kind of issue 12, the way gitlint tests its rules.  The checkout: a main
checkout /w/main with the linked worktrees trees/issue-45-rust-sdk (the
current one) and trees/issue-46-docs.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable

from worktree_guard.model import Checkout
from worktree_guard.pathengine import Context
from worktree_guard.pathengine import Engine

MAIN = '/w/main'
CUR = f'{MAIN}/trees/issue-45-rust-sdk'
SIB = f'{MAIN}/trees/issue-46-docs'


def here(path: str) -> bool:
    """The tables' machine (``Context.exists``): everything outside the
    current worktree exists, so a climb reaches something that is there,
    and inside it only its root folder does (the same file is not in the
    tree).  test_findings.py varies it."""
    return path == CUR or not path.startswith(CUR + '/')


def disk(*paths: str) -> Callable[[str], bool]:
    """A machine that holds ``paths`` and their folders, nothing else."""
    held = set()
    for path in paths:
        p = path
        while p not in ('/', ''):
            held.add(p)
            p = posixpath.dirname(p)
    return held.__contains__


def ctx(**kw: object) -> Context:
    cos = [Checkout('main', MAIN, [MAIN]),
           Checkout('current', CUR, [CUR], 'issue-45-rust-sdk',
                    'issue-45-rust-sdk'),
           Checkout('worktree', SIB, [SIB], 'issue-46-docs', 'issue-46-docs')]
    args: dict[str, object] = dict(checkouts=cos, root=CUR,
                                   git_dir=f'{MAIN}/.git', exists=here)
    args.update(kw)
    return Context(**args)  # type: ignore[arg-type]


def scan(path: str, content: str, **kw: object) -> list[str]:
    found = Engine(ctx(**kw)).scan(path, content.encode())
    return [f'{f.line}:{f.col} {f.kind} {f.severity}' for f in found]


# What the tables expect: "line:col kind severity".
ERR = 'relative-escape error'
OUT = '../../../out'   # from the worktree root: outside every checkout
