"""Only gitctx writes git's command lines.

Outside ``worktree_guard/gitctx/`` no code calls a ``Repo``'s ``git``,
``out``, ``git_stream``, ``git_start`` or ``git_relay`` with a git
subcommand, nor builds an argument list that starts with ``'git'``: a
command asks gitctx for a fact or an action by name (``repo.switch_new``,
``repo.config_scope``...).  GitPython, in the interactive ``wt`` commands
(``commands/wt/gitpy.py``), is the one other way to git (ARCHITECTURE.md).
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.lint.private_names import module_name

REPO_METHODS = frozenset(('git', 'out', 'git_stream', 'git_start',
                          'git_relay'))
# Modules allowed to, each with why.
KNOWN: dict[str, str] = {}


def _git_call(node: ast.Call) -> str | None:
    """``git <subcommand>`` when ``node`` runs git, else ``None``."""
    first = node.args[0] if node.args else None
    if isinstance(node.func, ast.Attribute) \
            and node.func.attr in REPO_METHODS \
            and isinstance(first, ast.Constant) \
            and isinstance(first.value, str):
        return f'git {first.value}'
    if isinstance(first, ast.List | ast.Tuple) and first.elts:
        head = first.elts[0]
        if isinstance(head, ast.Constant) and head.value == 'git':
            return 'git'
    return None


def problems(package_dir: Path) -> list[str]:
    """``path:line: <module> runs git <subcommand>`` outside gitctx."""
    root = package_dir.resolve()
    out = []
    for f in sorted(root.rglob('*.py')):
        here = module_name(f, root)
        if here.startswith(f'{root.name}.gitctx'):
            continue
        tree = ast.parse(f.read_text(encoding='utf-8'), str(f))
        rel = f.relative_to(root.parent)
        found = [f'{rel}:{node.lineno}: {here} runs {what}'
                 for node in ast.walk(tree) if isinstance(node, ast.Call)
                 and (what := _git_call(node)) is not None]
        if here not in KNOWN:
            out += found
        elif not found:
            out.append(f'{rel}: {here} runs no git: remove it from '
                       'tests/lint/git_lines.py KNOWN')
    return out


def main(package_dir: str) -> int:
    found = problems(Path(package_dir))
    for line in found:
        print(f'git outside gitctx: {line}')
    return 1 if found else 0


if __name__ == '__main__':  # pragma: no cover (run by ./dev lint)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'worktree_guard'))
