"""Issue 23 in-process (the server hook's every branch of the trust
model): policy refs found through base.branch, admin-only keys, protected
policy refs, policy files no client could load, linear protected
branches.  The real-server versions are in test_trust_server.py."""
from __future__ import annotations

from tests.helpers import git
from tests.integration.commands.server.test_server_unit import POLICY
from tests.integration.commands.server.test_server_unit import Bare
from tests.integration.commands.server.test_server_unit import Hook
from tests.integration.commands.server.test_server_unit import bare
from tests.integration.commands.server.test_server_unit import hook
from tests.integration.commands.server.test_server_unit import line
from tests.integration.commands.server.test_server_unit import template
from worktree_guard.model import ZERO_OID

__all__ = ['bare', 'hook', 'template']
ADMINS = POLICY + '  policy-admins: [alice]\n'


def _develop(bare: Bare) -> str:
    anchored = bare.make({'.worktree-guard.yaml': ADMINS +
                          'base:\n  branch: develop\n'})
    bare.git('update-ref', 'refs/heads/main', anchored)
    bare.git('update-ref', 'refs/heads/develop', anchored)
    git('fetch', '-q', 'origin', cwd=bare.work)
    return anchored


def test_the_branch_naming_the_policy_branch_is_a_policy_ref(
        bare: Bare, hook: Hook) -> None:
    anchored = _develop(bare)
    moved = bare.make({'.worktree-guard.yaml': ADMINS +
                       'base:\n  branch: issue-9-mine\n'}, base=anchored)
    push = line(anchored, moved, 'refs/heads/main')
    rc, err = hook(bare, push)
    assert rc == 1
    assert ('base.branch: develop -> issue-9-mine (only '
            'server.policy-admins change it)') in err
    assert 'the server does not say who pushes' in err
    rc, err = hook(bare, push, environ={'GL_USERNAME': 'alice'})
    assert rc == 0, err
    assert 'alice (server.policy-admins) loosens the policy' in err
    # main's other keys are compared with main's own file.
    tighter = bare.make({'.worktree-guard.yaml': ADMINS + 'base:\n  branch:'
                         ' develop\npaths:\n  max-file-size: 1KiB\n'},
                        base=anchored)
    assert hook(bare, line(anchored, tighter, 'refs/heads/main')) == (0, '')


def test_policy_refs_are_protected(bare: Bare, hook: Hook) -> None:
    anchored = _develop(bare)
    rc, err = hook(bare, line(anchored, ZERO_OID, 'refs/heads/develop'))
    assert rc == 1
    assert ("refs/heads/develop holds the server's policy, so it may not "
            'be deleted by a push') in err
    other = bare.make({'b.txt': 'b\n'}, base=f'{anchored}~1')
    rc, err = hook(bare, line(anchored, other, 'refs/heads/develop'))
    assert rc == 1
    assert 'may not be force-pushed' in err
    ahead = bare.make({'b.txt': 'b\n'}, base=anchored)
    assert hook(bare, line(anchored, ahead, 'refs/heads/develop'))[0] == 0


def test_policy_file_shapes(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    w = bare.work
    git('checkout', '-q', '--detach', main, cwd=w)
    git('rm', '-q', '.worktree-guard.yaml', cwd=w)
    git('update-index', '--add', '--cacheinfo',
        f'160000,{main},.worktree-guard.yaml', cwd=w)
    git('commit', '-q', '-m', 'gitlink', cwd=w)
    git('push', '-q', 'origin', 'HEAD:refs/incoming/gitlink', cwd=w)
    sub = git('rev-parse', 'HEAD', cwd=w).strip()
    rc, err = hook(bare, line(main, sub, 'refs/heads/main'))
    assert rc == 1
    assert '.worktree-guard.yaml is a submodule, not a regular file' in err
    big = bare.make({'.worktree-guard.yaml': POLICY + '#' * (1 << 20)},
                    base=main)
    rc, err = hook(bare, line(main, big, 'refs/heads/main'))
    assert rc == 1
    assert 'is larger than 1048576 bytes' in err
    gone = bare.make({'.worktree-guard.yaml': None}, base=main)
    # No file: the built-in policy, which allows no skip: a tightening.
    assert hook(bare, line(main, gone, 'refs/heads/main')) == (0, '')


def test_merges_onto_a_protected_branch(bare: Bare, hook: Hook) -> None:
    main = bare.oid('main')
    w = bare.work
    side = bare.make({'s.txt': 's\n'}, base=main)
    bare.make({'m.txt': 'm\n'}, base=main)
    git('merge', '-q', '--no-ff', '-m', 'merge', side, cwd=w)
    git('push', '-q', 'origin', 'HEAD:refs/incoming/merge', cwd=w)
    merge = git('rev-parse', 'HEAD', cwd=w).strip()
    rc, err = hook(bare, line(main, merge, 'refs/heads/main'))
    assert rc == 1
    assert ("protected branch 'main' keeps a linear history: the push "
            f'brings merge commit {merge[:12]}') in err
    allowing = bare.make({'.worktree-guard.yaml': POLICY +
                          '  allow-merges: true\n'}, base=main)
    bare.git('update-ref', 'refs/heads/main', allowing)
    git('checkout', '-q', '--detach', allowing, cwd=w)
    git('merge', '-q', '--no-ff', '-m', 'merge', side, cwd=w)
    git('push', '-q', 'origin', 'HEAD:refs/incoming/merge2', cwd=w)
    merge2 = git('rev-parse', 'HEAD', cwd=w).strip()
    assert hook(bare, line(allowing, merge2, 'refs/heads/main')) == (0, '')
