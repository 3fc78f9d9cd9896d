"""The model: plain records that ``gitctx`` produces and the rules consume,
and the stage input an entry point hands to the runner.

Nothing here talks to git.  The records share one small base class with
``__slots__`` rather than dataclasses: importing ``dataclasses`` costs more
than the whole branch check on the commit path (ARCHITECTURE.md, start-up).
"""
from __future__ import annotations

# The base class, the checkout records and the agent hook's facts live in
# ``records`` (the agent hook imports only them); they are part of the model, and the
# aliases re-export them (mypy --strict).
from worktree_guard.records import Checkout as Checkout  # noqa: PLC0414
from worktree_guard.records import CheckoutMap as CheckoutMap  # noqa: PLC0414
from worktree_guard.records import Record as Record  # noqa: PLC0414
from worktree_guard.records import RepoCheckout as RepoCheckout  # noqa: PLC0414

ZERO_OID = '0' * 40

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Iterator
    from collections.abc import Sequence


def is_oid(s: str) -> bool:
    """A full SHA-1 or SHA-256 object name in lower-case hex."""
    return len(s) in (40, 64) and all(c in '0123456789abcdef' for c in s)


class Head(Record):
    """What HEAD points at in one worktree.

    ``kind`` is ``branch``, ``detached`` or ``unborn``.  ``branch`` is the
    short branch name; during a rebase it is the branch being rebased (read
    from the rebase state), even though HEAD itself is detached.
    ``operation`` names a sequencer state in progress: ``rebase``, ``merge``,
    ``cherry-pick``, ``revert`` or ``bisect``.
    """

    __slots__ = ('kind', 'branch', 'oid', 'operation')

    def __init__(
            self,
            kind: str,
            branch: str | None = None,
            oid: str | None = None,
            operation: str | None = None,
    ) -> None:
        self.kind = kind
        self.branch = branch
        self.oid = oid
        self.operation = operation


class WorktreeInfo(Record):
    """One entry of ``git worktree list``."""

    __slots__ = ('path', 'branch', 'head', 'is_main', 'bare', 'detached',
                 'prunable', 'locked')

    def __init__(
            self,
            path: str,
            branch: str | None = None,
            head: str | None = None,
            is_main: bool = False,
            bare: bool = False,
            detached: bool = False,
            prunable: str | None = None,
            locked: str | None = None,
    ) -> None:
        self.path = path
        self.branch = branch
        self.head = head
        self.is_main = is_main
        self.bare = bare
        self.detached = detached
        self.prunable = prunable
        self.locked = locked


class RefUpdate(Record):
    """One ref being pushed (pre-push line) or received (pre-receive line).

    ``local_ref``/``local_oid`` are what is sent; ``remote_ref``/``remote_oid``
    are the destination and its current value (all zeros when new).
    ``fast_forward`` is filled in by gitctx: ``True``/``False``, or ``None``
    when unknown (new ref, deletion, or the old commit is not available).
    """

    __slots__ = ('local_ref', 'local_oid', 'remote_ref', 'remote_oid',
                 'fast_forward')

    def __init__(
            self,
            local_ref: str,
            local_oid: str,
            remote_ref: str,
            remote_oid: str,
            fast_forward: bool | None = None,
    ) -> None:
        self.local_ref = local_ref
        self.local_oid = local_oid
        self.remote_ref = remote_ref
        self.remote_oid = remote_oid
        self.fast_forward = fast_forward

    @property
    def is_delete(self) -> bool:
        return set(self.local_oid) == {'0'}

    @property
    def is_new(self) -> bool:
        return set(self.remote_oid) == {'0'}

    @property
    def is_branch(self) -> bool:
        return self.remote_ref.startswith('refs/heads/')

    @property
    def is_tag(self) -> bool:
        return self.remote_ref.startswith('refs/tags/')

    @property
    def branch(self) -> str:
        """Short name of the remote branch being written."""
        return self.remote_ref[len('refs/heads/'):] if self.is_branch else ''


class BranchTarget(Record):
    """A branch name a rule judges.

    ``origin`` is ``HEAD`` (the branch being committed on) or ``push`` (a
    remote branch being created or updated).  ``is_new`` says whether the
    branch is absent from the remote; ``None`` when unknown.
    """

    __slots__ = ('name', 'origin', 'is_new', 'update', 'unborn', 'remote',
                 'operation')

    def __init__(
            self,
            name: str,
            origin: str,
            is_new: bool | None = None,
            update: RefUpdate | None = None,
            unborn: bool = False,
            remote: str | None = None,
            operation: str | None = None,
    ) -> None:
        self.name = name
        self.origin = origin
        self.is_new = is_new
        self.update = update
        self.unborn = unborn
        # At push: the remote's name.  At commit: a merge, cherry-pick,
        # revert or rebase in progress (Head.operation).
        self.remote = remote
        self.operation = operation


