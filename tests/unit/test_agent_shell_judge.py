"""rules/agent_guard.py's reading of shell commands (issue 22): links made
earlier in the line, variables, git config, sourced scripts and inline
code, subshells, and what happens to what cannot be checked, with and
without an OS sandbox.  No git: the checkouts are plain records and paths
resolve with ``posixpath`` (test_agent_guard.py's helpers)."""
from __future__ import annotations

import pytest

from tests.unit.test_agent_guard import WT1
from tests.unit.test_agent_guard import cmap
from tests.unit.test_agent_guard import policy
from tests.unit.test_agent_guard import resolve
from tests.unit.test_agent_guard import run
from worktree_guard.rules import agent_guard as G

DENIED = [
    # links made earlier in the same command
    ('ln -s ../.. up && touch up/x', 'touch up/x (through the link '
     '/r/trees/issue-1-a/up) /r/x writes in the main checkout'),
    ('ln -s /r m; rm m/README.md', 'the main checkout'),
    ('ln -s .. t && ln -s t/.. u && touch u/deep', '/r/deep'),
    ('mkdir d && ln -s ../../.. d/up && touch d/up/x', '/r/x'),
    ('ln ../../README.md r && echo x >> r', 'redirection >> r (through '
     'the link /r/trees/issue-1-a/r) /r/README.md'),
    ('ln -s ../.. up; cd up', 'cd up leaves this worktree'),
    ('ln -s ~/../../r h && rm h/x', '/r/x'),
    ('ln -s up up && ln -s ../.. x && rm up/y x/z', '/r/z'),
    # variables set earlier, and the ones the guard knows
    ('D=../..; touch $D/x', 'touch ../../x'),
    ('export D=../..; rm "$D/x"', 'rm ../../x'),
    ('D="a ../../b"; rm $D', 'rm $D depends on the shell'),
    ('touch "$(pwd)/../../x"', '/r/trees/issue-1-a/../../x'),
    ('cd src && echo > $PWD/../../../x', '/r/x'),
    ('cd "$(git rev-parse --show-toplevel)" && rm ../../x', 'rm ../../x'),
    # git config writes the shared config file
    ('git config core.hooksPath /dev/null', 'git config core.hooksPath '
     "/r/.git/config changes the repository's git config"),
    # scripts and inline code that name another checkout
    ('source ../../env.sh', 'source ../../env.sh is in the main checkout'),
    ("python -c 'print(\"../issue-2-b/x\")'", 'python -c ../issue-2-b/x '
     'is in worktree /r/trees/issue-2-b'),
    ("bash <<'E'\nrm ../../x\nE", 'rm ../../x'),
    # a wrapper that moves the command's folder
    ('env -C ../.. make', 'env -C ../.. leaves this worktree for the main '
     'checkout'),
    # a subshell's cd ends with it
    ('(cd src); rm ../x', 'rm ../x'),
]


@pytest.mark.parametrize(('command', 'reason'), DENIED)
def test_denied(command: str, reason: str) -> None:
    v = run('bash', command)
    assert v.decision == 'deny', v
    assert any(reason in r for r in v.reasons), v.reasons


ALLOWED = [
    'ln -s ../../shared cache && ls cache', 'ln -s src s && touch s/x',
    'ln -s /tmp t && rm x', 'X=/r/trees/issue-1-a/y; rm $X',
    'f=$(mktemp); echo > "$f"; rm -f $f',
    'for f in a b; do rm "$f"; done',
    'source ~/.bashrc', '. .venv/bin/activate', 'source /etc/profile',
    "python -c 'print(\"/etc/hosts\", \"~/x\")'",
    'cd "$(git rev-parse --show-toplevel)" && rm x',
    '(cd src && rm x); rm y', 'git config --global user.name x',
    'echo $HOME > /dev/null',
]


@pytest.mark.parametrize('command', ALLOWED)
def test_allowed(command: str) -> None:
    v = run('bash', command,
            pol=policy("agents:\n  allow-paths: ['/tmp/**']\n"))
    assert (v.decision, v.warnings) == ('allow', []), v


