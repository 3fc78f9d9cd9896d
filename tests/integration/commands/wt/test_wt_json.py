"""The JSON outputs of wt agree: a fact has one name and one type in
every command that reports it (docs/wt.md, "JSON output")."""
from __future__ import annotations

import json
from collections.abc import Callable

from tests.helpers import RepoHandle
from tests.integration.commands.wt.test_wt import Out

Run = Callable[..., Out]


def test_list_status_and_sync_agree(plain_repo: RepoHandle,
                                    wt: Run) -> None:
    main = plain_repo.path
    w = plain_repo.worktree('issue-1-x')
    (w / 'README.md').write_text('changed\n')
    (w / 'new.txt').write_text('new\n')
    listed = json.loads(wt(main, 'list', '--json').out)
    status = json.loads(wt(main, 'status', '--json').out)
    synced = json.loads(wt(main, 'sync', '1', '--json').out)
    rows = [next(r for r in data['worktrees'] if r['issue'] == 1)
            for data in (listed, status, synced)]
    for row in rows:
        assert row['dirty'] == 2, row  # the number of changed paths
        assert 'files' not in row or row['files'] is None or \
            isinstance(row['files'], list)
    one, two, three = rows
    assert 'changed' not in one
    assert two['uncommitted'] is True
    assert three['result'] == 'skipped' and three['conflict_files'] == []
    for a, b in ((one, two), (one, three), (two, three)):
        for key in (set(a) & set(b)) - {'age'}:
            assert a[key] == b[key], key
    for data in (listed, status, synced):
        assert set(data['base']) == {'ref', 'oid'}
        assert isinstance(data['notes'], list)
    assert status['committed_only'] is False
    committed = json.loads(wt(main, 'status', '--json', '--committed').out)
    assert committed['committed_only'] is True
    (row,) = [r for r in committed['worktrees'] if r['issue'] == 1]
    assert row['dirty'] is None and row['uncommitted'] is False
