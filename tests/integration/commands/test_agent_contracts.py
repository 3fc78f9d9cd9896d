"""The agent hook's contracts of issue 22: Claude Code's EnterWorktree and
its Bash calls wrapped in the OS sandbox (``updatedInput``), Codex's
PreToolUse, Gemini's ``dir_path``, and the bounds on any payload.  Real
repositories and worktrees; the payloads are tests/agent_payloads.py's."""
from __future__ import annotations

import json
import os
import posix
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import agent_payloads as A
from tests.helpers import RepoHandle
from worktree_guard.commands import agent as agent_cmd
from worktree_guard.commands import agent_wrap as W
from worktree_guard.rules.agent_guard import AgentCall


class Repo2:
    def __init__(self, r: RepoHandle) -> None:
        self.main = r.path.resolve()
        self.wt1 = r.worktree('issue-1-a').resolve()
        self.wt2 = r.worktree('issue-2-b').resolve()
        self.common = self.main / '.git'


@pytest.fixture
def repo2(plain_repo: RepoHandle) -> Repo2:
    return Repo2(plain_repo)


def engine(repo: Repo2, name: str, release: str | None = None) -> None:
    """Fill the sandbox probe's cache: this machine has ``name``."""
    folder = repo.common / 'worktree-guard'
    folder.mkdir(exist_ok=True)
    (folder / 'sandbox-engine').write_text(
        f'{release or posix.uname().release}\n{name}')


def ask(agent: str, payload: dict[str, Any] | str) -> Any:
    raw = payload if isinstance(payload, str) else A.text(payload)
    out, code = agent_cmd.respond(agent, raw)
    assert code == 0
    return json.loads(out) if out else None


def spec(answer: Any) -> dict[str, Any]:
    return dict(answer['hookSpecificOutput'])


# -- EnterWorktree ----------------------------------------------------------------

def test_enter_worktree(repo2: Repo2) -> None:
    cwd = str(repo2.wt1)
    for target, where in ((repo2.wt2, f'worktree {repo2.wt2}'),
                          (repo2.main, 'the main checkout'),
                          (repo2.main / 'src', 'the main checkout')):
        answer = spec(ask('claude', A.claude_enter(cwd, str(target))))
        assert answer['permissionDecision'] == 'deny'
        assert f'EnterWorktree {target} would move this session out of ' \
            f'its worktree, to {where}' in answer['permissionDecisionReason']
    (repo2.wt1 / "it's").mkdir()
    for inside in (str(repo2.wt1), str(repo2.wt1 / 'src'), "it's", '.'):
        assert ask('claude', A.claude_enter(cwd, inside)) is None, inside
    # Without a path Claude Code makes a worktree of its own.
    assert ask('claude', A.claude(cwd, 'EnterWorktree', {'name': 'x'})) is None
    # A broken payload is refused, like any call that may move or write.
    answer = spec(ask('claude', A.claude(cwd, 'EnterWorktree', [])))
    assert answer['permissionDecision'] == 'deny'


# -- Gemini's dir_path --------------------------------------------------------------

def test_gemini_dir_path(repo2: Repo2) -> None:
    cwd = str(repo2.wt1)
    sh = ask('gemini', A.gemini(cwd, 'run_shell_command', {
        'command': 'rm x', 'description': 'd', 'dir_path': '../..',
        'is_background': False}))
    assert sh['decision'] == 'deny' and 'cd ../.. leaves' in sh['reason']
    assert ask('gemini', A.gemini(cwd, 'run_shell_command', {
        'command': 'ls', 'dir_path': 'src'})) == {}


# -- Codex ----------------------------------------------------------------------------

PATCH = """*** Begin Patch
*** Update File: ../../README.md
@@
-old
+new
*** Add File: docs/notes.md
+See ../../README.md
+and more
*** Delete File: gone.txt
*** Update File: a.py
*** Move to: ../issue-2-b/a.py
*** End Patch
"""


