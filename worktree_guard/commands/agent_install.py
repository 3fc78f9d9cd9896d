"""``install --agent``, ``uninstall --agent`` and doctor's agent lines
(issue 14).

``install --agent claude|cursor|gemini`` merges the agent hook into the
checkout's settings file (``.claude/settings.json``, ``.cursor/hooks.json``,
``.gemini/settings.json``): every other key and hook stays, the file is
written atomically (a temporary file, then a rename), and a second run
changes nothing.  What the file held before is kept in the worktree's git
dir (``worktree-guard/agents/<agent>/``), so ``uninstall --agent`` puts it
back byte for byte (or removes it, if install created it); if the file
changed since install, uninstall removes only our entries, so those
changes stay.

The command the agent runs starts Python the way the native hooks do
(install.py ``hook_script``): the interpreter that has worktree-guard, with
``-I -S`` and its ``sys.path`` baked in, falling back to ``-I -m
worktree_guard`` and then to ``worktree-guard`` on PATH.
"""
from __future__ import annotations

import os
import sys

from worktree_guard.errors import GuardError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence
    from typing import Any

    from worktree_guard.gitctx import Repo

AGENT_MARKER = '#worktree-guard-agent-hook'
STATE_DIR = os.path.join('worktree-guard', 'agents')

# agent -> (settings file, {event: matcher or None})
SETTINGS: dict[str, tuple[str, dict[str, str | None]]] = {
    'claude': (os.path.join('.claude', 'settings.json'),
               {'PreToolUse': 'Write|Edit|MultiEdit|NotebookEdit|Bash|Read|'
                              'Grep|Glob'}),
    'cursor': (os.path.join('.cursor', 'hooks.json'),
               {'preToolUse': None, 'beforeShellExecution': None,
                'beforeReadFile': None}),
    'gemini': (os.path.join('.gemini', 'settings.json'),
               {'BeforeTool': 'write_file|replace|run_shell_command|'
                              'read_file|read_many_files|glob|'
                              'search_file_content|list_directory'}),
}


def agent_command(agent: str, python: str | None,
                  paths: Sequence[str] | None) -> str:
    """The shell command the agent runs: fast start when it can."""
    import shlex
    args = f'agent {agent}'
    out = []
    if python and paths is not None:
        boot = fast_boot(paths)
        py = shlex.quote(python)
        out.append(
            'if [ -z "$WORKTREE_GUARD_PYTHON$COVERAGE_PROCESS_START'
            f'$COVERAGE_PROCESS_CONFIG" ] && [ -x {py} ]; then exec {py} '
            f'-I -S -c {shlex.quote(boot)} {args}; fi;')
    default = shlex.quote(python) if python else "''"
    out.append(f'py=${{WORKTREE_GUARD_PYTHON:-{default}}}; '
               f'if [ -x "$py" ]; then exec "$py" -I -m worktree_guard '
               f'{args}; fi; exec worktree-guard {args} {AGENT_MARKER}')
    return ' '.join(out)


def fast_boot(paths: Sequence[str]) -> str:
    """The ``-c`` program of the fast start: the baked ``sys.path``, then
    the agent command itself (not cli.py: one module less to import)."""
    import json
    listed = ', '.join(json.dumps(p, ensure_ascii=False) for p in paths)
    return ('import sys; '
            f'sys.path += [{listed}]\n'
            'try:\n'
            '    from worktree_guard.commands.agent import main\n'
            'except ImportError:\n'
            '    import os; e = sys.executable; '
            'os.execv(e, [e, "-I", "-m", "worktree_guard", *sys.argv[1:]])\n'
            'sys.exit(main(sys.argv[2:]))')


def is_ours(entry: object) -> bool:
    return isinstance(entry, dict) and AGENT_MARKER in str(
        entry.get('command', ''))


def _entries(agent: str, command: str) -> dict[str, dict[str, Any]]:
    """event -> the entry we add under it."""
    _, events = SETTINGS[agent]
    out: dict[str, dict[str, Any]] = {}
    for event, matcher in events.items():
        if agent == 'cursor':
            out[event] = {'command': command}
        else:
            group: dict[str, Any] = {'matcher': matcher}
            hook: dict[str, Any] = {'type': 'command', 'command': command}
            if agent == 'gemini':
                hook['name'] = 'worktree-guard'
            group['hooks'] = [hook]
            out[event] = group
    return out


def _ours_in(agent: str, item: object) -> bool:
    if agent == 'cursor':
        return is_ours(item)
    return isinstance(item, dict) and isinstance(item.get('hooks'), list) \
        and any(is_ours(h) for h in item['hooks'])


