"""The warm process inside the sandbox: imports numpy and torch once, then forks a fresh child
per submission. Only this folder (`autograder/inside/`) is visible in the sandbox; nothing here
knows the hidden tests, the references or the scores.

Control protocol (on the socket given by --ctrl-fd, frames of `wire`):
    -> {"op": "warm", "cells": [...]}     (first, once) <- {"ready": True, ...}
    -> {"op": "spawn", "limits": {...}}   <- one byte carrying the child's socket fd, then
                                             {"pid": ..., "workdir": ...}
    -> {"op": "kill", "pid": ...}         <- {"status": ..., "signal": ...}
Child protocol (on its own socket): see `Child.serve`.

With --mother, the process is not a zygote itself but makes them, one per grading worker,
so that a batch imports numpy, SymPy and torch once instead of once per worker. After
"warm" and "ready" its control socket only brings channels (one byte carrying a socket fd,
one per worker); on a channel:
    -> {"op": "zygote", "full": bool, "cpu": n or None}
                                          <- one byte carrying the new zygote's control
                                             socket fd, then its "ready" report
A "full" zygote also has the modules of --later (torch), which the mother imports when the
first full zygote is asked for: submissions that never mention torch are graded meanwhile.
The new zygote is a fork of the warm mother and speaks the control protocol above. Zygotes
of one mother share the sandbox; each submission's process is confined to its own working
directory by Landlock (mother mode is used only where Landlock works) and, where the kernel
lets the zygote make namespaces of its own (`make_private`), each zygote also has its own
/tmp (a tmpfs of --disk-bytes), its own IPC namespace and no /dev/shm.

Resource accounting: a channel (or --cgroup) may bring a cgroup of the trusted side's, as
fds of its cgroup.procs files (and of its OOM counter): each submission's process joins it
first thing, so its memory (shared memory and tmpfs pages too) and its tasks are counted
against that cgroup's limits.
"""
import argparse
import builtins
import ctypes
import errno
import json
import functools
import gc
import importlib
import io
import math
import operator
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
import traceback
import types
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guards  # noqa: E402
import landlock  # noqa: E402
import seccomp  # noqa: E402
import wire  # noqa: E402  (after the path fix: the interpreter runs isolated, -I)

import numpy as np  # noqa: E402

MAX_MESSAGE = 1 << 28  # 256 MiB per message either way
# What the trusted side may apply to objects of the submission (grading/student.py).
OPERATORS = frozenset({"add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "neg",
                       "pos", "abs", "getitem"})
HUGE_PAGES_AFTER = 64  # submissions (see back_heap_with_huge_pages)
OUTPUT_KEPT = 1 << 16  # a student's prints are kept up to 64 KiB, the rest discarded
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_OPEN_FILES = 256  # fds of a submission's process


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ctrl-fd", type=int, required=True)
    parser.add_argument("--preload", default="numpy,sympy,torch,warmup")
    parser.add_argument("--own-pid-namespace", action="store_true",
                        help="the sandbox has its own PID namespace: clean up with kill(-1)")
    parser.add_argument("--mother", action="store_true",
                        help="make one zygote per grading worker instead of being one")
    parser.add_argument("--later", default="",
                        help="mother mode: modules imported after the first zygotes are made")
    parser.add_argument("--demote", default="",
                        help="uid:gid to run as, first thing (the sandbox was started by root)")
    parser.add_argument("--disk-bytes", type=int, default=0,
                        help="size of each zygote's own /tmp (0: the sandbox's /tmp is used)")
    parser.add_argument("--cgroup", default="",
                        help="fds of the cgroup each submission joins: 'j5,j6,o7' (join, OOM)")
    options = parser.parse_args()
    _demote(options.demote)  # before anything else runs as root
    _die_with_parent()
    setup = {}
    # Whether namespaces of its own work here, tried in a child first: a process that is in
    # a new user namespace it cannot map (some distributions restrict them) cannot go back.
    _private[0] = _try_private(options.disk_bytes) if options.disk_bytes else "not asked for"
    if not options.mother:  # (now, while single-threaded; a mother's zygotes do it when forked)
        setup = set_up_zygote(options.disk_bytes, _slot_from(options.cgroup))
    ctrl = socket.socket(fileno=options.ctrl_fd)
    preloaded = preload(options.preload.split(","))
    try:
        first = wire.receive(ctrl, MAX_MESSAGE)
    except EOFError:
        return
    warmed = warm_up(first.get("cells", [])) if first.get("op") == "warm" else 0
    gc.freeze()  # the collector never walks (so never copies, page by page) these in a child
    # Huge pages at once, unless torch's 160 MB make that cost more than a few submissions
    # gain: then only once enough submissions came (HUGE_PAGES_AFTER).
    huge_after = HUGE_PAGES_AFTER if "torch" in sys.modules else None
    huge = 0 if huge_after else back_heap_with_huge_pages()
    _readable()
    try:
        seccomp.prepare()
    except OSError:
        pass  # no filter for this machine: seccomp_works() says so
    _not_dumpable()  # children cannot read this process's memory through /proc
    report = {"ready": True, "preloaded": preloaded, "pid": os.getpid(),
              "python": sys.version.split()[0], "seccomp": seccomp_works(),
              "landlock": landlock.abi_version(), "landlock_scoped": _readable().scoped != 0,
              "uid": os.getuid(), "warmed_cells": warmed, "huge_pages_mb": huge, **setup}
    wire.send(ctrl, report)
    if options.mother:
        make_zygotes(ctrl, report, [m for m in options.later.split(",") if m],
                     options.disk_bytes)
    else:
        serve_as_zygote(ctrl, options.own_pid_namespace, huge_pages_after=huge_after)


