"""The agent hook end to end (issue 14): real repos, real worktrees, the
settings files ``install --agent`` writes, and the payloads the agents
document (tests/agent_payloads.py cites each contract)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import agent_payloads as A
from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import wg
from worktree_guard.commands import agent as agent_cmd
from worktree_guard.commands import agent_io
from worktree_guard.commands import agent_install as AI
from worktree_guard.gitctx.checkouts import checkout_map
from worktree_guard.gitctx.checkouts import find_root
from worktree_guard.gitctx.checkouts import resolve_target


class Repo2:
    """The issue's scenario: a main checkout with trees/issue-1-a and
    trees/issue-2-b."""

    def __init__(self, r: RepoHandle) -> None:
        self.r = r
        self.main = r.path.resolve()
        self.wt1 = r.worktree('issue-1-a').resolve()
        self.wt2 = r.worktree('issue-2-b').resolve()


@pytest.fixture
def repo2(plain_repo: RepoHandle) -> Repo2:
    return Repo2(plain_repo)


def commit_policy(repo2: Repo2, text: str) -> None:
    """Commit ``text`` as the policy on main and push it: the agent guard
    trusts the policy on origin/main (gitctx/trust.py), never a
    worktree's own file."""
    repo2.r.commit('policy', files={'.worktree-guard.yaml': text})
    repo2.r.git('push', '-q', 'origin', 'main')


def ask(agent: str, payload: dict[str, Any] | str) -> Any:
    """The hook's answer, parsed ('' -> None)."""
    raw = payload if isinstance(payload, str) else A.text(payload)
    out, code = agent_cmd.respond(agent, raw)
    assert code == 0
    return json.loads(out) if out else None


def decision(answer: Any) -> str:
    if answer is None:
        return 'allow'
    spec = answer.get('hookSpecificOutput', {})
    return str(spec.get('permissionDecision', 'allow'))


def reason(answer: Any) -> str:
    return str(answer['hookSpecificOutput']['permissionDecisionReason'])


def hook_command(settings: Path, event: str = 'PreToolUse') -> str:
    data = json.loads(settings.read_text())
    for group in data['hooks'][event]:
        for h in group.get('hooks', [group]):
            if AI.AGENT_MARKER in h['command']:
                return str(h['command'])
    raise AssertionError('no worktree-guard hook')


def run_hook(command: str, payload: dict[str, Any], cwd: Path,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ)
    full.update(env or {})
    return subprocess.run(['sh', '-c', command], input=A.text(payload),
                          capture_output=True, text=True, cwd=cwd, env=full,
                          timeout=120)


# -- the "done when" --------------------------------------------------------------

@pytest.mark.timeout(300)
def test_done_when_claude(repo2: Repo2) -> None:
    main, wt1 = repo2.main, repo2.wt1
    (wt1 / '.claude').mkdir()
    (wt1 / '.claude' / 'settings.json').write_text(
        '{"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", '
        '"hooks": [{"type": "command", "command": "true"}]}]}}\n')
    proc = wg('install', '--agent', 'claude', cwd=wt1)
    assert proc.returncode == 0, proc
    # The tracked project file is left alone: the hook goes to the local one.
    assert json.loads((wt1 / '.claude' / 'settings.json').read_text())[
        'hooks']['PreToolUse'] == [{'matcher': 'Bash', 'hooks': [
            {'type': 'command', 'command': 'true'}]}]
    command = hook_command(wt1 / '.claude' / 'settings.local.json')
    wt1_cwd = str(wt1)
    cases = [
        (A.claude_write(wt1_cwd, str(main / 'src' / 'app.py')), 'deny',
         'the main checkout'),
        (A.claude_edit(wt1_cwd, str(repo2.wt2 / 'x.py')), 'deny',
         'worktree ' + str(repo2.wt2)),
        (A.claude_bash(wt1_cwd, 'cd ../.. && git checkout main'), 'deny',
         "switch the main checkout's branch"),
        (A.claude_bash(wt1_cwd, 'echo x > ../../README.md'), 'deny',
         'redirection > ../../README.md'),
        (A.claude_edit(wt1_cwd, str(wt1 / 'src' / 'app.py')), 'allow', ''),
    ]
    before = {p: p.read_bytes() for p in (main / 'README.md',
                                          main / 'src' / 'app.py')}
    for payload, want, text in cases:
        proc2 = run_hook(command, payload, wt1)
        assert proc2.returncode == 0, proc2
        answer = json.loads(proc2.stdout) if proc2.stdout.strip() else None
        assert decision(answer) == want, (payload['tool_input'], proc2)
        if want == 'deny':
            assert text in reason(answer)
        else:
            assert proc2.stdout == ''
    warned = run_hook(command, A.claude_write(
        wt1_cwd, str(wt1 / 'docs' / 'notes.md'), 'See ../../README.md\n'),
        wt1)
    answer = json.loads(warned.stdout)
    ctx = answer['hookSpecificOutput']['additionalContext']
    assert 'permissionDecision' not in answer['hookSpecificOutput']
    assert 'worktree-paths/relative-escape' in ctx and '../../README.md' in ctx
    assert {p: p.read_bytes() for p in before} == before


