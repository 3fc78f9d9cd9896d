"""Git facts: the only package that talks to git.

The core (this file) finds the repository and reads HEAD, refs and
worktrees.  Submodules add the facts of one domain each: ``paths`` (staged
and pushed content), ``sync`` (fetch, ancestry), ``worktrees`` (the ``wt``
commands, conflict forecasts) and ``receive`` (the server side).

It finds the repository (main checkout, linked worktree, bare repo or a
subdirectory, inside a hook or not), reads HEAD, lists worktrees, and answers
questions about refs and ancestry.  Everything is read-only: nothing here
changes the index, the working tree, refs or the stash; the single exception
is ``fetch_base``, which updates one remote-tracking ref when the policy asks.

Processes are started with ``os.posix_spawnp`` instead of ``subprocess``:
importing ``subprocess`` costs more than the rest of the commit-stage run.
"""
from __future__ import annotations

import os
import select
import time

from worktree_guard.errors import GitError
from worktree_guard.facts import Head
from worktree_guard.facts import RefUpdate
from worktree_guard.facts import WorktreeInfo

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterable
    from collections.abc import Sequence


# Variables git exports into hooks that may be relative to the hook's cwd.
_PATH_VARS = ('GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR',
              'GIT_OBJECT_DIRECTORY')
# Variables that tie a git process to *this* repository; removed when we run
# git against another one (``git rev-parse --local-env-vars``).
LOCAL_ENV_VARS = (
    'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS',
    'GIT_CONFIG_COUNT', 'GIT_OBJECT_DIRECTORY', 'GIT_DIR', 'GIT_WORK_TREE',
    'GIT_IMPLICIT_WORK_TREE', 'GIT_GRAFT_FILE', 'GIT_INDEX_FILE',
    'GIT_NO_REPLACE_OBJECTS', 'GIT_REPLACE_REF_BASE', 'GIT_PREFIX',
    'GIT_INTERNAL_SUPER_PREFIX', 'GIT_SHALLOW_FILE', 'GIT_COMMON_DIR',
    'GIT_QUARANTINE_PATH',
)


class ProcResult:
    __slots__ = ('returncode', 'stdout', 'stderr', 'timed_out')

    def __init__(self, returncode: int, stdout: bytes, stderr: bytes,
                 timed_out: bool = False) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out


def spawn(
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        env: dict[str, str] | None = None,
        timeout: float | None = None,
) -> ProcResult:
    """Run ``argv`` and collect its output without importing subprocess.

    stdin, stdout and stderr are pipes served by one ``poll`` loop, so large
    inputs and outputs cannot deadlock.  With a ``timeout`` the child runs in
    its own process group (so helpers such as ``ssh`` or
    ``git-remote-http`` go too); when time is up the group gets SIGTERM (git
    removes its lock files), then SIGKILL, and ``timed_out`` is set.  If we
    are interrupted, the child is stopped the same way: never left behind.
    """
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    actions: list[tuple[int, ...]] = [
        (os.POSIX_SPAWN_DUP2, in_r, 0),
        (os.POSIX_SPAWN_DUP2, out_w, 1),
        (os.POSIX_SPAWN_DUP2, err_w, 2),
    ]
    for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
        actions.append((os.POSIX_SPAWN_CLOSE, fd))
    try:
        environ = os.environ if env is None else env
        if timeout is None:
            pid = os.posix_spawnp(argv[0], list(argv), environ,
                                  file_actions=actions)
        else:
            pid = os.posix_spawnp(argv[0], list(argv), environ,
                                  file_actions=actions, setpgroup=0)
    except OSError as e:
        for fd in (in_r, in_w, out_r, out_w, err_r, err_w):
            os.close(fd)
        if argv[0] == 'git':
            raise GitError(
                f'cannot run git: {e.strerror}',
                'install git (2.38 or newer) and make sure it is on PATH',
            ) from None
        raise GitError(f'cannot run {argv[0]}: {e.strerror}') from None
    os.close(in_r)
    os.close(out_w)
    os.close(err_w)

    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    pending = memoryview(input or b'')
    open_fds = {out_r, err_r, in_w}
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    reaped: int | None = None
    try:
        poller = select.poll()
        poller.register(out_r, select.POLLIN)
        poller.register(err_r, select.POLLIN)
        if pending:
            os.set_blocking(in_w, False)
            poller.register(in_w, select.POLLOUT)
        else:
            os.close(in_w)
            open_fds.discard(in_w)
        while open_fds:
            wait_ms = None
            if deadline is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                wait_ms = int(left * 1000) + 1
            for fd, _ in poller.poll(wait_ms):
                if fd == in_w:
                    try:
                        n = os.write(in_w, pending[:65536])
                    except BrokenPipeError:
                        n = len(pending)
                    pending = pending[n:]
                    if not pending:
                        poller.unregister(in_w)
                        os.close(in_w)
                        open_fds.discard(in_w)
                    continue
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    poller.unregister(fd)
                    os.close(fd)
                    open_fds.discard(fd)
        reaped = _stop(pid, group=True) if timed_out \
            else os.waitpid(pid, 0)[1]
    finally:
        for fd in open_fds:
            os.close(fd)
        if reaped is None:  # interrupted: stop the child, then re-raise
            _stop(pid, group=timeout is not None)
    rc = os.waitstatus_to_exitcode(reaped)
    return ProcResult(rc, b''.join(chunks[out_r]), b''.join(chunks[err_r]),
                      timed_out)


