"""pathengine/homes.py (and the home's scan patterns,
patterns.home_spellings): ``~/``, ``$HOME/``, ``${HOME}/`` and
``"$HOME"/`` paths that land in a known checkout are the absolute paths
they name (issue 24), table-driven with the home /w (the main checkout /w/main).
No git."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ctx
from tests.unit.pathengine import scan
from worktree_guard.pathengine import homes
from worktree_guard.pathengine.patterns import home_spellings
from worktree_guard.pathengine.places import Places

ABS = 'absolute-checkout error'
SCANS = [
    ('x.sh', 'cd ~/main/trees/issue-46-docs && make\n', [f'1:4 {ABS}']),
    ('x.sh', 'export D=$HOME/main/data\n', [f'1:10 {ABS}']),
    ('Makefile', 'Y := ${HOME}/main/trees/issue-46-docs\n', [f'1:6 {ABS}']),
    ('x.sh', 'cp "$HOME"/main/docs/x.md docs/\n', [f'1:4 {ABS}']),
    ('x.sh', 'cp "${HOME}"/main/docs/x.md docs/\n', [f'1:4 {ABS}']),
    ('x.sh', 'cp "$HOME/main/docs/x.md" docs/\n', [f'1:5 {ABS}']),
    ('a.py', "D = os.path.expanduser('~/main/docs')\n", [f'1:25 {ABS}']),
    ('a.py', "D = '~/main'\n", [f'1:6 {ABS}']),
    # A doc's command for the reader: `git clone ... ~/main` names a
    # usual place, not this machine's; the doc's own prose or link does.
    ('README.md', '```sh\ncd ~/main/docs\n```\n', []),
    ('README.md', '    $ cd ~/main/docs\n', []),
    ('README.md', 'The notes are in ~/main/docs/x.md.\n', [f'1:18 {ABS}']),
    ('README.md', '[x](~/main/docs/x.md)\n', [f'1:5 {ABS}']),
    # Not a checkout: another folder of the home, or a longer name.
    ('x.sh', 'cat ~/.bashrc ~/main2/x $HOME/other\n', []),
    ('x.sh', 'cat ~/main/../other/x\n', []),
    ('x.sh', 'cat ~/mainly\n', []),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SCANS)
def test_home_paths_into_a_checkout(path: str, content: str,
                                    expected: list[str]) -> None:
    assert scan(path, content, home='/w') == expected


def test_without_a_home_nothing_is_expanded() -> None:
    assert scan('x.sh', 'cd ~/main/trees/issue-46-docs\n') == []
    assert scan('x.sh', 'cd ~/main/trees/issue-46-docs\n', home='') == []


@pytest.mark.parametrize(('home', 'forms', 'n'), [
    (None, ['/w/main'], 0),
    ('/w/', ['/w/main'], 1),
    ('/w', ['/w/main', '/v/x'], 1),
    # A checkout that is the home itself: every ~/ path would land in it.
    ('/w/main', ['/w/main'], 0),
])
def test_spellings(home: str | None, forms: list[str], n: int) -> None:
    got = home_spellings(home, forms)
    assert len(got) == n
    if n:
        assert got[0][0] == (b'~/main', b'HOME/main', b'HOME}/main',
                             b'HOME"/main', b'HOME}"/main')


def test_expand() -> None:
    places = Places(ctx(home='/w'))
    line = 'cd ~/main/docs'
    assert homes.expand(places, line, 3) == ('abs', '/w/main/docs', 3)
    assert homes.expand(places, line, 0) is None
    assert homes.expand(Places(ctx()), line, 3) is None


def test_the_prefilter_keeps_every_file_with_a_finding() -> None:
    # Every new spelling's finding sits on a line that holds one of the
    # whole-file scan's pre-filter terms (prefilter.terms_of).
    from tests.unit.pathengine import test_configs
    from tests.unit.pathengine import test_pyparents
    from worktree_guard.pathengine import Engine
    from worktree_guard.pathengine.prefilter import terms_of
    engine = Engine(ctx(home='/w'))
    terms = terms_of(engine.specs)
    cases = SCANS + test_configs.SCANS + test_pyparents.SCANS
    for path, content, _ in cases:
        data = content.encode()
        lines = data.split(b'\n')
        for f in engine.scan(path, data):
            assert f.line is not None
            assert any(t in lines[f.line - 1] for t in terms), (path, f)


@pytest.mark.parametrize('rel', ['main', 'my proj.v2/a+b', 'x(1)[2]{3}$^|?*',
                                 'caf\u00e9/tab\there'])
def test_a_checkout_name_is_matched_literally(rel: str) -> None:
    import re
    ((lits, pat),) = home_spellings('/h', [f'/h/{rel}'])
    raw = rel.encode()
    assert lits[0] == b'~/' + raw
    for head in ('~', '$HOME', '${HOME}', '"$HOME"'):
        m = re.compile(pat).match(head.encode() + b'/' + raw + b'/x')
        assert m is not None and m.group(1).endswith(b'/x'), head
    assert re.compile(pat).match(b'~/' + raw + b'z') is None
