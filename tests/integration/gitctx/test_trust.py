"""gitctx/trust.py: the agent guard trusts the policy committed on the
protected base, never a worktree's own file (issue 22).  Real repositories,
real worktrees, real fetches; the cache is checked by counting the git
processes a PATH shim logs."""
from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import agent_payloads as A
from tests.helpers import RepoHandle
from tests.helpers import git
from worktree_guard.commands import agent as agent_cmd
from worktree_guard.errors import GitError
from worktree_guard.errors import PolicyError
from worktree_guard.gitctx import trust
from worktree_guard.gitctx.checkouts import agent_facts
from worktree_guard.gitctx.checkouts import checkout_map
from worktree_guard.gitctx.checkouts import policy_args

DENY_OFF = 'agents:\n  write-outside: off\n'


class Repo:
    def __init__(self, r: RepoHandle) -> None:
        self.r = r
        self.main = r.path.resolve()
        self.wt = r.worktree('issue-1-a').resolve()
        self.common = str(self.main / '.git')

    def commit_policy(self, text: str, push: bool = True) -> str:
        self.r.commit('policy', files={'.worktree-guard.yaml': text})
        if push:
            self.r.git('push', '-q', 'origin', 'main')
        return self.r.head()


@pytest.fixture
def repo(plain_repo: RepoHandle) -> Repo:
    return Repo(plain_repo)


def ask(payload: dict[str, Any]) -> Any:
    out, code = agent_cmd.respond('claude', A.text(payload))
    assert code == 0
    return json.loads(out) if out else None


def decision(answer: Any) -> str:
    if answer is None:
        return 'allow'
    return str(answer.get('hookSpecificOutput', {}).get(
        'permissionDecision', 'allow'))


def write_main(repo: Repo) -> Any:
    return ask(A.claude_write(str(repo.wt), str(repo.main / 'src' / 'x.py')))


# -- the scenario -----------------------------------------------------------------

def test_a_worktrees_own_policy_cannot_switch_the_guard_off(
        repo: Repo) -> None:
    """Measured on 0.2: an agent wrote `agents: {write-outside: off}` into
    its worktree's policy and then changed the main checkout."""
    (repo.wt / '.worktree-guard.yaml').write_text(DENY_OFF)
    assert decision(write_main(repo)) == 'deny'
    # Committed on the issue branch (not the base): still denied.
    repo.r.git('add', '.worktree-guard.yaml', cwd=repo.wt)
    repo.r.git('commit', '-q', '-m', 'off', cwd=repo.wt)
    assert decision(write_main(repo)) == 'deny'
    # Nor does the main checkout's working-tree file count.
    (repo.main / '.worktree-guard.yaml').write_text(DENY_OFF)
    assert decision(write_main(repo)) == 'deny'
    # And the agent may not write its worktree's policy file at all.
    answer = ask(A.claude_write(str(repo.wt),
                                str(repo.wt / '.worktree-guard.yaml')))
    assert decision(answer) == 'deny'
    assert 'a human must change it' in \
        answer['hookSpecificOutput']['permissionDecisionReason']


def test_a_committed_change_on_the_base_is_picked_up_once_fetched(
        repo: Repo, tmp_path: Path) -> None:
    other = tmp_path / 'other'
    git('clone', '-q', str(repo.r.remote), str(other), cwd=tmp_path)
    (other / '.worktree-guard.yaml').write_text(DENY_OFF)
    git('add', '.worktree-guard.yaml', cwd=other)
    git('commit', '-q', '-m', 'policy', cwd=other)
    git('push', '-q', 'origin', 'main', cwd=other)
    assert decision(write_main(repo)) == 'deny'   # not fetched yet
    repo.r.git('fetch', '-q', 'origin')
    assert decision(write_main(repo)) == 'allow'   # origin/main says off
    # A later commit on the base that leaves the policy alone keeps it.
    (other / 'x.txt').write_text('x\n')
    git('add', 'x.txt', cwd=other)
    git('commit', '-q', '-m', 'x', cwd=other)
    git('push', '-q', 'origin', 'main', cwd=other)
    repo.r.git('fetch', '-q', 'origin')
    assert decision(write_main(repo)) == 'allow'


