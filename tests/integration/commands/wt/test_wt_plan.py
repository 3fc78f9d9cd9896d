"""The landing order (``commands.wt.plan``): pure logic, no git."""
from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from worktree_guard.commands.wt import plan
from worktree_guard.commands.wt.plan import conflicted_rebases
from worktree_guard.commands.wt.plan import landing_order
from worktree_guard.commands.wt.plan import pairs_of
from worktree_guard.commands.wt.plan import render


def _row(name: str, issue: int | None = None, behind: int = 0,
         base_conflict: bool | None = False,
         uncommitted: bool = False) -> dict[str, Any]:
    return {'name': name, 'issue': issue, 'behind': behind,
            'base_conflict': base_conflict, 'uncommitted': uncommitted}


def _pairs(**kinds: str) -> dict[frozenset[str], tuple[str, list[str]]]:
    return {frozenset(k.split('_')): (v, ['f.py']) for k, v in kinds.items()}


@pytest.mark.parametrize(('rows', 'pairs', 'order'), [
    # No relations: by issue number, then name.
    ([_row('c', 3), _row('a', 1), _row('b')], {}, ['a', 'c', 'b']),
    # A conflicting pair goes last; the free one first.
    ([_row('a', 1), _row('b', 2), _row('c', 3)], _pairs(a_b='conflict'),
     ['c', 'a', 'b']),
    # Synced before behind, clean before a base conflict.
    ([_row('a', 1, behind=2), _row('b', 2)], {}, ['b', 'a']),
    ([_row('a', 1, base_conflict=True), _row('b', 2, behind=1)], {},
     ['b', 'a']),
    # Unknown (cut) relations after clean overlaps.
    ([_row('a', 1), _row('b', 2), _row('c', 3)],
     _pairs(a_b='cut', b_c='clean'), ['c', 'a', 'b']),
    # Uncommitted work waits when all else is equal.
    ([_row('a', 1, uncommitted=True), _row('b', 2)], {}, ['b', 'a']),
    # One branch conflicting with two: the other two go first.
    ([_row('hub', 1), _row('x', 2), _row('y', 3)],
     _pairs(hub_x='conflict', hub_y='conflict'), ['x', 'hub', 'y']),
])
def test_order(rows: list[dict[str, Any]],
               pairs: dict[frozenset[str], tuple[str, list[str]]],
               order: list[str]) -> None:
    assert [s['branch'] for s in landing_order(rows, pairs)] == order


def test_steps_say_what_to_rebase_and_resolve() -> None:
    rows = [_row('a', 1), _row('b', 2, behind=1, uncommitted=True),
            _row('c', 3), _row('d', 4, base_conflict=True), _row('e', 5)]
    pairs = _pairs(a_b='conflict', a_c='clean', b_c='overlap')
    pairs[frozenset(('a', 'e'))] = ('cut', ['g.py'])
    steps = landing_order(rows, pairs)
    by = {s['branch']: s for s in steps}
    first = steps[0]
    assert first['step'] == 1 and first['ready']
    a = by['a']
    assert a['rebase_after'] == sorted(
        o for o in ('b', 'c', 'e') if o in {s['branch'] for s in
                                            steps[a['step']:]})
    assert by['b']['before'] == ['sync it first (1 behind)',
                                 'commit its uncommitted work']
    assert by['d']['before'] == ['resolve its conflict with the base']
    text = '\n'.join(render(steps))
    assert 'landing order' in text
    # Whoever of a/b lands first must hand-resolve the other.
    if a['step'] < by['b']['step']:
        assert a['hand_resolve'] == [{'branch': 'b', 'files': ['f.py']}]
        assert 'then rebase b: CONFLICT to resolve by hand in f.py' in text
    assert render([]) == ['landing order: nothing to land']


def test_render_summarises_many() -> None:
    rows = [_row('b01', 1)] + [_row(f'b{i:02}', i, base_conflict=True)
                               for i in range(2, 13)]
    pairs = {frozenset(('b01', f'b{i:02}')): ('cut', ['hot.py'])
             for i in range(2, 13)}
    pairs |= {frozenset(('b01', 'b02')): ('clean', ['x.py'])}
    steps = landing_order(rows, pairs)
    text = '\n'.join(render(steps, most=3))
    assert steps[0]['branch'] == 'b01'
    assert '  then rebase 10 branches (shares files, not forecast): ' \
        'b03, b04, b05, ...' in text
    assert 'then rebase b02: shares files, rebases cleanly' in text


