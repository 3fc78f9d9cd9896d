"""``worktree-guard sandbox``: the real kernel (Landlock, bubblewrap), real
git, real linked worktrees; nothing mocked.

Most repositories live under /var/tmp, outside every folder the sandbox
allows (pytest's tmp_path is under /tmp, which it allows: a repository
there is the /tmp case, tested on its own).  Every refused command must
leave the main checkout, the sibling worktree and the shared git dir
byte-identical."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import UNMEASURED
from tests.helpers import find_tool
from tests.helpers import Proc
from tests.helpers import git
from tests.helpers import run
from worktree_guard.oslimit import landlock
from worktree_guard.oslimit.roots import private_name

pytestmark = pytest.mark.timeout(300)

NO_LANDLOCK = 'WORKTREE_GUARD_SANDBOX_NO_LANDLOCK'
HINT = 'worktree-guard sandbox: writes outside '


def _bwrap_works() -> bool:
    """Real bubblewrap is here, runs, and is not hidden by
    ``WORKTREE_GUARD_TEST_HIDE`` (.ci/run's run without optional tools)."""
    exe = find_tool('bwrap')
    return exe is not None and subprocess.run(
        [exe, '--ro-bind', '/', '/', 'true'], capture_output=True,
        check=False).returncode == 0


LANDLOCK_WHY = landlock.unusable(landlock.abi())
BWRAP_OK = _bwrap_works()
ENGINES = [
    pytest.param('landlock', marks=pytest.mark.skipif(
        LANDLOCK_WHY is not None, reason=f'no Landlock: {LANDLOCK_WHY}')),
    pytest.param('bwrap', marks=pytest.mark.skipif(
        not BWRAP_OK, reason='bubblewrap missing, hidden (WORKTREE_GUARD_TEST_HIDE) '
        'or without user namespaces')),
]
if LANDLOCK_WHY is not None and not BWRAP_OK:  # pragma: no cover (machine)
    pytest.skip('the kernel has neither a usable Landlock nor user '
                'namespaces for bubblewrap: nothing can sandbox here',
                allow_module_level=True)


class Layout:
    """``base/main`` with linked worktrees ``trees/issue-1-x`` (ours) and
    ``trees/issue-2-y`` (the sibling), and a bare ``base/origin.git``."""

    def __init__(self, base: Path) -> None:
        self.base = base.resolve()
        self.main = self.base / 'main'
        self.origin = self.base / 'origin.git'
        git('init', '-q', '--bare', '-b', 'main', str(self.origin),
            cwd=self.base)
        git('init', '-q', '-b', 'main', str(self.main), cwd=self.base)
        (self.main / 'README.md').write_text('# main\n')
        (self.main / '.gitignore').write_text('trees/\n')
        (self.main / 'src').mkdir()
        (self.main / 'src' / 'app.py').write_text('print(1)\n')
        git('add', '-A', cwd=self.main)
        git('commit', '-q', '-m', 'initial', cwd=self.main)
        git('remote', 'add', 'origin', str(self.origin), cwd=self.main)
        git('push', '-q', 'origin', 'main', cwd=self.main)
        self.common = self.main / '.git'
        hook = self.common / 'hooks' / 'pre-commit'
        hook.write_text('#!/bin/sh\nexit 0\n')
        hook.chmod(0o755)
        self.wt = self.main / 'trees' / 'issue-1-x'
        self.sib = self.main / 'trees' / 'issue-2-y'
        git('worktree', 'add', '-q', '-b', 'issue-1-x', str(self.wt),
            cwd=self.main)
        git('worktree', 'add', '-q', '-b', 'issue-2-y', str(self.sib),
            cwd=self.main)

    # What only the sandboxed worktree may change (and the objects, refs
    # and reflogs every worktree shares: see docs/sandbox.md).
    def _ours(self, rel: str) -> bool:
        return rel.startswith((
            'main/trees/issue-1-x', 'main/.git/worktrees/issue-1-x',
            'main/.git/objects', 'main/.git/logs',
            'main/.git/refs/heads/issue-1-x', 'main/.git/refs/remotes'))

    def snapshot(self) -> dict[str, tuple[str, str]]:
        """Every path under ``base`` but ours: its kind, mode and bytes."""
        out = {}
        for root, dirs, names in os.walk(self.base):
            for name in dirs + names:
                full = os.path.join(root, name)
                rel = os.path.relpath(full, self.base)
                if self._ours(rel):
                    continue
                st = os.lstat(full)
                if stat.S_ISLNK(st.st_mode):
                    out[rel] = ('link', os.readlink(full))
                elif stat.S_ISDIR(st.st_mode):
                    out[rel] = ('dir', oct(st.st_mode))
                else:
                    with open(full, 'rb') as f:
                        digest = hashlib.sha256(f.read()).hexdigest()
                    out[rel] = (oct(st.st_mode), digest)
        return out


@pytest.fixture
def outside() -> Iterator[Path]:
    """A folder outside every root the sandbox allows (not /tmp)."""
    base = Path(tempfile.mkdtemp(prefix='wg-sandbox-', dir='/var/tmp'))
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def lay(outside: Path) -> Iterator[Layout]:
    layout = Layout(outside)
    yield layout
    # A test that protects a path under /tmp makes the private temp folder.
    shutil.rmtree(private_name('/tmp', os.getuid(), str(layout.wt)),
                  ignore_errors=True)


def sandbox(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Proc:
    proc = run(['worktree-guard', 'sandbox', *args], cwd=cwd, env=env,
               timeout=120)
    # The command's own traceback (python3 -c) may show; never ours.
    assert 'worktree_guard' not in proc.output, proc
    assert 'internal error' not in proc.output, proc
    return proc


def sh(lay: Layout, engine: str, script: str,
       env: dict[str, str] | None = None) -> Proc:
    return sandbox('--engine', engine, '--', 'bash', '-c', script,
                   cwd=lay.wt, env=env)


BAD = [
    'touch ../../x',
    'touch ../../../x',
    'echo pwned > {main}/README.md',
    'echo pwned >> {main}/src/app.py',
    'truncate -s 0 {main}/README.md',
    'ln -s ../.. up && touch up/x',
    'ln -s {main}/README.md link && echo pwned > link',
    'ln {main}/README.md hard && echo pwned > hard',
    'python3 -c "open(\'{main}/f\', \'w\')"',
    'git config core.hooksPath /dev/null',
    'echo "#!/bin/sh" > {common}/hooks/post-checkout',
    'echo pwned > {common}/hooks/pre-commit',
    'cp README.md {sib}/copied',
    'echo pwned > {sib}/README.md',
    'rm {main}/README.md',
    'rm -r {main}/src',
    'mv {main}/README.md moved',
    'mv {sib}/README.md moved',
    'mkdir {main}/newdir',
    'git -C {main} checkout -q -b stray',
    'git -C {sib} commit -q --allow-empty -m stray',
    'GIT_DIR={common} GIT_WORK_TREE={main} git add -A',
    'echo x > {main}/new && GIT_DIR={common} GIT_WORK_TREE={main} '
    'git commit -q -am stray',
    'echo pwned > {common}/config',
    'echo pwned > {common}/worktrees/issue-2-y/HEAD',
]


@pytest.mark.parametrize('engine', ENGINES)
@pytest.mark.parametrize('script', BAD)
def test_refused_writes_leave_everything_else_byte_identical(
        lay: Layout, engine: str, script: str) -> None:
    before = lay.snapshot()
    cmd = script.format(main=lay.main, sib=lay.sib, common=lay.common)
    proc = sh(lay, engine, cmd)
    assert proc.returncode != 0, proc
    assert lay.snapshot() == before
    assert HINT + str(lay.wt) in proc.stderr
    assert 'see docs/sandbox.md' in proc.stderr


@pytest.mark.parametrize('engine', ENGINES)
def test_the_worktree_commits_rebases_and_fetches(lay: Layout,
                                                  engine: str) -> None:
    git('commit', '-q', '--allow-empty', '-m', 'main moves', cwd=lay.main)
    git('push', '-q', 'origin', 'main', cwd=lay.main)
    before = lay.snapshot()
    proc = sh(lay, engine, 'set -e; echo new > new.txt; git add new.txt; '
                           'git commit -q -m "add new"; git rebase -q main; '
                           'git fetch -q origin; echo x > "$TMPDIR/t"; '
                           'touch /tmp/wg-sandbox-ok-$$; '
                           'rm /tmp/wg-sandbox-ok-$$; '
                           'mkdir -p ~/.cache/x; echo > /dev/null',
             env={'TMPDIR': str(lay.base.parent)})
    # git 2.39 locks packed-refs (in the shared git dir, not writable)
    # whenever a transaction deletes a ref: rebase's clean-up of its
    # pseudo-refs complains and goes on (docs/sandbox.md, limits).
    lock = f"error: Unable to create '{lay.common}/packed-refs.lock': "
    assert proc.returncode == 0, proc
    assert all(line.startswith(lock) for line in proc.stderr.splitlines())
    log = git('log', '--format=%s', cwd=lay.wt).split('\n')
    assert log[:3] == ['add new', 'main moves', 'initial']
    assert git('rev-parse', 'origin/main', cwd=lay.wt) == \
        git('rev-parse', 'main', cwd=lay.main)
    assert Path(os.environ['HOME'], '.cache', 'x').is_dir()
    assert lay.snapshot() == before


def test_our_own_native_hooks_run_under_the_sandbox(lay: Layout) -> None:
    """worktree-guard's git hooks (pre-commit, commit-msg,
    reference-transaction) run inside the sandbox with a commit, and need
    to write nothing outside it."""
    installed = run(['worktree-guard', 'install', '--force'], cwd=lay.main)
    assert installed.returncode == 0, installed
    proc = sandbox('--', 'bash', '-c',
                   'echo x > a.txt && git add a.txt && env -u '
                   'COVERAGE_PROCESS_START -u COVERAGE_PROCESS_CONFIG '
                   'git commit -q -m "add a"', cwd=lay.wt)
    assert (proc.returncode, proc.stderr) == (0, ''), proc
    assert git('log', '-1', '--format=%s', cwd=lay.wt) == 'add a\n'


@pytest.mark.parametrize('engine', ENGINES)
def test_exit_code_and_the_hint(lay: Layout, engine: str) -> None:
    ok = sh(lay, engine, 'echo out')
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, 'out\n', '')
    failed = sh(lay, engine, 'echo err >&2; exit 3')
    assert failed.returncode == 3
    lines = failed.stderr.splitlines()
    assert lines[0] == 'err' and len(lines) == 2
    assert lines[1].startswith(HINT + f'{lay.wt} are refused by the kernel '
                               f'(allowed: {lay.wt}, {lay.common}/objects')


def test_check_lists_the_writable_roots(lay: Layout) -> None:
    proc = sandbox('--check', cwd=lay.wt)
    assert proc.returncode == 0, proc
    lines = proc.stdout.splitlines()
    assert lines[:4] == ['engine: landlock' if LANDLOCK_WHY is None
                         else 'engine: bwrap',
                         f'landlock ABI: {landlock.abi() or "none"}',
                         f'worktree: {lay.wt}', 'writable:']
    home = os.environ['HOME']
    cache = os.path.realpath(f'{home}/.cache')
    assert lines[4:] == [
        f'  {lay.wt}  (worktree)', f'  {lay.common}/objects  (git)',
        f'  {lay.common}/refs  (git)', f'  {lay.common}/logs  (git)',
        f'  {lay.common}/worktrees/issue-1-x  (git worktree)',
        '  /tmp  (temp)',
        # (pytest's HOME is under /tmp, which covers its cache)
        *([f'  {cache}  (cache)'] if os.path.isdir(cache)
          and not cache.startswith('/tmp/') else []),
        '  /dev  (devices)']
    # --worktree names the checkout from anywhere.
    other = sandbox('--check', f'--worktree={lay.wt / "src"}',
                    cwd=lay.base)
    assert other.returncode == 0
    assert other.stdout.splitlines() == lines


def test_a_repository_under_tmp_gets_a_private_temp(tmp_path: Path) -> None:
    """The repository lives under /tmp: /tmp is not allowed (it would open
    the main checkout); a private TMPDIR outside every checkout is."""
    lay = Layout(tmp_path)
    env = {'TMPDIR': ''}
    check = sandbox('--check', cwd=lay.wt, env=env)
    private = private_name('/tmp', os.getuid(), str(lay.wt))
    assert check.returncode == 0
    assert f'  {private}  (private temp)' in check.stdout
    assert f'TMPDIR: {private}' in check.stdout
    top = str(tmp_path.resolve()).split('/')[1]
    assert f'  /{top}  (temp: it holds ' in check.stdout
    assert '  /tmp  (temp)' not in check.stdout
    before = lay.snapshot()
    bad = sandbox('--', 'bash', '-c', f'touch {lay.main}/x', cwd=lay.wt,
                  env=env)
    assert bad.returncode == 1
    outside = sandbox('--', 'bash', '-c', f'touch {tmp_path}/beside',
                      cwd=lay.wt, env=env)
    assert outside.returncode == 1
    assert lay.snapshot() == before
    good = sandbox('--', 'bash', '-c', 'echo "$TMPDIR" && touch '
                   '"$TMPDIR/ok" && git commit -q --allow-empty -m ok',
                   cwd=lay.wt, env=env)
    assert (good.returncode, good.stdout) == (0, private + '\n'), good
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o700
    shutil.rmtree(private)
    # A folder of that name we did not make (mode 0755) is refused.
    os.mkdir(private, 0o755)
    try:
        odd = sandbox('--', 'true', cwd=lay.wt, env=env)
        assert odd.returncode == 2
        assert 'is not a folder of ours with mode 0700' in odd.stderr
    finally:
        os.rmdir(private)


@pytest.mark.skipif(not os.access('/dev/shm', os.W_OK),
                    reason='no writable /dev/shm here')
@pytest.mark.parametrize('engine', ENGINES)
def test_a_repository_under_dev_shm_narrows_dev(engine: str) -> None:
    """/dev would hold the repository: only its device files stay
    writable."""
    base = Path(tempfile.mkdtemp(prefix='wg-sandbox-', dir='/dev/shm'))
    try:
        lay = Layout(base)
        check = sandbox('--check', '--engine', engine, cwd=lay.wt)
        assert f'  /dev  (devices: it holds {lay.main})' in check.stdout
        assert '  /dev/null  (devices)' in check.stdout
        before = lay.snapshot()
        proc = sh(lay, engine, f'echo > /dev/null && touch {lay.main}/x')
        assert proc.returncode == 1
        assert lay.snapshot() == before
        good = sh(lay, engine, 'echo > /dev/null && git commit -q '
                               '--allow-empty -m ok')
        assert good.returncode == 0, good
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_cache_or_hooks_folder_that_would_open_a_checkout(
        lay: Layout) -> None:
    home = os.environ['HOME']
    hooks = f'{home}/.cache/shared-hooks'
    git('config', 'core.hooksPath', hooks, cwd=lay.main)
    proc = sandbox('--check', cwd=lay.wt,
                   env={'XDG_CACHE_HOME': str(lay.base)})
    assert f'  {lay.base}  (cache: it holds {lay.main})' in proc.stdout
    proc = sandbox('--check', cwd=lay.wt)
    assert f'  {home}/.cache  (cache: it holds {hooks})' in proc.stdout
    run_ = sandbox('--', 'bash', '-c', f'mkdir -p {hooks}', cwd=lay.wt)
    assert run_.returncode == 1 and not os.path.exists(hooks)
    # A hooks folder inside the worktree: the worktree cannot be confined.
    git('config', 'core.hooksPath', f'{lay.wt}/hooks', cwd=lay.main)
    inside = sandbox('--', 'true', cwd=lay.wt)
    assert inside.returncode == 2
    assert f'the worktree {lay.wt} holds {lay.wt}/hooks' in inside.stderr


def test_allow_write(lay: Layout) -> None:
    extra = lay.base / 'extra'
    extra.mkdir()
    ok = sandbox('--allow-write', str(extra), '--', 'touch',
                 f'{extra}/x', cwd=lay.wt)
    assert ok.returncode == 0 and (extra / 'x').exists()
    assert sandbox('--', 'touch', f'{extra}/y', cwd=lay.wt).returncode == 1
    for path in (lay.base, lay.main / 'src', lay.common / 'hooks'):
        refused = sandbox('--allow-write', str(path), '--', 'true',
                          cwd=lay.wt)
        assert refused.returncode == 2
        assert f'--allow-write {path} is refused' in refused.stderr


def test_the_hook_interface_through_python_dash_m(lay: Layout) -> None:
    """What the Claude Code hook runs: ``<python> -I -m worktree_guard
    sandbox --worktree <root> -- bash -c <command>``."""
    proc = run([sys.executable, '-I', '-m', 'worktree_guard', 'sandbox',
                '--worktree', str(lay.wt), '--', 'bash', '-c',
                'echo hi > f && touch ../../x'], cwd=lay.wt, timeout=120)
    assert proc.returncode == 1
    assert (lay.wt / 'f').read_text() == 'hi\n'
    assert not (lay.main / 'x').exists()


def test_start_up_imports_little(lay: Layout) -> None:
    code = ('import sys\nfrom worktree_guard.cli import main\n'
            'rc = main(["sandbox", "--", "true"])\n'
            'heavy = ("argparse", "subprocess", "typing", "json", "yaml", '
            '"git", "dataclasses", "shutil", "tempfile", "re")\n'
            'print(rc, [m for m in heavy if m in sys.modules])\n')
    env = dict(os.environ)
    for var in (*UNMEASURED, 'WORKTREE_GUARD_AUDIT'):
        env.pop(var, None)
    proc = subprocess.run([sys.executable, '-I', '-c', code], cwd=lay.wt,
                          capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert proc.stdout == '0 []\n', proc


@pytest.mark.parametrize('engine', ENGINES)
def test_sigterm_reaches_the_command(lay: Layout, engine: str) -> None:
    child = subprocess.Popen(
        ['worktree-guard', 'sandbox', '--engine', engine, '--', 'sh', '-c',
         'touch started; exec sleep 60'], cwd=lay.wt,
        stderr=subprocess.PIPE, text=True)
    try:
        started = lay.wt / 'started'
        while not started.exists() and child.poll() is None:
            time.sleep(0.02)   # bounded by the test's timeout
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=120) == 128 + signal.SIGTERM
    finally:
        child.kill()
        child.wait()


def test_command_not_found_or_not_executable(lay: Layout) -> None:
    missing = sandbox('--', 'no-such-command-wg', cwd=lay.wt)
    assert missing.returncode == 127
    assert missing.stderr == ('worktree-guard sandbox: no-such-command-wg: '
                              'command not found\n')
    (lay.wt / 'script').write_text('#!/bin/sh\n')
    odd = sandbox('--', './script', cwd=lay.wt)
    assert odd.returncode == 126
    assert 'Permission denied' in odd.stderr


@pytest.mark.skipif(LANDLOCK_WHY is not None, reason='no usable Landlock')
def test_landlock_refusing_to_restrict_is_reported(lay: Layout) -> None:
    """The kernel stacks at most 16 Landlock domains: run the sandbox
    inside 16 (each allowing everything) and the 17th is refused."""
    helper = ('import os, sys\n'
              'from worktree_guard.oslimit import landlock\n'
              'for _ in range(16):\n'
              '    rs = landlock.Ruleset(landlock.abi(), ["/"])\n'
              '    landlock.enforce(rs.fd)\n'
              '    rs.close()\n'
              'os.execvp(sys.argv[1], sys.argv[1:])\n')
    marker = lay.wt / 'ran'
    proc = run([sys.executable, '-c', helper, 'worktree-guard', 'sandbox',
                '--', 'touch', str(marker)], cwd=lay.wt, timeout=120)
    assert proc.returncode == 2, proc
    assert ('worktree-guard sandbox: Landlock refused to restrict the '
            'command (landlock_restrict_self: Argument list too long); it '
            'did not run') in proc.stderr
    assert not marker.exists()


@pytest.fixture
def no_bwrap_path(tmp_path: Path) -> str:
    """A PATH with the tools the tests need but no bwrap."""
    bindir = tmp_path / 'bin'
    bindir.mkdir()
    for tool in ('sh', 'touch', 'true'):
        found = shutil.which(tool)
        assert found
        (bindir / tool).symlink_to(found)
    return f'{os.path.dirname(sys.executable)}:{bindir}'


def test_no_engine_never_runs_the_command(lay: Layout,
                                          no_bwrap_path: str) -> None:
    marker = lay.wt / 'ran'
    env = {'PATH': no_bwrap_path}
    proc = sandbox('--engine', 'bwrap', '--', 'touch', str(marker),
                   cwd=lay.wt, env=env)
    assert proc.returncode == 2
    assert 'no engine can sandbox the command here, so it was not run' \
        in proc.stderr
    assert 'bubblewrap: no bwrap on PATH' in proc.stderr
    env[NO_LANDLOCK] = '1'
    for engine in ('auto', 'landlock'):
        proc = sandbox('--engine', engine, '--', 'touch', str(marker),
                       cwd=lay.wt, env=env)
        assert proc.returncode == 2
        assert f'Landlock: {NO_LANDLOCK}=1' in proc.stderr
    check = sandbox('--check', cwd=lay.wt, env=env)
    assert check.returncode == 2
    assert check.stdout.startswith('engine: none\n')
    assert 'not usable: bubblewrap: no bwrap on PATH' in check.stdout
    assert not marker.exists()


@pytest.mark.skipif(not BWRAP_OK, reason='bubblewrap cannot run here')
def test_without_landlock_auto_takes_bubblewrap(lay: Layout) -> None:
    env = {NO_LANDLOCK: '1'}
    check = sandbox('--check', cwd=lay.wt, env=env)
    assert check.returncode == 0
    assert check.stdout.startswith('engine: bwrap\n')
    before = lay.snapshot()
    proc = sandbox('--', 'bash', '-c', f'touch {lay.main}/x', cwd=lay.wt,
                   env=env)
    assert proc.returncode == 1
    assert 'Read-only file system' in proc.stderr
    assert lay.snapshot() == before


STAND_IN = r'''#!/bin/sh
# A stand-in for bwrap that runs the command WITHOUT any sandbox and
# reports on --json-status-fd as bwrap does: it checks the plumbing only.
fd=
while [ $# -gt 0 ]; do
    case "$1" in
        --json-status-fd) fd=$2; shift 2 ;;
        --ro-bind|--bind|--dev-bind) shift 3 ;;
        --die-with-parent) shift ;;
        --) shift; break ;;
        *) break ;;
    esac
done
[ -n "$fd" ] && eval "echo '{ \"child-pid\": 1 }' >&$fd"
"$@"
rc=$?
[ -n "$fd" ] && eval "echo '{ \"exit-code\": $rc }' >&$fd"
exit $rc
'''


def test_the_bwrap_plumbing_with_a_stand_in(lay: Layout, no_bwrap_path: str,
                                            tmp_path: Path) -> None:
    """bwrap's command line, status and exit code, on any machine (with
    bubblewrap hidden too): a stand-in ``bwrap`` that runs the command
    unconfined and reports as bwrap does.  The confinement itself is
    tested with the real bwrap above."""
    fake = tmp_path / 'fake'
    fake.mkdir()
    (fake / 'bwrap').write_text(STAND_IN)
    (fake / 'bwrap').chmod(0o755)
    env = {'PATH': f'{no_bwrap_path}:{fake}', NO_LANDLOCK: '1'}
    check = sandbox('--check', cwd=lay.wt, env=env)
    assert check.returncode == 0
    assert check.stdout.startswith('engine: bwrap\n')
    ok = sandbox('--', 'sh', '-c', 'echo "$@"', 'sh', '--', 'a', cwd=lay.wt,
                 env=env)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, '-- a\n', '')
    failed = sandbox('--', 'sh', '-c', 'exit 3', cwd=lay.wt, env=env)
    assert failed.returncode == 3
    assert HINT + str(lay.wt) in failed.stderr