def test_local_main_is_not_trusted_over_the_remote(repo: Repo) -> None:
    """A commit on local main that the remote does not have is no base."""
    repo.commit_policy(DENY_OFF, push=False)
    assert decision(write_main(repo)) == 'deny'


def test_without_a_remote_the_local_base_branch_is_trusted(
        repo: Repo) -> None:
    repo.r.git('remote', 'remove', 'origin')
    repo.commit_policy(DENY_OFF, push=False)
    assert decision(write_main(repo)) == 'allow'
    anchor = trust.base_anchor(repo.common)
    assert (anchor.ref, anchor.name) == ('refs/heads/main', 'main')


def test_upstream_comes_before_origin(repo: Repo, tmp_path: Path) -> None:
    up = tmp_path / 'up.git'
    git('clone', '-q', '--bare', str(repo.r.remote), str(up), cwd=tmp_path)
    repo.r.git('remote', 'add', 'upstream', str(up))
    repo.r.git('fetch', '-q', 'upstream')
    repo.commit_policy(DENY_OFF)   # on origin only
    assert decision(write_main(repo)) == 'deny'
    assert trust.base_anchor(repo.common).ref == \
        'refs/remotes/upstream/main'


def test_no_base_ref_means_the_defaults(tmp_path: Path) -> None:
    work = tmp_path / 'w'
    git('init', '-q', '-b', 'trunk', str(work), cwd=tmp_path)
    (work / 'a').write_text('a\n')
    (work / '.worktree-guard.yaml').write_text(DENY_OFF)
    git('add', '-A', cwd=work)
    git('commit', '-q', '-m', 'a', cwd=work)
    git('worktree', 'add', '-q', '-b', 'issue-1-a', 'trees/issue-1-a',
        cwd=work)
    got = trust.trusted_policy(str(work.resolve() / '.git'))
    assert got.anchor.ref is None and got.policy.path is None
    assert 'no base branch' in got.source
    answer = ask(A.claude_write(str(work / 'trees' / 'issue-1-a'),
                                str(work / 'a')))
    assert decision(answer) == 'deny'


def test_base_branch_of_the_committed_policy_is_followed(
        repo: Repo) -> None:
    repo.r.git('switch', '-q', '-c', 'develop')
    repo.commit_policy(DENY_OFF, push=False)
    repo.r.git('push', '-q', 'origin', 'develop')
    repo.r.git('switch', '-q', 'main')
    repo.commit_policy('base:\n  branch: develop\n')
    got = trust.trusted_policy(repo.common)
    assert got.anchor.ref == 'refs/remotes/origin/develop'
    assert got.source.startswith('origin/develop:.worktree-guard.yaml at ')
    assert decision(write_main(repo)) == 'allow'
    # A base the repository does not have: main's policy stays.
    repo.commit_policy('base:\n  branch: nowhere\n  remote: origin\n')
    got = trust.trusted_policy(repo.common)
    assert got.anchor.ref == 'refs/remotes/origin/main'
    assert got.policy['base']['branch'] == 'nowhere'


def test_the_defaults_of_a_base_without_a_policy(repo: Repo) -> None:
    got = trust.trusted_policy(repo.common)
    assert got.policy.path is None
    assert 'origin/main at' in got.source and 'has no' in got.source


def test_an_invalid_committed_policy_denies_writes_and_is_cached(
        repo: Repo) -> None:
    repo.commit_policy('agents: [oops\n')
    for _ in range(2):
        with pytest.raises(PolicyError, match=r'origin/main:\.worktree-guard'):
            trust.trusted_policy(repo.common)
    answer = write_main(repo)
    reason = answer['hookSpecificOutput']['permissionDecisionReason']
    assert 'could not check this call' in reason
    assert decision(ask(A.claude_read(str(repo.wt), 'README.md'))) == \
        'allow'


