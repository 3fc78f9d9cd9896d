"""The agent hook reads compound shell commands with tree-sitter-bash
(issue 22), and only those: a simple command never imports it.  Real repo,
real worktrees, the fast start the installed hook uses."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests import agent_payloads as A
from tests.helpers import RepoHandle
from worktree_guard.commands import agent_install as AI


@pytest.mark.parametrize(('command', 'grammar', 'decision'), [
    ('ls -la | grep x > out', False, 'allow'),
    ('rm ../../README.md', False, 'deny'),
    ('if true; then touch ../../x; fi', True, 'deny'),
    ('for f in a b; do echo "$f" >> notes.txt; done', True, 'allow'),
])
def test_tree_sitter_loads_only_for_compound_commands(
        plain_repo: RepoHandle, command: str, grammar: bool,
        decision: str) -> None:
    from worktree_guard.commands.faststart import fast_start_paths
    wt = plain_repo.worktree('issue-1-a').resolve()
    paths = fast_start_paths(sys.executable)
    assert paths is not None
    boot = AI.fast_boot(paths).replace(
        'sys.exit(main(sys.argv[2:]))',
        'rc = main(sys.argv[2:])\n'
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
        'sys.exit(rc)')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD'))}
    proc = subprocess.run([sys.executable, '-I', '-S', '-c', boot, 'agent',
                           'claude'],
                          input=A.text(A.claude_bash(str(wt), command)),
                          cwd=wt, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc
    loaded = set(proc.stderr.split())
    assert ('tree_sitter' in loaded) is grammar
    assert ('worktree_guard.rules.shell_tree' in loaded) is grammar
    answer = json.loads(proc.stdout) if proc.stdout.strip() else {}
    got = answer.get('hookSpecificOutput', {}).get('permissionDecision',
                                                   'allow')
    assert got == decision, proc.stdout
