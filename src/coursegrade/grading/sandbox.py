"""The trusted side of the sandbox: starts a zygote inside bubblewrap and runs submissions in
children forked from it. Everything a child sends back is decoded by `wire` (plain data, no
pickle); every way a child can misbehave ends as a `StudentError` with a kind and a message.
Student code can write to its own end of the socket, so a reply is taken only for the call it
answers (requests and replies carry ids) and any bytes at all end as that call's error.
"""
import itertools
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursegrade.core import trusted
from coursegrade.grading import cgroups, scratch as scratches
from coursegrade.core.errors import StudentError
from coursegrade.core.settings import Limits
from coursegrade.inside import wire

INSIDE_DIR = Path(wire.__file__).resolve().parent
SANDBOX_RUNTIME = "/sandbox/runtime"  # where INSIDE_DIR appears inside bubblewrap
MAX_MESSAGE = 1 << 28


# (StudentError, from core/errors.py, is what every way a child can misbehave ends as.)
_CALL_IDS = itertools.count(1)  # ids of requests to children, increasing, one per worker
_TIMED_FRAME = 1 << 20  # replies at least this large are decoded under trusted.limited


class SandboxUnavailable(RuntimeError):
    pass


# ------------------------------------------------------------------------------ bubblewrap

_bwrap_checked = None


def bwrap_usable():
    """Whether bubblewrap can create the namespaces we need on this machine (checked once)."""
    return _bwrap_mode() is not None


def _bwrap_mode():
    """How bubblewrap runs here, found once by trying the strongest way first: {"user": the
    (uid, gid) the sandbox drops to (the grader runs as root) or None, "tmpfs": whether /tmp
    is a size-limited tmpfs (bubblewrap 0.7+) rather than a scratch folder on disk}; None
    where it cannot run at all."""
    global _bwrap_checked
    if _bwrap_checked is None:
        path = shutil.which("bwrap")
        _bwrap_checked = False
        user = sandbox_user()
        candidates = ([{"user": user, "tmpfs": True}] if user else []) + [
            {"user": None, "tmpfs": True}, {"user": None, "tmpfs": False}]
        for mode in candidates if path and sys.platform.startswith("linux") else []:
            scratch = None if mode["tmpfs"] else scratches.new_folder("probe-")
            try:
                probe = subprocess.run(_bwrap_argv(path, scratch, 1 << 20, mode) + _probe_command(mode),
                                       capture_output=True, timeout=20)
            except (OSError, subprocess.TimeoutExpired):
                continue
            finally:
                if scratch is not None:
                    shutil.rmtree(scratch, ignore_errors=True)
            if probe.returncode == 0:
                _bwrap_checked = mode
                break
    return _bwrap_checked or None


def bwrap_mode():
    """What `_bwrap_mode` found, to hand to another process (a grading worker)."""
    return _bwrap_mode()


def set_bwrap_mode(mode):
    """Take what another process found (so a worker does not probe again)."""
    global _bwrap_checked
    if mode is not None:
        _bwrap_checked = dict(mode, user=tuple(mode["user"]) if mode.get("user") else None)


def _probe_command(mode):
    if not mode["user"]:
        return ["/bin/true"]
    uid, gid = mode["user"]  # the sandbox must be able to drop to it and write its /tmp
    return [sys.executable, "-I", "-S", "-c",
            f"import os; os.setgroups([]); os.setresgid({gid}, {gid}, {gid}); "
            f"os.setresuid({uid}, {uid}, {uid}); open('/tmp/probe', 'w').close()"]