class BranchFacts(Record):
    """The branches a stage targets, for branch-name and protected-branch.

    At commit: the branch being committed on (none on a detached HEAD, then
    ``detached``), and ``committing`` false under ``--all-files``, where
    nothing is being committed.  At push: every pushed branch, deletions
    included, with ``fast_forward`` filled in for protected ones, and
    ``merges``: per pushed protected ref that fast-forwards, the merge
    commits it brings (at most ``MERGES_SHOWN``; only when
    ``server.allow-merges`` is false).
    """

    __slots__ = ('targets', 'detached', 'committing', 'merges')

    def __init__(self, targets: list[BranchTarget] | None = None,
                 detached: bool = False, committing: bool = True,
                 merges: dict[str, list[str]] | None = None) -> None:
        self.targets = targets if targets is not None else []
        self.detached = detached
        self.committing = committing
        self.merges = merges or {}


class LayoutFacts(Record):
    """Where one worktree sits, for the worktree-layout rule.

    ``linked`` is false for the main checkout (not judged).  Paths are real
    (symlinks resolved).  ``root_dir`` is ``<main>/<worktrees.root>`` (nested
    layout) or ``<git-common-dir>/<worktrees.root>`` (bare layout); ``None``
    when the nested layout has no main checkout (the repository is bare).
    ``ignored`` says whether ``<root>/`` is ignored in the main checkout;
    ``None`` when that does not apply (bare layout, or a root outside it).
    ``branch`` is ``None`` on a detached HEAD.
    """

    __slots__ = ('linked', 'path', 'branch', 'layout', 'root', 'root_dir',
                 'main_root', 'ignored', 'unjudged')

    def __init__(
            self,
            linked: bool,
            path: str,
            branch: str | None = None,
            layout: str = 'nested',
            root: str = 'trees',
            root_dir: str | None = None,
            main_root: str | None = None,
            ignored: bool | None = None,
            unjudged: str | None = None,
    ) -> None:
        self.linked = linked
        # Why the layout cannot be judged (set with ``linked`` false).
        self.unjudged = unjudged
        self.path = path
        self.branch = branch
        self.layout = layout
        self.root = root
        self.root_dir = root_dir
        self.main_root = main_root
        self.ignored = ignored


class Replay(Record):
    """What ``git rebase <onto>`` would do to one branch (``gitctx.replay``).

    ``state``: ``up to date`` (``onto`` is in the branch: nothing to
    replay), ``clean`` (every commit applies; ``tree`` is the result),
    ``conflict`` (the rebase would stop at commit ``step`` of ``commits``,
    ``at``, in ``files``), ``landed`` (its work is in ``onto`` already:
    ``how`` is ``fast-forward``, ``cherry-pick`` (every commit's patch-id
    is upstream) or ``squash`` (the commits replay to nothing, or the
    branch's combined patch-id is upstream)), ``empty`` (no commit of its
    own) or ``unknown`` (a root commit to replay: git would need
    ``--root``).  ``commits`` counts what the rebase would replay, after
    ``dropped`` commits whose patch-id is upstream.
    """

    __slots__ = ('tip', 'onto', 'state', 'how', 'commits', 'dropped',
                 'tree', 'files', 'at', 'step')

    def __init__(self, tip: str, onto: str, state: str, how: str | None = None,
                 commits: int = 0, dropped: int = 0, tree: str | None = None,
                 files: list[str] | None = None, at: str | None = None,
                 step: int = 0) -> None:
        self.tip = tip
        self.onto = onto
        self.state = state
        self.how = how
        self.commits = commits
        self.dropped = dropped
        self.tree = tree
        self.files = files or []
        self.at = at
        self.step = step


class SyncTarget(Record):
    """One pushed branch that sync-before-push judges (issue 4).

    ``behind`` counts the base commits the pushed tip lacks;
    ``merges`` lists the merge commits in ``<base>..<pushed>`` (newest
    first); ``conflicts`` maps another active worktree branch to the paths
    the pushed branch would conflict on (only with ``sync.warn-overlap``).
    ``cut`` is the shallow-clone cut-off commit the walk from the pushed tip
    hit before it found the base tip: ancestry is then undecided and
    ``behind`` is meaningless.
    """

    __slots__ = ('update', 'behind', 'merges', 'conflicts', 'cut')

    def __init__(self, update: RefUpdate, behind: int = 0,
                 merges: list[str] | None = None,
                 conflicts: dict[str, list[str]] | None = None,
                 cut: str | None = None) -> None:
        self.update = update
        self.behind = behind
        self.merges = merges or []
        self.conflicts = conflicts or {}
        self.cut = cut


