"""rules/agent_shell.py: what one simple shell command does, table-driven,
no git.  The verdicts on those effects are test_agent_guard.py's."""
from __future__ import annotations

import pytest

from worktree_guard.rules import agent_shell as S
from worktree_guard.rules import shell_tree
from worktree_guard.shell import Command
from worktree_guard.shell import Word
from worktree_guard.shell import parse
from worktree_guard.shell import split

W, CD, C, GD, WT, SW, RM, SC = (S.WRITE, S.CD, S.GIT_C, S.GIT_DIR,
                                S.WORK_TREE, S.SWITCH, S.REMOVE, S.SCRIPT)
LN, AS, UN, GC, SO, CP = (S.LINK, S.ASSIGN, S.UNKNOWN, S.GIT_CONFIG,
                          S.SOURCE, S.CODE_PATH)
FT, RN, CH = S.FILE_TEXT, S.RUN, S.CHDIR


def commands(line: str) -> list[Command]:
    """The simple commands of ``line``, read as the guard reads it: the
    lexer, or bash's grammar for what needs it."""
    simple = split(line)
    if simple is not None:
        return simple
    return [c for c in shell_tree.parse(line) if isinstance(c, Command)]


def effects(line: str) -> list[tuple[str, str, str]]:
    """The effects of every simple command of ``line``: (kind, text, what);
    a dynamic word's text is marked with a leading ``!``."""
    return [(kind, ('!' if word.dynamic else '') + word.text, what)
            for cmd in commands(line) for kind, word, what in S.effects(cmd)]


EFFECTS = [
    # redirections: only those that write, in order, before the command's
    ('echo x > a 2>> b < c 2>&1 >| d', [(W, 'a', 'redirection >'),
                                        (W, 'b', 'redirection >>'),
                                        (W, 'd', 'redirection >|'),
                                        (FT, 'a', '>'), (FT, 'b', '>>'),
                                        (FT, 'd', '>|')]),
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
    ('ln -sf x link', [(W, 'link', 'ln'), (LN, 'link', 'ln')]),
    ('ln -s x', [(W, 'x', 'ln'), (LN, 'x', 'ln')]),
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
    ('/bin/rm x', [(RN, '/bin/rm', 'exec'), (W, 'x', 'rm')]),
    ('X=1', [(AS, 'X=1', 'assignment')]), ('sudo', []), ('1X=2 rm y', []), ('=x rm y', []),
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
    ('sh --rcfile x', []), ('sh -c', []), ('bash script.sh', [(RN, 'script.sh', 'sh')]),
    # anything else writes nothing we know of
    ('python -c "open(1)"', []), ('ls -la /r', []),
]


@pytest.mark.parametrize(('line', 'want'), EFFECTS)
def test_effects(line: str, want: list[tuple[str, str, str]]) -> None:
    assert effects(line) == want


def test_a_glob_keeps_its_flags() -> None:
    word = S.effects(parse('rm ../x/*.py')[0])[0][1]
    assert (word.text, word.dynamic, word.glob) == ('../x/', False, True)


# -- issue 22: what the text analysis missed ---------------------------------------

