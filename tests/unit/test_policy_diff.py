"""Does policy B loosen policy A?  Table-driven, no git."""
from __future__ import annotations

import pytest
import yaml

from worktree_guard.policy import Policy
from worktree_guard.policy import default_policy
from worktree_guard.policy import parse
from worktree_guard.policy.diff import compare_value
from worktree_guard.policy.diff import loosenings

BASE = """\
version: 1
branches:
  exempt: [main]
  protected: [main, master]
paths:
  include: [src/**]
  exclude: [vendor/**]
  allow: []
  max-file-size: 1MiB
sync:
  max-staleness: 1d
  max-behind: 0
rules:
  worktree-paths/home-path: warn
"""


def pol(extra: str = '') -> Policy:
    """BASE with the sections of ``extra`` merged in, key by key."""
    data = yaml.safe_load(BASE)
    for section, keys in (yaml.safe_load(extra) or {}).items():
        data.setdefault(section, {}).update(keys)
    return parse(yaml.safe_dump(data))


@pytest.mark.parametrize(('change', 'found'), [
    # weaker severities
    ('  branch-name: warn\n', ['rules.branch-name: error -> warn']),
    ('  branch-name: off\n', ['rules.branch-name: error -> off']),
    ('  branch-name: off\n  branch-name/detached: warn\n',
     ['rules.branch-name: error -> off']),
    ('  branch-name: warn\n  branch-name/detached: off\n',
     ['rules.branch-name: error -> warn',
      'rules.branch-name/detached: error -> off']),
    ('  worktree-paths/home-path: off\n',
     ['rules.worktree-paths/home-path: warn -> off']),
    ('  protected-branch/force-push: off\n',
     ['rules.protected-branch/force-push: error -> off']),
    # stronger severities are no loosening
    ('  worktree-paths/home-path: error\n', []),
])
def test_severity(change: str, found: list[str]) -> None:
    assert loosenings(pol(), pol('rules:\n' + change)) == found


@pytest.mark.parametrize(('old', 'new', 'found'), [
    ('', '', []),
    ('', 'branches:\n  exempt: [main, bot/**]\n',
     ['branches.exempt: [main] -> [main, bot/**]'
      ' (only server.policy-admins change it)']),
    ('', 'branches:\n  exempt: []\n',
     ['branches.exempt: [main] -> [] (only server.policy-admins change it)']),
    ('', 'branches:\n  protected: [main]\n',
     ['branches.protected: [main, master] -> [main]'
      ' (only server.policy-admins change it)']),
    ('', 'branches:\n  protected: [main, master, prod]\n',
     ['branches.protected: [main, master] -> [main, master, prod]'
      ' (only server.policy-admins change it)']),
    ('', 'paths:\n  exclude: [vendor/**, x/**]\n',
     ['paths.exclude: [vendor/**] -> [vendor/**, x/**]']),
    ('', 'paths:\n  allow: [/etc/hosts]\n',
     ['paths.allow: [] -> [/etc/hosts]']),
    ('', 'paths:\n  include: []\n', []),
    ('', 'paths:\n  include: [src/**, lib/**]\n', []),
    ('', 'paths:\n  include: [lib/**]\n',
     ['paths.include: [src/**] -> [lib/**]']),
    ('paths:\n  include: []\n', 'paths:\n  include: [x/**]\n',
     ['paths.include: [] -> [x/**]']),
    ('', 'paths:\n  max-file-size: 2MiB\n',
     ['paths.max-file-size: 1MiB -> 2MiB']),
    ('', 'paths:\n  max-file-size: 1KiB\n', []),
    ('', 'sync:\n  max-staleness: 2d\n', ['sync.max-staleness: 1d -> 2d']),
    ('', 'sync:\n  max-staleness: 1h\n', []),
    ('', 'sync:\n  max-behind: 3\n', ['sync.max-behind: 0 -> 3']),
    ('', 'sync:\n  require-linear: false\n',
     ['sync.require-linear: true -> false']),
    ('', 'sync:\n  fetch: false\n', ['sync.fetch: true -> false']),
    ('', 'sync:\n  when-unreachable: warn\n',
     ['sync.when-unreachable: block -> warn']),
    ('sync:\n  when-unreachable: warn\n', 'sync:\n  when-unreachable: block\n',
     []),
    ('', 'branches:\n  check: new\n', ['branches.check: all -> new']),
    ('', 'branches:\n  allow-detached: false\n', []),
    ('branches:\n  allow-detached: false\n', '',
     ['branches.allow-detached: false -> true']),
    ('', 'base:\n  branch: develop\n', ['base.branch: unset -> develop'
                                       ' (only server.policy-admins change'
                                       ' it)']),
    ('', "branches:\n  pattern: '^issue-(?P<issue>[0-9]+)-(?P<slug>.*)$'\n",
     ["branches.pattern: ^issue-(?P<issue>[1-9][0-9]*)-(?P<slug>[a-z0-9]+"
      "(?:-[a-z0-9]+)*)$ -> ^issue-(?P<issue>[0-9]+)-(?P<slug>.*)$"
      ' (only server.policy-admins change it)']),
    # issue 23: what moves where the policy or baseline comes from, runs
    # commands, or judges agents needs an admin, tightening or not
    ('', 'paths:\n  baseline: src/run.sh\n',
     ['paths.baseline: .worktree-guard-baseline.json -> src/run.sh'
      ' (only server.policy-admins change it)']),
    ('', 'worktrees:\n  setup: [make]\n',
     ['worktrees.setup: [] -> [make] (only server.policy-admins change it)']),
    ('', 'worktrees:\n  bootstrap: [.env]\n',
     ['worktrees.bootstrap: [] -> [.env] (only server.policy-admins change'
      ' it)']),
    ('', 'agents:\n  bash: warn\n',
     ['agents.bash: deny -> warn (only server.policy-admins change it)']),
    ('', 'sync:\n  exempt: [x]\n',
     ['sync.exempt: [] -> [x] (only server.policy-admins change it)']),
    ('', 'sync:\n  fetch-timeout: 1\n', ['sync.fetch-timeout: 10 -> 1']),
    ('', 'sync:\n  fetch-timeout: 60\n', []),
    ('', 'sync:\n  warn-overlap: true\n', []),
    ('', 'server:\n  allow-merges: true\n',
     ['server.allow-merges: false -> true']),
    ('server:\n  allow-merges: true\n', '', []),
    ('', 'server:\n  allow-skip: [branch-name]\n',
     ['server.allow-skip: [] -> [branch-name]']),
    ('', 'server:\n  allowed-refs: [refs/notes/*]\n',
     ['server.allowed-refs: [] -> [refs/notes/*]']),
    ('', 'server:\n  policy-admins: [eve]\n',
     ['server.policy-admins: [] -> [eve]']),
    ('server:\n  policy-admins: [eve]\n', '', []),
])
def test_settings(old: str, new: str, found: list[str]) -> None:
    assert loosenings(pol(old), pol(new)) == found