def test_a_bwrap_that_cannot_make_a_namespace(lay: Layout,
                                              no_bwrap_path: str,
                                              tmp_path: Path) -> None:
    """As on a machine without unprivileged user namespaces: bwrap exits 1
    before running anything (a stand-in that fails the same way)."""
    fake = tmp_path / 'fake'
    fake.mkdir()
    (fake / 'bwrap').write_text(
        '#!/bin/sh\necho "bwrap: No permissions to create new namespace" '
        '>&2\nexit 1\n')
    (fake / 'bwrap').chmod(0o755)
    env = {'PATH': f'{no_bwrap_path}:{fake}', NO_LANDLOCK: '1'}
    marker = lay.wt / 'ran'
    proc = sandbox('--', 'touch', str(marker), cwd=lay.wt, env=env)
    assert proc.returncode == 2
    assert 'bubblewrap could not set up the sandbox' in proc.stderr
    assert 'the command did not run' in proc.stderr
    check = sandbox('--check', cwd=lay.wt, env=env)
    assert check.returncode == 2
    assert 'cannot create a namespace here' in check.stdout
    assert not marker.exists()


@pytest.mark.parametrize(('args', 'message'), [
    ([], 'no command to run'),
    (['--engine', 'docker', '--', 'true'], "--engine 'docker'"),
    (['--nope'], "unknown option '--nope'"),
    (['--worktree', '/nonexistent-wg', '--', 'true'], 'is not a folder'),
])
def test_usage_errors(lay: Layout, args: list[str], message: str) -> None:
    proc = sandbox(*args, cwd=lay.wt)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_places_it_refuses_to_confine(lay: Layout, outside: Path) -> None:
    main = sandbox('--', 'true', cwd=lay.main)
    assert main.returncode == 2
    assert 'is the main checkout' in main.stderr
    nowhere = outside / 'plain'
    nowhere.mkdir()
    proc = sandbox('--worktree', str(nowhere), '--', 'true', cwd=lay.wt)
    assert proc.returncode == 2
    assert 'is in no git repository' in proc.stderr


def test_help(lay: Layout) -> None:
    proc = sandbox('--help', cwd=lay.wt)
    assert proc.returncode == 0
    assert proc.stdout.startswith('usage: worktree-guard sandbox')
    listed = run(['worktree-guard', '--help'], cwd=lay.wt)
    assert 'sandbox' in listed.stdout
