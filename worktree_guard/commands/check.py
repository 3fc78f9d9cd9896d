"""``worktree-guard check``: run the rules of a stage and report them.

pre-commit runs ``check --hook ID --stage S`` on every commit, so check's
options are declared once, in ``OPTIONS``, and read two ways: by
``fast_args`` (a hand parser: building the argparse parser costs several
milliseconds, a gettext lookup per help string) and by ``add_parser`` for
everything the hand parser leaves to argparse (help, errors, the
positional file names pre-commit may pass).

``emit`` prints a result; the native hooks (``hook``) use it too.
"""
from __future__ import annotations

import os
import sys

from worktree_guard.commands import POLICY_HELP
from worktree_guard.errors import GuardError
from worktree_guard.model import Record

TYPE_CHECKING = False  # no `typing` import: mypy reads this as True
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse

    from worktree_guard.commands import Subparsers
    from worktree_guard.gitctx import Repo
    from worktree_guard.model import RefUpdate
    from worktree_guard.model import StageInput
    from worktree_guard.policy import Policy
    from worktree_guard.report import Result
    from worktree_guard.term import Progress

HELP = 'run the rules of a stage and report violations'


class Option(Record):
    """One option of ``check``.  ``kind``: ``'value'`` (one value, the last
    one given), ``'append'`` (repeatable, a list) or ``'switch'`` (no
    value, True when given)."""

    __slots__ = ('flag', 'kind', 'help', 'choices', 'default', 'metavar',
                 'short')

    def __init__(self, flag: str, kind: str, help: str,
                 choices: tuple[str, ...] | None = None,
                 default: object = None, metavar: str | None = None,
                 short: str | None = None) -> None:
        self.flag = flag
        self.kind = kind
        self.help = help
        self.choices = choices
        self.default = default
        self.metavar = metavar
        self.short = short   # a one-letter alias (``-v``)

    @property
    def flags(self) -> tuple[str, ...]:
        return (self.flag,) if self.short is None else (self.short, self.flag)

    @property
    def dest(self) -> str:
        return self.flag[2:].replace('-', '_')


OPTIONS = (
    Option('--stage', 'value', "'auto' (default) means push when "
           "pre-commit's pre-push variables are set, else commit",
           choices=('commit', 'push', 'auto'), default='auto'),
    Option('--hook', 'value', 'run the rules of this hook id only',
           metavar='HOOK_ID'),
    Option('--rule', 'append', 'run only this rule (repeatable)',
           metavar='RULE'),
    Option('--all-files', 'switch',
           'check whole tracked files, not just the change', default=False),
    Option('--format', 'value', 'text (default; github when '
           'GITHUB_ACTIONS=true), json, sarif (SARIF 2.1.0), github '
           '(workflow annotations), gitlab (Code Quality), junit',
           choices=('text', 'json', 'sarif', 'github', 'gitlab', 'junit')),
    Option('--from-ref', 'value', 'push stage in CI: the base the branch '
           'is judged against', metavar='REV'),
    Option('--to-ref', 'value', 'push stage in CI: the head being pushed',
           metavar='REV'),
    Option('--policy-from-ref', 'switch', "push stage in CI: read the "
           "policy from --from-ref's commit, so a pull request cannot "
           'loosen its own rules (the default with --from-ref, unless '
           '--policy is given)', default=False),
    Option('--no-policy-from-ref', 'switch', "push stage in CI: judge by "
           "the checkout's own policy file", default=False),
    Option('--branch', 'value', 'push stage in CI: the branch name being '
           'pushed (default: $GITHUB_HEAD_REF, the current branch, or on a '
           'detached checkout the one branch at HEAD that the base is not '
           'at)', metavar='NAME'),
    Option('--remote', 'value', 'remote being pushed to', metavar='NAME'),
    Option('--policy', 'value', POLICY_HELP, metavar='PATH'),
    Option('--quiet', 'switch', 'print the findings only: no notes, no '
           'summary line', default=False),
    Option('--verbose', 'switch', 'also say which policy judged (and where '
           'it came from), which baseline applied and what it accepted, '
           'and which rules ran or were skipped', default=False, short='-v'),
    Option('--color', 'value', 'colour the text output (auto: on a '
           'terminal; NO_COLOR, FORCE_COLOR and PRE_COMMIT_COLOR apply)',
           choices=('auto', 'always', 'never'), default='auto'),
)


