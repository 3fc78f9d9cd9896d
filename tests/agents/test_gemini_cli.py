"""The real Gemini CLI (pinned, tests/agents/install.sh), headless, against
the fake model speaking the Gemini API: the hook ``worktree-guard install
--agent gemini`` writes denies a shell write into the main checkout and
tells the model why, and ordinary work goes through.

Its file tools refuse paths outside the workspace by themselves ("Path not
in workspace"), before any hook runs, so the write-outside case here is a
shell command."""
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
    """The reason the hook gives for this call, asked directly."""
    payload = {'session_id': 's', 'transcript_path': '/dev/null',
               'cwd': str(repo.wt), 'hook_event_name': 'BeforeTool',
               'timestamp': '2026-01-01T00:00:00Z', 'tool_name': tool,
               'tool_input': tool_input}
    proc = run([sys.executable, '-m', 'worktree_guard', 'agent', 'gemini'],
               cwd=repo.wt, input=json.dumps(payload))
    out = json.loads(proc.stdout)
    assert out['decision'] == 'deny', proc
    return str(out['reason'])


def test_shell_write_into_main_checkout_is_denied(agent_repo: AgentRepo,
                                                  gemini_cli: Path) -> None:
    agent_repo.install('gemini')
    call = {'command': 'touch ../../x', 'description': 'touch'}
    before = agent_repo.outside()
    session, model = agent_repo.gemini(gemini_cli, [
        [ToolUse('run_shell_command', call)], Text('done')])
    agent_repo.assert_outside_unchanged(before, session)
    _, text, is_error = model.result_for(0)
    assert is_error, text
    # The reason arrives JSON-quoted inside the function response.
    reason = deny_reason(agent_repo, 'run_shell_command', call)
    assert json.dumps(reason)[1:-1] in text, text


def test_ordinary_work_goes_through(agent_repo: AgentRepo,
                                    gemini_cli: Path) -> None:
    agent_repo.install('gemini')
    notes = agent_repo.wt / 'notes.txt'
    before = agent_repo.outside()
    session, model = agent_repo.gemini(gemini_cli, [
        [ToolUse('write_file', {'file_path': str(notes),
                                'content': 'written by the agent\n'})],
        [ToolUse('run_shell_command', {'command': 'git add . && '
                                                  'git commit -m x',
                                       'description': 'commit'})],
        Text('done')])
    results = [model.result_for(i) for i in range(2)]
    for call, text, is_error in results:
        # A failed command is no error here: its output says "Exit Code".
        assert not is_error and 'Exit Code' not in text, f'{call}: {text}'
    assert notes.read_text() == 'written by the agent\n'
    assert agent_repo.branch_log('issue-1-x')[0] == 'x', results
    assert agent_repo.branch_log('main') == ['initial']
    agent_repo.assert_outside_unchanged(before, session, commits=True)
