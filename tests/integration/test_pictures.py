"""The README's pictures are real output: the transcript of a refused
commit is regenerated here and must match the committed one (temp paths
and hashes aside); the screenshot, which only ``./dev pictures`` remakes
(pixels differ between Chromium builds), must be a valid PNG the README
shows."""
from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

from tests import pictures
from tests.helpers import PROJECT

README = (PROJECT / 'README.md').read_text()


def test_the_transcript_is_what_the_hooks_print(tmp_path: Path) -> None:
    fresh = pictures.transcript(tmp_path)
    committed = pictures.TRANSCRIPT.read_text()
    assert pictures.normalise(fresh) == pictures.normalise(committed), (
        'docs/transcripts/refused-commit.txt drifted from the real output: '
        'run ./dev pictures and commit the result')
    assert 'worktree-paths/relative-escape' in fresh
    assert str(tmp_path) not in fresh


def test_normalise_hides_only_temp_paths_and_hashes() -> None:
    text = 'f95f2b2 Add\n/tmp/pytest-1/t/app/setup.sh: in ~/app\n'
    assert pictures.normalise(text) == '<hash> Add\n~/app/setup.sh: in ~/app\n'


def test_the_readme_shows_the_transcript_on_its_first_screen() -> None:
    block = re.search(r'```text\n(\$ cd trees/.*?)```', README, re.S)
    assert block is not None
    assert block[1] == pictures.TRANSCRIPT.read_text()
    intro = README.split('\n## ', 1)[0]
    assert block[0] in intro and 'docs/images/wt-status.png' in intro


def test_the_screenshot_is_a_png_the_readme_shows() -> None:
    assert '](docs/images/wt-status.png)' in README
    png = pictures.SCREENSHOT.read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    pos, kinds = 8, []
    while pos < len(png):
        size, kind = struct.unpack('>I4s', png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + size]
        (crc,) = struct.unpack('>I', png[pos + 8 + size:pos + 12 + size])
        assert zlib.crc32(kind + body) == crc, kind
        kinds.append(kind)
        if kind == b'IHDR':
            width, height = struct.unpack('>II', body[:8])
            assert width >= 600 and height >= 400, (width, height)
        pos += size + 12
    assert kinds[0] == b'IHDR' and kinds[-1] == b'IEND' and b'IDAT' in kinds
