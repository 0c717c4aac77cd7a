"""Isolation between a submission and everything else, attacked the way a student would:
other processes (signals and every call that acts on another process), other submissions
graded at the same time (every channel we know of, both ways), memory and disk no rlimit
counts, and what a `kill -9` of `course grade` leaves behind. README's security section
lists what each attack gets.

Two submissions graded at the same time are children of two zygotes that one mother made:
they share one bubblewrap sandbox (its PID and network namespace, its /tmp and /dev).
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from coursegrade.grading import sandbox
from coursegrade.grading.sandbox import (Limits, SandboxedRun, StudentError, Zygote, ZygoteMother,
                                         bwrap_usable, mother_usable)

try:  # (imported so, the tests also run, and fail, against the engine before these existed)
    from coursegrade.grading import cgroups, scratch
except ImportError:
    cgroups = scratch = None

ROOT = Path(__file__).resolve().parents[1]
needs_mother = pytest.mark.skipif(not mother_usable(), reason="this kernel has no Landlock")

# Student code shared by the attacks: raw system calls through ctypes, as a student can.
TOOLS = r'''
import ctypes, errno, fcntl, os, platform, resource, signal, socket, time
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
X86 = platform.machine() == "x86_64"
NR = {"rt_sigqueueinfo": 129 if X86 else 138, "rt_tgsigqueueinfo": 297 if X86 else 240,
      "tkill": 200 if X86 else 130, "tgkill": 234 if X86 else 131, "kcmp": 312 if X86 else 272,
      "ioprio_set": 251 if X86 else 30, "ioprio_get": 252 if X86 else 31,
      "migrate_pages": 256 if X86 else 238, "move_pages": 279 if X86 else 239,
      "process_madvise": 440, "process_mrelease": 448, "pidfd_open": 434,
      "pidfd_send_signal": 424, "get_robust_list": 274 if X86 else 100,
      "sched_setattr": 314 if X86 else 274, "memfd_create": 319 if X86 else 279}

def sys_call(name, *args):
    result = libc.syscall(NR[name], *args)
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))
    return result

def siginfo(sig):
    info = (ctypes.c_int * 32)()
    info[0], info[2] = sig, -1  # si_signo, si_code = SI_QUEUE (what sigqueue(3) sends)
    return info

def outcome(attempt):
    """'done' if the call went through, else the error's name."""
    try:
        attempt()
        return "done"
    except OSError as error:
        return errno.errorcode.get(error.errno, str(error.errno))
    except Exception as error:
        return type(error).__name__
'''

# ------------------------------------------------------------------------------ 1. signals

SIGNALS = TOOLS + r'''
def on(pid, sig=0):
    """Every way to signal or act on process `pid`: {way: outcome}. `sig` 0 only asks
    whether the signal would be allowed (nothing is sent)."""
    ways = {
        "kill": lambda: os.kill(pid, sig),
        "rt_sigqueueinfo": lambda: sys_call("rt_sigqueueinfo", pid, sig, siginfo(sig)),
        "rt_tgsigqueueinfo": lambda: sys_call("rt_tgsigqueueinfo", pid, pid, sig, siginfo(sig)),
        "tkill": lambda: sys_call("tkill", pid, sig),
        "tgkill": lambda: sys_call("tgkill", pid, pid, sig),
        "pidfd_send_signal": lambda: signal.pidfd_send_signal(os.pidfd_open(pid), sig),
        "process_madvise": lambda: sys_call("process_madvise", os.pidfd_open(pid), None, 0, 0, 0),
        "process_mrelease": lambda: sys_call("process_mrelease", os.pidfd_open(pid), 0),
        "kcmp": lambda: sys_call("kcmp", os.getpid(), pid, 0, 0, 0),
        "prlimit": lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE),
        "prlimit-set": lambda: resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0)),
        "getpriority": lambda: os.getpriority(os.PRIO_PROCESS, pid),
        "setpriority": lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
        "sched_setaffinity": lambda: os.sched_setaffinity(pid, os.sched_getaffinity(0)),
        "sched_getaffinity": lambda: os.sched_getaffinity(pid),
        "sched_setscheduler": lambda: os.sched_setscheduler(pid, os.SCHED_BATCH, os.sched_param(0)),
        "sched_getscheduler": lambda: os.sched_getscheduler(pid),
        "sched_setparam": lambda: os.sched_setparam(pid, os.sched_param(0)),
        "sched_setattr": lambda: sys_call("sched_setattr", pid, (ctypes.c_uint32 * 14)(56), 0),
        "ioprio_set": lambda: sys_call("ioprio_set", 1, pid, (2 << 13) | 7),
        "ioprio_get": lambda: sys_call("ioprio_get", 1, pid),
        "migrate_pages": lambda: sys_call("migrate_pages", pid, 64, (ctypes.c_ulong * 1)(1),
                                           (ctypes.c_ulong * 1)(1)),
        "move_pages": lambda: sys_call("move_pages", pid, 0, None, None, None, 0),
        "get_robust_list": lambda: sys_call("get_robust_list", pid, ctypes.byref(ctypes.c_void_p()),
                                            ctypes.byref(ctypes.c_size_t())),
    }
    return {way: outcome(attempt) for way, attempt in ways.items()}

