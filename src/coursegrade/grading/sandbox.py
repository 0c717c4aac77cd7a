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
from coursegrade.core.errors import StudentError
from coursegrade.core.settings import Limits
from coursegrade.inside import wire

INSIDE_DIR = Path(wire.__file__).resolve().parent
SANDBOX_RUNTIME = "/sandbox/runtime"  # where INSIDE_DIR appears inside bubblewrap
MAX_MESSAGE = 1 << 28


# (StudentError, from core/errors.py, is what every way a child can misbehave ends as.)
_CALL_IDS = itertools.count(1)  # ids of requests to children, increasing, one per worker


class SandboxUnavailable(RuntimeError):
    pass


# ------------------------------------------------------------------------------ bubblewrap

_bwrap_checked = None


def bwrap_usable():
    """Whether bubblewrap can create the namespaces we need on this machine (checked once)."""
    global _bwrap_checked
    if _bwrap_checked is None:
        path = shutil.which("bwrap")
        _bwrap_checked = False
        if path and sys.platform.startswith("linux"):
            try:
                with tempfile.TemporaryDirectory() as scratch:
                    probe = subprocess.run(_bwrap_argv(path, scratch) + ["/bin/true"],
                                           capture_output=True, timeout=20)
                _bwrap_checked = probe.returncode == 0
            except (OSError, subprocess.TimeoutExpired):
                pass
    return _bwrap_checked


def _bwrap_argv(bwrap, scratch="/tmp"):
    """No network, no IPC, own PIDs; the OS and Python read-only; a private /tmp on disk (the
    `scratch` folder: a tmpfs would let a submission fill RAM); everything else read-only;
    the sandbox runtime; nothing else of the course (no autograder/, source/, gradebook)."""
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev", "--bind", scratch, "/tmp", "--chdir", "/tmp",
            "--hostname", "sandbox"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        if os.path.exists(etc):
            argv += ["--ro-bind", etc, etc]
    for tree in _python_trees():
        argv += ["--ro-bind", tree, tree]
    argv += ["--ro-bind", str(INSIDE_DIR), SANDBOX_RUNTIME]
    return argv + ["--remount-ro", "/dev", "--remount-ro", "/"]


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
        self.scratch = None

    @property
    def isolation(self):
        layers = ["bubblewrap" if self.use_bwrap else "rlimits only (no bubblewrap)"]
        if (self.info or {}).get("seccomp"):
            layers.append("seccomp")
        if (self.info or {}).get("landlock"):
            layers.append("landlock")
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
        self.process, self.ctrl, self.scratch = _launch(self.preload, self.warm_cells,
                                                        self.use_bwrap, mother=False)
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
            return self.info
        self.ctrl.settimeout(120)
        try:
            self.info = wire.receive(self.ctrl, MAX_MESSAGE)
        except (EOFError, OSError, wire.WireError) as error:
            stderr = self._stderr()
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start ({error}): {stderr}") from None
        self.starts += 1
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
                 later=("torch",)):
        self.use_bwrap = bwrap_usable() if use_bwrap is None else use_bwrap
        self.preload, self.warm_cells = preload, list(warm_cells)
        self.later = tuple(later)  # c.Sandbox.preload_later: imported after the first zygotes
        self.process = self.ctrl = self.scratch = None

    def start(self):
        """Launch; the `later` modules (torch) are imported after the first zygotes are made
        (zygote.make_zygotes)."""
        modules = self.preload.split(",")
        later = [m for m in modules if m in self.later]
        now = ",".join(m for m in modules if m not in later)
        self.process, self.ctrl, self.scratch = _launch(now, self.warm_cells, self.use_bwrap,
                                                        mother=True, later=",".join(later))
        return self

    def channel(self, request=None, cpu=None):
        """A socket for one worker's `Zygote(channel=...)`; the mother serves it once ready.
        With `request` (full: True or False), a zygote (on `cpu`) is asked for at once."""
        ours, theirs = socket.socketpair()
        try:
            socket.send_fds(self.ctrl, [b"C"], [ours.fileno()])
        finally:
            ours.close()
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


