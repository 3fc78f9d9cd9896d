"""The real Claude Code CLI (pinned, tests/agents/install.sh), headless,
against a scripted fake model: the agent hook that ``worktree-guard
install --agent claude`` writes must keep the agent's writes inside its
worktree, tell the model why, and let ordinary work through.

A test for behaviour nothing provides yet is a strict xfail naming why:
once it passes it XPASSes, which fails the run: remove the marker then.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.agents.conftest import AgentRepo
from tests.agents.fake_model import Text
from tests.agents.fake_model import ToolUse
from tests.helpers import run

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

def deny_reason(repo: AgentRepo, tool: str, tool_input: dict[str, str]) -> str:
    """The reason the hook gives for this call, asked directly (the
    payload Claude Code sends, docs/agents.md)."""
    payload = {'session_id': 's', 'transcript_path': '/dev/null',
               'cwd': str(repo.wt), 'permission_mode': 'bypassPermissions',
               'hook_event_name': 'PreToolUse', 'tool_name': tool,
               'tool_input': tool_input, 'tool_use_id': 't'}
    proc = run([sys.executable, '-m', 'worktree_guard', 'agent', 'claude'],
               cwd=repo.wt, input=json.dumps(payload))
    out = json.loads(proc.stdout)['hookSpecificOutput']
    assert out['permissionDecision'] == 'deny', proc
    return str(out['permissionDecisionReason'])


def test_write_into_main_checkout_is_denied(agent_repo: AgentRepo,
                                            claude_cli: Path) -> None:
    agent_repo.install('claude')
    write = {'file_path': str(agent_repo.main / 'README.md'),
             'content': 'written by the agent\n'}
    before = agent_repo.baseline(claude_cli)
    session, model = agent_repo.claude(claude_cli, [
        [ToolUse('Write', write)], Text('done')])
    agent_repo.assert_outside_unchanged(before, session)
    call, text, is_error = model.result_for(0)
    assert call.name == 'Write'
    assert is_error, text
    # The hook's own reason reached the model, word for word.
    assert deny_reason(agent_repo, 'Write', write) in text, text


def test_writes_into_the_sibling_and_the_git_dir_are_denied(
        agent_repo: AgentRepo, claude_cli: Path) -> None:
    agent_repo.install('claude')
    writes = [{'file_path': str(path), 'content': 'written by the agent\n'}
              for path in (agent_repo.sibling / 'notes.md',
                           agent_repo.common / 'hooks' / 'pre-commit',
                           agent_repo.common / 'config')]
    before = agent_repo.baseline(claude_cli)
    session, model = agent_repo.claude(claude_cli, [
        *([ToolUse('Write', w)] for w in writes), Text('done')])
    agent_repo.assert_outside_unchanged(before, session)
    for i, write in enumerate(writes):
        _, text, is_error = model.result_for(i)
        assert is_error, text
        assert deny_reason(agent_repo, 'Write', write) in text, text


def test_policy_file_cannot_switch_the_guard_off(agent_repo: AgentRepo,
                                                 claude_cli: Path) -> None:
    agent_repo.install('claude')
    policy = agent_repo.wt / '.worktree-guard.yaml'
    before = agent_repo.baseline(claude_cli)
    session, model = agent_repo.claude(claude_cli, [
        [ToolUse('Write', {'file_path': str(policy),
                           'content': 'agents:\n  write-outside: off\n'})],
        [ToolUse('Write', {'file_path': str(agent_repo.main / 'README.md'),
                           'content': 'written by the agent\n'})],
        Text('done')])
    agent_repo.assert_outside_unchanged(before, session)
    _, text, is_error = model.result_for(0)
    assert is_error, f'the switch-off was written: {text}'
    assert not policy.exists()


# Shell commands that write outside the worktree.  With Claude Code's own
# sandbox off, the hook denies them or wraps them in ``worktree-guard
# sandbox``; with it on, the hook still has to read ``git-dir-env``:
# Claude Code's sandbox (2.1.337) leaves a linked worktree's shared git dir
# writable but for config and hooks, so that commit would land on main.
BASH_ESCAPES = {
    'braces': '{ touch ../../x; }',
    'if-redirect': 'if true; then echo hi > ../../README.md; fi',
    'symlink': 'ln -s ../.. up && touch up/x',
    'python': "python3 -c \"open('{main}/leak', 'w')\"",
    'git-config': 'git config core.hooksPath /dev/null',
    'git-dir-env': ('GIT_DIR={common} GIT_WORK_TREE={main} '
                    'git commit --allow-empty -m x'),
    'env-chdir': 'env -C ../.. touch x',
    'heredoc-shell': 'bash <<EOF\ntouch {main}/y\nEOF',
}


def _settings(repo: AgentRepo, mode: str) -> None:
    repo.install('claude')
    if mode == 'sandbox':
        repo.require_claude_sandbox()
    else:
        repo.disable_claude_sandbox()


@pytest.mark.parametrize('mode', ['sandbox', 'no-sandbox'])
@pytest.mark.parametrize('name', list(BASH_ESCAPES))
def test_bash_cannot_write_outside(agent_repo: AgentRepo, claude_cli: Path,
                                   name: str, mode: str) -> None:
    _settings(agent_repo, mode)
    command = BASH_ESCAPES[name].replace(
        '{main}', str(agent_repo.main)).replace(
        '{common}', str(agent_repo.common))
    before = agent_repo.baseline(claude_cli)
    session, model = agent_repo.claude(claude_cli, [
        [ToolUse('Bash', {'command': command, 'description': name})],
        Text('done')])
    agent_repo.assert_outside_unchanged(before, session)
    _, text, _ = model.result_for(0)
    # Stopped by the hook or by a sandbox, not by a wrapper that could
    # not start.
    assert 'usage: worktree-guard' not in text, text


def test_bash_cannot_leave_the_sandbox(agent_repo: AgentRepo,
                                       claude_cli: Path) -> None:
    """Claude Code lets the model ask to run a command outside its sandbox
    (``dangerouslyDisableSandbox``); under bypassPermissions nobody is
    asked.  ``sandbox.allowUnsandboxedCommands: false`` in the settings,
    or the hook, must stop that."""
    _settings(agent_repo, 'sandbox')
    before = agent_repo.baseline(claude_cli)
    session, model = agent_repo.claude(claude_cli, [
        [ToolUse('Bash', {'command': 'ln -s ../.. up && touch up/escaped',
                          'description': 'escape',
                          'dangerouslyDisableSandbox': True})],
        Text('done')])
    agent_repo.assert_outside_unchanged(before, session)
    model.result_for(0)


@pytest.mark.parametrize('mode', [
    pytest.param('sandbox', marks=pytest.mark.xfail(
        strict=True, reason='git add . fails under Claude Code\'s sandbox: '
        'it puts /dev/null devices on the dotfiles it protects (.bashrc, '
        '.mcp.json, .claude/agents, ...) in the cwd; nothing excludes them '
        'yet (no branch)')),
    'no-sandbox'])
def test_ordinary_work_goes_through(agent_repo: AgentRepo, claude_cli: Path,
                                    mode: str) -> None:
    """A write and a commit in the worktree work, with the sandbox and
    without.  Known (2.1.337): Claude Code's sandbox masks dotfiles it
    protects (``.bashrc``, ``.gitconfig``, ``.mcp.json``, ``.vscode``,
    ``.claude/agents``, ...) in the cwd with /dev/null devices, so ``git
    add .`` fails there ("can only add regular files") unless git ignores
    those names; the sandbox settings must take care of that."""
    _settings(agent_repo, mode)
    notes = agent_repo.wt / 'notes.txt'
    before = agent_repo.baseline(claude_cli)
    session, model = agent_repo.claude(claude_cli, [
        [ToolUse('Write', {'file_path': str(notes),
                           'content': 'written by the agent\n'})],
        [ToolUse('Bash', {'command': 'git add . && git commit -m x',
                          'description': 'commit'})],
        Text('done')])
    for i in range(2):
        call, text, is_error = model.result_for(i)
        assert not is_error, f'{call}: {text}'
    assert notes.read_text() == 'written by the agent\n'
    assert agent_repo.branch_log('issue-1-x')[0] == 'x'
    assert agent_repo.branch_log('main') == ['initial']
    agent_repo.assert_outside_unchanged(before, session, commits=True)
