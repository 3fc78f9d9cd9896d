"""``worktree-guard sandbox [--worktree DIR] [--allow-write PATH]...
[--engine auto|landlock|bwrap] -- CMD...`` and ``sandbox --check``
(issue 22): run a command that the kernel lets write only in its
worktree, the temp and cache folders, ``/dev`` and the parts of the git
dir a linked worktree commits into.  docs/sandbox.md.

Routed by ``cli`` before argparse (the agent hook wraps every shell command
in it), so the options are parsed by hand and nothing heavy is imported:
the checkouts come from ``gitctx.checkouts`` (files, no git process).
It never runs the command unsandboxed: without an engine it exits 2.
"""
import os
import sys

from worktree_guard.errors import GuardError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.oslimit.roots import Plan

USAGE = ('usage: worktree-guard sandbox [--worktree DIR] '
         '[--allow-write PATH]... [--engine auto|landlock|bwrap] -- CMD...\n'
         '       worktree-guard sandbox --check [--worktree DIR] '
         '[--allow-write PATH]... [--engine ...]')
HELP = USAGE + '''

Run CMD so that the kernel refuses every write outside: the worktree (the
checkout holding the current folder, or DIR's), the git dir's objects,
refs, logs and worktrees/<name>, $TMPDIR and /tmp, the user's caches
(~/.cache or $XDG_CACHE_HOME, ~/.npm, $PIP_CACHE_DIR), /dev and each
--allow-write PATH.  Reads are not restricted.  A temp or cache folder
that holds a checkout or the git dir is left out (a private TMPDIR
replaces the temp folders).  Exit code: CMD's; 2 for a usage error or
when no engine can sandbox here (CMD is then not run).

  --check         print the engine, the Landlock ABI and the writable
                  folders; exit 0 if a command can be sandboxed, else 2
  --engine E      landlock (Linux 5.19+), bwrap (bubblewrap), or auto
                  (default: Landlock, else bubblewrap)

See docs/sandbox.md.'''
ENGINES = ('auto', 'landlock', 'bwrap')
# Set to 1: as if the kernel had no Landlock (tests; docs/sandbox.md).
NO_LANDLOCK_ENV = 'WORKTREE_GUARD_SANDBOX_NO_LANDLOCK'
PREFIX = 'worktree-guard sandbox: '


class Args:
    __slots__ = ('worktree', 'allow', 'engine', 'check', 'cmd')

    def __init__(self) -> None:
        self.worktree: str | None = None
        self.allow: list[str] = []
        self.engine = 'auto'
        self.check = False
        self.cmd: list[str] = []


def _usage(msg: str) -> GuardError:
    return GuardError(f'sandbox: {msg}', USAGE.replace('\n       ', '\n  '
                                                       '      or: ', 1))


def parse(argv: list[str]) -> Args | None:
    """The options, or ``None`` for ``--help``; ``GuardError`` (exit 2) for
    a usage error."""
    ns = Args()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == '--':
            ns.cmd = argv[i + 1:]
            break
        if arg in ('-h', '--help'):
            return None
        if arg == '--check':
            ns.check = True
            i += 1
            continue
        if not arg.startswith('-'):
            ns.cmd = argv[i:]
            break
        name, eq, value = arg.partition('=')
        if name not in ('--worktree', '--allow-write', '--engine'):
            raise _usage(f'unknown option {arg!r}')
        if not eq:
            if i + 1 == len(argv):
                raise _usage(f'{name} needs a value')
            i += 1
            value = argv[i]
        if name == '--worktree':
            ns.worktree = value
        elif name == '--allow-write':
            ns.allow.append(value)
        elif value in ENGINES:
            ns.engine = value
        else:
            raise _usage(f'--engine {value!r}: choose auto, landlock or '
                         'bwrap')
        i += 1
    if ns.check and ns.cmd:
        raise _usage('--check takes no command')
    if not ns.check and not ns.cmd:
        raise _usage('no command to run (give it after --)')
    return ns