def serve_as_zygote(ctrl, own_pid_namespace, huge_pages_after=None):
    """Fork a child per "spawn", kill it on "kill"; at the end, kill whatever is left. With
    `huge_pages_after`, move the heap onto huge pages once that many children were forked."""
    workdirs, spawned = {}, 0
    try:
        while True:
            try:
                request = wire.receive(ctrl, MAX_MESSAGE)
            except EOFError:
                return
            if request["op"] == "spawn":
                pid, workdir = spawn(ctrl, request["limits"])
                workdirs[pid] = workdir
                spawned += 1
                if spawned == huge_pages_after:
                    back_heap_with_huge_pages()
            elif request["op"] == "kill":
                pid = request["pid"]
                status = end_child(pid, own_pid_namespace)
                shutil.rmtree(workdirs.pop(pid, ""), ignore_errors=True)
                wire.send(ctrl, status)
    finally:
        for pid, workdir in workdirs.items():
            end_child(pid, False)
            shutil.rmtree(workdir, ignore_errors=True)


def make_zygotes(ctrl, report, later, disk_bytes=0):
    """Mother mode: adopt channels from the trusted side, fork a zygote per request on one.
    A channel may come with a cgroup (its fds follow the channel's: see `_slot_from`); the
    zygotes made on it put their submissions there.

    A request says whether its zygote needs the modules of `later` (torch: 1.6 s to import).
    Those are imported at the first request that does, so that zygotes without them (for the
    submissions that never mention torch) are ready at once, and a batch where no submission
    mentions torch never imports it."""
    import selectors
    signal.signal(signal.SIGCHLD, lambda *_: _reap_all())  # zygotes that ended
    channels = selectors.DefaultSelector()
    channels.register(ctrl, selectors.EVENT_READ)
    pending_later = bool(later)
    slots = {}  # channel -> its cgroup slot {"join": [fd, ...], "oom": fd or None}

    def import_later():
        nonlocal pending_later
        pending_later = False
        report["preloaded"] += preload(later)
        if "torch" in sys.modules:
            import warmup
            warmup.warm_torch()
        gc.freeze()  # what warming torch left (preload froze the imports)
        # (huge pages: each zygote with torch moves its heap, once enough submissions need it)

    while True:
        events = channels.select()
        requests = []
        for key, _ in events:
            sock = key.fileobj
            if sock is ctrl:
                try:
                    roles, fds, _, _ = socket.recv_fds(ctrl, 64, 8)
                except OSError:
                    fds = []
                if not fds:
                    return  # the trusted side has gone: the whole sandbox ends with us
                channel = socket.socket(fileno=fds[0])
                channels.register(channel, selectors.EVENT_READ)
                slots[channel] = _slot_from(",".join(
                    f"{role}{fd}" for role, fd in zip(roles[1:].decode(errors="replace"), fds[1:])))
                continue
            try:
                request = wire.receive(sock, MAX_MESSAGE)
            except (EOFError, OSError, wire.WireError):
                channels.unregister(sock)
                sock.close()
                _close_slot(slots.pop(sock, None))
                continue
            if type(request) is dict and request.get("op") == "zygote":
                cpu = request.get("cpu") if type(request.get("cpu")) is int else None
                requests.append((bool(request.get("full")), cpu, sock))
        for full, cpu, sock in sorted(requests, key=lambda r: r[0]):  # light ones first
            if full and pending_later:
                import_later()
            ours, theirs = socket.socketpair()
            told, tell = os.pipe()  # what the new zygote could set up (set_up_zygote)
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                os.close(told)
                try:
                    slot = slots.get(sock)
                    for other, other_slot in slots.items():
                        if other_slot is not slot:
                            _close_slot(other_slot)
                    for other in list(channels.get_map().values()):
                        other.fileobj.close()
                    channels.close()
                    theirs.close()
                    _die_with_parent()  # (with bubblewrap, the sandbox ends with the mother anyway)
                    setup = set_up_zygote(disk_bytes, slot)  # single-threaded: just forked
                    os.write(tell, json.dumps(setup).encode())
                    os.close(tell)
                    _pin(cpu)
                    serve_as_zygote(ours, own_pid_namespace=False,
                                    huge_pages_after=HUGE_PAGES_AFTER if full and later else None)
                finally:
                    os._exit(0)
            os.close(tell)
            ours.close()
            setup = _read_all(told)
            socket.send_fds(sock, [b"Z"], [theirs.fileno()])
            theirs.close()
            wire.send(sock, dict(report, pid=pid, mother=os.getpid(), **setup))