def groups(sig=0):
    """Signals to groups: every process (-1), its own group (0), a group by number."""
    return {"kill(-1)": outcome(lambda: os.kill(-1, sig)),
            "kill(0)": outcome(lambda: os.kill(0, sig)),
            "kill(-pgid of the zygote)": outcome(lambda: os.kill(-os.getpgid(os.getppid()), sig)),
            "setpriority(user)": outcome(lambda: os.setpriority(os.PRIO_USER, 0, 19)),
            "setpriority(group)": outcome(lambda: os.setpriority(os.PRIO_PGRP, 0, 19)),
            "ioprio_set(user)": outcome(lambda: sys_call("ioprio_set", 3, os.getuid(), (2 << 13) | 7)),
            "personality (ADDR_NO_RANDOMIZE)": outcome(lambda: checked(libc.personality(0x0040000)))}

def checked(result):
    if result == -1:
        raise OSError(ctypes.get_errno(), "refused")
    return result

def sigio_to(pid):
    """SIGIO through F_SETOWN: the kernel signals `pid` when a pipe becomes readable."""
    def attempt():
        r, w = os.pipe()
        fcntl.fcntl(r, fcntl.F_SETOWN, pid)
        fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
        os.write(w, b"x")
    return outcome(attempt)

def on_itself():
    """What Python, numpy and torch do to their own process keeps working."""
    me = os.getpid()
    return {"kill(own pid, 0)": outcome(lambda: os.kill(me, 0)),
            "sigqueue to itself": outcome(lambda: sys_call("rt_sigqueueinfo", me, 0, siginfo(0))),
            "signal.raise_signal": outcome(lambda: (signal.signal(signal.SIGUSR1, lambda *a: None),
                                                    signal.raise_signal(signal.SIGUSR1))),
            "sched_getaffinity(0)": outcome(lambda: os.sched_getaffinity(0)),
            "sched_setaffinity(0)": outcome(lambda: os.sched_setaffinity(0, os.sched_getaffinity(0))),
            "prlimit(0)": outcome(lambda: resource.prlimit(0, resource.RLIMIT_NOFILE)),
            "getrlimit": outcome(lambda: resource.getrlimit(resource.RLIMIT_AS)),
            "setpriority(own)": outcome(lambda: os.setpriority(os.PRIO_PROCESS, 0, 1)),
            "getpriority(own pid)": outcome(lambda: os.getpriority(os.PRIO_PROCESS, me)),
            "sched_getscheduler(0)": outcome(lambda: os.sched_getscheduler(0)),
            "a thread": outcome(lambda: __import__("threading").Thread(target=len, args=((),)).start()),
            "os.cpu_count": outcome(os.cpu_count),
            "socketpair": outcome(socket.socketpair)}

def alive():
    return os.getpid()
'''


@pytest.fixture(scope="module")
def mother_and_zygotes():
    """A mother and two zygotes of hers, as a batch with two workers has."""
    if not mother_usable():
        pytest.skip("this kernel has no Landlock: no mother")
    mother = ZygoteMother(Limits(), use_bwrap=bwrap_usable(), preload="numpy").start()
    zygotes = [Zygote(Limits(call_seconds=10, cell_seconds=20, processes=24, disk_mb=32, file_mb=16,
                             memory_mb=256),
                      use_bwrap=bwrap_usable(), preload="numpy", channel=mother.channel()).start()
               for _ in range(2)]
    try:
        for zygote in zygotes:
            zygote.wait_ready()
        yield mother, zygotes
    finally:
        for zygote in zygotes:
            zygote.close()
        mother.close()


def test_a_submission_can_signal_or_act_on_no_other_process(mother_and_zygotes):
    """Refused against the zygote, the mother, the sandbox's init, a neighbour graded at the
    same time: every signal system call, pidfds, SIGIO, and every call that changes or reads
    another process's scheduling, limits, memory."""
    _, (first, second) = mother_and_zygotes
    with SandboxedRun(first, [("a", SIGNALS)]) as attacker, SandboxedRun(second, [("a", SIGNALS)]) as neighbour:
        assert attacker.cell_outcomes == {} and neighbour.cell_outcomes == {}
        victims = {"zygote": first.info["pid"], "mother": first.info["mother"], "init": 1,
                   "neighbour": neighbour.pid, "neighbour's zygote": second.info["pid"]}
        allowed = {}
        for victim, pid in victims.items():
            for way, result in attacker.call("on", [pid]).items():
                if result != "EPERM":
                    allowed[f"{way} on the {victim}"] = result
            result = attacker.call("sigio_to", [pid])
            if result != "EPERM":
                allowed[f"SIGIO (F_SETOWN) to the {victim}"] = result
        for way, result in attacker.call("groups").items():
            if result != "EPERM":
                allowed[way] = result
        # and for real: SIGKILL at the neighbour, by every signalling call
        for way, result in attacker.call("on", [neighbour.pid, int(signal.SIGKILL)]).items():
            if result == "done":
                allowed[f"{way} SIGKILL on the neighbour"] = result
        assert allowed == {}, f"a submission reached other processes: {allowed}"
        assert neighbour.call("alive") == neighbour.pid  # still the same process
        works = attacker.call("on_itself")
        assert {k: v for k, v in works.items() if v != "done"} == {}, works
    for zygote in (first, second):  # the zygotes and the mother still serve
        with SandboxedRun(zygote, [("a", "x = 1")]) as run:
            assert run.get("x") == 1


def test_landlock_scopes_signals_where_the_kernel_can(mother_and_zygotes):
    _, (first, _) = mother_and_zygotes
    from coursegrade.inside import landlock
    assert first.info["landlock_scoped"] is (landlock.abi_version() >= 6)
    if landlock.abi_version() >= 6:
        assert "landlock (scoped)" in first.isolation


# ------------------------------------------------------- 2. channels between two submissions

CHANNELS = TOOLS + r'''
import glob, hashlib, select, stat
KEEP, GOT = {}, []
SHARED_FILE = os.__file__  # a file every submission can read

