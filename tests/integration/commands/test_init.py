"""`worktree-guard init`, proved on real repositories: what it writes, and
what it refuses."""
from __future__ import annotations

import json
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


def test_init_install_pre_commit_works_on_a_first_run(
        plain_repo: RepoHandle) -> None:
    """No config yet: init writes one that runs the worktree-guard on PATH
    (repo: local), installs pre-commit, and the hooks really judge."""
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-1-adopt')
    hooks = r.path / '.git' / 'hooks'
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc
    assert_no_traceback(proc)
    config = yaml.safe_load((r.path / '.pre-commit-config.yaml').read_text())
    assert config['repos'][0]['repo'] == 'local'
    ids = [h['id'] for h in config['repos'][0]['hooks']]
    assert ids == ['worktree-guard-commit', 'worktree-guard-push']
    assert 'pre-commit installed at .git/hooks/pre-commit' in proc.stdout
    assert doctor._hook_kind(str(hooks / 'pre-commit')) == 'pre-commit'
    r.git('add', '.pre-commit-config.yaml', '.worktree-guard.yaml')
    assert r.commit('adopt').returncode == 0
    r.git('switch', '-q', '-c', 'feature/bad-name')
    proc = r.commit('c', files={'c.txt': 'c\n'})
    assert proc.returncode == 1 and 'branch-name' in proc.output, proc


def test_init_keeps_an_existing_config(
        plain_repo: RepoHandle, hook_repo: tuple[Path, str]) -> None:
    """A config that exists is the team's: init installs with it and never
    rewrites it."""
    r = plain_repo
    text = precommit_config(hook_repo, 'id: worktree-guard-commit')
    r.write('.pre-commit-config.yaml', text)
    proc = wg('init', '--install-pre-commit', cwd=r.path)
    assert proc.returncode == 0, proc
    assert (r.path / '.pre-commit-config.yaml').read_text() == text
    assert 'repo: local' not in proc.stdout


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
