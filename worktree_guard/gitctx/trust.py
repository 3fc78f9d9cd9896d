"""Which policy a check trusts: the one committed on the protected base
(issue 22, "one trust anchor"; the table is docs/trust.md).

An agent (or anyone) can edit the files of its own worktree, so a check
that guards against it must not take its policy from there.  This module
answers, for the agent guard today and for the CI, server and
reference-transaction checks as they move over (issue 23):

``base_anchor(common_dir, config=None, remote=None, branch=None) -> Anchor``
    The base ref a check trusts and the commit it names, read from files
    (loose ref, else ``packed-refs``; no git).  The remote is ``remote``,
    else ``upstream``, else ``origin`` (the first one the common
    ``config`` defines); the branch ``branch``, else ``main``, else
    ``master``.  The remote-tracking ref ``refs/remotes/<remote>/<branch>``
    comes first; without it (no remote, or never fetched), the local
    ``refs/heads/<branch>``.  ``Anchor(None, None)`` when there is none.

``committed_policy(common_dir, anchor) -> Policy``
    ``.worktree-guard.yaml`` as committed at ``anchor.commit`` (the
    built-in defaults when the commit has none, or when there is no
    anchor).  Cached in the common git dir (``CACHE_FILE``), keyed by the
    commit and the policy blob: a hit starts no process and imports no
    YAML; a miss runs one ``git cat-file --batch``.  An invalid policy
    raises ``PolicyError`` (cached too): the caller's failure path.

``trusted_policy(common_dir, config=None) -> Trusted``
    What the agent guard trusts: ``committed_policy`` of ``base_anchor``;
    when that policy names another base (``base.remote``,
    ``base.branch``) that exists, the policy committed there instead (one
    step, never a chain).

``read_config(common_dir) -> Config`` and ``hooks_dirs(config, roots)``
    The repository's ``config`` file without git (sections, keys, values;
    ``include`` is not followed), and the folders its hooks run from:
    ``<common>/hooks`` and ``core.hooksPath`` (a relative one is relative
    to each checkout's root).  ``read_ref(common_dir, ref)``: one ref.

The agent cannot change what is read here: the git dir is outside its
worktree (the guard denies writes there, and the OS sandbox does too).
No ``os``, no ``typing``: this is the agent hook's path.
"""
from worktree_guard import lightpath as P
from worktree_guard.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any
    from typing import TypeGuard

    from worktree_guard.policy import Policy

    # A cache entry: (policy blob or '', display name, result).
    Entry = tuple[str, str, tuple[Any, ...]]

    # (section, subsection or None, key) -> the last value; names
    # lower-case but the subsection (git's rules).
    Config = dict[tuple[str, str | None, str], str]

POLICY_FILE = '.worktree-guard.yaml'
REMOTES = ('upstream', 'origin')
BRANCHES = ('main', 'master')
# The parsed committed policies, per commit (the newest ``KEPT``).
CACHE_FILE = 'worktree-guard-trusted-policy.cache'
CACHE_KEY = ('trusted-policy', 1)
KEPT = 8


class Anchor(Record):
    """The base ref a check trusts: its full name and the commit it names;
    both ``None`` when the repository has no base ref."""

    __slots__ = ('ref', 'commit')

    def __init__(self, ref: str | None, commit: str | None) -> None:
        self.ref = ref
        self.commit = commit

    @property
    def name(self) -> str:
        """The ref as people write it (``origin/main``, ``main``)."""
        return (self.ref or '').split('/', 2)[-1]


class Trusted(Record):
    """A trusted policy and where it comes from (``source``, in words)."""

    __slots__ = ('policy', 'anchor', 'source')

    def __init__(self, policy: 'Policy', anchor: Anchor,
                 source: str) -> None:
        self.policy = policy
        self.anchor = anchor
        self.source = source




def _is_oid(s: str) -> bool:
    return len(s) in (40, 64) and all(c in '0123456789abcdef' for c in s)


# -- the config file -------------------------------------------------------------

def _value(raw: str) -> str:
    """A config value: quotes removed, escapes read, comments dropped."""
    out = []
    quoted = False
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == '"':
            quoted = not quoted
        elif c == '\\' and i + 1 < len(raw):
            i += 1
            out.append({'n': '\n', 't': '\t', 'b': '\b'}.get(raw[i], raw[i]))
        elif c in '#;' and not quoted:
            break
        else:
            out.append(c)
        i += 1
    return ''.join(out).strip()