GRAMMAR = [
    # compound syntax: every command inside is read
    ('{ rm ../x; }', [(W, '../x', 'rm')]),
    ('if true; then touch a; elif x; then :; else rm b; fi',
     [(W, 'a', 'touch'), (W, 'b', 'rm')]),
    ('while true; do rm w; done', [(W, 'w', 'rm')]),
    ('until false; do rm u; done', [(W, 'u', 'rm')]),
    ('! rm n', [(W, 'n', 'rm')]),
    ('f() { rm fn; }; f', [(W, 'fn', 'rm')]),
    ('function g { rm g; }', [(W, 'g', 'rm')]),
    ('coproc rm cp', [(W, 'cp', 'rm')]),
    ('coproc W { rm a; rm b; }', [(W, 'a', 'rm'), (W, 'b', 'rm')]),
    ('coproc { rm a; }', [(W, 'a', 'rm')]),
    ('coproc (rm a); { :; }', [(SC, '!rm a', 'coproc')]),
    ('coproc {x}', []),
    ('case $x in a|b) rm c1;; *) rm c2;; esac',
     [(W, 'c1', 'rm'), (W, 'c2', 'rm')]),
    ('for ((i=0; i<2; i++)); do rm c; done',
     [(AS, 'i=0', 'assignment'), (W, 'c', 'rm')]),
    ('[[ -f x ]] && rm x', [(W, 'x', 'rm')]),
    ('{ echo a; } > out 2>&1', [(W, 'out', 'redirection >')]),
    ('x=(a b); unset x', [(AS, '!x=(a b)', 'assignment')]),
    ('a=1 b= {x,y}', []),
    ('a=1 b=; { :; }', [(AS, 'a=1', 'assignment'),
                        (AS, 'b=', 'assignment')]),
    ('export GIT_DIR=../.git X; local y; declare -x Z=1 {a,b}',
     [(GD, '../.git', 'GIT_DIR='), (AS, 'GIT_DIR=../.git', 'export'),
      (AS, 'Z=1', 'declare')]),
    # a for loop over literal words: the body once per word
    ('for f in a b; do rm $f; done',
     [(AS, 'f=a', 'assignment'), (W, '!$f', 'rm'),
      (AS, 'f=b', 'assignment'), (W, '!$f', 'rm')]),
    ('for f in $(ls); do rm $f; done',
     [(AS, '!f=$(ls)', 'assignment'), (W, '!$f', 'rm')]),
    ('for f in ' + 'a ' * 9 + '; do :; done',
     [(AS, '!f=$(for)', 'assignment')]),
    ('for f; do :; done', [(AS, '!f=$(for)', 'assignment')]),
    # brace expansion and $'...'
    ('touch {../../x,y}', [(W, '../../x', 'touch'), (W, 'y', 'touch')]),
    ('rm -f {a,b}/c{1,2}', [(W, 'a/c1', 'rm'), (W, 'a/c2', 'rm'),
                            (W, 'b/c1', 'rm'), (W, 'b/c2', 'rm')]),
    ('rm {a,{b,c}}', [(W, 'a', 'rm'), (W, 'b', 'rm'), (W, 'c', 'rm')]),
    ("rm '{a,b}' {x} {1..2}", [(W, '{a,b}', 'rm'), (W, '{x}', 'rm'),
                               (W, '{1..2}', 'rm')]),
    ('echo x > {a,b}', [(W, '!{a,b}', 'redirection >')]),
    ("rm $'..\\x2f..\\57x\\u0041\\n\\q\\c@'", [(W, '../../xA\n\\q\x00', 'rm')]),
    ("rm $'\\xZ' $'\\'' $'a\\\\'", [(W, '\\xZ', 'rm'), (W, "'", 'rm'),
                                    (W, 'a\\', 'rm')]),
    ('rm "a\\"b\\$c\\\\d\\q" a\\ b "$X" {}', [(W, 'a"b$c\\d\\q', 'rm'),
                                             (W, 'a b', 'rm'),
                                             (W, '!$X', 'rm'),
                                             (W, '{}', 'rm')]),
    ('rm \'a\'"b"c$\'d\'', [(W, 'abcd', 'rm')]),
    ('rm *.py $(x)/* {}', [(W, '.', 'rm'), (W, '!$(x)/*', 'rm'),
                           (W, '{}', 'rm')]),
    ('echo $"x" {a,b}', []),
    ('rm .\\\n./x {c,d}', [(W, '../x', 'rm'), (W, 'c', 'rm'), (W, 'd', 'rm')]),
    ('rm "a\\\\"\\\n{c,d}', [(W, 'a\\c', 'rm'), (W, 'a\\d', 'rm')]),
    ('X=$(pwd) Y=$HOME; { :; }', [(AS, '!X=$(pwd)', 'assignment'),
                                 (AS, '!Y=$HOME', 'assignment')]),
    # redirections the lexer did not count
    ('echo x >& f {a,b}', [(W, 'f', 'redirection >&')]),
    ('echo > f {a,b} c', [(W, 'f', 'redirection >'), (FT, 'f', '>')]),
    ('echo x 2>&1 >&- {a,b}', []),
    ('cat <<< {a,b}', []),
]


@pytest.mark.parametrize(('line', 'want'), GRAMMAR)
def test_grammar_effects(line: str, want: list[tuple[str, str, str]]
                         ) -> None:
    assert split(line) is None   # the lexer hands it over
    assert effects(line) == want


