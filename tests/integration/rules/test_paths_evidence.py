"""An error needs evidence that the reference works on this machine only
(issue 24), through real repositories, real worktrees and real files on
disk: a climb that lands nowhere known with nothing there warns, one that
reaches a file beside the worktree (and not inside it) is refused, and
the server, which has no disk to look at, judges by structure alone."""
from __future__ import annotations

from pathlib import Path

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import there
from tests.integration.gitctx.test_paths_cases import Checker
from tests.integration.gitctx.test_paths_cases import check  # noqa: F401 (fixture)
from tests.integration.gitctx.test_paths_cases import stage
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import paths
from worktree_guard.model import RefUpdate
from worktree_guard.model import StageInput
from worktree_guard.model import ZERO_OID
from worktree_guard.policy import default_policy
from worktree_guard.runner import run

SCRIPT = 'cat ../sibling-repo/x\n'


def found(check: Checker, cwd: Path,  # noqa: F811
          *args: str) -> list[str]:
    return [f"{v['path']}:{v['line']} {v['severity']}"
            for v in check.json(cwd, *args)]


def test_a_climb_is_an_error_only_when_its_target_is_here(
        plain_repo: RepoHandle, check: Checker) -> None:  # noqa: F811
    r = plain_repo
    # A worktree beside the main checkout, as `git worktree add ../x` makes.
    wt = r.worktree('issue-45-x', path='../issue-45-x')
    # As in git's test scripts: `../../clean-atexit` from tools/ lands in
    # no known place, and nothing is there.
    stage(r, {'tools/x.sh': 'test_x () {\n'
                            '  > ../../clean-atexit && :\n}\n'},
          cwd=wt)
    assert found(check, wt) == ['tools/x.sh:2 warn']
    # A script that reads a sibling repository: nothing there yet, a
    # warning; once the sibling is checked out beside the worktree, and
    # the path is not in the tree, refused.
    stage(r, {'run.sh': SCRIPT}, cwd=wt)
    assert found(check, wt) == ['run.sh:1 warn', 'tools/x.sh:2 warn']
    sibling = wt.parent / 'sibling-repo'
    git('init', '-q', str(sibling), cwd=wt.parent)
    (sibling / 'x').write_text('data\n')
    assert found(check, wt) == ['run.sh:1 error', 'tools/x.sh:2 warn']
    rc, out = check(wt)
    assert rc == 1
    assert f'it is ../sibling-repo/x, and {sibling.resolve()}/x exists on ' \
        'this machine' in out
    # The same path inside the worktree: read from a folder below the
    # root, the script finds it there; a warning again.
    stage(r, {'sibling-repo/x': 'vendored\n'}, cwd=wt)
    assert found(check, wt) == ['run.sh:1 warn', 'tools/x.sh:2 warn']


def test_known_places_need_no_file(plain_repo: RepoHandle,
                                   check: Checker) -> None:  # noqa: F811
    r = plain_repo
    wt = r.worktree('issue-45-x')
    r.worktree('issue-46-y')
    stage(r, {'run.sh': ('cat ../../nothing-here\n'        # main checkout
                         'cat ../issue-46-y/nothing-here\n'  # a sibling
                         'cat ../issue-9-z/src\n')},         # a worktree's name
          cwd=wt)
    assert found(check, wt) == ['run.sh:1 error', 'run.sh:2 error',
                                'run.sh:3 error']


def test_the_commit_hook_refuses_only_with_evidence(
        native_repo: RepoHandle) -> None:
    r = native_repo
    wt = r.worktree('issue-45-x')
    stage(r, {'run.sh': SCRIPT}, cwd=wt)
    assert r.run_git('commit', '-q', '-m', 'warned', cwd=wt).returncode == 0
    there(wt, '../sibling-repo/x')
    stage(r, {'run.sh': SCRIPT + SCRIPT}, cwd=wt)
    proc = r.run_git('commit', '-q', '-m', 'refused', cwd=wt)
    assert proc.returncode == 1
    assert 'run.sh:2:5: worktree-paths/relative-escape' in proc.output


def test_the_server_has_no_disk(plain_repo: RepoHandle) -> None:
    r = plain_repo
    # Even with the target beside the clone: the server does not look.
    there(r.path, '../sibling-repo/x')
    r.git('switch', '-q', '-c', 'issue-6-x')
    stage(r, {'run.sh': SCRIPT + 'cat ../issue-9-z/src\n'})
    r.git('commit', '-q', '-m', 'x')
    tip = r.head()
    r.git('push', '-q', 'origin', 'issue-6-x')
    git('update-ref', '-d', 'refs/heads/issue-6-x', cwd=r.remote)
    repo = Repo.discover(str(r.remote))
    inp = StageInput('push', [RefUpdate('refs/heads/issue-6-x', tip,
                                        'refs/heads/issue-6-x', ZERO_OID)],
                     server=True)
    assert paths.path_facts(repo, default_policy(), inp).exists is None
    result = run(repo, default_policy(), inp, ['worktree-paths'])
    assert [(v.line, v.severity) for v in result.violations] == [
        (1, 'warn'), (2, 'error')]
    # The same push judged at the client (CI's view, with a checkout)
    # probes the disk: the sibling is there, an error.
    client = StageInput('push', [RefUpdate('refs/heads/issue-6-x', tip,
                                           'refs/heads/issue-6-x',
                                           ZERO_OID)])
    assert paths.path_facts(Repo.discover(str(r.path)), default_policy(),
                            client).exists is not None
