"""Fixtures for driving real agent CLIs: a repository with a main checkout
and two linked worktrees, the agent hook installed by the real
``worktree-guard install --agent``, and a scripted fake model."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.agents.clients import CLAUDE_PACKAGE
from tests.agents.clients import CODEX_PACKAGE
from tests.agents.clients import GEMINI_PACKAGE
from tests.agents.clients import NeedsFeature
from tests.agents.clients import Session
from tests.agents.clients import clean_env
from tests.agents.clients import cli_path
from tests.agents.clients import run_session
from tests.agents.clients import state_diff
from tests.agents.clients import tree_state
from tests.agents.clients import why_missing
from tests.agents.fake_model import FakeModel
from tests.agents.fake_model import Text
from tests.agents.fake_model import ToolUse
from tests.agents.fake_model import Turn
from tests.helpers import CACHE_ROOT
from tests.helpers import RepoHandle
from tests.helpers import find_tool
from tests.helpers import git
from tests.helpers import run
from worktree_guard import policy
from worktree_guard.commands import agent_wrap
from worktree_guard.gitctx import trust

# The files the guard itself writes into the shared git dir (the hook
# writes the trusted policy's cache and the sandbox probe's answer).
GUARD_CACHES = (policy.CACHE_FILE, trust.CACHE_FILE,
                agent_wrap.ENGINE_FILE, os.path.dirname(agent_wrap.ENGINE_FILE))


@pytest.fixture(scope='session')
def claude_cli() -> Path:
    path = cli_path(CLAUDE_PACKAGE, 'claude')
    if path is None:
        pytest.skip(why_missing(CLAUDE_PACKAGE))
    return path


@pytest.fixture(scope='session')
def gemini_cli() -> Path:
    path = cli_path(GEMINI_PACKAGE, 'gemini')
    if path is None:
        pytest.skip(why_missing(GEMINI_PACKAGE))
    return path


@pytest.fixture(scope='session')
def codex_cli() -> Path:
    path = cli_path(CODEX_PACKAGE, 'codex')
    if path is None:
        pytest.skip(why_missing(CODEX_PACKAGE))
    return path


class AgentRepo:
    """``main`` (the main checkout), ``wt`` (``trees/issue-1-x``, where the
    agent works), ``sibling`` (``trees/issue-2-y``), ``common`` (the git
    dir they share)."""

    def __init__(self, repo: RepoHandle, home: Path) -> None:
        self.repo = repo
        self.main = repo.path
        self.wt = repo.worktree('issue-1-x')
        self.sibling = repo.worktree('issue-2-y')
        self.sibling.joinpath('notes.md').write_text('sibling work\n')
        self.common = self.main / '.git'
        self.home = home
        # The identity in the repository's own config: Gemini CLI's shell
        # (0.61.0) runs git with GIT_CONFIG_GLOBAL=/dev/null (and
        # core.hooksPath empty: no git hooks run for its commits).
        repo.git('config', 'user.name', 'Agent')
        repo.git('config', 'user.email', 'agent@example.invalid')

    # -- the hook and the settings --------------------------------------

    def install(self, agent: str) -> None:
        """The real ``worktree-guard install --agent``, run in the agent's
        worktree with this checkout's interpreter."""
        run([sys.executable, '-m', 'worktree_guard', 'install', '--agent',
             agent], cwd=self.wt, check=True)

    def settings(self) -> dict[str, Any]:
        """Claude Code's project settings of the worktree, the local file
        over the shared one (one level deep: enough for ``sandbox``)."""
        merged: dict[str, Any] = {}
        for name in ('settings.json', 'settings.local.json'):
            path = self.wt / '.claude' / name
            if path.exists():
                for key, value in json.loads(path.read_text()).items():
                    if isinstance(value, dict) and \
                            isinstance(merged.get(key), dict):
                        merged[key] = {**merged[key], **value}
                    else:
                        merged[key] = value
        return merged

    def disable_claude_sandbox(self) -> None:
        """Turn Claude Code's own sandbox off in the local settings file
        (whatever install wrote there stays)."""
        path = self.wt / '.claude' / 'settings.local.json'
        data = json.loads(path.read_text()) if path.exists() else {}
        sandbox = data.get('sandbox')
        data['sandbox'] = {**(sandbox if isinstance(sandbox, dict) else {}),
                           'enabled': False}
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + '\n')

    def require_claude_sandbox(self) -> None:
        """The settings ``install --agent claude`` wrote turn Claude Code's
        sandbox on; and bubblewrap and socat are here to run it."""
        sandbox = self.settings().get('sandbox')
        if not (isinstance(sandbox, dict) and sandbox.get('enabled') is True):
            raise NeedsFeature('install --agent claude wrote no '
                               f'sandbox.enabled: {self.settings()}')
        missing = [t for t in ('bwrap', 'socat') if find_tool(t) is None]
        if missing:
            pytest.skip(f'Claude Code sandbox needs {" and ".join(missing)} '
                        '(Debian: bubblewrap, socat)')

    # -- what must not change -------------------------------------------

    def outside(self) -> dict[str, Any]:
        """Everything outside the agent's worktree: the main checkout with
        its whole git dir (config, hooks, refs, objects, the sibling's
        admin folder) and the sibling worktree, hashed.  Only the agent's
        own worktree and its admin folder are left out, and the caches the
        guard itself keeps in the git dir (its hook writes them)."""
        main = tree_state(self.main, skip=(
            'trees', os.path.join('.git', 'worktrees', 'issue-1-x'),
            *(os.path.normpath(os.path.join('.git', name))
              for name in GUARD_CACHES)))
        sibling = tree_state(self.sibling)
        return {**{f'main/{k}': v for k, v in main.items()},
                **{f'sibling/{k}': v for k, v in sibling.items()}}

    def baseline(self, cli: Path) -> dict[str, Any]:
        """``outside()`` before the session under test.  With Claude
        Code's sandbox on, a harmless session runs first: its sandbox
        (2.1.337, here as root) leaves empty mount points behind in the
        main checkout and the shared git dir on its first session
        (``.claude/.cc-writes``, ``.git/config.worktree``,
        ``.git/objects/info/alternates``, ``.git/glab-cli``, ...); the
        session under test must change nothing beyond those."""
        sandbox = self.settings().get('sandbox')
        if isinstance(sandbox, dict) and sandbox.get('enabled') is True:
            self.claude(cli, [[ToolUse('Bash', {'command': 'true',
                                                'description': 'warm up'})],
                              Text('done')])
        return self.outside()

    def assert_outside_unchanged(self, before: dict[str, Any],
                                 session: Session,
                                 commits: bool = False) -> None:
        """Nothing outside the worktree changed; with ``commits``, but
        for what a commit on the worktree's branch writes: new objects,
        the branch and its reflog."""
        allowed = ('main/.git/objects/', 'main/.git/refs/heads/issue-1-x',
                   'main/.git/logs/refs/heads/issue-1-x') if commits else ()
        diff = [d for d in state_diff(before, self.outside())
                if not d[2:].startswith(allowed)]
        assert not diff, (f'changed outside the worktree: {diff}\n'
                          f'{session!r}')

    # -- a session ------------------------------------------------------

    def claude(self, cli: Path, script: list[Turn],
               prompt: str = 'do the task') -> tuple[Session, FakeModel]:
        """One headless Claude Code session in the worktree, the fake
        model answering with ``script``."""
        with FakeModel(script) as model:
            env = clean_env(self.home, {
                'ANTHROPIC_BASE_URL': model.url,
                'ANTHROPIC_API_KEY': 'test',
                # bypassPermissions is refused to root without it.
                'IS_SANDBOX': '1'})
            session = run_session(
                [str(cli), '-p', prompt, '--output-format', 'stream-json',
                 '--verbose', '--permission-mode', 'bypassPermissions'],
                cwd=self.wt, env=env)
        assert session.result is not None, f'no result event: {session!r}'
        assert model.finished, (f'the CLI stopped before the script ended '
                                f'({len(model.requests)} requests): '
                                f'{session!r}')
        return session, model

    def gemini(self, cli: Path, script: list[Turn],
               prompt: str = 'do the task') -> tuple[Session, FakeModel]:
        """One headless Gemini CLI session in the worktree, the fake model
        answering with ``script``."""
        settings = self.home / '.gemini' / 'settings.json'
        settings.parent.mkdir(exist_ok=True)
        settings.write_text(json.dumps({
            'privacy': {'usageStatisticsEnabled': False},
            'security': {'auth': {'selectedType': 'gemini-api-key'}}}))
        with FakeModel(script) as model:
            env = clean_env(self.home, {
                'GOOGLE_GEMINI_BASE_URL': model.url,
                'GEMINI_API_KEY': 'test',
                # 0.61.0 reads the worktree's .gemini/settings.json (our
                # hook) headless only with this; --skip-trust does not.
                'GEMINI_CLI_TRUST_WORKSPACE': 'true'})
            # A named model: "auto" first asks a router model for JSON.
            session = run_session(
                [str(cli), '-p', prompt, '--output-format', 'stream-json',
                 '--approval-mode', 'yolo', '--model', 'gemini-2.5-pro'],
                cwd=self.wt, env=env)
        assert session.result is not None, f'no result event: {session!r}'
        assert model.finished, (f'the CLI stopped before the script ended '
                                f'({len(model.requests)} requests): '
                                f'{session!r}')
        return session, model

    def codex(self, cli: Path, script: list[Turn],
              prompt: str = 'do the task') -> tuple[Session, FakeModel]:
        """One headless Codex session (``codex exec``) in the worktree, the
        fake model answering with ``script`` through a custom provider.
        The worktree is trusted in the user config (Codex reads a
        project's ``.codex/`` only then), and ``--dangerously-bypass-hook-
        trust`` runs project hooks nobody has reviewed in a TUI."""
        codex_home = self.home / '.codex'
        codex_home.mkdir(exist_ok=True)
        with FakeModel(script) as model:
            (codex_home / 'config.toml').write_text(
                'model = "gpt-5-codex"\n'
                'model_provider = "fake"\n'
                '[model_providers.fake]\n'
                'name = "fake"\n'
                f'base_url = "{model.url}/v1"\n'
                'wire_api = "responses"\n'
                'env_key = "FAKE_MODEL_KEY"\n'
                f'[projects.{json.dumps(str(self.wt))}]\n'
                'trust_level = "trusted"\n')
            env = clean_env(self.home, {'CODEX_HOME': str(codex_home),
                                        'FAKE_MODEL_KEY': 'test'})
            session = run_session(
                [str(cli), 'exec', '--json',
                 '--dangerously-bypass-hook-trust', prompt],
                cwd=self.wt, env=env)
        assert session.result is not None, f'no result event: {session!r}'
        assert model.finished, (f'the CLI stopped before the script ended '
                                f'({len(model.requests)} requests): '
                                f'{session!r}')
        return session, model

    def branch_log(self, branch: str) -> list[str]:
        return git('log', '--format=%s', branch, cwd=self.main).splitlines()


@pytest.fixture
def agent_repo(plain_repo: RepoHandle, tmp_path: Path) -> Iterator[AgentRepo]:
    home = tmp_path / 'agent-home'
    home.mkdir()
    yield AgentRepo(plain_repo, home)


@pytest.fixture
def agent_repo_outside_tmp(plain_repo: RepoHandle) -> Iterator[AgentRepo]:
    """``agent_repo``, but the repository and the agent's home live
    outside ``/tmp``: Codex's workspace-write sandbox lets every command
    write the temp folders, and it refuses a ``CODEX_HOME`` under ``/tmp``
    (its sandbox helper is not put there)."""
    (CACHE_ROOT / 'agents').mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(dir=CACHE_ROOT / 'agents', prefix='repo-'))
    try:
        shutil.copytree(plain_repo.path, base / 'repo', symlinks=True)
        (base / 'home').mkdir()
        yield AgentRepo(RepoHandle(base / 'repo', plain_repo.remote),
                        base / 'home')
    finally:
        shutil.rmtree(base, ignore_errors=True)
