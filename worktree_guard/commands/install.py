"""``worktree-guard install`` and ``uninstall``: the native hooks in the
shared hooks folder of a checkout, or (``--server``) the ``pre-receive``
hook in a bare repository; ``hook_script`` is the script they run."""
from __future__ import annotations

import json
import os
import shlex
import stat
import sys
from typing import TYPE_CHECKING

import worktree_guard
from worktree_guard.commands import add_command
from worktree_guard.commands import reftx
from worktree_guard.commands.agent_install import install_agent
from worktree_guard.commands.agent_install import uninstall_agent
from worktree_guard.commands.faststart import fast_start_paths
from worktree_guard.commands.hook import NATIVE_HOOKS
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import admin

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Sequence

    from worktree_guard.commands import Subparsers

MARKER = '# worktree-guard-native-hook v1'
NATIVE = NATIVE_HOOKS
SERVER = ('pre-receive', 'update')
BACKUP_SUFFIX = '.local'


def hook_script(name: str, python: str | None = None,
                command: str = 'hook',
                paths: Sequence[str] | None = None) -> str:
    """The thin shell script for one hook.

    With ``python`` set (``install``), the interpreter that has
    worktree-guard is baked in and started with ``-I`` (isolated: no cwd on
    sys.path, no PYTHON* variables); ``$WORKTREE_GUARD_PYTHON`` overrides it
    and ``worktree-guard`` on PATH is the fallback.  The scripts in the
    repo's ``hooks/`` folder are this template with no interpreter baked in.

    With ``paths`` as well (what ``fast_start_paths`` found), the baked
    interpreter also gets ``-S``: ``site`` is skipped (in a venv with an
    editable install its ``.pth`` files cost more than the whole hook), and
    the ``sys.path`` entries that ``site`` would have added are baked into a
    one-line bootstrap instead.  If the package has moved since, the
    bootstrap falls back to ``-I -m worktree_guard``.  So does a run with
    ``$WORKTREE_GUARD_PYTHON`` set, or with coverage measurement requested
    (its start-up hook lives in a ``.pth`` file).
    """
    args = f'{command} {name}' if command == 'hook' else name
    default = shlex.quote(python) if python else "''"
    fast = ''
    if python and paths is not None:
        listed = ', '.join(json.dumps(p, ensure_ascii=False) for p in paths)
        boot = (
            'import sys\n'
            f'sys.path += [{listed}]\n'
            'try:\n'
            '    from worktree_guard.cli import main\n'
            'except ImportError:  # moved since install: the full start-up\n'
            '    import os\n'
            '    e = sys.executable\n'
            '    os.execv(e, [e, "-I", "-m", "worktree_guard", '
            '*sys.argv[1:]])\n'
            'sys.exit(main(sys.argv[1:]))\n'
        )
        fast = f"""\
if [ -z "$WORKTREE_GUARD_PYTHON$COVERAGE_PROCESS_START$COVERAGE_PROCESS_CONFIG" ] \\
        && [ -x {default} ]; then
    # Fast start: no site (-S); its sys.path entries are baked in below.
    exec {default} -I -S -c {shlex.quote(boot)} {args} "$@"
fi
"""
    return f"""#!/bin/sh
{MARKER}
# Runs `worktree-guard {args}`; `worktree-guard uninstall{' --server <repo>' if command != 'hook' else ''}` removes it.
{_filter(name, python)}{fast}py={default}
[ -n "$WORKTREE_GUARD_PYTHON" ] && py=$WORKTREE_GUARD_PYTHON
if [ -n "$py" ] && [ -x "$py" ]; then
    exec "$py" -I -m worktree_guard {args} "$@"
fi
exec worktree-guard {args} "$@"
"""


def _filter(name: str, python: str | None) -> str:
    """The shell lines that end a hook before Python starts when it has
    nothing to judge."""
    if name == 'reference-transaction':
        return _reftx_filter(python)
    if name == 'commit-msg':
        return _COMMIT_MSG_FILTER
    return ''


# commit-msg runs for every commit, but judges only what the pre-commit
# hook does not see: a merge commit (git runs no pre-commit hook for one).
# A merge being committed leaves MERGE_HEAD in the worktree's git dir
# (git sets GIT_DIR for its hooks), so any other commit starts no Python:
# one Python start per commit.
_COMMIT_MSG_FILTER = """\
gd=${GIT_DIR:-$(git rev-parse --git-dir 2>/dev/null)}
[ -n "$gd" ] && [ ! -e "$gd/MERGE_HEAD" ] && exit 0
"""


