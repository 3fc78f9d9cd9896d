"""``worktree-guard wt``: create, list, remove and watch issue worktrees.

Every command reads the same policy as the hooks, so what ``wt create``
makes passes them: the branch matches ``branches.pattern``, the worktree
sits at ``<worktrees.root>/<branch>`` and the root is ignored.  All git
work goes through ``gitctx.worktrees``; this module parses arguments,
decides and prints.

Exit codes: 0 done; 1 refused (a second worktree for an issue, a dirty
worktree to remove) or, for ``status``, a failed check or a forecast
conflict; 2 bad usage or environment.
"""
from __future__ import annotations

import os
import re
import sys
import time
from typing import Any
from typing import TYPE_CHECKING

from worktree_guard.errors import GuardError

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Callable
    from collections.abc import Iterable
    from collections.abc import Sequence
    from typing import TypeVar

    from worktree_guard.model import WorktreeInfo
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy

    T = TypeVar('T')
    R = TypeVar('R')

_ISSUE_NAME = re.compile(r'^issue-([1-9][0-9]*)(?:-|$)')
_ISSUE_ARG = re.compile(r'^#?([1-9][0-9]{0,8})$')


class Refused(GuardError):
    """The command would lose work or duplicate it: nothing was done (exit 1)."""

    exit_code = 1


# -- entry point -----------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    import argparse
    p = argparse.ArgumentParser(
        prog='worktree-guard wt',
        description='Create, list, remove and watch issue worktrees '
                    '(<worktrees.root>/issue-<N>-<slug> on branch '
                    'issue-<N>-<slug>).',
    )
    sub = p.add_subparsers(dest='wt_command', metavar='<command>')

    def add(name: str, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
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
                    help='only say what would be pruned')

    st = add('status', 'parallel-work dashboard: checks, overlap and '
                       'conflict forecast')
    st.add_argument('--json', action='store_true')
    st.add_argument('--fetch', action='store_true',
                    help='fetch the base branch first')
    return p


def main(argv: Sequence[str]) -> int:
    parser = _parser()
    try:
        ns = parser.parse_args(list(argv))
    except SystemExit as e:  # argparse printed usage and the error
        return int(e.code or 0)
    if ns.wt_command is None:
        parser.print_help()
        return 2
    ctx = Context(ns.policy)
    handler: Callable[[argparse.Namespace, Context], int] = _COMMANDS[
        ns.wt_command]
    return handler(ns, ctx)


