"""A seccomp filter for a submission's process, installed before any student code runs.

What it refuses (the call fails with EPERM; student code sees an OSError, nothing dies):
- new processes: fork, vfork, clone without CLONE_THREAD or into a new namespace (threads
  stay allowed), execve; clone3 answers ENOSYS so that glibc falls back to clone, whose flags
  can be inspected;
- acting on any process but itself: every signal (kill, tkill, tgkill, rt_sigqueueinfo,
  rt_tgsigqueueinfo, pidfds, SIGIO through F_SETOWN), and other processes' priority,
  scheduling, affinity, I/O priority, rlimits, robust futex lists and memory (ptrace,
  process_vm_*, process_madvise, process_mrelease, migrate_pages, move_pages, kcmp): only
  pid 0 or its own pid passes (Python and numpy ask sched_getaffinity(0), prlimit(0, ...));
- every channel to another process that the kernel offers without a file both can open:
  new sockets of any family (socketpair stays), bind, listen, connect, accept, sendmsg and a
  sendto with an address; SysV IPC, POSIX message queues; inotify, fanotify, dnotify and
  file locks (flock, fcntl's locks and leases), which two processes could use on any file
  they both can read;
- memory no limit counts: memfd_create, memfd_secret, larger pipe buffers;
- namespaces, mounts (old and new API), BPF, perf, keyrings, userfaultfd, io_uring,
  file handles.
Written with ctypes against the kernel's BPF ABI; x86_64 and aarch64.
"""
import ctypes
import errno
import os
import platform
import struct

_ARCH = {  # audit arch, syscall numbers
    "x86_64": (0xC000003E, {
        "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "execve": 59, "execveat": 322,
        "kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129,
        "rt_tgsigqueueinfo": 297, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "socket": 41, "connect": 42, "accept": 43, "sendto": 44,
        "sendmsg": 46, "bind": 49, "listen": 50, "accept4": 288, "sendmmsg": 307,
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
        "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "name_to_handle_at": 303,
        "open_by_handle_at": 304, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "keyctl": 250, "add_key": 248,
        "request_key": 249, "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64,
        "semop": 65, "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70,
        "msgctl": 71, "mq_open": 240, "mq_unlink": 241, "mq_timedsend": 242,
        "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245, "memfd_create": 319,
        "memfd_secret": 447, "process_madvise": 440, "process_mrelease": 448, "kcmp": 312,
        "migrate_pages": 256, "move_pages": 279, "inotify_init": 253, "inotify_init1": 294,
        "inotify_add_watch": 254, "fanotify_init": 300, "fanotify_mark": 301, "flock": 73,
        "prlimit64": 302, "setpriority": 141, "getpriority": 140, "sched_setparam": 142,
        "sched_getparam": 143, "sched_setscheduler": 144, "sched_getscheduler": 145,
        "sched_rr_get_interval": 148, "sched_setaffinity": 203, "sched_getaffinity": 204,
        "sched_setattr": 314, "sched_getattr": 315, "ioprio_set": 251, "ioprio_get": 252,
        "get_robust_list": 274, "personality": 135, "fcntl": 72, "ioctl": 16}),
    "aarch64": (0xC00000B7, {
        "clone": 220, "clone3": 435, "execve": 221, "execveat": 281, "kill": 129, "tkill": 130,
        "tgkill": 131, "rt_sigqueueinfo": 138, "rt_tgsigqueueinfo": 240, "ptrace": 117,
        "process_vm_readv": 270, "process_vm_writev": 271, "socket": 198, "bind": 200,
        "listen": 201, "accept": 202, "connect": 203, "sendto": 206, "sendmsg": 211,
        "accept4": 242, "sendmmsg": 269, "unshare": 97, "setns": 268, "mount": 40,
        "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
        "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "name_to_handle_at": 264, "open_by_handle_at": 265, "bpf": 280, "perf_event_open": 241,
        "userfaultfd": 282, "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "keyctl": 219,
        "add_key": 217, "request_key": 218, "msgget": 186, "msgctl": 187, "msgrcv": 188,
        "msgsnd": 189, "semget": 190, "semctl": 191, "semtimedop": 192, "semop": 193,
        "shmget": 194, "shmctl": 195, "shmat": 196, "shmdt": 197, "mq_open": 180,
        "mq_unlink": 181, "mq_timedsend": 182, "mq_timedreceive": 183, "mq_notify": 184,
        "mq_getsetattr": 185, "memfd_create": 279, "memfd_secret": 447, "process_madvise": 440,
        "process_mrelease": 448, "kcmp": 272, "migrate_pages": 238, "move_pages": 239,
        "inotify_init1": 26, "inotify_add_watch": 27, "fanotify_init": 262, "fanotify_mark": 263,
        "flock": 32, "prlimit64": 261, "setpriority": 140, "getpriority": 141,
        "sched_setparam": 118, "sched_setscheduler": 119, "sched_getscheduler": 120,
        "sched_getparam": 121, "sched_setaffinity": 122, "sched_getaffinity": 123,
        "sched_rr_get_interval": 127, "sched_setattr": 274, "sched_getattr": 275,
        "ioprio_set": 30, "ioprio_get": 31, "get_robust_list": 100, "personality": 92,
        "fcntl": 25, "ioctl": 29}),
}
# Refused outright (EPERM), whatever the arguments:
_DENIED = (
    # new programs, debugging and other processes' memory, namespaces and mounts
    "fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "name_to_handle_at",
    "open_by_handle_at", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
    "request_key", "io_uring_setup", "io_uring_enter", "io_uring_register",
    # acting on another process: pidfds (signals, fds, memory hints), comparing processes,
    # moving another's memory
    "pidfd_open", "pidfd_send_signal", "pidfd_getfd", "process_madvise", "process_mrelease",
    "kcmp", "migrate_pages",
    # channels to other processes: new sockets of any family (socketpair stays: asyncio's
    # self-pipe), naming or reaching a socket by address, passing fds; SysV IPC, POSIX
    # message queues; watching or locking files others can read (inotify, fanotify, locks)
    "socket", "bind", "listen", "connect", "accept", "accept4", "sendmsg", "sendmmsg",
    "shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl", "semtimedop",
    "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
    "mq_timedreceive", "mq_notify", "mq_getsetattr", "inotify_init", "inotify_init1",
    "inotify_add_watch", "fanotify_init", "fanotify_mark", "flock",
    # memory no limit counts: a memfd's pages need no mapping, so RLIMIT_AS misses them
    "memfd_create", "memfd_secret")
