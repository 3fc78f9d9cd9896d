"""Parsing and validating policy text (the cold path: a cache miss, or
``policy validate``).

PyYAML's safe loader builds the node tree (for ``line:col``),
``jsonschema`` validates against the shipped ``schema.json`` (generated
from the rule SPECs), and semantic checks compile every regex (RE2) and
glob (pathspec).  Every problem becomes ``file:line:col: message`` plus a
hint.
"""
from __future__ import annotations

import os

from worktree_guard.errors import PolicyError
from worktree_guard.policy import defaults
from worktree_guard.policy.match import compile_regex
from worktree_guard.policy.match import glob_to_regex
from worktree_guard.policy.match import regex_error

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from collections.abc import Iterator

    import yaml

SCHEMA_FILE = 'schema.json'


def _too_deep(filename: str) -> PolicyError:
    return PolicyError(f'{filename}:1:1: the policy nests too deeply to '
                       'read', 'a policy is sections of keys with plain '
                       'values and lists; remove the nesting')


def _quote(key: object) -> str:
    """A key for a message: in quotes, control characters escaped."""
    text = str(key)
    return f"'{text}'" if text.isprintable() else repr(text)


def validated(raw: bytes | str, filename: str) -> tuple[
        dict[str, dict[str, Any]], dict[str, str]]:
    """The sections a policy text sets (``version`` aside) and where
    (``section.key`` -> ``file:line``), parsed and validated; raise
    ``PolicyError`` on any problem.  ``policy.parse`` merges them over the
    defaults."""
    from worktree_guard.policy.bounds import check_size
    check_size(len(raw), filename)
    data, node = _load(_text(raw, filename), filename)
    _off_means_off(data)
    try:
        errors = list(_validate(data, node, filename))
    except RecursionError:
        raise _too_deep(filename) from None
    if errors:
        raise _all_of(errors)
    sections: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for section, values in data.items():
        if section == 'version':
            continue
        sections[section] = dict(values or {})
        for key in sections[section]:
            line = _line_of(node, (section, key))
            sources[f'{section}.{key}'] = f'{filename}:{line}'
    return sections, sources


def _text(raw: bytes | str, filename: str) -> str:
    """The policy's text: UTF-8, or a ``PolicyError``."""
    if not isinstance(raw, bytes):
        return raw
    try:
        return raw.decode('utf-8')
    except UnicodeDecodeError as e:
        raise PolicyError(
            f'{filename}:1:1: the file is not valid UTF-8 (byte {e.start})',
            'save the policy file as UTF-8',
        ) from None


def _load(text: str, filename: str) -> tuple[Any, Any]:
    """The YAML document (``{}`` for an empty file) and its node tree (for
    ``line:col``); every YAML problem a ``PolicyError`` at its place."""
    import yaml

    from worktree_guard.policy.bounds import check_nodes
    try:
        loader = yaml.SafeLoader(text)  # checks every character first
    except yaml.reader.ReaderError as e:  # a control character
        raise _bad_character(text, e, filename) from None
    try:
        node = loader.get_single_node()
        check_nodes(node, filename)  # alias bombs: before building them
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as e:
        raise _bad_yaml(e, filename) from None
    except RecursionError:
        raise _too_deep(filename) from None
    except yaml.YAMLError as e:  # pragma: no cover (text input raises only marked and reader errors)
        first = str(e).split('\n', 1)[0]
        raise PolicyError(f'{filename}:1:1: invalid YAML: {first}',
                          'fix the YAML syntax') from None
    finally:
        loader.dispose()
    return ({} if data is None else data), node


def _bad_character(text: str, e: Any, filename: str) -> PolicyError:
    pos = e.position
    line = text.count('\n', 0, pos) + 1
    col = pos - text.rfind('\n', 0, pos)
    code = e.character if isinstance(e.character, int) else 0xFFFD
    return PolicyError(
        f'{filename}:{line}:{col}: invalid YAML: the character '
        f'U+{code:04X} is not allowed in a YAML file',
        'remove the control character (or save the file as UTF-8 text)')


