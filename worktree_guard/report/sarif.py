"""SARIF 2.1.0, for GitHub code scanning and other SARIF readers.

One run; ``tool.driver.rules`` lists every rule and every kind (ids like
``worktree-paths/relative-escape``) with the help text of ``explain``.
Each result carries ``partialFingerprints`` (``worktreeGuard/v1``: the
finding's fingerprint and its occurrence number, never its line).
Findings the baseline accepts are results with an external
``suppressions`` entry.  A finding about a branch has no file, but code
scanning refuses a result without one, so it is anchored to the policy
file and names the ref as a logical location.
"""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING
from urllib.parse import quote

from worktree_guard import __version__
from worktree_guard import rules as rules_mod
from worktree_guard.policy import DEFAULTS
from worktree_guard.report import printable
from worktree_guard.report.formats import POLICY_ANCHOR
from worktree_guard.report.formats import details
from worktree_guard.report.formats import occurrences

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.model import Violation
    from worktree_guard.report import Result

SCHEMA = ('https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/'
          'schemas/sarif-schema-2.1.0.json')
FINGERPRINT = 'worktreeGuard/v1'
INFORMATION_URI = 'https://pypi.org/project/worktree-guard/'
LEVELS = {'error': 'error', 'warn': 'warning', 'off': 'none'}


def descriptors() -> list[dict[str, Any]]:
    """A reportingDescriptor for every rule and every kind of a rule."""
    out = []
    for info in rules_mod.RULES.values():
        for kind in (None, *info.kinds):
            code = f'{info.id}/{kind}' if kind else info.id
            level = DEFAULTS['rules'].get(code, 'error')
            props: dict[str, Any] = {'stages': list(info.stages)}
            if info.hook_id:
                props['hookId'] = info.hook_id
            out.append({
                'id': code,
                'name': rule_name(code),
                'shortDescription': {
                    'text': info.summary + (f' ({kind})' if kind else '')},
                'fullDescription': {'text': info.summary},
                'help': {'text': info.explain},
                'defaultConfiguration': {
                    'level': LEVELS[level], 'enabled': level != 'off'},
                'properties': props,
            })
    return out


def rule_name(code: str) -> str:
    """SARIF's readable ``name`` of a rule id: ``worktree-paths/escape``
    is ``WorktreePathsEscape`` (an id and a name that are equal are a
    Multitool warning)."""
    return ''.join(w[:1].upper() + w[1:]
                   for w in code.replace('/', '-').split('-'))


def uri(path: str) -> str:
    """A path as a URI reference: percent-encoded, bytes that are not
    UTF-8 included."""
    raw = path.encode('utf-8', 'surrogateescape')
    if os.path.isabs(path):
        return 'file://' + quote(raw, safe='/')
    return quote(raw, safe='/')


def location(v: Violation) -> dict[str, Any]:
    if v.path is None:
        return {
            'physicalLocation': {
                'artifactLocation': {'uri': POLICY_ANCHOR,
                                     'uriBaseId': '%SRCROOT%'},
                'region': {'startLine': 1},
            },
            'logicalLocations': [{
                'fullyQualifiedName': printable(v.ref or 'HEAD'),
                'kind': 'ref'}],
        }
    artifact = {'uri': uri(v.path)}
    if not os.path.isabs(v.path):
        artifact['uriBaseId'] = '%SRCROOT%'
    physical: dict[str, Any] = {'artifactLocation': artifact}
    # A finding with no line (a symlink, a whole file) is about the file
    # as a whole: its first line, so every result has a region.
    region = {'startLine': v.line if v.line is not None else 1}
    if v.line is not None and v.col is not None:
        region['startColumn'] = v.col
    physical['region'] = region
    return {'physicalLocation': physical}


def result_of(v: Violation, fingerprint: str, index: dict[str, int],
              baseline: str | None, suppressed: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        'ruleId': v.code,
        'level': LEVELS[v.severity],
        'message': {'text': details(v)},
        'locations': [location(v)],
        'partialFingerprints': {FINGERPRINT: fingerprint},
    }
    if v.code in index:
        out['ruleIndex'] = index[v.code]
    props: dict[str, Any] = {
        k: printable(val) for k, val in (('token', v.token), ('ref', v.ref))
        if val is not None}
    if v.fix:
        props['fix'] = [printable(f) for f in v.fix]
    if props:
        out['properties'] = props
    if baseline is not None:
        out['baselineState'] = 'unchanged' if suppressed else 'new'
    if suppressed:
        out['suppressions'] = [{
            'kind': 'external', 'status': 'accepted',
            'justification': f'in the baseline {printable(baseline or "")}',
        }]
    return out


def to_dict(result: Result) -> dict[str, Any]:
    rules = descriptors()
    index = {d['id']: i for i, d in enumerate(rules)}
    results = [result_of(v, fp, index, result.baseline, False)
               for v, fp in occurrences(result.violations)]
    results += [result_of(v, fp, index, result.baseline, True)
                for v, fp in occurrences(result.suppressed)]
    notes = [{'level': 'note', 'message': {'text': printable(n)}}
             for n in result.notes]
    return {
        '$schema': SCHEMA,
        'version': '2.1.0',
        'runs': [{
            'tool': {'driver': {
                'name': 'worktree-guard',
                'version': __version__,
                'informationUri': INFORMATION_URI,
                'rules': rules,
            }},
            'columnKind': 'unicodeCodePoints',
            'invocations': [{
                'executionSuccessful': True,
                'exitCode': result.exit_code,
                'toolExecutionNotifications': notes,
            }],
            'results': results,
        }],
    }


def render(result: Result) -> str:
    return json.dumps(to_dict(result), indent=2)
