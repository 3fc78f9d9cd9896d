"""rules/agent_guard.py: the agent hook's decisions, table-driven, no git.
(What a shell command does is rules/agent_shell.py's: test_agent_shell.py;
the allow-paths globs are policy/globmatch.py's: test_globmatch.py.)

The checkouts are given as plain records and paths are resolved with
``posixpath`` (the real resolver, ``resolve_target``, is tested against
the file system in test_agent_hook.py).
"""
from __future__ import annotations

import posixpath
from typing import Any

import pytest

from worktree_guard import policy as P
from worktree_guard.model import CheckoutMap
from worktree_guard.model import RepoCheckout as Checkout
from worktree_guard.records import AgentFacts
from worktree_guard.rules import agent_guard as G
from worktree_guard.rules import agent_shell as S
from worktree_guard.shell import parse

HOME = '/home/ann'
MAIN = Checkout('/r', 'main', 'main', '/r/.git')
WT1 = Checkout('/r/trees/issue-1-a', 'worktree', 'issue-1-a',
               '/r/.git/worktrees/issue-1-a')
WT2 = Checkout('/r/trees/issue-2-b', 'worktree', 'issue-2-b',
               '/r/.git/worktrees/issue-2-b')


def cmap(current: Checkout | None = WT1,
         checkouts: list[Checkout] | None = None) -> CheckoutMap:
    return CheckoutMap(current, checkouts or [MAIN, WT1, WT2], '/r/.git')


def resolve(path: str, cwd: str) -> str:
    if path == '~' or path.startswith('~/'):
        path = HOME + path[1:]
    return posixpath.normpath(posixpath.join(cwd, path))


def policy(text: str = '') -> P.Policy:
    return P.parse(text) if text else P.default_policy()


def run(kind: str, what: str | list[str], cwd: str = WT1.root,
        current: Checkout | None = WT1, pol: P.Policy | None = None,
        contents: list[tuple[str, str]] | None = None,
        facts: AgentFacts | None = None,
        where: CheckoutMap | None = None) -> G.Verdict:
    if kind == 'bash':
        call = G.AgentCall('Bash', 'bash', cwd, command=str(what))
    else:
        paths = [what] if isinstance(what, str) else what
        call = G.AgentCall('Tool', kind, cwd, paths=paths,
                           contents=contents)
    return G.judge(call, where or cmap(current), pol or policy(), resolve,
                   facts)


WRITES = [
    ('/r/src/app.py', 'the main checkout (/r)',
     'write it in this worktree instead: /r/trees/issue-1-a/src/app.py'),
    ('/r/trees/issue-2-b/x.py', 'worktree /r/trees/issue-2-b, branch '
     'issue-2-b', "another issue's worktree"),
    ('../issue-2-b/x.py', 'worktree /r/trees/issue-2-b', ''),
    ('../../README.md', 'the main checkout', '/r/trees/issue-1-a/README.md'),
    ('src/../../../README.md', 'the main checkout', ''),
    ('~/notes.txt', 'outside the repository', 'keep your work inside'),
    ('/r/.git/objects/ab/cd', 'the git dir (/r/.git)', ''),
    ('/r/.git/worktrees/issue-1-a/HEAD', 'the git dir', ''),
    ('.git', 'the git dir of /r/trees/issue-1-a', ''),
    ('/r/trees/issue-3-c/x', 'the main checkout', 'keep your work'),
    ('/r/trees', 'the main checkout', ''),
]


@pytest.mark.parametrize(('target', 'where', 'fix'), WRITES)
def test_writes_outside_the_worktree_are_denied(target: str, where: str,
                                               fix: str) -> None:
    v = run('write', target)
    assert v.decision == 'deny', v
    assert where in v.reasons[0] and fix in v.reasons[0], v.reasons[0]
    assert 'outside this worktree (/r/trees/issue-1-a)' in v.reasons[0]


@pytest.mark.parametrize('target', [
    '/r/trees/issue-1-a/src/app.py', 'src/app.py', './x', 'a/../b.txt',
    '/r/trees/issue-1-a', '/dev/null', '/dev/fd/3', '/dev/stderr',
    '../issue-1-a/y.txt',
])
def test_writes_inside_the_worktree_pass(target: str) -> None:
    v = run('write', target)
    assert (v.decision, v.warnings) == ('allow', []), v


def test_main_checkout_agent_may_not_write_into_a_worktree() -> None:
    v = run('write', 'trees/issue-2-b/x', cwd='/r', current=MAIN)
    assert 'worktree /r/trees/issue-2-b' in v.reasons[0]
    assert run('write', 'src/x.py', cwd='/r', current=MAIN).decision == \
        'allow'