class SyncFacts(Record):
    """What sync-before-push judges a push against (issue 4): raw facts
    only; the rule decides whether the tip is trusted.

    ``remote``/``base`` name the base branch (``origin``/``main``).
    ``source`` is where ``tip`` came from: ``fetched`` (a fetch just now),
    ``cached`` (the remote-tracking ref: fetch off or failed) or ``local``
    (server side: ``refs/heads/<base>``).  ``tip`` is ``None`` when that
    ref does not exist.  ``age`` is the cached ref's age in seconds
    (``None``: unknown), ``fetch_error`` why the fetch failed, ``missing``
    that the remote (on the server: this repository) has no such branch.
    The targets were compared with ``tip`` when it exists.  ``targets`` are
    only the branches being judged: deletions, tags, the base branch and
    ``sync.exempt`` are already left out.
    """

    __slots__ = ('remote', 'base', 'tip', 'source', 'targets', 'age',
                 'fetch_error', 'missing')

    def __init__(self, remote: str, base: str, tip: str | None = None,
                 source: str = 'fetched',
                 targets: list[SyncTarget] | None = None,
                 age: float | None = None, fetch_error: str | None = None,
                 missing: bool = False) -> None:
        self.remote = remote
        self.base = base
        self.tip = tip
        self.source = source
        self.targets = targets or []
        self.age = age
        self.fetch_error = fetch_error
        self.missing = missing

    @property
    def base_name(self) -> str:
        """How the user names the base tip: ``origin/main`` (or ``main``
        on the server)."""
        return self.base if self.source == 'local' else \
            f'{self.remote}/{self.base}'


class PathChange(Record):
    """What one change adds, for worktree-paths (issue 3): the staged
    content at commit, or one pushed ref's range.

    ``entries`` are ``(path, mode, symlink target or None)`` for the paths
    the change adds or modifies (a whole-file scan lists only those a rule
    can judge by path: symlinks, gitlinks, paths under a worktrees root).
    ``data`` is one git output (a patch, or ``cat-file --batch`` contents)
    and ``regions`` are ``(start, end, path)`` slices of it, sorted:
    unified-diff hunks when ``patch`` (only ``+`` lines count), else whole
    text files.  ``ref`` is the pushed ref.  ``parts``: more content of the
    same change, streamed (a whole-file scan reads its files a chunk at a
    time, never all at once); ``chunks()`` yields this change, then them.
    """

    __slots__ = ('ref', 'entries', 'data', 'regions', 'patch', 'parts')

    def __init__(self, ref: str | None = None,
                 entries: list[tuple[str, str, str | None]] | None = None,
                 data: bytes = b'',
                 regions: list[tuple[int, int, str]] | None = None,
                 patch: bool = False,
                 parts: Iterable[PathChange] | None = None) -> None:
        self.ref = ref
        self.entries = entries if entries is not None else []
        self.data = data
        self.regions = regions if regions is not None else []
        self.patch = patch
        self.parts = parts

    def chunks(self) -> Iterator[PathChange]:
        yield self
        if self.parts is not None:
            yield from self.parts


class PathFacts(Record):
    """Everything worktree-paths judges (issue 3).

    ``root`` is the current worktree's root (``None`` on a bare repo or the
    server); ``checkouts`` every checkout git knows, the current one
    included; ``changes`` the content to judge.  ``skipped`` counts the
    files left unread, by why (``binary file``, ``file over 1MiB``, ...):
    complete once every streamed ``PathChange.parts`` has been read.
    ``container_users`` are the users the repository's Dockerfiles create
    (read only when the content holds a home path); ``symlinks`` maps
    every committed symlink of the judged tree to its target (read only
    when a change adds a symlink), for chains; ``git_dir`` is the common
    git dir; ``home`` the user's home (``~/`` and ``$HOME/`` paths into a
    checkout are judged as the absolute paths they name).  ``exists`` is
    the oracle of this machine's disk (``gitctx.exists.Exists``: whether
    an absolute path exists), None where no checkout is on this disk (the
    server): the path engine's evidence that a ``../`` climb reaches
    something here (issue 24).
    """

    __slots__ = ('root', 'checkouts', 'changes', 'skipped',
                 'container_users', 'symlinks', 'git_dir', 'home', 'exists')

    def __init__(self, root: str | None = None,
                 checkouts: list[Checkout] | None = None,
                 changes: list[PathChange] | None = None,
                 skipped: list[tuple[int, str, str]] | None = None,
                 container_users: frozenset[str] | None = None,
                 symlinks: dict[str, str] | None = None,
                 git_dir: str | None = None,
                 home: str | None = None,
                 exists: Callable[[str], bool] | None = None) -> None:
        self.root = root
        self.checkouts = checkouts if checkouts is not None else []
        self.changes = changes if changes is not None else []
        self.skipped = skipped if skipped is not None else []
        self.container_users = container_users or frozenset()
        self.symlinks = symlinks if symlinks is not None else {}
        self.git_dir = git_dir
        self.home = home
        self.exists = exists


