"""The landing order ``wt status`` and ``wt plan`` show (issue 15).

The workflow lands parallel branches in turn: land one, sync the others
onto the new base, land the next.  ``landing_order`` is a pure function of
the dashboard's facts (no git).  It minimises the conflicted rebases: a
pair ``(a, b)`` costs one when ``a`` lands first and rebasing ``b`` after
it conflicts (the forecasts are directed: a branch whose intermediate
commit conflicts may rebase cleanly the other way round).  Up to
``EXACT_MAX`` branches the order is exact (a DP over subsets); above, a
greedy heuristic picks the branch with the lowest net cost (the rebases its
landing now breaks minus those it would suffer later).  Among equally good
choices, the branch that will hurt the fewest others, so conflicts stay
rare and land late:

1. fewest forecast conflicts with the branches still waiting;
2. then no conflict with the base;
3. then fewest pairs whose forecast was cut (unknown);
4. then synced with the base (not behind);
5. then fewest branches sharing files with it;
6. then no uncommitted work, then the issue number.

Each step says which waiting branches must be rebased after it lands (they
change the same files) and which of those will need a hand-resolved
conflict.
"""
from __future__ import annotations

import heapq
from typing import Any
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Sequence

# A pair's relation: 'conflict', 'clean' (overlap, merges cleanly),
# 'overlap' (no forecast: old git) or 'cut' (not forecast: out of the
# ``--budget``, or a hotspot file).
Pairs = dict[frozenset[str], tuple[str, 'list[str]']]
# (lands, rebased after it) -> the files that stop that rebase.
Directed = dict[tuple[str, str], 'list[str]']


# Up to this many branches the order is exact (a DP over the subsets of
# branches: 2^n states); above it, the greedy heuristic below.
EXACT_MAX = 10


def conflicted_rebases(order: Sequence[str],
                       directed: Directed) -> int:
    """How many rebases stop with a conflict when the branches land in
    ``order`` and the waiting ones are rebased after each: the pairs
    ``(a, b)``, ``a`` first, whose rebase of ``b`` after ``a`` conflicts."""
    seen: set[str] = set()
    total = 0
    for b in order:
        total += sum((a, b) in directed for a in seen)
        seen.add(b)
    return total


def _suffix_costs(names: Sequence[str], directed: Directed) -> list[int]:
    """``best[S]``: the fewest conflicted rebases to land every branch
    outside the set ``S`` (a bit mask over ``names``) once ``S`` landed."""
    n = len(names)
    inc = [sum(1 << i for i, a in enumerate(names) if (a, b) in directed)
           for b in names]
    full = (1 << n) - 1
    best = [0] * (1 << n)
    for mask in range(full - 1, -1, -1):
        best[mask] = min(
            (inc[b] & mask).bit_count() + best[mask | 1 << b]
            for b in range(n) if not mask >> b & 1)
    return best


def landing_order(rows: Sequence[dict[str, Any]], pairs: Pairs,
                  directed: Directed | None = None) -> list[dict[str, Any]]:
    """The steps, in order.  ``rows``: ``name``, ``issue``, ``behind``,
    ``base_conflict``, ``uncommitted``; ``pairs``: relation and files per
    pair of names; ``directed``: ``(a, b) -> files`` when rebasing ``b``
    after ``a`` lands conflicts (default: both ways for every conflicting
    pair).

    The order lands the branches with the fewest conflicted rebases
    (``conflicted_rebases``): exactly, over every order, for up to
    ``EXACT_MAX`` branches (among the best orders, the scores below choose);
    above that greedily: the branch whose landing now costs the fewest
    conflicted rebases of the others, net of those it would suffer later,
    then the scores.  A heap of scores; landing a branch rescores only its
    neighbours."""
    if directed is None:
        directed = {}
        for pair, (kind, files) in pairs.items():
            if kind == 'conflict':
                a, b = sorted(pair)
                directed[(a, b)] = directed[(b, a)] = files
    return _Landing(rows, pairs, directed).steps()


_KINDS = ('conflict', 'clean', 'cut', 'overlap')


