"""Issue 23: a shell line continuation that splits a path does not hide it,
through real git: a commit in a linked worktree that adds a script whose
escapes a backslash-newline splits is refused (native hooks and
pre-commit), and ``check --all-files`` reads the committed file alike;
each finding names the joined token, on the line where it starts."""
from __future__ import annotations

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import wg
from tests.integration.rules.test_paths import _refused
from tests.integration.rules.test_paths import _stage

SCRIPT = ('#!/bin/sh\n'
          'cp a ..\\\n/issue-46-docs/x\n'
          'cp a .\\\n./../issue-46-docs/x\n'
          'cp a ../\\\n../main-repo/x\n')
FOUND = ['run:2:6: worktree-paths/relative-escape',
         'token: ../issue-46-docs/x',
         'run:4:6: worktree-paths/relative-escape',
         'token: ../../issue-46-docs/x',
         'run:6:6: worktree-paths/relative-escape',
         'token: ../../main-repo/x']


def test_a_split_escape_is_refused_joined(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45 = r.worktree('issue-45-rust-sdk')
    r.worktree('issue-46-docs')
    _stage(r, w45, {'run': SCRIPT})
    out = _refused(r, w45)
    for text in FOUND:
        assert text in out, out
    assert "token: ../\n" not in out and 'token: ./../' not in out
    r.git('commit', '-q', '--no-verify', '-m', 'script', cwd=w45)
    proc = wg('check', '--rule', 'worktree-paths', '--all-files', cwd=w45)
    assert_no_traceback(proc)
    assert proc.returncode != 0
    for text in FOUND:
        assert text in proc.output, proc.output