NEW_EFFECTS = [
    # links: the name is written, and remembered with its target
    ('ln -s ../.. up', [(W, 'up', 'ln'), (LN, 'up', 'ln')]),
    ('ln -t d a b/c', [(W, 'd/a', 'ln'), (W, 'd/c', 'ln'),
                       (LN, 'd/a', 'ln'), (LN, 'd/c', 'ln')]),
    ('ln a b d/', [(W, 'd/a', 'ln'), (W, 'd/b', 'ln'), (LN, 'd/a', 'ln'),
                   (LN, 'd/b', 'ln')]),
    ('ln', []),
    # wrappers with their options' values
    ('nice -n 5 rm a', [(W, 'a', 'rm')]),
    ('nice -5 rm a', [(W, 'a', 'rm')]),
    ('timeout -s KILL -k 1 5 rm a', [(W, 'a', 'rm')]),
    ('timeout --kill-after=1 5 rm a', [(W, 'a', 'rm')]),
    ('timeout 5', []),
    ('flock -w 3 ../lock rm a', [(W, '../lock', 'flock'), (W, 'a', 'rm')]),
    ('flock 9', []),
    ('flock -c "rm a" f', [(SC, 'rm a', 'flock -c'), (W, 'f', 'flock')]),
    ('stdbuf -o L -eL rm a', [(W, 'a', 'rm')]),
    ('ionice -c 3 -n 7 rm a', [(W, 'a', 'rm')]),
    ('ionice -p 12', []),
    ('chrt -f 10 rm a', [(W, 'a', 'rm')]),
    ('chrt -p 10 123', []),
    ('env -C ../.. rm a /abs ~/h', [(CH, '../..', 'env -C ../..'),
                                    (W, '../../a', 'rm'), (W, '/abs', 'rm'),
                                    (W, '~/h', 'rm')]),
    ('env --chdir=$D rm a', [(CH, '!$D', 'env --chdir $D'),
                             (W, '!$D/a', 'rm')]),
    ('env -C d git -C x switch y', [(CH, 'd', 'env -C d'),
                                    (C, 'd/x', 'git -C'),
                                    (SW, 'switch', 'git switch')]),
    ('env -u HOME -i A=1 GIT_WORK_TREE=/w git log',
     [(WT, '/w', 'GIT_WORK_TREE=')]),
    ("env -S 'rm a'", [(SC, 'rm a', 'env -S')]),
    ('sudo -u root -D /srv rm a', [(CH, '/srv', 'sudo -D /srv'),
                                   (W, '/srv/a', 'rm')]),
    ('git worktree move a ../b', [(W, 'a', 'git worktree move'),
                                  (W, '../b', 'git worktree move')]),
    ('git submodule add u ../s', [(W, '../s', 'git submodule add')]),
    ('git submodule add u', []),
    ('git clean -fdx ../a', [(W, '../a', 'git clean')]),
    ('git clean -n ../a', []),
    ('doas -u root rm a', [(W, 'a', 'rm')]),
    ('time -o ../t.txt rm a', [(W, '../t.txt', 'time -o'), (W, 'a', 'rm')]),
    ('command -v rm', []), ('builtin cd x', [(CD, 'x', 'cd')]),
    ('exec -a name rm a', [(W, 'a', 'rm')]),
    ('setsid -f rm a; nohup rm b', [(W, 'a', 'rm'), (W, 'b', 'rm')]),
    ('sudo -- rm a', [(W, 'a', 'rm')]),
    ('$CMD a', [(UN, '!$CMD', 'a command named by a variable')]),
    ('nice ' * 10 + 'rm a', [(UN, 'nice', 'a command nested this deep')]),
    # interpreters with inline code
    ('python -c "print(1)"', []),
    ('python3.12 -u -c \'import sys; print(sys.argv)\'', []),
    ('python -c"print(2)"', []),
    ("python3 -c 'open(\"a\", \"w\")'",
     [(UN, 'open("a", "w")', 'python3 -c')]),
    ("python3 -c 'print(open(\"a\").read(), open(\"b\", \"rb\"))'", []),
    ("python3 -c 'open(\"a\", mode)'", [(UN, 'open("a", mode)',
                                         'python3 -c')]),
    ("python3 -c 'open(f(x))'", [(UN, 'open(f(x))', 'python3 -c')]),
    ("python3 -c 'print(open(\"a\"'", []),
    ("python -c 'import os; os.replace(1, 2)'",
     [(UN, 'import os; os.replace(1, 2)', 'python -c')]),
    ("python -c 'print(\"../../x\", \"/etc/y\", \"~/z\", \"a\", \"..\", "
     "\"b/../c\")'", [(CP, '../../x', 'python -c'),
                      (CP, '/etc/y', 'python -c'),
                      (CP, '~/z', 'python -c'), (CP, '..', 'python -c'),
                      (CP, 'b/../c', 'python -c')]),
    ('python -c "$CODE"', [(UN, '!$CODE', 'python -c')]),
    ('python -W ignore -X dev -m pytest', []),
    ('python -m pytest', []), ('python -mpytest', []),
    ('python script.py', [(RN, 'script.py', 'python')]), ('python', []), ('python3-config --libs', []),
    ('pypy3 -c "print(1)"', []),
    ("python3 - <<'E'\nimport shutil\nE", [(UN, 'import shutil\n',
                                           'python3 code on standard '
                                           'input')]),
    ("python3 <<E\nprint(1)\nE", []),
    ('python3 - < x.py', []),
    ('cat x | python3', [(UN, '!|', 'python3 code from a pipe')]),
    ("perl -pi -e 's/a/b/' f g", [(W, 'f', 'perl -i'), (W, 'g', 'perl -i')]),
    ("perl -ne 'print if /x/' f", []),
    ("perl -e'unlink 1'", [(UN, 'unlink 1', 'perl -e')]),
    ("perl -le", []),
    ('perl script.pl', [(RN, 'script.pl', 'perl')]),
    ("perl - <<'E'\nprint 1\nE", []),
    ("ruby -e 'puts 1'", []), ("ruby -i -pe 'x' f", [(W, 'f', 'ruby -i')]),
    ("node -e 'console.log(1)'", []),
    ("node --eval \"require('child_process')\"",
     [(UN, "require('child_process')", 'node --eval')]),
    ('node app.js', [(RN, 'app.js', 'node')]),
    ('node', []),
    ("awk '{print $1}' f", []),
    ("awk -F, -v x=1 -f prog.awk f", []),
    ("awk 'BEGIN{system(\"rm a\")}'", [(UN, 'BEGIN{system("rm a")}',
                                        'awk program')]),
    ("gawk -i inplace '{print}' f v=1", [(W, 'f', 'gawk -i inplace')]),
    ("awk -F:", []),
    ('awk "$P" f', [(UN, '!$P', 'awk program')]),
    # shells reading a script from standard input
    ("bash <<'E'\nrm a\nE", [(SC, 'rm a\n', 'the script on standard '
                                            'input')]),
    ("sh -s <<< 'rm a'", [(SC, 'rm a', 'the script on standard input')]),
    ('curl x | bash', [(UN, '|', 'a script piped into the shell')]),
    ('bash -x', []),
    ('eval "rm a" b', [(SC, 'rm a b', 'eval')]), ('eval', []),
    ('eval $X', [(SC, '!$X', 'eval')]),
    ('source ../x.sh; . y', [(SO, '../x.sh', 'source'),
                             (RN, '../x.sh', 'sh'), (SO, 'y', '.'),
                             (RN, 'y', 'sh')]),
    ('source', []),
    # find and xargs
    ('find ../a b -name x -delete', [(W, '../a', 'find -delete'),
                                     (W, 'b', 'find -delete')]),
    ('find -delete', [(W, '.', 'find -delete')]),
    ('find . -exec rm {} \\; -execdir touch {}/x +',
     [(W, '.', 'rm'), (W, './x', 'touch')]),
    ('find . -exec', []),
    ('find . -fprint ../list -fprint', [(W, '../list', 'find -fprint')]),
    ('echo a b | xargs rm', [(W, 'a', 'rm'), (W, 'b', 'rm')]),
    ("printf '%s\\n' a | xargs -n1 -I{} cp {} ../d", [(W, '../d', 'cp')]),
    ('cat list | xargs rm', [(W, '!{stdin}', 'rm')]),
    ('xargs -a list rm', [(W, '!{stdin}', 'rm')]),
    ('xargs -i touch {}.bak', [(W, '!{stdin}.bak', 'touch')]),
    ('find ../x | xargs touch', [(W, '../x', 'touch')]),
    ('git ls-files | xargs rm', [(W, '.', 'rm')]),
    ('git diff --name-only | xargs rm', [(W, '.', 'rm')]),
    ('git log | xargs rm', [(W, '!{stdin}', 'rm')]),
    ('grep -rl x | xargs rm', [(W, '.', 'rm')]),
    ('rg x | xargs rm', [(W, '!{stdin}', 'rm')]),
    ('echo $X | xargs rm', [(W, '!{stdin}', 'rm')]),
    ('> f | xargs rm', [(W, 'f', 'redirection >'),
                        (W, '!{stdin}', 'rm')]),
    ('echo a | xargs', []),
    # commands that write in a folder given as an option
    ('make -C ../x all', [(W, '../x', 'make -C')]),
    ('make --directory=../x', [(W, '../x', 'make --directory')]),
    ('make -C../x', [(W, '../x', 'make -C')]),
    ('make', []), ('npm --prefix ../x install', [(W, '../x', 'npm --prefix')]),
    ('npm test', []),
    ('patch -d ../x -p1', [(W, '../x', 'patch -d')]),
    ('patch ../f', [(W, '../f', 'patch')]),
    ('tar -xf a.tar -C ../x', [(W, '../x', 'tar -C')]),
    ('tar xzf a.tgz --directory=../x', [(W, '../x', 'tar -C')]),
    ('tar --extract -f a -C d', [(W, 'd', 'tar -C')]),
    ('tar czf ../a.tgz src', [(W, '../a.tgz', 'tar -f')]),
    ('tar -c -f ../a.tar src --file=b.tar', [(W, 'b.tar', 'tar -f'),
                                             (W, '../a.tar', 'tar -f')]),
    ('tar -cf - src', []), ('tar', []), ('tar --version', []),
    ('unzip a.zip -d ../x', [(W, '../x', 'unzip -d')]),
    ('curl -o ../x u', [(W, '../x', 'curl -o')]),
    ('pip3 install -t ../x y', [(W, '../x', 'pip3 -t')]),
    ('chmod 644 a b; chown --reference=r c', [(W, 'a', 'chmod'),
                                               (W, 'b', 'chmod'),
                                               (W, 'c', 'chown')]),
    ('rsync -a --exclude x src/ ../dst/', [(W, '../dst/', 'rsync')]),
    ('mkfifo -m 600 p', [(W, 'p', 'mkfifo')]),
    # git pointed elsewhere, and writing the shared config
    ('GIT_DIR=../.git GIT_INDEX_FILE=../i git add .',
     [(GD, '../.git', 'GIT_DIR='), (W, '../i', 'GIT_INDEX_FILE=')]),
    ('git worktree add -b x ../y main', [(W, '../y', 'git worktree add')]),
    ('git worktree add', []),
    ('git config core.hooksPath /dev/null',
     [(GC, 'core.hooksPath', 'git config core.hooksPath')]),
    ('git config --local --add a.b c', [(GC, 'a.b', 'git config a.b')]),
    ('git config --unset a.b', [(GC, 'a.b', 'git config a.b')]),
    ('git config set a.b c', [(GC, 'a.b', 'git config a.b')]),
    ('git config unset a.b', [(GC, 'a.b', 'git config a.b')]),
    ('git config --edit', [(GC, '--edit', 'git config')]),
    ('git config --file ../c a.b c', [(W, '../c', 'git config --file')]),
    ('git config --global a.b c', []), ('git config --worktree a.b c', []),
    ('git config a.b', []), ('git config --get a.b', []),
    ('git config get a.b', []), ('git config --list', []),
    ('git config --type bool a.b', []),
    ('git config --get-regexp a b', []),
    ('git clone u ../x', [(W, '../x', 'git clone')]), ('git clone u', []),
    ('git init ../x', [(W, '../x', 'git init')]), ('git init', []),
    ('git archive -o ../a.tar HEAD', [(W, '../a.tar', 'git archive -o')]),
    ('git diff --output=../d', [(W, '../d', 'git diff --output')]),
]


