"""``worktree-guard agent claude|codex|cursor|gemini|check``: the coding-agent
hook (issues 14 and 22).

The agent runs this before every tool call with a JSON payload on stdin.
This module reads the payload, turns it into an ``AgentCall``, gathers the
checkouts from files (gitctx/checkouts.py, no git process), takes the
policy committed on the protected base (gitctx/trust.py: its cache, no
yaml, no git; never the agent's own working-tree file) and lets
rules/agent_guard.py decide.  Then it prints
the decision in the agent's own format (docs/agents.md cites each
contract):

- Claude Code ``PreToolUse``: ``hookSpecificOutput.permissionDecision:
  deny`` with ``permissionDecisionReason`` (the model reads it); warnings
  go to ``hookSpecificOutput.additionalContext``; exit 0.  A ``Bash`` call
  that Claude Code's own sandbox does not cover is answered ``allow`` with
  ``updatedInput``: the same call, its command run under ``worktree-guard
  sandbox`` when this machine has a sandbox engine (agent_wrap.py).
- Codex ``PreToolUse`` (the same shape as Claude Code's; ``apply_patch``
  names its files in the patch): the same denial; warnings in
  ``systemMessage``.
- Cursor (``beforeShellExecution``, ``beforeReadFile``, ``preToolUse``):
  ``{"permission": "deny"|"allow", "user_message", "agent_message"}``.
- Gemini CLI ``BeforeTool``: ``{"decision": "deny", "reason"}``; warnings
  in ``systemMessage``.
- ``check``: a JSON verdict for any other framework; exit 1 on deny.

Any payload costs bounded time, memory and reply: at most ``MAX_PAYLOAD``
is read, content is scanned up to ``MAX_CONTENT`` (a warning says the rest
was not), a longer shell command than ``MAX_COMMAND`` is refused, and the
reply lists at most ``MAX_ITEMS`` reasons and warnings of at most
``MAX_LINE`` characters each, and its message is cut at ``MAX_TEXT``.

It never crashes.  A payload that is not what the contract documents, a
policy that does not load, or any internal error ends in a deliberate
decision: deny when the call may write (file tools, shell commands, or a
payload too broken to tell), allow with a warning for read-only tools.  A
crash would exit non-zero, and Claude Code runs the tool anyway after a
hook fails.

Hot path: no ``json`` (it imports ``re``), no ``typing``, no ``yaml``: the
payload is parsed with the C scanner behind ``json`` (``_json``).  No
``os`` either (``lightpath``), but where a call fails.
"""
import sys

from worktree_guard import lightpath
from worktree_guard.commands.agent_io import PayloadError
from worktree_guard.commands.agent_io import dumps
from worktree_guard.commands.agent_io import loads
from worktree_guard.commands.agent_io import quote

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.rules.agent_guard import AgentCall
    from worktree_guard.rules.agent_guard import Verdict

AGENTS = ('claude', 'codex', 'cursor', 'gemini')
USAGE = ('usage: worktree-guard agent claude|codex|cursor|gemini   (a hook: '
         'the '
         'payload on stdin)\n'
         '       worktree-guard agent check --path P [--path P...] '
         '[--cwd D] [--write] [--command CMD]')

# Tool names -> kind, per agent.  Anything else is not judged.
# (MultiEdit, Grep and Glob are gone from Claude Code 2.1.3xx; older
# versions still send them.)
CLAUDE_TOOLS = {'Write': 'write', 'Edit': 'write', 'MultiEdit': 'write',
                'NotebookEdit': 'write', 'Bash': 'bash', 'Read': 'read',
                'Grep': 'read', 'Glob': 'read', 'EnterWorktree': 'enter'}
CODEX_TOOLS = {'Bash': 'bash', 'apply_patch': 'write', 'Edit': 'write',
               'Write': 'write'}
CURSOR_TOOLS = {'Write': 'write', 'Edit': 'write', 'MultiEdit': 'write',
                'StrReplace': 'write', 'Delete': 'write',
                'EditNotebook': 'write', 'Shell': 'bash', 'Read': 'read',
                'Grep': 'read', 'Glob': 'read'}
GEMINI_TOOLS = {'write_file': 'write', 'replace': 'write',
                'run_shell_command': 'bash', 'read_file': 'read',
                'read_many_files': 'read', 'glob': 'read',
                'search_file_content': 'read', 'grep_search': 'read',
                'list_directory': 'read'}
