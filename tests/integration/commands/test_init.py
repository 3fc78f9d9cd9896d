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
from tests.helpers import wg
from worktree_guard import __version__
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


def test_init_writes_the_schema_its_modeline_names(
        plain_repo: RepoHandle) -> None:
    """yaml-language-server finds the schema out of the box: the modeline
    is the policy's first line, the file it names is there, and it
    validates the policy init wrote."""
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-3-adopt')
    proc = wg('init', cwd=r.path)
    assert proc.returncode == 0, proc
    policy = r.path / '.worktree-guard.yaml'
    text = policy.read_text()
    assert text.splitlines()[0] == \
        '# yaml-language-server: $schema=./.worktree-guard.schema.json'
    written = (r.path / '.worktree-guard.schema.json').read_text()
    assert written == wg('policy', 'schema', cwd=r.path).stdout
    schema = json.loads(written)
    assert schema['$id'] == 'urn:worktree-guard:policy:v1'
    assert schema['title'].startswith('worktree-guard policy')
    validator = jsonschema.Draft202012Validator(schema)
    validator.validate(yaml.safe_load(text))
    assert not validator.is_valid({'version': 1, 'rules': {'x': 'error'}})
    assert P.parse(policy.read_bytes(), '.worktree-guard.yaml').data == \
        P.DEFAULTS
    assert wg('policy', 'validate', cwd=r.path).returncode == 0
    # Both files commit cleanly, and the schema holds no finding.
    r.git('add', '.worktree-guard.yaml', '.worktree-guard.schema.json')
    assert r.commit('adopt').returncode == 0
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 0, proc


def test_a_stale_schema_is_reported(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-4-adopt')
    assert wg('init', cwd=r.path).returncode == 0
    schema = r.path / '.worktree-guard.schema.json'
    (r.path / 'sub').mkdir()   # --check finds the root's file from below
    proc = wg('policy', 'schema', '--check', cwd=r.path / 'sub')
    assert proc.returncode == 0, proc
    assert proc.stdout == '../.worktree-guard.schema.json: current\n'
    assert proc.stdout.endswith('.worktree-guard.schema.json: current\n')
    doc = wg('doctor', cwd=r.path)
    assert '  schema: .worktree-guard.schema.json: current' in \
        doc.stdout.splitlines(), doc
    # Reformatted by an editor: the same schema.
    schema.write_text(json.dumps(json.loads(schema.read_text())))
    assert wg('policy', 'schema', '--check', cwd=r.path).returncode == 0
    # An older worktree-guard's schema (one key fewer), or a broken file.
    old = json.loads(schema.read_text())
    del old['properties']['rules']['properties']['branch-name']
    for text in (json.dumps(old), '{'):
        schema.write_text(text)
        proc = wg('policy', 'schema', '--check', cwd=r.path)
        assert proc.returncode == 1, proc
        fix = 'refresh it: worktree-guard policy schema > ' \
            '.worktree-guard.schema.json'
        assert proc.stdout.strip().endswith(fix), proc
        doc = wg('doctor', cwd=r.path)
        assert f'schema: .worktree-guard.schema.json: not worktree-guard ' \
            f"{__version__}'s policy schema" in doc.stdout, doc
        assert fix in doc.stdout
    # A missing file, named by the modeline or by --check.
    schema.unlink()
    proc = wg('policy', 'schema', '--check', cwd=r.path)
    assert proc.returncode == 1
    assert 'no such file (write it: worktree-guard policy schema > ' in \
        proc.stdout
    assert 'schema: .worktree-guard.schema.json: no such file' in \
        wg('doctor', cwd=r.path).stdout
    proc = wg('policy', 'schema', '--check', 'other.json', cwd=r.path)
    assert proc.returncode == 1 and proc.stdout.startswith('other.json: ')
    # A modeline naming a URL, or none and no file: nothing to say.
    policy = r.path / '.worktree-guard.yaml'
    policy.write_text('# yaml-language-server: $schema=https://x.test/s.json'
                      '\nversion: 1\n')
    assert 'schema:' not in wg('doctor', cwd=r.path).stdout
    policy.write_text('version: 1\n')
    assert 'schema:' not in wg('doctor', cwd=r.path).stdout
    # No modeline, but the file at the root: it is checked.
    assert wg('policy', 'schema', cwd=r.path).returncode == 0
    (r.path / '.worktree-guard.schema.json').write_text(
        wg('policy', 'schema', cwd=r.path).stdout)
    assert '  schema: .worktree-guard.schema.json: current' in \
        wg('doctor', cwd=r.path).stdout
    # A policy given by --policy, with a modeline relative to it.
    elsewhere = r.path / 'conf'
    elsewhere.mkdir()
    (elsewhere / 'p.yaml').write_text(
        '# yaml-language-server: $schema=s.json\nversion: 1\n')
    assert 'schema: conf/s.json: no such file' in wg(
        'doctor', '--policy', 'conf/p.yaml', cwd=r.path).stdout


def test_init_keeps_an_existing_policy(plain_repo: RepoHandle) -> None:
    policy = plain_repo.path / '.worktree-guard.yaml'
    policy.write_text('version: 1\n')
    proc = wg('init', cwd=plain_repo.path)
    assert proc.returncode == 2 and '--force' in proc.stderr
    assert policy.read_text() == 'version: 1\n'
