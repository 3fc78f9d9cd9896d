"""The built-in policy.  GENERATED from the rule SPECs and the core
sections by ``python -m worktree_guard.gen --write``
(``./dev gen``): do not edit; a test checks that it is current."""

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

# Part of the policy cache key: a cache written for other defaults
# or another schema is never read.
DIGEST = '4582481a7cf9d118'

DEFAULTS: 'dict[str, dict[str, Any]]' = {
    'base': {
        'remote': None,
        'branch': None,
    },
    'branches': {
        'pattern': '^issue-(?P<issue>[1-9][0-9]*)-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$',
        'exempt': ['main', 'master', 'develop', 'gh-pages', 'release/*', 'dependabot/**', 'renovate/**'],
        'protected': ['main', 'master'],
        'check': 'all',
        'allow-detached': True,
        'slug-max-length': 40,
    },
    'worktrees': {
        'root': 'trees',
        'layout': 'nested',
        'bootstrap': [],
        'include': '.worktreeinclude',
        'setup': [],
        'teardown': [],
        'setup-timeout': 600,
        'port-base': 3000,
        'freeze-main-checkout': False,
    },
    'paths': {
        'scope': 'added',
        'resolve-from': 'file',
        'include': [],
        'exclude': [],
        'allow': [],
        'max-file-size': '1MiB',
        'baseline': '.worktree-guard-baseline.json',
    },
    'sync': {
        'fetch': True,
        'fetch-timeout': 10,
        'when-unreachable': 'block',
        'max-staleness': '1d',
        'max-behind': 0,
        'require-linear': True,
        'exempt': [],
        'warn-overlap': False,
    },
    'agents': {
        'write-outside': 'deny',
        'read-outside': 'warn',
        'bash': 'deny',
        'allow-paths': [],
    },
    'server': {
        'allow-skip': [],
        'allowed-refs': [],
        'policy-admins': [],
        'allow-merges': False,
    },
    'land': {
        'test': None,
        'test-timeout': 1800,
    },
    'rules': {
        'branch-name': 'error',
        'branch-name/detached': 'error',
        'protected-branch': 'error',
        'protected-branch/commit': 'error',
        'protected-branch/delete': 'error',
        'protected-branch/force-push': 'error',
        'protected-branch/merge': 'error',
        'worktree-layout': 'error',
        'worktree-layout/location': 'error',
        'worktree-layout/not-ignored': 'error',
        'worktree-paths': 'error',
        'worktree-paths/relative-escape': 'error',
        'worktree-paths/absolute-checkout': 'error',
        'worktree-paths/sibling-worktree': 'error',
        'worktree-paths/home-path': 'warn',
        'worktree-paths/escaping-symlink': 'error',
        'worktree-paths/staged-worktree': 'error',
        'sync-before-push': 'error',
        'sync-before-push/behind': 'error',
        'sync-before-push/merge-commit': 'error',
        'sync-before-push/unreachable': 'error',
        'sync-before-push/overlap': 'warn',
    },
}

# (section, key) of the glob lists, by dialect (docs/policy.md):
# whole-name globs over branch and ref names (policy.globmatch)...
NAME_GLOB_KEYS: tuple[tuple[str, str], ...] = (
    ('branches', 'exempt'),
    ('branches', 'protected'),
    ('sync', 'exempt'),
    ('server', 'allowed-refs'),
)
# ... and gitignore-style globs over file paths (pathspec).
PATH_GLOB_KEYS: tuple[tuple[str, str], ...] = (
    ('paths', 'include'),
    ('paths', 'exclude'),
)

# pathspec's regexes for the default path globs, so that the
# no-file hot path never imports pathspec.
BUILTIN_GLOBS: dict[str, list[str]] = {
    'paths.include': [],
    'paths.exclude': [],
}
