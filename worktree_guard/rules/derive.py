"""Generate the policy's defaults and JSON Schema from the rule SPECs.

The policy layer sits below the rules and never imports them, so what the
rules declare reaches it as GENERATED files, checked in::

    python -m worktree_guard.rules.derive --write    (or: ./dev gen)

writes ``policy/schema.json``, ``policy/defaults.py`` and the README's rule
table; ``--check`` (a test runs it) fails when any of them is stale.

The schema is the core (``version``, the sections below, the ``rules``
severity map's frame) plus, per rule, its section and its severity keys.
A policy key that belongs to a rule goes into that rule's ``SPEC.section``;
a key no rule owns goes into ``core_sections`` here.
"""
from __future__ import annotations

import os
import sys

from worktree_guard.rules.spec import SEVERITIES
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from collections.abc import Sequence

    from worktree_guard.rules import Registry

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(PACKAGE, 'policy', 'schema.json')
DEFAULTS_PATH = os.path.join(PACKAGE, 'policy', 'defaults.py')
README_PATH = os.path.join(os.path.dirname(PACKAGE), 'README.md')
README_TABLE_HEAD = '| rule | default | kinds |\n|---|---|---|\n'


def core_sections(registry: Registry) -> tuple[list[Section], list[Section]]:
    """The sections no rule owns: those listed before the rules' sections,
    and those after."""
    skippable = [r for r, spec in registry.rules.items() if spec.client]
    base = Section('base', {
        'remote': key(None, "Remote name; null means 'upstream' if it "
                      "exists, else 'origin'.", type=['string', 'null'],
                      min_length=1),
        'branch': key(None, "Base branch; null means 'main', else "
                      "'master'.", type=['string', 'null'], min_length=1),
    }, 'The remote base branch that work branches start from and sync '
       'with.')
    allow_skip = string_list("Rules a pusher may skip with 'git push -o "
                             "worktree-guard.skip=<rule>'.")
    allow_skip['items'] = {'enum': skippable}
    server = Section('server', {'allow-skip': allow_skip})
    return [base], [server]


def build_schema(registry: Registry) -> dict[str, Any]:
    """The policy's JSON Schema for the rules of ``registry``."""
    head, tail = core_sections(registry)
    sections = head + [s.section for s in registry.rules.values()
                       if s.section is not None] + tail
    props: dict[str, Any] = {'version': {
        'description': 'Schema version of this file.', 'const': 1,
        'default': 1}}
    for section in sections:
        if section.name in props or section.name == 'rules':
            raise ValueError(f'two owners of the policy section '
                             f'{section.name!r}')
        schema: dict[str, Any] = {'type': 'object',
                                  'additionalProperties': False}
        if section.description:
            schema['description'] = section.description
        schema['properties'] = {
            k: {kk: vv for kk, vv in v.items() if not kk.startswith('x-')}
            for k, v in section.properties.items()}
        props[section.name] = schema
    severities: dict[str, Any] = {}
    for spec in registry.rules.values():
        if not spec.client:
            continue  # server-only rules are not configurable
        for name, sev in ((spec.id, spec.severity),
                          *((f'{spec.id}/{k}', v)
                            for k, v in spec.kinds.items())):
            if sev not in SEVERITIES:
                raise ValueError(f'{name}: unknown severity {sev!r}')
            severities[name] = {'$ref': '#/$defs/severity', 'default': sev}
    props['rules'] = {
        'type': 'object', 'additionalProperties': False,
        'description': 'Severity per rule (or rule/kind): error, warn or off.',
        'properties': severities,
    }
    return {
        '$schema': 'https://json-schema.org/draft/2020-12/schema',
        '$id': 'https://worktree-guard.invalid/policy.schema.json',
        'title': 'worktree-guard policy (.worktree-guard.yaml)',
        'description': 'Policy for worktree-guard. Every key is optional; '
                       'omitted keys take the built-in default.',
        'type': 'object',
        'additionalProperties': False,
        'properties': props,
        '$defs': {'severity': {'enum': list(SEVERITIES)}},
    }


def glob_keys(registry: Registry) -> list[tuple[str, str, bool]]:
    """``(section, key, anchored)`` of every glob list (``x-glob``)."""
    head, tail = core_sections(registry)
    sections = head + [s.section for s in registry.rules.values()
                       if s.section is not None] + tail
    return [(s.name, k, v['x-glob'] == 'anchored')
            for s in sections for k, v in s.properties.items()
            if 'x-glob' in v]


