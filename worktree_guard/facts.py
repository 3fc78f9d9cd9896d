"""Plain fact records that ``gitctx`` produces and the rules consume.

Nothing here talks to git.  The classes use ``__slots__`` rather than
dataclasses: importing ``dataclasses`` costs more than the whole branch check
on the commit path.
"""
from __future__ import annotations

ZERO_OID = '0' * 40


class Head:
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

    def __repr__(self) -> str:
        return (
            f'Head(kind={self.kind!r}, branch={self.branch!r}, '
            f'operation={self.operation!r})'
        )


class WorktreeInfo:
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

    def __repr__(self) -> str:
        return f'WorktreeInfo(path={self.path!r}, branch={self.branch!r})'


class RefUpdate:
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

    def __repr__(self) -> str:
        return (
            f'RefUpdate({self.local_ref!r} {self.local_oid[:8]} -> '
            f'{self.remote_ref!r} {self.remote_oid[:8]})'
        )


class BranchTarget:
    """A branch name a rule judges.

    ``origin`` is ``HEAD`` (the branch being committed on) or ``push`` (a
    remote branch being created or updated).  ``is_new`` says whether the
    branch is absent from the remote; ``None`` when unknown.
    """

    __slots__ = ('name', 'origin', 'is_new', 'update', 'unborn')

    def __init__(
            self,
            name: str,
            origin: str,
            is_new: bool | None = None,
            update: RefUpdate | None = None,
            unborn: bool = False,
    ) -> None:
        self.name = name
        self.origin = origin
        self.is_new = is_new
        self.update = update
        self.unborn = unborn

    def __repr__(self) -> str:
        return f'BranchTarget({self.name!r}, origin={self.origin!r})'
