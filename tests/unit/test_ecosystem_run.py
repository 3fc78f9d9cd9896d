"""The ecosystem runner's own logic (bench/ecosystem/run.py): which
repositories a run selects, how the origin commits of findings are found
(real git blame on a real repository), how blocks and totals are counted
(held-out apart), and that a run's JSON recounts to the same numbers."""
from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.helpers import git

ECO = Path(__file__).resolve().parents[2] / 'bench' / 'ecosystem'


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location('eco_run', ECO / 'run.py')
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


RUN = _runner()

ENTRIES = [
    {'name': 'a/one', 'kinds': ['shell']},
    {'name': 'b/two', 'kinds': ['c', 'held-out']},
    {'name': 'c/three', 'kinds': ['held-out']},
]


@pytest.mark.parametrize(('names', 'held_out', 'want'), [
    (None, 'with', ['a/one', 'b/two', 'c/three']),
    (None, 'without', ['a/one']),
    (None, 'only', ['b/two', 'c/three']),
    (['a/one,c/three'], 'with', ['a/one', 'c/three']),
    (['a/one', ' b/two , '], 'only', ['b/two']),
])
def test_select_by_name_and_held_out(names: list[str] | None, held_out: str,
                                     want: list[str]) -> None:
    got = RUN.select(ENTRIES, names, held_out)
    assert [e['name'] for e in got] == want


def test_select_refuses_a_name_not_in_the_manifest() -> None:
    with pytest.raises(ValueError, match='x/nope'):
        RUN.select(ENTRIES, ['a/one,x/nope'], 'with')


def test_find_line_by_hash_of_the_stripped_line() -> None:
    data = b'one\n  cd ../x  \nthree\n'
    assert RUN.find_line(data, RUN.line_hash('cd ../x')) == 2
    assert RUN.find_line(data, RUN.line_hash('four')) is None
    assert RUN.find_line(None, RUN.line_hash('one')) is None
    # A symlink's blob is its target: line 1.
    assert RUN.find_line(b'../../target', RUN.line_hash('../../target')) == 1


def _commit(repo: Path, path: str, text: str, msg: str) -> str:
    (repo / path).write_text(text, encoding='utf-8')
    git('add', path, cwd=repo)
    git('commit', '-qm', msg, cwd=repo)
    return git('rev-parse', 'HEAD', cwd=repo).strip()


def test_origin_commits_are_the_commits_that_introduced_the_lines(
        tmp_path: Path) -> None:
    repo = tmp_path / 'r'
    repo.mkdir()
    git('init', '-q', cwd=repo)
    root = _commit(repo, 'a.sh', 'echo\n', 'root')
    c1 = _commit(repo, 'a.sh', 'echo\ncd ../x\n', 'adds cd ../x')
    c2 = _commit(repo, 'b.md', 'see ../y\n', 'adds b.md')
    c3 = _commit(repo, 'a.sh', 'echo\ncd ../x\nsource ../z\n', 'adds z')
    targets = [(c3, 'a.sh', 2), (c3, 'b.md', 1), (c3, 'a.sh', 3),
               (c3, 'a.sh', 2),          # the same origin twice: once
               (c3, 'a.sh', 1),          # from the root commit: no parent
               (c3, 'gone.sh', 1)]       # blame fails: counted as missed
    got, missed = RUN.origin_commits(repo, targets, exclude={c2}, limit=10)
    assert got == [(c1, root), (c3, c2)]
    assert missed == 2
    # The limit stops the walk.
    got, _ = RUN.origin_commits(repo, targets, exclude=set(), limit=1)
    assert got == [(c1, root)]


def test_origin_targets_locate_labels_by_line_hash(tmp_path: Path) -> None:
    repo = tmp_path / 'r'
    repo.mkdir()
    git('init', '-q', cwd=repo)
    old = _commit(repo, 'old.md', 'x\nsee ../gone\n', 'old')
    git('rm', '-q', 'old.md', cwd=repo)
    git('commit', '-qm', 'rm', cwd=repo)
    pin = _commit(repo, 'a.sh', 'echo\n\ncd ../x\n', 'pin')
    texts = RUN.Texts(repo)
    finding = RUN.Finding('o/r', 'all-files', {
        'path': 'a.sh', 'line': 3, 'token': '../x', 'kind': 'k',
        'severity': 'error'}, 'cd ../x')

    def label(path: str, text: str, seen: str) -> dict[str, Any]:
        return {'repo': 'o/r', 'path': path, 'token': 't',
                'line_sha': RUN.line_hash(text), 'seen': seen}
    labels = [
        label('a.sh', 'cd ../x', 'all-files:9'),      # the finding's line
        label('old.md', 'see ../gone', f'{old}:2'),   # only where seen
        label('a.sh', 'nowhere', 'all-files:1'),      # found nowhere
        {**label('a.sh', 'echo', 'all-files:1'), 'repo': 'other/repo'},
    ]
    got = RUN.origin_targets('o/r', pin, [finding], labels, texts)
    assert got == [(pin, 'a.sh', 3), (old, 'old.md', 2)]


