"""Git facts for worktree-paths: the content a change adds, and the checkouts.

One git process per fact, batched, never one per file:

- commit stage, ``paths.scope: added`` (the default): ONE ``git diff-index
  --cached -p`` against HEAD.  It reads the index git is committing
  (``GIT_INDEX_FILE`` for ``commit -a`` and ``commit -- <path>``), so a
  partial commit is judged as it will be committed.  Plumbing ignores
  ``diff.external``, colour and prefix settings; ``core.bigFileThreshold``
  makes git report files over ``paths.max-file-size`` as binary, so
  neither they nor binary files are ever formatted.  Symlink targets
  (mode 120000) arrive as content, gitlinks (160000) by their mode.
- whole files (``--all-files``, ``paths.scope: all``, the first commit):
  the entries (``ls-files -s``, ``diff-index --raw``, ``ls-tree -r``), ONE
  ``git grep -l -F`` over the index or the pushed tree for the files that
  hold one of the path engine's literals (``gitctx.scan``; the others can
  have no finding and are never read), ONE ``cat-file --batch-check
  --buffer`` for their sizes and ONE ``cat-file --batch`` for those worth
  reading.  ``WORKTREE_GUARD_FULL_SCAN=1`` reads every file instead (the
  tests compare the two).
- push stage: per pushed ref, ONE ``rev-list`` finds the commits the push
  adds, then ONE ``diff-tree -p`` from the parent of the oldest of them
  to the pushed tip (or whole files when all of history is new).

``paths.include``/``paths.exclude`` are applied here, before any blob is
read, so skipped files cost nothing; the skip counts go into the notes.
"""
from __future__ import annotations

import os

from worktree_guard.model import Checkout
from worktree_guard.model import PathChange
from worktree_guard.model import PathFacts

# `typing` imports `re` (milliseconds of a hook run); mypy reads this as True.
TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    from worktree_guard.model import RefUpdate
    from worktree_guard.gitctx import Repo
    from worktree_guard.policy import Policy
    from worktree_guard.model import StageInput

# Options of every patch we read.  -U1 gives the line before each hunk, so
# an `allow-next-line` comment just above an added line is seen.
# -M: a renamed file adds only the lines that changed; a pure rename adds
# nothing (issue 12: a grandfathered line moved by `git mv` is not new).
_PATCH_OPTS = ('-p', '--no-color', '--no-ext-diff', '--no-textconv',
               '--full-index', '-M', '--submodule=short', '-U1',
               '--src-prefix=a/', '--dst-prefix=b/')
_SYMLINK = '120000'
_GITLINK = '160000'
_FILE_MODES = ('100644', '100755', _SYMLINK)
# git's own binary test: a NUL in the first 8000 bytes (FIRST_FEW_BYTES).
_BINARY_PROBE = 8000

Item = tuple[str, str, str]   # (path, mode, oid)
# Up to this many files the pre-filter names them to git grep.
PATHSPEC_MAX = 1000
# Blobs per ``cat-file --batch`` when a progress line is shown.
PROGRESS_CHUNK = 1000


def path_facts(repo: Repo, policy: Policy, inp: StageInput) -> PathFacts:
    collector = _Collector(repo, policy, inp)
    facts = PathFacts(repo.root, [] if inp.server else checkouts(repo, policy),
                      git_dir=os.path.realpath(repo.common_dir))
    tip: str | None = None
    collector.checkouts = facts.checkouts
    if inp.stage == 'push':
        for update in inp.updates:
            change = collector.push(update)
            if change is not None:
                facts.changes.append(change)
                tip = tip or update.local_oid
    elif repo.root is not None:
        facts.changes.append(collector.commit())
    facts.skipped = collector.skipped()
    _tree_facts(repo, facts, tip)
    return facts


# -- facts about the whole tree, read only when the content needs them --------

_DOCKERFILES = ('dockerfile', 'containerfile')


def _is_dockerfile(path: str) -> bool:
    name = path.rsplit('/', 1)[-1].lower()
    return name.startswith(_DOCKERFILES) or name.endswith(
        ('.dockerfile', '.containerfile'))