class Context:
    """The repository, its policy and where worktrees belong."""

    def __init__(self, policy_path: str | None) -> None:
        from worktree_guard import policy as policy_mod
        from worktree_guard.gitctx import Repo
        from worktree_guard.gitctx import worktrees
        self.repo: Repo = Repo.discover()
        self.policy: Policy = policy_mod.load(self.repo.root, policy_path,
                                              self.repo.git_dir)
        self.main_real, self.root_dir = worktrees.layout_context(
            self.repo, self.policy)
        self.nested = self.policy['worktrees']['layout'] == 'nested'
        self.remote, self.base_branch = self.repo.resolve_base(
            self.policy['base']['remote'], self.policy['base']['branch'])
        self.fetched = False  # base_tip(fetch=True) refreshed the base

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
            m = _ISSUE_NAME.match(wt.branch)
            if m is not None:
                out.add(int(m.group(1)))
        m = _ISSUE_NAME.match(os.path.basename(os.path.normpath(wt.path)))
        if m is not None:
            out.add(int(m.group(1)))
        return out

    def base_tip(self, fetch: bool, notes: list[str]) -> tuple[
            str, str | None]:
        """(label, oid) of the base: the remote-tracking ref, else the local
        branch; ``fetch`` refreshes it first."""
        from worktree_guard.gitctx import worktrees
        remote, branch = self.remote, self.base_branch
        tracking = f'{remote}/{branch}'
        if fetch:
            err = worktrees.fetch(self.repo, remote, branch,
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


def _issue_number(text: str) -> int:
    m = _ISSUE_ARG.match(text.strip())
    if m is None:
        raise GuardError(f'{text!r} is not an issue number',
                         'give a positive number, e.g. worktree-guard wt '
                         'create 45 "Add Rust SDK support"')
    return int(m.group(1))


def _linked(ctx: Context) -> list[WorktreeInfo]:
    return [w for w in ctx.repo.worktrees() if not w.is_main and not w.bare]


def _parallel(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``map`` over git calls, a few processes at a time."""
    if len(items) < 2:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor
    workers = min(len(items), 2 * (os.cpu_count() or 1) + 2)
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def _age(seconds: float) -> str:
    s = max(0, int(seconds))
    for unit, size in (('d', 86400), ('h', 3600), ('m', 60)):
        if s >= size:
            return f'{s // size}{unit}'
    return f'{s}s'


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return '\n'.join(
        '  '.join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in rows)


# -- create ----------------------------------------------------------------------------

def _gh_title(issue: int) -> str:
    import shutil

    from worktree_guard.gitctx import spawn
    if shutil.which('gh') is None:
        raise GuardError(
            f'a title is needed for issue {issue}',
            f'worktree-guard wt create {issue} <title words>  (or install '
            "the GitHub CLI 'gh' to use the issue's title)",
        )
    res = spawn(['gh', 'issue', 'view', str(issue), '--json', 'title',
                 '--jq', '.title'], timeout=30)
    title = res.stdout.decode('utf-8', 'replace').strip()
    if res.returncode != 0 or not title:
        err = res.stderr.decode('utf-8', 'replace').strip()
        raise GuardError(
            f'gh could not read the title of issue {issue}'
            + (f': {err.splitlines()[-1]}' if err else ''),
            'pass the title yourself: worktree-guard wt create '
            f'{issue} <title words>',
        )
    return title


def _start_point(ctx: Context, base: str | None,
                 say: Callable[[str], None]) -> tuple[str, str]:
    """(oid, description) of the commit a new branch starts from."""
    from worktree_guard.gitctx import worktrees
    repo = ctx.repo
    branch = base or ctx.base_branch
    tracking = f'{ctx.remote}/{branch}'
    err: str | None = f'no remote {ctx.remote!r}'
    if ctx.remote in repo.remotes():
        err = worktrees.fetch(repo, ctx.remote, branch,
                              ctx.policy['sync']['fetch-timeout'],
                              ctx.main_real)
        oid = repo.ref_oid(f'refs/remotes/{tracking}')
        if oid is not None:
            if err is None:
                return oid, f'{tracking} (just fetched)'
            say(f'warning: could not fetch {tracking} ({err}); starting from '
                'the cached one, which may be stale')
            return oid, f'{tracking} (cached)'
    oid = repo.rev_parse(branch)
    if oid is None:
        raise GuardError(
            f'cannot find the base {branch!r}: not on {ctx.remote} ({err}) '
            'and not a local revision',
            'check base.remote/base.branch in the policy, or pass --base',
        )
    if base is None:
        say(f'warning: {tracking} is not available ({err}); starting from '
            f'the local {branch}')
    return oid, branch


def _ensure_ignored(ctx: Context, branch: str,
                    say: Callable[[str], None]) -> None:
    """Append ``/<root>/`` to the main checkout's .gitignore if needed."""
    from worktree_guard.gitctx import worktrees
    main, root_dir = ctx.main_real, ctx.root_dir
    assert main is not None and root_dir is not None
    probe = worktrees.ignore_probe(main, root_dir, branch)
    if probe is None:  # the root is outside the main checkout
        return
    found = worktrees.ignored_in(main, [probe])
    if found is None or probe in found:
        return
    pattern = '/' + os.path.relpath(root_dir, main) + '/'
    path = os.path.join(main, '.gitignore')
    try:
        with open(path, 'rb') as f:
            old = f.read()
    except FileNotFoundError:
        old = b''
    sep = b'' if not old or old.endswith(b'\n') else b'\n'
    with open(path, 'ab') as f:
        f.write(sep + pattern.encode() + b'\n')
    say(f"added '{pattern}' to {path} so the main checkout ignores its "
        'worktrees (an uncommitted change there: commit it)')


def _copy_new(src: str, dst: str) -> str:
    """copytree's copy function: never overwrite what the checkout has."""
    import shutil
    if not os.path.lexists(dst):
        shutil.copy2(src, dst, follow_symlinks=False)
    return dst


def _bootstrap(entries: Iterable[str], src_root: str | None, dest: str,
               say: Callable[[str], None]) -> None:
    import shutil
    for entry in entries:
        rel = os.path.normpath(entry.rstrip('/'))
        if os.path.isabs(rel) or rel == '..' or rel.startswith('../'):
            say(f'bootstrap: skipped {entry!r}: not a path inside the '
                'checkout')
            continue
        if src_root is None:
            say(f'bootstrap: skipped {entry!r}: no checkout to copy it from')
            continue
        src = os.path.join(src_root, rel)
        dst = os.path.join(dest, rel)
        if not os.path.lexists(src):
            say(f'bootstrap: skipped {entry!r}: not found in {src_root}')
        elif os.path.isdir(src) and not os.path.islink(src):
            shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True,
                            copy_function=_copy_new)
            say(f'bootstrap: copied {rel}/')
        elif os.path.lexists(dst):
            say(f'bootstrap: kept {rel}: the new worktree already has it')
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst, follow_symlinks=False)
            say(f'bootstrap: copied {rel}')