@pytest.mark.timeout(300)
def test_the_installed_command_without_coverage_takes_the_fast_start(
        repo2: Repo2) -> None:
    wt1 = repo2.wt1
    assert wg('install', '--agent', 'claude', cwd=wt1).returncode == 0
    command = hook_command(wt1 / '.claude' / 'settings.local.json')
    assert ' -I -S -c ' in command
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD'))}
    proc = subprocess.run(['sh', '-c', command], input=A.text(
        A.claude_write(str(wt1), str(repo2.main / 'x'))), cwd=wt1, env=env,
        capture_output=True, text=True, timeout=120)
    assert decision(json.loads(proc.stdout)) == 'deny', proc
    # A moved interpreter: the command falls back to worktree-guard on PATH.
    moved = command.replace(sys.executable, '/nonexistent/python')
    proc = subprocess.run(['sh', '-c', moved], input=A.text(
        A.claude_write(str(wt1), str(repo2.main / 'x'))), cwd=wt1, env=env,
        capture_output=True, text=True, timeout=120)
    assert decision(json.loads(proc.stdout)) == 'deny', proc


# -- path forms --------------------------------------------------------------------------

def test_path_forms(repo2: Repo2, tmp_path: Path) -> None:
    main, wt1, wt2 = repo2.main, repo2.wt1, repo2.wt2
    home = Path(os.environ['HOME'])
    (home / 'proj').symlink_to(main)
    link = tmp_path / 'link-to-wt1'
    link.symlink_to(wt1)
    (wt1 / 'up').symlink_to(main)     # a symlinked folder inside the tree
    cwd = str(wt1)
    deny = [
        str(main / 'src' / 'app.py'),          # absolute
        '../../src/app.py',                    # relative, through ..
        'src/../../issue-2-b/x.py',            # .. in the middle
        '~/proj/src/app.py',                   # ~
        str(home / 'proj' / 'README.md'),      # a symlinked folder
        'up/README.md',                        # a symlinked folder inside
        str(main / '.git' / 'config'),         # the git dir
        str(wt2),
    ]
    allow = [
        'src/app.py', str(wt1 / 'src' / 'new.py'), str(link / 'a.py'),
        '../issue-1-a/b.py', 'docs/../src/c.py',
    ]
    for target in deny:
        assert decision(ask('claude', A.claude_write(cwd, target))) == \
            'deny', target
    for target in allow:
        assert ask('claude', A.claude_write(cwd, target)) is None, target
    # A session whose cwd is a symlink to the worktree.
    assert ask('claude', A.claude_write(str(link), 'src/x.py')) is None
    # From a symlinked cwd, '..' climbs the real folders, as the kernel does.
    assert decision(ask('claude', A.claude_write(
        str(link), '../../README.md'))) == 'deny'


def test_resolve_target(tmp_path: Path) -> None:
    (tmp_path / 'real').mkdir()
    (tmp_path / 'ln').symlink_to(tmp_path / 'real')
    base = str(tmp_path.resolve())
    assert resolve_target('ln/x', str(tmp_path)) == f'{base}/real/x'
    assert resolve_target('ln/../y', str(tmp_path)) == f'{base}/y'
    assert resolve_target('~', '/', {'HOME': base}) == base
    assert resolve_target('~/a', '/', {'HOME': base}) == f'{base}/a'
    assert resolve_target('~root/a', '/', {}) == \
        os.path.realpath(os.path.expanduser('~root/a'))
    assert resolve_target('~/a', '/', {}).endswith('/a')


def test_checkout_map_reads_files(repo2: Repo2, tmp_path: Path) -> None:
    cmap = checkout_map(str(repo2.wt1 / 'src'))
    assert cmap is not None and cmap.current is not None
    assert cmap.current.root == str(repo2.wt1)
    assert cmap.main is not None and cmap.main.root == str(repo2.main)
    assert [c.branch for c in cmap.linked] == ['issue-1-a', 'issue-2-b']
    assert cmap.common_dir == str(repo2.main / '.git')
    # Detached, prunable and broken entries.
    git('checkout', '-q', '--detach', cwd=repo2.wt2)
    gone = repo2.r.worktree('issue-3-c')
    os.rename(gone, tmp_path / 'moved')
    (repo2.main / '.git' / 'worktrees' / 'junk').mkdir()
    cmap = checkout_map(str(repo2.main))
    assert cmap is not None
    assert [(c.kind, c.branch) for c in cmap.checkouts] == [
        ('main', 'main'), ('worktree', 'issue-1-a'), ('worktree', None)]
    assert checkout_map(str(tmp_path)) is None
    assert find_root('/') is None
    from worktree_guard import gitctx
    from worktree_guard import rules
    for package in (gitctx, rules):   # lazy names say what is missing
        with pytest.raises(AttributeError, match='has no attribute'):
            package.nope  # noqa: B018


def test_checkout_map_of_a_bare_dot_git(tmp_path: Path) -> None:
    """The bare layout: <project>/.git is a bare repository and every
    checkout is a linked worktree."""
    src = tmp_path / 'src'
    git('init', '-q', str(src), cwd=tmp_path)
    git('commit', '-q', '--allow-empty', '-m', 'i', cwd=src)
    proj = tmp_path / 'proj'
    git('clone', '-q', '--bare', str(src), str(proj / '.git'), cwd=tmp_path)
    git('worktree', 'add', '-q', str(proj / 'trees' / 'main'), 'main',
        cwd=proj / '.git')
    cmap = checkout_map(str(proj / 'trees' / 'main'))
    assert cmap is not None and cmap.main is None
    assert [c.root for c in cmap.checkouts] == [
        str((proj / 'trees' / 'main').resolve())]


