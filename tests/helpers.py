"""Helpers for tests that drive real git, real hooks and real pre-commit."""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
CACHE_ROOT = Path(os.environ.get(
    'WORKTREE_GUARD_TEST_CACHE',
    os.path.join(os.path.expanduser('~'), '.cache', 'worktree-guard-tests'),
))

# Optional tools the suite uses when the machine has them (Debian's
# chromium and lighttpd, bubblewrap, npm's agent CLIs).  Naming one in
# WORKTREE_GUARD_TEST_HIDE (comma or space separated) makes the suite act
# as on a machine without it: .ci/run runs the whole suite that way once,
# so the coverage gate never depends on an optional package.
HIDDEN_TOOLS = frozenset(
    os.environ.get('WORKTREE_GUARD_TEST_HIDE', '').replace(',', ' ').split())


def find_tool(name: str, *places: str) -> str | None:
    """The path of the optional tool ``name`` (on PATH, else the first of
    ``places`` that exists), or None when absent or hidden."""
    if name in HIDDEN_TOOLS:
        return None
    return shutil.which(name) or next(
        (p for p in places if os.path.exists(p)), None)



class Proc:
    def __init__(self, cp: subprocess.CompletedProcess[str]) -> None:
        self.returncode = cp.returncode
        self.stdout = cp.stdout
        self.stderr = cp.stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __repr__(self) -> str:
        return (f'Proc(rc={self.returncode}, stdout={self.stdout!r}, '
                f'stderr={self.stderr!r})')


# Coverage's subprocess start-up (the variables coverage's ``patch =
# subprocess`` sets) costs ~0.1 s of CPU in every Python process, more than
# the hook run itself.  The processes git starts (the hooks of every commit,
# push and ref update in the tests: over a thousand a run) go unmeasured;
# each hook path is measured in-process instead (test_hook_inprocess.py and
# the unit tables), and the CLI runs the tests start directly stay measured.
# So git's hooks also take the fast start-up their users get.
UNMEASURED = ('COVERAGE_PROCESS_CONFIG', 'COVERAGE_PROCESS_START')


def run(cmd: list[str], cwd: Path | str, check: bool = False,
        input: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 300) -> Proc:
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    if cmd[0] == 'git':
        for var in UNMEASURED:
            full_env.pop(var, None)
    cp = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                        input=input, env=full_env, timeout=timeout)
    proc = Proc(cp)
    if check and proc.returncode != 0:
        raise AssertionError(f'{cmd} failed in {cwd}: {proc!r}')
    return proc


def git(*args: str, cwd: Path | str, check: bool = True,
        env: dict[str, str] | None = None, input: str | None = None) -> str:
    proc = run(['git', *args], cwd=cwd, check=check, env=env, input=input)
    return proc.stdout


def wg(*args: str, cwd: Path | str, env: dict[str, str] | None = None,
       input: str | None = None) -> Proc:
    """Run the worktree-guard console script."""
    return run(['worktree-guard', *args], cwd=cwd, env=env, input=input)


def assert_no_traceback(proc: Proc) -> None:
    assert 'Traceback' not in proc.output, proc.output


# -- repository state: the "nothing lost" invariant ----------------------------------

def repo_state(path: Path, include_remote_tracking: bool = True,
               index_bytes: bool = False) -> dict[str, Any]:
    """Everything a hook must never change: index, working tree, HEAD,
    refs (and reflogs of the stash), for the worktree at ``path``.

    The index is compared by its entries (mode, oid, stage, path): ``git
    commit`` itself refreshes the stat data before any hook runs.  With
    ``index_bytes`` (for runs that git does not wrap) the raw file is
    compared."""
    git_dir = Path(git('rev-parse', '--absolute-git-dir', cwd=path).strip())
    common = Path(git('rev-parse', '--path-format=absolute',
                      '--git-common-dir', cwd=path).strip())
    files: dict[str, Any] = {}
    for root, dirs, names in os.walk(path):
        if '.git' in dirs:
            dirs.remove('.git')
        rel_root = os.path.relpath(root, path)
        # Linked worktrees nested under trees/ are separate checkouts.
        if rel_root == '.' and 'trees' in dirs:
            dirs.remove('trees')
        for name in names:
            full = os.path.join(root, name)
            rel = os.path.normpath(os.path.join(rel_root, name))
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                files[rel] = ('link', os.readlink(full))
            else:
                with open(full, 'rb') as f:
                    digest = hashlib.sha1(f.read()).hexdigest()
                files[rel] = (oct(st.st_mode), digest)
    refs = git('for-each-ref', '--format=%(refname) %(objectname)',
               cwd=path).splitlines()
    if not include_remote_tracking:
        refs = [r for r in refs if not r.startswith('refs/remotes/')]
    index = git_dir / 'index'
    stash_log = common / 'logs' / 'refs' / 'stash'
    return {
        'head': (git_dir / 'HEAD').read_text(),
        'index': (index.read_bytes() if index.exists() else None)
        if index_bytes else git('ls-files', '-s', '-z', cwd=path),
        'files': files,
        'refs': refs,
        'stash': stash_log.read_text() if stash_log.exists() else None,
    }