# Where a tool names its target, in the order tried.
_PATH_KEYS = ('file_path', 'notebook_path', 'path', 'absolute_path',
              'target_file', 'dir_path')
_CONTENT_KEYS = ('content', 'new_string', 'new_source', 'contents',
                 'code_edit')
# The bounds of one call (characters; the payload in bytes).
MAX_PAYLOAD = 64 << 20
MAX_CONTENT = 1 << 20
MAX_COMMAND = 1 << 20
MAX_ITEMS = 20
MAX_LINE = 1000
MAX_TEXT = 16000


def main(args: list[str]) -> int:
    if not args or args[0] not in (*AGENTS, 'check'):
        print(USAGE, file=sys.stderr)
        return 2
    if args[0] == 'check':
        return check(args[1:])
    agent = args[0]
    text, code = respond(agent, _stdin())
    if text:
        sys.stdout.write(text + '\n')
    return code


def _stdin() -> str:
    try:
        data = sys.stdin.buffer.read(MAX_PAYLOAD + 1)
    except (OSError, AttributeError, ValueError):
        return ''
    return data.decode('utf-8', 'surrogateescape')


def respond(agent: str, raw: str) -> tuple[str, int]:
    """The agent's answer to one payload, and the exit code."""
    event = ''
    kind = ''
    wrapped = None
    try:
        if len(raw) > MAX_PAYLOAD:
            raise PayloadError(f'the payload is more than {MAX_PAYLOAD} '
                               'bytes')
        payload = loads(raw)
        if not isinstance(payload, dict):
            raise PayloadError('the payload is not a JSON object')
        event = _str(payload.get('hook_event_name'))
        kind = kind_of(agent, payload)
        call = to_call(agent, payload)
        if call is None:
            return render(agent, event, None), 0
        notes = bound(call)
        if agent == 'claude' and call.tool == 'Bash':
            from worktree_guard.commands.agent_wrap import sandbox_wrap
            wrapped = sandbox_wrap(call, _tool_input(payload))
        verdict = evaluate(call)
        verdict.warnings[:0] = notes   # first: the reply keeps MAX_ITEMS
        if call.tool == 'EnterWorktree':
            _enter_reasons(verdict, call)
        if verdict.reasons:
            wrapped = None
    except Exception as e:
        if _debug():
            raise
        verdict = failure(kind, e)
    return render(agent, event, verdict, wrapped), 0


def kind_of(agent: str, payload: 'dict[str, Any]') -> str:
    """What the call does, as far as the payload's names tell: ``write``,
    ``read``, ``bash``, or '' when unknown."""
    event = _str(payload.get('hook_event_name'))
    if agent == 'cursor' and event == 'beforeShellExecution':
        return 'bash'
    if agent == 'cursor' and event == 'beforeReadFile':
        return 'read'
    tools = {'claude': CLAUDE_TOOLS, 'codex': CODEX_TOOLS,
             'cursor': CURSOR_TOOLS, 'gemini': GEMINI_TOOLS}[agent]
    return tools.get(_str(payload.get('tool_name')), '')


def failure(kind: str, error: Exception) -> 'Verdict':
    """The deliberate decision when the guard cannot judge a call of
    ``kind``: reads pass with a warning, anything else is denied."""
    from worktree_guard.errors import GuardError
    from worktree_guard.rules.agent_guard import Verdict
    verdict = Verdict()
    what = error.render() if isinstance(error, GuardError) else \
        f'{type(error).__name__}: {error}'
    if kind == 'read':
        verdict.warnings.append(
            f'worktree-guard could not check this read ({what}); allowed')
    else:
        verdict.reasons.append(
            f'worktree-guard could not check this call ({what}), so it '
            'refuses anything that may write; run `worktree-guard doctor` '
            'in this worktree to see why')
    return verdict


def evaluate(call: 'AgentCall') -> 'Verdict':
    """Facts (files, no git), the trusted policy (the one committed on the
    base, cached: gitctx/trust.py; never the worktree's own file), then
    the rule."""
    from worktree_guard.gitctx import trust
    from worktree_guard.gitctx.checkouts import agent_facts
    from worktree_guard.gitctx.checkouts import checkout_map
    from worktree_guard.gitctx.checkouts import resolve_target
    from worktree_guard.rules.agent_guard import Verdict
    from worktree_guard.rules.agent_guard import judge
    cmap = checkout_map(call.cwd)
    if cmap is None or cmap.current is None:
        return Verdict()   # not in a repository: nothing to guard
    config = trust.read_config(cmap.common_dir)
    pol = trust.trusted_policy(cmap.common_dir, config).policy
    return judge(call, cmap, pol, resolve_target,
                 agent_facts(cmap, config, cmap.current.root))


