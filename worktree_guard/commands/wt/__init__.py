"""``worktree-guard wt``: create, list, remove, sync and watch issue worktrees.

Every command reads the same policy as the hooks, so what ``wt create``
makes passes them: the branch matches ``branches.pattern``, the worktree
sits at ``<worktrees.root>/<branch>`` and the root is ignored.  All git
work goes through ``gitctx``; these modules parse arguments, decide and
print.  This one holds the parser, the entry points and the ``Context``
every subcommand gets; each subcommand lives in its own module, imported
only when it runs.

Exit codes: 0 done; 1 refused (a second worktree for an issue, a dirty
worktree to remove) or, for ``status``, a failed check or a forecast
conflict; 2 bad usage or environment.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import sys
from typing import TYPE_CHECKING

from worktree_guard import policy as policy_mod
from worktree_guard.commands import rescue as rescue_cmd
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import sync as git_sync
from worktree_guard.gitctx import worktrees
from worktree_guard.report import printable

if TYPE_CHECKING:  # pragma: no cover (typing only)
    from collections.abc import Callable
    from collections.abc import Sequence
    from typing import Any

    from worktree_guard.commands.wt.gitpy import WtGit
    from worktree_guard.model import WorktreeInfo
    from worktree_guard.policy import Policy


ISSUE_NAME = re.compile(r'^issue-([1-9][0-9]*)(?:-|$)')
_ISSUE_ARG = re.compile(r'^#?([1-9][0-9]{0,8})$')

HELP = 'create, list, remove, sync, land and watch issue worktrees'
DESCRIPTION = ('Create, list, remove, sync, land and watch issue worktrees '
               '(<worktrees.root>/issue-<N>-<slug> on branch '
               'issue-<N>-<slug>).')

# subcommand -> (module, function); the module is imported when it runs
# (``listing``, not ``list``: a submodule named list would shadow the
# builtin in this package's namespace once imported).
_COMMANDS: dict[str, tuple[str, str]] = {
    'create': ('create', 'cmd_create'),
    'list': ('listing', 'cmd_list'),
    'remove': ('remove', 'cmd_remove'),
    'prune': ('remove', 'cmd_prune'),
    'status': ('status', 'cmd_status'),
    'plan': ('plan', 'cmd_plan'),
    'sync': ('sync', 'cmd_sync'),
    'land': ('land', 'cmd_land'),
    'path': ('listing', 'cmd_path'),
    'env': ('env', 'cmd_env'),
    'rescue': ('rescue', 'cmd_rescue'),
    'trust': ('consent', 'cmd_trust'),
    'setup': ('provision', 'cmd_setup'),
}


class Refused(GuardError):
    """The command would lose work or duplicate it: nothing was done (exit 1)."""

    exit_code = 1


# -- the parser --------------------------------------------------------------------------

def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``wt`` and its subcommands to a central CLI's ``subparsers``
    (what ``add_subparsers()`` returned); ``ns.run(ns)`` runs it, as for the
    other commands.  (``cli`` routes ``wt`` to ``main`` before its own
    parser is built; this is for a CLI that keeps one parser tree.)"""
    p: argparse.ArgumentParser = subparsers.add_parser(
        'wt', help=HELP, description=DESCRIPTION)
    _fill(p)
    p.set_defaults(run=run)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone parser of ``worktree-guard wt ARGS``."""
    p = argparse.ArgumentParser(prog='worktree-guard wt',
                                description=DESCRIPTION)
    _fill(p)
    return p


def _fill(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest='wt_command', metavar='<command>')

    def add(name: str, help: str) -> argparse.ArgumentParser:
        sp: argparse.ArgumentParser = sub.add_parser(
            name, help=help, description=help)
        sp.add_argument('--policy', metavar='PATH',
                        help='policy file (default: .worktree-guard.yaml at '
                             'the repo root)')
        return sp

    c = add('create', 'create the worktree and branch of an issue from the '
                      'freshly fetched base')
    c.add_argument('issue', help='issue number')
    c.add_argument('title', nargs='*',
                   help="issue title (default: the title 'gh' reports)")
    c.add_argument('--base', metavar='REF',
                   help='start from this branch of the base remote (fetched '
                        'first) or this revision (default: the base branch)')
    c.add_argument('--print-path', action='store_true',
                   help='print only the new worktree path on stdout')

    ls = add('list', 'list worktrees: issue, branch, path, ahead/behind, '
                     'dirty, last commit, prunable')
    ls.add_argument('--json', action='store_true')

    rm = add('remove', "remove an issue's worktree, and its branch when "
                       'merged')
    rm.add_argument('issue', help='issue number')
    rm.add_argument('--keep-branch', action='store_true',
                    help='keep the branch even when it is merged')
    rm.add_argument('--force', action='store_true',
                    help='discard uncommitted changes, remove a locked '
                         'worktree, delete an unmerged branch')

    pr = add('prune', 'drop the metadata of worktrees whose folder is gone')
    pr.add_argument('--dry-run', action='store_true',
                    help='only say what would be pruned (or removed)')
    pr.add_argument('--merged', action='store_true',
                    help='also remove the clean worktrees whose branch has '
                         'landed (fast-forwarded, cherry-picked or '
                         'squash-merged), and those branches')

    def dashboard(sp: argparse.ArgumentParser) -> None:
        sp.add_argument('--json', action='store_true')
        sp.add_argument('--fetch', action='store_true',
                        help='fetch the base branch first')
        sp.add_argument('--committed', action='store_true',
                        help='leave uncommitted work out (no git status or '
                             'snapshot per worktree: faster)')
        sp.add_argument('--budget', type=float, default=2.0, metavar='S',
                        help='forecast overlapping pairs (most urgent '
                             'first) for at most S seconds (default 2); '
                             'the rest are listed as overlap only')

    st = add('status', 'parallel-work dashboard: checks, uncommitted work, '
                       'overlap, conflict forecast, landing order')
    dashboard(st)
    st.add_argument('--html', metavar='FILE',
                    help='also write a self-contained HTML page: table, '
                         'overlap matrix, landing order')
    st.add_argument('--watch', action='store_true',
                    help='refresh in place when a ref or an index changes '
                         '(or every --interval seconds) until Ctrl-C')
    st.add_argument('--interval', type=float, default=5.0, metavar='S',
                    help='--watch: refresh at least this often (default 5)')
    st.add_argument('--refresh', type=int, metavar='S',
                    help='--html: the page reloads itself every S seconds '
                         '(with --watch, default: --interval)')

    pl = add('plan', 'the landing order: which branch to land first, what '
                     'to rebase after each')
    dashboard(pl)

    sy = add('sync', 'fetch the base once, then rebase each clean worktree '
                     'onto it (a conflict is aborted at once; dirty ones '
                     'are skipped, never stashed)')
    sy.add_argument('issues', nargs='*', metavar='N',
                    help='issue numbers (default: the current worktree)')
    sy.add_argument('--all', action='store_true',
                    help='every issue worktree')
    sy.add_argument('--json', action='store_true')

    la = add('land', 'land the next issue of the plan (or the ones named): '
                     'rebase it onto the fetched base, run land.test, push '
                     'it to the base, sync the others')
    la.add_argument('issues', nargs='*', metavar='N',
                    help='issue numbers (default: the next in the plan); '
                         "they land in the plan's order")
    la.add_argument('--dry-run', action='store_true',
                    help='say what would be done; change nothing')

    pa = add('path', "print an issue worktree's path (for cd: see docs/wt.md)")
    pa.add_argument('issue', help='issue number')

    en = add('env', "print an issue worktree's variables (WT_ISSUE, "
                    'WT_BRANCH, WT_PATH, WT_MAIN, WT_PORT) as export lines, '
                    'for eval "$(worktree-guard wt env N)"')
    en.add_argument('issue', help='issue number')

    rescue_cmd.add_parser(add)

    tr = add('trust', "show the commands and copies the base's committed "
                      'policy runs in new worktrees (worktrees.setup, '
                      'teardown, include, bootstrap), and approve them on '
                      'this machine')
    tr.add_argument('--yes', action='store_true',
                    help='approve without asking (after reading the list)')
    se = add('setup', "run the approved bootstrap, include and setup of "
                      "the base's policy in an issue's existing worktree")
    se.add_argument('issue', help='issue number')


def main(argv: Sequence[str]) -> int:
    """``worktree-guard wt ARGS`` (the central CLI hands over the rest of
    its command line)."""
    parser = build_parser()
    try:
        ns = parser.parse_args(list(argv))
    except SystemExit as e:  # argparse printed usage and the error
        return int(e.code or 0)
    if ns.wt_command is None:
        parser.print_help()
        return 2
    return run(ns)


def run(ns: argparse.Namespace) -> int:
    """Run the subcommand a parser from ``add_parser``/``build_parser``
    parsed."""
    if ns.wt_command is None:
        build_parser().print_help()
        return 2
    module, func = _COMMANDS[ns.wt_command]
    handler: Callable[[argparse.Namespace, Context], int] = getattr(
        importlib.import_module(f'{__name__}.{module}'), func)
    out, err = sys.stdout, sys.stderr
    # Branch and file names need not be UTF-8 (git keeps bytes): what wt
    # prints spells such a byte \xNN instead of failing to encode it.
    sys.stdout, sys.stderr = _Printable(out), _Printable(err)
    try:
        return handler(ns, Context(ns.policy))
    finally:
        sys.stdout, sys.stderr = out, err


class _Printable:
    """A text stream whose writes spell undecodable bytes ``\\xNN``."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._stream.write(printable(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def json_text(data: object, **kw: Any) -> str:
    """``json.dumps`` of ``data`` with every string made printable (a
    name that is not UTF-8 is spelled ``\\xNN``, never a lone
    surrogate)."""
    def clean(v: object) -> object:
        if isinstance(v, str):
            return printable(v)
        if isinstance(v, dict):
            return {clean(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(data), **kw)


class Context:
    """The repository, its policy and where worktrees belong."""

    def __init__(self, policy_path: str | None) -> None:
        self.repo: Repo = Repo.discover()
        self.policy_path = policy_path
        self.policy: Policy = policy_mod.load(self.repo.root, policy_path,
                                              self.repo.git_dir)
        self.main_real, self.root_dir = worktrees.layout_context(
            self.repo, self.policy)
        self.nested = self.policy['worktrees']['layout'] == 'nested'
        self.remote, self.base_branch = self.repo.resolve_base(
            self.policy['base']['remote'], self.policy['base']['branch'])
        self.fetched = False  # base_tip(fetch=True) refreshed the base
        self._gp: WtGit | None = None

    @property
    def gp(self) -> WtGit:
        """The repository on GitPython (``commands.wt.gitpy``), opened at the
        main checkout, or the common dir when bare; on first use."""
        if self._gp is None:
            # deferred: GitPython (~60 ms), only where a wt command needs it
            from worktree_guard.commands.wt.gitpy import WtGit
            self._gp = WtGit(self.main_real or self.repo.common_dir)
        return self._gp

    def show(self, path: str) -> str:
        """A path relative to the main checkout when inside it."""
        real = os.path.realpath(path)
        if self.main_real is not None:
            rel = os.path.relpath(real, self.main_real)
            if rel != '..' and not rel.startswith('../'):
                return rel
        return real

    def issues_of(self, wt: WorktreeInfo) -> set[int]:
        """Issue numbers a worktree is for, from its branch and its folder,
        matched exactly (issue 4 is not issue 42)."""
        out: set[int] = set()
        if wt.branch:
            m = self.policy.branch_regex().search(wt.branch)
            if m is not None:
                out.add(int(m.group('issue')))
            m = ISSUE_NAME.match(wt.branch)
            if m is not None:
                out.add(int(m.group(1)))
        m = ISSUE_NAME.match(os.path.basename(os.path.normpath(wt.path)))
        if m is not None:
            out.add(int(m.group(1)))
        return out

    def base_tip(self, fetch: bool, notes: list[str]) -> tuple[
            str, str | None]:
        """(label, oid) of the base: the remote-tracking ref, else the local
        branch; ``fetch`` refreshes it first."""
        remote, branch = self.remote, self.base_branch
        tracking = f'{remote}/{branch}'
        if fetch:
            err = git_sync.fetch(self.repo, remote, branch,
                                 self.policy['sync']['fetch-timeout'],
                                 self.main_real)
            if err is not None:
                notes.append(f'could not fetch {tracking} ({err}); using the '
                             'cached one')
            self.fetched = err is None
        oid = self.repo.ref_oid(f'refs/remotes/{tracking}')
        if oid is not None:
            return tracking, oid
        oid = self.repo.ref_oid(f'refs/heads/{branch}')
        if oid is not None:
            notes.append(f'no {tracking}: comparing with the local {branch}')
            return branch, oid
        notes.append(f'no {tracking} and no local {branch}: ahead/behind '
                     'unknown')
        return tracking, None


def issue_number(text: str) -> int:
    m = _ISSUE_ARG.match(text.strip())
    if m is None:
        raise GuardError(f'{text!r} is not an issue number',
                         'give a positive number, e.g. worktree-guard wt '
                         'create 45 "Add Rust SDK support"')
    return int(m.group(1))


def linked_worktrees(ctx: Context) -> list[WorktreeInfo]:
    return [w for w in ctx.repo.worktrees() if not w.is_main and not w.bare]


def age(seconds: float) -> str:
    s = max(0, int(seconds))
    for unit, size in (('d', 86400), ('h', 3600), ('m', 60)):
        if s >= size:
            return f'{s // size}{unit}'
    return f'{s}s'


def text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return '\n'.join(
        '  '.join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows)


def branch_label(r: dict[str, Any]) -> str:
    return str(r['branch'] or f"(detached at {str(r['head'])[:12]})")


def is_bootstrap(line: str, entries: Sequence[str]) -> bool:
    """Is a status line an untracked bootstrap copy (not the user's work)?"""
    if not line.startswith('?? '):
        return False
    path = line[3:].rstrip('/')
    for entry in entries:
        e = os.path.normpath(entry.rstrip('/'))
        if path == e or path.startswith(e + '/'):
            return True
    return False
