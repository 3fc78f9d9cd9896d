"""Facts about the whole judged tree that the content may need: its
committed symlinks (for chains) and its Dockerfiles' users (for
``/home/<user>``).  Read only when a change adds a symlink or its content
holds a home path.
"""
from __future__ import annotations

from worktree_guard.gitctx.blobs import Stream
from worktree_guard.gitctx.blobs import read_small
from worktree_guard.gitctx.gitparse import SYMLINK
from worktree_guard.gitctx.gitparse import ls_files
from worktree_guard.gitctx.gitparse import ls_tree

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.gitctx import Repo
    from worktree_guard.model import PathFacts


_DOCKERFILES = ('dockerfile', 'containerfile')


# The pathspecs of every name ``_is_dockerfile`` accepts.
_DOCKER_SPECS = tuple(f':(glob,icase){where}{name}' for where in ('', '**/')
                      for name in ('dockerfile*', 'containerfile*',
                                   '*.dockerfile', '*.containerfile'))


def _is_dockerfile(path: str) -> bool:
    name = path.rsplit('/', 1)[-1].lower()
    return name.startswith(_DOCKERFILES) or name.endswith(
        ('.dockerfile', '.containerfile'))


def tree_facts(repo: Repo, facts: PathFacts, tip: str | None) -> None:
    """The committed symlinks (when a change adds one: chains) and the
    Dockerfiles' users (when the content holds a home path) of the judged
    tree: the index at commit, the pushed tip at push.  One listing and
    one ``cat-file --batch``, and none at all for most changes.

    A streamed change's content is not known yet, and stays streamed (held
    whole, 80,000 real files took 115 MB): when its own listing (the
    judged tree) may name a Dockerfile, the Dockerfiles are read as if it
    held a home path."""
    unknown = _unknown_streams(facts, tip)
    links = any(t is not None for c in facts.changes for _, _, t in c.entries)
    homes = unknown or any(b'/home/' in p.data for c in facts.changes
                           if not isinstance(c.parts, Stream)
                           for p in c.chunks())
    if not (links or homes) or (tip is None and repo.root is None):
        return
    if tip is None:
        # Only the Dockerfiles, unless symlinks are wanted too: a listing
        # of every entry, parsed, is tens of MB at 80,000 files.  (ls-tree
        # takes no pathspec magic.)
        spec = () if links else _DOCKER_SPECS
        items = ls_files(repo.git('ls-files', '-s', '-z', '--',
                                  *spec).stdout)
    else:
        items = ls_tree(repo.git('ls-tree', '-r', '-z', '--full-tree',
                                 tip).stdout)
    read = [(p, m, o) for p, m, o in items
            if (links and m == SYMLINK) or (homes and _is_dockerfile(p))]
    _read_blobs(repo, facts, read)


def _unknown_streams(facts: PathFacts, tip: str | None) -> bool:
    """Whether a streamed change's content may matter: its listing names
    a Dockerfile, or it is not the judged tree's."""
    return any(isinstance(c.parts, Stream) and (
        c.parts.dockerfiles is not False or c.parts.tree != tip)
        for c in facts.changes)


def _read_blobs(repo: Repo, facts: PathFacts,
                read: list[tuple[str, str, str]]) -> None:
    """The symlinks' targets and the Dockerfiles' users, from the blobs
    of ``read`` (path, mode, object), in one ``cat-file --batch``."""
    users: set[str] = set()
    for (path, mode, _), blob in zip(read, read_small(
            repo, [o for _, _, o in read]), strict=True):
        if blob is None:   # missing object
            continue
        content = blob.decode('utf-8', 'surrogateescape')
        if mode == SYMLINK:
            facts.symlinks[path] = content
        else:
            users.update(dockerfile_users(content))
    facts.container_users = frozenset(users)


def dockerfile_users(text: str) -> set[str]:
    """Users a Dockerfile creates or runs as: ``USER x``, ``useradd``/
    ``adduser`` names and any ``/home/<x>`` it mentions."""
    users: set[str] = set()
    for line in text.splitlines():
        words = line.replace('&&', ' ').replace(';', ' ').split()
        if len(words) > 1 and words[0].upper() == 'USER':
            users.add(words[1].split(':')[0])
        for cmd in ('useradd', 'adduser'):
            if cmd in words:
                args = words[words.index(cmd) + 1:]
                names = [a for a in args if not a.startswith(('-', '$'))
                         and a != '\\']
                if names:
                    users.add(names[-1] if cmd == 'useradd' else names[0])
        for w in words:
            i = w.find('/home/')
            if i != -1:
                name = w[i + 6:].split('/', 1)[0].strip('"\'')
                if name:
                    users.add(name)
    users.discard('root')
    return {u for u in users if u and not u.isdigit()}