def _pin(cpu):
    """Run on one CPU, with the children to come: the worker that talks to them is pinned to
    the same one, and a call into a child then wakes it on the CPU it is on (half the cost
    of a round trip, where waking another CPU is slow, as in a virtual machine)."""
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass


def preload(names):
    """Import `names`; "warmup" runs warmup.run(). Returns the names that could be loaded.
    What is imported stays for good, so the collector is off meanwhile and then freezes it
    all, uncollected: the imports leave no garbage, and a collection would walk every object
    for nothing (numpy, SymPy and torch: 0.1 s for each full one, and as much for the first
    automatic one after the imports; torch's import is also 0.05-0.1 s shorter)."""
    loaded = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for name in filter(None, names):
            try:
                module = importlib.import_module(name)
            except ImportError:
                continue
            if name == "warmup":
                module.run()
            loaded.append(name)
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)  # one worker per core: no oversubscription
    return loaded


def warm_up(cells, seconds=5.0):
    """Run the assignment's fixed cells (setup, demos: public code of the release) once, in a
    scratch namespace that is then dropped. Each child runs them again from scratch, but finds
    SymPy's caches and numpy's lazily built tables already filled (SymPy's derivation set-up:
    9 ms per child instead of 30). Errors are ignored (a demo may need a student's function);
    the whole warm-up stops after `seconds`. Returns how many cells ran to the end."""
    def stop(*_):
        raise TimeoutError
    namespace, ran = {"__name__": "__warmup__"}, 0
    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        for source in cells:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    exec(compile(source, "<warm-up>", "exec"), namespace)
                ran += 1
            except TimeoutError:
                break
            except BaseException:
                continue
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = stdout, stderr
    namespace.clear()
    return ran


def back_heap_with_huge_pages():
    """Move this process's private writable memory (about 180 MB once torch is imported) onto
    2 MB pages (madvise MADV_COLLAPSE, Linux 6.1+): every fork then copies a few hundred
    page-table entries instead of some 45,000, and every child's exit frees as few: with
    torch, 3 ms per submission instead of 10; without, 2 instead of 3.4. The move itself costs
    0.05 s without torch, up to half a second with. Returns the MB moved; 0 where the kernel
    cannot (older kernels, transparent huge pages off), which changes only speed."""
    import ctypes
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as maps:
            lines = maps.readlines()
    except (OSError, AttributeError):
        return 0
    huge, moved = 1 << 21, 0
    for line in lines:
        fields = line.split()
        perms, path = fields[1], (fields[5] if len(fields) > 5 else "")
        if "w" not in perms or "p" not in perms or (path and path != "[heap]"):
            continue  # only anonymous private memory: the heap and malloc's arenas
        low, high = (int(x, 16) for x in fields[0].split("-"))
        low, high = (low + huge - 1) & ~(huge - 1), high & ~(huge - 1)
        if high > low:
            libc.madvise(low, high - low, 14)  # MADV_HUGEPAGE: allowed to use huge pages
            if libc.madvise(low, high - low, 25) == 0:  # MADV_COLLAPSE: now
                moved += high - low
    return moved >> 20


