"""The distribution builds and runs: ``python -m build`` makes a wheel and an
sdist, and the wheel installs into a fresh venv whose ``worktree-guard``
answers ``--version`` and judges a real repository."""
from __future__ import annotations

import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tests.helpers import PROJECT
from worktree_guard import __version__

pytestmark = pytest.mark.slow


@pytest.mark.timeout(900)
def test_wheel_and_sdist_build_install_and_run(tmp_path: Path) -> None:
    dist = tmp_path / 'dist'
    build = subprocess.run(
        # No --sdist/--wheel: the wheel is built from the sdist, in a
        # temporary folder, so the checkout gets no build/ and the sdist is
        # proved complete.
        [sys.executable, '-m', 'build', '--outdir', str(dist), str(PROJECT)],
        capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    (wheel,) = dist.glob('worktree_guard-*.whl')
    (sdist,) = dist.glob('worktree_guard-*.tar.gz')
    assert wheel.name.startswith(f'worktree_guard-{__version__}-')
    names = zipfile.ZipFile(wheel).namelist()
    # The schema ships, the tests and benches do not.
    assert any(n.endswith('.json') and 'schema' in n for n in names), names
    assert not any(n.startswith(('tests/', 'bench/')) for n in names)
    with tarfile.open(sdist) as tar:
        assert any(n.endswith('/README.md') for n in tar.getnames())

    env_dir = tmp_path / 'venv'
    venv.create(env_dir, with_pip=True)
    py = env_dir / 'bin' / 'python'
    pip = subprocess.run([str(py), '-m', 'pip', 'install', '-q',
                          '--disable-pip-version-check', str(wheel)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-2000:]
    exe = env_dir / 'bin' / 'worktree-guard'
    version = subprocess.run([str(exe), '--version'], capture_output=True,
                             text=True, timeout=60)
    assert version.stdout.strip() == f'worktree-guard {__version__}'
    # It judges: a commit on main of a fresh repo is refused.
    repo = tmp_path / 'repo'
    for args in (['init', '-q', '-b', 'main', str(repo)],
                 ['-C', str(repo), 'commit', '-q', '--allow-empty', '-m',
                  'root']):
        subprocess.run(['git', *args], check=True, capture_output=True,
                       env={'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path),
                            'GIT_AUTHOR_NAME': 't', 'GIT_AUTHOR_EMAIL': 't@t',
                            'GIT_COMMITTER_NAME': 't',
                            'GIT_COMMITTER_EMAIL': 't@t'})
    check = subprocess.run([str(exe), 'check', '--stage', 'commit'],
                           cwd=repo, capture_output=True, text=True,
                           timeout=60,
                           env={'PATH': '/usr/bin:/bin',
                                'HOME': str(tmp_path)})
    assert check.returncode == 1, check.stdout + check.stderr
    assert 'protected-branch' in check.stdout
