"""``worktree-guard doctor``: which hooks git runs in every worktree, and
whether the policy is valid.  ``hook_states`` also serves ``wt status``."""
from __future__ import annotations

import glob
import os
import shlex
from typing import TYPE_CHECKING

from worktree_guard import policy as policy_mod
from worktree_guard import rules as rules_mod
from worktree_guard.commands import add_command
from worktree_guard.commands import add_policy_arg
from worktree_guard.commands import agent_install
from worktree_guard.commands.init import PRE_COMMIT_CONFIG
from worktree_guard.commands.install import hooks_dir
from worktree_guard.commands.install import is_ours
from worktree_guard.commands.install import relative_hooks_path
from worktree_guard.commands.policy import SCHEMA_FILE
from worktree_guard.commands.policy import schema_note
from worktree_guard.commands.reftx import read_skips
from worktree_guard.commands.rescue import leak_lines
from worktree_guard.errors import GuardError
from worktree_guard.gitctx import Repo
from worktree_guard.gitctx import git_version
from worktree_guard.gitctx.admin import hooks_dir_at
from worktree_guard.model import Record

if TYPE_CHECKING:  # pragma: no cover (typing only)
    import argparse
    from collections.abc import Sequence

    from worktree_guard.commands import Subparsers
    from worktree_guard.model import WorktreeInfo
    from worktree_guard.policy import Policy


def add_parser(sub: Subparsers) -> None:
    p = add_command(sub, 'doctor', 'check that hooks run in every worktree '
                                   'and the policy is valid')
    add_policy_arg(p)
    p.set_defaults(run=run)


def run(ns: argparse.Namespace) -> int:
    return doctor(ns.policy)


def _hook_kind(path: str) -> str | None:
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return None
    if is_ours(path):
        return 'native'
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            head = f.read(4096)
    except OSError:  # pragma: no cover (unreadable hook file)
        return 'foreign'
    return 'pre-commit' if 'pre-commit' in head and 'INSTALL_PYTHON' in head \
        else 'foreign'


def _commit_hook_ids() -> frozenset[str]:
    """The worktree-guard hook ids that run at the commit stage: the
    aggregate commit hook and every single-rule hook of a commit rule."""
    known = rules_mod.RULES
    return frozenset(
        hook_id for hook_id, rules in rules_mod.HOOK_IDS.items()
        if rules == rules_mod.COMMIT_RULES or any(
            known[r].hook_id == hook_id and 'commit' in known[r].stages
            for r in rules))


def _pre_commit_config(root: str) -> list[tuple[str, list[str] | None]] | None:
    """The hooks in ``root``'s ``.pre-commit-config.yaml``: each id with the
    ``stages`` the config gives it (``None``: the hook's own stages).
    ``None`` when there is no such file; empty when it does not parse."""
    path = os.path.join(root, PRE_COMMIT_CONFIG)
    if not os.path.isfile(path):
        return None
    # deferred: yaml (~10 ms) only when there is a pre-commit config
    import yaml
    try:
        with open(path, encoding='utf-8') as f:
            cfg = yaml.safe_load(f) or {}
        out: list[tuple[str, list[str] | None]] = []
        for r in cfg.get('repos', []):
            for h in r.get('hooks', []):
                if isinstance(h, dict):
                    stages = h.get('stages')
                    out.append((str(h.get('id')), None if stages is None
                                else [str(s) for s in stages]))
        return out
    except (yaml.YAMLError, AttributeError, TypeError):
        return []


def _runs_at_commit(stages: list[str] | None) -> bool:
    # 'commit' is the pre-3.2 name of the pre-commit stage.
    return stages is None or 'pre-commit' in stages or 'commit' in stages


class HookState(Record):
    """Which hooks git runs in one worktree, and what ``doctor`` makes of it.

    ``hooks_dir``: the folder git takes the hooks from there (``core.hooksPath``
    resolved the way git resolves it in that worktree).  ``kinds``: for
    ``pre-commit`` and ``pre-push``, ``'native'``, ``'pre-commit'`` (the
    framework's script), ``'foreign'`` or ``None`` (no executable hook).
    ``status``: ``'ok'``, ``'SILENT'`` (a hook is missing) or ``'BROKEN'``
    (pre-commit's hook without a config fails every commit); ``notes``:
    doctor's lines.  ``problem``: one line for ``wt status``, ``None`` when
    the status is ok and worktree-guard runs at commit.
    """
    __slots__ = ('hooks_dir', 'kinds', 'status', 'notes', 'problem')

    def __init__(self, hooks_dir: str, kinds: dict[str, str | None],
                 status: str, notes: list[str], problem: str | None) -> None:
        self.hooks_dir = hooks_dir
        self.kinds = kinds
        self.status = status
        self.notes = notes
        self.problem = problem


