"""The terminal (issue 16, part 7): colour decisions, the progress line,
``--quiet``, and check's hand parser taking pre-commit's file names.
Table-driven, no git; then real runs on a pseudo-terminal."""
from __future__ import annotations

import re

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import there
from tests.helpers import RepoHandle
from tests.helpers import wg
from worktree_guard import term
from worktree_guard.commands.check import fast_args
from worktree_guard.model import Violation
from worktree_guard.report import Result
from worktree_guard.report import format_text


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(('setting', 'env', 'tty', 'want'), [
    ('auto', {}, True, True),
    ('auto', {}, False, False),
    ('always', {'NO_COLOR': '1'}, False, True),
    ('never', {'FORCE_COLOR': '1'}, True, False),
    ('auto', {'PRE_COMMIT_COLOR': 'always', 'NO_COLOR': '1'}, False, True),
    ('auto', {'PRE_COMMIT_COLOR': 'never', 'FORCE_COLOR': '1'}, True, False),
    ('auto', {'PRE_COMMIT_COLOR': 'auto'}, True, True),
    ('auto', {'PRE_COMMIT_COLOR': 'auto'}, False, False),
    ('auto', {'NO_COLOR': '1', 'FORCE_COLOR': '1'}, True, False),
    ('auto', {'NO_COLOR': ''}, True, True),          # empty: not set
    ('auto', {'FORCE_COLOR': '1'}, False, True),
    ('auto', {'FORCE_COLOR': ''}, False, False),
    ('auto', {'TERM': 'dumb'}, True, False),
    ('auto', {'TERM': 'dumb', 'FORCE_COLOR': '1'}, False, True),
])
def test_use_colour(setting: str, env: dict[str, str], tty: bool,
                    want: bool) -> None:
    assert term.use_colour(Stream(tty), setting, env) is want


def test_use_colour_on_a_closed_stream() -> None:
    closed = io.StringIO()
    closed.close()
    assert term.use_colour(closed, 'auto', {}) is False


def test_paint() -> None:
    assert term.paint('x', term.RED, False) == 'x'
    assert term.paint('x', term.RED, True) == '\033[1;31mx\033[0m'


def test_progress_shows_past_the_minimum_and_clears() -> None:
    out = Stream(True)
    p = term.Progress(out, 'reading files', minimum=1000)
    p(500, 1000)
    p.close()
    assert out.getvalue() == ''
    p(1000, 2500)
    p(2500, 2500)
    assert out.getvalue().endswith('reading files 2,500/2,500')
    assert '1,000/2,500' in out.getvalue()
    p.close()
    assert out.getvalue().endswith('\r\033[K') and not p.shown


@pytest.mark.parametrize(('tty', 'env', 'shown'), [
    (True, {}, True),
    (False, {}, False),
    (True, {'PRE_COMMIT': '1'}, False),
    (True, {'TERM': 'dumb'}, False),
])
def test_for_terminal(monkeypatch: pytest.MonkeyPatch, tty: bool,
                      env: dict[str, str], shown: bool) -> None:
    monkeypatch.setattr(sys, 'stderr', Stream(tty))
    assert (term.for_terminal('x', env) is not None) is shown


def test_for_terminal_without_a_usable_stderr(
        monkeypatch: pytest.MonkeyPatch) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, 'stderr', closed)
    assert term.for_terminal('x', {}) is None


def _result() -> Result:
    r = Result()
    r.violations = [
        Violation('worktree-paths', 'climbs out', kind='relative-escape',
                  path='a.md', line=1, col=5, token='../x', fix=['do y']),
        Violation('worktree-paths', 'home path', kind='home-path',
                  severity='warn', path='b.md', line=2),
    ]
    r.notes = ['judged 2 files']
    return r


def test_quiet_prints_the_findings_only() -> None:
    loud = format_text(_result())
    quiet = format_text(_result(), quiet=True)
    assert 'note: judged 2 files' in loud and '1 error, 1 warning' in loud
    assert quiet == '\n'.join([
        'a.md:1:5: worktree-paths/relative-escape climbs out',
        '    token: ../x', '    fix: do y',
        'b.md:2: worktree-paths/home-path warning: home path'])