def _tree_facts(repo: Repo, facts: PathFacts, tip: str | None) -> None:
    """The committed symlinks (when a change adds one: chains) and the
    Dockerfiles' users (when the content holds a home path) of the judged
    tree: the index at commit, the pushed tip at push.  One listing and
    one ``cat-file --batch``, and none at all for most changes."""
    links = any(t is not None for c in facts.changes for _, _, t in c.entries)
    homes = any(b'/home/' in c.data for c in facts.changes)
    if not (links or homes) or (tip is None and repo.root is None):
        return
    if tip is None:
        items = _ls_files(repo.git('ls-files', '-s', '-z').stdout)
    else:
        items = _ls_tree(repo.git('ls-tree', '-r', '-z', '--full-tree',
                                  tip).stdout)
    read = [(p, m, o) for p, m, o in items
            if (links and m == _SYMLINK) or (homes and _is_dockerfile(p))]
    if not read:
        return
    data = repo.git('cat-file', '--batch', input=b''.join(
        o.encode() + b'\n' for _, _, o in read)).stdout
    pos = 0
    users: set[str] = set()
    for path, mode, _ in read:
        nl = data.find(b'\n', pos)
        size = data[pos:nl].rsplit(b' ', 1)[-1]
        if not size.isdigit():   # missing object
            pos = nl + 1
            continue
        start = nl + 1
        end = start + int(size)
        pos = end + 1
        content = data[start:end].decode('utf-8', 'surrogateescape')
        if mode == _SYMLINK:
            facts.symlinks[path] = content
        else:
            users.update(dockerfile_users(content))
    facts.container_users = frozenset(users)


def dockerfile_users(text: str) -> set[str]:
    """Users a Dockerfile creates or runs as: ``USER x``, ``useradd``/
    ``adduser`` names and any ``/home/<x>`` it mentions."""
    users: set[str] = set()
    for line in text.splitlines():
        words = line.replace('&&', ' ').replace(';', ' ').split()
        if len(words) > 1 and words[0].upper() == 'USER':
            users.add(words[1].split(':')[0])
        for cmd in ('useradd', 'adduser'):
            if cmd in words:
                args = words[words.index(cmd) + 1:]
                names = [a for a in args if not a.startswith(('-', '$'))
                         and a != '\\']
                if names:
                    users.add(names[-1] if cmd == 'useradd' else names[0])
        for w in words:
            i = w.find('/home/')
            if i != -1:
                name = w[i + 6:].split('/', 1)[0].strip('"\'')
                if name:
                    users.add(name)
    users.discard('root')
    return {u for u in users if u and not u.isdigit()}


def staged_paths(repo: Repo) -> set[str]:
    """The paths the index changes against HEAD (every indexed path
    before the first commit): ONE ``diff-index --name-only``, no content."""
    quiet = ('-c', 'core.quotePath=false')
    if repo.head().kind == 'unborn':
        out = repo.git(*quiet, 'ls-files', '-z').stdout
    else:
        out = repo.git(*quiet, 'diff-index', '--cached', '--name-only', '-z',
                       '--no-renames', 'HEAD', '--').stdout
    return {p.decode('utf-8', 'surrogateescape') for p in _split_z(out)}


# -- checkouts -------------------------------------------------------------------