class Engine:
    """The engine chosen, or why none can run (``name`` is ``None``)."""

    __slots__ = ('name', 'abi', 'bwrap', 'reasons')

    def __init__(self, name: str | None, abi: int | None, bwrap: str | None,
                 reasons: list[str]) -> None:
        self.name = name
        self.abi = abi
        self.bwrap = bwrap
        self.reasons = reasons


def choose(wanted: str, env: dict[str, str], probe: bool) -> Engine:
    """The engine ``wanted`` (``auto``: Landlock, else bubblewrap) when this
    machine has it.  ``probe`` runs bwrap once to check it can make a
    namespace (``--check``); a run finds out from bwrap's status instead."""
    from worktree_guard.oslimit import bwrap
    from worktree_guard.oslimit import landlock
    reasons = []
    abi = landlock.abi()
    if wanted in ('auto', 'landlock'):
        why = landlock.unusable(abi)
        if env.get(NO_LANDLOCK_ENV) == '1':
            why = f'{NO_LANDLOCK_ENV}=1 (as if the kernel had none)'
        if why is None:
            return Engine('landlock', abi, None, [])
        reasons.append(f'Landlock: {why}')
    exe = None
    if wanted in ('auto', 'bwrap'):
        exe = bwrap.find(env.get('PATH'))
        if exe is None:
            reasons.append('bubblewrap: no bwrap on PATH (Debian/Ubuntu: '
                           'apt-get install bubblewrap)')
        elif probe and not _bwrap_works(exe, env):
            reasons.append(f'bubblewrap: {exe} cannot create a namespace '
                           'here (unprivileged user namespaces are off?)')
        else:
            return Engine('bwrap', abi, exe, reasons)
    return Engine(None, abi, exe, reasons)


def _bwrap_works(exe: str, env: dict[str, str]) -> bool:
    from worktree_guard.oslimit import launch
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        pid = os.posix_spawn(exe, [exe, '--ro-bind', '/', '/', 'true'], env,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 2)],
                             setsigdef=launch.RESET)
    finally:
        os.close(devnull)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def make_plan(ns: Args, env: dict[str, str]) -> 'Plan':
    from worktree_guard.gitctx.checkouts import checkout_map
    from worktree_guard.oslimit import facts
    from worktree_guard.oslimit import roots
    where = ns.worktree or os.getcwd()
    if not os.path.isdir(where):
        raise _usage(f'--worktree {where!r} is not a folder')
    cmap = checkout_map(where)
    if cmap is None:
        raise GuardError(f'{where} is in no git repository: nothing to '
                         'confine the command to',
                         'run it inside a linked worktree, or pass '
                         '--worktree DIR')
    git_dir = cmap.current.git_dir if cmap.current else cmap.common_dir
    temps = facts.temps(env)
    return roots.plan(
        cmap, temps=temps, tmpdir_set=bool(env.get('TMPDIR')),
        caches=facts.caches(env),
        extra=[facts.real(os.path.expanduser(p)) for p in ns.allow],
        hooks_paths=facts.hooks_paths(env, cmap.common_dir, git_dir))


def writable(plan: 'Plan', private: str | None) -> list[str]:
    """The folders the command may write: the plan's that exist, and the
    private temp folder."""
    out = [r.path for r in plan.roots if os.path.exists(r.path)]
    return out + ([private] if private else [])