def test_pairs_of() -> None:
    got = pairs_of([
        {'branches': ['a', 'b'], 'files': ['f'], 'conflict': True,
         'conflict_files': ['f']},
        {'branches': ['a', 'c'], 'files': ['g'], 'conflict': False,
         'conflict_files': []},
        {'branches': ['b', 'c'], 'files': ['h'], 'conflict': None,
         'conflict_files': None},
        {'branches': ['c', 'd'], 'files': ['i'], 'conflict': None,
         'conflict_files': None, 'cut': True},
    ])
    assert got == {frozenset('ab'): ('conflict', ['f']),
                   frozenset('ac'): ('clean', ['g']),
                   frozenset('bc'): ('overlap', ['h']),
                   frozenset('cd'): ('cut', ['i'])}


# -- the fewest conflicted rebases (issue 25) -------------------------------------------

def _random_case(rng: random.Random, n: int, p: float) -> tuple[
        list[dict[str, Any]], dict[frozenset[str], tuple[str, list[str]]],
        dict[tuple[str, str], list[str]]]:
    """``n`` branches; each directed pair conflicts with chance ``p``
    (rebasing the second after the first lands)."""
    names = [f'b{i}' for i in range(n)]
    directed = {(a, b): ['f.py'] for a in names for b in names
                if a != b and rng.random() < p}
    pairs = {frozenset(k): ('conflict', ['f.py']) for k in directed}
    rows = [_row(name, i + 1, behind=rng.randint(0, 1))
            for i, name in enumerate(names)]
    return rows, pairs, directed


def test_exact_order_matches_brute_force() -> None:
    rng = random.Random(25)
    for _ in range(400):
        rows, pairs, directed = _random_case(rng, rng.randint(1, 7),
                                             rng.choice((0.2, 0.4, 0.7)))
        steps = landing_order(rows, pairs, directed)
        order = [s['branch'] for s in steps]
        assert sorted(order) == sorted(r['name'] for r in rows)
        best = min(conflicted_rebases(p, directed)
                   for p in itertools.permutations(order))
        assert conflicted_rebases(order, directed) == best
        assert sum(len(s['hand_resolve']) for s in steps) == best


def test_greedy_above_the_exact_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above ``EXACT_MAX`` branches the greedy order is never better than
    the optimum (a check of the cost function), and finds it on a chain
    of one-way conflicts (each branch's rebase after the previous one
    stops)."""
    monkeypatch.setattr(plan, 'EXACT_MAX', 0)
    rng = random.Random(7)
    for _ in range(100):
        rows, pairs, directed = _random_case(rng, rng.randint(2, 6), 0.4)
        order = [s['branch'] for s in landing_order(rows, pairs, directed)]
        best = min(conflicted_rebases(p, directed)
                   for p in itertools.permutations(order))
        assert conflicted_rebases(order, directed) >= best
    names = [f'c{i}' for i in range(5)]
    chain = {(names[i], names[i + 1]): ['f.py'] for i in range(4)}
    rows = [_row(n, 9 - i) for i, n in enumerate(names)]
    order = [s['branch'] for s in landing_order(
        rows, {frozenset(k): ('conflict', ['f.py']) for k in chain}, chain)]
    assert conflicted_rebases(order, chain) == 0
    assert order == names[::-1]


def test_one_way_conflict_lands_the_sensitive_branch_first() -> None:
    """b's intermediate commit stops its rebase after a lands; a rebases
    cleanly after b: b goes first whatever the issue numbers say."""
    rows = [_row('a', 1), _row('b', 2)]
    pairs = {frozenset('ab'): ('conflict', ['f.py'])}
    steps = landing_order(rows, pairs, {('a', 'b'): ['f.py']})
    assert [s['branch'] for s in steps] == ['b', 'a']
    assert steps[0]['hand_resolve'] == []
