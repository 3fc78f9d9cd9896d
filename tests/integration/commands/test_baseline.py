"""Adopting worktree-guard on a repository with legacy findings: the
baseline, written and applied by real CLI runs, real commits and a CI run."""
from __future__ import annotations

import json
from typing import Any

from tests.helpers import RepoHandle
from tests.helpers import flavour
from tests.helpers import there
from tests.helpers import wg
from tests.unit.test_formats import validate_sarif

FILE = '.worktree-guard-baseline.json'
LEGACY = {
    # The same token twice in one file, and one more elsewhere.
    'docs/old.md': 'see ../../main-repo/a.md\nand ../../main-repo/a.md\n',
    'src/old.py': 'p = "../../outside/b"\n',
}


def _beside(r: RepoHandle, *more: str) -> None:
    """What the legacy findings (and ``more``) reach is on this machine,
    beside the clone: the evidence that makes them errors
    (docs/paths.md)."""
    there(r.path, '../main-repo/a.md', '../outside/b', *more)


def _legacy_main(r: RepoHandle) -> None:
    """Legacy findings committed on main (before adoption), pushed."""
    _beside(r)
    for rel, text in LEGACY.items():
        r.write(rel, text)
    r.git('add', '-A')
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'legacy')
    r.git('push', '-q', '--no-verify', 'origin', 'main')


def _json(r: RepoHandle, *args: str) -> dict[str, Any]:
    proc = wg('check', *args, '--format', 'json', cwd=r.path)
    assert proc.returncode in (0, 1), proc
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _commit_baseline(r: RepoHandle, name: str = FILE) -> None:
    r.git('add', '--', name)
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'baseline',
          '--', name)


def test_adopt_with_a_baseline(plain_repo: RepoHandle) -> None:
    r = plain_repo
    _legacy_main(r)
    r.git('switch', '-q', '-c', 'issue-8-adopt')
    assert wg('check', '--all-files', cwd=r.path).returncode == 1
    proc = wg('baseline', cwd=r.path)
    assert proc.returncode == 0, proc
    assert proc.stdout.startswith(f'{FILE}: recorded 3 findings in 2 files')
    data = json.loads((r.path / FILE).read_text())
    assert data['version'] == 1
    counts = {path: sorted(e['count'] for e in es.values())
              for path, es in data['files'].items()}
    assert counts == {'docs/old.md': [2], 'src/old.py': [1]}
    # Only a committed baseline applies (never the working tree's copy).
    assert wg('check', '--all-files', cwd=r.path).returncode == 1
    _commit_baseline(r)
    # Accepted findings: not shown in text, suppressed in JSON and SARIF.
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'old.md' not in proc.output
    assert f'3 findings accepted by the baseline {FILE}' in proc.output
    found = _json(r, '--all-files')
    assert found['violations'] == [] and found['exit_code'] == 0
    assert len(found['suppressed']) == 3
    assert found['suppressed'][0]['suppression'] == {'kind': 'baseline',
                                                     'file': FILE}
    sarif = json.loads(wg('check', '--all-files', '--format', 'sarif',
                          cwd=r.path).stdout)
    validate_sarif(sarif)
    results = sarif['runs'][0]['results']
    assert len(results) == 3
    assert all(x['suppressions'][0]['kind'] == 'external' for x in results)
    # A third occurrence is new, and fails.
    r.write('docs/old.md', LEGACY['docs/old.md'] + 'more ../../main-repo/a.md\n')
    r.git('add', '-A')
    found = _json(r, '--all-files')
    assert [(v['path'], v['line']) for v in found['violations']] == [
        ('docs/old.md', 3)]
    assert len(found['suppressed']) == 2 + 1


