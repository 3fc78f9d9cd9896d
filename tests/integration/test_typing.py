"""mypy --strict sees the typed core: a rule module is a ``RuleModule``
(rules/spec.py, checked against the rules the runner runs in
rules/__init__.py) and a policy section read is typed by the generated
``policy/sections.pyi`` (``./dev gen``; test_registry checks it is
current).  A snippet reads both; mypy names the types and refuses the
planted mistakes."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SNIPPET = '''\
from worktree_guard import runner
from worktree_guard.policy import Policy
from worktree_guard.rules import server_policy
from worktree_guard.rules.spec import RuleModule


def f(p: Policy) -> None:
    reveal_type(p['sync']['fetch-timeout'])
    reveal_type(p['base']['branch'])
    reveal_type(p['paths']['exclude'])
    reveal_type(runner.rule_module('branch-name').check)
    p['sync']['no-such-key']
    name: int = p['branches']['pattern']
    checked: RuleModule = server_policy
'''


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_mypy_reads_typed_rules_and_policy_sections(tmp_path: Path) -> None:
    (tmp_path / 'snippet.py').write_text(SNIPPET)
    proc = subprocess.run(
        [sys.executable, '-m', 'mypy', '--strict', '--no-incremental',
         '--cache-dir', str(tmp_path / 'cache'), 'snippet.py'],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={'PATH': '/usr/bin:/bin', 'PYTHONPATH': str(ROOT),
             'MYPYPATH': str(ROOT), 'HOME': str(tmp_path)})
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert 'snippet.py:8: note: Revealed type is "float"' in out, out
    assert 'snippet.py:9: note: Revealed type is "str | None"' in out, out
    assert 'snippet.py:10: note: Revealed type is "list[str]"' in out, out
    assert ('snippet.py:11: note: Revealed type is "def (facts: Any, '
            'policy: worktree_guard.policy.Policy, notes: list[str] | None '
            '=) -> list[worktree_guard.model.Violation]"') in out, out
    assert 'snippet.py:12: error: TypedDict "Sync" has no key ' \
        '"no-such-key"' in out, out
    assert 'snippet.py:13: error: Incompatible types in assignment ' \
        '(expression has type "str", variable has type "int")' in out, out
    assert 'snippet.py:14: error: Incompatible types in assignment ' \
        '(expression has type Module, variable has type "RuleModule")' \
        in out, out
    assert out.count('error:') == 3, out
