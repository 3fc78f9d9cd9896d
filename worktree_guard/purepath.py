"""Path strings, no file system: the few ``posixpath`` string functions the
rules and the path engine need (``str`` paths only).  Pure by contract:
this module imports nothing, so the rules and the path engine, which may
not import ``os``, ``posix`` or ``lightpath`` (pyproject's contracts), use
it; ``lightpath`` re-exports these for the agent hook.
``tests/unit/test_lightpath.py`` checks them against ``os.path``.
"""


def isabs(path: str) -> bool:
    return path.startswith('/')


def join(a: str, *rest: str) -> str:
    path = a
    for b in rest:
        if b.startswith('/'):
            path = b
        elif not path or path.endswith('/'):
            path += b
        else:
            path += '/' + b
    return path


def basename(path: str) -> str:
    return path[path.rfind('/') + 1:]


def dirname(path: str) -> str:
    head = path[:path.rfind('/') + 1]
    if head and head != '/' * len(head):
        head = head.rstrip('/')
    return head


def normpath(path: str) -> str:
    """``posixpath.normpath``, in Python (``posix`` has the C one)."""
    if not path:
        return '.'
    # POSIX keeps exactly two leading slashes; three or more are one.
    initial = 2 if path.startswith('//') and not path.startswith('///') \
        else 1 if path.startswith('/') else 0
    parts: list[str] = []
    for comp in path.split('/'):
        if comp in ('', '.'):
            continue
        if comp != '..' or (not initial and not parts) or \
                (parts and parts[-1] == '..'):
            parts.append(comp)
        elif parts:
            parts.pop()
    return '/' * initial + '/'.join(parts) or '.'


def norm(path: str) -> str:
    """``normpath`` that also folds a leading ``//`` (the path engine's
    one spelling of an absolute path)."""
    n = normpath(path)
    if n.startswith('//'):
        n = '/' + n.lstrip('/')
    return n
