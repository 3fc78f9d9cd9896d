"""Every structural claim of ARCHITECTURE.md is an import contract or a
test.  ``CLAIMS`` maps each claim (a sentence of the document, as written)
to what enforces it: a contract of ``pyproject.toml``, a test, or a check
of ``./dev lint`` (tests/lint/).  The tests below check that each claim is
still in the document and each backing still exists, and enforce the two
claims no other test does: the layer table is the "Layers" contract, and
only their entry points import the rules that the runner does not run."""
from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / 'ARCHITECTURE.md').read_text()
HERE = 'tests/integration/test_architecture_claims.py'

CLAIMS: list[tuple[str, list[str]]] = [
    ('Each row is one layer of the contract "Layers" in `pyproject.toml`, '
     'its\nmodules exactly',
     ['contract:Layers', f'test:{HERE}::test_the_layer_table_is_the_contract']),
    ('The rules and the path engine are pure: they import no git, no\n'
     '  `gitctx`, `oslimit`, `os`, `posix`, `pathlib`, `shutil` or '
     '`lightpath`.',
     ['contract:Rules and the path engine are pure',
      'test:tests/integration/test_architecture.py::'
      'test_a_violation_breaks_them']),
    ('No rule imports another rule.',
     ['contract:Rules import no other rule']),
    ('Only gitctx writes git\'s command lines',
     ['lint:git_lines', 'contract:No subprocess outside gitctx',
      'test:tests/integration/test_lint.py::test_a_violation_fails']),
    ('Two rules have their own entry\n  point, which imports them',
     [f'test:{HERE}::test_only_their_entry_points_import_the_own_rules']),
    ('No import cycle: no two modules of the package import each other',
     ['lint:acyclic',
      'test:tests/integration/test_lint.py::test_a_violation_fails']),
    ('no block worse than radon\ngrade C',
     ['lint:complexity',
      'test:tests/integration/test_lint.py::test_a_violation_fails']),
    ('No private name (`_x`) is imported from another module',
     ['lint:private_names',
      'test:tests/integration/test_lint.py::'
      'test_what_counts_as_a_private_import']),
    ('A rule module is a `RuleModule`',
     ['test:tests/integration/test_typing.py::'
      'test_mypy_reads_typed_rules_and_policy_sections']),
    ('Records compare by value, `Violation` among them',
     ['test:tests/unit/test_records.py::test_records_compare_by_value']),
    ("Each rule's `SPEC.facts` names the facts it needs",
     ['test:tests/integration/rules/test_registry.py::'
      'test_every_rule_module_is_wired']),
    ('`tests/integration/rules/test_registry.py` fails until they agree',
     ['test:tests/integration/rules/test_registry.py::'
      'test_example_rule_changes_the_generated_files']),
    ('`tests/integration/test_docs.py` fails for an undocumented key',
     ['test:tests/integration/test_docs.py::'
      'test_every_policy_key_is_documented']),
    ('`tests/integration/test_hotpath.py` runs each hook and checks '
     '`sys.modules`',
     ['test:tests/integration/test_hotpath.py::'
      'test_native_pre_commit_imports_nothing_it_does_not_use',
      'test:tests/integration/test_import_contract.py::'
      'test_commit_and_push_hooks_never_load_gitpython']),
    ('The modules a hook may load are\nlisted in `HOT_MODULES`',
     ['test:tests/integration/test_hotpath.py::'
      'test_hooks_load_only_the_hot_modules']),
    ('Every other module imports at the\ntop, like ordinary Python',
     ['lint:hot_path',
      'test:tests/integration/test_lint.py::'
      'test_what_counts_as_a_deferred_import']),
    ('imports 17 of our modules',
     ['test:tests/integration/commands/test_agent_hook.py::'
      'test_the_agent_hot_path_imports_nothing_it_does_not_use']),
    ('the import contract "Only the interactive commands use\nGitPython" '
     'keeps it out of every hook',
     ['contract:Only the interactive commands use GitPython',
      'test:tests/integration/test_import_contract.py::'
      'test_no_hook_module_reaches_gitpython']),
]


def _contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / 'pyproject.toml').read_text())
    found: list[dict[str, object]] = config['tool']['importlinter'][
        'contracts']
    return found


def _defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(n, ast.FunctionDef) and n.name == name
               for n in tree.body)


@pytest.mark.parametrize(('claim', 'backing'), CLAIMS,
                         ids=[c[:40] for c, _ in CLAIMS])
def test_each_claim_is_written_and_enforced(claim: str,
                                            backing: list[str]) -> None:
    assert claim in DOC, f'ARCHITECTURE.md no longer says: {claim!r}'
    names = [str(c['name']) for c in _contracts()]
    lint = (ROOT / 'dev').read_text()
    for item in backing:
        kind, _, what = item.partition(':')
        if kind == 'contract':
            assert any(n.startswith(what) for n in names), what
        elif kind == 'lint':
            assert (ROOT / 'tests' / 'lint' / f'{what}.py').is_file()
            assert '-m tests.lint worktree_guard' in lint
            main = (ROOT / 'tests' / 'lint' / '__main__.py').read_text()
            assert f'{what}.main(where)' in main, what
        else:
            assert kind == 'test', item
            path, _, func = what.partition('::')
            assert _defines(ROOT / path, func), what


def test_the_layer_table_is_the_contract() -> None:
    """The table's second column, row by row, is the contract's layers."""
    (layers,) = [c for c in _contracts() if c['type'] == 'layers']
    section = DOC.split('## The layers, top to bottom', 1)[1] \
        .split('Besides the layers', 1)[0]
    rows = [line for line in section.splitlines()
            if line.startswith('| ') and not line.startswith('| layer')]
    table = [set(re.findall(r'`([a-z_]+)`', row.split(' | ')[1]))
             for row in rows]
    contract = [set(re.split(r'\s*[:|]\s*', str(layer)))
                for layer in layers['layers']]  # type: ignore[attr-defined]
    assert table == contract


# The rules the runner does not run, and the only modules that import
# them (everything else reaches a rule through the registry, by name).
OWN_ENTRY = {
    'worktree_guard.rules.agent_guard': {'worktree_guard.commands.agent'},
    'worktree_guard.rules.server_policy': {'worktree_guard.server_guard',
                                           'worktree_guard.commands.server'},
}


def test_only_their_entry_points_import_the_own_rules() -> None:
    from worktree_guard import rules
    graph = grimp.build_graph('worktree_guard', cache_dir=None,
                              exclude_type_checking_imports=True)
    for module in rules.RULE_MODULES:
        importers = graph.find_modules_that_directly_import(module)
        assert importers == OWN_ENTRY.get(module, set()), module
    # ... and they are exactly the rules no stage of the runner runs.
    staged = set(rules.COMMIT_RULES) | set(rules.PUSH_RULES)
    assert {s.module for r, s in rules.RULES.items() if r not in staged} \
        == set(OWN_ENTRY)
