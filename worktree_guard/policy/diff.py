"""Does policy B loosen policy A?  (issue 13: changing the policy is a
privileged act.)

Pure: two parsed policies in, a list of human-readable loosenings out; no
git, no I/O.  The server refuses a push whose policy change loosens
anything unless the pusher is in ``server.policy-admins``; CI prints the
same list as a note on a pull request that changes the policy.

Loosening means: a weaker severity (``error`` -> ``warn`` -> ``off``) of a
rule or kind; a widened list of exemptions, allowances or exclusions; a
narrowed list of what is protected or checked; a larger limit; a check
switched off; and any change of what the policy is anchored to (the base,
the branch pattern, the worktree root).  Tightening is never reported.
"""
from __future__ import annotations

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.policy import Policy

_RANK = {'off': 0, 'warn': 1, 'error': 2}

# (section, key, how a change loosens).  ``widen``: a new item; ``shrink``:
# an item gone; ``include``: paths.include, where [] means everything;
# ``more``: a larger number, size or duration; ``off``: true -> false;
# ``on``: false -> true; ``order``: later in the listed order is looser;
# ``change``: any change.
CHECKS: tuple[tuple[str, str, str], ...] = (
    ('base', 'remote', 'change'),
    ('base', 'branch', 'change'),
    ('branches', 'pattern', 'change'),
    ('branches', 'exempt', 'widen'),
    ('branches', 'protected', 'shrink'),
    ('branches', 'check', 'order:all,new'),
    ('branches', 'allow-detached', 'on'),
    ('branches', 'slug-max-length', 'more'),
    ('worktrees', 'root', 'change'),
    ('worktrees', 'layout', 'change'),
    ('paths', 'scope', 'order:all,added'),
    ('paths', 'resolve-from', 'change'),
    ('paths', 'include', 'include'),
    ('paths', 'exclude', 'widen'),
    ('paths', 'allow', 'widen'),
    ('paths', 'max-file-size', 'more:size'),
    ('sync', 'fetch', 'off'),
    ('sync', 'when-unreachable', 'order:block,warn'),
    ('sync', 'max-staleness', 'more:duration'),
    ('sync', 'max-behind', 'more'),
    ('sync', 'require-linear', 'off'),
    ('sync', 'exempt', 'widen'),
    ('server', 'allow-skip', 'widen'),
    ('server', 'allowed-refs', 'widen'),
    ('server', 'policy-admins', 'widen'),
)


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
    for section, key, how in CHECKS:
        a = old[section].get(key)
        b = new[section].get(key)
        if compare_value(how, a, b):
            out.append(f'{section}.{key}: {_show(a)} -> {_show(b)}')
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