def _stop(pid: int, group: bool, grace: float = 1.0) -> int:
    """SIGTERM the child (its group when it has one), SIGKILL after
    ``grace`` seconds; return its wait status."""
    import signal

    def send(sig: int) -> None:
        try:
            if group:
                os.killpg(pid, sig)
            else:
                os.kill(pid, sig)
        except ProcessLookupError:  # pragma: no cover (already gone)
            pass

    send(signal.SIGTERM)
    end = time.monotonic() + grace
    while time.monotonic() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    send(signal.SIGKILL)
    return os.waitpid(pid, 0)[1]


# -- git's version -------------------------------------------------------------

# worktree-guard needs git 2.38; a few subcommands are checked before use.
MIN_GIT = (2, 38)
USAGE_EXIT = 129  # git's exit code for an unknown option
NEEDS_GIT: dict[str, tuple[tuple[int, ...], str]] = {
    'merge-tree': ((2, 38), 'merge-tree --write-tree (conflict forecasts)'),
}
_version_cache: list[tuple[int, ...] | None] = []


def parse_git_version(text: str) -> tuple[int, ...] | None:
    """``git version 2.39.5`` (``.windows.1``, `` (Apple Git-143)``)."""
    parts = text.split()
    if len(parts) < 3 or parts[:2] != ['git', 'version']:
        return None
    nums = []
    for p in parts[2].split('.'):
        if not p.isdigit():
            break
        nums.append(int(p))
    return tuple(nums) or None


def git_version() -> tuple[int, ...] | None:
    """The version of the git on PATH (one process, once per run)."""
    if not _version_cache:
        res = spawn(['git', 'version'])
        _version_cache.append(parse_git_version(decode(res.stdout)))
    return _version_cache[0]


def too_old(minimum: tuple[int, ...], feature: str) -> str | None:
    """Why git is too old for ``feature``, or None if it is new enough (or
    its version cannot be read: then git itself decides)."""
    version = git_version()
    if version is None or version >= minimum:
        return None
    have = '.'.join(map(str, version))
    need = '.'.join(map(str, minimum))
    return f'git {have} is older than {need}, which {feature} needs'


def decode(b: bytes) -> str:
    """git's bytes as text; undecodable bytes survive (surrogateescape)."""
    return b.decode('utf-8', 'surrogateescape')


def stderr_tail(res: ProcResult) -> str:
    """The last line git wrote to stderr, else ``exit <code>``."""
    err = decode(res.stderr).strip()
    return err.splitlines()[-1] if err else f'exit {res.returncode}'


def _read(path: str) -> str | None:
    try:
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            return f.read()
    except OSError:
        return None


def hook_env() -> dict[str, str]:
    """The environment for git children, with relative git paths made absolute.

    Inside hooks git may export ``GIT_INDEX_FILE=.git/index`` (relative to
    the hook's cwd); making it absolute keeps it right whatever ``-C`` we use.
    """
    env = dict(os.environ)
    cwd = os.getcwd()
    for var in _PATH_VARS:
        val = env.get(var)
        if val and not os.path.isabs(val):
            env[var] = os.path.normpath(os.path.join(cwd, val))
    return env


def foreign_env() -> dict[str, str]:
    """Environment for running git against a *different* repository."""
    env = dict(os.environ)
    for var in LOCAL_ENV_VARS:
        env.pop(var, None)
    return env


