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

Which policy (issue 23): the one *committed* on the base as the remote
has it (``refs/remotes/<remote>/<base>:.worktree-guard.yaml``), else the
local base branch's committed copy (``refs/heads/<base>``), else HEAD's,
else the built-in one: never the working tree's
file, which any process in the worktree may rewrite before it moves
``main``.  What it cannot verify is said when it refuses: a forged
``refs/remotes/<remote>/<base>`` (``git update-ref``) cannot be told from a
fetched one locally; the server's pre-receive hook stops what that lets
through.  ``WORKTREE_GUARD_SKIP=protected-branch`` (or ``SKIP``) still lets
a refused move through, but never silently: it says so and appends a line
to ``<git-dir>/worktree-guard/skips.log`` (bounded), which ``doctor``
shows.

Each run also leaves ``<git-dir>/worktree-guard-reftx`` (``write_cache``):
shell ``case`` patterns that over-approximate the protected branches, and
the files whose change voids them (the loose ref files the policy was read
through, and their folders), so the installed script can
exit 0 without starting Python when no moved branch can be protected
(``install._REFTX_CACHE`` says when it trusts it).
"""
from __future__ import annotations

import sys

from worktree_guard.model import is_oid

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable

    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy

HOOK = 'reference-transaction'

# The cache the installed hook script reads (see ``install._REFTX_CACHE``).
# Its first line is ``cache_stamp()``, which ``install`` bakes into the
# script: another format or package version means "start Python".
CACHE_FILE = 'worktree-guard-reftx'
CACHE_FORMAT = 'worktree-guard-reftx-cache 2'
# The parsed committed policy, keyed by its blob id.
POLICY_CACHE = 'worktree-guard-reftx-policy.cache'
# The skips log, under the git dir, and the lines it keeps (the newest).
SKIPS_LOG = 'worktree-guard/skips.log'
SKIPS_KEPT = 200
# The most dependency files a cache lists (the shell reads one digit).
MAX_DEPS = 9
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


def cache_text(root: str, deps: list[str], protected: list[str]) -> bytes:
    lines = [cache_stamp(), root, str(len(deps)), *deps,
             *sorted({shell_pattern(g) for g in protected})]
    return '\n'.join(lines).encode('utf-8', 'surrogateescape') + b'\n'


def write_cache(git_dir: str, root: str, deps: list[str],
                protected: list[str], mtime: float) -> bool:
    """Write the cache atomically, dated ``mtime`` (taken before the policy
    was read, minus a margin: a ref moved since then is newer).  Best
    effort: ``False`` when it cannot (a read-only git dir, an odd root or
    dependency path)."""
    import os

    from worktree_guard.policy.cache import write_file
    if any('\n' in x or '\r' in x for x in [root, *deps]) \
            or len(deps) > MAX_DEPS:
        return False
    return write_file(os.path.join(git_dir, CACHE_FILE),
                      cache_text(root, deps, protected), mtime)


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


class Source:
    """Where the policy was read: the ref (``None``: built-in), what the
    message says, and the files whose change voids the cache."""

    __slots__ = ('ref', 'display', 'deps')

    def __init__(self, ref: str | None, display: str,
                 deps: list[str]) -> None:
        self.ref = ref
        self.display = display
        self.deps = deps


def committed_policy(repo: Repo) -> tuple[Policy, Source]:
    """The policy committed on the remote base (``refs/remotes/<remote>/
    <base>``, the conventional base: upstream or origin, main or master;
    one hop more when the policy found there names another), else the one
    committed on the local base branch, else HEAD's committed policy, else
    the built-in one.  A remote base without the
    file means the built-in policy (HEAD's is then never read)."""
    import os

    from worktree_guard import policy as policy_mod
    common = os.path.realpath(repo.common_dir)
    deps: list[str] = []

    def loose(ref: str, folder: bool = True) -> str:
        """The ref's loose file; its folder goes first, as git renames a
        new value into it (a fetch, an update, ``pack-refs``, a deletion
        all change the folder), while ``packed-refs`` is rewritten by
        every branch deletion and is no dependency.  Not the folder of
        ``refs/heads/``, which every commit on any branch changes: a new
        value of the base is a new loose file there, and a packed or
        deleted base keeps the policy its last value committed."""
        path = os.path.join(common, *ref.split('/'))
        if folder:
            deps.append(os.path.dirname(path))
        return path

    remote, base = repo.resolve_base(None, None)
    ref = f'refs/remotes/{remote}/{base}'
    deps.append(loose(ref))
    if repo.ref_oid(ref) is not None:
        pol = _read(repo, ref) or policy_mod.default_policy()
        want = repo.resolve_base(pol['base']['remote'],
                                 pol['base']['branch'])
        other = f'refs/remotes/{want[0]}/{want[1]}'
        if other != ref:   # the policy names another base: one hop
            deps.append(loose(other))
            if repo.ref_oid(other) is not None:
                ref = other
                pol = _read(repo, ref) or policy_mod.default_policy()
        return pol, Source(ref, f'{ref}:{policy_mod.POLICY_FILE}', deps)
    # No remote base here: the local base branch's committed policy (its
    # ref file is the dependency: a commit on another branch keeps the
    # shell cache valid, and that branch's author does not pick the
    # policy); with no local base either, HEAD's (the branch checked out
    # decides, so HEAD and its ref are dependencies too).
    local = f'refs/heads/{base}'
    mark = len(deps)
    deps.append(loose(local, folder=False))
    if repo.ref_oid(local) is not None:
        pol = _read(repo, local) or policy_mod.default_policy()
        return pol, Source(local, f'{local}:{policy_mod.POLICY_FILE}', deps)
    del deps[mark:]
    deps.append(os.path.join(os.path.realpath(repo.git_dir), 'HEAD'))
    target = repo.symbolic_head()
    if target:
        deps.append(loose(target))
    found = _read(repo, 'HEAD')
    if found is not None:
        return found, Source('HEAD', f'HEAD:{policy_mod.POLICY_FILE}', deps)
    return policy_mod.default_policy(), Source(None, 'the built-in policy',
                                               deps)


def _read(repo: Repo, rev: str) -> Policy | None:
    """The policy committed in ``rev`` (``None`` when ``rev`` is unborn or
    has no policy file), parsed through a cache keyed by the blob id."""
    import os

    from worktree_guard import policy as policy_mod
    from worktree_guard.gitctx.blobs import FILE_MODES
    from worktree_guard.gitctx.blobs import mode_name
    from worktree_guard.gitctx.blobs import tree_entry
    from worktree_guard.errors import PolicyError
    if repo.rev_parse(rev) is None:
        return None
    name = policy_mod.POLICY_FILE
    entry = tree_entry(repo, rev, name)
    if entry is None:
        return None
    mode, oid, _ = entry
    display = f'{rev}:{name}'
    if mode not in FILE_MODES:
        raise PolicyError(f'{display} is {mode_name(mode)}, not a regular '
                          'file', 'commit the policy as a plain file')

    def read() -> bytes:
        return repo.blob(oid)

    return policy_mod.cached_parse(
        os.path.join(repo.git_dir, POLICY_CACHE),
        (policy_mod.CACHE_VERSION, 'blob', oid), read, display, display)


def log_skip(git_dir: str, line: str) -> str:
    """Append ``line`` to the skips log, keeping the newest
    ``SKIPS_KEPT`` lines; its path.  Best effort."""
    import os
    import time
    path = os.path.join(git_dir, *SKIPS_LOG.split('/'))
    stamp = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                old = f.read().splitlines()[-(SKIPS_KEPT - 1):]
        except FileNotFoundError:
            old = []
        with open(path, 'w', encoding='utf-8', errors='replace') as f:
            f.write('\n'.join([*old, f'{stamp} {line}']) + '\n')
    except OSError:
        pass
    return path


def read_skips(git_dir: str) -> list[str]:
    """The skips log's lines (``doctor``), oldest first."""
    import os
    try:
        with open(os.path.join(git_dir, *SKIPS_LOG.split('/')),
                  encoding='utf-8', errors='replace') as f:
            return f.read().splitlines()
    except OSError:
        return []


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

    from worktree_guard.gitctx import Repo
    repo = Repo.discover(hook=True)
    if repo.root is None:
        return 0   # a bare repository: nothing is committed here
    import time
    start = time.time()
    pol, source = committed_policy(repo)
    off = pol.severity('protected-branch', 'commit') == 'off'
    write_cache(repo.git_dir, os.path.realpath(repo.root), source.deps,
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
    from worktree_guard.runner import skipped_rules
    skip = skipped_rules(os.environ).get('protected-branch')
    if skip is not None:
        for reason in found:
            path = log_skip(repo.git_dir, f'{skip}: {reason}')
            err(f'worktree-guard: protected-branch skipped ({skip}), '
                f'logged in {path}: {reason}\n')
        return 0
    for reason in found:
        err(f'worktree-guard: protected-branch/commit: {reason}\n')
    err(f'  judged by the committed policy {source.display}; a forged '
        f'refs/remotes/{remote}/... (git update-ref) cannot be ruled out '
        "here: the server's pre-receive hook stops what it lets through\n")
    err('  fix: git switch -c issue-<N>-<slug>  (put the work on an issue '
        'branch; the commit is kept in the object store)\n'
        f'  fix: git fetch {remote}  (if the remote has it already)\n')
    return 1
