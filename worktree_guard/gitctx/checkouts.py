"""The checkouts of a repository, read from files without running git
(issue 14: the agent hook runs before every tool call).

Git keeps what ``git worktree list`` prints in plain files: a linked
worktree's root holds a gitfile (``gitdir: <common>/worktrees/<id>``),
that folder a ``commondir`` file and a ``gitdir`` file naming the
worktree's ``.git``; the main checkout is the folder holding the common
``.git``.  Every path here is a real path (symlinks resolved), so targets
resolved with ``resolve_target`` compare with plain string prefixes.

``resolve_target`` is the one place that turns a path an agent names into
an absolute real path.  (The path engine of issue 12 will take it over.)

No ``os`` here (``lightpath`` instead): this is the agent hook's path.
"""
from worktree_guard import lightpath as P
from worktree_guard.records import AgentFacts
from worktree_guard.records import CheckoutMap
from worktree_guard.records import RepoCheckout

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Mapping

    from worktree_guard.gitctx.trust import Config




def _branch(git_dir: str) -> str | None:
    head = P.read_text(P.join(git_dir, 'HEAD'))
    if head is None or not head.startswith('ref: refs/heads/'):
        return None
    return head[16:].strip() or None


def _gitfile(dot: str) -> str | None:
    """The git dir a ``.git`` (folder or gitfile) stands for."""
    if P.isdir(dot):
        return P.realpath(dot)
    text = P.read_text(dot)
    if text is None or not text.startswith('gitdir: '):
        return None
    return P.realpath(P.join(P.dirname(dot), text[8:].strip()))


def find_root(path: str) -> tuple[str, str] | None:
    """The checkout root holding ``path`` and its git dir: the nearest
    folder upwards with a ``.git``.  ``None`` outside any repository."""
    cur = P.realpath(path)
    while True:
        dot = P.join(cur, '.git')
        if P.lexists(dot):
            git_dir = _gitfile(dot)
            if git_dir is not None and \
                    P.isfile(P.join(git_dir, 'HEAD')):
                return cur, git_dir
        parent = P.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def _common(git_dir: str) -> str:
    rel = P.read_text(P.join(git_dir, 'commondir'))
    if rel is None or not rel.strip():
        return git_dir
    return P.realpath(P.join(git_dir, rel.strip()))


def _bare(common: str) -> bool:
    config = P.read_text(P.join(common, 'config')) or ''
    for raw in config.lower().splitlines():
        line = raw.replace(' ', '').replace('\t', '')
        if line in {'bare', 'bare=true'}:
            return True
    return False


def checkout_map(path: str) -> CheckoutMap | None:
    """Every checkout of the repository holding ``path`` (a folder), read
    from files; ``None`` when ``path`` is in no repository."""
    found = find_root(path)
    if found is None:
        return None
    root, git_dir = found
    common = _common(git_dir)
    checkouts: list[RepoCheckout] = []
    if P.basename(common) == '.git' and not _bare(common):
        checkouts.append(RepoCheckout(P.dirname(common), 'main',
                                      _branch(common), common))
    base = P.join(common, 'worktrees')
    try:
        names = sorted(P.listdir(base))
    except OSError:
        names = []
    for name in names:
        wt_git = P.join(base, name)
        target = P.read_text(P.join(wt_git, 'gitdir'))
        if target is None or not target.strip():
            continue
        wt_root = P.realpath(P.dirname(target.strip()))
        if not P.isdir(wt_root):
            continue   # prunable: its folder is gone
        checkouts.append(RepoCheckout(wt_root, 'worktree', _branch(wt_git),
                                      wt_git))
    current = next((c for c in checkouts if c.root == root), None)
    if current is None:
        # A checkout git does not list (a submodule, a stray gitfile).
        current = RepoCheckout(root, 'main' if git_dir == common else
                               'worktree', _branch(git_dir), git_dir)
        checkouts.insert(0, current)
    return CheckoutMap(current, checkouts, common)


def resolve_target(path: str, cwd: str,
                   env: 'Mapping[str, str] | None' = None) -> str:
    """The absolute real path an agent's ``path`` names from ``cwd``:
    ``~`` and ``~user`` expanded, relative paths joined to ``cwd``, then
    symlinked folders and ``..`` resolved the way the kernel resolves them
    (``realpath``: a missing tail is kept as written)."""
    if path.startswith('~'):
        import os   # only here: the agents' tools name absolute paths
        home = (env if env is not None else os.environ).get('HOME')
        if (path == '~' or path.startswith('~/')) and home:
            path = home + path[1:]
        else:
            path = os.path.expanduser(path)
    if not P.isabs(path):
        path = P.join(cwd, path)
    return P.realpath(path)


def _environ(name: str) -> str | None:
    """An environment variable, without ``os`` (``posix.environ`` holds
    bytes)."""
    import posix
    value = posix.environ.get(name.encode())
    return value.decode('utf-8', 'surrogateescape') if value else None


def policy_args(text: str) -> list[str]:
    """The ``--policy`` values of a pre-commit configuration (YAML read
    as words: ``args: [--policy, x]``, ``--policy=x``, ``- --policy``)."""
    for c in '[],\'"':
        text = text.replace(c, ' ')
    words = [w for w in text.split() if w != '-']   # YAML list items
    out = []
    for i, w in enumerate(words):
        if w.startswith('--policy='):
            out.append(w[9:])
        elif w == '--policy' and i + 1 < len(words):
            out.append(words[i + 1])
    return [w for w in out if w and not w.startswith('-')]


def agent_facts(cmap: CheckoutMap, config: 'Config',
                root: str) -> AgentFacts:
    """What the agent guard needs besides the checkouts, read from files:
    the folders git runs hooks from, the policy files the pre-commit
    configuration of the worktree at ``root`` names with ``--policy``
    (relative to that root, where pre-commit runs), and the scratch folders (``/tmp``,
    ``/var/tmp``, ``$TMPDIR``) as real paths."""
    from worktree_guard.gitctx.trust import hooks_dirs
    roots = [c.root for c in cmap.checkouts]
    hooks = hooks_dirs(cmap.common_dir, config, roots, _environ('HOME'))
    policy_files = []
    text = P.read_text(P.join(root, '.pre-commit-config.yaml'))
    if text is not None and '--policy' in text:
        policy_files = [P.realpath(P.join(root, p))
                        for p in policy_args(text)]
    temps = ['/tmp', '/var/tmp']
    tmpdir = _environ('TMPDIR')
    if tmpdir and P.isabs(tmpdir):
        temps.append(tmpdir)
    real = [P.realpath(t) for t in temps]
    return AgentFacts(hooks, policy_files,
                      [t for t in real if t != '/'] +
                      [t for t in temps if t not in real and t != '/'])
