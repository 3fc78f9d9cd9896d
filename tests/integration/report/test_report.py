"""Text output stays one finding per line, whatever the file names."""
from __future__ import annotations

import pytest

from tests.helpers import there
from tests.helpers import RepoHandle
from tests.helpers import wg
from worktree_guard.report import Violation
from worktree_guard.model import quote_path


@pytest.mark.parametrize(('path', 'shown'), [
    ('docs/a b.md', 'docs/a b.md'),
    ('ünï/cödé.md', 'ünï/cödé.md'),
    ('dir/new\nline.md', '"dir/new\\nline.md"'),
    ('tab\there', '"tab\\there"'),
    ('q"uote', '"q\\"uote"'),
    ('back\\slash', '"back\\\\slash"'),
    ('\udcff.md', '"\\377.md"'),
    ('del\x7f', '"del\\177"'),
])
def test_quote_path_like_git(path: str, shown: str) -> None:
    assert quote_path(path) == shown
    assert '\n' not in quote_path(path)


def test_location_quotes_paths_and_refs() -> None:
    v = Violation('worktree-paths', 'm', path='a\nb', line=3, col=4)
    assert v.location == '"a\\nb":3:4'
    assert Violation('branch-name', 'm', ref='refs/heads/x\ty').location == \
        '"refs/heads/x\\ty"'
    assert Violation('branch-name', 'm').location == 'HEAD'


def test_a_newline_in_a_file_name_keeps_one_line_per_finding(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-1-x')
    r.write('new\nline.md', 'see ../main-repo/x.md\n')
    there(r.path, '../main-repo/x.md')   # on this machine: an error
    r.git('add', '-A')
    proc = wg('check', '--stage', 'commit', cwd=r.path)
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith('"new\\nline.md":1:5: worktree-paths/'
                            'relative-escape'), proc.stdout