def key(token):
    return int(hashlib.sha256(token.encode()).hexdigest()[:7], 16)

def nonblocking_read(fd):
    try:
        return os.read(fd, 4096).decode(errors="replace")
    except OSError:
        return ""

def _try(f, default=None):
    try:
        return f()
    except Exception:
        return default

def shared_places(token):
    """Places both submissions could name: /tmp, the folder above their own, /var/tmp, /dev/shm."""
    return [f"/tmp/cg-{token}", f"{os.path.dirname(os.getcwd())}/cg-{token}",
            f"/var/tmp/cg-{token}", f"/dev/shm/cg-{token}", f"/dev/cg-{token}"]

def prepare(way, token):
    """The receiving end, set up before the sender acts; returns what the sender is told."""
    if way == "abstract socket":
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind("\0cg-" + token)
        server.listen(1)
        server.setblocking(False)
        KEEP[way] = server
    elif way == "abstract datagram (a socketpair end, bound)":
        end, _ = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        end.bind("\0cgd-" + token)
        end.setblocking(False)
        KEEP[way] = end
    elif way == "path socket":
        servers = []
        for path in (f"{os.getcwd()}/cg.sock", f"/tmp/cg-{token}.sock"):
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                server.bind(path)
                server.listen(1)
                server.setblocking(False)
                servers.append(server)
            except OSError:
                pass
        KEEP[way] = servers
        return [f"{os.getcwd()}/cg.sock", f"/tmp/cg-{token}.sock"]
    elif way == "loopback TCP":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.setblocking(False)
        KEEP[way] = server
        return server.getsockname()[1]
    elif way == "FIFO":
        fds = []
        for path in (f"{os.getcwd()}/cg.fifo", f"/tmp/cg-{token}.fifo"):
            try:
                os.mkfifo(path)
                fds.append(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                pass
        KEEP[way] = fds
        return [f"{os.getcwd()}/cg.fifo", f"/tmp/cg-{token}.fifo"]
    elif way == "a file in the receiver's folder":
        return os.getcwd()
    elif way == "signals":
        GOT.clear()
        for sig in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGIO, signal.SIGURG, signal.SIGWINCH,
                    signal.SIGRTMIN, signal.SIGRTMIN + 1):
            signal.signal(sig, lambda number, frame: GOT.append(int(number)))
        return os.getpid()
    elif way == "inotify":
        fd = libc.inotify_init1(os.O_NONBLOCK)
        if fd >= 0 and libc.inotify_add_watch(fd, SHARED_FILE.encode(), 0x1 | 0x20 | 0x10) >= 0:
            KEEP[way] = fd
    elif way == "pty":
        pass
    return None

