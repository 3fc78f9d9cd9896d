"""agent-guard: a coding agent's tool call stays inside its worktree (issue 14).

Every decision the agent hook makes is in this file: a pure function of the
tool call (``AgentCall``), the repository's checkouts (gitctx/checkouts.py)
and the policy.  Paths are turned into absolute real paths by the
``resolve`` function the caller passes in (``gitctx.checkouts.
resolve_target``), so the rule itself does no I/O.  The checkouts are
``records.CheckoutMap`` records (part of the model).

What is judged:

- file tools (``kind == 'write'``): every target outside the worktree that
  holds the session's cwd (``agents.write-outside``), then the content
  being written through the worktree-paths scanner (``scan_content``);
- read-only tools (``kind == 'read'``): a note, or a denial, when they look
  into another checkout or the git dir (``agents.read-outside``);
- shell commands (``kind == 'bash'``): split by worktree_guard/shell.py,
  each simple command read by rules/agent_shell.py (what it writes, where
  it cds, where it points git: its effects) and judged here one effect at
  a time, following ``cd`` (``agents.bash``).

``agents.allow-paths`` and ``paths.allow`` let a path outside every
checkout and git dir through (``/tmp``, ``/var/tmp`` and ``$TMPDIR`` pass
anyway); the guard's own files (``protected``) are for a human whatever
they say.  Where a path lands is the path engine's answer
(``pathengine.places.Places.place``); the policy is the one committed on
the base (gitctx/trust.py).  The rule runs at the ``agent`` stage only (the agent hook), never in the
runner's commit or push stages.
"""
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable

    from worktree_guard.rules.spec import RuleSpec

    from worktree_guard.pathengine.findings import Finding
    from worktree_guard.pathengine.places import Place
    from worktree_guard.pathengine.places import Places
    from worktree_guard.records import AgentFacts
    from worktree_guard.records import Checkout
    from worktree_guard.records import CheckoutMap
    from worktree_guard.records import RepoCheckout
    from worktree_guard.policy import Policy
    from worktree_guard.shell import Command
    from worktree_guard.shell import Word

RULE = 'agent-guard'


def __getattr__(name: str) -> object:
    """``SPEC``, built when first read: the agent hook judges without it,
    so it never imports ``rules.spec`` (issue 17)."""
    if name != 'SPEC':
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    spec = globals()['SPEC'] = _spec()
    return spec


if TYPE_CHECKING:  # pragma: no cover (typing only)
    SPEC: RuleSpec


def _spec() -> 'RuleSpec':
    from worktree_guard.rules.spec import RuleSpec
    from worktree_guard.rules.spec import Section
    from worktree_guard.rules.spec import choice
    from worktree_guard.rules.spec import string_list
    return RuleSpec(
        RULE, stages=('agent',), facts='',
        summary="coding agents' tool calls stay inside their worktree",
        explain="""\
Runs before a coding agent's tool call (Claude Code PreToolUse, Cursor,
Gemini CLI BeforeTool; `worktree-guard install --agent <name>` puts it in
place).  A file tool may not write outside the worktree that holds the
session's cwd: the main checkout, a sibling worktree, the git dir or
anywhere else (`agents.write-outside`).  A shell command may not cd out of
the worktree, write outside it (>, >>, tee, cp, mv, rm, ln, sed -i, touch,
mkdir), point git elsewhere (-C, --git-dir, --work-tree), switch the main
checkout's branch while issue worktrees are active, or remove another
issue's worktree (`agents.bash`).  Read-only tools looking into another
checkout get a note (`agents.read-outside`).  Written content goes through
the worktree-paths scanner: its findings are warnings, or denials where the
policy file sets that kind to error.  `agents.allow-paths` and
`paths.allow` let paths outside the repository through (never a checkout
or a git dir); /tmp, /var/tmp and $TMPDIR pass.  The policy file, the
baseline, the agents' settings, the git config and the hooks folders are
for a human: writes to them are denied.  The policy is the one committed
on the base (origin/main, or the local base branch), never the worktree's
own file.  A bad payload or an internal error denies writes and shell
commands and lets reads through, with a warning.  See docs/agents.md and
docs/trust.md.

Fix: write inside your own worktree (the reason names the path to use);
leave other checkouts to their own agents.""",
        section=Section('agents', {
            'write-outside': choice(
                ('deny', 'warn', 'off'),
                "A file tool writing outside the agent's worktree (main "
                'checkout, sibling worktree, git dir, elsewhere): deny it, '
                'warn the agent, or let it pass.'),
            'read-outside': choice(
                ('warn', 'allow', 'deny'),
                'A read-only tool (Read, Grep, Glob) looking into another '
                'checkout or the git dir.'),
            'bash': choice(
                ('deny', 'warn', 'off'),
                'Shell commands that leave the worktree (cd, writes, git -C, '
                'branch switches in the main checkout, git worktree remove '
                'of another worktree).'),
            'allow-paths': string_list(
                'Globs (*, **, ?) of paths agents may write outside their '
                'worktree, e.g. a shared cache; absolute, ~/..., or '
                'relative to the main checkout.'),
        }, 'The coding-agent hook (worktree-guard agent claude|cursor|gemini|'
           'check): what an agent may touch outside its worktree.'),
    )


