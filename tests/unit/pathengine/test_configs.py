"""pathengine/configs.py: agent settings, Actions workflows and compose
files resolve their relative paths from their tool's folder (issue 24),
table-driven through the engine.  No git."""
from __future__ import annotations

import pytest

from tests.unit.pathengine import ERR
from tests.unit.pathengine import scan
from worktree_guard.pathengine import configs

BASES = [
    ('.claude/settings.json', ('',)),
    ('.claude/settings.local.json', ('',)),
    ('sub/.claude/settings.json', ('sub',)),
    ('.claude/commands/x.json', None),
    ('.claude/other.json', None),
    ('.gemini/settings.json', ('',)),
    ('.gemini/extension.json', None),
    ('.cursor/mcp.json', ('',)),
    ('.cursor/rules.md', None),
    # A workflow: only its working-directory lines (below).
    ('.github/workflows/ci.yml', None),
    ('.github/workflows/test.yaml', None),
    ('.github/workflows/README.md', None),
    ('.github/dependabot.yml', None),
    ('a/.github/workflows/ci.yml', None),
    ('docker-compose.yml', ('',)),
    ('docker/docker-compose.override.yaml', ('docker',)),
    ('compose.yaml', ('',)),
    ('deploy/compose.prod.yml', ('deploy',)),
    ('compose.json', None),
    ('composer.yml', None),
    ('src/app.yml', None),
]


@pytest.mark.parametrize(('path', 'expected'), BASES)
def test_bases(path: str, expected: tuple[str, ...] | None) -> None:
    assert configs.bases(path) == expected
    assert configs.workflow(path) is (path.startswith(
        '.github/workflows/') and path.endswith(('.yml', '.yaml')))
    assert configs.folder_value(path) is (
        expected is not None or configs.workflow(path))


@pytest.mark.parametrize(('path', 'line', 'expected'), [
    ('.github/workflows/ci.yml', 'working-directory: ../x', ('',)),
    ('.github/workflows/ci.yml', '- working-directory: ..', ('',)),
    ('.github/workflows/ci.yml', 'run: cd ..', None),
    ('.github/workflows/ci.yml', 'docs-working-directory: ..', None),
    ('ci.yml', 'working-directory: ../x', None),
])
def test_working_directory(path: str, line: str,
                           expected: tuple[str, ...] | None) -> None:
    assert configs.working_directory(path, line) == expected


SIB = '../issue-46-docs'
CLAUDE = '{"permissions": {"additionalDirectories": ["%s"]}}\n'
WORKFLOW = ('on: push\njobs:\n  b:\n    steps:\n      - run: make\n'
            '        working-directory: %s\n')
SCANS = [
    # From the project root, not from .claude/: ../x is a sibling.
    ('.claude/settings.json', CLAUDE % SIB, ['1:45 relative-escape error']),
    ('.claude/settings.local.json', CLAUDE % '../../docs',
     ['1:45 relative-escape error']),
    # A bare `..`: the folder that holds every worktree.
    ('.claude/settings.json', CLAUDE % '..', [f'1:45 {ERR}']),
    ('.claude/settings.json', '{"additionalDirectories": [\n  "src",\n'
     f'  "{SIB}/src"\n]}}\n', ['3:4 relative-escape error']),
    # The same text in a file no tool reads from the root: inside.
    ('docs/settings.json', CLAUDE % SIB, []),
    ('package.json', '{"workspaces": [".."]}\n', []),
    # A nested project: its root is the folder that holds .claude/.
    ('sub/.claude/settings.json', CLAUDE % '../x', []),
    ('.gemini/settings.json', '{"context": {"includeDirectories": '
     f'["{SIB}"]}}}}\n', ['1:38 relative-escape error']),
    ('.cursor/mcp.json', '{"mcpServers": {"d": {"args": '
     f'["{SIB}/s.js"]}}}}}}\n', ['1:33 relative-escape error']),
    # Actions: working-directory from the repository root.
    ('.github/workflows/ci.yml', WORKFLOW % SIB,
     ['6:28 relative-escape error']),
    ('.github/workflows/ci.yml', WORKFLOW % '..', [f'6:28 {ERR}']),
    ('.github/workflows/ci.yml', WORKFLOW % '.. # the parent',
     [f'6:28 {ERR}']),
    ('.github/workflows/ci.yml', WORKFLOW % './sub', []),
    ('.github/workflows/ci.yml', WORKFLOW % '..x', []),
    # A workflow named test.yaml runs: it is no test data.
    ('.github/workflows/test.yaml', WORKFLOW % '../../docs',
     ['6:28 relative-escape error']),
    # A compose file or agent settings in a test folder is a fixture.
    ('tests/fixtures/docker-compose.yml', 'services:\n  a:\n'
     '    build: ../../../x\n', []),
    # A run: script cds where the engine does not follow: the file's
    # folder, as before (no `cd frontend` ... `cd ..` false error).
    ('.github/workflows/ci.yml', 'jobs:\n  b:\n    steps:\n'
     '      - run: |\n          cd web\n          cd ..\n'
     '          cp ../shared/a .\n      - run: cd .. && ls\n'
     '        with:\n          docs_directory: ..\n', []),
    ('mkdocs.yml', 'docs_directory: ..\n', []),
    # Compose: from the compose file's folder.
    ('docker/compose.yaml', 'services:\n  a:\n    build:\n'
     '      context: ..\n', []),
    ('docker/compose.yaml', 'services:\n  a:\n    build: ../../x\n',
     [f'3:12 {ERR}']),
]


@pytest.mark.parametrize(('path', 'content', 'expected'), SCANS)
def test_configs_resolve_from_their_tools_folder(
        path: str, content: str, expected: list[str]) -> None:
    assert scan(path, content) == expected


def test_compose_keeps_its_folder_when_the_policy_says_root() -> None:
    # `context: ..` in docker/ is the root, whatever paths.resolve-from
    # says for other files.
    text = 'services:\n  a:\n    build:\n      context: ../\n'
    assert scan('docker/compose.yaml', text, resolve='root') == []
    assert scan('docker/notes.yaml', 'context: ../\n', resolve='root') \
        == [f'1:10 {ERR}']
