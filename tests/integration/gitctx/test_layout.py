"""worktree-layout: the pure rule, its git facts, and real commits through
the native hooks and the pre-commit framework (``hooked_repo``)."""
from __future__ import annotations

import os
from pathlib import Path

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import unchanged
from tests.helpers import wg
from worktree_guard.model import LayoutFacts
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import worktrees
from worktree_guard.policy import default_policy
from worktree_guard.policy import parse
from worktree_guard.rules import worktree_layout
from worktree_guard.model import StageInput
from worktree_guard.model import Violation

MAIN = '/w/main'
ROOT = '/w/main/trees'


def facts(path: str, branch: str | None = 'issue-1-x', **kw: object) -> LayoutFacts:
    args: dict[str, object] = {'root_dir': ROOT, 'main_root': MAIN,
                               'ignored': True}
    args.update(kw)
    return LayoutFacts(True, path, branch, **args)  # type: ignore[arg-type]


# -- the pure rule -----------------------------------------------------------------------

def test_main_checkout_and_missing_facts_are_not_judged() -> None:
    pol = default_policy()
    assert worktree_layout.check(None, pol) == []
    assert worktree_layout.check(LayoutFacts(False, MAIN, ignored=False),
                                 pol) == []


def test_worktree_in_place_passes() -> None:
    assert worktree_layout.check(facts(f'{ROOT}/issue-1-x'),
                                 default_policy()) == []


def test_worktree_elsewhere_is_a_location_violation() -> None:
    # Outside the main checkout, the path is absolute.
    assert worktree_layout.check(facts('/w/elsewhere'), default_policy()) \
        == [Violation(
            'worktree-layout', "worktree of branch 'issue-1-x' is at "
            '/w/elsewhere; expected trees/issue-1-x (<main checkout>/trees/'
            '<branch>)', kind='location', path='/w/elsewhere',
            token='/w/elsewhere',
            fix=[f'mkdir -p {ROOT} && git worktree move /w/elsewhere '
                 f'{ROOT}/issue-1-x'])]


def test_folder_named_after_another_branch_suggests_switching_back() -> None:
    (v,) = worktree_layout.check(facts(f'{ROOT}/issue-2-y'),
                                 default_policy())
    assert v.path == 'trees/issue-2-y'
    assert "branch 'issue-1-x' is at trees/issue-2-y" in v.message
    assert v.fix[1].startswith('git switch issue-2-y')


def test_non_compliant_branch_is_renamed_before_the_move() -> None:
    pol = default_policy()
    (v,) = worktree_layout.check(facts('/w/elsewhere', 'Feature/Add-Login'),
                                 pol)
    assert v.kind == 'location'
    assert "branch 'Feature/Add-Login' is at /w/elsewhere, and the branch " \
        'does not match branches.pattern: rename the branch first, then ' \
        'move the worktree to trees/issue-<N>-add-login' in v.message
    assert v.fix == [
        'git branch -m Feature/Add-Login issue-<N>-add-login',
        f'mkdir -p {ROOT} && git worktree move /w/elsewhere '
        f'{ROOT}/issue-<N>-add-login']
    # Never into a folder named after the refused branch.
    assert 'Feature' not in ' '.join(v.fix[1:]) + v.message.split(', and')[1]
    # Same inside the root, in a folder whose name is not compliant either
    # (and no 'git switch' to a branch named like that folder).
    (v,) = worktree_layout.check(facts(f'{ROOT}/login', 'feature-7-Login'),
                                 pol)
    assert v.fix == [
        'git branch -m feature-7-Login issue-7-login',
        f'mkdir -p {ROOT} && git worktree move {ROOT}/login '
        f'{ROOT}/issue-7-login']


def test_non_compliant_branch_in_a_compliant_folder_takes_its_name() -> None:
    (v,) = worktree_layout.check(
        facts(f'{ROOT}/issue-4-add-login', 'Feature/Add-Login'),
        default_policy())
    assert 'rename the branch after its folder' in v.message
    assert v.fix == ['git branch -m Feature/Add-Login issue-4-add-login',
                     'git switch issue-4-add-login  (if that branch exists '
                     'already)']