def _not_dumpable():
    _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


# ------------------------------------------------------- confinement set up once per zygote

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG, _PR_SET_DUMPABLE, _PR_SET_NO_NEW_PRIVS = 1, 4, 38
_CLONE_NEWNS, _CLONE_NEWIPC, _CLONE_NEWUSER = 0x00020000, 0x08000000, 0x10000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REMOUNT, _MS_BIND = 1, 2, 4, 8, 32, 4096
_MS_NOATIME, _MS_NODIRATIME, _MS_REC, _MS_PRIVATE, _MS_RELATIME = 1024, 2048, 1 << 14, 1 << 18, 1 << 21
# Places any process may write to, where bubblewrap cannot hide them: each zygote covers
# them with an empty read-only tmpfs (or, the one its TMPDIR is in, with its own /tmp).
_SHARED_PLACES = ("/tmp", "/var/tmp", "/dev/shm", "/dev/mqueue", "/run/shm", "/run/lock")
_TMP_INODES = 16384  # files a submission may have in its /tmp (each costs kernel memory)
# where the kernel keeps a cgroup slot's tasks from now on; zygote-wide (set_up_zygote)
_slot = {"join": [], "oom": None, "limit": []}
_oom_before = {}  # child pid -> the slot's OOM-kill count when it was forked
_memory_limit = [None]  # what the slot's memory limit was last set to


def _demote(spec):
    """Run as `uid:gid` (bubblewrap started the sandbox as root, kept only CAP_SETUID and
    CAP_SETGID for this): every capability goes with the uid, RLIMIT_NPROC then applies to
    submissions (it never does to root), and no exec can gain privileges back."""
    if not spec:
        return
    uid, gid = (int(x) for x in spec.split(":"))
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)


def _die_with_parent():
    """SIGKILL when the parent dies (the trusted side that started the sandbox, the mother,
    the zygote): nothing of a batch outlives it, even a `kill -9` of it."""
    parent = os.getppid()
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the call
        os._exit(1)


def set_up_zygote(disk_bytes, slot):
    """What a zygote sets up once for all its children: its own namespaces (make_private)
    and the cgroup its children join. Returns what worked, for the ready report."""
    global _slot
    if not disk_bytes:
        private = "not asked for"
    elif _private[0] is not True:
        private = _private[0]  # (what the trial said)
    else:
        private = make_private(disk_bytes)
    setup = {"private_tmp": private}
    if slot and slot["join"]:
        _slot = slot
        setup["cgroup"] = _cgroup_works()
    else:
        setup["cgroup"] = False
    return setup


_private = [None]  # what _try_private found: True, or why not


def _try_private(disk_bytes):
    """make_private in a throwaway child: True, or why not."""
    told, tell = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(told)
            os.write(tell, json.dumps(make_private(disk_bytes)).encode())
        finally:
            os._exit(0)
    os.close(tell)
    answer = _read_all(told)
    os.waitpid(pid, 0)
    return answer if answer is True or isinstance(answer, str) else "the trial of it failed"


