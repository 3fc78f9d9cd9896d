"""``init``, ``install``, ``uninstall`` and ``doctor``: putting the hooks in
place and proving they run in every worktree."""
from __future__ import annotations

import os
import stat
import sys

from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import spawn

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

MARKER = '# worktree-guard-native-hook v1'
NATIVE = ('pre-commit', 'pre-push', 'commit-msg')
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
    import shlex
    args = f'{command} {name}' if command == 'hook' else name
    default = shlex.quote(python) if python else "''"
    fast = ''
    if python and paths is not None:
        import json
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
{fast}py={default}
[ -n "$WORKTREE_GUARD_PYTHON" ] && py=$WORKTREE_GUARD_PYTHON
if [ -n "$py" ] && [ -x "$py" ]; then
    exec "$py" -I -m worktree_guard {args} "$@"
fi
exec worktree-guard {args} "$@"
"""


# Run by the interpreter in isolated mode, with and without ``site``: the
# first run reports the sys.path that ``site`` builds and where the package
# is; the second checks that, with those entries appended, the package and
# the dependencies its cold paths import load without ``site``.
_PROBE_SITE = (
    'import sys, os, worktree_guard\n'
    'print(os.path.dirname(os.path.dirname(os.path.abspath('
    'worktree_guard.__file__))))\n'
    "print('\\0'.join(sys.path))\n"
)
_PROBE_NO_SITE = (
    'import sys\n'
    'want, pkg, full = sys.argv[1], sys.argv[2], sys.argv[3:]\n'
    'extra = []\n'
    'for p in full + [pkg]:\n'
    '    if p and p not in sys.path and p not in extra:\n'
    '        extra.append(p)\n'
    'sys.path += extra\n'
    'import worktree_guard, worktree_guard.cli, yaml, re2, jsonschema, '
    'pathspec\n'
    'assert worktree_guard.__file__ == want, worktree_guard.__file__\n'
    "print('\\0'.join(extra))\n"
)


def fast_start_paths(python: str) -> list[str] | None:
    """The ``sys.path`` entries a ``-I -S`` start of ``python`` needs to
    import worktree-guard exactly as a ``-I`` start does; ``None`` when that
    does not work (then the hooks start with ``-I`` only)."""
    import worktree_guard
    want = os.path.abspath(worktree_guard.__file__)
    res = spawn([python, '-I', '-c', _PROBE_SITE])
    lines = res.stdout.decode(errors='surrogateescape').split('\n')
    if res.returncode != 0 or len(lines) < 2:
        return None
    pkg, full = lines[0], lines[1].split('\0')
    res = spawn([python, '-I', '-S', '-c', _PROBE_NO_SITE, want, pkg,
                 *full])
    if res.returncode != 0:
        return None
    out = res.stdout.decode(errors='surrogateescape').rstrip('\n')
    return [p for p in out.split('\0') if p]


def _is_ours(path: str) -> bool:
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


def _install_into(directory: str, names: tuple[str, ...], force: bool,
                  command: str) -> list[str]:
    os.makedirs(directory, exist_ok=True)
    foreign = [n for n in names
               if os.path.exists(os.path.join(directory, n))
               and not _is_ours(os.path.join(directory, n))]
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
    import shlex
    directory, configured = hooks_dir(repo)
    if not configured or os.path.isabs(os.path.expanduser(configured)):
        return None
    return (f'core.hooksPath is relative ({configured!r}); git resolves it '
            'in each worktree, so linked worktrees may not run these hooks. '
            'Make it absolute:\n'
            f'  git config core.hooksPath {shlex.quote(directory)}')


def install(force: bool = False) -> int:
    repo = Repo.discover()
    if repo.root is None and \
            repo.out('rev-parse', '--is-bare-repository').strip() == 'true':
        import shlex
        where = shlex.quote(repo.git_dir)
        raise GuardError(
            f'{repo.git_dir} is a bare repository: install puts client '
            'hooks (pre-commit, pre-push, commit-msg) into a checkout',
            f'for server-side hooks use `worktree-guard install --server '
            f'{where}`; for worktrees linked to it, run `worktree-guard '
            'install` inside one of them',
        )
    directory, _ = hooks_dir(repo)
    for line in _install_into(directory, NATIVE, force, 'hook'):
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
        if os.path.exists(path) and _is_ours(path):
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
    from worktree_guard.gitctx import foreign_env
    if not os.path.isdir(bare):
        raise GuardError(f'{bare}: no such directory',
                         'give the path of the bare repository on the '
                         'server')
    env = foreign_env()
    git = ['git', '-C', bare]
    res = spawn(git + ['rev-parse', '--is-bare-repository', '--git-path',
                       'hooks'], env=env)
    lines = res.stdout.decode(errors='replace').split('\n')
    if res.returncode != 0 or lines[0] != 'true':
        raise GuardError(f'{bare} is not a bare git repository',
                         'server hooks go into the bare repo that clients '
                         'push to')
    directory = os.path.join(bare, lines[1])  # core.hooksPath is honoured
    for line in _install_into(directory, SERVER[:1], force, 'server'):
        print(line)
    key = 'receive.advertisePushOptions'
    if spawn(git + ['config', '--get', key], env=env).returncode == 1:
        spawn(git + ['config', key, 'true'], env=env)
        print(f'set {key}=true (for git push -o worktree-guard.skip=<rule>)')
    return 0


def uninstall_server(bare: str) -> int:
    """Remove the server hooks that worktree-guard installed (both names:
    an ``update`` hook placed from our template is ours too)."""
    from worktree_guard.gitctx import foreign_env
    res = spawn(['git', '-C', bare, 'rev-parse', '--git-path', 'hooks'],
                env=foreign_env())
    hooks = res.stdout.decode(errors='replace').strip() \
        if res.returncode == 0 else 'hooks'
    return _uninstall_from(os.path.join(bare, hooks), SERVER)


# -- init --------------------------------------------------------------------------

PRE_COMMIT_CONFIG = '.pre-commit-config.yaml'
PRE_COMMIT_SNIPPET = """\
# .pre-commit-config.yaml
minimum_pre_commit_version: 3.2.0
default_install_hook_types: [pre-commit, pre-push]
repos:
  - repo: <url of worktree-guard>
    rev: <tag or sha>
    hooks:
      - id: worktree-guard-commit   # branch, protected, layout, paths
      - id: worktree-guard-push     # the push rules, incl. sync-before-push