def mother_usable():
    """Whether this kernel has Landlock, which zygotes sharing one sandbox need."""
    from coursegrade.inside import landlock
    return landlock.abi_version() >= 1


def _launch(preload, warm_cells, use_bwrap, mother, later=""):
    """Start zygote.py (in bubblewrap where it can run) and send it the cells to warm up
    with: (process, control socket, scratch folder)."""
    ours, theirs = socket.socketpair()
    python = sys.executable
    scratch = tempfile.mkdtemp(prefix="sandbox-scratch-")
    if use_bwrap:
        argv = _bwrap_argv(shutil.which("bwrap"), scratch) + [
            python, "-I", f"{SANDBOX_RUNTIME}/zygote.py"]
        # kill(-1) cleans a zygote's PID namespace only when nothing else lives in it
        argv += ["--mother", "--later", later] if mother else ["--own-pid-namespace"]
        cwd = None
    else:
        argv = [python, "-I", str(INSIDE_DIR / "zygote.py")] + (["--mother", "--later", later] if mother else [])
        cwd = scratch
    argv += ["--ctrl-fd", str(theirs.fileno()), "--preload", preload]
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp" if use_bwrap else scratch,
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}
    process = subprocess.Popen(argv, pass_fds=[theirs.fileno()], env=env, cwd=cwd,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, start_new_session=True)
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
    skipping any cell that killed the previous one) up to `limits.restarts` times."""

    def __init__(self, zygote, cells):
        self.zygote, self.limits = zygote, zygote.limits
        self.cells = cells            # [(name, source)] in notebook order
        self.cell_outcomes = {}       # name -> {"kind", "message"} for cells that failed
        self.bad_cells = set()        # cells not re-run after they killed or stalled a child
        self.deadline = time.monotonic() + self.limits.submission_seconds
        self.sock = self.pid = self.timeout = None
        self.restarts = -1
        self.last_failure = None

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
        self.restarts += 1
        if self.restarts > self.limits.restarts:
            raise StudentError("crashed", "the submission's process was restarted too often "
                               f"(last: {self.last_failure})")
        self.sock, self.pid = self.zygote.spawn()
        self.timeout = None
        for name, source in self.cells:
            if name in self.bad_cells:
                continue
            try:
                self._request({"op": "exec", "source": source, "name": name},
                              self.limits.cell_seconds, restart=False)
            except StudentError as failure:
                self.cell_outcomes[name] = {"kind": failure.kind, "message": failure.message}
                if self.sock is None:  # the cell killed or stalled the child: skip it next time
                    self.bad_cells.add(name)
                    return self._ensure_child()

    def _child_died(self, kind, message):
        status = self.zygote.end(self.pid)
        self.sock.close()
        self.sock = self.pid = None
        kind, message = _classify_death(kind, message, status)
        self.last_failure = message
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

    def call(self, target, args=(), kwargs=None):
        return self._request({"op": "call", "target": target, "args": list(args),
                              "kwargs": kwargs or {}}, self.limits.call_seconds)

    def get(self, name):
        return self._request({"op": "get", "name": name}, self.limits.call_seconds)

    def has(self, name):
        return self._request({"op": "has", "name": name}, self.limits.call_seconds) is True

    def getattr(self, handle, name):
        return self._request({"op": "getattr", "target": handle, "name": name},
                             self.limits.call_seconds)

    def operator(self, name, args):
        """`operator.<name>(*args)` applied in the sandbox, to objects behind handles."""
        return self._request({"op": "operator", "name": name, "args": list(args)},
                             self.limits.call_seconds)

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
    memory = kind_name == "MemoryError" or "can't allocate memory" in message
    if kind_name == "an ungradable value":
        return StudentError("error", f"returned {kind_name}: {message}")
    return StudentError("memory" if memory else "error",
                        f"raised {kind_name}: {message}{location}")


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
    sig = status.get("signal")
    if sig in _SIGNAL_MEANINGS:
        return _SIGNAL_MEANINGS[sig]
    if sig == signal.SIGKILL:
        return "crashed", "was killed (SIGKILL: CPU or memory limit, or the code killed itself)"
    return "crashed", f"was killed by signal {sig}"