def test_no_file_against_a_strict_one() -> None:
    strict = pol()
    lost = loosenings(strict, default_policy())
    assert 'branches.exempt: [main] -> [main, master, develop, gh-pages, ' \
        'release/*, dependabot/**, renovate/**] (only server.policy-admins ' \
        'change it)' in lost
    assert loosenings(default_policy(), default_policy()) == []


@pytest.mark.parametrize(('how', 'old', 'new', 'want'), [
    ('change', 'a', 'b', True),
    ('change', 'a', 'a', False),
    ('more', 1, 2, True),
    ('more', 2, 1, False),
    ('more:size', 1024, '2KiB', True),
    ('more:duration', '1h', '30m', False),
    ('shrink', ['a', 'b'], ['a'], True),
    ('shrink', ['a'], ['a', 'b'], False),
    ('less', 10, 1, True),
    ('less', 1, 10, False),
    ('off', True, False, True),
    ('off', False, True, False),
    ('on', False, True, True),
    ('on', True, False, False),
    ('order:a,b,c', 'a', 'c', True),
    ('order:a,b,c', 'c', 'b', False),
])
def test_compare_value(how: str, old: object, new: object,
                       want: bool) -> None:
    assert compare_value(how, old, new) is want


# -- issue 23: every key of the schema is classified -----------------------------

def _schema_keys() -> list[tuple[str, str]]:
    from importlib import resources
    import json
    schema = json.loads(resources.files('worktree_guard.policy').joinpath(
        'schema.json').read_text())
    out = []
    for section, sub in schema['properties'].items():
        keys = list(sub.get('properties', {}))
        out += [(section, k) for k in keys] if keys else [(section, '')]
    return out


def test_every_schema_key_is_classified() -> None:
    """A new key must be put in one class by hand (``policy.diff``): none
    may slip through as "no change ever loosens"."""
    from worktree_guard.policy import defaults
    from worktree_guard.policy.diff import ADMIN
    from worktree_guard.policy.diff import COMPARE
    from worktree_guard.policy.diff import FREE
    classes = [set(ADMIN), {(s, k) for s, k, _ in COMPARE}, set(FREE)]
    keys = _schema_keys()
    assert {(s, k) for s, k in keys if s != 'rules'} >= \
        {(s, k) for s, sec in defaults.DEFAULTS.items() if s != 'rules'
         for k in sec}
    for section, key in keys:
        if section == 'rules':
            continue   # severities, compared by rank
        found = [c for c in classes if (section, key) in c]
        assert len(found) == 1, f'{section}.{key} is in {len(found)} classes'
    listed = set().union(*classes)
    assert listed <= set(keys), listed - set(keys)


@pytest.mark.parametrize(('section', 'key'), [
    k for k in _schema_keys() if k[0] not in ('rules', 'version')])
def test_every_key_change_is_judged(section: str, key: str) -> None:
    """Each key, changed to another valid value: an admin key is always
    reported; a compared one in at least one direction."""
    from worktree_guard.policy.diff import classify
    old = default_policy()
    new = default_policy()
    value = old[section][key]
    other = _other(value, _fragment(section, key).get('enum'))
    new.data[section][key] = other
    there = loosenings(old, new) + loosenings(new, old)
    assert any(line.startswith(f'{section}.{key}:') for line in there), \
        (section, key, classify(section, key))


def _fragment(section: str, key: str) -> dict[str, object]:
    from importlib import resources
    import json
    schema = json.loads(resources.files('worktree_guard.policy').joinpath(
        'schema.json').read_text())
    frag: dict[str, object] = schema['properties'][section]['properties'][key]
    return frag


def _other(value: object, enum: object = None) -> object:
    if isinstance(enum, list):
        return next(e for e in enum if e != value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, list):
        return [*value, 'x'] if value else ['x']
    if value is None:
        return 'x'
    if value == '1d':
        return '2d'
    if value == '1MiB':
        return '2MiB'
    return f'{value}x'


def test_an_unknown_key_fails_closed() -> None:
    from worktree_guard.policy.diff import classify
    assert classify('future', 'key') == 'admin'
    assert classify('rules', 'x') == 'severity'
    assert classify('version', '') == 'free'
    old = default_policy()
    new = default_policy()
    new.data['server']['future-key'] = True
    assert loosenings(old, new) == [
        'server.future-key: unset -> true (only server.policy-admins change'
        ' it)']