def checkouts(repo: Repo, policy: Policy) -> list[Checkout]:
    """Every checkout of the repository with the spellings of its root."""
    root = repo.root
    if os.path.isdir(os.path.join(repo.common_dir, 'worktrees')):
        listed = [(w.path, w.is_main, w.branch) for w in repo.worktrees()
                  if not w.bare]
    else:
        # No linked worktree: no process needed.
        listed = [(root, True, None)] if root is not None else []
    cur_real = os.path.realpath(root) if root is not None else None
    wroot = policy['worktrees']['root'].strip('/')
    if policy['worktrees']['layout'] == 'bare':
        base: str | None = os.path.realpath(repo.common_dir)
    else:
        base = next((os.path.realpath(p) for p, is_main, _ in listed
                     if is_main), None)
    out: list[Checkout] = []
    reals: list[str] = []
    for path, is_main, branch in listed:
        real = os.path.realpath(path)
        reals.append(real)
        kind = 'current' if real == cur_real else \
            'main' if is_main else 'worktree'
        name = None
        if base is not None and not is_main:
            rel = os.path.relpath(real, base)
            if rel.startswith(wroot + '/'):
                name = rel[len(wroot) + 1:]
        forms = [path] if real == path else [path, real]
        out.append(Checkout(kind, path, forms, name, branch))
    if root is not None and not any(c.kind == 'current' for c in out):
        # GIT_WORK_TREE pointing somewhere git does not list.
        out.insert(0, Checkout('current', root, [root]))
        reals.insert(0, os.path.realpath(root))
    logical = _logical_root(cur_real) if cur_real is not None else None
    if logical is not None and cur_real is not None and logical != cur_real:
        # The shell reached this worktree through a symlink: the same
        # symlink spells every checkout below it.
        real_base, logical_base = cur_real, logical
        while real_base != '/' and logical_base != '/' and \
                os.path.basename(real_base) == os.path.basename(logical_base):
            real_base = os.path.dirname(real_base)
            logical_base = os.path.dirname(logical_base)
        for co, real in zip(out, reals, strict=True):
            if real == real_base or real.startswith(real_base + '/'):
                co.forms.append(logical_base + real[len(real_base):])
    return out


def _logical_root(real_root: str) -> str | None:
    """The root as the user's shell spells it (``$PWD`` through symlinks)."""
    pwd = os.environ.get('PWD')
    if not pwd or not os.path.isabs(pwd):
        return None
    real = os.path.realpath(pwd)
    if real == real_root:
        return os.path.normpath(pwd)
    if not real.startswith(real_root + '/'):
        return None
    suffix = real[len(real_root):]
    pwd = os.path.normpath(pwd)
    return pwd[:-len(suffix)] if pwd.endswith(suffix) else None


# -- content -----------------------------------------------------------------------