def make_private(disk_bytes):
    """Give this zygote (and so its children) namespaces of its own: a user namespace (the
    same uid, no capabilities once done), a mount namespace where its TMPDIR is a tmpfs of
    `disk_bytes` (what a submission writes is bounded in total, and counted by its cgroup as
    memory) and the other shared places (/dev/shm, /var/tmp, ...) are empty and read-only,
    and an IPC namespace (no SysV IPC or POSIX queue reaches another zygote's children).
    Must run while the process has one thread. Returns True, or why not (a string)."""
    uid, gid = os.getuid(), os.getgid()
    tmp = os.path.realpath(tempfile.gettempdir())
    _libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # (to write its own uid_map after a setuid)
    try:
        if _libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNS | _CLONE_NEWIPC) != 0:
            return f"no namespaces of its own: {os.strerror(ctypes.get_errno())}"
        try:
            for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                               ("gid_map", f"{gid} {gid} 1")):
                _write_file(f"/proc/self/{name}", text)
            _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
            # The shared place TMPDIR is in (if any) becomes its own tmpfs, TMPDIR made anew
            # in it; every other shared place is covered, empty and read-only.
            home = next((p for p in _SHARED_PLACES if tmp == p or tmp.startswith(p + "/")), tmp)
            kept = _kept_under_shared_places()
            for place in _SHARED_PLACES:
                if place != home and os.path.isdir(place) and not os.path.islink(place) \
                        and not home.startswith(place + "/"):
                    _mount("tmpfs", place, "tmpfs", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                           "size=16k,nr_inodes=64,mode=0555")
                    _bind_back(kept, place)
                    _mount(None, place, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID
                           | _MS_NODEV | _MS_NOEXEC)
            _mount("tmpfs", home, "tmpfs", _MS_NOSUID | _MS_NODEV,
                   f"size={int(disk_bytes)},nr_inodes={_TMP_INODES},mode=0700")
            _bind_back(kept, home)
            os.makedirs(tmp, mode=0o700, exist_ok=True)
            os.chdir(tmp)
            return True
        except OSError as error:
            return f"no private /tmp: {error}"
        finally:
            _drop_capabilities()
    finally:
        _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _kept_under_shared_places():
    """{path: O_PATH fd} of what this interpreter runs from (its prefix, the folders on
    sys.path) where that lies in a shared place, e.g. a checkout and its venv under /tmp:
    covering the place must not hide the Python the children import from. Opened before the
    covering mount, bound back on top of it (_bind_back), read-only."""
    wanted = {os.path.realpath(p) for p in [sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path]
              if p and os.path.exists(p)}
    wanted = {p for p in wanted if any(p.startswith(place + "/") for place in _SHARED_PLACES)}
    outermost = [p for p in wanted if not any(p.startswith(q + "/") for q in wanted)]
    return {p: os.open(p, os.O_PATH | os.O_CLOEXEC) for p in sorted(outermost)}


def _bind_back(kept, place):
    """Bind each kept path under `place` back at its own path, read-only, over the new tmpfs."""
    for path, fd in kept.items():
        if not path.startswith(place + "/"):
            continue
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(path, mode=0o555, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(path), mode=0o555, exist_ok=True)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o444))
        _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
        # A remount must keep the flags the source's mount has (the kernel locks them in a
        # user namespace), and adds read-only.
        have = os.statvfs(path).f_flag
        keep = have & (_MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC | _MS_NOATIME | _MS_NODIRATIME)
        keep |= _MS_RELATIME if have & os.ST_RELATIME else 0
        _mount(None, path, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | keep)
        os.close(fd)


def _mount(source, target, fstype, flags, data=None):
    encode = lambda x: None if x is None else x.encode()  # noqa: E731
    if _libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags),
                   encode(data)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"mount {target}: {os.strerror(code)}")


