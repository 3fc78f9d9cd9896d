"""sync-before-push in-process: the pure rule, the fact collector against
real repositories (fetch, cached-ref age, server side, overlap) and the
pre-commit/CI input rebuilders in runner."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from worktree_guard import hookinput
from worktree_guard import runner
from worktree_guard.errors import GuardError
from worktree_guard.model import StageInput
from worktree_guard.model import ZERO_OID
from worktree_guard.model import RefUpdate
from worktree_guard.model import SyncFacts
from worktree_guard.model import SyncTarget
from worktree_guard.model import Violation
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import sync
from worktree_guard.policy import Policy
from worktree_guard.policy import default_policy
from worktree_guard.policy import parse
from worktree_guard.rules import sync_before_push

A, B, C = 'a' * 40, 'b' * 40, 'c' * 40


def upd(branch: str, local: str = A, remote: str = ZERO_OID,
        prefix: str = 'refs/heads/') -> RefUpdate:
    return RefUpdate(f'{prefix}{branch}', local, f'{prefix}{branch}', remote)


def pol(text: str = '') -> Policy:
    return parse(text) if text else default_policy()


def judge(path: Path, updates: list[RefUpdate], policy: Policy | None = None,
          server: bool = False) -> tuple[list[str], list[str]]:
    """Run only sync-before-push in-process; (codes + messages, notes)."""
    repo = Repo.discover(str(path))
    inp = StageInput('push', updates, 'origin', server=server)
    res = runner.run(repo, policy or pol(), inp, ['sync-before-push'],
                     environ={})
    return [f'{v.code} {v.severity} {v.message}' for v in res.violations], \
        res.notes


def tip(path: Path, rev: str = 'HEAD') -> str:
    return git('rev-parse', rev, cwd=path).strip()


def new_commit(r: RepoHandle, name: str, cwd: Path | None = None) -> str:
    r.write(name, name + '\n', cwd=cwd)
    r.git('add', name, cwd=cwd)
    r.git('commit', '-q', '--no-verify', '-m', name, cwd=cwd)
    return r.head(cwd)


# -- the pure rule ---------------------------------------------------------------------------

def facts(*targets: SyncTarget, tip_: str | None = C,
          error: str | None = None) -> SyncFacts:
    return SyncFacts('origin', 'main', tip_, 'fetched' if tip_ else 'cached',
                     list(targets), fetch_error=error)


def test_rule_nothing_to_judge() -> None:
    assert sync_before_push.check(None, pol()) == []
    assert sync_before_push.check(facts(), pol()) == []


def test_rule_behind_and_max_behind() -> None:
    t = SyncTarget(upd('issue-1-x'), behind=2)
    assert sync_before_push.check(facts(t), pol()) == [Violation(
        'sync-before-push', "branch 'issue-1-x' is 2 commits behind "
        f"origin/main ({C[:12]}): sync it before you push (rebase, don't "
        "merge)", kind='behind', ref='refs/heads/issue-1-x',
        token='issue-1-x', fix=['git fetch origin && git rebase origin/main'])]
    (v,) = sync_before_push.check(facts(t), pol('sync:\n  max-behind: 1\n'))
    assert '(sync.max-behind allows 1)' in v.message
    assert sync_before_push.check(facts(t), pol('sync:\n  max-behind: 2\n')) \
        == []


def test_rule_merge_commits_and_require_linear() -> None:
    merges = [f'{i:x}' * 40 for i in range(7)]
    t = SyncTarget(upd('issue-1-x'), merges=merges)
    # The first five merges are named, the others counted.
    shown = ', '.join(m[:12] for m in merges[:5])
    assert sync_before_push.check(facts(t), pol()) == [Violation(
        'sync-before-push', "branch 'issue-1-x' has 7 merge commits between "
        f'origin/main and its tip ({shown} (+2 more)): history must stay '
        'linear, so sync by rebasing instead of merging',
        kind='merge-commit', ref='refs/heads/issue-1-x', token='issue-1-x',
        fix=['git fetch origin && git rebase origin/main  (the rebase drops '
             'the merge commits and replays your own on top)'])]
    assert sync_before_push.check(
        facts(t), pol('sync:\n  require-linear: false\n')) == []


def test_rule_unreachable_and_overlap() -> None:
    assert sync_before_push.check(
        facts(SyncTarget(upd('issue-1-x')), tip_=None, error='it broke'),
        pol()) == [Violation(
            'sync-before-push', 'cannot tell whether the push contains '
            'origin/main: there is no remote-tracking ref origin/main and '
            "the fetch failed (it broke); run 'git fetch origin' once",
            kind='unreachable', ref='refs/remotes/origin/main',
            token='origin/main',
            fix=["git fetch origin  (check the remote URL with 'git remote "
                 "-v' and your network)"])]
    t = SyncTarget(upd('issue-1-x'), conflicts={'issue-2-y': ['a.py']})
    assert sync_before_push.check(facts(t), pol()) == [Violation(
        'sync-before-push', "branch 'issue-1-x' would conflict with the "
        "active branch 'issue-2-y' in a.py", kind='overlap',
        ref='refs/heads/issue-1-x', token='issue-2-y',
        fix=["agree with the owner of 'issue-2-y' who lands first; the "
             'other rebases onto the base afterwards'])]


def test_server_facts_name_the_local_base() -> None:
    f = SyncFacts('origin', 'main', C, 'local')
    assert f.base_name == 'main'
    assert facts().base_name == 'origin/main'


@pytest.mark.parametrize(('age', 'text'), [
    (None, 'last updated at an unknown time'),
    (5.5, 'last updated 5s ago'),
    (125, 'last updated 2m ago'),
    (3600 * 2 + 60 * 5, 'last updated 2h 5m ago'),
    (86400 * 3 + 3600 * 4 + 7, 'last updated 3d 4h ago'),
])
def test_age_text(age: float | None, text: str) -> None:
    assert sync_before_push.age_text(age) == text


# -- which refs are judged ---------------------------------------------------------------------

def test_skipped_refs_run_nothing(plain_repo: RepoHandle) -> None:
    r = plain_repo
    # Unreachable base remote under block: any judged ref would fail.
    r.git('config', 'remote.origin.url', str(r.path / 'missing'))
    head = r.head()
    skipped = [
        RefUpdate('(delete)', ZERO_OID, 'refs/heads/issue-1-x', head),
        upd('v1.0', head, prefix='refs/tags/'),
        upd('main', head),
        RefUpdate('refs/notes/x', head, 'refs/notes/commits', ZERO_OID),
        upd('bot/x', head),
    ]
    found, notes = judge(r.path, skipped, pol('sync:\n  exempt: [bot/**]\n'))
    assert found == [] and notes == []
    assert judge(r.path, skipped[:2]) == ([], [])
    found, _ = judge(r.path, [*skipped, upd('issue-1-x', head)],
                     pol('sync:\n  exempt: [bot/**]\n'))
    assert [f.split(' ')[0] for f in found] == ['sync-before-push/unreachable']


def test_bad_base_branch_is_a_policy_error(plain_repo: RepoHandle) -> None:
    """A refspec or an option in base.branch never reaches git fetch: the
    policy is refused when it is loaded."""
    with pytest.raises(GuardError, match=r"'base\.branch' is 'x:refs/heads/y'"):
        pol('base:\n  branch: "x:refs/heads/y"\n')
    with pytest.raises(GuardError, match='starts with "-"'):
        pol('base:\n  branch: "-x"\n')


# -- the base tip ----------------------------------------------------------------------------

def test_fetch_updates_only_the_tracking_ref(plain_repo: RepoHandle,
                                             tmp_path: Path) -> None:
    r = plain_repo
    other = tmp_path / 'other'
    git('clone', '-q', str(r.remote), str(other), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'o', cwd=other)
    git('tag', 'remote-tag', cwd=other)
    git('push', '-q', 'origin', 'main', 'remote-tag', 'HEAD:refs/heads/side',
        cwd=other)
    found, notes = judge(r.path, [upd('issue-1-x', r.head())])
    assert found[0].startswith('sync-before-push/behind error '
                               "branch 'issue-1-x' is 1 commit behind")
    assert notes == [f'sync-before-push: judged against origin/main at '
                     f'{tip(other)[:12]} (fetched just now)']
    assert tip(r.path, 'origin/main') == tip(other)
    assert git('tag', cwd=r.path) == ''                 # --no-tags
    assert 'origin/side' not in git('branch', '-r', cwd=r.path)
    assert not (r.path / '.git' / 'FETCH_HEAD').exists()


def test_pushing_the_tip_itself_needs_no_walk(plain_repo: RepoHandle) -> None:
    found, notes = judge(plain_repo.path, [upd('issue-1-x', plain_repo.head())])
    assert found == [] and 'fetched just now' in notes[0]


def test_behind_and_merge_commits_in_one_walk(plain_repo: RepoHandle,
                                              tmp_path: Path) -> None:
    r = plain_repo
    other = tmp_path / 'other'
    git('clone', '-q', str(r.remote), str(other), cwd=tmp_path)
    for name in ('o1', 'o2'):
        git('commit', '-q', '--allow-empty', '-m', name, cwd=other)
        git('push', '-q', 'origin', 'main', cwd=other)
        if name == 'o1':
            r.git('fetch', '-q', 'origin')
    r.git('switch', '-q', '-c', 'issue-1-x')
    new_commit(r, 'x.txt')
    r.git('merge', '-q', '--no-edit', 'origin/main')   # o1 only
    merge = r.head()
    found, _ = judge(r.path, [upd('issue-1-x', merge)])
    assert [f.split(' ')[0] for f in found] == [
        'sync-before-push/behind', 'sync-before-push/merge-commit']
    assert "is 1 commit behind origin/main" in found[0]
    assert f'1 merge commit between origin/main and its tip ({merge[:12]})' \
        in found[1]


def test_remote_without_the_base_branch(plain_repo: RepoHandle) -> None:
    r = plain_repo
    found, notes = judge(r.path, [upd('issue-1-x', r.head())],
                         pol('base:\n  branch: trunk\n'))
    assert found == []
    assert notes == ["sync-before-push: origin has no branch 'trunk' yet: "
                     'nothing to sync with']


def test_no_cached_ref(plain_repo: RepoHandle) -> None:
    r = plain_repo
    found, _ = judge(r.path, [upd('issue-1-x', r.head())],
                     pol('base:\n  branch: trunk\nsync:\n  fetch: false\n'))
    assert found == ['sync-before-push/unreachable error cannot tell whether '
                     'the push contains origin/trunk: there is no '
                     'remote-tracking ref origin/trunk and sync.fetch is '
                     "false; run 'git fetch origin' once"]
    r.git('config', 'remote.origin.url', str(r.path / 'missing'))
    found, _ = judge(r.path, [upd('issue-1-x', r.head())],
                     pol('base:\n  branch: trunk\n'))
    assert 'and the fetch failed (' in found[0]
    assert 'does not appear to be a git repository' in found[0]


def test_fetch_false_uses_the_cached_ref(plain_repo: RepoHandle,
                                        tmp_path: Path) -> None:
    r = plain_repo
    other = tmp_path / 'other'
    git('clone', '-q', str(r.remote), str(other), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'o', cwd=other)
    git('push', '-q', 'origin', 'main', cwd=other)
    before = tip(r.path, 'origin/main')
    found, notes = judge(r.path, [upd('issue-1-x', r.head())],
                         pol('sync:\n  fetch: false\n'))
    assert found == []             # the stale cache says "synced"...
    assert notes == [f'sync-before-push: judged against the cached '
                     f'origin/main at {before[:12]}, last updated '
                     f'{notes[0].split("last updated ")[1]}']
    assert notes[0].endswith(' ago (sync.fetch is false)')   # ...and says so
    assert tip(r.path, 'origin/main') == before


def test_unreachable_warn_uses_a_fresh_cache(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('config', 'remote.origin.url', str(r.path / 'missing'))
    warn = pol('sync:\n  when-unreachable: warn\n  max-staleness: 1h\n')
    found, notes = judge(r.path, [upd('issue-1-x', r.head())], warn)
    assert found == []
    assert notes[0].startswith('sync-before-push: could not fetch main from '
                               'origin (')
    assert f'judged against the cached origin/main at {r.head()[:12]}, ' \
        'last updated ' in notes[0]
    assert notes[0].endswith('(sync.when-unreachable: warn, '
                             'max-staleness 1h)')
    # Age the cached ref by an hour (no reflog, an old loose ref file), so
    # the verdict does not depend on how fast the test runs.
    (r.path / '.git' / 'logs' / 'refs' / 'remotes' / 'origin' /
     'main').unlink()
    ref_file = r.path / '.git' / 'refs' / 'remotes' / 'origin' / 'main'
    assert ref_file.exists()
    an_hour_ago = time.time() - 3600
    os.utime(ref_file, (an_hour_ago, an_hour_ago))
    found, _ = judge(r.path, [upd('issue-1-x', r.head())],
                     pol('sync:\n  when-unreachable: warn\n'
                         '  max-staleness: 1s\n'))
    assert 'is not younger than sync.max-staleness (1s)' in found[0]
    found, _ = judge(r.path, [upd('issue-1-x', r.head())])
    assert 'under sync.when-unreachable: block the cached origin/main' \
        in found[0]


def fixes(path: Path, policy: Policy) -> list[str]:
    """The fix lines of the one finding sync-before-push reports."""
    repo = Repo.discover(str(path))
    inp = StageInput('push', [upd('issue-1-x', tip(path))], 'origin')
    res = runner.run(repo, policy, inp, ['sync-before-push'], environ={})
    (v,) = res.violations
    assert v.code == 'sync-before-push/unreachable'
    return v.fix


def test_unreachable_fix_follows_the_policy(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('config', 'remote.origin.url', str(r.path / 'missing'))
    fetch = ("git fetch origin  (check the remote URL with 'git remote -v' "
             'and your network)')
    # block: warn would trust a young cached ref.
    assert fixes(r.path, pol()) == [
        fetch, 'or set sync.when-unreachable: warn in .worktree-guard.yaml '
        'to trust a cached ref younger than sync.max-staleness']
    # warn, and the cached ref is too old: raise the limit, not "set warn".
    ref_file = r.path / '.git' / 'refs' / 'remotes' / 'origin' / 'main'
    (r.path / '.git' / 'logs' / 'refs' / 'remotes' / 'origin' /
     'main').unlink()
    os.utime(ref_file, (time.time() - 3600, time.time() - 3600))
    warn = pol('sync:\n  when-unreachable: warn\n  max-staleness: 1m\n')
    found = fixes(r.path, warn)
    assert found == [
        fetch, 'or raise sync.max-staleness (now 1m) in .worktree-guard.yaml '
        'to trust the cached origin/main while origin is unreachable; fetch '
        'again once it is back']
    assert not any('when-unreachable' in f for f in found)
    # warn, and the cached ref's age is unknown (packed, no reflog): no
    # max-staleness trusts it, so only the fetch is offered.
    r.git('pack-refs', '--all')
    assert not ref_file.exists()
    assert fixes(r.path, warn) == [
        f'{fetch}; a cached ref of unknown age is never trusted, whatever '
        'sync.max-staleness says']
    # No cached ref at all: neither policy helps, only a fetch does.
    r.git('update-ref', '-d', 'refs/remotes/origin/main')
    for p in (pol(), warn):
        assert fixes(r.path, p) == [fetch]


@pytest.mark.timeout(60)
def test_fetch_timeout(plain_repo: RepoHandle) -> None:
    r = plain_repo
    # A transport that never answers: the fetch is killed at the timeout.
    r.git('config', 'core.sshCommand', 'sleep 3 #')
    r.git('config', 'remote.origin.url', 'ssh://example.invalid/x.git')
    repo = Repo.discover(str(r.path))
    error, missing = sync.fetch_base(repo, 'origin', 'main', 0.3)
    assert error == 'no answer within 0.3 s, sync.fetch-timeout'
    assert missing is False


def test_server_side_judges_the_local_base(plain_repo: RepoHandle) -> None:
    r = plain_repo
    base_tip = r.head()
    r.git('switch', '-q', '-c', 'issue-1-x', 'HEAD~0')
    pushed = new_commit(r, 'x.txt')
    r.git('push', '-q', 'origin', 'issue-1-x')
    # Another push moves main on the server.
    r.git('switch', '-q', 'main')
    new_commit(r, 'm.txt')
    r.git('push', '-q', 'origin', 'main')
    # The bare repo has no remotes at all: nothing could be fetched.
    found, notes = judge(r.remote, [upd('issue-1-x', pushed, base_tip)],
                         server=True)
    assert found[0].startswith("sync-before-push/behind error branch "
                               "'issue-1-x' is 1 commit behind main (")
    assert notes == [f'sync-before-push: judged against main at '
                     f'{r.head()[:12]} (this repository)']
    empty = r.path.parent / 'empty.git'
    git('init', '-q', '--bare', str(empty), cwd=r.path.parent)
    found, notes = judge(empty, [upd('issue-1-x', pushed)], server=True)
    assert found == []
    assert notes == ["sync-before-push: there is no branch 'main' here yet: "
                     'nothing to sync with']


# -- the age of a cached ref -------------------------------------------------------------------

def test_ref_age_reflog_then_mtime(plain_repo: RepoHandle) -> None:
    r = plain_repo
    repo = Repo.discover(str(r.path))
    ref = 'refs/remotes/origin/main'
    oid = r.head()
    r.git('update-ref', '-d', ref)
    r.git('update-ref', '-m', 'old', ref, oid,
          env={'GIT_COMMITTER_DATE': '@1000000000 +0000'})
    assert sync.ref_age(repo, ref, oid, now=1000000060) == 60
    # The reflog's newest entry is for another value: the loose file's
    # mtime says when the ref was written.
    loose = r.path / '.git' / ref
    os.utime(loose, (2000000000, 2000000000))
    assert sync.ref_age(repo, ref, B, now=2000000100) == 100
    # A malformed reflog line is ignored the same way.
    log = r.path / '.git' / 'logs' / ref
    log.write_text('garbage\n')
    assert sync.ref_age(repo, ref, oid, now=2000000100) == 100
    # An empty reflog, then no reflog and a packed ref: unknown.
    log.write_text('\n')
    assert sync.ref_age(repo, ref, oid, now=2000000100) == 100
    log.unlink()
    r.git('pack-refs', '--all')
    assert not loose.exists()
    assert sync.ref_age(repo, ref, oid) is None
    assert sync_before_push.age_text(sync.ref_age(repo, ref, oid)) == \
        'last updated at an unknown time'


# -- sync.warn-overlap --------------------------------------------------------------------------

def test_warn_overlap(plain_repo: RepoHandle) -> None:
    r = plain_repo
    mine = r.worktree('issue-1-mine')
    theirs = r.worktree('issue-2-theirs')
    clean = r.worktree('issue-3-clean')
    for wt, text in ((mine, 'mine\n'), (theirs, 'theirs\n')):
        r.write('src/app.py', text, cwd=wt)
        r.git('commit', '-q', '--no-verify', '-am', 'edit', cwd=wt)
    new_commit(r, 'clean.txt', cwd=clean)
    # An unrelated history cannot be forecast; it is skipped.
    orphan_tree = git('hash-object', '-t', 'tree', '-w', '/dev/null',
                      cwd=r.path).strip()
    orphan = git('commit-tree', orphan_tree, '-m', 'orphan', cwd=r.path).strip()
    r.git('branch', 'issue-4-orphan', orphan)
    r.git('worktree', 'add', '-q', str(r.path / 'trees' / 'issue-4-orphan'),
          'issue-4-orphan')
    warn = pol('sync:\n  warn-overlap: true\n')
    found, _ = judge(r.path, [upd('issue-1-mine', r.head(mine))], warn)
    assert found == ['sync-before-push/overlap warn branch \'issue-1-mine\' '
                     "would conflict with the active branch 'issue-2-theirs' "
                     'in src/app.py']
    found, _ = judge(r.path, [upd('issue-1-mine', r.head(mine))])
    assert found == []                      # off by default
    r.git('push', '-q', 'origin', 'issue-1-mine', 'issue-2-theirs')
    found, _ = judge(r.remote, [upd('issue-1-mine', r.head(mine))], warn,
                     server=True)
    assert found == []                      # the server has no worktrees


def test_warn_overlap_judges_own_changes_only(plain_repo: RepoHandle) -> None:
    """A branch the base moved under conflicts with the base, not with a
    pushed branch that only touches other files (as wt status says)."""
    r = plain_repo
    old = r.worktree('issue-45-old')
    r.write('src/app.py', 'old branch\n', cwd=old)
    r.git('commit', '-q', '--no-verify', '-am', 'edit app', cwd=old)
    # main moves under issue-45: it edits the same line.
    r.write('src/app.py', 'main moved\n')
    r.git('commit', '-q', '--no-verify', '-am', 'main edits app')
    r.git('push', '-q', 'origin', 'main')
    r.git('fetch', '-q', 'origin')
    new = r.worktree('issue-49-readme', base='origin/main')
    r.write('README.md', 'readme only\n', cwd=new)
    r.git('commit', '-q', '--no-verify', '-am', 'readme', cwd=new)
    warn = pol('sync:\n  warn-overlap: true\n  fetch: false\n')
    found, _ = judge(r.path, [upd('issue-49-readme', r.head(new))], warn)
    assert found == []
    # Overlapping files that merge cleanly are no conflict.
    same = r.worktree('issue-52-same', base='origin/main')
    for wt in (new, same):
        r.write('notes.txt', 'same\n', cwd=wt)
        r.git('add', 'notes.txt', cwd=wt)
        r.git('commit', '-q', '--no-verify', '-m', 'notes', cwd=wt)
    found, _ = judge(r.path, [upd('issue-49-readme', r.head(new))], warn)
    assert found == []
    # The same pushed branch editing src/app.py as well does overlap.
    r.write('src/app.py', 'new branch\n', cwd=new)
    r.git('commit', '-q', '--no-verify', '-am', 'app too', cwd=new)
    found, _ = judge(r.path, [upd('issue-49-readme', r.head(new))], warn)
    assert found == ['sync-before-push/overlap warn branch '
                     "'issue-49-readme' would conflict with the active "
                     "branch 'issue-45-old' in src/app.py"]


# -- pre-commit's pre-push variables ------------------------------------------------------------

def pc_env(**kw: str) -> dict[str, str]:
    return {f'PRE_COMMIT_{k.upper()}': v for k, v in kw.items()}


def test_pre_commit_env_absent_is_none(plain_repo: RepoHandle) -> None:
    repo = Repo.discover(str(plain_repo.path))
    assert hookinput.updates_from_pre_commit_env(repo, {}) is None


def test_pre_commit_env_without_remote_is_ci_like(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    monkeypatch.delenv('GITHUB_HEAD_REF', raising=False)
    monkeypatch.delenv('CI_MERGE_REQUEST_SOURCE_BRANCH_NAME', raising=False)
    repo = Repo.discover(str(r.path))
    out = hookinput.updates_from_pre_commit_env(
        repo, pc_env(from_ref='HEAD', to_ref='main'))
    assert out is not None
    (u,), remote = out
    assert remote is None
    assert (u.local_oid, u.remote_oid, u.remote_ref) == (
        r.head(), r.head(), 'refs/heads/main')


def test_pre_commit_env_rebuilds_the_remote_oid(plain_repo: RepoHandle) -> None:
    r = plain_repo
    repo = Repo.discover(str(r.path))
    base = r.head()                                   # == origin/main
    r.git('switch', '-q', '-c', 'issue-1-x')
    first = new_commit(r, 'one.txt')
    second = new_commit(r, 'two.txt')
    common = {'local_branch': 'refs/heads/issue-1-x',
              'remote_name': 'origin', 'remote_url': str(r.remote)}

    def rebuild(**kw: str) -> RefUpdate:
        out = hookinput.updates_from_pre_commit_env(repo, pc_env(**common, **kw))
        assert out is not None and out[1] == 'origin'
        (u,) = out[0]
        return u

    # A new branch: FROM_REF is a synthetic parent (here origin/main): new.
    u = rebuild(remote_branch='refs/heads/issue-1-x', from_ref=base,
                to_ref=second)
    assert (u.local_oid, u.remote_oid) == (second, ZERO_OID)
    assert u.local_ref == 'refs/heads/issue-1-x'
    # An existing branch whose tip is known: FROM_REF == tracking ref.
    r.git('update-ref', 'refs/remotes/origin/issue-1-x', first)
    u = rebuild(remote_branch='refs/heads/issue-1-x', from_ref=first,
                to_ref=second)
    assert u.remote_oid == first
    # FROM_REF is not an ancestor: only a real remote tip can be (force).
    r.git('switch', '-q', '-c', 'issue-2-y', base)
    other = new_commit(r, 'y.txt')
    u = rebuild(remote_branch='refs/heads/issue-1-x', from_ref=other,
                to_ref=second)
    assert u.remote_oid == other
    # FROM_REF is an ancestor that differs from the tracking ref: synthetic
    # (the remote tip is unknown here); the tracking ref is the best guess.
    u = rebuild(remote_branch='refs/heads/issue-1-x', from_ref=base,
                to_ref=second)
    assert u.remote_oid == first
    # The push includes the root commit: FROM/TO unset.
    u = rebuild(remote_branch='refs/heads/issue-1-x')
    assert (u.local_oid, u.remote_oid) == (second, first)
    u = rebuild(remote_branch='refs/heads/issue-9-new')
    assert (u.local_oid, u.remote_oid) == (second, ZERO_OID)
    # A tag: no tracking ref to consult, FROM_REF is taken as is.
    u = rebuild(remote_branch='refs/tags/v1', from_ref=base, to_ref=second)
    assert (u.remote_ref, u.remote_oid, u.is_tag) == ('refs/tags/v1', base,
                                                      True)
    with pytest.raises(GuardError, match="cannot resolve 'refs/heads/gone'"):
        hookinput.updates_from_pre_commit_env(repo, pc_env(
            remote_branch='refs/heads/x', local_branch='refs/heads/gone',
            remote_name='origin'))


def test_ci_branch_name_sources(plain_repo: RepoHandle,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    r = plain_repo
    repo = Repo.discover(str(r.path))
    for var in ('GITHUB_HEAD_REF', 'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME',
                'GITHUB_REF', 'CI_COMMIT_BRANCH'):
        monkeypatch.delenv(var, raising=False)

    def ref() -> str:
        return hookinput.updates_from_refs(repo, 'HEAD', 'HEAD', None)[0] \
            .remote_ref

    assert ref() == 'refs/heads/main'
    monkeypatch.setenv('GITHUB_REF', 'refs/heads/from-ci')
    assert ref() == 'refs/heads/main'        # the checked-out branch wins
    monkeypatch.setenv('GITHUB_HEAD_REF', 'issue-7-pr')
    assert ref() == 'refs/heads/issue-7-pr'  # a pull request's head wins
    monkeypatch.delenv('GITHUB_HEAD_REF')
    r.git('switch', '-q', '--detach')
    assert ref() == 'refs/heads/from-ci'
    monkeypatch.setenv('GITHUB_REF', 'refs/tags/v1')
    with pytest.raises(GuardError, match='HEAD is detached'):
        ref()
    monkeypatch.setenv('CI_COMMIT_BRANCH', 'gl-branch')
    assert ref() == 'refs/heads/gl-branch'
    assert hookinput.updates_from_refs(repo, 'HEAD', 'HEAD', 'b')[0] \
        .remote_ref == 'refs/heads/b'


def test_ci_detached_head_is_the_one_branch_at_it(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A detached CI checkout of a branch's tip (the README's "anywhere"
    command, no --branch): the branch at HEAD that is not the base's."""
    for var in ('GITHUB_HEAD_REF', 'GITHUB_REF', 'CI_COMMIT_BRANCH',
                'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME'):
        monkeypatch.delenv(var, raising=False)
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-9-ci')
    r.commit('ci', files={'ci.txt': 'ci\n'})
    r.git('push', '-q', 'origin', 'issue-9-ci')
    r.git('switch', '-q', '--detach', 'origin/issue-9-ci')
    r.git('remote', 'set-head', 'origin', 'main')  # origin/HEAD: no branch
    repo = Repo.discover(str(r.path))

    def ref() -> str:
        return hookinput.updates_from_refs(repo, 'origin/main', 'HEAD',
                                           None)[0].remote_ref

    assert ref() == 'refs/heads/issue-9-ci'
    r.git('branch', 'issue-10-twin')   # a second branch at the same commit
    with pytest.raises(GuardError, match='issue-10-twin, issue-9-ci point '
                                         'at it'):
        ref()