def _header(line: str) -> tuple[str, str | None] | None:
    """``[section "sub"]`` or ``[section.sub]`` (the old form)."""
    end = line.find(']')
    if not line.startswith('[') or end < 0:
        return None
    inner = line[1:end].strip()
    if '"' in inner:
        name, _, sub = inner.partition('"')
        return name.strip().lower(), sub.rsplit('"', 1)[0].replace(
            '\\"', '"').replace('\\\\', '\\')
    name, dot, sub = inner.partition('.')
    return name.lower(), (sub if dot else None)


def read_config(common_dir: str) -> 'Config':
    """The common ``config`` file, parsed without git.  A key with no
    ``=`` is ``true``; a later value wins."""
    out: Config = {}
    section: tuple[str, str | None] | None = None
    for raw in (P.read_text(P.join(common_dir, 'config')) or '').splitlines():
        line = raw.strip()
        if line.startswith('['):
            section = _header(line)
            line = line[line.find(']') + 1:].strip() if section else ''
        if not line or line[0] in '#;' or section is None:
            continue
        key, eq, value = line.partition('=')
        out[(section[0], section[1], key.strip().lower())] = \
            _value(value) if eq else 'true'
    return out


def remotes(config: 'Config') -> list[str]:
    """The remotes the config defines, in file order."""
    seen: list[str] = []
    for section, sub, _ in config:
        if section == 'remote' and sub is not None and sub not in seen:
            seen.append(sub)
    return seen


def hooks_dirs(common_dir: str, config: 'Config', roots: list[str],
               home: str | None = None) -> list[str]:
    """The folders git runs hooks from: ``<common>/hooks``, and
    ``core.hooksPath`` (``~/`` expanded with ``home``; relative to each
    checkout root in ``roots`` when relative)."""
    out = [P.join(common_dir, 'hooks')]
    value = config.get(('core', None, 'hookspath'))
    if not value:
        return out
    if value.startswith('~/') and home:
        value = home + value[1:]
    if P.isabs(value):
        out.append(P.realpath(value))
    else:
        out += [P.realpath(P.join(root, value)) for root in roots]
    return out


# -- refs ------------------------------------------------------------------------

def read_ref(common_dir: str, ref: str,
             packed: 'list[str | None] | None' = None) -> str | None:
    """The object a full ref name points at: the loose ref file, else
    ``packed-refs``; no git (a reftable repository asks git once).
    ``packed``: a one-item list that keeps ``packed-refs`` between calls
    (read at most once)."""
    loose = P.read_text(P.join(common_dir, ref))
    if loose is not None:
        value = loose.strip()
        if value.startswith('ref: '):
            return read_ref(common_dir, value[5:].strip(), packed)
        return value if _is_oid(value) else None
    if packed is None:
        packed = [None]
    text = packed[0]
    if text is None:
        text = packed[0] = P.read_text(P.join(common_dir, 'packed-refs')) or ''
    suffix = ' ' + ref
    for line in text.splitlines():
        if line.endswith(suffix) and not line.startswith(('#', '^')):
            oid = line[:-len(suffix)]
            return oid if _is_oid(oid) else None
    if P.isdir(P.join(common_dir, 'reftable')):
        from worktree_guard.gitctx.process import foreign_env
        from worktree_guard.gitctx.process import spawn
        res = spawn(['git', '--git-dir', common_dir, 'rev-parse', '--verify',
                     '-q', ref], env=foreign_env())
        oid = res.stdout.decode('ascii', 'replace').strip()
        return oid if _is_oid(oid) else None
    return None


def base_anchor(common_dir: str, config: 'Config | None' = None,
                remote: str | None = None,
                branch: str | None = None) -> Anchor:
    """The base ref a check trusts (see the module)."""
    if remote is None:
        defined = remotes(read_config(common_dir) if config is None
                          else config)
        remote = next((r for r in REMOTES if r in defined), None)
    names = (branch,) if branch else BRANCHES
    refs = [f'refs/remotes/{remote}/{b}' for b in names] if remote else []
    refs += [f'refs/heads/{b}' for b in names]
    packed: list[str | None] = [None]
    for ref in refs:
        oid = read_ref(common_dir, ref, packed)
        if oid is not None:
            return Anchor(ref, oid)
    return Anchor(None, None)


# -- the committed policy --------------------------------------------------------------

