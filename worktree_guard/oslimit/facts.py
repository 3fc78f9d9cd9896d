"""What the writable set is computed from, read from the machine: the
temp and cache folders the environment names, and the absolute
``core.hooksPath`` folders git's config files set (read as text: no git
process, as ``gitctx.checkouts`` reads the checkouts).

Every path comes back real (symlinks resolved), to compare with the
checkouts' real paths.
"""
import os


def real(path: str) -> str:
    return os.path.realpath(path)


def home(env: dict[str, str]) -> str:
    return env.get('HOME') or os.path.expanduser('~')


def temps(env: dict[str, str]) -> list[str]:
    """``$TMPDIR`` (when set) and ``/tmp``: the session's temp folders."""
    out = []
    if env.get('TMPDIR'):
        out.append(real(env['TMPDIR']))
    tmp = real('/tmp')
    if tmp not in out:
        out.append(tmp)
    return out


def caches(env: dict[str, str]) -> list[str]:
    """The user's caches: ``$XDG_CACHE_HOME`` (else ``~/.cache``; pip's,
    pre-commit's and most tools' caches live there), ``~/.npm`` and
    ``$PIP_CACHE_DIR`` when set."""
    h = home(env)
    out = [real(env.get('XDG_CACHE_HOME') or f'{h}/.cache'),
           real(f'{h}/.npm')]
    if env.get('PIP_CACHE_DIR'):
        out.append(real(os.path.expanduser(env['PIP_CACHE_DIR'])))
    return out


def config_files(env: dict[str, str], common: str,
                 git_dir: str) -> list[str]:
    """git's config files, system to worktree (includes are not read)."""
    files = []
    if not env.get('GIT_CONFIG_NOSYSTEM'):
        files.append('/etc/gitconfig')
    if env.get('GIT_CONFIG_GLOBAL'):
        files.append(env['GIT_CONFIG_GLOBAL'])
    else:
        h = home(env)
        xdg = env.get('XDG_CONFIG_HOME') or f'{h}/.config'
        files += [f'{xdg}/git/config', f'{h}/.gitconfig']
    return files + [f'{common}/config', f'{git_dir}/config.worktree']


def config_values(text: str, section: str, key: str) -> list[str]:
    """Every value of ``section.key`` in a git config file's ``text``
    (names case-insensitive; quotes and trailing comments removed)."""
    out = []
    current = ''
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('['):
            header, _, line = line[1:].partition(']')
            current = (header.split() or [''])[0].lower()
            line = line.strip()
        if current != section or '=' not in line:
            continue
        name, value = line.split('=', 1)
        if name.strip().lower() != key:
            continue
        value = value.strip()
        if value.startswith('"'):
            value = value[1:].split('"', 1)[0]
        else:
            value = value.split('#', 1)[0].split(';', 1)[0].strip()
        out.append(value)
    return out


def hooks_paths(env: dict[str, str], common: str, git_dir: str) -> list[str]:
    """The absolute folders ``core.hooksPath`` names in any config file.
    (A relative one resolves inside each checkout: the other checkouts'
    copies are protected with them, and the worktree's own copy is its
    own file.)"""
    out = []
    for name in config_files(env, common, git_dir):
        try:
            with open(name, encoding='utf-8', errors='replace') as f:
                text = f.read()
        except OSError:
            continue
        for value in config_values(text, 'core', 'hookspath'):
            path = os.path.expanduser(value)
            if path.startswith('/'):
                out.append(real(path))
    return out
