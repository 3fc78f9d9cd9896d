"""The coding-agent hook (issue 14): its cost per tool call against the
interpreter's own start-up, ``python -I -S -c pass``, in the same run.
Targets (issue 22): <= 1.5x for the file tools, <= 3x for a shell
command (it may read the command with the grammar and wrap it in the OS
sandbox).

The repo has ``trees/issue-1-a`` and ``trees/issue-2-b``; the hook is put
in place by ``worktree-guard install --agent claude`` in issue-1-a, and fed
documented Claude Code ``PreToolUse`` payloads: an allowed ``Edit`` inside
the worktree (the common case), a denied ``Write`` into the main checkout,
and a ``Bash`` command.  Measured two ways: the fast-start interpreter
command directly, and the whole settings command through ``sh -c`` (as the
agent runs it; the shell's start-up is in that number).
"""
from __future__ import annotations

import json

from common import PYTHON
from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import git
from common import make_repo
from common import measure
from common import run as sh

TARGET = 1.5
TARGET_BASH = 3.0


def run(opts: Options) -> list[Row]:
    try:
        from worktree_guard.commands import agent_install
        from worktree_guard.commands.faststart import fast_start_paths
    except ImportError as e:  # pragma: no cover (older checkout)
        raise Unavailable(str(e)) from None
    base = opts.workdir / 'agent'
    base.mkdir()
    repo = make_repo(base / 'repo', files={
        '.gitignore': b'trees/\n', 'src/app.py': b'x = 1\n'})
    for name in ('issue-1-a', 'issue-2-b'):
        git('worktree', 'add', '-q', '-b', name, str(repo / 'trees' / name),
            'main', cwd=repo)
    wt = repo / 'trees' / 'issue-1-a'
    sh([PYTHON, '-m', 'worktree_guard', 'install', '--agent', 'claude'], wt)
    settings = json.loads(
        (wt / '.claude' / 'settings.local.json').read_text())
    command = settings['hooks']['PreToolUse'][-1]['hooks'][0]['command']
    paths = fast_start_paths(PYTHON)
    if paths is None:
        raise Unavailable('this interpreter cannot start with -I -S')
    boot = agent_install.fast_boot(paths)
    fast = [PYTHON, '-I', '-S', '-c', boot, 'agent', 'claude']

    def payload(tool: str, tool_input: dict[str, str]) -> bytes:
        return json.dumps({
            'session_id': 'bench', 'transcript_path': '/dev/null',
            'cwd': str(wt), 'permission_mode': 'default',
            'hook_event_name': 'PreToolUse', 'tool_name': tool,
            'tool_input': tool_input, 'tool_use_id': 'toolu_bench'}).encode()

    edit = payload('Edit', {'file_path': str(wt / 'src' / 'app.py'),
                            'old_string': 'x = 1', 'new_string': 'x = 2'})
    write = payload('Write', {'file_path': str(repo / 'src' / 'app.py'),
                              'content': 'x = 3\n'})
    bash = payload('Bash', {'command': 'cd src && ls -la | grep app > '
                                       'out.txt && git status'})
    cmds = [
        Cmd('edit', fast, wt, stdin=edit),
        Cmd('write', fast, wt, stdin=write),
        Cmd('bash', fast, wt, stdin=bash),
        Cmd('edit-sh', ['sh', '-c', command], wt, stdin=edit),
        Cmd('pyIS', [PYTHON, '-I', '-S', '-c', 'pass'], wt),
        Cmd('sh', ['sh', '-c', 'exec ' + PYTHON + ' -I -S -c pass'], wt),
    ]
    m = measure(cmds, opts.runs)
    base_label = 'python -I -S -c pass'
    return [
        Row('agent', 'agent hook, Edit inside the worktree (allowed)',
            m['edit'], base_label, m['pyIS'], TARGET),
        Row('agent', 'agent hook, Write into the main checkout (denied)',
            m['write'], base_label, m['pyIS'], TARGET),
        Row('agent', 'agent hook, Bash cd && ls | grep > f && git status',
            m['bash'], base_label, m['pyIS'], TARGET_BASH),
        Row('agent', 'agent hook, Edit, the settings command via sh -c',
            m['edit-sh'], 'sh -c "exec python -I -S -c pass"', m['sh'],
            TARGET),
    ]


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit('run it through bench/run.py --only agent')