def test_checkout_map_of_odd_layouts(tmp_path: Path) -> None:
    bare = tmp_path / 'b.git'
    git('init', '-q', '--bare', str(bare), cwd=tmp_path)
    git('--git-dir', str(bare), 'worktree', 'add', '-q', '--orphan', '-b',
        'issue-1-x', str(tmp_path / 'wt'), cwd=tmp_path, check=False)
    if (tmp_path / 'wt').is_dir():   # git >= 2.42 has --orphan
        cmap = checkout_map(str(tmp_path / 'wt'))
        assert cmap is not None and cmap.main is None
    # A stray gitfile git does not list: its own checkout.
    sub = tmp_path / 'sub'
    git('init', '-q', str(sub), cwd=tmp_path)
    other = tmp_path / 'other'
    other.mkdir()
    (other / '.git').write_text(f'gitdir: {sub / ".git"}\n')
    cmap = checkout_map(str(other))
    assert cmap is not None and cmap.current is not None
    assert cmap.current.root == str(other.resolve())
    (other / '.git').write_text('nonsense\n')
    assert checkout_map(str(other)) is None or \
        checkout_map(str(other)).current.root != str(other)  # type: ignore[union-attr]


# -- never a crash ------------------------------------------------------------------------

@pytest.mark.parametrize(('payload', 'want'), [
    ('', 'deny'), ('not json', 'deny'), ('[]', 'deny'), ('{}', 'deny'),
    ('{"tool_name": "Write"}', 'deny'),
    ('{"tool_name": "Write", "tool_input": []}', 'deny'),
    ('{"tool_name": "Write", "tool_input": {"content": "x"}}', 'deny'),
    ('{"tool_name": "Bash", "tool_input": {"command": 1}}', 'deny'),
    ('{"tool_name": "Write", "cwd": "rel", "tool_input": {}}', 'deny'),
    ('{"tool_name": "Read", "cwd": "rel", "tool_input": {}}', 'allow'),
    ('{"tool_name": "Read", "cwd": 5}', 'allow'),
    ('{"tool_name": "Edit"} trailing', 'deny'),
    ('{"tool_name": "Write", "tool_input": "{bad"}', 'deny'),
    ('\ufeff{}', 'deny'), ('{"a": "\\ud800"}', 'deny'),
    ('{"tool_name": "WebFetch", "tool_input": {"url": "x"}}', 'allow'),
])
def test_malformed_payloads(repo2: Repo2, payload: str, want: str,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo2.wt1)
    answer = ask('claude', payload)
    assert decision(answer) == want, answer
    if want == 'deny':
        assert 'could not check this call' in reason(answer)
    elif answer is not None:
        assert 'could not check this read' in \
            answer['hookSpecificOutput']['additionalContext']


@pytest.mark.parametrize('raw', ['{not json', '', '\x00\x01'])
def test_malformed_payloads_through_the_process(repo2: Repo2,
                                                raw: str) -> None:
    proc = subprocess.run([sys.executable, '-m', 'worktree_guard', 'agent',
                           'claude'], input=raw, capture_output=True,
                          text=True, cwd=repo2.wt1, timeout=120)
    assert proc.returncode == 0, proc
    assert decision(json.loads(proc.stdout)) == 'deny'
    assert 'Traceback' not in proc.stderr


def test_an_internal_error_denies_writes_and_lets_reads_through(
        repo2: Repo2, monkeypatch: pytest.MonkeyPatch) -> None:
    from worktree_guard.rules import agent_guard

    def boom(*args: object) -> None:
        raise RuntimeError('boom')
    monkeypatch.setattr(agent_guard, 'judge', boom)
    cwd = str(repo2.wt1)
    answer = ask('claude', A.claude_edit(cwd, 'src/app.py'))
    assert decision(answer) == 'deny'
    assert 'RuntimeError: boom' in reason(answer)
    answer = ask('claude', A.claude_bash(cwd, 'ls'))
    assert decision(answer) == 'deny'
    answer = ask('claude', A.claude_read(cwd, 'src/app.py'))
    assert 'could not check this read (RuntimeError: boom); allowed' in \
        answer['hookSpecificOutput']['additionalContext']
    monkeypatch.setenv('WORKTREE_GUARD_DEBUG', '1')
    with pytest.raises(RuntimeError):
        agent_cmd.respond('claude', A.text(A.claude_read(cwd, 'x')))


def test_an_invalid_policy_denies_writes(repo2: Repo2) -> None:
    commit_policy(repo2, 'agents: [oops\n')
    cwd = str(repo2.wt1)
    answer = ask('claude', A.claude_write(cwd, 'src/x.py'))
    assert decision(answer) == 'deny'
    assert 'origin/main:.worktree-guard.yaml:' in reason(answer)
    answer = ask('claude', A.claude_read(cwd, 'src/x.py'))
    assert decision(answer) == 'allow'