def strip(agent: str, data: dict[str, Any]) -> bool:
    """Remove our entries from a parsed settings file (and the containers
    left empty); True if anything was removed."""
    hooks = data.get('hooks')
    if not isinstance(hooks, dict):
        return False
    removed = False
    for event in list(hooks):
        items = hooks[event]
        if not isinstance(items, list):
            continue
        kept = []
        for item in items:
            if agent != 'cursor' and isinstance(item, dict) and \
                    isinstance(item.get('hooks'), list) and \
                    any(is_ours(h) for h in item['hooks']):
                rest = [h for h in item['hooks'] if not is_ours(h)]
                removed = True
                if rest:
                    kept.append({**item, 'hooks': rest})
            elif agent == 'cursor' and is_ours(item):
                removed = True
            else:
                kept.append(item)
        if kept:
            hooks[event] = kept
        elif removed:
            del hooks[event]
    if removed and not hooks:
        del data['hooks']
    return removed


def merge(agent: str, data: dict[str, Any], command: str) -> None:
    """Put our entries into a parsed settings file (ours replaced)."""
    strip(agent, data)
    if agent == 'cursor':
        data.setdefault('version', 1)
    hooks = data.setdefault('hooks', {})
    if not isinstance(hooks, dict):
        raise GuardError("the settings file's 'hooks' is not an object",
                         'fix it by hand, then rerun install --agent')
    for event, entry in _entries(agent, command).items():
        items = hooks.setdefault(event, [])
        if not isinstance(items, list):
            raise GuardError(f"the settings file's hooks.{event} is not a "
                             'list', 'fix it by hand, then rerun install '
                                     '--agent')
        items.append(entry)


def _load(path: str, raw: bytes | None) -> dict[str, Any]:
    import json
    if raw is None or not raw.strip():
        return {}
    rel = os.path.relpath(path)
    try:
        data = json.loads(raw.decode('utf-8'))
    except UnicodeDecodeError:
        raise GuardError(f'{rel}:1:1: not UTF-8 text',
                         'save it as UTF-8, then rerun') from None
    except json.JSONDecodeError as e:
        raise GuardError(f'{rel}:{e.lineno}:{e.colno}: invalid JSON: '
                         f'{e.msg}', 'fix the JSON, then rerun install '
                                     '--agent') from None
    if not isinstance(data, dict):
        raise GuardError(f'{rel}:1:1: the settings file is not a JSON '
                         'object', 'fix it by hand, then rerun')
    return data


def _dump(data: dict[str, Any]) -> bytes:
    import json
    return (json.dumps(data, indent=2, ensure_ascii=False) + '\n').encode()


def _read(path: str) -> bytes | None:
    try:
        with open(path, 'rb') as f:
            return f.read()
    except FileNotFoundError:
        return None