# Writing these is never a boundary problem.
_DEVICES = frozenset(('/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty',
                      '/dev/zero', '/dev/random', '/dev/urandom'))
# Nested shells (`sh -c "sh -c ..."`) are followed this deep.
_MAX_DEPTH = 3


class AgentCall:
    """One tool call, in the agent's own terms made common.

    ``tool``: the tool's name as the agent spells it.  ``kind``:
    ``write``, ``read``, ``bash`` or ``other`` (not judged).  ``paths``:
    the targets as written; ``contents``: ``(target, text)`` pairs being
    written; ``command``: the shell command; ``cwd``: the session's working
    folder (absolute).
    """

    __slots__ = ('tool', 'kind', 'paths', 'contents', 'command', 'cwd', 'sandboxed')

    def __init__(self, tool: str, kind: str, cwd: str,
                 paths: list[str] | None = None,
                 contents: list[tuple[str, str]] | None = None,
                 command: str | None = None, sandboxed: bool = False) -> None:
        self.tool = tool
        self.kind = kind
        self.cwd = cwd
        self.paths = paths if paths is not None else []
        self.contents = contents if contents is not None else []
        self.command = command
        self.sandboxed = sandboxed

    def __repr__(self) -> str:
        return f'AgentCall({self.tool!r}, {self.kind!r}, {self.paths!r})'


class Verdict:
    """``reasons``: why the call is denied (empty: allowed); ``warnings``:
    what the agent should know either way."""

    __slots__ = ('reasons', 'warnings')

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.warnings: list[str] = []

    @property
    def decision(self) -> str:
        return 'deny' if self.reasons else 'allow'

    def __repr__(self) -> str:
        return f'Verdict({self.decision}, {self.reasons!r}, {self.warnings!r})'


def judge(call: AgentCall, cmap: 'CheckoutMap', policy: 'Policy',
          resolve: 'Callable[[str, str], str]',
          facts: 'AgentFacts | None' = None) -> Verdict:
    """The verdict on one tool call.  ``policy`` is the trusted one (the
    policy committed on the base: gitctx/trust.py), ``facts`` what the
    hook read besides the checkouts (hooks folders, scratch folders)."""
    verdict = Verdict()
    if cmap.current is None:
        return verdict
    judge_ = _Judge(cmap, policy, resolve, verdict, facts)
    if call.kind == 'write':
        for raw in call.paths:
            judge_.write(raw, call.cwd, f'{call.tool} of')
        for raw, text in call.contents:
            judge_.content(raw, call.cwd, text)
    elif call.kind == 'read':
        for raw in call.paths:
            judge_.read(raw, call.cwd, call.tool)
    elif call.kind == 'bash' and call.command is not None:
        judge_.sandboxed = call.sandboxed
        judge_.bash(call.command, call.cwd, 0)
    return verdict


