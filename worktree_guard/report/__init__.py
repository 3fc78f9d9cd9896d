"""A run's ``Result`` and its two built-in renderings: text and JSON.

Text: ``location: RULE[/kind] message`` then indented ``token:`` and ``fix:``
lines, ruff-style; the location is ``path:line:col`` for file findings and
the ref (``refs/heads/x``) or ``HEAD`` for branch findings.  The other
formats (SARIF, GitHub, GitLab, JUnit) are modules of this package, loaded
only when asked for (``report.formats.render``); ``report.baseline``
applies the baseline file.  ``printable`` (undecodable bytes spelled
``\\xNN``) is here, for the JSON and every format; no module of the
package is imported by this one.
"""
from __future__ import annotations

from worktree_guard import term
from worktree_guard.model import Violation
from worktree_guard.term import paint

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence
    from typing import Any


class Result:
    """What one run found: violations, notes (skips, caches used) and
    the rules that ran.  ``suppressed`` holds the findings the baseline
    accepts (they do not count), ``stale`` the baseline's entries no
    longer found: ``(path, fingerprint, code, count)``."""

    __slots__ = ('violations', 'notes', 'rules_run', 'skipped', 'suppressed',
                 'stale', 'baseline', 'baseline_read')

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.notes: list[str] = []
        self.rules_run: list[str] = []
        self.skipped: list[str] = []
        self.suppressed: list[Violation] = []
        self.stale: list[tuple[str, str, str, int]] = []
        # The baseline file that was applied (relative to the root).
        self.baseline: str | None = None
        # Whether the run looked for one (a clean change never reads it).
        self.baseline_read = False

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == 'error']

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def finding_lines(violations: Sequence[Violation],
                  notes: Sequence[str], colour: bool = False) -> list[str]:
    """The text lines of findings and notes (the server indents them under
    each ref's verdict); ``colour`` paints them for a terminal."""
    lines = []
    for v in violations:
        warn = v.severity == 'warn'
        prefix = 'warning: ' if warn else ''
        lines.append(f'{paint(v.location, term.BOLD, colour)}: '
                     f'{paint(v.code, term.YELLOW if warn else term.RED, colour)}'
                     f' {prefix}{v.message}')
        if v.token is not None:
            lines.append(f'    token: {v.token}')
        for fix in v.fix:
            lines.append(f"    {paint('fix:', term.GREEN, colour)} {fix}")
    lines.extend(paint(f'note: {n}', term.DIM, colour) for n in notes)
    return lines


def format_text(result: Result, quiet: bool = False,
                colour: bool = False) -> str:
    """The findings, the notes and a summary line; ``quiet``: the findings
    only."""
    lines = finding_lines(result.violations,
                          () if quiet else result.notes, colour)
    errors = len(result.errors)
    warnings = len(result.violations) - errors
    if result.violations and not quiet:
        lines.append(paint(
            f'worktree-guard: {errors} error{"s" * (errors != 1)}, '
            f'{warnings} warning{"s" * (warnings != 1)}',
            term.RED if errors else term.YELLOW, colour)
            + ('' if errors == 0 else
               " (run 'worktree-guard explain <rule>' for details)"),
        )
    return '\n'.join(lines)


def format_json(result: Result) -> str:
    """The result as JSON.  Undecodable bytes of paths, tokens and ref
    names are spelled ``\\xNN`` (``formats.printable``): a lone surrogate
    escape would make the document invalid for strict parsers."""
    import json
    return json.dumps(_printable({
        'violations': [v.as_dict() for v in result.violations],
        'notes': result.notes,
        'rules': result.rules_run,
        'skipped': result.skipped,
        'suppressed': [{**v.as_dict(), 'suppression': {
            'kind': 'baseline', 'file': result.baseline}}
            for v in result.suppressed],
        'stale_baseline': [
            {'path': path, 'fingerprint': fp, 'code': code, 'count': n}
            for path, fp, code, n in result.stale],
        'exit_code': result.exit_code,
    }), indent=2)


def printable(text: str) -> str:
    """``text`` with undecodable bytes (surrogate escapes from file and
    ref names that are not UTF-8) spelled ``\\xNN``, so every format can
    encode it."""
    try:
        raw = text.encode('utf-8', 'surrogateescape')
    except UnicodeEncodeError:  # a surrogate no byte decoded to
        raw = text.encode('utf-8', 'backslashreplace')
    return raw.decode('utf-8', 'backslashreplace')


def _printable(value: Any) -> Any:
    """``value`` with every string made ``printable``."""
    if isinstance(value, str):
        if value.isascii():
            return value
        return printable(value)
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value