def cmd_create(ns: argparse.Namespace, ctx: Context) -> int:
    from worktree_guard.gitctx import worktrees
    from worktree_guard.slug import slugify

    def say(msg: str) -> None:
        print(msg, file=sys.stderr if ns.print_path else sys.stdout)

    policy = ctx.policy
    issue = _issue_number(ns.issue)
    title = ' '.join(ns.title).strip() or _gh_title(issue)
    slug = slugify(title, policy['branches']['slug-max-length'])
    if not slug:
        raise GuardError(f'the title {title!r} leaves no slug',
                         'use letters or digits in the title')
    branch = f'issue-{issue}-{slug}'
    if not policy.branch_regex().search(branch) and \
            not policy.matches('branches', 'exempt', branch):
        raise GuardError(
            f'the branch {branch!r} would not match branches.pattern',
            'wt create makes issue-<N>-<slug> branches; align '
            'branches.pattern in .worktree-guard.yaml',
        )
    for w in ctx.repo.worktrees():
        if issue in ctx.issues_of(w):
            raise Refused(
                f'issue {issue} already has a worktree: {ctx.show(w.path)} '
                f"(branch {w.branch or 'detached'})",
                f'work there (cd {w.path}), or remove it first: '
                f'worktree-guard wt remove {issue}',
            )
    if ctx.root_dir is None:
        raise GuardError(
            'worktrees.layout is nested, but this repository has no main '
            'checkout (it is bare)',
            "set 'worktrees: {layout: bare}' in .worktree-guard.yaml",
        )
    path = os.path.join(ctx.root_dir, branch)
    if os.path.lexists(path):
        raise GuardError(f'{ctx.show(path)} already exists',
                         'move it away, or give another title')
    if ctx.nested:
        _ensure_ignored(ctx, branch, say)
    existing = ctx.repo.ref_oid(f'refs/heads/{branch}')
    if existing is not None:
        worktrees.add_worktree(ctx.repo, path, branch, None)
        origin = f'existing branch, at {existing[:12]}'
    else:
        oid, desc = _start_point(ctx, ns.base, say)
        worktrees.add_worktree(ctx.repo, path, branch, oid)
        origin = f'new branch from {desc} at {oid[:12]}'
    say(f'created worktree {ctx.show(path)}')
    say(f'  branch {branch} ({origin})')
    src_root = ctx.main_real if ctx.nested else ctx.repo.root
    _bootstrap(policy['worktrees']['bootstrap'], src_root, path, say)
    if ns.print_path:
        print(path)
    else:
        say(f'next: cd {path}')
    return 0


