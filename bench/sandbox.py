"""``worktree-guard sandbox -- true`` (issue 22): what wrapping one shell
command costs, against ``true`` run directly and against the interpreter's
own start-up (``python -I -c pass``), in the same run.

The command is started as the agent hook will start it, ``<python> -I -m
worktree_guard sandbox --worktree <root> -- true``, in a linked worktree;
once with Landlock (``auto``) and once with ``--engine bwrap``.
"""
from __future__ import annotations

from common import PYTHON
from common import Cmd
from common import Options
from common import Row
from common import Unavailable
from common import git
from common import make_repo
from common import measure


def run(opts: Options) -> list[Row]:
    try:
        from worktree_guard.commands import sandbox
    except ImportError as e:  # pragma: no cover (older checkout)
        raise Unavailable(str(e)) from None
    base = opts.workdir / 'sandbox'
    base.mkdir()
    repo = make_repo(base / 'repo')
    wt = repo / 'trees' / 'issue-1-a'
    git('worktree', 'add', '-q', '-b', 'issue-1-a', str(wt), 'main',
        cwd=repo)
    # The scratch folder is under /tmp, so /tmp holds the repository: a
    # TMPDIR beside it keeps the sandbox from making a private one there.
    (base / 'tmp').mkdir()
    tmp = {'TMPDIR': str(base / 'tmp')}
    engine = sandbox.choose('auto', {}, probe=True)
    wrap = [PYTHON, '-I', '-m', 'worktree_guard', 'sandbox', '--worktree',
            str(wt)]
    cmds = [Cmd('true', ['true'], wt),
            Cmd('pyI', [PYTHON, '-I', '-c', 'pass'], wt)]
    if engine.name == 'landlock':
        cmds.append(Cmd('landlock', [*wrap, '--', 'true'], wt, env=tmp))
    bwrap = sandbox.choose('bwrap', {'PATH': '/usr/bin:/bin'}, probe=True)
    if bwrap.name == 'bwrap':
        cmds.append(Cmd('bwrap', [*wrap, '--engine', 'bwrap', '--', 'true'],
                        wt, env=tmp))
    if len(cmds) == 2:
        raise Unavailable('no sandbox engine on this machine')
    m = measure(cmds, opts.runs)
    rows = []
    for label in ('landlock', 'bwrap'):
        if label in m:
            what = f'sandbox -- true ({label}, python -I -m)'
            rows += [Row('sandbox', what, m[label], 'true', m['true']),
                     Row('sandbox', what, m[label], 'python -I -c pass',
                         m['pyI'])]
    return rows


if __name__ == '__main__':  # pragma: no cover
    raise SystemExit('run it through bench/run.py --only sandbox')