def test_colour_paints_location_code_fix_notes_and_summary() -> None:
    text = format_text(_result(), colour=True)
    assert '\033[1ma.md:1:5\033[0m: \033[1;31mworktree-paths/relative-escape' \
        '\033[0m climbs out' in text
    assert '\033[1;33mworktree-paths/home-path\033[0m warning:' in text
    assert '    \033[32mfix:\033[0m do y' in text
    assert '\033[2mnote: judged 2 files\033[0m' in text
    assert '\033[1;31mworktree-guard: 1 error, 1 warning\033[0m' in text
    assert format_text(_result(), colour=False).count('\033') == 0


@pytest.mark.parametrize(('args', 'files'), [
    (['--hook', 'x', 'a.txt', 'b c'], ['a.txt', 'b c']),
    (['a.txt', '--stage', 'x'], None),    # an option after a file
    (['a.txt', '-x', '--'], ['a.txt', '-x', '--']),
    (['--quiet', '--color', 'never', 'f'], ['f']),
    (['--hook', 'x'], []),
    (['--no-such-option'], None),
    (['--color', 'sometimes'], None),
])
def test_fast_args_takes_file_names(args: list[str],
                                    files: list[str] | None) -> None:
    ns = fast_args(args)
    assert (None if ns is None else ns.files) == files


def test_fast_args_a_file_that_looks_like_an_option(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert fast_args(['-notes.md']) is None
    (tmp_path / '-notes.md').write_text('x')
    ns = fast_args(['--hook', 'h', '-notes.md', 'b'])
    assert ns is not None and ns.files == ['-notes.md', 'b']
    assert ns.hook == 'h'


# -- real runs --------------------------------------------------------------------------

def _on_a_terminal(cmd: list[str], cwd: Path,
                   env: dict[str, str]) -> tuple[int, str]:
    """Run ``cmd`` with stdout and stderr on a pseudo-terminal."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=follower, stderr=follower,
                            env={**os.environ, **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the follower side closed
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    return proc.wait(timeout=120), b''.join(chunks).decode(errors='replace')


@pytest.mark.timeout(300)
def test_progress_and_colour_on_a_terminal(plain_repo: RepoHandle) -> None:
    repo = plain_repo
    repo.git('switch', '-q', '-c', 'issue-2-many')
    for i in range(1201):
        # An in-tree ../ link: every file is read (the pre-filter keeps it).
        repo.write(f'many/f{i}.txt', f'line {i} ../many/f0.txt\n')
    repo.write('many/bad.md', 'see ../../x\n')
    there(repo.path, '../x')   # on this machine: an error
    repo.git('add', '-A')
    repo.git('commit', '-q', '-m', 'many files')
    env = {'NO_COLOR': '', 'FORCE_COLOR': '', 'PRE_COMMIT_COLOR': '',
           'TERM': 'xterm'}
    rc, out = _on_a_terminal(['worktree-guard', 'check', '--all-files'],
                             repo.path, env)
    assert rc == 1, out
    total = re.search(r'reading files 1,000/(1,20\d)', out)
    assert total, out
    assert f'reading files {total[1]}/{total[1]}' in out and '\r\033[K' in out
    assert '\033[1;31mworktree-paths/relative-escape\033[0m' in out
    # NO_COLOR: no colour, still the progress line.
    rc, out = _on_a_terminal(['worktree-guard', 'check', '--all-files'],
                             repo.path, {**env, 'NO_COLOR': '1'})
    assert rc == 1 and 'reading files' in out
    assert '\033[1;31m' not in out
    # The same run through a pipe: neither colour nor progress ...
    proc = wg('check', '--all-files', cwd=repo.path, env=env)
    assert proc.returncode == 1
    assert '\033' not in proc.output and 'reading files' not in proc.output
    # ... unless FORCE_COLOR asks for colour; --quiet drops the summary.
    proc = wg('check', '--all-files', '--quiet', cwd=repo.path,
              env={**env, 'FORCE_COLOR': '1'})
    assert '\033[1;31mworktree-paths/relative-escape' in proc.stdout
    assert 'worktree-guard: 1 error' not in proc.stdout
    assert 'to bypass once' not in proc.stdout


def test_file_names_in_a_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / 'b.git'
    subprocess.run(['git', 'init', '-q', '--bare', str(bare)], check=True)
    proc = wg('check', 'a.txt', cwd=bare)
    assert proc.returncode == 2 and 'bare repository' in proc.stderr
