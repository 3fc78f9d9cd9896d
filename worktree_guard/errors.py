"""Errors that end a run with exit code 2 (bad policy, usage or environment).

Every error carries a message a person can act on and an optional hint;
the entry points print them and never show a traceback.
"""
from __future__ import annotations


class GuardError(Exception):
    """A problem that is not a rule violation: exit code 2."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f'worktree-guard: error: {self.message}'
        if self.hint:
            text += f'\n  hint: {self.hint}'
        return text


class PolicyError(GuardError):
    """The policy file is invalid.  ``message`` starts with ``file:line:col:``."""

    def render(self) -> str:
        text = self.message
        if self.hint:
            text += f'\n  hint: {self.hint}'
        return text


class GitError(GuardError):
    """git is missing, too old, or refused a command we need."""
