"""What `course grade` writes once a batch is graded: the gradebook, then each student's
feedback, the exports and the report, on every core the grading just freed.

The gradebook comes first (feedback and the report show its late penalties and manual
grades), in one process. Then one gradebook session serves the grades and both exports, and
the report and the feedback pages are rendered at the same time: a helper process (a fresh
interpreter, as the grading workers are: never a fork of this one) renders the report, then
takes chunks of feedback pages, while this process renders chunks too; whichever is free
takes the next chunk. The helper starts (its interpreter and imports, a second or two) while
this process writes the gradebook, and then reads the submissions' notebooks for their written
answers (writing the formgrader's copies) for it. With one core, or one result, all is done here.
The helper is given plain data (results as JSON, the gradebook's grades) and writes the same
files, each atomically, that write_feedback and write_report write.
"""
import multiprocessing
import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor

from coursegrade.grading.batch import load_result
from coursegrade.outputs.exports import export_all
from coursegrade.outputs.feedback import write_feedback
from coursegrade.outputs.gradebook import grades, open_gradebook, record
from coursegrade.outputs.report import write_report

# Below this many results everything is rendered in this process.
HELPER_FROM = 2
FEEDBACK_CHUNK = 40


def write_outputs(course, assignment, results, signatures=None, out=None, helpers=None):
    """Record `results` (every submission of this run, graded now or kept) in the gradebook,
    then write their feedback, the exports and the report. Returns (feedback paths, export
    paths, report path). `helpers`: processes besides this one (default: one if there are
    two cores or more and enough results)."""
    if helpers is None:
        helpers = 1 if (os.cpu_count() or 1) > 1 and len(results) >= HELPER_FROM else 0
    if helpers <= 0:
        record(course, assignment, results, out=out)
        everyone = _all_results(course, assignment, results)
        with open_gradebook(course) as gradebook:
            book = grades(course, assignment.name, gradebook)
            exports = export_all(course, assignment.name, everyone, gradebook, book)
        paths = write_feedback(course, assignment, results, book, signatures)
        report = write_report(course, assignment, everyone, signatures)
        return paths, exports, report
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=helpers, mp_context=context) as pool:
        # The helpers start (a fresh interpreter, the report's and feedback's imports) while
        # this process writes the gradebook.
        warm = [pool.submit(_warm_up, str(course.root), assignment.name) for _ in range(helpers)]
        record(course, assignment, results, out=out, pool=pool)  # (notebooks read by the helper)
        everyone = _all_results(course, assignment, results)
        with open_gradebook(course) as gradebook:
            book = grades(course, assignment.name, gradebook)
            exports_job = lambda: export_all(course, assignment.name, everyone, gradebook, book)  # noqa: E731
            outputs = _in_parallel(pool, course, assignment, results, everyone, book, signatures,
                                   exports_job, helpers)
        for future in warm:
            future.result()
        return outputs


def _in_parallel(pool, course, assignment, results, everyone, book, signatures, exports_job, helpers):
    chunks = deque(results[i:i + FEEDBACK_CHUNK] for i in range(0, len(results), FEEDBACK_CHUNK))
    paths = {}
    base = (str(course.root), assignment.name, signatures)
    report_future = pool.submit(_report_job, *base, [r.to_json() for r in everyone])
    exports = exports_job()
    futures = []
    while chunks:
        # Keep each helper fed (one chunk running, one waiting); render the rest here.
        if sum(not f.done() for f in futures) + (not report_future.done()) < 2 * helpers:
            chunk = chunks.pop()  # from the end: this process takes from the front
            futures.append(pool.submit(_feedback_job, *base, [r.to_json() for r in chunk],
                                       {r.student: book.get(r.student) for r in chunk}))
            continue
        chunk = chunks.popleft()
        for result, path in zip(chunk, write_feedback(course, assignment, chunk, book, signatures)):
            paths[result.student] = path
    for future in futures:
        for student, path in future.result():
            paths[student] = path
    report = report_future.result()
    return [paths[r.student] for r in results if r.student in paths], exports, report


def _all_results(course, assignment, results):
    """The results given, and those of every other student stored in autograded/ (the report
    covers the whole assignment), each read from disk only if not in memory."""
    by_student = {r.student: r for r in results}
    for path in sorted(course.autograded_dir.glob(f"*/{assignment.name}/results.json")):
        student = path.parent.parent.name
        if student not in by_student:
            stored = load_result(course, student, assignment.name)
            if stored is not None:
                by_student[stored.student] = stored
    return list(by_student.values())


# ------------------------------------------------------------------ in the helper process

_assignments = {}


def _assignment(root, name):
    from coursegrade.core.course import Course
    if (root, name) not in _assignments:
        _assignments[(root, name)] = Course(root).assignment(name)
    return _assignments[(root, name)]


def _warm_up(root, name):
    """What the report and feedback import, and the assignment, before they are needed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401
    from nbconvert.filters.markdown_mistune import IPythonRenderer  # noqa: F401 (feedback's markdown)
    _assignment(root, name)


def _report_job(root, name, signatures, results):
    from coursegrade.core.results import Result
    assignment = _assignment(root, name)
    return write_report(assignment.course, assignment, [Result.from_json(r) for r in results], signatures)


def _feedback_job(root, name, signatures, results, book):
    from coursegrade.core.results import Result
    assignment = _assignment(root, name)
    chunk = [Result.from_json(r) for r in results]
    paths = write_feedback(assignment.course, assignment, chunk, book, signatures)
    return [(r.student, path) for r, path in zip(chunk, paths)]
