"""rules/agent_shell.py: what one simple shell command does, table-driven,
no git.  The verdicts on those effects are test_agent_guard.py's."""
from __future__ import annotations

import pytest

from worktree_guard.rules import agent_shell as S
from worktree_guard.shell import parse

W, CD, C, GD, WT, SW, RM, SC = (S.WRITE, S.CD, S.GIT_C, S.GIT_DIR,
                                S.WORK_TREE, S.SWITCH, S.REMOVE, S.SCRIPT)


def effects(line: str) -> list[tuple[str, str, str]]:
    """The effects of every simple command of ``line``: (kind, text, what);
    a dynamic word's text is marked with a leading ``!``."""
    return [(kind, ('!' if word.dynamic else '') + word.text, what)
            for cmd in parse(line) for kind, word, what in S.effects(cmd)]


EFFECTS = [
    # redirections: only those that write, in order, before the command's
    ('echo x > a 2>> b < c 2>&1 >| d', [(W, 'a', 'redirection >'),
                                        (W, 'b', 'redirection >>'),
                                        (W, 'd', 'redirection >|')]),
    ('cat <> f &> g', [(W, 'f', 'redirection <>'),
                       (W, 'g', 'redirection &>')]),
    ('> only', [(W, 'only', 'redirection >')]),
    ('echo x > $OUT', [(W, '!$OUT', 'redirection >')]),
    # commands that write every operand
    ('rm -rf a b', [(W, 'a', 'rm'), (W, 'b', 'rm')]),
    ('rm -- -f x', [(W, '-f', 'rm'), (W, 'x', 'rm')]),
    ('tee -a f1 f2', [(W, 'f1', 'tee'), (W, 'f2', 'tee')]),
    ('touch -d now -r ref x', [(W, 'x', 'touch')]),
    ('mkdir -p -m 755 d', [(W, 'd', 'mkdir')]),
    ('truncate -s 0 f', [(W, 'f', 'truncate')]),
    ('rmdir d; unlink u; shred s', [(W, 'd', 'rmdir'), (W, 'u', 'unlink'),
                                    (W, 's', 'shred')]),
    # copies: the destination; mv: its sources too
    ('cp a b c/', [(W, 'c/', 'cp')]),
    ('cp one', []),
    ('cp -t dir a b', [(W, 'dir', 'cp')]),
    ('cp --target-directory=dir a', [(W, 'dir', 'cp')]),
    ('cp a -t', []),
    ('cp -S .bak a b', [(W, 'b', 'cp')]),
    ('mv a b', [(W, 'a', 'mv'), (W, 'b', 'mv')]),
    ('mv -t d a', [(W, 'a', 'mv'), (W, 'd', 'mv')]),
    ('ln -sf x link', [(W, 'link', 'ln')]),
    ('ln -s x', []),
    ('install -m 644 -o me a /bin/a', [(W, '/bin/a', 'install')]),
    # sed: only with -i, and the script is not a file
    ("sed 's/a/b/' f", []),
    ("sed -i 's/a/b/' f g", [(W, 'f', 'sed'), (W, 'g', 'sed')]),
    ('sed -i -e s/a/b/ f', [(W, 'f', 'sed')]),
    ('sed --in-place --expression=s/a/b/ f', [(W, 'f', 'sed')]),
    ('sed -i.bak -f script.sed f', [(W, 'f', 'sed')]),
    # dd writes of=
    ('dd if=a of=b bs=1', [(W, 'b', 'dd of=')]),
    ('dd of=$X', [(W, '!$X', 'dd of=')]),
    # globs: cut back to the folder they expand in
    ('rm ../x/*.py', [(W, '../x/', 'rm')]),
    ('rm *.py', [(W, '.', 'rm')]),
    ('rm a/b?/c', [(W, 'a/', 'rm')]),
    ('rm "*.py"', [(W, '*.py', 'rm')]),
    ('rm $D/*.py', [(W, '!$D/*.py', 'rm')]),
    # wrappers and assignments
    ('FOO=1 _B=2 sudo -E env -i nice rm x', [(W, 'x', 'rm')]),
    ('/bin/rm x', [(W, 'x', 'rm')]),
    ('X=1', []), ('sudo', []), ('1X=2 rm y', []), ('=x rm y', []),
    ('a-b=1 rm y', []),
    # cd
    ('cd /r', [(CD, '/r', 'cd')]), ('pushd -q ../x', [(CD, '../x', 'cd')]),
    ('cd', [(CD, '~', 'cd')]), ('cd -', [(CD, '!-', 'cd')]),
    ('cd -P "$DIR"', [(CD, '!$DIR', 'cd')]),
    # git: where it is pointed, then what it does
    ('git -C a -C b status', [(C, 'a', 'git -C'), (C, 'b', 'git -C')]),
    ('git --git-dir=/g --work-tree /w log', [(GD, '/g', 'git --git-dir'),
                                             (WT, '/w', 'git --work-tree')]),
    ('git -c core.pager=cat --no-pager --namespace n --exec-path p log', []),
    ('git -C', []), ('git', []),
    ('git checkout main', [(SW, 'checkout', 'git checkout')]),
    ('git -C x switch -c y', [(C, 'x', 'git -C'),
                              (SW, 'switch', 'git switch')]),
    ('git checkout -b new', [(SW, 'checkout', 'git checkout')]),
    ('git checkout --orphan o', [(SW, 'checkout', 'git checkout')]),
    ('git checkout -- f', []), ('git checkout .', []),
    ('git checkout -p', []), ('git checkout --patch x', []),
    ('git checkout', []), ('git checkout -q', []),
    ('git reset --hard', [(SW, 'reset', 'git reset')]),
    ('git reset --soft HEAD~1', []), ('git status', []),
    ('git worktree remove --force a b', [(RM, 'a', 'git worktree remove'),
                                         (RM, 'b', 'git worktree remove')]),
    ('git worktree remove $W', [(RM, '!$W', 'git worktree remove')]),
    ('git worktree list', []), ('git worktree', []),
    # nested shells
    ("bash -c 'rm x'", [(SC, 'rm x', 'the script')]),
    ("sh -ec 'ls'", [(SC, 'ls', 'the script')]),
    ('sh -c "$S"', [(SC, '!$S', 'the script')]),
    ('sh --rcfile x', []), ('sh -c', []), ('bash script.sh', []),
    # anything else writes nothing we know of
    ('python -c "open(1)"', []), ('ls -la /r', []),
]


@pytest.mark.parametrize(('line', 'want'), EFFECTS)
def test_effects(line: str, want: list[tuple[str, str, str]]) -> None:
    assert effects(line) == want


def test_a_glob_keeps_its_flags() -> None:
    word = S.effects(parse('rm ../x/*.py')[0])[0][1]
    assert (word.text, word.dynamic, word.glob) == ('../x/', False, True)