# reference-transaction runs for every ref update (fetch, rebase, commit):
# Python starts only for a prepared transaction that moves a branch.
_REFTX_FILTER = """\
[ "$1" = prepared ] || exit 0
lines=$(cat) || exit 0
case "$lines" in *" refs/heads/"*) ;; *) exit 0 ;; esac
"""
_REFTX_EXEC = """\
exec 0<<WG_EOF
$lines
WG_EOF
"""
# ... and, when installed (a package and a stamp to trust), not even then
# when no moved branch can be protected: the last run of Python left shell
# patterns that over-approximate the protected branches in the worktree's
# git dir (``reftx.write_cache``).  They are trusted only in the plain set-up
# they were written for (the cwd is the worktree root they name; GIT_DIR or
# .git says where the git dir is) while neither the package nor a file the
# cache lists (the loose ref files the committed policy was read through,
# and their folders) is newer.  Anything else: Python decides, as before.
_REFTX_CACHE = """\
wg_unprotected() {
    [ -z "$WORKTREE_GUARD_PYTHON$GIT_COMMON_DIR" ] || return 1
    case "${GIT_WORK_TREE-.}" in .) ;; *) return 1 ;; esac
    g=${GIT_DIR-}
    if [ -z "$g" ]; then
        if [ -d .git ]; then
            g=.git
        elif [ -f .git ]; then
            read -r g <.git
            case "$g" in 'gitdir: '?*) g=${g#gitdir: } ;; *) return 1 ;; esac
        else
            return 1
        fi
    fi
    c=$g/worktree-guard-reftx
    [ -f "$c" ] && [ -r "$c" ] || return 1
    for p in @PACKAGE@; do
        [ -f "$p" ] && [ ! "$p" -nt "$c" ] || return 1
    done
    {
        IFS= read -r s && IFS= read -r r && IFS= read -r n || return 1
        case "$n" in [0-9]) ;; *) return 1 ;; esac
        while [ "$n" -gt 0 ]; do
            IFS= read -r d || return 1
            [ ! "$d" -nt "$c" ] || return 1
            n=$((n - 1))
        done
        pats=
        while IFS= read -r q; do pats="$pats $q"; done
    } <"$c"
    [ "$s" = @STAMP@ ] && [ "$r" = "$PWD" ] || return 1
    set -f
    while read -r o n ref; do
        case "$ref" in refs/heads/?*) ;; *) continue ;; esac
        for q in $pats; do
            case "${ref#refs/heads/}" in $q) set +f; return 1 ;; esac
        done
    done <<WG_EOF
$lines
WG_EOF
    set +f
}
wg_unprotected && exit 0
"""


def _reftx_filter(python: str | None) -> str:
    """The shell start of the reference-transaction hook; with ``python``
    (``install``) it trusts the cache that this package's ``reftx`` writes
    (its stamp, and the package files that decide what is protected)."""
    if not python:
        return _REFTX_FILTER + _REFTX_EXEC
    pkg = os.path.dirname(os.path.abspath(worktree_guard.__file__))
    files = [os.path.join(pkg, *f.split('/')) for f in _DECIDING_FILES]
    return (_REFTX_FILTER
            + _REFTX_CACHE.replace('@PACKAGE@',
                                   ' '.join(shlex.quote(f) for f in files))
            .replace('@STAMP@', shlex.quote(reftx.cache_stamp()))
            + _REFTX_EXEC)


# The package's files that decide which branches are protected: an upgrade
# that rewrites one makes the cache written before it untrusted.
_DECIDING_FILES = ('policy/defaults.py', 'policy/globmatch.py',
                   'commands/reftx.py')


def is_ours(path: str) -> bool:
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return MARKER in f.read(4096)
    except OSError:
        return False


