"""Server-side enforcement: the ``pre-receive`` and ``update`` hooks.

::

    worktree-guard pre-receive [--gitlab] [--policy-ref REF | --policy PATH]
    worktree-guard update [--gitlab] [--policy-ref REF | --policy PATH] \\
        <ref> <old> <new>

Every created or updated branch is judged by the same push rules the client
runs (``runner.run_many``, one pass over every pushed ref, with
``StageInput(..., server=True)``): branch name,
protected branch, path boundaries over the commits the push adds, and sync
against the server's own base branch.  A tag (or a ref that
``server.allowed-refs`` admits) is judged by the path rules over the
commits no branch holds yet; a deleted branch by ``protected-branch`` only;
any other ref is refused.

Trust (``server_guard``): the policy is read from the server's copy of the
policy ref (``base.branch``, else ``--policy-ref``, else the branch HEAD
names), never from the pushed commits; ``--policy`` names a file on the
server.  A push that updates a policy branch (any branch read to find the
policy: HEAD's or ``--policy-ref``, and the one its ``base.branch``
names) must carry a valid, regular policy file that loosens nothing and
changes no admin-only key, unless the pusher is in
``server.policy-admins``; a policy branch is never deleted nor
force-pushed by a push; a policy ref outside ``refs/heads/`` can only be
changed on the server.

Exit codes: 0 accept, 1 refused, 2 broken environment or server policy (git
refuses the push on any non-zero exit).  Messages go to stderr, which git
relays to the pusher; ``--gitlab`` prefixes each line with ``GL-HOOK-ERR:``.
"""
from __future__ import annotations

import os
import sys

from worktree_guard.errors import GuardError
from worktree_guard.model import Record
from worktree_guard.model import Violation
from worktree_guard.report import finding_lines
from worktree_guard.server_guard import POLICY_RULE
from worktree_guard.server_guard import PUSHER_VARS
from worktree_guard.server_guard import TrustedPolicy

# `typing` costs start-up time; mypy reads this name as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Mapping
    from collections.abc import Sequence

    from worktree_guard.model import RefUpdate
    from worktree_guard.model import StageInput
    from worktree_guard.gitctx import Repo
    from worktree_guard.commands import Subparsers
    from worktree_guard.policy import Policy

SKIP_OPTION = 'worktree-guard.skip'
GITLAB_PREFIX = 'GL-HOOK-ERR: '
__all__ = ['POLICY_RULE', 'PUSHER_VARS', 'TrustedPolicy']


class Options(Record):
    """A server hook's arguments."""

    __slots__ = ('hook', 'gitlab', 'policy_ref', 'policy_path', 'ref_args')

    def __init__(self, hook: str, gitlab: bool = False,
                 policy_ref: str | None = None,
                 policy_path: str | None = None,
                 ref_args: Sequence[str] = ()) -> None:
        self.hook = hook
        self.gitlab = gitlab
        self.policy_ref = policy_ref
        self.policy_path = policy_path
        self.ref_args = list(ref_args)


class Output:
    """stderr, one line at a time, with GitLab's prefix when asked."""

    def __init__(self, gitlab: bool) -> None:
        self.prefix = GITLAB_PREFIX if gitlab else ''

    def __call__(self, text: str) -> None:
        # Undecodable bytes (from ref names) print as U+FFFD.
        text = text.encode('utf-8', 'surrogateescape').decode('utf-8',
                                                              'replace')
        for line in text.splitlines() or ['']:
            sys.stderr.write(f'{self.prefix}{line}\n')
        sys.stderr.flush()


# -- entry points ---------------------------------------------------------------------

def main_pre_receive(argv: Sequence[str]) -> int:
    return main('pre-receive', argv)


def main_update(argv: Sequence[str]) -> int:
    return main('update', argv)


def main(hook: str, argv: Sequence[str],
         environ: Mapping[str, str] | None = None) -> int:
    """Run one server hook; errors (exit 2) are printed here so that they
    carry the GitLab prefix too."""
    opts = parse_args(hook, argv)
    if isinstance(opts, int):
        return opts
    out = Output(opts.gitlab)
    env = os.environ if environ is None else environ
    try:
        return _run(opts, env, out)
    except GuardError as e:
        out(e.render())
        out('worktree-guard: the push was refused because the server-side '
            'check could not run')
        return e.exit_code


HELP = {
    'pre-receive': "server-side hook: judge every pushed branch by the "
                   "server's policy",
    'update': 'server-side per-ref hook: judge one pushed ref '
              '(<ref> <old> <new>)',
}


def add_arguments(p: argparse.ArgumentParser, hook: str) -> None:
    """The options of the ``pre-receive`` or ``update`` hook."""
    p.add_argument('--gitlab', action='store_true',
                   help='prefix every line with GL-HOOK-ERR: (GitLab shows '
                        'such lines in its UI)')
    src = p.add_mutually_exclusive_group()
    src.add_argument('--policy-ref', metavar='REF',
                     help='read .worktree-guard.yaml from this ref on the '
                          'server (default: the branch HEAD names)')
    src.add_argument('--policy', metavar='PATH',
                     help='read the policy from this file on the server')
    if hook == 'update':
        p.add_argument('ref')
        p.add_argument('old')
        p.add_argument('new')


