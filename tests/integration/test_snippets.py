"""Every command and config snippet a user would paste from README.md and
docs/*.md is executed here, as written.

A snippet is a fenced block right after ``<!-- snippet: NAME -->``; a
fence a user might take for one but that is not (a synopsis, output) is
marked ``<!-- not-a-snippet: REASON -->``.  Every ``sh``/``yaml``/bare
fence must carry one of the two (``test_every_runnable_fence_is_marked``
lists the ones that don't), and every named snippet must be executed by
one entry of ``RUNS`` (``test_every_snippet_is_executed``).

Placeholders are the only thing changed before a snippet runs, each
replaced explicitly (``substitute``): ``https://github.com/<owner>/
worktree-guard`` becomes a local snapshot of this checkout (``hook_repo``,
a real git repository), ``<sha>`` its commit, ``/srv/git/app.git`` a
scripted bare repository.  CI snippets run in a clone of a bare remote
with the pull request's head checked out detached, as GitHub and GitLab
check it out; a GitHub step's ``${{ }}`` expressions get the values GitHub
would give and reach the scripts only through ``env:``; ``uses:`` steps
are stood in for (checkout, setup-python, cache, SARIF upload) or, for
this repository's ``action.yml``, executed step by step the same way.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import there
from tests.helpers import PROJECT
from tests.helpers import Proc
from tests.helpers import RepoHandle
from tests.helpers import find_tool
from tests.helpers import git
from tests.helpers import run
from tests.snippets import FENCES
from tests.snippets import HEAD_BRANCH
from tests.snippets import NOT_CHECKED
from tests.snippets import RUNNABLE
from tests.snippets import SNIPPETS
from tests.snippets import Actions
from tests.snippets import Fence
from tests.snippets import bash
from tests.snippets import fresh_venv
from tests.snippets import gitlab_job
from tests.snippets import lines
from tests.snippets import pull_request
from tests.snippets import replace
from tests.snippets import snippet
from tests.snippets import upstream
from tests.snippets import workflow_steps
from worktree_guard import __version__

# -- the marker checks -------------------------------------------------

def _checked(f: Fence) -> bool:
    if f.page not in NOT_CHECKED:
        return True
    start = NOT_CHECKED[f.page]
    if start is None:
        return False
    text = (PROJECT / 'docs' / f.page).read_text()
    return f.line > text[:text.index(start)].count('\n')


def test_every_runnable_fence_is_marked() -> None:
    unmarked = [f'{f.page}:{f.line}: ```{f.lang} {f.body.splitlines()[0]}'
                for f in FENCES
                if f.lang in RUNNABLE and f.mark is None and _checked(f)]
    assert not unmarked, (
        'fences a user may paste, with no <!-- snippet: NAME --> or '
        '<!-- not-a-snippet: REASON --> before them:\n' + '\n'.join(unmarked))


def test_every_snippet_is_executed() -> None:
    names = [f.label for f in FENCES if f.mark == 'snippet']
    assert len(names) == len(set(names)), 'a snippet name is used twice'
    covered = [n for _, snippets in RUNS.values() for n in snippets]
    assert sorted(covered) == sorted(set(covered))
    assert set(names) == set(covered), (
        f'marked but not executed: {sorted(set(names) - set(covered))}; '
        f'executed but not marked: {sorted(set(covered) - set(names))}')


def test_snippets_pin_a_sha_and_say_how_to_find_it() -> None:
    """No release is tagged yet (the version lives only in
    worktree_guard/__init__.py): a snippet that installs worktree-guard
    pins ``<sha>`` and says how to find it, never a version or tag."""
    pinned = [f for f in SNIPPETS.values() if '<sha>' in f.body]
    assert len(pinned) >= 5
    for f in pinned:
        assert 'git ls-remote <url> main' in f.body, f.label
    for f in SNIPPETS.values():
        for m in re.finditer(r'worktree-guard(?:==|@v?)(\d[\w.]*)|'
                             r'rev: (v?\d[\w.]*)', f.body):
            assert (m[1] or m[2]).lstrip('v') == __version__, (f.label, m[0])


# -- pre-commit --------------------------------------------------------

def adopt_pre_commit(repo: RepoHandle, config: str,
                     install: str) -> Path:
    """``config`` committed on main as .pre-commit-config.yaml, ``install``
    run verbatim; an issue worktree to commit in."""
    repo.write('.pre-commit-config.yaml', config)
    repo.git('add', '.pre-commit-config.yaml')
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'cfg')
    repo.git('-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin', 'main')
    proc = bash(install, cwd=repo.path)
    assert proc.returncode == 0, proc
    return repo.worktree('issue-7-login')


def refused_then_fixed(repo: RepoHandle, tree: Path) -> tuple[Proc, Proc]:
    """A commit reaching into the main checkout, then the fixed one."""
    bad = repo.commit('setup', cwd=tree,
                      files={'setup.sh': 'cp ../../.env.example .env\n'})
    assert bad.returncode == 1, bad
    assert 'worktree-paths/relative-escape' in bad.output, bad
    good = repo.commit('setup', cwd=tree,
                       files={'setup.sh': 'cp .env.example .env\n'})
    assert good.returncode == 0, good
    return bad, good


# -- the runs ----------------------------------------------------------

Fixtures = dict[str, Any]
Runner = Callable[[Fixtures, Path], None]


def _readme_pre_commit(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    config = replace(snippet('readme-pre-commit-config'),
                     *upstream(fx['hook_repo']))
    tree = adopt_pre_commit(repo, config, snippet('readme-pre-commit-install'))
    refused_then_fixed(repo, tree)
    push = repo.run_git('push', '-u', 'origin', 'issue-7-login', cwd=tree)
    assert push.returncode == 0, push
    assert 'worktree-guard (push rules)' in push.output, push
    # pre-merge-commit is installed too: a merge into main is judged.
    assert (repo.path / '.git' / 'hooks' / 'pre-merge-commit').exists()


def _try_repo(fx: Fixtures, tmp_path: Path) -> None:
    """pre-commit try-repo on the snapshot: a clean repository passes,
    one with a file reaching out of it fails."""
    repo: RepoHandle = fx['plain_repo']
    path, _ = fx['hook_repo']
    cmd = replace(snippet('readme-try-repo'),
                  ('<path or URL of this repository>', str(path)))
    good = bash(cmd, cwd=repo.path)
    assert good.returncode == 0, good
    # What it reaches is on this machine, beside the clone: an error.
    there(repo.path, '../.env.example')
    repo.write('setup.sh', 'cp ../.env.example .env\n')
    repo.git('add', 'setup.sh')
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 's')
    bad = bash(cmd, cwd=repo.path)
    assert bad.returncode == 1, bad
    assert 'worktree-paths/relative-escape' in bad.output, bad


def _verbose_hooks(fx: Fixtures, tmp_path: Path) -> None:
    """output.md's hooks: list, in the README's config in place of its
    own."""
    repo: RepoHandle = fx['plain_repo']
    config = replace(
        snippet('readme-pre-commit-config'), *upstream(fx['hook_repo']),
        ('    hooks: [{id: worktree-guard-commit}, {id: worktree-guard-push}]'
         '\n', snippet('output-verbose-hooks')))
    tree = adopt_pre_commit(repo, config, snippet('readme-pre-commit-install'))
    good = repo.commit('notes', cwd=tree,
                       files={'notes.md': 'see /home/alice/notes.md\n'})
    assert good.returncode == 0, good
    assert 'worktree-guard-commit-verbose' in good.output, good
    assert 'home-path' in good.output, good   # a warning that shows


def _hooks_pre_commit(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    path, sha = fx['hook_repo']
    config = replace(snippet('hooks-pre-commit-config'),
                     ('<path or URL of worktree-guard>', str(path)),
                     ('<a tag or sha of that repository>', sha))
    # "then pre-commit install --hook-type ...": the text after it.
    tree = adopt_pre_commit(repo, config, 'pre-commit install --hook-type '
                            'pre-commit --hook-type pre-push --hook-type '
                            'pre-merge-commit')
    refused_then_fixed(repo, tree)


def _sync_pre_commit(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    config = replace(snippet('sync-pre-commit-verbose'),
                     *upstream(fx['hook_repo']))
    tree = adopt_pre_commit(repo, config, 'pre-commit install --hook-type '
                            'pre-push')
    repo.commit('x', cwd=tree, files={'x.md': 'x\n'})
    push = repo.run_git('push', '-u', 'origin', 'issue-7-login', cwd=tree)
    assert push.returncode == 0, push
    assert 'note: sync-before-push: judged against origin/main' in \
        push.output, push   # shown although the hook passed


def _install_command(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    path, _ = fx['hook_repo']
    first, *rest = lines(snippet('readme-install-command'))
    assert first.startswith('pipx install <path or git URL of this '
                            'repository>')
    if find_tool('pipx'):
        env = {'PIPX_HOME': str(tmp_path / 'pipx'),
               'PIPX_BIN_DIR': str(tmp_path / 'pipx-bin')}
        proc = bash(replace(first, ('<path or git URL of this repository>',
                                    str(path))), cwd=tmp_path, env=env)
        env['PATH'] = f'{tmp_path}/pipx-bin{os.pathsep}{os.environ["PATH"]}'
    else:
        # The alternative the line gives: in a venv, pip install .
        assert first.endswith('# or, in a venv: pip install .')
        env = fresh_venv(tmp_path)
        clone = tmp_path / 'worktree-guard'
        git('clone', '-q', str(path), str(clone), cwd=tmp_path)
        proc = bash('pip install .', cwd=clone, env=env)
    assert proc.returncode == 0, proc
    where = bash('command -v worktree-guard', cwd=tmp_path, env=env)
    assert str(tmp_path) in where.stdout, where
    version, init, doctor = (bash(cmd, cwd=repo.path, env=env)
                             for cmd in rest)
    assert version.returncode == 0 and __version__ in version.stdout, version
    assert init.returncode == 0, init
    assert (repo.path / '.worktree-guard.yaml').exists()
    assert doctor.returncode == 1 and 'SILENT' in doctor.output, doctor


def _native_hooks(fx: Fixtures, tmp_path: Path) -> None:
    for name in ('readme-native-hooks', 'hooks-native'):
        repo: RepoHandle = fx['plain_repo']
        hooks = repo.path / '.git' / 'hooks'
        results = [bash(cmd, cwd=repo.path) for cmd in lines(snippet(name))]
        for cmd, proc in zip(lines(snippet(name)), results, strict=True):
            expect = 1 if 'doctor' in cmd else 0   # after uninstall: SILENT
            assert proc.returncode == expect, (cmd, proc)
        assert not (hooks / 'pre-push').exists()
        assert bash(lines(snippet(name))[0], cwd=repo.path).returncode == 0
        assert (hooks / 'pre-push').exists()
        bash('worktree-guard uninstall', cwd=repo.path)


def _hookspath(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    path, sha = fx['hook_repo']
    repo.write('.pre-commit-config.yaml', f'repos:\n- repo: {path}\n  rev: '
               f'{sha}\n  hooks: [{{id: worktree-guard-commit}}]\n')
    shared = tmp_path / 'shared-hooks'
    repo.git('config', 'core.hooksPath', str(shared))
    proc = bash(snippet('hooks-hookspath'), cwd=repo.path)
    assert proc.returncode == 0, proc
    assert (shared / 'pre-push').exists()           # the first way
    assert (repo.path / '.git' / 'hooks' / 'pre-push').exists()  # the second
    assert 'pre-commit' in (repo.path / '.git' / 'hooks' /
                            'pre-commit').read_text()


def _ci_command(fx: Fixtures, tmp_path: Path) -> None:
    """The README's anywhere command in a detached checkout of the PR
    head, no --branch, no CI variables: main resolves the branch at
    HEAD."""
    for behind in (False, True):
        repo = fx['make_repo']()
        pr = pull_request(repo, repo.path.parent, behind=behind)
        proc = bash(snippet('readme-ci-command'), cwd=pr.ci)
        assert git('rev-parse', '--abbrev-ref', 'HEAD', cwd=pr.ci).strip() \
            == 'HEAD'
        if behind:
            assert proc.returncode == 1, proc
            assert 'sync-before-push/behind' in proc.output, proc
            assert HEAD_BRANCH in proc.output, proc
        else:
            assert proc.returncode == 0, proc


def _ci_shell(fx: Fixtures, tmp_path: Path) -> None:
    for behind in (False, True):
        repo = fx['make_repo']()
        pr = pull_request(repo, repo.path.parent, behind=behind)
        proc = bash(snippet('server-ci-shell'), cwd=pr.ci,
                    env={'BASE': 'main', 'BRANCH': HEAD_BRANCH})
        assert proc.returncode == (1 if behind else 0), proc


def _sync_workflow(fx: Fixtures, tmp_path: Path) -> None:
    """The whole workflow of docs/sync.md, twice: a synced PR passes and
    uploads an empty SARIF report; a PR behind main fails the check step
    and still uploads its findings."""
    body = replace(snippet('sync-github-workflow'),
                   *upstream(fx['hook_repo']))
    doc = yaml.safe_load(body)
    assert doc['permissions']['security-events'] == 'write'
    for behind in (False, True):
        repo = fx['make_repo']()
        pr = pull_request(repo, repo.path.parent, behind=behind)
        gh = Actions(pr, repo.path.parent, fx['hook_repo'],
                     env=fresh_venv(repo.path.parent))
        passed = gh.job(workflow_steps(body))
        assert passed is not behind, gh.procs
        (report,) = gh.uploaded
        ids = [r['ruleId'] for r in report['runs'][0]['results']]
        assert ids == (['sync-before-push/behind'] if behind else []), ids


def _output_sarif(fx: Fixtures, tmp_path: Path) -> None:
    repo = fx['make_repo']()
    pr = pull_request(repo, tmp_path, behind=True)
    gh = Actions(pr, tmp_path, fx['hook_repo'])
    checkout = {'uses': 'actions/checkout@v4', 'with': {
        'ref': '${{ github.event.pull_request.head.sha }}',
        'fetch-depth': 0}}
    assert gh.job([checkout, *workflow_steps(snippet('output-sarif-steps'))])
    (report,) = gh.uploaded
    assert [r['ruleId'] for r in report['runs'][0]['results']] == [
        'sync-before-push/behind']


def _action(fx: Fixtures, tmp_path: Path) -> None:
    """The README's steps and docs/server.md's workflow, which use
    action.yml: a PR behind main fails, with annotations and an uploaded
    SARIF report; the job's PATH keeps its own Python."""
    for name, behind in (('readme-github-steps', True),
                         ('server-github-workflow', False)):
        repo = fx['make_repo']()
        pr = pull_request(repo, repo.path.parent, behind=behind)
        gh = Actions(pr, repo.path.parent, fx['hook_repo'])
        passed = gh.job(workflow_steps(snippet(name)))
        assert passed is not behind, gh.procs
        check = gh.procs[-1]
        if behind:
            assert '::error title=sync-before-push' in check.stdout, check
        (report,) = gh.uploaded
        assert len(report['runs'][0]['results']) == int(behind)
        venv = gh.temp / 'worktree-guard-venv'
        assert (venv / 'bin' / 'worktree-guard').exists()
        assert shutil.which('worktree-guard') != str(venv / 'bin' /
                                                     'worktree-guard')


