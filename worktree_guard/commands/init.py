"""``worktree-guard init``: a commented default policy, and the
``.pre-commit-config.yaml`` snippet that runs worktree-guard.

On a protected branch (``main``) a commit of those files would be refused,
and ``protected-branch`` makes no exception for them: ``init`` first makes
the adoption branch ``issue-<N>-adopt-worktree-guard`` (``--issue N``, or
``--branch NAME``, or the number typed at its prompt on a terminal) and
writes the files there; without a number it prints the commands to run.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from worktree_guard import policy as policy_mod
from worktree_guard import runner
from worktree_guard.commands import add_command
from worktree_guard.commands.policy import MODELINE
from worktree_guard.commands.policy import SCHEMA_FILE
from worktree_guard.commands.policy import schema_text
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import spawn
from worktree_guard.model import BranchFacts
from worktree_guard.model import BranchTarget
from worktree_guard.policy import DEFAULTS
from worktree_guard.policy import POLICY_FILE
from worktree_guard.policy import load_schema

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers


PRE_COMMIT_CONFIG = '.pre-commit-config.yaml'
PRE_COMMIT_SNIPPET = """\
# .pre-commit-config.yaml
minimum_pre_commit_version: 3.2.0
default_install_hook_types: [pre-commit, pre-merge-commit, pre-push]
repos:
  - repo: <url of worktree-guard>
    rev: <tag or sha>
    hooks:
      - id: worktree-guard-commit   # branch, protected, layout, paths
      - id: worktree-guard-push     # the push rules, incl. sync-before-push
# then: pre-commit install   (installs the default_install_hook_types)
"""


# What `init --install-pre-commit` writes when there is no config yet: the
# hooks of .pre-commit-hooks.yaml, run by the worktree-guard on PATH
# (`language: system`), so the first run works before anyone has chosen
# where to pin the hook repository.
LOCAL_PRE_COMMIT_CONFIG = """\
# Written by `worktree-guard init --install-pre-commit`: runs the
# worktree-guard installed on each machine (on PATH).  To pin the hook
# repository instead, replace `repo: local` and its hooks with the snippet
# `worktree-guard init` prints (repo: <url>, rev: <sha>).
minimum_pre_commit_version: 3.2.0
default_install_hook_types: [pre-commit, pre-merge-commit, pre-push]
repos:
  - repo: local
    hooks:
      - id: worktree-guard-commit
        name: worktree-guard (commit rules)
        entry: worktree-guard check --hook worktree-guard-commit --stage commit
        language: system
        pass_filenames: true
        types: []
        require_serial: true
        always_run: true
        stages: [pre-commit, pre-merge-commit]
      - id: worktree-guard-push
        name: worktree-guard (push rules)
        entry: worktree-guard check --hook worktree-guard-push --stage push
        language: system
        pass_filenames: false
        always_run: true
        stages: [pre-push]