def test_a_policy_file_is_read(repo2: Repo2) -> None:
    commit_policy(repo2, 'agents:\n  write-outside: warn\n')
    cwd = str(repo2.wt1)
    for _ in range(2):   # the second run reads the cache
        answer = ask('claude', A.claude_write(cwd, str(repo2.main / 'x')))
        assert decision(answer) == 'allow'
        assert 'the main checkout' in \
            answer['hookSpecificOutput']['additionalContext']


def test_outside_any_repository_nothing_is_judged(tmp_path: Path) -> None:
    assert ask('claude', A.claude_write(str(tmp_path), '/etc/x')) is None


# -- the payload shapes of each tool and agent --------------------------------------------

def test_claude_tools(repo2: Repo2) -> None:
    cwd = str(repo2.wt1)
    out = str(repo2.main / 'n.ipynb')
    assert decision(ask('claude', A.claude_multi_edit(
        cwd, 'a.py', ['x', 'see ../../README.md']))) == 'allow'
    answer = ask('claude', A.claude_multi_edit(cwd, 'a.py', ['../../x']))
    assert 'relative-escape' in \
        answer['hookSpecificOutput']['additionalContext']
    assert decision(ask('claude', A.claude_notebook(cwd, out, 'x'))) == 'deny'
    answer = ask('claude', A.claude_grep(cwd, str(repo2.wt2)))
    assert 'looks into worktree' in \
        answer['hookSpecificOutput']['additionalContext']
    assert ask('claude', A.claude_grep(cwd, None)) is None
    assert ask('claude', A.claude('Glob', 'Glob', {})) is None or True


def test_cursor(repo2: Repo2) -> None:
    root = str(repo2.wt1)
    shell = ask('cursor', A.cursor('beforeShellExecution', root,
                                   command='rm -rf ../issue-2-b', cwd=root))
    assert shell['permission'] == 'deny'
    assert 'rm ../issue-2-b' in shell['agent_message']
    assert shell['user_message'] == shell['agent_message']
    ok = ask('cursor', A.cursor('beforeShellExecution', root, command='ls',
                                cwd=root))
    assert ok == {'permission': 'allow'}
    read = ask('cursor', A.cursor('beforeReadFile', root,
                                  file_path=str(repo2.main / 'README.md'),
                                  content='# demo\n'))
    assert read == {'permission': 'allow'}   # beforeReadFile: permission only
    edit = ask('cursor', A.cursor('preToolUse', root, tool_name='Write',
                                  tool_input={'file_path': str(
                                      repo2.main / 'x.py')}))
    assert edit['permission'] == 'deny'
    as_text = ask('cursor', A.cursor('preToolUse', root, tool_name='Edit',
                                     tool_input=json.dumps(
                                         {'path': 'a.md',
                                          'new_string': '../../x'})))
    assert as_text['permission'] == 'allow'
    assert 'relative-escape' in as_text['agent_message']
    assert ask('cursor', A.cursor('afterFileEdit', root,
                                  file_path='x')) == {}
    assert ask('cursor', A.cursor('preToolUse', root, tool_name='Task',
                                  tool_input={})) == {}
    # No cwd and no workspace roots: the hook's own cwd.
    payload = A.cursor('beforeShellExecution', root, command='ls')
    del payload['workspace_roots']
    assert ask('cursor', payload) == {'permission': 'allow'}


def test_gemini(repo2: Repo2) -> None:
    cwd = str(repo2.wt1)
    w = ask('gemini', A.gemini(cwd, 'write_file', {
        'file_path': str(repo2.main / 'a.txt'), 'content': 'x'}))
    assert w['decision'] == 'deny' and 'the main checkout' in w['reason']
    sh = ask('gemini', A.gemini(cwd, 'run_shell_command', {
        'command': 'rm x', 'directory': '../..'}))
    assert sh['decision'] == 'deny' and 'cd ../.. leaves' in sh['reason']
    quoted = ask('gemini', A.gemini(cwd, 'run_shell_command', {
        'command': 'ls', 'directory': "it's"}))
    assert quoted == {}
    r = ask('gemini', A.gemini(cwd, 'read_file', {
        'path': str(repo2.main / 'README.md')}))
    assert 'looks into the main checkout' in r['systemMessage']
    assert ask('gemini', A.gemini(cwd, 'replace', {
        'file_path': 'a.py', 'old_string': 'a', 'new_string': 'b'})) == {}
    assert ask('gemini', A.gemini(cwd, 'web_fetch', {'prompt': 'x'})) == {}


# -- agent check and the entry point -------------------------------------------------------

