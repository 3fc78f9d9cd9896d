"""GitHub Actions workflow commands: one annotation per finding.

``::error file=<path>,line=<n>,col=<n>,title=<code>::<message>`` (and
``::warning`` for warnings), escaped as the Actions toolkit does: ``%``,
CR and LF in the message; also ``:`` and ``,`` in properties.  A finding
without a file (a branch) gets an annotation without ``file=``.  Notes
and the summary are plain lines that cannot start a command.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from worktree_guard.report import printable
from worktree_guard.report.formats import details

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import Violation
    from worktree_guard.report import Result


def escape_data(text: str) -> str:
    return printable(text).replace('%', '%25').replace(
        '\r', '%0D').replace('\n', '%0A')


def escape_property(text: str) -> str:
    return escape_data(text).replace(':', '%3A').replace(',', '%2C')


def annotation(v: Violation) -> str:
    props = []
    if v.path is not None:
        props.append(f'file={escape_property(v.path)}')
        if v.line is not None:
            props.append(f'line={v.line}')
            if v.col is not None:
                props.append(f'col={v.col}')
    props.append(f'title={escape_property(v.code)}')
    level = 'warning' if v.severity == 'warn' else 'error'
    message = details(v)
    if v.path is None:  # say which branch: there is no file to point at
        message = f'{v.location}: {message}'
    return f'::{level} {",".join(props)}::{escape_data(message)}'


def plain(text: str) -> str:
    """A log line that is never a workflow command."""
    return 'worktree-guard: ' + printable(text).replace(
        '\r', '\\r').replace('\n', '\\n')


def render(result: Result) -> str:
    lines = [annotation(v) for v in result.violations]
    lines.extend(plain(f'note: {n}') for n in result.notes)
    errors = len(result.errors)
    warnings = len(result.violations) - errors
    if result.violations:
        lines.append(plain(
            f'{errors} error{"s" * (errors != 1)}, '
            f'{warnings} warning{"s" * (warnings != 1)}'))
    return '\n'.join(lines)