def test_exempt_branch_moves_under_its_own_name() -> None:
    (v,) = worktree_layout.check(facts('/w/rel', 'release/1.2'),
                                 default_policy())
    assert v.fix == [f'mkdir -p {ROOT}/release && git worktree move /w/rel '
                     f'{ROOT}/release/1.2']


def test_no_switch_to_a_folder_named_like_a_non_compliant_branch() -> None:
    (v,) = worktree_layout.check(facts(f'{ROOT}/Scratch'), default_policy())
    assert v.fix == [f'mkdir -p {ROOT} && git worktree move {ROOT}/Scratch '
                     f'{ROOT}/issue-1-x']


def test_nested_branch_names_nest_folders() -> None:
    assert worktree_layout.check(facts(f'{ROOT}/release/1.2', 'release/1.2'),
                                 default_policy()) == []


def test_detached_worktree_only_needs_to_sit_in_the_root() -> None:
    pol = default_policy()
    assert worktree_layout.check(facts(f'{ROOT}/review', None), pol) == []
    assert worktree_layout.check(facts('/w/review', None), pol) == [
        Violation('worktree-layout', 'detached worktree is at /w/review, '
                  'outside trees/; it belongs directly in trees/',
                  kind='location', path='/w/review', token='/w/review',
                  fix=[f'mkdir -p {ROOT} && git worktree move /w/review '
                       f'{ROOT}/review'])]


def test_not_ignored_root() -> None:
    assert worktree_layout.check(facts(f'{ROOT}/issue-1-x', ignored=False),
                                 default_policy()) == [Violation(
        'worktree-layout', "'trees/' is not ignored in the main checkout: "
        "its worktrees show up there as untracked and 'git add -A' would "
        'stage them', kind='not-ignored', path=f'{MAIN}/.gitignore',
        token='trees/',
        fix=[f"echo '/trees/' >> {MAIN}/.gitignore  (then commit "
             '.gitignore on a branch)',
             "'worktree-guard wt create' adds it for you"])]


def test_nested_layout_without_main_checkout() -> None:
    (v,) = worktree_layout.check(
        facts('/srv/repo.git/trees/issue-1-x', root_dir=None, main_root=None,
              ignored=None), default_policy())
    assert v.kind == 'location'
    assert 'no main checkout' in v.message
    assert 'layout: bare' in v.fix[0]


def test_bare_layout_message_and_severity_off() -> None:
    f = facts('/w/x', root_dir='/srv/repo.git/trees', main_root=None,
              ignored=None, layout='bare')
    (v,) = worktree_layout.check(f, default_policy())
    assert '<git-common-dir>/trees/<branch>' in v.message
    assert v.path == '/w/x'


# -- facts from real repositories ----------------------------------------------------------

def _facts_at(path: Path, policy_text: str = '') -> LayoutFacts:
    cwd = os.getcwd()
    os.chdir(path)
    try:
        repo = Repo.discover()
        pol = parse(policy_text) if policy_text else default_policy()
        return worktrees.layout_facts(repo, pol, StageInput('commit'))
    finally:
        os.chdir(cwd)


def test_facts_main_checkout_runs_no_check(plain_repo: RepoHandle) -> None:
    f = _facts_at(plain_repo.path)
    assert f.linked is False


def test_facts_linked_worktree(plain_repo: RepoHandle) -> None:
    wt = plain_repo.worktree('issue-3-x')
    f = _facts_at(wt)
    main = os.path.realpath(plain_repo.path)
    assert (f.linked, f.path, f.branch, f.ignored) == (
        True, os.path.realpath(wt), 'issue-3-x', True)
    assert (f.main_root, f.root_dir) == (main, os.path.join(main, 'trees'))
    (plain_repo.path / '.gitignore').write_text('other/\n')
    assert _facts_at(wt).ignored is False
    # A root outside the main checkout cannot be ignored there: not asked.
    # (The policy refuses '..' in root; a symlinked root can still lead out.)
    outside = plain_repo.path.parent / 'wt-root'
    outside.mkdir()
    (plain_repo.path / 'wt-root').symlink_to(outside)
    assert _facts_at(wt, 'worktrees:\n  root: wt-root\n').ignored is None