def _write_atomic(path: str, data: bytes) -> None:
    tmp = f'{path}.wg-tmp-{os.getpid()}'
    mode = None
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        pass
    with open(tmp, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def _checkout(repo: Repo) -> str:
    if repo.root is None:
        raise GuardError('install --agent needs a checkout, not a bare '
                         'repository', 'run it inside the worktree the '
                                       'agent works in')
    return repo.root


def install_agent(agent: str, repo: Repo | None = None) -> int:
    from worktree_guard.gitctx import Repo
    from worktree_guard.commands.install import fast_start_paths
    repo = repo or Repo.discover()
    root = _checkout(repo)
    rel, _ = SETTINGS[agent]
    path = os.path.join(root, rel)
    state = os.path.join(repo.git_dir, STATE_DIR, agent)
    before = _read(path)
    data = _load(path, before)
    command = agent_command(agent, sys.executable,
                            fast_start_paths(sys.executable))
    merge(agent, data, command)
    after = _dump(data)
    if before is not None and _load(path, before) == data:
        print(f'{path}: the {agent} hook is already installed; nothing '
              'changed')
        return 0
    folder = os.path.dirname(path)
    created = not os.path.isdir(folder)
    os.makedirs(state, exist_ok=True)
    written = _read(os.path.join(state, 'written'))
    if written is None:
        # The first install keeps what was there before.
        if before is not None:
            _write_atomic(os.path.join(state, 'original'), before)
        else:
            _write_atomic(os.path.join(state, 'absent'), b'')
        if created:
            _write_atomic(os.path.join(state, 'created-dir'), b'')
    elif written != before:
        # Edited since the last install: the old bytes would lose those
        # edits, so uninstall will remove only our entries.
        for name in ('original', 'absent'):
            try:
                os.remove(os.path.join(state, name))
            except FileNotFoundError:
                pass
    os.makedirs(folder, exist_ok=True)
    _write_atomic(path, after)
    _write_atomic(os.path.join(state, 'written'), after)
    print(f'installed the {agent} hook in {path}')
    print("run 'worktree-guard doctor' to see the worktrees where it fires")
    return 0


def uninstall_agent(agent: str, repo: Repo | None = None) -> int:
    from worktree_guard.gitctx import Repo
    repo = repo or Repo.discover()
    root = _checkout(repo)
    rel, _ = SETTINGS[agent]
    path = os.path.join(root, rel)
    state = os.path.join(repo.git_dir, STATE_DIR, agent)
    current = _read(path)
    written = _read(os.path.join(state, 'written'))
    original = _read(os.path.join(state, 'original'))
    absent = os.path.exists(os.path.join(state, 'absent'))
    unchanged = current is not None and current == written
    if unchanged and original is not None:
        _write_atomic(path, original)
        print(f'restored {path} as it was before install')
    elif unchanged and absent:
        os.remove(path)
        print(f'removed {path} (install created it)')
        folder = os.path.dirname(path)
        if os.path.exists(os.path.join(state, 'created-dir')) and \
                not os.listdir(folder):
            os.rmdir(folder)
    elif current is not None:
        data = _load(path, current)
        if strip(agent, data):
            _write_atomic(path, _dump(data))
            print(f'removed the {agent} hook from {path} (the file changed '
                  'since install, so only our entries went)')
        else:
            print(f'nothing to remove: no worktree-guard hook in {path}')
    else:
        print(f'nothing to remove: no {path}')
    import shutil
    shutil.rmtree(state, ignore_errors=True)
    return 0


# -- doctor -------------------------------------------------------------------------

def hook_status(agent: str, root: str) -> tuple[str, str] | None:
    """(status, detail) of ``agent``'s hook in the checkout at ``root``;
    ``None`` when its settings file does not mention worktree-guard.
    Status: ``ok`` (installed and will fire), ``OFF`` (installed but it
    will not fire), ``BROKEN`` (the file does not parse)."""
    import shutil
    rel, events = SETTINGS[agent]
    files = [rel]
    if agent == 'claude':
        files.append(os.path.join('.claude', 'settings.local.json'))
    found = None
    disabled = None
    for name in files:
        path = os.path.join(root, name)
        raw = _read(path)
        if raw is None:
            continue
        try:
            data = _load(path, raw)
        except GuardError as e:
            return 'BROKEN', e.message
        if data.get('disableAllHooks') is True:
            disabled = name
        hooks = data.get('hooks')
        if isinstance(hooks, dict):
            for event in events:
                items = hooks.get(event)
                if isinstance(items, list):
                    for item in items:
                        if _ours_in(agent, item) and found is None:
                            found = (name, _command_of(agent, item))
    if found is None:
        return None
    name, command = found
    if disabled is not None:
        return 'OFF', f'{disabled}: disableAllHooks is true'
    python = _python_of(command)
    if not (python and os.access(python, os.X_OK)) and \
            shutil.which('worktree-guard') is None:
        return 'OFF', (f'{name}: neither {python or "its interpreter"} nor '
                       'worktree-guard on PATH can run it: worktree-guard '
                       f'install --agent {agent}')
    return 'ok', name


def _command_of(agent: str, item: dict[str, Any]) -> str:
    if agent == 'cursor':
        return str(item.get('command', ''))
    return next(str(h.get('command', '')) for h in item['hooks']
                if is_ours(h))


def _python_of(command: str) -> str | None:
    marker = 'py=${WORKTREE_GUARD_PYTHON:-'
    at = command.find(marker)
    if at < 0:
        return None
    import shlex
    rest = command[at + len(marker):]
    try:
        word = shlex.split(rest.split('}', 1)[0])
    except ValueError:
        return None
    return word[0] if word else None


def doctor_lines(paths: Sequence[str]) -> tuple[list[str], int]:
    """doctor's agent section: per worktree, each agent hook found there;
    and the number of problems."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    problems = 0
    for root in paths:
        for agent in SETTINGS:
            st = hook_status(agent, root)
            if st is not None:
                found.setdefault(root, []).append((agent, *st))
                problems += st[0] != 'ok'
    if not found:
        return (['agent hooks: none installed (worktree-guard install '
                 '--agent claude|cursor|gemini, in the worktree the agent '
                 'works in)'], 0)
    lines = ['agent hooks (each worktree reads its own settings file):']
    agents = sorted({a for hits in found.values() for a, _, _ in hits})
    for root in paths:
        hits = {a: (s, d) for a, s, d in found.get(root, [])}
        parts = []
        for agent in agents:
            if agent in hits:
                s, d = hits[agent]
                parts.append(f'{agent}={"fires" if s == "ok" else s} ({d})')
            else:
                parts.append(f'{agent}=not installed')
        lines.append(f'  {root}: {", ".join(parts)}')
    return lines, problems


def freeze_note(enabled: bool, version: tuple[int, ...] | None) -> str | None:
    """What doctor says about ``worktrees.freeze-main-checkout``."""
    if not enabled:
        return None
    shown = '.'.join(map(str, version)) if version else 'unknown'
    if version is None or version < (2, 46):
        return ('worktrees.freeze-main-checkout: not available with git '
                f'{shown}: git reports HEAD (symbolic-ref) updates to the '
                'reference-transaction hook only from 2.46 on; the agent '
                'hook (worktree-guard install --agent ...) refuses branch '
                'switches in the main checkout for agents')
    return ('worktrees.freeze-main-checkout: git '
            f'{shown} can report HEAD updates, but this worktree-guard does '
            'not install a reference-transaction hook yet; the agent hook '
            'covers agents')
