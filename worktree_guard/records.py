"""The records' base class, the checkout records and the agent hook's facts.

``model`` holds every record and re-exports these; they live here so that
the agent hook, which runs before every tool call an agent makes, imports
these few classes rather than the whole model (issue 17).
"""

class _Unset:
    """A slot never set (shown as ``<unset>``)."""

    def __repr__(self) -> str:
        return '<unset>'


_UNSET = _Unset()


class Record:
    """Base of every record: ``__slots__`` only, a repr naming them, and
    equality by value: two records are equal when they are of the same
    class and every slot holds an equal value (so tests compare records,
    not messages).  Records are mutable, so they are not hashable."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, slot, _UNSET) for slot in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ', '.join(f'{slot}={getattr(self, slot, _UNSET)!r}'
                           for slot in self.__slots__)
        return f'{type(self).__name__}({fields})'


class RepoCheckout(Record):
    """One checkout, for the agent hook (issue 14; gitctx/checkouts.py reads
    them from files): ``root`` (real path), ``kind`` (``main`` or
    ``worktree``), ``branch`` (short name, ``None`` when detached or
    unknown) and ``git_dir`` (its own git dir)."""

    __slots__ = ('root', 'kind', 'branch', 'git_dir')

    def __init__(self, root: str, kind: str, branch: str | None,
                 git_dir: str) -> None:
        self.root = root
        self.kind = kind
        self.branch = branch
        self.git_dir = git_dir


class CheckoutMap(Record):
    """Every checkout of the repository that holds a folder.

    ``current`` is the checkout holding that folder (``None`` when the
    folder is in no checkout: a bare repository's git dir, say);
    ``checkouts`` lists the main checkout (when the repository is not bare)
    and every linked worktree; ``common_dir`` is the shared git dir.
    """

    __slots__ = ('current', 'checkouts', 'common_dir')

    def __init__(self, current: RepoCheckout | None,
                 checkouts: list[RepoCheckout], common_dir: str) -> None:
        self.current = current
        self.checkouts = checkouts
        self.common_dir = common_dir

    @property
    def main(self) -> RepoCheckout | None:
        return next((c for c in self.checkouts if c.kind == 'main'), None)

    @property
    def linked(self) -> list[RepoCheckout]:
        return [c for c in self.checkouts if c.kind == 'worktree']


class Checkout(Record):
    """A checkout of the repository, for worktree-paths (issue 3).

    ``kind`` is ``current`` (the worktree the hook runs in), ``main`` (the
    main checkout) or ``worktree`` (another linked worktree).  ``forms`` are
    the absolute spellings of its root that content may use: the path git
    lists, its realpath, the shell's logical ``$PWD`` form.  ``name`` is the
    path below ``worktrees.root`` (``issue-46-docs``) when it lives there.
    """

    __slots__ = ('kind', 'path', 'forms', 'name', 'branch')

    def __init__(self, kind: str, path: str, forms: list[str],
                 name: str | None = None, branch: str | None = None) -> None:
        self.kind = kind
        self.path = path
        self.forms = forms
        self.name = name
        self.branch = branch


class AgentFacts(Record):
    """What the agent hook reads besides the checkouts (issue 22), for
    rules/agent_guard.py: ``hooks``, the folders git runs hooks from
    (``<common>/hooks``, ``core.hooksPath``); ``policy_files``, policy
    files named outside the usual place (``--policy`` in the pre-commit
    configuration); ``temp_dirs``, the scratch folders writes may use
    (``/tmp``, ``/var/tmp``, ``$TMPDIR``, as real paths)."""

    __slots__ = ('hooks', 'policy_files', 'temp_dirs')

    def __init__(self, hooks: list[str] | None = None,
                 policy_files: list[str] | None = None,
                 temp_dirs: list[str] | None = None) -> None:
        self.hooks = hooks if hooks is not None else []
        self.policy_files = policy_files if policy_files is not None else []
        self.temp_dirs = temp_dirs if temp_dirs is not None else \
            ['/tmp', '/var/tmp']
