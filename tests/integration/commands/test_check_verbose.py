"""`check -v` (what a passing check judged by) and the hint a whole-file
run on a repository with history gives (issue 28), on real repositories."""
from __future__ import annotations

from tests.helpers import RepoHandle
from tests.helpers import there
from tests.helpers import wg

BASELINE = '.worktree-guard-baseline.json'
LEGACY = {f'docs/old{i}.md': f'see ../../main-repo/a{i}.md\n'
          for i in range(3)}


def _commit(r: RepoHandle, files: dict[str, str], msg: str = 'c') -> None:
    if files is LEGACY:
        # What the legacy findings reach is on this machine, beside the
        # clone: the evidence that makes them errors (docs/paths.md).
        there(r.path, *(f'../main-repo/a{i}.md' for i in range(3)))
    for rel, text in files.items():
        r.write(rel, text)
    r.git('add', '-A')
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', msg)


def _notes(out: str) -> list[str]:
    return [ln[len('note: '):] for ln in out.splitlines()
            if ln.startswith('note: ')]


def test_verbose_says_policy_baseline_and_rules(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-5-verbose')
    proc = wg('check', '-v', cwd=r.path)
    assert proc.returncode == 0, proc
    assert _notes(proc.stdout) == [
        'policy: the built-in defaults (no .worktree-guard.yaml)',
        f'baseline: not read (nothing was found in a file for HEAD:'
        f'{BASELINE} to accept)',
        'rules run (commit stage): branch-name, protected-branch, '
        'worktree-layout, worktree-paths']
    # Without -v a passing check says nothing.
    assert wg('check', cwd=r.path).stdout == ''
    # The working tree's file; a rule it switches off; SKIP; --hook.
    r.write('.worktree-guard.yaml', 'version: 1\nrules:\n'
            '  worktree-layout: off\n')
    proc = wg('check', '--verbose', '--hook', 'worktree-guard-commit',
              cwd=r.path, env={'SKIP': 'check-branch-name'})
    notes = _notes(proc.stdout)
    assert notes[0] == 'skipped branch-name (SKIP=check-branch-name)'
    assert notes[1] == "policy: .worktree-guard.yaml (the working tree's " \
        "file)", proc
    assert notes[-1] == 'rules not run: branch-name (SKIP=check-branch-name)'\
        ', worktree-layout (off in the policy)', proc
    proc = wg('check', '-v', '--rule', 'branch-name', '--policy',
              '.worktree-guard.yaml', cwd=r.path)
    notes = _notes(proc.stdout)
    assert notes[0] == 'policy: .worktree-guard.yaml (--policy)'
    assert notes[2] == 'rules run (commit stage): branch-name'
    assert notes[3].startswith('rules not run: protected-branch (not asked '
                               'for: --rule), '), notes
    proc = wg('check', '-v', '--hook', 'check-branch-name', cwd=r.path)
    assert 'worktree-paths (not asked for: --hook check-branch-name)' in \
        _notes(proc.stdout)[-1], proc
    # Machine formats and --quiet keep stdout theirs: the lines go to stderr.
    for extra in (['--format', 'json'], ['--quiet']):
        proc = wg('check', '-v', *extra, cwd=r.path)
        assert proc.returncode == 0, proc
        assert 'policy:' not in proc.stdout
        assert _notes(proc.stderr)[0].startswith('policy: '), proc


def test_verbose_says_what_the_baseline_accepted(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    _commit(r, LEGACY, 'legacy')
    r.git('switch', '-q', '-c', 'issue-6-adopt')
    proc = wg('check', '-v', '--all-files', cwd=r.path)
    assert proc.returncode == 1
    assert f'baseline: none (HEAD has no committed {BASELINE}; a baseline ' \
        'applies once committed)' in _notes(proc.stdout), proc
    assert wg('baseline', cwd=r.path).returncode == 0
    _commit(r, {}, 'baseline')
    proc = wg('check', '-v', '--all-files', cwd=r.path)
    assert proc.returncode == 0, proc
    assert f'baseline: HEAD:{BASELINE} (the committed copy) accepted 3 ' \
        'findings' in _notes(proc.stdout), proc


def test_verbose_in_ci_names_the_base(plain_repo: RepoHandle) -> None:
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-7-ci')
    _commit(r, {'a.md': 'a\n'})
    args = ('check', '-v', '--stage', 'push', '--from-ref', 'main',
            '--to-ref', 'HEAD')
    proc = wg(*args, cwd=r.path)
    assert proc.returncode == 0, proc
    notes = _notes(proc.stdout)
    notes = notes[[n.startswith('policy:') for n in notes].index(True):]
    assert notes[0] == 'policy: the built-in defaults (main has no ' \
        ".worktree-guard.yaml) (--policy-from-ref: a change is judged by " \
        "its base's policy)", proc
    assert notes[1] == 'baseline: not read (nothing was found in a file ' \
        f'for main:{BASELINE} to accept)'
    assert notes[2].startswith('rules run (push stage): ')
    r.git('switch', '-q', 'main')
    _commit(r, {'.worktree-guard.yaml': 'version: 1\n'})
    r.git('switch', '-q', 'issue-7-ci')
    r.git('-c', 'core.hooksPath=/dev/null', 'rebase', '-q', 'main')
    proc = wg(*args, cwd=r.path)
    assert 'policy: main:.worktree-guard.yaml, ' \
        "the base commit's (--policy-from-ref: a change is judged by its " \
        "base's policy)" in _notes(proc.stdout), proc


def test_legacy_hint_once_when_untouched_files_fail(
        plain_repo: RepoHandle) -> None:
    r = plain_repo
    _commit(r, LEGACY, 'legacy')
    r.git('switch', '-q', '-c', 'issue-8-adopt')
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 1
    hints = [ln for ln in proc.stdout.splitlines() if ln.startswith('hint:')]
    assert hints == [
        'hint: 3 of these errors are in 3 files this change does not touch. '
        ' On a repository with history, accept what is there today once and '
        'fail only new findings: run `worktree-guard baseline`, then commit '
        f'{BASELINE} (runs read the committed copy; see docs/baseline.md)']
    assert proc.stdout.rstrip().endswith(hints[0])
    # What `pre-commit run --all-files` runs: the hook's entry and every
    # tracked file's name; the hint comes once, after the bypass line.
    proc = wg('check', '--hook', 'worktree-guard-commit', '--stage',
              'commit', '-v', *sorted(LEGACY), 'README.md', cwd=r.path,
              env={'PRE_COMMIT': '1'})
    assert proc.returncode == 1, proc
    out = proc.stdout.splitlines()
    assert [ln for ln in out if ln.startswith('hint:')] == hints, proc
    assert out[-2].startswith('  (to bypass once: SKIP='), proc
    # Not in machine formats, not with --quiet, not without --all-files.
    for extra in (['--format', 'json'], ['--quiet']):
        assert 'hint:' not in wg('check', '--all-files', *extra,
                                 cwd=r.path).output
    # Findings in files the change touches are the change's own.
    for rel, text in LEGACY.items():
        r.write(rel, text + 'more\n')
    r.git('add', '-A')
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 1 and 'hint:' not in proc.output, proc
    r.git('reset', '-q', '--hard')
    # Fewer than three are quicker fixed than baselined.
    r.git('rm', '-q', '--cached', 'docs/old0.md')
    r.git('-c', 'core.hooksPath=/dev/null', 'commit', '-q', '-m', 'fewer')
    (r.path / 'docs/old0.md').unlink()
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 1 and 'hint:' not in proc.output, proc
    # A committed baseline: nothing fails, no hint.
    _commit(r, LEGACY, 'legacy again')
    assert wg('baseline', cwd=r.path).returncode == 0
    _commit(r, {}, 'baseline')
    proc = wg('check', '--all-files', cwd=r.path)
    assert proc.returncode == 0 and 'hint:' not in proc.output, proc
