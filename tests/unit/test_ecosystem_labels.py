"""The ecosystem check's data files: the manifest pins its repositories,
and every finding in the labels file has a verdict, a reason and a key of
its own.  Pure data, no git."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ECO = Path(__file__).resolve().parents[2] / 'bench' / 'ecosystem'
KEY_FIELDS = ('repo', 'path', 'token', 'line_sha')


def _load(name: str) -> Any:
    with open(ECO / name, encoding='utf-8') as f:
        return json.load(f)


def _runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location('eco_run', ECO / 'run.py')
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


LABELS: list[dict[str, Any]] = _load('labels.json')['labels']
REPOS: list[dict[str, Any]] = _load('manifest.json')['repos']


def test_manifest_pins_at_least_eight_distinct_repos() -> None:
    names = [r['name'] for r in REPOS]
    assert len(names) >= 8
    assert len(set(names)) == len(names)
    for r in REPOS:
        assert re.fullmatch(r'[\w.-]+/[\w.-]+', r['name']), r
        assert re.fullmatch(r'[0-9a-f]{40}', r['commit']), r
        assert r['branch'] and r['why'] and r['kinds'], r


def test_labels_exist() -> None:
    assert LABELS, 'labels.json holds no labels'


@pytest.mark.parametrize('label', LABELS,
                         ids=lambda lb: f'{lb["repo"]}:{lb["path"]}')
def test_every_label_has_a_verdict_and_a_reason(label: dict[str, Any]) -> None:
    assert label['verdict'] in (True, False), \
        f'unlabelled: {label} (label it, see bench/ecosystem/README.md)'
    assert isinstance(label['reason'], str) and label['reason'].strip()
    assert '\n' not in label['reason'], 'one line per reason'
    assert re.fullmatch(r'[0-9a-f]{12}', label['line_sha']), label
    assert isinstance(label['path'], str) and label['path']
    assert isinstance(label['token'], str)


def test_label_keys_are_unique() -> None:
    keys = [tuple(lb[k] for k in KEY_FIELDS) for lb in LABELS]
    dupes = {k for k in keys if keys.count(k) > 1}
    assert not dupes


def test_labels_name_manifest_repos_only() -> None:
    names = {r['name'] for r in REPOS}
    assert {lb['repo'] for lb in LABELS} <= names


def test_labels_file_is_sorted_by_key() -> None:
    # The runner writes it sorted (stable diffs); hand edits keep it so.
    keys = [tuple(lb[k] for k in KEY_FIELDS) for lb in LABELS]
    assert keys == sorted(keys)


@pytest.mark.parametrize(('a', 'b', 'same'), [
    ('  ln -s ../x y\n', 'ln -s ../x y', True),      # stripped
    ('\tcd ../repo\r', 'cd ../repo', True),           # tabs and CR too
    ('cd ../repo', 'cd ../repo2', False),
    ('cd ../repo', 'cd  ../repo', False),              # inner blanks count
])
def test_line_hash_ignores_only_surrounding_blanks(a: str, b: str,
                                                   same: bool) -> None:
    h = _runner().line_hash
    assert (h(a) == h(b)) is same
    assert re.fullmatch(r'[0-9a-f]{12}', h(a))