# Allowed only on the process itself: (syscall, [(argument, allowed values)]); every listed
# argument must hold one of its values. SELF is the process's own pid; 0 means "the caller"
# where the kernel reads it so (not for kill: 0 is the whole process group).
SELF = "self"
_ON_ITSELF = [
    ("kill", [(0, (SELF,))]), ("tkill", [(0, (SELF,))]), ("tgkill", [(0, (SELF,))]),
    ("rt_sigqueueinfo", [(0, (SELF,))]), ("rt_tgsigqueueinfo", [(0, (SELF,))]),
    ("prlimit64", [(0, (0, SELF))]), ("get_robust_list", [(0, (0, SELF))]),
    ("move_pages", [(0, (0, SELF))]),
    ("sched_setparam", [(0, (0, SELF))]), ("sched_getparam", [(0, (0, SELF))]),
    ("sched_setscheduler", [(0, (0, SELF))]), ("sched_getscheduler", [(0, (0, SELF))]),
    ("sched_rr_get_interval", [(0, (0, SELF))]), ("sched_setaffinity", [(0, (0, SELF))]),
    ("sched_getaffinity", [(0, (0, SELF))]), ("sched_setattr", [(0, (0, SELF))]),
    ("sched_getattr", [(0, (0, SELF))]),
    ("setpriority", [(0, (0,)), (1, (0, SELF))]),  # PRIO_PROCESS only (not a group, a user)
    ("getpriority", [(0, (0,)), (1, (0, SELF))]),
    ("ioprio_set", [(0, (1,)), (1, (0, SELF))]),   # IOPRIO_WHO_PROCESS only
    ("ioprio_get", [(0, (1,)), (1, (0, SELF))]),
    ("personality", [(0, (0, 0xFFFFFFFF))]),       # only asking (no exec follows anyway)
]
# Commands refused (second argument): fcntl's signal owners (F_SETOWN, F_SETSIG,
# F_SETOWN_EX: SIGIO to another process), locks and leases (F_GETLK, F_SETLK, F_SETLKW, the
# OFD ones, F_SETLEASE: a channel through any file two processes can open), directory
# notification (F_NOTIFY) and larger pipe buffers (F_SETPIPE_SZ: kernel memory); ioctl's
# signal owners (FIOSETOWN, SIOCSPGRP).
_FCNTL_DENIED = (5, 6, 7, 8, 10, 15, 36, 37, 38, 1024, 1026, 1031)
_IOCTL_DENIED = (0x8901, 0x8902)

# BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS, _JEQ_K, _JSET_K, _RET_K = 0x20, 0x15, 0x45, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_KILL_PROCESS = 0x80000000
_OFFSET_NR, _OFFSET_ARCH = 0, 4  # struct seccomp_data


def _arg(index, high=False):
    """Offset of an argument's low (or high) 32 bits in struct seccomp_data (little endian);
    int arguments (pids, commands) are the low word: the kernel truncates the register."""
    return 16 + 8 * index + (4 if high else 0)


_CLONE_THREAD, _X32_BIT = 0x00010000, 0x40000000
# CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
_CLONE_NAMESPACES = 0x00000080 | 0x00020000 | 0xFE000000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Program:
    """BPF instructions with forward jumps to named labels (resolved by `code`)."""

    def __init__(self):
        self.ops, self.labels, self.fresh = [], {}, 0

    def op(self, code, k, jt=None, jf=None):
        self.ops.append((code, jt, jf, k))

    def load(self, offset):
        self.op(_LD_W_ABS, offset)

    def ret(self, value):
        self.op(_RET_K, value)

    def new_label(self):
        self.fresh += 1
        return f"L{self.fresh}"

    def place(self, label):
        self.labels[label] = len(self.ops)

    def code(self):
        out = []
        for i, (code, jt, jf, k) in enumerate(self.ops):
            jumps = []
            for target in (jt, jf):
                offset = 0 if target is None else self.labels[target] - i - 1
                if not 0 <= offset <= 255:
                    raise OSError("seccomp filter: a jump is too long")
                jumps.append(offset)
            out.append((code, jumps[0], jumps[1], k))
        return out