def add_parser(sub: Subparsers) -> None:
    """Both hooks, for ``worktree-guard --help``: ``cli`` routes them to
    ``main`` before its parser, so that errors carry GitLab's prefix."""
    from worktree_guard.commands import add_command
    for hook, help in HELP.items():
        add_arguments(add_command(sub, hook, help), hook)


def fast_args(hook: str, argv: Sequence[str]) -> Options | None:
    """The hook's arguments without argparse (its import is a third of the
    hook's own start-up): ``--gitlab``, ``--policy-ref REF`` or ``--policy
    PATH`` (also ``--flag=value``) and, for ``update``, the three words
    ``<ref> <old> <new>``.  Anything else (``-h``, an abbreviation, both
    policy options, a word too many) returns ``None``: argparse then
    decides, and words the error."""
    out = Options(hook)
    words: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition('=')
        if arg == '--gitlab':
            out.gitlab = True
        elif name in ('--policy-ref', '--policy'):
            if out.policy_ref is not None or out.policy_path is not None:
                return None   # given twice, or both
            if not eq:
                i += 1
                if i == len(argv) or argv[i].startswith('-'):
                    return None
                value = argv[i]
            if name == '--policy':
                out.policy_path = value
            else:
                out.policy_ref = value
        elif arg.startswith('-') or hook != 'update':
            return None
        else:
            words.append(arg)
        i += 1
    if len(words) != (3 if hook == 'update' else 0):
        return None
    out.ref_args = words
    return out


def parse_args(hook: str, argv: Sequence[str]) -> Options | int:
    fast = fast_args(hook, argv)
    if fast is not None:
        return fast
    import argparse
    p = argparse.ArgumentParser(prog=f'worktree-guard {hook}',
                                description=HELP[hook])
    add_arguments(p, hook)
    try:
        ns = p.parse_args(list(argv))
    except SystemExit as e:  # argparse printed usage and the error
        return int(e.code or 0)
    ref_args = [ns.ref, ns.old, ns.new] if hook == 'update' else []
    return Options(hook, ns.gitlab, ns.policy_ref, ns.policy, ref_args)


def _run(opts: Options, environ: Mapping[str, str], out: Output) -> int:
    from worktree_guard.gitctx import receive
    if opts.hook == 'update':
        ref, old, new = opts.ref_args
        from worktree_guard import hookinput
        updates = [hookinput.update_from(ref, old, new)]
    else:
        if sys.stdin is None or sys.stdin.isatty():
            raise GuardError(
                'pre-receive reads "<old> <new> <ref>" lines on stdin',
                'git runs this hook; to try it by hand, pipe the lines in',
            )
        from worktree_guard import hookinput
        from worktree_guard.commands.hook import read_stdin
        updates = hookinput.parse_receive_lines(read_stdin())
    if not updates:
        return 0
    repo = receive.server_repo()
    return judge(repo, updates, opts, environ, out)


# -- the judgement ----------------------------------------------------------------------

def judge(repo: Repo, updates: list[RefUpdate], opts: Options,
          environ: Mapping[str, str], out: Output) -> int:
    from worktree_guard import server_guard
    trusted = load_trusted_policy(repo, opts)
    trusted.pusher = server_guard.pusher(environ)
    skips = requested_skips(_push_options(environ), trusted.policy,
                            environ, out)
    refused = []
    for u, (violations, notes) in zip(
            updates, judge_refs(repo, trusted, updates, skips), strict=True):
        errors = [v for v in violations if v.severity == 'error']
        if errors:
            refused.append(u.remote_ref)
            rules = ', '.join(sorted({v.rule for v in errors}))
            out(f'worktree-guard: refused {u.remote_ref} ({rules})')
        elif violations:
            out(f'worktree-guard: accepted {u.remote_ref} with warnings')
        if violations:
            # The report's lines, indented under the ref's verdict.
            out('\n'.join(f'  {line}' for line in
                          finding_lines(violations, notes)))
    if not refused:
        return 0
    if opts.hook == 'update':
        outcome = f'{refused[0]} was not updated'
    else:
        outcome = (f'{len(refused)} of {len(updates)} '
                   f"ref{'s' * (len(updates) != 1)} broke the policy; no "
                   'ref was updated')
    out(f'worktree-guard: push refused: {outcome}')
    out(f"worktree-guard: judged by the server's policy: {trusted.source}"
        + ('; policy edits in this push do not count' if trusted.ref
           else ''))
    out("worktree-guard: 'worktree-guard explain <rule>' says how to fix "
        'a finding')
    return 1


def _push_options(environ: Mapping[str, str]) -> list[str]:
    from worktree_guard.gitctx import receive
    return receive.push_options(environ)


