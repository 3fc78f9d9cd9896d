"""The README's pictures, made from real runs (``./dev pictures``):

- ``docs/transcripts/refused-commit.txt``: a commit refused by the native
  hooks for reaching out of its worktree, and the fixed commit passing;
  ``tests/integration/test_pictures.py`` regenerates it and compares it
  with the committed file, so it never drifts;
- ``docs/images/wt-status.png``: ``wt status --html`` of three worktrees
  (two in conflict, as in ``test_wt_page.py``), shot by headless Chromium.
  Only ``./dev pictures`` regenerates it (pixels differ between Chromium
  builds); the test checks the committed file.

Run as ``python -m tests.pictures [--transcript-only]`` from the checkout.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.helpers import PROJECT
from tests.helpers import find_tool
from tests.helpers import git

TRANSCRIPT = PROJECT / 'docs' / 'transcripts' / 'refused-commit.txt'
SCREENSHOT = PROJECT / 'docs' / 'images' / 'wt-status.png'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  '--hide-scrollbars']
# What the transcript shows, run one by one in the issue worktree.
STEPS = [
    "echo 'cp ../../.env.example .env' > setup.sh",
    "git add setup.sh && git commit -q -m 'Add the set-up script'",
    "echo 'cp .env.example .env' > setup.sh",
    "git add setup.sh && git commit -q -m 'Add the set-up script'",
    'git log --oneline -1',
]


def _env(home: Path) -> dict[str, str]:
    """A clean git environment: fixed names and dates (stable hashes)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('GIT_', 'PRE_COMMIT', 'WORKTREE_GUARD_'))
           and k not in ('SKIP', 'GITHUB_ACTIONS')}
    (home / '.gitconfig').write_text(
        '[user]\n\tname = Ada\n\temail = ada@example.invalid\n'
        '[init]\n\tdefaultBranch = main\n'
        '[advice]\n\tdetachedHead = false\n')
    env.update({'HOME': str(home), 'GIT_CONFIG_NOSYSTEM': '1',
                'GIT_AUTHOR_DATE': '2026-01-01T12:00:00Z',
                'GIT_COMMITTER_DATE': '2026-01-01T12:00:00Z',
                'NO_COLOR': '1',
                'PATH': os.path.dirname(sys.executable) + os.pathsep
                + env.get('PATH', '')})
    return env


def scripted_repo(base: Path, env: dict[str, str]) -> Path:
    """A clone on ``main`` with a bare ``origin``, like the tests'
    template repository (README, docs/guide.md, src/app.py)."""
    remote, work = base / 'origin.git', base / 'app'
    git('init', '-q', '--bare', '-b', 'main', str(remote), cwd=base, env=env)
    git('init', '-q', '-b', 'main', str(work), cwd=base, env=env)
    (work / 'docs').mkdir()
    (work / 'src').mkdir()
    (work / 'README.md').write_text('# app\n\nSee docs/guide.md.\n')
    (work / 'docs' / 'guide.md').write_text('# Guide\n\n[readme](../README.md)\n')
    (work / 'src' / 'app.py').write_text('print("hello")\n')
    (work / '.gitignore').write_text('trees/\n')
    git('add', '-A', cwd=work, env=env)
    git('commit', '-q', '-m', 'initial', cwd=work, env=env)
    git('remote', 'add', 'origin', str(remote), cwd=work, env=env)
    git('push', '-q', '-u', 'origin', 'main', cwd=work, env=env)
    return work


def transcript(base: Path) -> str:
    """Run ``STEPS`` in an issue worktree with the native hooks
    installed; the shell session as text, paths relative to the repo."""
    home = base / 'home'
    home.mkdir()
    env = _env(home)
    work = scripted_repo(base, env)
    subprocess.run(['worktree-guard', 'install'], cwd=work, env=env,
                   check=True, capture_output=True)
    git('worktree', 'add', '-q', '-b', 'issue-7-login',
        'trees/issue-7-login', cwd=work, env=env)
    tree = work / 'trees' / 'issue-7-login'
    lines = ['$ cd trees/issue-7-login']
    for step in STEPS:
        cp = subprocess.run(['bash', '-c', step], cwd=tree, env=env,
                            capture_output=True, text=True)
        lines.append(f'$ {step}')
        lines += (cp.stdout + cp.stderr).rstrip('\n').splitlines()
    text = '\n'.join(lines) + '\n'
    return text.replace(str(work), '~/app')


def normalise(text: str) -> str:
    """What may differ between two honest runs: temp paths and hashes."""
    text = re.sub(r'/(?:tmp|var/folders)/\S*?/app\b', '~/app', text)
    return re.sub(r'\b[0-9a-f]{7,40}\b', '<hash>', text)


def screenshot(base: Path, out: Path) -> None:
    """``wt status --html`` of three worktrees, two in conflict, shot by
    headless Chromium into ``out``."""
    chromium = find_tool('chromium') or find_tool('chromium-browser')
    if chromium is None:
        raise SystemExit('pictures: chromium is not installed '
                         '(Debian: apt-get install -y chromium)')
    home = base / 'home'
    home.mkdir()
    env = _env(home)
    work = scripted_repo(base, env)
    subprocess.run(['worktree-guard', 'install'], cwd=work, env=env,
                   check=True, capture_output=True)
    for branch, files in (('issue-1-login', {'src/app.py': 'print("a")\n'}),
                          ('issue-2-logout', {'src/app.py': 'print("b")\n'}),
                          ('issue-3-docs', {'docs/c.md': 'c\n'})):
        dest = work / 'trees' / branch
        git('worktree', 'add', '-q', '-b', branch, str(dest), 'main',
            cwd=work, env=env)
        for rel, content in files.items():
            (dest / rel).write_text(content)
            git('add', '--', rel, cwd=dest, env=env)
        git('commit', '-q', '-m', branch, cwd=dest, env=env)
    page = base / 'status.html'
    cp = subprocess.run(['worktree-guard', 'wt', 'status', '--html',
                         str(page)], cwd=work, env=env, capture_output=True,
                        text=True)
    if not page.exists():
        raise SystemExit(f'pictures: wt status --html failed: {cp.stderr}')
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([chromium, *CHROMIUM_FLAGS,
                    f'--user-data-dir={base / "profile"}',
                    f'--screenshot={out}', '--window-size=900,760',
                    page.as_uri()], env=env, check=True, capture_output=True,
                   timeout=180)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix='wg-pictures-') as tmp:
        base = Path(tmp)
        (base / 't').mkdir()
        TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
        TRANSCRIPT.write_text(transcript(base / 't'))
        print(f'pictures: wrote {TRANSCRIPT.relative_to(PROJECT)}')
        if '--transcript-only' not in argv:
            (base / 's').mkdir()
            shot = base / 'shot.png'
            screenshot(base / 's', shot)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, SCREENSHOT)
            print(f'pictures: wrote {SCREENSHOT.relative_to(PROJECT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