def test_codex(repo2: Repo2) -> None:
    cwd = str(repo2.wt1)
    answer = spec(ask('codex', A.codex_patch(cwd, PATCH)))
    assert answer['permissionDecision'] == 'deny'
    text = answer['permissionDecisionReason']
    assert 'apply_patch of ../../README.md' in text
    assert 'apply_patch of ../issue-2-b/a.py' in text
    assert 'docs/notes.md line 1: worktree-paths/relative-escape' in text
    inside = '*** Begin Patch\n*** Add File: n.md\n+See ../../README.md\n'
    warned = ask('codex', A.codex_patch(cwd, inside))
    assert list(warned) == ['systemMessage']
    assert 'relative-escape' in warned['systemMessage']
    assert ask('codex', A.codex_patch(cwd, '*** Add File: ok.py\n+x = 1\n')) \
        is None
    for bad in (A.codex_patch(cwd, 'no headers\n+x\n'),
                A.codex(cwd, 'apply_patch', {'other': 1})):
        answer = spec(ask('codex', bad))
        assert answer['permissionDecision'] == 'deny'
        assert 'could not check this call' in \
            answer['permissionDecisionReason']
    sh = spec(ask('codex', A.codex(cwd, 'Bash', {'command': 'cd ../..'})))
    assert sh['permissionDecision'] == 'deny'
    assert ask('codex', A.codex(cwd, 'Write', {
        'file_path': 'x.py', 'content': 'x'})) is None
    assert ask('codex', A.codex(cwd, 'mcp__x__y', {})) is None


def test_codex_through_the_process(repo2: Repo2) -> None:
    proc = subprocess.run(
        [sys.executable, '-m', 'worktree_guard', 'agent', 'codex'],
        input=A.text(A.codex_patch(str(repo2.wt1), PATCH)),
        capture_output=True, text=True, cwd=repo2.wt1, timeout=120)
    assert proc.returncode == 0, proc
    assert spec(json.loads(proc.stdout))['permissionDecision'] == 'deny'


# -- Claude Code's Bash in the OS sandbox ----------------------------------------------

def unwrap(command: str) -> tuple[list[str], str]:
    words = shlex.split(command)
    assert words[-3:-1] == ['bash', '-c'], words
    return words[:-3], words[-1]


def test_bash_is_wrapped_when_claude_code_sandbox_is_off(repo2: Repo2) -> None:
    engine(repo2, 'landlock')
    cwd = str(repo2.wt1)
    original = "printf '%s\\n' \"it's\" > out.txt && ls"
    payload = A.claude_bash_full(cwd, original)
    answer = spec(ask('claude', payload))
    assert answer['permissionDecision'] == 'allow'
    assert 'OS sandbox' in answer['permissionDecisionReason']
    wrapped = answer['updatedInput']
    # Every other field of tool_input is kept, types and all.
    assert {k: v for k, v in wrapped.items() if k != 'command'} == {
        k: v for k, v in payload['tool_input'].items() if k != 'command'}
    head, inner = unwrap(wrapped['command'])
    assert head == [sys.executable, '-I', '-m', 'worktree_guard', 'sandbox',
                    '--worktree', str(repo2.wt1), '--']
    assert inner == original
    # A command that is refused is refused, not wrapped.
    denied = spec(ask('claude', A.claude_bash_full(cwd, 'rm ../../README.md')))
    assert denied['permissionDecision'] == 'deny'
    assert 'updatedInput' not in denied
    # A wrapped command (a retried call) is not wrapped twice.
    assert ask('claude', A.claude_bash_full(cwd, wrapped['command'])) is None
    # Warnings ride along with the wrap.
    both = spec(ask('claude', A.claude_bash_full(cwd, 'echo x > $OUT')))
    assert 'updatedInput' in both and '$OUT' in both['additionalContext']
    # A tool_input sent as JSON text is read, and wrapped, the same way.
    as_text = dict(payload, tool_input=json.dumps(payload['tool_input']))
    assert spec(ask('claude', as_text))['updatedInput'] == wrapped
    # Cursor's and Gemini's shell calls are never wrapped.
    assert ask('gemini', A.gemini(cwd, 'run_shell_command',
                                  {'command': 'ls'})) == {}


