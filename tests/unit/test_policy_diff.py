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
     ['branches.exempt: [main] -> [main, bot/**]']),
    ('', 'branches:\n  exempt: []\n', []),
    ('', 'branches:\n  protected: [main]\n',
     ['branches.protected: [main, master] -> [main]']),
    ('', 'branches:\n  protected: [main, master, prod]\n', []),
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
    ('', 'base:\n  branch: develop\n', ['base.branch: unset -> develop']),
    ('', "branches:\n  pattern: '^issue-(?P<issue>[0-9]+)-(?P<slug>.*)$'\n",
     ["branches.pattern: ^issue-(?P<issue>[1-9][0-9]*)-(?P<slug>[a-z0-9]+"
      "(?:-[a-z0-9]+)*)$ -> ^issue-(?P<issue>[0-9]+)-(?P<slug>.*)$"]),
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
        'release/*, dependabot/**, renovate/**]' in lost
    assert loosenings(default_policy(), default_policy()) == []


@pytest.mark.parametrize(('how', 'old', 'new', 'want'), [
    ('change', 'a', 'b', True),
    ('change', 'a', 'a', False),
    ('more', 1, 2, True),
    ('more', 2, 1, False),
    ('more:size', 1024, '2KiB', True),
    ('more:duration', '1h', '30m', False),
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
