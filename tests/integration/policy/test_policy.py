"""The policy loader: defaults, merging, file:line:col errors, the schema."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.helpers import assert_no_traceback
from tests.helpers import wg
from worktree_guard import policy as P
from worktree_guard.policy import match as M
from worktree_guard.errors import PolicyError


def parse(text: str) -> P.Policy:
    return P.parse(text.encode(), '.worktree-guard.yaml')


def error_of(text: str) -> str:
    with pytest.raises(PolicyError) as info:
        parse(text)
    return info.value.render()


def test_empty_file_is_the_defaults() -> None:
    pol = parse('')
    assert pol.data == P.DEFAULTS
    assert pol.sources == {}


def test_file_overrides_only_what_it_says() -> None:
    pol = parse('version: 1\nbranches:\n  check: new\n')
    assert pol['branches']['check'] == 'new'
    assert pol['branches']['protected'] == ['main', 'master']
    assert pol.sources == {'branches.check': '.worktree-guard.yaml:3'}


@pytest.mark.parametrize(('text', 'expect', 'hint'), [
    ('branches:\n\tcheck: new\n', '.worktree-guard.yaml:2:1: invalid YAML',
     'tabs'),
    ('brnaches:\n  check: new\n',
     ".worktree-guard.yaml:1:1: unknown key 'brnaches'",
     "did you mean 'branches'?"),
    ("branches:\n  pattern: '('\n",
     ".worktree-guard.yaml:2:12: 'branches.pattern' is not a valid regex",
     'RE2'),
    ('rules:\n  branch-name: loud\n',
     ".worktree-guard.yaml:2:16: 'rules.branch-name' is 'loud'",
     'error, warn, off'),
    ("branches:\n  pattern: '^[a-z]+$'\n",
     "no named group 'issue'", '(?P<issue>'),
    ('branches:\n  exempt: main\n',
     ".worktree-guard.yaml:2:11: 'branches.exempt' must be a list",
     'YAML list'),
    ("paths:\n  include: ['rel[ease']\n",
     ".worktree-guard.yaml:2:13: 'paths.include' has an invalid pattern",
     'close every ['),
    ('branches:\n  chekc: new\n',
     ".worktree-guard.yaml:2:3: unknown key 'chekc' in 'branches'",
     "did you mean 'check'?"),
    ('version: 2\n', "'version' must be 1", 'version'),
    ('- a\n- b\n', 'must be a mapping of sections', 'init'),
    ('sync:\n  max-staleness: soon\n', 'not a duration', '12h'),
    ('branches:\n  check: new\nbranches:\n  check: all\n',
     'duplicate key', 'remove one'),
    ('paths:\n  allow: ["re:(a"]\n', 'not a valid regex', 'RE2'),
    ('paths:\n  max-file-size: huge\n', 'not a size', 'KiB'),
])
def test_bad_policy_errors(text: str, expect: str, hint: str) -> None:
    msg = error_of(text)
    assert expect in msg
    assert hint in msg


def test_not_utf8() -> None:
    with pytest.raises(PolicyError) as info:
        P.parse(b'\xff\xfe', 'p.yaml')
    assert 'p.yaml:1:1: the file is not valid UTF-8' in info.value.render()


def test_several_errors_are_all_reported() -> None:
    msg = error_of('rules:\n  branch-name: loud\n  protected-branch: meh\n')
    assert ':2:16:' in msg and ':3:21:' in msg


def test_severity_resolution() -> None:
    pol = parse('rules:\n  worktree-paths: warn\n')
    assert pol.severity('worktree-paths', 'relative-escape') == 'warn'
    pol = parse('rules:\n  worktree-paths: off\n'
                '  worktree-paths/home-path: error\n')
    assert pol.severity('worktree-paths', 'home-path') == 'off'
    pol = parse('rules:\n  worktree-paths/home-path: error\n')
    assert pol.severity('worktree-paths', 'home-path') == 'error'
    assert P.default_policy().severity('worktree-paths', 'home-path') == 'warn'
    assert P.default_policy().severity('branch-name', 'detached') == 'error'


def test_find_policy_file_kinds(tmp_path: Path) -> None:
    """A plain file, none, a symlink in the repository (bounds.check_file
    judges anything but a plain file), a directory (refused)."""
    root = tmp_path / 'repo'
    root.mkdir()
    policy_file = root / P.POLICY_FILE
    assert P.find_policy_file(str(root), None) is None
    policy_file.write_text('version: 1\n')
    assert P.find_policy_file(str(root), None) == str(policy_file)
    policy_file.unlink()
    (root / 'real.yaml').write_text('version: 1\n')
    policy_file.symlink_to('real.yaml')
    assert P.find_policy_file(str(root), None) == str(policy_file)
    policy_file.unlink()
    policy_file.mkdir()
    with pytest.raises(PolicyError, match='the policy is a directory'):
        P.find_policy_file(str(root), None)


def test_builtin_globs_match_pathspec() -> None:
    assert M.compile_globs(P.DEFAULTS, P.defaults.PATH_GLOB_KEYS) == \
        P.defaults.BUILTIN_GLOBS
    # A Policy given no globs compiles them (match, loaded on first use).
    assert P.Policy(P.copy_data(P.DEFAULTS)).globs == P.defaults.BUILTIN_GLOBS


@pytest.mark.parametrize(('name', 'exempt'), [
    ('main', True), ('release/1.2', True), ('release/1.2/x', False),
    ('dependabot/pip/x', True), ('mainline', False), ('feature/main', False),
    ('issue-1-x', False), ('main/x', False), ('develop/Anything', False),
    ('dependabot', False),
])
def test_exempt_globs_are_anchored(name: str, exempt: bool) -> None:
    assert P.default_policy().matches('branches', 'exempt', name) is exempt


@pytest.mark.timeout(30)
def test_user_regex_uses_re2_and_is_linear() -> None:
    pol = parse("branches:\n  pattern: '^(?P<issue>a+)+$'\n")
    regex = pol.branch_regex()
    assert isinstance(regex, M.RE2Regex)
    assert not regex.search('a' * 5000 + '!')


def test_schema_defaults_match_builtin_defaults() -> None:
    schema = P.load_schema()
    for section, values in P.DEFAULTS.items():
        props = schema['properties'][section]['properties']
        assert set(props) == set(values), section
        for key, val in values.items():
            assert props[key]['default'] == val, f'{section}.{key}'


def test_defaults_validate_against_schema() -> None:
    jsonschema.Draft202012Validator(P.load_schema()).validate(
        {'version': 1, **P.DEFAULTS})


def test_cache_is_used_and_invalidated(tmp_path: Path) -> None:
    (tmp_path / '.worktree-guard.yaml').write_text('branches:\n  check: new\n')
    cache = tmp_path / 'gitdir'
    cache.mkdir()
    assert P.load(str(tmp_path), None, str(cache))['branches']['check'] == 'new'
    assert (cache / P.CACHE_FILE).exists()
    assert P.load(str(tmp_path), None, str(cache))['branches']['check'] == 'new'
    (tmp_path / '.worktree-guard.yaml').write_text('branches:\n  check: all\n')
    assert P.load(str(tmp_path), None, str(cache))['branches']['check'] == 'all'


def test_cache_written_by_another_version_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade that adds a default key must not read a cache written by
    the old version, whose policy lacks the key (a KeyError at commit)."""
    import marshal

    import worktree_guard
    (tmp_path / '.worktree-guard.yaml').write_text('branches:\n  check: new\n')
    cache = tmp_path / P.CACHE_FILE

    def write_old_cache() -> None:
        """What an older version left: same file stat, no warn-overlap."""
        P.load(str(tmp_path), None, str(tmp_path))
        cached = marshal.loads(cache.read_bytes())
        del cached['data']['sync']['warn-overlap']
        cache.write_bytes(marshal.dumps(cached))

    with monkeypatch.context() as old_version:
        old_version.setattr(worktree_guard, '__version__', '0.0.1')
        write_old_cache()
        # The same version reads its cache (so the next assert could fail).
        assert 'warn-overlap' not in P.load(str(tmp_path), None,
                                            str(tmp_path))['sync']
    pol = P.load(str(tmp_path), None, str(tmp_path))  # after the upgrade
    assert pol['sync']['warn-overlap'] is False
    assert pol['branches']['check'] == 'new'
    # Other generated defaults (a dev checkout, no version bump): the same.
    write_old_cache()
    monkeypatch.setattr(P.defaults, 'DIGEST', 'other-defaults')
    assert P.load(str(tmp_path), None, str(tmp_path))['sync'][
        'warn-overlap'] is False


