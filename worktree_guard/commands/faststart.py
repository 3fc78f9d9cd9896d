"""The fast start: which ``sys.path`` a ``python -I -S`` start needs to
import worktree-guard exactly as a ``-I`` start does.  ``install`` bakes it
into the native hook scripts, ``install --agent`` into the agent hook's
command (docs/hooks.md)."""
import os

import worktree_guard
from worktree_guard.gitctx import spawn

# Run by the interpreter in isolated mode, with and without ``site``: the
# first run reports the sys.path that ``site`` builds, where the package is
# and where the libraries its cold paths import are; the second checks
# that, with those entries appended, each loads from the same file without
# ``site``.  The package's own folder goes first (one folder scan less at
# every start, issue 17), which is why the libraries are checked too.
_PROBE_MODULES = 'worktree_guard, yaml, re2, jsonschema, pathspec'
_PROBE_SITE = (
    f'import sys, os, {_PROBE_MODULES}\n'
    'print(os.path.dirname(os.path.dirname(os.path.abspath('
    'worktree_guard.__file__))))\n'
    "print('\\0'.join(sys.path))\n"
    f"print('\\0'.join(m.__file__ for m in ({_PROBE_MODULES})))\n"
)
_PROBE_NO_SITE = (
    'import sys\n'
    f'n = {_PROBE_MODULES.count(",") + 1}\n'
    'pkg, want, full = sys.argv[1], sys.argv[2:2 + n], sys.argv[2 + n:]\n'
    'extra = []\n'
    'for p in [pkg] + full:\n'
    '    if p and p not in sys.path and p not in extra:\n'
    '        extra.append(p)\n'
    'sys.path += extra\n'
    f'import worktree_guard.cli, {_PROBE_MODULES}\n'
    f'got = [m.__file__ for m in ({_PROBE_MODULES})]\n'
    'assert got == want, got\n'
    "print('\\0'.join(extra))\n"
)


def fast_start_paths(python: str) -> list[str] | None:
    """The ``sys.path`` entries a ``-I -S`` start of ``python`` needs to
    import worktree-guard exactly as a ``-I`` start does; ``None`` when that
    does not work (then the hooks start with ``-I`` only)."""
    res = spawn([python, '-I', '-c', _PROBE_SITE])
    lines = res.stdout.decode(errors='surrogateescape').split('\n')
    if res.returncode != 0 or len(lines) < 3:
        return None
    pkg, full, files = lines[0], lines[1].split('\0'), lines[2].split('\0')
    # This worktree-guard, and the libraries where the -I start has them.
    want = [os.path.abspath(worktree_guard.__file__), *files[1:]]
    res = spawn([python, '-I', '-S', '-c', _PROBE_NO_SITE, pkg, *want,
                 *full])
    if res.returncode != 0:
        return None
    out = res.stdout.decode(errors='surrogateescape').rstrip('\n')
    return [p for p in out.split('\0') if p]
