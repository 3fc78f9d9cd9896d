"""``worktree-guard init``: a commented default policy, and the
``.pre-commit-config.yaml`` snippet that runs worktree-guard."""
from __future__ import annotations

import os
import sys

from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import spawn

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
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


def policy_template() -> str:
    """A commented policy: every key, with its default, commented out."""
    from worktree_guard.policy import DEFAULTS
    from worktree_guard.policy import load_schema
    import yaml
    schema = load_schema()['properties']
    out = [
        '# Completion and checks in editors that use yaml-language-server',
        '# (VS Code YAML, ...): run',
        '#   worktree-guard policy schema > .worktree-guard.schema.json',
        '# then put this line at the top of the file:',
        '#   # yaml-language-server: $schema=./.worktree-guard.schema.json',
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


def init(force: bool = False, run_pre_commit: bool = False) -> int:
    from worktree_guard.policy import POLICY_FILE
    repo = Repo.discover()
    if repo.root is None:
        raise GuardError('init needs a checkout, not a bare repository')
    path = os.path.join(repo.root, POLICY_FILE)
    if os.path.exists(path) and not force:
        raise GuardError(f'{POLICY_FILE} already exists; not overwriting it',
                         'rerun with --force to replace it')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(policy_template())
    print(f'wrote {path}')
    print()
    print(PRE_COMMIT_SNIPPET)
    if run_pre_commit:
        if not os.path.isfile(os.path.join(repo.root, PRE_COMMIT_CONFIG)):
            # pre-commit's hooks fail every commit without a config.
            raise GuardError(
                f'no {PRE_COMMIT_CONFIG} in {repo.root}: pre-commit install '
                'would make every commit fail; not installing',
                f'save the snippet printed above as {PRE_COMMIT_CONFIG} '
                '(fill in repo and rev), then run: pre-commit install '
                '--hook-type pre-commit --hook-type pre-push',
            )
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
    from worktree_guard.commands import add_command
    p = add_command(sub, 'init', 'write a commented default policy and '
                                 'print the .pre-commit-config.yaml snippet')
    p.add_argument('--force', action='store_true',
                   help='overwrite an existing policy file')
    p.add_argument('--install-pre-commit', action='store_true',
                   help='also run pre-commit install for the pre-commit and '
                        'pre-push hook types')
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    return init(force=ns.force, run_pre_commit=ns.install_pre_commit)
