"""The repository as seen from one worktree (or a bare repo): discovery,
HEAD, refs, worktrees, remotes and ancestry.  Read-only."""
from __future__ import annotations

import os

from worktree_guard.errors import GitError
from worktree_guard.gitctx.process import ProcResult
from worktree_guard.gitctx.process import decode
from worktree_guard.gitctx.process import foreign_env
from worktree_guard.gitctx.process import hook_env
from worktree_guard.gitctx.process import spawn
from worktree_guard.gitctx.process import stderr_tail
from worktree_guard.gitctx.version import MIN_GIT
from worktree_guard.gitctx.version import NEEDS_GIT
from worktree_guard.gitctx.version import USAGE_EXIT
from worktree_guard.gitctx.version import too_old
from worktree_guard.model import Head
from worktree_guard.model import RefUpdate
from worktree_guard.model import WorktreeInfo

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Generator

    from worktree_guard.gitctx.gitparse import Change
    from worktree_guard.gitctx.pipes import Started


# The commands a frozen repository answers from memory: reads whose answer
# depends only on the objects and refs (never on a work tree or index).
READS = frozenset(('rev-list', 'diff-tree', 'cat-file', 'rev-parse',
                   'merge-base', 'ls-tree', 'grep', 'for-each-ref'))
# At most this much output is kept (the rest is asked again if repeated).
MEMO_BYTES = 64 << 20


def _read(path: str) -> str | None:
    # (lightpath.read_text is the agent hook's twin: the commit hooks do
    # not load lightpath.)
    try:
        with open(path, encoding='utf-8', errors='surrogateescape') as f:
            return f.read()
    except OSError:
        return None


def dubious_ownership(err: str, path: str | None) -> GitError:
    """git refuses a repository another user owns (``safe.directory``)."""
    where = os.path.abspath(path) if path else os.getcwd()
    for raw in err.splitlines():
        line = raw.strip()
        if line.startswith('git config --global --add safe.directory'):
            fix = line
            break
    else:  # pragma: no cover (git always names the command)
        fix = f'git config --global --add safe.directory {where}'
    return GitError(
        f'git refuses {where}: it is owned by another user '
        '(dubious ownership)',
        f'if you trust it, mark it safe: {fix}',
    )



def _plain_env(env: dict[str, str]) -> bool:
    """No variable that moves git's folders or sets config about
    worktrees, bareness or includes."""
    if 'GIT_DIR' in env or 'GIT_WORK_TREE' in env or \
            'GIT_COMMON_DIR' in env or 'GIT_CONFIG_COUNT' in env:
        return False
    params = env.get('GIT_CONFIG_PARAMETERS', '').lower()
    return not ('worktree' in params or 'bare' in params or
                'include' in params)


def _owned_git_dir(cwd: str) -> str | None:
    """The real git dir ``cwd/.git`` names (a folder, or a gitfile), when
    it and ``cwd`` are ours (git's ``safe.directory`` rule)."""
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
        return os.path.realpath(dot)
    text = _read(dot)
    if text is None or not text.startswith('gitdir: '):
        return None
    return os.path.realpath(os.path.join(cwd, text[8:].rstrip('\r\n')))


