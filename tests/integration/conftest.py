"""Fixtures of the integration tests beyond tests/conftest.py's."""
from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git


@pytest.fixture
def make_repo(templates: dict[str, Path],
              tmp_path: Path) -> Callable[..., RepoHandle]:
    """Another fresh clone with a bare origin, per call."""
    count = iter(range(100))

    def make(native: bool = False) -> RepoHandle:
        dest = tmp_path / f'r{next(count)}'
        shutil.copytree(templates['native' if native else 'plain'], dest,
                        symlinks=True)
        work = dest / 'repo'
        git('remote', 'set-url', 'origin', str(dest / 'origin.git'),
            cwd=work)
        return RepoHandle(work, dest / 'origin.git')
    return make