def _finding(where: str, severity: str, token: str,
             path: str = 'f.sh') -> Any:
    return RUN.Finding('o/r', where, {
        'path': path, 'line': 1, 'token': token, 'kind': 'relative-escape',
        'severity': severity}, f'cd {token}')


def _label(f: Any, verdict: bool | None) -> None:
    f.label = {'verdict': verdict}


def test_block_verdict_looks_at_errors_only() -> None:
    t, fl, u, w = (_finding('c', 'error', '../t'),
                   _finding('c', 'error', '../f'),
                   _finding('c', 'error', '../u'),
                   _finding('c', 'warn', '../w'))
    _label(t, True)
    _label(fl, False)
    _label(w, None)
    assert RUN.block_verdict([t, fl, u]) == 'TRUE'
    assert RUN.block_verdict([fl, u]) == 'unlabelled'
    assert RUN.block_verdict([fl, w]) == 'false'


def _result(name: str, held_out: bool) -> Any:
    r = RUN.RepoResult(name, held_out)
    r.files = 500
    e1, e2, w1 = (_finding('all-files', 'error', '../a'),
                  _finding('all-files', 'error', '../b'),
                  _finding('all-files', 'warn', '../c'))
    _label(e1, True)
    _label(e2, False)
    r.all_files = [e1, e2, w1]
    r.commits = 10
    b1 = _finding('c1', 'error', '../d')
    _label(b1, False)
    r.replay = [b1]
    r.blocks = [('c1', [b1])]
    r.origin_commits = 4
    o1, o2 = _finding('c2', 'error', '../e'), _finding('c3', 'error', '../f')
    _label(o1, False)
    r.replay += [o1, o2]
    r.origin_blocks = [('c2', [o1]), ('c3', [o2])]
    r.covered = {'all-files', 'c1', 'c2', 'c3'}
    return r


def test_stats_count_latest_and_origin_blocks_apart() -> None:
    s = RUN.Stats([_result('o/r', False)])
    assert (s.errors, s.true_errors, s.warnings) == (2, 1, 1)
    assert s.precision == 0.5
    assert s.warnings_per_1k == 2.0
    assert (s.commits, s.false_blocks) == (10, 1)
    assert (s.origin_commits, s.origin_blocks, s.origin_false_blocks,
            s.origin_unknown_blocks) == (4, 2, 1, 1)
    assert s.false_blocks_per_1k == 100.0
    assert s.origin_false_blocks_per_1k == 250.0
    assert s.all_false_blocks_per_1k == pytest.approx(1000 * 2 / 14)


def test_table_totals_tuned_and_held_out_apart() -> None:
    skipped = RUN.RepoResult('s/kip', True)
    skipped.skipped = 'no mirror'
    results = [_result('a/one', False), _result('b/two', True), skipped]
    rows = RUN.table_rows(results)
    names = [r[0] for r in rows]
    assert names == ['a/one', 'b/two (held out)', 's/kip',
                     'TOTAL tuned (1)', 'TOTAL HELD OUT (1)', 'TOTAL (2)']
    assert rows[2] == ['s/kip', 'skipped: no mirror']
    total = dict(zip(RUN._COLS, rows[-1], strict=True))
    assert total['files'] == '1000'
    assert total['true err'] == '2'
    assert total['origin false'] == '2 (+2?)'
    # Without held-out repositories there is one total only.
    assert [r[0] for r in RUN.table_rows(results[:1])][-1] == 'TOTAL (1)'
    assert len(RUN.table_rows(results[:1])) == 2


def test_json_round_trip_recounts_the_same_numbers() -> None:
    r = _result('o/r', True)
    back = RUN.RepoResult.from_dict(r.as_dict())
    assert back.held_out is True
    # Labels are looked up again after loading, as --from-json does.
    by_key = {f.key: f.label for f in (*r.all_files, *r.replay)
              if f.label is not None}
    for f in (*back.all_files, *back.replay):
        f.label = by_key.get(f.key)
    # A block's findings are the replay's findings, not copies.
    assert back.blocks[0][1][0] is back.replay[0]
    assert vars(RUN.Stats([back])) == vars(RUN.Stats([r]))


def test_unlabelled_listing_names_the_command_that_shows_the_line() -> None:
    labelled, null, bare = (_finding('all-files', 'error', '../a'),
                            _finding('c0ffee' * 6 + 'abcd', 'warn', '../b'),
                            _finding('all-files', 'error', '../c'))
    _label(labelled, False)
    _label(null, None)
    out = io.StringIO()
    missing = RUN._print_unlabelled({'o/r': 'f' * 40}, [
        labelled, null, bare, bare], out)
    assert missing == [bare, bare]      # --write-missing adds bare only
    text = out.getvalue()
    assert text.startswith('unlabelled findings: 2\n')
    # No mirror found: the name git clone --mirror gives.
    assert 'git -C "$MIRROR/o+r.git" show ffffffffffff:f.sh' in text
    assert 'show c0ffeec0ffee:f.sh' in text
    assert "'../a'" not in text
    assert text.count("token '../c'") == 1


