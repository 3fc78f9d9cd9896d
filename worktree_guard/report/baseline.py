"""The baseline: findings accepted when a repository adopts worktree-guard.

``.worktree-guard-baseline.json`` (policy key ``paths.baseline``) holds,
per file, the fingerprints of the findings it accepts (rule, kind, path
and token; never the line, so edits above a finding keep it accepted)
with how many times each occurs::

    {"version": 1, "files": {"docs/old.md": {
        "3f2a9c0b1d2e4f56": {"code": "worktree-paths/relative-escape",
                             "count": 2}}}}

Every run that judges files (commit, push, CI, ``--all-files``) moves the
findings the baseline accepts from ``violations`` to ``suppressed``: they
no longer fail the run, text output hides them, JSON and SARIF report them
as suppressed.  A third occurrence where the baseline counts two is new and
fails.  A run over every file (``--all-files``) also points out the
entries no longer found (``stale``).  Only findings in a file of the tree
are recorded; findings about branches are about the change at hand.

The file is only read when a run found something (or judged every file),
so a clean commit pays nothing for it.  ``worktree-guard baseline``
(``commands/baseline.py``) writes it.

Trust (issue 23): a run reads the baseline through ``read`` (the runner
gives it the committed blob: CI the base ref's, the local hooks HEAD's),
never the working tree; the bytes must have the baseline's shape, and a
finding is accepted only by its fingerprint (a finding in the file that
``paths.baseline`` names is a finding like any other).  Only ``worktree-
guard baseline`` reads the working-tree file (``from_dir``): bounded, no
FIFO, no symlink, at most ``MAX_BYTES``.
"""
from __future__ import annotations

import os

from worktree_guard.errors import GuardError

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Any

    from worktree_guard.policy import Policy
    from worktree_guard.report import Result
    from worktree_guard.model import Violation

VERSION = 1
# The largest baseline read (a working-tree file or a committed blob).
MAX_BYTES = 16 << 20
# The rules whose findings sit in files of the tree.
CONTENT_RULES = ('worktree-paths',)
NOTE = ('Findings accepted when worktree-guard was adopted: per file, the '
        'fingerprint of each finding (rule, kind, path and token) and how '
        "often it occurs. 'worktree-guard baseline --update' drops the "
        'ones that are fixed.')
FIX = 'worktree-guard baseline --force   (records the current findings again)'

# path -> fingerprint -> (code, count)
Entries = dict[str, dict[str, tuple[str, int]]]


def file_name(policy: Policy) -> str:
    """``paths.baseline``, relative to the worktree root, normalised."""
    return os.path.normpath(str(policy['paths']['baseline'])).replace(
        os.sep, '/')


def recordable(v: Violation, rel: str) -> bool:
    """A finding in a file of the tree (not the baseline itself)."""
    return v.path is not None and not os.path.isabs(v.path) and v.path != rel


def load(root: str, rel: str) -> Entries | None:
    """The working-tree baseline at ``root/rel`` (``baseline --update``),
    or ``None`` when there is none."""
    raw = from_dir(root)(rel)
    return None if raw is None else parse_bytes(raw, rel)


def from_dir(root: str) -> Callable[[str], bytes | None]:
    """A reader of the working-tree file: bounded (never a FIFO, which
    would hang the run, never through a symlink, at most ``MAX_BYTES``)."""
    def read(rel: str) -> bytes | None:
        import stat
        flags = os.O_RDONLY | getattr(os, 'O_NOFOLLOW', 0) | \
            getattr(os, 'O_NONBLOCK', 0)
        try:
            fd = os.open(os.path.join(root, rel), flags)
        except FileNotFoundError:
            return None
        except OSError as e:
            why = 'it is a symlink' if os.path.islink(
                os.path.join(root, rel)) else e.strerror
            raise GuardError(f'{rel}:1: cannot read the baseline: {why}',
                             'the baseline is a regular file; check its '
                             'permissions') from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise GuardError(f'{rel}:1: the baseline is not a regular file',
                             FIX)
        with os.fdopen(fd, 'rb') as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise GuardError(f'{rel}:1: the baseline is larger than '
                             f'{MAX_BYTES} bytes', FIX)
        return raw
    return read


def parse_bytes(raw: bytes, rel: str) -> Entries:
    """A baseline file's bytes, checked: ``GuardError`` if they are not a
    baseline (``paths.baseline`` naming a script, a broken file)."""
    import json
    try:
        data = json.loads(raw)
    except ValueError as e:
        line = getattr(e, 'lineno', 1)
        raise GuardError(f'{rel}:{line}: the baseline is not valid JSON '
                         f'({e})', FIX) from None
    return parse(data, rel)


