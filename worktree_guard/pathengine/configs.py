"""Configs whose relative paths resolve from a folder the file names by
convention, not from the file's own folder.

A tool reads these files from the folder it runs in (issue 24):

- agent settings (``.claude/settings.json`` and ``settings.local.json``,
  ``.gemini/settings.json``, ``.cursor/*.json``): ``additionalDirectories``,
  ``includeDirectories``, an MCP server's ``args`` resolve from the
  project folder, the one that holds ``.claude/``;
- GitHub Actions workflows (``.github/workflows/*.yml``): a step's or
  the defaults' ``working-directory`` resolves from the repository's
  root (``$GITHUB_WORKSPACE``); the rest keeps the file's folder (a
  ``run:`` script's ``cd``s are not followed);
- Compose files (``docker-compose*.yml``, ``compose*.yaml``):
  ``build.context``, ``build: <path>`` and volumes resolve from the
  compose file's folder, whatever ``paths.resolve-from`` says.

``bases`` names that folder (``working_directory`` for a workflow's
line); ``folder_value`` says whether a bare ``..``
value (``"additionalDirectories": [".."]``, ``working-directory: ..``)
names a folder there; ``workflow`` whether the file is a workflow, which
runs whatever its name (a settings or compose file in a test folder is
a fixture; a workflow named ``test.yml`` is not).  Pure string
functions.
"""
from __future__ import annotations

# Agent settings folders, and the files in them that hold paths.
_AGENT = {
    '.claude': ('settings.json', 'settings.local.json'),
    '.gemini': ('settings.json',),
    '.cursor': None,   # any of its .json files (mcp.json, environment.json)
}
_YAML = ('.yml', '.yaml')


def _compose(name: str) -> bool:
    return name.endswith(_YAML) and (
        name.startswith('docker-compose') or name in (
            'compose.yml', 'compose.yaml') or name.startswith('compose.'))


def bases(path: str) -> tuple[str, ...] | None:
    """The root-relative folder the file's relative paths resolve from,
    when its tool decides it (None: the file is no such config)."""
    parts = path.split('/')
    name = parts[-1]
    if len(parts) >= 2 and parts[-2] in _AGENT:
        names = _AGENT[parts[-2]]
        if (name in names) if names is not None else name.endswith('.json'):
            return ('/'.join(parts[:-2]),)
    if _compose(name):
        return ('/'.join(parts[:-1]),)
    return None


def workflow(path: str) -> bool:
    """A GitHub Actions workflow: it runs, whatever its name says (a
    ``test.yml`` is no test data)."""
    parts = path.split('/')
    return len(parts) == 3 and parts[0] == '.github' and \
        parts[1] == 'workflows' and parts[2].endswith(_YAML)


def working_directory(path: str, stripped: str) -> tuple[str, ...] | None:
    """The root (``('',)``) when the line ``stripped`` of ``path`` is a
    workflow's ``working-directory:``; None for any other line: a step's
    ``run:`` script ``cd``s where this engine does not follow
    (``cd frontend`` ... ``cd ..``), so it keeps the file's folder."""
    if stripped.startswith(('working-directory:', '- working-directory:')) \
            and workflow(path):
        return ('',)
    return None


def folder_value(path: str) -> bool:
    """A bare ``..`` in this file names a folder its tool uses."""
    return bases(path) is not None or workflow(path)
