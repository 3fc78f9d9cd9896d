"""The output formats as pure functions of a ``Result``: escaping, the
shape of each document, fingerprints.  No git here."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from worktree_guard.report.formats import NAMES
from worktree_guard.report.formats import default_format
from worktree_guard.report.formats import details
from worktree_guard.report.formats import occurrences
from worktree_guard.report import printable
from worktree_guard.report.formats import render
from worktree_guard.report import github
from worktree_guard.report import gitlab
from worktree_guard.report import junit
from worktree_guard.report import sarif
from worktree_guard.report import Result
from worktree_guard.model import Violation
from worktree_guard.rules import RULES

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / 'data'
                     / 'sarif-schema-2.1.0.json').read_text())


def validate_sarif(doc: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(
        SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    validator.validate(doc)


def escape(n: int = 1) -> Violation:
    return Violation('worktree-paths', "'../x' climbs out", kind=
                     'relative-escape', path='docs/a.md', line=n, col=5,
                     token='../x', fix=['keep it inside'])


def result(*violations: Violation, notes: tuple[str, ...] = (),
           rules: tuple[str, ...] = ('worktree-paths',)) -> Result:
    r = Result()
    r.violations = list(violations)
    r.notes = list(notes)
    r.rules_run = list(rules)
    return r


# -- shared helpers ----------------------------------------------------------------

@pytest.mark.parametrize(('env', 'fmt'), [
    ({}, 'text'), ({'GITHUB_ACTIONS': 'true'}, 'github'),
    ({'GITHUB_ACTIONS': 'false'}, 'text'), ({'GITHUB_ACTIONS': '1'}, 'text'),
])
def test_default_format(env: dict[str, str], fmt: str) -> None:
    assert default_format(env) == fmt


@pytest.mark.parametrize(('text', 'shown'), [
    ('plain', 'plain'), ('ünï', 'ünï'), ('\udcff.md', '\\xff.md'),
    ('\ud800x', '\\ud800x'), ('a\nb', 'a\nb'),
])
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown
    shown.encode('utf-8')  # always encodable


def test_fingerprint_ignores_the_line_but_not_the_token() -> None:
    assert escape(1).fingerprint == escape(9).fingerprint
    other = escape(1)
    other.token = '../y'
    assert other.fingerprint != escape(1).fingerprint
    moved = escape(1)
    moved.path = 'docs/b.md'
    assert moved.fingerprint != escape(1).fingerprint
    assert len(escape().fingerprint) == 16
    assert Violation('branch-name', 'm').fingerprint != \
        Violation('branch-name', 'm', token='x').fingerprint


def test_occurrences_number_equal_fingerprints() -> None:
    a, b = escape(1), escape(7)
    c = escape(3)
    c.token = '../z'
    got = [fp for _, fp in occurrences([a, c, b])]
    assert got == [f'{a.fingerprint}:1', f'{c.fingerprint}:1',
                   f'{a.fingerprint}:2']


def test_details_lists_token_and_fixes() -> None:
    assert details(escape()) == \
        "'../x' climbs out\ntoken: ../x\nfix: keep it inside"
    assert details(Violation('branch-name', 'm')) == 'm'


def test_render_knows_every_name() -> None:
    r = result(escape())
    for name in NAMES:
        assert render(r, name)


# -- github ------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'data', 'prop'), [
    ('plain', 'plain', 'plain'),
    ('100%', '100%25', '100%25'),
    ('a\nb\r', 'a%0Ab%0D', 'a%0Ab%0D'),
    ('a:b,c', 'a:b,c', 'a%3Ab%2Cc'),
    ('%0A', '%250A', '%250A'),
    ('\udcff', '\\xff', '\\xff'),
])
def test_github_escaping(text: str, data: str, prop: str) -> None:
    assert github.escape_data(text) == data
    assert github.escape_property(text) == prop


@pytest.mark.parametrize(('v', 'line'), [
    (escape(3), '::error file=docs/a.md,line=3,col=5,'
               'title=worktree-paths/relative-escape::'
               "'../x' climbs out%0Atoken: ../x%0Afix: keep it inside"),
    (Violation('worktree-paths', 'm', kind='home-path', severity='warn',
               path='a,b:c.md', line=2),
     '::warning file=a%2Cb%3Ac.md,line=2,title=worktree-paths/home-path::m'),
    (Violation('worktree-paths', 'm', kind='escaping-symlink',
               path='new\nline'),
     '::error file=new%0Aline,title=worktree-paths/escaping-symlink::m'),
    (Violation('branch-name', 'bad name', ref='refs/heads/x', token='x'),
     '::error title=branch-name::refs/heads/x: bad name%0Atoken: x'),
])
def test_github_annotation(v: Violation, line: str) -> None:
    assert github.annotation(v) == line


def test_github_render_cannot_start_a_command_from_a_note() -> None:
    out = github.render(result(escape(), notes=('x\n::error::injected',)))
    lines = out.splitlines()
    assert lines[0].startswith('::error file=docs/a.md')
    assert lines[1] == 'worktree-guard: note: x\\n::error::injected'
    assert lines[2] == 'worktree-guard: 1 error, 0 warnings'
    assert sum(line.startswith('::') for line in lines) == 1
    assert github.render(result()) == ''


# -- sarif -------------------------------------------------------------------------

def test_sarif_rules_carry_ids_and_explain_text() -> None:
    rules = sarif.descriptors()
    ids = [d['id'] for d in rules]
    for info in RULES.values():
        assert info.id in ids
        for kind in info.kinds:
            assert f'{info.id}/{kind}' in ids
    by_id = {d['id']: d for d in rules}
    assert by_id['worktree-paths/home-path']['help']['text'] == \
        RULES['worktree-paths'].explain
    assert by_id['worktree-paths/home-path']['defaultConfiguration'] == \
        {'level': 'warning', 'enabled': True}
    # Readable names, never equal to the id (a Multitool warning).
    assert by_id['worktree-paths/home-path']['name'] == \
        'WorktreePathsHomePath'
    assert by_id['branch-name']['name'] == 'BranchName'
    assert all(d['name'] != d['id'] for d in rules)
    assert by_id['branch-name']['properties']['hookId'] == \
        'check-branch-name'
    assert 'hookId' not in by_id['server-policy']['properties']


@pytest.mark.parametrize(('path', 'uri'), [
    ('docs/a.md', 'docs/a.md'), ('a b#c?.md', 'a%20b%23c%3F.md'),
    ('new\nline', 'new%0Aline'), ('\udcff.md', '%FF.md'),
    ('ünï.md', '%C3%BCn%C3%AF.md'), ('/abs/x y', 'file:///abs/x%20y'),
])
def test_sarif_uri(path: str, uri: str) -> None:
    assert sarif.uri(path) == uri


def test_sarif_document_validates_and_covers_every_location() -> None:
    r = result(
        escape(1), escape(2),
        Violation('worktree-paths', 'w', kind='home-path', severity='warn',
                  path='\udcff\x01.md', line=1),
        Violation('worktree-paths', 'link', kind='escaping-symlink',
                  path='ln'),
        Violation('worktree-layout', 'where', kind='location',
                  path='/abs/trees/x'),
        Violation('branch-name', 'bad', ref='refs/heads/x', token='x'),
        Violation('branch-name', 'detached', kind='detached'),
        Violation('some-plugin', 'not in the registry', path='p'),
        notes=('a note',))
    r.suppressed = [escape(3)]
    r.baseline = '.worktree-guard-baseline.json'
    doc = json.loads(sarif.render(r))
    validate_sarif(doc)
    run = doc['runs'][0]
    res = run['results']
    assert [x['partialFingerprints'][sarif.FINGERPRINT] for x in res[:2]] \
        == [f'{escape().fingerprint}:1', f'{escape().fingerprint}:2']
    assert res[2]['level'] == 'warning'
    assert res[2]['locations'][0]['physicalLocation']['artifactLocation'][
        'uri'] == '%FF%01.md'
    # A symlink has no line: the region is the file's first line.
    assert res[3]['locations'][0]['physicalLocation']['region'] == \
        {'startLine': 1}
    assert 'uriBaseId' not in res[4]['locations'][0]['physicalLocation'][
        'artifactLocation']
    branch = res[5]['locations'][0]
    assert branch['physicalLocation']['artifactLocation']['uri'] == \
        '.worktree-guard.yaml'
    assert branch['logicalLocations'][0]['fullyQualifiedName'] == \
        'refs/heads/x'
    assert res[6]['locations'][0]['logicalLocations'][0][
        'fullyQualifiedName'] == 'HEAD'
    assert 'ruleIndex' not in res[7]
    assert run['tool']['driver']['informationUri'].startswith('https://')
    assert run['tool']['driver']['rules'][res[0]['ruleIndex']]['id'] == \
        'worktree-paths/relative-escape'
    assert res[0]['properties'] == {'token': '../x',
                                    'fix': ['keep it inside']}
    assert res[5]['properties'] == {'token': 'x', 'ref': 'refs/heads/x'}
    assert [x.get('baselineState') for x in res] == ['new'] * 8 + \
        ['unchanged']
    assert res[-1]['suppressions'][0]['kind'] == 'external'
    assert 'suppressions' not in res[0]
    assert run['invocations'][0]['toolExecutionNotifications'][0][
        'message']['text'] == 'a note'
    assert run['invocations'][0]['exitCode'] == 1


def test_sarif_without_a_baseline_has_no_baseline_state() -> None:
    doc = json.loads(sarif.render(result(escape())))
    validate_sarif(doc)
    assert 'baselineState' not in doc['runs'][0]['results'][0]
    empty = json.loads(sarif.render(result()))
    validate_sarif(empty)
    assert empty['runs'][0]['results'] == []


# -- gitlab ------------------------------------------------------------------------

def test_gitlab_code_quality_fields() -> None:
    r = result(escape(1), escape(4),
               Violation('worktree-paths', 'w', kind='home-path',
                         severity='warn', path='b.md'),
               Violation('branch-name', 'bad', ref='refs/heads/x',
                         token='x'))
    r.suppressed = [escape(9)]
    issues = json.loads(gitlab.render(r))
    assert len(issues) == 4  # the suppressed one is left out
    for issue in issues:
        assert {'description', 'check_name', 'fingerprint', 'severity',
                'location'} <= set(issue)
        assert issue['location']['lines']['begin'] >= 1
    assert len({i['fingerprint'] for i in issues}) == 4
    assert [i['severity'] for i in issues] == ['major', 'major', 'minor',
                                               'major']
    assert issues[1]['location'] == {'path': 'docs/a.md',
                                     'lines': {'begin': 4}}
    assert issues[3]['location']['path'] == '.worktree-guard.yaml'
    assert issues[3]['description'].startswith('refs/heads/x: bad')


# -- junit -------------------------------------------------------------------------

@pytest.mark.parametrize(('text', 'shown'), [
    ('ok <&>', 'ok <&>'), ('tab\there\n', 'tab\there\n'),
    ('\x01\x1b', '\\x01\\x1b'), ('\ufffe', '\\ufffe'),
    ('\udcff', '\\xff'),
])
def test_xml_text(text: str, shown: str) -> None:
    assert junit.xml_text(text) == shown


def test_junit_parses_and_counts() -> None:
    r = result(escape(1),
               Violation('worktree-paths', 'w', kind='home-path',
                         severity='warn', path='ctl\x01.md', line=2),
               Violation('server-policy', 'bad', kind='invalid'),
               Violation('worktree-paths', 'link', kind='escaping-symlink',
                         path='ln'),
               rules=('branch-name', 'worktree-paths'), notes=('n1',))
    r.skipped = ['protected-branch']
    r.suppressed = [escape(5)]
    r.baseline = '.worktree-guard-baseline.json'
    root = ET.fromstring(junit.render(r))
    assert root.tag == 'testsuites'
    assert (root.get('tests'), root.get('failures')) == ('7', '3')
    # Jenkins' junit-10.xsd: no `skipped` on <testsuites>, only on each
    # <testsuite>.
    assert root.get('skipped') is None
    assert sum(int(s.get('skipped')) for s in root) == 2
    suites = {s.get('name'): s for s in root}
    assert list(suites) == ['branch-name', 'worktree-paths',
                            'protected-branch', 'server-policy']
    assert suites['branch-name'].find('testcase').get('name') == \
        'branch-name: no findings'
    assert suites['branch-name'].find('system-out').text == 'note: n1'
    cases = suites['worktree-paths'].findall('testcase')
    assert cases[0].find('failure').get('type') == \
        'worktree-paths/relative-escape'
    assert 'token: ../x' in cases[0].find('failure').text
    assert cases[0].get('file') == 'docs/a.md' and cases[0].get('line') == '1'
    assert cases[1].find('failure') is None
    assert cases[1].get('file') == 'ctl\\x01.md'
    assert cases[1].find('system-out').text.startswith('warning: w')
    assert cases[2].get('file') == 'ln' and cases[2].get('line') is None
    assert 'baseline' in cases[3].find('skipped').get('message')
    assert suites['protected-branch'].find('testcase/skipped') is not None
    assert suites['server-policy'].find('testcase').get('file') is None


def test_junit_with_notes_and_no_rules() -> None:
    root = ET.fromstring(junit.render(result(rules=(), notes=('only',))))
    [suite] = root
    assert suite.get('name') == 'worktree-guard'
    assert suite.find('system-out').text == 'note: only'
    assert root.get('tests') == '0'
    assert len(ET.fromstring(junit.render(result(rules=())))) == 0
