"""Linux Landlock through the kernel's system calls (ctypes on libc).

``abi()`` asks the kernel which Landlock ABI it speaks
(``landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)``);
``Ruleset`` creates a ruleset that handles every write right that ABI
knows and allows them beneath the given roots; ``enforce`` sets
``PR_SET_NO_NEW_PRIVS`` and restricts the calling process (a child after
``fork``, just before it execs the command: the restriction is inherited
by everything it starts and cannot be lifted).  Reads and execution are not
handled, so they stay unrestricted.

Rights handled: ``WRITE_FILE``, ``REMOVE_DIR``, ``REMOVE_FILE``,
``MAKE_CHAR|DIR|REG|SOCK|FIFO|BLOCK|SYM``, ``REFER`` (ABI 2) and
``TRUNCATE`` (ABI 3).  ``IOCTL_DEV`` (ABI 5) is left out: it limits
ioctls on device files, not writes, and every device we allow lives in
``/dev`` anyway; handling it could only break a terminal.  ABI 1 is not
used: it refuses every rename or link across folders (``EXDEV``), and git
moves its objects and lock files that way.

The system call numbers (444, 445, 446) are the same on every Linux
architecture.
"""
import os
import stat

SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38
MIN_ABI = 2

WRITE_FILE = 1 << 1
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13
TRUNCATE = 1 << 14
ABI1_WRITES = (WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_CHAR | MAKE_DIR
               | MAKE_REG | MAKE_SOCK | MAKE_FIFO | MAKE_BLOCK | MAKE_SYM)
# The rights that apply to a file (a rule on a file may only hold these).
FILE_RIGHTS = WRITE_FILE | TRUNCATE

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover (typing only)
    import ctypes


class LandlockError(Exception):
    """The kernel refused a Landlock call (the message names it)."""


def handled(abi: int) -> int:
    """The write rights a ruleset handles on a kernel speaking ``abi``."""
    rights = ABI1_WRITES
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    return rights


def unusable(abi: int | None) -> str | None:
    """Why Landlock cannot sandbox on a kernel reporting ``abi`` (``None``:
    the call failed), or ``None`` when it can."""
    if abi is None:
        return ('the kernel has no Landlock (Linux 5.13+ built with '
                'CONFIG_SECURITY_LANDLOCK, and "landlock" in the lsm= boot '
                'list)')
    if abi < MIN_ABI:
        return (f'the kernel speaks Landlock ABI {abi}, which refuses '
                'every rename across folders (git needs ABI 2, Linux 5.19+)')
    return None


_libc: 'ctypes.CDLL | None' = None


def _syscall() -> 'ctypes._NamedFuncPointer':
    global _libc
    import ctypes
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    fn = _libc.syscall
    fn.restype = ctypes.c_long
    return fn


def abi() -> int | None:
    """The Landlock ABI version of the running kernel, ``None`` without
    Landlock (not Linux, too old, or disabled)."""
    if os.uname().sysname != 'Linux':  # pragma: no cover (not Linux)
        return None
    import ctypes
    ret = int(_syscall()(ctypes.c_long(SYS_CREATE_RULESET), None,
                         ctypes.c_size_t(0),
                         ctypes.c_uint32(CREATE_RULESET_VERSION)))
    return ret if ret > 0 else None


def _fail(what: str) -> LandlockError:
    import ctypes
    err = ctypes.get_errno()
    return LandlockError(f'{what}: {os.strerror(err)}')


class Ruleset:
    """A Landlock ruleset allowing ``handled(abi)`` (or ``rights``) beneath
    each root (a file root gets the file rights only; a missing one is
    skipped).  Its ``fd`` stays open, close-on-exec, until ``close``."""

    def __init__(self, abi: int, roots: list[str],
                 rights: int | None = None) -> None:
        import ctypes

        class Attr(ctypes.Structure):
            _fields_ = [('handled_access_fs', ctypes.c_uint64)]

        class PathBeneath(ctypes.Structure):
            _pack_ = 1
            _fields_ = [('allowed_access', ctypes.c_uint64),
                        ('parent_fd', ctypes.c_int32)]

        syscall = _syscall()
        self.rights = handled(abi) if rights is None else rights
        attr = Attr(self.rights)
        fd = int(syscall(ctypes.c_long(SYS_CREATE_RULESET),
                         ctypes.byref(attr), ctypes.c_size_t(
                             ctypes.sizeof(attr)), ctypes.c_uint32(0)))
        if fd < 0:
            raise _fail('landlock_create_ruleset')
        self.fd = fd
        os.set_inheritable(fd, False)
        self.added: list[str] = []
        try:
            for root in roots:
                try:
                    pfd = os.open(root, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue   # missing: nothing to allow there
                try:
                    isdir = stat.S_ISDIR(os.fstat(pfd).st_mode)
                    rule = PathBeneath(self.rights if isdir else
                                       self.rights & FILE_RIGHTS, pfd)
                    ret = syscall(ctypes.c_long(SYS_ADD_RULE),
                                  ctypes.c_int(fd),
                                  ctypes.c_int(RULE_PATH_BENEATH),
                                  ctypes.byref(rule), ctypes.c_uint32(0))
                    if ret != 0:
                        raise _fail(f'landlock_add_rule {root}')
                    self.added.append(root)
                finally:
                    os.close(pfd)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        os.close(self.fd)


def enforce(fd: int) -> None:  # pragma: no cover (runs in the forked child, which execs; test_sandbox.py checks its effect)
    """Restrict the calling process with the ruleset ``fd`` (after
    ``PR_SET_NO_NEW_PRIVS``, which an unprivileged process needs)."""
    import ctypes
    assert _libc is not None   # Ruleset loaded it
    if _libc.prctl(ctypes.c_int(PR_SET_NO_NEW_PRIVS), ctypes.c_ulong(1),
                   ctypes.c_ulong(0), ctypes.c_ulong(0),
                   ctypes.c_ulong(0)) != 0:
        raise _fail('prctl(PR_SET_NO_NEW_PRIVS)')
    if _syscall()(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(fd),
                  ctypes.c_uint32(0)) != 0:
        raise _fail('landlock_restrict_self')
