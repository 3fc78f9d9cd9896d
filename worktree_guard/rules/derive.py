"""The policy's defaults and JSON Schema, and the docs' rule table, derived
from the rule SPECs (pure: ``worktree_guard.gen`` writes the files).

The policy layer sits below the rules and never imports them, so what the
rules declare reaches it as GENERATED files, checked in: ``./dev gen``
(``python -m worktree_guard.gen --write``) writes ``policy/schema.json``,
``policy/defaults.py`` and the rule table of the docs.

The schema is the core (``version``, the sections below, the ``rules``
severity map's frame) plus, per rule, its section and its severity keys.
A policy key that belongs to a rule goes into that rule's ``SPEC.section``;
a key no rule owns goes into ``core_sections`` here.
"""
from __future__ import annotations

import hashlib
import json

from typing import TYPE_CHECKING

from worktree_guard.policy.match import compile_globs
from worktree_guard.rules.spec import SEVERITIES
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import key
from worktree_guard.rules.spec import string_list

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.rules import Registry

TABLE_HEAD = '| rule | default | kinds |\n|---|---|---|\n'


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
    allowed_refs = string_list(
        "Ref globs a push may write besides refs/heads/* and refs/tags/* "
        "(the server refuses every other ref; refs/replace/* is never "
        "honoured). '*' stops at '/', '**' does not.", glob='name')
    allowed_refs["maxItems"] = 100
    admins = string_list(
        'Pushers (GL_USERNAME, GITEA_PUSHER_NAME, REMOTE_USER or GL_USER '
        'on the server) who may push a change that loosens this policy.')
    admins['maxItems'] = 100
    merges = key(False, 'Let a protected branch take merge commits (a '
                 "fast-forward push that brings one); false: a protected "
                 'branch keeps a linear history, on the server and in CI.',
                 type='boolean')
    server = Section('server', {'allow-skip': allow_skip,
                                'allowed-refs': allowed_refs,
                                'policy-admins': admins,
                                'allow-merges': merges})
    # wt land (issue 25; docs/wt.md): read from the base's committed
    # policy only, never from a branch's working tree.
    land = Section('land', {
        'test': key(None, "Shell command 'wt land' runs in the rebased "
                    'worktree before it pushes; a failure stops the land. '
                    "Read from the base branch's committed policy only.",
                    type=['string', 'null'], min_length=1),
        'test-timeout': key(1800, "Seconds 'land.test' may run.",
                            type='number', exclusive_minimum=0),
    }, "'worktree-guard wt land': what must pass before a branch lands.")
    return [base], [server, land]


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
        '$id': 'urn:worktree-guard:policy:v1',
        'title': 'worktree-guard policy, version 1 (.worktree-guard.yaml)',
        'description': 'Policy for worktree-guard. Every key is optional; '
                       'omitted keys take the built-in default.',
        'type': 'object',
        'additionalProperties': False,
        'properties': props,
        '$defs': {'severity': {'enum': list(SEVERITIES)}},
    }


def glob_keys(registry: Registry, dialect: str) -> list[tuple[str, str]]:
    """``(section, key)`` of every glob list of ``dialect`` (``x-glob``:
    ``name`` or ``path``)."""
    head, tail = core_sections(registry)
    sections = head + [s.section for s in registry.rules.values()
                       if s.section is not None] + tail
    return [(s.name, k) for s in sections for k, v in s.properties.items()
            if v.get('x-glob') == dialect]