def judge_refs(repo: Repo, trusted: TrustedPolicy,
               updates: Sequence[RefUpdate], skips: set[str],
               ) -> list[tuple[list[Violation], list[str]]]:
    """The findings of each received ref, and the runner's notes for it.

    Every ref the rules judge goes to the runner in ONE pass
    (``runner.run_many``): the skips are read once and, as the hook's
    repository is frozen, refs that share a range share its git reads."""
    from worktree_guard import runner
    from worktree_guard import server_guard
    verdicts: list[tuple[list[Violation], list[str]]] = [
        ([], []) for _ in updates]
    jobs: list[tuple[StageInput, Sequence[str]]] = []
    judged: list[int] = []
    for i, u in enumerate(updates):
        job = _job(repo, trusted, u, skips)
        if isinstance(job, list):
            verdicts[i] = (job, [])
        elif job is not None:
            jobs.append(job)
            judged.append(i)
    # environ={}: SKIP/WORKTREE_GUARD_SKIP of the server process do not
    # apply; pushers skip rules with push options (server.allow-skip).
    results = runner.run_many(repo, trusted.policy, jobs, environ={})
    for i, result in zip(judged, results, strict=True):
        u = updates[i]
        found = list(result.violations)
        if u.remote_ref in trusted.chain and u.is_branch \
                and not u.is_delete:
            found += server_guard.policy_change(repo, trusted, u)
        found += server_guard.policy_ref_moves(repo, trusted, u)
        verdicts[i] = (found, result.notes)
    return verdicts


def _job(repo: Repo, trusted: TrustedPolicy, u: RefUpdate, skips: set[str],
         ) -> list[Violation] | tuple[StageInput, Sequence[str]] | None:
    """How one ref is judged: findings known without the rules (a written
    policy ref outside refs/heads/, a refused namespace), the runner's
    input and rules, or ``None`` when nothing needs judging."""
    from worktree_guard import server_guard
    from worktree_guard.model import StageInput
    from worktree_guard.runner import stage_rules
    if u.remote_ref in trusted.chain and not u.is_branch:
        from worktree_guard.rules import server_policy
        return [server_policy.policy_ref_written(u.remote_ref)]
    refused = server_guard.namespace_violation(u, trusted.policy)
    if refused is not None:
        return [refused]
    if not u.is_branch:
        return _content_job(repo, u, skips)
    rules = [r for r in stage_rules('push') if r not in skips]
    if u.is_delete:
        rules = [r for r in rules if r == 'protected-branch']
    return StageInput('push', [u], server=True), rules


def _content_job(repo: Repo, u: RefUpdate, skips: set[str],
                 ) -> tuple[StageInput, Sequence[str]] | None:
    """A tag (or an admitted ref): the path rules over the commits it
    brings that no branch holds.  A tag of a tree or blob brings no
    commit; a deletion brings nothing."""
    from worktree_guard.gitctx import receive
    from worktree_guard.model import RefUpdate
    from worktree_guard.model import StageInput
    if u.is_delete or 'worktree-paths' in skips:
        return None
    commit = receive.peeled_commit(repo, u.local_oid)
    if commit is None:
        return None
    # As a new ref: its old value (a tag's) never counts as judged.
    as_new = RefUpdate(u.local_ref, commit, u.remote_ref, '0' * len(commit))
    return StageInput('push', [as_new], server=True), ['worktree-paths']


def requested_skips(options: Sequence[str], policy: Policy,
                    environ: Mapping[str, str], out: Output) -> set[str]:
    """Rules skipped by ``git push -o worktree-guard.skip=<rule>[,<rule>]``.

    A rule is skipped only when ``server.allow-skip`` lists it; any other
    request is ignored (the rule still runs) with a message.  Honoured
    skips are logged, with the pusher's name when the server gives one.
    """
    from worktree_guard.rules.index import RULES
    from worktree_guard.server_guard import pusher
    allowed = set(policy['server']['allow-skip'])
    who = pusher(environ)
    by = f' by {who}' if who else ''
    skips: set[str] = set()
    for opt in options:
        key, _, value = opt.partition('=')
        if not key.startswith('worktree-guard.'):
            continue  # another tool's push option
        if key != SKIP_OPTION:
            out(f'worktree-guard: push option {opt!r} ignored: the only '
                f'option is {SKIP_OPTION}=<rule>')
            continue
        for rule in (r.strip() for r in value.split(',')):
            if not rule:
                continue
            if rule not in RULES:
                out(f'worktree-guard: push option {SKIP_OPTION}={rule} '
                    f"ignored: no such rule (known: {', '.join(RULES)})")
            elif rule not in allowed:
                out(f'worktree-guard: push option {SKIP_OPTION}={rule} '
                    'ignored: server.allow-skip does not list it, so the '
                    'rule still applies')
            elif rule not in skips:
                skips.add(rule)
                out(f'worktree-guard: skipping {rule}{by} '
                    f'(push option {SKIP_OPTION}; allowed by '
                    'server.allow-skip)')
    return skips


# -- the policy -------------------------------------------------------------------------

def load_trusted_policy(repo: Repo, opts: Options) -> TrustedPolicy:
    """The server's policy (``server_guard.load``)."""
    from worktree_guard import server_guard
    return server_guard.load(repo, opts.policy_ref, opts.policy_path)