def _bad_yaml(e: Any, filename: str) -> PolicyError:
    mark = e.problem_mark or e.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = e.problem or str(e)
    hint = 'fix the YAML syntax'
    if '\t' in problem or "'\\t'" in problem:
        hint = 'YAML does not allow tabs for indentation; use spaces'
    return PolicyError(f'{filename}:{line}:{col}: invalid YAML: {problem}',
                       hint)


def _off_means_off(data: Any) -> None:
    """YAML 1.1 reads a bare ``off`` as false; in ``rules`` and ``agents``
    it means the level."""
    for section in ('rules', 'agents'):
        if isinstance(data, dict) and isinstance(data.get(section), dict):
            for key, val in data[section].items():
                if val is False:
                    data[section][key] = 'off'


def _all_of(errors: list[tuple[str, str | None]]) -> PolicyError:
    """One ``PolicyError`` for every problem found: the first with its
    hint, the others below."""
    first_msg, first_hint = errors[0]
    more = ''.join('\n' + m + (f'\n  hint: {h}' if h else '')
                   for m, h in errors[1:])
    return PolicyError(first_msg + (f'\n  hint: {first_hint}'
                                    if first_hint else '') + more)


def _validate(data: Any, root: yaml.Node | None,
              filename: str) -> Iterator[tuple[str, str | None]]:
    def at(path: tuple[Any, ...], key_node: bool = False) -> str:
        line, col = _mark_of(root, path, key_node)
        return f'{filename}:{line}:{col}'

    if not isinstance(data, dict):
        yield (f'{at(())}: the policy must be a mapping of sections, '
               f'got {_type_name(data)}',
               'start from `worktree-guard init`, which writes a valid file')
        return
    dupes = list(_duplicate_keys(root, ()))
    for path in dupes:
        yield (f'{at(path, key_node=True)}: duplicate key '
               f"{_quote('.'.join(map(str, path)))}",
               'remove one of the two entries')
    schema = load_schema()
    import jsonschema
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data),
                    key=lambda e: _mark_of(root, tuple(e.absolute_path)))
    for err in errors:
        yield _explain_schema_error(err, schema, at)
    if errors:
        return
    yield from _semantic_checks(data, at)


def _explain_schema_error(err: Any, schema: dict[str, Any],
                          at: Any) -> tuple[str, str | None]:
    import difflib
    path = tuple(err.absolute_path)
    dotted = '.'.join(str(p) for p in path) or '(top level)'
    if err.validator == 'additionalProperties':
        allowed = sorted(err.schema.get('properties', {}))
        extra = [k for k in err.instance if k not in allowed]
        key = extra[0] if extra else '?'
        close = difflib.get_close_matches(str(key), allowed, n=1)
        where = at(path + (key,), key_node=True)
        sect = f" in '{dotted}'" if path else ''
        hint = (f"did you mean '{close[0]}'?" if close
                else f"known keys{sect}: {', '.join(allowed)}")
        return f'{where}: unknown key {_quote(key)}{sect}', hint
    if err.validator == 'enum':
        choices = ', '.join(str(c) for c in err.validator_value)
        return (f"{at(path)}: '{dotted}' is {err.instance!r}, "
                f'which is not one of: {choices}',
                f'use one of: {choices}')
    if err.validator == 'type':
        want = err.validator_value
        want = ' or '.join(want) if isinstance(want, list) else want
        want = want.replace('array', 'list').replace('object', 'mapping')
        return (f"{at(path)}: '{dotted}' must be a {want}, "
                f'got {_type_name(err.instance)}',
                _type_hint(want))
    if err.validator == 'const':
        return (f"{at(path)}: '{dotted}' must be {err.validator_value!r}, "
                f'got {err.instance!r}',
                f'this worktree-guard reads policy version '
                f'{err.validator_value}')
    if err.validator == 'pattern' and dotted == 'sync.max-staleness':
        return (f"{at(path)}: '{dotted}' is {err.instance!r}, not a duration",
                'write a number and a unit: 30m, 12h, 1d or 2w')
    if err.validator == 'pattern':
        return (f"{at(path)}: '{dotted}' is {err.instance!r}, not a size",
                "write bytes, or a number and a unit: '512KiB', '1MB'")
    return f"{at(path)}: '{dotted}': {err.message}", None