def hook_states(repo: Repo,
                paths: Sequence[str]) -> dict[str, HookState]:
    """The hooks that run in each worktree of ``repo`` at ``paths``.

    No process per worktree: ``core.hooksPath`` is read once (``hooks_dir``)
    and, when relative, resolved in each worktree as git resolves it there
    (hooks run at the worktree root); unset, every worktree shares
    ``<git-common-dir>/hooks``.  With ``extensions.worktreeConfig`` a
    worktree may set its own (issue 23: ``/dev/null`` there means no hook
    runs), so git is asked per worktree.
    """
    commit_ids = _commit_hook_ids()
    if (repo.config('extensions.worktreeConfig') or '').lower() in (
            'true', 'yes', 'on', '1'):
        # Each worktree may set its own core.hooksPath (git config
        # --worktree): ask git where its hooks are, one process each.
        return {p: _hook_state(p, os.path.normpath(hooks_dir_at(p)),
                               commit_ids) for p in paths}
    shared, configured = hooks_dir(repo)
    relative = None
    if configured and not os.path.isabs(os.path.expanduser(configured)):
        relative = os.path.expanduser(configured)
    return {
        p: _hook_state(p, shared if relative is None else
                       os.path.normpath(os.path.join(p, relative)),
                       commit_ids)
        for p in paths}


def _hook_state(worktree_path: str, hdir: str,
                commit_ids: frozenset[str]) -> HookState:
    kinds = {n: _hook_kind(os.path.join(hdir, n))
             for n in ('pre-commit', 'pre-push')}
    config = _pre_commit_config(worktree_path)
    status, notes, problem = _installed(kinds, hdir, config, commit_ids)
    notes += [f'{n} is a foreign hook (not ours, not pre-commit)'
              for n, k in kinds.items() if k == 'foreign']
    if kinds['pre-commit'] == 'foreign':
        problem = f'the pre-commit hook in {hdir} is not worktree-guard'
    if any(h == 'worktree-guard-push' for h, _ in config or []) and \
            kinds['pre-push'] is None:
        notes.append('the config has worktree-guard-push but no pre-push '
                     'hook is installed: pre-commit install --hook-type '
                     'pre-push')
    return HookState(hdir, kinds, status, notes, problem)


def _installed(kinds: dict[str, str | None], hdir: str,
               config: list[tuple[str, list[str] | None]] | None,
               commit_ids: frozenset[str]) -> tuple[
                   str, list[str], str | None]:
    """``(status, notes, problem)`` of the hooks installed: a missing
    hook, pre-commit's hook without its config, a config that runs none
    of our commit hooks."""
    missing = [n for n, k in kinds.items() if k is None]
    status = 'ok'
    notes = []
    problem = None
    if missing:
        status = 'SILENT'
        notes.append(f"no {' or '.join(missing)} hook in {hdir}")
        problem = (f"no {' or '.join(missing)} hook in {hdir}: "
                   'worktree-guard install (every hook), or pre-commit '
                   'install --hook-type pre-commit --hook-type pre-push '
                   '--hook-type pre-merge-commit')
    framework = [n for n, k in kinds.items() if k == 'pre-commit']
    if framework and config is None:
        # pre-commit's hook exits 1 when the config is missing.
        status = 'BROKEN'
        acts = ' and every '.join(
            {'pre-commit': 'commit', 'pre-push': 'push'}[n]
            for n in framework)
        notes.append(f'no {PRE_COMMIT_CONFIG} here: pre-commit fails '
                     f'every {acts}')
        problem = notes[-1]
    elif kinds['pre-commit'] == 'pre-commit' and not any(
            _runs_at_commit(stages) for hook_id, stages in config or []
            if hook_id in commit_ids):
        notes.append(f'pre-commit is installed but {PRE_COMMIT_CONFIG} '
                     'has no worktree-guard commit hook')
        problem = ('pre-commit is installed, but .pre-commit-config.yaml '
                   'runs no worktree-guard commit hook')
    return status, notes, problem


def doctor(policy_path: str | None = None) -> int:
    repo = Repo.discover()
    pol, problems = _policy_lines(repo, policy_path)
    worktrees = repo.worktrees()
    states = hook_states(repo, [
        wt.path for wt in worktrees
        if not wt.bare and not wt.prunable and os.path.isdir(wt.path)])
    problems += _worktree_lines(worktrees, states)
    relative = relative_hooks_path(repo)
    if relative:
        print(relative)
    if problems or any(s.kinds['pre-commit'] is None for s in states.values()):
        advice = hooks_path_advice(repo)
        if advice:
            print(advice)
    problems += _agent_lines(repo, pol, list(states))
    for line in skip_lines(repo):
        print(line)
    return 1 if problems else 0