@pytest.mark.parametrize(('setting', 'decision', 'warned'), [
    ('deny', 'deny', 0), ('warn', 'allow', 1), ('off', 'allow', 0)])
def test_write_outside_setting(setting: str, decision: str,
                               warned: int) -> None:
    v = run('write', '/r/src/app.py',
            pol=policy(f'agents:\n  write-outside: {setting}\n'))
    assert (v.decision, len(v.warnings)) == (decision, warned)


@pytest.mark.parametrize(('allow', 'target'), [
    ("agents:\n  allow-paths: ['trees/shared/**']\n",
     '/r/trees/shared/cache/x'),
    ("agents:\n  allow-paths: ['~/.cache/**']\n", '~/.cache/pip/x'),
    ("agents:\n  allow-paths: ['/opt/cache/*/data']\n", '/opt/cache/a/data'),
    ("paths:\n  allow: ['/opt/gen']\n", '/opt/gen/x.py'),
    ("paths:\n  allow: ['re:^/opt/vendor/']\n", '/opt/vendor/lib.py'),
    ("paths:\n  allow: ['re:^/x', '/x', '/opt/gen']\n", '/opt/gen/a'),
    ("paths:\n  allow: ['/x', 're:^/x', 're:^/opt/v']\n", '/opt/v/a'),
    ('', '/tmp/scratch.txt'), ('', '/var/tmp/build/x'), ('', '/tmp'),
])
def test_allowed_paths_pass(allow: str, target: str) -> None:
    v = run('write', target, pol=policy(allow))
    assert (v.decision, v.warnings) == ('allow', []), v


def test_allow_paths_do_not_widen() -> None:
    pol = policy("agents:\n  allow-paths: ['/opt/cache/*/data']\n")
    assert run('write', '/opt/cache/a/b/data', pol=pol).decision == 'deny'
    assert run('write', '/opt/cache/data', pol=pol).decision == 'deny'


def test_no_current_checkout_means_nothing_to_guard() -> None:
    assert run('write', '/r/src/app.py', current=None).decision == 'allow'


# -- reads ------------------------------------------------------------------------------

@pytest.mark.parametrize(('setting', 'target', 'decision', 'warned'), [
    ('warn', '/r/src/app.py', 'allow', 1),
    ('warn', '/r/trees/issue-2-b/x', 'allow', 1),
    ('warn', '/r/.git/config', 'allow', 1),
    ('warn', 'src/app.py', 'allow', 0),
    ('warn', '/usr/lib/python3/os.py', 'allow', 0),
    ('deny', '/r/src/app.py', 'deny', 0),
    ('allow', '/r/src/app.py', 'allow', 0),
])
def test_reads(setting: str, target: str, decision: str,
               warned: int) -> None:
    v = run('read', target, pol=policy(f'agents:\n  read-outside: {setting}\n'))
    assert (v.decision, len(v.warnings)) == (decision, warned), v
    if warned:
        assert 'looks into' in v.warnings[0]


def test_reads_are_never_denied_by_default() -> None:
    for target in ('/r/src/gen/x', '/r/.git/config', '/etc/passwd',
                   '/r/trees/issue-2-b/.worktree-guard.yaml'):
        v = run('read', target,
                pol=policy("paths:\n  allow: ['/r/src/gen']\n"))
        assert v.decision == 'allow', v


# -- content ----------------------------------------------------------------------------

def test_content_findings_are_warnings_by_default() -> None:
    v = run('write', 'docs/x.md',
            contents=[('docs/x.md', 'see ../../README.md and docs/y.md\n')])
    assert v.decision == 'allow'
    assert len(v.warnings) == 1
    assert v.warnings[0].startswith('docs/x.md line 1: '
                                    'worktree-paths/relative-escape')


def test_content_findings_deny_when_the_policy_says_error() -> None:
    pol = policy('rules:\n  worktree-paths/relative-escape: error\n'
                 '  worktree-paths/home-path: off\n')
    text = 'cd ../../x\nsee /home/bob/x.txt\n'
    v = run('write', 'a.sh', pol=pol, contents=[('a.sh', text)])
    assert v.decision == 'deny' and 'relative-escape' in v.reasons[0]
    assert v.warnings == []   # home-path: off at write time too


def test_content_naming_a_sibling_worktree() -> None:
    v = run('write', 'notes.md', contents=[(
        'notes.md', 'see /r/trees/issue-2-b/x.py and trees/issue-2-b/y\n')])
    kinds = ' '.join(v.warnings)
    assert 'absolute-checkout' in kinds and 'sibling-worktree' in kinds


def test_content_without_candidates_is_not_scanned() -> None:
    assert G.scan_content('plain text, nothing to see\n', 'a.md', cmap(),
                          policy()) == []