@pytest.mark.parametrize(('line', 'want'), NEW_EFFECTS)
def test_new_effects(line: str, want: list[tuple[str, str, str]]) -> None:
    assert effects(line) == want


def test_a_link_knows_its_target() -> None:
    (_, (kind, link, _)) = S.effects(parse('ln -s ../.. up')[0])
    assert kind == LN and isinstance(link, S.Link)
    assert (link.text, link.target.text, link.hard) == ('up', '../..', False)
    (_, (_, hard, _)) = S.effects(parse('ln ../f g')[0])
    assert isinstance(hard, S.Link) and hard.hard


EXPAND = [
    ('rm $D/x', {'D': Word('../..')}, ['rm', '../../x']),
    ('rm "${D}"/x', {'D': Word('a')}, ['rm', 'a/x']),
    ('rm $(pwd)/x `pwd`/y', {'PWD': Word('/w')}, ['rm', '/w/x', '/w/y']),
    ('rm $(mktemp -d)/x $(mktemp -t tmp.XXX)', {'mktemp': Word('/tmp/m')},
     ['rm', '/tmp/m/x', '/tmp/m']),
    ('rm $(mktemp -p ..)', {'mktemp': Word('/tmp/m')},
     ['rm', '!$(mktemp -p ..)']),
    ('cd "$(git rev-parse --show-toplevel)"', {'toplevel': Word('/w')},
     ['cd', '/w']),
    ('rm $D', {'D': Word('$X', True)}, ['rm', '!$D']),
    ('rm $G', {'G': Word('*.py', False, True)}, ['rm', '*.py']),
    ('rm ${D:-x} $1 $ $$', {'D': Word('a')},
     ['rm', '!${D:-x}', '!$1', '!$', '!$$']),
    ('rm x', {}, ['rm', 'x']),
    ('rm $D $E', {'D': Word('a ../../b'), 'E': Word('')},
     ['rm', '!$D', '!$E']),
    ('rm $D', {'D': Word('a'), 'IFS': Word('/')}, ['rm', '!$D']),
    ('mkdir "$(dirname a/b/c)" $(dirname x) $(dirname /x) $(realpath .)'
     ' $(dirname $X)', {}, ['mkdir', 'a/b', '.', '/', '.', '!$(dirname $X)']),
    # substitutions that list files under one folder: that folder
    ('rm $(git ls-files) $(find ../x -name y) $(grep -rl a src)', {},
     ['rm', '.', '../x', 'src']),
    ('rm $(grep -rl -e a src lib) $(rg -l a) $(echo a)', {},
     ['rm', '!$(grep -rl -e a src lib)', '.', '!$(echo a)']),
    ('rm $(git ls-files > f) $(a; b)', {},
     ['rm', '!$(git ls-files > f)', '!$(a; b)']),
]


