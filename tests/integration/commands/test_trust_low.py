"""Issue 23's low items: an unreadable policy, undecodable bytes in JSON,
and a worktree whose own core.hooksPath runs no hook."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import wg
from worktree_guard.model import Violation
from worktree_guard.report import Result
from worktree_guard.report import format_json


@pytest.mark.skipif(not os.path.exists('/proc/self/mem'),
                    reason='needs a file open() takes and read() refuses')
def test_validate_an_unreadable_policy(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    proc = wg('policy', 'validate', '--policy', '/proc/self/mem',
              cwd=plain_repo.path)
    assert proc.returncode == 2, proc
    assert 'internal error' not in proc.stderr
    assert 'cannot read the policy file: Input/output error' in proc.stderr
    from worktree_guard.cli import main
    monkeypatch.chdir(plain_repo.path)
    assert main(['policy', 'validate', '--policy', '/proc/self/mem']) == 2
    assert 'cannot read the policy file' in capsys.readouterr().err
    plain_repo.write('p.yaml', 'version: 1\n')
    assert main(['policy', 'validate', '--policy', 'p.yaml']) == 0
    assert capsys.readouterr().out == 'p.yaml: valid\n'


def test_json_spells_undecodable_bytes() -> None:
    r = Result()
    bad = b'docs/\xff.md'.decode('utf-8', 'surrogateescape')
    r.violations = [Violation('worktree-paths', f'see {bad}', path=bad,
                              token=bad, line=1, kind='relative-escape')]
    r.notes = [f'note about {bad}', 'plain']
    out = format_json(r)
    assert '\\udc' not in out          # no lone surrogate escape
    out.encode('utf-8')                 # encodes as it is printed
    data = json.loads(out)
    assert data['violations'][0]['path'] == 'docs/\\xff.md'
    assert data['notes'] == ['note about docs/\\xff.md', 'plain']


def test_doctor_sees_a_worktree_s_own_hooks_path(
        native_repo: RepoHandle) -> None:
    r = native_repo
    wt = r.worktree('issue-3-quiet')
    r.git('config', 'extensions.worktreeConfig', 'true')
    r.git('config', '--worktree', 'core.hooksPath', '/dev/null', cwd=wt)
    proc = wg('doctor', cwd=r.path)
    assert proc.returncode == 1, proc
    lines = proc.stdout.splitlines()
    mine = next(ln for ln in lines if ln.startswith(f'{wt} ') or
                ln.startswith(f'{Path(wt).resolve()} '))
    assert ': SILENT (pre-commit=none, pre-push=none)' in mine
    main = next(ln for ln in lines if ln.startswith(f'{r.path} ') or
                ln.startswith(f'{r.path.resolve()} '))
    assert ': ok (' in main
    from worktree_guard.commands.doctor import hook_states
    from worktree_guard.gitctx import Repo
    states = hook_states(Repo.discover(str(r.path)), [str(wt), str(r.path)])
    assert states[str(wt)].status == 'SILENT'
    assert states[str(r.path)].status == 'ok'
