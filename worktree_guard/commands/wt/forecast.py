"""The rebase forecasts of ``wt status`` and ``wt plan`` (issue 25).

The workflow rebases, so each branch is forecast the way ``git rebase``
would treat it (``gitctx.replay``: commit by commit, patch-id aware):

- against the base: ``up to date``, ``clean``, ``conflict`` (blamed on the
  base, with the commit that stops the rebase), ``landed`` (fast-forward,
  cherry-pick or squash) or ``empty`` (no commit of its own).  A branch
  whose tip is in the base is ``landed`` when its reflog shows it moved
  since it was created, else ``empty``;
- each overlapping pair, both ways: the rebase of one onto the base with
  the other landed (the other's replayed result, a commit in the scratch
  object directory).  ``conflict[(a, b)]``: the files that stop the rebase
  of ``b`` after ``a`` lands.  When one of the two conflicts with the base
  already (its result is unknown), the pair falls back to a merge of the
  two (``merge-tree``), and files that only the base makes conflict are
  not blamed on the partner.
"""
from __future__ import annotations

import math
from typing import Any
from typing import TYPE_CHECKING
from worktree_guard.gitctx import replay
from worktree_guard.gitctx import worktrees

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Sequence

    from worktree_guard.commands.wt import Context

# Verdicts whose branch is not a step of the plan.
DONE = ('landed', 'empty')
# Verdicts whose rebased result is known.
KNOWN = ('up to date', 'clean')


def verdicts(ctx: Context, rows: list[dict[str, Any]],
             base: str | None) -> bool:
    """Each row's ``state``/``how``/``replay`` and ``base_conflict``
    (``None`` when unknown); ``False`` when git cannot forecast."""
    todo = [r for r in rows if _settle(ctx, r, base)]
    got = replay.replay_onto(ctx.repo, base, [r['tip'] for r in todo]) \
        if todo and base is not None else {}
    if got is None:
        return False
    for r in todo:
        rp = got[r['tip']]
        r['state'], r['how'] = rp.state, rp.how
        r['replay'] = {'commits': rp.commits, 'dropped': rp.dropped,
                       'step': rp.step, 'at': rp.at}
        r['result_tree'] = rp.tree
        known = rp.state != 'unknown'  # a root commit to replay
        r['base_conflict'] = rp.state == 'conflict' if known else None
        r['base_conflict_files'] = (rp.files if r['base_conflict'] else []) \
            if known else None
    return True


def _settle(ctx: Context, r: dict[str, Any], base: str | None) -> bool:
    """The verdict of a row that needs no replay (unknown, landed, empty,
    up to date); ``True`` when it needs one."""
    r['state'] = r['how'] = r['replay'] = None
    r['base_conflict'] = r['base_conflict_files'] = None
    if base is None or r['tip'] is None or r['files'] is None or \
            r['ahead'] is None:
        return False
    if r['ahead'] == 0 and not r['uncommitted']:
        created = replay.created_at(ctx.repo, r['branch']) \
            if r['branch'] else None
        landed = created is not None and created != r['head']
        r['state'] = 'landed' if landed else 'empty'
        r['how'] = 'fast-forward' if landed else None
    elif not r['behind']:
        r['state'] = 'up to date'
    else:
        return True
    r['base_conflict'], r['base_conflict_files'] = False, []
    return False


Forecasts = dict[tuple[int, int], tuple['list[str]', 'list[str]']]


def pairs(ctx: Context, rows: Sequence[dict[str, Any]], base: str,
          todo: Sequence[tuple[int, int]]) -> Forecasts | None:
    """For each pair ``(a, b)``: (files that stop ``b``'s rebase after
    ``a`` lands, files that stop ``a``'s after ``b``).  ``None`` when git
    cannot forecast."""
    repo = ctx.repo
    members = sorted({i for p in todo for i in p})
    exact = {i for i in members if rows[i]['state'] in KNOWN}
    results = replay.result_commits(repo, base, {
        str(i): rows[i]['result_tree'] for i in exact
        if rows[i]['state'] == 'clean'})
    landed = {i: results.get(str(i), rows[i]['tip']) for i in exact}
    out = _replayed(ctx, rows, base, landed,
                    [p for p in todo if p[0] in exact and p[1] in exact])
    if out is None:
        return None
    rest = [p for p in todo if p not in out]
    side = {i: landed.get(i, rows[i]['tip']) for i in members}
    return _merged(ctx, rows, landed, side, rest, out)