@pytest.mark.parametrize(('path', 'content', 'tokens'), [
    # Issue 23: the escape shows only once the lines are joined.
    ('a.sh', 'cp a ..\\\n/issue-2-b/x\n', ['../issue-2-b/x']),
    ('Makefile', 'all:\n\tcp a ..\\\n\t/issue-2-b/x\n', ['../issue-2-b/x']),
    ('a.c', '#define X ..\\\n/issue-2-b/x\n', []),   # no shell: not read
])
def test_content_continued_over_lines(path: str, content: str,
                                      tokens: list[str]) -> None:
    found = G.scan_content(content, path, cmap(), policy())
    assert [f.token for f in found] == tokens


def test_content_of_a_denied_write_is_not_scanned_too() -> None:
    v = run('write', '/r/x.md', contents=[('/r/x.md', 'see ../../y')])
    assert len(v.reasons) == 1 and v.warnings == []
    v = run('write', '.claude/settings.json',
            contents=[('.claude/settings.json', 'see ../../y')])
    assert len(v.reasons) == 1 and v.warnings == []


@pytest.mark.parametrize(('text', 'kind', 'sev'), [
    ('', 'relative-escape', 'warn'),
    ('rules:\n  worktree-paths/relative-escape: error\n', 'relative-escape',
     'error'),
    ('rules:\n  worktree-paths: off\n', 'home-path', 'off'),
])
def test_write_severity(text: str, kind: str, sev: str) -> None:
    assert G.write_severity(policy(text), kind) == sev


# -- shell commands ---------------------------------------------------------------------

DENIED_BASH = [
    ('cd ../.. && git checkout main', ['cd ../.. leaves this worktree for '
                                       'the main checkout',
                                       "git checkout would switch the main "
                                       "checkout's branch"]),
    ('echo x > ../../README.md', ['redirection > ../../README.md']),
    ('echo x >> /r/src/log', ['redirection >> /r/src/log']),
    ('make 2> /r/err.txt', ['redirection > /r/err.txt']),
    ('make &> /r/all.txt', ['redirection &> /r/all.txt']),
    ('tee -a ../issue-2-b/f < in.txt', ['tee ../issue-2-b/f']),
    ('cp a.txt /r/src/', ['cp /r/src/']),
    ('cp -t /r/src a.txt b.txt', ['cp /r/src']),
    ('cp --target-directory=/r/src a.txt', ['cp /r/src']),
    ('mv /r/src/a.txt .', ['mv /r/src/a.txt']),
    ('rm -rf ../issue-2-b', ['rm ../issue-2-b']),
    ('rm -- -f /r/x', ['rm /r/x']),
    ('ln -sf x /r/link', ['ln /r/link']),
    ("sed -i 's/a/b/' /r/src/app.py", ['sed /r/src/app.py']),
    ('sed -i.bak -e s/a/b/ /r/x', ['sed /r/x']),
    ('touch -d now /r/x', ['touch /r/x']),
    ('mkdir -p /r/trees/issue-2-b/new', ['mkdir /r/trees/issue-2-b/new']),
    ('install -m 644 a /r/bin/a', ['install /r/bin/a']),
    ('truncate -s 0 /r/log', ['truncate /r/log']),
    ('dd if=/dev/zero of=/r/disk bs=1', ['dd of= /r/disk']),
    ('FOO=1 sudo -E rm /r/x', ['rm /r/x']),
    ('/bin/rm ~/x', ['rm ~/x']),
    ('rm ../../src/*.py', ['rm ../../src/']),
    ('git -C /r commit -m x', ['git -C /r runs git in the main checkout']),
    ('git -C ../issue-2-b add .', ['git -C ../issue-2-b runs git in '
                                   'worktree']),
    ('git --git-dir=/r/.git commit', ['git --git-dir /r/.git points git']),
    ('git --work-tree /r checkout -- .', ['git --work-tree /r points git']),
    ('git -C /r branch -D x', ['git -C /r runs git']),
    ('git worktree remove ../issue-2-b', ['would remove worktree '
                                          '/r/trees/issue-2-b']),
    ('git worktree remove --force /r/trees/issue-2-b', ['would remove']),
    ("bash -c 'echo x > /r/README.md'", ['redirection > /r/README.md']),
    ("sh -ec 'cd /r'", ['cd /r leaves']),
    ('cd', ['cd ~ leaves this worktree for outside the repository']),
    ('pushd /r/trees/issue-2-b', ['cd /r/trees/issue-2-b leaves']),
    ('(cd /r && make)', ['cd /r leaves']),
    ('true; cd /r/src\nrm app.py', ['cd /r/src leaves',
                                    'rm app.py (= /r/src/app.py)']),
]


