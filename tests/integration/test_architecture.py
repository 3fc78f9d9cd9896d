"""The layers of ARCHITECTURE.md hold, and a violation breaks them.

import-linter reads the contracts in pyproject.toml.  The second test copies
the package, plants one violation of each contract (a rule that runs git, a
rule that imports another rule, a rule or the path engine that reads
files), and expects the contracts to fail: proof that they guard
something.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / 'lint-imports'

pytestmark = pytest.mark.skipif(not LINT.exists(),
                                reason='import-linter is not installed')


def _lint(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), '--config', str(where / 'pyproject.toml'),
         '--no-cache'],
        cwd=where, capture_output=True, text=True, timeout=120,
        env={'PATH': '/usr/bin:/bin', 'PYTHONPATH': str(where)})


@pytest.mark.timeout(180)
def test_the_contracts_hold() -> None:
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '0 broken' in proc.stdout


@pytest.mark.timeout(180)
@pytest.mark.parametrize('module, line, contract', [
    ('rules/branch_name.py', 'from worktree_guard.gitctx import Repo',
     'are pure'),
    ('policy/__init__.py', 'import worktree_guard.runner',
     'Layers'),
    ('gitctx/repo.py', 'import worktree_guard.rules',
     'Layers'),
    # A rule that reaches into another rule.
    ('rules/agent_guard.py', 'import worktree_guard.rules.worktree_paths',
     'Rules import no other rule'),
    # Rules and the path engine read no files: not through os's pieces,
    # nor through lightpath (path strings: worktree_guard.purepath).
    ('rules/branch_name.py', 'import posix', 'are pure'),
    ('rules/agent_guard.py', 'from worktree_guard import lightpath',
     'are pure'),
    ('pathengine/places.py', 'import pathlib', 'are pure'),
    ('pathengine/text.py', 'import shutil', 'are pure'),
])
def test_a_violation_breaks_them(tmp_path: Path, module: str, line: str,
                                 contract: str) -> None:
    shutil.copytree(ROOT / 'worktree_guard', tmp_path / 'worktree_guard',
                    ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copy(ROOT / 'pyproject.toml', tmp_path / 'pyproject.toml')
    target = tmp_path / 'worktree_guard' / module
    if not target.exists():  # a package that is still a module here
        target = target.parent.with_suffix('.py')
    target.write_text(target.read_text() + f'\n{line}  # noqa\n')
    proc = _lint(tmp_path)
    assert proc.returncode != 0
    assert 'BROKEN' in proc.stdout
    broken = proc.stdout.split('Broken contracts', 1)[1]
    assert contract in broken, broken
