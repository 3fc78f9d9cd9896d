"""branch-name and protected-branch through real commits, via the native
hooks and via the pre-commit framework (the ``hooked_repo`` fixture runs each
test both ways)."""
from __future__ import annotations

import json

import pytest

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import unchanged
from tests.helpers import wg
from worktree_guard.model import BranchFacts
from worktree_guard.model import BranchTarget
from worktree_guard.model import RefUpdate
from worktree_guard.model import Violation
from worktree_guard.policy import default_policy
from worktree_guard.policy import parse
from worktree_guard.rules import branch_name
from worktree_guard.rules import protected_branch
from worktree_guard.slug import slugify
from worktree_guard.slug import suggest_branch


# -- pure rules ------------------------------------------------------------------------

@pytest.mark.parametrize(('name', 'ok'), [
    ('issue-12-add-login', True), ('issue-1-x', True), ('main', True),
    ('release/2.0', True), ('feature/x', False), ('issue-0-x', False),
    ('issue-12-Add-login', False), ('issue-12-add--login', False),
    ('issue-12-', False), ('issue-12', False), ('hotfix', False),
    ('x' * 300, False),
])
def test_branch_name_rule(name: str, ok: bool) -> None:
    found = branch_name.check(BranchFacts([BranchTarget(name, 'HEAD')]),
                              default_policy())
    assert (not found) is ok


def test_branch_name_check_new_grandfathers() -> None:
    pol = parse('branches:\n  check: new\n')
    assert not branch_name.check(
        BranchFacts([BranchTarget('old-x', 'HEAD', False)]), pol)
    assert branch_name.check(
        BranchFacts([BranchTarget('new-x', 'HEAD', True)]), pol)


def test_detached_head_policy() -> None:
    assert not branch_name.check(BranchFacts(detached=True),
                                 default_policy())
    pol = parse('branches:\n  allow-detached: false\n')
    assert branch_name.check(BranchFacts(detached=True), pol) == [Violation(
        'branch-name', 'HEAD is detached; commits here belong to no issue '
        'branch', kind='detached', ref='HEAD',
        fix=['git switch -c issue-<N>-<slug>'])]


def test_protected_push_rules() -> None:
    pol = default_policy()
    z = '0' * 40
    a, b = 'a' * 40, 'b' * 40
    ff = RefUpdate('refs/heads/main', b, 'refs/heads/main', a, True)
    force = RefUpdate('refs/heads/main', b, 'refs/heads/main', a, False)
    delete = RefUpdate('(delete)', z, 'refs/heads/main', a)
    targets = [BranchTarget('main', 'push', False, u) for u in
               (ff, force, delete)]
    kinds = [v.kind for v in protected_branch.check(BranchFacts(targets), pol)]
    assert kinds == ['force-push', 'delete']


@pytest.mark.parametrize(('name', 'suggestion'), [
    ('Feature/Add Login', 'issue-<N>-add-login'),
    ('feature/Add-Login', 'issue-<N>-add-login'),
    ('fix-42-crash_on_start', 'issue-42-crash-on-start'),
    ('issue_7_Fix_Docs', 'issue-7-fix-docs'),
    ('hotfix', 'issue-<N>-hotfix'),
    ('fix-login-v2', 'issue-<N>-login-v2'),
    ('release2', 'issue-<N>-release2'),
    ('hotfix3', 'issue-<N>-hotfix3'),
    ('42/login', 'issue-42-login'),
    ('feature/#17-dark-mode', 'issue-17-dark-mode'),
    ('feature/Überprüfung', 'issue-<N>-uberprufung'),
])
def test_suggestions(name: str, suggestion: str) -> None:
    assert suggest_branch(name) == suggestion


@pytest.mark.parametrize(('title', 'n', 'slug'), [
    ('[plan][feat]: Add Rust SDK support', 40, 'add-rust-sdk-support'),
    ('Update documentation', 40, 'update-documentation'),
    ('Fix performance bug', 40, 'fix-performance-bug'),
    ('Add Rust SDK support', 10, 'add-rust'),
    ('Add Rust SDK support', 12, 'add-rust-sdk'),
    ('supercalifragilistic', 10, 'supercalif'),
    (':  Héllo,   Wörld!!', 40, 'hello-world'),
    ('ünïcode', 40, 'unicode'),
    ('Straße in Łódź', 40, 'strasse-in-lodz'),
    ('Café ☕ crème brûlée', 40, 'cafe-coffee-creme-brulee'),
    ('Ørsted æble', 40, 'orsted-aeble'),
    ('--a--b--', 40, 'a-b'),
])
def test_slugify(title: str, n: int, slug: str) -> None:
    assert slugify(title, n) == slug


# -- real commits, both hook flavours ---------------------------------------------------