def send(way, token, told):
    message = token.encode()
    if way == "abstract socket":
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect("\0cg-" + token)
        client.sendall(message)
    elif way == "abstract datagram (a socketpair end, bound)":
        end, _ = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        _try(lambda: end.sendto(message, "\0cgd-" + token))
        end.connect("\0cgd-" + token)
        end.send(message)
    elif way == "path socket":
        for path in told:
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            _try(lambda: (client.connect(path), client.sendall(message)))
    elif way == "loopback TCP":
        client = socket.create_connection(("127.0.0.1", told), timeout=1)
        client.sendall(message)
    elif way == "FIFO":
        for path in told:
            _try(lambda: os.write(os.open(path, os.O_WRONLY | os.O_NONBLOCK), message))
    elif way == "a file in the receiver's folder":
        with open(f"{told}/cg-{token}", "w") as handle:
            handle.write(token)
    elif way == "files in shared places":
        for path in shared_places(token):
            _try(lambda: open(path, "w").write(token))
        _try(lambda: os.mkdir(f"/tmp/cg-{token}.d"))
    elif way == "SysV shared memory":
        ident = libc.shmget(key(token), 4096, 0o1000 | 0o666)
        if ident < 0:
            raise OSError(ctypes.get_errno(), "shmget")
        libc.shmat.restype = ctypes.c_void_p
        address = libc.shmat(ident, None, 0)
        ctypes.memmove(address, message, len(message))
    elif way == "SysV message queue":
        ident = libc.msgget(key(token), 0o1000 | 0o666)
        if ident < 0:
            raise OSError(ctypes.get_errno(), "msgget")
        buffer = ctypes.create_string_buffer(8 + len(message))
        ctypes.memmove(ctypes.addressof(buffer), (ctypes.c_long * 1)(1), 8)
        ctypes.memmove(ctypes.addressof(buffer) + 8, message, len(message))
        if libc.msgsnd(ident, buffer, len(message), 0o4000) != 0:
            raise OSError(ctypes.get_errno(), "msgsnd")
    elif way == "SysV semaphore":
        ident = libc.semget(key(token), 1, 0o1000 | 0o666)
        if ident < 0 or libc.semctl(ident, 0, 16, 42) != 0:  # SETVAL
            raise OSError(ctypes.get_errno(), "semget")
    elif way == "POSIX message queue":
        mqd = libc.mq_open(f"/cg-{token}".encode(), os.O_CREAT | os.O_WRONLY, 0o666, None)
        if mqd < 0 or libc.mq_send(mqd, message, len(message), 0) != 0:
            raise OSError(ctypes.get_errno(), "mq")
    elif way == "POSIX shared memory (shm_open)":
        fd = os.open(f"/dev/shm/cg-shm-{token}", os.O_CREAT | os.O_RDWR, 0o666)
        os.write(fd, message)
    elif way == "signals":
        pid = told
        for attempt in (lambda: os.kill(pid, signal.SIGUSR1),
                        lambda: sys_call("rt_sigqueueinfo", pid, signal.SIGUSR2, siginfo(signal.SIGUSR2)),
                        lambda: sys_call("rt_tgsigqueueinfo", pid, pid, signal.SIGRTMIN, siginfo(signal.SIGRTMIN)),
                        lambda: sys_call("tkill", pid, signal.SIGWINCH),
                        lambda: sys_call("tgkill", pid, pid, signal.SIGURG),
                        lambda: signal.pidfd_send_signal(os.pidfd_open(pid), signal.SIGRTMIN + 1),
                        lambda: os.kill(-pid, signal.SIGUSR1)):
            _try(attempt)
        def sigio():
            r, w = os.pipe()
            fcntl.fcntl(r, fcntl.F_SETOWN, pid)
            fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
            os.write(w, b"x")
            KEEP["sigio"] = (r, w)
        _try(sigio)
    elif way == "the process name in /proc":
        libc.prctl(15, ("cg" + token)[:15].encode(), 0, 0, 0)  # PR_SET_NAME
    elif way == "own niceness, scheduler and limits":
        _try(lambda: os.setpriority(os.PRIO_PROCESS, 0, 7))
        _try(lambda: os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0)))
        _try(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (101, resource.getrlimit(resource.RLIMIT_NOFILE)[1])))
    elif way == "file locks on a file both can read":
        handle = open(SHARED_FILE, "rb")
        KEEP[way] = handle
        _try(lambda: fcntl.flock(handle, fcntl.LOCK_SH))
        _try(lambda: fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB))
    elif way == "inotify":
        for _ in range(3):
            with open(SHARED_FILE, "rb") as handle:
                handle.read(1)
    elif way == "pty":
        master, slave = os.openpty()
        KEEP[way] = (master, slave)
        os.write(master, message + b"\n")
    elif way == "memory":
        KEEP[way] = bytearray(64 << 20)  # visible in /proc/<pid>/statm to whoever can read it
        for i in range(0, len(KEEP[way]), 4096):
            KEEP[way][i] = 1
    return "sent"