"""


def policy_template() -> str:
    """A commented policy: every key, with its default, commented out."""
    # deferred: yaml (~10 ms) only for the policy template
    import yaml
    schema = load_schema()['properties']
    out = [
        MODELINE,
        '# The line above gives completion and checks in editors that use',
        f'# yaml-language-server (VS Code YAML, ...) from {SCHEMA_FILE},',
        '# written beside this file by `worktree-guard init`; commit both.',
        '# `worktree-guard doctor` says when it is older than the installed',
        '# worktree-guard; refresh it with',
        f'#   worktree-guard policy schema > {SCHEMA_FILE}',
        '#',
        '# worktree-guard policy. Every key is optional: uncomment what you',
        '# change. `worktree-guard policy show` prints the effective policy.',
        'version: 1',
    ]
    for section, values in DEFAULTS.items():
        out.append('')
        out.append(f'# {section}:')
        props = schema[section]['properties']
        for key, val in values.items():
            desc = props.get(key, {}).get('description', '')
            dumped = yaml.safe_dump({key: val}, default_flow_style=True,
                                    width=1000).strip()[1:-1]
            if desc:
                out.append(f'#   # {desc}')
            out.append(f'#   {dumped}')
    return '\n'.join(out) + '\n'


ADOPT_SLUG = 'adopt-worktree-guard'


def adoption_branch(repo: Repo, issue: str | None, branch: str | None,
                    ask: bool) -> str | None:
    """The branch to make for the adoption, or ``None`` to write here.

    ``--branch``/``--issue`` name it; on a protected branch without them a
    terminal is asked for the issue number (empty: write here, and say
    what to run).  The name is judged by the branch rules themselves: a
    name they would refuse is refused here.
    """
    head = repo.head().branch
    pol = policy_mod.load(repo.root)
    if branch is None and issue is None:
        if head is None or not pol.matches('branches', 'protected', head):
            return None
        if ask:
            print(f'{head} is a protected branch: worktree-guard refuses '
                  'commits on it, the commit of its own files included.')
            try:
                issue = input(f'Issue number for the adoption branch '
                              f'issue-<N>-{ADOPT_SLUG} (empty: stop): ')
            except EOFError:
                issue = ''
            issue = issue.strip()
        if not issue:
            return None
    if branch is None:
        if not (issue or '').isdigit() or int(issue or '0') == 0:
            raise GuardError(f'not an issue number: {issue!r}',
                             'pass --issue with a number, like --issue 12')
        branch = f'issue-{int(issue or "0")}-{ADOPT_SLUG}'
    target = BranchFacts([BranchTarget(branch, 'HEAD')])
    found = [v for rule in ('branch-name', 'protected-branch')
             for v in runner.evaluate(rule, target, pol)
             if v.severity == 'error']
    if found:
        raise GuardError(f'a commit on {branch!r} would be refused: '
                         f'{found[0].code}: {found[0].message}',
                         f'pick a name like issue-<N>-{ADOPT_SLUG}')
    return branch


def init(force: bool = False, run_pre_commit: bool = False,
         issue: str | None = None, branch: str | None = None,
         ask: bool | None = None) -> int:
    repo = Repo.discover()
    if repo.root is None:
        raise GuardError('init needs a checkout, not a bare repository')
    path = os.path.join(repo.root, POLICY_FILE)
    if os.path.exists(path) and not force:
        raise GuardError(f'{POLICY_FILE} already exists; not overwriting it',
                         'rerun with --force to replace it')
    if ask is None:
        ask = sys.stdin is not None and sys.stdin.isatty()
    new = adoption_branch(repo, issue, branch, ask)
    stay = None   # the protected branch the files are written on
    if new is not None:
        error = repo.switch_new(new)
        if error is not None:
            raise GuardError(
                f'git switch -c {new} failed: {error}',
                f'if the branch exists: git switch {new}, then '
                'worktree-guard init')
        print(f'made the adoption branch {new} (git switch -c {new})')
    else:
        head = repo.head().branch
        if head is not None and policy_mod.load(repo.root).matches(
                'branches', 'protected', head):
            stay = head
    with open(path, 'w', encoding='utf-8') as f:
        f.write(policy_template())
    print(f'wrote {path}')
    # The schema the policy's modeline names: generated, so replaced.
    schema = os.path.join(repo.root, SCHEMA_FILE)
    with open(schema, 'w', encoding='utf-8') as f:
        f.write(schema_text())
    print(f'wrote {schema} (the JSON Schema editors check the policy with)')
    print()
    print(PRE_COMMIT_SNIPPET)
    adopt = new or f'issue-<N>-{ADOPT_SLUG}'
    if stay is not None:
        print(f'{stay} is a protected branch: worktree-guard refuses the '
              'commit of these files on it.  Carry them to the adoption '
              'branch (git switch takes uncommitted files along), or rerun '
              'with --issue <N>:')
        print(f'    git switch -c {adopt}')
    if new is not None or stay is not None:
        print(f'then save the snippet above as {PRE_COMMIT_CONFIG} (or run: '
              'worktree-guard install), commit, push and merge through '
              'review:')
        print(f'    git add {POLICY_FILE} {SCHEMA_FILE} {PRE_COMMIT_CONFIG}')
        print("    git commit -m 'Adopt worktree-guard'")
        print(f'    git push -u origin {adopt}')
    if run_pre_commit:
        config = os.path.join(repo.root, PRE_COMMIT_CONFIG)
        if not os.path.lexists(config):
            # pre-commit's hooks fail every commit without a config.
            with open(config, 'x', encoding='utf-8') as f:
                f.write(LOCAL_PRE_COMMIT_CONFIG)
            print(f'wrote {config} (repo: local, the worktree-guard on '
                  'PATH; commit it with the policy)')
        res = spawn(['pre-commit', 'install', '--hook-type', 'pre-commit',
                     '--hook-type', 'pre-merge-commit',
                     '--hook-type', 'pre-push'])
        sys.stdout.write(res.stdout.decode(errors='replace'))
        if res.returncode != 0:
            raise GuardError(
                'pre-commit install failed: '
                + res.stderr.decode(errors='replace').strip(),
                'is core.hooksPath set? pre-commit refuses to install then',
            )
    return 0



def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'init', 'write a commented default policy and '
                                 'print the .pre-commit-config.yaml snippet')
    p.add_argument('--force', action='store_true',
                   help='overwrite an existing policy file')
    p.add_argument('--install-pre-commit', action='store_true',
                   help='also run pre-commit install for the pre-commit and '
                        'pre-push hook types')
    which = p.add_mutually_exclusive_group()
    which.add_argument('--issue', metavar='N',
                       help=f'make the branch issue-N-{ADOPT_SLUG} and '
                            'write the files there (asked on a terminal '
                            'when on a protected branch)')
    which.add_argument('--branch', metavar='NAME',
                       help='make this branch for the adoption instead')
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    return init(force=ns.force, run_pre_commit=ns.install_pre_commit,
                issue=ns.issue, branch=ns.branch)
