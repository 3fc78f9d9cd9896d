"""CI: the composite action's check step and docs/server.md's CI snippets run
against real repositories, as a CI job would run them."""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import PROJECT
from tests.helpers import Proc
from tests.helpers import RepoHandle
from tests.helpers import run

ACTION = yaml.safe_load((PROJECT / 'action.yml').read_text())
# The server and CI reference (the README links to it).
SECTION = (PROJECT / 'docs' / 'server.md').read_text()


def _step(step_id: str) -> dict[str, Any]:
    for step in ACTION['runs']['steps']:
        if step.get('id') == step_id:
            return dict(step)
    raise AssertionError(f'no step {step_id!r} in action.yml')


def test_action_is_a_composite_with_documented_inputs() -> None:
    assert ACTION['runs']['using'] == 'composite'
    assert set(ACTION['inputs']) == {'base', 'head', 'branch', 'policy',
                                     'package', 'python-version', 'sarif'}
    for name in ACTION['inputs']:
        assert f'`{name}`' in SECTION, name
    # Inputs reach the scripts through env only (no ${{ }} in a script).
    for step in ACTION['runs']['steps']:
        assert '${{' not in step.get('run', ''), step


def _run_check(repo: RepoHandle, inputs: dict[str, str]) -> Proc:
    """The action's check step, with its env expressions filled in from
    ``inputs`` as the runner would."""
    step = _step('check')
    env = {}
    for var, expr in step['env'].items():
        if expr == '${{ steps.venv.outputs.bin }}':
            # The action's private venv: here, this test run's own.
            env[var] = str(Path(sys.executable).parent)
            continue
        m = re.fullmatch(r'\$\{\{ inputs\.([\w-]+) \}\}', expr)
        assert m, expr
        env[var] = inputs.get(m.group(1), '')
    return run(['bash', '-c', str(step['run'])], cwd=repo.path, env=env)


def _branch(repo: RepoHandle, name: str, files: dict[str, str]) -> str:
    repo.git('switch', '-q', '-c', name)
    proc = repo.commit('work', files=files)
    assert proc.returncode == 0, proc
    return repo.head()


def test_action_check_step(plain_repo: RepoHandle) -> None:
    r = plain_repo
    base = r.git('rev-parse', 'origin/main').strip()
    head = _branch(r, 'issue-21-ci', {'src/ci.py': 'ok = 1\n'})
    proc = _run_check(r, {'base': base, 'head': head, 'branch': 'issue-21-ci'})
    assert proc.returncode == 0, proc
    proc = _run_check(r, {'base': base, 'head': head, 'branch': 'hotfix'})
    assert proc.returncode == 1, proc
    assert 'branch-name' in proc.output
    policy = r.path.parent / 'ci-policy.yaml'
    policy.write_text('branches:\n  exempt: [hotfix]\n')
    proc = _run_check(r, {'base': base, 'head': head, 'branch': 'hotfix',
                          'policy': str(policy)})
    assert proc.returncode == 0, proc


def test_action_check_step_outside_a_pull_request(
        plain_repo: RepoHandle) -> None:
    proc = _run_check(plain_repo, {})
    assert proc.returncode == 2
    assert 'no base or head commit' in proc.stderr


def test_readme_workflow_uses_the_action() -> None:
    blocks = re.findall(r'```yaml\n(.*?)```', SECTION, re.S)
    workflows = [yaml.safe_load(b) for b in blocks if 'jobs:' in b]
    assert len(workflows) == 1
    steps = workflows[0]['jobs']['guard']['steps']
    assert steps[0]['uses'].startswith('actions/checkout@')
    assert steps[0]['with']['fetch-depth'] == 0
    assert steps[1]['uses'].split('@')[0].endswith('/worktree-guard')


def _generic_step() -> str:
    blocks = re.findall(r'```sh\n(.*?)```', SECTION, re.S)
    [step] = [b for b in blocks if '--from-ref "origin/$BASE"' in b]
    return step


@pytest.mark.parametrize(('branch', 'expected'), [
    ('issue-22-ci', 0), ('hotfix', 1),
])
def test_readme_generic_ci_step(plain_repo: RepoHandle, branch: str,
                                expected: int) -> None:
    r = plain_repo
    _branch(r, branch, {'src/ci.py': 'ok = 1\n'})
    proc = run(['bash', '-ec', _generic_step()], cwd=r.path,
               env={'BASE': 'main', 'BRANCH': branch})
    assert proc.returncode == expected, proc
    if expected:
        assert "remote branch 'hotfix' does not match" in proc.output


def test_readme_policy_block_for_allow_skip_is_valid() -> None:
    from worktree_guard.policy import parse
    blocks = re.findall(r'```yaml\n(.*?)```', SECTION, re.S)
    [block] = [b for b in blocks if 'allow-skip' in b]
    pol = parse(block)
    assert pol['server']['allow-skip'] == ['sync-before-push']
