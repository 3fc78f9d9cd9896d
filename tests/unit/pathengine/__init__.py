"""The path engine's unit tests, one module per engine module, table-driven:
string in, findings out; no git, no files.

One case per spelling that must not slip through and per false-positive
kind of issue 12, the way gitlint tests its rules.  The checkout: a main
checkout /w/main with the linked worktrees trees/issue-45-rust-sdk (the
current one) and trees/issue-46-docs.
"""
from __future__ import annotations

from worktree_guard.model import Checkout
from worktree_guard.pathengine import Context
from worktree_guard.pathengine import Engine

MAIN = '/w/main'
CUR = f'{MAIN}/trees/issue-45-rust-sdk'
SIB = f'{MAIN}/trees/issue-46-docs'


def ctx(**kw: object) -> Context:
    cos = [Checkout('main', MAIN, [MAIN]),
           Checkout('current', CUR, [CUR], 'issue-45-rust-sdk',
                    'issue-45-rust-sdk'),
           Checkout('worktree', SIB, [SIB], 'issue-46-docs', 'issue-46-docs')]
    args: dict[str, object] = dict(checkouts=cos, root=CUR,
                                   git_dir=f'{MAIN}/.git')
    args.update(kw)
    return Context(**args)  # type: ignore[arg-type]


def scan(path: str, content: str, **kw: object) -> list[str]:
    found = Engine(ctx(**kw)).scan(path, content.encode())
    return [f'{f.line}:{f.col} {f.kind} {f.severity}' for f in found]


# What the tables expect: "line:col kind severity".
ERR = 'relative-escape error'
OUT = '../../../out'   # from the worktree root: outside every checkout
