"""Places: what is known about the checkouts, and where a path lands.

``Context`` is what the caller knows (checkouts, root, policy);
``Places`` is built from it once per engine and answers, without I/O,
which checkout an absolute path lies in, how to name it to the user,
which paths the policy allows, and where a path lands: ``place`` for an
absolute path, ``judge`` for one typed in a folder.  This is the one
answer to "where does this path land": the content scanner asks it, and
so does the agent guard (rules/agent_guard.py, which resolves symlinks on
disk first and then asks ``place``).  Committed symlinks are followed
component by component (``follow``).  What is on this machine's disk
comes from an injected oracle (``Context.exists``, asked through
``Places.exists``): the engine itself does no I/O.

The agent hook imports this module before every tool call: no ``os``
(``lightpath``), no ``typing``, no ``from __future__`` (annotations naming
``TYPE_CHECKING`` types are quoted).
"""
from worktree_guard import purepath

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from typing import Any

    from worktree_guard.records import Checkout


class Context:
    """What the engine knows about the checkout.  Every field is optional.

    ``checkouts``: ``facts.Checkout`` records (kind current/main/worktree,
    every absolute spelling of the root).  ``root``: the current worktree's
    absolute root (None on the server).  ``wroot``: ``worktrees.root``.
    ``resolve``: ``paths.resolve-from`` (file, root or both).  ``allow``:
    ``paths.allow`` entries.  ``branch_re``: an object with ``.match`` for
    branch-like names (None: ``issue-<N>-``).  ``container_users``: users the
    repository's Dockerfiles create.  ``symlinks``: every committed symlink
    of the tree (path -> target), for chains.  ``git_dir``: the absolute
    common git dir.  ``home``: the user's home, to expand ``~`` in
    ``judge``.  ``exists``: the oracle of this machine's file system, a
    callable that tells whether an absolute path exists (gitctx builds
    it: ``gitctx.exists``); None where there is no checkout to look at
    (the server), and the engine then judges by structure alone.
    """

    __slots__ = ('checkouts', 'root', 'wroot', 'resolve', 'allow',
                 'branch_re', 'container_users', 'symlinks', 'git_dir',
                 'home', 'exists')

    def __init__(self, checkouts: 'list[Checkout] | None' = None,
                 root: str | None = None, wroot: str = 'trees',
                 resolve: str = 'file', allow: list[str] | None = None,
                 branch_re: 'Any' = None,
                 container_users: frozenset[str] | None = None,
                 symlinks: dict[str, str] | None = None,
                 git_dir: str | None = None,
                 home: str | None = None,
                 exists: 'Callable[[str], bool] | None' = None) -> None:
        self.checkouts = checkouts or []
        self.root = root
        wroot = wroot.strip('/')
        while wroot.startswith('./'):
            wroot = wroot[2:]
        self.wroot = wroot
        self.resolve = resolve
        self.allow = allow or []
        self.branch_re = branch_re
        self.container_users = container_users or frozenset()
        self.symlinks = symlinks or {}
        self.git_dir = git_dir
        self.home = home
        self.exists = exists


class Place:
    """Where one path lands (``Engine.judge``).  ``where``: ``inside``
    (this worktree), ``main`` (the main checkout), ``sibling`` (another
    worktree), ``git-dir``, ``home``, ``outside`` or ``unknown`` (relative
    to a variable).  ``path`` is the normalised absolute path (or None),
    ``rel`` the path inside the checkout it lands in."""

    __slots__ = ('where', 'path', 'rel', 'checkout')

    def __init__(self, where: str, path: str | None = None,
                 rel: str | None = None,
                 checkout: 'Checkout | None' = None) -> None:
        self.where = where
        self.path = path
        self.rel = rel
        self.checkout = checkout

    def __repr__(self) -> str:
        return f'Place({self.where!r}, {self.path!r})'


