"""Checks ``./dev lint`` runs beside ruff, import-linter and mypy:
``python -m tests.lint [PACKAGE_DIR]`` (the package's folder, default
``worktree_guard``), exit 1 with one line per problem.

- ``acyclic``: no import cycle among the package's modules;
- ``private_names``: no private name (``_x``) imported across modules;
- ``git_lines``: only gitctx writes git's command lines;
- ``complexity``: no block worse than radon grade C (``PENDING`` lists
  the blocks still being split);
- ``hot_path``: only the modules a hook loads (``HOT_MODULES``) defer
  imports and fake ``TYPE_CHECKING``; elsewhere a deferred import says why.

``tests/integration/test_lint.py`` plants a violation of each and expects
the check to fail.
"""