def _locate(common_dir: str, commit: str) -> tuple[str, bytes] | None:
    """The policy blob's id and content at ``commit`` (``None``: no policy
    file there): one ``git cat-file --batch``.  A commit that is not in the
    object store is an error, never "no policy"."""
    from worktree_guard.errors import GitError
    from worktree_guard.gitctx.process import foreign_env
    from worktree_guard.gitctx.process import spawn
    res = spawn(['git', '--git-dir', common_dir, 'cat-file', '--batch'],
                input=f'{commit}^{{commit}}\n{commit}:{POLICY_FILE}\n'
                .encode(), env=foreign_env(), timeout=30)
    out = res.stdout
    header, _, rest = out.partition(b'\n')
    parts = header.decode('utf-8', 'replace').split(' ')
    if res.returncode != 0 or len(parts) != 3 or parts[1] != 'commit':
        raise GitError(f'the base commit {commit[:12]} is not in this '
                       'repository', 'run `git fetch` (a shallow or broken '
                       'clone?)')
    rest = rest[int(parts[2]) + 1:]
    header, _, rest = rest.partition(b'\n')
    parts = header.decode('utf-8', 'replace').split(' ')
    if len(parts) == 3 and parts[1] == 'blob':
        return parts[0], rest[:int(parts[2])]
    if parts[-1] == 'missing':
        return None
    raise GitError(f'{commit[:12]}:{POLICY_FILE} is not a file',
                   'the policy must be a regular file at the repository '
                   'root')


def committed_policy(common_dir: str, anchor: Anchor) -> 'Policy':
    """The policy committed at ``anchor`` (see the module)."""
    from worktree_guard import policy as policy_mod
    if anchor.commit is None:
        return policy_mod.default_policy()
    from worktree_guard.policy.cache import load_memo
    from worktree_guard.policy.cache import save_memo
    path = P.join(common_dir, CACHE_FILE)
    memo = load_memo(path, CACHE_KEY)
    display = f'{anchor.name}:{POLICY_FILE}'
    cached = memo.get(anchor.commit)
    if _entry(cached):
        hit = cached
    else:
        found = _locate(common_dir, anchor.commit)
        blob = found[0] if found is not None else ''
        # The same blob under another commit is not parsed again.
        hit = next((v for v in memo.values()
                    if _entry(v) and v[0] == blob and v[1] == display),
                   None) or (blob, display, _parse(found, display))
        memo.pop(anchor.commit, None)   # the newest last
        memo[anchor.commit] = hit
        for old in list(memo)[:-KEPT]:
            del memo[old]
        save_memo(path, CACHE_KEY, memo)
    result = hit[2]
    if result[0] == 'error':
        from worktree_guard.errors import PolicyError
        raise PolicyError(result[1], result[2] or None)
    if result[0] == 'none':
        return policy_mod.default_policy()
    return policy_mod.Policy(result[1], result[2], display, result[3])


def _entry(v: object) -> 'TypeGuard[Entry]':
    """A memo entry of our shape (anything else is ignored)."""
    return isinstance(v, tuple) and len(v) == 3 and \
        isinstance(v[0], str) and isinstance(v[1], str) and \
        isinstance(v[2], tuple) and len(v[2]) >= 1 and \
        v[2][0] in ('none', 'error', 'ok') and \
        len(v[2]) == {'none': 1, 'error': 3, 'ok': 4}[v[2][0]]


def _parse(found: tuple[str, bytes] | None,
           display: str) -> 'tuple[Any, ...]':
    """A memo value: ``('none',)``, ``('error', message, hint)`` or
    ``('ok', data, sources, globs)``."""
    if found is None:
        return ('none',)
    from worktree_guard.errors import PolicyError
    from worktree_guard.policy import parse
    try:
        pol = parse(found[1], display)
    except PolicyError as e:
        return ('error', e.message, e.hint or '')
    return ('ok', pol.data, pol.sources, pol.globs)


def trusted_policy(common_dir: str,
                   config: 'Config | None' = None) -> Trusted:
    """The agent guard's policy (see the module)."""
    if config is None:
        config = read_config(common_dir)
    anchor = base_anchor(common_dir, config)
    pol = committed_policy(common_dir, anchor)
    base = pol['base']
    if anchor.ref is not None and (base['remote'] or base['branch']):
        named = base_anchor(common_dir, config, base['remote'],
                            base['branch'])
        if named.ref is not None and named.ref != anchor.ref:
            anchor = named
            pol = committed_policy(common_dir, anchor)
    if anchor.ref is None:
        source = 'the built-in defaults (no base branch to read a policy from)'
    elif pol.path is None:
        source = (f'the built-in defaults ({anchor.name} at '
                  f'{(anchor.commit or "")[:12]} has no {POLICY_FILE})')
    else:
        source = f'{pol.path} at {(anchor.commit or "")[:12]}'
    return Trusted(pol, anchor, source)
