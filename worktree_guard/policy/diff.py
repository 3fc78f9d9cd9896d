"""Does policy B loosen policy A?  (issue 13: changing the policy is a
privileged act.)

Pure: two parsed policies in, a list of human-readable loosenings out; no
git, no I/O.  The server refuses a push whose policy change loosens
anything unless the pusher is in ``server.policy-admins``; CI prints the
same list as a note on a pull request that changes the policy.

Loosening means: a weaker severity (``error`` -> ``warn`` -> ``off``) of a
rule or kind; a widened list of allowances or exclusions; a larger limit;
a check switched off; and any change at all of a key only
``server.policy-admins`` may change (``ADMIN``: what the policy is
anchored to, where the baseline comes from, what ``wt`` runs, what is
exempt or protected, the agent rules).  A tightening of a compared key is
never reported.
"""
from __future__ import annotations

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.policy import Policy

_RANK = {'off': 0, 'warn': 1, 'error': 2}

# Every key of the schema is in exactly one class (issue 23: one trust
# model; tests/unit/test_policy_diff.py walks the schema and fails for a
# key that is in none):
#
# * ``ADMIN``: any change needs ``server.policy-admins``: the key moves
#   where the policy or the baseline comes from (``base.*``,
#   ``paths.baseline``), makes ``wt`` run commands or copy files
#   (``worktrees.*``, ``land.*``), decides what is exempt or protected,
#   or judges agents;
# * ``COMPARE``: (section, key, how a change loosens), compared, so a
#   tightening passes: ``widen``: a new item; ``shrink``: an item gone;
#   ``include``: paths.include, where [] means everything; ``more``: a
#   larger number, size or duration; ``less``: a smaller one; ``off``:
#   true -> false; ``on``: false -> true; ``order``: later in the listed
#   order is looser; ``change``: any change;
# * ``FREE``: no change loosens a check.
#
# ``rules.*`` are severities, compared.  A key in no class (a new key
# nobody classified) counts as ``ADMIN``: it fails closed.
ADMIN: tuple[tuple[str, str], ...] = (
    ('base', 'remote'),
    ('base', 'branch'),
    ('branches', 'pattern'),
    ('branches', 'exempt'),
    ('branches', 'protected'),
    ('worktrees', 'root'),
    ('worktrees', 'layout'),
    ('worktrees', 'bootstrap'),
    ('worktrees', 'include'),
    ('worktrees', 'setup'),
    ('worktrees', 'teardown'),
    ('worktrees', 'setup-timeout'),
    ('worktrees', 'port-base'),
    ('worktrees', 'freeze-main-checkout'),
    ('paths', 'baseline'),
    ('sync', 'exempt'),
    ('agents', 'write-outside'),
    ('agents', 'read-outside'),
    ('agents', 'bash'),
    ('agents', 'allow-paths'),
    ('land', 'test'),
    ('land', 'test-timeout'),
)
COMPARE: tuple[tuple[str, str, str], ...] = (
    ('branches', 'check', 'order:all,new'),
    ('branches', 'allow-detached', 'on'),
    ('branches', 'slug-max-length', 'more'),
    ('paths', 'scope', 'order:all,added'),
    ('paths', 'resolve-from', 'change'),
    ('paths', 'include', 'include'),
    ('paths', 'exclude', 'widen'),
    ('paths', 'allow', 'widen'),
    ('paths', 'max-file-size', 'more:size'),
    ('sync', 'fetch', 'off'),
    ('sync', 'fetch-timeout', 'less'),
    ('sync', 'when-unreachable', 'order:block,warn'),
    ('sync', 'max-staleness', 'more:duration'),
    ('sync', 'max-behind', 'more'),
    ('sync', 'require-linear', 'off'),
    ('sync', 'warn-overlap', 'off'),
    ('server', 'allow-skip', 'widen'),
    ('server', 'allowed-refs', 'widen'),
    ('server', 'policy-admins', 'widen'),
    ('server', 'allow-merges', 'on'),
)
FREE: tuple[tuple[str, str], ...] = (
    ('version', ''),
)
# Kept for callers of 0.2: the compared keys.
CHECKS = COMPARE
_HOW = {(s, k): how for s, k, how in COMPARE}
_ADMIN = frozenset(ADMIN)