# -- list --------------------------------------------------------------------------------

def _collect(ctx: Context, wts: Sequence[WorktreeInfo], base: str | None,
             dirty: bool, files: bool) -> list[dict[str, Any]]:
    """Per worktree facts, the git calls run a few at a time."""
    from worktree_guard.gitctx import worktrees
    repo = ctx.repo
    times = worktrees.commit_times(
        repo, [w.head for w in wts if w.head and not w.prunable])
    now = time.time()

    def one(w: WorktreeInfo) -> dict[str, Any]:
        alive = not w.prunable and w.head is not None
        issues = sorted(ctx.issues_of(w))
        row: dict[str, Any] = {
            'issue': issues[0] if issues else None,
            'branch': w.branch, 'path': w.path, 'main': w.is_main,
            'head': w.head, 'detached': w.detached, 'bare': w.bare,
            'locked': w.locked, 'prunable': w.prunable,
            'ahead': None, 'behind': None,
        }
        when = times.get(w.head or '')
        row['last_commit'] = when
        row['age'] = _age(now - when) if when is not None else None
        if alive and base is not None and w.head:
            row['ahead'], row['behind'] = worktrees.ahead_behind(
                repo, base, w.head)
            if files:
                row['files'] = worktrees.changed_files(repo, base, w.head)
        if dirty:
            row['changes'] = worktrees.changes(w.path) \
                if alive and not w.bare and os.path.isdir(w.path) else None
        return row

    return _parallel(one, list(wts))


def cmd_list(ns: argparse.Namespace, ctx: Context) -> int:
    notes: list[str] = []
    label, base = ctx.base_tip(False, notes)
    wts = sorted(ctx.repo.worktrees(), key=lambda w: (
        not w.is_main, min(ctx.issues_of(w), default=0), w.path))
    rows = _collect(ctx, wts, base, dirty=True, files=False)
    boot = ctx.policy['worktrees']['bootstrap']
    for r in rows:
        ch = r.pop('changes')
        if ch is not None:
            ch = [x for x in ch if not _is_bootstrap(x, boot)]
        r['dirty'] = None if ch is None else bool(ch)
        r['changed'] = None if ch is None else len(ch)
    if ns.json:
        import json
        print(json.dumps({'base': {'ref': label, 'oid': base},
                          'worktrees': rows, 'notes': notes}, indent=2))
        return 0
    table = [('ISSUE', 'BRANCH', 'BEHIND', 'AHEAD', 'STATE', 'LAST', 'PATH')]
    for r in rows:
        if r['bare']:
            state = 'bare'
        elif r['prunable']:
            state = 'prunable'
        else:
            state = f"dirty({r['changed']})" if r['dirty'] else 'clean'
        if r['locked']:
            state += ',locked'
        table.append((
            '-' if r['issue'] is None else str(r['issue']),
            r['branch'] or ('(bare)' if r['bare'] else '(detached)'),
            '-' if r['behind'] is None else str(r['behind']),
            '-' if r['ahead'] is None else str(r['ahead']),
            state, r['age'] or '-',
            ctx.show(r['path']) + ('  (main)' if r['main'] else ''),
        ))
    print(f'base: {label}' + (f' {base[:12]}' if base else ''))
    print(_table(table))
    for r in rows:
        if r['prunable']:
            print(f"prunable: {r['path']}: {r['prunable']} "
                  "(worktree-guard wt prune drops it)")
    for n in notes:
        print(f'note: {n}')
    return 0


# -- remove ------------------------------------------------------------------------------

def _is_bootstrap(line: str, entries: Sequence[str]) -> bool:
    """Is a status line an untracked bootstrap copy (not the user's work)?"""
    if not line.startswith('?? '):
        return False
    path = line[3:].rstrip('/')
    for entry in entries:
        e = os.path.normpath(entry.rstrip('/'))
        if path == e or path.startswith(e + '/'):
            return True
    return False


