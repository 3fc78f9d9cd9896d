"""The baselines every other scenario is made of: the interpreter's start-up
(with and without ``site``) and one git process."""
from __future__ import annotations

from common import PYTHON
from common import Cmd
from common import Options
from common import Row
from common import make_repo
from common import measure


def run(opts: Options) -> list[Row]:
    base = opts.workdir / 'startup'
    base.mkdir()
    repo = make_repo(base / 'repo')
    cmds = [
        Cmd('py', [PYTHON, '-c', 'pass'], repo),
        Cmd('pyI', [PYTHON, '-I', '-c', 'pass'], repo),
        Cmd('pyIS', [PYTHON, '-I', '-S', '-c', 'pass'], repo),
        Cmd('git', ['git', 'rev-parse', '--absolute-git-dir'], repo),
    ]
    m = measure(cmds, opts.runs)
    return [
        Row('startup', 'python -I -c pass', m['pyI'], 'python -c pass',
            m['py']),
        Row('startup', 'python -I -S -c pass', m['pyIS'], 'python -c pass',
            m['py']),
        Row('startup', 'git rev-parse (one git process)', m['git'],
            'python -c pass', m['py']),
    ]