def collect(way, token, peer):
    """What reached the receiver (a list of strings; empty: nothing). `peer` is the sender's
    pid (as a receiver that guesses pids would find it)."""
    got = []
    if way in ("abstract socket", "loopback TCP"):
        server = KEEP.get(way)
        if server is not None:
            ready = select.select([server], [], [], 0.2)[0]
            if ready:
                connection, _ = server.accept()
                got.append(connection.recv(100).decode(errors="replace") or "(a connection)")
    elif way == "abstract datagram (a socketpair end, bound)":
        end = KEEP.get(way)
        if end is not None:
            got.append(_try(lambda: end.recv(100).decode(errors="replace"), ""))
    elif way == "path socket":
        for server in KEEP.get(way, []):
            if select.select([server], [], [], 0.2)[0]:
                connection, _ = server.accept()
                got.append(connection.recv(100).decode(errors="replace") or "(a connection)")
    elif way == "FIFO":
        got += [nonblocking_read(fd) for fd in KEEP.get(way, [])]
    elif way == "a file in the receiver's folder":
        got += [name for name in os.listdir(".") if token in name]
    elif way == "files in shared places":
        for path in shared_places(token):
            got.append(_try(lambda: open(path).read(), ""))
        got.append(_try(lambda: os.path.isdir(f"/tmp/cg-{token}.d") and "a folder", ""))
        got.append(_try(lambda: " ".join(n for n in os.listdir("/tmp") if token in n), ""))
    elif way == "SysV shared memory":
        ident = libc.shmget(key(token), 0, 0)
        if ident >= 0:
            libc.shmat.restype = ctypes.c_void_p
            address = libc.shmat(ident, None, 0o10000)  # SHM_RDONLY
            if address not in (None, ctypes.c_void_p(-1).value):
                got.append(ctypes.string_at(address, len(token)).decode(errors="replace"))
    elif way == "SysV message queue":
        ident = libc.msgget(key(token), 0)
        if ident >= 0:
            buffer = ctypes.create_string_buffer(8 + 100)
            size = libc.msgrcv(ident, buffer, 100, 0, 0o4000)  # IPC_NOWAIT
            if size > 0:
                got.append(buffer.raw[8:8 + size].decode(errors="replace"))
    elif way == "SysV semaphore":
        ident = libc.semget(key(token), 1, 0)
        if ident >= 0:
            got.append(f"semaphore value {libc.semctl(ident, 0, 12)}")  # GETVAL
    elif way == "POSIX message queue":
        mqd = libc.mq_open(f"/cg-{token}".encode(), os.O_RDONLY | os.O_NONBLOCK)
        if mqd >= 0:
            buffer = ctypes.create_string_buffer(1 << 16)
            size = libc.mq_receive(mqd, buffer, 1 << 16, None)
            got.append(buffer.raw[:max(size, 0)].decode(errors="replace") or "(a queue)")
    elif way == "POSIX shared memory (shm_open)":
        got.append(_try(lambda: open(f"/dev/shm/cg-shm-{token}").read(), ""))
    elif way == "signals":
        time.sleep(0.2)
        got += [f"signal {n}" for n in GOT]
    elif way == "the process name in /proc":
        got.append(_try(lambda: open(f"/proc/{peer}/comm").read().strip(), ""))
        got.append(_try(lambda: open(f"/proc/{peer}/cmdline").read()[:0], ""))
        got += _try(lambda: [p for p in os.listdir("/proc") if p.isdigit() and
                             token[:10] in _try(lambda: open(f"/proc/{p}/comm").read(), "")], [])
    elif way == "own niceness, scheduler and limits":
        nice = _try(lambda: os.getpriority(os.PRIO_PROCESS, peer))
        policy = _try(lambda: os.sched_getscheduler(peer))
        limit = _try(lambda: resource.prlimit(peer, resource.RLIMIT_NOFILE)[0])
        got += [f"nice {nice}" if nice == 7 else "", f"policy {policy}" if policy == os.SCHED_BATCH else "",
                f"fd limit {limit}" if limit == 101 else ""]
    elif way == "file locks on a file both can read":
        with open(SHARED_FILE, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                got.append("flock held by someone")
            except OSError:
                pass
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (BlockingIOError, PermissionError) as error:
                if error.errno in (errno.EAGAIN, errno.EACCES):
                    got.append("lockf held by someone")
            except OSError:
                pass
    elif way == "inotify":
        fd = KEEP.get(way)
        if fd is not None:
            got.append(f"{len(nonblocking_read(fd))} bytes of events" if _try(lambda: select.select([fd], [], [], 0.1)[0]) else "")
    elif way == "pty":
        for path in glob.glob("/dev/pts/[0-9]*"):
            fd = _try(lambda: os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY))
            if fd is not None:
                got.append(nonblocking_read(fd))
    elif way == "memory":
        text = _try(lambda: open(f"/proc/{peer}/statm").read(), "")
        got.append(f"its memory: {text}" if text else "")
    return [g for g in got if g]

def loopback(way, token):
    """The same way within one submission: proves `collect` sees what arrives (where the way
    is one a submission may use by itself)."""
    told = prepare(way, token)
    send(way, token, told)
    return collect(way, token, os.getpid())