def cmd_remove(ns: argparse.Namespace, ctx: Context) -> int:
    from worktree_guard.gitctx import worktrees
    issue = _issue_number(ns.issue)
    found = [w for w in _linked(ctx) if issue in ctx.issues_of(w)]
    if not found:
        raise GuardError(f'no worktree for issue {issue}',
                         "'worktree-guard wt list' shows the worktrees")
    if len(found) > 1:
        raise GuardError(
            f'issue {issue} has {len(found)} worktrees: '
            + ', '.join(ctx.show(w.path) for w in found),
            'remove the one you mean with git worktree remove <path>',
        )
    w = found[0]
    where = ctx.show(w.path)
    real = os.path.realpath(w.path)
    here = os.path.realpath(os.getcwd())
    inside = here == real or here.startswith(real + os.sep)
    if w.prunable:
        return _drop_stale(ctx, w, where, ns)
    lines = worktrees.changes(w.path)
    boot = ctx.policy['worktrees']['bootstrap']
    work = [x for x in lines if not _is_bootstrap(x, boot)]
    if work and not ns.force:
        shown = '\n'.join(f'    {x}' for x in work[:10])
        more = f'\n    ... and {len(work) - 10} more' if len(work) > 10 \
            else ''
        raise Refused(
            f'{where} has {len(work)} uncommitted change'
            f"{'s' * (len(work) != 1)}; nothing was removed:\n{shown}{more}",
            f'commit or stash them in {where}, or rerun with --force to '
            'discard them',
        )
    if w.locked and not ns.force:
        raise Refused(f'{where} is locked ({w.locked}); nothing was removed',
                      'git worktree unlock <path>, or rerun with --force')
    if inside:
        # Work from the main checkout (or the common dir): this one goes.
        from worktree_guard.gitctx import Repo
        ctx.repo = Repo.discover(ctx.main_real or ctx.repo.common_dir)
    # Untracked bootstrap copies (or --force'd changes) need git's --force.
    try:
        worktrees.remove_worktree(ctx.repo, w.path,
                                  2 if w.locked else 1 if lines or ns.force
                                  else 0)
    except GuardError as e:
        raise GuardError(f'{e.message}; nothing was removed',
                         'git refuses worktrees with submodules unless '
                         'forced: rerun with --force') from None
    out = [f'removed worktree {where}']
    if work:
        out.append(f'  discarded {len(work)} uncommitted change'
                   f"{'s' * (len(work) != 1)} (--force)")
    out.extend(_remove_branch(ctx, w, ns.keep_branch, ns.force))
    if inside:
        out.append(f'note: your shell was inside it: cd '
                   f'{ctx.main_real or ctx.repo.common_dir}')
    print('\n'.join(out))
    return 0


def _drop_stale(ctx: Context, w: WorktreeInfo, where: str,
                ns: argparse.Namespace) -> int:
    """A prunable worktree: git cannot remove it, only prune its entry."""
    from worktree_guard.gitctx import worktrees
    worktrees.prune(ctx.repo, False)
    out = [f'dropped the stale worktree entry {where} ({w.prunable}; '
           'git worktree prune)']
    if os.path.lexists(w.path):
        out.append(f'  left the folder {where}: it is no longer a git '
                   'worktree')
    out.extend(_remove_branch(ctx, w, ns.keep_branch, ns.force))
    print('\n'.join(out))
    return 0