class Repo:
    """A discovered repository, seen from one worktree (or a bare repo)."""

    def __init__(self, git_dir: str, common_dir: str, root: str | None,
                 is_bare: bool, env: dict[str, str]) -> None:
        self.git_dir = git_dir
        self.common_dir = common_dir
        self.root = root
        self.is_bare = is_bare
        self.env = env
        self._worktrees: list[WorktreeInfo] | None = None
        self._remotes: list[str] | None = None

    # -- running git ---------------------------------------------------------

    def git(self, *args: str, input: bytes | None = None,
            check: bool = True, timeout: float | None = None,
            env: dict[str, str] | None = None) -> ProcResult:
        argv = ['git']
        if self.root is not None:
            argv += ['-C', self.root]
        else:
            argv += ['--git-dir', self.git_dir]
        argv += args
        need = NEEDS_GIT.get(args[0]) if args else None
        old = too_old(*need) if need is not None else None
        if old is not None:  # answer as that old git would: unknown option
            res = ProcResult(USAGE_EXIT, b'', f'error: {old}\n'.encode())
        else:
            res = spawn(argv, input=input, env=env or self.env,
                        timeout=timeout)
        if check and res.returncode == USAGE_EXIT:
            old = old or too_old(MIN_GIT, 'worktree-guard')
            if old is not None:
                raise GitError(old, 'upgrade git to 2.38 or newer')
        if check and res.returncode != 0:
            raise GitError(
                f"'git {' '.join(args[:3])}' failed: {stderr_tail(res)}",
            )
        return res

    def out(self, *args: str, input: bytes | None = None) -> str:
        return decode(self.git(*args, input=input).stdout)

    # -- discovery -----------------------------------------------------------

    @classmethod
    def discover(cls, path: str | None = None, *, hook: bool = False) -> Repo:
        """Find the repository that contains ``path`` (default: the cwd).

        One ``git rev-parse`` answers every location question; git knows the
        rules for ``GIT_DIR``, ``GIT_WORK_TREE``, gitfiles, bare repos,
        ``safe.directory`` and symlinked paths better than we would.  A
        native hook (``hook=True``; git runs it at the worktree root) reads
        the plain cases from files instead (``_at_worktree_root``).
        """
        # Pointed at another path, the caller's GIT_DIR/GIT_INDEX_FILE (a
        # hook's environment) must not leak into that repository.
        env = hook_env() if path is None else foreign_env()
        if hook and path is None:
            fast = cls._at_worktree_root(env)
            if fast is not None:
                return fast
        base = ['git'] if path is None else ['git', '-C', path]
        query = ['rev-parse', '--absolute-git-dir', '--git-common-dir',
                 '--is-bare-repository']
        res = spawn(base + query + ['--show-toplevel'], env=env)
        if res.returncode != 0:
            # A bare repo (or a git dir) has no toplevel: ask again without.
            res = spawn(base + query, env=env)
            if res.returncode != 0:
                err = decode(res.stderr).strip()
                raise GitError(
                    f'not inside a git repository ({err.splitlines()[-1] if err else "git rev-parse failed"})',
                    'run worktree-guard from inside a git checkout or worktree',
                )
        lines = decode(res.stdout).split('\n')
        git_dir = lines[0]
        common = lines[1]
        cwd = os.path.abspath(path) if path else os.getcwd()
        if not os.path.isabs(common):
            # --git-common-dir is relative to the cwd git ran in.
            common = os.path.normpath(os.path.join(cwd, common))
        is_bare = lines[2] == 'true'
        root = lines[3] if len(lines) > 3 and lines[3] else None
        if root is None:
            is_bare = True
        return cls(git_dir, common, root, is_bare, env)

    @classmethod
    def _at_worktree_root(cls, env: dict[str, str]) -> Repo | None:
        """``discover()`` without a process, where git runs every hook: at
        the root of a worktree (``.git`` a folder, or a gitfile of a linked
        worktree).

        Only the plain cases: no ``GIT_DIR``/``GIT_WORK_TREE``/
        ``GIT_COMMON_DIR``, a ``.git`` and a root owned by us (git's
        ``safe.directory`` rule), and a config that sets nothing about
        worktrees, bareness or includes.  Anything else returns ``None`` and
        ``git rev-parse`` decides.  Paths are real paths, as git gives them.
        """
        if 'GIT_DIR' in env or 'GIT_WORK_TREE' in env or \
                'GIT_COMMON_DIR' in env or 'GIT_CONFIG_COUNT' in env:
            return None
        params = env.get('GIT_CONFIG_PARAMETERS', '').lower()
        if 'worktree' in params or 'bare' in params or 'include' in params:
            return None
        cwd = os.getcwd()
        dot = os.path.join(cwd, '.git')
        try:
            st = os.stat(dot)
            owner = os.stat(cwd).st_uid
        except OSError:
            return None
        uid = os.geteuid()
        if st.st_uid != uid or owner != uid:
            return None
        if os.path.isdir(dot):
            git_dir = dot
        else:
            text = _read(dot)
            if text is None or not text.startswith('gitdir: '):
                return None
            git_dir = os.path.join(cwd, text[8:].rstrip('\r\n'))
        git_dir = os.path.realpath(git_dir)
        if not os.path.isfile(os.path.join(git_dir, 'HEAD')):
            return None
        commondir = _read(os.path.join(git_dir, 'commondir'))
        common = os.path.realpath(os.path.join(
            git_dir, commondir.rstrip('\r\n'))) if commondir else git_dir
        config = _read(os.path.join(common, 'config'))
        if config is None:
            return None
        for raw in config.lower().splitlines():
            line = raw.replace(' ', '').replace('\t', '')
            if 'worktree' in line or 'include' in line or (
                    line.split('=', 1)[0] == 'bare' and line != 'bare=false'):
                return None
        return cls(git_dir, common, cwd, False, env)

    # -- HEAD ----------------------------------------------------------------

    def head(self) -> Head:
        """Read HEAD (and any rebase/merge state) from files: no process."""
        content = _read(os.path.join(self.git_dir, 'HEAD'))
        operation = self._operation()
        if content is None:
            raise GitError(f'cannot read {self.git_dir}/HEAD')
        content = content.strip()
        if content == 'ref: refs/heads/.invalid':  # pragma: no cover (reftable repos: git >= 2.45)
            # A reftable repo keeps a placeholder HEAD file; ask git.
            res = self.git('symbolic-ref', '-q', 'HEAD', check=False)
            content = ('ref: ' + decode(res.stdout).strip()
                       if res.returncode == 0 else
                       self.rev_parse('HEAD') or content)
        if content.startswith('ref: '):
            ref = content[5:]
            oid = self.ref_oid(ref)
            return Head('branch' if oid else 'unborn',
                        ref[11:] if ref.startswith('refs/heads/') else ref,
                        oid, operation)
        branch: str | None = None
        if operation == 'rebase':
            for state in ('rebase-merge', 'rebase-apply'):
                name = _read(os.path.join(self.git_dir, state, 'head-name'))
                if name and name.strip().startswith('refs/heads/'):
                    branch = name.strip()[11:]
                    break
        return Head('detached', branch, content, operation)

    def _operation(self) -> str | None:
        d = self.git_dir
        if os.path.isdir(os.path.join(d, 'rebase-merge')) or \
                os.path.isdir(os.path.join(d, 'rebase-apply')):
            return 'rebase'
        for name, op in (('MERGE_HEAD', 'merge'),
                         ('CHERRY_PICK_HEAD', 'cherry-pick'),
                         ('REVERT_HEAD', 'revert'),
                         ('BISECT_LOG', 'bisect')):
            if os.path.exists(os.path.join(d, name)):
                return op
        return None

    def ref_oid(self, ref: str) -> str | None:
        """Resolve a full ref name from loose refs or packed-refs (no process)."""
        for base in (self.git_dir, self.common_dir):
            val = _read(os.path.join(base, ref))
            if val is not None:
                val = val.strip()
                if val.startswith('ref: '):
                    return self.ref_oid(val[5:])
                return val or None
        packed = _read(os.path.join(self.common_dir, 'packed-refs'))
        if packed:
            suffix = ' ' + ref
            for line in packed.splitlines():
                if line.endswith(suffix) and not line.startswith(('#', '^')):
                    return line.split(' ', 1)[0]
        if ref.startswith('refs/') and os.path.exists(
                os.path.join(self.common_dir, 'reftable')):  # pragma: no cover (reftable repos: git >= 2.45)
            res = self.git('rev-parse', '--verify', '-q', ref, check=False)
            return decode(res.stdout).strip() or None
        return None

    # -- worktrees -----------------------------------------------------------

    def worktrees(self) -> list[WorktreeInfo]:
        """Every worktree git knows, main checkout first."""
        if self._worktrees is None:
            raw = self.git('worktree', 'list', '--porcelain', '-z').stdout
            self._worktrees = parse_worktree_list(decode(raw))
        return self._worktrees

    def main_root(self) -> str | None:
        """The main checkout's root; ``None`` when the main repo is bare."""
        if not os.path.isdir(os.path.join(self.common_dir, 'worktrees')):
            # No linked worktrees: we are the main checkout (or bare).
            return None if self.is_bare else self.root
        wts = self.worktrees()
        if wts and wts[0].is_main and not wts[0].bare:
            return wts[0].path
        return None

    def is_linked_worktree(self) -> bool:
        return os.path.realpath(self.git_dir) != os.path.realpath(self.common_dir)

    # -- config, refs, remotes -------------------------------------------------

    def config(self, key: str) -> str | None:
        res = self.git('config', '--get', key, check=False)
        return decode(res.stdout).strip() if res.returncode == 0 else None

    def remotes(self) -> list[str]:
        """The remote names (one ``git remote`` per run, however many
        rules ask)."""
        if self._remotes is None:
            self._remotes = self.out('remote').split()
        return self._remotes

    def rev_parse(self, rev: str) -> str | None:
        res = self.git('rev-parse', '--verify', '-q', rev + '^{commit}',
                       check=False)
        return decode(res.stdout).strip() or None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        res = self.git('merge-base', '--is-ancestor', ancestor, descendant,
                       check=False)
        if res.returncode not in (0, 1):
            raise GitError(
                f'cannot compare {ancestor[:12]} and {descendant[:12]}: '
                f'{decode(res.stderr).strip()}',
            )
        return res.returncode == 0

    def resolve_base(self, remote: str | None,
                     branch: str | None) -> tuple[str, str]:
        """The base remote and branch: policy value, else the convention.

        Remote: ``upstream`` if it exists, else ``origin``.  Branch: ``main``,
        else ``master`` (looked up on the remote, then locally).
        """
        if remote is None:
            names = self.remotes()
            remote = 'upstream' if 'upstream' in names else 'origin'
        if branch is None:
            branch = 'main'
            for candidate in ('main', 'master'):
                if self.ref_oid(f'refs/remotes/{remote}/{candidate}') or \
                        self.ref_oid(f'refs/heads/{candidate}'):
                    branch = candidate
                    break
        return remote, branch

    def fill_fast_forward(self, updates: Iterable[RefUpdate]) -> None:
        """Set ``fast_forward`` on updates of existing refs; ``None`` when
        unknown (new ref, deletion, or the old commit is not here).  One
        ``merge-base --is-ancestor`` per ref: exit 128 means a missing
        object."""
        for u in updates:
            u.fast_forward = None
            if u.is_new or u.is_delete:
                continue
            res = self.git('merge-base', '--is-ancestor', u.remote_oid,
                           u.local_oid, check=False)
            if res.returncode in (0, 1):
                u.fast_forward = res.returncode == 0

    # -- the slow path ---------------------------------------------------------