def sandbox_user():
    """(uid, gid) that sandboxes run as where the grader is root ("nobody"), else None:
    RLIMIT_NPROC never applies to root, and root's capabilities are best not had at all."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        import pwd
        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return 65534, 65534


def _bwrap_argv(bwrap, scratch=None, tmp_bytes=1 << 28, mode=None):
    """No network, no IPC, own PIDs; the OS and Python read-only; a private /tmp: a tmpfs of
    `tmp_bytes` (counted as memory by the cgroups of whoever writes it, and each zygote has a
    /tmp of its own in it, zygote.make_private) or, with an old bubblewrap, the `scratch`
    folder on disk; everything else read-only; the sandbox runtime; nothing else of the course
    (no autograder/, source/, gradebook). Where the grader is root, bubblewrap runs without a
    user namespace and keeps only CAP_SETUID and CAP_SETGID, for zygote.py to drop to
    mode["user"] before anything else (--demote)."""
    mode = mode or _bwrap_mode() or {"user": None, "tmpfs": False}
    if mode["user"]:
        argv = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                "--unshare-cgroup-try", "--cap-drop", "ALL", "--cap-add", "CAP_SETUID",
                "--cap-add", "CAP_SETGID"]
    else:
        argv = [bwrap, "--unshare-all", "--cap-drop", "ALL"]
    argv += ["--die-with-parent", "--new-session", "--proc", "/proc", "--dev", "/dev"]
    if mode["tmpfs"]:
        argv += ["--perms", "1777", "--size", str(int(tmp_bytes)), "--tmpfs", "/tmp"]
    else:
        argv += ["--bind", scratch, "/tmp"]
    argv += ["--chdir", "/tmp", "--hostname", "sandbox"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        if os.path.exists(etc):
            argv += ["--ro-bind", etc, etc]
    binds = [(tree, tree) for tree in _python_trees()] + [(str(INSIDE_DIR), SANDBOX_RUNTIME)]
    # The folders above each mount point, readable by all (made by root, bubblewrap would
    # copy modes such as /root's 0700, which the dropped uid could not pass).
    parents = {}
    for _, target in binds:
        parent = os.path.dirname(target)
        while parent not in ("/", "") and not parent.startswith(("/usr", "/bin", "/lib", "/sbin")):
            parents[parent] = None
            parent = os.path.dirname(parent)
    for parent in sorted(parents, key=len):
        argv += ["--perms", "0755", "--dir", parent]
    for source, target in binds:
        argv += ["--ro-bind", source, target]
    return argv + ["--remount-ro", "/dev", "--remount-ro", "/"]


_warned = set()


def _warn_about(info):
    """Say once per process (on stderr, where a batch's warnings go) what a zygote could not
    set up for its submissions."""
    if type(info) is not dict:
        return
    private = info.get("private_tmp")
    weaknesses = []
    if isinstance(private, str) and private != "not asked for":
        weaknesses.append(f"the sandbox's zygote has no /tmp of its own ({private}): a "
                          "submission's files are bounded only by the sandbox's /tmp")
    if info.get("seccomp") is False:
        weaknesses.append("seccomp does not work here: nothing refuses fork, signals or sockets")
    if info.get("cgroup") is False and cgroups.why_not() is None:
        weaknesses.append("a submission's process could not join the cgroup made for it (the "
                          "kernel refused the move): memory and tasks are bounded by rlimits only")
    for weakness in weaknesses:
        if weakness not in _warned:
            _warned.add(weakness)
            print(f"WARNING: {weakness}.", file=sys.stderr, flush=True)


def _open_to_others(path):
    """Whether a user without privileges (the sandbox's, without bubblewrap) can reach and
    read `path`: every folder above it searchable by others, itself readable by others."""
    path = os.path.realpath(path)
    try:
        parent = os.path.dirname(path)
        while parent not in ("/", ""):
            if not os.stat(parent).st_mode & 0o001:
                return False
            parent = os.path.dirname(parent)
        return bool(os.stat(path).st_mode & 0o004)
    except OSError:
        return False


def _user_without_bwrap():
    """The uid the zygote drops to without bubblewrap: sandbox_user(), if it can read Python
    and the runtime where they are (no mounts to move them); else None (it stays root)."""
    user = sandbox_user()
    if user is None:
        return None
    import sysconfig
    needed = [sys.executable, str(INSIDE_DIR / "zygote.py"), os.path.dirname(os.__file__)]
    needed += [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    return user if all(_open_to_others(p) for p in needed) else None


def isolation_warnings(use_bwrap):
    """What this machine cannot give the sandbox, in words (the batch prints them)."""
    from coursegrade.inside import landlock
    warnings = []
    missing_cgroups = cgroups.why_not()
    if missing_cgroups:
        warnings.append(f"no cgroups ({missing_cgroups}): shared memory and tmpfs pages are not "
                        "counted against a submission's memory, nor its threads against a "
                        "limit of its own")
    if landlock.abi_version() < 6:
        warnings.append("this kernel's Landlock cannot scope signals and abstract sockets "
                        "(Linux 6.12+); seccomp alone refuses them")
    user = (_bwrap_mode() or {}).get("user") if use_bwrap else _user_without_bwrap()
    if os.geteuid() == 0 and not user:
        warnings.append("submissions run as root (no unprivileged uid could run Python here): "
                        "the process limit (RLIMIT_NPROC) does not apply to them")
    return warnings


def _python_trees():
    """The interpreter's own install and the virtualenv: all the sandbox needs of Python."""
    trees = {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix, sys.exec_prefix)}
    trees.add(os.path.dirname(os.path.dirname(os.path.realpath(sys.executable))))
    # Drop trees nested in others; never mount the whole file system.
    trees = {t for t in trees if t != "/" and not any(t != o and t.startswith(o + "/") for o in trees)}
    return sorted(t for t in trees if not t.startswith(("/usr", "/lib", "/bin")))


# ---------------------------------------------------------------------------------- zygote

class Zygote:
    """A warm interpreter inside the sandbox that forks one child per submission. Started on
    its own (a sandbox per zygote), or made by a `ZygoteMother` through a `channel`."""

    def __init__(self, limits=None, use_bwrap=None, preload="numpy,sympy,torch,warmup",
                 warm_cells=(), channel=None, full=True, requested=False, cpu=None):
        self.limits = limits or Limits()
        self.use_bwrap = bwrap_usable() if use_bwrap is None else use_bwrap
        self.preload = preload
        self.warm_cells = list(warm_cells)  # public code the zygote runs once (zygote.warm_up)
        self.channel = channel  # to a ZygoteMother, if there is one
        self.full = full        # from the mother: with its later modules (torch) or without
        self.cpu = cpu          # from the mother: the CPU it and its children run on
        self.process = self.ctrl = self.info = None
        # requests to the mother whose zygote is yet to be read (the first may have been sent
        # for us: ZygoteMother.channel(request=...))
        self.asked_mother = 1 if channel is not None and requested else 0
        self.requested = requested
        self.starts = 0
        self.scratch = self.slot = None

    @property
    def isolation(self):
        info = self.info or {}
        layers = ["bubblewrap" if self.use_bwrap else "rlimits only (no bubblewrap)"]
        if info.get("seccomp"):
            layers.append("seccomp")
        if info.get("landlock"):
            layers.append("landlock (scoped)" if info.get("landlock_scoped") else "landlock")
        if info.get("cgroup"):
            layers.append("cgroup")
        if info.get("private_tmp") is True:
            layers.append("own /tmp")
        if info.get("uid", 0) != 0:
            layers.append("unprivileged")
        return " + ".join(layers)

    def start(self):
        """Launch the zygote (or ask the mother for one) and return at once; the first `spawn`
        waits until it is ready, so a worker can collect its hidden suite meanwhile."""
        self.close()
        self.info = None
        if self.channel is not None:
            if self.requested:  # the first request went with the channel
                self.requested = False
                return self
            try:
                self.channel.settimeout(30)
                wire.send(self.channel, {"op": "zygote", "full": self.full, "cpu": self.cpu})
                self.asked_mother += 1
                return self
            except OSError:
                self._forget_mother()
        self.slot = _slot_for(self.limits)
        self.process, self.ctrl, self.scratch = _launch(self.preload, self.warm_cells,
                                                        self.use_bwrap, mother=False,
                                                        limits=self.limits, slot=self.slot)
        return self

    def wait_ready(self):
        if self.info is not None:
            return self.info
        if self.asked_mother:
            try:
                self.channel.settimeout(120)
                while self.asked_mother:  # the last answer is ours; earlier ones are stale
                    _, fds, _, _ = socket.recv_fds(self.channel, 1, 1)
                    if len(fds) != 1:
                        raise EOFError("no zygote received")
                    self.asked_mother -= 1
                    if self.ctrl is not None:
                        self.ctrl.close()  # a stale zygote ends when its socket closes
                    self.ctrl = socket.socket(fileno=fds[0])
                    self.info = wire.receive(self.channel, MAX_MESSAGE)
            except (EOFError, OSError, wire.WireError):
                self._forget_mother()  # the mother is gone: a sandbox of our own from now on
                self.start()
                return self.wait_ready()
            self.starts += 1
            _warn_about(self.info)
            return self.info
        self.ctrl.settimeout(120)
        try:
            self.info = wire.receive(self.ctrl, MAX_MESSAGE)
        except (EOFError, OSError, wire.WireError) as error:
            stderr = self._stderr()
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start ({error}): {stderr}") from None
        self.starts += 1
        _warn_about(self.info)
        return self.info

    def ready_now(self):
        """Whether the zygote is ready (or has failed: spawn will say), without waiting. A
        zygote from the mother not asked for yet is asked for now."""
        if self.info is not None:
            return True
        if self.channel is not None and not self.asked_mother and self.ctrl is None:
            self.start()
            return False
        sock = self.channel if self.asked_mother else self.ctrl
        if sock is None or select.select([sock], [], [], 0)[0]:
            try:
                self.wait_ready()
            except SandboxUnavailable:
                pass
            return True
        return False

    def _forget_mother(self):
        if self.channel is not None:
            self.channel.close()
        self.channel, self.asked_mother, self.info = None, 0, None

    def _stderr(self):
        try:
            self.process.kill()
            return self.process.communicate(timeout=5)[1].decode(errors="replace")[-2000:]
        except (OSError, subprocess.TimeoutExpired, ValueError):
            return ""

    def alive(self):
        if self.process is None:  # made by the mother: alive until its socket fails
            return self.ctrl is not None or self.asked_mother > 0
        return self.process.poll() is None

    def spawn(self):
        """A fresh child: (socket to it, its pid). Restarts the zygote if it has died."""
        for attempt in (1, 2):
            if not self.alive():
                self.start()
            self.wait_ready()
            try:
                self.ctrl.settimeout(30)
                wire.send(self.ctrl, {"op": "spawn", "limits": self.limits.for_child()})
                _, fds, _, _ = socket.recv_fds(self.ctrl, 1, 1)
                info = wire.receive(self.ctrl, MAX_MESSAGE)
                if len(fds) != 1:
                    raise EOFError("no socket received")
                return socket.socket(fileno=fds[0]), info["pid"]
            except (EOFError, OSError, wire.WireError, KeyError, TypeError):
                self.close()
                if attempt == 2:
                    raise SandboxUnavailable("the sandbox's zygote keeps dying") from None

    def end(self, pid):
        """Kill a child (and its process group) and say how it ended."""
        if not self.alive():
            return {"status": "zygote-died"}
        try:
            self.ctrl.settimeout(30)
            wire.send(self.ctrl, {"op": "kill", "pid": pid})
            return wire.receive(self.ctrl, MAX_MESSAGE)
        except (EOFError, OSError, wire.WireError):
            self.close()  # a child took the zygote with it; the next spawn starts a new one
            return {"status": "zygote-died"}

    def close(self):
        _shut_down(self)  # a zygote made by the mother ends when its socket closes, children too


class ZygoteMother:
    """One warm sandbox process that makes a zygote per grading worker, so that a batch pays
    the imports (numpy, SymPy, torch: about two seconds of CPU) once instead of per worker.
    Its zygotes share the sandbox's /tmp, so it is used only where Landlock confines each
    submission to its own folder there (`mother_usable`)."""

    def __init__(self, limits=None, use_bwrap=None, preload="numpy,sympy,torch,warmup", warm_cells=(),
                 later=("torch",), zygotes=None):
        self.limits = limits or Limits()
        self.use_bwrap = bwrap_usable() if use_bwrap is None else use_bwrap
        self.preload, self.warm_cells = preload, list(warm_cells)
        self.later = tuple(later)  # c.Sandbox.preload_later: imported after the first zygotes
        # how many zygotes at once (for the size of the sandbox's own /tmp, which holds the
        # submissions' folders only where a zygote cannot have a /tmp of its own)
        self.zygotes = zygotes or 2 * (os.cpu_count() or 1)
        self.process = self.ctrl = self.scratch = self.slot = None
        self.slots = []  # one cgroup per channel (its zygotes' children join it)

    def start(self):
        """Launch; the `later` modules (torch) are imported after the first zygotes are made
        (zygote.make_zygotes)."""
        modules = self.preload.split(",")
        later = [m for m in modules if m in self.later]
        now = ",".join(m for m in modules if m not in later)
        self.process, self.ctrl, self.scratch = _launch(now, self.warm_cells, self.use_bwrap,
                                                        mother=True, later=",".join(later),
                                                        limits=self.limits, tmp_copies=self.zygotes)
        return self

    def channel(self, request=None, cpu=None):
        """A socket for one worker's `Zygote(channel=...)`; the mother serves it once ready.
        With `request` (full: True or False), a zygote (on `cpu`) is asked for at once. The
        channel brings a cgroup of its own (where there are cgroups), for its zygotes'
        children."""
        ours, theirs = socket.socketpair()
        slot = _slot_for(self.limits)
        fds = []
        try:
            if slot is not None:
                self.slots.append(slot)
                try:
                    fds = slot.fds()
                except OSError:
                    fds = []
            roles = "".join(role for role, _ in fds)
            socket.send_fds(self.ctrl, [b"C" + roles.encode()], [ours.fileno()] + [fd for _, fd in fds])
        finally:
            ours.close()
            for _, fd in fds:
                os.close(fd)
        if request is not None:
            wire.send(theirs, {"op": "zygote", "full": bool(request), "cpu": cpu})
        return theirs

    def close(self):
        _shut_down(self)


def _shut_down(sandbox):
    """Close a Zygote's or ZygoteMother's control socket, kill its sandbox (the whole process
    group) and remove its scratch folder."""
    if sandbox.ctrl is not None:
        sandbox.ctrl.close()
        sandbox.ctrl = None
    if sandbox.process is not None:
        try:
            os.killpg(sandbox.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        sandbox.process.wait()
        if sandbox.process.stderr:
            sandbox.process.stderr.close()
        sandbox.process = None
    if sandbox.scratch is not None:
        shutil.rmtree(sandbox.scratch, ignore_errors=True)
        sandbox.scratch = None
    for slot in [sandbox.slot] + getattr(sandbox, "slots", []):
        if slot is not None:
            slot.remove()  # (its tasks died with the sandbox)
    sandbox.slot = None
    if hasattr(sandbox, "slots"):
        sandbox.slots = []


# What a submission's cgroup allows beyond its own limits, until its zygote has set the
# limit to what it may add to the zygote's own memory (zygote._tighten_memory).
_SLOT_MARGIN = 512 << 20


def _slot_for(limits):
    """A cgroup for one zygote's children (cgroups.Slot), or None without cgroups."""
    child = limits.for_child()
    return cgroups.slot(child["memory_bytes"] + child.get("disk_bytes", 0) + _SLOT_MARGIN,
                        child["processes"])


def mother_usable():
    """Whether this kernel has Landlock, which zygotes sharing one sandbox need."""
    from coursegrade.inside import landlock
    return landlock.abi_version() >= 1


def _launch(preload, warm_cells, use_bwrap, mother, later="", limits=None, slot=None,
            tmp_copies=1):
    """Start zygote.py (in bubblewrap where it can run) and send it the cells to warm up
    with: (process, control socket, scratch folder or None). Where the grader is root the
    sandbox runs as an unprivileged uid; `slot` (a cgroups.Slot) is handed to the zygote for
    its children. A scratch folder on the host (in the run's folder, scratch.py) is made only
    where the sandbox has no tmpfs of its own: without bubblewrap, or with an old one."""
    ours, theirs = socket.socketpair()
    python = sys.executable
    disk = (limits or Limits()).for_child().get("disk_bytes", 0)
    mode = _bwrap_mode() if use_bwrap else None
    scratch = None
    if not (mode and mode["tmpfs"]):
        scratch = scratches.new_folder("sandbox-")
    user = mode["user"] if mode else (_user_without_bwrap() if not use_bwrap else None)
    if user and scratch is not None and not _open_to_others(tempfile.gettempdir()):
        user = None  # it could not reach its scratch folder
    if use_bwrap:
        tmp_bytes = disk * max(1, tmp_copies) + (1 << 20)
        argv = _bwrap_argv(shutil.which("bwrap"), scratch, tmp_bytes, mode) + [
            python, "-I", f"{SANDBOX_RUNTIME}/zygote.py"]
        # kill(-1) cleans a zygote's PID namespace only when nothing else lives in it
        argv += ["--mother", "--later", later] if mother else ["--own-pid-namespace"]
        cwd = None
    else:
        argv = [python, "-I", str(INSIDE_DIR / "zygote.py")] + (["--mother", "--later", later] if mother else [])
        cwd = scratch
    if user:
        argv += ["--demote", f"{user[0]}:{user[1]}"]
        if scratch is not None:  # the sandbox's uid writes there (if it has no /tmp of its own)
            os.chmod(scratches.run_folder(), 0o711)
            os.chown(scratch, *user)
    fds = []
    try:
        fds = slot.fds() if slot is not None else []
    except OSError:
        fds = []
    if fds:
        argv += ["--cgroup", ",".join(f"{role}{fd}" for role, fd in fds)]
    argv += ["--ctrl-fd", str(theirs.fileno()), "--preload", preload, "--disk-bytes", str(disk)]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp" if use_bwrap else scratch,
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        process = subprocess.Popen(argv, pass_fds=[theirs.fileno()] + [fd for _, fd in fds],
                                   env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   start_new_session=True)
    finally:
        for _, fd in fds:
            os.close(fd)
    theirs.close()
    try:  # read by the zygote once its imports are done
        ours.settimeout(30)
        wire.send(ours, {"op": "warm", "cells": list(warm_cells)})
    except OSError:
        pass  # a zygote that died at once: wait_ready says why
    return process, ours, scratch


# ----------------------------------------------------------------------- one submission

class SandboxedRun:
    """One submission's code in a child of the zygote: its cells are executed once, then the
    hidden tests call into it. A child that dies or overruns is replaced (cells re-executed,
    skipping any cell that killed the previous one). Restarts are budgeted per question
    (`question`, set by the hidden suite before each test): once calls for one question have
    ended the child more than `limits.restarts` times, that question's later calls fail at
    once, and the other questions are graded as usual.

    `forbidden` ({question: [dotted names]}, FORBIDDEN_CALLS) is enforced inside the child:
    the listed library functions are wrapped there before any cell runs, and refuse to work
    while the child answers a call for a question that forbids them (inside/guards.py)."""

    def __init__(self, zygote, cells, forbidden=None):
        self.zygote, self.limits = zygote, zygote.limits
        self.cells = cells            # [(name, source)] in notebook order
        self.cell_outcomes = {}       # name -> {"kind", "message"} for cells that failed
        self.bad_cells = set()        # cells not re-run after they killed or stalled a child
        self.deadline = time.monotonic() + self.limits.submission_seconds
        self.sock = self.pid = self.timeout = None
        self.forbidden = {q: sorted(set(names)) for q, names in (forbidden or {}).items() if names}
        self.question = None          # the question the current calls are made for
        self.deaths = {}              # question -> how often its calls ended the child
        self.failures = {}            # question -> how the last of those ended
        self.last_failure = None
        self._building = False        # cells are being executed (a death there is the cell's)
        self.plain_bases = False      # subclasses of list, float... sent as their plain base

    def __enter__(self):
        try:
            self._ensure_child()
        except StudentError as failure:  # every later call reports it again, per test
            self.last_failure = failure.message
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.pid is not None:
            self.zygote.end(self.pid)
        if self.sock is not None:
            self.sock.close()
        self.sock = self.pid = None

    # -- child lifecycle
    def _ensure_child(self):
        if self.sock is not None:
            return
        deaths = self.deaths.get(self.question, 0)
        if deaths > self.limits.restarts:  # this question's calls keep ending the process
            raise StudentError("crashed", f"not run: this question's code ended the submission's "
                               f"process {deaths} times (last: {self.failures.get(self.question)})")
        self.sock, self.pid = self.zygote.spawn()
        self.timeout = None
        # The wrappers of the forbidden library functions go in before any cell runs, so that
        # whatever a cell binds to them (an alias, a default argument) is the wrapper.
        guard = sorted({name for names in self.forbidden.values() for name in names})
        self._building = True
        try:
            for name, source in self.cells:
                if name in self.bad_cells:
                    continue
                request = {"op": "exec", "source": source, "name": name}
                if guard:
                    request["guard"], guard = guard, None
                try:
                    self._request(request, self.limits.cell_seconds, restart=False)
                except StudentError as failure:
                    self.cell_outcomes[name] = {"kind": failure.kind, "message": failure.message}
                    if self.sock is None:  # the cell killed or stalled the child: skip it next time
                        self.bad_cells.add(name)
                        self._building = False
                        return self._ensure_child()
        finally:
            self._building = False

    def _child_died(self, kind, message):
        status = self.zygote.end(self.pid)
        self.sock.close()
        self.sock = self.pid = None
        kind, message = _classify_death(kind, message, status)
        self.last_failure = message
        if not self._building:  # a call ended it: counted against the question it was for
            self.deaths[self.question] = self.deaths.get(self.question, 0) + 1
            self.failures[self.question] = message
        return StudentError(kind, message)

    # -- requests
    def _request(self, message, seconds, restart=True):
        if restart:
            self._ensure_child()
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise StudentError("timeout", "the submission used up its total time limit of "
                               f"{self.limits.submission_seconds:g} s")
        seconds = min(seconds, remaining)
        call = message["id"] = next(_CALL_IDS)
        if self.plain_bases:
            message["plain_bases"] = True
        try:
            if seconds != self.timeout:  # (each settimeout is two system calls)
                self.sock.settimeout(seconds)
                self.timeout = seconds
            wire.send(self.sock, message)
            reply = self._reply(call, time.monotonic() + seconds)
        except (TimeoutError, socket.timeout):
            raise self._child_died("timeout", f"did not finish within {seconds:g} s") from None
        except (EOFError, ConnectionError, BrokenPipeError):
            raise self._child_died("crashed", "the process running the code ended") from None
        except wire.WireError as error:
            raise self._misbehaved(f"sent back something that is not plain data: {error}") from None
        except StudentError:
            raise  # this call failed (a frame that answers no call, too costly to read)
        except Exception as error:  # nothing else can come of a reply; should it, the same
            raise self._misbehaved("sent back something that is not plain data "
                                   f"({type(error).__name__})") from None
        if "error" in reply:
            raise _student_exception(reply["error"])
        return reply.get("value")

    def _misbehaved(self, message):
        """The child sent what no child of ours sends: it ends (our SIGKILL, which is not
        the student's crash), and the call fails with `message`."""
        self._child_died("error", message)
        self.last_failure = message
        return StudentError("error", message)

    def _reply(self, call, until):
        """The reply to request `call`, due by `until` (monotonic). A frame that answers an
        earlier request (one the submission's code wrote itself, or a reply that came after
        its request had failed) is dropped; any other frame fails this request, and its own
        reply is dropped when it comes: a forged frame costs only the call it lands in."""
        while True:
            frame = wire.read_frame(self.sock, MAX_MESSAGE)
            if len(frame) < _TIMED_FRAME:  # (decoding takes time in proportion to the size)
                reply = wire.unpack(frame)
            else:
                reply = trusted.limited("reading what the submission's code sent back",
                                        wire.unpack, frame)
            answers = reply.get("id") if type(reply) is dict else None
            if answers == call and type(answers) is int:
                return reply
            if type(answers) is not int or answers > call:
                raise StudentError("error", "its code wrote to the grader's connection itself "
                                   "(a message that answers no call made to it)")
            left = until - time.monotonic()  # a stale reply: wait on for this one
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            self.timeout = left

    def _for_question(self, request):
        """`request` with the library calls that the current question forbids, which the
        child refuses while it answers (the notebook's cells and other questions run free)."""
        names = self.forbidden.get(self.question)
        if names:
            request["forbid"] = names
        return request

    def call(self, target, args=(), kwargs=None):
        return self._request(self._for_question({"op": "call", "target": target, "args": list(args),
                                                 "kwargs": kwargs or {}}), self.limits.call_seconds)

    def get(self, name):
        return self._request({"op": "get", "name": name}, self.limits.call_seconds)

    def has(self, name):
        return self._request({"op": "has", "name": name}, self.limits.call_seconds) is True

    def getattr(self, handle, name):
        return self._request(self._for_question({"op": "getattr", "target": handle, "name": name}),
                             self.limits.call_seconds)

    def operator(self, name, args):
        """`operator.<name>(*args)` applied in the sandbox, to objects behind handles."""
        return self._request(self._for_question({"op": "operator", "name": name, "args": list(args)}),
                             self.limits.call_seconds)

    def set(self, name, value):
        """Bind `name` in the notebook's namespace to `value` (plain data or a handle)."""
        return self._request({"op": "set", "name": name, "value": value}, self.limits.call_seconds)

    def delete(self, name):
        return self._request({"op": "delete", "name": name}, self.limits.call_seconds)

    def execute(self, name, source, keep=False):
        """Run one more cell in the child, after the cells it started with; with `keep`, a
        child that replaces this one runs it too, in order (a foreign-format notebook's cells
        are given one by one, its test cells between them)."""
        self._ensure_child()
        try:
            return self._request({"op": "exec", "source": source, "name": name},
                                 self.limits.cell_seconds)
        finally:
            if keep:
                self.cells.append((name, source))

    def define(self, source, notebook=False):
        return self._request({"op": "define", "source": source, "notebook": notebook},
                             self.limits.call_seconds)


def _student_exception(error):
    try:
        return _described(error)
    except Exception:  # a forged error of values str() cannot take
        return StudentError("error", "raised an exception")


def _text(value, limit):
    """`value` as at most `limit` characters that can be written as UTF-8 (a lone surrogate,
    which JSON can carry, would stop feedback and the report from being written)."""
    return str(value)[:limit].encode("utf-8", "replace").decode("utf-8")


def _described(error):
    if type(error) is not dict:
        return StudentError("error", "raised an exception")
    kind_name = _text(error.get("type", "Exception"), 100)
    message = _text(error.get("message", ""), 2000)
    where = error.get("where") if type(error.get("where")) is list else []
    location = f" ({_text(where[-1], 200)})" if where else ""
    raised = (kind_name, message, [_text(b, 100) for b in error.get("builtin", [])[:8]]
              if type(error.get("builtin")) is list else [])
    memory = kind_name == "MemoryError" or "can't allocate memory" in message
    if kind_name == "an ungradable value":
        return StudentError("error", f"returned {kind_name}: {message}")
    if kind_name == "ForbiddenCall":  # a library call the question forbids (guards.ForbiddenCalls)
        return StudentError("forbidden-call", f"uses {message}, which does the work this question "
                            "asks you to implement (refused while its tests ran)")
    if kind_name == "ModifiedInput":  # the course's rule: inputs are never modified (guards.py)
        return StudentError("failed", message)
    failure = StudentError("memory" if memory else "error", f"raised {kind_name}: {message}{location}")
    failure.raised = raised  # (type, message, built-in bases): foreign-format tests re-raise it
    return failure


_SIGNAL_MEANINGS = {
    signal.SIGXCPU: ("timeout", "used up its CPU time limit"),
    signal.SIGXFSZ: ("crashed", "wrote a file larger than the file size limit"),
    signal.SIGSEGV: ("crashed", "crashed with a segmentation fault"),
    signal.SIGABRT: ("crashed", "aborted"),
}


def _classify_death(kind, message, status):
    if kind == "timeout":
        return kind, message
    if status.get("status") == "exit":
        return "crashed", f"ended the process (exit code {status.get('code')})"
    if status.get("status") == "zygote-died":
        return "crashed", "killed the sandbox it was running in"
    if status.get("status") != "signal":
        return kind, message
    if status.get("memory") is True:  # the kernel's OOM killer, in the submission's cgroup
        return "memory", "used more memory than its limit (counting shared memory and files in its /tmp)"
    sig = status.get("signal")
    if sig in _SIGNAL_MEANINGS:
        return _SIGNAL_MEANINGS[sig]
    if sig == signal.SIGKILL:
        return "crashed", "was killed (SIGKILL: CPU or memory limit, or the code killed itself)"
    return "crashed", f"was killed by signal {sig}"
