"""CI judges a pull request by its base's policy (issue 13): a pull request
that switches the rules off for itself is still judged by the old ones,
and gets a note saying what it changes."""
from __future__ import annotations

from tests.helpers import RepoHandle
from tests.helpers import wg

STRICT = 'version: 1\nsync:\n  fetch: false\n  when-unreachable: warn\n'
LAX = STRICT + 'rules:\n  branch-name: off\n'


def _pr(r: RepoHandle, policy: str | None) -> None:
    r.write('.worktree-guard.yaml', STRICT)
    r.git('add', '-A')
    r.git('commit', '-q', '--no-verify', '-m', 'policy')
    r.git('update-ref', 'refs/remotes/origin/main', 'HEAD')
    r.git('switch', '-q', '-c', 'Bad_Name')
    if policy is not None:
        r.write('.worktree-guard.yaml', policy)
    r.write('src/x.py', 'print(1)\n')
    r.git('add', '-A')
    r.git('commit', '-q', '--no-verify', '-m', 'pr')


def _check(r: RepoHandle, *extra: str) -> tuple[int, str]:
    proc = wg('check', '--stage', 'push', '--from-ref', 'origin/main',
              '--to-ref', 'HEAD', '--branch', 'Bad_Name', *extra, cwd=r.path)
    assert 'Traceback' not in proc.output
    return proc.returncode, proc.output


def test_pr_cannot_switch_its_rules_off(plain_repo: RepoHandle) -> None:
    r = plain_repo
    _pr(r, LAX)
    rc, out = _check(r)
    assert rc == 1
    assert 'branch-name' in out
    assert ('this change edits .worktree-guard.yaml; it is judged by the '
            'policy of origin/main') in out
    assert 'it loosens: rules.branch-name: error -> off' in out
    # Asked for explicitly: the same; switched off: the PR's own policy.
    assert _check(r, '--policy-from-ref')[0] == 1
    assert _check(r, "--no-policy-from-ref")[0] == 0


def test_pr_that_tightens_or_breaks_the_policy(plain_repo: RepoHandle) -> None:
    r = plain_repo
    _pr(r, STRICT + 'paths:\n  max-file-size: 1KiB\n')
    rc, out = _check(r)
    assert rc == 1
    assert 'it loosens nothing' in out
    r.write('.worktree-guard.yaml', 'rules: [nope\n')
    r.git('commit', '-q', '--no-verify', '-am', 'broken')
    rc, out = _check(r)
    assert rc == 1   # the base's policy still judges it
    assert 'the new .worktree-guard.yaml is invalid' in out


def test_pr_that_keeps_the_policy_gets_no_note(plain_repo: RepoHandle) -> None:
    r = plain_repo
    _pr(r, None)
    rc, out = _check(r)
    assert rc == 1
    assert 'edits .worktree-guard.yaml' not in out
    # The base has no policy file, the PR adds one: the defaults judge it.
    r.git('switch', '-q', '-c', 'issue-2-ok', 'origin/main~1')
    r.write('.worktree-guard.yaml', LAX)
    r.git('add', '-A')
    r.git('commit', '-q', '--no-verify', '-m', 'add')
    proc = wg('check', '--stage', 'push', '--from-ref', 'origin/main~1',
              '--to-ref', 'HEAD', '--branch', 'Bad_Name', cwd=r.path)
    assert proc.returncode == 1
    assert 'it loosens: ' in proc.output


def test_bad_base(plain_repo: RepoHandle) -> None:
    proc = wg('check', '--stage', 'push', '--from-ref', 'nope',
              '--to-ref', 'HEAD', cwd=plain_repo.path)
    assert proc.returncode == 2
    assert "cannot resolve 'nope' to a commit" in proc.output
