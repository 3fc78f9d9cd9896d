"""The commit-msg hook starts Python only for a merge commit: one Python
start per ordinary commit (issue 26)."""
from __future__ import annotations

import stat
import sys
from pathlib import Path

from tests.helpers import RepoHandle


def _logging_python(tmp_path: Path) -> tuple[Path, Path]:
    """An interpreter wrapper that logs each hook it starts."""
    log = tmp_path / 'starts.log'
    wrapper = tmp_path / 'py'
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {log}\n'
                       f'exec {sys.executable} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper, log


def _hooks(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [line.split(' hook ', 1)[1].split()[0]
            for line in log.read_text().splitlines() if ' hook ' in line]


def test_an_ordinary_commit_starts_python_once(native_repo: RepoHandle,
                                               tmp_path: Path) -> None:
    r = native_repo
    wrapper, log = _logging_python(tmp_path)
    wt = r.worktree('issue-7-one-start')
    proc = r.commit('one', cwd=wt, files={'a.txt': 'a\n'},
                    env={'WORKTREE_GUARD_PYTHON': str(wrapper)})
    assert proc.returncode == 0, proc
    # (The reference-transaction hook's shell cache is not trusted while
    # WORKTREE_GUARD_PYTHON is set, so its Python start is not counted.)
    hooks = [h for h in _hooks(log) if h != 'reference-transaction']
    assert hooks == ['pre-commit']


def test_a_merge_commit_on_main_is_still_judged(native_repo: RepoHandle,
                                                tmp_path: Path) -> None:
    r = native_repo
    wrapper, log = _logging_python(tmp_path)
    env = {'WORKTREE_GUARD_PYTHON': str(wrapper)}
    r.git('switch', '-q', '-c', 'issue-8-side')
    r.commit('side', files={'side.txt': 's\n'}, env=env)
    r.git('switch', '-q', 'main')
    before = r.head()
    proc = r.run_git('merge', '--no-ff', '-m', 'merge', 'issue-8-side',
                     env=env)
    assert proc.returncode != 0, proc
    assert 'protected-branch' in proc.output
    assert r.head() == before
    assert 'commit-msg' in _hooks(log)
