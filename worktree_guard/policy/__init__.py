"""The policy: ``.worktree-guard.yaml`` loaded, validated and merged with defaults.

This package sits below ``gitctx`` and ``rules``; it imports neither.

- ``__init__`` (this module, on the hook hot path): ``Policy``, ``load``,
  ``find_policy_file``, ``default_policy``.  With no policy file nothing is
  parsed; with one, ``cache`` answers from the git dir.
- ``defaults`` and ``schema.json``: GENERATED from the rule SPECs and the
  core sections by ``python -m worktree_guard.gen --write``
  (``./dev gen``); never edit them by hand.
- ``match``: branch regexes (RE2), globs, sizes, durations.
- ``validate``: ``validated`` (YAML node tree, JSON Schema, semantic
  checks, ``file:line:col`` errors), which ``parse`` here merges over the
  defaults, and ``load_schema``.  The cold path.
- ``cache``: the parsed policy ``marshal``-ed in the git dir, which
  ``cached_parse`` here reads first, keyed by the file's stat and the
  package version.

No module of this package imports this one (``Policy`` is built here), so
the package has no import cycle (``tests/lint/acyclic.py``).
- ``show``: ``policy show``.

``load_schema`` and ``CACHE_VERSION``, and
``match``'s ``compile_regex``, ``parse_size``, ``parse_duration`` and
``DEFAULT_BRANCH_PATTERN``, are importable from here too, but are imported
only when first used (the agent hook needs none of them).
"""
from worktree_guard import lightpath
from worktree_guard.policy import defaults
from worktree_guard.policy.defaults import DEFAULTS as DEFAULTS

# `typing` costs ~10 ms of start-up; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from typing import Any

    from worktree_guard.policy.match import DEFAULT_BRANCH_PATTERN as \
        DEFAULT_BRANCH_PATTERN
    from worktree_guard.policy.match import compile_regex as compile_regex
    from worktree_guard.policy.match import parse_duration as parse_duration
    from worktree_guard.policy.match import parse_size as parse_size
    from collections.abc import Callable

    from worktree_guard.policy.cache import CACHE_VERSION as CACHE_VERSION
    from worktree_guard.policy.validate import load_schema as load_schema
    # A generated stub (./dev gen): each section's keys and their types.
    from worktree_guard.policy.sections import SectionReads
else:
    SectionReads = object

POLICY_FILE = '.worktree-guard.yaml'
CACHE_FILE = 'worktree-guard-policy.cache'

# Names served from other modules on first use (PEP 562): the cold path's,
# and ``match``'s, which the agent hook never needs.
_LAZY = {'load_schema': 'validate', 'CACHE_VERSION': 'cache',
         'DEFAULT_BRANCH_PATTERN': 'match', 'compile_regex': 'match',
         'parse_duration': 'match', 'parse_size': 'match'}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    return getattr(__import__(f'{__name__}.{module}', fromlist=[name]), name)


class Policy(SectionReads):
    """The effective policy: defaults merged with the file.

    ``policy['sync']['fetch-timeout']`` is typed for mypy (a ``float``):
    ``SectionReads`` is the generated ``policy/sections.pyi``, read by mypy
    only; at run time the base is ``object`` and the read is a dict's.

    ``data`` mirrors the YAML (kebab-case keys).  ``sources`` maps
    ``section.key`` to the file's ``path:line`` for keys the file sets.
    ``globs`` maps ``section.key`` to pathspec's regexes for the path glob
    lists (``defaults.PATH_GLOB_KEYS``); branch and ref globs need none.
    """

    __slots__ = ('data', 'sources', 'path', 'globs', '_compiled')

    def __init__(self, data: 'dict[str, dict[str, Any]]',
                 sources: dict[str, str] | None = None,
                 path: str | None = None,
                 globs: dict[str, list[str]] | None = None) -> None:
        self.data = data
        self.sources = sources or {}
        self.path = path
        if globs is None:
            from worktree_guard.policy.match import compile_globs
            globs = compile_globs(data, defaults.PATH_GLOB_KEYS)
        self.globs = globs
        self._compiled: dict[str, Any] = {}

    if not TYPE_CHECKING:  # pragma: no branch (mypy reads SectionReads)
        def __getitem__(self, section):
            return self.data[section]

    def severity(self, rule: str, kind: str | None = None) -> str:
        """Effective severity of a rule, or of one kind of a rule.

        ``off`` on the rule switches all its kinds off.  A kind set in the
        file wins; then the rule's level set in the file; then the defaults.
        """
        rules = self.data['rules']
        rule_sev: str = rules.get(rule, 'error')
        if rule_sev == 'off' or kind is None:
            return rule_sev
        key = f'{rule}/{kind}'
        if f'rules.{key}' in self.sources:
            return str(rules[key])
        if f'rules.{rule}' in self.sources:
            return rule_sev
        return str(rules.get(key, rule_sev))

    def matches(self, section: str, key: str, name: str) -> bool:
        """Does ``name`` match any glob of ``section.key``?

        One dialect per key (``defaults.NAME_GLOB_KEYS`` and
        ``PATH_GLOB_KEYS``, docs/policy.md).  Branch and ref globs
        (``branches.*``, ``sync.exempt``) match the whole name
        (``globmatch``): ``release/*`` matches ``release/1.2``, not
        ``release/1.2/x``; ``bot/**`` everything below ``bot/``.  Path
        globs are gitignore-style (a directory covers what is in it)."""
        cache_key = f'glob:{section}.{key}'
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            regexes = self.globs.get(f'{section}.{key}')
            if regexes is not None:
                from worktree_guard.policy.match import glob_matcher
                compiled = [glob_matcher(r) for r in regexes]
            else:
                from worktree_guard.policy.globmatch import compile_glob
                compiled = [compile_glob(p.strip('/'))
                            for p in self.data[section][key]]
            self._compiled[cache_key] = compiled
        return any(m(name) for m in compiled)

    def branch_regex(self) -> 'Any':
        """The compiled branch pattern (RE2 for user patterns)."""
        compiled = self._compiled.get('branch')
        if compiled is None:
            from worktree_guard.policy.match import compile_regex
            compiled = compile_regex(self.data['branches']['pattern'])
            self._compiled['branch'] = compiled
        return compiled

    def to_cache(self) -> 'dict[str, Any]':
        return {'data': self.data, 'sources': self.sources,
                'globs': self.globs}


