"""The real Codex CLI (pinned, tests/agents/install.sh), headless (``codex
exec``), against the fake model speaking the OpenAI Responses API, with
what ``worktree-guard install --agent codex`` writes: ``.codex/hooks.json``
(the hook) and ``.codex/config.toml`` (the workspace-write sandbox).

The repository lives outside ``/tmp`` (``agent_repo_outside_tmp``): Codex's
sandbox lets every command write the temp folders.  With a model it has no
metadata for, Codex 0.171.0 offers ``exec_command`` (a shell) and no
``apply_patch``; its hooks see a shell call as ``Bash``.
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


def deny_reason(repo: AgentRepo, command: str) -> str:
    """The reason the hook gives for a Codex shell call, asked directly."""
    payload = {'session_id': 's', 'transcript_path': '/dev/null',
               'cwd': str(repo.wt), 'hook_event_name': 'PreToolUse',
               'model': 'gpt-5-codex', 'tool_name': 'Bash',
               'tool_input': {'command': command}, 'tool_use_id': 't'}
    proc = run([sys.executable, '-m', 'worktree_guard', 'agent', 'codex'],
               cwd=repo.wt, input=json.dumps(payload))
    out = json.loads(proc.stdout)['hookSpecificOutput']
    assert out['permissionDecision'] == 'deny', proc
    return str(out['permissionDecisionReason'])


def test_shell_write_into_main_checkout_is_stopped(
        agent_repo_outside_tmp: AgentRepo, codex_cli: Path) -> None:
    """Codex's own sandbox (the config.toml install writes) holds."""
    repo = agent_repo_outside_tmp
    repo.install('codex')
    before = repo.outside()
    session, model = repo.codex(codex_cli, [
        [ToolUse('exec_command', {'cmd': 'touch ../../x'})], Text('done')])
    repo.assert_outside_unchanged(before, session)
    model.result_for(0)


@pytest.mark.xfail(strict=True, reason='Codex 0.171.0 reads .codex/hooks.json '
                   'from the main checkout, not from the linked worktree '
                   'the session runs in (install --agent codex writes it '
                   'there); no branch handles that yet')
def test_hook_denies_and_the_reason_reaches_the_model(
        agent_repo_outside_tmp: AgentRepo, codex_cli: Path) -> None:
    repo = agent_repo_outside_tmp
    repo.install('codex')
    command = 'touch ../../x'
    _, model = repo.codex(codex_cli, [
        [ToolUse('exec_command', {'cmd': command})], Text('done')])
    _, text, _ = model.result_for(0)
    assert deny_reason(repo, command) in text, text


def test_ordinary_work_goes_through(agent_repo_outside_tmp: AgentRepo,
                                    codex_cli: Path) -> None:
    repo = agent_repo_outside_tmp
    repo.install('codex')
    before = repo.outside()
    session, model = repo.codex(codex_cli, [
        [ToolUse('exec_command', {
            'cmd': 'printf hi > notes.txt && git add . && git commit -m x'})],
        Text('done')])
    call, text, _ = model.result_for(0)
    assert 'exited with code 0' in text, f'{call}: {text}'
    assert (repo.wt / 'notes.txt').read_text() == 'hi'
    assert repo.branch_log('issue-1-x')[0] == 'x', text
    assert repo.branch_log('main') == ['initial']
    repo.assert_outside_unchanged(before, session, commits=True)