@contextmanager
def unchanged(path: Path, include_remote_tracking: bool = True,
              index_bytes: bool = False) -> Iterator[None]:
    """Assert the block leaves the repo at ``path`` unchanged."""
    before = repo_state(path, include_remote_tracking, index_bytes)
    yield
    after = repo_state(path, include_remote_tracking, index_bytes)
    for key in before:
        assert before[key] == after[key], f'{key} changed in {path}'


class RepoHandle:
    """A working clone (``path``) and its bare remote (``remote``)."""

    def __init__(self, path: Path, remote: Path) -> None:
        self.path = path
        self.remote = remote

    def git(self, *args: str, check: bool = True,
            env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
        return git(*args, cwd=cwd or self.path, check=check, env=env)

    def run_git(self, *args: str, cwd: Path | None = None,
                env: dict[str, str] | None = None,
                input: str | None = None) -> Proc:
        return run(['git', *args], cwd=cwd or self.path, env=env, input=input)

    def write(self, rel: str, content: str, cwd: Path | None = None) -> Path:
        p = (cwd or self.path) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)
        return p

    def commit(self, message: str = 'change', cwd: Path | None = None,
               files: dict[str, str] | None = None,
               env: dict[str, str] | None = None) -> Proc:
        """Write ``files``, stage them, and run a real ``git commit``."""
        where = cwd or self.path
        for rel, content in (files or {}).items():
            self.write(rel, content, cwd=where)
            self.git('add', '--', rel, cwd=where)
        return self.run_git('commit', '-m', message, cwd=where, env=env)

    def worktree(self, branch: str, path: str | None = None,
                 base: str = 'main') -> Path:
        """``git worktree add`` at trees/<branch> (or ``path``)."""
        dest = self.path / (path or f'trees/{branch}')
        self.git('worktree', 'add', '-q', '-b', branch, str(dest), base)
        return dest

    def head(self, cwd: Path | None = None) -> str:
        return self.git('rev-parse', 'HEAD', cwd=cwd).strip()


# -- the hook repo pre-commit installs ---------------------------------------------

def snapshot_project(tmp_path_factory: Any) -> tuple[Path, str]:
    """Commit this checkout's files (tracked and untracked-not-ignored) into
    a content-addressed repo, deterministically, and return (path, sha)."""
    listing = subprocess.run(
        ['git', 'ls-files', '-z', '-co', '--exclude-standard'],
        cwd=PROJECT, capture_output=True, check=True,
    ).stdout.decode().split('\0')
    names = sorted(n for n in listing if n and (PROJECT / n).is_file())
    h = hashlib.sha1()
    for n in names:
        h.update(n.encode() + b'\0' + (PROJECT / n).read_bytes() + b'\0')
    dest = CACHE_ROOT / f'hook-repo-{h.hexdigest()[:16]}'
    if not (dest / '.git' / 'wg-complete').exists():
        CACHE_ROOT.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=CACHE_ROOT, prefix='tmp-hook-repo-'))
        for n in names:
            (tmp / n).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / n, tmp / n)
        env = {'GIT_AUTHOR_DATE': '2026-01-01T00:00:00Z',
               'GIT_COMMITTER_DATE': '2026-01-01T00:00:00Z',
               'GIT_AUTHOR_NAME': 'snapshot', 'GIT_AUTHOR_EMAIL': 's@x',
               'GIT_COMMITTER_NAME': 'snapshot', 'GIT_COMMITTER_EMAIL': 's@x'}
        git('init', '-q', '-b', 'main', cwd=tmp)
        git('add', '-A', cwd=tmp)
        git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m',
            'snapshot', cwd=tmp, env=env)
        (tmp / '.git' / 'wg-complete').write_text('ok')
        try:
            os.rename(tmp, dest)
        except OSError:  # another worker won the race
            shutil.rmtree(tmp, ignore_errors=True)
    sha = git('rev-parse', 'HEAD', cwd=dest).strip()
    return dest, sha


# -- odd environments ------------------------------------------------------------

def flavour(repo: RepoHandle) -> str:
    """'pre-commit' or 'native': which hooks a ``hooked_repo`` has."""
    cfg = repo.path / '.pre-commit-config.yaml'
    return 'pre-commit' if cfg.exists() else 'native'


