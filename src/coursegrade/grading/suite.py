"""Runs an assignment's hidden pytest suite against submissions.

pytest collects the suite once per worker (importing the test modules, with its assertion
rewriting); then, for each submission, every collected test runs with the `student` fixture
bound to that submission's sandboxed run. Tests, references and expected values stay in this
(trusted) process; the sandbox only ever sees the calls.

A test that needs nothing from pytest but the `student` fixture (no other fixture, no
parametrisation, no skip/xfail mark) is called directly: pytest's per-test protocol (set-up
and tear-down phases, reports, hooks) costs more than most hidden tests themselves. Any other
test goes through pytest's full protocol.
"""
import copy
import functools
import gc
import hashlib
import importlib
import inspect
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

import pytest
from _pytest.outcomes import OutcomeException
from _pytest.runner import runtestprotocol

from coursegrade.content import hidden
from coursegrade.core import results, trusted
from coursegrade.core.errors import BrokenMaterial
from coursegrade.core.results import Outcome, Status, TestResult
from coursegrade.grading.forbidden import forbidden_calls_in, names_defined
from coursegrade.grading.notebooks import NotebookError, read_submission
from coursegrade.grading.sandbox import SandboxedRun, SandboxUnavailable, StudentError
from coursegrade.grading.student import Student
from coursegrade.grading.unanswered import MESSAGE as UNANSWERED_MESSAGE, unanswered_questions

_NOT_DIRECT = ("skip", "skipif", "xfail", "usefixtures")  # marks that need pytest's protocol


