"""Bad input, fuzzed with Hypothesis (bounded here; ``bench/fuzz.py`` runs
the same properties with many more examples).

Every input gets an answer: a result, or an error with a location (exit 2),
never a traceback.  Policy regexes run in linear time.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from tests.helpers import RepoHandle
from tests.helpers import assert_no_traceback
from tests.helpers import git
from tests.helpers import wg
from worktree_guard import policy as P
from worktree_guard.errors import GitError
from worktree_guard.errors import PolicyError
from worktree_guard.model import BranchFacts
from worktree_guard.model import BranchTarget
from worktree_guard.model import Checkout
from worktree_guard.model import PathChange
from worktree_guard.model import PathFacts
from worktree_guard.model import RefUpdate
from worktree_guard.hookinput import parse_push_lines
from worktree_guard.report import Violation
from worktree_guard.rules import RULES
from worktree_guard.rules import branch_name
from worktree_guard.rules import protected_branch
from worktree_guard.rules import worktree_paths
from worktree_guard.slug import suggest_branch

# The default suite's budget; bench/fuzz.py raises it (WORKTREE_GUARD_FUZZ_
# EXAMPLES) and runs these very tests.
EXAMPLES = int(os.environ.get('WORKTREE_GUARD_FUZZ_EXAMPLES', '25'))
CLI_EXAMPLES = max(4, EXAMPLES // 10)
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
CLI_FUZZ = settings(max_examples=CLI_EXAMPLES, deadline=None,
                    suppress_health_check=[
                        HealthCheck.too_slow,
                        HealthCheck.function_scoped_fixture])
LOCATED = re.compile(r'^\.worktree-guard\.yaml:(\d+):(\d+): \S')


# -- the policy loader ------------------------------------------------------------------

def assert_policy_or_located_error(raw: bytes | str) -> None:
    """The loader's contract: a Policy, or a PolicyError whose every message
    line starts at a real file:line:col."""
    try:
        pol = P.parse(raw, '.worktree-guard.yaml')
    except PolicyError as e:
        text = raw if isinstance(raw, str) else \
            raw.decode('utf-8', 'replace')
        nlines = text.count('\n') + 2
        msg = e.render()
        firsts = [ln for ln in msg.splitlines()
                  if not ln.startswith('  hint: ')]
        assert firsts, msg
        for line in firsts:
            m = LOCATED.match(line)
            assert m, msg
            assert 1 <= int(m.group(1)) <= nlines, msg
            assert int(m.group(2)) >= 1, msg
        assert 'Traceback' not in msg
    else:
        assert isinstance(pol, P.Policy)
        assert set(pol.data) == set(P.DEFAULTS)
        for section, values in P.DEFAULTS.items():
            assert set(pol[section]) >= set(values)
        # A policy that loads also answers the questions the rules ask.
        pol.severity('worktree-paths', 'home-path')
        pol.matches('branches', 'exempt', 'main')
        pol.branch_regex().search('issue-1-x')


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 12, 10 ** 12),
    st.floats(allow_nan=False), st.text(max_size=20),
    st.sampled_from(['main', 'release/*', '**', '[', 'off', 'warn', 'error',
                     'new', 'all', '1MiB', '1d', 're:(a', '(?P<issue>x)',
                     'nested', 'bare', 'block', 'added', 'file', '~', '']),
)
yaml_docs = st.recursive(
    yaml_scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(
            list(P.DEFAULTS) + [k for v in P.DEFAULTS.values() for k in v]
            + ['version', 'rules']), st.text(max_size=8)), kids,
            max_size=5)),
    max_leaves=12,
)


@pytest.mark.slow
@FUZZ
@given(st.text(max_size=300))
@example('branches:\n\tcheck: new\n')
@example('{')
@example('a: !!python/object/apply:os.system ["true"]\n')
@example('x: &a [*a]\n')
@example('--- a\n--- b\n')
@example('\ufeffversion: 1\n')
@example('rules:\n  branch-name: off\n')
@example('a: ' + '[' * 5000)
@example('{"\\r": 1}')
def test_policy_loader_on_arbitrary_text(text: str) -> None:
    assert_policy_or_located_error(text)


@FUZZ
@given(st.binary(max_size=200))
@example(b'\xff\xfe\x00')
@example(b'version: 1\n\x00\n')
def test_policy_loader_on_arbitrary_bytes(raw: bytes) -> None:
    assert_policy_or_located_error(raw)


@FUZZ
@given(yaml_docs)
def test_policy_loader_on_arbitrary_yaml_documents(doc: object) -> None:
    assert_policy_or_located_error(yaml.safe_dump(doc, allow_unicode=True))


def _valid_policies() -> list[str]:
    from worktree_guard.commands.init import policy_template
    full = yaml.safe_dump({'version': 1, **P.DEFAULTS}, sort_keys=False)
    return [
        policy_template(),
        full,
        'version: 1\nbranches:\n  check: new\n  exempt: [main, '
        "release/*, 'bot/**']\nrules:\n  worktree-paths/home-path: error\n",
        "branches:\n  pattern: '^(?P<issue>[0-9]+)-[a-z]+$'\n"
        "paths:\n  allow: ['re:^/opt/', docs/]\n  max-file-size: 2MB\n"
        'sync:\n  when-unreachable: warn\n  max-staleness: 12h\n',
    ]


VALID = _valid_policies()


@st.composite
def mutated_policies(draw: st.DrawFn) -> str:
    """A valid policy with a few random edits: characters inserted, deleted
    or replaced, lines swapped or duplicated, values replaced."""
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split('\n')
        op = draw(st.sampled_from(['insert', 'delete', 'replace', 'swap',
                                   'duplicate', 'value', 'indent']))
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        j = draw(st.integers(0, len(line)))
        if op == 'insert':
            piece = draw(st.sampled_from([':', '-', ' ', '\t', '[', ']', '{',
                                          '}', '"', "'", '#', '*', '&', '!',
                                          '|', '>', '%', '@', '\\', '\0']))
            lines[i] = line[:j] + piece + line[j:]
        elif op == 'delete' and line:
            lines[i] = line[:j] + line[j + 1:]
        elif op == 'replace':
            lines[i] = line[:j] + draw(st.text(max_size=6)) + line[j:]
        elif op == 'swap' and len(lines) > 1:
            k = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[k] = lines[k], lines[i]
        elif op == 'duplicate':
            lines.insert(i, line)
        elif op == 'value' and ':' in line:
            key = line.split(':', 1)[0]
            value = yaml.safe_dump(draw(yaml_scalars),
                                   default_flow_style=True,
                                   allow_unicode=True).split('\n...')[0]
            lines[i] = f'{key}: {value.strip()}'
        elif op == 'indent':
            lines[i] = ' ' * draw(st.integers(0, 5)) + line.lstrip()
        text = '\n'.join(lines)
    return text


@FUZZ
@given(mutated_policies())
def test_policy_loader_on_mutated_valid_policies(text: str) -> None:
    assert_policy_or_located_error(text)


def test_valid_policies_are_valid() -> None:
    for text in VALID:
        assert isinstance(P.parse(text), P.Policy)


# -- branch names -----------------------------------------------------------------------

USER_POLICY = P.parse("branches:\n  pattern: '^(?P<issue>[0-9]+)/.+$'\n"
                      "  exempt: ['bot/**', 'rel*']\n  protected: [trunk]\n")
branch_texts = st.one_of(
    st.text(max_size=80),
    st.text(alphabet='issue-0123456789abcXYZ/._ \n\t~^:?*[\\@{}', max_size=40),
    st.builds(lambda n, s: f'issue-{n}-{s}', st.integers(-5, 10 ** 12),
              st.text(max_size=30)),
)


@FUZZ
@given(branch_texts, st.booleans())
@example('x' * 300, True)
@example('issue-1-' + 'a' * 300, False)
@example('\udcff', True)
def test_branch_rules_on_arbitrary_names(name: str, new: bool) -> None:
    for pol in (P.default_policy(), USER_POLICY):
        for origin in ('HEAD', 'push'):
            update = RefUpdate('refs/heads/x', 'a' * 40,
                               f'refs/heads/{name}', '0' * 40) \
                if origin == 'push' else None
            found = branch_name.check(BranchFacts(
                [BranchTarget(name, origin, new, update)]), pol)
            assert all(isinstance(v, Violation) for v in found)
            assert len(found) <= 1
            for v in found:
                assert v.rule == 'branch-name' and v.fix
            found = protected_branch.check(BranchFacts(
                [BranchTarget(name, origin, new, update)]), pol)
            assert all(v.rule == 'protected-branch' for v in found)


@FUZZ
@given(branch_texts)
@example('Feature/Add Login')
@example('123')
@example('---')
def test_suggested_names_pass_the_rule(name: str) -> None:
    """Whatever the bad name, the suggestion (with an issue number filled
    in) is a name the default pattern accepts."""
    suggestion = suggest_branch(name)
    concrete = suggestion.replace('<N>', '7')
    assert P.default_policy().branch_regex().search(concrete), suggestion
    assert len(suggest_branch(name, 10)) <= len('issue--') + 9 + 10


# -- pre-push input -----------------------------------------------------------------------

oids = st.one_of(st.just('0' * 40),
                 st.text(alphabet='0123456789abcdef', min_size=40,
                         max_size=40),
                 st.text(alphabet='0123456789abcdef', min_size=64,
                         max_size=64))
good_lines = st.builds(
    lambda lr, lo, rr, ro: f'{lr} {lo} {rr} {ro}',
    st.sampled_from(['refs/heads/issue-1-x', 'HEAD~', '(delete)',
                     'refs/tags/v1']), oids,
    st.sampled_from(['refs/heads/main', 'refs/heads/issue-1-x',
                     'refs/tags/v1', 'refs/notes/x']), oids)
any_lines = st.one_of(good_lines, st.text(max_size=60),
                      st.builds(lambda a, b: f'{a} {b}', good_lines,
                                st.text(max_size=5)))


@FUZZ
@given(st.lists(any_lines, max_size=6),
       st.sampled_from(['\n', '\r\n', '\n\n']))
@example(['refs/heads/x ' + 'a' * 40 + ' refs/heads/x ' + 'b' * 39], '\n')
@example(['a b c d'], '\n')
def test_parse_push_lines(lines: list[str], sep: str) -> None:
    text = sep.join(lines) + sep
    try:
        updates = parse_push_lines(text)
    except GitError as e:
        assert e.exit_code == 2
        assert re.search(r'pre-push input line \d+ is malformed',
                         e.message), e.message
        assert e.hint
    else:
        assert all(isinstance(u, RefUpdate) for u in updates)
        assert len(updates) == sum(1 for ln in text.splitlines()
                                   if ln.strip())


@pytest.fixture(scope='module')
def fuzz_repo(templates: dict[str, Path],
              tmp_path_factory: pytest.TempPathFactory) -> RepoHandle:
    """One clone with native hooks for the CLI fuzzers (never modified)."""
    dest = tmp_path_factory.mktemp('fuzz')
    shutil.copytree(templates['native'], dest, symlinks=True,
                    dirs_exist_ok=True)
    work = dest / 'repo'
    git('remote', 'set-url', 'origin', str(dest / 'origin.git'), cwd=work)
    git('switch', '-q', '-c', 'issue-1-x', cwd=work)
    return RepoHandle(work, dest / 'origin.git')


@CLI_FUZZ
@given(st.lists(st.one_of(good_lines.map(str.encode), st.binary(max_size=40)),
                max_size=4))
@example([b'refs/heads/\xff\xfe ' + b'a' * 40 + b' refs/heads/\xff ' +
          b'0' * 40])
@example([b'\x00\x01\x02'])
def test_pre_push_hook_cli_on_arbitrary_stdin(fuzz_repo: RepoHandle,
                                              lines: list[bytes]) -> None:
    """The real `worktree-guard hook pre-push` on arbitrary stdin: exit 0,
    1 or 2 with a message, never a traceback or an internal error."""
    data = b'\n'.join(lines) + b'\n'
    import subprocess
    cp = subprocess.run(
        [sys.executable, '-m', 'worktree_guard', 'hook', 'pre-push',
         'origin', str(fuzz_repo.remote)],
        cwd=fuzz_repo.path, input=data, capture_output=True, timeout=60)
    err = cp.stderr.decode('utf-8', 'replace')
    assert cp.returncode in (0, 1, 2), err
    assert 'Traceback' not in err
    assert 'internal error' not in err, err
    if cp.returncode == 2:
        assert 'worktree-guard: error:' in err


# -- path tokens in arbitrary bytes ---------------------------------------------------------

MAIN = '/work/main-repo'
CURRENT = '/work/main-repo/trees/issue-4-here'
SIBLING = '/work/main-repo/trees/issue-5-there'
PATH_FACTS_CHECKOUTS = [
    Checkout('current', CURRENT, [CURRENT], 'issue-4-here', 'issue-4-here'),
    Checkout('main', MAIN, [MAIN, '/private' + MAIN], None, 'main'),
    Checkout('worktree', SIBLING, [SIBLING], 'issue-5-there', 'issue-5-there'),
]
KINDS = set(RULES['worktree-paths'].kinds)
file_names = st.one_of(
    st.sampled_from(['README.md', 'docs/a/b.md', 'src/x.py', '-n',
                     'with space/ü.txt', 'trees/x', 'new\nline']),
    st.text(min_size=1, max_size=20).filter(lambda s: '\0' not in s),
)
noise = st.one_of(
    st.binary(max_size=120),
    st.lists(st.sampled_from([
        b'../', b'../../', b'/home/u/', MAIN.encode(), SIBLING.encode(),
        b'trees/', b'issue-5-there/', b' ', b'\n', b'\r\n', b'"', b'(',
        b'$(pwd)/', b'~/', b'C:\\Users\\me\\', b'https://x/../', b'\xff',
        b'\xe2\x82', b'worktree-guard: allow', b'\t', b':', b'x',
    ]), max_size=20).map(b''.join),
)


def _judge(files: list[tuple[str, bytes]], patch: bool,
           policy: P.Policy) -> list[Violation]:
    data = b''
    regions = []
    for name, content in files:
        if patch:
            body = b'@@ -0,0 +1 @@\n' + b''.join(
                b'+' + ln + b'\n' for ln in content.split(b'\n'))
        else:
            body = content
        regions.append((len(data), len(data) + len(body), name))
        data += body
    change = PathChange(None, [(n, '100644', None) for n, _ in files], data,
                        regions, patch)
    facts = PathFacts(CURRENT, list(PATH_FACTS_CHECKOUTS), [change])
    return worktree_paths.check(facts, policy)


@FUZZ
@given(st.lists(st.tuples(file_names, noise), min_size=1, max_size=3),
       st.booleans(),
       st.sampled_from(['file', 'root', 'both']))
def test_path_scanner_on_arbitrary_bytes(files: list[tuple[str, bytes]],
                                         patch: bool, resolve: str) -> None:
    pol = P.parse(f'paths:\n  resolve-from: {resolve}\n')
    names = {n for n, _ in files}
    for v in _judge(files, patch, pol):
        assert v.rule == 'worktree-paths' and v.kind in KINDS, v
        assert v.path in names, v
        if v.line is not None:
            assert v.line >= 1 and (v.col or 1) >= 1, v


@FUZZ
@given(noise, noise, st.booleans())
def test_a_planted_escape_is_always_found(before: bytes, after: bytes,
                                          patch: bool) -> None:
    """Whatever surrounds it, `../../../outside/secret.txt` in
    docs/guide.md (three levels above a two-level worktree path) is
    reported, at its line, unless the noise opens an example block (a
    fence or a <pre>): there a path is the reader's, weak evidence by the
    confidence model (docs/paths.md)."""
    assume(b'worktree-guard' not in before + after)
    assume(not any(m in before for m in (b'```', b'~~~', b'<pre')))
    token = b'../../../outside/secret.txt'
    content = before + b'\n' + token + b'\n' + after
    found = [v for v in _judge([('docs/guide.md', content)], patch,
                               P.default_policy())
             if v.token == token.decode()]
    assert found, content
    assert found[0].kind == 'relative-escape'
    assert found[0].line == before.count(b'\n') + 2


# -- regex safety, end to end -------------------------------------------------------------

EVIL = "branches:\n  pattern: '^(?P<issue>a+)+$'\n"


@pytest.mark.timeout(60)
def test_catastrophic_pattern_is_fast_through_the_cli(
        plain_repo: RepoHandle) -> None:
    """`(a+)+$` against long almost-matching names, through the real CLI:
    RE2 answers in linear time (Python's re would take ages)."""
    r = plain_repo
    (r.path / '.worktree-guard.yaml').write_text(EVIL)
    assert wg('policy', 'validate', cwd=r.path).returncode == 0
    # Warm the policy cache: the timed runs pay for the match, not for
    # parsing YAML on a cache miss.
    assert wg('check', '--stage', 'commit', cwd=r.path).returncode == 1
    long_name = 'a' * 100_000 + '!'
    proc = wg('check', '--stage', 'push', '--from-ref', 'main', '--to-ref',
              'main', '--branch', long_name, '--rule', 'branch-name',
              cwd=r.path)
    assert proc.returncode == 1, proc
    assert_no_traceback(proc)
    # A real branch (git caps a name at 255 bytes per component).
    branch = 'a' * 200 + '!'
    r.git('switch', '-q', '-c', branch)
    proc = wg('check', '--stage', 'commit', '--rule', 'branch-name',
              cwd=r.path)
    assert proc.returncode == 1, proc
    r.git('switch', '-q', '-c', 'a' * 200)
    proc = wg('check', '--stage', 'commit', '--rule', 'branch-name',
              cwd=r.path)
    assert proc.returncode == 0, proc


@pytest.mark.timeout(60)
def test_regex_safety_in_every_policy_regex(plain_repo: RepoHandle) -> None:
    """paths.allow 're:' entries also run on RE2."""
    r = plain_repo
    (r.path / '.worktree-guard.yaml').write_text(
        "paths:\n  allow: ['re:^(a+)+$']\n")
    r.git('switch', '-q', '-c', 'issue-7-allow')
    r.write('doc.md', '../' + 'a' * 5000 + '!\n')
    r.git('add', 'doc.md')
    proc = wg('check', '--stage', 'commit', cwd=r.path)
    assert proc.returncode in (0, 1), proc
    assert_no_traceback(proc)
    r.git('rm', '-q', '--cached', 'doc.md')


@pytest.mark.parametrize('text', ['(a', '(?P<issue>a)\\1', '(?=a)(?P<issue>a)'])
def test_unsupported_regexes_are_rejected_with_a_location(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        P.parse(f"branches:\n  pattern: '{text}'\n")
    assert info.value.message.startswith('.worktree-guard.yaml:2:')
