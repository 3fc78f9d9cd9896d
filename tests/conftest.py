"""Shared fixtures: real git repos, real worktrees, the real pre-commit.

Expensive things are built once per session and copied per test:
- ``hook_repo``: a deterministic snapshot commit of this checkout, which
  ``.pre-commit-config.yaml`` files point at (``repo: <path>, rev: <sha>``).
  Same content -> same sha -> pre-commit reuses its environment across
  sessions through the cached ``PRE_COMMIT_HOME``.
- ``templates``: a bare remote plus a clone on ``main``, in three flavours
  (no hooks, native hooks, pre-commit hooks); ``make_repo`` copies one.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import CACHE_ROOT
from tests.helpers import PROJECT
from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import run
from tests.helpers import snapshot_project

# The nothing-lost audit hooks into ``worktree_guard.cli.main`` when this
# variable is set at import (worktree_guard/audit.py); set it before any
# test module imports the package.  Empty means "no audit file": each test
# names one (``_nothing_lost``).
os.environ.setdefault('WORKTREE_GUARD_AUDIT', '')
assert 'worktree_guard.cli' not in sys.modules, 'imported before the audit'


# .ci/run's second pass: the first runs the suite with the optional tools
# hidden and writes the ids of the tests that skipped to the file named by
# WORKTREE_GUARD_SKIPPED_OUT; the second runs only those
# (WORKTREE_GUARD_ONLY_IDS names that file), with the tools in place.
_SKIPPED: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    """The long tests (marked ``slow``) first: xdist hands tests out in
    this order, so a long one never starts while the other worker is
    finishing the rest of the suite (the run's tail).  With
    ``WORKTREE_GUARD_ONLY_IDS``, only the tests that file lists."""
    only = os.environ.get('WORKTREE_GUARD_ONLY_IDS')
    if only:
        wanted = set(Path(only).read_text(encoding='utf-8').split('\n'))
        keep = [item for item in items if item.nodeid in wanted]
        config.hook.pytest_deselected(
            items=[item for item in items if item.nodeid not in wanted])
        items[:] = keep
    items.sort(key=lambda item: item.get_closest_marker('slow') is None)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember a test that skipped (not an expected failure)."""
    if report.skipped and not hasattr(report, 'wasxfail'):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write the skipped tests' ids (on xdist's controller, which sees
    every worker's reports)."""
    out = os.environ.get('WORKTREE_GUARD_SKIPPED_OUT')
    if out and not hasattr(session.config, 'workerinput'):
        Path(out).write_text(''.join(f'{n}\n' for n in sorted(set(_SKIPPED))),
                             encoding='utf-8')


@pytest.fixture(scope='session', autouse=True)
def _git_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A clean, deterministic git environment for every test."""
    home = tmp_path_factory.mktemp('home')
    cfg = home / '.gitconfig'
    cfg.write_text(
        '[user]\n\tname = Test User\n\temail = test@example.invalid\n'
        '[init]\n\tdefaultBranch = main\n'
        '[protocol "file"]\n\tallow = always\n'
        '[advice]\n\tdetachedHead = false\n'
        '[core]\n\tautocrlf = false\n',
    )
    saved = dict(os.environ)
    for var in list(os.environ):
        # GITHUB_ACTIONS=true would switch check's output to annotations.
        if var.startswith(('GIT_', 'PRE_COMMIT')) or var in (
                'SKIP', 'GITHUB_ACTIONS', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'):
            del os.environ[var]
    os.environ['GIT_CONFIG_GLOBAL'] = str(cfg)
    os.environ['GIT_CONFIG_NOSYSTEM'] = '1'
    os.environ['HOME'] = str(home)
    os.environ['PRE_COMMIT_HOME'] = str(CACHE_ROOT / 'pre-commit')
    os.environ['PRE_COMMIT_COLOR'] = 'never'
    # The venv's bin (worktree-guard, pre-commit) comes first on PATH.
    bindir = os.path.dirname(sys.executable)
    os.environ['PATH'] = bindir + os.pathsep + saved.get('PATH', '')
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope='session')
def _audit_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp('audit') / 'audit.log'


@pytest.fixture(autouse=True)
def _nothing_lost(_audit_log: Path,
                  monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Nothing lost, suite-wide: every worktree-guard run in every test
    (native hooks, pre-commit hooks, the CLI, in-process ``main()``) runs
    with ``WORKTREE_GUARD_AUDIT`` naming the log, so it compares the index, HEAD, every
    ref, the stash and the working-tree files before and after itself and
    logs any difference (see ``worktree_guard/audit.py``).  A test whose
    runs logged anything fails.  A test that must run unaudited (timing)
    can ``monkeypatch.delenv('WORKTREE_GUARD_AUDIT')``."""
    log = _audit_log
    start = log.stat().st_size if log.exists() else 0
    monkeypatch.setenv('WORKTREE_GUARD_AUDIT', str(log))
    yield
    if log.exists() and log.stat().st_size > start:
        with open(log, encoding='utf-8', errors='replace') as f:
            f.seek(start)
            found = f.read()
        pytest.fail('nothing-lost audit: a worktree-guard run changed the '
                    f'repository:\n{found}', pytrace=False)


@pytest.fixture(scope='session')
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(path, sha) of a snapshot of this checkout, for pre-commit configs."""
    return snapshot_project(tmp_path_factory)


def _build_template(base: Path, flavour: str,
                    hook_repo: tuple[Path, str] | None) -> Path:
    remote = base / 'origin.git'
    work = base / 'repo'
    git('init', '-q', '--bare', '-b', 'main', str(remote), cwd=base)
    git('init', '-q', '-b', 'main', str(work), cwd=base)
    (work / 'README.md').write_text('# demo\n\nSee docs/guide.md.\n')
    (work / 'docs').mkdir()
    (work / 'docs' / 'guide.md').write_text('# Guide\n\n[readme](../README.md)\n')
    (work / 'src').mkdir()
    (work / 'src' / 'app.py').write_text('print("hello")\n')
    (work / '.gitignore').write_text('trees/\n')
    if flavour == 'pre-commit':
        assert hook_repo is not None
        path, sha = hook_repo
        (work / '.pre-commit-config.yaml').write_text(
            f'repos:\n- repo: {path}\n  rev: {sha}\n  hooks:\n'
            '  - id: worktree-guard-commit\n'
            '  - id: worktree-guard-push\n',
        )
    git('add', '-A', cwd=work)
    git('commit', '-q', '-m', 'initial', cwd=work)
    git('remote', 'add', 'origin', str(remote), cwd=work)
    git('push', '-q', '-u', 'origin', 'main', cwd=work)
    if flavour == 'native':
        run(['worktree-guard', 'install'], cwd=work, check=True)
    elif flavour == 'pre-commit':
        run(['pre-commit', 'install', '--hook-type', 'pre-commit',
             '--hook-type', 'pre-push'], cwd=work, check=True)
        run(['pre-commit', 'install-hooks'], cwd=work, check=True)
    return base


@pytest.fixture(scope='session')
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for flavour in ('plain', 'native'):
        out[flavour] = _build_template(
            tmp_path_factory.mktemp(f'tpl-{flavour}'), flavour, None)
    return out


@pytest.fixture(scope='session')
def precommit_template(tmp_path_factory: pytest.TempPathFactory,
                       hook_repo: tuple[Path, str]) -> Path:
    return _build_template(tmp_path_factory.mktemp('tpl-pre-commit'),
                           'pre-commit', hook_repo)


def _copy_template(src: Path, dest: Path) -> RepoHandle:
    shutil.copytree(src, dest, symlinks=True)
    work = dest / 'repo'
    git('remote', 'set-url', 'origin', str(dest / 'origin.git'), cwd=work)
    return RepoHandle(work, dest / 'origin.git')


@pytest.fixture
def plain_repo(templates: dict[str, Path], tmp_path: Path) -> RepoHandle:
    """A clone on main with a bare origin; no hooks installed."""
    return _copy_template(templates['plain'], tmp_path / 'plain')


@pytest.fixture
def native_repo(templates: dict[str, Path], tmp_path: Path) -> RepoHandle:
    """Like plain_repo, with `worktree-guard install`'s native hooks."""
    return _copy_template(templates['native'], tmp_path / 'native')


@pytest.fixture
def precommit_repo(precommit_template: Path, tmp_path: Path) -> RepoHandle:
    """Like plain_repo, with pre-commit installed for pre-commit and
    pre-push, pointing at the snapshot of this checkout."""
    return _copy_template(precommit_template, tmp_path / 'precommit')


@pytest.fixture(params=['native', 'pre-commit'])
def hooked_repo(request: pytest.FixtureRequest, templates: dict[str, Path],
                tmp_path: Path) -> RepoHandle:
    """Each test runs twice: native hooks and the pre-commit framework."""
    if request.param == 'native':
        return _copy_template(templates['native'], tmp_path / 'native')
    tpl = request.getfixturevalue('precommit_template')
    return _copy_template(tpl, tmp_path / 'precommit')


@pytest.fixture
def project_root() -> Path:
    return PROJECT


@pytest.fixture
def groups() -> Iterator[list[int]]:
    """Process groups a test leaves running on purpose: killed after it."""
    import signal
    found: list[int] = []
    yield found
    for pgid in found:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