@pytest.mark.parametrize(('command', 'expect'), DENIED_BASH)
def test_bash_denials(command: str, expect: list[str]) -> None:
    v = run('bash', command)
    assert v.decision == 'deny', v
    assert len(v.reasons) == len(expect), v.reasons
    for reason, want in zip(v.reasons, expect, strict=False):
        assert want in reason, (reason, want)


ALLOWED_BASH = [
    'ls -la | grep app > out.txt && git status',
    'echo hi 2>/dev/null; echo err >&2',
    'cp /r/src/a.txt .', 'cp one', 'ln -s /r/src/x', 'cat /r/src/app.py',
    "sed 's/a/b/' /r/src/app.py", 'sed -i -e s/a/b/ f.txt',
    "sed -i 's/x/y/' f.txt",
    'git checkout main', 'git switch -c issue-1-b', 'git -C . status',
    'git -C src log', 'git --git-dir=.git status',
    'git --git-dir /r/.git/worktrees/issue-1-a log',
    'git -c core.pager=cat log', 'git --no-pager log', 'git',
    'git worktree remove /r/trees/issue-1-a', 'git worktree list',
    'cat <<EOF > notes.txt\n> /r/x\nEOF\n', 'cat <<-EOF\n\t> /r/x\n\tEOF',
    'cd src && rm -f tmp.txt', 'cd /r/trees/issue-1-a/docs',
    'echo "quoted > /r/x"', "echo '> /r/x'", 'echo a\\ b > c\\ d.txt',
    'X=1', '# rm -rf /r', 'make \\\n  all', 'dd if=/r/src/app.py of=out',
    'python -c "print(1)"', 'bash script.sh', 'sh -c', 'cp a -t',
    "bash -x -c 'ls'",
]


@pytest.mark.parametrize('command', ALLOWED_BASH)
def test_bash_allowed(command: str) -> None:
    v = run('bash', command)
    assert (v.decision, v.warnings) == ('allow', []), v


@pytest.mark.parametrize(('command', 'reason'), [
    ("echo 'unterminated", 'this command could not be read (bash would '
                           'not parse it)'),
    ('echo x > $OUT', 'redirection > $OUT depends on the shell'),
    ('cd "$DIR"', 'cd $DIR depends'),
    ('cd -', 'cd - depends'),
    ('git -C $D status', 'git -C $D depends'),
    ('git --git-dir=$G log', 'git --git-dir $G depends'),
    ('git worktree remove $W', 'git worktree remove $W depends'),
    ('bash -c "$SCRIPT"', 'the script $SCRIPT depends'),
    ('rm `cat list`', 'rm `cat list` depends'),
    ('cat <<EOF\nno end', 'could not be read'),
])
def test_bash_that_cannot_be_judged_needs_a_sandbox(
        command: str, reason: str) -> None:
    """Denied when no OS sandbox confines the command; inside one,
    allowed with a note."""
    v = run('bash', command)
    assert v.decision == 'deny'
    assert reason in v.reasons[0], v.reasons
    assert 'no OS sandbox confines it' in v.reasons[0]
    call = G.AgentCall('Bash', 'bash', WT1.root, command=command,
                       sandboxed=True)
    boxed = G.judge(call, cmap(), policy(), resolve)
    assert boxed.decision == 'allow'
    assert reason in boxed.warnings[0]
    assert 'the OS sandbox keeps its writes inside' in boxed.warnings[0]
    warned = run('bash', command, pol=policy('agents:\n  bash: warn\n'))
    assert (warned.decision, len(warned.warnings)) == ('allow', 1)


def test_nested_shells_stop_at_a_depth() -> None:
    v = run('bash', "sh -c \"sh -c 'sh -c \\\"sh -c ls\\\"'\"")
    assert v.decision == 'deny'
    assert 'the script (ls) may write anywhere' in v.reasons[0]


MAIN_BASH = [
    ('git checkout issue-3-c', True), ('git switch main', True),
    ('git checkout -b new', True), ('git checkout -- src/app.py', False),
    ('git checkout .', False), ('git checkout -p', False),
    ('git reset --hard', True), ('git reset --soft HEAD~1', False),
    ('git -C trees/issue-1-a checkout main', False),
    ('cd trees/issue-1-a && git switch x', False),
    ('git status', False),
]


@pytest.mark.parametrize(('command', 'denied'), MAIN_BASH)
def test_branch_switches_in_the_main_checkout(command: str,
                                              denied: bool) -> None:
    v = run('bash', command, cwd='/r', current=MAIN)
    switch = [r for r in v.reasons if 'switch the main checkout' in r]
    assert bool(switch) is denied, v
    if denied:
        assert 'issue worktrees are active (issue-1-a, issue-2-b)' in \
            switch[0]


