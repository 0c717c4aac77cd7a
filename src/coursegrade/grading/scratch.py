"""The grading process's scratch on the host: one folder, `coursegrade-run-<pid>-*` in the
temporary directory, for everything of a run that needs a path (multiprocessing's fork
server socket, the scratch folder of a sandbox that has no private /tmp of its own).

The process holds an flock on it for its life and removes it at exit. If the process is
killed (`kill -9`), its grading workers see it go and remove it (batch._die_with_parent);
should none be left to do it, the next start removes every run folder whose lock is free
(`clean_leftovers`: its process is gone, nothing can hold the lock for it).
"""
import atexit
import fcntl
import os
import shutil
import tempfile

PREFIX = "coursegrade-run-"
_SOCKET_PATH = 107 - len("/listener-12345678")  # a Unix socket's path is at most 107 bytes
_state = {"path": None, "short": None, "locks": []}


def _locked_folder(where=None):
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=where)
    lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    _state["locks"].append(lock)
    atexit.register(remove, path)
    return path


def run_folder():
    """This process's run folder (made at the first call), or the one `use` gave."""
    if _state["path"] is None:
        _state["path"] = _locked_folder()
    return _state["path"]


def socket_folder():
    """A run folder whose path is short enough for Unix sockets in it: the run folder, or
    where TMPDIR is long, one in /tmp."""
    if _state["short"] is None:
        folder = run_folder()
        if len(folder.encode()) > _SOCKET_PATH and os.path.isdir("/tmp"):
            folder = _locked_folder("/tmp")
        _state["short"] = folder
    return _state["short"]


def folders():
    """Every run folder of this process (what its workers remove, should it be killed)."""
    return list(dict.fromkeys(p for p in (_state["path"], _state["short"]) if p))


def use(paths):
    """Use `paths` (the batch's run folders, made by its main process) as this process's."""
    _state["path"] = paths[0] if paths else None
    _state["short"] = paths[-1] if paths else None


def new_folder(prefix):
    """A fresh folder in the run folder."""
    return tempfile.mkdtemp(prefix=prefix, dir=run_folder())


def remove(path=None):
    shutil.rmtree(path or _state["path"] or "", ignore_errors=True)


def clean_leftovers():
    """Remove the run folders of processes that are gone. Returns how many."""
    removed = 0
    paths = []
    for where in dict.fromkeys((tempfile.gettempdir(), "/tmp")):
        try:
            paths += [os.path.join(where, n) for n in os.listdir(where) if n.startswith(PREFIX)]
        except OSError:
            pass
    for path in paths:
        if path in folders():
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live run holds it
        finally:
            os.close(fd)
        shutil.rmtree(path, ignore_errors=True)
        removed += 1
    return removed