def copy_data(d: 'dict[str, dict[str, Any]]') -> 'dict[str, dict[str, Any]]':
    """A copy of policy data deep enough that no list is shared."""
    return {k: {kk: (list(vv) if isinstance(vv, list) else vv)
                for kk, vv in v.items()} for k, v in d.items()}


def default_policy() -> Policy:
    """The built-in policy.  Its glob regexes are precomputed (generated),
    so the no-file hot path never imports pathspec."""
    return Policy(copy_data(defaults.DEFAULTS), {}, None,
                  dict(defaults.BUILTIN_GLOBS))


# -- loading -----------------------------------------------------------------

def find_policy_file(root: str | None, override: str | None) -> str | None:
    """The policy file's path, or ``None`` for the built-in policy.  A path
    that is no regular file in the repository (a directory, FIFO, dangling
    or outward symlink) is an error, never silently skipped
    (``bounds.check_file``)."""
    if override is not None:
        from worktree_guard.policy import bounds
        bounds.check_file(override, None, override)
        if not lightpath.isfile(override):
            from worktree_guard.errors import PolicyError
            raise PolicyError(
                f'{override}: policy file not found',
                'check the --policy path, or drop --policy to use '
                f'{POLICY_FILE} at the repo root',
            )
        return lightpath.abspath(override)
    if root is None:
        return None
    path = lightpath.join(root, POLICY_FILE)
    kind = lightpath.filetype(path, follow=False)
    if kind == lightpath.IFREG:
        return path   # a plain file: nothing for check_file to refuse
    if kind == 0:
        return None   # none: the built-in policy
    from worktree_guard.policy import bounds
    bounds.check_file(path, root, POLICY_FILE)   # a symlink, or refused
    return path if lightpath.isfile(path) else None


def load(root: str | None, override: str | None = None,
         cache_dir: str | None = None) -> Policy:
    """The effective policy for the worktree at ``root``.

    ``override`` is ``--policy PATH``.  ``cache_dir`` (the worktree's git dir)
    enables the cache, keyed by the file's stat (``cache`` adds the package
    version); it is written best-effort, so a read-only ``.git`` only costs
    speed.
    """
    path = find_policy_file(root, override)
    if path is None:
        return default_policy()
    st = lightpath.stat(path)
    key = (path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)
    display = lightpath.relpath(path) if override is None else override

    def read() -> bytes:
        from worktree_guard.policy.bounds import MAX_POLICY_BYTES
        try:
            with open(path, 'rb') as f:  # one byte more says "too big"
                return f.read(MAX_POLICY_BYTES + 1)
        except OSError as e:
            from worktree_guard.errors import PolicyError
            raise PolicyError(f'{display}:1:1: cannot read the policy file: '
                              f'{e.strerror}',
                              'check its permissions') from None

    cache_path = lightpath.join(cache_dir, CACHE_FILE) if cache_dir else None
    return cached_parse(cache_path, key, read, display, path)


def parse(raw: bytes | str, filename: str = POLICY_FILE) -> Policy:
    """Parse and validate policy text over the defaults; raise
    ``PolicyError`` on any problem."""
    from worktree_guard.policy.validate import validated
    sections, sources = validated(raw, filename)
    merged = copy_data(defaults.DEFAULTS)
    for section, values in sections.items():
        merged[section].update(values)
    return Policy(merged, sources)


def cached_parse(cache_path: str | None, key: tuple[object, ...],
                 read: 'Callable[[], bytes]', display: str,
                 path: str) -> Policy:
    """``parse(read(), display)``, cached (``cache``) at ``cache_path``
    under ``key``: a file's stat at the client, a blob id at the server.
    The cache is best-effort: a read-only ``.git`` only costs speed."""
    from worktree_guard.policy import cache
    key = cache.full_key(key)
    if cache_path is not None:
        cached = cache.read(cache_path, key)
        if cached is not None:
            return Policy(cached['data'], cached['sources'], path,
                          cached['globs'])
    policy = parse(read(), display)
    policy.path = path
    if cache_path is not None:
        cache.store(cache_path, key, policy.to_cache())
    return policy
