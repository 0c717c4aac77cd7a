"""Landlock (Linux 5.13+): a process limits its own file-system access, for itself and for
everything it starts, irreversibly and without privileges.

Each submission's process keeps read access to what Python needs (the OS and Python
directories) and read-write access to its own working directory, and loses everything else:
other submissions' working directories, the scratch folder they share, and (where bubblewrap
cannot run) the course itself. The kernel's Landlock ABI version decides which rights can be
restricted; newer rights are simply not handled on older kernels.
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

    def __init__(self, paths):
        self.version = abi_version()
        self.handled = _RIGHTS_BY_ABI.get(self.version, _RIGHTS_BY_ABI[5])
        self.attr = struct.pack("<Q", self.handled)  # struct landlock_ruleset_attr
        self.rules = []  # the read-only rules, packed: only the child's folder is added per child
        if self.version >= 1:
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                rights = READ if os.path.isdir(path) else READ & _FILE_ONLY_RIGHTS
                self.rules.append(_rule(fd, rights & self.handled))

    def restrict(self, writable):
        if self.version < 1:
            return False
        ruleset = _libc.syscall(_CREATE_RULESET, self.attr, ctypes.c_size_t(len(self.attr)), 0)
        if ruleset < 0:
            return False
        try:
            for rule in self.rules:
                _add_rule(ruleset, rule)
            for path in writable:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    rights = self.handled if stat.S_ISDIR(os.fstat(fd).st_mode) else _FILE_ONLY_RIGHTS & self.handled
                    _add_rule(ruleset, _rule(fd, rights))
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
