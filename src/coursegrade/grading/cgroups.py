"""Cgroups that bound what one submission's process uses in total: memory, counting what no
rlimit sees (shared memory, tmpfs pages, the kernel's memory for it), and tasks (processes
and threads). RLIMIT_AS counts only mapped address space and RLIMIT_NPROC only applies to
users other than root; a cgroup counts everything its tasks are charged for.

One *slot* per zygote: the trusted side makes it (here) and hands the zygote fds of its
cgroup.procs files; each child the zygote forks writes b"0" into them first thing, so it and
whatever it allocates from then on are the slot's. The zygote itself stays outside (its
memory is shared by all its children and is not theirs to pay for).

Slots of one grading process live under one *run* folder named after it,
`coursegrade-<pid>-<start time>`, in the cgroup the process itself is in (cgroup v1: in each
of the memory and pids hierarchies; v2: one folder, with both controllers enabled for it).
A run whose process is gone (killed with `kill -9`) is removed at the next start
(`clean_dead_runs`). Where no hierarchy is writable (not root, nothing delegated), `slot`
returns None and grading goes on without (`why_not` says why; the batch warns).
"""
import atexit
import os
import signal
import time

_CONTROLLERS = ("memory", "pids")
_PREFIX = "coursegrade-"
_run = {"name": None}
_found = {}
_slots = [0]


def _own_paths():
    """{controller (or "" for v2): path of this process's cgroup in that hierarchy}."""
    paths = {}
    try:
        with open("/proc/self/cgroup") as lines:
            for line in lines:
                _, names, path = line.rstrip("\n").split(":", 2)
                for name in (names.split(",") if names else [""]):
                    paths[name] = path
    except OSError:
        pass
    return paths


def _mounts():
    """{controller: v1 mount point} and the v2 mount point (or None)."""
    v1, v2 = {}, None
    try:
        with open("/proc/self/mountinfo") as lines:
            for line in lines:
                fields = line.split()
                dash = fields.index("-")
                fstype, options = fields[dash + 1], fields[dash + 3].split(",")
                point = fields[4]
                if fstype == "cgroup":
                    for controller in _CONTROLLERS:
                        if controller in options:
                            v1.setdefault(controller, point)
                elif fstype == "cgroup2" and v2 is None:
                    v2 = point
    except (OSError, ValueError, IndexError):
        pass
    return v1, v2


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def _write(path, text):
    with open(path, "w") as handle:
        handle.write(text)


def hierarchies():
    """Where slots go: ("v1", {controller: parent folder}) or ("v2", {"": parent folder}),
    or (None, reason). Checked once per process."""
    if "result" in _found:
        return _found["result"]
    v1, v2 = _mounts()
    own = _own_paths()
    result = (None, "no cgroup hierarchy with the memory and pids controllers is mounted")
    if all(c in v1 for c in _CONTROLLERS):
        parents = {c: os.path.join(v1[c], own.get(c, "/").lstrip("/")) for c in _CONTROLLERS}
        if all(os.access(p, os.W_OK) for p in parents.values()):
            result = ("v1", parents)
        else:
            result = (None, "the memory and pids cgroups this process is in are not writable")
    elif v2 is not None:
        candidates = [os.path.join(v2, own.get("", "/").lstrip("/")), v2]
        result = (None, "cgroup v2 has no writable folder with the memory and pids controllers")
        for parent in dict.fromkeys(os.path.normpath(c) for c in candidates):
            if set(_CONTROLLERS) <= set(_read(os.path.join(parent, "cgroup.controllers")).split()) \
                    and os.access(parent, os.W_OK):
                try:  # (fails where the folder has processes of its own: not for the root)
                    _write(os.path.join(parent, "cgroup.subtree_control"),
                           " ".join(f"+{c}" for c in _CONTROLLERS))
                except OSError:
                    continue
                result = ("v2", {"": parent})
                break
    _found["result"] = result
    return result


def why_not():
    """None where slots can be made, else the reason in words."""
    version, detail = hierarchies()
    return None if version else detail


def _start_time(pid):
    text = _read(f"/proc/{pid}/stat")
    try:
        return text[text.rindex(")") + 2:].split()[19]  # field 22: start time in ticks
    except (ValueError, IndexError):
        return None


def process_gone(pid, name=None):
    """Whether process `pid` has ended (a zombie has); with `name` (its run_name), also
    whether the pid now belongs to another process."""
    if not pid:
        return False
    text = _read(f"/proc/{pid}/stat")
    if not text:
        return True
    try:
        fields = text[text.rindex(")") + 2:].split()
    except ValueError:
        return True
    if fields[0] in ("Z", "X"):
        return True
    return bool(name) and name != f"{_PREFIX}{pid}-{fields[19]}"


def run_name(pid=None):
    """The run folder's name of process `pid` (this one by default)."""
    pid = os.getpid() if pid is None else pid
    return f"{_PREFIX}{pid}-{_start_time(pid)}"