def test_branch_switch_in_a_main_checkout_alone_is_fine() -> None:
    alone = CheckoutMap(MAIN, [MAIN], '/r/.git')
    call = G.AgentCall('Bash', 'bash', '/r', command='git checkout x')
    assert G.judge(call, alone, policy(), resolve).decision == 'allow'
    bare_wt = CheckoutMap(WT1, [WT1, WT2], '/r.git')
    call = G.AgentCall('Bash', 'bash', WT1.root, command='git checkout x')
    assert G.judge(call, bare_wt, policy(), resolve).decision == 'allow'
    unnamed = Checkout('/r/trees/x', 'worktree', None, '/r/.git/worktrees/x')
    co = CheckoutMap(MAIN, [MAIN, unnamed], '/r/.git')
    call = G.AgentCall('Bash', 'bash', '/r', command='git switch y')
    assert '(x)' in G.judge(call, co, policy(), resolve).reasons[0]


@pytest.mark.parametrize(('setting', 'decision', 'warned'), [
    ('deny', 'deny', 0), ('warn', 'allow', 1), ('off', 'allow', 0)])
def test_bash_setting(setting: str, decision: str, warned: int) -> None:
    v = run('bash', 'rm /r/x', pol=policy(f'agents:\n  bash: {setting}\n'))
    assert (v.decision, len(v.warnings)) == (decision, warned)


def test_other_tools_are_not_judged() -> None:
    call = G.AgentCall('WebFetch', 'other', WT1.root, paths=['/r/x'])
    assert G.judge(call, cmap(), policy(), resolve).decision == 'allow'
    call = G.AgentCall('Bash', 'bash', WT1.root)   # no command
    assert G.judge(call, cmap(), policy(), resolve).decision == 'allow'


def test_reprs() -> None:
    call = G.AgentCall('Write', 'write', '/x', paths=['a'])
    assert repr(call) == "AgentCall('Write', 'write', ['a'])"
    v = G.Verdict()
    v.reasons.append('r')
    assert repr(v) == "Verdict(deny, ['r'], [])"
    assert 'RepoCheckout(' in repr(cmap()) and "kind='main'" in repr(MAIN)


def test_describe_unnamed_branch() -> None:
    detached = Checkout('/r/trees/d', 'worktree', None, '/r/.git/worktrees/d')
    v = G.judge(G.AgentCall('Write', 'write', WT1.root, paths=['/r/trees/d/x']),
                cmap(WT1, [MAIN, WT1, detached]), policy(), resolve)
    assert 'worktree /r/trees/d, outside' in v.reasons[0]


def test_policy_data_is_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    pol: Any = policy()
    assert pol['agents'] == {'write-outside': 'deny', 'read-outside': 'warn',
                             'bash': 'deny', 'allow-paths': []}


def test_spec_is_built_on_first_read() -> None:
    """The agent hook never reads SPEC (no rules.spec import); the
    registry does, and gets one object every time."""
    spec = G.SPEC
    assert spec.id == 'agent-guard' and G.SPEC is spec
    assert set(spec.section.properties) == {'write-outside', 'read-outside',
                                            'bash', 'allow-paths'}
    with pytest.raises(AttributeError, match="no attribute 'NOPE'"):
        G.NOPE  # noqa: B018


# -- the guard's own files: a human changes them (issue 22) ---------------------------

PROTECTED = [
    ('.worktree-guard.yaml', 'the worktree-guard policy file'),
    ('/r/trees/issue-1-a/.worktree-guard.yaml', 'policy file'),
    ('/r/.worktree-guard.yaml', 'policy file'),
    ('/r/trees/issue-2-b/.worktree-guard.yaml', 'policy file'),
    ('.worktree-guard-baseline.json', 'the worktree-guard baseline file'),
    ('.claude/settings.json', "the coding agent's settings"),
    ('.claude/settings.local.json', "agent's settings"),
    ('.cursor/hooks.json', "agent's settings"),
    ('.gemini/settings.json', "agent's settings"),
    ('.codex/config.toml', "agent's settings"),
    ('.claude', "agent's settings"),
    ('/r/.git/config', "the repository's git config (/r/.git/config)"),
    ('/r/.git/config.worktree', 'git config'),
    ('/r/.git/worktrees/issue-1-a/config.worktree', 'git config'),
    ('/r/.git/hooks/pre-commit', 'the git hooks folder (/r/.git/hooks)'),
    ('/r/.git/hooks', 'hooks folder'),
    ('../../.git/hooks/pre-push', 'hooks folder'),
    ('.git/config', "the repository's git config "
                    '(/r/trees/issue-1-a/.git/config)'),
    ('.git/config.worktree', 'git config'),
    ('.git/hooks/pre-commit', 'hooks folder'),
    ('/r/trees/issue-2-b/.git/hooks', 'hooks folder'),
]


