"""sync-before-push through real pushes to a real bare remote, from linked
worktrees, with the hooks installed natively and through pre-commit
(``hooked_repo`` runs each test both ways)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import unchanged
from tests.helpers import wg

OLD_DATE = '@1000000000 +0000'  # 2001: older than any max-staleness


# -- helpers ---------------------------------------------------------------------------

def other_pushes_main(r: RepoHandle, tmp: Path, n: int = 1) -> None:
    """Another clone (no hooks) pushes ``n`` commits to main."""
    other = tmp / 'other-clone'
    if not other.exists():
        git('clone', '-q', str(r.remote), str(other), cwd=tmp)
    else:
        git('pull', '-q', '--ff-only', cwd=other)
    for _ in range(n):
        count = len(list(other.glob('other-*.txt')))
        (other / f'other-{count}.txt').write_text(f'{count}\n')
        git('add', '-A', cwd=other)
        git('commit', '-q', '-m', f'other {count}', cwd=other)
    git('push', '-q', 'origin', 'main', cwd=other)


def issue_worktree(r: RepoHandle, branch: str = 'issue-1-sync') -> Path:
    wt = r.worktree(branch)
    proc = r.commit(f'work on {branch}', cwd=wt,
                    files={f'{branch}.txt': 'work\n'})
    assert proc.returncode == 0, proc
    return wt


def refs(path: Path) -> dict[str, str]:
    out = git('for-each-ref', '--format=%(refname) %(objectname)', cwd=path)
    return dict(line.split(' ') for line in out.splitlines())


def fetch_unreachable(r: RepoHandle) -> None:
    """Fetches from origin fail (its URL is a missing path); pushes still
    reach the real bare remote through pushurl."""
    r.git('config', 'remote.origin.pushurl', str(r.remote))
    r.git('config', 'remote.origin.url', str(r.path.parent / 'missing.git'))


def policy(wt: Path, text: str) -> None:
    (wt / '.worktree-guard.yaml').write_text(text)


# -- through real pushes (native and pre-commit) ---------------------------------------------

def test_behind_is_refused_then_rebase_passes(hooked_repo: RepoHandle,
                                              tmp_path: Path) -> None:
    r = hooked_repo
    wt = issue_worktree(r)
    other_pushes_main(r, tmp_path, 2)   # nobody here has fetched since
    before = refs(r.path)
    with unchanged(wt, include_remote_tracking=False), \
            unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', '-u', 'origin', 'issue-1-sync', cwd=wt)
    assert_no_traceback(proc)
    assert proc.returncode != 0
    assert 'sync-before-push/behind' in proc.output
    assert "branch 'issue-1-sync' is 2 commits behind origin/main" \
        in proc.output
    assert 'fix: git fetch origin && git rebase origin/main' in proc.output
    assert 'main:main' not in proc.output
    # The stale remote-tracking ref was caught because the hook fetched:
    # that ref, and nothing else, changed; no FETCH_HEAD was written.
    after = refs(r.path)
    changed = {k for k in before.keys() | after.keys()
               if before.get(k) != after.get(k)}
    assert changed == {'refs/remotes/origin/main'}
    assert after['refs/remotes/origin/main'] == \
        git('rev-parse', 'main', cwd=r.remote).strip()
    assert not (r.path / '.git' / 'FETCH_HEAD').exists()
    assert 'issue-1-sync' not in git('branch', '--list', cwd=r.remote)

    r.git('fetch', '-q', 'origin', cwd=wt)
    r.git('rebase', '-q', 'origin/main', cwd=wt)
    proc = r.run_git('push', '-u', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc
    assert r.head(wt) == git('rev-parse', 'issue-1-sync', cwd=r.remote).strip()


def test_fetch_false_names_the_cached_ref_and_its_age(
        hooked_repo: RepoHandle, tmp_path: Path) -> None:
    r = hooked_repo
    wt = issue_worktree(r)
    policy(wt, 'sync:\n  fetch: false\n')
    other_pushes_main(r, tmp_path)
    r.git('fetch', '-q', 'origin')
    before = refs(r.path)
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode != 0
    assert '1 commit behind origin/main' in proc.output
    assert 'judged against the cached origin/main at' in proc.output
    assert 'last updated' in proc.output and ' ago' in proc.output
    assert '(sync.fetch is false)' in proc.output
    assert refs(r.path) == before      # fetch off: nothing at all changed


def test_fetch_false_trusts_a_stale_ref_and_says_so(
        native_repo: RepoHandle, tmp_path: Path) -> None:
    r = native_repo
    wt = issue_worktree(r)
    policy(wt, 'sync:\n  fetch: false\n')
    other_pushes_main(r, tmp_path)     # origin/main here is now stale
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'judged against the cached origin/main' in proc.stderr
    assert 'sync.fetch is false' in proc.stderr


def test_deleting_a_branch_and_pushing_tags_pass(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    wt = issue_worktree(r)
    assert r.run_git('push', 'origin', 'issue-1-sync', cwd=wt).returncode == 0
    # From here on the base cannot be fetched, and the policy blocks on
    # that: only a ref that is judged could fail.
    fetch_unreachable(r)
    proc = r.run_git('push', 'origin', '--delete', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'issue-1-sync' not in git('branch', '--list', cwd=r.remote)
    assert r.commit('tagged', cwd=wt, files={'t.txt': 't\n'}).returncode == 0
    r.git('tag', 'v1.0', cwd=wt)
    r.git('tag', '-a', 'v1.1', '-m', 'annotated', cwd=wt)
    proc = r.run_git('push', 'origin', 'v1.0', cwd=wt)
    assert proc.returncode == 0, proc
    proc = r.run_git('push', 'origin', 'v1.1', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'v1.1' in git('tag', cwd=r.remote)


def test_unreachable_remote_block_and_warn(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    wt = issue_worktree(r)
    fetch_unreachable(r)
    with unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert_no_traceback(proc)
    assert proc.returncode != 0
    assert 'sync-before-push/unreachable' in proc.output
    assert 'does not appear to be a git repository' in proc.output
    assert 'sync.when-unreachable: block' in proc.output
    assert 'sync.when-unreachable: warn' in proc.output   # the fix

    # warn: the cached ref (updated when main was pushed, seconds ago) is
    # younger than max-staleness, so it is trusted, and the note says so.
    policy(wt, 'sync:\n  when-unreachable: warn\n  max-staleness: 1h\n')
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc
    if r.path.parent.name == 'native':  # pre-commit hides passing output
        assert 'could not fetch main from origin' in proc.stderr
        assert 'judged against the cached origin/main' in proc.stderr
        assert 'max-staleness 1h' in proc.stderr

    # warn, but the cached ref last changed in 2001: too old to trust.
    oid = r.git('rev-parse', 'origin/main').strip()
    r.git('update-ref', '-d', 'refs/remotes/origin/main')
    r.git('update-ref', '-m', 'old', 'refs/remotes/origin/main', oid,
          env={'GIT_COMMITTER_DATE': OLD_DATE})
    r.commit('more', cwd=wt, files={'m.txt': 'm\n'})
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode != 0
    assert 'sync-before-push/unreachable' in proc.output
    assert 'is not younger than sync.max-staleness (1h)' in proc.output
    assert 'last updated 9' in proc.output     # 9xxxd ago
    # The policy already says warn: the fix raises the limit instead.
    assert 'or raise sync.max-staleness (now 1h)' in proc.output
    assert 'or set sync.when-unreachable: warn' not in proc.output


def test_pre_commit_shows_the_note_only_with_verbose(
        precommit_repo: RepoHandle) -> None:
    """README: a passing hook's output (the note naming the cached tip)
    shows through pre-commit only with 'verbose: true'."""
    r = precommit_repo
    wt = issue_worktree(r)
    fetch_unreachable(r)
    policy(wt, 'sync:\n  when-unreachable: warn\n  max-staleness: 1h\n')
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'judged against the cached origin/main' not in proc.output
    config = wt / '.pre-commit-config.yaml'
    text = config.read_text()
    assert '  - id: worktree-guard-push\n' in text
    config.write_text(text.replace('  - id: worktree-guard-push\n',
                                   '  - id: worktree-guard-push\n'
                                   '    verbose: true\n'))
    r.git('commit', '-q', '--no-verify', '-m', 'verbose',
          '.pre-commit-config.yaml', cwd=wt)
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc
    assert 'note: sync-before-push: could not fetch main from origin' \
        in proc.output
    assert 'judged against the cached origin/main' in proc.output


def test_missing_push_url_fails_in_git_before_any_hook(
        native_repo: RepoHandle) -> None:
    """README: to try when-unreachable, only the fetch URL may be missing;
    a push to a missing path fails in git before pre-push runs."""
    r = native_repo
    wt = issue_worktree(r)
    r.git('config', 'remote.origin.url', str(r.path.parent / 'missing.git'))
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode != 0
    assert 'does not appear to be a git repository' in proc.output
    assert 'sync-before-push' not in proc.output       # no hook ran
    r.git('config', 'remote.origin.pushurl', str(r.remote))
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert 'sync-before-push/unreachable' in proc.output   # the hook ran


def test_native_multi_ref_push_names_only_the_branch_behind(
        native_repo: RepoHandle, tmp_path: Path) -> None:
    r = native_repo
    a = issue_worktree(r, 'issue-1-synced')
    b = issue_worktree(r, 'issue-2-behind')
    other_pushes_main(r, tmp_path)
    r.git('fetch', '-q', 'origin')
    r.git('rebase', '-q', 'origin/main', cwd=a)
    with unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', 'origin', 'issue-1-synced',
                         'issue-2-behind', cwd=b)
    assert proc.returncode != 0
    findings = [ln for ln in proc.stderr.splitlines()
                if 'sync-before-push/' in ln]
    assert findings == [
        'refs/heads/issue-2-behind: sync-before-push/behind branch '
        "'issue-2-behind' is 1 commit behind origin/main ("
        + r.git('rev-parse', '--short=12', 'origin/main').strip()
        + "): sync it before you push (rebase, don't merge)"]
    assert 'issue-1-synced' not in git('branch', '--list', cwd=r.remote)


def test_merging_main_in_is_refused(hooked_repo: RepoHandle,
                                    tmp_path: Path) -> None:
    r = hooked_repo
    wt = issue_worktree(r)
    other_pushes_main(r, tmp_path)
    r.git('fetch', '-q', 'origin', cwd=wt)
    r.git('merge', '-q', '--no-edit', 'origin/main', cwd=wt)
    merge = r.head(wt)
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode != 0
    assert 'sync-before-push/merge-commit' in proc.output
    assert f'1 merge commit between origin/main and its tip ({merge[:12]})' \
        in proc.output
    assert 'rebasing instead of merging' in proc.output
    assert 'sync-before-push/behind' not in proc.output
    policy(wt, 'sync:\n  require-linear: false\n')
    proc = r.run_git('push', 'origin', 'issue-1-sync', cwd=wt)
    assert proc.returncode == 0, proc


def test_force_pushes(hooked_repo: RepoHandle, tmp_path: Path) -> None:
    r = hooked_repo
    # A force push to main is refused (protected-branch).
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '--amend', '-m',
          'rewritten')
    with unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', '--force', 'origin', 'main')
    assert proc.returncode != 0
    assert 'protected-branch/force-push' in proc.output
    r.git('reset', '-q', '--hard', 'origin/main')
    # Rebase, then --force-with-lease to the branch's own issue branch.
    wt = issue_worktree(r)
    assert r.run_git('push', 'origin', 'issue-1-sync', cwd=wt).returncode == 0
    other_pushes_main(r, tmp_path)
    r.git('fetch', '-q', 'origin', cwd=wt)
    r.git('rebase', '-q', 'origin/main', cwd=wt)
    proc = r.run_git('push', '--force-with-lease', 'origin', 'issue-1-sync',
                     cwd=wt)
    assert proc.returncode == 0, proc
    assert r.head(wt) == git('rev-parse', 'issue-1-sync', cwd=r.remote).strip()


# -- CI: check --stage push --from-ref --to-ref -------------------------------------------------

def test_ci_mode(plain_repo: RepoHandle, tmp_path: Path) -> None:
    r = plain_repo
    wt = issue_worktree(r, 'issue-3-ci')
    other_pushes_main(r, tmp_path)
    env = {'GITHUB_HEAD_REF': '', 'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME': ''}
    args = ('check', '--stage', 'push', '--from-ref', 'origin/main',
            '--to-ref', 'HEAD')
    proc = wg(*args, '--format', 'json', cwd=wt, env=env)
    assert proc.returncode == 1, proc
    data = json.loads(proc.stdout)
    (v,) = data['violations']
    assert v['code'] == 'sync-before-push/behind'
    assert v['ref'] == 'refs/heads/issue-3-ci'
    assert v['fix'] == ['git fetch origin && git rebase origin/main']
    assert any('fetched just now' in n for n in data['notes'])
    r.git('rebase', '-q', 'origin/main', cwd=wt)
    proc = wg(*args, cwd=wt, env=env)
    assert proc.returncode == 0, proc
    # A detached CI checkout names the branch with --branch or the CI's
    # variables; with neither, the one branch at HEAD (the base's aside);
    # two such branches are a usage error, not a guess.
    r.git('switch', '-q', '--detach', cwd=wt)
    proc = wg(*args, '--branch', 'issue-3-ci', cwd=wt, env=env)
    assert proc.returncode == 0, proc
    proc = wg(*args, cwd=wt, env={**env, 'GITHUB_REF': 'refs/heads/x-y'})
    assert proc.returncode == 1 and "branch 'x-y'" in proc.stdout
    proc = wg(*args, cwd=wt, env={**env, 'GITHUB_REF': '',
                                 'CI_COMMIT_BRANCH': 'issue-3-ci'})
    assert proc.returncode == 0, proc
    bare = {**env, 'GITHUB_REF': '', 'CI_COMMIT_BRANCH': ''}
    proc = wg(*args, cwd=wt, env=bare)
    assert proc.returncode == 0, proc   # issue-3-ci is at HEAD
    r.git('branch', 'issue-4-twin', cwd=wt)
    proc = wg(*args, cwd=wt, env=bare)
    assert proc.returncode == 2
    assert '--branch' in proc.stderr
    assert_no_traceback(proc)
    proc = wg('check', '--stage', 'push', '--from-ref', 'nope',
              '--to-ref', 'HEAD', cwd=wt, env=env)
    assert proc.returncode == 2
    assert "cannot resolve 'nope'" in proc.stderr


def test_readme_documents_the_rule_and_ci_job(project_root: Path) -> None:
    # The rule's reference page (the README links to it).
    section = (project_root / 'docs' / 'sync.md').read_text()
    assert 'git fetch origin && git rebase origin/main' in section
    assert '--from-ref' in section and '--to-ref' in section
    assert 'runs-on:' in section
    for key in ('fetch', 'fetch-timeout', 'when-unreachable', 'max-staleness',
                'max-behind', 'require-linear', 'exempt', 'warn-overlap'):
        assert f'sync.{key}' in section, key
    # pre-commit hides a passing hook's note unless the hook is verbose.
    assert '- id: worktree-guard-push\n        verbose: true' in section
    assert 'fails in git itself,\nbefore any hook runs' in section
    assert 'git config remote.origin.pushurl' in section


def test_pushing_from_a_linked_worktree_never_touches_other_worktrees(
        native_repo: RepoHandle, tmp_path: Path) -> None:
    r = native_repo
    a = issue_worktree(r, 'issue-1-a')
    b = issue_worktree(r, 'issue-2-b')
    other_pushes_main(r, tmp_path)
    with unchanged(a, include_remote_tracking=False), \
            unchanged(b, include_remote_tracking=False), \
            unchanged(r.path, include_remote_tracking=False):
        proc = r.run_git('push', 'origin', 'issue-2-b', cwd=b)
    assert proc.returncode != 0
    assert os.path.exists(b / 'issue-2-b.txt')


def test_branch_name_judges_the_remote_ref_through_both_hooks(
        hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    wt = issue_worktree(r, 'issue-5-good')
    proc = r.run_git('push', 'origin', 'issue-5-good:hotfix', cwd=wt)
    assert proc.returncode != 0
    assert "remote branch 'hotfix'" in proc.output
    assert 'sync-before-push' not in proc.output.replace(
        'note: sync-before-push', '')
