"""One path engine for every stage: commit, push, CI, server and agent hooks.

Pure: no git, no I/O, no ``typing``/``dataclasses``; ``re`` is imported only
when content holds a candidate, and the Markdown parser (``markdown``:
markdown-it-py, which loads ``typing`` and ``dataclasses``) only for a
Markdown region that holds a candidate and markup.  ``gitctx`` gathers the facts, this package
judges them; ``rules/worktree_paths.py`` adapts it to the policy and the
report, and the agent guard calls it directly.

Public API
==========

``Context(checkouts=None, root=None, wroot='trees', resolve='file',
allow=None, branch_re=None, container_users=None, symlinks=None,
git_dir=None, home=None)``
    What is known about the checkout.  ``checkouts`` are
    ``worktree_guard.model.Checkout`` records (``kind`` current / main /
    worktree, ``forms`` = every absolute spelling of the root); ``root`` the
    current worktree's absolute root; ``wroot`` the policy's
    ``worktrees.root``; ``resolve`` ``paths.resolve-from``; ``allow``
    ``paths.allow``; ``branch_re`` anything with ``.match(name)``;
    ``container_users`` the users the repository's Dockerfiles create;
    ``symlinks`` every committed symlink (path -> target) for chains;
    ``git_dir`` the absolute common git dir; ``home`` for ``~``.

``Engine(ctx)``
    Build once per run; then:

    ``engine.scan(path, data, added_lines=None) -> list[Finding]``
        Scan one file's bytes (the whole new content).  ``path`` is its
        repository path (it decides how paths are read: docs, changelogs,
        shell scripts, config, code, ``.gitmodules``).  With
        ``added_lines`` (a set of 1-based line numbers), only findings on
        those lines are returned; the rest of the file still gives the
        context (code blocks, ``cd``).

    ``engine.scan_change(change) -> list[Finding]``
        The same for a ``model.PathChange`` (one ``git diff -p`` or one
        ``cat-file --batch`` output with its regions): what the commit,
        push, CI and server checks use.

    ``engine.symlink(path, target) -> Finding | None``
        Judge one committed symlink (chains through ``ctx.symlinks``).

    ``engine.judge(path, cwd) -> Place``
        For the agent guard: where one path string lands when typed in
        the absolute folder ``cwd``.  ``Place.where`` is ``inside`` (this
        worktree), ``main`` (the main checkout), ``sibling`` (another
        worktree), ``git-dir``, ``home``, ``outside`` or ``unknown``
        (relative to a variable); ``Place.path`` the normalised absolute
        path, ``Place.rel`` the path inside the checkout it lands in.
        ``/abs/x``, ``../x``, ``~/x``, ``file://``, ``//``, ``/./``,
        ``%2e%2e``, ``..\\`` and JSON ``\\/`` spellings are all normalised.

``Finding``
    ``kind`` (relative-escape, absolute-checkout, sibling-worktree,
    home-path, escaping-symlink), ``message``, ``path``, ``line``, ``col``
    (1-based; None for symlinks), ``token`` (as written), ``severity``
    (``error``, or ``warn`` when the evidence is weak: the policy can lower
    it, never raise it), ``reason`` (why this confidence, in words),
    ``fix`` (fixes that keep the file working; empty when none is safe)
    and ``replacement`` (the new token text when the fix rewrites it).

The confidence model (what is an error, what is a warning, and why) is in
docs/paths.md.
"""
# Every name loads its module on first use (PEP 562): the agent hook
# imports ``pathengine.places`` alone (no ``engine``, no ``patterns``), and
# ``findings`` (with ``sites``, ``tokens`` and ``lines``) loads when the
# engine first judges a hit: a change that holds none of the literals, the
# usual commit or push, never needs it.  No ``from __future__`` here: the
# agent hook's path does not pay for it.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.pathengine.engine import Engine
    from worktree_guard.pathengine.findings import Finding
    from worktree_guard.pathengine.places import Context
    from worktree_guard.pathengine.places import Place

__all__ = ['Context', 'Engine', 'Finding', 'Place']

_LAZY = {'Context': 'places', 'Place': 'places', 'Engine': 'engine',
         'Finding': 'findings'}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(
            f'module {__name__!r} has no attribute {name!r}')
    return getattr(__import__(f'{__name__}.{module}', fromlist=[name]),
                   name)
