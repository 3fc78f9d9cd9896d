"""The policy's sections, typed for mypy.  GENERATED from the rule
SPECs and the core sections by ``python -m worktree_guard.gen
--write`` (``./dev gen``): do not edit; a test checks that it is
current.  A stub: nothing imports it at run time."""
from typing import Any, Literal, TypedDict, overload

class Base(TypedDict):
    remote: str | None
    branch: str | None

Branches = TypedDict('Branches', {
    'pattern': str,
    'exempt': list[str],
    'protected': list[str],
    'check': str,
    'allow-detached': bool,
    'slug-max-length': int,
})

Worktrees = TypedDict('Worktrees', {
    'root': str,
    'layout': str,
    'bootstrap': list[str],
    'include': str,
    'setup': list[str],
    'teardown': list[str],
    'setup-timeout': float,
    'port-base': int,
    'freeze-main-checkout': bool,
})

Paths = TypedDict('Paths', {
    'scope': str,
    'resolve-from': str,
    'include': list[str],
    'exclude': list[str],
    'allow': list[str],
    'max-file-size': int | str,
    'baseline': str,
})

Sync = TypedDict('Sync', {
    'fetch': bool,
    'fetch-timeout': float,
    'when-unreachable': str,
    'max-staleness': str,
    'max-behind': int,
    'require-linear': bool,
    'exempt': list[str],
    'warn-overlap': bool,
})

Agents = TypedDict('Agents', {
    'write-outside': str,
    'read-outside': str,
    'bash': str,
    'allow-paths': list[str],
})

Server = TypedDict('Server', {
    'allow-skip': list[str],
    'allowed-refs': list[str],
    'policy-admins': list[str],
    'allow-merges': bool,
})

Land = TypedDict('Land', {
    'test': str | None,
    'test-timeout': float,
})

Rules = TypedDict('Rules', {
    'branch-name': str,
    'branch-name/detached': str,
    'protected-branch': str,
    'protected-branch/commit': str,
    'protected-branch/delete': str,
    'protected-branch/force-push': str,
    'protected-branch/merge': str,
    'worktree-layout': str,
    'worktree-layout/location': str,
    'worktree-layout/not-ignored': str,
    'worktree-paths': str,
    'worktree-paths/relative-escape': str,
    'worktree-paths/absolute-checkout': str,
    'worktree-paths/sibling-worktree': str,
    'worktree-paths/home-path': str,
    'worktree-paths/escaping-symlink': str,
    'worktree-paths/staged-worktree': str,
    'sync-before-push': str,
    'sync-before-push/behind': str,
    'sync-before-push/merge-commit': str,
    'sync-before-push/unreachable': str,
    'sync-before-push/overlap': str,
})

class SectionReads:
    """``Policy[section]``: each section its own type."""
    @overload
    def __getitem__(self, section: Literal['base']) -> Base: ...
    @overload
    def __getitem__(self, section: Literal['branches']) -> Branches: ...
    @overload
    def __getitem__(self, section: Literal['worktrees']) -> Worktrees: ...
    @overload
    def __getitem__(self, section: Literal['paths']) -> Paths: ...
    @overload
    def __getitem__(self, section: Literal['sync']) -> Sync: ...
    @overload
    def __getitem__(self, section: Literal['agents']) -> Agents: ...
    @overload
    def __getitem__(self, section: Literal['server']) -> Server: ...
    @overload
    def __getitem__(self, section: Literal['land']) -> Land: ...
    @overload
    def __getitem__(self, section: Literal['rules']) -> Rules: ...
    @overload
    def __getitem__(self, section: str) -> Any: ...