# -- shallow clones ------------------------------------------------------------------------------

def test_shallow_clone_follows_when_unreachable(plain_repo: RepoHandle,
                                               tmp_path: Path) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-12-depth-one')
    new_commit(r, 'd.txt')
    r.git('push', '-q', 'origin', 'issue-12-depth-one')
    clone = tmp_path / 'shallow'
    git('clone', '-q', '--depth', '1', '--branch', 'issue-12-depth-one',
        f'file://{r.remote}', str(clone), cwd=tmp_path)
    s = RepoHandle(clone, r.remote)
    pushed = new_commit(s, 'e.txt')
    cut = s.git('rev-parse', 'HEAD~').strip()
    found, _ = judge(clone, [upd('issue-12-depth-one', pushed)])
    assert found == [
        "sync-before-push/unreachable error cannot tell whether branch "
        "'issue-12-depth-one' contains origin/main: this clone is shallow: "
        f'the history is cut off at {cut[:12]}, before the base tip shows up']
    found, notes = judge(clone, [upd('issue-12-depth-one', pushed)],
                         pol('sync:\n  when-unreachable: warn\n'))
    assert found == []
    assert notes[-1].startswith("sync-before-push: cannot tell whether "
                                "'issue-12-depth-one' contains origin/main "
                                '(this clone is shallow')
    assert 'git fetch --unshallow' in notes[-1]
    # A branch that visibly contains the base is judged normally.
    found, _ = judge(clone, [upd('issue-13-x', tip(clone, 'origin/main'))])
    assert found == []
    s.git('fetch', '-q', '--unshallow', 'origin')
    found, _ = judge(clone, [upd('issue-12-depth-one', pushed)])
    assert found == []


def test_rule_undecided_target() -> None:
    t = SyncTarget(upd('issue-1-x'), behind=3, cut=B)
    (v,) = sync_before_push.check(facts(t), pol())
    assert (v.kind, v.ref) == ('unreachable', 'refs/heads/issue-1-x')
    assert v.message.endswith(f': this clone is shallow: the history is cut '
                              f'off at {B[:12]}, before the base tip shows up')
    assert v.fix[0].startswith('git fetch --unshallow origin')