def test_unlabelled_listing_names_the_snapshot_layout(tmp_path: Path) -> None:
    snap = tmp_path / 'mirrors' / 'o+r' / 'repo'
    snap.mkdir(parents=True)
    git('init', '-q', '--bare', cwd=snap)
    out = io.StringIO()
    RUN._print_unlabelled({'o/r': 'f' * 40},
                          [_finding('all-files', 'error', '../c')], out,
                          tmp_path / 'mirrors')
    assert 'git -C "$MIRROR/o+r/repo" show' in out.getvalue()
    assert str(tmp_path) not in out.getvalue()


def test_missing_object_tells_a_snapshot_gap_from_a_crash(
        tmp_path: Path) -> None:
    repo = tmp_path / 'r'
    repo.mkdir()
    git('init', '-q', cwd=repo)
    have = _commit(repo, 'a', 'x\n', 'a')
    absent = '104ce1ae20d08436e92e7f91d5a2cbcaab40a13a'
    msg = "exit 2: 'git diff-tree' failed: fatal: unable to read {}"
    assert RUN.missing_object(repo, msg.format(absent)) == absent
    # An object the clone has: a real crash, not a gap of the snapshot.
    assert RUN.missing_object(repo, msg.format(have)) is None
    assert RUN.missing_object(repo, 'exit 2: Traceback ...') is None


def _mirror_with_a_home_symlink(root: Path, name: str) -> str:
    """A repository whose second of three commits adds a symlink into a
    home folder, cloned with --mirror under ``root``; returns its HEAD."""
    src = root / 'src' / name
    src.mkdir(parents=True)
    git('init', '-q', '-b', 'main', cwd=src)
    _commit(src, 'README.md', 'hi\n', 'one')
    (src / 'link').symlink_to('/Users/someone/secret.txt')
    git('add', 'link', cwd=src)
    git('commit', '-qm', 'link home', cwd=src)
    _commit(src, 'README.md', 'hi\nmore\n', 'three')
    git('clone', '-q', '--mirror', str(src),
        str(root / 'mirrors' / f'o+{name}.git'), cwd=root)
    return git('rev-parse', 'HEAD', cwd=src).strip()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_run_replays_origin_commits_and_recounts_from_json(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """End to end on two tiny mirrors, two at once (--jobs 2): the
    symlink's commit is not among the latest (--replay 1), so it comes
    back as an origin commit, blocked; labelled false, the recount from
    the JSON makes it a false block, held-out apart."""
    manifest = {'repos': [
        {'name': 'o/a', 'commit': _mirror_with_a_home_symlink(tmp_path, 'a'),
         'branch': 'main', 'kinds': ['x'], 'why': 't'},
        {'name': 'o/b', 'commit': _mirror_with_a_home_symlink(tmp_path, 'b'),
         'branch': 'main', 'kinds': ['x', 'held-out'], 'why': 't'}]}
    (tmp_path / 'manifest.json').write_text(json.dumps(manifest))
    labels, out = tmp_path / 'labels.json', tmp_path / 'out.json'
    common = ['--mirror', str(tmp_path / 'mirrors'),
              '--manifest', str(tmp_path / 'manifest.json'),
              '--labels', str(labels)]
    assert RUN.main([*common, '--replay', '1', '--origins', '5',
                     '--jobs', '2', '--json-out', str(out),
                     '--write-missing']) == 0
    data = json.loads(out.read_text())
    assert [r['name'] for r in data['results']] == ['o/a', 'o/b']
    for r in data['results']:
        assert (r['commits'], r['origin_commits']) == (1, 1)
        [(oid, found)] = r['origin_blocks']
        assert [f['path'] for f in found] == ['link']
        assert git('log', '-1', '--format=%s', oid,
                   cwd=tmp_path / 'src' / r['name'][2:]).strip() \
            == 'link home'
    assert data['total_held_out']['repos'] == 1
    # --write-missing left one label per repo to fill in.
    written = json.loads(labels.read_text())['labels']
    assert [(lb['repo'], lb['verdict']) for lb in written] == \
        [('o/a', None), ('o/b', None)]
    for lb in written:
        lb['verdict'], lb['reason'] = False, 'test'
    labels.write_text(json.dumps({'labels': written}))
    capsys.readouterr()
    assert RUN.main([*common, '--from-json', str(out),
                     '--held-out', 'only']) == 0
    text = capsys.readouterr().out
    assert 'o/b (held out)' in text and 'o/a ' not in text
    assert 'origin 1000.0 (1 of 1)' in text
    assert str(tmp_path) not in text
    capsys.readouterr()
    assert RUN.main([*common, '--from-json', str(out), '--unlabelled']) == 0
    assert capsys.readouterr().out.startswith('unlabelled findings: 0\n')
