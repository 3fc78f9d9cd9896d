"""GitLab Code Quality: a JSON array of issues (the CodeClimate subset
GitLab reads: ``description``, ``check_name``, ``fingerprint``,
``severity``, ``location.path`` and ``location.lines.begin``).

Errors are ``major``, warnings ``minor``.  GitLab needs a file for every
issue: a finding about a branch is anchored to the policy file, line 1.
Findings the baseline accepts are left out: GitLab has no suppressions.
"""
from __future__ import annotations

import json

from typing import TYPE_CHECKING

from worktree_guard.report import printable
from worktree_guard.report.formats import POLICY_ANCHOR
from worktree_guard.report.formats import details
from worktree_guard.report.formats import occurrences

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.report import Result

SEVERITY = {'error': 'major', 'warn': 'minor'}


def to_list(result: Result) -> list[dict[str, Any]]:
    out = []
    for v, fingerprint in occurrences(result.violations):
        description = details(v)
        if v.path is None:
            description = f'{printable(v.location)}: {description}'
        out.append({
            'type': 'issue',
            'check_name': v.code,
            'description': description,
            'categories': ['Style'],
            'severity': SEVERITY.get(v.severity, 'info'),
            'fingerprint': fingerprint,
            'location': {
                'path': printable(v.path if v.path is not None
                                  else POLICY_ANCHOR),
                'lines': {'begin': v.line or 1},
            },
        })
    return out


def render(result: Result) -> str:
    return json.dumps(to_list(result), indent=2)
