"""The real coding-agent CLIs the tests in this folder drive: where
tests/agents/install.sh puts them, and how a test runs one headless
against the fake model (fake_model.py)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from tests.helpers import HIDDEN_TOOLS

# Keep in step with tests/agents/install.sh (computed at import: the
# session fixture in tests/conftest.py points HOME elsewhere later).
AGENTS_ROOT = Path(os.environ.get('WORKTREE_GUARD_AGENTS') or os.path.join(
    os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache'),
    'worktree-guard', 'agents'))
CLAUDE_PACKAGE = '@anthropic-ai/claude-code@2.1.337'
GEMINI_PACKAGE = '@google/gemini-cli@0.61.0'
CODEX_PACKAGE = '@openai/codex@0.171.0'
INSTALL = Path(__file__).resolve().parent / 'install.sh'

# What a hung CLI gets before its process group is killed (pytest-timeout
# bounds the whole test too).  Not a time the tests assert.
SESSION_LIMIT = 240


class NeedsFeature(AssertionError):
    """A precondition of the behaviour under test is missing (say, the
    settings ``install --agent claude`` writes do not turn Claude Code's
    sandbox on): the test fails saying so, before any session runs."""


def cli_path(package: str, name: str) -> Path | None:
    """The installed CLI; None when absent, or when it or npm is hidden
    (``WORKTREE_GUARD_TEST_HIDE``, tests/helpers.py)."""
    if {name, 'npm'} & HIDDEN_TOOLS:
        return None
    path = AGENTS_ROOT / package / 'node_modules' / '.bin' / name
    ok = (AGENTS_ROOT / package / '.wg-installed').exists()
    return path if ok and os.access(path, os.X_OK) else None


def why_missing(package: str) -> str:
    if HIDDEN_TOOLS:
        hidden = ' '.join(sorted(HIDDEN_TOOLS))
        return f'{package}: hidden by WORKTREE_GUARD_TEST_HIDE ({hidden})'
    if shutil.which('npm') is None:
        return f'{package} is not installed and npm is not on PATH'
    if shutil.which('node') is None:
        return f'{package} needs node, which is not on PATH'
    return (f'{package} is not installed in {AGENTS_ROOT} (run '
            f'{INSTALL}; it needs the npm registry)')


# -- a checkout's files, hashed -----------------------------------------------------

def tree_state(root: Path, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every file, link and folder below ``root`` (``.git`` included), by
    content: relative path -> (kind, mode, sha1 or link target).  Paths in
    ``skip`` (relative, with their contents) are left out."""
    out: dict[str, Any] = {}
    for dirpath, dirs, names in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        for d in list(dirs):
            rel = os.path.normpath(os.path.join(rel_dir, d))
            if rel in skip:
                dirs.remove(d)
                continue
            st = os.lstat(os.path.join(dirpath, d))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', os.readlink(os.path.join(dirpath, d)))
                dirs.remove(d)
            else:
                out[rel] = ('dir', oct(st.st_mode))
        for n in names:
            rel = os.path.normpath(os.path.join(rel_dir, n))
            if rel in skip:
                continue
            full = os.path.join(dirpath, n)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ('link', os.readlink(full))
            elif stat.S_ISREG(st.st_mode):
                with open(full, 'rb') as f:
                    out[rel] = ('file', oct(st.st_mode),
                                hashlib.sha1(f.read()).hexdigest())
            else:
                out[rel] = ('other', oct(st.st_mode))
    return out


def state_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    lines = []
    for key in sorted(before.keys() | after.keys()):
        if key not in after:
            lines.append(f'- {key}')
        elif key not in before:
            lines.append(f'+ {key}')
        elif before[key] != after[key]:
            lines.append(f'~ {key}')
    return lines


# -- one headless session -------------------------------------------------------------

@dataclass
class Session:
    returncode: int
    stdout: str
    stderr: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return (f'Session(rc={self.returncode}, stderr={self.stderr[-2000:]!r}, '
                f'stdout={self.stdout[-4000:]!r})')

    @property
    def result(self) -> dict[str, Any] | None:
        """The session's last event that ends it (``result``; Codex:
        ``turn.completed``)."""
        return next((e for e in reversed(self.events)
                     if e.get('type') in ('result', 'turn.completed')),
                    None)


def clean_env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """The test environment without the developer's Anthropic, Claude,
    Gemini, Google, Codex or OpenAI settings, with its own ``HOME``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('ANTHROPIC_', 'CLAUDE_', 'CLAUDECODE',
                                'GEMINI_', 'GOOGLE_', 'CODEX_',
                                'OPENAI_'))}
    env.update({'HOME': str(home), 'XDG_CONFIG_HOME': str(home / '.config'),
                'XDG_CACHE_HOME': str(home / '.cache'),
                'XDG_DATA_HOME': str(home / '.local' / 'share'),
                'DISABLE_AUTOUPDATER': '1',
                'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC': '1'})
    env.update(extra)
    return env


def run_session(cmd: list[str], cwd: Path, env: dict[str, str]) -> Session:
    """Run an agent CLI in its own process group; on a hang, kill the
    whole group (no orphans) and fail."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=SESSION_LIMIT)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        raise AssertionError(
            f'{cmd[0]} did not finish; killed its process group\n'
            f'stderr: {err[-2000:]}\nstdout: {out[-4000:]}') from None
    finally:
        _kill_group(proc.pid)   # anything it left behind
    events = []
    for line in out.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return Session(proc.returncode, out, err, events)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
