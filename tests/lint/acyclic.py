"""No import cycle anywhere in the package.

The graph is grimp's (the library import-linter is built on), every
import counted, also one made inside a function, but not one under ``if
TYPE_CHECKING:`` (an annotation, never run).  A strongly connected
component of more than one module is a cycle.
"""
from __future__ import annotations

import sys
from pathlib import Path

import grimp

# Cycles still there, each with why (remove the entry with the cycle).
KNOWN: dict[frozenset[str], str] = {}


def components(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module, each
    sorted (Tarjan's algorithm, iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(
            root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(
                        graph.find_modules_directly_imported_by(step)))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return sorted(found)


def cycles(package: str) -> list[str]:
    """A line for each import cycle of ``package`` (importable from
    ``sys.path``) that ``KNOWN`` does not excuse, and for each excuse
    whose cycle is gone (remove it)."""
    graph = grimp.build_graph(package, cache_dir=None,
                              exclude_type_checking_imports=True)
    found = components(graph)
    gone = [sorted(k) for k in KNOWN if sorted(k) not in found]
    return [f'import cycle: {" <-> ".join(c)}' for c in found
            if frozenset(c) not in KNOWN] + \
        [f'known cycle gone (remove it from tests/lint/acyclic.py KNOWN): '
         f'{" <-> ".join(c)}' for c in gone]


def main(package_dir: str) -> int:
    """Check the package in ``package_dir`` (its parent goes first on
    ``sys.path``, so a copy elsewhere is the one read)."""
    where = Path(package_dir).resolve()
    sys.path.insert(0, str(where.parent))
    problems = cycles(where.name)
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == '__main__':  # pragma: no cover (run by ./dev lint)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'worktree_guard'))