class CheckArgs(Record):
    """``check``'s arguments, with the defaults of ``OPTIONS``."""

    __slots__ = ('stage', 'hook', 'rule', 'all_files', 'format', 'from_ref',
                 'to_ref', 'policy_from_ref', 'no_policy_from_ref', 'branch',
                 'remote', 'policy', 'quiet', 'verbose', 'color', 'files')
    stage: str
    hook: str | None
    rule: list[str] | None
    all_files: bool
    format: str | None  # None: text, or github in GitHub Actions
    from_ref: str | None
    to_ref: str | None
    policy_from_ref: bool
    no_policy_from_ref: bool
    branch: str | None
    remote: str | None
    policy: str | None
    quiet: bool
    verbose: bool
    color: str
    files: list[str]

    def __init__(self) -> None:
        for opt in OPTIONS:
            setattr(self, opt.dest, opt.default)
        self.files = []


def fast_args(args: list[str]) -> CheckArgs | None:
    """Parse ``args`` by ``OPTIONS`` without argparse.  The first word
    that is no option starts the file names pre-commit passes (it appends
    them last); a word that looks like an option is a file only when such
    a path exists.  Anything else (an
    abbreviation, ``-h``, a value option given twice, a value that is not
    a choice) returns ``None``: argparse then decides, and words the
    error."""
    by_flag = {flag: opt for opt in OPTIONS for flag in opt.flags}
    out = CheckArgs()
    seen: set[str] = set()
    i = 0
    while i < len(args):
        name, eq, value = args[i].partition('=')
        opt = by_flag.get(name)
        if opt is None and (not args[i].startswith('-')
                            or os.path.lexists(args[i])):
            return _with_files(out, args[i:], by_flag)
        if opt is None or (opt.flag in seen and opt.kind != 'append'):
            return None
        seen.add(opt.flag)
        after = _take_option(out, opt, args, i, eq, value)
        if after is None:
            return None
        i = after
    return out


def _with_files(out: CheckArgs, files: list[str],
                by_flag: dict[str, Option]) -> CheckArgs | None:
    """``out`` with ``files``, the words from the first file name on."""
    out.files = files
    # An option after a file name is a person's order: argparse's.
    if any(a.partition('=')[0] in by_flag for a in files):
        return None
    return out


def _take_option(out: CheckArgs, opt: Option, args: list[str], i: int,
                 eq: str, value: str) -> int | None:
    """Set ``opt``, given at ``args[i]`` (``eq`` and ``value``: what
    followed an ``=`` in it), on ``out``; return the index of the next
    word, or ``None`` when argparse must decide."""
    if opt.kind == 'switch':
        if eq:
            return None
        setattr(out, opt.dest, True)
        return i + 1
    if not eq:
        i += 1
        if i == len(args) or args[i].startswith('-'):
            return None
        value = args[i]
    if opt.choices is not None and value not in opt.choices:
        return None
    setattr(out, opt.dest, value if opt.kind == 'value' else
            [*(getattr(out, opt.dest) or ()), value])
    return i + 1


def add_parser(sub: Subparsers) -> None:
    from worktree_guard.commands import add_command
    p = add_command(sub, 'check', HELP)
    for opt in OPTIONS:
        if opt.kind == 'switch':
            p.add_argument(*opt.flags, action='store_true', help=opt.help)
        else:
            p.add_argument(*opt.flags, metavar=opt.metavar,
                           choices=opt.choices, default=opt.default,
                           help=opt.help,
                           action='append' if opt.kind == 'append'
                           else 'store')
    p.add_argument('files', nargs='*', metavar='FILE',
                   help='judge these files (pre-commit passes them): '
                        'staged changes are judged as a commit; any other '
                        'file makes the run judge the given files whole')
    p.set_defaults(run=run)


def run(ns: argparse.Namespace | CheckArgs) -> int:
    from worktree_guard import hookinput
    from worktree_guard import policy as policy_mod
    from worktree_guard import runner
    from worktree_guard.gitctx import Repo

    env = os.environ
    # pre-commit runs hooks at the worktree root: find the repo from files.
    repo = Repo.discover(hook=env.get('PRE_COMMIT') == '1')
    from_base = bool(ns.from_ref) and ns.stage != 'commit' and \
        not ns.no_policy_from_ref and (ns.policy_from_ref or ns.policy is None)
    # In CI the pull request's own policy is not read at all (ci_policy).
    pol = None if from_base else \
        policy_mod.load(repo.root, ns.policy, repo.git_dir)
    stage = ns.stage
    pc = hookinput.updates_from_pre_commit_env(repo, env) \
        if stage in ('auto', 'push') and not ns.from_ref else None
    if stage == 'auto':
        stage = 'push' if (pc is not None or ns.from_ref) else 'commit'
    rules = selected_rules(ns)
    inp, progress = stage_input(repo, ns, stage)
    policy_notes: list[str] = []
    if stage == 'push':
        push_updates(repo, ns, inp, pc)
    if from_base:   # the push stage, with --from-ref
        from worktree_guard.ci_policy import base_policy
        # push_updates saw both refs given: str() is for the type only.
        pol, policy_notes = base_policy(repo, str(ns.from_ref),
                                        str(ns.to_ref))
    assert pol is not None  # from_base implies the push stage
    try:
        # The baseline comes from where the policy does: the base in CI
        # (a pull request cannot baseline its own findings), else HEAD's
        # committed copy.
        result = runner.run(repo, pol, inp, rules,
                            baseline=str(ns.from_ref) if from_base else True)
    finally:
        if progress is not None:
            progress.close()
    result.notes += policy_notes
    return report_result(repo, pol, ns, stage, rules, inp, result, from_base)


