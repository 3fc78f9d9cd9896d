"""The documentation is complete and true to the code: every hook id,
command, policy key, rule and kind is documented, every link resolves, the
README stays an adopter's page (at most 500 lines, a table of contents, a
two-command Quick start), and its policy examples validate."""
from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from worktree_guard.policy import DEFAULTS
from worktree_guard.policy import load_schema
from worktree_guard.rules import HOOK_IDS
from worktree_guard.rules import RULES

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / 'README.md').read_text()
DOCS = {p: p.read_text() for p in sorted((ROOT / 'docs').glob('*.md'))}
ALL = README + ''.join(DOCS.values())


def _commands() -> list[str]:
    from worktree_guard.cli import parser
    sub = next(a for a in parser()._actions
               if a.__class__.__name__ == '_SubParsersAction')
    return sorted(sub.choices)  # type: ignore[attr-defined]


def test_every_hook_id_is_in_the_readme() -> None:
    hooks = yaml.safe_load((ROOT / '.pre-commit-hooks.yaml').read_text())
    ids = {h['id'] for h in hooks}
    assert set(HOOK_IDS) <= ids
    for hook_id in ids:
        assert f'`{hook_id}`' in README, hook_id


@pytest.mark.parametrize('command', _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    table = README.split('## Commands', 1)[1].split('\n## ', 1)[0]
    assert re.search(rf'`{re.escape(command)}\b', table), command


def test_every_policy_key_is_documented() -> None:
    missing = [f'{section}.{key}' for section, values in DEFAULTS.items()
               if section != 'rules' for key in values
               if f'`{section}.{key}`' not in ALL]
    assert not missing


def test_every_rule_and_kind_is_documented() -> None:
    for spec in RULES.values():
        assert f'`{spec.id}`' in README, spec.id
        for kind in spec.kinds:
            assert f'`{kind}`' in ALL, f'{spec.id}/{kind}'


def test_the_readme_is_an_adopters_page() -> None:
    assert len(README.splitlines()) <= 500
    assert '## Contents' in README
    quick = README.split('## Quick start', 1)[1].split('\n## ', 1)[0]
    commands = re.findall(r'^\./dev \w+', quick, re.M)
    assert commands == ['./dev demo', './dev test']
    for code in ('`0`', '`1`', '`2`'):
        assert code in README


@pytest.mark.parametrize('page', [ROOT / 'README.md', *DOCS],
                         ids=lambda p: p.name)
def test_every_relative_link_resolves(page: Path) -> None:
    text = page.read_text()
    for target in re.findall(r'\]\(([^)#\s]+)(?:#[^)]*)?\)', text):
        if '://' in target or target.startswith('mailto:'):
            continue
        assert (page.parent / target).exists(), f'{page.name}: {target}'


def test_readme_anchors_resolve() -> None:
    headings = re.findall(r'^#+ (.+)$', README, re.M)
    slugs = {re.sub(r'[^\w\- ]', '', h).strip().lower().replace(' ', '-')
             for h in headings}
    for anchor in re.findall(r'\]\(#([^)]+)\)', README):
        assert anchor in slugs, anchor


def test_policy_examples_validate() -> None:
    validator = jsonschema.Draft202012Validator(load_schema())
    blocks = [b for text in (README, *DOCS.values())
              for b in re.findall(r'```yaml\n(.*?)```', text, re.S)]
    policies = [b for b in blocks
                if re.match(r'\s*(# \.worktree-guard\.yaml|version:)', b)]
    assert policies
    for block in policies:
        validator.validate(yaml.safe_load(block))