def test_commit_on_feature_branch_is_refused(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    r.git('switch', '-q', '-c', 'feature/x')
    r.write('a.txt', 'a\n')
    r.git('add', 'a.txt')
    with unchanged(r.path):
        proc = r.run_git('commit', '-m', 'x')
    assert proc.returncode != 0
    assert 'branch-name' in proc.output
    assert "'feature/x'" in proc.output
    assert 'issue-<N>-x' in proc.output
    assert_no_traceback(proc)


def test_commit_on_issue_branch_passes(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    r.git('switch', '-q', '-c', 'issue-12-add-login')
    before = r.head()
    proc = r.commit('add login', files={'login.py': 'x = 1\n'})
    assert proc.returncode == 0, proc
    assert r.head() != before


def test_commit_on_main_is_refused(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    r.write('a.txt', 'a\n')
    r.git('add', 'a.txt')
    with unchanged(r.path):
        proc = r.run_git('commit', '-m', 'x')
    assert proc.returncode != 0
    assert 'protected-branch' in proc.output
    assert "'main' is protected" in proc.output


def test_linked_worktree_commits(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    good = r.worktree('issue-45-rust-sdk')
    proc = r.commit('sdk', cwd=good, files={'sdk.rs': 'fn main() {}\n'})
    assert proc.returncode == 0, proc
    bad = r.worktree('wip-stuff')
    (bad / 'x.txt').write_text('x\n')
    r.git('add', 'x.txt', cwd=bad)
    with unchanged(bad):
        proc = r.run_git('commit', '-m', 'x', cwd=bad)
    assert proc.returncode != 0
    assert "'wip-stuff'" in proc.output


def test_skip_env_bypasses_with_a_note(native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'feature/y')
    proc = r.commit('y', files={'y.txt': 'y\n'},
                    env={'SKIP': 'worktree-guard-commit'})
    assert proc.returncode == 0, proc
    assert 'skipped' in proc.output
    r.write('z.txt', 'z\n')
    r.git('add', 'z.txt')
    proc = r.run_git('commit', '-m', 'z',
                     env={'WORKTREE_GUARD_SKIP': 'branch-name'})
    assert proc.returncode == 0, proc
    assert 'skipped branch-name (WORKTREE_GUARD_SKIP=branch-name)' in proc.output


def test_first_commit_on_unborn_main_passes(tmp_path) -> None:
    from tests.helpers import git
    from tests.helpers import run
    repo = tmp_path / 'fresh'
    git('init', '-q', '-b', 'main', str(repo), cwd=tmp_path)
    run(['worktree-guard', 'install'], cwd=repo, check=True)
    (repo / 'a').write_text('a\n')
    git('add', 'a', cwd=repo)
    proc = run(['git', 'commit', '-m', 'root'], cwd=repo)
    assert proc.returncode == 0, proc
    (repo / 'b').write_text('b\n')
    git('add', 'b', cwd=repo)
    assert run(['git', 'commit', '-m', 'second'], cwd=repo).returncode == 1


def test_merge_commit_on_main_is_caught_by_commit_msg(
        native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-3-side')
    assert r.commit('side', files={'side.txt': 's\n'}).returncode == 0
    r.git('switch', '-q', 'main')
    proc = r.run_git('merge', '--no-ff', '-m', 'merge side', 'issue-3-side')
    assert proc.returncode != 0
    assert 'protected-branch' in proc.output


# -- check command, push stage, json ------------------------------------------------------

def test_check_json_output(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'feature/x')
    proc = wg('check', '--stage', 'commit', '--format', 'json', cwd=r.path)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data['violations'][0]['rule'] == 'branch-name'
    assert data['violations'][0]['ref'] == 'refs/heads/feature/x'
    assert data['exit_code'] == 1


def test_push_checks_the_remote_ref_not_head(native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-5-good')
    assert r.commit('g', files={'g.txt': 'g\n'}).returncode == 0
    with unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', 'origin', 'issue-5-good:hotfix')
    assert proc.returncode != 0
    assert "remote branch 'hotfix'" in proc.output
    proc = r.run_git('push', 'origin', 'issue-5-good')
    assert proc.returncode == 0, proc


def test_push_stage_needs_refs(plain_repo: RepoHandle) -> None:
    proc = wg('check', '--stage', 'push', cwd=plain_repo.path)
    assert proc.returncode == 2
    assert '--from-ref' in proc.stderr


def test_ci_mode_from_to_refs(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'feature/ci')
    assert r.commit('c', files={'c.txt': 'c\n'}).returncode == 0
    proc = wg('check', '--stage', 'push', '--from-ref', 'main', '--to-ref',
              'HEAD', '--rule', 'branch-name', cwd=r.path)
    assert proc.returncode == 1
    assert "'feature/ci'" in proc.stdout
    proc = wg('check', '--stage', 'push', '--from-ref', 'main', '--to-ref',
              'HEAD', '--branch', 'issue-9-ci', '--rule', 'branch-name',
              cwd=r.path)
    assert proc.returncode == 0, proc


def test_force_push_to_main_is_refused(native_repo: RepoHandle) -> None:
    r = native_repo
    # Around the hooks (reference-transaction too), as a careless tool would.
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '--amend', '-m',
          'rewritten')
    with unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', '--force', 'origin', 'main')
    assert proc.returncode != 0
    assert 'force-push' in proc.output


def test_delete_of_main_is_refused(native_repo: RepoHandle) -> None:
    proc = native_repo.run_git('push', 'origin', ':main')
    assert proc.returncode != 0
    assert 'may not be deleted' in proc.output


def test_push_fix_keeps_a_compliant_local_name(native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-8-ok')
    assert r.commit('ok', files={'ok.txt': 'ok\n'}).returncode == 0
    proc = r.run_git('push', 'origin', 'issue-8-ok:feature/bad')
    assert proc.returncode != 0
    assert "try 'issue-8-bad'" in proc.output
    assert 'fix: git push origin issue-8-ok  (push it under its own name)' \
        in proc.output
    assert 'git branch -m' not in proc.output


def test_push_fix_renames_a_noncompliant_local_branch(
        native_repo: RepoHandle) -> None:
    r = native_repo
    r.git('switch', '-q', '-c', 'wip')
    r.commit('w', files={'w.txt': 'w\n'}, env={'SKIP': 'worktree-guard-commit'})
    proc = r.run_git('push', 'origin', 'wip')
    assert proc.returncode != 0
    assert 'fix: git branch -m wip issue-<N>-wip' in proc.output
    assert 'fix: git push origin issue-<N>-wip' in proc.output


def test_protected_fix_during_a_merge(native_repo: RepoHandle) -> None:
    """git cannot switch branches mid-merge: the fix says abort first."""
    r = native_repo
    r.git('switch', '-q', '-c', 'issue-3-side')
    r.commit('side', files={'README.md': 'side\n'})
    r.git('switch', '-q', 'main')
    r.write('README.md', 'main\n')
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-am',
          'main edit')
    assert r.run_git('merge', 'issue-3-side').returncode != 0  # conflict
    r.write('README.md', 'resolved\n')
    r.git('add', 'README.md')
    proc = r.run_git('commit', '--no-edit')
    assert proc.returncode != 0
    assert 'git merge --abort' in proc.output
    assert 'git switch -c' not in proc.output.split('git merge --abort')[0]


def test_protected_fix_during_a_rebase() -> None:
    (v,) = protected_branch.check(BranchFacts(
        [BranchTarget('main', 'HEAD', operation='rebase')]), default_policy())
    assert v.fix == ["git rebase --abort  (rebase an issue branch instead "
                     "of 'main')"]


def test_unknown_skip_names_without_a_notes_list() -> None:
    from worktree_guard.runner import skipped_rules
    assert skipped_rules({'WORKTREE_GUARD_SKIP': 'nope'}) == {}
    notes: list[str] = []
    assert skipped_rules({'WORKTREE_GUARD_SKIP': 'nope,branch-name'},
                         notes) == {'branch-name':
                                    'WORKTREE_GUARD_SKIP=branch-name'}
    assert notes and "unknown rule 'nope'" in notes[0]


def test_fast_forward_unknown_when_the_old_tip_is_missing(
        plain_repo: RepoHandle) -> None:
    from worktree_guard.gitctx import Repo
    repo = Repo.discover(str(plain_repo.path))
    head = plain_repo.head()
    missing = 'f' * 40
    updates = [RefUpdate('refs/heads/main', head, 'refs/heads/main', missing),
               RefUpdate('refs/heads/main', head, 'refs/heads/main', head)]
    repo.fill_fast_forward(updates)
    assert [u.fast_forward for u in updates] == [None, True]


def test_all_files_on_main_judges_no_commit(plain_repo: RepoHandle) -> None:
    """`check --all-files` (and `pre-commit run --all-files`) on main
    commits nothing, so protected-branch has nothing to refuse; a plain
    commit-stage check on main still refuses."""
    r = plain_repo
    assert r.git('branch', '--show-current').strip() == 'main'
    proc = wg('check', '--stage', 'commit', '--all-files', cwd=r.path)
    assert proc.returncode == 0, proc
    assert 'protected-branch' not in proc.output
    proc = wg('check', '--stage', 'commit', cwd=r.path)
    assert proc.returncode == 1 and 'protected-branch' in proc.output