class StageInput(Record):
    """What a run judges.

    ``stage`` is ``commit`` or ``push``.  At push, ``updates`` are the refs
    being pushed and ``remote`` the remote's name.  ``all_files`` checks
    whole files instead of the change.  ``files``, with ``all_files``, narrows
    that to these paths (pre-commit's ``--all-files``/``--files`` pass the
    files to judge; ``hookinput.files_to_judge``).  Entry points build it
    (``hookinput``); facts collectors (``gitctx.<domain>.<x>_facts(repo,
    policy, inp)``) only read it.
    """

    __slots__ = ('stage', 'updates', 'remote', 'all_files', 'server', 'files',
                 'progress')

    def __init__(self, stage: str, updates: list[RefUpdate] | None = None,
                 remote: str | None = None, all_files: bool = False,
                 server: bool = False, files: list[str] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.stage = stage
        self.files = files
        # ``progress(done, total)`` while whole files are read (``check
        # --all-files`` on a terminal); ``None``: no progress is shown.
        self.progress = progress
        self.updates = updates or []
        self.remote = remote
        self.all_files = all_files
        # Set by the pre-receive hook: we *are* the remote.  The base tip is
        # the local refs/heads/<base>; nothing is fetched; pushed objects may
        # sit in git's quarantine.
        self.server = server


class Violation(Record):
    """One finding of a rule: what, where, how bad, and the fix; equal to
    another with the same fields."""

    __slots__ = ('rule', 'kind', 'message', 'severity', 'path', 'line', 'col',
                 'ref', 'token', 'fix')

    def __init__(
            self,
            rule: str,
            message: str,
            *,
            kind: str | None = None,
            severity: str = 'error',
            path: str | None = None,
            line: int | None = None,
            col: int | None = None,
            ref: str | None = None,
            token: str | None = None,
            fix: Sequence[str] = (),
    ) -> None:
        self.rule = rule
        self.kind = kind
        self.message = message
        self.severity = severity
        self.path = path
        self.line = line
        self.col = col
        self.ref = ref
        self.token = token
        self.fix = list(fix)

    @property
    def code(self) -> str:
        return f'{self.rule}/{self.kind}' if self.kind else self.rule

    @property
    def fingerprint(self) -> str:
        """A stable id of the finding: its rule, kind, path and token, not
        its line, so it survives edits above it.  Two identical tokens in
        one file share it (the baseline counts them)."""
        import hashlib
        key = '\0'.join((self.rule, self.kind or '', self.path or '',
                         self.token or ''))
        return hashlib.sha256(
            key.encode('utf-8', 'surrogateescape')).hexdigest()[:16]

    @property
    def location(self) -> str:
        if self.path is not None:
            loc = quote_path(self.path)
            if self.line is not None:
                loc += f':{self.line}'
                if self.col is not None:
                    loc += f':{self.col}'
            return loc
        return quote_path(self.ref) if self.ref else 'HEAD'

    def as_dict(self) -> dict[str, Any]:
        return {
            'rule': self.rule, 'kind': self.kind, 'code': self.code,
            'severity': self.severity, 'message': self.message,
            'path': self.path, 'line': self.line, 'col': self.col,
            'ref': self.ref, 'token': self.token, 'fix': self.fix,
            'fingerprint': self.fingerprint,
        }


def quote_path(path: str) -> str:
    """A path as git's ``core.quotePath`` prints an unusual one: in double
    quotes with C escapes when it holds a control character, a quote or a
    backslash, so a newline in a file name cannot break the
    ``path:line:col`` line.  Plain paths (spaces and unicode included) are
    printed as they are."""
    if path.isprintable() and '"' not in path and '\\' not in path:
        return path
    out = []
    for ch in path:
        if ch in '"\\':
            out.append('\\' + ch)
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\t':
            out.append('\\t')
        elif not ch.isprintable():
            out.extend(f'\\{b:03o}' for b in ch.encode('utf-8',
                                                        'surrogateescape'))
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'