def test_facts_detached_worktree(plain_repo: RepoHandle) -> None:
    dest = plain_repo.path / 'trees' / 'review'
    plain_repo.git('worktree', 'add', '-q', '--detach', str(dest), 'main')
    f = _facts_at(dest)
    assert f.branch is None and f.ignored is True
    assert worktree_layout.check(f, default_policy()) == []


def test_facts_separate_git_dir(tmp_path: Path) -> None:
    """A common dir not named .git: the main checkout comes from git."""
    main = tmp_path / 'main'
    git('init', '-q', '-b', 'main', '--separate-git-dir',
        str(tmp_path / 'gd'), str(main), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=main)
    git('worktree', 'add', '-q', '-b', 'issue-1-x', 'trees/issue-1-x',
        cwd=main)
    wt = main / 'trees' / 'issue-1-x'
    # git reports the git dir as the main worktree: not judged, with a note.
    assert _facts_at(wt).linked is False
    proc = wg('check', '--hook', 'check-worktree-layout', '--stage',
              'commit', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'note: worktree-layout not judged: cannot find the main ' \
        'checkout' in proc.stdout


def _bare_with_worktree(tmp_path: Path, bare: Path, where: str) -> Path:
    src = tmp_path / 'src'
    git('init', '-q', '-b', 'main', str(src), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=src)
    git('clone', '-q', '--bare', str(src), str(bare), cwd=tmp_path)
    dest = Path(os.path.normpath(bare / where))
    git('worktree', 'add', '-q', '-b', 'issue-1-x', str(dest), 'main',
        cwd=bare)
    return dest


def test_facts_bare_repository(tmp_path: Path) -> None:
    bare = tmp_path / 'repo.git'
    wt = _bare_with_worktree(tmp_path, bare, 'trees/issue-1-x')
    nested = _facts_at(wt)
    assert nested.main_root is None and nested.root_dir is None
    (v,) = worktree_layout.check(nested, default_policy())
    assert 'no main checkout' in v.message
    pol = 'worktrees:\n  layout: bare\n'
    f = _facts_at(wt, pol)
    assert f.root_dir == os.path.realpath(bare / 'trees')
    assert f.ignored is None
    assert worktree_layout.check(f, parse(pol)) == []


def test_facts_bare_repository_named_dot_git(tmp_path: Path) -> None:
    """``git clone --bare URL proj/.git`` with worktrees next to it: the
    folder holding .git is the base, and nothing can be ignored there."""
    bare = tmp_path / 'proj' / '.git'
    wt = _bare_with_worktree(tmp_path, bare, '../trees/issue-1-x')
    f = _facts_at(wt)
    assert f.ignored is None
    assert f.root_dir == os.path.realpath(tmp_path / 'proj' / 'trees')
    assert worktree_layout.check(f, default_policy()) == []


# -- through real commits ------------------------------------------------------------------

def test_hand_made_worktree_elsewhere_fails_the_commit(
        hooked_repo: RepoHandle) -> None:
    wt = hooked_repo.worktree('issue-50-elsewhere', path='../elsewhere')
    before = hooked_repo.head(cwd=wt)
    with unchanged(wt):
        proc = hooked_repo.run_git('commit', '--allow-empty', '-m', 'x',
                                   cwd=wt)
    assert proc.returncode != 0, proc
    assert 'worktree-layout/location' in proc.output
    assert 'expected trees/issue-50-elsewhere' in proc.output
    assert hooked_repo.head(cwd=wt) == before
    assert_no_traceback(proc)
    # SKIP by the rule's own hook id lets it through.
    proc = hooked_repo.run_git('commit', '--allow-empty', '-m', 'x', cwd=wt,
                               env={'SKIP': 'check-worktree-layout'})
    assert proc.returncode == 0, proc


def test_non_compliant_branch_elsewhere_is_told_to_rename_first(
        native_repo: RepoHandle) -> None:
    wt = native_repo.worktree('Feature/Add-Login', path='../add-login')
    proc = native_repo.run_git('commit', '--allow-empty', '-m', 'x', cwd=wt)
    assert proc.returncode != 0, proc
    assert 'branch-name' in proc.output
    assert 'git branch -m Feature/Add-Login issue-<N>-add-login' in \
        proc.output
    assert f'git worktree move {wt.resolve()} ' in proc.output
    assert 'trees/issue-<N>-add-login' in proc.output
    assert 'trees/Feature' not in proc.output
    # Following the two fixes (with a real number) passes the layout rule.
    native_repo.git('branch', '-m', 'Feature/Add-Login', 'issue-8-add-login',
                    cwd=wt)
    dest = native_repo.path / 'trees' / 'issue-8-add-login'
    dest.parent.mkdir(exist_ok=True)
    native_repo.git('worktree', 'move', str(wt), str(dest))
    proc = native_repo.run_git('commit', '--allow-empty', '-m', 'x',
                               cwd=dest)
    assert proc.returncode == 0, proc


def test_worktree_in_place_commits(hooked_repo: RepoHandle) -> None:
    wt = hooked_repo.worktree('issue-51-ok')
    proc = hooked_repo.commit('ok', cwd=wt, files={'src/new.py': 'x = 1\n'})
    assert proc.returncode == 0, proc
    assert 'worktree-layout' not in proc.output


def test_unignored_root_fails_the_commit(hooked_repo: RepoHandle) -> None:
    wt = hooked_repo.worktree('issue-52-x')
    (hooked_repo.path / '.gitignore').write_text('# nothing\n')
    proc = hooked_repo.run_git('commit', '--allow-empty', '-m', 'x', cwd=wt)
    assert proc.returncode != 0, proc
    assert 'worktree-layout/not-ignored' in proc.output
    assert "'trees/' is not ignored" in proc.output


def test_main_checkout_is_not_judged(native_repo: RepoHandle) -> None:
    (native_repo.path / '.gitignore').write_text('# nothing\n')
    native_repo.git('switch', '-q', '-c', 'issue-53-main')
    proc = native_repo.run_git('commit', '--allow-empty', '-m', 'x')
    assert proc.returncode == 0, proc


def test_check_command_reports_layout(plain_repo: RepoHandle) -> None:
    wt = plain_repo.worktree('issue-54-x', path='../issue-54-x')
    proc = wg('check', '--hook', 'check-worktree-layout', '--stage',
              'commit', '--format', 'json', cwd=wt)
    assert proc.returncode == 1, proc
    assert '"code": "worktree-layout/location"' in proc.stdout
    pol = plain_repo.path.parent / 'p.yaml'
    pol.write_text('rules:\n  worktree-layout/location: warn\n')
    proc = wg('check', '--hook', 'check-worktree-layout', '--stage',
              'commit', '--policy', str(pol), cwd=wt)
    assert proc.returncode == 0, proc
    assert 'warning:' in proc.stdout


def test_bare_layout_commit(tmp_path: Path) -> None:
    bare = tmp_path / 'repo.git'
    good = _bare_with_worktree(tmp_path, bare, 'trees/issue-1-x')
    pol = tmp_path / 'p.yaml'
    pol.write_text('worktrees:\n  layout: bare\n')
    proc = wg('check', '--hook', 'check-worktree-layout', '--stage',
              'commit', '--policy', str(pol), cwd=good)
    assert proc.returncode == 0, proc
    bad = tmp_path / 'issue-2-y'
    git('worktree', 'add', '-q', '-b', 'issue-2-y', str(bad), 'main',
        cwd=bare)
    proc = wg('check', '--hook', 'check-worktree-layout', '--stage',
              'commit', '--policy', str(pol), cwd=bad)
    assert proc.returncode == 1, proc
    assert '<git-common-dir>/trees/<branch>' in proc.stdout
