"""Landlock (Linux 5.13+): a process limits its own file-system access, for itself and for
everything it starts, irreversibly and without privileges.

Each submission's process keeps read access to what Python needs (the OS and Python
directories) and read-write access to its own working directory, and loses everything else:
other submissions' working directories, the scratch folder they share, and (where bubblewrap
cannot run) the course itself. The kernel's Landlock ABI version decides which rights can be
restricted; newer rights are simply not handled on older kernels. From ABI 6 (Linux 6.12) a
restricted process is also *scoped*: it can neither signal a process outside its own domain
nor connect to an abstract Unix socket made outside it (each submission restricts itself, so
each is its own domain).
"""
import ctypes
import os
import stat
import struct

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on x86_64 and aarch64
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FILE_ONLY_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14) | (1 << 15)  # + truncate, ioctl
READ = EXECUTE | READ_FILE | READ_DIR
# Every file-system right of each ABI version (1: 13 rights; 2: refer; 3: truncate; 5: ioctl).
_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
                  5: (1 << 16) - 1}
FILE_RIGHTS = _FILE_ONLY_RIGHTS
# ABI 6: LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
_SCOPED_ABI = 6

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi_version():
    """The kernel's Landlock ABI version, 0 where Landlock is missing or disabled."""
    try:
        version = _libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0),
                                ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except (AttributeError, OSError):
        return 0
    return max(int(version), 0)


def restrict(readable, writable):
    """Allow reading (and executing) under `readable`, everything under `writable`, and
    nothing else of the file system, for this process from now on. Paths that do not exist
    are skipped. Returns whether the restriction is in force."""
    return Readable(readable).restrict(writable)


class Readable:
    """The read-only part of a restriction, prepared once (the paths opened, the kernel asked
    for its version) by a process that forks many children which each add their own
    writable folder and restrict themselves: a tenth of the work per child."""

    def __init__(self, paths, files=()):
        """Read (and execute) under `paths`; read and write the existing `files` (device
        files such as /dev/null), nothing beneath them."""
        self.version = abi_version()
        self.handled = _RIGHTS_BY_ABI.get(self.version, _RIGHTS_BY_ABI[5])
        self.scoped = (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if self.version >= _SCOPED_ABI else 0
        # struct landlock_ruleset_attr: handled_access_fs (, handled_access_net, scoped)
        self.attr = (struct.pack("<QQQ", self.handled, 0, self.scoped) if self.scoped
                     else struct.pack("<Q", self.handled))
        self.rules = []  # the read-only rules, packed: only the child's folder is added per child
        if self.version >= 1:
            for path, writable in [(p, False) for p in paths] + [(f, True) for f in files]:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                if writable:
                    rights = _FILE_ONLY_RIGHTS if not os.path.isdir(path) else 0
                else:
                    rights = READ if os.path.isdir(path) else READ & _FILE_ONLY_RIGHTS
                if rights:
                    self.rules.append(_rule(fd, rights & self.handled))
                else:
                    os.close(fd)

    def restrict(self, writable, readable=()):
        """Restrict this process: the prepared rules, everything under `writable`, reading
        under `readable` (opened here). Returns whether the restriction is in force."""
        if self.version < 1:
            return False
        ruleset = _libc.syscall(_CREATE_RULESET, self.attr, ctypes.c_size_t(len(self.attr)), 0)
        if ruleset < 0:
            return False
        try:
            for rule in self.rules:
                _add_rule(ruleset, rule)
            for path, everything in [(p, True) for p in writable] + [(p, False) for p in readable]:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    directory = stat.S_ISDIR(os.fstat(fd).st_mode)
                    rights = (self.handled if everything else READ) if directory else \
                        (_FILE_ONLY_RIGHTS if everything else READ & _FILE_ONLY_RIGHTS)
                    _add_rule(ruleset, _rule(fd, rights & self.handled))
                finally:
                    os.close(fd)
            if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                return False
            return _libc.syscall(_RESTRICT_SELF, ruleset, 0) == 0
        finally:
            os.close(ruleset)


def _rule(fd, rights):
    return struct.pack("<Qi", rights, fd)  # struct landlock_path_beneath_attr (packed)


def _add_rule(ruleset, rule):
    # (the int arguments are C ints, as the system call takes them)
    if _libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, rule, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock: a rule was refused")
