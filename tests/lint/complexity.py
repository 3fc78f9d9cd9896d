"""No block worse than radon grade C (``xenon --max-absolute C``).

Every function, method and class of the package is graded by radon's
cyclomatic complexity (the measure xenon applies); a block of grade D or
worse fails, unless it is in ``PENDING``, each entry with why.  A pending
block that is already C or better fails too, so the list only shrinks: a
branch that brings a block down removes its entry.
"""
from __future__ import annotations

import sys
from pathlib import Path

from radon.complexity import cc_rank
from radon.complexity import cc_visit

WORST = 'C'
# ``path inside the package:qualified name``, each with why (none left).
PENDING: dict[str, str] = {}


def grades(package_dir: Path) -> dict[str, tuple[int, str, int]]:
    """``path:name`` -> (line, grade, complexity) of every block."""
    root = package_dir.resolve()
    out = {}
    for f in sorted(root.rglob('*.py')):
        rel = f.relative_to(root).as_posix()
        for block in cc_visit(f.read_text(encoding='utf-8')):
            out[f'{rel}:{block.fullname}'] = (
                block.lineno, cc_rank(block.complexity), block.complexity)
    return out


def problems(package_dir: Path) -> list[str]:
    """``path:line: name has grade X (n)`` for each block worse than C,
    and each pending block that no longer is (or no longer exists)."""
    root = package_dir.resolve()
    found = grades(root)
    out = []
    for key, (line, grade, cc) in sorted(found.items()):
        path, name = key.split(':', 1)
        if grade > WORST and key not in PENDING:
            out.append(f'{root.name}/{path}:{line}: {name} has grade '
                       f'{grade} ({cc}), worse than {WORST}')
    for key in sorted(PENDING):
        if key not in found or found[key][1] <= WORST:
            out.append(f'{root.name}/{key} is no worse than {WORST} (or '
                       'gone): remove it from tests/lint/complexity.py '
                       'PENDING')
    return out


def main(package_dir: str) -> int:
    found = problems(Path(package_dir))
    for line in found:
        print(f'complexity: {line}')
    return 1 if found else 0


if __name__ == '__main__':  # pragma: no cover (run by ./dev lint)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'worktree_guard'))
