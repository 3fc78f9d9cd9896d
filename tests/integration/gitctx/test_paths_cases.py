"""worktree-paths on real repos, case by case: what the commit stage reads,
scopes, policy keys, token shapes, and the push stage's ranges.

These run ``worktree-guard check`` in-process (``cli.main``) against real git
repositories; the hook-driven tests are in test_paths.py.
"""
from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from tests.helpers import RepoHandle
from tests.helpers import git
from tests.helpers import there
from tests.helpers import unchanged
from worktree_guard.cli import main
from worktree_guard.model import RefUpdate
from worktree_guard.model import ZERO_OID
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import paths
from worktree_guard.policy import default_policy
from worktree_guard.policy import parse
from worktree_guard.rules import worktree_paths
from worktree_guard.model import StageInput
from worktree_guard.runner import run

README = '# demo\n\nSee docs/guide.md.\n'


class Checker:
    """Runs ``worktree-guard check --rule worktree-paths`` in-process."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch,
                 capsys: pytest.CaptureFixture[str]) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys

    def __call__(self, cwd: Path, *args: str) -> tuple[int, str]:
        self.monkeypatch.chdir(cwd)
        self.capsys.readouterr()
        with unchanged(cwd, index_bytes=True):
            rc = main(['check', '--rule', 'worktree-paths', *args])
        out = self.capsys.readouterr()
        return rc, out.out + out.err

    def json(self, cwd: Path, *args: str) -> list[dict[str, object]]:
        rc, out = self(cwd, '--format', 'json', *args)
        found: list[dict[str, object]] = json.loads(out)['violations']
        assert rc == (1 if any(v['severity'] == 'error' for v in found)
                      else 0)
        return found


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch,
          capsys: pytest.CaptureFixture[str]) -> Checker:
    return Checker(monkeypatch, capsys)


def stage(r: RepoHandle, files: dict[str, str | bytes],
          cwd: Path | None = None) -> None:
    where = cwd or r.path
    for rel, content in files.items():
        p = where / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)
        r.git('add', '--', rel, cwd=where)


def policy(r: RepoHandle, text: str, cwd: Path | None = None) -> None:
    ((cwd or r.path) / '.worktree-guard.yaml').write_text(text)


def codes(found: list[dict[str, object]]) -> list[str]:
    return [f"{v['path']}:{v['line']}:{v['col']} {v['kind']}"
            for v in found]


# -- what the commit stage reads ------------------------------------------------------

def test_only_added_lines_count(plain_repo: RepoHandle,
                                check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': 'keep ../../old\n'})
    r.git('commit', '-q', '-m', 'old')
    stage(r, {'a.md': 'keep ../../old\nnew ../../new\n'})
    assert codes(check.json(r.path)) == ['a.md:2:5 relative-escape']
    # --all-files checks whole files, the old line included.
    assert codes(check.json(r.path, '--all-files')) == [
        'a.md:1:6 relative-escape', 'a.md:2:5 relative-escape']


def test_removed_lines_and_context_are_not_judged(
        plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': 'x ../../gone\nctx ../../ctx\n'})
    r.git('commit', '-q', '-m', 'old')
    stage(r, {'a.md': 'ctx ../../ctx\nfine\n'})
    assert check.json(r.path) == []


def test_line_numbers_across_hunks(plain_repo: RepoHandle,
                                   check: Checker) -> None:
    r = plain_repo
    old = [f'line {i}' for i in range(1, 41)]
    stage(r, {'a.md': '\n'.join(old)})   # no newline at the end
    r.git('commit', '-q', '-m', 'old')
    new = list(old)
    del new[2:5]                             # removed lines shift numbers
    new.insert(2, 'x ../../a')               # line 3
    new[10] = 'y ../../b and ../../c'        # line 11, two tokens
    new[-1] = 'line 40 ../../d'              # was "\ No newline"
    new.append('tail ../../e')
    stage(r, {'a.md': '\n'.join(new) + '\n'})
    assert codes(check.json(r.path)) == [
        'a.md:3:3 relative-escape', 'a.md:11:3 relative-escape',
        'a.md:11:15 relative-escape', 'a.md:38:9 relative-escape',
        'a.md:39:6 relative-escape']


def test_first_commit_judges_everything_staged(tmp_path: Path,
                                               check: Checker) -> None:
    git('init', '-q', '-b', 'issue-1-x', str(tmp_path / 'new'), cwd=tmp_path)
    r = RepoHandle(tmp_path / 'new', tmp_path)
    os.symlink('/etc/passwd', r.path / 'link')
    there(r.path, '../x')   # what ../x names is on this machine
    stage(r, {'a.md': 'see ../x\n', 'b.bin': b'\0../x'})
    r.git('add', 'link')
    rc, out = check(r.path)
    assert rc == 1
    assert 'a.md:1:5: worktree-paths/relative-escape' in out
    # An absolute link to a system place only warns (issue 12).
    assert 'link: worktree-paths/escaping-symlink warning: symlink link -> ' \
        '/etc/passwd has an absolute target' in out
    assert 'note: worktree-paths: skipped 1 binary file' in out


def test_quoted_and_unusual_file_names(plain_repo: RepoHandle,
                                       check: Checker) -> None:
    r = plain_repo
    names = ['tab\there.md', 'quote"and\\slash.md', 'ctl\x01.md',
             'spa ce.md', 'ünï.md']
    stage(r, {n: 'see ../../x\n' for n in names})
    found = check.json(r.path)
    assert sorted(v['path'] for v in found) == sorted(names)


def test_binary_and_oversized_files_are_skipped_and_counted(
        plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    policy(r, 'paths:\n  max-file-size: 100\n')
    stage(r, {'big.md': 'see ../../x\n' * 20, 'b1.bin': b'\0../../x',
              'b2.bin': b'x\0../../y', 'ok.md': 'fine\n'})
    rc, out = check(r.path)
    assert rc == 0, out
    assert out.strip() == ('note: worktree-paths: skipped 2 binary files, '
                           '1 file over 100')
    # Whole files: the same verdicts without git's diff machinery.
    rc, out = check(r.path, '--all-files')
    assert rc == 0, out
    assert out.strip() == ('note: worktree-paths: skipped 2 binary files, '
                           '1 file over 100')


def test_gitattributes_binary_counts_as_binary(plain_repo: RepoHandle,
                                               check: Checker) -> None:
    r = plain_repo
    stage(r, {'.gitattributes': '*.dat binary\n', 'x.dat': 'see ../../x\n'})
    rc, out = check(r.path)
    assert (rc, out.strip()) == (
        0, 'note: worktree-paths: skipped 1 binary file')


def test_mode_changes_deletions_and_type_changes(
        plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    stage(r, {'run.sh': 'cd ../../x\n', 'gone.md': 'a ../../b\n'})
    r.git('commit', '-q', '-m', 'old')
    r.git('update-index', '--chmod=+x', 'run.sh')   # mode only: no hunk
    r.git('rm', '-q', 'gone.md')
    assert check.json(r.path) == []
    # A file that becomes a symlink: judged as a symlink.
    os.remove(r.path / 'run.sh')
    os.symlink('../../../x', r.path / 'run.sh')
    r.git('add', 'run.sh')
    assert codes(check.json(r.path)) == ['run.sh:None:None escaping-symlink']


def test_symlink_targets_changed_and_allowed(plain_repo: RepoHandle,
                                             check: Checker) -> None:
    r = plain_repo
    os.symlink('docs', r.path / 'ln')
    r.git('add', 'ln')
    r.git('commit', '-q', '-m', 'link')
    os.remove(r.path / 'ln')
    os.symlink('../../shared', r.path / 'ln')
    r.git('add', 'ln')
    (v,) = check.json(r.path)
    assert v['token'] == '../../shared'
    policy(r, 'paths:\n  allow: [../../shared]\n')
    assert check.json(r.path) == []


def test_absolute_symlinks(plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    os.symlink(str(r.path / 'docs'), r.path / 'abs-in')
    os.symlink(str(r.path / '.git' / 'x'), r.path / 'abs-git')
    os.symlink('C:\\Users\\ann\\x', r.path / 'win')
    os.symlink('sub/../../x', r.path / 'rel')
    os.symlink('sub/../docs', r.path / 'fine')
    r.git('add', 'abs-in', 'abs-git', 'win', 'rel', 'fine')
    found = {v['path']: v for v in check.json(r.path)}
    assert sorted(found) == ['abs-git', 'abs-in', 'rel', 'win']
    assert found['abs-in']['fix'] == [
        'ln -sfn docs abs-in && git add -- abs-in']
    assert found['abs-git']['fix'][0] == 'git rm --cached -- abs-git'
    assert found['rel']['message'] == (
        'symlink rel -> sub/../../x points outside the worktree (it '
        'resolves to ../x)')


# -- scopes and policy keys ------------------------------------------------------------

def test_scope_all_checks_whole_changed_files(plain_repo: RepoHandle,
                                              check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': 'old ../../a\n', 'untouched.md': 'old ../../u\n'})
    r.git('commit', '-q', '-m', 'old')
    stage(r, {'a.md': 'old ../../a\nnew\n'})
    r.git('rm', '-q', 'docs/guide.md')
    assert check.json(r.path) == []
    policy(r, 'paths:\n  scope: all\n')
    assert codes(check.json(r.path)) == ['a.md:1:5 relative-escape']


@pytest.mark.parametrize(('resolve', 'expected'), [
    ('file', ['docs/a.md:2:1 relative-escape']),
    ('root', ['docs/a.md:1:1 relative-escape',
              'docs/a.md:2:1 relative-escape']),
    ('both', ['docs/a.md:2:1 relative-escape']),
])
def test_resolve_from(plain_repo: RepoHandle, check: Checker,
                      resolve: str, expected: list[str]) -> None:
    r = plain_repo
    policy(r, f'paths:\n  resolve-from: {resolve}\n')
    stage(r, {'docs/a.md': '../README.md\n../../x\n'})
    assert codes(check.json(r.path)) == expected


def test_include_exclude_and_the_note(plain_repo: RepoHandle,
                                      check: Checker) -> None:
    r = plain_repo
    there(r.path, '../x')   # what docs/ and src/ reach with ../../x
    stage(r, {'docs/a.md': '../../x\n', 'src/b.py': '"../../x"\n',
              'vendor/c.md': '../../../x\n'})
    policy(r, "paths:\n  include: ['*.md']\n  exclude: [vendor/]\n")
    rc, out = check(r.path)
    assert 'docs/a.md:1:1: worktree-paths/relative-escape' in out
    assert 'src/b.py' not in out and 'vendor/c.md' not in out
    assert 'note: worktree-paths: skipped 2 files excluded by ' \
        'paths.include/exclude' in out
    rc, out = check(r.path, '--all-files')
    # .gitignore, src/app.py, src/b.py, vendor/c.md
    assert 'skipped 4 files excluded' in out
    policy(r, "paths:\n  exclude: ['*.md']\n")
    rc, out = check(r.path)
    assert rc == 1
    assert 'src/b.py:1:2' in out and 'docs/a.md' not in out


def test_allow_list_literals_and_regexes(plain_repo: RepoHandle,
                                         check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': '../../shared/x\n../../sharedish\n../../vendor/y\n'})
    policy(r, "paths:\n  allow: ['../../shared', 're:^\\.\\./\\.\\./ven']\n")
    assert codes(check.json(r.path)) == ['a.md:2:1 relative-escape']


def test_home_paths_warn_by_default_and_can_be_errors(
        plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': ('cp /home/ann/x and /Users/bob/y/z\n'
                       'C:\\Users\\ann\\x and "c:/users/eve/y"\n'
                       'D:\\\\Users\\\\json\\\\x\n'
                       'not: /home/ and /srv/home/ann/x xC:\\Users\\a\\b\n'
                       'C:\\Users and :\\Users\\x C:\\Users\\ann\n')})
    found = check.json(r.path)
    assert codes(found) == [
        'a.md:1:4 home-path', 'a.md:1:20 home-path', 'a.md:2:1 home-path',
        'a.md:2:21 home-path', 'a.md:3:1 home-path']
    assert {v['severity'] for v in found} == {'warn'}
    policy(r, 'rules:\n  worktree-paths/home-path: error\n')
    rc, out = check(r.path)
    assert rc == 1
    assert "a.md:1:4: worktree-paths/home-path '/home/ann/x' is a " \
        'home-directory path' in out


def test_kinds_can_be_switched_off(plain_repo: RepoHandle,
                                   check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': '../../x\n'})
    policy(r, 'rules:\n  worktree-paths/relative-escape: off\n')
    assert check.json(r.path) == []


# -- token shapes ---------------------------------------------------------------------

TOKENS = [
    # (line, findings as "col token")
    ('[x](../../x.md)', ['5 ../../x.md']),
    ('src="../../a" href=\'../../b\' <../../c>', ['6 ../../a', '21 ../../b',
                                                 '31 ../../c']),
    ('PATH=bin:../../tools:$PATH', ['10 ../../tools']),
    ('see ../../x.md.', ['5 ../../x.md']),
    ('see ../../x.md, then', ['5 ../../x.md']),
    ('*../../bold*', ['2 ../../bold']),
    ('`docs/../../x`', ['2 docs/../../x']),
    ('-v ../../data:/data', ['4 ../../data']),
    ('../..', ['1 ../..']),
    ('a/b/../../../c', ['1 a/b/../../../c']),
    ('../../x#frag', ['1 ../../x#frag']),
    ('"..\\"../../q\\""', ['6 ../../q']),
    # Left alone:
    ('https://host/a/../../b', []),
    ('git+ssh://h/../../x', []),
    ('$(dirname "$0")/../../lib', []),
    ('${ROOT}/../../x', []),
    ('$ROOT/../../x', []),
    ('~/../../x', []),
    ('%APPDATA%/../../x', []),
    ('.../site-packages/x', []),
    ('a/../b', []),
    ('/usr/lib/../../x', []),
    ('x:../../y', ['3 ../../y']),
]


@pytest.mark.parametrize(('line', 'expected'), TOKENS)
def test_token_shapes(plain_repo: RepoHandle, check: Checker, line: str,
                      expected: list[str]) -> None:
    r = plain_repo
    # `docs/../../x` is inline code (weak evidence): judged because what
    # it names is on this machine.
    there(r.path, '../x')
    stage(r, {'f.md': line + '\n'})
    found = check.json(r.path)
    assert [f"{v['col']} {v['token']}" for v in found] == expected


def test_suppression_comments(plain_repo: RepoHandle,
                              check: Checker) -> None:
    r = plain_repo
    # The allow-next-line comment is old (context), the line below it new.
    stage(r, {'a.md': 'one\n# worktree-guard: allow-next-line\nlast\n'})
    r.git('commit', '-q', '-m', 'old')
    stage(r, {'a.md': ('../../top\none\n# worktree-guard: allow-next-line\n'
                       '../../skipped\nlast\n'
                       '../../inline # worktree-guard:allow\n'
                       'x ../../kept # worktree-guard: allow-next-line\n'
                       '../../also-skipped\n')})
    assert codes(check.json(r.path)) == ['a.md:1:1 relative-escape',
                                         'a.md:7:3 relative-escape']
    assert codes(check.json(r.path, '--all-files')) == [
        'a.md:1:1 relative-escape', 'a.md:7:3 relative-escape']


def test_allow_next_line_across_removed_lines(plain_repo: RepoHandle,
                                              check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': '# worktree-guard: allow-next-line\nold\n'})
    r.git('commit', '-q', '-m', 'old')
    stage(r, {'a.md': '# worktree-guard: allow-next-line\n../../new\n'})
    assert check.json(r.path) == []


def test_blank_context_lines(plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': 'a\n\nb\n'})
    r.git('commit', '-q', '-m', 'old')
    stage(r, {'a.md': 'a\n\n../../x\nb\n'})
    r.git('config', 'diff.suppressBlankEmpty', 'true')
    assert codes(check.json(r.path)) == ['a.md:3:1 relative-escape']


def test_crlf_lines(plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    stage(r, {'a.md': b'x\r\nsee ../../x\r\n'})
    (v,) = check.json(r.path)
    assert (v['line'], v['col'], v['token']) == (2, 5, '../../x')


def test_text_output_shape(plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    (x,) = there(r.path, '../main-repo/docs/x.md')
    stage(r, {'README.md': README + 'see ../main-repo/docs/x.md\n'})
    rc, out = check(r.path)
    assert rc == 1
    assert out.splitlines()[:3] == [
        "README.md:4:5: worktree-paths/relative-escape "
        "'../main-repo/docs/x.md' climbs out of the worktree: resolved from "
        f'the worktree root it is ../main-repo/docs/x.md, and {x} exists '
        'on this machine: copy or vendor what you need inside the '
        'worktree, or link to it by URL',
        '    token: ../main-repo/docs/x.md',
        # No fix line: no rewrite would keep the link working (issue 12).
        'worktree-guard: 1 error, 0 warnings (run \'worktree-guard explain '
        "<rule>' for details)",
    ]


# -- checkouts: absolute paths, siblings, staged worktrees --------------------------

@pytest.fixture
def trees(plain_repo: RepoHandle) -> tuple[RepoHandle, Path, Path]:
    r = plain_repo
    return r, r.worktree('issue-45-rust-sdk'), r.worktree('issue-46-docs')


def test_absolute_paths_in_every_form(trees: tuple[RepoHandle, Path, Path],
                                      check: Checker) -> None:
    r, w45, w46 = trees
    main_root = str(r.path)
    stage(r, {'docs/a.md': (
        f'{main_root}/docs/x.md\n'
        f'{w45}/src/y.py:12\n'
        f'{w46}\n'
        f'{main_root}/trees/issue-99-gone/x\n'
        f'{main_root}/.git/hooks\n'
        f'{main_root}-other/x and {main_root}/../elsewhere\n'
        f'file://{main_root}/docs/x.md\n')}, cwd=w45)
    found = check.json(w45)
    # file:// URLs into a checkout count too (issue 12).
    assert codes(found) == [
        'docs/a.md:1:1 absolute-checkout', 'docs/a.md:2:1 absolute-checkout',
        'docs/a.md:3:1 absolute-checkout', 'docs/a.md:4:1 absolute-checkout',
        'docs/a.md:5:1 absolute-checkout', 'docs/a.md:7:8 absolute-checkout']
    assert found[0]['fix'] == ['use the in-tree path x.md (relative to '
                               'docs/; docs/x.md from the worktree root)']
    assert 'into this worktree' in str(found[1]['message'])
    assert found[1]['token'] == f'{w45}/src/y.py'
    # No safe rewrite: the message explains, no fix is offered.
    assert found[2]['fix'] == []
    assert str(found[2]['message']).endswith(
        'use a path relative to the worktree')
    assert 'into worktree trees/issue-46-docs' in str(found[2]['message'])
    assert 'refer to in-tree paths' in str(found[3]['message'])
    assert found[4]['fix'] == []
    assert "into the repository's git dir" in str(found[4]['message'])


def test_symlinked_spellings_of_a_checkout(
        trees: tuple[RepoHandle, Path, Path], check: Checker,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shell reached the worktree through a symlink ($PWD): that
    spelling of every checkout is known too."""
    r, w45, _ = trees
    alias = tmp_path / 'alias'
    alias.symlink_to(r.path)
    # A worktree outside the main checkout has no alias spelling.
    r.git('worktree', 'add', '-q', '-b', 'issue-48-out',
          str(tmp_path / 'out'))
    stage(r, {'a.md': (f'{alias}/trees/issue-45-rust-sdk/x\n'
                       f'{alias}/trees/issue-46-docs/y\n'
                       f'{alias}/docs/guide.md\n')}, cwd=w45)
    assert check.json(w45) == []   # $PWD is the real path
    monkeypatch.setenv('PWD', str(alias / 'trees' / 'issue-45-rust-sdk'
                                  / 'docs'))
    found = check.json(w45 / 'docs')
    assert [str(v['message']).split(' into ')[1].split(':')[0]
            for v in found] == [
        'this worktree', 'worktree trees/issue-46-docs (branch '
        'issue-46-docs)', 'the main checkout']


