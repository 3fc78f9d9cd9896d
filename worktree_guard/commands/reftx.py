"""The ``reference-transaction`` hook: protected branches hold against
every local path (issue 13).

``git commit``, ``cherry-pick``, ``revert``, ``merge``, ``am``, ``reset``
and ``update-ref`` all move a branch through a ref transaction; git (2.28
and newer) shows the hook each one in the ``prepared`` state, and a
non-zero exit aborts it.  A protected branch may only move to a commit its
remote-tracking branch already contains: a sync (``pull``, ``reset --hard
origin/main``, a fetch that also moves the tracking ref) passes, new work
does not.  A repository with no remote for the base keeps the commit
hook's behaviour (this hook lets it through), and a branch the remote does
not have yet may be created (the first commit of an empty repository).

The hook runs for fetches and rebases too, so it is cheap: the shell
script exits before Python starts unless the state is ``prepared`` and a
line names ``refs/heads/``; here, one policy load and one ``merge-base``
per protected branch moved.

Each run also leaves ``<git-dir>/worktree-guard-reftx`` (``write_cache``):
shell ``case`` patterns that over-approximate the protected branches, so
the installed script can exit 0 without starting Python when no moved
branch can be protected (``install._REFTX_CACHE`` says when it trusts it).
"""
from __future__ import annotations

import sys

from worktree_guard.model import is_oid

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable

HOOK = 'reference-transaction'

# The cache the installed hook script reads (see ``install._REFTX_CACHE``).
# Its first line is ``cache_stamp()``, which ``install`` bakes into the
# script: another format or package version means "start Python".
CACHE_FILE = 'worktree-guard-reftx'
CACHE_FORMAT = 'worktree-guard-reftx-cache 1'
# Branch-name characters that are literal both in a policy glob and in a
# shell `case` pattern.
_SAFE = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
                  '0123456789._/-')


def cache_stamp() -> str:
    from worktree_guard import __version__
    return f'{CACHE_FORMAT} {__version__}'


def shell_pattern(glob: str) -> str:
    """A shell ``case`` pattern matching every branch name ``glob``
    matches (as ``Policy.matches`` reads it), and maybe more: the glob's
    literal prefix then ``*``, or the glob itself when it is all literal."""
    glob = glob.strip('/')
    n = 0
    while n < len(glob) and glob[n] in _SAFE:
        n += 1
    return glob if n == len(glob) and glob else glob[:n] + '*'


def cache_text(root: str, has_policy: bool, protected: list[str]) -> bytes:
    lines = [cache_stamp(), root, 'yes' if has_policy else 'no',
             *sorted({shell_pattern(g) for g in protected})]
    return '\n'.join(lines).encode('utf-8', 'surrogateescape') + b'\n'


def write_cache(git_dir: str, root: str, has_policy: bool,
                protected: list[str], mtime: float) -> bool:
    """Write the cache atomically, dated ``mtime`` (taken before the policy
    was read, minus a margin: a policy written since then is newer).  Best
    effort: ``False`` when it cannot (a read-only git dir, an odd root)."""
    import os

    from worktree_guard.policy.cache import write_file
    if '\n' in root or '\r' in root:
        return False
    return write_file(os.path.join(git_dir, CACHE_FILE),
                      cache_text(root, has_policy, protected), mtime)


class Move:
    __slots__ = ('old', 'new', 'ref')

    def __init__(self, old: str, new: str, ref: str) -> None:
        self.old = old
        self.new = new
        self.ref = ref

    @property
    def branch(self) -> str:
        return self.ref[len('refs/heads/'):]


def parse(text: str) -> list[Move]:
    """git's ``<old> SP <new> SP <ref>`` lines (symbolic refs and odd
    lines are skipped)."""
    out = []
    for line in text.splitlines():
        parts = line.split(' ', 2)
        if len(parts) == 3 and is_oid(parts[0]) and is_oid(parts[1]):
            out.append(Move(*parts))
    return out


def refusals(moves: list[Move], protected: Callable[[str], bool],
             tracking: Callable[[str], str | None],
             contains: Callable[[str, str], bool],
             remote: str) -> list[str]:
    """The branches a transaction may not move, with why.  Pure: the
    policy and git are asked through the three callables.

    ``tracking(branch)`` is the remote-tracking tip (its pending value when
    the same transaction moves it); ``contains(tip, commit)`` says whether
    ``tip`` has ``commit``."""
    out = []
    for m in moves:
        if not m.ref.startswith('refs/heads/') or set(m.new) == {'0'} \
                or m.old == m.new or not protected(m.branch):
            continue
        tip = tracking(m.branch)
        if tip is None:
            if set(m.old) == {'0'}:
                continue   # a branch the remote does not have yet
            out.append(f"protected branch '{m.branch}' may not move to "
                       f'{m.new[:12]}: {remote}/{m.branch} does not exist, '
                       'so nothing proves the commit is on the remote')
        elif not contains(tip, m.new):
            out.append(f"protected branch '{m.branch}' may not move to "
                       f'{m.new[:12]}: {remote}/{m.branch} does not contain '
                       'it (a protected branch takes only what the remote '
                       'has: a sync)')
    return out


def main(args: list[str]) -> int:
    if args[:1] != ['prepared']:
        return 0
    raw = getattr(sys.stdin, 'buffer', None)
    text = raw.read().decode('utf-8', 'surrogateescape') if raw \
        else sys.stdin.read()
    moves = [m for m in parse(text) if m.ref.startswith('refs/heads/')]
    if not moves:
        return 0
    import os

    from worktree_guard.runner import skipped_rules
    if 'protected-branch' in skipped_rules(os.environ):
        return 0   # SKIP / WORKTREE_GUARD_SKIP: the commit hook says so
    from worktree_guard import policy as policy_mod
    from worktree_guard.gitctx import Repo
    repo = Repo.discover(hook=True)
    if repo.root is None:
        return 0   # a bare repository: nothing is committed here
    import time
    start = time.time()
    pol = policy_mod.load(repo.root, None, repo.git_dir)
    off = pol.severity('protected-branch', 'commit') == 'off'
    write_cache(repo.git_dir, os.path.realpath(repo.root), pol.path is not None,
                [] if off else pol['branches']['protected'], start - 2)
    if off:
        return 0
    remote, _ = repo.resolve_base(pol['base']['remote'],
                                  pol['base']['branch'])
    if remote not in repo.remotes():
        return 0   # no remote: the commit hook's protected-branch applies
    pending = {m.ref: m.new for m in parse(text) if set(m.new) != {'0'}}

    def tracking(branch: str) -> str | None:
        ref = f'refs/remotes/{remote}/{branch}'
        return pending.get(ref) or repo.ref_oid(ref)

    from worktree_guard.gitctx.caller import fetch_into
    from worktree_guard.gitctx.caller import parent_argv
    caller = parent_argv()

    def protected(branch: str) -> bool:
        # `git fetch origin main:main` moves main before origin/main: the
        # fetch itself is the sync.
        return pol.matches('branches', 'protected', branch) and \
            not fetch_into(caller, remote, branch)

    found = refusals(moves, protected, tracking,
                     lambda tip, commit: repo.is_ancestor(commit, tip),
                     remote)
    if not found:
        return 0
    err = sys.stderr.write
    for reason in found:
        err(f'worktree-guard: protected-branch/commit: {reason}\n')
    err('  fix: git switch -c issue-<N>-<slug>  (put the work on an issue '
        'branch; the commit is kept in the object store)\n'
        f'  fix: git fetch {remote}  (if the remote has it already)\n')
    return 1