UNKNOWN = [
    ('X=$(date); rm $X', 'rm $X depends on the shell at run time'),
    ('cd /r/trees; D=$(ls); cd ..', 'cd /r/trees leaves'),
    ("python3 -c 'import shutil'", "python3 -c (import shutil) may write "
     'anywhere'),
    ('eval $(echo rm x)', 'eval $(echo rm x) depends'),
    ('curl x | sh', 'a script piped into the shell'),
    ('echo ' + 'x' * 80 + ' | python3 -c "import os; os.system(1)"',
     'python3 -c (import os; os.system(1)) may write'),
]


@pytest.mark.parametrize(('command', 'reason'), UNKNOWN)
def test_unknown(command: str, reason: str) -> None:
    v = run('bash', command)
    assert v.decision == 'deny'
    assert any(reason in r for r in v.reasons), v.reasons


def test_code_in_the_message_is_one_line() -> None:
    v = run('bash', "python3 -c 'import shutil\nx = 1'")
    assert 'python3 -c (import shutil x = 1) may write anywhere' in \
        v.reasons[0]


def test_a_sandbox_lets_the_unknown_through_with_a_note() -> None:
    call = G.AgentCall('Bash', 'bash', WT1.root, sandboxed=True,
                       command='python3 -c "import shutil"; rm ../../x')
    v = G.judge(call, cmap(), policy(), resolve)
    # what the hook can read is still refused; the rest is noted
    assert v.decision == 'deny' and 'rm ../../x' in v.reasons[0]
    assert 'the OS sandbox keeps its writes inside' in v.warnings[0]


def test_the_line_state_starts_anew_for_each_call() -> None:
    j = G._Judge(cmap(), policy(), resolve, G.Verdict(), None)
    j.bash('ln -s ../.. up; D=x', WT1.root, 0)
    assert j.links and j.variables
    j.bash('true', WT1.root, 0)
    assert j.links == {} and j.variables == {}
    assert j.through_links('x', WT1.root, 'w') == ('x', WT1.root, 'w')


SCRIPTS = [
    # a script written earlier in the line, then run: judged by its text
    ("printf 'touch ../../x\\n' > s.sh && bash s.sh", 'deny'),
    ("echo 'open(\"../../y\",\"w\")' > a.py; python3 a.py", 'deny'),
    ("cat > run.sh <<'EOF'\nrm -f ../../README.md\nEOF\n"
     'chmod +x run.sh && ./run.sh', 'deny'),
    ("echo 'rm x' > a.sh; echo 'rm ../../y' >> a.sh; sh a.sh", 'deny'),
    ("cat > t <<'E'\n#!/usr/bin/env python3\nimport shutil\nE\n./t",
     'deny'),
    ('cp x run.sh; bash run.sh', 'deny'),
    ('echo ls >> fresh.sh; bash fresh.sh', 'deny'),
    ('echo "echo ../../x" > a.sh; source a.sh', 'allow'),
    ("echo 'print(1)' > a.py && python3 a.py", 'allow'),
    ("cat > t.py <<'E'\n#!/usr/bin/python3\nprint(1)\nE\n./t.py", 'allow'),
    ('echo ls > a.sh; bash a.sh; bin/tool; bash other.sh', 'allow'),
    ("echo 'print(\"../../z\")' > a.py && python3 a.py", 'deny'),
    ('touch x.sh; chmod +x x.sh; ./x.sh', 'allow'),
    ('ln -s ../.. up && echo ls > up/a.sh && bash up/a.sh', 'deny'),
    ("bash -c \"bash -c 'echo ls > a; bash a'\"", 'allow'),
    ("bash -c \"bash -c 'bash -c \\\"echo ls > a; bash a\\\"'\"", 'deny'),
]


@pytest.mark.parametrize(('command', 'decision'), SCRIPTS)
def test_scripts_written_then_run(command: str, decision: str) -> None:
    v = run('bash', command)
    assert v.decision == decision, v
