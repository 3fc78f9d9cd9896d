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
  That diff writes its ``--raw -z`` listing first.  A change of more
  than ``PREFILTER_MIN`` files is stopped there and pre-filtered: the
  listing (or ``staged_paths``'s, when it ran) makes every changed path
  an entry, ONE ``git grep -l -F`` names the changed files that hold one
  of the path engine's literals, and a second ``-p`` diff reads those
  only (with every symlink, gitlink and both sides of their renames, so
  ``-M`` pairs them as before): the other files can add no finding and
  are never read.
- every patch, commit or push: a modified file whose hunks hold one of
  the engine's literals is read whole (ONE ``cat-file --batch`` for all
  of them) and becomes one hunk of its new content, only its added lines
  marked ``+`` (``whole_hunk``): a fence, ``cd`` or shebang above the
  change is known, and only changed lines are judged (issue 24).
- whole files (``--all-files``, ``paths.scope: all``, the first commit):
  the entries (``ls-files -s``, ``diff-index --raw``, ``ls-tree -r``; of
  a whole listing only the symlinks, gitlinks and paths under a worktrees
  root become records, ``gitparse.special``), ONE ``git grep -l -F`` over
  the index or the pushed tree for the files that hold one of the path
  engine's literals (``gitctx.scan``; the others can have no finding and
  are never read), piped as git names them into ONE buffered ``cat-file
  --batch`` that reads them, streamed to the rule a chunk at a time
  (``gitctx.blobs.Stream``: memory stays flat however many files there
  are), files over ``paths.max-file-size`` dropped as they pass.  ``WORKTREE_GUARD_FULL_SCAN=1``
  reads every file instead (the tests compare the two).
- push stage: per pushed ref, ONE ``rev-list`` finds the commits the push
  adds, then ONE ``diff-tree -p`` from the parent of the oldest of them
  to the pushed tip (or whole files when all of history is new),
  pre-filtered like a commit's (a ``--raw`` listing, ``git grep`` in the
  pushed tree) when it changes more than ``PREFILTER_MIN`` files.