def _type_hint(want: str) -> str:
    if 'list' in want:
        return 'write a YAML list, e.g. [main, master] or one "- item" per line'
    if 'mapping' in want:
        return 'write a mapping of keys, e.g. "branches:\\n  check: new"'
    return f'write a {want}'


def _bad_name(value: str, kind: str) -> str | None:
    """Why ``value`` cannot be a git remote name, branch name or relative
    folder; ``None`` when it is fine.  These values reach git's command line
    (``git fetch <remote> <branch>``), so a leading ``-`` would be read as an
    option: a checked-in policy must never be able to run commands."""
    if value.startswith('-'):
        return 'it starts with "-", which git would read as an option'
    if any(ord(c) < 0x20 or c == '\x7f' for c in value):
        return 'it contains a control character'
    bad = set(' :*?[\\^~') if kind != 'folder' else set(':*?[\\')
    if set(value) & bad:
        chars = ' '.join(repr(c) for c in sorted(set(value) & bad))
        return f'it contains {chars}'
    parts = value.split('/')
    if '..' in value or (kind == 'folder' and '..' in parts):
        return 'it contains ".."'
    if kind == 'folder' and value.startswith('/'):
        return 'it must be relative to the repository'
    if kind != 'folder' and (value.endswith(('/', '.', '.lock'))
                             or '//' in value or value.startswith('/')):
        return 'it is not a valid git ref name'
    return None


def _semantic_checks(data: dict[str, Any],
                     at: Any) -> Iterator[tuple[str, str | None]]:
    for section, key, kind in (('base', 'remote', 'remote'),
                               ('base', 'branch', 'branch'),
                               ('worktrees', 'root', 'folder')):
        value = (data.get(section) or {}).get(key)
        why = _bad_name(value, kind) if isinstance(value, str) else None
        if why is not None:
            yield (f"{at((section, key))}: '{section}.{key}' is "
                   f'{value!r}: {why}',
                   {'remote': 'name a remote as `git remote` lists it, '
                              'e.g. origin',
                    'branch': 'name a branch, e.g. main',
                    'folder': 'name a folder inside the repository, '
                              'e.g. trees'}[kind])
    branches = data.get('branches') or {}
    if 'pattern' in branches:
        pat = branches['pattern']
        where = at(('branches', 'pattern'))
        try:
            compiled = compile_regex(pat)
        except Exception as e:
            reason = regex_error(e)
            yield (f"{where}: 'branches.pattern' is not a valid regex: "
                   f'{reason}',
                   'patterns use RE2 syntax (no lookarounds or '
                   'backreferences); test it with `worktree-guard policy '
                   'validate`')
        else:
            if 'issue' not in compiled.groupindex:
                yield (f"{where}: 'branches.pattern' has no named group "
                       "'issue'",
                       'capture the issue number as (?P<issue>[0-9]+)')
    yield from _glob_costs(data, at)
    # Path globs: the pathspec that applies them must take them.  Branch
    # and ref globs: ``globmatch`` takes any text (an unclosed ``[`` is a
    # literal), so only their cost is checked (``_glob_costs``).
    for section, key in defaults.PATH_GLOB_KEYS:
        for i, pat in enumerate((data.get(section) or {}).get(key) or []):
            if glob_to_regex(pat) is None:
                yield (f"{at((section, key, i))}: '{section}.{key}' has an "
                       f'invalid pattern {pat!r}',
                       'path patterns are gitignore-style globs: *, **, ?, '
                       '[a-z]; close every [ with ]')
    from worktree_guard.policy.bounds import check_amounts
    from worktree_guard.policy.match import parse_duration
    from worktree_guard.policy.match import parse_size
    yield from check_amounts(data, at, parse_size, parse_duration)
    for i, entry in enumerate((data.get('paths') or {}).get('allow') or []):
        if entry.startswith('re:'):
            try:
                compile_regex(entry[3:])
            except Exception as e:
                yield (f"{at(('paths', 'allow', i))}: 'paths.allow' entry "
                       f'{entry!r} is not a valid regex: {regex_error(e)}',
                       "write 're:' followed by an RE2 regex, or a literal "
                       'path without the prefix')