@pytest.mark.parametrize(('target', 'what'), PROTECTED)
@pytest.mark.parametrize('level', ['deny', 'warn', 'off'])
def test_the_guards_own_files_are_for_a_human(target: str, what: str,
                                              level: str) -> None:
    """Denied whatever `agents.write-outside` says (and allow-paths)."""
    pol = policy(f"agents:\n  write-outside: {level}\n"
                 "  allow-paths: ['/**']\n")
    v = run('write', target, pol=pol)
    assert v.decision == 'deny', v
    assert what in v.reasons[0] and 'a human must change it' in \
        v.reasons[0], v.reasons[0]
    assert len(v.reasons) == 1


@pytest.mark.parametrize(('command', 'what'), [
    ('echo x > .worktree-guard.yaml', 'redirection > .worktree-guard.yaml'),
    ("sed -i 's/deny/off/' .worktree-guard.yaml", 'sed'),
    ('rm -rf .claude', 'rm .claude'),
    ('cp /tmp/s.json .claude/settings.local.json', 'cp'),
    ('tee ../../.git/hooks/pre-commit < x', 'tee'),
    ('echo "[core]" >> /r/.git/config', 'redirection >>'),
])
def test_shell_writes_to_the_guards_files_are_denied(command: str,
                                                     what: str) -> None:
    v = run('bash', command)
    assert v.decision == 'deny' and what in v.reasons[0], v
    assert 'a human must change it' in v.reasons[0]


def test_the_guards_files_named_by_the_facts_and_the_policy() -> None:
    facts = AgentFacts(hooks=['/r/.git/hooks', '/r/trees/issue-1-a/.hooks'],
                       policy_files=['/r/trees/issue-1-a/ci/wg.yaml'])
    for target, what in [('.hooks/pre-commit', 'hooks folder'),
                         ('ci/wg.yaml', 'policy file'),
                         ('/r/.git/hooks/x', 'hooks folder')]:
        v = run('write', target, facts=facts)
        assert what in v.reasons[0], v
    pol = policy('paths:\n  baseline: ci/./accepted.json\n')
    assert 'baseline file' in run('write', 'ci/accepted.json',
                                  pol=pol).reasons[0]
    assert run('write', '.worktree-guard-baseline.json',
               pol=pol).decision == 'allow'


def test_the_guards_files_open_when_the_hook_is_off() -> None:
    off = policy('agents:\n  write-outside: off\n  bash: off\n')
    for target in ('.worktree-guard.yaml', '/r/.git/config'):
        assert run('write', target, pol=off).decision == 'allow'
    only_files = policy('agents:\n  bash: off\n')
    assert run('write', '.claude/settings.json',
               pol=only_files).decision == 'deny'


@pytest.mark.parametrize('target', [
    '.claude/agents/helper.md', '.worktree-guard.yaml.bak',
    'docs/.worktree-guard.yaml', '.codex/notes.md', 'src/config',
])
def test_files_near_the_guards_own_are_ordinary(target: str) -> None:
    assert run('write', target).decision == 'allow'


# -- allow-paths never open a checkout or a git dir (issue 22) ------------------------

TMAIN = Checkout('/tmp/r', 'main', 'main', '/tmp/r/.git')
TWT1 = Checkout('/tmp/r/trees/issue-1-a', 'worktree', 'issue-1-a',
                '/tmp/r/.git/worktrees/issue-1-a')
TWT2 = Checkout('/tmp/r/trees/issue-2-b', 'worktree', 'issue-2-b',
                '/tmp/r/.git/worktrees/issue-2-b')
IN_TMP = CheckoutMap(TWT1, [TMAIN, TWT1, TWT2], '/tmp/r/.git')


@pytest.mark.parametrize('allow', [
    "agents:\n  allow-paths: ['/tmp/**']\n",
    "agents:\n  allow-paths: ['/**', '**', 'trees/**', '../**']\n",
    "paths:\n  allow: ['/tmp', '/tmp/r', 're:.*']\n",
    '',
])
@pytest.mark.parametrize(('target', 'where'), [
    ('/tmp/r/src/app.py', 'the main checkout'),
    ('/tmp/r/trees/issue-2-b/x', 'worktree /tmp/r/trees/issue-2-b'),
    ('/tmp/r/.git/objects/x', 'the git dir'),
    ('/tmp/r/trees/issue-1-a/.git', 'the git dir'),
    ('/tmp/r/trees/issue-9-ghost/x', 'the main checkout'),
])
def test_allow_paths_never_open_a_checkout_or_a_git_dir(
        allow: str, target: str, where: str) -> None:
    """The docs' example ('/tmp/**') with the repository under /tmp."""
    v = run('write', target, cwd=TWT1.root, where=IN_TMP,
            pol=policy(allow) if allow else None)
    assert v.decision == 'deny' and where in v.reasons[0], v
    hooks = run('write', '/tmp/r/.git/hooks/x', cwd=TWT1.root, where=IN_TMP,
                pol=policy(allow) if allow else None)
    assert 'hooks folder' in hooks.reasons[0]