def selected_rules(ns: argparse.Namespace | CheckArgs) -> list[str] | None:
    """The rules ``--hook`` and ``--rule`` ask for (both: the rules of
    the hook that ``--rule`` names); ``None``: every rule of the stage."""
    from worktree_guard.rules import HOOK_IDS
    from worktree_guard.rules import RULES
    rules: list[str] | None = None
    if ns.hook:
        if ns.hook not in HOOK_IDS:
            raise GuardError(f'unknown hook id {ns.hook!r}',
                             f"known: {', '.join(HOOK_IDS)}")
        rules = list(HOOK_IDS[ns.hook])
    if ns.rule:
        for r in ns.rule:
            if r not in RULES:
                raise GuardError(f'unknown rule {r!r}',
                                 f"known: {', '.join(RULES)}")
        rules = [r for r in ns.rule if rules is None or r in rules]
    return rules


def stage_input(repo: Repo, ns: argparse.Namespace | CheckArgs,
                stage: str) -> tuple[StageInput, Progress | None]:
    """What the stage judges, but the refs of a push: the files given
    (at a commit) and whether whole files are read; and the progress
    display it shows (``--all-files`` on a terminal), to close."""
    from worktree_guard import hookinput
    from worktree_guard.model import StageInput
    inp = StageInput(stage, all_files=ns.all_files)
    if stage == 'commit' and ns.files:
        # pre-commit's pass_filenames: the staged files at a commit; other
        # files (run --all-files / --files) are judged whole.
        inp.files = hookinput.files_to_judge(repo, ns.files,
                                             whole=ns.all_files)
        inp.all_files = inp.all_files or inp.files is not None
    if ns.all_files:
        from worktree_guard.term import for_terminal
        progress = inp.progress = for_terminal('reading files')
        return inp, progress
    return inp, None


def push_updates(repo: Repo, ns: argparse.Namespace | CheckArgs,
                 inp: StageInput,
                 pc: tuple[list[RefUpdate], str | None] | None) -> None:
    """Set the ref updates a push judges, and the remote: from
    ``--from-ref``/``--to-ref`` (CI), else from pre-commit's pre-push
    variables (``pc``)."""
    from worktree_guard import hookinput
    if ns.from_ref or ns.to_ref:
        if not (ns.from_ref and ns.to_ref):
            raise GuardError('--from-ref and --to-ref go together')
        inp.updates = hookinput.updates_from_refs(
            repo, ns.from_ref, ns.to_ref, ns.branch)
        inp.remote = ns.remote
    elif pc is not None:
        inp.updates, inp.remote = pc
        inp.remote = ns.remote or inp.remote
    else:
        raise GuardError(
            'the push stage needs refs to judge',
            'run it from a pre-push hook, or pass --from-ref <base> '
            '--to-ref <head> (in CI)',
        )


def report_result(repo: Repo, pol: Policy,
                  ns: argparse.Namespace | CheckArgs, stage: str,
                  rules: list[str] | None, inp: StageInput, result: Result,
                  from_base: bool) -> int:
    """Print ``result`` in the format asked for (with ``-v``'s lines and
    the baseline hint when they apply) and return the exit code."""
    fmt = ns.format or 'text'
    if ns.format is None and 'GITHUB_ACTIONS' in os.environ:  # not hot
        from worktree_guard.report.formats import default_format
        fmt = default_format(os.environ)
    text = fmt == 'text' and not ns.quiet
    if ns.verbose:
        said = verbose_lines(repo, pol, ns, stage, rules, result, from_base)
        if text:
            result.notes += said
        else:   # stdout is the machine format's (or the findings only)
            for line in said:
                print(f'note: {line}', file=sys.stderr)
    hint = None
    if text and inp.all_files and result.exit_code and \
            result.baseline_read and result.baseline is None:
        hint = legacy_hint(repo, pol, result)
    code = emit(result, fmt, hook_id=ns.hook, quiet=ns.quiet,
                color=ns.color)
    if hint is not None:
        print(hint)
    return code