def render_schema(schema: dict[str, Any]) -> str:
    import json
    return json.dumps(schema, indent=2, ensure_ascii=False) + '\n'


def render_defaults(registry: Registry) -> str:
    """The text of ``policy/defaults.py``."""
    import hashlib

    from worktree_guard.policy.match import compile_globs
    schema = build_schema(registry)
    digest = hashlib.sha256(render_schema(schema).encode()).hexdigest()[:16]
    data = {section: {k: v['default'] for k, v in s['properties'].items()}
            for section, s in schema['properties'].items()
            if section != 'version'}
    globs = glob_keys(registry)
    out = [
        '"""The built-in policy.  GENERATED from the rule SPECs and the core',
        'sections by ``python -m worktree_guard.rules.derive --write``',
        '(``./dev gen``): do not edit; a test checks that it is current."""',
        'from __future__ import annotations',
        '',
        '# `typing` costs ~10 ms of start-up; mypy reads this name as True.',
        'TYPE_CHECKING = False',
        'if TYPE_CHECKING:  # pragma: no cover (typing only)',
        '    from typing import Any',
        '',
        '# Part of the policy cache key: a cache written for other defaults',
        '# or another schema is never read.',
        f'DIGEST = {digest!r}',
        '',
        'DEFAULTS: dict[str, dict[str, Any]] = {',
    ]
    for section, values in data.items():
        out.append(f'    {section!r}: {{')
        out.extend(f'        {k!r}: {v!r},' for k, v in values.items())
        out.append('    },')
    out += [
        '}',
        '',
        '# (section, key, anchored): the gitignore-style glob lists.',
        'GLOB_KEYS: tuple[tuple[str, str, bool], ...] = (',
        *(f'    {g!r},' for g in globs),
        ')',
        '',
        "# pathspec's regexes for the default globs, so that the no-file hot",
        '# path never imports pathspec.',
        'BUILTIN_GLOBS: dict[str, list[str]] = {',
    ]
    for name, regexes in compile_globs(data, globs).items():
        out.append(f'    {name!r}: [' + ('' if regexes else '],'))
        if regexes:
            out.extend(f'        {r!r},' for r in regexes)
            out.append('    ],')
    out.append('}')
    return '\n'.join(out) + '\n'


def readme_table(registry: Registry) -> str:
    """The README's rule table (``### Rules``)."""
    rows = [README_TABLE_HEAD]
    for spec in registry.rules.values():
        default = spec.severity + ('' if spec.client else ' (server only)')
        kinds = ', '.join(f'`{k}`' + (f' ({v})' if v != spec.severity
                                      else '')
                          for k, v in spec.kinds.items())
        rows.append(f'| `{spec.id}` | {default} | {kinds} |\n')
    return ''.join(rows)


def replace_readme_table(readme: str, table: str) -> str:
    """``readme`` with its rule table replaced by ``table``."""
    start = readme.index(README_TABLE_HEAD)
    end = readme.index('\n\n', start) + 1
    return readme[:start] + table + readme[end:]


def outputs(registry: Registry) -> dict[str, str]:
    """Each generated file's path -> its text."""
    out = {SCHEMA_PATH: render_schema(build_schema(registry)),
           DEFAULTS_PATH: render_defaults(registry)}
    if os.path.exists(README_PATH):  # a source checkout, not an install
        with open(README_PATH, encoding='utf-8') as f:
            readme = f.read()
        out[README_PATH] = replace_readme_table(readme,
                                                readme_table(registry))
    return out


def stale(registry: Registry) -> list[str]:
    """The generated files whose text differs from what ``registry``
    gives."""
    found = []
    for path, text in outputs(registry).items():
        try:
            with open(path, encoding='utf-8') as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current != text:
            found.append(path)
    return found


def main(argv: Sequence[str]) -> int:
    from worktree_guard.rules import REGISTRY
    if list(argv) == ['--write']:
        for path, text in outputs(REGISTRY).items():
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
            print(f'wrote {os.path.relpath(path)}')
        return 0
    if list(argv) == ['--check']:
        paths = stale(REGISTRY)
        for path in paths:
            print(f'{os.path.relpath(path)}: stale; run ./dev gen',
                  file=sys.stderr)
        return 1 if paths else 0
    print('usage: python -m worktree_guard.rules.derive --write | --check',
          file=sys.stderr)
    return 2


if __name__ == '__main__':  # pragma: no cover (run as a script)
    sys.exit(main(sys.argv[1:]))