class HiddenSuite:
    """The pytest plugin: `run(jobs, on_result)` grades each job and hands back its result.
    With `skip_unanswered`, the tests of a question left at the starter code are not run
    (see unanswered.py); `course validate` turns it off to prove that this is sound, and turns
    `verify_oracles` on to check every reference answer against its oracle."""

    def __init__(self, assignment, zygote, jobs, on_result, skip_unanswered=True,
                 verify_oracles=False, light_zygote=None):
        self.assignment, self.zygote = assignment, zygote
        self.light_zygote = light_zygote  # without torch: for notebooks that never mention it
        self.jobs, self.on_result = jobs, on_result
        self.skip_unanswered, self.verify_oracles = skip_unanswered, verify_oracles
        self.current = None
        self.collection_errors = []
        self._excinfo = {}

    def run(self):
        _not_dumpable()
        memoize_reference(self.assignment)
        hidden.ORACLES["verify"] = self.verify_oracles
        trusted.configure(self.assignment.course.settings["Grading", "trusted_work_seconds"])
        args = [str(self.assignment.hidden_dir), "-s", "-p", "no:cacheprovider", "-p", "no:stepwise",
                "-p", "no:terminal", "-p", "no:warnings", "-p", "no:logging",
                "--rootdir", str(self.assignment.material_dir)]
        # Hidden suites need no third-party pytest plugin; loading the installed ones would
        # cost every worker's start a tenth of a second.
        autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        try:
            code = pytest.main(args, plugins=[self])
        finally:
            if autoload is None:
                os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
            else:
                os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
        if self.collection_errors or code not in (0, 1, 5):
            raise BrokenMaterial(f"the hidden suite of {self.assignment.name} could not be collected: "
                               + "; ".join(self.collection_errors or [f"pytest exit code {code}"]))

    # ---------------------------------------------------------------- pytest hooks
    def pytest_configure(self, config):
        # Failure reports are for instructors: the native traceback is enough, and pytest's
        # long style re-parses the test module for every failure (a third of the time).
        config.option.tbstyle = "native"
        config.addinivalue_line("markers", "question(grade_id): the question a test grades")
        config.addinivalue_line("markers", "points(n): points a test is worth")

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {str(report.longrepr)[-1500:]}")

    @pytest.fixture
    def student(self):
        return self.current

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        if call.excinfo is not None and call.when == "call":
            self._excinfo[item.nodeid] = call.excinfo

    def pytest_runtestloop(self, session):
        if "torch" in sys.modules:  # one worker per core: references must not oversubscribe
            sys.modules["torch"].set_num_threads(1)
        items, tests = session.items, [_describe_item(item) for item in session.items]
        gc.collect()
        gc.freeze()  # the engine, pytest and the suite stay: full collections need not walk them
        waiting = []  # submissions that need torch while it is still being imported
        for job in self.jobs:
            read = self._read(job)
            if self._zygote_for(read[1]) is not self.light_zygote and self.light_zygote is not None \
                    and not self.zygote.ready_now():
                waiting.append(read)  # grade the next ones first
                continue
            self.on_result(self._grade(*read, items, tests))
            while waiting and self.zygote.ready_now():
                self.on_result(self._grade(*waiting.pop(0), items, tests))
        for read in waiting:
            self.on_result(self._grade(*read, items, tests))
        return True

    # ------------------------------------------------------------------- grading
    def _read(self, job):
        """(result so far, the parsed notebook or None, seconds spent) for a job."""
        started = time.monotonic()
        result = results.start(job["student"], self.assignment, job["path"], self.zygote.isolation)
        try:
            notebook = read_submission(Path(job["path"]), self.assignment)
            result.problems = notebook.problems
        except NotebookError as error:
            result.status, result.reason = Status.UNGRADED, str(error)
            notebook = None
        return result, notebook, time.monotonic() - started

    def _zygote_for(self, notebook):
        """The zygote without the c.Sandbox.preload_later modules (torch) for a notebook that
        never mentions them, where there is one (imported some other way they still work, just
        slower)."""
        later = self.assignment.course.settings["Sandbox", "preload_later"]
        if self.light_zygote is None or notebook is None or \
                any(module in source for _, source in notebook.cells for module in later):
            return self.zygote
        return self.light_zygote

    def _grade(self, result, notebook, spent, items, tests):
        started = time.monotonic() - spent
        if notebook is None:
            return result.finish(self.assignment, started)
        settled = self._settled_without_running(notebook)
        zygote = self._zygote_for(notebook)
        try:
            self._run_tests(result, notebook, settled, items, tests, zygote)
            result.isolation = zygote.isolation  # known once the zygote has reported
        except SandboxUnavailable as error:
            result.status, result.reason, result.tests = Status.RETRY, f"the sandbox failed: {error}", []
        return result.finish(self.assignment, started)

    def _settled_without_running(self, notebook):
        """question -> outcome of all its tests, for questions decided by reading the notebook:
        a forbidden call, or (with skip_unanswered) the starter code left as it was."""
        settled = {question: {"outcome": Outcome.FORBIDDEN, "message": "uses " + ", ".join(calls) +
                              ", which does the work this question asks you to implement"}
                   for question, calls in self._forbidden(notebook).items()}
        if self.skip_unanswered:
            for question in unanswered_questions(notebook, self.assignment):
                settled.setdefault(question, {"outcome": Outcome.UNANSWERED, "message": UNANSWERED_MESSAGE})
        return settled

    def _run_tests(self, result, notebook, settled, items, tests, zygote):
        if all(test["question"] in settled for test in tests):  # nothing to run: no process
            result.tests = [_test_result(test, settled[test["question"]]) for test in tests]
            return
        timed_out = {}  # question -> the outcome of its remaining tests, once one timed out
        with SandboxedRun(zygote, notebook.cells, self.assignment.forbidden_calls) as run:
            self.current = Student(run)
            for index, (item, test) in enumerate(zip(items, tests)):
                question = test["question"]
                run.question = question  # restarts are budgeted, forbidden calls refused, per question
                if question in settled:
                    outcome = settled[question]
                elif question in timed_out:  # a hanging answer costs one call limit, not one per test
                    outcome = timed_out[question]
                elif test["direct"]:
                    outcome = self._call_directly(item)
                else:
                    outcome = self._run_item(item, items[index + 1] if index + 1 < len(items) else None)
                if outcome["outcome"] is Outcome.TIMEOUT and question not in timed_out:
                    timed_out[question] = {"outcome": Outcome.TIMEOUT, "message":
                                           "not run: an earlier test of this question timed out ("
                                           + (outcome.get("message") or "time limit") + ")"}
                result.tests.append(_test_result(test, outcome))
            result.cells = run.cell_outcomes
        self.current = None

    def _call_directly(self, item):
        """Run a test that needs only the `student` fixture as a plain call."""
        started = time.monotonic()
        try:
            item.obj(student=self.current)
        except SandboxUnavailable:
            raise
        except StudentError as error:
            return {"outcome": Outcome(error.kind), "message": error.message, "seconds": _since(started),
                    "detail": _failure_detail(error)}
        except (Exception, OutcomeException) as error:  # a wrong value, or the test's own error
            # The assertion text may show expected values, so it stays in `detail`
            # (instructors only); students see the test's description.
            return {"outcome": Outcome.FAILED, "seconds": _since(started), "detail": _failure_detail(error)}
        return {"outcome": Outcome.PASSED, "seconds": _since(started)}

    def _forbidden(self, notebook):
        defined = names_defined(source for _, source in notebook.cells)
        flagged = {}
        for question, names in self.assignment.forbidden_calls.items():
            hits = forbidden_calls_in(notebook.answers.get(f"{question}_answer", ""), names, defined)
            if hits:
                flagged[question] = hits
        return flagged

    def _run_item(self, item, nextitem):
        self._excinfo.pop(item.nodeid, None)
        started = time.monotonic()
        reports = runtestprotocol(item, log=False, nextitem=nextitem)
        seconds = round(time.monotonic() - started, 4)
        if all(r.passed for r in reports if r.when == "call") and not any(r.failed for r in reports):
            return {"outcome": Outcome.PASSED, "seconds": seconds}
        excinfo = self._excinfo.pop(item.nodeid, None)
        detail = next((str(r.longrepr)[-3000:] for r in reports if r.failed), "")
        if excinfo is not None and isinstance(excinfo.value, SandboxUnavailable):
            raise excinfo.value
        if excinfo is not None and isinstance(excinfo.value, StudentError):
            error = excinfo.value
            return {"outcome": Outcome(error.kind), "message": error.message, "detail": detail,
                    "seconds": seconds}
        # The student's values did not meet the check. The assertion text may show expected
        # values, so it stays in `detail` (instructors only); students see the description.
        return {"outcome": Outcome.FAILED, "detail": detail, "seconds": seconds}