def _gitlab(fx: Fixtures, tmp_path: Path) -> None:
    for behind in (False, True):
        repo = fx['make_repo']()
        pr = pull_request(repo, repo.path.parent, behind=behind)
        # output.md's job: worktree-guard is on the image already.
        proc = gitlab_job(snippet('output-gitlab-job'), pr)
        assert proc.returncode == (1 if behind else 0), proc
        report = json.loads((pr.ci / 'gl-code-quality.json').read_text())
        assert [i['check_name'] for i in report] == (
            ['sync-before-push/behind'] if behind else [])
        # server.md's job installs it (the image's pip: a fresh venv).
        body = replace(snippet('server-gitlab-job'),
                       *upstream(fx['hook_repo']))
        proc = gitlab_job(body, pr, env=fresh_venv(repo.path.parent))
        assert proc.returncode == (1 if behind else 0), proc
        assert 'Successfully installed' in proc.output, proc


def _output_formats(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    repo.worktree('issue-7-x')
    (line,) = lines(snippet('output-formats'))
    for fmt in ('text', 'json', 'sarif', 'github', 'gitlab', 'junit'):
        cmd = replace(line, ('[--stage commit|push] [--all-files] ', ''),
                      ('FORMAT', fmt))
        proc = bash(cmd, cwd=repo.path / 'trees' / 'issue-7-x')
        assert proc.returncode == 0, (fmt, proc)


def _server_install(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    proc = bash(replace(snippet('readme-server-install'),
                        ('/srv/git/app.git', str(repo.remote))),
                cwd=tmp_path)
    assert proc.returncode == 0, proc
    repo.git('switch', '-q', '-c', 'hotfix')
    push = repo.run_git('push', 'origin', 'hotfix')
    assert push.returncode == 1 and 'branch-name' in push.output, push


def _agent_install(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['plain_repo']
    repo.worktree('issue-46-update-docs')
    proc = bash(snippet('readme-agent-install'), cwd=repo.path)
    assert proc.returncode == 0, proc
    settings = (repo.path / 'trees' / 'issue-46-update-docs' / '.claude' /
                'settings.local.json')
    assert 'worktree-guard' in settings.read_text()


def _baseline(fx: Fixtures, tmp_path: Path) -> None:
    for name in ('readme-baseline', 'baseline-workflow'):
        repo = fx['make_repo']()
        there(repo.path, '../.env.example')   # on this machine: an error
        repo.write('setup.sh', 'cp ../.env.example .env\n')
        repo.git('add', 'setup.sh')
        repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'o')
        if name == 'readme-baseline':
            repo.git('switch', '-q', '-c', 'issue-12-adopt')
        results = [bash(cmd, cwd=repo.path) for cmd in lines(snippet(name))]
        codes = [p.returncode for p in results]
        expect = [1, 0, 0] if name == 'readme-baseline' else [0, 1, 0, 0]
        assert codes == expect, results
        after = bash('worktree-guard check --all-files', cwd=repo.path)
        assert after.returncode == 0, after


def _protected_main(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['native_repo']
    proc = bash(snippet('readme-protected-main'), cwd=repo.path)
    assert proc.returncode == 0, proc
    assert repo.git('ls-remote', 'origin',
                    'issue-12-adopt-worktree-guard').strip()
    # The policy and the editor schema its modeline names, committed.
    assert {'.worktree-guard.schema.json', '.worktree-guard.yaml'} <= set(
        repo.git('ls-tree', '--name-only', 'HEAD').split())
    assert repo.git('rev-parse', 'main') == repo.git('rev-parse',
                                                     'origin/main')


def _policies(fx: Fixtures, tmp_path: Path) -> None:
    for name in ('readme-policy', 'sync-policy', 'policy-modeline',
                 'wt-setup-policy', 'wt-land-policy'):
        policy = tmp_path / f'{name}.yaml'
        policy.write_text(snippet(name))
        proc = bash(f'worktree-guard policy validate --policy {policy}',
                    cwd=fx['plain_repo'].path)
        assert proc.returncode == 0, (name, proc)


def _unreachable(fx: Fixtures, tmp_path: Path) -> None:
    repo: RepoHandle = fx['native_repo']
    tree = repo.worktree('issue-7-x')
    repo.commit('x', cwd=tree, files={'x.md': 'x\n'})
    proc = bash(snippet('sync-unreachable'), cwd=tree)
    assert proc.returncode == 0, proc
    push = repo.run_git('push', 'origin', 'issue-7-x', cwd=tree)
    assert push.returncode == 1, push
    assert 'sync-before-push/unreachable' in push.output, push


def _wt(fx: Fixtures, tmp_path: Path) -> None:
    for name in ('readme-wt', 'wt-workflow'):
        repo: RepoHandle = fx['make_repo'](native=True)
        for cmd in lines(snippet(name)):
            tree = repo.path / 'trees' / 'issue-45-add-rust-sdk-support'
            if ' rescue ' in cmd:   # an edit leaked into the main checkout
                repo.write('src/app.py', 'print("leaked")\n')
            if ' land ' in cmd:     # issue 45 has work to land
                repo.write('src/rust.py', 'sdk = 1\n', cwd=tree)
            if ' land ' in cmd or ' remove ' in cmd:   # its work committed
                repo.git('add', '-A', cwd=tree)
                repo.git('commit', '-q', '-m', 'work', check=False,
                         cwd=tree)
            proc = bash(cmd, cwd=repo.path)
            assert proc.returncode == 0, (cmd, proc)
        assert not (repo.path / 'trees' /
                    'issue-45-add-rust-sdk-support').exists()


def _wt_trust(fx: Fixtures, tmp_path: Path) -> None:
    """A committed worktrees.setup runs only once approved; then the
    ``wt cd`` function goes to the worktree."""
    repo: RepoHandle = fx['make_repo'](native=True)
    repo.write('.worktree-guard.yaml', snippet('wt-setup-policy').replace(
        'npm ci', 'echo set up > ran.txt'))
    repo.git('add', '.worktree-guard.yaml')
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'p')
    repo.git('-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin', 'main')
    env = {'XDG_DATA_HOME': str(tmp_path / 'data')}
    made = bash('worktree-guard wt create 45 "Add Rust SDK support"',
                cwd=repo.path, env=env)
    assert made.returncode == 0 and 'not approved' in made.output, made
    tree = repo.path / 'trees' / 'issue-45-add-rust-sdk-support'
    assert not (tree / 'ran.txt').exists()
    listed, approved, setup = (bash(cmd, cwd=repo.path, env=env)
                               for cmd in lines(snippet('wt-trust')))
    assert 'echo set up > ran.txt' in listed.output, listed
    assert approved.returncode == 0, approved
    assert (tree / 'ran.txt').exists(), setup
    proc = bash(snippet('wt-cd-function') + 'wt cd 45 && pwd -P',
                cwd=repo.path)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(tree.resolve()), proc
    proc = bash(snippet('wt-env'), cwd=repo.path)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == f'{tree.resolve()} on port 3045', proc


def _wt_by_hand(fx: Fixtures, tmp_path: Path) -> None:
    """The local fast-forward of main is refused by the native hooks;
    the way through the remote works."""
    repo: RepoHandle = fx['make_repo'](native=True)
    proc = bash('worktree-guard wt create 45 "Add Rust SDK support"',
                cwd=repo.path)
    assert proc.returncode == 0, proc
    tree = repo.path / 'trees' / 'issue-45-add-rust-sdk-support'
    assert repo.commit('sdk', cwd=tree, files={'sdk.py': 'x = 1\n'}
                       ).returncode == 0
    switch, merge = (bash(cmd, cwd=repo.path)
                     for cmd in lines(snippet('wt-land-by-hand-fails')))
    assert switch.returncode == 0, switch
    assert merge.returncode != 0, merge
    assert 'protected-branch' in merge.output, merge
    proc = bash(snippet('wt-land-by-hand'), cwd=repo.path)
    assert proc.returncode == 0, proc
    assert repo.head() == repo.head(cwd=tree) == repo.git(
        'rev-parse', 'origin/main').strip()


def _completion(fx: Fixtures, tmp_path: Path) -> None:
    for cmd in lines(snippet('cli-completion')):
        shell = 'fish' if 'fish' in cmd else 'zsh' if 'zsh' in cmd else 'bash'
        exe = find_tool(shell)
        if exe is None:
            continue
        script = cmd if shell != 'zsh' else f'autoload -U compinit; ' \
            f'compinit -u; {cmd}'
        proc = run([exe, '-c', script], cwd=tmp_path)
        assert proc.returncode == 0, (cmd, proc)


RUNS: dict[str, tuple[Runner, list[str]]] = {
    'readme-pre-commit': (_readme_pre_commit, [
        'readme-pre-commit-config', 'readme-pre-commit-install']),
    'try-repo': (_try_repo, ['readme-try-repo']),
    'verbose-hooks': (_verbose_hooks, ['output-verbose-hooks']),
    'hooks-pre-commit': (_hooks_pre_commit, ['hooks-pre-commit-config']),
    'sync-pre-commit': (_sync_pre_commit, ['sync-pre-commit-verbose']),
    'install-command': (_install_command, ['readme-install-command']),
    'native-hooks': (_native_hooks, ['readme-native-hooks', 'hooks-native']),
    'hookspath': (_hookspath, ['hooks-hookspath']),
    'ci-command-detached': (_ci_command, ['readme-ci-command']),
    'ci-shell': (_ci_shell, ['server-ci-shell']),
    'github-workflow': (_sync_workflow, ['sync-github-workflow']),
    'github-sarif-steps': (_output_sarif, ['output-sarif-steps']),
    'github-action': (_action, ['readme-github-steps',
                                'server-github-workflow']),
    'gitlab': (_gitlab, ['output-gitlab-job', 'server-gitlab-job']),
    'output-formats': (_output_formats, ['output-formats']),
    'server-install': (_server_install, ['readme-server-install']),
    'agent-install': (_agent_install, ['readme-agent-install']),
    'baseline': (_baseline, ['readme-baseline', 'baseline-workflow']),
    'protected-main': (_protected_main, ['readme-protected-main']),
    'policies': (_policies, ['readme-policy', 'sync-policy',
                             'policy-modeline', 'wt-setup-policy',
                             'wt-land-policy']),
    'unreachable': (_unreachable, ['sync-unreachable']),
    'wt': (_wt, ['readme-wt', 'wt-workflow']),
    'wt-trust': (_wt_trust, ['wt-trust', 'wt-cd-function', 'wt-env']),
    'wt-land-by-hand': (_wt_by_hand, ['wt-land-by-hand-fails',
                                      'wt-land-by-hand']),
    'completion': (_completion, ['cli-completion']),
}


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize('name', sorted(RUNS))
def test_snippet(name: str, request: pytest.FixtureRequest,
                 tmp_path: Path) -> None:
    runner, _ = RUNS[name]
    fx = {f: request.getfixturevalue(f)
          for f in ('plain_repo', 'hook_repo', 'make_repo')}
    fx['native_repo'] = fx['make_repo'](native=True)
    runner(fx, tmp_path)
