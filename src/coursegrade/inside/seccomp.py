"""A seccomp filter for a submission's process, installed before any student code runs.

What it refuses (the call fails with EPERM; student code sees an OSError, nothing dies):
- new processes: fork, vfork, clone without CLONE_THREAD (threads stay allowed), execve;
  clone3 answers ENOSYS so that glibc falls back to clone, whose flags can be inspected;
- signals to any process but itself (the zygote and the grader cannot be killed);
- ptrace and reading or writing other processes' memory;
- sockets other than Unix sockets (no network even where bubblewrap cannot run);
- namespaces, mounts, BPF, perf, keyrings, userfaultfd, io_uring.
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
        "kill": 62, "tkill": 200, "tgkill": 234, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "socket": 41, "unshare": 272, "setns": 308, "mount": 165,
        "umount2": 166, "pivot_root": 155, "chroot": 161, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438,
        "io_uring_setup": 425, "keyctl": 250, "add_key": 248, "request_key": 249}),
    "aarch64": (0xC00000B7, {
        "clone": 220, "clone3": 435, "execve": 221, "execveat": 281, "kill": 129, "tkill": 130,
        "tgkill": 131, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271,
        "socket": 198, "unshare": 97, "setns": 268, "mount": 40, "umount2": 39,
        "pivot_root": 41, "chroot": 51, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "io_uring_setup": 425,
        "keyctl": 219, "add_key": 217, "request_key": 218}),
}
_DENIED = ("fork", "vfork", "execve", "execveat", "ptrace", "process_vm_readv",
           "process_vm_writev", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
           "bpf", "perf_event_open", "userfaultfd", "pidfd_open", "pidfd_send_signal",
           "pidfd_getfd", "io_uring_setup", "keyctl", "add_key", "request_key")

# BPF opcodes and seccomp return values (linux/filter.h, linux/seccomp.h).
_LD_W_ABS, _JEQ_K, _JSET_K, _RET_K = 0x20, 0x15, 0x45, 0x06
_ALLOW, _ERRNO = 0x7FFF0000, 0x00050000
_KILL_PROCESS = 0x80000000
_OFFSET_NR, _OFFSET_ARCH, _OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data; arg0 low word (LE)
_CLONE_THREAD, _AF_UNIX, _X32_BIT = 0x00010000, 1, 0x40000000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2


class _Program:
    def __init__(self):
        self.code = []

    def op(self, code, k, jt=0, jf=0):
        self.code.append((code, jt, jf, k))

    def load(self, offset):
        self.op(_LD_W_ABS, offset)

    def ret(self, value):
        self.op(_RET_K, value)


def _filter(own_pid):
    machine = platform.machine()
    if machine not in _ARCH:
        raise OSError(f"no seccomp filter for {machine}")
    audit_arch, nr = _ARCH[machine]
    eperm, enosys = _ERRNO | errno.EPERM, _ERRNO | errno.ENOSYS
    p = _Program()
    p.load(_OFFSET_ARCH)
    p.op(_JEQ_K, audit_arch, jt=1)
    p.ret(_KILL_PROCESS)  # a foreign ABI (x86 int 0x80, say) could bypass the numbers below
    p.load(_OFFSET_NR)
    if machine == "x86_64":
        p.op(_JSET_K, _X32_BIT, jf=1)
        p.ret(eperm)
    p.op(_JEQ_K, nr["clone3"], jf=1)
    p.ret(enosys)
    for name in _DENIED:
        if name in nr:
            p.op(_JEQ_K, nr[name], jf=1)
            p.ret(eperm)
    # clone: only threads.
    p.op(_JEQ_K, nr["clone"], jf=4)
    p.load(_OFFSET_ARG0)
    p.op(_JSET_K, _CLONE_THREAD, jt=0, jf=1)
    p.ret(_ALLOW)
    p.ret(eperm)
    # kill, tkill, tgkill: only at itself (arg0 is the pid or thread-group id).
    for name in ("kill", "tkill", "tgkill"):
        p.op(_JEQ_K, nr[name], jf=4)
        p.load(_OFFSET_ARG0)
        p.op(_JEQ_K, own_pid, jt=0, jf=1)
        p.ret(_ALLOW)
        p.ret(eperm)
    # socket: only AF_UNIX.
    p.op(_JEQ_K, nr["socket"], jf=4)
    p.load(_OFFSET_ARG0)
    p.op(_JEQ_K, _AF_UNIX, jt=0, jf=1)
    p.ret(_ALLOW)
    p.ret(eperm)
    p.ret(_ALLOW)
    return p.code


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
