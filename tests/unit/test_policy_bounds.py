"""Bounds on hostile policies (no git): size, YAML node budget, amounts,
and what a policy path may be."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from worktree_guard.errors import PolicyError
from worktree_guard.policy import parse_duration
from worktree_guard.policy import parse_size
from worktree_guard.policy.bounds import MAX_NODES
from worktree_guard.policy.bounds import MAX_POLICY_BYTES
from worktree_guard.policy.bounds import check_amounts
from worktree_guard.policy.bounds import check_file
from worktree_guard.policy.bounds import check_nodes
from worktree_guard.policy.bounds import check_size
from worktree_guard.policy.bounds import expanded_nodes


def bomb(levels: int, width: int = 9) -> str:
    """Billion laughs: each level lists the previous one ``width`` times."""
    lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
    for i in range(1, levels):
        refs = ', '.join([f'*a{i - 1}'] * width)
        lines.append(f'a{i}: &a{i} [{refs}]')
    return '\n'.join(lines) + '\n'


def compose(text: str) -> yaml.Node:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    assert node is not None
    return node


@pytest.mark.timeout(30)
def test_alias_bomb_is_measured_not_expanded() -> None:
    node = compose(bomb(12))   # 9**12 nodes, a few hundred bytes
    assert len(bomb(12)) < 800
    assert expanded_nodes(node) == MAX_NODES + 1
    with pytest.raises(PolicyError) as e:
        check_nodes(node, 'p.yaml')
    assert 'expands to more than 10000 YAML nodes' in e.value.message


@pytest.mark.parametrize(('text', 'want'), [
    ('a: 1\n', 3),                          # mapping, key, value
    ('a: &x [1, 2]\nb: *x\n', 9),           # the list counts twice
    ('[1, [2, [3]]]\n', 6),
    ('x\n', 1),
])
def test_expanded_nodes(text: str, want: int) -> None:
    assert expanded_nodes(compose(text)) == want


def test_a_cycle_is_endless() -> None:
    node = compose('&a [1, *a]\n')
    assert expanded_nodes(node) == MAX_NODES + 1


def test_small_policies_pass() -> None:
    check_nodes(compose('branches:\n  exempt: [main]\n'), 'p.yaml')
    check_nodes(None, 'p.yaml')


def test_size() -> None:
    check_size(MAX_POLICY_BYTES, 'p.yaml')
    with pytest.raises(PolicyError) as e:
        check_size(MAX_POLICY_BYTES + 1, 'p.yaml')
    assert 'a policy is at most 1048576 bytes (1 MiB)' in e.value.message


def _at(path: tuple[str, ...]) -> str:
    return f'p.yaml:{".".join(path)}'


@pytest.mark.parametrize(('data', 'found'), [
    ({}, []),
    ({'paths': {'max-file-size': '1GiB'}}, []),
    ({'paths': {'max-file-size': 1 << 30}}, []),
    ({'paths': {'max-file-size': '2GiB'}}, ["'paths.max-file-size' is over"]),
    ({'paths': {'max-file-size': 99999999999999999999}},
     ["'paths.max-file-size' is over"]),
    ({'sync': {'max-staleness': '366d'}}, []),
    ({'sync': {'max-staleness': '53w'}}, ["'sync.max-staleness' is over"]),
    ({'paths': None, 'sync': 'x'}, []),
])
def test_amounts(data: dict[str, object], found: list[str]) -> None:
    got = check_amounts(data, _at, parse_size, parse_duration)
    assert len(got) == len(found)
    for (msg, _hint), want in zip(got, found, strict=True):
        assert want in msg


def test_check_file(tmp_path: Path) -> None:
    root = tmp_path / 'repo'
    root.mkdir()
    p = root / '.worktree-guard.yaml'
    check_file(str(p), str(root), 'p')          # absent: fine
    p.write_text('version: 1\n')
    check_file(str(p), str(root), 'p')          # a file: fine
    p.unlink()
    p.mkdir()
    with pytest.raises(PolicyError, match='the policy is a directory'):
        check_file(str(p), str(root), 'p')
    p.rmdir()
    os.mkfifo(p)
    with pytest.raises(PolicyError, match='the policy is a FIFO'):
        check_file(str(p), str(root), 'p')
    p.unlink()
    p.symlink_to(root / 'nothing')
    with pytest.raises(PolicyError, match='a symlink to nothing'):
        check_file(str(p), str(root), 'p')
    p.unlink()
    secret = tmp_path / 'secret.txt'
    secret.write_text('top secret first line\n')
    p.symlink_to(secret)
    with pytest.raises(PolicyError) as e:
        check_file(str(p), str(root), 'p')
    assert 'a symlink out of the repository' in e.value.message
    assert 'top secret' not in e.value.render()
    check_file(str(p), None, 'p')               # --policy: anywhere
    p.unlink()
    (root / 'real.yaml').write_text('version: 1\n')
    p.symlink_to('real.yaml')
    check_file(str(p), str(root), 'p')          # inside the repo: fine
    p.unlink()
    p.symlink_to('/dev/null')
    with pytest.raises(PolicyError, match='not a file'):
        check_file(str(p), None, 'p')
