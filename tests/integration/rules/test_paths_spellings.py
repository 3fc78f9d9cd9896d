"""Every spelling of issue 12 part 3 is refused through real git: the
native hooks and pre-commit (``hooked_repo`` runs both), CI mode
(``check --stage push --from-ref/--to-ref``) and the server's pre-receive
hook.  One commit holds every spelling, one file (or link) each, so each
stage is one git run; the test asserts every file is named.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import wg
from tests.integration.commands.server.test_server import Client
from tests.integration.commands.server.test_server import Server
from tests.integration.commands.server.test_server import _refused
from tests.integration.commands.server.test_server import client  # noqa: F401 (fixture)
from tests.integration.commands.server.test_server import server  # noqa: F401 (fixture)
from tests.integration.commands.server.test_server import transport  # noqa: F401 (fixture)

# file -> content; absolute spellings name the main checkout ({main}).
SPELLINGS = {
    'sib-dotdot.md': 'a/../trees/issue-46-docs/x.py\n',
    'sib-double.md': 'trees//issue-46-docs/x.py\n',
    'sib-dot.md': 'trees/./issue-46-docs/x.py\n',
    'join.py': "open(os.path.join('..', 'x'))\n",
    'dirname.js': "path.join(__dirname, '..', '..')\n",
    'cd.sh': 'cd ..\n',
    'concat.js': "require(__dirname + '/../../x')\n",
    'file.py': 'p = dirname(__file__) + "/../x"\n',
    'glob.py': "glob('*/../..')\nglob('x?/../..')\n",
    'pct.md': '[x](%2e%2e/%2e%2e/x.md)\n',
    'escaped.json': '{"p": "..\\/..\\/x"}\n',
    'win.ps1': 'Copy-Item ..\\..\\x .\n',
    'top.sh': 'cat "$(git rev-parse --show-toplevel)/../x"\n',
    'pwd.sh': 'cd "$(pwd)/.."\n',
    'cont.sh': 'cp \\\n  ../../secret .\n',
    'allow.md': '../shared-assets/../../x\n',
}
# Spellings of a checkout's absolute path: only a machine with the
# checkout knows it (not the server).
LOCAL = {
    'abs-double.md': 'see /{main}/docs/guide.md\n',
    'abs-dot.md': 'see {dotted}/docs/guide.md\n',
    'url.md': '[x](file://{main}/docs/guide.md)\n',
}
# link -> target; docs/up stays inside, docs/chain leaves through it.
LINKS = {'docs/up': '..', 'docs/chain': 'up/..',
         'nl-link': 'ok\n../../../x', 'sib-link': 'trees/issue-46-docs/x'}
POLICY = 'paths:\n  allow: [../shared-assets]\n'


def _write(where: Path, main: Path, local: bool) -> list[str]:
    """Write every spelling under ``where``; the paths that must be
    reported."""
    parts = str(main).split('/')
    dotted = '/'.join(parts[:2] + ['.'] + parts[2:])
    files = dict(SPELLINGS, **({k: v.format(main=main, dotted=dotted)
                                for k, v in LOCAL.items()} if local else {}))
    files['.worktree-guard.yaml'] = POLICY
    for rel, content in files.items():
        (where / rel).write_text(content)
    (where / 'docs').mkdir(exist_ok=True)
    for rel, target in LINKS.items():
        os.symlink(target, where / rel)
    return sorted([*(k for k in files if k != '.worktree-guard.yaml'),
                   *(k for k in LINKS if k != 'docs/up')])


def _named(out: str, expected: list[str]) -> None:
    reported = {line.strip().split(':', 1)[0].strip('"')
                for line in out.splitlines()
                if 'worktree-paths/' in line}
    reported = {'nl-link' if r.startswith('nl-link') else r for r in reported}
    missing = [p for p in expected if p not in reported]
    assert not missing, out
    assert 'docs/up:' not in out   # a link that stays inside passes


def test_spellings_refused_at_commit(hooked_repo: RepoHandle) -> None:
    r = hooked_repo
    w45 = r.worktree('issue-45-rust-sdk')
    r.worktree('issue-46-docs')
    expected = _write(w45, r.path, local=True)
    r.git('add', '-A', cwd=w45)
    proc = r.run_git('commit', '-m', 'spellings', cwd=w45)
    assert proc.returncode != 0, proc
    assert_no_traceback(proc)
    _named(proc.output, expected)
    assert '"ok\\n../../../x"' in proc.output   # quoted, on one line


def test_spellings_refused_in_ci_mode(plain_repo: RepoHandle) -> None:
    r = plain_repo
    w45 = r.worktree('issue-45-rust-sdk')
    r.worktree('issue-46-docs')
    expected = _write(w45, r.path, local=True)
    r.git('add', '-A', cwd=w45)
    r.git('commit', '-q', '--no-verify', '-m', 'spellings', cwd=w45)
    proc = wg('check', '--stage', 'push', '--from-ref', 'main', '--to-ref',
              'HEAD', '--rule', 'worktree-paths', cwd=w45)
    assert proc.returncode == 1, proc
    _named(proc.output, expected)


@pytest.mark.timeout(120)
def test_spellings_refused_by_the_server(
        server: Server, transport: str,  # noqa: F811 (fixtures)
        client: Client) -> None:  # noqa: F811 (fixture)
    client.git('switch', '-q', '-c', 'issue-12-spellings')
    expected = _write(client.path, client.path, local=False)
    expected.remove('allow.md')   # the server's policy has no allow list
    client.git('add', '-A', '--', ':!.worktree-guard.yaml')
    client.commit({}, 'spellings')
    proc = client.push('issue-12-spellings')
    _refused(proc, 'issue-12-spellings', 'worktree-paths')
    _named(proc.stderr.replace('remote: ', ''), [*expected, 'allow.md'])
