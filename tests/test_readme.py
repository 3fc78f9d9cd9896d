"""The README documents every hook id, policy key and exit code, and its
examples validate against the shipped schema."""
from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import yaml

from worktree_guard.policy import DEFAULTS
from worktree_guard.policy import load_schema
from worktree_guard.rules import HOOK_IDS
from worktree_guard.rules import RULES

README = (Path(__file__).resolve().parent.parent / 'README.md').read_text()


def test_every_hook_id_is_documented(project_root: Path) -> None:
    hooks = yaml.safe_load((project_root / '.pre-commit-hooks.yaml').read_text())
    ids = {h['id'] for h in hooks}
    assert ids == set(HOOK_IDS)
    for hook_id in ids:
        assert f'`{hook_id}`' in README, hook_id


def test_every_policy_key_is_documented() -> None:
    for section, values in DEFAULTS.items():
        if section == 'rules':
            continue
        for key in values:
            assert f'`{section}.{key}`' in README, f'{section}.{key}'


def test_every_rule_and_kind_is_documented() -> None:
    for info in RULES.values():
        assert f'`{info.id}`' in README
        for kind in info.kinds:
            assert f'`{kind}`' in README, f'{info.id}/{kind}'


def test_exit_codes_are_documented() -> None:
    for code in ('`0`', '`1`', '`2`'):
        assert code in README


def test_readme_policy_examples_validate() -> None:
    validator = jsonschema.Draft202012Validator(load_schema())
    blocks = re.findall(r'```yaml\n(.*?)```', README, re.S)
    policies = [b for b in blocks if b.lstrip().startswith(('#', 'version'))
                and 'repos:' not in b]
    assert policies
    for block in policies:
        validator.validate(yaml.safe_load(block))


def test_quick_start_has_two_commands() -> None:
    quick = README.split('## Quick start', 1)[1].split('##', 1)[0]
    assert './dev demo' in quick and './dev test' in quick
