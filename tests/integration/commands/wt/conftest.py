"""What the wt tests share: the `wt` fixture (runs `worktree-guard wt`
in-process and returns its output) and the `work` fixture (a worktree
with a commit of its own)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.integration.commands.wt.test_wt import Out
from tests.integration.commands.wt.test_wt import make_runner
from tests.integration.commands.wt.test_wt import publish_policy

__all__ = ['Work', 'commit_work', 'publish_policy']

Work = Callable[..., Path]


@pytest.fixture
def wt(monkeypatch: pytest.MonkeyPatch,
       capsys: pytest.CaptureFixture[str]) -> Callable[..., Out]:
    return make_runner(monkeypatch, capsys)


def commit_work(repo: RepoHandle, branch: str, files: dict[str, str],
                path: str | None = None) -> Path:
    """A new worktree of ``branch`` (at trees/<branch> or ``path``) with
    one commit of ``files`` (hooks off); its folder."""
    dest = repo.worktree(branch, path=path)
    for rel, content in files.items():
        repo.write(rel, content, cwd=dest)
        repo.git('add', '--', rel, cwd=dest)
    proc = repo.run_git('-c', 'core.hooksPath=/dev/null', 'commit', '-q',
                        '-m', branch, cwd=dest)
    assert proc.returncode == 0, proc
    return dest


@pytest.fixture
def work() -> Work:
    """``work(repo, branch, files, path=None)``: ``commit_work``."""
    return commit_work