def _filter(own_pid):
    machine = platform.machine()
    if machine not in _ARCH:
        raise OSError(f"no seccomp filter for {machine}")
    audit_arch, nr = _ARCH[machine]
    eperm, enosys = _ERRNO | errno.EPERM, _ERRNO | errno.ENOSYS
    p = _Program()
    p.load(_OFFSET_ARCH)
    p.op(_JEQ_K, audit_arch, jt="native")
    p.ret(_KILL_PROCESS)  # a foreign ABI (x86 int 0x80, say) could bypass the numbers below
    p.place("native")
    p.load(_OFFSET_NR)
    if machine == "x86_64":
        p.op(_JSET_K, _X32_BIT, jf="x64")
        p.ret(eperm)
        p.place("x64")

    def refuse(number, value=eperm):
        after = p.new_label()
        p.op(_JEQ_K, number, jf=after)
        p.ret(value)
        p.place(after)

    refuse(nr["clone3"], enosys)  # glibc falls back to clone, whose flags can be inspected
    for name in _DENIED:
        if name in nr:
            refuse(nr[name])

    def block(name):
        """The syscall's own check, run only for that syscall (the accumulator holds the
        number until a block loads an argument; every block ends in a return). Returns the
        labels: the block's end, where it allows, where it refuses."""
        labels = p.new_label(), p.new_label(), p.new_label()
        p.op(_JEQ_K, nr[name], jf=labels[0])
        return labels

    def end(labels):
        after, allow, deny = labels
        p.place(allow)
        p.ret(_ALLOW)
        p.place(deny)
        p.ret(eperm)
        p.place(after)

    # clone: threads only, in no new namespace.
    labels = block("clone")
    p.load(_arg(0))
    p.op(_JSET_K, _CLONE_NAMESPACES, jt=labels[2])
    p.op(_JSET_K, _CLONE_THREAD, jt=labels[1], jf=labels[2])
    end(labels)
    # calls that may act on the process itself only
    for name, conditions in _ON_ITSELF:
        if name not in nr:
            continue
        labels = block(name)
        for index, allowed in conditions:
            holds = p.new_label()
            p.load(_arg(index))
            for value in allowed:
                p.op(_JEQ_K, own_pid if value == SELF else value, jt=holds)
            p.ret(eperm)
            p.place(holds)
        p.ret(_ALLOW)
        end(labels)
    # fcntl and ioctl: some commands refused
    for name, commands in (("fcntl", _FCNTL_DENIED), ("ioctl", _IOCTL_DENIED)):
        labels = block(name)
        p.load(_arg(1))
        for command in commands:
            p.op(_JEQ_K, command, jt=labels[2])
        p.ret(_ALLOW)
        end(labels)
    # sendto: only on a connected socket (no address: no reaching a socket by its name)
    labels = block("sendto")
    p.load(_arg(4))
    p.op(_JEQ_K, 0, jf=labels[2])
    p.load(_arg(4, high=True))
    p.op(_JEQ_K, 0, jt=labels[1], jf=labels[2])
    end(labels)
    p.ret(_ALLOW)
    return p.code()


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_libc = ctypes.CDLL(None, use_errno=True)
_INSTRUCTION = struct.Struct("<HBBI")  # struct sock_filter
_PID_PLACEHOLDER = 0x7FFFFFFF  # no pid is that large (pid_max is at most 2**22)


class _Prepared:
    """The packed filter, built once by a process that forks many children: each child only
    writes its own pid into it and installs it (a few system calls instead of building the
    program anew, about half a millisecond per child)."""

    def __init__(self):
        code = _filter(_PID_PLACEHOLDER)
        self.buffer = ctypes.create_string_buffer(b"".join(_INSTRUCTION.pack(*ins) for ins in code))
        self.program = _SockFprog(len(code), ctypes.cast(self.buffer, ctypes.c_void_p))
        self.pid_offsets = [i * _INSTRUCTION.size + 4 for i, ins in enumerate(code)
                            if ins[3] == _PID_PLACEHOLDER]


_prepared = None


def prepare():
    """Build the filter now (in the zygote, before it forks), so that `install` is quick."""
    global _prepared
    if _prepared is None:
        _prepared = _Prepared()
    return _prepared


def install():
    """Install the filter on the calling process (inherited by its threads). Raises OSError."""
    prepared = _prepared or prepare()
    pid = os.getpid()
    for offset in prepared.pid_offsets:
        struct.pack_into("<I", prepared.buffer, offset, pid)
    libc = _libc
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prepared.program), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
