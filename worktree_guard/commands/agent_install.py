"""``install --agent``, ``uninstall --agent`` and doctor's agent lines
(issues 14 and 22).

``install --agent claude|codex|cursor|gemini`` merges the agent hook (and,
where the agent has one, the settings of its own OS sandbox) into the
checkout's settings files:

- claude: ``.claude/settings.local.json``, Claude Code's own local,
  untracked file (never the tracked ``.claude/settings.json``: the command
  holds absolute paths, and a ``git add -A`` that staged it made our own
  commit hook refuse the agent's commit): the ``PreToolUse`` hook with
  ``onFailure: block``, and ``sandbox`` (enabled, fail if unavailable,
  ``allowWrite`` for the git-dir paths a linked worktree's commits need,
  ``denyWrite`` for the other checkouts and the shared hooks and config).
  An older install's entry in ``.claude/settings.json`` is taken out;
- codex: ``.codex/hooks.json`` (``PreToolUse``) and a marked block in
  ``.codex/config.toml`` (``sandbox_mode = "workspace-write"`` with the
  same git-dir paths as ``writable_roots``);
- cursor: ``.cursor/hooks.json``, each entry ``failClosed: true``;
- gemini: ``.gemini/settings.json`` (``BeforeTool``).

Every other key and hook stays, each file is written atomically (a
temporary file, then a rename), and a second run changes nothing.  What a
file held before is kept in the worktree's git dir
(``worktree-guard/agents/<agent>/<file>/``), so ``uninstall --agent`` puts
it back byte for byte (or removes it, if install created it); if the file
changed since install, uninstall removes only our entries, so those
changes stay.  Claude Code's local file, and any file install creates, is
listed in ``<common-dir>/info/exclude`` (shared by every worktree) unless
a line there already names it; uninstall takes out only the lines install
added, once no checkout has the file any more.  (The files' state and the
exclude lines: agent_files.py; the sandbox settings: agent_settings.py.)

The command the agent runs starts Python the way the native hooks do
(install.py ``hook_script``): the interpreter that has worktree-guard, with
``-I -S`` and its ``sys.path`` baked in, falling back to ``-I -m
worktree_guard`` and then to ``worktree-guard`` on PATH.
"""
from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from typing import TYPE_CHECKING

from worktree_guard.commands.agent_files import STATE_DIR
from worktree_guard.commands.agent_files import exclude_add
from worktree_guard.commands.agent_files import exclude_path
from worktree_guard.commands.agent_files import exclude_remove
from worktree_guard.commands.agent_files import put_file
from worktree_guard.commands.agent_files import read
from worktree_guard.commands.agent_files import state_of
from worktree_guard.commands.agent_files import still_used
from worktree_guard.commands.agent_files import take_back
from worktree_guard.commands.agent_files import write_atomic
from worktree_guard.commands.agent_settings import Places
from worktree_guard.commands.agent_settings import merge_sandbox
from worktree_guard.commands.agent_settings import merge_toml
from worktree_guard.commands.agent_settings import places
from worktree_guard.commands.agent_settings import strip_sandbox
from worktree_guard.commands.agent_settings import strip_toml
from worktree_guard.commands.faststart import fast_start_paths
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence
    from typing import Any

AGENT_MARKER = '#worktree-guard-agent-hook'
CLAUDE_MATCHER = 'Write|Edit|NotebookEdit|Bash|EnterWorktree|Read'
CLAUDE_LEGACY = os.path.join('.claude', 'settings.json')
CODEX_CONFIG = os.path.join('.codex', 'config.toml')

