"""The literals a whole-file scan pre-filters on.

The engine runs a pattern over a buffer only when one of its literals is
in the buffer, and every hit of every pattern holds, on one line, one of
``terms_of(engine.specs)``.  So a file that holds none of them can have no
finding, and dropping it from the buffer loses none: ``gitctx.scan`` lets
one ``git grep -l -F`` name the files that hold one, and only those are
read.  The terms are tight (``TIGHT``): not `` ..`` but the six
spellings of ``cd ..`` (the engine's pattern takes one or two blanks),
not ``sers`` but ``\\Users`` and ``:/Users``, so ``...``, prose, rST's
``.. note::`` and "users" name no file.  A pattern runs over a buffer
only when one of its literals is in it, and every hit holds one (the
``cd`` spec's literals are its six spellings), so a file is judged alike
alone and among others.  ``tests/unit/pathengine/test_prefilter.py`` checks every spelling
of the engine's tables against these terms.

A shell script's or Makefile recipe's token is judged on its logical line
(``joins``): a file keeps its place when a term survives the split on one
line (``..\\`` + ``/x`` holds ``..\\``, ``../\\`` + ``../x`` holds
``../``).  A continuation that splits every term (``.\\`` + ``./x``,
``tre\\`` + ``es/x``) is found where the engine reads the whole change
(a staged or pushed change of at most ``PREFILTER_MIN`` files, the agent
guard, ``WORKTREE_GUARD_FULL_SCAN=1``), not where git grep picks the
files: git grep matches within a line (docs/paths.md, Known limits).
"""
from __future__ import annotations

from worktree_guard.pathengine.engine import Engine
from worktree_guard.pathengine.places import Context

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Iterable

    from worktree_guard.model import Checkout

# Terms tighter than a spec's literals, one of which every hit holds on
# its line, by the spec's first literal: the literals that open a pattern
# over a buffer (`PWD`, `sers`) are loose, and as terms they name every
# file that says "users" or "parsers".  The home, anchor, quoted-'..' and
# `cd ..` specs, and `%2e%2e`.
TIGHT: dict[bytes, tuple[bytes, ...]] = {
    b'sers': (b'\\Users', b'\\users', b'\\USERS', b':/Users', b':/users',
              b':/USERS'),
    b'show-toplevel': (b'--show-toplevel)', b'$(pwd)', b'$PWD', b'${PWD}'),
    b"'..'": (b"'..'", b'".."', b"'..\"", b'"..\''),
    b'cd ..': (b'cd ..', b'cd\t..', b'cd  ..', b'cd \t..', b'cd\t ..',
               b'cd\t\t..'),
    b'%2e': (b'%2e%2e', b'%2E%2E', b'%2e%2E', b'%2E%2e'),
}


def terms_of(specs: Iterable[tuple[tuple[bytes, ...], bytes | None, int,
                                   bytes | None]]) -> list[bytes]:
    """Fixed strings one of which every hit of ``specs`` holds on its
    line (a spec's literals, or its ``TIGHT`` terms)."""
    terms: set[bytes] = set()
    for literals, _, _, need in specs:
        if need is not None:
            # A checkout's path spelled with `//` or `/./`: every hit holds
            # the path's longest component (and the file that holds the
            # hit holds the `//` that opens the spec), so `//` itself,
            # in every URL, is no reason to read a file.
            terms.add(need)
            continue
        terms.update(TIGHT.get(literals[0], literals))
    # A term that holds another adds no file (a checkout's root holds its
    # basename): git grep looks for fewer.
    kept: list[bytes] = []
    for term in sorted(terms, key=len):
        if not any(k in term for k in kept):
            kept.append(term)
    return sorted(kept)


def prefilter_terms(checkouts: list[Checkout], wroot: str,
                    home: str | None = None) -> list[bytes]:
    """The terms for a repository's checkouts and ``worktrees.root``."""
    return scan_plan(checkouts, wroot, home)[0]


def scan_plan(checkouts: list[Checkout], wroot: str,
              home: str | None = None) -> tuple[list[bytes], list[str]]:
    """The terms, and the in-tree roots under which the engine judges a
    path by its place (``Engine.worktree_key``: ``worktrees.root`` and
    the checkouts nested in this one): a whole-file scan lists only the
    entries under them, besides symlinks and gitlinks.  With ``home``,
    the terms hold each checkout's path below it as ``~/``, ``$HOME/``
    and ``${HOME}/`` spell it (``homes``)."""
    engine = Engine(Context(checkouts=checkouts, wroot=wroot, home=home))
    return terms_of(engine.specs), [engine.wroot, *engine.places.nested]