def test_the_wrapped_command_runs_under_the_sandbox_command(
        repo2: Repo2, tmp_path: Path) -> None:
    """The updatedInput command, run by a shell, starts ``python -I -m
    worktree_guard sandbox --worktree <root> -- bash -c <command>``: a
    stand-in ``sandbox`` module on the path records what it got."""
    engine(repo2, 'landlock')
    answer = spec(ask('claude', A.claude_bash_full(
        str(repo2.wt1), 'echo "a b" \'c\'')))
    fake = tmp_path / 'fake' / 'worktree_guard'
    fake.mkdir(parents=True)
    (fake / '__init__.py').write_text('')
    (fake / '__main__.py').write_text(
        'import json, os, sys\n'
        'print(json.dumps([os.getcwd(), sys.argv[1:]]))\n')
    command = answer['updatedInput']['command'].replace(
        ' -I -m ', ' -m ', 1)   # -I would ignore PYTHONPATH
    proc = subprocess.run(['sh', '-c', command], capture_output=True,
                          text=True, cwd=repo2.wt1, timeout=120,
                          env={**os.environ, 'PYTHONPATH': str(fake.parent)})
    assert proc.returncode == 0, proc
    cwd, args = json.loads(proc.stdout)
    assert cwd == str(repo2.wt1)
    assert args == ['sandbox', '--worktree', str(repo2.wt1), '--', 'bash',
                    '-c', 'echo "a b" \'c\'']


def call_of(repo: Repo2, command: str = 'ls') -> AgentCall:
    return AgentCall('Bash', 'bash', str(repo.wt1), command=command)


def test_claude_codes_own_sandbox_marks_the_call(repo2: Repo2) -> None:
    engine(repo2, 'landlock')
    claude = repo2.wt1 / '.claude'
    claude.mkdir()
    (claude / 'settings.json').write_text(
        '{"sandbox": {"enabled": true}}')
    ti = {'command': 'ls'}
    call = call_of(repo2)
    assert W.sandbox_wrap(call, ti) is None and call.sandboxed
    # ... unless the call disables it.
    call = call_of(repo2)
    assert W.sandbox_wrap(
        call, {**ti, 'dangerouslyDisableSandbox': True}) is not None
    assert call.sandboxed
    # ... unless Claude Code refuses to run calls outside it.
    (claude / 'settings.json').write_text(
        '{"sandbox": {"enabled": true, "allowUnsandboxedCommands": false}}')
    call = call_of(repo2)
    assert W.sandbox_wrap(
        call, {**ti, 'dangerouslyDisableSandbox': True}) is None
    assert call.sandboxed
    # The local file wins over the project file.
    (claude / 'settings.local.json').write_text(
        '{"sandbox": {"enabled": false}}')
    call = call_of(repo2)
    assert W.sandbox_wrap(call, ti) is not None and call.sandboxed
    # Shapes that say nothing leave it off.
    for text in ('[1]', '{"sandbox": 1}', '{"sandbox": {"enabled": "yes"}}',
                 '{not json'):
        (claude / 'settings.local.json').write_text(text)
        (claude / 'settings.json').write_text(text)
        assert W.own_sandbox(str(repo2.wt1)) is False, text
    assert ask('claude', A.claude_bash_full(str(repo2.wt1), 'ls')) is not None


def test_no_engine_no_wrap(repo2: Repo2, tmp_path: Path) -> None:
    engine(repo2, '')
    call = call_of(repo2)
    assert W.sandbox_wrap(call, {'command': 'ls'}) is None
    assert not call.sandboxed
    assert ask('claude', A.claude_bash_full(str(repo2.wt1), 'ls')) is None
    outside = AgentCall('Bash', 'bash', str(tmp_path), command='ls')
    assert W.sandbox_wrap(outside, {'command': 'ls'}) is None
    # The main checkout holds the git dir and every worktree: `worktree-guard
    # sandbox` confines linked worktrees only, so it is never wrapped.
    engine(repo2, 'landlock')
    main = AgentCall('Bash', 'bash', str(repo2.main), command='ls')
    assert W.sandbox_wrap(main, {'command': 'ls'}) is None
    assert not main.sandboxed