def test_logical_root_needs_a_matching_pwd(
        plain_repo: RepoHandle, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo.discover(str(plain_repo.path))
    real = os.path.realpath(plain_repo.path)
    os.symlink('docs', plain_repo.path / 'lnk')
    for pwd in (None, 'relative', str(tmp_path), real,
                f'{real}/docs/../docs', f'{real}/lnk'):
        if pwd is None:
            monkeypatch.delenv('PWD', raising=False)
        else:
            monkeypatch.setenv('PWD', pwd)
        (co,) = paths.checkouts(repo, default_policy())
        assert co.forms == [str(plain_repo.path)], pwd


def test_sibling_references(trees: tuple[RepoHandle, Path, Path],
                            check: Checker) -> None:
    r, w45, _ = trees
    stage(r, {'a.md': ('trees/issue-46-docs/src/x.py\n'
                       './trees/issue-77-not-here/y\n'
                       'trees/issue-45-rust-sdk/docs/x.md\n'
                       'git worktree remove trees/issue-46-docs\n'
                       'trees/issue-46-docs/\n'
                       'trees/NotABranch/x\n'
                       'src/trees/issue-46-docs/x\n')}, cwd=w45)
    found = check.json(w45)
    assert codes(found) == ['a.md:1:1 sibling-worktree',
                            'a.md:2:1 sibling-worktree',
                            'a.md:3:1 sibling-worktree']
    assert found[0]['fix'] == []
    assert str(found[0]['message']).endswith(
        'refer to in-tree paths of this branch only (src/x.py reaches it '
        'through a merge)')
    assert '(this worktree, through the main checkout)' in \
        str(found[2]['message'])
    assert found[2]['fix'] == ['use the in-tree path docs/x.md']


def test_relative_escapes_say_where_they_land(
        trees: tuple[RepoHandle, Path, Path], check: Checker) -> None:
    r, w45, _ = trees
    (out,) = there(w45, '../../../elsewhere')
    stage(r, {'a.md': ('../../docs/guide.md\n'
                       '../issue-46-docs/x\n'
                       '../issue-45-rust-sdk/src/app.py\n'
                       '../../../elsewhere\n'
                       '../../trees/x\n')}, cwd=w45)
    found = check.json(w45)
    msgs = [str(v['message']).split(' it is ')[1].split(': copy')[0]
            for v in found]
    assert msgs == ['../../docs/guide.md, in the main checkout',
                    '../issue-46-docs/x, in worktree trees/issue-46-docs '
                    '(branch issue-46-docs)',
                    '../issue-45-rust-sdk/src/app.py, in this worktree',
                    f'../../../elsewhere, and {out} exists on this machine',
                    '../../trees/x; nothing is there on this machine, so it '
                    'may be meant from another folder (a warning)']
    assert [v['severity'] for v in found] == ['error'] * 4 + ['warn']
    assert found[0]['fix'] == ['use the in-tree path docs/guide.md']
    assert found[2]['fix'] == ['use the in-tree path src/app.py']


def test_staged_worktree_files_and_nested_checkouts(
        plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-9-x')
    (r.path / 'trees' / 'scratch').mkdir(parents=True)
    (r.path / 'trees' / 'scratch' / 'a.md').write_text('x\n')
    (r.path / 'trees' / 'scratch' / 'b.md').write_text('y\n')
    r.git('add', '-f', 'trees/scratch')
    r.git('worktree', 'add', '-q', '-b', 'issue-10-y', str(r.path / 'other'))
    r.git('add', 'other')
    (r.path / 'trees-file').write_text('ok\n')
    r.git('add', 'trees-file')
    found = check.json(r.path)
    assert [(v['path'], v['message']) for v in found] == [
        ('other', 'other is staged as a gitlink (an embedded repository): '
                  'worktrees must never be committed into the repository'),
        ('trees/scratch', '2 files under trees/scratch/ are staged: '
                          'worktrees must never be committed into the '
                          'repository'),
    ]
    assert found[0]['fix'] == ['git rm --cached -r -- other',
                               "echo '/other/' >> .gitignore   (the line "
                               "/other/ in the main checkout's .gitignore)"]
    policy(r, 'paths:\n  allow: [trees/scratch]\n')
    assert [v['path'] for v in check.json(r.path)] == ['other']


def test_one_staged_file_and_a_custom_root(plain_repo: RepoHandle,
                                           check: Checker) -> None:
    r = plain_repo
    policy(r, 'worktrees:\n  root: ./.wt/\n')
    stage(r, {'.wt': 'a file named like the root\n'})
    (v,) = check.json(r.path)
    assert v['message'] == ('1 file under .wt/ is staged: worktrees must '
                            'never be committed into the repository')


def test_bare_layout_names_worktrees_from_the_common_dir(
        tmp_path: Path, check: Checker) -> None:
    bare = tmp_path / 'proj.git'
    git('init', '-q', '--bare', '-b', 'main', str(bare), cwd=tmp_path)
    git('worktree', 'add', '-q', '--orphan', '-b', 'main',
        str(bare / 'trees' / 'main'), cwd=bare, check=False)
    main_wt = bare / 'trees' / 'main'
    if not main_wt.exists():   # git < 2.42 has no --orphan for worktrees
        seed = tmp_path / 'seed'
        git('clone', '-q', str(bare), str(seed), cwd=tmp_path)
        (seed / 'README.md').write_text('x\n')
        git('add', '-A', cwd=seed)
        git('commit', '-q', '-m', 'init', cwd=seed)
        git('push', '-q', 'origin', 'HEAD:main', cwd=seed)
        git('worktree', 'add', '-q', str(main_wt), 'main', cwd=bare)
    git('worktree', 'add', '-q', '-b', 'issue-5-x',
        str(bare / 'trees' / 'issue-5-x'), 'main', cwd=bare)
    r = RepoHandle(main_wt, bare)
    policy(r, 'worktrees:\n  layout: bare\n')
    stage(r, {'a.md': 'trees/issue-5-x/src/y\n'})
    (v,) = check.json(main_wt)
    assert v['kind'] == 'sibling-worktree'


def test_a_bare_repository_names_worktrees_only_in_the_bare_layout(
        tmp_path: Path) -> None:
    """A bare repository's worktrees have a main checkout to be named
    from only in the bare layout (its folder); in the default layout
    they are checkouts without a name."""
    bare = tmp_path / 'b.git'
    seed = tmp_path / 'seed'
    git('init', '-q', '-b', 'main', str(seed), cwd=tmp_path)
    (seed / 'README.md').write_text('x\n')
    git('add', '-A', cwd=seed)
    git('commit', '-q', '-m', 'init', cwd=seed)
    git('clone', '-q', '--bare', str(seed), str(bare), cwd=tmp_path)
    git('worktree', 'add', '-q', '-b', 'issue-5-x',
        str(bare / 'trees' / 'issue-5-x'), 'main', cwd=bare)
    repo = Repo.discover(str(bare / 'trees' / 'issue-5-x'))
    named = paths.checkouts(repo, parse('worktrees:\n  layout: bare\n'))
    assert [(c.kind, c.name) for c in named] == [('current', 'issue-5-x')]
    plain = paths.checkouts(repo, default_policy())
    assert [(c.kind, c.name) for c in plain] == [('current', None)]


def test_bare_repo_commit_stage_has_no_content(tmp_path: Path,
                                               check: Checker) -> None:
    bare = tmp_path / 'b.git'
    git('init', '-q', '--bare', str(bare), cwd=tmp_path)
    repo = Repo.discover(str(bare))
    facts = paths.path_facts(repo, default_policy(), StageInput('commit'))
    assert (facts.root, facts.checkouts, facts.changes) == (None, [], [])


def test_worktree_not_listed_by_git_is_still_current(
        plain_repo: RepoHandle, tmp_path: Path) -> None:
    """GIT_WORK_TREE pointing at a folder git does not list."""
    r = plain_repo
    r.worktree('issue-1-x')
    other = tmp_path / 'elsewhere'
    other.mkdir()
    env = dict(os.environ, GIT_DIR=str(r.path / '.git'),
               GIT_WORK_TREE=str(other))
    repo = Repo(str(r.path / '.git'), str(r.path / '.git'), str(other),
                False, env)
    cos = paths.checkouts(repo, default_policy())
    assert [(c.kind, c.path) for c in cos] == [
        ('current', str(other)), ('main', str(r.path)),
        ('worktree', str(r.path / 'trees' / 'issue-1-x'))]


# -- the push stage -----------------------------------------------------------------

def push_check(r: RepoHandle, monkeypatch: pytest.MonkeyPatch,
               capsys: pytest.CaptureFixture[str], lines: str,
               remote: str = 'origin', cwd: Path | None = None) -> tuple[
        int, str]:
    """Run the native pre-push hook in-process with git's stdin lines."""
    monkeypatch.chdir(cwd or r.path)
    monkeypatch.setenv('WORKTREE_GUARD_SKIP', 'sync-before-push,branch-name')
    monkeypatch.setattr(sys, 'stdin', io.StringIO(lines))
    capsys.readouterr()
    rc = main(['hook', 'pre-push', remote, str(r.remote)])
    out = capsys.readouterr()
    return rc, out.out + out.err


def _branch(r: RepoHandle, name: str, files: dict[str, str | bytes]) -> str:
    r.git('switch', '-q', '-c', name)
    stage(r, files)
    r.git('commit', '-q', '-m', name)
    return r.head()


def test_push_existing_branch_judges_only_new_commits(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    r = plain_repo
    old = _branch(r, 'issue-2-x', {'a.md': 'old ../../x\n'})
    r.git('push', '-q', 'origin', 'issue-2-x')
    stage(r, {'b.md': 'fine\n'})
    r.git('commit', '-q', '-m', 'good')
    new = r.head()
    line = f'refs/heads/issue-2-x {new} refs/heads/issue-2-x {old}\n'
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 0, out
    # A force push rewriting history: judged from where histories part.
    r.git('reset', '-q', '--hard', 'main')
    there(r.path, '../../c')
    stage(r, {'c.md': '../../c\n'})
    r.git('commit', '-q', '-m', 'rewrite')
    line = f'refs/heads/issue-2-x {r.head()} refs/heads/issue-2-x {old}\n'
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 1
    assert 'c.md:1:1: worktree-paths/relative-escape' in out
    assert 'a.md' not in out


def test_push_new_branch_unknown_tip_url_deletes_and_tags(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    r = plain_repo
    there(r.path, '../../x')
    tip = _branch(r, 'issue-3-x', {'a.md': '../../x\n'})
    lines = (f'refs/heads/issue-3-x {tip} refs/heads/issue-3-x {ZERO_OID}\n'
             f'(delete) {ZERO_OID} refs/heads/gone {"1" * 40}\n'
             f'refs/tags/v1 {tip} refs/tags/v1 {ZERO_OID}\n')
    rc, out = push_check(r, monkeypatch, capsys, lines)
    assert rc == 1
    assert out.count('worktree-paths/relative-escape') == 1
    assert 'note: worktree-paths' not in out
    # The remote's tip was never fetched: judged against what is known.
    line = f'refs/heads/issue-3-x {tip} refs/heads/issue-3-x {"2" * 40}\n'
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 1 and 'a.md:1:1' in out
    # Pushing to a URL: every remote-tracking ref counts as known.
    line = f'refs/heads/issue-3-x {tip} refs/heads/issue-3-x {ZERO_OID}\n'
    rc, out = push_check(r, monkeypatch, capsys, line, remote=str(r.remote))
    assert rc == 1 and 'a.md:1:1' in out
    # Nothing new: a branch already on the remote under another name.
    r.git('push', '-q', 'origin', 'issue-3-x')
    line = f'refs/heads/issue-3-x {tip} refs/heads/issue-3-y {ZERO_OID}\n'
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 0, out


def test_push_of_unrelated_history_checks_whole_tree(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    r = plain_repo
    r.git('switch', '-q', '--orphan', 'issue-4-x')
    stage(r, {'a.md': '../../x\n', 'b.bin': b'\0../../x'})
    os.symlink('../../out', r.path / 'ln')
    r.git('add', 'ln')
    r.git('commit', '-q', '-m', 'root')
    line = f'refs/heads/issue-4-x {r.head()} refs/heads/issue-4-x ' \
        f'{ZERO_OID}\n'
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 1
    assert 'a.md:1:1: worktree-paths/relative-escape' in out
    assert 'ln: worktree-paths/escaping-symlink' in out
    assert 'note: worktree-paths: skipped 1 binary file' in out


def test_push_scope_all_and_all_files(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], check: Checker) -> None:
    r = plain_repo
    there(r.path, '../../a')
    stage(r, {'a.md': 'old ../../a\n'})
    r.git('commit', '-q', '-m', 'old on main')
    r.git('push', '-q', 'origin', 'main')
    tip = _branch(r, 'issue-5-x', {'a.md': 'old ../../a\nnew\n'})
    line = f'refs/heads/issue-5-x {tip} refs/heads/issue-5-x {ZERO_OID}\n'
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 0, out
    policy(r, 'paths:\n  scope: all\n')
    rc, out = push_check(r, monkeypatch, capsys, line)
    assert rc == 1 and 'a.md:1:5' in out
    # CI: --from-ref/--to-ref, with --all-files the whole pushed tree.
    policy(r, 'paths:\n  scope: added\n')
    rc, out = check(r.path, '--stage', 'push', '--from-ref', 'main',
                    '--to-ref', 'HEAD')
    assert rc == 0, out
    rc, out = check(r.path, '--stage', 'push', '--from-ref', 'main',
                    '--to-ref', 'HEAD', '--all-files')
    assert rc == 1 and 'a.md:1:5' in out


def test_server_side_push_range(plain_repo: RepoHandle) -> None:
    """inp.server: we are the remote; refs not yet updated exclude what
    the repository already has (``--not --all``)."""
    r = plain_repo
    tip = _branch(r, 'issue-6-x', {'a.md': '../../x\n'})
    r.git('push', '-q', 'origin', 'issue-6-x')
    # As in pre-receive: the objects are there, the ref is not yet.
    git('update-ref', '-d', 'refs/heads/issue-6-x', cwd=r.remote)
    repo = Repo.discover(str(r.remote))
    inp = StageInput('push', [RefUpdate('refs/heads/issue-6-x', tip,
                                        'refs/heads/issue-6-x', ZERO_OID)],
                     server=True)
    result = run(repo, default_policy(), inp, ['worktree-paths'])
    assert [(v.code, v.path, v.ref) for v in result.violations] == [
        ('worktree-paths/relative-escape', 'a.md', 'refs/heads/issue-6-x')]


# -- odd index entries ------------------------------------------------------------------

def test_index_entry_without_object(plain_repo: RepoHandle,
                                    check: Checker) -> None:
    r = plain_repo
    r.git('update-index', '--add', '--cacheinfo',
          f'100644,{"3" * 40},ghost.md')
    rc, out = check(r.path, '--all-files')
    assert rc == 0 and 'ghost' not in out


def test_conflicted_entries_are_not_read(plain_repo: RepoHandle,
                                         check: Checker) -> None:
    r = plain_repo
    _branch(r, 'issue-7-x', {'c.md': 'ours ../../x\n'})
    r.git('switch', '-q', 'main')
    _branch(r, 'issue-7-y', {'c.md': 'theirs\n'})
    r.run_git('merge', '-q', 'issue-7-x')
    assert 'c.md' in r.git('diff', '--name-only', '--diff-filter=U')
    rc, out = check(r.path, '--all-files')
    assert rc == 0, out


def test_rule_without_changes_or_checkouts() -> None:
    from worktree_guard.model import PathChange
    from worktree_guard.model import PathFacts
    pol = parse('paths:\n  allow: [x]\n')
    assert worktree_paths.check(PathFacts(), pol) == []
    facts = PathFacts(None, [], [PathChange(None, [('trees', '100644', None)],
                                            b'', [], False)])
    (v,) = worktree_paths.check(facts, pol)
    assert (v.path, v.kind) == ('trees', 'staged-worktree')


def test_scope_all_with_conflicts_gitlinks_and_no_newline(
        plain_repo: RepoHandle, check: Checker) -> None:
    r = plain_repo
    policy(r, 'paths:\n  scope: all\n')
    # Only a gitlink changes: nothing to read.
    r.git('update-index', '--add', '--cacheinfo',
          f'160000,{r.head()},sub')
    assert check.json(r.path) == []
    r.git('rm', '-q', '--cached', 'sub')
    # A finding on a last line without a newline.
    stage(r, {'tail.md': 'x\nend ../../x'})
    assert codes(check.json(r.path)) == ['tail.md:2:5 relative-escape']
    assert codes(check.json(r.path, '--all-files')) == [
        'tail.md:2:5 relative-escape']
    r.git('rm', '-q', '--cached', 'tail.md')
    # A conflicted merge: unmerged entries have no content to judge.
    _branch(r, 'issue-8-x', {'c.md': 'ours\n'})
    r.git('switch', '-q', 'main')
    _branch(r, 'issue-8-y', {'c.md': 'theirs\n'})
    r.run_git('merge', '-q', 'issue-8-x')
    assert r.git('status', '--porcelain', 'c.md')[:2] == 'AA'
    assert check.json(r.path) == []


def test_content_without_candidates_never_imports_re(
        plain_repo: RepoHandle) -> None:
    """`re` costs milliseconds of a hook run: the rule imports it only when
    a candidate literal occurs in the content."""
    import subprocess
    r = plain_repo
    stage(r, {'docs/new.md': 'plain text, src/app.py and docs/guide.md\n'})
    code = (
        'import sys\n'
        'from worktree_guard.gitctx import Repo, paths\n'
        'from worktree_guard.policy import default_policy\n'
        'from worktree_guard.rules import worktree_paths\n'
        'from worktree_guard.model import StageInput\n'
        'pol = default_policy()\n'
        "facts = paths.path_facts(Repo.discover(), pol, StageInput('commit'))\n"
        'assert facts.changes[0].regions, facts\n'
        'print(worktree_paths.check(facts, pol), "re" in sys.modules)\n'
    )
    # The hot path as hooks run it: posix_spawn (the subprocess fallback
    # imports more, by design).
    env = {k: v for k, v in os.environ.items()
           if k != 'WORKTREE_GUARD_SPAWN'}
    out = subprocess.run([sys.executable, '-I', '-S', '-c',
                          f'import sys; sys.path[:0] = {sys.path!r}\n' + code],
                         cwd=r.path, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['[]', 'False']