def verbose_lines(repo: Repo, pol: Policy, ns: argparse.Namespace | CheckArgs,
                  stage: str, rules: list[str] | None, result: Result,
                  from_base: bool) -> list[str]:
    """What ``check -v`` adds: the policy it judged by and where that came
    from, the baseline applied and what it accepted, the rules that ran
    and the ones that did not (and why)."""
    from worktree_guard.policy import POLICY_FILE
    from worktree_guard.report.baseline import file_name
    from worktree_guard.runner import skipped_rules
    from worktree_guard.runner import stage_rules
    if from_base:
        from worktree_guard.gitctx import receive
        base = repo.rev_parse(str(ns.from_ref))
        assert base is not None   # updates_from_refs resolved it already
        where = (f"{ns.from_ref}:{POLICY_FILE}, the base commit's"
                 if receive.read_blob(repo, base, POLICY_FILE) else
                 f'the built-in defaults ({ns.from_ref} has no '
                 f'{POLICY_FILE})') + \
            ' (--policy-from-ref: a change is judged by its base\'s policy)'
    elif ns.policy is not None:
        where = f'{ns.policy} (--policy)'
    elif pol.path is not None:
        where = f"{os.path.relpath(pol.path)} (the working tree's file)"
    else:
        where = f'the built-in defaults (no {POLICY_FILE})'
    rev = str(ns.from_ref) if from_base else 'HEAD'
    rel = file_name(pol)
    if result.baseline is not None:
        n = len(result.suppressed)
        said = (f'baseline: {rev}:{result.baseline} (the committed copy) '
                f'accepted {n} finding{"s" * (n != 1)}')
    elif result.baseline_read:
        said = (f'baseline: none ({rev} has no committed {rel}; a '
                'baseline applies once committed)')
    else:
        said = (f'baseline: not read (nothing was found in a file for '
                f'{rev}:{rel} to accept)')
    out = [f'policy: {where}', said,
           f"rules run ({stage} stage): {', '.join(result.rules_run) or 'none'}"]
    skips = skipped_rules(os.environ)
    why = []
    for rule in stage_rules(stage):
        if rule in result.rules_run:
            continue
        if rules is not None and rule not in rules:
            why.append(f'{rule} (not asked for: '
                       + ('--rule)' if ns.rule else f'--hook {ns.hook})'))
        elif rule in skips:
            why.append(f'{rule} ({skips[rule]})')
        else:
            why.append(f'{rule} (off in the policy)')
    if why:
        out.append(f"rules not run: {', '.join(why)}")
    return out


# "Many": fewer legacy findings are quicker fixed than baselined.
LEGACY_MIN = 3


def legacy_hint(repo: Repo, pol: Policy, result: Result) -> str | None:
    """How to adopt on a repository with history, when a whole-file run
    with no baseline fails for ``LEGACY_MIN`` or more errors in files the
    change (the staged one) does not touch; else ``None``."""
    from worktree_guard.gitctx.paths import staged_paths
    from worktree_guard.report.baseline import file_name
    from worktree_guard.report.baseline import recordable
    rel = file_name(pol)
    touched = staged_paths(repo)
    old = [v for v in result.errors
           if recordable(v, rel) and v.path not in touched]
    if len(old) < LEGACY_MIN:
        return None
    files = len({v.path for v in old})
    return (f'hint: {len(old)} of these errors are in {files} '
            f'file{"s" * (files != 1)} this change does not touch.  On a '
            'repository with history, accept what is there today once and '
            'fail only new findings: run `worktree-guard baseline`, then '
            f'commit {rel} (runs read the committed copy; see '
            'docs/baseline.md)')


def emit(result: Result, fmt: str, hook_id: str | None = None,
         native: bool = False, quiet: bool = False,
         color: str = 'auto') -> int:
    """Print ``result`` (native hooks print to stderr) and return its exit
    code; a failing hook also says how to skip it once (not ``quiet``)."""
    from worktree_guard import report
    from worktree_guard.term import use_colour
    if fmt != 'text':  # json, sarif, github, gitlab, junit
        from worktree_guard.report.formats import render
        out = render(result, fmt)
        if out:
            print(out)
        return result.exit_code
    stream = sys.stderr if native else sys.stdout
    text = report.format_text(result, quiet=quiet,
                              colour=use_colour(stream, color))
    if text:
        print(text, file=stream)
    if result.exit_code and hook_id and not quiet:
        print(f'  (to bypass once: SKIP={hook_id} git ... ; '
              'a server-side pre-receive hook, if installed, still '
              'applies)', file=stream)
    return result.exit_code
