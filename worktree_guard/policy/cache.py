"""The policy cache: a parsed and validated policy, ``marshal``-ed into the
git dir, so that a commit pays neither for ``yaml`` nor for ``jsonschema``.

The key is the caller's (a file's stat at the client, a blob id at the
server) plus what decides the parse's result besides the text: the cache
format, the package version and the digest of the built-in defaults and
schema.  After an upgrade (or a checkout of other defaults) an old cache is
never read, so a policy can never lack a key the new code expects.
"""
import marshal

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

CACHE_VERSION = 5


def full_key(key: tuple[object, ...]) -> tuple[object, ...]:
    """``key`` plus the cache format, package version and defaults digest."""
    import worktree_guard
    from worktree_guard.policy import defaults
    return (CACHE_VERSION, worktree_guard.__version__, defaults.DIGEST, *key)


def read(cache_path: str, key: tuple[object, ...]) -> 'dict[str, Any] | None':
    """The parsed policy (``data``, ``sources``, ``globs``) cached at
    ``cache_path`` under ``key`` (already ``full_key``-ed), or ``None``
    when the file is missing, unreadable, or not a cache of ours."""
    try:
        with open(cache_path, 'rb') as f:
            cached = marshal.load(f)
        if cached.get('key') == key:
            return {'data': cached['data'], 'sources': cached['sources'],
                    'globs': cached['globs']}
    except (OSError, EOFError, ValueError, TypeError, AttributeError,
            KeyError):   # unreadable, or not a cache of ours
        pass
    return None


def store(cache_path: str, key: tuple[object, ...],
          parsed: dict[str, object]) -> None:
    """Cache ``parsed`` (``Policy.to_cache()``) at ``cache_path`` under
    ``key``; best-effort: a read-only ``.git`` only costs speed."""
    _write(cache_path, {'key': key, **parsed})


def _write(path: str, value: dict[str, object]) -> None:
    """``marshal`` ``value`` to ``path`` atomically; best-effort."""
    write_file(path, marshal.dumps(value))


def write_file(path: str, data: bytes, mtime: float | None = None) -> bool:
    """Write ``data`` to ``path`` atomically (a temporary file renamed over
    it), dated ``mtime`` when given.  Best effort, as a cache is: ``False``
    when it cannot (a read-only git dir), and no temporary file is left."""
    import os   # not at import: reading a cache (the agent hook) needs none
    tmp = f'{path}.{os.getpid()}.tmp'
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
        if mtime is not None:
            os.utime(tmp, (mtime, mtime))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True


def load_memo(path: str, key: tuple[object, ...]) -> dict[object, object]:
    """A small map kept beside a cache (the server keeps which policy blob
    a commit holds): ``{}`` when the file is missing, corrupt, or written
    under another key, format, package version or defaults.  The caller
    checks each value's shape before it trusts it."""
    try:
        with open(path, 'rb') as f:
            stored = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if isinstance(stored, dict) and stored.get('key') == full_key(key) \
            and isinstance(stored.get('map'), dict):
        memo: dict[object, object] = stored['map']
        return memo
    return {}


def save_memo(path: str, key: tuple[object, ...],
              memo: dict[object, object]) -> None:
    """Store ``memo`` for ``load_memo`` (best-effort, like the cache)."""
    _write(path, {'key': full_key(key), 'map': memo})
