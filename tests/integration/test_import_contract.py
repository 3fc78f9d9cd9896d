"""The import contract of issue 15: GitPython (``import git``) only under the
interactive worktree manager, never on a hook's path.

Two proofs: a static one over the source (every ``import``, at module level
or inside a function) and a dynamic one (real hook runs, then
``sys.modules``).  ``anyascii`` (slug transliteration) is held to the same
rule for ASCII branch names.
"""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from worktree_guard.commands import faststart

PKG = Path(__file__).resolve().parents[2] / 'worktree_guard'

# The hook entry points below ``cli`` (commit, push, server); the agent hook
# joins them when it lands.  (pyproject.toml's import-linter contract
# "Only the interactive commands use GitPython" says the same statically.)
HOOK_ROOTS = ('worktree_guard.commands.hook', 'worktree_guard.commands.check',
              'worktree_guard.commands.server', 'worktree_guard.runner',
              'worktree_guard.hookinput', 'worktree_guard.report')
# Who may import GitPython, and who may import the module that does.
GITPYTHON_USERS = {'worktree_guard.commands.wt.gitpy'}
GITPY_USERS_PREFIX = ('worktree_guard.commands.wt',
                      'worktree_guard.commands.install',
                      'worktree_guard.commands.doctor')


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob('*.py'):
        parts = path.relative_to(PKG.parent).with_suffix('').parts
        name = '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)
        out[name] = path
    return out


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f'{node.module}.{a.name}' for a in node.names)
    return found


def _top(name: str) -> str:
    return name.split('.', 1)[0]


def test_only_gitpy_imports_gitpython() -> None:
    mods = _modules()
    users = {m for m, p in mods.items()
             if any(_top(i) == 'git' for i in _imports(p))}
    assert users == GITPYTHON_USERS
    gitpy_users = {m for m, p in mods.items()
                   if 'worktree_guard.commands.wt.gitpy' in _imports(p)}
    assert gitpy_users, 'the wt commands use GitPython'
    assert all(m.startswith(GITPY_USERS_PREFIX) for m in gitpy_users), \
        gitpy_users


def test_no_hook_module_reaches_gitpython() -> None:
    """The closure of the hook modules' imports (lazy ones included) never
    reaches GitPython, commands.wt.gitpy or the wt commands."""
    mods = _modules()
    roots = [*HOOK_ROOTS, *(m for m in mods
                            if m.startswith('worktree_guard.rules'))]
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        if m in mods:
            todo.extend(_imports(mods[m]))
    bad = {m for m in seen if _top(m) == 'git'
           or m.startswith(('worktree_guard.commands.wt.gitpy',
                            'worktree_guard.commands.wt'))}
    assert not bad, sorted(bad)
    assert 'worktree_guard.gitctx.repo' in seen  # the walk did follow


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD'))}


def _loaded(cwd: Path, call: str, stdin: str = '',
            env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    paths = faststart.fast_start_paths(sys.executable)
    assert paths is not None
    code = (
        'import sys\n'
        f'sys.path += {paths!r}\n'
        'from worktree_guard.cli import main\n'
        f'rc = main({call})\n'
        "print(' '.join(sorted(sys.modules)))\n"
        'sys.exit(rc)\n'
    )
    out = subprocess.run([sys.executable, '-I', '-S', '-c', code], cwd=cwd,
                         env=_clean_env() | (env or {}), input=stdin,
                         capture_output=True, text=True)
    return out.returncode, set(out.stdout.split())


@pytest.mark.parametrize('branch', ['issue-6-imports', 'Ünïcode-Feature'])
def test_commit_and_push_hooks_never_load_gitpython(
        plain_repo: RepoHandle, branch: str) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', branch)
    r.write('docs/new.md', 'see docs/guide.md\n')
    r.git('add', 'docs/new.md')
    rc, loaded = _loaded(r.path, "['hook', 'pre-commit']",
                         env={'GIT_INDEX_FILE': '.git/index'})
    assert rc == (0 if branch.isascii() else 1)
    assert 'worktree_guard.runner' in loaded
    assert 'git' not in loaded and 'worktree_guard.commands.wt.gitpy' not in loaded
    # A doc without a candidate: the Markdown parser is not loaded.
    assert 'markdown_it' not in loaded
    if branch.isascii():
        assert 'anyascii' not in loaded
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'x')
    head = r.head()
    rc, loaded = _loaded(
        r.path, f"['hook', 'pre-push', 'origin', {str(r.remote)!r}]",
        stdin=f'refs/heads/{branch} {head} refs/heads/{branch} {"0" * 40}\n')
    assert rc in (0, 1)
    assert 'worktree_guard.runner' in loaded
    assert 'git' not in loaded


def test_server_hook_never_loads_gitpython(plain_repo: RepoHandle) -> None:
    r = plain_repo
    head = r.head()
    rc, loaded = _loaded(r.remote, "['pre-receive']",
                         stdin=f'{"0" * 40} {head} refs/heads/issue-1-x\n')
    assert rc == 0
    assert 'worktree_guard.commands.server' in loaded
    assert 'git' not in loaded
