"""The baseline file's parser and matcher, without git."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from worktree_guard.report import baseline as B
from worktree_guard.errors import GuardError
from worktree_guard.policy import default_policy
from worktree_guard.report import Result
from worktree_guard.model import Violation

REL = '.worktree-guard-baseline.json'


def esc(path: str = 'a.md', token: str = '../x', line: int = 1) -> Violation:
    return Violation('worktree-paths', 'm', kind='relative-escape', path=path,
                     line=line, token=token)


def entry(v: Violation, n: int) -> dict[str, Any]:
    return {v.fingerprint: {'code': v.code, 'count': n}}


@pytest.mark.parametrize(('data', 'problem'), [
    ([], '"version" must be 1'),
    ({'version': 2, 'files': {}}, '"version" must be 1'),
    ({'version': 1}, '"files" must be an object'),
    ({'version': 1, 'files': {'a': []}}, '"files"."a" must be an object'),
    ({'version': 1, 'files': {'a': {'f': 3}}}, 'needs a "code"'),
    ({'version': 1, 'files': {'a': {'f': {'code': 'x', 'count': 0}}}},
     'positive "count"'),
    ({'version': 1, 'files': {'a': {'f': {'code': 'x', 'count': True}}}},
     'positive "count"'),
    ({'version': 1, 'files': {'a': {'f': {'count': 1}}}}, 'needs a "code"'),
])
def test_parse_refuses_a_bad_shape(data: Any, problem: str) -> None:
    with pytest.raises(GuardError) as e:
        B.parse(data, REL)
    assert e.value.message.startswith(f'{REL}:1: not a worktree-guard '
                                      'baseline')
    assert problem in e.value.message
    assert e.value.hint is not None and 'baseline --force' in e.value.hint


def test_parse_reads_entries() -> None:
    data = {'version': 1, 'note': 'x', 'files': {
        'a.md': {'f1': {'code': 'worktree-paths/relative-escape',
                        'count': 2}}}}
    assert B.parse(data, REL) == {
        'a.md': {'f1': ('worktree-paths/relative-escape', 2)}}


@pytest.mark.parametrize(('value', 'name'), [
    ('.worktree-guard-baseline.json', '.worktree-guard-baseline.json'),
    ('./ci//b.json', 'ci/b.json'),
])
def test_file_name_is_normalised(value: str, name: str) -> None:
    pol = default_policy()
    pol['paths']['baseline'] = value
    assert B.file_name(pol) == name


def _result(*vs: Violation) -> Result:
    r = Result()
    r.violations = list(vs)
    r.rules_run = ['worktree-paths']
    return r


def _write(root: Path, files: dict[str, Any]) -> None:
    (root / REL).write_text(json.dumps({'version': 1, 'files': files}))


def test_apply_counts_occurrences_and_finds_stale(tmp_path: Path) -> None:
    a1, a2, a3 = esc(line=1), esc(line=2), esc(line=3)
    other = esc('b.md')
    gone = esc('c.md')
    _write(tmp_path, {'a.md': entry(a1, 2), 'c.md': entry(gone, 1),
                      'd.md': {'f': {'code': 'branch-name', 'count': 1}}})
    r = _result(a1, a2, a3, other, Violation('branch-name', 'b', token='x'))
    B.apply(r, B.from_dir(str(tmp_path)), default_policy(), whole=True)
    assert r.suppressed == [a1, a2]
    assert [v.path for v in r.violations] == ['a.md', 'b.md', None]
    assert r.baseline == REL
    # c.md is stale; d.md's rule did not run, so it is not judged.
    assert r.stale == [('c.md', gone.fingerprint,
                        'worktree-paths/relative-escape', 1)]
    assert r.notes[0] == f'2 findings accepted by the baseline {REL} ' \
        '(not shown)'
    assert 'c.md (worktree-paths/relative-escape x1)' in r.notes[1]
    assert '1 baseline entry no longer found' in r.notes[1]


def test_apply_lists_at_most_three_stale_entries(tmp_path: Path) -> None:
    gone = [esc(f'{n}.md') for n in range(5)]
    _write(tmp_path, {v.path: entry(v, 1) for v in gone if v.path})
    r = _result()
    B.apply(r, B.from_dir(str(tmp_path)), default_policy(), whole=True)
    assert len(r.stale) == 5
    assert r.notes == [f'{REL}: 5 baseline entries no longer found: '
                       '0.md (worktree-paths/relative-escape x1), '
                       '1.md (worktree-paths/relative-escape x1), '
                       '2.md (worktree-paths/relative-escape x1) and 2 '
                       "more; 'worktree-guard baseline --update' drops "
                       'stale entries']


def test_apply_reads_nothing_without_findings_in_files(
        tmp_path: Path) -> None:
    (tmp_path / REL).write_text('not json')  # never read
    r = _result(Violation('branch-name', 'b', token='x'),
                esc('/abs/path.md'), esc(REL))
    B.apply(r, B.from_dir(str(tmp_path)), default_policy(), whole=False)
    # A finding in the baseline file itself is a finding (issue 23: only a
    # fingerprint accepts one), and it cannot be recorded.
    assert [v.path for v in r.violations] == [None, '/abs/path.md', REL]
    assert r.baseline is None
    B.apply(r, B.from_dir(str(tmp_path / 'none')), default_policy(),
            whole=False)


def test_a_baseline_named_after_another_file_drops_nothing(
        tmp_path: Path) -> None:
    """paths.baseline: src/run.sh dropped every finding in run.sh (0.2);
    now the file must be a baseline, else the run stops."""
    pol = default_policy()
    pol['paths']['baseline'] = 'run.sh'
    (tmp_path / 'run.sh').write_text('cd ../../other && make\n')
    r = _result(esc('run.sh'), esc('a.md'))
    with pytest.raises(GuardError) as e:
        B.apply(r, B.from_dir(str(tmp_path)), pol, whole=False)
    assert e.value.message.startswith('run.sh:1: the baseline is not valid '
                                      'JSON')


def test_apply_without_a_baseline_file(tmp_path: Path) -> None:
    r = _result(esc())
    B.apply(r, B.from_dir(str(tmp_path)), default_policy(), whole=True)
    assert r.violations and not r.suppressed and r.baseline is None
    assert r.notes == []


def test_apply_on_a_change_does_not_judge_staleness(tmp_path: Path) -> None:
    _write(tmp_path, {'c.md': entry(esc('c.md'), 1)})
    r = _result(esc())
    B.apply(r, B.from_dir(str(tmp_path)), default_policy(), whole=False)
    assert r.stale == [] and r.notes == [] and r.baseline == REL


@pytest.mark.parametrize(('raw', 'where'), [
    (b'{\n  "version": 1,\n  oops\n}', f'{REL}:3: the baseline is not '
                                       'valid JSON'),
    (b'\xff\xfe', f'{REL}:1: the baseline is not valid JSON'),
])
def test_load_reports_bad_json_with_its_line(tmp_path: Path, raw: bytes,
                                             where: str) -> None:
    (tmp_path / REL).write_bytes(raw)
    with pytest.raises(GuardError) as e:
        B.load(str(tmp_path), REL)
    assert e.value.message.startswith(where)


def test_load_reports_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / REL).mkdir()
    with pytest.raises(GuardError) as e:
        B.load(str(tmp_path), REL)
    assert e.value.message == f'{REL}:1: the baseline is not a regular file'


@pytest.mark.timeout(20)
def test_load_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    import os
    os.mkfifo(tmp_path / REL)
    with pytest.raises(GuardError) as e:
        B.load(str(tmp_path), REL)
    assert e.value.message == f'{REL}:1: the baseline is not a regular file'


def test_load_never_follows_a_symlink(tmp_path: Path) -> None:
    (tmp_path / 'real.json').write_text('{"version": 1, "files": {}}')
    (tmp_path / REL).symlink_to('real.json')
    with pytest.raises(GuardError) as e:
        B.load(str(tmp_path), REL)
    assert e.value.message == (f'{REL}:1: cannot read the baseline: it is a '
                               'symlink')
    (tmp_path / REL).unlink()
    (tmp_path / 'sub').write_text('')
    with pytest.raises(GuardError) as e:
        B.load(str(tmp_path), 'sub/x.json')
    assert e.value.message == ('sub/x.json:1: cannot read the baseline: Not '
                               'a directory')


def test_load_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         ) -> None:
    monkeypatch.setattr(B, 'MAX_BYTES', 10)
    (tmp_path / REL).write_text('{"version": 1, "files": {}}')
    with pytest.raises(GuardError) as e:
        B.load(str(tmp_path), REL)
    assert e.value.message == f'{REL}:1: the baseline is larger than 10 bytes'


def test_write_round_trips_odd_names(tmp_path: Path) -> None:
    entries = {'\udcff ünï\n.md': {'f': ('worktree-paths/home-path', 3)}}
    B.write(str(tmp_path), REL, entries)
    raw = (tmp_path / REL).read_bytes()
    raw.decode('ascii')  # escaped, whatever the names
    assert B.load(str(tmp_path), REL) == entries
    assert list(tmp_path.iterdir()) == [tmp_path / REL]  # no temp left


def test_write_reports_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(GuardError) as e:
        B.write(str(tmp_path), 'no/such/dir.json', {})
    assert e.value.message.startswith('no/such/dir.json:1: cannot write')
    assert list(tmp_path.iterdir()) == []


def test_write_over_a_folder_leaves_no_temp_file(tmp_path: Path) -> None:
    (tmp_path / REL).mkdir()
    (tmp_path / REL / 'x').write_text('')
    with pytest.raises(GuardError) as e:
        B.write(str(tmp_path), REL, {})
    assert 'cannot write the baseline' in e.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == [REL]


def test_count_leaves_out_what_cannot_be_recorded() -> None:
    a = esc()
    assert B.count([a, esc(REL), esc('/abs.md'), esc(line=4)], REL) == {
        'a.md': {a.fingerprint: ('worktree-paths/relative-escape', 2)}}
