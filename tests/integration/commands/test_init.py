"""`worktree-guard init`, proved on real repositories: what it writes, and
what it refuses (a pre-commit install without a config)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import yaml

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import precommit_config
from tests.helpers import run
from tests.helpers import wg
from worktree_guard.commands import doctor
from worktree_guard import policy as P


def test_init_install_pre_commit_refuses_without_config(
        plain_repo: RepoHandle, hook_repo: tuple[Path, str],
        precommit_template: Path) -> None:
    r = plain_repo
    hooks = r.path / '.git' / 'hooks'
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 2, proc
    assert_no_traceback(proc)
    assert 'no .pre-commit-config.yaml in' in proc.stderr
    assert 'would make every commit fail' in proc.stderr
    assert 'save the snippet printed above as .pre-commit-config.yaml' \
        in proc.stderr
    # The policy is written and the snippet printed, but nothing installed.
    assert (r.path / '.worktree-guard.yaml').exists()
    assert 'id: worktree-guard-commit' in proc.stdout
    assert not (hooks / 'pre-commit').exists()
    assert not (hooks / 'pre-push').exists()
    r.git('switch', '-q', '-c', 'issue-1-still-commits')
    assert r.commit('a', files={'a.txt': 'a\n'}).returncode == 0
    # Once the config exists, it installs, and the hooks really judge.
    r.write('.pre-commit-config.yaml',
            precommit_config(hook_repo, 'id: worktree-guard-commit'))
    r.git('add', '.pre-commit-config.yaml')
    proc = wg('init', '--force', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'pre-commit installed at .git/hooks/pre-commit' in proc.stdout
    assert doctor._hook_kind(str(hooks / 'pre-commit')) == 'pre-commit'
    assert r.commit('b', files={'b.txt': 'b\n'}).returncode == 0
    r.git('switch', '-q', '-c', 'feature/bad-name')
    proc = r.commit('c', files={'c.txt': 'c\n'})
    assert proc.returncode == 1 and 'branch-name' in proc.output, proc


def test_init_checks_the_config_of_its_own_worktree(
        precommit_repo: RepoHandle) -> None:
    """The config pre-commit reads is the one in the worktree it runs in."""
    r = precommit_repo
    wt = r.worktree('issue-2-no-config')
    os.remove(wt / '.pre-commit-config.yaml')
    proc = wg('init', '--install-pre-commit', cwd=wt)
    assert proc.returncode == 2
    assert f'no .pre-commit-config.yaml in {wt}' in proc.stderr
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc


def test_init_template_schema_instructions_work(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    assert wg('init', cwd=r.path).returncode == 0
    policy = r.path / '.worktree-guard.yaml'
    text = policy.read_text()
    assert '<path' not in text
    lines = text.splitlines()
    # No active modeline yet (its schema file does not exist yet) ...
    assert not any(x.startswith('# yaml-language-server:') for x in lines)
    # ... but the steps to make one are there, and they work.
    step = '#   worktree-guard policy schema > .worktree-guard.schema.json'
    modeline = '# yaml-language-server: $schema=./.worktree-guard.schema.json'
    assert step in lines and f'#   {modeline}' in lines
    # Unaudited: the shell's redirect writes into the working tree itself.
    assert run(['sh', '-c', step[4:]], cwd=r.path,
               env={'WORKTREE_GUARD_AUDIT': ''}).returncode == 0
    schema = json.loads((r.path / '.worktree-guard.schema.json').read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(text))
    policy.write_text(f'{modeline}\n{text}')
    assert P.parse(policy.read_bytes(), '.worktree-guard.yaml').data == \
        P.DEFAULTS
    proc = wg('policy', 'validate', cwd=r.path)
    assert proc.returncode == 0, proc


def test_init_keeps_an_existing_policy(plain_repo: RepoHandle) -> None:
    policy = plain_repo.path / '.worktree-guard.yaml'
    policy.write_text('version: 1\n')
    proc = wg('init', cwd=plain_repo.path)
    assert proc.returncode == 2 and '--force' in proc.stderr
    assert policy.read_text() == 'version: 1\n'
