"""Grading a batch on a Ray cluster (`course grade PS --cluster ADDRESS`, or c.Grading.cluster).

The head (this process) does what it does for a local batch and sends only the grading out:
- one actor per CPU of each node (`Grader`), pinned to its node; each unpacks the grading
  material it is sent through Ray (the assignment's source, release and autograder folders
  and nbgrader_config.py: no shared file system) and holds one warm sandbox, as a local
  worker does. Nodes need the engine installed (the same version), nothing of the course;
- the head streams submissions' bytes to the actors, two at a time each (one graded, one
  waiting on its node), and writes each result as it arrives (atomically, resumable), stamped
  from the head's own copy of the submission (hashes, timestamp.txt), as a local batch does;
- an actor or node lost mid-batch: what it held is graded again by another actor; a result
  is kept once per student (the first that arrives), so nothing is lost or counted twice. A
  submission whose grading kills actors again and again gets a result to retry, as a local
  worker's death gives, and the batch goes on.
What crosses back from a node is a result's JSON text, made on the node's trusted side.
"""
import io
import json
import queue
import shutil
import sys
import tarfile
import tempfile
import threading
from pathlib import Path

from coursegrade.core.errors import BrokenMaterial, CourseError
from coursegrade.core.results import Result, not_graded
from coursegrade.grading.batch import _apply_stamp, _summary, material_sha256, stamp, write_result
from coursegrade.grading import cgroups, scratch
from coursegrade.grading.progress import Progress

IN_FLIGHT_PER_ACTOR = 2   # one being graded, one already on its node: no wait between the two
ATTEMPTS = 3              # actors lost while holding one submission before it is left to retry


class ClusterError(CourseError):
    """The cluster cannot be reached, or has no node left to grade on."""


def material_bundle(course, assignment):
    """The grading material as a gzipped tar: everything a node needs to grade `assignment`
    and nothing of the students'."""
    buffer = io.BytesIO()
    root = course.root
    with tarfile.open(fileobj=buffer, mode="w:gz", dereference=True) as tar:
        def add(relative):
            path = root / relative
            if path.exists():
                tar.add(path, arcname=relative, filter=lambda info: None if "__pycache__" in info.name else info)
        add("nbgrader_config.py")
        add("autograder/__init__.py")
        for folder in ("source", "release", "autograder"):
            add(f"{folder}/{assignment.name}")
    return buffer.getvalue()


class Grader:
    """A Ray actor: one warm sandbox on one node, grading one submission at a time."""

    def __init__(self, bundle, assignment_name, limits, use_bwrap, skip_unanswered):
        import warnings
        warnings.simplefilter("ignore")  # references' own warnings are not news to instructors
        from coursegrade.core.course import Course
        from coursegrade.grading.sandbox import Zygote
        from coursegrade.grading.suite import HiddenSuite
        # What a killed actor left on this node (its run folder, its cgroups) goes first. The
        # material goes in this actor's run folder: removed at its exit, or by the next start.
        scratch.clean_leftovers()
        cgroups.clean_dead_runs()
        self.root = Path(tempfile.mkdtemp(prefix="material-", dir=scratch.run_folder()))
        with tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") as tar:
            tar.extractall(self.root, filter="data")
        self.assignment = Course(self.root).assignment(assignment_name)
        self.zygote = Zygote(limits, use_bwrap=use_bwrap, preload=self.assignment.sandbox_preload,
                             warm_cells=self.assignment.sandbox_warm_cells).start()
        self.jobs, self.results = queue.Queue(), queue.Queue()
        suite = HiddenSuite(self.assignment, self.zygote, iter(self.jobs.get, None), self.results.put,
                            skip_unanswered=skip_unanswered)
        threading.Thread(target=self._run, args=(suite,), daemon=True, name="hidden-suite").start()

    def _run(self, suite):
        try:
            suite.run()
        except Exception as error:  # the material is broken: every call says so
            self.results.put(BrokenMaterial(str(error)))

    def grade(self, student, filename, data, size):
        """The result's JSON text for one submission: `data` its bytes; None with `size` for a
        notebook too large to send (the suite refuses it by its size, as it would locally),
        None without for a missing one."""
        folder = self.root / "submitted" / student / self.assignment.name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / filename
        if data is not None:
            path.write_bytes(data)
        elif size is not None:
            with open(path, "wb") as handle:
                handle.truncate(size)  # sparse: its size, no bytes
        self.jobs.put({"student": student, "path": str(path)})
        answer = self.results.get()
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(answer, Exception):
            self.results.put(answer)
            raise answer
        return json.dumps(answer.to_json())

    def where(self):
        """(node id, the folder its material was unpacked in, where its reference came from)."""
        import ray
        reference = sys.modules.get(f"{self.assignment.package_name}.reference")
        return (ray.get_runtime_context().get_node_id(), str(self.root),
                getattr(reference, "__file__", None))

    def close(self):
        self.jobs.put(None)
        self.zygote.close()
        shutil.rmtree(self.root, ignore_errors=True)


def connect(address):
    import logging
    import ray
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False,
                 configure_logging=True)
    except Exception as error:  # (ConnectionError, a version mismatch, an address that is no cluster)
        raise ClusterError(f"cannot reach the Ray cluster at {address}: {type(error).__name__}: "
                           f"{str(error).splitlines()[0] if str(error) else ''}") from None
    return ray