def copy_hooks(src: RepoHandle, dest: Path) -> None:
    """Give the repo at ``dest`` the same hooks as ``src`` (the hook scripts,
    and for pre-commit its config): a fresh repo hooked the same way."""
    hooks = Path(git('rev-parse', '--path-format=absolute', '--git-path',
                     'hooks', cwd=dest).strip())
    hooks.mkdir(parents=True, exist_ok=True)
    for name in ('pre-commit', 'pre-push', 'commit-msg'):
        path = src.path / '.git' / 'hooks' / name
        if path.exists():
            shutil.copy2(path, hooks / name)
    cfg = src.path / '.pre-commit-config.yaml'
    if cfg.exists():
        shutil.copy2(cfg, dest / '.pre-commit-config.yaml')


def unprivileged() -> list[str] | None:
    """A command prefix that makes file permissions apply even to root
    (CI may run as root, which ignores ``chmod a-w``); None when that is
    not possible here."""
    if os.geteuid() != 0:
        return []
    if shutil.which('setpriv') is None:
        return None
    return ['setpriv', '--inh-caps=-all', '--bounding-set=-all', '--']


def fake_git(bindir: Path, version: str | None = None,
             touch: Path | None = None) -> dict[str, str]:
    """Write a ``git`` wrapper into ``bindir`` that execs the real git, and
    return the environment that puts it first, inside hooks too (git puts
    ``GIT_EXEC_PATH`` first on a hook's PATH, so that is pointed at
    ``bindir``, which links everything else to the real exec path).

    ``version`` makes ``git version``/``git --version`` report that version;
    ``touch`` appends a byte to that file on every call (a stand-in for a
    hook that changes the working tree)."""
    real = shutil.which('git')
    assert real is not None
    exec_path = git('--exec-path', cwd=bindir.parent).strip()
    bindir.mkdir(parents=True, exist_ok=True)
    lines = ['#!/bin/sh']
    if touch is not None:
        lines.append(f"printf x >> '{touch}'")
    if version is not None:
        lines.append('case "$1" in version|--version) '
                     f'echo "git version {version}"; exit 0;; esac')
    lines.append(f"exec '{real}' \"$@\"")
    # The wrapper's folder doubles as git's exec path: everything else in
    # it is a link to the real one.
    for entry in os.listdir(exec_path):
        if entry != 'git':
            (bindir / entry).symlink_to(os.path.join(exec_path, entry))
    path = bindir / 'git'
    path.write_text('\n'.join(lines) + '\n')
    path.chmod(0o755)
    return {'GIT_EXEC_PATH': str(bindir),
            'PATH': f'{bindir}{os.pathsep}{os.environ["PATH"]}'}


def precommit_config(hook_repo: tuple[Path, str], *hooks: str) -> str:
    """A .pre-commit-config.yaml for the snapshot of this checkout; each
    entry of ``hooks`` is the YAML of one hook (``id: ...`` and more)."""
    path, sha = hook_repo
    body = ''.join(f'  - {h}\n' for h in hooks)
    return f'repos:\n- repo: {path}\n  rev: {sha}\n  hooks:\n{body}'


def old_git(where: Path, reject: str) -> str:
    """A folder holding a ``git`` that behaves like an older release: the
    ``merge-tree`` options matching ``reject`` (a shell case pattern) are
    unknown (exit 129, like git's option parser); everything else runs the
    real git.  Put it first on PATH."""
    real = shutil.which('git')
    bindir = where / 'oldgit'
    bindir.mkdir(parents=True)
    script = bindir / 'git'
    script.write_text(
        '#!/bin/sh\n'
        'case " $* " in *" merge-tree "*) for a in "$@"; do\n'
        f'  case "$a" in {reject}) echo "error: unknown option" >&2; '
        'exit 129;; esac\n'
        'done;; esac\n'
        f'exec {real} "$@"\n')
    script.chmod(0o755)
    return str(bindir)


def alive(pid: int) -> bool:
    """Is process ``pid`` running (not gone, not a zombie)?"""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().split(') ', 1)[1][0] != 'Z'
    except FileNotFoundError:
        return False


def there(root: Path, *rels: str) -> list[str]:
    """Make the files ``rels`` name, read from ``root``, exist on this
    machine (outside the worktree, where a test's climb reaches): the
    evidence a ``../`` climb needs to be an error (docs/paths.md).
    Returns their real absolute paths."""
    out = []
    for rel in rels:
        target = Path(os.path.normpath(os.path.realpath(root) / Path(rel)))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text('here\n')
        out.append(str(target))
    return out