def parse(data: Any, rel: str) -> Entries:
    """Check the shape of a loaded baseline; ``GuardError`` if it is off."""
    def bad(what: str) -> GuardError:
        return GuardError(f'{rel}:1: not a worktree-guard baseline: {what}',
                          FIX)

    if not isinstance(data, dict) or data.get('version') != VERSION:
        raise bad(f'"version" must be {VERSION}')
    files = data.get('files')
    if not isinstance(files, dict):
        raise bad('"files" must be an object')
    out: Entries = {}
    for path, entries in files.items():
        if not isinstance(entries, dict):
            raise bad(f'"files"."{path}" must be an object')
        for fp, entry in entries.items():
            count = entry.get('count') if isinstance(entry, dict) else None
            code = entry.get('code') if isinstance(entry, dict) else None
            if not isinstance(code, str) or type(count) is not int \
                    or count < 1:
                raise bad(f'"files"."{path}"."{fp}" needs a "code" and a '
                          'positive "count"')
            out.setdefault(path, {})[fp] = (code, count)
    return out


def apply(result: Result, read: Callable[[str], bytes | None],
          policy: Policy, whole: bool,
          files: Sequence[str] | None = None) -> None:
    """Move the findings the baseline accepts to ``result.suppressed``;
    with ``whole`` (every file judged) list the stale entries, only of
    ``files`` when the run judged those alone (pre-commit's names).
    ``read`` gives the baseline's bytes (the runner's trusted source)."""
    rel = file_name(policy)
    if not whole and not any(recordable(v, rel) for v in result.violations):
        return
    result.baseline_read = True
    raw = read(rel)
    if raw is None:
        return
    entries = parse_bytes(raw, rel)
    result.baseline = rel
    left = _suppress(result, entries, rel)
    if whole:
        _note_stale(result, entries, left, rel, files)


def _suppress(result: Result, entries: Entries,
              rel: str) -> dict[tuple[str, str], int]:
    """Move the findings ``entries`` accept to ``result.suppressed`` (as
    many of each as it counts); the counts left unused."""
    left = {(path, fp): n for path, es in entries.items()
            for fp, (_, n) in es.items()}
    keep = []
    for v in result.violations:
        key = (str(v.path), v.fingerprint) if recordable(v, rel) else None
        if key is not None and left.get(key, 0) > 0:
            left[key] -= 1
            result.suppressed.append(v)
        else:
            keep.append(v)
    result.violations = keep
    if result.suppressed:
        n = len(result.suppressed)
        result.notes.append(f'{findings(n)} accepted by the baseline {rel} '
                            '(not shown)')
    return left


def _note_stale(result: Result, entries: Entries,
                left: dict[tuple[str, str], int], rel: str,
                files: Sequence[str] | None) -> None:
    """List the entries no finding used (of the rules that ran, and of
    ``files`` when given) in ``result.stale``, and say so in a note."""
    for (path, fp), n in sorted(left.items()):
        code = entries[path][fp][0]
        if n > 0 and code.split('/')[0] in result.rules_run and \
                (files is None or path in files):
            result.stale.append((path, fp, code, n))
    if not result.stale:
        return
    shown = ', '.join(f'{path} ({code} x{n})'
                      for path, _, code, n in result.stale[:3])
    more = len(result.stale) - 3
    n = len(result.stale)
    result.notes.append(
        f'{rel}: {n} baseline entr{"ies" if n != 1 else "y"} no longer '
        f'found: {shown}{f" and {more} more" if more > 0 else ""}; '
        "'worktree-guard baseline --update' drops stale entries")


def count(found: list[Violation], rel: str) -> Entries:
    out: Entries = {}
    for v in found:
        if recordable(v, rel):
            entries = out.setdefault(str(v.path), {})
            code, n = entries.get(v.fingerprint, (v.code, 0))
            entries[v.fingerprint] = (code, n + 1)
    return out


def total(entries: Entries) -> int:
    return sum(n for es in entries.values() for _, n in es.values())


def write(root: str, rel: str, entries: Entries) -> None:
    import json
    data = {
        'version': VERSION,
        'note': NOTE,
        'files': {path: {fp: {'code': code, 'count': n}
                         for fp, (code, n) in es.items()}
                  for path, es in entries.items()},
    }
    path = os.path.join(root, rel)
    tmp = f'{path}.{os.getpid()}.tmp'
    try:
        with open(tmp, 'w', encoding='ascii', newline='\n') as f:
            f.write(json.dumps(data, indent=2, sort_keys=True) + '\n')
        os.replace(tmp, path)
    except OSError as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise GuardError(f'{rel}:1: cannot write the baseline: {e.strerror}',
                         'check that its folder exists and is writable') \
            from None


def findings(n: int, adjective: str = '') -> str:
    """``3 findings``, ``1 fixed finding``."""
    return f'{n} {adjective}finding{"s" * (n != 1)}'