def classify(section: str, key: str) -> str:
    """``admin``, ``compare`` or ``free`` (``severity`` for ``rules``);
    an unknown key is ``admin``."""
    if section == 'rules':
        return 'severity'
    if (section, key) in _HOW:
        return 'compare'
    if (section, key) in FREE:
        return 'free'
    return 'admin'


def _amount(unit: str, value: Any) -> float:
    """A number, size (``1MiB``) or duration (``1d``) as a number."""
    if unit == 'size':
        from worktree_guard.policy import parse_size
        return float(parse_size(value))
    if unit == 'duration':
        from worktree_guard.policy import parse_duration
        return float(parse_duration(str(value)))
    return float(value)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return '[' + ', '.join(str(v) for v in value) + ']'
    return 'unset' if value is None else str(value).lower() \
        if isinstance(value, bool) else str(value)


def compare_value(how: str, old: Any, new: Any) -> bool:
    """Is ``old`` -> ``new`` a loosening, judged by ``how``?"""
    if old == new:
        return False
    if how == 'change':
        return True
    if how == 'widen':
        return bool(set(new) - set(old))
    if how == 'shrink':
        return bool(set(old) - set(new))
    if how == 'include':
        # [] checks every file; a list checks only those.
        return bool(new) and (not old or bool(set(old) - set(new)))
    if how.startswith('more'):
        unit = how.partition(':')[2]
        return _amount(unit, new) > _amount(unit, old)
    if how == 'less':
        return _amount('', new) < _amount('', old)
    if how == 'off':
        return bool(old) and not new
    if how == 'on':
        return not old and bool(new)
    order = how.split(':', 1)[1].split(',')
    return order.index(str(new)) > order.index(str(old))


def loosenings(old: Policy, new: Policy) -> list[str]:
    """Every way ``new`` is looser than ``old``, one line each (empty when
    ``new`` is as strict or stricter)."""
    out = []
    sections = list(old.data) + [s for s in new.data if s not in old.data]
    for section in sections:
        if section != 'rules' and isinstance(old.data.get(section, {}),
                                             dict):
            out += _section_loosenings(section, old.data.get(section) or {},
                                       new.data.get(section) or {})
    return out + _severity_loosenings(old, new)


def _section_loosenings(section: str, a_sec: dict[str, Any],
                        b_sec: dict[str, Any]) -> list[str]:
    """The keys of one section that ``b_sec`` loosens, or that only an
    admin may change and it changes."""
    out = []
    for key in list(a_sec) + [k for k in b_sec if k not in a_sec]:
        a = a_sec.get(key)
        b = b_sec.get(key)
        kind = classify(section, key)
        if kind == 'admin' and a != b:
            out.append(f'{section}.{key}: {_show(a)} -> {_show(b)} '
                       '(only server.policy-admins change it)')
        elif kind == 'compare' and compare_value(_HOW[section, key], a, b):
            out.append(f'{section}.{key}: {_show(a)} -> {_show(b)}')
    return out


def _severity_loosenings(old: Policy, new: Policy) -> list[str]:
    """The rules and kinds whose severity ``new`` lowers (a rule's kinds
    that follow it go unsaid)."""
    out = []
    names = list(old['rules']) + [k for k in new['rules']
                                  if k not in old['rules']]
    said: dict[str, tuple[str, str]] = {}
    for name in names:
        rule, _, kind = name.partition('/')
        a = old.severity(rule, kind or None)
        b = new.severity(rule, kind or None)
        if _RANK.get(b, 2) < _RANK.get(a, 2) and said.get(rule) != (a, b):
            if not kind:  # its kinds that follow it go unsaid
                said[rule] = (a, b)
            out.append(f'rules.{name}: {a} -> {b}')
    return out