def test_a_base_commit_that_is_not_here_fails_closed(repo: Repo) -> None:
    ref = repo.main / '.git' / 'refs' / 'remotes' / 'origin' / 'main'
    ref.write_text('1' * 40 + '\n')
    with pytest.raises(GitError, match='is not in this repository'):
        trust.trusted_policy(repo.common)
    assert decision(write_main(repo)) == 'deny'


def test_a_policy_that_is_no_file_fails_closed(repo: Repo) -> None:
    (repo.main / '.worktree-guard.yaml').mkdir()
    (repo.main / '.worktree-guard.yaml' / 'x').write_text('x\n')
    repo.r.git('add', '-A')
    repo.r.git('commit', '-q', '-m', 'a folder')
    repo.r.git('push', '-q', 'origin', 'main')
    with pytest.raises(GitError, match='is not a file'):
        trust.trusted_policy(repo.common)


# -- the cache: no git on a hit ---------------------------------------------------------------

def _shim(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """A PATH whose `git` logs each call, then runs the real git."""
    log = tmp_path / 'git.log'
    bin_dir = tmp_path / 'shim'
    bin_dir.mkdir()
    real = subprocess.run(['sh', '-c', 'command -v git'], capture_output=True,
                          text=True, check=True).stdout.strip()
    shim = bin_dir / 'git'
    shim.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {real} "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD'))}
    env['PATH'] = f'{bin_dir}:{env["PATH"]}'
    return env, log


def _hook(repo: Repo, env: dict[str, str], payload: dict[str, Any]) -> Any:
    from worktree_guard.commands import agent_install as AI
    from worktree_guard.commands.faststart import fast_start_paths
    paths = fast_start_paths(sys.executable)
    assert paths is not None
    proc = subprocess.run([sys.executable, '-I', '-S', '-c',
                           AI.fast_boot(paths), 'agent', 'claude'],
                          input=A.text(payload), cwd=repo.wt, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc
    return json.loads(proc.stdout) if proc.stdout.strip() else None


@pytest.mark.parametrize('packed', [False, True])
def test_a_cache_hit_runs_no_git(repo: Repo, tmp_path: Path,
                                 packed: bool) -> None:
    repo.commit_policy('agents:\n  write-outside: warn\n')
    if packed:
        repo.r.git('pack-refs', '--all')
        assert not (repo.main / '.git' / 'refs' / 'remotes' / 'origin' /
                    'main').exists()
    env, log = _shim(tmp_path)
    payload = A.claude_write(str(repo.wt), str(repo.main / 'x'))
    first = _hook(repo, env, payload)
    assert 'the main checkout' in \
        first['hookSpecificOutput']['additionalContext']
    assert log.read_text().count('cat-file') == 1
    cache = repo.main / '.git' / trust.CACHE_FILE
    assert cache.is_file()
    log.unlink()
    for _ in range(2):
        again = _hook(repo, env, payload)
        assert again == first
    assert not log.exists(), log.read_text()   # no git at all
    # A new base commit: one git process again.
    repo.commit_policy('agents:\n  write-outside: deny\n')
    assert decision(_hook(repo, env, payload)) == 'deny'
    assert log.read_text().count('cat-file') == 1


def test_the_same_policy_blob_under_a_new_commit_is_not_parsed_again(
        repo: Repo) -> None:
    repo.commit_policy(DENY_OFF)
    first = trust.trusted_policy(repo.common).policy
    repo.r.commit('other', files={'x.txt': 'x\n'})
    repo.r.git('push', '-q', 'origin', 'main')
    second = trust.trusted_policy(repo.common).policy
    assert second.data == first.data
    memo = marshal.loads((repo.main / '.git' /
                          trust.CACHE_FILE).read_bytes())['map']
    assert len(memo) == 2 and len({v[0] for v in memo.values()}) == 1


def test_a_corrupt_or_foreign_cache_is_ignored(repo: Repo) -> None:
    repo.commit_policy(DENY_OFF)
    cache = repo.main / '.git' / trust.CACHE_FILE
    cache.write_bytes(b'not marshal')
    assert trust.trusted_policy(repo.common).policy['agents'][
        'write-outside'] == 'off'
    data = marshal.loads(cache.read_bytes())
    for bad in [('x',), (1, 'a', ('ok',)), ('', '', ('what',)),
                ('', '', ('ok', 1))]:
        data['map'] = dict.fromkeys(data['map'], bad)
        cache.write_bytes(marshal.dumps(data))
        assert trust.trusted_policy(repo.common).policy['agents'][
            'write-outside'] == 'off'


def test_only_the_newest_commits_are_kept(repo: Repo) -> None:
    for i in range(trust.KEPT + 2):
        repo.commit_policy(f'agents:\n  allow-paths: [/opt/{i}]\n')
        trust.trusted_policy(repo.common)
    memo = marshal.loads((repo.main / '.git' /
                          trust.CACHE_FILE).read_bytes())['map']
    assert len(memo) == trust.KEPT
    assert list(memo)[-1] == repo.r.head()


# -- refs and config without git -----------------------------------------------------------

def test_read_ref(repo: Repo) -> None:
    common = repo.common
    head = repo.r.head()
    assert trust.read_ref(common, 'refs/heads/main') == head
    (repo.main / '.git' / 'refs' / 'heads' / 'alias').write_text(
        'ref: refs/heads/main\n')
    assert trust.read_ref(common, 'refs/heads/alias') == head
    (repo.main / '.git' / 'refs' / 'heads' / 'junk').write_text('junk\n')
    assert trust.read_ref(common, 'refs/heads/junk') is None
    assert trust.read_ref(common, 'refs/heads/none') is None
    (repo.main / '.git' / 'packed-refs').write_text(
        '# pack-refs with: peeled\nxyz refs/heads/bad\n'
        f'{head} refs/tags/t\n^{head}\n')
    assert trust.read_ref(common, 'refs/heads/bad') is None
    assert trust.read_ref(common, 'refs/tags/t') == head
    (repo.main / '.git' / 'reftable').mkdir()   # git asks, finds nothing
    assert trust.read_ref(common, 'refs/heads/none') is None


def test_read_config(tmp_path: Path) -> None:
    (tmp_path / 'config').write_text(
        '# comment\n[core]\n\tbare = false\n\thooksPath = "~/my hooks" # x\n'
        '[remote "origin"]\n\turl = a\n[remote "up\\"x"]\n\turl = b\n'
        '[branch.main]\n\tremote = origin\n[Core] filemode\n'
        '\tname = a\\tb\\"c\\\\d ; comment\n[broken\nkey = v\n; c\n')
    cfg = trust.read_config(str(tmp_path))
    assert cfg[('core', None, 'hookspath')] == '~/my hooks'
    assert cfg[('core', None, 'filemode')] == 'true'
    assert cfg[('core', None, 'name')] == 'a\tb"c\\d'
    assert cfg[('branch', 'main', 'remote')] == 'origin'
    assert trust.remotes(cfg) == ['origin', 'up"x']
    assert ('broken', None, 'key') not in cfg
    assert trust.read_config(str(tmp_path / 'none')) == {}


def test_hooks_dirs(tmp_path: Path) -> None:
    common = str(tmp_path / '.git')
    key = ('core', None, 'hookspath')
    assert trust.hooks_dirs(common, {}, ['/r']) == [f'{common}/hooks']
    assert trust.hooks_dirs(common, {key: '~/h'}, ['/r'], '/home/a')[1:] \
        == ['/home/a/h']
    assert trust.hooks_dirs(common, {key: '.githooks'}, ['/r', '/w'])[1:] \
        == ['/r/.githooks', '/w/.githooks']


# -- the guard's own files, end to end ------------------------------------------------------

def test_the_hooks_path_and_the_policy_option_are_guarded(
        repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo.r.git('config', 'core.hooksPath', '.githooks')
    (repo.wt / '.pre-commit-config.yaml').write_text(
        'repos:\n- repo: local\n  hooks:\n  - id: worktree-guard-commit\n'
        "    args: [--policy, ci/wg.yaml, '--policy=ci/b.yaml']\n")
    for target in ('.githooks/pre-commit', 'ci/wg.yaml', 'ci/b.yaml',
                   str(repo.main / '.git' / 'config')):
        answer = ask(A.claude_write(str(repo.wt), target))
        assert decision(answer) == 'deny', target
        assert 'a human must change it' in \
            answer['hookSpecificOutput']['permissionDecisionReason']
    answer = ask(A.claude_bash(str(repo.wt),
                               'echo x > .githooks/pre-push'))
    assert decision(answer) == 'deny'
    assert decision(ask(A.claude_write(str(repo.wt), 'ci/other.yaml'))) == \
        'allow'


@pytest.mark.parametrize(('text', 'found'), [
    ('args: [--policy, a.yaml]', ['a.yaml']),
    ("args: ['--policy=b.yaml', \"--policy\", \"c.yaml\"]",
     ['b.yaml', 'c.yaml']),
    ('args:\n  - --policy\n  - d.yaml\n', ['d.yaml']),
    ('args: [--policy]', []), ('args: [--policy, --quiet]', []),
    ('args: [--policy=]', []),
])
def test_policy_args(text: str, found: list[str]) -> None:
    assert policy_args(text) == found


def test_scratch_folders(repo: Repo, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / 'scratch'
    scratch.mkdir()
    monkeypatch.setenv('TMPDIR', str(scratch))
    cmap = checkout_map(str(repo.wt))
    assert cmap is not None
    facts = agent_facts(cmap, {}, str(repo.wt))
    assert str(scratch.resolve()) in facts.temp_dirs
    assert '/tmp' in facts.temp_dirs
    monkeypatch.setenv('TMPDIR', 'relative')
    assert len(agent_facts(cmap, {}, str(repo.wt)).temp_dirs) == 2
    monkeypatch.setenv('TMPDIR', '/')
    assert '/' not in agent_facts(cmap, {}, str(repo.wt)).temp_dirs
    answer = ask(A.claude_write(str(repo.wt), '/var/tmp/wg-scratch.txt'))
    assert decision(answer) == 'allow'


def test_the_bare_layout_worktrees_inside_the_git_dir(tmp_path: Path) -> None:
    """<common>/trees/main and <common>/trees/issue-1-a: the worktree is
    the agent's, the rest of the common dir is the git dir (on 0.2 every
    write in such a worktree was denied as a write in the git dir)."""
    bare = tmp_path / 'repo.git'
    git('init', '-q', '--bare', '-b', 'main', str(bare), cwd=tmp_path)
    seed = tmp_path / 'seed'
    git('clone', '-q', str(bare), str(seed), cwd=tmp_path)
    (seed / 'a').write_text('a\n')
    git('add', 'a', cwd=seed)
    git('commit', '-q', '-m', 'a', cwd=seed)
    git('push', '-q', 'origin', 'main', cwd=seed)
    git('worktree', 'add', '-q', 'trees/main', 'main', cwd=bare)
    git('worktree', 'add', '-q', '-b', 'issue-1-a', 'trees/issue-1-a', 'main',
        cwd=bare)
    wt = str((bare / 'trees' / 'issue-1-a').resolve())
    assert decision(ask(A.claude_write(wt, f'{wt}/src/x.py'))) == 'allow'
    for target in ('../main/a', '../../objects/x', '../../hooks/pre-commit'):
        assert decision(ask(A.claude_write(wt, target))) == 'deny', target
