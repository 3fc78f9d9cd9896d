"""OpenAI Codex CLI: no variant of the agent tests.

worktree-guard has no Codex hook to drive (``install --agent`` takes
claude, cursor and gemini; ``worktree-guard agent`` reads their payloads),
so a Codex session would test only Codex's own ``workspace-write`` sandbox.
``@openai/codex@0.171.0`` does install from npm and has a headless ``codex
exec``; a fake model for it would have to speak the OpenAI Responses API.
"""
from __future__ import annotations

import pytest


@pytest.mark.skip(reason='worktree-guard has no Codex hook (install --agent '
                         'takes claude, cursor, gemini): nothing of ours for '
                         'a Codex session to exercise')
def test_codex_cli() -> None:
    raise AssertionError('unreachable')
