"""The same added line gets the same finding (or none) in every view
(issue 24, "judge a changed file with its whole context"): the commit
hook, a real ``git push`` through the native pre-push hook, the server's
pre-receive hook, CI (``check --stage push --from-ref/--to-ref``) and
``check --all-files``, through
real git.  Each case adds one line below context that opened above the
hunk (a fence, a ``cd``, a shebang), where a patch's one line of context
would judge it without that context, or a plain escape that every view
reports."""
from __future__ import annotations

import re

import pytest

from tests.helpers import RepoHandle
from tests.helpers import wg

FILLER = 'echo filler\n' * 30
# name -> (file, committed content, the same with the added line, the line)
CASES = {
    'a line inside a fence opened above the hunk': (
        'docs/usage.md',
        '# Usage\n\n```sh\n' + FILLER + '```\n',
        '# Usage\n\n```sh\n' + FILLER + 'cat ../../elsewhere/notes.txt\n'
        + '```\n', 34),
    'a line after a cd above the hunk': (
        'scripts/run.sh',
        '#!/bin/sh\ncd deep/er/dir\n' + FILLER,
        '#!/bin/sh\ncd deep/er/dir\n' + FILLER + 'cat ../../notes.txt\n',
        33),
    'a script known by its shebang above the hunk': (
        'bin/tool',
        '#!/bin/bash\ncd deep/er/dir\n' + FILLER,
        '#!/bin/bash\ncd deep/er/dir\n' + FILLER + 'cat ../../notes.txt\n',
        33),
    'a plain escape': (
        'src/tool.py',
        'import os\n' + '# filler\n' * 30,
        'import os\n' + '# filler\n' * 30
        + 'open("../../../outside/x.txt")\n', 32),
}
FOUND = re.compile(r'^(?:remote: +)?(\S+):(\d+):(\d+): worktree-paths/(\S+)',
                   re.M)


def _found(out: str, path: str, line: int) -> set[tuple[str, ...]]:
    """The worktree-paths findings on ``path:line`` in an output."""
    return {m.groups() for m in FOUND.finditer(out)
            if m.group(1) == path and m.group(2) == str(line)}


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize('case', list(CASES))
def test_an_added_line_is_judged_alike_in_every_view(
        native_repo: RepoHandle, case: str) -> None:
    r = native_repo
    path, before, after, line = CASES[case]
    r.git('switch', '-q', '-c', 'issue-24-views')
    r.write(path, before)
    r.git('add', '--', path)
    r.git('commit', '-q', '--no-verify', '-m', 'base')
    r.git('push', '-q', '--no-verify', 'origin', 'issue-24-views')
    r.write(path, after)
    r.git('add', '--', path)
    views = {}
    views['commit'] = wg('check', '--rule', 'worktree-paths',
                         cwd=r.path).output
    r.git('commit', '-q', '--no-verify', '-m', 'change')
    views['ci'] = wg('check', '--stage', 'push', '--from-ref', 'origin/issue-24-views',
                     '--to-ref', 'HEAD', '--rule', 'worktree-paths',
                     cwd=r.path).output
    views['all-files'] = wg('check', '--all-files', '--rule',
                            'worktree-paths', cwd=r.path).output
    wg('install', '--server', str(r.remote), cwd=r.remote.parent)
    views['server'] = r.run_git('push', '--no-verify', 'origin',
                                'HEAD:refs/heads/issue-24-server').output
    views['push'] = r.run_git('push', 'origin', 'issue-24-views').output
    found = {view: _found(out, path, line) for view, out in views.items()}
    assert len({frozenset(f) for f in found.values()}) == 1, (found, views)
    if case == 'a plain escape':
        assert found['commit'], views   # every view reports it
    else:
        assert not found['commit'], views   # the context clears it


def test_only_a_changed_file_with_a_candidate_is_read_whole(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """A modified file whose hunks hold a term of the path engine
    becomes one hunk of its whole new blob, added lines marked ``+``
    (a last line without a newline included); a modified file without
    one keeps its patch hunk, and a new file's patch is whole already."""
    from worktree_guard.gitctx import Repo
    from worktree_guard.gitctx.paths import path_facts
    from worktree_guard.model import StageInput
    from worktree_guard.policy import default_policy
    r = plain_repo
    r.write('a.md', 'one\ntwo\nthree\nfour\nfive')
    r.write('b.md', 'one\ntwo\nthree\nfour\nfive\n')
    r.git('add', '-A')
    r.git('commit', '-q', '--no-verify', '-m', 'base')
    r.write('a.md', 'one\ntwo\nsee ../x\nthree\nFIVE')
    r.write('b.md', 'one\ntwo\nclean\nthree\nfour\nfive\n')
    r.write('c.md', 'new ../y\n')
    r.git('add', '-A')
    monkeypatch.chdir(r.path)
    facts = path_facts(Repo.discover(), default_policy(),
                       StageInput('commit'))
    change = facts.changes[0]
    regions = {path: change.data[s:e] for s, e, path in change.regions}
    assert regions == {
        'a.md': b'@@ -1,5 +1,5 @@\n one\n two\n+see ../x\n three\n+FIVE\n',
        'b.md': b'@@ -2,2 +2,3 @@ one\n two\n+clean\n three\n',
        'c.md': b'@@ -0,0 +1 @@\n+new ../y\n'}
    # No modified file holds a term: no blob is read, the patch stays.
    r.git('commit', '-q', '--no-verify', '-m', 'more')
    r.write('b.md', 'one\ntwo\nclean\nthree\nfour\nfive\nsix\n')
    r.git('add', '-A')
    change = path_facts(Repo.discover(), default_policy(),
                        StageInput('commit')).changes[0]
    assert [change.data[s:e] for s, e, _ in change.regions] == [
        b'@@ -6 +6,2 @@ four\n five\n+six\n']