@pytest.mark.parametrize(('line', 'known', 'want'), EXPAND)
def test_expand(line: str, known: dict[str, Word], want: list[str]) -> None:
    cmd = S.expand(commands(line)[0], known)
    assert [('!' if w.dynamic else '') + w.text for w in cmd.words] == want


def test_expand_keeps_redirections_and_the_pipe() -> None:
    first, second = parse('a | cat > $O <<E\nbody\nE')
    out = S.expand(second, {'O': Word('f')})
    assert out.pipe_in is first
    assert [(op, t.text if t else None) for op, t in out.redirs] == \
        [('>', 'f'), ('<<', 'E')]
    assert S.expand(parse('cat 2>&1 > $X')[0], {}).redirs[0] == ('>&', None)
    for text in ('${D', '`pwd', '$(pwd', "$(echo 'x)"):
        cmd = Command()
        cmd.words = [Word('rm'), Word(text, True)]
        out = S.expand(cmd, {'D': Word('a'), 'PWD': Word('/w')})
        assert out.words[1].dynamic, text
    (word,) = S.expand(parse('X=$(a "$(b)")')[0], {}).words
    assert word.dynamic


@pytest.mark.parametrize(('line', 'want'), [
    ("cat > s.sh <<'E'\nrm x\nE", [('s.sh', '>', 'rm x\n')]),
    ("tee -a s.sh t <<< 'rm x'", [('s.sh', '>>', 'rm x'),
                                  ('t', '>>', 'rm x')]),
    ('echo -n a b >> f', [('f', '>>', 'a b')]),
    ('echo -e a > f', [('f', '>', 'a\n')]),
    ("printf 'a%s' b >| f", [('f', '>|', 'a%sb')]),
    ('cat x > f', []), ('cat -n > f <<< x', []), ('echo $X > f', []),
    ('echo > $F', []), ('printf > f', []), ('X=1 > f', []), ('> f', []),
    ('cat <<< "$X" > f', []),
])
def test_file_text(line: str, want: list[tuple[str, str, str]]) -> None:
    got = [(w.text, what, w.body) for cmd in commands(line)
           for kind, w, what in S.effects(cmd) if kind == FT]
    assert got == want


@pytest.mark.parametrize(('line', 'reads'), [
    ('X=1 sudo -E env -i git -C x log', True),
    ('nice -n 5 git -C x log', False),   # a value it does not skip: a write
    ('X=1 sudo -E', False),
])
def test_git_reads_only_through_wrappers(line: str, reads: bool) -> None:
    assert S.git_reads_only(parse(line)[0]) is reads
