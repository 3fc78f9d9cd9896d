"""JUnit XML: one test suite per rule, one test case per finding.

An error is a ``<failure>``; a warning passes with its text in
``<system-out>``; a finding the baseline accepts, and a rule skipped by
``SKIP``, is ``<skipped>``; a rule that ran and found nothing is one
passing case.  Notes go to the first suite's ``<system-out>``.  Text that
XML 1.0 cannot carry (control characters, bytes that are not UTF-8, as
file names may hold) is spelled with escapes.
"""
from __future__ import annotations

import re

from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import SubElement
from xml.etree.ElementTree import indent
from xml.etree.ElementTree import tostring

from worktree_guard.report import printable
from worktree_guard.report.formats import details

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import Violation
    from worktree_guard.report import Result


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 forbids spelled ``\\xNN``
    (or ``\\uNNNN``).  Tab, LF and CR are allowed."""
    text = printable(text)
    return re.sub('[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]',
                  lambda m: ascii(m.group())[1:-1], text)


def _case(suite: Element, v: Violation, status: str,
          message: str = '') -> Element:
    name = v.location + (f' {v.token}' if v.token is not None else '')
    attrs = {'classname': v.code, 'name': xml_text(name)}
    if v.path is not None:
        attrs['file'] = xml_text(v.path)
        if v.line is not None:
            attrs['line'] = str(v.line)
    case = SubElement(suite, 'testcase', attrs)
    if status == 'failure':
        failure = SubElement(case, 'failure', message=xml_text(v.message),
                             type=v.code)
        failure.text = xml_text(details(v))
    elif status == 'skipped':
        SubElement(case, 'skipped', message=xml_text(message))
    else:
        SubElement(case, 'system-out').text = xml_text(
            f'warning: {details(v)}')
    return case


def render(result: Result) -> str:
    rules: list[str] = []
    for rule in [*result.rules_run, *result.skipped,
                 *(v.rule for v in result.violations)]:
        if rule not in rules:
            rules.append(rule)
    root = Element('testsuites', name='worktree-guard')
    totals = {'tests': 0, 'failures': 0, 'skipped': 0}
    suites = []
    for rule in rules:
        suite = SubElement(root, 'testsuite', name=rule)
        suites.append(suite)
        counts = {'tests': 0, 'failures': 0, 'skipped': 0}
        for v in result.violations:
            if v.rule == rule:
                failed = v.severity == 'error'
                _case(suite, v, 'failure' if failed else 'warning')
                counts['tests'] += 1
                counts['failures'] += failed
        for v in result.suppressed:
            if v.rule == rule:
                _case(suite, v, 'skipped',
                      f'in the baseline {result.baseline}')
                counts['tests'] += 1
                counts['skipped'] += 1
        if rule in result.skipped:
            case = SubElement(suite, 'testcase', classname=rule,
                              name=f'{rule}: skipped')
            SubElement(case, 'skipped', message='skipped (SKIP)')
            counts['tests'] += 1
            counts['skipped'] += 1
        elif counts['tests'] == counts['skipped']:
            SubElement(suite, 'testcase', classname=rule,
                       name=f'{rule}: no findings')
            counts['tests'] += 1
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
        suite.set('errors', '0')
    # junit-10.xsd (Jenkins) allows no `skipped` on <testsuites>: the
    # skips are counted on each <testsuite>.
    root.set('tests', str(totals['tests']))
    root.set('failures', str(totals['failures']))
    root.set('errors', '0')
    if result.notes:
        if not suites:
            suites.append(SubElement(root, 'testsuite', name='worktree-guard',
                                     tests='0', failures='0', errors='0',
                                     skipped='0'))
        SubElement(suites[0], 'system-out').text = xml_text(
            '\n'.join(f'note: {n}' for n in result.notes))
    indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + tostring(root, encoding='unicode'))
