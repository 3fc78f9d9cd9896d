"""bench/planted: every planted escape of a form the commit hook catches
today stays caught, through the same runner (a real main checkout, real
worktrees, the installed native hooks, ``git commit``); and the new forms
of issue 24 are caught in a change large enough for the pre-filter."""
from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import PROJECT

# A line added below a `cd` that is outside the changed lines: the commit
# reads only the patch (issue 24's "False negatives"; whole-file reading
# at commit is issue 26's).
KNOWN_MISSES = frozenset(('cd-outside-hunk',))


def _runner() -> ModuleType:
    path = PROJECT / 'bench' / 'planted' / 'run.py'
    spec = importlib.util.spec_from_file_location('planted_run', path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_every_caught_form_stays_caught(tmp_path: Path) -> None:
    run = _runner()
    entries = run.load()
    assert len(entries) >= 40
    results = run.measure(entries, tmp_path)
    table = run.summary(results)
    missed = [(r['id'], r['output'][-400:]) for r in results
              if not r['caught'] and r['form'] not in KNOWN_MISSES]
    assert missed == []
    assert set(table) - {'all'} >= {
        'relative-classic', 'absolute-main', 'sibling-worktree', 'symlink',
        'staged-under-trees', 'agent-settings', 'actions-working-directory',
        'compose-build', 'pathlib-parents', 'home-path', 'cd-outside-hunk'}


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_new_forms_survive_the_prefilter(tmp_path: Path) -> None:
    # 250 staged files: the commit names its candidates through git grep,
    # whose terms must hold ~/proj, parents[, directory: .. and friends.
    run = _runner()
    wanted = ('home-tilde-sibling', 'home-quoted-var-main',
              'pathlib-parents-index', 'os-path-dirname-join',
              'claude-additional-parent', 'actions-working-directory-parent')
    entries = {e['id']: e for e in run.load()}
    machine = run.Machine(tmp_path)
    machine.build()
    for name in wanted:
        caught, out = machine.attempt(entries[name], 'commit', filler=250)
        assert caught, (name, out[-400:])
    # The control: the same filler with a harmless file passes.
    caught, out = machine.attempt({'id': 'ok', 'form': 'control', 'files': {
        'notes.md': 'see ~/.bashrc and Path(__file__).parent\n'}},
        'commit', filler=250)
    assert not caught and 'worktree-paths' not in out


@pytest.mark.timeout(300)
def test_a_home_above_the_checkouts_costs_no_re(tmp_path: Path) -> None:
    # The engine is built on every commit, and its home spellings with
    # it: `re` still loads only for content that holds a candidate.
    import os
    import subprocess
    import sys
    run = _runner()
    machine = run.Machine(tmp_path)
    machine.build()
    tree = machine.trees['nested']
    (tree / 'notes.md').write_text('plain text, src/app.py\n')
    machine.git('add', 'notes.md', cwd=tree)
    code = (
        'import sys\n'
        'from worktree_guard.gitctx import Repo, paths\n'
        'from worktree_guard.policy import default_policy\n'
        'from worktree_guard.rules import worktree_paths\n'
        'from worktree_guard.model import StageInput\n'
        'pol = default_policy()\n'
        "facts = paths.path_facts(Repo.discover(), pol, StageInput('commit'))\n"
        'assert facts.home and facts.changes[0].regions, facts\n'
        'print(worktree_paths.check(facts, pol), "re" in sys.modules)\n'
    )
    env = {k: v for k, v in machine.env.items()
           if k != 'WORKTREE_GUARD_SPAWN'}
    out = subprocess.run([sys.executable, '-I', '-S', '-c',
                          f'import sys; sys.path[:0] = {sys.path!r}\n' + code],
                         cwd=tree, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['[]', 'False']
    assert str(machine.main).startswith(os.path.realpath(env['HOME']))