def fact_checkouts(cmap: 'CheckoutMap', wroot: str) -> 'list[Checkout]':
    """The checkouts as the path engine's records: kind ``current`` for
    the one holding the session, ``name`` below ``worktrees.root``."""
    from worktree_guard.records import Checkout
    main = cmap.main
    out = []
    for c in cmap.checkouts:
        name = None
        if main is not None and c.kind == 'worktree' and \
                c.root.startswith(f'{main.root}/{wroot}/'):
            name = c.root[len(main.root) + len(wroot) + 2:]
        kind = 'current' if c is cmap.current else c.kind
        out.append(Checkout(kind, c.root, [c.root], name, c.branch))
    return out


def places(cmap: 'CheckoutMap', wroot: str) -> 'Places':
    """The path engine's ``Places`` of the checkouts: where a path lands
    (``Places.place``) is the engine's answer, here as in the content
    scanner."""
    from worktree_guard.pathengine.places import Context
    from worktree_guard.pathengine.places import Places
    cur = cmap.current
    return Places(Context(fact_checkouts(cmap, wroot),
                          cur.root if cur is not None else None, wroot,
                          git_dir=cmap.common_dir))


def write_severity(policy: 'Policy', kind: str) -> str:
    """The severity of a worktree-paths finding in content being written:
    ``warn`` unless the policy file itself sets that kind (or the whole
    rule), so a draft is not refused for what the commit hook would only
    refuse later; a team that wants it refused at write time says so."""
    sources = policy.sources
    if f'rules.worktree-paths/{kind}' in sources or \
            'rules.worktree-paths' in sources:
        return policy.severity('worktree-paths', kind)
    return 'warn'


def scan_content(text: str, rel_path: str, cmap: 'CheckoutMap',
                 policy: 'Policy') -> 'list[Finding]':
    """The path engine's findings in ``text``, written to ``rel_path`` of
    the current worktree: the engine ``worktree-paths`` uses, set up the
    same way (``pathengine.bind``), so a line is judged alike at write
    time and at commit."""
    cur = cmap.current
    assert cur is not None
    data = text.encode('utf-8', 'surrogateescape')
    wroot = str(policy['worktrees']['root']).strip('/')
    literals = [b'../', b'/home/', b'/Users/', b'sers', b'SERS',
                (wroot + '/').encode()]
    literals += [c.root.encode('utf-8', 'surrogateescape')
                 for c in cmap.checkouts]
    if not any(lit in data for lit in literals) and not (
            b'\\\n' in data and _continued(rel_path, data)):
        return []   # nothing the scanner could find: skip its import
    from worktree_guard.model import PathChange
    from worktree_guard.model import PathFacts
    from worktree_guard.pathengine.bind import engine_for
    checkouts = fact_checkouts(cmap, wroot)
    change = PathChange(None, [], data, [(0, len(data), rel_path)], False)
    facts = PathFacts(cur.root, checkouts, [change])
    return engine_for(facts, policy).scan_change(change)


def _continued(rel_path: str, data: bytes) -> bool:
    """A shell script or Makefile that continues a line: a literal may
    show only once its lines are joined (``cp a ..\\`` + ``/x``)."""
    from worktree_guard.pathengine import text
    return text.is_makefile(rel_path) or text.file_kind(
        rel_path, data[:256]) == text.SHELL


# An agent's own settings files, per agent (a human changes them): the
# hook itself is installed there.
SETTINGS_FILES = ('.claude/settings.json', '.claude/settings.local.json',
                  '.cursor/hooks.json', '.gemini/settings.json',
                  '.codex/config.toml')
_SETTINGS_DIRS = ('.claude', '.cursor', '.gemini', '.codex')
# The scratch folders every system has; ``AgentFacts.temp_dirs`` adds
# ``$TMPDIR`` and the real paths.
TEMP_DIRS = ('/tmp', '/var/tmp')


