"""``install --agent`` of issue 22: Claude Code's local settings (hook and
sandbox) that git ignores in every worktree, the migration from an older
install's ``.claude/settings.json``, Codex's hooks and sandbox, Cursor's
``failClosed``.  Real repositories, worktrees and git."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import wg
from worktree_guard.commands import agent_files as F
from worktree_guard.commands import agent_install as AI
from worktree_guard.commands import agent_settings as S
from worktree_guard.errors import GuardError


class Repo2:
    def __init__(self, r: RepoHandle) -> None:
        self.r = r
        self.main = r.path.resolve()
        self.wt1 = r.worktree('issue-1-a').resolve()
        self.wt2 = r.worktree('issue-2-b').resolve()
        self.common = self.main / '.git'
        self.exclude = self.common / 'info' / 'exclude'


@pytest.fixture
def repo2(plain_repo: RepoHandle) -> Repo2:
    return Repo2(plain_repo)


def local(root: Path) -> Path:
    return root / '.claude' / 'settings.local.json'


def toml(text: str) -> Any:
    tomllib = pytest.importorskip('tomllib')   # Python 3.11+
    return tomllib.loads(text)


def status(root: Path) -> str:
    return str(git('status', '--porcelain', '--untracked-files=all',
                   cwd=root))


def test_claude_writes_local_settings_git_ignores(repo2: Repo2) -> None:
    wt1, wt2, common = repo2.wt1, repo2.wt2, repo2.common
    assert status(wt1) == ''
    proc = wg('install', '--agent', 'claude', cwd=wt1)
    assert proc.returncode == 0, proc
    assert 'info/exclude (git ignores it in every worktree)' in proc.stdout
    data = json.loads(local(wt1).read_text())
    assert not (wt1 / '.claude' / 'settings.json').exists()
    hook = data['hooks']['PreToolUse'][0]
    assert hook['matcher'] == 'Write|Edit|NotebookEdit|Bash|EnterWorktree|Read'
    assert hook['hooks'][0]['onFailure'] == 'block'
    box = data['sandbox']
    assert list(box) == ['enabled', 'failIfUnavailable', 'filesystem']
    assert box['enabled'] is True and box['failIfUnavailable'] is True
    assert box['filesystem']['allowWrite'] == [
        f'/{common}/objects', f'/{common}/refs', f'/{common}/logs',
        f'/{common}/worktrees/issue-1-a']
    main_entries = sorted(p.name for p in repo2.main.iterdir()
                          if p.name not in ('.git', 'trees'))
    assert main_entries   # the plain repo has files at its top
    assert box['filesystem']['denyWrite'] == [
        f'/{repo2.main / name}' for name in main_entries] + [
        f'/{wt2}', f'/{common}/hooks', f'/{common}/config']
    # git ignores the file, here and in every other worktree.
    assert status(wt1) == ''
    git('add', '-A', cwd=wt1)
    assert git('diff', '--cached', '--name-only', cwd=wt1) == ''
    assert wg('install', '--agent', 'claude', cwd=wt2).returncode == 0
    assert status(wt2) == ''
    assert repo2.exclude.read_text().count('settings.local.json') == 1
    # Idempotent.
    before = local(wt1).read_bytes()
    proc = wg('install', '--agent', 'claude', cwd=wt1)
    assert 'already installed; nothing changed' in proc.stdout
    assert local(wt1).read_bytes() == before
    # The exclude line stays while another worktree has the file.
    proc = wg('uninstall', '--agent', 'claude', cwd=wt1)
    assert 'install created it' in proc.stdout, proc
    assert not (wt1 / '.claude').exists()
    assert '/.claude/settings.local.json' in repo2.exclude.read_text()
    proc = wg('uninstall', '--agent', 'claude', cwd=wt2)
    assert 'took .claude/settings.local.json out of' in proc.stdout
    assert 'settings.local.json' not in repo2.exclude.read_text()
    assert F.EXCLUDE_NOTE not in repo2.exclude.read_text()
    assert not (repo2.wt1.parent.parent.parent / '.git' / 'worktree-guard'
                / 'agents').exists()


def test_a_users_exclude_line_is_theirs(repo2: Repo2) -> None:
    repo2.exclude.write_text('# mine\n.claude/settings.local.json')
    assert wg('install', '--agent', 'claude', cwd=repo2.wt1).returncode == 0
    assert repo2.exclude.read_text() == '# mine\n.claude/settings.local.json'
    assert wg('uninstall', '--agent', 'claude',
              cwd=repo2.wt1).returncode == 0
    assert repo2.exclude.read_text() == '# mine\n.claude/settings.local.json'
    assert F.exclude_remove(str(repo2.common / 'nowhere'), 'x') is False


def test_exclude_without_info_folder_or_final_newline(
        repo2: Repo2) -> None:
    common = str(repo2.common)
    repo2.exclude.unlink()
    repo2.exclude.parent.rmdir()
    assert F.exclude_add(common, '.x/y') is True
    assert repo2.exclude.read_text() == f'{F.EXCLUDE_NOTE}\n/.x/y\n'
    repo2.exclude.write_text('a')
    assert F.exclude_add(common, '.x/y') is True
    assert F.exclude_add(common, '.x/y') is False
    assert F.exclude_remove(common, '.x/y') is True
    assert repo2.exclude.read_text() == 'a\n'


def test_the_main_checkout_and_a_worktree_outside_it(
        repo2: Repo2, tmp_path: Path) -> None:
    outside = (tmp_path / 'elsewhere').resolve()
    git('worktree', 'add', '-q', str(outside), '-b', 'issue-3-c',
        cwd=repo2.main)
    where = S.places(str(repo2.main), str(repo2.common))
    common = str(repo2.common)
    assert where.writable == [f'{common}/objects', f'{common}/refs',
                              f'{common}/logs']
    assert where.denied == [str(outside), str(repo2.wt1), str(repo2.wt2),
                            f'{common}/hooks', f'{common}/config']
    where = S.places(str(outside), str(repo2.common / 'worktrees' /
                                        'elsewhere'))
    # The main checkout holds the common git dir, not this worktree: every
    # entry but .git (trees/ too, and each sibling in it).
    names = sorted(p.name for p in repo2.main.iterdir() if p.name != '.git')
    assert 'trees' in names
    assert where.denied == [str(repo2.main / n) for n in names] + [
        str(repo2.wt1), str(repo2.wt2), f'{common}/hooks', f'{common}/config']
    assert f'{common}/worktrees/elsewhere' in where.writable


SETTINGS = {'model': 'opus', 'sandbox': {
    'network': {'allowedDomains': ['example.com']},
    'filesystem': {'allowWrite': ['//opt/cache'], 'denyRead': ['~/.aws']}}}


def test_merge_keeps_the_users_sandbox(repo2: Repo2) -> None:
    path = local(repo2.wt1)
    path.parent.mkdir()
    path.write_text(json.dumps(SETTINGS))
    assert status(repo2.wt1) == '?? .claude/settings.local.json\n'
    assert wg('install', '--agent', 'claude', cwd=repo2.wt1).returncode == 0
    assert status(repo2.wt1) == ''   # an existing local file is ignored too
    data = json.loads(path.read_text())
    fs = data['sandbox']['filesystem']
    assert fs['allowWrite'][0] == '//opt/cache' and len(fs['allowWrite']) == 5
    assert fs['denyRead'] == ['~/.aws']
    assert data['sandbox']['network'] == SETTINGS['sandbox']['network']
    # Edited since: uninstall takes out only ours.
    data['env'] = {'A': '1'}
    path.write_text(json.dumps(data))
    proc = wg('uninstall', '--agent', 'claude', cwd=repo2.wt1)
    assert 'only our entries went' in proc.stdout, proc
    left = json.loads(path.read_text())
    assert left['sandbox']['filesystem'] == {'allowWrite': ['//opt/cache'],
                                             'denyRead': ['~/.aws']}
    assert left['sandbox']['enabled'] is True   # the user's section stays
    assert 'hooks' not in left and left['env'] == {'A': '1'}
    # A file with nothing of ours in it is left alone.
    proc = wg('uninstall', '--agent', 'claude', cwd=repo2.wt1)
    assert 'nothing to remove: no worktree-guard entries' in proc.stdout


def test_strip_sandbox_shapes() -> None:
    where = S.Places(['/a'], ['/b'])
    assert S.strip_sandbox({}, where) is False
    assert S.strip_sandbox({'sandbox': {'enabled': True}}, where) is False
    data: dict[str, Any] = {'sandbox': {'enabled': True, 'filesystem': {
        'allowWrite': ['//a'], 'denyWrite': 'x'}}}
    assert S.strip_sandbox(data, where) is True
    assert data == {'sandbox': {'enabled': True,
                                'filesystem': {'denyWrite': 'x'}}}
    data = {'sandbox': {'enabled': True, 'failIfUnavailable': True,
                        'filesystem': {'allowWrite': ['//a'],
                                       'denyWrite': ['//b']}}}
    assert S.strip_sandbox(data, where) is True and data == {}


@pytest.mark.parametrize(('sandbox', 'message'), [
    (1, "'sandbox' (or sandbox.filesystem) is not an object"),
    ({'filesystem': []}, "'sandbox' (or sandbox.filesystem) is not an "),
    ({'filesystem': {'denyWrite': 'x'}}, 'sandbox.filesystem.denyWrite is '
                                         'not a list'),
])
def test_merge_sandbox_refuses_odd_shapes(sandbox: object,
                                          message: str) -> None:
    with pytest.raises(GuardError, match=message.replace('(', r'\(')
                       .replace(')', r'\)')):
        S.merge_sandbox({'sandbox': sandbox}, S.Places(['/a'], ['/b']))


def legacy_install(repo: Repo2, original: str | None) -> Path:
    """What an older install left: our entry in .claude/settings.json and
    its state right under agents/claude."""
    path = repo.wt1 / '.claude' / 'settings.json'
    path.parent.mkdir(exist_ok=True)
    command = AI.agent_command('claude', None, None)
    data = json.loads(original) if original else {}
    AI.merge('claude', data, command)
    written = (json.dumps(data, indent=2) + '\n').encode()
    path.write_bytes(written)
    state = repo.common / 'worktrees' / 'issue-1-a' / 'worktree-guard' / \
        'agents' / 'claude'
    state.mkdir(parents=True)
    (state / 'written').write_bytes(written)
    if original is None:
        (state / 'absent').write_bytes(b'')
        (state / 'created-dir').write_bytes(b'')
    else:
        (state / 'original').write_text(original)
    return path


def test_an_older_install_is_migrated(repo2: Repo2) -> None:
    path = legacy_install(repo2, None)
    status_ = AI.hook_status('claude', str(repo2.wt1))
    assert status_ is not None and status_[0] == 'ok'
    assert 'an older install: worktree-guard install --agent claude moves ' \
        'it to settings.local.json' in status_[1]
    proc = wg('install', '--agent', 'claude', cwd=repo2.wt1)
    assert proc.returncode == 0, proc
    assert f'removed {path} (install created it) (an older install put ' \
        'the hook there)' in proc.stdout
    assert not path.exists() and local(repo2.wt1).is_file()
    assert wg('uninstall', '--agent', 'claude',
              cwd=repo2.wt1).returncode == 0
    assert not (repo2.wt1 / '.claude').exists()


def test_an_older_install_is_restored_by_uninstall(repo2: Repo2) -> None:
    original = '{"model": "opus"}'
    path = legacy_install(repo2, original)
    proc = wg('uninstall', '--agent', 'claude', cwd=repo2.wt1)
    assert f'restored {path} as it was before install' in proc.stdout
    assert path.read_text() == original
    assert 'nothing to remove: no ' in proc.stdout


def test_an_older_entry_without_state(repo2: Repo2) -> None:
    path = repo2.wt1 / '.claude' / 'settings.json'
    path.parent.mkdir()
    data: dict[str, Any] = {'a': 1}
    AI.merge('claude', data, 'x ' + AI.AGENT_MARKER)
    path.write_text(json.dumps(data))
    assert wg('install', '--agent', 'claude', cwd=repo2.wt1).returncode == 0
    assert json.loads(path.read_text()) == {'a': 1}


def test_codex(repo2: Repo2) -> None:
    wt1 = repo2.wt1
    proc = wg('install', '--agent', 'codex', cwd=wt1)
    assert proc.returncode == 0, proc
    assert f'[projects."{wt1}"] trust_level = "trusted"' in proc.stdout
    hooks = json.loads((wt1 / '.codex' / 'hooks.json').read_text())
    group = hooks['hooks']['PreToolUse'][0]
    assert group['matcher'] == 'Bash|apply_patch'
    assert group['hooks'][0]['type'] == 'command'
    assert 'agent codex' in group['hooks'][0]['command']
    config = toml((wt1 / '.codex' / 'config.toml').read_text())
    common = repo2.common
    assert config == {'sandbox_mode': 'workspace-write',
                      'sandbox_workspace_write': {'writable_roots': [
                          f'{common}/objects', f'{common}/refs',
                          f'{common}/logs', f'{common}/worktrees/issue-1-a']}}
    assert status(wt1) == ''
    proc = wg('install', '--agent', 'codex', cwd=wt1)
    assert 'nothing changed' in proc.stdout
    proc = wg('doctor', cwd=repo2.main)
    assert f'  {wt1}: codex=fires (.codex/hooks.json)' in \
        proc.stdout.splitlines()
    proc = wg('uninstall', '--agent', 'codex', cwd=wt1)
    assert proc.returncode == 0, proc
    assert not (wt1 / '.codex').exists()
    assert '.codex' not in repo2.exclude.read_text()


TOML = 'model = "gpt-5.6"\n\n[profiles.a]\nmodel = "o4"\n'


def test_codex_config_of_the_user(repo2: Repo2) -> None:
    path = repo2.wt1 / '.codex' / 'config.toml'
    path.parent.mkdir()
    path.write_text(TOML)
    assert wg('install', '--agent', 'codex', cwd=repo2.wt1).returncode == 0
    text = path.read_text()
    assert text.startswith(S.TOML_BEGIN) and text.endswith(TOML)
    config = toml(text)
    assert config['model'] == 'gpt-5.6' and config['profiles'] == {
        'a': {'model': 'o4'}}
    assert config['sandbox_mode'] == 'workspace-write'
    # Edited since install: only our block goes.
    path.write_text(text + 'x = 1\n')
    proc = wg('uninstall', '--agent', 'codex', cwd=repo2.wt1)
    assert 'only our entries went' in proc.stdout, proc
    assert path.read_text() == TOML + 'x = 1\n'
    # Unchanged since install: the bytes come back.
    path.write_text(TOML)
    wg('install', '--agent', 'codex', cwd=repo2.wt1)
    wg('uninstall', '--agent', 'codex', cwd=repo2.wt1)
    assert path.read_text() == TOML
    proc = wg('uninstall', '--agent', 'codex', cwd=repo2.wt1)
    assert 'nothing to remove: no worktree-guard entries in' in proc.stdout


@pytest.mark.parametrize('line', ['sandbox_mode = "read-only"',
                                  '[sandbox_workspace_write]',
                                  '"sandbox_mode" = "danger-full-access"'])
def test_codex_config_that_sets_the_sandbox(repo2: Repo2, line: str) -> None:
    path = repo2.wt1 / '.codex' / 'config.toml'
    path.parent.mkdir()
    path.write_text(line + '\n')
    proc = wg('install', '--agent', 'codex', cwd=repo2.wt1)
    assert proc.returncode == 0
    assert 'sets the sandbox itself; add these' in proc.stdout
    assert path.read_text() == line + '\n'


def test_strip_toml() -> None:
    assert S.strip_toml('a = 1\n') == 'a = 1\n'
    block = S.codex_block(S.Places(['/x"y'], []))
    assert toml(block)['sandbox_workspace_write'] == {
        'writable_roots': ['/x"y']}
    assert S.strip_toml(block + 'b = 2\n') == 'b = 2\n'
    assert S.strip_toml(S.TOML_BEGIN + '\nno end') == \
        S.TOML_BEGIN + '\nno end'


def test_cursor_fails_closed(repo2: Repo2) -> None:
    assert wg('install', '--agent', 'cursor', cwd=repo2.wt1).returncode == 0
    data = json.loads((repo2.wt1 / '.cursor' / 'hooks.json').read_text())
    assert all(entry['failClosed'] is True
               for entries in data['hooks'].values() for entry in entries)
    assert status(repo2.wt1) == ''


def test_still_used_reads_every_checkout(repo2: Repo2) -> None:
    rel = os.path.join('.gemini', 'settings.json')
    assert F.still_used(str(repo2.wt1), rel) is False
    (repo2.main / '.gemini').mkdir()
    (repo2.main / rel).write_text('{}')
    assert F.still_used(str(repo2.wt1), rel) is True
