"""No private name (``_x``) imported across modules.

A leading underscore says "this module's own".  Another module of the
package may neither import such a name (``from m import _x``) nor reach it
through an imported module (``m._x``); a helper two modules share is
public, in the module it belongs to.  Dunder names (``__version__``) are
not private.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path


# Modules still importing private names, each with why (remove the entry
# once the module is clean).
KNOWN: dict[str, str] = {}


def private(name: str) -> bool:
    return name.startswith('_') and not name.startswith('__')


def module_name(path: Path, root: Path) -> str:
    """``worktree_guard.policy`` for ``<root>/worktree_guard/policy/__init__.py``."""
    parts = list(path.relative_to(root.parent).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def _absolute(node: ast.ImportFrom, here: str, is_package: bool) -> str:
    """The module an ``ImportFrom`` names, relative imports resolved."""
    if not node.level:
        return node.module or ''
    base = here.split('.')
    drop = node.level - 1 if is_package else node.level
    base = base[:len(base) - drop] if drop else base
    return '.'.join([*base, *([node.module] if node.module else [])])


class _Finder(ast.NodeVisitor):
    def __init__(self, here: str, is_package: bool, modules: set[str]):
        self.here = here
        self.is_package = is_package
        self.modules = modules
        self.aliases: dict[str, str] = {}   # local name -> our module
        self.problems: list[tuple[int, str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.asname is not None:
                if a.name in self.modules:
                    self.aliases[a.asname] = a.name
            else:
                top = a.name.split('.')[0]
                if top in self.modules:
                    self.aliases[top] = top

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        source = _absolute(node, self.here, self.is_package)
        if source not in self.modules or source == self.here:
            return
        for a in node.names:
            if f'{source}.{a.name}' in self.modules:   # a module of ours
                self.aliases[a.asname or a.name] = f'{source}.{a.name}'
            elif private(a.name):
                self.problems.append(
                    (node.lineno, f'imports {source}.{a.name}'))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        target = self._module_of(node.value)
        if target is not None and target != self.here \
                and private(node.attr) \
                and f'{target}.{node.attr}' not in self.modules:
            self.problems.append((node.lineno, f'uses {target}.{node.attr}'))
        self.generic_visit(node)

    def _module_of(self, node: ast.expr) -> str | None:
        """The module of ours an expression names (``m``, ``pkg.m``)."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            outer = self._module_of(node.value)
            if outer is not None and f'{outer}.{node.attr}' in self.modules:
                return f'{outer}.{node.attr}'
        return None


def problems(package_dir: Path) -> list[str]:
    """``path:line: <module> imports|uses <module>._name`` for each private
    name one module of the package takes from another."""
    root = package_dir.resolve()
    files = sorted(root.rglob('*.py'))
    modules = {module_name(f, root) for f in files}
    out = []
    for f in files:
        here = module_name(f, root)
        finder = _Finder(here, f.name == '__init__.py', modules)
        finder.visit(ast.parse(f.read_text(encoding='utf-8'), str(f)))
        rel = f.relative_to(root.parent)
        if here not in KNOWN:
            out += [f'{rel}:{line}: {here} {what}'
                    for line, what in sorted(finder.problems)]
        elif not finder.problems:
            out.append(f'{rel}: {here} is clean: remove it from '
                       'tests/lint/private_names.py KNOWN')
    return out


def main(package_dir: str) -> int:
    found = problems(Path(package_dir))
    for line in found:
        print(f'private name across modules: {line}')
    return 1 if found else 0


if __name__ == '__main__':  # pragma: no cover (run by ./dev lint)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'worktree_guard'))
