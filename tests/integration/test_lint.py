"""The package checks of ``./dev lint`` (tests/lint/) hold, and a planted
violation of each fails them: an import cycle, a private name taken from
another module (imported, or reached through an imported module), a git
command line outside gitctx, a block worse than radon grade C, a
deferred import or a faked ``TYPE_CHECKING`` off the hot path."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint import acyclic
from tests.lint import complexity
from tests.lint import git_lines
from tests.lint import hot_path
from tests.lint import private_names

ROOT = Path(__file__).resolve().parents[2]


def _check(where: Path) -> subprocess.CompletedProcess[str]:
    """``python -m tests.lint`` on the package in ``where``."""
    return subprocess.run(
        [sys.executable, '-m', 'tests.lint', str(where / 'worktree_guard')],
        cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(180)
def test_the_package_has_no_cycle_and_no_private_import() -> None:
    proc = _check(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ''


@pytest.mark.timeout(180)
@pytest.mark.parametrize('module, line, expected', [
    # A cycle through a deferred import counts (it runs, sooner or later).
    ('records.py', 'def f() -> None:\n    import worktree_guard.model',
     'import cycle: worktree_guard.model <-> worktree_guard.records'),
    ('policy/defaults.py', 'import worktree_guard.policy.validate',
     'import cycle: worktree_guard.policy.defaults <-> '
     'worktree_guard.policy.validate'),
    ('rules/branch_name.py', 'from worktree_guard.shell import _Lexer',
     'worktree_guard.rules.branch_name imports worktree_guard.shell._Lexer'),
    ('report/sarif.py',
     'from worktree_guard.commands import wt\nwt._ISSUE_ARG',
     'worktree_guard.report.sarif uses worktree_guard.commands.wt._ISSUE_ARG'),
    ('gitctx/pipes.py', 'from . import process as p\np._PATH_VARS',
     'worktree_guard.gitctx.pipes uses worktree_guard.gitctx.process._PATH_VARS'),
    ('commands/wt/land.py', 'from ..agent_io import _WS',
     'worktree_guard.commands.wt.land imports '
     'worktree_guard.commands.agent_io._WS'),
    ('commands/init.py', "def f(repo):\n    repo.git('switch', '-c', 'x')",
     'worktree_guard.commands.init runs git switch'),
    ('commands/doctor.py', "def f(repo):\n    repo.out('config', 'x')",
     'worktree_guard.commands.doctor runs git config'),
    ('audit.py', "spawn(['git', 'status'])",
     'worktree_guard.audit runs git'),
    # 21 decisions: cyclomatic complexity 22, grade D.
    ('report/sarif.py', 'def planted(x):\n' + ''.join(
        f'    if x == {i}:\n        return {i}\n' for i in range(21))
     + '    return -1',
     'planted has grade D (22), worse than C'),
    ('commands/doctor.py', 'def f() -> None:\n    import glob',
     'import inside a function (move it to the top, or say why'),
    ('report/sarif.py', 'TYPE_CHECKING = False',
     'TYPE_CHECKING = False off the hot path'),
])
def test_a_violation_fails(tmp_path: Path, module: str, line: str,
                           expected: str) -> None:
    shutil.copytree(ROOT / 'worktree_guard', tmp_path / 'worktree_guard',
                    ignore=shutil.ignore_patterns('__pycache__'))
    target = tmp_path / 'worktree_guard' / module
    target.write_text(target.read_text() + f'\n{line}  # noqa\n')
    proc = _check(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert expected in proc.stdout, proc.stdout


@pytest.mark.parametrize('code, found', [
    ('from worktree_guard.b import _x', ['imports worktree_guard.b._x']),
    ('from worktree_guard.b import __version__', []),   # dunder: public
    ('from worktree_guard import b\nb._x()', ['uses worktree_guard.b._x']),
    ('import worktree_guard.b\nworktree_guard.b._x',
     ['uses worktree_guard.b._x']),
    ('import worktree_guard.b as m\nm._x', ['uses worktree_guard.b._x']),
    ('from . import b\nb._x', ['uses worktree_guard.b._x']),
    ('from .b import _x', ['imports worktree_guard.b._x']),
    ('import os\nos._exit', []),             # not ours
    ('from worktree_guard import _priv', []),   # a private module of ours
    ('_y = 1\nclass C:\n    _z = _y', []),   # its own names
])
def test_what_counts_as_a_private_import(tmp_path: Path, code: str,
                                         found: list[str]) -> None:
    pkg = tmp_path / 'worktree_guard'
    pkg.mkdir()
    (pkg / '__init__.py').write_text('')
    (pkg / 'b.py').write_text('_x = 1\n')
    (pkg / '_priv.py').write_text('')
    (pkg / 'a.py').write_text(code + '\n')
    got = [p.split(': ', 1)[1].removeprefix('worktree_guard.a ')
           for p in private_names.problems(pkg)]
    assert got == found



def test_an_excuse_without_its_cause_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A known exception is removed with what it excused: a cycle that is
    gone, a module that no longer imports private names or runs git."""
    monkeypatch.setattr(acyclic, 'KNOWN', {
        **acyclic.KNOWN,
        frozenset({'worktree_guard.cli', 'worktree_guard.term'}): 'x'})
    assert ('known cycle gone (remove it from tests/lint/acyclic.py KNOWN): '
            'worktree_guard.cli <-> worktree_guard.term') in \
        acyclic.cycles('worktree_guard')
    pkg = tmp_path / 'worktree_guard'
    pkg.mkdir()
    (pkg / '__init__.py').write_text('')
    (pkg / 'a.py').write_text('x = 1\n')
    monkeypatch.setattr(private_names, 'KNOWN', {'worktree_guard.a': 'x'})
    assert private_names.problems(pkg) == [
        'worktree_guard/a.py: worktree_guard.a is clean: remove it from '
        'tests/lint/private_names.py KNOWN']
    monkeypatch.setattr(git_lines, 'KNOWN', {'worktree_guard.a': 'x'})
    assert git_lines.problems(pkg) == [
        'worktree_guard/a.py: worktree_guard.a runs no git: remove it from '
        'tests/lint/git_lines.py KNOWN']
    (pkg / 'b.py').write_text('def f(x):\n    return 1 if x else 2\n')
    monkeypatch.setattr(complexity, 'PENDING', {'b.py:f': 'x',
                                                'b.py:gone': 'x'})
    assert complexity.problems(pkg) == [
        f'worktree_guard/{key} is no worse than C (or gone): remove it '
        'from tests/lint/complexity.py PENDING'
        for key in ('b.py:f', 'b.py:gone')]
    monkeypatch.setattr(hot_path, 'KNOWN', {'worktree_guard.a': 'x'})
    assert hot_path.problems(pkg) == [
        'worktree_guard/a.py: worktree_guard.a imports at the top: remove '
        'it from tests/lint/hot_path.py KNOWN']


