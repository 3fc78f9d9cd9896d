"""The rule registry: one SPEC per rule, and everything derived from it
(registry tuples, hook ids, policy defaults and schema, README table) agrees
with it.  An example rule declared in tests/example_rule.py goes through
the whole registry: policy schema, runner, hook id, skip, explain."""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import RepoHandle
from worktree_guard import cli
from worktree_guard import gen
from worktree_guard import policy as P
from worktree_guard import rules
from worktree_guard import runner
from worktree_guard.errors import PolicyError
from worktree_guard.policy import defaults
from worktree_guard.policy import validate
from worktree_guard.rules import derive
from worktree_guard.rules.spec import RuleSpec
from worktree_guard.rules.spec import Section
from worktree_guard.rules.spec import key

EXAMPLE = 'tests.example_rule'


def test_generated_files_are_current() -> None:
    """policy/schema.json, policy/defaults.py and the docs' rule tables
    are what `./dev gen` writes from the SPECs."""
    assert gen.stale(rules.REGISTRY) == []
    assert gen.main(['--check']) == 0


def test_pre_commit_hooks_agree_with_the_registry(project_root: Path) -> None:
    hooks = yaml.safe_load(
        (project_root / '.pre-commit-hooks.yaml').read_text())
    assert {h['id'] for h in hooks} == set(rules.HOOK_IDS)
    # The commit stage also judges merge commits (pre-merge-commit).
    git_stage = {'commit': {'pre-commit', 'pre-merge-commit'},
                 'push': {'pre-push'}}
    for hook in hooks:
        assert f"--hook {hook['id']}" in hook['entry']
        ran = rules.HOOK_IDS[hook['id']]
        stages = {s for r in ran for s in rules.RULES[r].stages}
        if len(ran) > 1:  # a whole-stage hook
            stage = 'commit' if ran == rules.COMMIT_RULES else 'push'
            assert f'--stage {stage}' in hook['entry']
            stages = {stage}
        assert set(hook['stages']) == {g for s in stages
                                       for g in git_stage[s]}


def test_every_rule_module_is_wired() -> None:
    from worktree_guard.gitctx.collect import COLLECTORS
    from worktree_guard.gitctx.collect import collector
    # Every collector loads by its name, and is the function it names.
    for kind, (module_name, name) in COLLECTORS.items():
        found = collector(kind)
        assert callable(found)
        assert (found.__module__, found.__name__) == (module_name, name)
    for rule, spec in rules.RULES.items():
        module = runner.rule_module(rule)
        assert module.SPEC is spec and module.__name__ == spec.module
        assert spec.stages and set(spec.stages) <= {'commit', 'push',
                                                     'server', 'agent'}
        if spec.client:
            assert spec.facts == module.FACTS and spec.facts in COLLECTORS
            assert callable(module.check)
    assert rules.COMMIT_RULES == ('branch-name', 'protected-branch',
                                  'worktree-layout', 'worktree-paths')
    assert rules.PUSH_RULES == ('branch-name', 'protected-branch',
                                'worktree-paths', 'sync-before-push')
    assert 'server-policy' not in P.DEFAULTS['rules']


def _spec(id: str, section: Section | None = None,
          kinds: dict[str, str] | None = None) -> RuleSpec:
    return RuleSpec(id, summary='s', explain='e', stages=('commit',),
                    facts='branch', kinds=kinds, section=section)


def test_the_registered_modules_are_those_with_a_spec() -> None:
    """A module in rules/ with a SPEC is a rule and must be registered; a
    helper module beside a rule (agent_shell.py) has none and is not."""
    names = {f'worktree_guard.rules.{p.stem}'
             for p in Path(rules.__file__).parent.glob('*.py')
             if p.stem != '__init__'}
    with_spec = {n for n in names
                 if hasattr(importlib.import_module(n), 'SPEC')}
    assert with_spec == set(rules.RULE_MODULES)
    assert 'worktree_guard.rules.agent_shell' in names - with_spec