``paths.include``/``paths.exclude`` are applied here, before any blob is
read, so skipped files cost nothing; the skip counts go into the notes.
"""
from __future__ import annotations

import os

from worktree_guard.gitctx.blobs import Stream
from worktree_guard.gitctx.blobs import read_small
from worktree_guard.gitctx.treefacts import tree_facts
from worktree_guard.gitctx.blobs import sizes
from worktree_guard.gitctx.gitparse import GITLINK as _GITLINK
from worktree_guard.gitctx.gitparse import SYMLINK as _SYMLINK
from worktree_guard.gitctx.gitparse import Item
from worktree_guard.gitctx.gitparse import Change
from worktree_guard.gitctx.gitparse import added_text
from worktree_guard.gitctx.gitparse import changes
from worktree_guard.gitctx.gitparse import dockerish
from worktree_guard.gitctx.gitparse import header_mode
from worktree_guard.gitctx.gitparse import header_path
from worktree_guard.gitctx.gitparse import ls_files
from worktree_guard.gitctx.gitparse import ls_tree
from worktree_guard.gitctx.gitparse import range_base
from worktree_guard.gitctx.gitparse import raw
from worktree_guard.gitctx.gitparse import special
from worktree_guard.gitctx.gitparse import split_z
from worktree_guard.gitctx.gitparse import unquote
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
    from worktree_guard.gitctx.pipes import Started

# Options of every patch we read.  -U1 gives the line before each hunk, so
# an `allow-next-line` comment just above an added line is seen.
# -M: a renamed file adds only the lines that changed; a pure rename adds
# nothing (issue 12: a grandfathered line moved by `git mv` is not new).
_PATCH_OPTS = ('-p', '--no-color', '--no-ext-diff', '--no-textconv',
               '--full-index', '-M', '--submodule=short', '-U1',
               '--src-prefix=a/', '--dst-prefix=b/')
_FILE_MODES = ('100644', '100755')
# The staged change: the diff's command and revision.
_STAGED = ('diff-index', '--cached', 'HEAD')
# Up to this many files the pre-filter names them to git grep.
PATHSPEC_MAX = 1000
# git matches every entry it walks against every name it is given, about
# 8 ns a pair, while a file the pre-filter leaves out saves about 165 us:
# git's diff of it (55 us) and the Python that splits and scans its patch
# (110 us; real files of 7.5 KB on average, measured at 20,000 staged
# files: docs/performance.md).  A change's candidates are named to the
# diff only while entries x names <= NAME_COST x files left out (the
# break-even), and in at most ARGS_MAX bytes.
NAME_COST = 20000
ARGS_MAX = 256 << 10
# A change of more files than this is pre-filtered (``git grep`` and the
# second diff cost git processes worth about this many files' patch, read
# and split: measured in docs/performance.md).
PREFILTER_MIN = 200


def path_facts(repo: Repo, policy: Policy, inp: StageInput) -> PathFacts:
    """The content a commit or push adds.  A whole-file scan's content
    arrives while the rule reads it (``PathChange.parts``); the counts of
    files left unread (``facts.skipped``) are complete once it has."""
    collector = _Collector(repo, policy, inp)
    facts = PathFacts(repo.root, [] if inp.server else checkouts(repo, policy),
                      git_dir=os.path.realpath(repo.common_dir),
                      home=collector.home)
    if repo.root is not None and not inp.server:
        # This machine's disk, for a `../` climb's evidence (issue 24).
        from worktree_guard.gitctx.exists import Exists
        facts.exists = Exists()
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

    def done() -> None:   # a stream read to its end: binary files counted
        facts.skipped[:] = collector.skipped()
    for stream in collector.streams:
        stream.done = done
    tree_facts(repo, facts, tip)
    return facts


def staged_paths(repo: Repo) -> set[str]:
    """The paths the index changes against HEAD (every indexed path
    before the first commit), both sides of a rename: the listing of
    ``staged_changes``, no content."""
    if repo.head().kind == 'unborn':
        out = repo.git('ls-files', '-z').stdout
        return {p.decode('utf-8', 'surrogateescape') for p in split_z(out)}
    return {p for c in staged_changes(repo) for p in c[4:] if p}


def staged_changes(repo: Repo) -> list[Change]:
    """ONE ``diff-index --cached --raw -z -M`` against HEAD, kept for the
    run (``Repo.listings``): the commit's pre-filter uses it."""
    listed = changes(repo.git('diff-index', '--cached', '--raw', '-z', '-M',
                              'HEAD', '--').stdout)
    repo.listings[_STAGED] = (listed, None)
    return listed


def index_entries(repo: Repo) -> int:
    """How many entries the index git is committing holds, from its
    header (no git process); -1 when it cannot be read."""
    name = repo.env.get('GIT_INDEX_FILE') or os.path.join(repo.git_dir,
                                                          'index')
    try:
        with open(os.path.join(repo.root or '', name), 'rb') as f:
            head = f.read(12)
    except OSError:
        return -1
    return int.from_bytes(head[8:12], 'big') if len(head) == 12 and \
        head.startswith(b'DIRC') else -1


# -- checkouts -------------------------------------------------------------------

def checkouts(repo: Repo, policy: Policy) -> list[Checkout]:
    """Every checkout of the repository with the spellings of its root."""
    root = repo.root
    listed = _listed(repo)
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
        name = None if is_main else _name(real, base, wroot)
        forms = [path] if real == path else [path, real]
        out.append(Checkout(kind, path, forms, name, branch))
    if root is not None and not any(c.kind == 'current' for c in out):
        # GIT_WORK_TREE pointing somewhere git does not list.
        out.insert(0, Checkout('current', root, [root]))
        reals.insert(0, os.path.realpath(root))
    if cur_real is not None:
        _logical_forms(out, reals, cur_real)
    return out


def _listed(repo: Repo) -> list[tuple[str, bool, str | None]]:
    """(path, is main, branch) of each checkout git lists."""
    if os.path.isdir(os.path.join(repo.common_dir, 'worktrees')):
        return [(w.path, w.is_main, w.branch) for w in repo.worktrees()
                if not w.bare]
    # No linked worktree: no process needed.
    return [(repo.root, True, None)] if repo.root is not None else []


def _name(real: str, base: str | None, wroot: str) -> str | None:
    """A linked worktree's name: its path below ``<base>/<wroot>/``
    (``base`` the main checkout, or the bare repository)."""
    if base is None:
        return None
    rel = os.path.relpath(real, base)
    return rel[len(wroot) + 1:] if rel.startswith(wroot + '/') else None


