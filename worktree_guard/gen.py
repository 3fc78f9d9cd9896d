"""``python -m worktree_guard.gen --write`` (``./dev gen``): write the files
derived from the rule SPECs; ``--check`` fails (exit 1) when one is stale.

- ``worktree_guard/policy/schema.json`` and ``policy/defaults.py``: the
  policy layer's view of the rules (it sits below them and never imports
  them);
- ``policy/sections.pyi``: the policy's sections typed for mypy
  (``typed_sections``);
- ``worktree_guard/rules/index.py``: the rule index (``rule_index``),
  what the runner needs to run a stage (each rule's module, stages, facts
  and hook ids) without importing every rule module;
- the rule table of ``README.md`` and ``docs/policy.md`` (in a source
  checkout; an installed package has only the package files).

What they contain is ``rules/derive.py``'s (pure) answer; this module
only reads and writes files.  A test runs ``--check``.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from worktree_guard import rules as rules_mod
from worktree_guard.rules import derive

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

    from worktree_guard.rules import Registry

PACKAGE = os.path.dirname(os.path.abspath(__file__))
SCHEMA_PATH = os.path.join(PACKAGE, 'policy', 'schema.json')
DEFAULTS_PATH = os.path.join(PACKAGE, 'policy', 'defaults.py')
SECTIONS_PATH = os.path.join(PACKAGE, 'policy', 'sections.pyi')
INDEX_PATH = os.path.join(PACKAGE, 'rules', 'index.py')
# Docs with a rule table, relative to the source checkout.
DOCS = (os.path.join(os.path.dirname(PACKAGE), 'README.md'),
        os.path.join(os.path.dirname(PACKAGE), 'docs', 'policy.md'))


def _read(path: str) -> str | None:
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        return None


def outputs(registry: Registry) -> dict[str, str]:
    """Each generated file's path -> its text."""
    out = {SCHEMA_PATH: derive.render_schema(derive.build_schema(registry)),
           DEFAULTS_PATH: derive.render_defaults(registry),
           INDEX_PATH: rule_index(registry),
           **typed_sections(registry)}
    table = derive.rule_table(registry)
    for path in DOCS:
        text = _read(path)
        if text is not None:
            out[path] = derive.replace_rule_table(text, table)
    return out


def typed_sections(registry: Registry) -> dict[str, str]:
    """``policy/sections.pyi``: a ``TypedDict`` per policy section, for
    mypy only (``Policy[section]`` reads through it; no run-time cost)."""
    return {SECTIONS_PATH: derive.render_sections(
        derive.build_schema(registry))}


def rule_index(registry: Registry) -> str:
    """The text of ``rules/index.py``: rule id -> (module, stages, facts,
    runs on a client), the stages' rule tuples and the hook ids, in the
    registry's order.  The runner reads it instead of the registry, so a
    hook imports only the rule modules it runs."""
    lines = [
        '"""The rule index, generated from the rules\' ``SPEC``s by '
        '``./dev gen``',
        '(``gen.rule_index``; ``tests/integration/rules/test_registry.py`` '
        'checks',
        'it is current): what the runner needs to run a stage without '
        'importing',
        'every rule module.  Do not edit."""',
        '',
        '# rule id -> (module, stages, facts, runs on a client)',
        'RULES = {',
    ]
    for rule, spec in registry.rules.items():
        lines.append(f'    {rule!r}: ({spec.module!r}, {tuple(spec.stages)!r},'
                     f' {spec.facts!r}, {spec.client!r}),')
    lines += ['}', f'COMMIT_RULES = {registry.commit_rules!r}',
              f'PUSH_RULES = {registry.push_rules!r}',
              '# pre-commit hook ids (and SKIP= names) -> the rules they run',
              'HOOK_IDS = {']
    lines += [f'    {hook!r}: {rules!r},'
              for hook, rules in registry.hook_ids.items()]
    lines.append('}')
    return '\n'.join(lines) + '\n'


def stale(registry: Registry) -> list[str]:
    """The generated files whose text differs from what ``registry``
    gives."""
    return [path for path, text in outputs(registry).items()
            if _read(path) != text]


def main(argv: Sequence[str]) -> int:
    if list(argv) == ['--write']:
        for path, text in outputs(rules_mod.REGISTRY).items():
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            print(f'wrote {os.path.relpath(path)}')
        return 0
    if list(argv) == ['--check']:
        paths = stale(rules_mod.REGISTRY)
        for path in paths:
            print(f'{os.path.relpath(path)}: stale; run ./dev gen',
                  file=sys.stderr)
        return 1 if paths else 0
    print('usage: python -m worktree_guard.gen --write | --check',
          file=sys.stderr)
    return 2


if __name__ == '__main__':  # pragma: no cover (run as a script)
    sys.exit(main(sys.argv[1:]))