# then: pre-commit install --hook-type pre-commit --hook-type pre-push
"""


def policy_template() -> str:
    """A commented policy: every key, with its default, commented out."""
    from worktree_guard.policy import DEFAULTS
    from worktree_guard.policy import load_schema
    import yaml
    schema = load_schema()['properties']
    out = [
        '# Completion and checks in editors that use yaml-language-server',
        '# (VS Code YAML, ...): run',
        '#   worktree-guard policy schema > .worktree-guard.schema.json',
        '# then put this line at the top of the file:',
        '#   # yaml-language-server: $schema=./.worktree-guard.schema.json',
        '#',
        '# worktree-guard policy. Every key is optional: uncomment what you',
        '# change. `worktree-guard policy show` prints the effective policy.',
        'version: 1',
    ]
    for section, values in DEFAULTS.items():
        out.append('')
        out.append(f'# {section}:')
        props = schema[section]['properties']
        for key, val in values.items():
            desc = props.get(key, {}).get('description', '')
            dumped = yaml.safe_dump({key: val}, default_flow_style=True,
                                    width=1000).strip()[1:-1]
            if desc:
                out.append(f'#   # {desc}')
            out.append(f'#   {dumped}')
    return '\n'.join(out) + '\n'


def init(force: bool = False, run_pre_commit: bool = False) -> int:
    from worktree_guard.policy import POLICY_FILE
    repo = Repo.discover()
    if repo.root is None:
        raise GuardError('init needs a checkout, not a bare repository')
    path = os.path.join(repo.root, POLICY_FILE)
    if os.path.exists(path) and not force:
        raise GuardError(f'{POLICY_FILE} already exists; not overwriting it',
                         'rerun with --force to replace it')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(policy_template())
    print(f'wrote {path}')
    print()
    print(PRE_COMMIT_SNIPPET)
    if run_pre_commit:
        if not os.path.isfile(os.path.join(repo.root, PRE_COMMIT_CONFIG)):
            # pre-commit's hooks fail every commit without a config.
            raise GuardError(
                f'no {PRE_COMMIT_CONFIG} in {repo.root}: pre-commit install '
                'would make every commit fail; not installing',
                f'save the snippet printed above as {PRE_COMMIT_CONFIG} '
                '(fill in repo and rev), then run: pre-commit install '
                '--hook-type pre-commit --hook-type pre-push',
            )
        res = spawn(['pre-commit', 'install', '--hook-type', 'pre-commit',
                     '--hook-type', 'pre-push'])
        sys.stdout.write(res.stdout.decode(errors='replace'))
        if res.returncode != 0:
            raise GuardError(
                'pre-commit install failed: '
                + res.stderr.decode(errors='replace').strip(),
                'is core.hooksPath set? pre-commit refuses to install then',
            )
    return 0


# -- doctor ------------------------------------------------------------------------

def _hook_kind(path: str) -> str | None:
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return None
    if _is_ours(path):
        return 'native'
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            head = f.read(4096)
    except OSError:  # pragma: no cover (unreadable hook file)
        return 'foreign'
    return 'pre-commit' if 'pre-commit' in head and 'INSTALL_PYTHON' in head \
        else 'foreign'


def _commit_hook_ids() -> frozenset[str]:
    """The worktree-guard hook ids that run at the commit stage: the
    aggregate commit hook and every single-rule hook of a commit rule."""
    from worktree_guard.rules import COMMIT_RULES
    from worktree_guard.rules import HOOK_IDS
    from worktree_guard.rules import RULES
    return frozenset(
        hook_id for hook_id, rules in HOOK_IDS.items()
        if rules == COMMIT_RULES or any(
            RULES[r].hook_id == hook_id and 'commit' in RULES[r].stages
            for r in rules))


def _pre_commit_config(root: str) -> list[tuple[str, list[str] | None]] | None:
    """The hooks in ``root``'s ``.pre-commit-config.yaml``: each id with the
    ``stages`` the config gives it (``None``: the hook's own stages).
    ``None`` when there is no such file; empty when it does not parse."""
    path = os.path.join(root, PRE_COMMIT_CONFIG)
    if not os.path.isfile(path):
        return None
    import yaml
    try:
        with open(path, encoding='utf-8') as f:
            cfg = yaml.safe_load(f) or {}
        out: list[tuple[str, list[str] | None]] = []
        for r in cfg.get('repos', []):
            for h in r.get('hooks', []):
                if isinstance(h, dict):
                    stages = h.get('stages')
                    out.append((str(h.get('id')), None if stages is None
                                else [str(s) for s in stages]))
        return out
    except (yaml.YAMLError, AttributeError, TypeError):
        return []


def _runs_at_commit(stages: list[str] | None) -> bool:
    # 'commit' is the pre-3.2 name of the pre-commit stage.
    return stages is None or 'pre-commit' in stages or 'commit' in stages


class HookState:
    """Which hooks git runs in one worktree, and what ``doctor`` makes of it.

    ``hooks_dir``: the folder git takes the hooks from there (``core.hooksPath``
    resolved the way git resolves it in that worktree).  ``kinds``: for
    ``pre-commit`` and ``pre-push``, ``'native'``, ``'pre-commit'`` (the
    framework's script), ``'foreign'`` or ``None`` (no executable hook).
    ``status``: ``'ok'``, ``'SILENT'`` (a hook is missing) or ``'BROKEN'``
    (pre-commit's hook without a config fails every commit); ``notes``:
    doctor's lines.  ``problem``: one line for ``wt status``, ``None`` when
    the status is ok and worktree-guard runs at commit.
    """
    __slots__ = ('hooks_dir', 'kinds', 'status', 'notes', 'problem')

    def __init__(self, hooks_dir: str, kinds: dict[str, str | None],
                 status: str, notes: list[str], problem: str | None) -> None:
        self.hooks_dir = hooks_dir
        self.kinds = kinds
        self.status = status
        self.notes = notes
        self.problem = problem


def hook_states(repo: Repo,
                paths: Sequence[str]) -> dict[str, HookState]:
    """The hooks that run in each worktree of ``repo`` at ``paths``.

    No process per worktree: ``core.hooksPath`` is read once (``hooks_dir``)
    and, when relative, resolved in each worktree as git resolves it there
    (hooks run at the worktree root); unset, every worktree shares
    ``<git-common-dir>/hooks``.
    """
    shared, configured = hooks_dir(repo)
    relative = None
    if configured and not os.path.isabs(os.path.expanduser(configured)):
        relative = os.path.expanduser(configured)
    commit_ids = _commit_hook_ids()
    return {
        p: _hook_state(p, shared if relative is None else
                       os.path.normpath(os.path.join(p, relative)),
                       commit_ids)
        for p in paths}


def _hook_state(worktree_path: str, hdir: str,
                commit_ids: frozenset[str]) -> HookState:
    kinds = {n: _hook_kind(os.path.join(hdir, n))
             for n in ('pre-commit', 'pre-push')}
    missing = [n for n, k in kinds.items() if k is None]
    config = _pre_commit_config(worktree_path)
    hooks = config or []
    status = 'ok'
    notes = []
    problem = None
    if missing:
        status = 'SILENT'
        notes.append(f"no {' or '.join(missing)} hook in {hdir}")
        problem = (f"no {missing[0]} hook in {hdir}: worktree-guard "
                   'install, or pre-commit install')
    framework = [n for n, k in kinds.items() if k == 'pre-commit']
    if framework and config is None:
        # pre-commit's hook exits 1 when the config is missing.
        status = 'BROKEN'
        acts = ' and every '.join(
            {'pre-commit': 'commit', 'pre-push': 'push'}[n]
            for n in framework)
        notes.append(f'no {PRE_COMMIT_CONFIG} here: pre-commit fails '
                     f'every {acts}')
        problem = notes[-1]
    elif kinds['pre-commit'] == 'pre-commit' and not any(
            _runs_at_commit(stages) for hook_id, stages in hooks
            if hook_id in commit_ids):
        notes.append(f'pre-commit is installed but {PRE_COMMIT_CONFIG} '
                     'has no worktree-guard commit hook')
        problem = ('pre-commit is installed, but .pre-commit-config.yaml '
                   'runs no worktree-guard commit hook')
    for n, k in kinds.items():
        if k == 'foreign':
            notes.append(f'{n} is a foreign hook (not ours, not '
                         'pre-commit)')
    if kinds['pre-commit'] == 'foreign':
        problem = f'the pre-commit hook in {hdir} is not worktree-guard'
    if any(h == 'worktree-guard-push' for h, _ in hooks) and \
            kinds['pre-push'] is None:
        notes.append('the config has worktree-guard-push but no pre-push '
                     'hook is installed: pre-commit install --hook-type '
                     'pre-push')
    return HookState(hdir, kinds, status, notes, problem)


def doctor(policy_path: str | None = None) -> int:
    from worktree_guard import policy as policy_mod
    repo = Repo.discover()
    problems = 0
    try:
        pol = policy_mod.load(repo.root, policy_path)
        print(f"policy: {'valid: ' + pol.path if pol.path else 'no file, built-in defaults'}")
    except GuardError as e:
        problems += 1
        print('policy: INVALID')
        print('  ' + e.render().replace('\n', '\n  '))
    worktrees = repo.worktrees()
    states = hook_states(repo, [
        wt.path for wt in worktrees
        if not wt.bare and not wt.prunable and os.path.isdir(wt.path)])
    for wt in worktrees:
        label = wt.branch or ('bare' if wt.bare else 'detached')
        if wt.bare:
            print(f'{wt.path} [bare]: no hooks run here for commits')
            continue
        if wt.prunable or not os.path.isdir(wt.path):
            print(f'{wt.path} [{label}]: MISSING folder (prunable): '
                  'run `git worktree prune`')
            problems += 1
            continue
        state = states[wt.path]
        if state.status != 'ok':
            problems += 1
        desc = ', '.join(f'{n}={k or "none"}' for n, k in state.kinds.items())
        print(f'{wt.path} [{label}]: {state.status} ({desc})')
        for n in state.notes:
            print(f'    {n}')
    relative = relative_hooks_path(repo)
    if relative:
        print(relative)
    return 1 if problems else 0