def _debug() -> bool:
    """``WORKTREE_GUARD_DEBUG`` is set: let errors raise."""
    import os   # only when a call fails
    return bool(os.environ.get('WORKTREE_GUARD_DEBUG'))


# -- payloads -------------------------------------------------------------------

def _str(v: object) -> str:
    return v if isinstance(v, str) else ''


def _need(d: 'dict[str, Any]', key: str) -> str:
    v = d.get(key)
    if not isinstance(v, str) or not v:
        raise PayloadError(f'{key!r} is missing or not a string')
    return v


def _cwd(payload: 'dict[str, Any]') -> str:
    cwd = payload.get('cwd')
    if cwd is None:
        roots = payload.get('workspace_roots')
        if isinstance(roots, list) and roots and isinstance(roots[0], str):
            cwd = roots[0]
        else:
            cwd = lightpath.getcwd()
    if not isinstance(cwd, str) or not lightpath.isabs(cwd):
        raise PayloadError(f'cwd {cwd!r} is not an absolute path')
    return cwd


def _tool_input(payload: 'dict[str, Any]') -> 'dict[str, Any]':
    ti = payload.get('tool_input')
    if isinstance(ti, str):   # Cursor passes some tool inputs as JSON text
        ti = loads(ti)
    if not isinstance(ti, dict):
        raise PayloadError('tool_input is missing or not an object')
    return ti


def to_call(agent: str, payload: 'dict[str, Any]') -> 'AgentCall | None':
    """The common ``AgentCall`` of one payload; ``None`` when the event or
    tool is not one the guard judges."""
    cwd = _cwd(payload)
    event = _str(payload.get('hook_event_name'))
    if agent == 'cursor' and event not in ('preToolUse', ''):
        return _cursor_event(event, cwd, payload)
    tool = _need(payload, 'tool_name')
    kind = kind_of(agent, payload)
    if not kind:
        return None
    ti = _tool_input(payload)
    if kind == 'enter':
        return _enter_call(tool, cwd, ti)
    if kind == 'bash':
        return _bash_call(tool, cwd, ti)
    if tool == 'apply_patch':
        return _patch_call(tool, cwd, ti)
    return _file_call(tool, kind, cwd, ti)


def _cursor_event(event: str, cwd: str,
                  payload: 'dict[str, Any]') -> 'AgentCall | None':
    """Cursor's own events: a shell command, a file read; ``None`` for
    the others."""
    from worktree_guard.rules.agent_guard import AgentCall
    if event == 'beforeShellExecution':
        return AgentCall('shell', 'bash', cwd,
                         command=_need(payload, 'command'))
    if event == 'beforeReadFile':
        return AgentCall('read', 'read', cwd,
                         paths=[_need(payload, 'file_path')])
    return None


def _enter_call(tool: str, cwd: str,
                ti: 'dict[str, Any]') -> 'AgentCall | None':
    """EnterWorktree{path} moves the session: judged as a cd, so only a
    place inside this worktree passes.  Without a path Claude Code makes
    a new worktree of its own: nothing to judge."""
    from worktree_guard.rules.agent_guard import AgentCall
    path = ti.get('path')
    if not isinstance(path, str) or not path:
        return None
    return AgentCall(tool, 'bash', cwd, command=f'cd {quote(path)}')


def _bash_call(tool: str, cwd: str, ti: 'dict[str, Any]') -> 'AgentCall':
    """A shell command, run from its folder when the tool names one."""
    from worktree_guard.rules.agent_guard import AgentCall
    command = _need(ti, 'command')
    # Gemini's run_shell_command names its folder dir_path (directory
    # in older releases), Cursor's Shell working_directory.
    directory = ti.get('dir_path') or ti.get('directory') or \
        ti.get('working_directory')
    if isinstance(directory, str) and directory:
        # Judged as a cd from the session's folder, which decides the
        # worktree.
        command = f'cd {quote(directory)}\n{command}'
    return AgentCall(tool, 'bash', cwd, command=command)


