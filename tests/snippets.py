"""Snippets of README.md and docs/*.md, and a pull request's CI run on
this machine, for tests/integration/test_snippets.py and test_workflows.py.

- ``SNIPPETS``: every fenced block right after ``<!-- snippet: NAME -->``
  (``FENCES`` has every fence and its marker);
- ``replace``: the only edits a snippet gets, one explicit placeholder at
  a time;
- ``pull_request``: a pushed issue branch and the CI's clone of the bare
  remote, its head checked out detached (as GitHub's checkout with
  ``ref: head.sha`` and GitLab's merge-request pipelines do);
- ``Actions``: a job's steps (or a composite action's) run locally: ``run:``
  in bash with its ``env:``, ``if:`` and ``${{ }}`` evaluated against the
  context GitHub gives a pull request; ``uses:`` stood in for;
- ``gitlab_job``: a ``.gitlab-ci.yml`` job's script with the variables of a
  merge-request pipeline.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.helpers import PROJECT
from tests.helpers import Proc
from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import run


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
