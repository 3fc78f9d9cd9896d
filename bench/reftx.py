"""The reference-transaction hook (issue 13): what it adds to a ref update.

It runs for every ref transaction, fetches and rebases included, so the
shell script lets Python start only for a ``prepared`` transaction that
moves a ``refs/heads/`` ref.  Measured against the same ``git update-ref``
with no hooks (``core.hooksPath=/dev/null``), in the same repository:

- a remote-tracking ref (what a fetch writes): the shell filter alone;
- an issue branch: the shell filter again, with the cache Python left in
  the git dir (no protected pattern matches, so Python does not start);
- main, moved to what origin/main has (a sync): one ``merge-base``.
"""
from __future__ import annotations

from common import Cmd
from common import Options
from common import Row
from common import add_remote
from common import git
from common import install_native
from common import make_repo
from common import measure


def run(opts: Options) -> list[Row]:
    base = opts.workdir / 'reftx'
    base.mkdir()
    repo = make_repo(base / 'repo')
    add_remote(repo)
    head = git('rev-parse', 'HEAD', cwd=repo).strip()
    install_native(repo)
    off = ['git', '-c', 'core.hooksPath=/dev/null']
    cmds = []
    for label, ref in (('tracking', 'refs/remotes/origin/x'),
                       ('issue', 'refs/heads/issue-1-x'),
                       ('main', 'refs/heads/main')):
        cmds.append(Cmd(f'{label}-hook', ['git', 'update-ref', ref, head],
                        repo))
        cmds.append(Cmd(f'{label}-none', [*off, 'update-ref', ref, head],
                        repo))
    m = measure(cmds, opts.runs)
    what = {'tracking': 'a remote-tracking ref (a fetch)',
            'issue': 'an issue branch', 'main': 'main, a sync'}
    return [Row('reftx', f'update-ref of {what[k]}, with the hook',
                m[f'{k}-hook'], 'the same with no hooks', m[f'{k}-none'])
            for k in ('tracking', 'issue', 'main')]