def render_schema(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + '\n'


def render_defaults(registry: Registry) -> str:
    """The text of ``policy/defaults.py``."""
    schema = build_schema(registry)
    digest = hashlib.sha256(render_schema(schema).encode()).hexdigest()[:16]
    data = {section: {k: v['default'] for k, v in s['properties'].items()}
            for section, s in schema['properties'].items()
            if section != 'version'}
    globs = glob_keys(registry, 'path')
    out = [
        '"""The built-in policy.  GENERATED from the rule SPECs and the core',
        'sections by ``python -m worktree_guard.gen --write``',
        '(``./dev gen``): do not edit; a test checks that it is current."""',
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
        "DEFAULTS: 'dict[str, dict[str, Any]]' = {",
    ]
    for section, values in data.items():
        out.append(f'    {section!r}: {{')
        out.extend(f'        {k!r}: {v!r},' for k, v in values.items())
        out.append('    },')
    out += [
        '}',
        '',
        '# (section, key) of the glob lists, by dialect (docs/policy.md):',
        '# whole-name globs over branch and ref names (policy.globmatch)...',
        'NAME_GLOB_KEYS: tuple[tuple[str, str], ...] = (',
        *(f'    {g!r},' for g in glob_keys(registry, 'name')),
        ')',
        "# ... and gitignore-style globs over file paths (pathspec).",
        'PATH_GLOB_KEYS: tuple[tuple[str, str], ...] = (',
        *(f'    {g!r},' for g in globs),
        ')',
        '',
        "# pathspec's regexes for the default path globs, so that the",
        '# no-file hot path never imports pathspec.',
        'BUILTIN_GLOBS: dict[str, list[str]] = {',
    ]
    out += [f'    {name!r}: {regexes!r},'
            for name, regexes in compile_globs(data, globs).items()]
    out.append('}')
    return '\n'.join(out) + '\n'


def rule_table(registry: Registry) -> str:
    """The docs' rule table (Markdown)."""
    rows = [TABLE_HEAD]
    for spec in registry.rules.values():
        only = ' (agent hook only)' if spec.stages == ('agent',) else \
            ' (server only)'
        default = spec.severity + ('' if spec.client else only)
        kinds = ', '.join(f'`{k}`' + (f' ({v})' if v != spec.severity
                                      else '')
                          for k, v in spec.kinds.items())
        rows.append(f'| `{spec.id}` | {default} | {kinds} |\n')
    return ''.join(rows)


def replace_rule_table(text: str, table: str) -> str:
    """Markdown ``text`` with its rule table (if any) replaced by
    ``table``."""
    start = text.find(TABLE_HEAD)
    if start < 0:
        return text
    end = text.find('\n\n', start) + 1 or len(text)
    return text[:start] + table + text[end:]


# -- typed policy sections (policy/sections.pyi) ---------------------------------

_JSON_TYPES = {'string': 'str', 'integer': 'int', 'number': 'float',
               'boolean': 'bool', 'null': 'None'}


def _python_type(prop: dict[str, Any]) -> str:
    """The Python type of a JSON-schema property, as far as mypy can use
    it: an enum or a severity is ``str``, a list of strings
    ``list[str]``."""
    kind = prop.get('type')
    if kind is None:   # an enum, or a $ref to the severities
        return 'str'
    if kind == 'array':
        items = prop.get('items') or {}
        return 'list[str]' if items.get('type') == 'string' or \
            'enum' in items else 'list[Any]'
    kinds = kind if isinstance(kind, list) else [kind]
    return ' | '.join(_JSON_TYPES.get(k, 'Any') for k in kinds)


def _class_name(section: str) -> str:
    return ''.join(part.capitalize() for part in section.split('-'))


def render_sections(schema: dict[str, Any]) -> str:
    """The text of ``policy/sections.pyi``: a ``TypedDict`` per policy
    section and ``SectionReads``, whose ``__getitem__`` overloads give
    ``policy['sync']['fetch-timeout']`` its type.  A stub, read by mypy
    only: ``policy/__init__.py`` imports it under ``TYPE_CHECKING``."""
    out = [
        '"""The policy\'s sections, typed for mypy.  GENERATED from the rule',
        'SPECs and the core sections by ``python -m worktree_guard.gen',
        '--write`` (``./dev gen``): do not edit; a test checks that it is',
        'current.  A stub: nothing imports it at run time."""',
        'from typing import Any, Literal, TypedDict, overload',
        '',
    ]
    sections = [(name, s) for name, s in schema['properties'].items()
                if name != 'version']
    for name, section in sections:
        props = section['properties']
        cls = _class_name(name)
        if all(key.isidentifier() for key in props):
            out.append(f'class {cls}(TypedDict):')
            out.extend(f'    {key}: {_python_type(prop)}'
                       for key, prop in props.items())
        else:   # kebab-case keys: the functional form
            out.append(f'{cls} = TypedDict({cls!r}, {{')
            out.extend(f'    {key!r}: {_python_type(prop)},'
                       for key, prop in props.items())
            out.append('})')
        out.append('')
    out += ['class SectionReads:',
            '    """``Policy[section]``: each section its own type."""']
    for name, _ in sections:
        out += ['    @overload',
                f'    def __getitem__(self, section: Literal[{name!r}]) -> '
                f'{_class_name(name)}: ...']
    out += ['    @overload',
            '    def __getitem__(self, section: str) -> Any: ...']
    return '\n'.join(out) + '\n'