def test_cache_write_failure_is_harmless(tmp_path: Path) -> None:
    (tmp_path / '.worktree-guard.yaml').write_text('branches:\n  check: new\n')
    missing = tmp_path / 'no' / 'such' / 'dir'
    assert P.load(str(tmp_path), None, str(missing))['branches']['check'] == 'new'


def test_missing_override_is_exit_2(plain_repo) -> None:
    proc = wg('check', '--policy', 'nope.yaml', cwd=plain_repo.path)
    assert proc.returncode == 2
    assert 'nope.yaml: policy file not found' in proc.stderr
    assert_no_traceback(proc)


@pytest.mark.parametrize('text', [
    'branches:\n\tcheck: new\n', 'brnaches: {}\n',
    "branches:\n  pattern: '('\n", 'rules:\n  branch-name: loud\n',
])
def test_broken_policy_fails_hooks_with_exit_2(plain_repo, text: str) -> None:
    (plain_repo.path / '.worktree-guard.yaml').write_text(text)
    for args in (['check', '--stage', 'commit'], ['policy', 'validate'],
                 ['hook', 'pre-commit']):
        proc = wg(*args, cwd=plain_repo.path)
        assert proc.returncode == 2, (args, proc)
        assert '.worktree-guard.yaml:' in proc.output
        assert 'hint:' in proc.output
        assert_no_traceback(proc)