def test_the_engine_probe_is_cached_per_kernel(
        repo2: Repo2, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    common = str(repo2.common)
    cache = repo2.common / 'worktree-guard' / 'sandbox-engine'
    engine(repo2, 'bwrap', release='an-older-kernel')
    probed = W.sandbox_engine(common)   # a new kernel: probed again
    assert cache.read_text() == f'{posix.uname().release}\n{probed}'
    engine(repo2, 'cached')
    assert W.sandbox_engine(common) == 'cached'

    import ctypes

    class NoLandlock:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def syscall(self, *args: object) -> int:
            return -1
    monkeypatch.setattr(ctypes, 'CDLL', NoLandlock)
    bwrap = tmp_path / 'bin' / 'bwrap'
    bwrap.parent.mkdir()
    bwrap.write_text('#!/bin/sh\n')
    bwrap.chmod(0o755)
    monkeypatch.setenv('PATH', f'::{tmp_path / "none"}:{bwrap.parent}')
    assert W._probe() == 'bwrap'
    monkeypatch.setenv('PATH', str(tmp_path / 'none'))
    assert W._probe() == ''
    # A git dir it cannot write: probed every time, still answered.
    cache.unlink()
    cache.parent.rmdir()
    cache.parent.write_text('not a folder')
    assert W.sandbox_engine(common) == ''


def test_common_dir(repo2: Repo2, tmp_path: Path) -> None:
    wt_git = repo2.common / 'worktrees' / 'issue-1-a'
    assert W._common_dir(str(wt_git)) == str(repo2.common)
    assert W._common_dir(str(repo2.common)) == str(repo2.common)
    (tmp_path / 'commondir').write_text('\n')
    assert W._common_dir(str(tmp_path)) == str(tmp_path)


# -- bounds ---------------------------------------------------------------------------

@pytest.mark.timeout(300)
def test_ten_megabytes_of_content_get_a_small_answer(repo2: Repo2) -> None:
    """Measured before the bounds: 50 s, 1.5 GB and a 265 MB reply."""
    line = 'See ../../README.md and /home/someone/x and ../issue-2-b/y\n'
    content = line * (10_000_000 // len(line))
    payload = A.claude_write(str(repo2.wt1), 'docs/big.md', content)
    proc = subprocess.run(
        [sys.executable, '-m', 'worktree_guard', 'agent', 'claude'],
        input=A.text(payload), capture_output=True, text=True,
        cwd=repo2.wt1, timeout=280)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(proc.stdout) < 64_000
    note = spec(json.loads(proc.stdout))['additionalContext']
    assert f'only the first {agent_cmd.MAX_CONTENT} of the {len(content)} ' \
        'characters written to docs/big.md were scanned' in note
    assert note.count('\n- ') == agent_cmd.MAX_ITEMS + 1
    assert note.endswith('more')


def test_long_lines_and_many_items_are_cut(
        repo2: Repo2, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = str(repo2.wt1)
    var = '$' + 'A' * 3000
    answer = spec(ask('claude', A.claude_bash(cwd, f'echo > {var}')))
    note = answer['additionalContext']
    line = next(x for x in note.split('\n- ') if 'AAAA' in x)
    assert len(line) < agent_cmd.MAX_LINE + 50
    assert 'more characters)' in line
    monkeypatch.setattr(agent_cmd, 'MAX_TEXT', 100)
    cut = spec(ask('claude', A.claude_bash(cwd, f'echo > {var}')))
    assert cut['additionalContext'].endswith('more characters)')
    assert len(cut['additionalContext']) < 150
    monkeypatch.undo()
    many = ' '.join(f'../w{i}/x' for i in range(30))
    denied = spec(ask('claude', A.claude_bash(cwd, f'rm {many}')))
    text = denied['permissionDecisionReason']
    assert '\n- +10 more' in text


def test_bounds_in_process(repo2: Repo2,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = str(repo2.wt1)
    monkeypatch.setattr(agent_cmd, 'MAX_COMMAND', 10)
    answer = spec(ask('claude', A.claude_bash(cwd, 'echo 12345678901')))
    assert answer['permissionDecision'] == 'deny'
    assert 'more than the 10 worktree-guard reads' in \
        answer['permissionDecisionReason']
    monkeypatch.setattr(agent_cmd, 'MAX_CONTENT', 10)
    answer = spec(ask('claude', A.claude_multi_edit(
        cwd, 'a.md', ['12345678', '../../README.md', '../../x'])))
    note = answer['additionalContext']
    assert 'only the first 2 of the 15 characters' in note
    assert 'only the first 0 of the 7 characters' in note
    monkeypatch.setattr(agent_cmd, 'MAX_PAYLOAD', 100)
    answer = spec(ask('claude', A.claude_write(cwd, 'a.md', 'x' * 200)))
    assert 'more than 100 bytes' in answer['permissionDecisionReason']


def test_stdin_is_read_up_to_the_bound(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    class Stdin:
        buffer = io.BytesIO(b'x' * 50)
    monkeypatch.setattr(sys, 'stdin', Stdin())
    monkeypatch.setattr(agent_cmd, 'MAX_PAYLOAD', 10)
    assert agent_cmd._stdin() == 'x' * 11