def start_actors(ray, bundle, assignment, limits, use_bwrap, skip_unanswered):
    """One Grader per CPU of every live node, each pinned to its node."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
    remote = ray.remote(Grader)
    actors = []
    for node in ray.nodes():
        cpus = int(node.get("Resources", {}).get("CPU", 0))
        if not node.get("Alive") or cpus < 1:
            continue
        pin = NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
        for _ in range(cpus):
            actors.append(remote.options(num_cpus=1, max_restarts=0, max_task_retries=0,
                                         scheduling_strategy=pin)
                          .remote(bundle, assignment.name, limits, use_bwrap, skip_unanswered))
    return actors


def grade_on_cluster(course, assignment, submissions, address, limits=None, use_bwrap=True,
                     out=sys.stderr, keep_results=True, skip_unanswered=True):
    """grade_batch's contract on a Ray cluster: results in the order of `submissions`, each
    written to autograded/ as it arrives."""
    from coursegrade.core.settings import Limits
    ray = connect(address)
    limits = limits or Limits()
    actors = []
    try:
        bundle = ray.put(material_bundle(course, assignment))
        actors = start_actors(ray, bundle, assignment, limits, use_bwrap, skip_unanswered)
        if not actors:
            raise ClusterError(f"the Ray cluster at {address} has no node with a CPU to grade on")
        nodes = len({n["NodeID"] for n in ray.nodes() if n.get("Alive")})
        print(f"grading on the Ray cluster at {address}: {len(actors)} actor(s) on {nodes} node(s)",
              file=out, flush=True)
        return _stream(ray, course, assignment, submissions, actors, limits, out, keep_results)
    finally:
        _close(ray, actors)
        ray.shutdown()


def _close(ray, actors):
    """Each actor ends its sandbox and removes its material; one that does not answer soon
    (its node is gone, it hangs) is killed (its sandbox dies with it: parent-death signal)."""
    closing = []
    for actor in actors:
        try:
            closing.append(actor.close.remote())
        except Exception:
            pass
    try:
        ray.wait(closing, num_returns=len(closing), timeout=10)
    except Exception:
        pass
    for actor in actors:
        try:
            ray.kill(actor)
        except Exception:
            pass


def _payload(path, limits_mb):
    """(filename, bytes or None, size or None) of a submission, read by the head."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > limits_mb * (1 << 20):
            return path.name, None, size
        return path.name, path.read_bytes(), None
    except OSError:
        return path.name, None, None  # missing or unreadable: the node says it is missing


def _stream(ray, course, assignment, submissions, actors, limits, out, keep_results):
    from ray.exceptions import RayTaskError
    material = material_sha256(assignment)
    paths = dict(submissions)
    max_mb = course.settings["Grading", "max_notebook_mb"]
    waiting = [s for s, _ in submissions]
    waiting.reverse()  # a stack: pop() takes the next in order, a lost one goes back on top
    attempts = dict.fromkeys(paths, 0)
    in_flight, load = {}, {actor: 0 for actor in actors}  # ref -> (actor, student)
    results, progress, last_loss = {}, Progress(len(paths), out), None

    def keep(result):
        result.notebook = str(paths[result.student])  # the head's copy, not the node's (formgrader)
        _apply_stamp(result, stamp(assignment, result.student, paths[result.student], material))
        results[result.student] = result
        if keep_results:
            write_result(course, result)
        progress.advance(result.student, _summary(result))

    try:
        while len(results) < len(paths):
            for actor in list(load):
                while load[actor] < IN_FLIGHT_PER_ACTOR and waiting:
                    student = waiting.pop()
                    if student in results:
                        continue
                    ref = actor.grade.remote(student, *_payload(paths[student], max_mb))
                    in_flight[ref] = (actor, student)
                    load[actor] += 1
            if not in_flight:
                raise ClusterError(f"no node of the cluster is left to grade on ({len(paths) - len(results)} "
                                   f"submission(s) not graded; the results so far are saved)"
                                   + (f"; last loss: {last_loss}" if last_loss else ""))
            done, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
            for ref in done:
                actor, student = in_flight.pop(ref)
                try:
                    text = ray.get(ref)
                except RayTaskError as error:  # our own code raised on the node: the material
                    raise BrokenMaterial(str(error.cause if error.cause else error)) from None
                except Exception as error:  # the actor, its worker or its node is gone
                    last_loss = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
                    if load.pop(actor, None) is not None:
                        held = [s for a, s in in_flight.values() if a is actor] + [student]
                        print(f"\nlost a grading actor ({last_loss}); {len(held)} submission(s) it held "
                              f"go to the others ({len(load)} left)", file=out, flush=True)
                    attempts[student] += 1
                    if student in results:
                        continue
                    if attempts[student] >= ATTEMPTS:
                        keep(not_graded(assignment, student, f"{ATTEMPTS} grading actors were lost while "
                                        f"grading it ({last_loss}); it will be retried", retry=True))
                    else:
                        waiting.append(student)
                    continue
                if actor in load:
                    load[actor] -= 1
                if student not in results:  # the first result of a student counts, once
                    keep(Result.from_json(json.loads(text)))
    finally:
        progress.close()
    return [results[s] for s, _ in submissions]
