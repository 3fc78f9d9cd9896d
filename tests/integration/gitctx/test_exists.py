"""gitctx/exists.py: the path engine's oracle of this machine's disk,
on real files."""
from __future__ import annotations

import os
from pathlib import Path

from worktree_guard.gitctx.exists import Exists


def test_what_is_there(tmp_path: Path) -> None:
    exists = Exists()
    (tmp_path / 'file').write_text('x\n')
    os.symlink(tmp_path / 'gone', tmp_path / 'dangling')
    assert exists(str(tmp_path / 'file'))
    assert exists(str(tmp_path))
    # A dangling symlink is something there (an lstat, not a stat).
    assert exists(str(tmp_path / 'dangling'))
    assert not exists(str(tmp_path / 'gone'))


def test_an_answer_holds_for_the_run(tmp_path: Path) -> None:
    """One probe a path per run: a file made later is not seen by the
    same oracle, and is by the next run's."""
    exists = Exists()
    late = tmp_path / 'late'
    assert not exists(str(late))
    late.write_text('x\n')
    assert not exists(str(late))
    assert Exists()(str(late))
