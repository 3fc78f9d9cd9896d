"""Start-up discipline only where it pays (ARCHITECTURE.md, start-up
rules).

``HOT_MODULES`` are the modules of ours that a hook may load: the native
hooks (pre-commit, commit-msg, pre-push, reference-transaction), the
server hooks (pre-receive, update), ``check`` as pre-commit and CI run it,
the agent hook and ``sandbox``.  ``tests/integration/test_hotpath.py``
runs each in a fresh interpreter and checks that what it loads of ours is
in this list, and that every module here is loaded by one of them.

Those modules keep their start-up tricks: imports deferred into the
function that needs them, and ``TYPE_CHECKING = False`` (no ``typing``
import).  Every other module imports at the top, like ordinary Python: an
import inside a function needs a ``# deferred: <why>`` comment on its line
(a heavy library, an optional one, or one a hook's path would pay for), and
``TYPE_CHECKING`` comes from ``typing``.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.lint.private_names import module_name

HOT_MODULES = frozenset({
    'worktree_guard',
    'worktree_guard.ci_policy',
    'worktree_guard.cli',
    'worktree_guard.commands',
    'worktree_guard.commands.agent',
    'worktree_guard.commands.agent_io',
    'worktree_guard.commands.agent_wrap',
    'worktree_guard.commands.check',
    'worktree_guard.commands.hook',
    'worktree_guard.commands.reftx',
    'worktree_guard.commands.sandbox',
    'worktree_guard.commands.server',
    'worktree_guard.errors',
    'worktree_guard.gitctx',
    'worktree_guard.gitctx.blobs',
    'worktree_guard.gitctx.branch',
    'worktree_guard.gitctx.caller',
    'worktree_guard.gitctx.checkouts',
    'worktree_guard.gitctx.collect',
    'worktree_guard.gitctx.exists',
    'worktree_guard.gitctx.gitparse',
    'worktree_guard.gitctx.paths',
    'worktree_guard.gitctx.pipes',
    'worktree_guard.gitctx.process',
    'worktree_guard.gitctx.receive',
    'worktree_guard.gitctx.repo',
    'worktree_guard.gitctx.sync',
    'worktree_guard.gitctx.treefacts',
    'worktree_guard.gitctx.trust',
    'worktree_guard.gitctx.version',
    'worktree_guard.gitctx.worktrees',
    'worktree_guard.hookinput',
    'worktree_guard.lightpath',
    'worktree_guard.model',
    'worktree_guard.oslimit',
    'worktree_guard.oslimit.bwrap',
    'worktree_guard.oslimit.facts',
    'worktree_guard.oslimit.landlock',
    'worktree_guard.oslimit.launch',
    'worktree_guard.oslimit.roots',
    'worktree_guard.pathengine',
    'worktree_guard.pathengine.bind',
    'worktree_guard.pathengine.computed',
    'worktree_guard.pathengine.conventions',
    'worktree_guard.pathengine.configs',
    'worktree_guard.pathengine.engine',
    'worktree_guard.pathengine.findings',
    'worktree_guard.pathengine.homes',
    'worktree_guard.pathengine.joins',
    'worktree_guard.pathengine.lines',
    'worktree_guard.pathengine.markdown',
    'worktree_guard.pathengine.patterns',
    'worktree_guard.pathengine.places',
    'worktree_guard.pathengine.prefilter',
    'worktree_guard.pathengine.pyparents',
    'worktree_guard.pathengine.sites',
    'worktree_guard.pathengine.symlinks',
    'worktree_guard.pathengine.text',
    'worktree_guard.pathengine.tokens',
    'worktree_guard.policy',
    'worktree_guard.policy.bounds',
    'worktree_guard.policy.cache',
    'worktree_guard.policy.defaults',
    'worktree_guard.policy.diff',
    'worktree_guard.policy.globmatch',
    'worktree_guard.policy.match',
    'worktree_guard.policy.validate',
    'worktree_guard.purepath',
    'worktree_guard.records',
    'worktree_guard.report',
    'worktree_guard.report.baseline',
    'worktree_guard.rules',
    'worktree_guard.rules.agent_guard',
    'worktree_guard.rules.agent_shell',
    'worktree_guard.rules.branch_name',
    'worktree_guard.rules.index',
    'worktree_guard.rules.protected_branch',
    'worktree_guard.rules.server_policy',
    'worktree_guard.rules.spec',
    'worktree_guard.rules.sync_before_push',
    'worktree_guard.rules.worktree_layout',
    'worktree_guard.rules.worktree_paths',
    'worktree_guard.runner',
    'worktree_guard.server_guard',
    'worktree_guard.shell',
    'worktree_guard.signals',
    'worktree_guard.term',
})

# Off the hot path, still with deferred imports: files other branches are
# changing now, each with why (remove an entry once its module is clean).
PENDING = 'being changed by another branch now; cleaned once it lands'
KNOWN: dict[str, str] = {
}

ALLOW = '# deferred:'


def _deferred(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports inside a function (at any depth)."""
    found: list[ast.Import | ast.ImportFrom] = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for stmt in ast.walk(fn):
                if isinstance(stmt, ast.Import | ast.ImportFrom):
                    found.append(stmt)
    # A nested function's imports are walked twice.
    return sorted({id(n): n for n in found}.values(),
                  key=lambda n: n.lineno)


def _fake_type_checking(tree: ast.Module) -> list[int]:
    """The lines that assign ``TYPE_CHECKING`` instead of importing it."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == 'TYPE_CHECKING'
                    for t in node.targets)]


def _says_why(lines: list[str], lineno: int) -> bool:
    """Whether the import at ``lineno`` (1-based) says why it is deferred:
    on its own line, or in the comment lines right above it."""
    if ALLOW in lines[lineno - 1]:
        return True
    i = lineno - 2
    while i >= 0 and lines[i].lstrip().startswith('#'):
        if lines[i].lstrip().startswith(ALLOW):
            return True
        i -= 1
    return False


def module_problems(text: str, rel: str) -> list[str]:
    """``rel:line: ...`` for each unexplained deferred import and each
    ``TYPE_CHECKING = False`` of a module off the hot path."""
    tree = ast.parse(text, rel)
    lines = text.splitlines()
    out = [f'{rel}:{node.lineno}: import inside a function (move it to '
           f'the top, or say why: {ALLOW} <why>, on its line or above)'
           for node in _deferred(tree)
           if not _says_why(lines, node.lineno)]
    out += [f'{rel}:{line}: TYPE_CHECKING = False off the hot path (use '
            '`from typing import TYPE_CHECKING`)'
            for line in _fake_type_checking(tree)]
    return out


def problems(package_dir: Path) -> list[str]:
    """Every module off the hot path that defers an import without saying
    why, or fakes ``TYPE_CHECKING``."""
    root = package_dir.resolve()
    hot = {m.replace('worktree_guard', root.name, 1) for m in HOT_MODULES}
    known = {m.replace('worktree_guard', root.name, 1) for m in KNOWN}
    out = []
    for f in sorted(root.rglob('*.py')):
        here = module_name(f, root)
        if here in hot:
            continue
        rel = str(f.relative_to(root.parent))
        found = module_problems(f.read_text(encoding='utf-8'), rel)
        if here not in known:
            out += found
        elif not found:
            out.append(f'{rel}: {here} imports at the top: remove it from '
                       'tests/lint/hot_path.py KNOWN')
    return out


def main(package_dir: str) -> int:
    found = problems(Path(package_dir))
    for line in found:
        print(f'start-up: {line}')
    return 1 if found else 0


if __name__ == '__main__':  # pragma: no cover (run by ./dev lint)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'worktree_guard'))