def use_run(name):
    """Put this process's slots in the run of `name` (a grading worker: its batch's)."""
    _run["name"] = name


def _run_folders(name=None):
    version, parents = hierarchies()
    if version is None:
        return []
    return [os.path.join(parent, name or _run["name"] or run_name()) for parent in parents.values()]


class Slot:
    """A cgroup (one folder per hierarchy) for the children of one zygote, limited to
    `memory_bytes` and `tasks`. `fds()` opens what the zygote needs; `remove()` ends it."""

    def __init__(self, memory_bytes, tasks):
        self.version, parents = hierarchies()
        _slots[0] += 1
        name = f"slot-{os.getpid()}-{_slots[0]}"
        self.folders = []
        try:
            for run in _run_folders():
                if not os.path.isdir(run):
                    os.makedirs(run, exist_ok=True)
                    if _run["name"] is None:  # this process's own run: gone with it
                        atexit.register(_remove_empty, run)
                if self.version == "v2":
                    _write(os.path.join(run, "cgroup.subtree_control"),
                           " ".join(f"+{c}" for c in _CONTROLLERS))
                folder = os.path.join(run, name)
                os.mkdir(folder)
                self.folders.append(folder)
            self.set_memory(memory_bytes)
            for folder in self.folders:
                if os.path.exists(os.path.join(folder, "pids.max")):
                    _write(os.path.join(folder, "pids.max"), str(int(tasks)))
        except OSError:
            self.remove()
            raise

    def _file(self, name):
        for folder in self.folders:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                return path
        return None

    def memory_files(self):
        """The files a memory limit is written to, in the order to write them."""
        names = (["memory.max", "memory.swap.max"] if self.version == "v2" else
                 ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"])
        return [p for p in map(self._file, names) if p]

    def set_memory(self, limit):
        for path in self.memory_files():
            if path.endswith("swap.max"):
                _write(path, "0")  # no swapping out what the limit counts
            else:
                try:
                    _write(path, str(int(limit)))
                except OSError:
                    if not path.endswith("memsw.limit_in_bytes"):
                        raise

    def fds(self):
        """[(role, fd)]: "j" each cgroup.procs to join, "o" the OOM-kill counter, "l" each
        memory limit file (v1: the limit; the zygote tightens it to what its children may
        add to its own memory). The caller closes them."""
        opened = []
        try:
            for folder in self.folders:
                opened.append(("j", os.open(os.path.join(folder, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)))
            oom = self._file("memory.events" if self.version == "v2" else "memory.oom_control")
            if oom:
                opened.append(("o", os.open(oom, os.O_RDONLY | os.O_CLOEXEC)))
            for path in self.memory_files():
                if not path.endswith(("swap.max", "memsw.limit_in_bytes")):
                    opened.append(("l", os.open(path, os.O_WRONLY | os.O_CLOEXEC)))
        except OSError:
            for _, fd in opened:
                os.close(fd)
            raise
        return opened

    def remove(self):
        _remove_folders(self.folders)
        self.folders = []


def slot(memory_bytes, tasks):
    """A new Slot, or None where cgroups cannot be used here."""
    if hierarchies()[0] is None:
        return None
    try:
        return Slot(memory_bytes, tasks)
    except OSError:
        return None


def _tasks(folder):
    return [int(p) for p in _read(os.path.join(folder, "cgroup.procs")).split()]


def _remove_folders(folders, seconds=3.0):
    """Kill whatever is left in the folders (students' processes only ever are), remove them."""
    deadline = time.monotonic() + seconds
    for folder in folders:
        while os.path.isdir(folder):
            if os.path.exists(os.path.join(folder, "cgroup.kill")):
                try:
                    _write(os.path.join(folder, "cgroup.kill"), "1")
                except OSError:
                    pass
            for pid in _tasks(folder):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.rmdir(folder)
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                time.sleep(0.02)


def _remove_empty(folder):
    try:
        os.rmdir(folder)
    except OSError:
        pass


def remove_run(name=None):
    """Remove a run's folders and every slot in them (this process's run by default)."""
    for run in _run_folders(name):
        try:
            slots = [os.path.join(run, s) for s in os.listdir(run) if s.startswith("slot-")]
        except OSError:
            continue
        _remove_folders(slots + [run])


def clean_dead_runs():
    """Remove the runs of grading processes that are gone (a `kill -9` leaves its run)."""
    version, parents = hierarchies()
    if version is None:
        return
    for parent in parents.values():
        try:
            names = [n for n in os.listdir(parent) if n.startswith(_PREFIX)]
        except OSError:
            continue
        for name in names:
            pid, _, start = name[len(_PREFIX):].partition("-")
            if pid.isdigit() and _start_time(int(pid)) != start:
                remove_run(name)