class _Collector:
    def __init__(self, repo: Repo, policy: Policy, inp: StageInput) -> None:
        from worktree_guard.policy import parse_size
        self.repo = repo
        self.policy = policy
        self.inp = inp
        paths = policy['paths']
        self.size_text = str(paths['max-file-size'])
        self.max_size = parse_size(paths['max-file-size'])
        self.whole = inp.all_files or paths['scope'] == 'all'
        self.include = bool(policy.globs['paths.include'])
        self.exclude = bool(policy.globs['paths.exclude'])
        self.binary: set[str] = set()
        self.oversized: set[str] = set()
        self.excluded: set[str] = set()
        self.untracked = 0
        self.config = ('-c', 'core.quotePath=false',
                       '-c', f'core.bigFileThreshold={self.max_size}')
        self.checkouts: list[Checkout] = []

    def wanted(self, path: str) -> bool:
        """``paths.include`` / ``paths.exclude``; a skip is counted."""
        if (self.include and not self.policy.matches('paths', 'include', path)) \
                or (self.exclude
                    and self.policy.matches('paths', 'exclude', path)):
            self.excluded.add(path)
            return False
        return True

    def skipped(self) -> list[tuple[int, str, str]]:
        """``(count, one, many)`` for each reason files went unread."""
        size = self.size_text
        return [(n, one, many) for n, one, many in (
            (len(self.binary), 'binary file', 'binary files'),
            (len(self.oversized), f'file over {size}', f'files over {size}'),
            (len(self.excluded), 'file excluded by paths.include/exclude',
             'files excluded by paths.include/exclude'),
            (self.untracked, 'given file not in the index',
             'given files not in the index'),
        ) if n]

    # -- the commit stage --------------------------------------------------------

    def commit(self) -> PathChange:
        repo = self.repo
        if self.inp.files is not None:
            # pre-commit --all-files/--files: the given files, whole.
            wanted = set(self.inp.files)
            items = [i for i in _ls_files(repo.git(
                'ls-files', '-s', '-z').stdout) if i[0] in wanted]
            self.untracked = len(wanted) - len({i[0] for i in items})
            return self.blobs(items, None)
        if self.inp.all_files or repo.head().kind == 'unborn':
            # Whole index; on the first commit everything staged is added.
            return self.blobs(_ls_files(repo.git(
                'ls-files', '-s', '-z').stdout), None)
        if self.whole:
            return self.blobs(_raw(repo.git(
                'diff-index', '--cached', '--raw', '-z', '-M',
                'HEAD', '--').stdout), None)
        data = repo.git(*self.config, 'diff-index', '--cached',
                        *_PATCH_OPTS, 'HEAD', '--').stdout
        return self.patch(data, None)

    # -- the push stage ------------------------------------------------------------

    def push(self, u: RefUpdate) -> PathChange | None:
        if u.is_delete or (u.is_tag and not self.inp.server):
            return None
        base = self._push_base(u)
        if base == '':
            return None   # nothing new: every commit is already there
        repo = self.repo
        if base is None or self.inp.all_files:
            return self.blobs(_ls_tree(repo.git(
                'ls-tree', '-r', '-z', '--full-tree', u.local_oid).stdout),
                u.remote_ref, u.local_oid)
        if self.whole:
            return self.blobs(_raw(repo.git(
                'diff-tree', '-r', '--raw', '-z', '-M', base,
                u.local_oid, '--').stdout), u.remote_ref, u.local_oid)
        data = repo.git(*self.config, 'diff-tree', '-r', *_PATCH_OPTS, base,
                        u.local_oid, '--').stdout
        return self.patch(data, u.remote_ref)

    def _push_base(self, u: RefUpdate) -> str | None:
        """Where the pushed range starts: the first parent of the oldest
        commit the push adds (first-parent chain); ``None`` when the
        push adds a root commit (all of history is new); ``''`` when it
        adds nothing."""
        walk = ('rev-list', '--first-parent', '--parents', u.local_oid,
                '--not')
        if not u.is_new:
            res = self.repo.git(*walk, u.remote_oid, check=False)
            if res.returncode == 0:
                return _range_base(res.stdout)
            # The old tip is not here (never fetched): fall through.
        if self.inp.server:
            # pre-receive: refs are not updated yet.  Only branches count
            # as judged: a commit that sits under a tag, refs/x or
            # refs/remotes/ is judged again when a branch takes it.
            known = '--branches'
        else:
            remote = self.inp.remote
            known = f'--remotes={remote}' if remote and \
                not any(c in remote for c in '/:\\') else '--remotes'
        return _range_base(self.repo.git(*walk, known).stdout)

    # -- readers -----------------------------------------------------------------------

    def patch(self, data: bytes, ref: str | None) -> PathChange:
        """Split one patch into entries and the regions of added text."""
        change = PathChange(ref, data=data, patch=True)
        entries = change.entries
        regions = change.regions
        binaries: list[tuple[str, str]] = []
        n = len(data)
        s = 0 if data.startswith(b'diff --git ') else n
        while s < n:
            nxt = data.find(b'\ndiff --git ', s)
            e = n if nxt == -1 else nxt + 1
            h = data.find(b'\n@@ ', s, e)
            hunks = h + 1 if h != -1 else e
            line_end = data.find(b'\n', s, hunks)
            header = data[line_end:hunks]
            r = header.find(b'\nrename to ')
            if r != -1:
                # A rename: the new path; a pure rename has no hunk.
                rest = header[r + 11:header.find(b'\n', r + 1)]
                path = (_unquote(rest) if rest.startswith(b'"') else rest
                        ).decode('utf-8', 'surrogateescape')
            else:
                path = _header_path(data[s + 11:line_end])
            s = e
            if b'\ndeleted file mode ' in header or not self.wanted(path):
                continue
            mode, oid = _header_mode(header)
            if mode == _GITLINK:
                entries.append((path, mode, None))
            elif b'\nBinary files ' in header:
                entries.append((path, mode, None))
                binaries.append((path, oid))
            elif mode == _SYMLINK:
                entries.append((path, mode, _added_text(data, hunks, e)))
            else:
                entries.append((path, mode, None))
                if h != -1:
                    regions.append((hunks, e, path))
        if binaries:
            sizes = self._sizes([oid for _, oid in binaries])
            for (path, _), size in zip(binaries, sizes, strict=True):
                (self.oversized if size > self.max_size
                 else self.binary).add(path)
        return change

    def blobs(self, items: list[Item], ref: str | None,
              tree: str | None = None) -> PathChange:
        """Whole files of the index (``tree`` None) or of ``tree``: the
        pre-filter, sizes, then one ``cat-file --batch``."""
        change = PathChange(ref)
        entries = change.entries
        candidates = []
        for path, mode, oid in items:
            if not self.wanted(path):
                continue
            if mode == _GITLINK:
                entries.append((path, mode, None))
            elif mode in _FILE_MODES:
                candidates.append((path, mode, oid))
        if any(mode != _SYMLINK for _, mode, _ in candidates) and \
                os.environ.get('WORKTREE_GUARD_FULL_SCAN') != '1':
            # A symlink's target is always judged; a file only when it
            # holds one of the engine's literals.
            from worktree_guard.gitctx.scan import candidates as holding
            from worktree_guard.pathengine.prefilter import prefilter_terms
            # A few files (a change, pre-commit's names) are named to
            # git grep; many are looked for in the whole index or tree.
            few = [p for p, m, _ in candidates if m != _SYMLINK]
            keep = holding(self.repo, prefilter_terms(
                self.checkouts, self.policy['worktrees']['root']), tree,
                few if len(few) <= PATHSPEC_MAX else None)
            for path, mode, _ in candidates:
                if mode != _SYMLINK and path not in keep:
                    entries.append((path, mode, None))
            candidates = [c for c in candidates
                          if c[1] == _SYMLINK or c[0] in keep]
        if not candidates:
            return change
        read = []
        sizes = self._sizes([c[2] for c in candidates])
        for item, size in zip(candidates, sizes, strict=True):
            path, mode, _ = item
            if size < 0 or (mode != _SYMLINK and size > self.max_size):
                if size >= 0:
                    self.oversized.add(path)
                entries.append((path, mode, None))
            else:
                read.append(item)
        data = change.data = self._contents([oid for _, _, oid in read])
        pos = 0
        for path, mode, _ in read:
            nl = data.find(b'\n', pos)
            start = nl + 1
            end = start + int(data[pos:nl].rsplit(b' ', 1)[1])
            pos = end + 1
            if mode == _SYMLINK:
                entries.append((path, mode, data[start:end].decode(
                    'utf-8', 'surrogateescape')))
                continue
            entries.append((path, mode, None))
            if data.find(b'\0', start, min(end, start + _BINARY_PROBE)) != -1:
                self.binary.add(path)
            else:
                change.regions.append((start, end, path))
        return change

    def _contents(self, oids: list[str]) -> bytes:
        """``cat-file --batch`` of ``oids``: one process, or with a
        progress callback (a terminal) one per ``PROGRESS_CHUNK`` blobs,
        reporting after each."""
        if not oids:
            return b''
        progress = self.inp.progress
        step = PROGRESS_CHUNK if progress is not None else len(oids)
        parts = []
        for i in range(0, len(oids), step):
            parts.append(self.repo.git('cat-file', '--batch', input=b''.join(
                o.encode() + b'\n' for o in oids[i:i + step])).stdout)
            if progress is not None:
                progress(min(i + step, len(oids)), len(oids))
        return b''.join(parts)

    def _sizes(self, oids: list[str]) -> list[int]:
        """Object sizes from one ``cat-file --batch-check`` (-1: missing)."""
        out = self.repo.git('cat-file', '--batch-check', '--buffer',
                            input=b''.join(o.encode() + b'\n' for o in oids)
                            ).stdout.split(b'\n')
        sizes = []
        for line in out[:len(oids)]:
            parts = line.split(b' ')
            sizes.append(int(parts[2]) if len(parts) == 3 else -1)
        return sizes