'''
WAYS = ["abstract socket", "abstract datagram (a socketpair end, bound)", "path socket",
        "loopback TCP", "FIFO", "a file in the receiver's folder", "files in shared places",
        "SysV shared memory", "SysV message queue", "SysV semaphore", "POSIX message queue",
        "POSIX shared memory (shm_open)", "signals", "the process name in /proc",
        "own niceness, scheduler and limits", "file locks on a file both can read", "inotify",
        "pty", "memory"]
# Ways a submission may use by itself (so the receiving code is shown to work).
ON_ITS_OWN = {"FIFO", "a file in the receiver's folder", "signals"}


def _call(run, name, args):
    """A call, its error as a value."""
    try:
        return run.call(name, args)
    except StudentError as error:
        return f"{error.kind}: {error.message}"


def test_two_submissions_graded_at_once_cannot_exchange_a_byte(mother_and_zygotes):
    _, (first, second) = mother_and_zygotes
    leaks = {}
    with SandboxedRun(first, [("a", CHANNELS)]) as one, SandboxedRun(second, [("a", CHANNELS)]) as two:
        assert one.cell_outcomes == {} and two.cell_outcomes == {}
        for way in ON_ITS_OWN:
            assert _call(one, "loopback", [way, f"self{WAYS.index(way)}"]), f"{way} does not work alone"
        for index, way in enumerate(WAYS):
            for direction, (sender, receiver) in {"first to second": (one, two),
                                                  "second to first": (two, one)}.items():
                token = f"t{index}{direction[0]}{os.getpid() % 1000}"
                told = _call(receiver, "prepare", [way, token])
                sent = _call(sender, "send", [way, token, told])
                if receiver.pid is None:  # the sender took the receiver down
                    leaks[f"{way}, {direction}"] = f"the receiver died ({sent})"
                    continue
                got = _call(receiver, "collect", [way, token, sender.pid])
                if got and got != [] and not (isinstance(got, str) and got.startswith("error")):
                    leaks[f"{way}, {direction}"] = got
    assert leaks == {}, "channels between two submissions graded at once:\n" + \
        "\n".join(f"  {way}: {got}" for way, got in leaks.items())


@needs_mother
def test_no_shared_place_is_writable():
    """Only the submission's own folder and the device files it needs are writable: with
    bubblewrap and without (where only Landlock and the zygote's own mounts keep the host's
    /dev/shm, /tmp and /var/tmp out)."""
    probe = ("import os, tempfile\n"
             "def writable():\n"
             "    found = []\n"
             "    places = ['/tmp', os.path.dirname(os.getcwd()), '/var/tmp', '/dev/shm', '/dev',\n"
             "              '/dev/mqueue', '/run/lock', '/dev/pts', os.path.expanduser('~/..')]\n"
             "    for place in places:\n"
             "        try:\n"
             "            with open(os.path.join(place, 'cg-probe'), 'w') as handle:\n"
             "                handle.write('x')\n"
             "            found.append(place)\n"
             "        except OSError:\n"
             "            pass\n"
             "    return found\n"
             "def devices():\n"
             "    out = []\n"
             "    for name in ('null', 'zero', 'urandom', 'full'):\n"
             "        with open('/dev/' + name, 'rb+', buffering=0) as handle:\n"
             "            out.append(len(handle.read(1)))\n"
             "    open('mine.txt', 'w').write('ok')\n"
             "    return out + [open(tempfile.gettempdir() + '/mine.txt').read()]\n")
    found = {}
    for use_bwrap in [False] + ([True] if bwrap_usable() else []):
        zygote = Zygote(Limits(call_seconds=10), use_bwrap=use_bwrap, preload="numpy").start()
        try:
            with SandboxedRun(zygote, [("a", probe)]) as run:
                found[zygote.isolation] = run.call("writable")
                assert run.call("devices") == [0, 1, 1, 1, "ok"]
        finally:
            zygote.close()
    assert {k: v for k, v in found.items() if v} == {}, f"writable shared places: {found}"


# -------------------------------------------------------- 3. memory and disk, in total

HOARD = TOOLS + r'''
import mmap
HELD = []
MB = 1 << 20

def fill(write, total_mb):
    """Write 1 MB at a time until `total_mb` or a refusal; the MB it got."""
    chunk = b"x" * MB
    done = 0
    try:
        for _ in range(total_mb):
            write(chunk)
            done += 1
    except (OSError, MemoryError, ValueError):
        pass
    return done

def files(folder, total_mb, per_file_mb):
    """Many files below the file-size limit: the total is what counts."""
    count = [0]
    def write(chunk):
        if count[0] % per_file_mb == 0:
            HELD.append(open(os.path.join(folder, f"fill{count[0] // per_file_mb}-{len(HELD)}"), "wb", buffering=0))
        count[0] += 1
        HELD[-1].write(chunk)
    return fill(write, total_mb)