def _remove_branch(ctx: Context, w: WorktreeInfo, keep: bool,
                   force: bool) -> list[str]:
    from worktree_guard.gitctx import worktrees
    if w.branch is None:
        return ['  no branch to delete (the worktree was detached)']
    branch = w.branch
    tip = ctx.repo.ref_oid(f'refs/heads/{branch}')
    if keep:
        return [f'  kept branch {branch} (--keep-branch)']
    if tip is None:
        return [f'  branch {branch} no longer exists']
    notes: list[str] = []
    label, base = ctx.base_tip(True, notes)
    out = [f'  note: {n}' for n in notes]
    merged = base is not None and worktrees.is_merged(ctx.repo, tip, base)
    if not merged and not force:
        out.append(f'  kept branch {branch}: not merged into {label} '
                   f'(--force deletes it, or: git branch -D {branch})')
        return out
    worktrees.delete_branch(ctx.repo, branch)
    why = f'merged into {label}' if merged else 'NOT merged: --force'
    out.append(f'  deleted branch {branch} (was {tip[:12]}; {why}; '
               f'restore with: git branch {branch} {tip[:12]})')
    return out


# -- prune -------------------------------------------------------------------------------

def cmd_prune(ns: argparse.Namespace, ctx: Context) -> int:
    from worktree_guard.gitctx import worktrees
    lines = worktrees.prune(ctx.repo, ns.dry_run)
    if not lines:
        print('nothing to prune: every worktree folder exists')
    for line in lines:
        print(('would prune: ' if ns.dry_run else 'pruned: ') + line)
    return 0


# -- status ------------------------------------------------------------------------------

def cmd_status(ns: argparse.Namespace, ctx: Context) -> int:
    from worktree_guard.model import BranchFacts
    from worktree_guard.model import BranchTarget
    from worktree_guard.gitctx import worktrees
    from worktree_guard.commands.doctor import hook_states
    from worktree_guard.runner import evaluate
    repo, policy = ctx.repo, ctx.policy
    notes: list[str] = []
    label, base = ctx.base_tip(ns.fetch, notes)
    all_wts = repo.worktrees()
    for w in all_wts:
        if w.prunable:
            notes.append(f'{w.path} is prunable ({w.prunable}): '
                         'worktree-guard wt prune')
    active = sorted(
        (w for w in all_wts if not w.bare and not w.prunable
         and w.branch != ctx.base_branch),
        key=lambda w: (min(ctx.issues_of(w), default=0), w.path))
    rows = _collect(ctx, active, base, dirty=False, files=True)
    layout = worktrees.layout_facts_all(repo, policy, active)
    hooks = hook_states(repo, [w.path for w in active])
    problems = 0
    for w, r in zip(active, rows, strict=True):
        checks: list[str] = []
        if w.branch is not None:
            is_new = repo.ref_oid(
                f'refs/remotes/{ctx.remote}/{w.branch}') is None
            found = evaluate('branch-name', BranchFacts(
                [BranchTarget(w.branch, 'HEAD', is_new)]), policy)
            checks += [f'branch-name: {v.message}' for v in found
                       if v.severity == 'error']
        facts = layout.get(w.path)
        if facts is not None:
            checks += [f'{v.code}: {v.message}' for v in
                       evaluate('worktree-layout', facts, policy)
                       if v.severity == 'error']
        problem = hooks[w.path].problem
        if problem is not None:
            checks.append(f'hooks: {problem}')
        r['checks'] = checks
        if 'files' not in r:  # no base to compare with
            r['files'] = None
        elif r['files'] is None:
            notes.append(f'{_name(r)} shares no history with {label}')
        problems += bool(checks)

    # Overlap: pairs of branches that change a file in common.
    by_file: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        for f in r['files'] or ():
            by_file.setdefault(f, []).append(i)
    shared: dict[tuple[int, int], list[str]] = {}
    for f, idx in sorted(by_file.items()):
        for a in range(len(idx)):
            for b in range(a + 1, len(idx)):
                shared.setdefault((idx[a], idx[b]), []).append(f)
    pairs = sorted(shared)
    # Forecast: the overlapping pairs, and each branch the base moved under.
    against_base = [i for i, r in enumerate(rows)
                    if base is not None and r['behind'] and r['files']]
    jobs = [(rows[a]['head'], rows[b]['head']) for a, b in pairs] + \
        [(rows[i]['head'], base) for i in against_base]
    forecast = worktrees.merge_conflicts_many(repo, jobs) if jobs else []
    if forecast is None:
        notes.append('git is older than 2.38 (no merge-tree --write-tree): '
                     'no conflict forecast, overlap only')
    overlaps = []
    conflicts = 0
    for n, (a, b) in enumerate(pairs):
        res = forecast[n] if forecast is not None else None
        conflicts += bool(res)
        overlaps.append({
            'branches': [_name(rows[a]), _name(rows[b])],
            'files': shared[(a, b)],
            'conflict': None if res is None else bool(res),
            'conflict_files': res,
        })
    known = forecast is not None and base is not None
    for r in rows:
        # Up to date with the base (or no changes): nothing to conflict.
        r['base_conflict'] = False if known else None
        r['base_conflict_files'] = [] if known else None
    if forecast is not None:
        for n, i in enumerate(against_base):
            res = forecast[len(pairs) + n]
            rows[i]['base_conflict'] = bool(res)
            rows[i]['base_conflict_files'] = res
            conflicts += bool(res)
    code = 1 if problems or conflicts else 0
    if ns.json:
        import json
        print(json.dumps({
            'base': {'ref': label, 'oid': base},
            'forecast': forecast is not None,
            'worktrees': rows, 'overlaps': overlaps, 'notes': notes,
            'exit_code': code,
        }, indent=2))
        return code
    _print_status(ctx, label, base, rows, overlaps, notes, ns.fetch)
    return code


