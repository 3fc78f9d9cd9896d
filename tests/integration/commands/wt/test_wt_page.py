"""``wt status --html``: one self-contained page, opened in a real headless
Chromium from Debian's packages (skipped, with the reason, without it)."""
from __future__ import annotations

import json
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RepoHandle
from tests.helpers import find_tool
from tests.integration.commands.wt.conftest import Work
from tests.integration.commands.wt.test_wt import Out
from worktree_guard.commands.wt import html as page

Run = Callable[..., Out]
CHROMIUM = find_tool('chromium') or find_tool('chromium-browser')
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync']
CONFLICT_RGB = (0xd6, 0x27, 0x28)


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    """RGB pixels of an 8-bit, non-interlaced RGB or RGBA PNG."""
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat = 8, b''
    width = height = channels = 0
    while pos < len(png):
        size, kind = struct.unpack('>I4s', png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + size]
        if kind == b'IHDR':
            width, height, depth, colour = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and colour in (2, 6) and body[12] == 0
            channels = 3 if colour == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += size + 12
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    out = []
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 255
            elif kind == 2:
                cur[i] = (cur[i] + b) & 255
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur[i] = (cur[i] + pred) & 255
        out += [tuple(cur[i:i + 3]) for i in range(0, stride, channels)]
        prev = cur
    return out  # type: ignore[return-value]


def _status_page(repo: RepoHandle, wt: Run, tmp_path: Path,
                 work: Work) -> Path:
    """`wt status --html` on three worktrees, two of them in conflict;
    the page, checked as text (no browser needed)."""
    work(repo, 'issue-1-a', {'src/app.py': 'print("a")\n'})
    work(repo, 'issue-2-b', {'src/app.py': 'print("b")\n'})
    work(repo, 'issue-3-c', {'docs/c.md': 'c\n'})
    out = tmp_path / 'status.html'
    r = wt(repo.path, 'status', '--html', str(out))
    assert r.code == 1, r  # the conflict
    assert f'wrote {out}' in r.out
    text = out.read_text()
    for remote in ('http:', 'https:', '<script', '<link', 'src=', '@import'):
        assert remote not in text, remote
    assert text.count('data-forecast="conflict"') == 2  # a+b, b+a
    return out


@pytest.mark.slow
def test_status_html_as_text(native_repo: RepoHandle, wt: Run,
                             tmp_path: Path, work: Work) -> None:
    """The page's command path, covered on machines without a browser
    (the coverage gate never depends on an optional package)."""
    text = _status_page(native_repo, wt, tmp_path, work).read_text()
    assert 'id="matrix"' in text and 'id="landing-order"' in text


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.skipif(CHROMIUM is None, reason='chromium is not installed '
                    '(Debian: apt-get install -y chromium; .ci/run does)')