def test_allow_paths_open_a_folder_of_the_worktrees_root() -> None:
    """trees/shared-cache is no worktree: allow-paths may open it (and
    only allow-paths: it is the main checkout's folder)."""
    pol = policy("agents:\n  allow-paths: ['trees/shared-cache/**']\n")
    assert run('write', '/r/trees/shared-cache/x',
               pol=pol).decision == 'allow'
    assert run('write', '/r/trees/shared-cache/x').decision == 'deny'
    assert run('write', '/r/trees/issue-2-b/x', pol=policy(
        "agents:\n  allow-paths: ['trees/**']\n")).decision == 'deny'


@pytest.mark.parametrize(('target', 'decision'), [
    ('/tmp/x.txt', 'allow'), ('/var/tmp/y', 'allow'),
    ('/scratch/session/z', 'allow'), ('/tmp/r/src/x', 'deny'),
    ('/tmp/r/trees/issue-2-b/x', 'deny'), ('/tmpx/y', 'deny'),
    ('/scratch/other', 'deny'),
])
def test_scratch_folders_pass_outside_the_repository(
        target: str, decision: str) -> None:
    facts = AgentFacts(temp_dirs=['/scratch/session'])
    v = run('write', target, cwd=TWT1.root, where=IN_TMP, facts=facts)
    assert v.decision == decision, v
    assert run('bash', f'cd /tmp && echo x > {target}', cwd=TWT1.root,
               where=IN_TMP, facts=facts).decision == decision


# -- read-only git elsewhere is a read (issue 22) ---------------------------------------

READ_ONLY_GIT = [
    'git -C /r status', 'git -C ../.. log --oneline -5',
    'git -C /r diff HEAD~1', 'git -C /r show HEAD:README.md',
    'git -C /r rev-parse HEAD', 'git -C /r ls-files', 'git -C /r blame x',
    'git -C /r grep foo', 'git -C /r branch --list', 'git -C /r branch',
    'git -C /r branch -a -v', 'git -C /r branch --merged main',
    'git -C /r branch --show-current', 'git -C /r tag', 'git -C /r tag -l',
    'git -C /r config --get user.name', 'git -C /r config user.name',
    'git -C /r config get user.name', 'git -C /r stash list',
    'git -C /r worktree list', 'git -C /r remote -v', 'git -C /r remote',
    'git -C /r reflog', 'git -C /r symbolic-ref HEAD',
    'git -C /r --no-pager log', 'git -C ../issue-2-b status',
    'git --git-dir=/r/.git log', 'git --work-tree /r status',
    'git -C /r -c core.pager=cat log', 'git -C /r/trees/issue-2-b diff',
    'git --git-dir=src log',
]


@pytest.mark.parametrize('command', READ_ONLY_GIT)
def test_read_only_git_elsewhere_is_a_read(command: str) -> None:
    v = run('bash', command)
    assert v.decision == 'allow', v
    assert 'read-only git command' in v.warnings[0], v.warnings
    quiet = run('bash', command,
                pol=policy('agents:\n  read-outside: allow\n'))
    assert (quiet.decision, quiet.warnings) == ('allow', [])
    strict = run('bash', command,
                 pol=policy('agents:\n  read-outside: deny\n'))
    assert strict.decision == 'deny'


@pytest.mark.parametrize('command', [
    'git -C /r commit -m x', 'git -C /r branch new', 'git -C /r branch -d x',
    'git -C /r branch --set-upstream-to=o/m', 'git -C /r tag v1',
    'git -C /r tag -a v1 -m x', 'git -C /r config user.name x',
    'git -C /r config --unset x', 'git -C /r config set x y',
    'git -C /r stash', 'git -C /r stash pop', 'git -C /r remote add o u',
    'git -C /r remote -x', 'git -C /r symbolic-ref HEAD refs/heads/x',
    'git -C /r symbolic-ref -d HEAD', 'git -C /r log --output=/r/x',
    'git -C /r fetch', 'git -C /r reflog expire', 'git -C /r checkout -- x',
    'git -C /r worktree add x', 'git -C /r add .',
])
def test_git_that_may_write_elsewhere_is_denied(command: str) -> None:
    assert run('bash', command).decision == 'deny'