def _policy_lines(repo: Repo, policy_path: str | None) -> tuple[
        Policy | None, int]:
    """The policy's lines (valid or not, and its editor schema); the
    policy, and 1 when it is invalid."""
    try:
        pol = policy_mod.load(repo.root, policy_path)
    except GuardError as e:
        print('policy: INVALID')
        print('  ' + e.render().replace('\n', '\n  '))
        return None, 1
    print(f"policy: {'valid: ' + pol.path if pol.path else 'no file, built-in defaults'}")
    said = schema_line(repo.root, pol.path)
    if said is not None:
        print(f'  schema: {said}')
    return pol, 0


def _worktree_lines(worktrees: list[WorktreeInfo],
                    states: dict[str, HookState]) -> int:
    """A line per worktree (its hooks, or why none run); the problems."""
    problems = 0
    for wt in worktrees:
        label = wt.branch or ('bare' if wt.bare else 'detached')
        if wt.bare:
            print(f'{wt.path} [bare]: no hooks run here for commits')
            continue
        if wt.prunable or not os.path.isdir(wt.path):
            print(f'{wt.path} [{label}]: MISSING folder (prunable): '
                  'run `git worktree prune`')
            problems += 1
            continue
        state = states[wt.path]
        if state.status != 'ok':
            problems += 1
        desc = ', '.join(f'{n}={k or "none"}' for n, k in state.kinds.items())
        print(f'{wt.path} [{label}]: {state.status} ({desc})')
        for n in state.notes:
            print(f'    {n}')
    return problems


def schema_line(root: str | None, policy_path: str | None) -> str | None:
    """The editor schema's state: the file the policy's modeline
    (``# yaml-language-server: $schema=...``, in its first lines) names,
    else ``.worktree-guard.schema.json`` at the root when there is one.
    ``None`` when there is none, or it names a URL."""
    target = None
    if policy_path is not None:
        with open(policy_path, encoding='utf-8', errors='replace') as f:
            for line in f.read(4096).splitlines()[:5]:
                key, _, value = line.partition('$schema=')
                if key.lstrip('# ').startswith('yaml-language-server:'):
                    target = value.strip()
                    break
    if target is None:
        if root is None or not os.path.isfile(os.path.join(root,
                                                           SCHEMA_FILE)):
            return None
        path = os.path.join(root, SCHEMA_FILE)
    elif '://' in target:
        return None
    else:
        path = os.path.join(os.path.dirname(policy_path or ''), target)
    return schema_note(path) or f'{os.path.relpath(path)}: current'


def skip_lines(repo: Repo) -> list[str]:
    """The protected-branch skips the reference-transaction hook logged
    (issue 23: a skip is never silent), per git dir: how many, and the
    newest three."""
    common = os.path.realpath(repo.common_dir)
    out = []
    for git_dir in [common, *sorted(glob.glob(os.path.join(
            glob.escape(common), 'worktrees', '*')))]:
        found = read_skips(git_dir)
        if found:
            out.append(f'skips: {len(found)} protected-branch '
                       f"skip{'s' * (len(found) != 1)} logged in "
                       f'{os.path.join(git_dir, "worktree-guard", "skips.log")}'
                       ', the newest:')
            out += [f'    {line}' for line in found[-3:]]
    return out


def _agent_lines(repo: Repo, pol: Policy | None, paths: list[str]) -> int:
    """doctor's lines of issue 14: the agent hook per worktree, edits that
    leaked into the main checkout, the HEAD freeze; the problems found."""
    lines, problems = agent_install.doctor_lines(paths)
    leaks, leaked = leak_lines(repo)
    for line in lines + leaks:
        print(line)
    freeze = pol is not None and bool(
        pol['worktrees'].get('freeze-main-checkout'))
    note = agent_install.freeze_note(freeze, git_version())
    if note:
        print(note)
    return problems + leaked


def hooks_path_advice(repo: Repo) -> str | None:
    """With ``core.hooksPath`` set, ``pre-commit install`` refuses
    ("Cowardly refusing to install hooks with `core.hooksPath` set"): the
    two ways that work, as commands.  ``None`` when it is unset."""
    found = repo.config_scope('core.hooksPath')
    if found is None:
        return None
    scope, value = found
    directory, _ = hooks_dir(repo)
    unset = f'git config --{scope} --unset core.hooksPath' \
        if scope in ('local', 'global', 'system', 'worktree') else \
        'remove core.hooksPath from GIT_CONFIG_PARAMETERS / git -c'
    return (f'core.hooksPath is set ({value!r}, {scope} config): '
            '`pre-commit install` refuses to install while it is set.\n'
            f'  either install the native hooks into {shlex.quote(directory)}:'
            '\n    worktree-guard install\n'
            '  or unset it and let pre-commit install its hooks:\n'
            f'    {unset}\n'
            '    pre-commit install --hook-type pre-commit --hook-type '
            'pre-push')