def _logical_forms(out: list[Checkout], reals: list[str],
                   cur_real: str) -> None:
    """When the shell reached this worktree through a symlink, the same
    symlink spells every checkout below it: that spelling joins their
    ``forms`` (``reals``: each checkout's real path)."""
    logical = _logical_root(cur_real)
    if logical is None or logical == cur_real:
        return
    real_base, logical_base = cur_real, logical
    while real_base != '/' and logical_base != '/' and \
            os.path.basename(real_base) == os.path.basename(logical_base):
        real_base = os.path.dirname(real_base)
        logical_base = os.path.dirname(logical_base)
    for co, real in zip(out, reals, strict=True):
        if real == real_base or real.startswith(real_base + '/'):
            co.forms.append(logical_base + real[len(real_base):])


def _full_scan() -> bool:
    """``WORKTREE_GUARD_FULL_SCAN=1``: read every file (no pre-filter; the
    tests compare the two)."""
    return os.environ.get('WORKTREE_GUARD_FULL_SCAN') == '1'


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
        # ~/ and $HOME/ spellings of the checkouts are pre-filter terms.
        self.home = os.environ.get('HOME')
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
        self.streams: list[Stream] = []

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
            items = [i for i in ls_files(repo.git(
                'ls-files', '-s', '-z').stdout) if i[0] in wanted]
            self.untracked = len(wanted) - len({i[0] for i in items})
            return self.blobs(None, items=items)
        if self.inp.all_files or repo.head().kind == 'unborn':
            # Whole index; on the first commit everything staged is added.
            return self.blobs(None, listing=('ls-files', '-s', '-z'))
        if self.whole:
            return self.blobs(None, items=raw(repo.git(
                'diff-index', '--cached', '--raw', '-z', '-M',
                'HEAD', '--').stdout))
        cmd, revs = _STAGED[:2], _STAGED[2:]
        listed = None
        if not _full_scan():
            listed, data = self.listing(cmd, revs)
            if data is not None:
                return self.patch(data, None)
        return self.diff(listed, cmd, revs, entries=index_entries(repo))

    # -- the push stage ------------------------------------------------------------

    def push(self, u: RefUpdate) -> PathChange | None:
        if u.is_delete or (u.is_tag and not self.inp.server):
            return None
        base = self._push_base(u)
        if base == '':
            return None   # nothing new: every commit is already there
        repo = self.repo
        if base is None or self.inp.all_files:
            return self.blobs(u.remote_ref, u.local_oid, listing=(
                'ls-tree', '-r', '-z', '--full-tree', u.local_oid))
        if self.whole:
            return self.blobs(u.remote_ref, u.local_oid, items=raw(repo.git(
                'diff-tree', '-r', '--raw', '-z', '-M', base,
                u.local_oid, '--').stdout))
        cmd, revs = ('diff-tree', '-r'), (base, u.local_oid)
        listed = None
        if not _full_scan():
            listed, data = self.listing(cmd, revs)
            if data is not None:
                return self.patch(data, u.remote_ref)
        return self.diff(listed, cmd, revs, u.local_oid, u.remote_ref)

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
                return range_base(res.stdout)
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
        return range_base(self.repo.git(*walk, known).stdout)

    # -- readers -----------------------------------------------------------------------

    def listing(self, cmd: tuple[str, ...], revs: tuple[str, ...]
                ) -> tuple[list[Change], bytes | None]:
        """ONE ``-p`` diff that writes its ``--raw -z`` listing first: the
        change's records, and its patch when it changes at most
        ``PREFILTER_MIN`` files; a larger change's diff is stopped after
        the listing (``None``), before git has read many blobs.  From
        ``Repo.listings`` when it holds it: ``staged_changes`` leaves the
        commit's listing there, and in a receive hook refs that share a
        range share one."""
        key = (*cmd, *revs)
        found = self.repo.listings.get(key)
        if found is None:
            found = self._listing(cmd, revs)
            if self.repo.frozen:   # a receive hook: refs share ranges
                self.repo.listings[key] = found
        return found

    def _listing(self, cmd: tuple[str, ...], revs: tuple[str, ...]
                 ) -> tuple[list[Change], bytes | None]:
        out = self.repo.git_stream(*self.config, *cmd, '--raw', '-z',
                                   *_PATCH_OPTS, *revs, '--')
        head = bytearray()
        pos = 0   # the first record not yet walked
        count = 0
        chunks: list[bytes] = []
        for chunk in out:
            if chunks:
                chunks.append(chunk)
                continue
            head += chunk
            # Records ``:<meta>\0<path>\0`` (two paths for R and C) up to
            # the NUL that opens the patch.
            while pos < len(head) and head[pos] == 0x3A:
                end = head.find(b'\0', pos)
                if end != -1 and head[head.rfind(b' ', pos, end) + 1] in b'RC':
                    end = head.find(b'\0', end + 1)
                if end != -1:
                    end = head.find(b'\0', end + 1)
                if end == -1:
                    break   # a record cut by the chunk: read on
                pos = end + 1
                count += 1
            if pos < len(head) and head[pos] != 0x3A:   # the patch begins
                if count > PREFILTER_MIN:
                    out.close()   # stops git
                    return changes(bytes(head[:pos])), None
                chunks.append(bytes(head[pos + 1:]))
        return changes(bytes(head[:pos])), b''.join(chunks)

    def diff(self, listed: list[Change] | None, cmd: tuple[str, ...],
             revs: tuple[str, ...], tree: str | None = None,
             ref: str | None = None, entries: int = 0) -> PathChange:
        """The patch of a change (``cmd`` ``revs``, its ``--raw`` listing
        ``listed``; ``entries`` in the index it walks): ONE ``-p`` diff of
        it all, or, for a large change, of the files worth reading
        (``worth``); every other changed path is an entry as that one diff
        would have made it."""
        names = self.worth(listed, tree, entries) if listed is not None \
            and len(listed) > PREFILTER_MIN else None
        if names is None:
            return self.patch(self.repo.git(*self.config, *cmd, *_PATCH_OPTS,
                                            *revs, '--').stdout, ref)
        change = self.patch(self.repo.git(
            '--literal-pathspecs', *self.config, *cmd, *_PATCH_OPTS, *revs,
            '--', *names).stdout, ref) if names else PathChange(ref,
                                                               patch=True)
        assert listed is not None
        diffed = set(names)
        got = {e[0]: e for e in change.entries}
        found = []
        for kind, _, new, same, path, _ in listed:
            if path in diffed:
                if path in got:   # not deleted, not excluded
                    found.append(got[path])
            elif kind != 'D' and self.wanted(path):
                # A patch header names a mode only with an ``index`` line:
                # none when the content is unchanged (a pure rename, a
                # mode change).
                found.append((path, '' if same else new, None))
        change.entries = found
        return change

    def worth(self, listed: list[Change], tree: str | None, entries: int
              ) -> list[str] | None:
        """The paths of a change to diff: every changed file that holds
        one of the path engine's literals (ONE ``git grep -l``, in the
        index or ``tree``), every other kind of entry (a symlink, a
        gitlink, a type change) and both sides of their renames; ``None``:
        diff the whole change (an unmerged path, or names that would cost
        git more than the files they leave out: ``NAME_COST``)."""
        from worktree_guard.gitctx.scan import candidate_list
        from worktree_guard.pathengine.prefilter import scan_plan
        if any(c[0] == 'U' for c in listed):
            return None
        plain = [c[4] for c in listed if c[0] in 'AMR' and c[2] in
                 _FILE_MODES and (c[0] == 'A' or c[1] in _FILE_MODES)]
        held = set(candidate_list(self.repo, scan_plan(
            self.checkouts, self.policy['worktrees']['root'],
            self.home)[0], tree,
            plain if len(plain) <= PATHSPEC_MAX else None))
        skip = set(plain) - held
        names = []
        for kind, _, _, _, path, src in listed:
            if kind != 'D' and path not in skip:
                names.append(path)
                if src:
                    names.append(src)
        walked = max(entries, len(listed))
        if walked * len(names) > NAME_COST * (len(listed) - len(names)) or \
                sum(map(len, names)) + len(names) > ARGS_MAX:
            return None
        return names

    def patch(self, data: bytes, ref: str | None) -> PathChange:
        """Split one patch into entries and the regions of added text."""
        change = PathChange(ref, data=data, patch=True)
        entries = change.entries
        regions = change.regions
        binaries: list[tuple[str, str]] = []
        oids: list[str] = []   # the new blob of each region
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
                path = (unquote(rest) if rest.startswith(b'"') else rest
                        ).decode('utf-8', 'surrogateescape')
            else:
                path = header_path(data[s + 11:line_end])
            s = e
            if b'\ndeleted file mode ' in header or not self.wanted(path):
                continue
            mode, oid = header_mode(header)
            if mode == _GITLINK:
                entries.append((path, mode, None))
            elif b'\nBinary files ' in header:
                entries.append((path, mode, None))
                binaries.append((path, oid))
            elif mode == _SYMLINK:
                entries.append((path, mode, added_text(data, hunks, e)))
            else:
                entries.append((path, mode, None))
                if h != -1:
                    regions.append((hunks, e, path))
                    oids.append(oid)
        if binaries:
            found = sizes(self.repo, [oid for _, oid in binaries])
            for (path, _), size in zip(binaries, found, strict=True):
                (self.oversized if size > self.max_size
                 else self.binary).add(path)
        if not _full_scan():
            self.context(change, oids)
        return change

    def context(self, change: PathChange, oids: list[str]) -> None:
        """Each changed file that holds one of the path engine's terms
        judged with its whole context (issue 24): its hunks become one
        hunk of the whole new blob (ONE ``cat-file --batch`` for them
        all), every line context but the added ones, so a fence, a
        ``cd`` or a block that opened above the change is known and only
        the added lines are judged.  A new file's patch is whole
        already."""
        data, regions = change.data, change.regions
        todo = [i for i, (hs, _, _) in enumerate(regions)
                if not data.startswith(b'@@ -0,0 ', hs)]
        if not todo:
            return
        from worktree_guard.pathengine.prefilter import scan_plan
        terms = scan_plan(self.checkouts, self.policy['worktrees']['root'])[0]
        todo = [i for i in todo
                if any(data.find(t, regions[i][0], regions[i][1]) != -1
                       for t in terms)]
        if not todo:
            return
        blobs = dict(zip(todo, read_small(self.repo, [oids[i] for i in todo]),
                         strict=True))
        out = [b'\n']
        new: list[tuple[int, int, str]] = []
        at = 1
        for i, (hs, e, path) in enumerate(regions):
            blob = blobs.get(i)
            piece = data[hs:e] if blob is None else whole_hunk(data, hs, e,
                                                               blob)
            out.append(piece)
            new.append((at, at + len(piece), path))
            at += len(piece)
        change.data = b''.join(out)
        change.regions = new

    def blobs(self, ref: str | None, tree: str | None = None, *,
              items: list[Item] | None = None,
              listing: tuple[str, ...] | None = None) -> PathChange:
        """Whole files of the index (``tree`` None) or of ``tree``: the
        ``items`` of a change, or the git command of a whole ``listing``
        (``ls-files -s -z``, ``ls-tree -r -z``).  Symlink targets are read
        at once; the files worth reading (the pre-filter's candidates) are
        streamed (``change.parts``), sized in the same pass."""
        change = PathChange(ref)
        full = _full_scan()
        dockerfiles: bool | None = None
        whole_tree = items is None
        started = None
        if listing is not None:
            items, fast, started, dockerfiles = self._list(listing, tree,
                                                           full)
            whole_tree = whole_tree and fast
        assert items is not None
        links, files = self._entries(change, items, whole_tree)
        if whole_tree and (started is None or self.inp.progress is not None):
            # A progress line needs the total: the names first.
            # (git grep reads regular files only: never a symlink.)
            from worktree_guard.gitctx.scan import finish
            prefix = ':0:' if tree is None else tree + ':'
            files = [(p, prefix + p) for p in finish(started, tree)]
            started = None
        elif files and not full:
            files = self._candidates(files, tree)
        self._links(change, links)
        if files or started is not None:
            # With a started grep the files are read as it names them.
            stream = Stream(self.repo, ref, files, self.max_size,
                            self.oversized, self.binary, self.inp.progress)
            stream.source = started
            stream.tree = tree
            stream.dockerfiles = dockerfiles
            change.parts = stream
            self.streams.append(stream)
        return change

    def _list(self, listing: tuple[str, ...], tree: str | None, full: bool
              ) -> tuple[list[Item], bool, Started | None, bool]:
        """The items of a whole ``listing`` (git's command), whether they
        are only the ones a rule judges by path (``fast``: git grep,
        started here, names the files worth reading while git lists the
        tree), the started grep, and whether the tree holds a
        Dockerfile."""
        fast = not (full or self.include or self.exclude)
        started = None
        if fast:
            from worktree_guard.gitctx.scan import start
            from worktree_guard.pathengine.prefilter import scan_plan
            terms, roots = scan_plan(
                self.checkouts, self.policy['worktrees']['root'],
                self.home)
            started = start(self.repo, terms, tree)
        out = self.repo.git(*listing).stdout
        dockerfiles = dockerish(out)
        if fast:
            return special(out, tree is not None, roots), True, started, \
                dockerfiles
        return (ls_files if tree is None else ls_tree)(out), False, None, \
            dockerfiles

    def _entries(self, change: PathChange, items: list[Item],
                 whole_tree: bool
                 ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The wanted ``items`` into the change's entries; the symlinks
        and (unless the whole tree is read) the regular files, each as
        (path, object)."""
        entries = change.entries
        links: list[tuple[str, str]] = []
        files: list[tuple[str, str]] = []
        for path, mode, oid in items:
            if not self.wanted(path):
                continue
            entries.append((path, mode, None))
            if mode == _SYMLINK:
                links.append((path, oid))
            elif mode in _FILE_MODES and not whole_tree:
                files.append((path, oid))
        return links, files

    def _candidates(self, files: list[tuple[str, str]], tree: str | None
                    ) -> list[tuple[str, str]]:
        """The ``files`` that hold one of the engine's literals (a
        symlink's target is always judged; a file only then).  A few
        files (a change, pre-commit's names) are named to git grep; many
        are looked for in the whole index or tree."""
        from worktree_guard.gitctx.scan import candidate_list
        from worktree_guard.pathengine.prefilter import scan_plan
        few = [p for p, _ in files]
        held = set(candidate_list(self.repo, scan_plan(
            self.checkouts, self.policy['worktrees']['root'],
            self.home)[0], tree,
            few if len(few) <= PATHSPEC_MAX else None))
        return [f for f in files if f[0] in held]

    def _links(self, change: PathChange, links: list[tuple[str, str]]
               ) -> None:
        """Symlink targets into the change's entries (one ``cat-file
        --batch``); a missing object stays an entry without a target."""
        if not links:
            return
        targets = {path: blob.decode('utf-8', 'surrogateescape')
                   for (path, _), blob in zip(
                       links, read_small(self.repo, [o for _, o in links]),
                       strict=True) if blob is not None}
        change.entries[:] = [(p, m, targets.get(p) if m == _SYMLINK else t)
                             for p, m, t in change.entries]


def added_lines(data: bytes, start: int, end: int) -> set[int]:
    """The new-file line numbers of the ``+`` lines of the hunks in
    ``data[start:end]``."""
    added: set[int] = set()
    n = 0
    pos = start
    while pos < end:
        le = data.find(b'\n', pos, end)
        le = end if le == -1 else le
        first = data[pos]
        if first == 0x40:   # @@ -a,b +c,d @@
            plus = data.index(b' +', pos, le) + 2
            stop = plus
            while data[stop] in b'0123456789':
                stop += 1
            n = int(data[plus:stop])
        elif first == 0x2B:
            added.add(n)
            n += 1
        elif first not in (0x2D, 0x5C):   # not removed, not "\ No newline"
            n += 1
        pos = le + 1
    return added


def whole_hunk(data: bytes, start: int, end: int, blob: bytes) -> bytes:
    """One hunk of the whole new file ``blob``: its lines added (``+``)
    where the hunks in ``data[start:end]`` add them, context (`` ``)
    elsewhere."""
    added = added_lines(data, start, end)
    lines = blob.split(b'\n')
    if lines[-1] == b'':
        lines.pop()
    marks = [b' '] * len(lines)
    for k in added:
        marks[k - 1] = b'+'
    head = b'@@ -1,%d +1,%d @@\n' % (len(lines), len(lines))
    return head + b''.join([m + ln + b'\n'
                            for m, ln in zip(marks, lines, strict=True)])