@pytest.mark.parametrize(('command', 'reads'), [
    ('git status', True), ('git', True), ('git --version', True),
    ('sudo git -C x log', True), ('ls', False), ('git commit', False),
    ('git tag -l -d x', False), ('git branch --list -D x', False),
    ('git config -l', True), ('git config --add a b', False),
    ('git submodule status', True), ('git notes show', True),
    ('git branch -- x', False), ('git branch --contains', True),
])
def test_git_reads_only(command: str, reads: bool) -> None:
    assert S.git_reads_only(parse(command)[0]) is reads


# -- ordinary calls are not denied (issue 22: 3.5% of 200 were, on 0.2) -----------------

# What coding agents do all day in their worktree (/r/trees/issue-1-a):
# (kind, path or command).  None of it may be denied by default.
ORDINARY: list[tuple[str, str]] = [
    ('write', 'src/app.py'), ('write', '/r/trees/issue-1-a/README.md'),
    ('write', 'tests/test_app.py'), ('write', 'docs/guide.md'),
    ('write', '/tmp/scratch.py'), ('write', '/tmp/claude/notes.md'),
    ('write', '/var/tmp/out.json'), ('write', '.gitignore'),
    ('write', 'pyproject.toml'), ('write', '.github/workflows/ci.yml'),
    ('read', '/r/README.md'), ('read', '/r/src/app.py'),
    ('read', '/r/trees/issue-2-b/src/app.py'), ('read', '/etc/os-release'),
    ('read', '/usr/lib/python3/json/__init__.py'), ('read', '~/.gitconfig'),
    ('read', '/r/.git/config'), ('read', 'src/app.py'),
    ('bash', 'ls -la'), ('bash', 'git status'), ('bash', 'git diff'),
    ('bash', 'git log --oneline -10'), ('bash', 'git add -A'),
    ('bash', 'git commit -m "fix: x"'), ('bash', 'git push -u origin HEAD'),
    ('bash', 'git fetch origin && git rebase origin/main'),
    ('bash', 'python -m pytest -q tests/'), ('bash', 'pytest -x 2>&1 | tail'),
    ('bash', 'npm test'), ('bash', 'npm install'), ('bash', 'make build'),
    ('bash', 'pip install -e .'), ('bash', 'ruff check . > /tmp/ruff.txt'),
    ('bash', 'mypy --strict src | tee /tmp/mypy.log'),
    ('bash', 'mkdir -p /tmp/work && cd /tmp/work && touch a'),
    ('bash', 'mktemp -d'), ('bash', 'cp src/app.py /tmp/app.py.bak'),
    ('bash', 'rm -rf /tmp/work'), ('bash', 'echo done > /dev/null'),
    ('bash', 'cat /r/README.md'), ('bash', 'grep -rn TODO /r/src'),
    ('bash', 'find . -name "*.py" | xargs wc -l'),
    ('bash', 'git -C /r status'), ('bash', 'git -C ../.. log -5'),
    ('bash', 'git -C /r diff main...HEAD'), ('bash', 'git -C /r branch --list'),
    ('bash', 'git -C /r rev-parse HEAD'), ('bash', 'git -C /r show HEAD:x'),
    ('bash', 'git -C /r worktree list'), ('bash', 'git worktree list'),
    ('bash', 'diff /r/src/app.py src/app.py'), ('bash', 'sed -i s/a/b/ x'),
    ('bash', 'python - <<EOF\nprint(1)\nEOF'), ('bash', 'cd src && ls'),
    ('bash', 'cd /r/trees/issue-1-a && make'), ('bash', 'cd /tmp'),
    ('bash', 'curl -s https://example.com -o /tmp/page.html'),
    ('bash', 'tar czf /tmp/dist.tgz dist'), ('bash', 'du -sh .'),
    ('bash', 'head -n 20 /r/docs/guide.md'), ('bash', 'wc -l /r/src/*.py'),
    ('bash', 'git stash list'), ('bash', 'git branch -a'),
    ('bash', 'echo "$PATH"'), ('bash', 'which python'),
    ('bash', 'TMP=$(mktemp) && echo x > "$TMP"'),
]


def test_ordinary_calls_are_not_denied() -> None:
    facts = AgentFacts(temp_dirs=['/tmp', '/var/tmp'])
    denied = [(kind, what) for kind, what in ORDINARY
              if run(kind, what, facts=facts).decision == 'deny']
    assert denied == []


def test_allowed_finds_the_place_itself() -> None:
    judge_ = G._Judge(cmap(), policy(), resolve, G.Verdict(), None)
    assert judge_.allowed('/tmp/x', '/tmp/x')
    assert not judge_.allowed('/r/x', '/r/x')
