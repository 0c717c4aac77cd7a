"""Grading a batch: a queue of submissions over worker processes, one warm sandbox each.

Workers are trusted processes (they hold the hidden suite); each owns one zygote. Results come
back to this process as plain dicts and are written one file per submission as soon as they
arrive (atomically), so nothing already graded is lost if the batch is stopped, even by
`kill -9`; workers die with this process.

Resuming: each result records the SHA-256 of the notebook's bytes and of the assignment's
grading material. `unchanged_results` finds the submissions whose stored result has both
hashes unchanged, so a rerun grades only new or changed submissions (`course grade --force`
regrades all).

Foreign formats (an nbgrader course's test cells, an otter master notebook) use the same pool:
their assignment object says how to grade one submission folder given a zygote (`grade_one`),
and what its material and a submission's files hash to (`material_sha256`,
`submission_sha256`); a worker then loops over its jobs with its own zygote instead of the
hidden pytest suite.
"""
import errno
import gc
import hashlib
import json
import multiprocessing
import os
import queue
import sys
import threading
import time
from pathlib import Path

from coursegrade.core.errors import BrokenMaterial, ResultsUnwritable
from coursegrade.core.optional_imports import skip_costly_optional_imports
from coursegrade.core.results import Result, not_graded
from coursegrade.grading.progress import Progress
from coursegrade.grading import cgroups, scratch
from coursegrade.grading.sandbox import (ZygoteMother, bwrap_mode, bwrap_usable, isolation_warnings,
                                         mother_usable, set_bwrap_mode)

def find_submissions(submitted_dir, assignment_name):
    """[(student, notebook path)] in nbgrader's layout submitted/<student>/<ps>/<ps>.ipynb.
    A student folder without the notebook is listed with the path where it should be."""
    submitted_dir = Path(submitted_dir)
    if not submitted_dir.is_dir():
        return []
    found = []
    for student_dir in sorted(p for p in submitted_dir.iterdir() if p.is_dir()):
        assignment_dir = student_dir / assignment_name
        if assignment_dir.is_dir():
            found.append((student_dir.name, _notebook_in(assignment_dir, assignment_name)))
    return found


def _notebook_in(folder, assignment_name):
    """<ps>.ipynb; or, if the student renamed it ("ps1 (1).ipynb") and it is the only
    notebook in the folder, that one (the result says so)."""
    expected = folder / f"{assignment_name}.ipynb"
    if expected.exists():
        return expected
    others = [p for p in folder.glob("*.ipynb") if not p.name.endswith(".executed.ipynb")]
    return others[0] if len(others) == 1 else expected


def is_foreign(assignment):
    """Whether `assignment` grades its submissions itself (nbgrader's or otter's format)."""
    return hasattr(assignment, "grade_one")


def tree_sha256(folder, skip=()):
    """A hash of the files under `folder` (names and bytes), but those matching `skip`."""
    import fnmatch
    digest = hashlib.sha256()
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or any(
                fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in skip):
            continue
        digest.update(relative.as_posix().encode() + b"\0" + (file_sha256(path) or "").encode() + b"\0")
    return digest.hexdigest()


def submission_sha256(assignment, path):
    return assignment.submission_sha256(path) if is_foreign(assignment) else file_sha256(path)


def file_sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def material_sha256(assignment):
    """A hash of everything that decides a grade besides the submission: the source notebook
    and the assignment's grading package (hidden tests, references, mutants)."""
    if is_foreign(assignment):
        return assignment.material_sha256()
    digest = hashlib.sha256()
    digest.update(assignment.source_notebook.read_bytes())
    for path in sorted(assignment.material_dir.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(assignment.material_dir)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def read_timestamp(folder):
    """(timestamp, problem): nbgrader's submitted/<student>/<ps>/timestamp.txt, read like
    nbgrader does (parsed to UTC, stored as ISO text); None where it is missing or unreadable."""
    skip_costly_optional_imports()
    from nbgrader.utils import parse_utc
    path = Path(folder) / "timestamp.txt"
    if not path.is_file():
        return None, None
    text = path.read_text(errors="replace").strip()
    if not text:
        return None, "timestamp.txt is empty, so the submission time is unknown"
    try:
        return parse_utc(text).isoformat(sep=" "), None
    except (ValueError, OverflowError):
        return None, f"timestamp.txt does not hold a date ({text[:40]!r}), so the submission time is unknown"


def stamp(assignment, student, path, material=None):
    """What a result records about its submission besides the grading: hashes, time, naming."""
    foreign = is_foreign(assignment)  # (its path is the submission's folder)
    timestamp, problem = read_timestamp(Path(path) if foreign else Path(path).parent)
    problems = [problem] if problem else []
    if not foreign and Path(path).name != f"{assignment.name}.ipynb" and Path(path).exists():
        problems.append(f"graded {Path(path).name}: the notebook should be named {assignment.name}.ipynb")
    return {"sha256": submission_sha256(assignment, path),
            "material_sha256": material or material_sha256(assignment),
            "timestamp": timestamp, "submission_problems": problems}


def load_result(course, student, assignment_name):
    path = course.autograded_dir / student / assignment_name / "results.json"
    try:
        return Result.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, TypeError, KeyError):  # missing, or not a result we can read
        return None