def _write_exec(path: str, content: str) -> None:
    tmp = f'{path}.wg-tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(content)
    mode = os.stat(tmp).st_mode
    os.chmod(tmp, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(tmp, path)


def hooks_dir(repo: Repo) -> tuple[str, str | None]:
    """The shared hooks folder, and ``core.hooksPath`` if set.

    Without ``core.hooksPath`` this is ``<git-common-dir>/hooks``, which every
    worktree shares.  A relative ``core.hooksPath`` is resolved against the
    main checkout (where git resolves it for the main worktree).
    """
    configured = repo.config('core.hooksPath')
    if not configured:
        return os.path.join(repo.common_dir, 'hooks'), None
    path = os.path.expanduser(configured)
    if not os.path.isabs(path):
        base = repo.main_root() or repo.root or repo.common_dir
        path = os.path.join(base, path)
    return os.path.normpath(path), configured


def install_into(directory: str, names: tuple[str, ...], force: bool,
                  command: str) -> list[str]:
    os.makedirs(directory, exist_ok=True)
    foreign = [n for n in names
               if os.path.exists(os.path.join(directory, n))
               and not is_ours(os.path.join(directory, n))]
    if foreign and not force:
        raise GuardError(
            f"{', '.join(foreign)} in {directory} "
            f"{'is' if len(foreign) == 1 else 'are'} not ours; refusing to "
            'overwrite',
            'rerun with --force to move them to <hook>.local, where they no '
            'longer run, and install ours (or chain them by hand)',
        )
    lines = []
    paths = fast_start_paths(sys.executable)
    for name in names:
        path = os.path.join(directory, name)
        if name in foreign:
            os.replace(path, path + BACKUP_SUFFIX)
            lines.append(f'moved foreign {name} to {name}{BACKUP_SUFFIX} '
                         '(it no longer runs; chain it by hand if you still '
                         'need it)')
        _write_exec(path, hook_script(name, sys.executable, command, paths))
        lines.append(f'installed {path}')
    return lines


def relative_hooks_path(repo: Repo) -> str | None:
    """What to say when ``core.hooksPath`` is relative (``install`` and
    ``doctor`` both say it): the problem and the command that fixes it.
    ``None`` when it is unset or absolute."""
    directory, configured = hooks_dir(repo)
    if not configured or os.path.isabs(os.path.expanduser(configured)):
        return None
    return (f'core.hooksPath is relative ({configured!r}); git resolves it '
            'in each worktree, so linked worktrees may not run these hooks. '
            'Make it absolute:\n'
            f'  git config core.hooksPath {shlex.quote(directory)}')


def install(force: bool = False) -> int:
    repo = Repo.discover()
    if repo.root is None and repo.bare_git_dir():
        where = shlex.quote(repo.git_dir)
        raise GuardError(
            f'{repo.git_dir} is a bare repository: install puts client '
            'hooks (pre-commit, pre-push, commit-msg) into a checkout',
            f'for server-side hooks use `worktree-guard install --server '
            f'{where}`; for worktrees linked to it, run `worktree-guard '
            'install` inside one of them',
        )
    directory, _ = hooks_dir(repo)
    for line in install_into(directory, NATIVE, force, 'hook'):
        print(line)
    relative = relative_hooks_path(repo)
    if relative:
        print(f'warning: {relative}')
    print("run 'worktree-guard doctor' to see which worktrees run them")
    return 0


def uninstall() -> int:
    repo = Repo.discover()
    directory, _ = hooks_dir(repo)
    return _uninstall_from(directory, NATIVE)


def _uninstall_from(directory: str, names: tuple[str, ...]) -> int:
    removed = 0
    for name in names:
        path = os.path.join(directory, name)
        if os.path.exists(path) and is_ours(path):
            os.remove(path)
            removed += 1
            print(f'removed {path}')
            if os.path.exists(path + BACKUP_SUFFIX):
                os.replace(path + BACKUP_SUFFIX, path)
                print(f'restored {name} from {name}{BACKUP_SUFFIX}')
        elif os.path.exists(path):
            print(f'left {path}: not installed by worktree-guard')
    if not removed:
        print('nothing to remove: no worktree-guard hooks found in '
              f'{directory}')
    return 0


def install_server(bare: str, force: bool = False) -> int:
    """Install the ``pre-receive`` hook into a bare repository.

    Only ``pre-receive`` goes in: it judges every ref before git moves the
    pushed objects out of quarantine, so a refused push leaves nothing
    behind.  (``update`` runs the same checks per ref for servers that only
    run that hook; placing it is documented in the README.)  Push options
    are switched on (``receive.advertisePushOptions``) unless the repository
    already sets them, so ``git push -o worktree-guard.skip=<rule>`` works
    where ``server.allow-skip`` allows it.
    """
    if not os.path.isdir(bare):
        raise GuardError(f'{bare}: no such directory',
                         'give the path of the bare repository on the '
                         'server')
    directory = admin.bare_hooks_dir(bare)
    if directory is None:
        raise GuardError(f'{bare} is not a bare git repository',
                         'server hooks go into the bare repo that clients '
                         'push to')
    for line in install_into(directory, SERVER[:1], force, 'server'):
        print(line)
    key = 'receive.advertisePushOptions'
    if admin.config_default(bare, key, 'true'):
        print(f'set {key}=true (for git push -o worktree-guard.skip=<rule>)')
    return 0


def uninstall_server(bare: str) -> int:
    """Remove the server hooks that worktree-guard installed (both names:
    an ``update`` hook placed from our template is ours too)."""
    return _uninstall_from(admin.hooks_dir_at(bare), SERVER)


def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'install', 'install the native git hooks into the '
                                    'shared hooks folder')
    p.add_argument('--force', action='store_true',
                   help='replace foreign hooks (moved to <hook>.local, '
                        'where they no longer run)')
    p.add_argument('--server', metavar='BARE_REPO',
                   help='install the server-side pre-receive hook into a '
                        'bare repository')
    p.add_argument('--agent', choices=AGENT_NAMES,
                   help="merge the agent hook (and its sandbox settings) "
                        "into this checkout's settings files "
                        '(.claude/settings.local.json, ...)')
    p.set_defaults(run=run)
    u = add_command(sub, 'uninstall', 'remove the native hooks that '
                                      'install put in place')
    u.add_argument('--server', metavar='BARE_REPO')
    u.add_argument('--agent', choices=AGENT_NAMES,
                   help='undo install --agent (restores the settings files)')
    u.set_defaults(run=run_uninstall)


AGENT_NAMES = ('claude', 'codex', 'cursor', 'gemini')


def run(ns: argparse.Namespace) -> int:
    if ns.agent:
        return install_agent(ns.agent)
    if ns.server:
        return install_server(ns.server, force=ns.force)
    return install(force=ns.force)


def run_uninstall(ns: argparse.Namespace) -> int:
    if ns.agent:
        return uninstall_agent(ns.agent)
    if ns.server:
        return uninstall_server(ns.server)
    return uninstall()
