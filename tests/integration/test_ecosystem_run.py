"""bench/ecosystem/run.py end to end on a tiny real repository: a mirror in
the fetch tool's layout, a manifest, labels; the script clones, runs
``check --all-files``, replays pushes and counts against the labels."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import PROJECT
from tests.helpers import git

RUN = PROJECT / 'bench' / 'ecosystem' / 'run.py'


def _sha(line: str) -> str:
    return hashlib.sha1(line.strip().encode()).hexdigest()[:12]


def _commit(repo: Path, files: dict[str, str], msg: str) -> str:
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git('add', '-A', cwd=repo)
    git('commit', '-q', '-m', msg, cwd=repo)
    return git('rev-parse', 'HEAD', cwd=repo).strip()


def _label(path: str, token: str, line: str, verdict: bool | None,
           seen: str) -> dict[str, Any]:
    return {'repo': 'acme/demo', 'path': path, 'token': token,
            'line_sha': _sha(line), 'verdict': verdict,
            'reason': 'test' if verdict is not None else '',
            'kind': 'relative-escape', 'severity': 'error', 'seen': seen}


@pytest.fixture
def eco(tmp_path: Path) -> dict[str, Any]:
    src = tmp_path / 'src'
    src.mkdir()
    git('init', '-q', '-b', 'main', cwd=src)
    _commit(src, {'README.md': 'demo\n'}, 'root')
    c1 = _commit(src, {'docs/a.md': 'intro\nsee ../../outside/notes.md\n'},
                 'docs: a reference that climbs out')
    c2 = _commit(src, {'b.sh': 'source ../../shared/lib.sh\n'},
                 'b: another one')
    c3 = _commit(src, {'c.md': 'fine\n'}, 'c: nothing to see')
    mirror = tmp_path / 'mirror'
    (mirror / 'acme+demo').mkdir(parents=True)
    git('clone', '-q', '--bare', str(src), str(mirror / 'acme+demo' / 'repo'),
        cwd=tmp_path)
    manifest = tmp_path / 'manifest.json'
    manifest.write_text(json.dumps({'repos': [
        {'name': 'acme/demo', 'commit': c3, 'branch': 'main',
         'kinds': ['test'], 'why': 'test'},
        {'name': 'acme/absent', 'commit': c3, 'branch': 'main',
         'kinds': ['test'], 'why': 'no mirror'},
    ]}))
    # The clones go to work/clones; what the two references reach is on
    # this machine, beside them: the evidence that makes them errors
    # (docs/paths.md).
    work = tmp_path / 'work' / 'clones'
    for rel in ('work/clones/outside/notes.md', 'work/shared/lib.sh'):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text('here\n')
    labels = tmp_path / 'labels.json'
    labels.write_text(json.dumps({'labels': [
        # Labelled false: its block counts as a false block.
        _label('docs/a.md', '../../outside/notes.md',
               'see ../../outside/notes.md', False, f'{c1}:2'),
        # Labelled, reported nowhere now: "no longer reported".
        _label('docs/a.md', '../gone', 'see ../gone', True, 'all-files:1'),
    ]}))
    return {'tmp': tmp_path, 'mirror': mirror, 'manifest': manifest,
            'labels': labels, 'commits': (c1, c2, c3), 'work': work}


def _run(eco: dict[str, Any], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN), '--mirror', str(eco['mirror']),
         '--manifest', str(eco['manifest']), '--labels', str(eco['labels']),
         '--replay', '10', '--workdir', str(eco['work']), *extra],
        capture_output=True, text=True, timeout=300, cwd=eco['tmp'])


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_counts_blocks_and_changes_against_labels(eco: dict[str, Any]) -> None:
    out_json = eco['tmp'] / 'out.json'
    proc = _run(eco, '--json-out', str(out_json))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert 'acme/absent: SKIPPED: no mirror <mirror>/acme+absent[.git]' \
        in out
    # No machine's absolute paths in the output.
    assert str(eco['tmp']) not in out
    data = json.loads(out_json.read_text())
    demo = data['repos']['acme/demo']
    # Two errors in the pinned tree: one labelled false, one unlabelled.
    assert (demo['errors'], demo['true_errors'],
            demo['unlabelled_errors']) == (2, 0, 1)
    assert demo['precision'] == 0.0
    # Three commits replayed (the root has no parent); c1 and c2 blocked:
    # c1's only error is labelled false, c2's is unlabelled.
    assert demo['commits'] == 3
    assert (demo['blocks'], demo['false_blocks'],
            demo['unknown_blocks']) == (2, 1, 1)
    assert demo['false_blocks_per_1k_commits'] == pytest.approx(1000 / 3)
    assert ('protected-branch findings from check --all-files on the '
            f"default branch: {demo['protected']} (must be 0)") in out
    assert 'unlabelled findings: 2 (+0 with verdict null)' in out
    assert ("acme/demo HEAD:b.sh:1: error relative-escape token "
            "'../../shared/lib.sh'") in out
    assert f'acme/demo {eco["commits"][0][:12]} (latest): false block' in out
    assert "gone (label true: test) token '../gone'" in out
    assert 'TOOL CRASHES' not in out


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_write_missing_appends_null_labels(eco: dict[str, Any]) -> None:
    proc = _run(eco, '--write-missing', '--repo', 'acme/demo')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    labels = json.loads(eco['labels'].read_text())['labels']
    new = [lb for lb in labels if lb['verdict'] is None]
    assert [(lb['path'], lb['token'], lb['line_sha']) for lb in new] == [
        ('b.sh', '../../shared/lib.sh', _sha('source ../../shared/lib.sh'))]
    keys = [(lb['repo'], lb['path'], lb['token'], lb['line_sha'])
            for lb in labels]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    # A second run finds it labelled (verdict null), not missing.
    again = _run(eco, '--repo', 'acme/demo')
    assert 'unlabelled findings: 0 (+2 with verdict null)' in again.stdout


def test_unknown_repo_is_a_usage_error(eco: dict[str, Any]) -> None:
    proc = _run(eco, '--repo', 'nobody/nothing')
    assert proc.returncode == 2
    assert 'not in the manifest: nobody/nothing' in proc.stderr