def test_policy_show_names_sources(plain_repo) -> None:
    (plain_repo.path / '.worktree-guard.yaml').write_text(
        'version: 1\nsync:\n  fetch: false\n')
    proc = wg('policy', 'show', cwd=plain_repo.path)
    assert proc.returncode == 0
    line = next(ln for ln in proc.stdout.splitlines() if 'fetch: false' in ln)
    assert '# .worktree-guard.yaml:3' in line
    assert any('# default' in ln and 'require-linear' in ln
               for ln in proc.stdout.splitlines())
    js = json.loads(wg('policy', 'show', '--format', 'json',
                       cwd=plain_repo.path).stdout)
    assert js['sources']['sync.fetch'] == '.worktree-guard.yaml:3'
    assert js['sources']['sync.max-behind'] == 'default'


def test_policy_validate(plain_repo) -> None:
    proc = wg('policy', 'validate', cwd=plain_repo.path)
    assert proc.returncode == 0 and 'built-in defaults' in proc.stdout
    (plain_repo.path / '.worktree-guard.yaml').write_text('version: 1\n')
    proc = wg('policy', 'validate', cwd=plain_repo.path)
    assert proc.returncode == 0 and 'valid' in proc.stdout
    proc = wg('policy', 'schema', cwd=plain_repo.path)
    assert json.loads(proc.stdout)['title'].startswith('worktree-guard')


def test_init_writes_a_valid_commented_policy(plain_repo) -> None:
    proc = wg('init', cwd=plain_repo.path)
    assert proc.returncode == 0, proc
    assert 'worktree-guard-commit' in proc.stdout
    text = (plain_repo.path / '.worktree-guard.yaml').read_text()
    assert '#   check: all' in text
    assert parse(text).data == P.DEFAULTS
    again = wg('init', cwd=plain_repo.path)
    assert again.returncode == 2 and '--force' in again.stderr
    assert wg('init', '--force', cwd=plain_repo.path).returncode == 0


@pytest.mark.parametrize(('text', 'expect'), [
    ("base:\n  remote: '--upload-pack=touch /tmp/x;'\n",
     ".worktree-guard.yaml:2:11: 'base.remote' is '--upload-pack=touch "
     "/tmp/x;': it starts with \"-\""),
    ("base:\n  branch: 'main:main'\n", "'base.branch' is 'main:main'"),
    ("base:\n  branch: 'a..b'\n", "contains \"..\""),
    ("base:\n  branch: 'x.lock'\n", 'not a valid git ref name'),
    ("base:\n  remote: \"or\\tigin\"\n", 'control character'),
    ("worktrees:\n  root: /abs/trees\n", 'must be relative'),
    ("worktrees:\n  root: ../trees\n", 'contains ".."'),
    ("worktrees:\n  root: 'a:b'\n", "contains ':'"),
])
def test_names_that_reach_git_are_validated(text: str, expect: str) -> None:
    """base.remote/base.branch/worktrees.root reach git's command line: a
    checked-in policy must not be able to smuggle in an option."""
    msg = error_of(text)
    assert expect in msg
    assert 'hint:' in msg


def test_good_names_pass() -> None:
    pol = parse('base:\n  remote: upstream\n  branch: release/2.x\n'
                'worktrees:\n  root: work/trees\n')
    assert pol['base']['remote'] == 'upstream'


def test_unreadable_policy_is_exit_2(plain_repo) -> None:
    import os
    policy = plain_repo.path / '.worktree-guard.yaml'
    policy.write_text('version: 1\n')
    policy.chmod(0)
    try:
        if os.access(policy, os.R_OK):
            pytest.skip('running as a user who can read any file')
        proc = wg('check', '--stage', 'commit', cwd=plain_repo.path)
    finally:
        policy.chmod(0o644)
    assert proc.returncode == 2
    assert 'cannot read the policy file' in proc.stderr
    assert_no_traceback(proc)


def test_unreadable_policy_in_process(tmp_path: Path, monkeypatch) -> None:
    """Root reads every file, so simulate EACCES where the file is opened."""
    (tmp_path / '.worktree-guard.yaml').write_text('version: 1\n')

    def denied(*args, **kwargs):
        raise PermissionError(13, 'Permission denied')

    monkeypatch.setattr(P, 'open', denied, raising=False)
    with pytest.raises(PolicyError) as info:
        P.load(str(tmp_path))
    assert 'cannot read the policy file: Permission denied' in \
        info.value.render()


def test_every_kind_of_every_client_rule_has_a_severity_key() -> None:
    """README: `rules.<rule>/<kind>` sets the severity of each kind."""
    from worktree_guard.rules import RULES
    for info in RULES.values():
        if not info.client:
            continue  # the server's own guard, the agent hook (its own
            # `agents` section): no severity keys
        assert info.id in P.DEFAULTS['rules']
        for kind in info.kinds:
            assert f'{info.id}/{kind}' in P.DEFAULTS['rules'], kind
    pol = parse('rules:\n  protected-branch/force-push: warn\n')
    assert pol.severity('protected-branch', 'force-push') == 'warn'
    assert pol.severity('protected-branch', 'delete') == 'error'
