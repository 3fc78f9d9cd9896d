"""``worktree-guard completion bash|zsh|fish``: scripts that real shells
load, answering from the one argparse tree (wt's subcommands included)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import find_tool
from tests.helpers import run
from tests.helpers import wg


def _ask(line: str, tmp_path: Path) -> list[str]:
    """What the program answers a shell that completes ``line`` (the
    protocol every argcomplete script speaks)."""
    out = tmp_path / 'completions'
    proc = wg(cwd=tmp_path, env={
        '_ARGCOMPLETE': '1', 'COMP_LINE': line,
        'COMP_POINT': str(len(line)),
        '_ARGCOMPLETE_STDOUT_FILENAME': str(out)})
    assert proc.returncode == 0, proc
    return out.read_text().replace('\x0b', ' ').split()


@pytest.mark.parametrize(('line', 'want'), [
    ('worktree-guard wt cr', 'create'),
    ('worktree-guard ch', 'check'),
    ('worktree-guard com', 'completion'),
    ('worktree-guard check --st', '--stage'),
    ('worktree-guard completion f', 'fish'),
])
def test_the_program_answers_completion_requests(line: str, want: str,
                                                 tmp_path: Path) -> None:
    assert want in _ask(line, tmp_path)


def test_bad_shell_is_a_usage_error(tmp_path: Path) -> None:
    proc = wg('completion', 'tcsh', cwd=tmp_path)
    assert proc.returncode == 2
    assert "invalid choice: 'tcsh'" in proc.stderr


def test_completion_env_for_another_program_is_not_fatal(
        tmp_path: Path) -> None:
    """``_ARGCOMPLETE`` without a command line: no completion request
    after all; a usage error, never a traceback."""
    proc = wg('--version', cwd=tmp_path, env={'_ARGCOMPLETE': '1'})
    assert proc.returncode == 2
    assert 'Traceback' not in proc.output


def _shell_env() -> dict[str, str]:
    exe = find_tool('worktree-guard')
    assert exe is not None
    return {'PATH': f'{os.path.dirname(exe)}:{os.environ["PATH"]}'}


def test_bash_completes_wt_subcommands(tmp_path: Path) -> None:
    script = ('source <(worktree-guard completion bash)\n'
              'COMP_LINE="worktree-guard wt cr"; COMP_POINT=${#COMP_LINE}\n'
              'COMP_WORDS=(worktree-guard wt cr); COMP_CWORD=2\n'
              '_python_argcomplete worktree-guard cr wt\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    proc = run(['bash', '-c', script], cwd=tmp_path, env=_shell_env())
    assert proc.returncode == 0, proc
    assert proc.stdout.split() == ['create']


@pytest.mark.skipif(find_tool('fish') is None,
                    reason='fish is not installed (apt-get install fish; '
                           '.ci/run does)')
def test_fish_completes_wt_subcommands(tmp_path: Path) -> None:
    proc = run(['fish', '-c', 'worktree-guard completion fish | source; '
                              'complete -C "worktree-guard wt cr"'],
               cwd=tmp_path, env=_shell_env())
    assert proc.returncode == 0, proc
    assert proc.stdout.split('\t')[0] == 'create'


@pytest.mark.skipif(find_tool('zsh') is None,
                    reason='zsh is not installed (apt-get install zsh; '
                           '.ci/run does)')
def test_zsh_registers_the_completion(tmp_path: Path) -> None:
    proc = run(['zsh', '-c', 'autoload -U compinit; compinit -u; '
                             'source <(worktree-guard completion zsh); '
                             'echo $_comps[worktree-guard]'],
               cwd=tmp_path, env=_shell_env())
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == '_python_argcomplete'