def _plain_config(config: str) -> bool:
    """The config sets nothing about worktrees, includes or bareness
    (``bare = false`` aside)."""
    for raw in config.lower().splitlines():
        line = raw.replace(' ', '').replace('\t', '')
        if 'worktree' in line or 'include' in line or (
                line.split('=', 1)[0] == 'bare' and line != 'bare=false'):
            return False
    return True


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
        # A receive hook's repository holds still while the hook runs (git
        # updates no ref before pre-receive accepts, and the hook writes
        # nothing), so ``frozen`` answers a repeated read (``READS``) from
        # memory: refs that share a range (a tag at a pushed branch's tip,
        # one commit pushed under two names) share its rev-list and diff.
        self.frozen = False
        # The ``--raw`` listings of the changes read in this run, by diff
        # command and revisions, with the patch when it was read whole
        # (``gitctx.paths``): refs that share a range share one.
        self.listings: dict[tuple[str, ...],
                            tuple[list[Change], bytes | None]] = {}
        self._memo: dict[tuple[object, ...], ProcResult] = {}
        self._memo_bytes = 0
        # The work tree has no ``.git`` (``core.worktree``, ``GIT_WORK_TREE``):
        # git run there must be told where the repository is.
        self.apart = root is not None and 'GIT_DIR' not in env and \
            not os.path.exists(os.path.join(root, '.git'))

    # -- running git ---------------------------------------------------------

    def _argv(self, args: tuple[str, ...]) -> list[str]:
        argv = ['git']
        if self.root is not None:
            argv += ['-C', self.root]
            if self.apart:
                argv += ['--git-dir', self.git_dir, '--work-tree', self.root]
        else:
            argv += ['--git-dir', self.git_dir]
        argv += args
        return argv

    def git_stream(self, *args: str, input: bytes = b''
                   ) -> Generator[bytes, None, None]:
        """``git <args>``'s stdout, chunk by chunk as git writes it
        (``pipes.stream``); a failure raises ``GitError``."""
        from worktree_guard.gitctx.pipes import stream
        return stream(self._argv(args), input=input, env=self.env,
                      what=f'git {command_name(args)}')

    def git_relay(self, source: Started, feed: Callable[[bytes], bytes],
                  *args: str) -> Generator[bytes, None, None]:
        """``git <args>`` fed ``source``'s output through ``feed`` as it
        comes (``pipes.relay``); its stdout chunk by chunk."""
        from worktree_guard.gitctx.pipes import relay
        return relay(source, self._argv(args), feed, env=self.env,
                     what=f'git {command_name(args)}')

    def git_start(self, *args: str) -> Started:
        """``git <args>`` started now, its output collected by
        ``.wait()`` (no check: the caller reads the exit code)."""
        from worktree_guard.gitctx.pipes import Started
        return Started(self._argv(args), self.env)

    def git(self, *args: str, input: bytes | None = None,
            check: bool = True, timeout: float | None = None,
            env: dict[str, str] | None = None) -> ProcResult:
        argv = self._argv(args)
        key = (args, input) if self.frozen and env is None and \
            timeout is None and command_name(args).split(' ')[0] in READS \
            else None
        res = self._memo.get(key) if key is not None else None
        if res is not None:
            return res
        need = NEEDS_GIT.get(args[0]) if args else None
        old = too_old(*need) if need is not None else None
        if old is not None:  # answer as that old git would: unknown option
            res = ProcResult(USAGE_EXIT, b'', f'error: {old}\n'.encode())
        else:
            res = spawn(argv, input=input, env=env or self.env,
                        timeout=timeout)
        if key is not None and res.returncode in (0, 1):
            size = len(res.stdout) + len(res.stderr)
            if self._memo_bytes + size <= MEMO_BYTES:
                self._memo[key] = res
                self._memo_bytes += size
        if check and res.returncode == USAGE_EXIT:
            old = old or too_old(MIN_GIT, 'worktree-guard')
            if old is not None:
                raise GitError(old, 'upgrade git to 2.38 or newer')
        if check and res.returncode != 0:
            raise GitError(
                f"'git {command_name(args)}' failed: {stderr_tail(res)}",
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
                if 'dubious ownership' in err:
                    raise dubious_ownership(err, path)
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
        if not _plain_env(env):
            return None
        cwd = os.getcwd()
        git_dir = _owned_git_dir(cwd)
        if git_dir is None or \
                not os.path.isfile(os.path.join(git_dir, 'HEAD')):
            return None
        commondir = _read(os.path.join(git_dir, 'commondir'))
        common = os.path.realpath(os.path.join(
            git_dir, commondir.rstrip('\r\n'))) if commondir else git_dir
        config = _read(os.path.join(common, 'config'))
        if config is None or not _plain_config(config):
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
        """Resolve a full ref name from loose refs or packed-refs (no
        process).  ``gitctx.trust.read_ref`` reads them the same way for
        the agent hook, without this module (the commit hooks do not load
        that one either)."""
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

    def config_scope(self, key: str) -> tuple[str, str] | None:
        """``(scope, value)`` of ``key`` (``local``, ``global``,
        ``system``, ``worktree``, ``command`` for ``git -c``); ``None``
        when it is unset."""
        res = self.git('config', '--show-scope', '--get', key, check=False)
        if res.returncode != 0:
            return None
        scope, _, value = decode(res.stdout).strip().partition('\t')
        return scope, value

    def bare_git_dir(self) -> bool:
        """Is the git dir a bare repository's (``core.bare``)?  Not
        ``is_bare``, which is also true inside a checkout's ``.git``."""
        return self.out('rev-parse', '--is-bare-repository').strip() == \
            'true'

    def symbolic_head(self) -> str | None:
        """The ref HEAD names (``refs/heads/main``); ``None`` when HEAD is
        detached."""
        res = self.git('symbolic-ref', '-q', 'HEAD', check=False)
        return decode(res.stdout).strip() or None

    def switch_new(self, branch: str) -> str | None:
        """``git switch -c branch`` in this worktree (uncommitted files go
        along): ``None``, or git's message when it fails."""
        res = self.git('switch', '-c', branch, check=False)
        return None if res.returncode == 0 else \
            res.stderr.decode(errors='replace').strip()

    def listed_files(self) -> list[str]:
        """Every file git lists in the worktree: tracked, untracked and
        ignored (``ls-files --cached --others``)."""
        res = self.git('ls-files', '-z', '--cached', '--others', check=False)
        return [p for p in decode(res.stdout).split('\0') if p]

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

    def blob(self, oid: str) -> bytes:
        """The bytes of the blob ``oid``."""
        out: bytes = self.git('cat-file', 'blob', oid).stdout
        return out

    def blob_text(self, rev: str, path: str) -> str | None:
        """The text of ``path`` as committed at ``rev``; ``None`` when it
        has no such file."""
        res = self.git('cat-file', 'blob', f'{rev}:{path}', check=False)
        return decode(res.stdout) if res.returncode == 0 else None

    def branches_at(self, oid: str) -> set[str]:
        """The names of the branches whose tip is ``oid``: local
        branches, and remote-tracking ones without their remote's name
        (``origin/x`` is ``x``)."""
        remotes = self.remotes()
        out = self.out('for-each-ref', '--points-at', oid,
                       '--format=%(refname)', 'refs/heads/', 'refs/remotes/')
        names = set()
        for ref in out.splitlines():
            if ref.startswith('refs/heads/'):
                names.add(ref[11:])
                continue
            rest = ref[13:]
            remote = next((r for r in remotes
                           if rest.startswith(f'{r}/')), None)
            if remote is not None and rest != f'{remote}/HEAD':
                names.add(rest[len(remote) + 1:])
        return names

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


def command_name(args: tuple[str, ...] | list[str]) -> str:
    """The git subcommand and its first arguments, for a message: global
    options (``-c key=value``, ``--no-pager``) are left out, so a failure
    names ``diff-tree -r`` and not ``-c core.quotePath=false -c``."""
    i = 0
    while i < len(args) and args[i].startswith('-'):
        i += 2 if args[i] in ('-c', '-C', '--git-dir', '--work-tree') else 1
    return ' '.join(args[i:i + 3]) or ' '.join(args)


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
