"""Claude Code's Bash calls in the OS sandbox (issue 22): the agent hook's
``updatedInput`` that runs a command under ``worktree-guard sandbox`` when
Claude Code's own sandbox does not run it.

On the agent hook's path (a Claude Code Bash call): no ``os``, no
``json``; the engine probe (``ctypes``, ``os``) runs once per kernel, its
answer cached in the common git dir.
"""
import sys

from worktree_guard import lightpath
from worktree_guard.commands.agent_io import loads
from worktree_guard.commands.agent_io import quote

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.rules.agent_guard import AgentCall

# The sandbox command a Bash call is wrapped in (it exits 2 with a message
# when this machine has no engine).
SANDBOX_ARGS = '-I -m worktree_guard sandbox --worktree'


def _json_file(path: str) -> 'Any':
    try:
        with open(path, encoding='utf-8') as f:
            return loads(f.read())
    except (OSError, ValueError):
        return None


def own_sandbox(root: str, disable: bool = False) -> bool:
    """Does Claude Code's own sandbox run this Bash call
    (``sandbox.enabled`` in the worktree's project or local settings, the
    local file winning; ``disable``: the call asks to run outside it, which
    ``allowUnsandboxedCommands: false`` refuses)?"""
    box: dict[str, object] = {}
    for name in ('settings.json', 'settings.local.json'):
        data = _json_file(f'{root}/.claude/{name}')
        found = data.get('sandbox') if isinstance(data, dict) else None
        if isinstance(found, dict):
            box.update((k, v) for k, v in found.items()
                       if k in ('enabled', 'allowUnsandboxedCommands')
                       and isinstance(v, bool))
    if box.get('enabled') is not True:
        return False
    return not disable or box.get('allowUnsandboxedCommands') is False


ENGINE_FILE = 'worktree-guard/sandbox-engine'


def sandbox_engine(common: str) -> str:
    """The OS sandbox engine this machine has: ``landlock``, ``bwrap`` or
    '' (none).  The probe (a Landlock syscall, ``bwrap`` on PATH) runs
    once per kernel; its answer is kept in ``<common>/worktree-guard/
    sandbox-engine``."""
    import posix
    release = posix.uname().release
    cache = f'{common}/{ENGINE_FILE}'
    try:
        with open(cache, encoding='utf-8') as f:
            kept, engine = (f.read().split('\n') + [''])[:2]
        if kept == release:
            return engine
    except (OSError, ValueError):
        pass
    engine = _probe()
    try:
        posix.mkdir(f'{common}/worktree-guard')
    except OSError:
        pass
    try:
        tmp = f'{cache}.{posix.getpid()}'
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(f'{release}\n{engine}')
        posix.rename(tmp, cache)
    except OSError:
        pass
    return engine


def _probe() -> str:
    """Ask the kernel for Landlock's ABI version; else look for bwrap."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
        if libc.syscall(444, None, 0, 1) >= 1:
            return 'landlock'
    except (OSError, AttributeError):  # pragma: no cover (no libc)
        pass
    import os
    for folder in os.environ.get('PATH', '').split(':'):
        if folder and os.access(f'{folder}/bwrap', os.X_OK):
            return 'bwrap'
    return ''


def sandbox_wrap(call: 'AgentCall',
                 ti: 'dict[str, Any]') -> 'dict[str, Any] | None':
    """For a Claude Code Bash call: the ``tool_input`` that runs it under
    ``worktree-guard sandbox`` when Claude Code's own sandbox does not
    (``None``: leave it as it is).  Marks the call ``sandboxed`` when one
    of the two sandboxes runs it."""
    from worktree_guard.gitctx.checkouts import find_root
    found = find_root(call.cwd)
    if found is None:
        return None
    root, git_dir = found
    if own_sandbox(root, ti.get('dangerouslyDisableSandbox') is True):
        call.sandboxed = True
        return None
    command = ti['command']
    prefix = f'{quote(sys.executable)} {SANDBOX_ARGS} '
    if command.startswith(prefix):
        call.sandboxed = True   # wrapped already (a retried call)
        return None
    common = _common_dir(git_dir)
    if common == git_dir:
        return None   # the main checkout: the sandbox confines worktrees
    if not sandbox_engine(common):
        return None
    call.sandboxed = True
    out = dict(ti)
    out['command'] = (f'{prefix}{quote(root)} -- bash -c {quote(command)}')
    return out


def _common_dir(git_dir: str) -> str:
    """The common git dir of a checkout's git dir (its ``commondir``)."""
    try:
        with open(f'{git_dir}/commondir', encoding='utf-8') as f:
            rel = f.read().strip()
    except OSError:
        return git_dir
    return lightpath.realpath(lightpath.join(git_dir, rel)) if rel else \
        git_dir