class _Judge:
    def __init__(self, cmap: 'CheckoutMap', policy: 'Policy',
                 resolve: 'Callable[[str, str], str]',
                 verdict: Verdict, facts: 'AgentFacts | None') -> None:
        from worktree_guard.records import AgentFacts
        self.cmap = cmap
        self.policy = policy
        self.resolve = resolve
        self.verdict = verdict
        self.facts = facts if facts is not None else AgentFacts()
        self.cur: RepoCheckout = cmap.current  # type: ignore[assignment]
        self.agents = policy['agents']
        self.wroot = str(policy['worktrees']['root']).strip('/')
        self.places = places(cmap, self.wroot)
        main = cmap.main
        self.base = main.root if main is not None else self.cur.root
        # The guard's own files: off only when the hook is off.
        self.guarding = self.agents['write-outside'] != 'off' or \
            self.agents['bash'] != 'off'

    # -- where a path lies ---------------------------------------------------

    def locate(self, p: str) -> tuple[str, str] | None:
        """``None`` inside this worktree, else (kind, description): kind is
        ``main``, ``worktree``, ``git-dir`` or ``outside``."""
        return self.where(self.places.place(p))

    def where(self, place: 'Place') -> tuple[str, str] | None:
        """``locate`` of a ``Place`` the path engine gave."""
        w = place.where
        co = place.checkout
        if w == 'inside':
            return None
        if w == 'git-dir':
            if co is None:
                return 'git-dir', f'the git dir ({self.cmap.common_dir})'
            return 'git-dir', f'the git dir of {co.path}'
        if co is None:   # outside, home
            return 'outside', 'outside the repository'
        # A sibling the engine names by its folder alone (no worktree
        # there) is still the main checkout's folder.
        kind = 'main' if co.kind == 'main' else 'worktree'
        return kind, self.describe(co.kind, co.path, co.branch)

    def describe(self, kind: str, root: str, branch: str | None) -> str:
        if kind == 'main':
            return f'the main checkout ({root})'
        return f'worktree {root}' + (f', branch {branch}' if branch else '')

    def allowed(self, raw: str, p: str,
                place: 'Place | None' = None) -> bool:
        """Does a write (or a cd) to ``p`` outside this worktree pass?
        Devices always; then only places outside every checkout and git
        dir: the scratch folders, ``agents.allow-paths`` and
        ``paths.allow``.  Those may also open a folder of the main
        checkout's worktrees root that is no worktree
        (``trees/shared-cache``); never a checkout, a sibling worktree or
        a git dir, whatever they say.  ``place``: ``p``'s, when known."""
        if raw in _DEVICES or p in _DEVICES or raw.startswith('/dev/fd/'):
            return True
        if place is None:
            place = self.places.place(p)
        if place.checkout is None and place.where != 'git-dir':
            temps = (*TEMP_DIRS, *self.facts.temp_dirs)
            if any(_within(p, t) for t in temps):
                return True
        elif not (place.where == 'main' and place.rel is not None and
                  place.rel.startswith(self.wroot + '/')):
            return False
        return self.paths_allow(raw) or self.agents_allow(p)

    def paths_allow(self, raw: str) -> bool:
        """``paths.allow`` lets the path through (as written: a prefix,
        or ``re:`` a regex)."""
        for entry in self.policy['paths']['allow']:
            if entry.startswith('re:'):
                from worktree_guard.policy import compile_regex
                if compile_regex(entry[3:]).search(raw):
                    return True
            elif raw == entry or raw.startswith(entry.rstrip('/') + '/'):
                return True
        return False

    def agents_allow(self, p: str) -> bool:
        """``agents.allow-paths`` lets the resolved path through (a glob;
        ``~`` is the home, a relative one is under the repository)."""
        if not self.agents['allow-paths']:
            return False
        from worktree_guard.policy.globmatch import match_path
        for entry in self.agents['allow-paths']:
            if entry.startswith('~'):
                pattern = self.resolve(entry, self.base)
            elif not entry.startswith('/'):
                pattern = f'{self.base}/{entry}'
            else:
                pattern = entry
            if match_path(pattern, p):
                return True
        return False

    def protected(self, p: str, place: 'Place') -> str | None:
        """What ``p`` is when it is one of the guard's own files, which a
        human must change: the policy and baseline files of a checkout,
        the agents' settings files, the repository's config files and
        the folders its hooks run from."""
        common = self.cmap.common_dir
        if p in (f'{common}/config', f'{common}/config.worktree') or any(
                p == f'{c.git_dir}/config.worktree'
                for c in self.cmap.checkouts):
            return f"the repository's git config ({p})"
        for hooks in self.facts.hooks or [f'{common}/hooks']:
            if _within(p, hooks):
                return f'the git hooks folder ({hooks})'
        if p in self.facts.policy_files:
            return 'the worktree-guard policy file'
        rel = place.rel
        if place.checkout is None or rel is None:
            return None
        if place.where == 'git-dir':
            # A checkout's `.git/...` as written (a linked worktree's
            # `.git` is a file: git reads the common dir's config then).
            if rel in ('.git/config', '.git/config.worktree'):
                return f"the repository's git config ({p})"
            if rel == '.git/hooks' or rel.startswith('.git/hooks/'):
                return f'the git hooks folder ({p})'
            return None
        from worktree_guard import purepath
        if rel == '.worktree-guard.yaml':
            return 'the worktree-guard policy file'
        if rel == purepath.normpath(str(self.policy['paths']['baseline'])):
            return 'the worktree-guard baseline file'
        if rel in SETTINGS_FILES or rel in _SETTINGS_DIRS:
            return "the coding agent's settings"
        return None

    def fix(self, kind: str, p: str) -> str:
        if kind == 'main':
            main = self.cmap.main
            assert main is not None
            rel = p[len(main.root) + 1:]
            if rel and not rel.startswith(self.wroot + '/'):
                return (f'write it in this worktree instead: '
                        f'{self.cur.root}/{rel}')
        if kind == 'worktree':
            return ("that file belongs to another issue's worktree; leave "
                    'it to that agent')
        return f'keep your work inside {self.cur.root}'

    def flag(self, level: str, msg: str) -> None:
        if level == 'deny':
            self.verdict.reasons.append(msg)
        elif level == 'warn':
            self.verdict.warnings.append(msg)

    # -- file tools -------------------------------------------------------------

    def write(self, raw: str, cwd: str, what: str,
              level: str | None = None) -> None:
        p = self.resolve(raw, cwd)
        place = self.places.place(p)
        shown = raw if raw == p else f'{raw} (= {p})'
        guarded = self.protected(p, place) if self.guarding else None
        if guarded is not None:
            self.flag('deny', f'{what} {shown} changes {guarded}: a human '
                              'must change it, not a coding agent; ask the '
                              'user to make this change')
            return
        where = self.where(place)
        if where is None or self.allowed(raw, p, place):
            return
        kind, desc = where
        self.flag(level or self.agents['write-outside'],
                  f'{what} {shown} writes in {desc}, outside this worktree '
                  f'({self.cur.root}); {self.fix(kind, p)}')

    def read(self, raw: str, cwd: str, tool: str) -> None:
        level = self.agents['read-outside']
        if level == 'allow':
            return
        p = self.resolve(raw, cwd)
        where = self.locate(p)
        if where is None or where[0] == 'outside':
            return
        self.flag(level, f'{tool} of {raw} looks into {where[1]}, not this '
                         f'worktree ({self.cur.root}): what you read there '
                         'is not the code you are changing')

    def content(self, raw: str, cwd: str, text: str) -> None:
        p = self.resolve(raw, cwd)
        place = self.places.place(p)
        if self.where(place) is not None or (
                self.guarding and self.protected(p, place) is not None):
            return   # the write itself is judged
        rel = p[len(self.cur.root) + 1:]
        for f in scan_content(text, rel, self.cmap, self.policy):
            sev = write_severity(self.policy, f.kind)
            if sev == 'off':
                continue
            line = f' line {f.line}' if f.line is not None else ''
            fix = f' ({f.fix[0]})' if f.fix else ''
            self.flag('deny' if sev == 'error' else 'warn',
                      f'{rel}{line}: worktree-paths/{f.kind}: '
                      f'{f.message}{fix}')

    # -- shell commands -----------------------------------------------------------

    # What the shell knows so far in one command line: whether an OS
    # sandbox confines it (``AgentCall.sandboxed``), the links it made
    # (name -> (target, hard)), the variables it set.
    sandboxed = False
    links: dict[str, tuple[str, bool]]
    variables: 'dict[str, Word]'
    # Files the line wrote -> their text when the line holds it (a script
    # written and then run), else None.
    files: dict[str, str | None]

    def bash(self, command: str, cwd: str, depth: int) -> None:
        level = self.agents['bash']
        if level == 'off':
            return
        if depth == 0:
            self.links = {}
            self.variables = {}
            self.files = {}
        from worktree_guard.shell import split
        simple = split(command)
        items: list[Command | str]
        if simple is not None:
            items = list(simple)
        else:   # compound: bash's grammar, read by tree-sitter
            from worktree_guard.rules import shell_tree
            try:
                items = shell_tree.parse(command)
            except shell_tree.GrammarError as e:
                self.cannot(f'this command could not be read ({e})', level)
                return
        scopes: list[str] = []   # a subshell's cd ends with it
        for item in items:
            if isinstance(item, str):
                if item == '(':
                    scopes.append(cwd)
                else:
                    cwd = scopes.pop()
            else:
                cwd = self.simple(item, cwd, level, depth)

    def cannot(self, what: str, level: str) -> None:
        """A part of a command that cannot be checked: allowed with a note
        inside an OS sandbox, else refused (``agents.bash``)."""
        if self.sandboxed:
            self.verdict.warnings.append(
                f'{what}; worktree-guard could not check it: allowed, as '
                'the OS sandbox keeps its writes inside this worktree')
        else:
            self.flag(level, f'{what}; worktree-guard could not check it, '
                             'and no OS sandbox confines it: spell the '
                             'paths out, or run it under `worktree-guard '
                             'sandbox`')

    def unknown(self, word: 'Word', what: str, level: str = 'deny') -> None:
        text = ' '.join(word.text.split())   # one line (the hook cuts it)
        if word.dynamic:
            self.cannot(f'{what} {text} depends on the shell at run time',
                        level)
        else:
            self.cannot(f'{what} ({text}) may write anywhere', level)

    def known(self, cwd: str) -> 'dict[str, Word]':
        """The variables ``agent_shell.expand`` may replace in ``cwd``."""
        from worktree_guard.shell import Word
        out = {'PWD': Word(cwd), 'HOME': Word('~'), 'TMPDIR': Word('/tmp'),
               'mktemp': Word('/tmp/tmp.XXXXXXXXXX')}
        if _within(cwd, self.cur.root):
            out['toplevel'] = Word(self.cur.root)
        out.update(self.variables)
        return out

    def simple(self, cmd: 'Command', cwd: str, level: str, depth: int) -> str:
        """Judge one simple command run in ``cwd``; the cwd after it."""
        from worktree_guard.rules import agent_shell as S
        cmd = S.expand(cmd, self.known(cwd))
        gcwd = cwd   # where git runs: `git -C` moves it
        effects = S.effects(cmd)
        texts = {w.text for k, w, _ in effects if k == S.FILE_TEXT}
        for kind, word, what in effects:
            if kind == S.ASSIGN:
                self.assign(word)
            elif word.dynamic or kind == S.UNKNOWN:
                self.unknown(word, what, level)
            elif kind in S.GIT_KINDS:
                gcwd = self.git_effect(kind, word, what, cmd, gcwd, level)
            elif kind == S.CD:
                cwd = self.cd(word, cwd, level)
            else:
                self.file_effect(kind, word, what, (cwd, level, depth),
                                 texts)
        return cwd

    def assign(self, word: 'Word') -> None:
        """``NAME=value``: a variable ``expand`` replaces from now on
        (forgotten when its value is only known at run time)."""
        name, _, value = word.text.partition('=')
        self.variables.pop(name, None)
        if not word.dynamic:
            self.variables[name] = _word(value, word.glob)

    def git_effect(self, kind: str, word: 'Word', what: str,
                   cmd: 'Command', gcwd: str, level: str) -> str:
        """Judge what git is pointed at or does (``agent_shell``'s
        ``GIT_KINDS``) from ``gcwd``; git's folder after it."""
        from worktree_guard.rules import agent_shell as S
        if kind == S.GIT_C:
            return self.git_c(word, gcwd, level, S.git_reads_only(cmd))
        if kind in (S.GIT_DIR, S.WORK_TREE):
            self.git_location(kind, word, gcwd, level,
                              S.git_reads_only(cmd))
        elif kind == S.SWITCH:
            self.branch_switch(word.text, gcwd, level)
        elif kind == S.REMOVE:
            self.worktree_remove(word, gcwd, level)
        else:   # S.GIT_CONFIG
            self.write(f'{self.cmap.common_dir}/config', gcwd, what, level)
        return gcwd

    def file_effect(self, kind: str, word: 'Word', what: str,
                    at: tuple[str, str, int], texts: set[str]) -> None:
        """Judge a write, a link, a file run or read, a nested script;
        ``at``: the (cwd, level, depth) of the command."""
        from worktree_guard.rules import agent_shell as S
        cwd, level, depth = at
        if kind == S.WRITE:
            raw, _, shown = self.through_links(word.text, cwd, what)
            self.write(raw, cwd, shown, level)
            if what not in ('chmod', 'chown', 'chgrp', 'touch') and \
                    word.text not in texts:
                self.files[self.resolve(raw, cwd)] = None
        elif kind == S.FILE_TEXT:
            self.file_text(word, what, cwd)
        elif kind == S.RUN:
            self.run_file(word, cwd, what, level, depth)
        elif kind == S.LINK:
            self.link(word, cwd)
        elif kind == S.CHDIR:   # env -C: this command's folder only
            self.cd(word, cwd, level, what)
        elif kind in (S.SOURCE, S.CODE_PATH):
            self.foreign(word, cwd, what, level)
        elif depth >= _MAX_DEPTH:   # S.SCRIPT
            self.unknown(word, what, level)
        else:
            self.bash(word.text, cwd, depth + 1)

    def file_text(self, word: 'Word', op: str, cwd: str) -> None:
        """Remember the text the line writes to a file (``>>`` adds to
        what it wrote before; unknown text stays unknown)."""
        p = self.resolve(self.through_links(word.text, cwd, '')[0], cwd)
        before = self.files.get(p) if op == '>>' else ''
        self.files[p] = None if before is None or word.body is None \
            else before + word.body

    def run_file(self, word: 'Word', cwd: str, lang: str, level: str,
                 depth: int) -> None:
        """A script file run: judged by its text when the line wrote
        it; a file from before the line is a program like any other."""
        from worktree_guard.rules import agent_shell as S
        p = self.resolve(self.through_links(word.text, cwd, '')[0], cwd)
        if p not in self.files:
            return
        text = self.files[p]
        if text is None:
            self.cannot(f'{word.text} runs a file this command line '
                        'changed', level)
            return
        first = text.split('\n', 1)[0] if text.startswith('#!') else ''
        if any(x in first for x in ('python', 'perl', 'ruby', 'node')) or \
                (lang not in ('sh', 'exec') and not first):
            for kind, w, what in S.code(text, f'the script {word.text}'):
                if kind == S.UNKNOWN:
                    self.unknown(w, what, level)
                else:
                    self.foreign(w, cwd, what, level)
        elif depth >= _MAX_DEPTH:
            self.unknown(word, 'the script', level)
        else:
            self.bash(text, cwd, depth + 1)

    def through_links(self, raw: str, cwd: str,
                      what: str) -> tuple[str, str, str]:
        """``(raw, cwd, what)`` for ``write``: a path that passes through
        a link made earlier in the line is the path it leads to (walked a
        folder at a time, as the kernel walks it: ``t/..`` through the
        link ``t`` is the parent of ``t``'s target)."""
        if not self.links:
            return raw, cwd, what
        start = self.resolve(raw, cwd) if raw.startswith('~') else \
            raw if raw.startswith('/') else f'{cwd}/{raw}'
        parts = [x for x in start.split('/') if x not in ('', '.')]
        cur = ''
        via: list[str] = []
        hops = 0
        while parts:
            part = parts.pop(0)
            if part == '..':
                cur = cur.rsplit('/', 1)[0]
                continue
            cur = f'{cur}/{part}'
            link = self.links.get(cur)
            if link is None or (link[1] and parts) or hops >= 40:
                continue
            hops += 1
            via.append(cur)
            target, hard = link
            if hard:
                cur = target
            else:   # a symlink: its target's folders are walked again
                parts = [x for x in target.split('/') if x] + parts
                cur = ''
        if not via:
            return raw, cwd, what
        p = cur or '/'
        return p, cwd, f'{what} {raw} (through the link ' \
                       f'{", ".join(via)})'

    def link(self, word: 'Word', cwd: str) -> None:
        from worktree_guard.rules.agent_shell import Link
        assert isinstance(word, Link)
        name = self.through_links(word.text, cwd, '')[0]
        name = self.resolve(name, cwd)
        # A symlink's target is relative to the link's folder.
        base = cwd if word.hard else name.rsplit('/', 1)[0] or '/'
        target = self.through_links(word.target.text, base, '')[0]
        self.links[name] = (self.resolve(target, base), word.hard)

    def foreign(self, word: 'Word', cwd: str, what: str, level: str) -> None:
        """A script sourced, or a path in inline code: unknown when it lies
        in another checkout or the git dir."""
        p = self.resolve(word.text, cwd)
        where = self.locate(p)
        if where is not None and where[0] != 'outside' and \
                not self.allowed(word.text, p):
            self.cannot(f'{what} {word.text} is in {where[1]}', level)

    def cd(self, dest: 'Word', cwd: str, level: str,
           what: str | None = None) -> str:
        raw, _, _ = self.through_links(dest.text, cwd, '')
        p = self.resolve(raw, cwd)
        place = self.places.place(p)
        where = self.where(place)
        if where is not None and not self.allowed(dest.text, p, place):
            self.flag(level, f'{what or "cd " + dest.text} leaves this '
                             f'worktree for {where[1]}; stay in '
                             f'{self.cur.root}')
        return p

    def git_c(self, value: 'Word', gcwd: str, level: str,
              reads_only: bool = False) -> str:
        gcwd = self.resolve(value.text, gcwd)
        place = self.places.place(gcwd)
        where = self.where(place)
        if where is None or self.allowed(value.text, gcwd, place):
            return gcwd
        if reads_only:
            self.git_read(f'git -C {value.text}', where)
            return gcwd
        self.flag(level, f'git -C {value.text} runs git in '
                         f'{where[1]}, not this worktree '
                         f'({self.cur.root})')
        return gcwd

    def git_read(self, what: str, where: tuple[str, str]) -> None:
        """A read-only git command pointed elsewhere: judged as a read
        (``agents.read-outside``), like a file tool's."""
        level = self.agents['read-outside']
        if where[0] != 'outside' and level != 'allow':
            self.flag(level, f'{what} (a read-only git command) looks into '
                             f'{where[1]}, not this worktree '
                             f'({self.cur.root})')

    def git_location(self, opt: str, value: 'Word', cwd: str,
                     level: str, reads_only: bool = False) -> None:
        p = self.resolve(value.text, cwd)
        place = self.places.place(p)
        if opt == '--git-dir':
            ok = p in (self.cur.git_dir, f'{self.cur.root}/.git')
        else:
            ok = self.where(place) is None
        if ok or self.allowed(value.text, p, place):
            return
        if reads_only:
            self.git_read(f'git {opt} {value.text}',
                          self.where(place) or ('git-dir', p))
            return
        self.flag(level, f'git {opt} {value.text} points git at '
                         f'{p}, not this worktree ({self.cur.root})')

    def branch_switch(self, sub: str, gcwd: str, level: str) -> None:
        main = self.cmap.main
        linked = self.cmap.linked
        if main is None or not linked or not _within(gcwd, main.root):
            return
        # The deepest checkout holding gcwd must be the main checkout.
        if any(_within(gcwd, c.root) for c in linked):
            return
        names = ', '.join(c.branch or c.root.rsplit('/', 1)[-1]
                          for c in linked)
        self.flag(level, f'git {sub} would switch the main checkout\'s '
                         f'branch ({main.root}) while issue worktrees are '
                         f'active ({names}); work in your own worktree '
                         'instead')

    def worktree_remove(self, word: 'Word', cwd: str, level: str) -> None:
        p = self.resolve(word.text, cwd)
        victim = next((c for c in self.cmap.linked if c.root == p), None)
        if victim is not None and victim is not self.cur:
            what = self.describe(victim.kind, victim.root, victim.branch)
            self.flag(level, f'git worktree remove {word.text} would remove '
                             f"{what}, another issue's work; leave it to "
                             'its agent')


def _word(text: str, glob: bool) -> 'Word':
    from worktree_guard.shell import Word
    return Word(text, False, glob)


def _within(p: str, root: str) -> bool:
    return p == root or p.startswith(root.rstrip('/') + '/')