def _glob_costs(data: dict[str, Any],
                at: Any) -> Iterator[tuple[str, str | None]]:
    """Globs over names a pusher chooses (branches, refs) are compiled
    and matched on every push: each is at most ``MAX_GLOB_LENGTH``
    characters with at most ``MAX_WILDCARDS`` wildcards (issue 23: a
    policy cannot make a push slow).  Checked before any glob is
    compiled."""
    from worktree_guard.policy.globmatch import MAX_GLOB_LENGTH
    from worktree_guard.policy.globmatch import MAX_WILDCARDS
    from worktree_guard.policy.globmatch import wildcards
    from worktree_guard.policy.globmatch import MAX_TOTAL_WILDCARDS
    total = 0
    for section, key in defaults.NAME_GLOB_KEYS:
        for i, pat in enumerate((data.get(section) or {}).get(key) or []):
            where = f"{at((section, key, i))}: '{section}.{key}' pattern {i + 1}"
            if len(pat) > MAX_GLOB_LENGTH:
                yield (f'{where} is {len(pat)} characters long; a branch '
                       f'or ref glob is at most {MAX_GLOB_LENGTH}',
                       'shorten it, or list the names it means')
                continue
            n = wildcards(pat)
            total += n
            if n > MAX_WILDCARDS:
                yield (f'{where} holds {n} wildcards; a branch or ref glob '
                       f'holds at most {MAX_WILDCARDS}',
                       'split it, or list the names it means')
            elif total > MAX_TOTAL_WILDCARDS:
                yield (f'{where} brings the wildcards of the branch and ref '
                       f'globs to {total}; together they hold at most '
                       f'{MAX_TOTAL_WILDCARDS}',
                       'list plain names: they cost nothing to match')
                return


def _duplicate_keys(node: Any, path: tuple[Any, ...]) -> Iterator[
        tuple[Any, ...]]:
    import yaml
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for k, v in node.value:
            key = k.value
            if key in seen:
                yield path + (key,)
            seen.add(key)
            yield from _duplicate_keys(v, path + (key,))


def _find_node(root: Any, path: tuple[Any, ...],
               key_node: bool = False) -> Any:
    import yaml
    node = root
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == str(part) or k.value == part:
                    node = k if (last and key_node) else v
                    break
            else:
                return node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _mark_of(root: Any, path: tuple[Any, ...],
             key_node: bool = False) -> tuple[int, int]:
    if root is None:
        return (1, 1)
    node = _find_node(root, path, key_node)
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _line_of(root: Any, path: tuple[Any, ...]) -> int:
    return _mark_of(root, path, key_node=True)[0]


def _type_name(v: Any) -> str:
    if v is None:
        return 'nothing (null)'
    return {'dict': 'a mapping', 'list': 'a list', 'str': 'a string',
            'int': 'a number', 'float': 'a number', 'bool': 'a boolean'}.get(
                type(v).__name__, type(v).__name__)


def load_schema() -> dict[str, Any]:
    """The policy's JSON Schema (``schema.json``, generated)."""
    import json
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, SCHEMA_FILE), encoding='utf-8') as f:
        schema: dict[str, Any] = json.load(f)
    return schema
