"""What the output formats share: their names, the choice of the default,
the dispatch, and the fingerprint and text helpers.

Each format beyond text and JSON is one module of this package (``sarif``,
``github``, ``gitlab``, ``junit``) with ``render(result) -> str``, imported
only when asked for, so the commit hook's text path loads none of them.  Every
format renders the same ``Result``: its violations, the findings the
baseline suppresses, and its notes.
"""
from __future__ import annotations

import importlib

from typing import TYPE_CHECKING

from worktree_guard import report

# ``printable`` is the report package's (its JSON needs it too).
from worktree_guard.report import printable

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Mapping

    from worktree_guard.model import Violation
    from worktree_guard.report import Result

# Every value of ``check --format``.
NAMES = ('text', 'json', 'sarif', 'github', 'gitlab', 'junit')
# The file that findings about branches (no path) are anchored to where a
# format needs a file: the policy they break.
POLICY_ANCHOR = '.worktree-guard.yaml'


def default_format(environ: Mapping[str, str]) -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return 'github' if environ.get('GITHUB_ACTIONS') == 'true' else 'text'


def render(result: Result, fmt: str) -> str:
    """The report in ``fmt``: one of ``NAMES``."""
    if fmt == 'text':
        return report.format_text(result)
    if fmt == 'json':
        return report.format_json(result)
    module = importlib.import_module(f'worktree_guard.report.{fmt}')
    text: str = module.render(result)
    return text


def occurrences(violations: Iterable[Violation]) -> Iterator[
        tuple[Violation, str]]:
    """Each violation with a fingerprint unique within the run:
    ``<fingerprint>:<n>`` for the n-th finding that shares it (the same
    token twice in one file), counted in report order."""
    seen: dict[str, int] = {}
    for v in violations:
        fp = v.fingerprint
        seen[fp] = seen.get(fp, 0) + 1
        yield v, f'{fp}:{seen[fp]}'


def details(v: Violation) -> str:
    """The message with its token and fix lines, as the text format shows
    them under the location."""
    lines = [v.message]
    if v.token is not None:
        lines.append(f'token: {v.token}')
    lines.extend(f'fix: {fix}' for fix in v.fix)
    return printable('\n'.join(lines))