def test_baseline_refuses_to_overwrite_then_update_and_force(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    _legacy_main(r)
    r.git('switch', '-q', '-c', 'issue-8-adopt')
    proc = wg('baseline', '--update', cwd=r.path)
    assert proc.returncode == 2
    assert f'{FILE}: there is no baseline to update' in proc.stderr
    assert wg('baseline', cwd=r.path).returncode == 0
    _commit_baseline(r)
    proc = wg('baseline', cwd=r.path)
    assert proc.returncode == 2
    assert f'{FILE} exists' in proc.stderr and '--update' in proc.stderr
    # Fix one of the two in docs/old.md and all of src/old.py; add a new
    # finding elsewhere.
    r.write('docs/old.md', 'see ../../main-repo/a.md\nfixed\n')
    r.write('src/old.py', 'p = "b"\n')
    r.write('new.md', 'see ../x\n')
    r.git('add', '-A')
    found = _json(r, '--all-files')
    stale = {(e['path'], e['count']) for e in found['stale_baseline']}
    assert stale == {('docs/old.md', 1), ('src/old.py', 1)}
    assert found['stale_baseline'][0]['fingerprint'] == \
        found['suppressed'][0]['fingerprint']
    assert found['stale_baseline'][0]['code'] == \
        'worktree-paths/relative-escape'
    proc = wg('check', '--all-files', cwd=r.path)
    assert '2 baseline entries no longer found: docs/old.md' in proc.stdout
    assert "'worktree-guard baseline --update'" in proc.stdout
    # The commit stage judges a change: it does not call entries stale.
    assert 'no longer found' not in wg('check', cwd=r.path).output
    proc = wg('baseline', '--update', cwd=r.path)
    assert proc.returncode == 0, proc
    assert f'{FILE}: dropped 2 fixed findings, kept 1' in proc.stdout
    assert '1 finding not in the baseline still fails' in proc.stdout
    _commit_baseline(r)
    found = _json(r, '--all-files')
    assert found['stale_baseline'] == []
    assert [v['path'] for v in found['violations']] == ['new.md']
    assert list(json.loads((r.path / FILE).read_text())['files']) == [
        'docs/old.md']
    proc = wg('baseline', '--force', cwd=r.path)
    assert proc.returncode == 0
    assert 'recorded 2 findings in 2 files' in proc.stdout
    _commit_baseline(r)
    assert _json(r, '--all-files')['violations'] == []
    proc = wg('baseline', '--update', cwd=r.path)
    assert proc.stdout == f'{FILE}: dropped 0 fixed findings, kept 2\n'
    proc = wg('baseline', '--update', '--force', cwd=r.path)
    assert proc.returncode == 2  # one or the other


def test_commits_keep_passing_while_new_findings_fail(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    _legacy_main(r)
    _beside(r, '../x/y')
    r.git('switch', '-q', '-c', 'issue-9-adopt')
    assert wg('baseline', cwd=r.path).returncode == 0
    assert r.commit('adopt: baseline', files={FILE: (
        r.path / FILE).read_text()}).returncode == 0
    # Touching a legacy line adds it again: the baseline accepts it.
    proc = r.commit('reword', files={
        'docs/old.md': 'intro\nsee ../../main-repo/a.md, please\n'
                       'and ../../main-repo/a.md\n'})
    assert proc.returncode == 0, proc
    proc = r.commit('new escape', files={'src/new.py': 'q = "../../x/y"\n'})
    assert proc.returncode == 1, proc
    assert 'src/new.py:1:6' in proc.output
    assert 'main-repo/a.md' not in proc.output, flavour(r)


def test_ci_push_stage_applies_the_baseline(plain_repo: RepoHandle) -> None:
    """CI reads the baseline where it reads the policy: at the base.  A
    pull request cannot baseline its own new finding (issue 23)."""
    r = plain_repo
    _beside(r, '../new')
    for rel, text in LEGACY.items():
        r.write(rel, text)
    r.git('add', '-A')  # baseline judges tracked files, as staged
    assert wg('baseline', cwd=r.path).returncode == 0
    r.git('add', '-A')
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m',
          'legacy and its baseline')
    r.git('push', '-q', '--no-verify', 'origin', 'main')
    r.git('switch', '-q', '-c', 'issue-10-adopt')
    args = ('check', '--stage', 'push', '--from-ref', 'origin/main',
            '--to-ref', 'HEAD')
    # Touching a legacy line brings it again: the base's baseline accepts.
    r.write('src/old.py', 'p = "../../outside/b"  # kept\n')
    r.git('commit', '-q', '-am', 'reword')
    proc = wg(*args, cwd=r.path)
    assert proc.returncode == 0, proc
    assert '1 finding accepted' in proc.stdout
    r.write('src/old.py', 'p = "../../outside/b"\nq = "../../new"\n')
    r.git('commit', '-q', '-am', 'a new one')
    proc = wg(*args, cwd=r.path)
    assert proc.returncode == 1
    assert 'src/old.py:2:6' in proc.stdout and ':1:' not in proc.stdout
    # The pull request records its new finding in its own baseline: CI
    # still judges by the base's.
    assert wg('baseline', '--force', cwd=r.path).returncode == 0
    r.git('commit', '-q', '-am', 'baseline my own escape')
    proc = wg(*args, cwd=r.path)
    assert proc.returncode == 1, proc
    assert 'src/old.py:2:6' in proc.stdout


def test_paths_baseline_names_the_file(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-11-adopt')
    _beside(r, '../y', '../old-repo/x')
    r.write('.worktree-guard.yaml', 'paths:\n  baseline: ci/wg.json\n')
    r.write('ci/keep', '')
    r.write('x.md', 'see ../y\n')
    (r.path / 'blob.bin').write_bytes(b'\0../z\n')
    r.git('add', '-A')
    proc = wg('baseline', cwd=r.path)
    assert proc.returncode == 0, proc
    assert proc.stdout.startswith('ci/wg.json: recorded 1 finding in 1 file')
    assert 'note: worktree-paths: skipped 1 binary file' in proc.stdout
    _commit_baseline(r, 'ci/wg.json')
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 0, proc
    # What the baseline file holds is judged like any file (issue 23):
    # only a fingerprint accepts a finding.
    data = json.loads((r.path / 'ci/wg.json').read_text())
    data['note'] = 'moved from ../../old-repo/'
    (r.path / 'ci/wg.json').write_text(json.dumps(data))
    _commit_baseline(r, 'ci/wg.json')
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 1, proc
    assert 'ci/wg.json:1:' in proc.stdout
    r.write('.worktree-guard.yaml', 'paths:\n  baseline: ../outside.json\n')
    proc = wg('policy', 'validate', cwd=r.path)
    assert proc.returncode == 2
    assert 'baseline' in proc.stderr


def test_a_broken_baseline_stops_the_run(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-12-adopt')
    r.write(FILE, '{"version": 1,\n "files": [}\n')
    _commit_baseline(r)
    r.write('x.md', 'see ../y\n')
    r.git('add', '-A')
    proc = wg('check', cwd=r.path)
    assert proc.returncode == 2, proc
    assert proc.stderr.startswith(f'worktree-guard: error: {FILE}:2: '
                                  'the baseline is not valid JSON')
    assert 'worktree-guard baseline --force' in proc.stderr
    assert 'Traceback' not in proc.output
    assert wg('baseline', '--force', cwd=r.path).returncode == 0
    _commit_baseline(r)
    assert wg('check', cwd=r.path).returncode == 0


def test_baseline_needs_a_checkout(plain_repo: RepoHandle) -> None:
    proc = wg('baseline', cwd=plain_repo.remote)
    assert proc.returncode == 2
    assert 'bare' in proc.stderr
