"""worktree-guard: git hooks that keep parallel worktrees apart."""
__version__ = '0.2.0'
