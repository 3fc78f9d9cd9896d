"""Hook payloads as the coding agents document them (issue 14).

Each builder returns the JSON object the agent writes to the hook's stdin.
The field names and shapes come from the agents' own documentation:

- Claude Code, PreToolUse: https://code.claude.com/docs/en/hooks
  (common input: session_id, transcript_path, cwd, permission_mode,
  hook_event_name; PreToolUse adds tool_name, tool_input, tool_use_id;
  tool inputs: Write {file_path, content}, Edit {file_path, old_string,
  new_string, replace_all}, MultiEdit {file_path, edits[]}, NotebookEdit
  {notebook_path, new_source}, Bash {command, description, timeout},
  Read {file_path, offset, limit}, Grep {pattern, path, ...}, Glob
  {pattern, path}.  File paths are absolute.)
- Cursor, hooks.json: https://cursor.com/docs/agent/hooks
  (common input: hook_event_name, conversation_id, generation_id,
  workspace_roots; beforeShellExecution adds command and cwd;
  beforeReadFile adds file_path and content; preToolUse adds tool_name
  and tool_input.  Output: permission allow|deny|ask, user_message,
  agent_message.)
- Gemini CLI, BeforeTool: https://geminicli.com/docs/hooks/reference
  (base input: session_id, transcript_path, cwd, hook_event_name,
  timestamp; BeforeTool adds tool_name and tool_input; tools per
  https://geminicli.com/docs/tools/file-system and
  https://geminicli.com/docs/tools/shell: write_file {file_path,
  content}, replace {file_path, old_string, new_string}, read_file
  {path}, run_shell_command {command, description, directory}.  Output:
  decision deny + reason.)
"""
from __future__ import annotations

import json
from typing import Any


def claude(cwd: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {
        'session_id': 'abc123',
        'transcript_path': '/home/user/.claude/projects/x/abc123.jsonl',
        'cwd': cwd,
        'permission_mode': 'default',
        'hook_event_name': 'PreToolUse',
        'tool_name': tool,
        'tool_input': tool_input,
        'tool_use_id': 'toolu_01ABC123',
    }


def claude_write(cwd: str, path: str, content: str = 'x = 1\n') -> dict[str, Any]:
    return claude(cwd, 'Write', {'file_path': path, 'content': content})


def claude_edit(cwd: str, path: str, new: str = 'b') -> dict[str, Any]:
    return claude(cwd, 'Edit', {'file_path': path, 'old_string': 'a',
                                'new_string': new, 'replace_all': False})


def claude_multi_edit(cwd: str, path: str, news: list[str]) -> dict[str, Any]:
    return claude(cwd, 'MultiEdit', {'file_path': path, 'edits': [
        {'old_string': 'a', 'new_string': n} for n in news]})


def claude_notebook(cwd: str, path: str, source: str) -> dict[str, Any]:
    return claude(cwd, 'NotebookEdit', {'notebook_path': path,
                                        'new_source': source,
                                        'cell_id': 'c1'})


def claude_bash(cwd: str, command: str) -> dict[str, Any]:
    return claude(cwd, 'Bash', {'command': command,
                                'description': 'run a command',
                                'timeout': 120000})


def claude_read(cwd: str, path: str) -> dict[str, Any]:
    return claude(cwd, 'Read', {'file_path': path})


def claude_grep(cwd: str, path: str | None) -> dict[str, Any]:
    ti: dict[str, Any] = {'pattern': 'TODO', 'output_mode': 'content'}
    if path is not None:
        ti['path'] = path
    return claude(cwd, 'Grep', ti)


def cursor(event: str, root: str, **fields: Any) -> dict[str, Any]:
    return {'hook_event_name': event, 'conversation_id': 'conv-123',
            'generation_id': 'gen-456', 'workspace_roots': [root],
            'cursor_version': '2.0.77', **fields}


def gemini(cwd: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {'session_id': 's-1', 'transcript_path': '/tmp/t.json',
            'cwd': cwd, 'hook_event_name': 'BeforeTool',
            'timestamp': '2026-11-28T13:00:00Z', 'tool_name': tool,
            'tool_input': tool_input}


def text(payload: dict[str, Any]) -> str:
    return json.dumps(payload)


# Issue 22.  Claude Code 2.1.3xx: EnterWorktree {path} moves the session;
# Bash adds run_in_background and dangerouslyDisableSandbox.  Codex
# (https://developers.openai.com/codex/hooks): the same common input as
# Claude Code's; Bash {command}, apply_patch {command: the patch envelope,
# "*** Update File: <path>" ...}.

def claude_enter(cwd: str, path: str) -> dict[str, Any]:
    return claude(cwd, 'EnterWorktree', {'path': path})


def claude_bash_full(cwd: str, command: str,
                     disable_sandbox: bool = False) -> dict[str, Any]:
    return claude(cwd, 'Bash', {'command': command, 'timeout': 120000,
                                'description': 'run a command',
                                'run_in_background': False,
                                'dangerouslyDisableSandbox': disable_sandbox})


def codex(cwd: str, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {'session_id': 'thread-1', 'transcript_path': None, 'cwd': cwd,
            'hook_event_name': 'PreToolUse', 'model': 'gpt-5.6',
            'tool_name': tool, 'tool_input': tool_input,
            'tool_use_id': 'call_1'}


def codex_patch(cwd: str, patch: str) -> dict[str, Any]:
    return codex(cwd, 'apply_patch', {'command': patch})