def _name(r: dict[str, Any]) -> str:
    return str(r['branch'] or f"(detached at {str(r['head'])[:12]})")


def _print_status(ctx: Context, label: str, base: str | None,
                  rows: list[dict[str, Any]], overlaps: list[dict[str, Any]],
                  notes: list[str], fetch: bool) -> None:
    if base is None:
        fresh = ''
    elif not fetch:
        fresh = '  (wt status --fetch refreshes it)'
    elif ctx.fetched and label == f'{ctx.remote}/{ctx.base_branch}':
        fresh = '  (fetched just now)'
    else:
        fresh = '  (not refreshed: see the notes)'
    print(f'base: {label}' + (f' {base[:12]}' if base else '') + fresh)
    if not rows:
        print('no active worktrees')
    else:
        table = [('ISSUE', 'BRANCH', 'BEHIND', 'AHEAD', 'FILES', 'MERGE',
                  'CHECKS')]
        for r in rows:
            merge = {None: '?', False: 'clean', True: 'CONFLICT'}[
                r['base_conflict']]
            table.append((
                '-' if r['issue'] is None else str(r['issue']), _name(r),
                '-' if r['behind'] is None else str(r['behind']),
                '-' if r['ahead'] is None else str(r['ahead']),
                '-' if r['files'] is None else str(len(r['files'])), merge,
                'ok' if not r['checks'] else 'FAIL',
            ))
        print(_table(table))
    for r in rows:
        for c in r['checks']:
            print(f'  {_name(r)}: {c}')
    for r in rows:
        if r['base_conflict']:
            print(f'  {_name(r)}: merging {label} would CONFLICT in '
                  + ', '.join(r['base_conflict_files']))
    print()
    print('overlap (branches that change the same files):')
    in_pair: set[str] = set()
    for o in overlaps:
        a, b = o['branches']
        in_pair.update((a, b))
        print(f'  {a} + {b}: ' + ', '.join(o['files']))
        if o['conflict'] is True:
            print('    forecast: merging them would CONFLICT in '
                  + ', '.join(o['conflict_files']))
        elif o['conflict'] is False:
            print('    forecast: they merge cleanly')
    if not overlaps:
        print('  none')
    alone = [_name(r) for r in rows if _name(r) not in in_pair]
    if alone and overlaps:
        print('  no overlap: ' + ', '.join(alone))
    for n in notes:
        print(f'note: {n}')


_COMMANDS: dict[str, Callable[[argparse.Namespace, Context], int]] = {
    'create': cmd_create,
    'list': cmd_list,
    'remove': cmd_remove,
    'prune': cmd_prune,
    'status': cmd_status,
}