def allocate(total_mb, per_file_mb=8):
    """Every way to hold memory or disk that an rlimit does not count: {way: MB held}."""
    import tempfile
    got, tmp = {}, tempfile.gettempdir()
    got["files in its folder"] = files(os.getcwd(), total_mb, per_file_mb)
    got["files in TMPDIR"] = files(tmp, total_mb, per_file_mb)
    got["files in /dev/shm"] = files("/dev/shm", total_mb, per_file_mb) if os.path.isdir("/dev/shm") else 0
    def fallocated():
        fd = os.open(f"falloc-{len(HELD)}", os.O_CREAT | os.O_RDWR)
        HELD.append(fd)
        done = 0
        for i in range(total_mb // per_file_mb):
            try:
                os.posix_fallocate(fd, i * per_file_mb * MB, per_file_mb * MB)
            except OSError:
                break
            done += per_file_mb
        return done
    got["fallocate"] = fallocated()
    def memfds(create):
        """memfds of at most the file-size limit each, written, never mapped."""
        done = 0
        try:
            while done < total_mb:
                fd = create()
                HELD.append(fd)
                part = fill(lambda chunk: os.write(fd, chunk), per_file_mb)
                done += part
                if part == 0:
                    break
        except OSError:
            pass
        return done
    got["memfd (never mapped)"] = memfds(lambda: sys_call("memfd_create", b"hoard", 0))
    got["os.memfd_create"] = memfds(lambda: os.memfd_create("hoard"))
    def sysv():
        """SysV segments, each filled through a mapping and detached: they stay."""
        libc.shmat.restype = ctypes.c_void_p
        done = 0
        while done < total_mb:
            ident = libc.shmget(0, per_file_mb * MB, 0o1000 | 0o600)
            if ident < 0:
                break
            address = libc.shmat(ident, None, 0)
            if address in (None, ctypes.c_void_p(-1).value):
                break
            ctypes.memset(address, 1, per_file_mb * MB)
            libc.shmdt(ctypes.c_void_p(address))
            done += per_file_mb
        return done
    got["SysV shared memory (detached)"] = _held(sysv)
    def pipes():
        held = 0
        try:
            while held < total_mb * MB:
                r, w = os.pipe()
                HELD.append((r, w))
                try:
                    fcntl.fcntl(w, 1031, MB)  # F_SETPIPE_SZ
                except OSError:
                    pass
                os.set_blocking(w, False)
                try:
                    while True:
                        held += os.write(w, b"x" * 65536)
                except BlockingIOError:
                    pass
        except OSError:  # no more fds
            pass
        return held // MB
    got["pipe buffers"] = _held(pipes)
    return got

def _held(way):
    try:
        return way()
    except (OSError, MemoryError):
        return 0
'''


def test_memory_and_disk_are_bounded_in_total():
    """A submission with 64 MB of memory and 24 MB of disk (files of at most 8 MB) tries to
    hold 200 MB every way an rlimit does not count; none gets more than its limits."""
    limits = Limits(call_seconds=30, cell_seconds=30, memory_mb=64, disk_mb=24, file_mb=8)
    zygote = Zygote(limits, use_bwrap=bwrap_usable(), preload="numpy").start()
    try:
        with SandboxedRun(zygote, [("a", HOARD)]) as run:
            private = zygote.info.get("private_tmp", "(not reported)")
            tmpfs = (getattr(sandbox, "_bwrap_mode", lambda: None)() or {}).get("tmpfs")
            if isinstance(private, str) and private != "(not reported)" and not tmpfs:
                pytest.skip(f"no tmpfs bounds a submission's files here: {private}")
            held = run.call("allocate", [200])
        disk_ways = ("files in its folder", "files in TMPDIR", "files in /dev/shm", "fallocate")
        on_disk = sum(held[w] for w in disk_ways)
        assert on_disk <= 24, f"{on_disk} MB written in all, beyond the 24 MB allowed: {held}"
        in_memory = {w: mb for w, mb in held.items() if w not in disk_ways}
        assert all(mb <= 64 for mb in in_memory.values()), \
            f"memory no limit counts (64 MB allowed): {in_memory}"
        info = zygote.info
        if cgroups.why_not() is None:
            assert info["cgroup"] is True and "cgroup" in zygote.isolation
    finally:
        zygote.close()


def test_a_full_disk_is_the_submissions_error_not_the_batchs():
    limits = Limits(call_seconds=30, memory_mb=256, disk_mb=8, file_mb=64)
    zygote = Zygote(limits, use_bwrap=bwrap_usable(), preload="numpy").start()
    cells = [("a", "def write(mb):\n    with open('big.bin', 'wb') as f:\n"
                   "        for _ in range(mb):\n            f.write(b'x' * (1 << 20))\n    return mb\n")]
    try:
        with SandboxedRun(zygote, cells) as run:
            private = zygote.info.get("private_tmp", "(not reported)")
            if isinstance(private, str) and private != "(not reported)":
                pytest.skip(f"the zygote could make no /tmp of its own here: {private}")
            with pytest.raises(StudentError, match="No space left on device"):
                run.call("write", [32])
            assert run.call("write", [4]) == 4  # the same process, after freeing its file
    finally:
        zygote.close()


# ------------------------------------------------ 4. processes, uid, and `kill -9` of a batch

THREADS = ("import threading, time\n"
           "def threads(n):\n    started = []\n    try:\n        for _ in range(n):\n"
           "            t = threading.Thread(target=time.sleep, args=(3,), daemon=True)\n"
           "            t.start()\n            started.append(t)\n    except RuntimeError:\n"
           "        pass\n    return len(started)\n"
           "import os\ndef uid():\n    return os.getuid()\n")


@pytest.mark.parametrize("use_bwrap", [True, False])
def test_a_submission_cannot_exceed_its_process_limit(use_bwrap):
    if use_bwrap and not bwrap_usable():
        pytest.skip("bubblewrap cannot run here")
    zygote = Zygote(Limits(call_seconds=20, processes=16), use_bwrap=use_bwrap, preload="numpy").start()
    try:
        with SandboxedRun(zygote, [("a", THREADS)]) as run:
            started = run.call("threads", [200])
            assert 0 < started < 16, f"{started} threads started under a limit of 16 tasks"
            if os.geteuid() == 0 and (use_bwrap or zygote.info.get("uid", 0) != 0):
                assert run.call("uid") != 0, "the grader is root: the sandbox is not"
    finally:
        zygote.close()


def _tree(pid):
    try:
        return [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _alive(processes):
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def _leftovers(tmp):
    return sorted(p.name for p in tmp.iterdir())


def test_kill_9_of_course_grade_leaves_nothing(tmp_path):
    """SIGKILL of `course grade` mid-batch (two workers, the mother): within a few seconds no
    process of it is left and no scratch folder; what a crash leaves anyway (a run whose
    workers were killed too) is removed at the next start."""
    from test_batch_inputs import COURSE_BIN, make_course
    from coursegrade.authoring.synthetic import solution_notebook, write_batch
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    unhurried = solution_notebook(assignment)
    # (each submission sleeps: the batch is still running when it is killed)
    unhurried.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(1.5)"))
    students = [f"s{i:02d}" for i in range(16)]
    write_batch({s: unhurried for s in students}, tmp_path / "submitted", "ps1")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    argv = [str(COURSE_BIN), "--root", str(tmp_path), "grade", "ps1", "--workers", "2", "--no-diagnosis"]
    batch = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not list(course.autograded_dir.glob("*/ps1/results.json")):
            assert batch.poll() is None, batch.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "no result after 240 s"
            time.sleep(0.1)
        processes = _tree(batch.pid)[1:]
        assert len(processes) >= 4, "a fork server, two workers and sandboxes"
        assert _leftovers(tmp), "the batch keeps its scratch in TMPDIR"
        run = cgroups.run_name(batch.pid) if cgroups else None  # its cgroups, where there are
        batch.kill()
        batch.wait(timeout=10)
        deadline = time.monotonic() + 5
        while (_alive(processes) or _leftovers(tmp)) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _alive(processes)
        assert not left, f"processes outlived `kill -9` by 5 s: {[p.cmdline()[:4] for p in left]}"
        assert _leftovers(tmp) == [], f"left in TMPDIR: {_leftovers(tmp)}"
        assert cgroups and [f for f in cgroups._run_folders(run) if os.path.isdir(f)] == []
    finally:
        if batch.poll() is None:
            batch.kill()
    # A crash that nothing cleaned after: a dead run's folder, a dead run's cgroup.
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp / f"coursegrade-run-{dead.pid}-stale"
    (stale / "sandbox-x").mkdir(parents=True)
    stale_cgroups = [f for f in cgroups._run_folders(f"coursegrade-{dead.pid}-0")]
    for folder in stale_cgroups:
        os.makedirs(os.path.join(folder, "slot-1-1"))
    rerun = subprocess.run(argv + ["--student", "s00", "--force"], env=env, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _leftovers(tmp) == [], f"a dead run's leftovers were not removed: {_leftovers(tmp)}"
    assert not any(os.path.exists(f) for f in stale_cgroups)


def test_a_python_that_lives_under_tmp_stays_importable_and_the_rest_of_tmp_is_hidden(tmp_path):
    """A checkout and its venv under /tmp (as CI's fresh clone may be): each zygote covers /tmp
    with its own tmpfs, but binds back, read-only, the folders its Python imports from."""
    kept, other = tmp_path / "kept", tmp_path / "other"
    kept.mkdir(), other.mkdir()
    (kept / "marker.py").write_text("VALUE = 42\n")
    (other / "secret").write_text("x")
    inside = Path(__file__).resolve().parents[1] / "src" / "coursegrade" / "inside"
    probe = (f"import sys; sys.path.insert(0, {str(inside)!r}); import zygote; sys.path.append({str(kept)!r});"
             "why = zygote.make_private(1 << 20); import os, json;"
             f"ok = why is True and __import__('marker').VALUE == 42;"
             f"print(json.dumps([why, ok, os.path.exists({str(other / 'secret')!r}),"
             f" os.access({str(kept)!r}, os.W_OK)]))")
    one_thread = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True, timeout=60,
                         env=one_thread)  # (unshare needs a process of one thread)
    assert out.returncode == 0, out.stderr
    why, imported, other_seen, kept_writable = json.loads(out.stdout.strip().splitlines()[-1])
    if why is not True:
        pytest.skip(f"no private /tmp on this machine: {why}")
    assert imported, "a module on sys.path under /tmp could not be imported after make_private"
    assert not other_seen, "the rest of /tmp stayed visible"
    assert not kept_writable, "the folder bound back is writable"