def load_results(course, assignment_name):
    """Every stored result of an assignment, by student."""
    found = {}
    for path in sorted(course.autograded_dir.glob(f"*/{assignment_name}/results.json")):
        result = load_result(course, path.parent.parent.name, assignment_name)
        if result is not None:
            found[result.student] = result
    return found


def unchanged_results(course, assignment, submissions):
    """{student: stored result} of the submissions graded before from the same notebook bytes
    with the same grading material (and not left ungraded by a failure of the grader itself)."""
    material = material_sha256(assignment)
    kept = {}
    for student, path in submissions:
        old = load_result(course, student, assignment.name)
        # (a missing notebook has the hash None: still missing is unchanged too)
        if (old and old.material_sha256 == material and old.final
                and old.sha256 == submission_sha256(assignment, path)):
            fresh = stamp(assignment, student, path, material)
            if old.timestamp != fresh["timestamp"]:  # resubmitted the same bytes later
                _apply_stamp(old, fresh)
                write_result(course, old)
            kept[student] = old
    return kept


def _apply_stamp(result, fresh):
    problems = [p for p in result.problems if p not in result.submission_problems]
    for key, value in fresh.items():
        setattr(result, key, value)
    result.problems = fresh["submission_problems"] + problems


def grade_batch(course, assignment, submissions, workers=None, limits=None, use_bwrap=None,
                out=sys.stderr, keep_results=True, skip_unanswered=True, verify_oracles=False):
    """Grade `submissions` [(student, path)]; returns results in the same order. With
    `keep_results`, each result is written to autograded/ as soon as it arrives; with
    `skip_unanswered`, questions left at the starter code are not run (see unanswered.py);
    with `verify_oracles`, every reference answer is checked against its oracle
    (hidden.cross_checked)."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(submissions) or 1))
    _idle_deaths[0] = 0
    use_bwrap = bwrap_usable() if use_bwrap is None else use_bwrap
    # What a run killed with `kill -9` left (its workers normally remove it as they die).
    scratch.clean_leftovers()
    cgroups.clean_dead_runs()
    for warning in isolation_warnings(use_bwrap):
        print(f"WARNING: {warning}.", file=out, flush=True)
    # Several workers: one warm sandbox makes each worker's zygote (imports paid once).
    # It starts first: its imports are the longest part of starting a batch. (A foreign
    # format's worker starts a zygote of its own: its grade_one takes one zygote.)
    mother = None if is_foreign(assignment) else ZygoteMother(limits, use_bwrap, assignment.sandbox_preload, assignment.sandbox_warm_cells,
                          later=course.settings["Sandbox", "preload_later"], zygotes=2 * workers) \
        if workers > 1 and mother_usable() else None
    if mother is not None:
        mother.start()  # closed below, or with this process (bubblewrap's --die-with-parent)
    jobs = [{"student": s, "path": str(p)} for s, p in submissions]
    context = _worker_context(assignment)
    scratch.run_folder()
    job_queue, result_queue = context.Queue(), context.Queue()
    for job in jobs:
        job_queue.put(job)
    config = {"root": str(course.root), "assignment": assignment.name, "limits": limits,
              "foreign_class": f"{type(assignment).__module__}:{type(assignment).__qualname__}"
              if is_foreign(assignment) else None,
              "use_bwrap": use_bwrap, "skip_unanswered": skip_unanswered,
              "verify_oracles": verify_oracles,
              # what the workers remove if this process is killed (_die_with_parent)
              "bwrap_mode": bwrap_mode() if use_bwrap else None,
              "batch_pid": os.getpid(), "run_folders": scratch.folders(),
              "cgroup_run": cgroups.run_name()}
    pool = {}

    cpus = _cpus_to_pin(workers)

    def start_worker(index):
        job_queue.put(None)  # each worker stops at the first None it takes
        cpu = cpus[index % len(cpus)] if cpus else None
        # From the mother: a zygote without torch (asked for now, ready first) for the
        # submissions that never mention it, and one with torch for those that do.
        channels = ((mother.channel(request=False, cpu=cpu), mother.channel())
                    if mother is not None else (None, None))
        process = context.Process(target=_worker, args=(config, job_queue, result_queue, cpu,
                                                        *channels),
                                  name=f"grader-{index}", daemon=True)
        process.start()
        for channel in channels:
            if channel is not None:
                channel.close()  # the worker has its own copies
        pool[index] = process

    results, in_flight = {}, {}
    progress = Progress(len(jobs), out)
    try:
        for index in range(workers):
            start_worker(index)
        # Needed only as results arrive: computed while the workers start.
        material = material_sha256(assignment)
        stamps = {s: stamp(assignment, s, p, material) for s, p in submissions}
        while len(results) < len(jobs):
            try:
                message = result_queue.get(timeout=1)
            except queue.Empty:
                for result in _replace_dead_workers(pool, in_flight, results, start_worker, assignment):
                    _apply_stamp(result, stamps[result.student])
                    results[result.student] = result
                    if keep_results:
                        write_result(course, result)
                    progress.advance(result.student, _summary(result))
                continue
            if "fatal" in message:
                raise BrokenMaterial(message["fatal"])
            if "started" in message:
                in_flight.setdefault(message["worker"], set()).add(message["started"])
                continue
            result = Result.from_json(message["result"])
            in_flight.get(message.get("worker"), set()).discard(result.student)
            _apply_stamp(result, stamps[result.student])
            results[result.student] = result
            if keep_results:
                write_result(course, result)
            progress.advance(result.student, _summary(result))
    finally:
        progress.close()
        job_queue.cancel_join_thread()  # jobs never taken (Ctrl-C) must not hold up exiting
        for process in pool.values():
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
        if mother is not None:
            mother.close()
    return [results[s] for s, _ in submissions]


_idle_deaths = [0]
_LEFTOVERS_VARIABLE = "COURSEGRADE_RUN_LEFTOVERS"
# Python 3.11's fork server ignores the sys.path it is given and starts with the current folder
# first: from a folder holding another course's autograder/ (a checkout of this repository),
# its workers would import that course's material. It takes this process's path instead.
_SYS_PATH_VARIABLE = "COURSEGRADE_SYS_PATH"


def _remove_leftovers(leftovers):
    """The batch process's run folders and cgroups, if that process is gone (a fork server
    can also be stopped by a process that goes on: the benchmark stops it between runs)."""
    if not cgroups.process_gone(leftovers.get("pid"), leftovers.get("cgroup_run")):
        return
    for folder in leftovers.get("folders", []):
        scratch.remove(folder)
    if leftovers.get("cgroup_run"):
        cgroups.remove_run(leftovers["cgroup_run"])


if os.environ.get(_SYS_PATH_VARIABLE):
    try:
        sys.path[:] = [p for p in json.loads(os.environ.pop(_SYS_PATH_VARIABLE)) if type(p) is str]
    except ValueError:
        pass

# In the fork server (which imports this module first thing, with the variable set): remove
# the batch process's run when the server ends, which is after that process and its workers.
if os.environ.get(_LEFTOVERS_VARIABLE):
    import atexit
    try:
        atexit.register(_remove_leftovers, json.loads(os.environ.pop(_LEFTOVERS_VARIABLE)))
    except ValueError:
        pass
# What every grading worker imports, loaded once by the fork server (about a second of CPU
# per worker otherwise), with what numpy and SymPy import only on first use: numpy.random,
# the tensor module (SymPy's first sum of terms) and the code printer (lambdify), 50 ms more.
_WORKER_IMPORTS = ["coursegrade.grading.batch", "coursegrade.core.course", "coursegrade.grading.suite",
                   "coursegrade.core.settings", "sympy", "numpy.testing", "numpy.random",
                   "sympy.tensor.tensor", "sympy.codegen.ast"]


def _worker_context(assignment):
    """Workers start from a fresh interpreter, never from this process (which may hold a
    gradebook connection, threads, anything): a fork server, itself a fresh interpreter that
    has imported the engine (and the assignment's reference) once, forks them; where there is
    none, each is spawned anew."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The fork server's socket goes in the run's folder, which the workers remove should
    # this process be killed (multiprocessing's own folder would be left behind).
    try:
        process_config = multiprocessing.current_process()._config
        if process_config.get("tempdir") is None:
            process_config["tempdir"] = scratch.socket_folder()
    except (AttributeError, OSError):
        pass
    if is_foreign(assignment):
        preload = _WORKER_IMPORTS + [type(assignment).__module__]
    else:
        assignment.package  # the course folder on sys.path, which the fork server inherits
        preload = _WORKER_IMPORTS + [f"{assignment.package_name}.reference"]
    context.set_forkserver_preload(preload)  # (once the server runs: no effect)
    # The fork server outlives this process by as long as a worker does, and ends normally
    # (at its "alive" pipe's end): then it removes this process's run (_LEFTOVERS), even
    # after a `kill -9` that found no worker alive. Told by the environment it starts with.
    scratch.run_folder()
    os.environ[_LEFTOVERS_VARIABLE] = json.dumps({"folders": scratch.folders(), "pid": os.getpid(),
                                                  "cgroup_run": cgroups.run_name()})
    os.environ[_SYS_PATH_VARIABLE] = json.dumps([p or os.getcwd() for p in sys.path])
    try:
        from multiprocessing import forkserver
        forkserver.ensure_running()
    except (ImportError, AttributeError, OSError):
        pass
    finally:
        os.environ.pop(_LEFTOVERS_VARIABLE, None)
        os.environ.pop(_SYS_PATH_VARIABLE, None)
    return context


def _replace_dead_workers(pool, in_flight, results, start_worker, assignment):
    """A worker runs only trusted code, but if it dies anyway its submission is reported,
    not lost (and graded again on the next run), and a new worker takes its place."""
    lost = []
    for index, process in list(pool.items()):
        if process.is_alive() or process.exitcode == 0:
            continue
        students = in_flight.pop(process.name, set())  # a worker may hold several (suite.py)
        if not students:  # died before taking any work: restarting would loop forever
            _idle_deaths[0] += 1
            if _idle_deaths[0] > 3:
                raise BrokenMaterial(f"grading workers keep dying before taking any work (exit code "
                                   f"{process.exitcode}); is the program started from a file "
                                   "(multiprocessing cannot re-import a script read from stdin)?")
        for student in sorted(students - set(results)):
            lost.append(not_graded(assignment, student, f"the grading worker died (exit code "
                                   f"{process.exitcode}); it will be retried", retry=True))
        start_worker(index)
    return lost


def _cpus_to_pin(workers):
    """One CPU per worker, where there are enough: a worker, its zygote and its children
    then share one (see zygote._pin); else none."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return []
    return cpus if workers <= len(cpus) else []


def _worker(config, job_queue, result_queue, cpu=None, light_channel=None, full_channel=None):
    # What the fork server imported stays for the worker's life: the collector need not walk
    # it (a walk writes to every object, so copies each of its pages from the fork server).
    gc.freeze()
    # Imports happen here, in the worker, so the parent stays light.
    from coursegrade.core.course import Course
    from coursegrade.grading.sandbox import Zygote
    from coursegrade.grading.suite import HiddenSuite

    import warnings
    warnings.simplefilter("ignore")  # references' own warnings are not news to instructors
    scratch.use(config["run_folders"])  # the batch's folders, not a run of the worker's own
    cgroups.use_run(config["cgroup_run"])
    set_bwrap_mode(config["bwrap_mode"])
    _die_with_parent(config["batch_pid"], config["run_folders"], config["cgroup_run"])
    if cpu is not None:  # before the zygote starts: a zygote of its own inherits it
        try:
            os.sched_setaffinity(0, {cpu})
        except OSError:
            pass
    name = multiprocessing.current_process().name
    try:
        assignment = _open_assignment(Course(config["root"]), config)
        if is_foreign(assignment):
            zygote = Zygote(config["limits"], use_bwrap=config["use_bwrap"], cpu=cpu,
                            preload=assignment.sandbox_preload).start()
    except Exception as error:
        result_queue.put({"fatal": f"a grading worker could not start: {error}"})
        return
    if is_foreign(assignment):
        return _grade_foreign(assignment, zygote, name, job_queue, result_queue)
    try:
        sandbox = dict(use_bwrap=config["use_bwrap"], preload=assignment.sandbox_preload,
                       warm_cells=assignment.sandbox_warm_cells)
        zygote = Zygote(config["limits"], channel=full_channel, cpu=cpu, **sandbox)
        if full_channel is None:
            zygote.start()  # its own sandbox: start importing now
        # (else asked of the mother at the first submission that needs torch: suite.py)
        light = None
        if light_channel is not None:
            light = Zygote(config["limits"], channel=light_channel, full=False, requested=True,
                           cpu=cpu, **sandbox).start()
    except Exception as error:
        result_queue.put({"fatal": f"a grading worker could not start: {error}"})
        return

    def jobs():
        for job in iter(job_queue.get, None):
            result_queue.put({"worker": name, "started": job["student"]})
            yield job

    def on_result(result):
        result_queue.put({"worker": name, "result": result.to_json()})

    try:
        HiddenSuite(assignment, zygote, jobs(), on_result, skip_unanswered=config["skip_unanswered"],
                    verify_oracles=config["verify_oracles"], light_zygote=light).run()
    except Exception as error:
        result_queue.put({"fatal": str(error)})
    finally:
        zygote.close()
        if light is not None:
            light.close()


def _open_assignment(course, config):
    """The assignment in a worker: the course's own, or a foreign format's class (named by
    module and name, so that this module need not import the formats that use it)."""
    if not config.get("foreign_class"):
        return course.assignment(config["assignment"])
    import importlib
    module, name = config["foreign_class"].split(":")
    return getattr(importlib.import_module(module), name)(course, config["assignment"])


def _grade_foreign(assignment, zygote, name, job_queue, result_queue):
    """A foreign format's worker: each submission folder graded by the assignment itself; a
    sandbox that fails loses only that submission (a retry)."""
    from coursegrade.grading.sandbox import SandboxUnavailable
    try:
        for job in iter(job_queue.get, None):
            result_queue.put({"worker": name, "started": job["student"]})
            try:
                result = assignment.grade_one(zygote, job["student"], job["path"])
            except SandboxUnavailable as error:
                result = not_graded(assignment, job["student"], f"the sandbox failed: {error}",
                                    job["path"], retry=True)
            except BrokenMaterial:
                raise
            except Exception as error:  # the grader's own failure on this one: the batch goes on
                result = not_graded(assignment, job["student"], f"the grader failed on this "
                                    f"submission ({type(error).__name__}: {error}); it will be retried",
                                    job["path"], retry=True)
            result_queue.put({"worker": name, "result": result.to_json()})
    except Exception as error:
        result_queue.put({"fatal": str(error)})
    finally:
        zygote.close()


def _die_with_parent(batch_pid=None, run_folders=(), cgroup_run=None):
    """A worker must not outlive the batch. Its parent is the fork server, not the batch's
    process, and the fork server lives as long as any worker does (each holds its "alive"
    pipe): so a worker watches the batch's process itself (a pidfd: woken the moment it
    ends, even by SIGKILL) and then removes what the batch leaves on the host (the run's
    folder, with the fork server's socket; the run's cgroups) and exits, which ends its own
    sandboxes (bubblewrap's --die-with-parent, the zygote's parent-death signal) and, once
    every worker is gone, the fork server. Should the fork server die first, the kernel
    kills the worker (PR_SET_PDEATHSIG)."""
    parent = os.getppid()
    batch_pid = parent if batch_pid is None else batch_pid
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def gone():
        for folder in run_folders:
            scratch.remove(folder)
        if cgroup_run:
            cgroups.remove_run(cgroup_run)
        os._exit(1)

    def watch():
        try:
            import select
            pidfd = os.pidfd_open(batch_pid)
        except (AttributeError, OSError):  # (no pidfds, or it is gone already)
            pidfd = None
            if not _alive(batch_pid):
                gone()
        if pidfd is not None:
            select.select([pidfd], [], [])
            gone()
        while os.getppid() == parent and _alive(batch_pid):
            time.sleep(0.2)
        gone()
    threading.Thread(target=watch, daemon=True, name="watch-batch").start()


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def write_result(course, result):
    """autograded/<student>/<ps>/results.json, replaced atomically: the file is either the old
    one or the new one, never half of one, and no temporary file stays behind. Raises
    ResultsUnwritable (a one-line reason) when it cannot be written."""
    folder = course.autograded_dir / result.student / result.assignment
    path = folder / "results.json"
    temporary = folder / "results.json.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_text(result.dumps())
        os.replace(temporary, path)
    except OSError as error:
        try:
            temporary.unlink(missing_ok=True)
        except OSError:
            pass
        raise ResultsUnwritable(_unwritable(path, error)) from None


_WHY_UNWRITABLE = {errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                   errno.EPERM: "permission denied", errno.ENOSPC: "the disk is full",
                   errno.EDQUOT: "the disk quota is used up", errno.EFBIG: "the file-size limit is reached"}


def _unwritable(path, error):
    why = _WHY_UNWRITABLE.get(error.errno) or error.strerror or str(error)
    return (f"cannot write {path}: {why}. Grading stopped; every result written before is kept. "
            "Make autograded/ writable (or free space) and run the same command again.")


def _summary(result):
    if not result.graded:
        return f"not graded: {result.reason}"
    problems = result.problems
    return f"{result.total:g}/{result.max_total:g}" + (f" ({'; '.join(problems)})" if problems else "")
