from __future__ import annotations

from worktree_guard.cli import main

if __name__ == '__main__':
    raise SystemExit(main())