def _file_call(tool: str, kind: str, cwd: str,
               ti: 'dict[str, Any]') -> 'AgentCall':
    """A file tool: the file it names, and what a write puts in it."""
    from worktree_guard.rules.agent_guard import AgentCall
    path = next((ti[k] for k in _PATH_KEYS if isinstance(ti.get(k), str)
                 and ti[k]), None)
    if path is None:
        if kind == 'write':
            raise PayloadError(f'{tool} names no file (file_path)')
        return AgentCall(tool, 'read', cwd)   # Grep/Glob in the cwd
    call = AgentCall(tool, kind, cwd, paths=[path])
    if kind == 'write':
        call.contents += [(path, ti[key]) for key in _CONTENT_KEYS
                          if isinstance(ti.get(key), str)]
        edits = ti.get('edits')
        if isinstance(edits, list):
            call.contents += [(path, e['new_string']) for e in edits
                              if isinstance(e, dict)
                              and isinstance(e.get('new_string'), str)]
    return call


_PATCH_HEADS = ('*** Add File: ', '*** Update File: ', '*** Delete File: ',
                '*** Move to: ')


def _patch_call(tool: str, cwd: str, ti: 'dict[str, Any]') -> 'AgentCall':
    """Codex's ``apply_patch``: the files its patch names (``*** Add
    File: <path>``...) and the lines it adds (``+...``)."""
    from worktree_guard.rules.agent_guard import AgentCall
    patch = next((ti[k] for k in ('command', 'patch', 'input')
                  if isinstance(ti.get(k), str) and ti[k]), None)
    if patch is None:
        raise PayloadError(f'{tool} holds no patch (command)')
    call = AgentCall(tool, 'write', cwd)
    added: list[str] = []
    for line in patch.splitlines():
        head = next((h for h in _PATCH_HEADS if line.startswith(h)), None)
        if head is not None:
            _flush(call, added)
            call.paths.append(line[len(head):].strip())
        elif line.startswith('+') and call.paths:
            added.append(line[1:])
    _flush(call, added)
    if not call.paths:
        raise PayloadError(f'{tool} names no file (*** Update File: ...)')
    return call


def _flush(call: 'AgentCall', added: list[str]) -> None:
    if added:
        call.contents.append((call.paths[-1], '\n'.join(added) + '\n'))
        added.clear()


def bound(call: 'AgentCall') -> list[str]:
    """Keep one call's cost bounded: content past ``MAX_CONTENT`` (over
    all of the call's contents) is not scanned; a shell command longer
    than ``MAX_COMMAND`` is refused.  The notes to pass on."""
    if call.command is not None and len(call.command) > MAX_COMMAND:
        raise PayloadError(f'the command is {len(call.command)} characters, '
                           f'more than the {MAX_COMMAND} worktree-guard '
                           'reads; write long content with a file tool')
    notes = []
    left = MAX_CONTENT
    kept = []
    for target, text in call.contents:
        if len(text) > left:
            notes.append(f'only the first {left} of the {len(text)} '
                         f'characters written to {target} were scanned for '
                         'worktree paths; the rest was not checked')
        kept.append((target, text[:left]))
        left -= len(kept[-1][1])
    call.contents = kept
    return notes


def _enter_reasons(verdict: 'Verdict', call: 'AgentCall') -> None:
    """The reasons of an EnterWorktree call, in its own words (it was
    judged as a cd)."""
    assert call.command is not None
    path = call.command[3:]
    plain = path[1:-1].replace("'\\''", "'")
    verdict.reasons = [
        r.replace(f'cd {plain} leaves this worktree for',
                  f'EnterWorktree {plain} would move this session out of '
                  'its worktree, to', 1) for r in verdict.reasons]


# -- answers ----------------------------------------------------------------------

def _lines(title: str, items: list[str]) -> str:
    """A list for the agent: at most ``MAX_ITEMS`` items, each cut at
    ``MAX_LINE`` characters, so no payload makes a reply of megabytes."""
    shown = [i if len(i) <= MAX_LINE else
             i[:MAX_LINE] + f'... ({len(i) - MAX_LINE} more characters)'
             for i in items[:MAX_ITEMS]]
    if len(items) > MAX_ITEMS:
        shown.append(f'+{len(items) - MAX_ITEMS} more')
    return title + ''.join(f'\n- {i}' for i in shown)


def _cut(text: str) -> str:
    """The whole message, cut at ``MAX_TEXT`` characters."""
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + f'... ({len(text) - MAX_TEXT} more characters)'


