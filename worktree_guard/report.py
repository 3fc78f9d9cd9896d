"""Violations and their two renderings: text and JSON.

Text: ``location: RULE[/kind] message`` then indented ``token:`` and ``fix:``
lines, ruff-style; the location is ``path:line:col`` for file findings and
the ref (``refs/heads/x``) or ``HEAD`` for branch findings.
"""
from __future__ import annotations

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from collections.abc import Sequence


class Violation:
    __slots__ = ('rule', 'kind', 'message', 'severity', 'path', 'line', 'col',
                 'ref', 'token', 'fix')

    def __init__(
            self,
            rule: str,
            message: str,
            *,
            kind: str | None = None,
            severity: str = 'error',
            path: str | None = None,
            line: int | None = None,
            col: int | None = None,
            ref: str | None = None,
            token: str | None = None,
            fix: Sequence[str] = (),
    ) -> None:
        self.rule = rule
        self.kind = kind
        self.message = message
        self.severity = severity
        self.path = path
        self.line = line
        self.col = col
        self.ref = ref
        self.token = token
        self.fix = list(fix)

    @property
    def code(self) -> str:
        return f'{self.rule}/{self.kind}' if self.kind else self.rule

    @property
    def location(self) -> str:
        if self.path is not None:
            loc = quote_path(self.path)
            if self.line is not None:
                loc += f':{self.line}'
                if self.col is not None:
                    loc += f':{self.col}'
            return loc
        return quote_path(self.ref) if self.ref else 'HEAD'

    def as_dict(self) -> dict[str, Any]:
        return {
            'rule': self.rule, 'kind': self.kind, 'code': self.code,
            'severity': self.severity, 'message': self.message,
            'path': self.path, 'line': self.line, 'col': self.col,
            'ref': self.ref, 'token': self.token, 'fix': self.fix,
        }


class Result:
    """What one run found: violations, notes (skips, caches used) and
    the rules that ran."""

    __slots__ = ('violations', 'notes', 'rules_run', 'skipped')

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.notes: list[str] = []
        self.rules_run: list[str] = []
        self.skipped: list[str] = []

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == 'error']

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def format_text(result: Result) -> str:
    lines = []
    for v in result.violations:
        prefix = 'warning: ' if v.severity == 'warn' else ''
        lines.append(f'{v.location}: {v.code} {prefix}{v.message}')
        if v.token is not None:
            lines.append(f'    token: {v.token}')
        for fix in v.fix:
            lines.append(f'    fix: {fix}')
    lines.extend(f'note: {n}' for n in result.notes)
    errors = len(result.errors)
    warnings = len(result.violations) - errors
    if result.violations:
        lines.append(
            f'worktree-guard: {errors} error{"s" * (errors != 1)}, '
            f'{warnings} warning{"s" * (warnings != 1)}'
            + ('' if errors == 0 else
               " (run 'worktree-guard explain <rule>' for details)"),
        )
    return '\n'.join(lines)


def format_json(result: Result) -> str:
    import json
    return json.dumps({
        'violations': [v.as_dict() for v in result.violations],
        'notes': result.notes,
        'rules': result.rules_run,
        'skipped': result.skipped,
        'exit_code': result.exit_code,
    }, indent=2)


def quote_path(path: str) -> str:
    """A path as git's ``core.quotePath`` prints an unusual one: in double
    quotes with C escapes when it holds a control character, a quote or a
    backslash, so a newline in a file name cannot break the
    ``path:line:col`` line.  Plain paths (spaces and unicode included) are
    printed as they are."""
    if path.isprintable() and '"' not in path and '\\' not in path:
        return path
    out = []
    for ch in path:
        if ch in '"\\':
            out.append('\\' + ch)
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\t':
            out.append('\\t')
        elif not ch.isprintable():
            out.extend(f'\\{b:03o}' for b in ch.encode('utf-8',
                                                        'surrogateescape'))
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'