def main(argv: list[str]) -> int:
    ns = parse(argv)
    if ns is None:
        print(HELP)
        return 0
    env = dict(os.environ)
    plan = make_plan(ns, env)
    engine = choose(ns.engine, env, probe=ns.check)
    if ns.check:
        return check(plan, engine)
    if engine.name is None:
        raise GuardError('sandbox: no engine can sandbox the command here, so '
                         'it was not run: ' + '; '.join(engine.reasons),
                         'see docs/sandbox.md (engines, and macOS)')
    private = _prepare(plan, env)
    allowed = writable(plan, private)
    from worktree_guard.oslimit import launch
    try:
        if engine.name == 'landlock':
            code = _run_landlock(engine, allowed, ns.cmd, env)
        else:
            assert engine.bwrap is not None
            from worktree_guard.oslimit import bwrap
            r, w = os.pipe()
            code = launch.bwrap(bwrap.argv(engine.bwrap, allowed, w, ns.cmd),
                                w, r, env)
    except launch.LaunchError as e:
        print(PREFIX + str(e), file=sys.stderr)
        return e.code
    if code != 0:
        print(f'{PREFIX}writes outside {plan.worktree} are refused by the '
              f"kernel (allowed: {', '.join(allowed)}); see docs/sandbox.md",
              file=sys.stderr)
    return code


def _run_landlock(engine: Engine, allowed: list[str], cmd: list[str],
                  env: dict[str, str]) -> int:
    from worktree_guard.oslimit import landlock
    from worktree_guard.oslimit import launch
    assert engine.abi is not None
    try:
        ruleset = landlock.Ruleset(engine.abi, allowed)
    except landlock.LandlockError as e:  # pragma: no cover (the kernel refused a ruleset its ABI reported)
        raise launch.LaunchError(f'Landlock: {e}; the command did not run',
                                 2) from e
    try:
        return launch.landlock(ruleset.fd, cmd, env)
    finally:
        ruleset.close()


def _prepare(plan: 'Plan', env: dict[str, str]) -> str | None:
    """Make what the command needs before it is confined: the git dir's
    ``logs`` and the cache folder (git and tools create them lazily,
    which the sandbox would refuse), and the private temp folder; set
    ``TMPDIR`` in ``env``.  The private folder's path, if any."""
    from worktree_guard.oslimit.facts import caches
    cache_home = caches(env)[0]
    for r in plan.roots:
        if r.path == cache_home or (r.why == 'git'
                                    and r.path.endswith('/logs')):
            os.makedirs(r.path, exist_ok=True)
    private = None
    if plan.private_parent is not None:
        from worktree_guard.oslimit.roots import private_name
        private = private_name(plan.private_parent, os.getuid(),
                               plan.worktree)
        _private_dir(private)
        env['TMPDIR'] = private
    elif plan.tmpdir is not None:
        env['TMPDIR'] = plan.tmpdir
    return private


def _private_dir(path: str) -> None:
    """Make (or reuse) the private temp folder: ours, mode 0700, not a
    symlink (it may sit in the shared /tmp)."""
    import stat
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or \
            st.st_mode & 0o077:
        raise GuardError(f'the private temp folder {path} is not a folder '
                         'of ours with mode 0700',
                         'remove it, or set TMPDIR to a folder outside the '
                         'repository')


def check(plan: 'Plan', engine: Engine) -> int:
    """``--check``: the engine, the ABI and the exact writable folders."""
    from worktree_guard.oslimit.roots import private_name
    private = None
    if plan.private_parent is not None:
        private = private_name(plan.private_parent, os.getuid(),
                               plan.worktree)
    why = {r.path: r.why for r in plan.roots}
    lines = [f'engine: {engine.name or "none"}',
             'landlock ABI: ' + (str(engine.abi) if engine.abi else 'none'),
             f'worktree: {plan.worktree}', 'writable:']
    for path in writable(plan, private):
        lines.append(f"  {path}  ({why.get(path, 'private temp')})")
    tmpdir = private or plan.tmpdir
    if tmpdir:
        lines.append(f'TMPDIR: {tmpdir}')
    if plan.dropped:
        lines.append('left out (they would open a protected path):')
        lines += [f'  {r.path}  ({r.why}: {reason})'
                  for r, reason in plan.dropped]
    lines += [f'not usable: {reason}' for reason in engine.reasons]
    print('\n'.join(lines))
    return 0 if engine.name else 2