def test_agent_check(repo2: Repo2, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    wt1 = str(repo2.wt1)
    main = str(repo2.main)
    rc = agent_cmd.main(['check', '--path', f'{main}/x', '--cwd', wt1,
                         '--write'])
    out = json.loads(capsys.readouterr().out)
    assert rc == 1 and out['decision'] == 'deny'
    assert 'the main checkout' in out['reasons'][0]
    rc = agent_cmd.main(['check', '--path', f'{main}/x', '--cwd', wt1])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out['decision'] == 'allow' and out['warnings']
    rc = agent_cmd.main(['check', '--cwd', wt1, '--command', 'cd /'])
    assert rc == 1 and json.loads(capsys.readouterr().out)['reasons']
    for bad in ([], ['--nope'], ['--path']):
        assert agent_cmd.main(['check', *bad]) == 2
        assert 'usage:' in capsys.readouterr().err
    monkeypatch.setattr(agent_cmd, 'evaluate', _raise)
    rc = agent_cmd.main(['check', '--path', 'x', '--cwd', wt1, '--write'])
    assert rc == 1 and 'ValueError' in capsys.readouterr().out
    monkeypatch.setenv('WORKTREE_GUARD_DEBUG', '1')
    with pytest.raises(ValueError):
        agent_cmd.main(['check', '--path', 'x', '--cwd', wt1])


def _raise(*args: object) -> None:
    raise ValueError('no')


def test_agent_entry(repo2: Repo2) -> None:
    proc = wg('agent', cwd=repo2.wt1)
    assert proc.returncode == 2 and 'usage:' in proc.stderr
    proc = wg('agent', 'check', '--path', str(repo2.main / 'x'), '--write',
              cwd=repo2.wt1)
    assert proc.returncode == 1, proc
    assert json.loads(proc.stdout)['decision'] == 'deny'
    proc = wg('agent', 'gemini', cwd=repo2.wt1, input=A.text(A.gemini(
        str(repo2.wt1), 'write_file', {'file_path': 'a', 'content': ''})))
    assert (proc.returncode, proc.stdout) == (0, '{}\n')
    assert_no_traceback(proc)
    proc = wg('--help', cwd=repo2.wt1)
    assert 'agent' in proc.stdout


def test_unreadable_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        @property
        def buffer(self) -> Any:
            raise ValueError('closed')
    monkeypatch.setattr(sys, 'stdin', Broken())
    assert agent_cmd._stdin() == ''


def test_deny_with_warnings_and_odd_edits(repo2: Repo2) -> None:
    cwd = str(repo2.wt1)
    answer = ask('claude', A.claude_bash(cwd, 'rm /r/x > $OUT'))
    text = reason(answer)
    assert 'refused' in text and '\n- redirection > $OUT depends' in text
    from worktree_guard.rules.agent_guard import Verdict
    both = Verdict()
    both.reasons.append('r')
    both.warnings.append('w')
    text = reason(json.loads(agent_cmd.render('claude', '', both)))
    assert text.startswith('worktree-guard refused') and \
        '\nalso:\n- w' in text
    payload = A.claude(cwd, 'MultiEdit', {'file_path': 'a.py', 'edits': [
        'not an edit', {'new_string': 3}, {'new_string': '../../x'}]})
    assert 'relative-escape' in \
        ask('claude', payload)['hookSpecificOutput']['additionalContext']


def test_json_helpers() -> None:
    assert agent_io.loads(' {"a": [1, 2.5, null, true, "\\u00e9"]} ') == \
        {'a': [1, 2.5, None, True, 'é']}
    assert agent_io.dumps({'a': ['é', None, False, 1, 2.5]}) == \
        '{"a": ["\\u00e9", null, false, 1, 2.5]}'
    assert agent_io.dumps(float('nan')) == '"nan"'
    assert agent_io.dumps(object).startswith('"<class')
    assert json.loads(agent_io.dumps(('x', 'y\n"'))) == ['x', 'y\n"']
    with pytest.raises(agent_io.PayloadError):
        agent_io.loads('{} {}')


# -- install --agent ------------------------------------------------------------------------

SETTINGS = ('{\n  "permissions": {"allow": ["Bash(ls:*)"]},\n'
            '  "hooks": {\n    "PreToolUse": [{"matcher": "Bash", "hooks": '
            '[{"type": "command", "command": "echo other"}]}],\n'
            '    "Stop": [{"hooks": [{"type": "command", "command": "x"}]}]'
            '\n  },\n  "env": {"A": "1"}\n}\n')


def test_install_keeps_everything_and_uninstall_restores(
        repo2: Repo2) -> None:
    wt1 = repo2.wt1
    path = wt1 / '.claude' / 'settings.local.json'
    path.parent.mkdir()
    path.write_text(SETTINGS)
    os.chmod(path, 0o640)
    assert wg('install', '--agent', 'claude', cwd=wt1).returncode == 0
    data = json.loads(path.read_text())
    assert data['permissions'] == {'allow': ['Bash(ls:*)']}
    assert data['env'] == {'A': '1'}
    assert data['hooks']['Stop'] == [{'hooks': [{'type': 'command',
                                                 'command': 'x'}]}]
    pre = data['hooks']['PreToolUse']
    assert pre[0]['hooks'][0]['command'] == 'echo other'
    assert pre[1]['matcher'] == 'Write|Edit|NotebookEdit|Bash|' \
                                'EnterWorktree|Read'
    assert pre[1]['hooks'][0]['onFailure'] == 'block'
    assert data['sandbox']['enabled'] is True
    assert data['sandbox']['failIfUnavailable'] is True
    assert os.stat(path).st_mode & 0o777 == 0o640
    installed = path.read_bytes()
    proc = wg('install', '--agent', 'claude', cwd=wt1)
    assert 'already installed; nothing changed' in proc.stdout
    assert path.read_bytes() == installed
    assert not list(path.parent.glob('*.wg-tmp*'))
    proc = wg('uninstall', '--agent', 'claude', cwd=wt1)
    assert proc.returncode == 0 and 'restored' in proc.stdout
    assert path.read_text() == SETTINGS
    proc = wg('uninstall', '--agent', 'claude', cwd=wt1)
    assert 'nothing to remove' in proc.stdout


def test_reinstall_after_edits_keeps_the_first_original(repo2: Repo2) -> None:
    path = repo2.wt1 / '.claude' / 'settings.local.json'
    path.parent.mkdir()
    path.write_text('{"a": 1}')
    assert wg('install', '--agent', 'claude', cwd=repo2.wt1).returncode == 0
    data = json.loads(path.read_text())
    data['hooks']['PreToolUse'].insert(0, {'hooks': [{'type': 'command',
                                                      'command': 'x'}]})
    data['hooks']['PreToolUse'][1]['hooks'][0]['command'] = 'old ' + \
        AI.AGENT_MARKER
    path.write_text(json.dumps(data))
    proc = wg('install', '--agent', 'claude', cwd=repo2.wt1)
    assert 'installed the claude hook' in proc.stdout
    pre = json.loads(path.read_text())['hooks']['PreToolUse']
    assert len(pre) == 2 and pre[1]['hooks'][0]['command'].startswith('if ')
    # Restoring the first original would lose the 'x' hook added since:
    # uninstall removes only our entries.
    proc = wg('uninstall', '--agent', 'claude', cwd=repo2.wt1)
    assert 'only our entries went' in proc.stdout
    assert json.loads(path.read_text()) == {'a': 1, 'hooks': {'PreToolUse': [
        {'hooks': [{'type': 'command', 'command': 'x'}]}]}}
    # Install again, twice: uninstall restores those bytes exactly.
    before = path.read_bytes()
    wg('install', '--agent', 'claude', cwd=repo2.wt1)
    wg('install', '--agent', 'claude', cwd=repo2.wt1)
    proc = wg('uninstall', '--agent', 'claude', cwd=repo2.wt1)
    assert 'restored' in proc.stdout, proc
    assert path.read_bytes() == before


def test_install_into_an_existing_folder_leaves_the_folder(
        repo2: Repo2) -> None:
    (repo2.wt1 / '.claude').mkdir()
    assert wg('install', '--agent', 'claude', cwd=repo2.wt1).returncode == 0
    assert wg('uninstall', '--agent', 'claude',
              cwd=repo2.wt1).returncode == 0
    assert (repo2.wt1 / '.claude').is_dir()
    assert not (repo2.wt1 / '.claude' / 'settings.local.json').exists()


def test_install_into_no_file_and_uninstall_removes_it(repo2: Repo2) -> None:
    wt1 = repo2.wt1
    for agent, rel in (('claude', '.claude/settings.local.json'),
                       ('cursor', '.cursor/hooks.json'),
                       ('gemini', '.gemini/settings.json')):
        assert wg('install', '--agent', agent, cwd=wt1).returncode == 0
        data = json.loads((wt1 / rel).read_text())
        if agent == 'cursor':
            assert data['version'] == 1
            assert set(data['hooks']) == {'preToolUse',
                                          'beforeShellExecution',
                                          'beforeReadFile'}
            entry = data['hooks']['preToolUse'][0]
            assert AI.AGENT_MARKER in entry['command']
            assert entry['failClosed'] is True
        elif agent == 'gemini':
            hook = data['hooks']['BeforeTool'][0]
            assert 'write_file' in hook['matcher']
            assert hook['hooks'][0]['name'] == 'worktree-guard'
        proc = wg('uninstall', '--agent', agent, cwd=wt1)
        assert 'install created it' in proc.stdout, proc
        assert not (wt1 / rel).exists()
        assert not (wt1 / rel).parent.exists()
    proc = wg('uninstall', '--agent', 'claude', cwd=wt1)
    assert 'nothing to remove: no' in proc.stdout


def test_uninstall_after_edits_removes_only_ours(repo2: Repo2) -> None:
    wt1 = repo2.wt1
    path = wt1 / '.gemini' / 'settings.json'
    path.parent.mkdir()
    path.write_text('{"theme": "dark"}')
    assert wg('install', '--agent', 'gemini', cwd=wt1).returncode == 0
    data = json.loads(path.read_text())
    data['hooks']['BeforeTool'][0]['hooks'].append(
        {'type': 'command', 'command': 'mine'})
    data['hooks']['AfterTool'] = [{'hooks': [{'type': 'command',
                                              'command': 'after'}]}]
    path.write_text(json.dumps(data))
    proc = wg('uninstall', '--agent', 'gemini', cwd=wt1)
    assert 'only our entries went' in proc.stdout
    left = json.loads(path.read_text())
    assert left['theme'] == 'dark'
    assert left['hooks']['BeforeTool'][0]['hooks'] == [
        {'type': 'command', 'command': 'mine'}]
    assert 'AfterTool' in left['hooks']
    # And for cursor, whose entries are flat.
    cpath = wt1 / '.cursor' / 'hooks.json'
    assert wg('install', '--agent', 'cursor', cwd=wt1).returncode == 0
    cdata = json.loads(cpath.read_text())
    cdata['hooks']['stop'] = [{'command': 'x'}]
    cpath.write_text(json.dumps(cdata))
    wg('uninstall', '--agent', 'cursor', cwd=wt1)
    assert json.loads(cpath.read_text()) == {'version': 1, 'hooks': {
        'stop': [{'command': 'x'}]}}


@pytest.mark.parametrize(('content', 'message'), [
    ('{"a": ', 'settings.local.json:1:7: invalid JSON'),
    ('[1]', 'settings.local.json:1:1: the settings file is not a JSON '
            'object'),
    ('{"hooks": []}', "the settings file's 'hooks' is not an object"),
    ('{"hooks": {"PreToolUse": {}}}', 'hooks.PreToolUse is not a list'),
    (b'\xff', 'not UTF-8'),
])
def test_install_refuses_settings_it_cannot_read(
        repo2: Repo2, content: str | bytes, message: str) -> None:
    path = repo2.wt1 / '.claude' / 'settings.local.json'
    path.parent.mkdir()
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    proc = wg('install', '--agent', 'claude', cwd=repo2.wt1)
    assert proc.returncode == 2 and message in proc.stderr, proc
    assert_no_traceback(proc)


def test_install_in_a_bare_repo(tmp_path: Path) -> None:
    git('init', '-q', '--bare', str(tmp_path / 'b.git'), cwd=tmp_path)
    proc = wg('install', '--agent', 'claude', cwd=tmp_path / 'b.git')
    assert proc.returncode == 2 and 'not a bare repository' in proc.stderr
    proc = wg('uninstall', '--agent', 'claude', cwd=tmp_path / 'b.git')
    assert proc.returncode == 2


def test_strip_leaves_foreign_shapes_alone() -> None:
    data: dict[str, Any] = {'hooks': {'X': 'not a list', 'Y': [1, {'a': 1}],
                                      'Z': []}}
    assert AI.strip('claude', data) is False
    assert data['hooks']['Z'] == []
    ours: dict[str, Any] = {'a': 1}
    AI.merge('claude', ours, 'cmd ' + AI.AGENT_MARKER)
    assert AI.strip('claude', ours) is True and ours == {'a': 1}
    assert AI.strip('claude', {'hooks': 'x'}) is False
    assert AI.strip('claude', {}) is False


# -- doctor -------------------------------------------------------------------------------

def test_doctor_reports_agent_hooks_per_worktree(repo2: Repo2) -> None:
    proc = wg('doctor', cwd=repo2.main)
    assert 'agent hooks: none installed' in proc.stdout
    assert wg('install', '--agent', 'claude', cwd=repo2.wt1).returncode == 0
    proc = wg('doctor', cwd=repo2.main)
    lines = proc.stdout.splitlines()
    assert f'  {repo2.wt1}: claude=fires (.claude/settings.local.json)' \
        in lines
    assert f'  {repo2.wt2}: claude=not installed' in lines
    assert f'  {repo2.main}: claude=not installed' in lines
    local = repo2.wt2 / '.claude' / 'settings.local.json'
    local.parent.mkdir()
    local.write_text((repo2.wt1 / '.claude' / 'settings.local.json'
                      ).read_text())
    (repo2.wt2 / '.claude' / 'settings.json').write_text(
        '{"disableAllHooks": true}')
    (repo2.main / '.cursor').mkdir()
    (repo2.main / '.cursor' / 'hooks.json').write_text('{oops')
    assert wg('install', '--agent', 'cursor', cwd=repo2.wt1).returncode == 0
    (repo2.wt2 / '.gemini').mkdir()
    (repo2.wt2 / '.gemini' / 'settings.json').write_text(
        '{"hooks": {"BeforeTool": {"not": "a list"}, "AfterTool": [1]}}')
    (repo2.wt2 / '.cursor').mkdir()
    (repo2.wt2 / '.cursor' / 'hooks.json').write_text('{"hooks": []}')
    proc = wg('doctor', cwd=repo2.main)
    assert proc.returncode == 1
    assert 'claude=OFF (.claude/settings.json: disableAllHooks is true)' in \
        proc.stdout
    assert 'cursor=BROKEN' in proc.stdout
    assert f'  {repo2.wt1}: claude=fires (.claude/settings.local.json), ' \
        'cursor=fires (.cursor/hooks.json)' in proc.stdout.splitlines()


def test_hook_status_with_no_interpreter(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    command = AI.agent_command('claude', '/nonexistent/py', ['/x'])
    (tmp_path / '.claude').mkdir()
    (tmp_path / '.claude' / 'settings.json').write_text(json.dumps(
        {'hooks': {'PreToolUse': [{'hooks': [
            {'type': 'command', 'command': command}]}]}}))
    monkeypatch.setenv('PATH', str(tmp_path))
    status = AI.hook_status('claude', str(tmp_path))
    assert status is not None and status[0] == 'OFF'
    assert 'neither /nonexistent/py' in status[1]
    assert AI._python_of('no marker') is None
    assert AI._python_of('py=${WORKTREE_GUARD_PYTHON:-}') is None
    assert AI._python_of("py=${WORKTREE_GUARD_PYTHON:-'a}") is None
    plain = AI.agent_command('gemini', None, None)
    assert ' -S ' not in plain and "py=${WORKTREE_GUARD_PYTHON:-''}" in plain


@pytest.mark.parametrize(('enabled', 'version', 'text'), [
    (False, (2, 39), None),
    (True, (2, 39, 5), 'not available with git 2.39.5'),
    (True, None, 'not available with git unknown'),
    (True, (2, 46), 'does not install a reference-transaction hook yet'),
])
def test_freeze_note(enabled: bool, version: tuple[int, ...] | None,
                     text: str | None) -> None:
    note = AI.freeze_note(enabled, version)
    assert note is None if text is None else text in str(note)


def test_doctor_says_the_freeze_is_not_available(repo2: Repo2) -> None:
    (repo2.main / '.worktree-guard.yaml').write_text(
        'worktrees:\n  freeze-main-checkout: true\n')
    proc = wg('doctor', cwd=repo2.main)
    assert 'worktrees.freeze-main-checkout: not available with git' in \
        proc.stdout or 'reference-transaction hook yet' in proc.stdout


# -- the hot path ---------------------------------------------------------------------------

NOT_ON_THE_AGENT_PATH = ('json', 're', 'typing', 'yaml', 'jsonschema',
                         'subprocess', 'argparse', 'dataclasses', 'git',
                         'shlex', 'pathspec', 're2', 'worktree_guard.cli',
                         'worktree_guard.rules.branch_name',
                         'worktree_guard.gitctx.repo',
                         'worktree_guard.gitctx.process', 'select',
                         # only with agents.allow-paths set
                         'worktree_guard.policy.globmatch',
                         # issue 17: lightpath instead of os (~1.2 ms),
                         # records instead of model, match and bounds
                         # only when used
                         'os', 'posixpath', 'genericpath', 'stat',
                         '_collections_abc', 'worktree_guard.model',
                         'worktree_guard.policy.match',
                         'worktree_guard.policy.bounds',
                         'worktree_guard.errors',
                         # the rule's SPEC is built when read
                         'worktree_guard.rules.spec',
                         # the sandbox probe runs once per kernel, cached
                         'ctypes',
                         # no `from __future__ import annotations` on the
                         # agent path: its import costs ~0.15 ms
                         '__future__')


@pytest.mark.parametrize('tool', ['edit', 'bash', 'deny', 'policy'])
def test_the_agent_hot_path_imports_nothing_it_does_not_use(
        repo2: Repo2, tool: str) -> None:
    """``policy``: an Edit with a policy file, read from its cache."""
    from worktree_guard.commands.faststart import fast_start_paths
    paths = fast_start_paths(sys.executable)
    assert paths is not None
    boot = AI.fast_boot(paths).replace(
        'sys.exit(main(sys.argv[2:]))',
        'rc = main(sys.argv[2:])\n'
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
        'sys.exit(rc)')
    cwd = str(repo2.wt1)
    payload = {'edit': A.claude_edit(cwd, 'src/app.py', 'y = 2'),
               'bash': A.claude_bash(cwd, 'cd src && ls | grep x > out'),
               'deny': A.claude_write(cwd, str(repo2.main / 'x')),
               'policy': A.claude_edit(cwd, 'src/app.py', 'y = 2')}[tool]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(('COVERAGE_', 'WORKTREE_GUARD'))}

    def run() -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, '-I', '-S', '-c', boot,
                               'agent', 'claude'], input=A.text(payload),
                              cwd=repo2.wt1, env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, proc
        return proc

    if tool == 'policy':
        commit_policy(repo2, 'agents:\n  read-outside: deny\n')
    first = run()   # reads the committed policy and writes the cache
    assert ('yaml' in first.stderr.split()) is (tool == 'policy')
    if tool == 'bash':
        # the first run also probed the sandbox engine and cached it
        assert (repo2.main / '.git' / 'worktree-guard' /
                'sandbox-engine').is_file()
    proc = run()
    loaded = set(proc.stderr.split())
    assert 'worktree_guard.rules.agent_guard' in loaded
    # The committed policy comes from the cache in the common git dir.
    assert 'worktree_guard.policy.cache' in loaded
    assert not loaded & set(NOT_ON_THE_AGENT_PATH), \
        sorted(loaded & set(NOT_ON_THE_AGENT_PATH))
    assert ('worktree_guard.shell' in loaded) is (tool == 'bash')
    assert ('worktree_guard.rules.agent_shell' in loaded) is (tool == 'bash')
    # ARCHITECTURE.md: 17 of our modules; a Claude Code Bash call adds the
    # lexer, agent_shell and agent_wrap.
    ours = {m for m in loaded if m.split('.')[0] == 'worktree_guard'}
    assert len(ours) == (20 if tool == 'bash' else 17), sorted(ours)
    if tool == 'deny':
        assert decision(json.loads(proc.stdout)) == 'deny'


def test_reinstall_with_a_new_command_keeps_the_original(
        repo2: Repo2, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """An upgrade (a new interpreter path) rewrites our entry; the file
    from before the first install still comes back."""
    path = repo2.wt1 / '.cursor' / 'hooks.json'
    path.parent.mkdir()
    path.write_text('{"version": 1, "hooks": {}}')
    monkeypatch.chdir(repo2.wt1)
    assert AI.install_agent('cursor') == 0
    monkeypatch.setattr(AI, 'agent_command',
                        lambda *a: 'new ' + AI.AGENT_MARKER)
    assert AI.install_agent('cursor') == 0
    assert 'new ' + AI.AGENT_MARKER in path.read_text()
    assert AI.uninstall_agent('cursor') == 0
    assert path.read_text() == '{"version": 1, "hooks": {}}'
    assert 'restored' in capsys.readouterr().out