def _replayed(ctx: Context, rows: Sequence[dict[str, Any]], base: str,
              landed: dict[int, str], exact_pairs: list[tuple[int, int]],
              ) -> Forecasts | None:
    """The pairs whose both results are known: each branch's commits
    replayed onto the other's landed result, both ways."""
    repo = ctx.repo
    tree_of = replay.trees(repo, list(landed.values()))
    found = replay.commits_many(repo, base, [rows[i]['tip'] for i in landed])
    commits = {i: found[rows[i]['tip']] for i in landed}
    jobs: list[replay.Job] = []
    for a, b in exact_pairs:
        for x, y in ((a, b), (b, a)):
            jobs.append(replay.Job(landed[x], tree_of[landed[x]],
                                   commits[y].todo, commits[y].own))
    done = replay.replay_many(repo, jobs)
    if done is None:
        return None
    return {p: (done[2 * n][1], done[2 * n + 1][1])
            for n, p in enumerate(exact_pairs)}


def _merged(ctx: Context, rows: Sequence[dict[str, Any]],
            landed: dict[int, str], side: dict[int, str],
            rest: list[tuple[int, int]], out: Forecasts) -> Forecasts | None:
    """The other pairs (one side conflicts with the base already): a merge
    of the two, without the files the base alone makes conflict."""
    merged = worktrees.merge_conflicts_many(
        ctx.repo, [(side[a], side[b]) for a, b in rest])
    if merged is None:  # pragma: no cover (the verdicts used the same git)
        return None
    for (a, b), files in zip(rest, merged, strict=True):
        # Files the base alone makes conflict are not the partner's doing
        # when the partner's side holds the base.
        drop: set[str] = set()
        for x, y in ((a, b), (b, a)):
            if y in landed:
                drop.update(rows[x]['base_conflict_files'] or ())
        mine = [f for f in files if f not in drop]
        out[(a, b)] = (mine, mine)
    return out


# The first batch of pair forecasts; each next one doubles, up to
# ``BATCH_MAX`` (one ``merge-tree --stdin`` per round of a batch: small
# batches first, so a short budget still forecasts the most urgent pairs).
BATCH_MIN = 16
BATCH_MAX = 512


def budgeted(todo: Sequence[tuple[int, int]],
             run: Callable[[Sequence[tuple[int, int]]], dict[
                 tuple[int, int], tuple[list[str], list[str]]] | None],
             budget: float, clock: Callable[[], float]) -> tuple[
                 dict[tuple[int, int], tuple[list[str], list[str]]] | None,
                 list[tuple[int, int]]]:
    """Forecast the pairs of ``todo`` (in priority order) in batches with
    ``run`` until ``budget`` seconds of ``clock`` (monotonic) are spent:
    (the forecasts, ``None`` when git cannot forecast; the pairs left
    unforecast).  A batch that started finishes; none starts once the
    budget is spent, so ``budget`` 0 forecasts no pair."""
    done: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
    due = clock() + budget
    pos, size = 0, BATCH_MIN
    while pos < len(todo) and clock() < due:
        got = run(todo[pos:pos + size])
        if got is None:
            return None, list(todo)
        done.update(got)
        pos += size
        size = min(2 * size, BATCH_MAX)
    return done, list(todo[pos:])


def suggest(budget: float, total: int, done: int) -> int:
    """The ``--budget`` to suggest when ``done`` of ``total`` pairs were
    forecast in ``budget`` seconds: enough at the same pace, with a margin;
    at least 10 s."""
    if not done:
        return max(10, math.ceil(5 * budget))
    return max(10, math.ceil(1.5 * budget * total / done))