def parse_worktree_list(text: str) -> list[WorktreeInfo]:
    """Parse ``git worktree list --porcelain -z``."""
    result: list[WorktreeInfo] = []
    cur: WorktreeInfo | None = None
    for field in text.split('\0'):
        if not field:
            if cur is not None:
                result.append(cur)
                cur = None
            continue
        key, _, val = field.partition(' ')
        if key == 'worktree':
            cur = WorktreeInfo(val, is_main=not result)
        elif cur is None:
            continue
        elif key == 'HEAD':
            cur.head = val
        elif key == 'branch':
            cur.branch = val[11:] if val.startswith('refs/heads/') else val
        elif key == 'bare':
            cur.bare = True
        elif key == 'detached':
            cur.detached = True
        elif key == 'prunable':
            cur.prunable = val or 'prunable'
        elif key == 'locked':
            cur.locked = val or 'locked'
    if cur is not None:
        result.append(cur)
    return result


def parse_push_lines(text: str) -> list[RefUpdate]:
    """Parse git's pre-push stdin: ``<lref> <loid> <rref> <roid>`` lines.

    Malformed lines raise ``GitError`` (exit 2) naming the line.
    """
    updates = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(' ')
        if len(parts) != 4 or not all(is_oid(p) for p in (parts[1], parts[3])):
            raise GitError(
                f'pre-push input line {n} is malformed: {line[:120]!r}',
                'git sends "<local-ref> <local-oid> <remote-ref> <remote-oid>" '
                'lines; run this hook from git, not by hand',
            )
        updates.append(RefUpdate(parts[0], parts[1], parts[2], parts[3]))
    return updates


def is_oid(s: str) -> bool:
    """A full SHA-1 or SHA-256 object name in lower-case hex."""
    return len(s) in (40, 64) and all(c in '0123456789abcdef' for c in s)
