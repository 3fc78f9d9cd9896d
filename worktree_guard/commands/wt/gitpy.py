"""Git for the interactive ``wt`` commands, on GitPython (issue 15).

The hooks stay on plain git plumbing (``gitctx``): importing GitPython
costs more than a whole commit check.  GitPython belongs to the
interactive commands (ARCHITECTURE.md), so this module sits with ``wt``,
not in ``gitctx``; it is the only module of ours that imports ``git``.  The worktree manager is
interactive, and there GitPython's object model reads better than parsed
porcelain: remotes and heads are objects, ``is_ancestor``/``merge_base``
answer directly, ``iter_commits`` counts what a rebase replays, and
``repo.git`` raises ``GitCommandError`` with git's own message.

What no library parses stays in the plumbing modules: ``git worktree list
--porcelain`` (``repo.parse_worktree_list``) and ``git merge-tree --stdin``
(``worktrees.merge_conflicts_many``).

Only ``worktree_guard.commands.wt`` imports this module; the import-linter
contract "Only the interactive commands use GitPython" (pyproject.toml) and
``tests/integration/test_import_contract.py`` (real hook runs, then ``sys.modules``)
prove no hook entry point reaches it.

Everything here is read-only except what a ``wt`` command asks for by name
(add or remove a worktree, delete a branch, rebase a clean worktree), and
each of those tells its caller how to undo it.
"""
from __future__ import annotations

import git
from git.exc import GitCommandError

from worktree_guard.errors import GitError


def _why(e: GitCommandError) -> str:
    text = e.stderr if isinstance(e.stderr, str) else str(e)
    lines = [ln.strip() for ln in text.strip().strip("'").splitlines()
             if ln.strip() and not ln.strip().startswith('stderr:')]
    return lines[-1] if lines else f'git exited {e.status}'


class WtGit:
    """The repository of the ``wt`` commands, opened at the main checkout
    (or the common dir when bare)."""

    def __init__(self, path: str) -> None:
        self.repo = git.Repo(path)

    def remotes(self) -> list[str]:
        return [r.name for r in self.repo.remotes]

    def remote_url(self, remote: str) -> str:
        """``remote.<name>.url`` through ``config_reader`` ('' if unset)."""
        return str(self.repo.config_reader().get_value(
            f'remote "{remote}"', 'url', ''))

    def ignored_files(self) -> list[str]:
        """The checkout's ignored, untracked paths (an ignored folder as
        one ``dir/`` entry): ``git ls-files --others --ignored``."""
        out = self.repo.git.ls_files('-z', '--others', '--ignored',
                                     '--exclude-standard', '--directory')
        return [p for p in out.split('\0') if p]

    def branch_tip(self, branch: str) -> str | None:
        heads = self.repo.heads
        return heads[branch].commit.hexsha if branch in heads else None

    def add_worktree(self, path: str, branch: str,
                     start: str | None) -> None:
        """``git worktree add``: a new branch at ``start``, or (``start`` is
        ``None``) the existing ``branch``.  No upstream is set: the branch
        is pushed under its own name later."""
        args = ['add', '--quiet', path, branch] if start is None else \
            ['add', '--quiet', '--no-track', '-b', branch, path, start]
        try:
            self.repo.git.worktree(*args)
        except GitCommandError as e:
            raise GitError(f'git worktree add failed: {_why(e)}') from None

    def remove_worktree(self, path: str, force: int) -> None:
        """``git worktree remove`` (``force``: 0, 1 = discard changes, 2 =
        also locked)."""
        try:
            self.repo.git.worktree('remove', *(['--force'] * force), path)
        except GitCommandError as e:
            raise GitError(f'git worktree remove failed: {_why(e)}') \
                from None

    def prune(self, dry_run: bool) -> list[str]:
        """``git worktree prune``: the lines git reports (one per entry)."""
        _, out, err = self.repo.git.worktree(
            'prune', '--verbose', *(['--dry-run'] if dry_run else []),
            with_extended_output=True)
        return [ln for ln in (out + '\n' + err).splitlines() if ln.strip()]

    def delete_branch(self, branch: str) -> None:
        try:
            self.repo.delete_head(branch, force=True)
        except GitCommandError as e:
            raise GitError(f'cannot delete branch {branch}: {_why(e)}') \
                from None


# -- wt sync ----------------------------------------------------------------------------

class Rebased:
    """What ``rebase`` did to one worktree."""

    __slots__ = ('conflicts', 'error', 'new', 'old', 'replayed')

    def __init__(self, old: str, new: str | None, replayed: int,
                 conflicts: list[str] | None = None,
                 error: str | None = None) -> None:
        self.old = old
        self.new = new
        self.replayed = replayed
        self.conflicts = conflicts
        self.error = error


def rebase(path: str, onto: str) -> Rebased:
    """Rebase the clean worktree at ``path`` onto ``onto``.

    A rebase that stops (a conflict, a failing hook) is aborted at once:
    HEAD, the branch, the index and the files are as they were, and the
    result names the conflicted files.  Never stashes (``--no-autostash``,
    whatever ``rebase.autoStash`` says): the caller checks the worktree is
    clean first.
    """
    wrepo = git.Repo(path)
    old = wrepo.head.commit.hexsha
    base = wrepo.merge_base(old, onto)
    replayed = sum(1 for _ in wrepo.iter_commits(
        f'{base[0].hexsha}..{old}' if base else old, no_merges=True))
    try:
        wrepo.git.rebase('--no-autostash', '--quiet', onto)
    except GitCommandError as e:
        conflicts = [f for f in wrepo.git.diff(
            '--name-only', '--diff-filter=U', '-z').split('\0') if f]
        error = _why(e)
        try:
            wrepo.git.rebase('--abort')
        except GitCommandError as abort:  # pragma: no cover (git could not undo its own rebase)
            error += f'; rebase --abort failed too: {_why(abort)}'
        return Rebased(old, None, replayed, conflicts, error)
    return Rebased(old, wrepo.head.commit.hexsha, replayed)
