"""Grading a batch: a queue of submissions over worker processes, one warm sandbox each.

Workers are trusted processes (they hold the hidden suite); each owns one zygote. Results come
back to this process as plain dicts and are written one file per submission as soon as they
arrive, so nothing already graded is lost if the batch is stopped.
"""
import json
import multiprocessing
import os
import queue
import sys
import time
from pathlib import Path

from autograder.engine.progress import Progress


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
            found.append((student_dir.name, assignment_dir / f"{assignment_name}.ipynb"))
    return found


def grade_batch(course, assignment, submissions, workers=None, limits=None, use_bwrap=None,
                out=sys.stderr, keep_results=True):
    """Grade `submissions` [(student, path)]; returns results in the same order. With
    `keep_results`, each result is written to autograded/ as soon as it arrives."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(submissions) or 1))
    jobs = [{"student": s, "path": str(p)} for s, p in submissions]
    context = multiprocessing.get_context("spawn")  # a clean interpreter: nothing inherited
    job_queue, result_queue = context.Queue(), context.Queue()
    for job in jobs:
        job_queue.put(job)
    config = {"root": str(course.root), "assignment": assignment.name, "limits": limits,
              "use_bwrap": use_bwrap}
    pool = {}

    def start_worker(index):
        job_queue.put(None)  # each worker stops at the first None it takes
        process = context.Process(target=_worker, args=(config, job_queue, result_queue),
                                  name=f"grader-{index}", daemon=True)
        process.start()
        pool[index] = process

    for index in range(workers):
        start_worker(index)
    results, in_flight = {}, {}
    progress = Progress(len(jobs), out)
    try:
        while len(results) < len(jobs):
            try:
                message = result_queue.get(timeout=1)
            except queue.Empty:
                _replace_dead_workers(pool, in_flight, results, start_worker, progress)
                continue
            if "fatal" in message:
                raise RuntimeError(message["fatal"])
            if "started" in message:
                in_flight[message["worker"]] = message["started"]
                continue
            in_flight.pop(message.get("worker"), None)
            result = message["result"]
            results[result["student"]] = result
            if keep_results:
                write_result(course, result)
            progress.advance(result["student"], _summary(result))
    finally:
        progress.close()
        for process in pool.values():
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    return [results[s] for s, _ in submissions]


def _replace_dead_workers(pool, in_flight, results, start_worker, progress):
    """A worker runs only trusted code, but if it dies anyway its submission is reported,
    not lost, and a new worker takes its place."""
    for index, process in list(pool.items()):
        if process.is_alive() or process.exitcode == 0:
            continue
        student = in_flight.pop(process.name, None)
        if student is not None and student not in results:
            results[student] = {"student": student, "status": "ungraded", "tests": [],
                                "reason": f"the grading worker died (exit code {process.exitcode})"}
            progress.advance(student, "not graded: grading worker died")
        start_worker(index)


def _worker(config, job_queue, result_queue):
    # Imports happen here, in the worker, so the parent stays light.
    from autograder.engine.course import Course
    from autograder.engine.sandbox import Zygote
    from autograder.engine.suite import HiddenSuite

    import warnings
    warnings.simplefilter("ignore")  # references' own warnings are not news to instructors
    name = multiprocessing.current_process().name
    try:
        assignment = Course(config["root"]).assignment(config["assignment"])
        zygote = Zygote(config["limits"], use_bwrap=config["use_bwrap"]).start()
    except Exception as error:
        result_queue.put({"fatal": f"a grading worker could not start: {error}"})
        return

    def jobs():
        for job in iter(job_queue.get, None):
            result_queue.put({"worker": name, "started": job["student"]})
            yield job

    def on_result(result):
        result_queue.put({"worker": name, "result": result})

    try:
        HiddenSuite(assignment, zygote, jobs(), on_result).run()
    except Exception as error:
        result_queue.put({"fatal": str(error)})
    finally:
        zygote.close()


def write_result(course, result):
    """autograded/<student>/<ps>/results.json, replaced atomically."""
    folder = course.autograded_dir / result["student"] / result["assignment"]
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / "results.json.tmp"
    temporary.write_text(json.dumps(result, indent=1, default=str))
    os.replace(temporary, folder / "results.json")


def _summary(result):
    if result["status"] != "graded":
        return f"not graded: {result['reason']}"
    return f"{result['total']:g}/{result['max_total']:g}"
