"""The `wt` fixture the wt tests share: runs `worktree-guard wt` in-process
and returns its output."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.commands.wt.test_wt import Out
from tests.integration.commands.wt.test_wt import make_runner


@pytest.fixture
def wt(monkeypatch: pytest.MonkeyPatch,
       capsys: pytest.CaptureFixture[str]) -> Callable[..., Out]:
    return make_runner(monkeypatch, capsys)