def memoize_reference(assignment):
    """Hidden tests ask the reference the same fixed-seed questions for every submission:
    answer each once per worker. Only calls whose arguments are plain data are cached; a
    generator, tensor or callable argument goes straight through. Answers are deep-copied."""
    if not (assignment.material_dir / "reference.py").is_file():
        return
    module = assignment.course.import_material(f"{assignment.package_name}.reference")
    for name, fn in list(vars(module).items()):
        if (inspect.isfunction(fn) and fn.__module__ == module.__name__
                and not name.startswith("_") and not hasattr(fn, "__wrapped__")):
            setattr(module, name, _memoized(fn))


def _memoized(fn, capacity=4096):
    answers = {}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        key = _fingerprint((args, kwargs))
        if key is None:
            return fn(*args, **kwargs)
        if key not in answers:
            if len(answers) >= capacity:
                answers.clear()
            answers[key] = fn(*args, **kwargs)
        return _copied(answers[key])
    return wrapper


def _copied(value):
    """A copy of a reference answer that a test may modify: deepcopy, faster for the usual
    numbers, arrays and containers of them."""
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        return value
    if type(value) is np.ndarray and value.dtype.kind in "biufc":
        return value.copy()
    if type(value) in (list, tuple):
        return type(value)(_copied(v) for v in value)
    if type(value) is dict:
        return {k: _copied(v) for k, v in value.items()}
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(value, sympy.Basic):
        return value  # immutable: nothing a test does can change it
    return copy.deepcopy(value)


def _fingerprint(value):
    """A hashable digest of plain data (numbers, strings, numeric arrays, containers); None
    for anything else."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            return None
        data = hashlib.sha1(np.ascontiguousarray(value).tobytes()).digest()
        return ("array", value.dtype.str, value.shape, data)
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic)):
        return (type(value).__name__, repr(value))
    if isinstance(value, (list, tuple)):
        parts = tuple(_fingerprint(v) for v in value)
        return None if None in parts else (type(value).__name__, parts)
    if isinstance(value, dict):
        parts = tuple((_fingerprint(k), _fingerprint(v)) for k, v in value.items())
        return None if any(None in p for p in parts) else ("dict", parts)
    return None


def _not_dumpable():
    """Keep this process's memory (expected values, references) unreadable through /proc and
    ptrace by other processes of the same user: what protects it where bubblewrap cannot run."""
    import ctypes
    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


def _describe_item(item):
    question = item.get_closest_marker("question")
    points = item.get_closest_marker("points")
    if question is None or points is None:
        raise BrokenMaterial(f"hidden test {item.nodeid} needs question(...) and points(...) marks")
    doc = (getattr(item, "function", None).__doc__ or item.name).strip()
    direct = (type(item) is pytest.Function and set(item.fixturenames) <= {"student"}
              and not hasattr(item, "callspec") and not any(item.get_closest_marker(m) for m in _NOT_DIRECT))
    return {"test": item.name, "question": question.args[0], "points": float(points.args[0]),
            "description": doc.split("\n\n")[0].replace("\n", " "), "direct": direct}


def _failure_detail(error):
    """A failed test as pytest's native style shows it: the traceback from the test function
    down (this module's frame left out), then the exception and its message. Frames are taken
    without column positions: finding those (for the ^^^ markers) cost a tenth of the grading."""
    frames = traceback.StackSummary.extract(traceback.walk_tb(error.__traceback__.tb_next))
    lines = ["Traceback (most recent call last):\n", *frames.format(),
             *traceback.format_exception_only(type(error), error)]
    return "".join(lines)[-3000:]


def _since(started):
    return round(time.monotonic() - started, 4)


def _test_result(test, outcome):
    """A TestResult from a test's description and how it ended ({"outcome", "message", ...})."""
    return TestResult(test["test"], test["question"], test["points"], test["description"],
                      earned=test["points"] if outcome["outcome"] is Outcome.PASSED else 0.0,
                      **outcome)
