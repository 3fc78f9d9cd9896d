"""``python -m tests.lint [PACKAGE_DIR]``: every check of this package."""
import sys

from tests.lint import acyclic
from tests.lint import complexity
from tests.lint import git_lines
from tests.lint import hot_path
from tests.lint import private_names

where = sys.argv[1] if len(sys.argv) > 1 else 'worktree_guard'
sys.exit(max(private_names.main(where), git_lines.main(where),
             acyclic.main(where), complexity.main(where),
             hot_path.main(where)))
