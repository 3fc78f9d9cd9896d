"""check's output channels on real repositories: SARIF that validates
against the official schema, GitHub annotations in a simulated Actions
run, JUnit XML, GitLab Code Quality; fingerprints that survive edits."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.helpers import there
from tests.helpers import RepoHandle
from tests.helpers import run
from tests.helpers import wg
from tests.unit.test_formats import validate_sarif

ACTIONS = {'GITHUB_ACTIONS': 'true'}


BESIDE = ('../main-repo/x.md', '../x/y')


def _legacy(r: RepoHandle, files: dict[str, str],
            branch: str = 'issue-5-adopt') -> None:
    """Commit ``files`` on ``branch`` without hooks (plain_repo has none).
    What their findings reach is on this machine, beside the clone: the
    evidence that makes them errors (docs/paths.md)."""
    there(r.path, *BESIDE)
    r.git('switch', '-q', '-c', branch)
    assert r.commit('legacy', files=files).returncode == 0


def _sarif(r: RepoHandle, *args: str) -> dict[str, Any]:
    proc = wg('check', *args, '--format', 'sarif', cwd=r.path)
    assert proc.returncode in (0, 1), proc
    doc: dict[str, Any] = json.loads(proc.stdout)
    validate_sarif(doc)
    return doc


def test_sarif_validates_and_its_fingerprints_ignore_lines(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    _legacy(r, {'docs/a.md': 'see ../../main-repo/x.md\n',
                'docs/b.md': 'at /home/ann/app/x\n'})
    doc = _sarif(r, '--all-files')
    results = doc['runs'][0]['results']
    by_uri = {x['locations'][0]['physicalLocation']['artifactLocation'][
        'uri']: x for x in results}
    a = by_uri['docs/a.md']
    assert a['ruleId'] == 'worktree-paths/relative-escape'
    assert a['level'] == 'error'
    assert by_uri['docs/b.md']['level'] == 'warning'
    assert a['locations'][0]['physicalLocation']['region'] == {
        'startLine': 1, 'startColumn': 5}
    rules = doc['runs'][0]['tool']['driver']['rules']
    assert rules[a['ruleIndex']]['id'] == a['ruleId']
    assert 'Every worktree is its own project root' in \
        rules[a['ruleIndex']]['help']['text']
    # Lines added above the finding move it, but not its fingerprint.
    r.write('docs/a.md', 'new\nlines\nsee ../../main-repo/x.md\n')
    r.git('add', '-A')
    moved = [x for x in _sarif(r, '--all-files')['runs'][0]['results']
             if x['ruleId'] == a['ruleId']]
    assert moved[0]['partialFingerprints'] == a['partialFingerprints']
    assert moved[0]['locations'][0]['physicalLocation']['region'][
        'startLine'] == 3


def test_sarif_of_a_push_in_ci_anchors_branch_findings(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    _legacy(r, {'src/x.py': 'p = "../../outside/x"\n'}, branch='hotfix')
    doc = _sarif(r, '--stage', 'push', '--from-ref', 'origin/main',
                 '--to-ref', 'HEAD')
    ids = {x['ruleId'] for x in doc['runs'][0]['results']}
    assert ids == {'branch-name', 'worktree-paths/relative-escape'}
    [branch] = [x for x in doc['runs'][0]['results']
                if x['ruleId'] == 'branch-name']
    assert branch['locations'][0]['logicalLocations'][0][
        'fullyQualifiedName'] == 'refs/heads/hotfix'


def test_github_annotations_in_a_simulated_actions_run(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    _legacy(r, {'odd, name:x.md': 'see ../main-repo/x.md\n'},
            branch='hotfix')
    args = ('check', '--stage', 'push', '--from-ref', 'origin/main',
            '--to-ref', 'HEAD')
    proc = wg(*args, cwd=r.path, env=ACTIONS)
    assert proc.returncode == 1, proc
    lines = proc.stdout.splitlines()
    assert lines[0].startswith('::error title=branch-name::'
                               'refs/heads/hotfix: ')
    assert lines[1].startswith(
        '::error file=odd%2C name%3Ax.md,line=1,col=5,'
        'title=worktree-paths/relative-escape::')
    assert '%0Atoken: ../main-repo/x.md' in lines[1]
    assert lines[-1] == 'worktree-guard: 2 errors, 0 warnings'
    # --format wins over the environment; outside Actions text is the default.
    text = wg(*args, '--format', 'text', cwd=r.path, env=ACTIONS)
    assert '::error' not in text.stdout and 'hotfix' in text.stdout
    assert '::error' not in wg(*args, cwd=r.path).stdout


def test_github_annotations_through_pre_commit(
        precommit_repo: RepoHandle) -> None:
    r = precommit_repo
    r.git('switch', '-q', '-c', 'issue-6-ci')
    there(r.path, *BESIDE)
    r.write('docs/new.md', 'see ../../main-repo/x.md\n')
    r.git('add', '-A')
    proc = run(['pre-commit', 'run', 'worktree-guard-commit'], cwd=r.path,
               env=ACTIONS)
    assert proc.returncode == 1, proc
    assert any(line.startswith('::error file=docs/new.md,line=1,col=5,')
               for line in proc.stdout.splitlines()), proc.stdout


def test_junit_and_gitlab_from_a_real_check(plain_repo: RepoHandle) -> None:
    r = plain_repo
    _legacy(r, {'docs/a.md': 'see ../../main-repo/x.md\n',
                'ctl\x01name.md': 'see ../x/y\n'})
    proc = wg('check', '--all-files', '--format', 'junit', cwd=r.path)
    assert proc.returncode == 1
    root = ET.fromstring(proc.stdout)
    assert root.get('failures') == '2'
    suites = {s.get('name'): s for s in root}
    assert set(suites) == {'branch-name', 'protected-branch',
                           'worktree-layout', 'worktree-paths'}
    files = {c.get('file') for c in suites['worktree-paths']}
    assert files == {'docs/a.md', 'ctl\\x01name.md'}
    proc = wg('check', '--all-files', '--format', 'gitlab', cwd=r.path)
    assert proc.returncode == 1
    issues = json.loads(proc.stdout)
    assert {i['location']['path'] for i in issues} == {'docs/a.md',
                                                       'ctl\x01name.md'}
    for issue in issues:
        assert issue['check_name'] == 'worktree-paths/relative-escape'
        assert issue['severity'] == 'major'
        assert issue['location']['lines']['begin'] == 1
        assert len(issue['fingerprint']) > 16


@pytest.mark.parametrize('fmt', ['sarif', 'github', 'gitlab', 'junit'])
def test_a_clean_run_in_every_format_passes(plain_repo: RepoHandle,
                                            fmt: str) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-7-clean')
    proc = wg('check', '--format', fmt, cwd=r.path)
    assert proc.returncode == 0, proc
    assert proc.stderr == ''
    if fmt == 'sarif':
        validate_sarif(json.loads(proc.stdout))
    elif fmt == 'gitlab':
        assert json.loads(proc.stdout) == []
    elif fmt == 'junit':
        assert ET.fromstring(proc.stdout).get('failures') == '0'
    else:
        assert proc.stdout == ''


def test_format_is_checked(plain_repo: RepoHandle) -> None:
    proc = wg('check', '--format', 'xml', cwd=plain_repo.path)
    assert proc.returncode == 2
    assert 'sarif' in proc.stderr