class _Landing:
    """The state of ``landing_order``: the branches still waiting, their
    neighbours by relation, the counts their scores read, and the heap."""

    def __init__(self, rows: Sequence[dict[str, Any]], pairs: Pairs,
                 directed: Directed) -> None:
        self.waiting = {r['name']: r for r in rows}
        self.directed = directed
        self.adj: dict[str, dict[str, set[str]]] = {
            n: {k: set() for k in _KINDS} for n in self.waiting}
        for pair, (kind, _) in pairs.items():
            a, b = sorted(pair)
            self.adj[a][kind].add(b)
            self.adj[b][kind].add(a)
        self.count = {n: {k: len(v) for k, v in self.adj[n].items()}
                      for n in self.adj}
        self.net = dict.fromkeys(self.waiting, 0)
        for a, b in directed:
            self.net[a] += 1  # landing a first costs b's rebase
            self.net[b] -= 1  # landing b first spares it
        self.names = sorted(self.waiting)
        self.exact = len(self.names) <= EXACT_MAX
        self.best = _suffix_costs(self.names, directed) if self.exact \
            else []
        self.bit = {n: 1 << i for i, n in enumerate(self.names)}
        self.landed = 0
        self.heap = [(self.score(n), n) for n in self.waiting]
        heapq.heapify(self.heap)

    def score(self, name: str) -> tuple[Any, ...]:
        r, c = self.waiting[name], self.count[name]
        return (0 if self.exact else self.net[name], c['conflict'],
                bool(r['base_conflict']), c['cut'] + c['overlap'],
                bool(r['behind']), sum(c.values()), bool(r['uncommitted']),
                r['issue'] if r['issue'] is not None else 1 << 62, name)

    def optimal(self, name: str) -> bool:
        """Does landing ``name`` now keep the order optimal (exact)?"""
        cost = sum((a, name) in self.directed for a in self.names
                   if self.landed & self.bit[a])
        return cost + self.best[self.landed | self.bit[name]] == \
            self.best[self.landed]

    def _pop(self) -> tuple[tuple[Any, ...], str]:
        """The best-scored waiting branch whose score is current."""
        while True:
            key, name = heapq.heappop(self.heap)
            if name in self.waiting and key == self.score(name):
                return key, name

    def pick(self) -> str:
        """The next branch: the best scored, among those that keep the
        order optimal when it is exact."""
        key, name = self._pop()
        if not self.exact or self.optimal(name):
            return name
        later = [(key, name)]
        while True:
            key, name = self._pop()
            if self.optimal(name):
                break
            later.append((key, name))
        for item in later:
            heapq.heappush(self.heap, item)
        return name

    def land(self, name: str) -> dict[str, Any]:
        """Land ``name``: rescore its neighbours; its step."""
        self.landed |= self.bit[name]
        r = self.waiting.pop(name)
        links = self.adj[name]
        for kind, others in links.items():
            for o in others:
                if o in self.waiting:
                    self.count[o][kind] -= 1
                    heapq.heappush(self.heap, (self.score(o), o))
        for (a, b) in self.directed:
            if name in (a, b):
                o = b if a == name else a
                if o in self.waiting:
                    self.net[o] += -1 if o == a else 1
                    heapq.heappush(self.heap, (self.score(o), o))
        still = {k: sorted(o for o in links[k] if o in self.waiting)
                 for k in _KINDS}
        before = _before(r)
        return {
            'branch': name, 'ready': not before, 'before': before,
            'rebase_after': sorted(o for k in _KINDS for o in still[k]),
            'hand_resolve': [
                {'branch': o, 'files': self.directed[(name, o)]}
                for o in sorted(self.waiting) if (name, o) in self.directed],
            'unknown': still['cut'] + still['overlap'],
        }

    def steps(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while self.waiting:
            out.append({'step': len(out) + 1, **self.land(self.pick())})
        return out


def _before(r: dict[str, Any]) -> list[str]:
    """What a branch needs before it can land."""
    before: list[str] = []
    if r['behind']:
        before.append(f"sync it first ({r['behind']} behind)")
    if r['base_conflict']:
        before.append('resolve its conflict with the base')
    if r['uncommitted']:
        before.append('commit its uncommitted work')
    return before


def pairs_of(overlaps: Sequence[dict[str, Any]]) -> Pairs:
    """The relation of each overlapping pair, from the status overlaps."""
    out: Pairs = {}
    for o in overlaps:
        kind = {True: 'conflict', False: 'clean', None: 'overlap'}[
            o['conflict']]
        if o.get('cut'):
            kind = 'cut'
        out[frozenset(o['branches'])] = (
            kind, o['conflict_files'] if o['conflict'] else o['files'])
    return out


def render(steps: Sequence[dict[str, Any]], most: int = 8) -> list[str]:
    if not steps:
        return ['landing order: nothing to land']
    out = ['landing order (the fewest conflicts first; after each lands: '
           'worktree-guard wt sync --all):']
    width = len(str(len(steps)))
    for s in steps:
        head = f"  {s['step']:>{width}}. {s['branch']}"
        head += '' if s['ready'] else f"  (first: {'; '.join(s['before'])})"
        out.append(head)
        for h in s['hand_resolve']:
            out.append(f"      then rebase {h['branch']}: CONFLICT to "
                       f"resolve by hand in {', '.join(h['files'])}")
        hand = {h['branch'] for h in s['hand_resolve']}
        unknown = set(s['unknown'])
        for label, names in (
                ('shares files, rebases cleanly', [
                    o for o in s['rebase_after']
                    if o not in hand and o not in unknown]),
                ('shares files, not forecast', s['unknown'])):
            if len(names) > most:
                out.append(f'      then rebase {len(names)} branches '
                           f"({label}): {', '.join(names[:most])}, ...")
            else:
                out.extend(f'      then rebase {o}: {label}' for o in names)
    return out