# agent -> (settings file, {event: matcher or None})
SETTINGS: dict[str, tuple[str, dict[str, str | None]]] = {
    'claude': (os.path.join('.claude', 'settings.local.json'),
               {'PreToolUse': CLAUDE_MATCHER}),
    'codex': (os.path.join('.codex', 'hooks.json'),
              {'PreToolUse': 'Bash|apply_patch'}),
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
            # Without failClosed a hook that crashes or times out lets the
            # call through.
            out[event] = {'command': command, 'failClosed': True}
        else:
            group: dict[str, Any] = {'matcher': matcher}
            hook: dict[str, Any] = {'type': 'command', 'command': command}
            if agent == 'gemini':
                hook['name'] = 'worktree-guard'
            if agent == 'claude':
                # Claude Code 2.1.295+: a hook that cannot start, times out
                # or exits oddly blocks the call instead of letting it run.
                hook['onFailure'] = 'block'
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
    return (json.dumps(data, indent=2, ensure_ascii=False) + '\n').encode()


def _checkout(repo: Repo) -> str:
    if repo.root is None:
        raise GuardError('install --agent needs a checkout, not a bare '
                         'repository', 'run it inside the worktree the '
                                       'agent works in')
    return repo.root


# -- install and uninstall -----------------------------------------------------------

def install_agent(agent: str, repo: Repo | None = None) -> int:
    repo = repo or Repo.discover()
    root = _checkout(repo)
    where = places(root, repo.git_dir)
    common = os.path.realpath(repo.common_dir)
    rel, _ = SETTINGS[agent]
    path = os.path.join(root, rel)
    before = read(path)
    data = _load(path, before)
    command = agent_command(agent, sys.executable,
                            fast_start_paths(sys.executable))
    merge(agent, data, command)
    if agent == 'claude':
        merge_sandbox(data, where)
    same = before is not None and _load(path, before) == data
    changed = False
    if agent == 'claude':
        said = _migrate_claude(root, repo.git_dir)
        if said:
            print(said)
            changed = True
    if put_file(path, state_of(repo.git_dir, agent, rel), _dump(data),
                same):
        print(f'installed the {agent} hook in {path}')
        changed = True
        # Claude Code's local file is never meant for git; another
        # agent's file only when install made it.
        if (before is None or agent == 'claude') and \
                exclude_add(common, rel):
            print(f'listed {rel} in {exclude_path(common)} (git ignores '
                  'it in every worktree)')
    if agent == 'codex':
        changed |= _install_codex_config(root, repo.git_dir, common, where)
    if not changed:
        print(f'{path}: the {agent} hook is already installed; nothing '
              'changed')
        return 0
    print("run 'worktree-guard doctor' to see the worktrees where it fires")
    return 0


def _install_codex_config(root: str, git_dir: str, common: str,
                          where: Places) -> bool:
    path = os.path.join(root, CODEX_CONFIG)
    raw = read(path)
    text = (raw or b'').decode('utf-8')
    new = merge_toml(path, text, where)
    written = put_file(path, state_of(git_dir, 'codex', CODEX_CONFIG),
                       new.encode(), new == text and raw is not None)
    if written:
        print(f'set the workspace-write sandbox in {path}')
        if raw is None:
            exclude_add(common, CODEX_CONFIG)
        print('Codex reads a project\'s .codex/ only when the project is '
              f'trusted: ~/.codex/config.toml needs [projects."{root}"] '
              'trust_level = "trusted"')
    return written


def _migrate_claude(root: str, git_dir: str) -> str:
    """An older install wrote ``.claude/settings.json``; take our entry out
    of it (its state sits right under ``agents/claude``)."""
    path = os.path.join(root, CLAUDE_LEGACY)
    state = os.path.join(git_dir, STATE_DIR, 'claude')
    raw = read(path)
    if raw is None or AGENT_MARKER.encode() not in raw:
        return ''
    legacy = os.path.join(state, 'legacy')
    os.makedirs(legacy, exist_ok=True)
    for name in ('written', 'original', 'absent', 'created-dir'):
        if os.path.exists(os.path.join(state, name)):
            os.replace(os.path.join(state, name), os.path.join(legacy, name))
    new = state_of(git_dir, 'claude', SETTINGS['claude'][0])
    if os.path.exists(os.path.join(legacy, 'created-dir')) and \
            not os.path.exists(new):
        # That install made .claude/: uninstall may take it away again.
        os.makedirs(new)
        write_atomic(os.path.join(new, 'created-dir'), b'')
    said = take_back(path, legacy, lambda b: _strip_bytes('claude', path, b),
                     keep_dir=True)
    return f'{said} (an older install put the hook there)'


def _strip_bytes(agent: str, path: str, raw: bytes,
                 where: Places | None = None) -> bytes | None:
    data = _load(path, raw)
    removed = strip(agent, data)
    if where is not None:
        removed |= strip_sandbox(data, where)
    return _dump(data) if removed else None


def uninstall_agent(agent: str, repo: Repo | None = None) -> int:
    repo = repo or Repo.discover()
    root = _checkout(repo)
    where = places(root, repo.git_dir)
    common = os.path.realpath(repo.common_dir)
    rel, _ = SETTINGS[agent]
    path = os.path.join(root, rel)
    if agent == 'claude':
        said = _migrate_claude(root, repo.git_dir)
        if said:
            print(said)
    if agent == 'codex':   # first: hooks.json's state knows the folder
        cpath = os.path.join(root, CODEX_CONFIG)
        print(take_back(cpath, state_of(repo.git_dir, agent, CODEX_CONFIG),
                        _strip_toml_bytes))
    print(take_back(path, state_of(repo.git_dir, agent, rel),
                    lambda b: _strip_bytes(agent, path, b, where)))
    for name in (rel, CODEX_CONFIG) if agent == 'codex' else (rel,):
        if not still_used(root, name) and exclude_remove(common, name):
            print(f'took {name} out of {exclude_path(common)}')
    shutil.rmtree(os.path.join(repo.git_dir, STATE_DIR, agent),
                  ignore_errors=True)
    return 0


def _strip_toml_bytes(raw: bytes) -> bytes | None:
    text = raw.decode('utf-8', 'surrogateescape')
    new = strip_toml(text)
    return None if new == text else new.encode('utf-8', 'surrogateescape')


# -- doctor -------------------------------------------------------------------------

def hook_status(agent: str, root: str) -> tuple[str, str] | None:
    """(status, detail) of ``agent``'s hook in the checkout at ``root``;
    ``None`` when its settings file does not mention worktree-guard.
    Status: ``ok`` (installed and will fire), ``OFF`` (installed but it
    will not fire), ``BROKEN`` (the file does not parse)."""
    rel, events = SETTINGS[agent]
    files = [rel]
    if agent == 'claude':
        files.append(CLAUDE_LEGACY)   # an older install's place
    found = None
    disabled = None
    for name in files:
        path = os.path.join(root, name)
        raw = read(path)
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
    if name == CLAUDE_LEGACY and agent == 'claude':
        return 'ok', (f'{name}, an older install: worktree-guard install '
                      '--agent claude moves it to settings.local.json')
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
                 '--agent claude|codex|cursor|gemini, in the worktree the agent '
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