class Places:
    """The checkouts of one ``Context``, indexed for judging paths."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.wroot = ctx.wroot
        self.current = next((c for c in ctx.checkouts
                             if c.kind == 'current'), None)
        self.forms = sorted(((purepath.norm(f), c)
                             for c in ctx.checkouts for f in c.forms),
                            key=lambda fc: -len(fc[0]))
        self.names = sorted((c.name for c in ctx.checkouts if c.name),
                            key=len, reverse=True)
        self.allow_literal: list[str] = []
        self.allow_regex: list[Any] = []
        for entry in ctx.allow:
            if entry.startswith('re:'):
                from worktree_guard.policy import compile_regex
                self.allow_regex.append(compile_regex(entry[3:]))
            else:
                self.allow_literal.append(purepath.norm(entry))
        # The root-relative folders a relative path resolves from (None:
        # the file's own folder).
        self.bases = {'file': None, 'root': ('',),
                      'both': None}[ctx.resolve]
        self.nested = self._nested_worktrees()

    def allowed(self, token: str) -> bool:
        n = purepath.norm(token) if token else token
        for lit in self.allow_literal:
            if n == lit or n.startswith(lit.rstrip('/') + '/'):
                return True
        return any(r.search(n) for r in self.allow_regex)

    def checkout_of(self, abspath: str) -> 'tuple[Checkout, str] | None':
        """The checkout an absolute path lies in, and the path inside it."""
        for form, co in self.forms:
            if abspath == form:
                return co, ''
            if abspath.startswith(form + '/'):
                return co, abspath[len(form) + 1:]
        return None

    def exists(self, path: str) -> bool | None:
        """Whether the absolute path ``path`` exists on this machine:
        the oracle's answer (``Context.exists``), None without one."""
        probe = self.ctx.exists
        return None if probe is None else probe(path)

    def branch_like(self, name: str) -> bool:
        br = self.ctx.branch_re
        if br is None:
            head, _, rest = name.partition('-')
            num, _, _ = rest.partition('-')
            return head == 'issue' and num.isdigit()
        return bool(br.match(name))

    def describe(self, co: 'Checkout', rel: str = '') -> str:
        if co.kind == 'main' and (rel == '.git' or rel.startswith('.git/')):
            return "the repository's git dir"
        if co.kind == 'current':
            return 'this worktree'
        if co.kind == 'main':
            return 'the main checkout'
        label = f'{self.wroot}/{co.name}' if co.name else co.path
        return f'worktree {label}' + (f' (branch {co.branch})'
                                      if co.branch else '')

    def in_tree(self, co: 'Checkout', rel: str) -> str | None:
        """The in-tree path when the target maps back into this tree."""
        if co.kind in ('current', 'main') and not rel.startswith('.git') \
                and not (co.kind == 'main' and (
                    rel == self.wroot or rel.startswith(self.wroot + '/'))):
            return rel or '.'
        return None

    def judge(self, path: str, cwd: str) -> Place:
        """Where ``path`` (as typed in a shell or a tool call) lands when
        seen from the absolute folder ``cwd``.  No I/O: symlinks on disk
        are not followed, committed ones (``Context.symlinks``) are."""
        from worktree_guard.pathengine import text
        p = text.decode(path.strip())
        if p.startswith('file://'):
            p = p[7:]
        if p == '~' or p.startswith('~/'):
            if self.ctx.home is None:
                return Place('unknown')
            p = self.ctx.home + p[1:]
        if p.startswith(('$', '~', '%')):
            return Place('unknown')
        target = purepath.norm(purepath.join(cwd, p))
        root = self.ctx.root
        if root is not None and self.ctx.symlinks:
            rootn = purepath.norm(root)
            if target.startswith(rootn + '/'):
                rel = self.follow(target[len(rootn) + 1:])
                target = purepath.norm(purepath.join(rootn, rel))
        return self.place(target)

    def place(self, target: str) -> Place:
        """Where the normalised absolute path ``target`` lands: the
        deepest of the common git dir and the checkouts that hold it (a
        checkout inside the git dir, ``<common>/trees/main``, is that
        checkout)."""
        hit = self.checkout_of(target)
        git_dir = self.ctx.git_dir
        if git_dir is not None:
            g = purepath.norm(git_dir)
            if target == g or target.startswith(g + '/'):
                # The checkout's root is as long as the target without
                # its path inside it.
                inside = hit is not None and \
                    len(target) - len(hit[1]) - bool(hit[1]) > len(g)
                if not inside:
                    return Place('git-dir', target, target[len(g) + 1:])
        if hit is not None:
            co, rel = hit
            if rel == '.git' or rel.startswith('.git/'):
                return Place('git-dir', target, rel, co)
            if co.kind == 'current':
                return Place('inside', target, rel, co)
            if co.kind == 'main':
                head = rel.split('/', 2)
                if len(head) > 1 and head[0] == self.wroot \
                        and self.branch_like(head[1]):
                    return Place('sibling', target, rel, co)
                return Place('main', target, rel, co)
            return Place('sibling', target, rel, co)
        from worktree_guard.pathengine import text
        user = text.home_user(target)
        if user is not None:
            return Place('home', target)
        return Place('outside', target)

    def follow(self, path: str) -> str:
        """A root-relative path resolved component by component through
        the committed symlinks (chains too), normalised; it may climb out
        (``../x``) or become absolute."""
        links = self.ctx.symlinks
        stack: list[str] = []
        parts = [p for p in path.split('/') if p not in ('', '.')]
        i = hops = 0
        while i < len(parts):
            p = parts[i]
            i += 1
            if p == '..':
                if stack and stack[-1] != '..':
                    stack.pop()
                else:
                    stack.append('..')
                continue
            stack.append(p)
            target = None if '..' in stack else links.get('/'.join(stack))
            if target is not None and hops < 40:
                hops += 1
                stack.pop()
                if target.startswith('/'):
                    return purepath.norm('/'.join([target, *parts[i:]]))
                parts = [q for q in target.split('/')
                         if q not in ('', '.')] + parts[i:]
                i = 0
        return '/'.join(stack) or '.'

    # -- staged worktrees ---------------------------------------------------------

    def _nested_worktrees(self) -> list[str]:
        """Other checkouts that sit inside this one, as in-tree paths."""
        cur = self.current
        rels: list[str] = []
        if cur is None:
            return rels
        for co in self.ctx.checkouts:
            if co is cur:
                continue
            for form in co.forms:
                for base in cur.forms:
                    if form.startswith(base.rstrip('/') + '/'):
                        rels.append(form[len(base.rstrip('/')) + 1:])
        return rels

    def worktree_key(self, path: str) -> str | None:
        root = self.wroot
        if path == root:
            return root
        if path.startswith(root + '/'):
            return f'{root}/{path[len(root) + 1:].split("/", 1)[0]}'
        for rel in self.nested:
            if path == rel or path.startswith(rel + '/'):
                return rel
        return None