@pytest.mark.parametrize(('specs', 'error'), [
    ([_spec('a', Section('paths', {}))], "two owners of the policy section "
                                         "'paths'"),
    ([_spec('a', Section('x', {})), _spec('b', Section('x', {}))],
     "two owners of the policy section 'x'"),
    ([_spec('a', Section('rules', {}))], "section 'rules'"),
    ([_spec('a', kinds={'k': 'loud'})], "a/k: unknown severity 'loud'"),
])
def test_derive_refuses_conflicting_specs(specs: list[RuleSpec],
                                          error: str) -> None:
    reg = rules.Registry({s.id: s for s in
                          [*rules.RULES.values(), *specs]})
    with pytest.raises(ValueError, match=error):
        derive.build_schema(reg)


def test_key_helpers_write_json_schema() -> None:
    assert key(3, 'd', type='integer', exclusive_minimum=0) == {
        'type': 'integer', 'exclusiveMinimum': 0, 'default': 3,
        'description': 'd'}


def test_gen_write_and_check(tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / 'README.md'
    readme.write_text('# x\n\n' + derive.TABLE_HEAD
                      + '| `old` | error | |\n\nmore\n')
    tail = tmp_path / 'tail.md'  # a table at the very end
    tail.write_text(derive.TABLE_HEAD + '| `old` | error | |\n')
    plain = tmp_path / 'plain.md'  # no table: not generated
    plain.write_text('# no table\n')
    monkeypatch.setattr(gen, 'SCHEMA_PATH', str(tmp_path / 's.json'))
    monkeypatch.setattr(gen, 'DEFAULTS_PATH', str(tmp_path / 'd.py'))
    real_sections = gen.SECTIONS_PATH
    monkeypatch.setattr(gen, 'SECTIONS_PATH', str(tmp_path / 'sec.pyi'))
    monkeypatch.setattr(gen, 'INDEX_PATH', str(tmp_path / 'index.py'))
    monkeypatch.setattr(gen, 'DOCS', (str(readme), str(tail), str(plain),
                                      str(tmp_path / 'missing.md')))
    assert gen.main(['--check']) == 1  # nothing written yet
    assert 's.json: stale; run ./dev gen' in capsys.readouterr().err
    assert gen.main(['--write']) == 0
    assert gen.main(['--check']) == 0
    assert json.loads((tmp_path / 's.json').read_text()) == \
        validate.load_schema()
    # The typed sections for mypy, as committed.
    assert (tmp_path / 'sec.pyi').read_text() == \
        Path(real_sections).read_text()
    text = readme.read_text()
    assert '`old`' not in text and '| `worktree-paths` | error |' in text
    assert text.endswith('\n\nmore\n')
    assert tail.read_text() == derive.rule_table(rules.REGISTRY)
    assert plain.read_text() == '# no table\n'
    # The rule index the runner reads: the registry's answers, no SPEC.
    written: dict[str, object] = {}
    exec((tmp_path / 'index.py').read_text(), written)
    assert written['PUSH_RULES'] == rules.PUSH_RULES
    assert written['HOOK_IDS'] == rules.HOOK_IDS
    assert written['RULES'] == {
        r: (s.module, tuple(s.stages), s.facts, s.client)
        for r, s in rules.RULES.items()}
    assert gen.main([]) == 2
    assert 'usage:' in capsys.readouterr().err


def test_lazy_names_of_the_policy_package() -> None:
    assert P.load_schema is validate.load_schema
    with pytest.raises(AttributeError, match='no_such_name'):
        P.no_such_name  # noqa: B018


# -- the example rule, through the whole registry ------------------------------------

def use_rules(monkeypatch: pytest.MonkeyPatch,
              modules: tuple[str, ...]) -> rules.Registry:
    """Run with the rules of ``modules``, as if ``RULE_MODULES`` named them
    and ``./dev gen`` had been run: the registry, and the policy's defaults
    and schema generated from it."""
    reg = rules.load_registry(modules)
    for name, value in (('REGISTRY', reg), ('RULES', reg.rules),
                        ('COMMIT_RULES', reg.commit_rules),
                        ('PUSH_RULES', reg.push_rules),
                        ('HOOK_IDS', reg.hook_ids)):
        monkeypatch.setattr(rules, name, value)
    from worktree_guard.rules import index
    written: dict[str, object] = {}
    exec(gen.rule_index(reg), written)  # the new rules/index.py
    for name in ('RULES', 'COMMIT_RULES', 'PUSH_RULES', 'HOOK_IDS'):
        monkeypatch.setattr(index, name, written[name])
    generated: dict[str, object] = {}
    exec(derive.render_defaults(reg), generated)  # the new defaults.py
    for name in ('DIGEST', 'DEFAULTS', 'NAME_GLOB_KEYS', 'PATH_GLOB_KEYS',
                 'BUILTIN_GLOBS'):
        monkeypatch.setattr(defaults, name, generated[name])
    schema = derive.build_schema(reg)
    monkeypatch.setattr(validate, 'load_schema', lambda: schema)
    return reg


def test_example_rule_goes_through_the_registry(
        plain_repo: RepoHandle, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    reg = use_rules(monkeypatch, rules.RULE_MODULES + (EXAMPLE,))
    assert reg.rules['no-wip'].module == EXAMPLE
    assert reg.commit_rules[-1] == 'no-wip' and 'no-wip' not in \
        reg.push_rules
    assert reg.hook_ids['check-no-wip'] == ('no-wip',)
    # The policy: its section and severity keys are in the defaults ...
    assert P.default_policy()['wip']['words'] == ['wip', 'tmp']
    assert P.default_policy().severity('no-wip', 'word') == 'error'
    # ... and the derived schema validates them.
    pol = P.parse('wip:\n  words: [draft]\nrules:\n  no-wip/word: warn\n')
    assert pol['wip']['words'] == ['draft']
    assert pol.severity('no-wip', 'word') == 'warn'
    for text, expect in (('rules:\n  no-wip: loud\n', "'rules.no-wip' is "
                                                      "'loud'"),
                         ('wip:\n  word: [x]\n', "did you mean 'words'?"),
                         ('server:\n  allow-skip: [nope]\n', 'nope')):
        with pytest.raises(PolicyError, match=expect):
            P.parse(text)
    assert P.parse('server:\n  allow-skip: [no-wip]\n')

    # The runner runs it on a real repository, at commit.
    r = plain_repo
    r.git('switch', '-q', '-c', 'issue-4-wip')
    monkeypatch.chdir(r.path)
    assert cli.main(['check', '--stage', 'commit']) == 1
    out = capsys.readouterr().out
    assert ("refs/heads/issue-4-wip: no-wip/word branch 'issue-4-wip' "
            "says it is 'wip'") in out
    assert cli.main(['check', '--hook', 'check-no-wip']) == 1
    # Its severity key in the policy file switches it off.
    (r.path / '.worktree-guard.yaml').write_text('rules:\n  no-wip: off\n')
    assert cli.main(['check', '--stage', 'commit']) == 0
    (r.path / '.worktree-guard.yaml').unlink()
    # Skipped by its hook id, and by its rule id.
    monkeypatch.setenv('SKIP', 'check-no-wip')
    assert cli.main(['check', '--stage', 'commit']) == 0
    monkeypatch.delenv('SKIP')
    monkeypatch.setenv('WORKTREE_GUARD_SKIP', 'no-wip')
    assert cli.main(['check', '--stage', 'commit']) == 0
    capsys.readouterr()
    # explain and rules list it.
    assert cli.main(['explain', 'no-wip/word']) == 0
    assert 'not ready for review' in capsys.readouterr().out
    assert cli.main(['rules']) == 0
    assert 'check-no-wip' in capsys.readouterr().out


def test_example_rule_changes_the_generated_files() -> None:
    """Registering a rule without `./dev gen` is caught by the test above
    (test_generated_files_are_current)."""
    reg = rules.load_registry(rules.RULE_MODULES + (EXAMPLE,))
    assert set(gen.stale(reg)) == {gen.SCHEMA_PATH, gen.DEFAULTS_PATH,
                                   gen.SECTIONS_PATH, gen.INDEX_PATH,
                                   *gen.DOCS}