SANDBOXED = ('worktree-guard runs this command in the OS sandbox '
             '(worktree-guard sandbox): it may write only in this worktree')


def render(agent: str, event: str, verdict: 'Verdict | None',
           wrapped: 'dict[str, Any] | None' = None) -> str:
    """What the agent reads on stdout ('' for nothing); ``wrapped``: the
    tool input that runs a Claude Code Bash call in the OS sandbox."""
    deny = verdict is not None and bool(verdict.reasons)
    warnings = verdict.warnings if verdict is not None else []
    reason = _reason(verdict.reasons, warnings) \
        if verdict is not None and deny else ''
    note = _cut(_lines('worktree-guard:', warnings)) if warnings else ''
    if agent in ('claude', 'codex') and deny:
        return dumps({'hookSpecificOutput': {
            'hookEventName': 'PreToolUse', 'permissionDecision': 'deny',
            'permissionDecisionReason': reason}})
    if agent == 'claude':
        return _claude_allow(note, wrapped)
    if agent == 'codex':
        return dumps({'systemMessage': note}) if note else ''
    if agent == 'cursor':
        return _cursor_answer(event, verdict, deny, reason or note)
    # gemini
    if deny:
        return dumps({'decision': 'deny', 'reason': reason})
    if note:
        return dumps({'systemMessage': note})
    return '{}'


def _reason(reasons: list[str], warnings: list[str]) -> str:
    """A denial's message: the reasons, then the warnings, cut."""
    reason = _lines('worktree-guard refused this tool call:', reasons)
    if warnings:
        reason += '\n' + _lines('also:', warnings)
    return _cut(reason) + '\n(details: worktree-guard explain agent-guard)'


def _claude_allow(note: str, wrapped: 'dict[str, Any] | None') -> str:
    """Claude Code's answer to a call it may run: the warnings, and the
    sandboxed command for a Bash call."""
    out: dict[str, object] = {'hookEventName': 'PreToolUse'}
    if wrapped is not None:
        # updatedInput takes effect with a decision: allow (the user's
        # deny and ask rules still apply).
        out['permissionDecision'] = 'allow'
        out['permissionDecisionReason'] = SANDBOXED
        out['updatedInput'] = wrapped
    if note:
        out['additionalContext'] = note
    return dumps({'hookSpecificOutput': out}) if len(out) > 1 else ''


def _cursor_answer(event: str, verdict: 'Verdict | None', deny: bool,
                   message: str) -> str:
    """Cursor's ``{"permission", "user_message", "agent_message"}``."""
    if verdict is None:
        return '{}'
    answer: dict[str, object] = {'permission': 'deny' if deny else 'allow'}
    if event != 'beforeReadFile' and message:
        answer['user_message'] = message
        answer['agent_message'] = message
    return dumps(answer)


def check(args: list[str]) -> int:
    """``agent check``: one verdict as JSON, for any other framework."""
    from worktree_guard.rules.agent_guard import AgentCall
    paths: list[str] = []
    cwd = lightpath.getcwd()
    write = False
    command = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == '--write':
            write = True
        elif a in ('--path', '--cwd', '--command') and i + 1 < len(args):
            i += 1
            if a == '--path':
                paths.append(args[i])
            elif a == '--cwd':
                cwd = lightpath.abspath(args[i])
            else:
                command = args[i]
        else:
            print(f'worktree-guard agent check: unexpected {a!r}\n{USAGE}',
                  file=sys.stderr)
            return 2
        i += 1
    if not paths and command is None:
        print(f'worktree-guard agent check: give --path or --command\n'
              f'{USAGE}', file=sys.stderr)
        return 2
    calls = [AgentCall('check', 'write' if write else 'read', cwd,
                       paths=paths)] if paths else []
    if command is not None:
        calls.append(AgentCall('check', 'bash', cwd, command=command))
    reasons: list[str] = []
    warnings: list[str] = []
    for call in calls:
        try:
            verdict = evaluate(call)
        except Exception as e:
            if _debug():
                raise
            verdict = failure(call.kind, e)
        reasons += verdict.reasons
        warnings += verdict.warnings
    sys.stdout.write(dumps({'decision': 'deny' if reasons else 'allow',
                            'reasons': reasons, 'warnings': warnings})
                     + '\n')
    return 1 if reasons else 0
