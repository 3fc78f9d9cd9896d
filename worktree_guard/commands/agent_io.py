"""What the agent hook reads and writes, without ``json`` (it imports
``re``: ~6 ms a call) and without ``shlex``: one JSON document through the
C scanner behind ``json`` (``_json``), compact ASCII JSON, and a shell
word.  ``agent`` answers with them, ``agent_wrap`` reads Claude Code's
settings and wraps a command with them."""

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any


class PayloadError(ValueError):
    """The payload is not what the agent's contract documents."""


def quote(word: str) -> str:
    """``word`` as one shell word (``shlex.quote`` imports ``re``)."""
    return "'" + word.replace("'", "'\\''") + "'"


class _Context:
    """What the C scanner behind ``json`` reads from its decoder."""
    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = float


_WS = ' \t\n\r'


def loads(text: str) -> 'Any':
    """``json.loads`` for one document, through ``_json``'s C scanner."""
    try:
        import _json
        scan = _json.make_scanner(_Context())  # type: ignore[arg-type]
    except (ImportError, AttributeError):  # pragma: no cover (no C json)
        import json
        return json.loads(text)
    i = 0
    n = len(text)
    while i < n and text[i] in _WS:
        i += 1
    try:
        value, end = scan(text, i)
    except StopIteration as e:
        raise PayloadError(f'the payload is not JSON (at offset {e.value})'
                           ) from None
    while end < n and text[end] in _WS:
        end += 1
    if end != n:
        raise PayloadError(f'the payload is not one JSON value (extra data '
                           f'at offset {end})')
    return value


def dumps(obj: object) -> str:
    """Compact ASCII JSON of dicts, lists, strings, numbers, booleans and
    None (anything else as its ``str``)."""
    import _json
    if isinstance(obj, str):
        return str(_json.encode_basestring_ascii(obj))
    if isinstance(obj, bool) or obj is None:
        return {True: 'true', False: 'false', None: 'null'}[obj]
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float) and obj - obj == 0:   # finite
        return repr(obj)
    if isinstance(obj, dict):
        return '{' + ', '.join(f'{dumps(str(k))}: {dumps(v)}'
                               for k, v in obj.items()) + '}'
    if isinstance(obj, (list, tuple)):
        return '[' + ', '.join(dumps(v) for v in obj) + ']'
    return dumps(str(obj))