def _range_base(out: bytes) -> str | None:
    lines = out.split()
    if not lines:
        return ''
    # `rev-list --parents` prints "<commit> <parents>..." newest first; the
    # last line is the oldest new commit of the first-parent chain.
    last = out.rstrip(b'\n').rsplit(b'\n', 1)[-1].split(b' ')
    return last[1].decode() if len(last) > 1 else None


# -- parsing git's outputs -------------------------------------------------------

_C_ESCAPES = {ord('a'): 7, ord('b'): 8, ord('t'): 9, ord('n'): 10,
              ord('v'): 11, ord('f'): 12, ord('r'): 13}


def _unquote(s: bytes) -> bytes:
    """The first C-quoted string of ``s`` (git's quote_c_style)."""
    out = bytearray()
    i = 1
    while i < len(s) and s[i] != 0x22:
        c = s[i]
        if c == 0x5C:
            d = s[i + 1]
            if 0x30 <= d <= 0x37:
                out.append(int(s[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_C_ESCAPES.get(d, d))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def _header_path(rest: bytes) -> str:
    """The path of ``diff --git a/<p> b/<p>`` (no renames: both are equal)."""
    if rest.startswith(b'"'):
        raw = _unquote(rest)[2:]
    else:
        raw = rest[2:2 + (len(rest) - 5) // 2]
    return raw.decode('utf-8', 'surrogateescape')


def _added_text(data: bytes, start: int, end: int) -> str:
    """The new side of a small patch (a symlink's target): every ``+``
    line, newlines inside the target kept, so it is judged whole."""
    out = []
    pos = start
    newline = True
    while pos < end:
        le = data.find(b'\n', pos, end)
        le = end if le == -1 else le
        if data[pos:pos + 1] == b'+':
            out.append(data[pos + 1:le])
            newline = True
        elif data[pos:pos + 2] == b'\\ ' and out:
            newline = False   # "\ No newline at end of file"
        pos = le + 1
    body = b'\n'.join(out) + (b'\n' if newline and out else b'')
    return body.decode('utf-8', 'surrogateescape')


def _header_mode(header: bytes) -> tuple[str, str]:
    """(new mode, new oid) from a patch header."""
    i = header.find(b'\nindex ')
    if i == -1:
        return '', ''   # a pure rename: no content line
    j = header.find(b'\n', i + 1)
    fields = header[i + 7:j if j != -1 else len(header)].split(b' ')
    oid = fields[0].partition(b'..')[2].decode()
    mode = fields[1] if len(fields) > 1 else b''
    for key in (b'\nnew file mode ', b'\nnew mode '):
        k = header.find(key)
        if k != -1:
            mode = header[k + len(key):k + len(key) + 6]
            break
    return mode.decode(), oid


def _split_z(out: bytes) -> list[bytes]:
    return out.split(b'\0')[:-1]   # every record ends with a NUL


def _ls_files(out: bytes) -> list[Item]:
    """``ls-files -s -z``: ``<mode> <oid> <stage>\\t<path>``; merged only."""
    items = []
    for rec in _split_z(out):
        meta, _, path = rec.partition(b'\t')
        mode, oid, stage = meta.split(b' ')
        if stage == b'0':
            items.append((path.decode('utf-8', 'surrogateescape'),
                          mode.decode(), oid.decode()))
    return items


def _ls_tree(out: bytes) -> list[Item]:
    """``ls-tree -r -z``: ``<mode> <type> <oid>\\t<path>``."""
    items = []
    for rec in _split_z(out):
        meta, _, path = rec.partition(b'\t')
        mode, _, oid = meta.split(b' ')
        items.append((path.decode('utf-8', 'surrogateescape'),
                      mode.decode(), oid.decode()))
    return items


def _raw(out: bytes) -> list[Item]:
    """``--raw -z -M``: ``:<m1> <m2> <o1> <o2> <st>\\0<path>\\0``, and
    ``<old>\\0<new>\\0`` for a rename; a pure rename (R100) adds nothing."""
    parts = _split_z(out)
    items = []
    i = 0
    while i < len(parts):
        fields = parts[i].split(b' ')
        status = fields[4]
        if status.startswith((b'R', b'C')):
            path = parts[i + 2]
            i += 3
            if status == b'R100':
                continue
        else:
            path = parts[i + 1]
            i += 2
        if status != b'D':
            items.append((path.decode('utf-8', 'surrogateescape'),
                          fields[1].decode(), fields[3].decode()))
    return items
