"""The rule index, generated from the rules' ``SPEC``s by ``./dev gen``
(``gen.rule_index``; ``tests/integration/rules/test_registry.py`` checks
it is current): what the runner needs to run a stage without importing
every rule module.  Do not edit."""

# rule id -> (module, stages, facts, runs on a client)
RULES = {
    'branch-name': ('worktree_guard.rules.branch_name', ('commit', 'push'), 'branch', True),
    'protected-branch': ('worktree_guard.rules.protected_branch', ('commit', 'push'), 'branch', True),
    'worktree-layout': ('worktree_guard.rules.worktree_layout', ('commit',), 'layout', True),
    'worktree-paths': ('worktree_guard.rules.worktree_paths', ('commit', 'push'), 'paths', True),
    'sync-before-push': ('worktree_guard.rules.sync_before_push', ('push',), 'sync', True),
    'server-policy': ('worktree_guard.rules.server_policy', ('server',), '', False),
    'agent-guard': ('worktree_guard.rules.agent_guard', ('agent',), '', False),
}
COMMIT_RULES = ('branch-name', 'protected-branch', 'worktree-layout', 'worktree-paths')
PUSH_RULES = ('branch-name', 'protected-branch', 'worktree-paths', 'sync-before-push')
# pre-commit hook ids (and SKIP= names) -> the rules they run
HOOK_IDS = {
    'worktree-guard-commit': ('branch-name', 'protected-branch', 'worktree-layout', 'worktree-paths'),
    'worktree-guard-push': ('branch-name', 'protected-branch', 'worktree-paths', 'sync-before-push'),
    'worktree-guard-commit-verbose': ('branch-name', 'protected-branch', 'worktree-layout', 'worktree-paths'),
    'worktree-guard-push-verbose': ('branch-name', 'protected-branch', 'worktree-paths', 'sync-before-push'),
    'check-branch-name': ('branch-name',),
    'check-protected-branch': ('protected-branch',),
    'check-worktree-layout': ('worktree-layout',),
    'check-worktree-paths': ('worktree-paths',),
    'check-sync-before-push': ('sync-before-push',),
}