def _write_file(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _drop_capabilities():
    """The new user namespace gave this process every capability in it: none is needed."""
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()                  # effective, permitted, inheritable: none
    _libc.capset(header, data)


def _slot_from(spec):
    """'j5,j6,o7,l8' -> {"join": [5, 6], "oom": 7, "limit": [8]}: fds of a cgroup's
    cgroup.procs files (one per hierarchy), of its OOM counter (memory.oom_control or
    memory.events) and of its memory limit file."""
    slot = {"join": [], "oom": None, "limit": []}
    for item in filter(None, spec.split(",")):
        role, fd = item[0], int(item[1:])
        if role == "j":
            slot["join"].append(fd)
        elif role == "o":
            slot["oom"] = fd
        elif role == "l":
            slot["limit"].append(fd)
    return slot


def _tighten_memory(limits):
    """The slot's memory limit: what a child may allocate and write to its /tmp, plus this
    zygote's own resident memory (the most a child can copy of it by writing to it). Set
    again when that moved by more than 5% (huge pages, a grown heap); a few microseconds."""
    if not _slot["limit"]:
        return
    try:
        fd = os.open("/proc/self/statm", os.O_RDONLY)
        try:
            resident = int(os.read(fd, 256).split()[1]) * _PAGE_SIZE
        finally:
            os.close(fd)
    except (OSError, ValueError, IndexError):
        return
    limit = limits.get("memory_bytes", 0) + limits.get("disk_bytes", 0) + resident + (32 << 20)
    last = _memory_limit[0]
    if last is not None and abs(limit - last) < last // 20:
        return
    for fd in _slot["limit"]:
        try:
            os.pwrite(fd, str(limit).encode(), 0)
        except OSError:
            return  # (above the trusted side's limit: that one stays)
    _memory_limit[0] = limit


def _close_slot(slot):
    for fd in (slot or {}).get("join", []) + (slot or {}).get("limit", []) + [(slot or {}).get("oom")]:
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def _join_slot():
    """Move this process into the slot's cgroup (b"0" is the writer itself)."""
    for fd in _slot["join"]:
        try:
            os.write(fd, b"0")
        except OSError:
            pass


def _cgroup_works():
    """Whether a child can join the slot's cgroup (the kernel may refuse: permissions)."""
    pid = os.fork()
    if pid == 0:
        ok = True
        for fd in _slot["join"]:
            try:
                os.write(fd, b"0")
            except OSError:
                ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _oom_kills():
    """How many times the kernel's OOM killer ended a task of the slot's cgroup."""
    fd = _slot["oom"]
    if fd is None:
        return None
    try:
        text = os.pread(fd, 4096, 0).decode()
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == "oom_kill":
            return int(value)
    return None


def _read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    try:
        return json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        return {}


def seccomp_works():
    """Whether a child can install the filter here (and is then refused a fork)."""
    pid = os.fork()
    if pid == 0:
        try:
            seccomp.install()
            try:
                os._exit(3 if os.fork() == 0 else 4)  # the fork must fail
            except OSError:
                os._exit(0)
        except BaseException:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def spawn(ctrl, limits):
    _tighten_memory(limits)
    parent_end, child_end = socket.socketpair()
    workdir = tempfile.mkdtemp(prefix="submission-")
    pid = os.fork()
    if pid == 0:
        try:
            ctrl.close()
            parent_end.close()
            Child(child_end, workdir, limits).serve()
        finally:
            os._exit(0)
    child_end.close()
    if _slot["oom"] is not None:
        _oom_before[pid] = _oom_kills()
    socket.send_fds(ctrl, [b"F"], [parent_end.fileno()])
    parent_end.close()
    wire.send(ctrl, {"pid": pid, "workdir": workdir})
    return pid, workdir


def end_child(pid, own_pid_namespace):
    """Kill the child's whole session and reap it; report how it ended."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        status = None
    if own_pid_namespace:
        # Everything but this zygote and the namespace's init belongs to some submission:
        # grandchildren that escaped the session die here too.
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _reap_all()
    before = _oom_before.pop(pid, None)
    if status is None:
        return {"status": "unknown"}
    if os.WIFSIGNALED(status):
        ended = {"status": "signal", "signal": os.WTERMSIG(status)}
        if before is not None and (_oom_kills() or 0) > before:
            ended["memory"] = True  # the cgroup's memory limit (shared memory, tmpfs) killed it
        return ended
    return {"status": "exit", "code": os.WEXITSTATUS(status)}


def _reap_all():
    while True:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                return
        except ChildProcessError:
            return


# ------------------------------------------------------------------------------------- child

class BoundedOutput(io.TextIOBase):
    """stdout/stderr of student code: keeps the first 64 KiB, drops the rest without failing."""

    def __init__(self):
        self.kept = []
        self.size = 0

    def writable(self):
        return True

    def write(self, text):
        if self.size < OUTPUT_KEPT:
            self.kept.append(text[:OUTPUT_KEPT - self.size])
            self.size += len(self.kept[-1])
        return len(text)


class Child:
    """One submission: a namespace that the notebook's cells run in, and calls into it."""

    def __init__(self, sock, workdir, limits):
        _join_slot()  # first: what it allocates from now on counts against its cgroup
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # dies with its zygote
        self.sock = sock
        self.handles = {}
        self.formulas = {}  # id -> (SymPy expression, its text)
        os.setsid()  # its own process group, so the zygote can kill everything it started
        os.chdir(workdir)
        os.environ["HOME"] = os.environ["TMPDIR"] = workdir
        tempfile.tempdir = None
        self.own_proc = confine_files(workdir)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        low = 3
        for keep in sorted({sock.fileno(), self.own_proc} - {None}):
            os.closerange(low, keep)
            low = keep + 1
        os.closerange(low, 1 << 16)
        apply_limits(limits)
        try:
            seccomp.install()
        except OSError:
            pass  # reported once per zygote by seccomp_works(); the grader warns
        sys.stdout = sys.stderr = self.output = BoundedOutput()
        warnings.simplefilter("ignore")  # a student's warnings cost nothing and go nowhere
        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = builtins
        sys.modules["__main__"] = main
        self.namespace = main.__dict__

    def serve(self):
        """Answer each request with a reply carrying the request's "id": the trusted side
        takes a reply only for the call it is waiting on (student code can write frames to
        this socket too: SandboxedRun._reply)."""
        while True:
            try:
                request = wire.receive(self.sock, MAX_MESSAGE)
            except (EOFError, OSError):
                return
            call = request.get("id") if type(request) is dict else None
            try:
                reply = {"id": call, "value": self.handle(request)}
            except BaseException as error:  # a student's SystemExit is an error, not our exit
                reply = {"id": call, "error": describe(error)}
            try:
                payload = wire.pack(reply, self.to_plain)
            except BaseException as error:
                payload = wire.pack({"id": call,
                                     "error": dict(describe(error), type="an ungradable value")})
            self.sock.sendall(payload)

    def handle(self, request):
        op = request["op"]
        self.plain_bases = request.get("plain_bases") is True
        if op == "exec":
            if request.get("guard"):  # before the first cell: the forbidden calls (guards.py)
                guards.FORBIDDEN.install(request["guard"], self.namespace)
            exec(compile(request["source"], f"<{request['name']}>", "exec"), self.namespace)
            return None
        if op == "call":
            target = request["target"]
            fn = self.resolve(target) if isinstance(target, wire.Handle) else self.lookup(target)
            args = self.resolve(request.get("args", []))
            kwargs = self.resolve(request.get("kwargs", {}))
            saved = guards.kept(args, kwargs)  # the course's rule: inputs are never modified
            value = self.guarded(request, fn, *args, **kwargs)
            guards.check_unmodified(fn, saved)
            return value
        if op == "get":
            return self.lookup(request["name"])
        if op == "has":
            return request["name"] in self.namespace
        if op == "set":  # a foreign-format test cell binding a name of the notebook (trusted side)
            self.namespace[request["name"]] = self.resolve(request.get("value"))
            return None
        if op == "delete":  # ... or deleting one (`del squares`)
            self.lookup(request["name"])
            del self.namespace[request["name"]]
            return None
        if op == "getattr":
            return self.guarded(request, getattr, self.resolve(request["target"]), request["name"])
        if op == "operator":  # `a * 3`, `2 - a`, `-a` on handles: Python's own dispatch, here
            if request["name"] not in OPERATORS:
                raise ValueError(f"unknown operator {request['name']!r}")
            return self.guarded(request, getattr(operator, request["name"]),
                                *self.resolve(request.get("args", [])))
        if op == "define":
            scope = {"np": np, "math": math}
            if request.get("notebook"):
                scope = {**self.namespace, **scope}
            return self.new_handle(eval(request["source"], scope))
        if op == "output":
            return "".join(self.output.kept)
        raise ValueError(f"unknown operation {op!r}")

    def guarded(self, request, fn, *args, **kwargs):
        """fn(*args, **kwargs), refusing the library calls the request's question forbids."""
        forbid = request.get("forbid")
        if not forbid:
            return fn(*args, **kwargs)
        guards.FORBIDDEN.begin(forbid)
        try:
            return fn(*args, **kwargs)
        finally:
            guards.FORBIDDEN.end()  # raises ForbiddenCall if one was refused, caught or not

    def lookup(self, name):
        if name not in self.namespace:
            raise NameError(f"name {name!r} is not defined in the notebook")
        return self.namespace[name]

    def resolve(self, value):
        if isinstance(value, wire.Handle):
            return self.handles[value.id]
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve(v) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def new_handle(self, obj):
        handle = wire.Handle(len(self.handles) + 1, type(obj).__name__)
        self.handles[handle.id] = obj
        return handle

    def to_plain(self, obj):
        """What to send for an object the wire format has no tag for."""
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(obj, torch.Tensor):
            return obj.detach().cpu().numpy()  # anything but a plain array is refused
        if isinstance(obj, np.ndarray):  # subclasses (matrix, masked) as plain arrays
            return np.array(obj)
        if getattr(self, "plain_bases", False) and isinstance(obj, _PLAIN_BASES):
            # (asked by a foreign-format test on the trusted side: a student's list or float
            # subclass is read as the plain list or float it holds, its methods left behind)
            return next(convert(obj) for base, convert in _PLAIN_BASES_CONVERT if isinstance(obj, base))
        sympy = sys.modules.get("sympy")
        if sympy is not None and isinstance(obj, sympy.Basic):
            # Hidden tests read the same formula several times; SymPy prints it slowly (and
            # three times slower when it orders the terms, which the reading side redoes).
            # (each expression is kept with its text, so no other object takes its id)
            kept = self.formulas.get(id(obj))
            if kept is None:
                text = wire.ExpressionText(sympy.sstr(obj, order="none"))
                kept = self.formulas[id(obj)] = (obj, text)
            return kept[1]
        return self.new_handle(obj)


# Built-in types' own methods, which a subclass cannot override for these calls.
_PLAIN_BASES_CONVERT = ((bool, bool.__bool__), (int, int.__int__), (float, float.__float__),
                        (complex, complex.__complex__), (str, str.__str__), (list, list.copy),
                        (tuple, lambda t: tuple.__getitem__(t, slice(None))), (dict, dict.copy))
_PLAIN_BASES = tuple(base for base, _ in _PLAIN_BASES_CONVERT)


def describe(error):
    """A student's exception as plain strings: type, message and the student's own frames."""
    try:
        message = str(error)
    except BaseException:
        message = "(the exception's message could not be read)"
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<")]
    where = [f"{f.filename} line {f.lineno}, in {f.name}" for f in frames[-3:]]
    # The built-in classes it derives from: a trusted-side test's `except ValueError` catches it
    builtin = [c.__name__ for c in type(error).__mro__ if c.__module__ == "builtins"][:8]
    return {"type": type(error).__name__, "message": message[:2000], "where": where,
            "builtin": builtin}


def confine_files(workdir):
    """Landlock: read-only access to the OS and Python, read-write to `workdir` and to the
    device files it needs (/dev/null, ...), nothing else: not the other submissions' folders
    next to it, not /dev/shm, not the course where bubblewrap is missing, and of /proc only
    its own process and a few global files (not another process's name, memory or state).
    Where the kernel has no Landlock, bubblewrap's mounts are what confines. Returns an fd
    on /proc/<its pid>, kept open for the process's life (a rule holds an inode, and /proc
    makes a new one whenever it forgets a dentry: the fd keeps the dentry), or None."""
    own = f"/proc/{os.getpid()}"
    try:
        pin = os.open(own, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        pin = None
    _readable().restrict([workdir], readable=[own])
    return pin


# Of /proc, besides its own process: global figures Python, numpy and psutil read.
_PROC_FILES = ("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/loadavg", "/proc/uptime",
               "/proc/version", "/proc/filesystems", "/proc/sys")
_DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")


@functools.cache  # prepared once in the zygote (main), before its first fork
def _readable():
    here = os.path.dirname(os.path.abspath(__file__))
    paths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
             *_PROC_FILES, here, sys.base_prefix, sys.prefix, sys.exec_prefix,
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))]
    return landlock.Readable(dict.fromkeys(p for p in paths if p not in ("/", "")),
                             files=_DEVICE_FILES)


def apply_limits(limits):
    def cap(resource_id, soft, hard=None):
        try:
            resource.setrlimit(resource_id, (soft, soft if hard is None else hard))
        except (ValueError, OSError):
            pass
    mapped = _virtual_memory_bytes()
    cap(resource.RLIMIT_AS, mapped + limits["memory_bytes"])
    cap(resource.RLIMIT_CPU, limits["cpu_seconds"], limits["cpu_seconds"] + 1)
    cap(resource.RLIMIT_FSIZE, limits["file_bytes"])
    cap(resource.RLIMIT_NPROC, limits["processes"])
    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_NOFILE, _OPEN_FILES)  # each pipe or socket pins kernel memory


def _virtual_memory_bytes():
    fd = os.open("/proc/self/statm", os.O_RDONLY)  # (no file object: this runs in every child)
    try:
        return int(os.read(fd, 256).split()[0]) * _PAGE_SIZE
    finally:
        os.close(fd)


if __name__ == "__main__":
    main()