def test_page_in_headless_chromium(native_repo: RepoHandle, wt: Run,
                                   tmp_path: Path, work: Work) -> None:
    out = _status_page(native_repo, wt, tmp_path, work)
    assert CHROMIUM is not None
    profile = tmp_path / 'profile'
    base = [CHROMIUM, *FLAGS, f'--user-data-dir={profile}']
    dom = subprocess.run([*base, '--dump-dom', out.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="matrix"' in dom.stdout
    assert dom.stdout.count('data-forecast="conflict"') == 2  # a+b, b+a
    assert 'id="landing-order"' in dom.stdout
    assert '<li>issue-3-c' in dom.stdout
    shot = tmp_path / 'shot.png'
    cp = subprocess.run([*base, f'--screenshot={shot}',
                         '--window-size=1000,1200', out.as_uri()],
                        capture_output=True, text=True, timeout=120)
    assert cp.returncode == 0 and shot.exists(), cp.stderr[-2000:]
    red = sum(1 for px in _pixels(shot.read_bytes()) if px == CONFLICT_RGB)
    assert red >= 2 * 20 * 20, red  # two conflict cells, about 28 px square


def _data(n: int, hot: int = 0) -> dict[str, Any]:
    rows = [{'issue': i, 'branch': f'issue-{i}-x', 'head': 'a' * 40,
             'uncommitted': i == 1, 'dirty': 1 if i == 1 else 0,
             'behind': 0, 'ahead': 1, 'files': ['f'], 'checks': [],
             'base_conflict': i == 2} for i in range(1, n + 1)]
    rows.append(dict(rows[0], branch=None, issue=None))
    return {
        'base': {'ref': 'origin/main', 'oid': None}, 'worktrees': rows,
        'overlaps': [{'branches': ['issue-1-x', 'issue-2-x'],
                      'files': ['f'], 'conflict': None,
                      'conflict_files': None}],
        'hotspots': [{'file': 'hot.py', 'branches': [
            f'issue-{i}-x' for i in range(1, hot + 1)]}] if hot else [],
        'landing_order': [{'branch': 'issue-2-x', 'ready': False,
                           'before': ['sync it first (1 behind)'],
                           'hand_resolve': [{'branch': 'issue-1-x',
                                             'files': ['f']}]}],
        'notes': ['a <note>'],
    }


def test_page_without_a_browser(tmp_path: Path) -> None:
    text = page.render(_data(70, hot=65))
    assert f'showing {page.MATRIX_MAX} of 71 branches' in text
    assert 'data-forecast="overlap"' in text
    assert '(detached at aaaaaaaaaaaa)' in text
    assert 'a &lt;note&gt;' in text and '* includes uncommitted' in text
    assert '(first: sync it first (1 behind))' in text
    small = page.render(_data(2))
    assert 'showing' not in small
    with pytest.raises(Exception, match='cannot write'):
        page.write_page(str(tmp_path / 'no' / 'such' / 'dir.html'),
                        _data(1))


def test_page_refresh_and_shared_hooks() -> None:
    data = _data(3)
    problem = 'hooks: not installed: worktree-guard init'
    for r in data['worktrees']:
        r['checks'] = [problem]
    data['worktrees'][0]['checks'].insert(0, 'branch-name: bad name')
    data['worktrees'].append(dict(data['worktrees'][1], branch='origin/x',
                                  remote=True, checks=[]))
    text = page.render(data)
    assert 'http-equiv="refresh"' not in text
    assert text.count('not installed: worktree-guard init') == 1
    assert '<p id="hooks" class="CONFLICT">every worktree: hooks: not ' \
        'installed' in text
    assert text.index('id="hooks"') < text.index('id="worktrees"')
    assert '<td>branch-name: bad name; hooks: see above</td>' in text
    assert text.count('<td>hooks: see above</td>') == 3
    assert '<meta http-equiv="refresh" content="7">' in page.render(data, 7)
    # A problem one row lacks stays on the rows.
    data['worktrees'][2]['checks'] = []
    text = page.render(data)
    assert 'id="hooks"' not in text
    assert text.count('not installed: worktree-guard init') == 3
    # Only remote rows: nothing to share.
    data['worktrees'] = data['worktrees'][-1:]
    assert 'id="hooks"' not in page.render(data)


def test_status_json_and_html_together(native_repo: RepoHandle, wt: Run,
                                       tmp_path: Path, work: Work) -> None:
    work(native_repo, 'issue-1-a', {'a.txt': 'a\n'})
    out = tmp_path / 's.html'
    r = wt(native_repo.path, 'status', '--json', '--html', str(out))
    assert r.code == 0, r
    assert json.loads(r.out)['landing_order'][0]['branch'] == 'issue-1-a'
    assert 'issue-1-a' in out.read_text()
    assert 'http-equiv="refresh"' not in out.read_text()
    r = wt(native_repo.path, 'status', '--html', str(out), '--refresh', '7')
    assert '<meta http-equiv="refresh" content="7">' in out.read_text()