@pytest.mark.parametrize('code, found', [
    ('import os\nfrom . import b\n', []),
    ('def f():\n    import os\n', [2]),
    ('def f():\n    import os  # deferred: a reason\n', []),
    ('def f():\n    # deferred: a reason\n    import os\n', []),
    ('def f():\n    # a comment\n    import os\n', [3]),
    ('def f():\n    # deferred: a reason,\n    # said on two lines\n'
     '    import os\n', []),
    ('def f():\n    # deferred: a reason\n    x = 1\n    import os\n',
     [4]),
    ('def f():\n    def g():\n        import os\n', [3]),   # once
    ('class C:\n    async def m(self):\n        from . import b\n', [3]),
    ('TYPE_CHECKING = False\n', ['T1']),
    ('from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n'
     '    import os\n', []),
])
def test_what_counts_as_a_deferred_import(code: str,
                                          found: list[int | str]) -> None:
    got: list[int | str] = []
    for line in hot_path.module_problems(code, 'a.py'):
        number = int(line.split(':')[1])
        got.append(f'T{number}' if 'TYPE_CHECKING' in line else number)
    assert got == found


def test_the_hot_modules_keep_their_start_up_tricks(tmp_path: Path) -> None:
    """A module a hook loads may defer imports and fake TYPE_CHECKING."""
    pkg = tmp_path / 'worktree_guard'
    pkg.mkdir()
    (pkg / '__init__.py').write_text('TYPE_CHECKING = False\n')
    (pkg / 'runner.py').write_text('def f():\n    import os\n')
    (pkg / 'gen.py').write_text('def f():\n    import os\n')
    assert 'worktree_guard.runner' in hot_path.HOT_MODULES
    assert hot_path.problems(pkg) == [
        'worktree_guard/gen.py:2: import inside a function (move it to the '
        'top, or say why: # deferred: <why>, on its line or above)']
