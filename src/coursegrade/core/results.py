"""What grading says about one submission: typed, built here, stored as results.json.

A `Result` has a `Status`: graded (every hidden test has an `Outcome`), ungraded (the
submission itself cannot be graded: a notebook that cannot be read; final, with the reason in
words) or retry (the grader failed, not the submission: a worker died, the sandbox could not
start; graded again by the next `course grade`, and never written to the gradebook or the
exports as a score). docs/results.md documents the stored form; `SCHEMA_VERSION` changes with it.
"""
import copy
import json
import time
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum

SCHEMA_VERSION = 2


class Outcome(StrEnum):
    """How one hidden test ended."""
    PASSED = "passed"
    FAILED = "failed"            # the student's value was wrong
    ERROR = "error"              # the student's code raised
    TIMEOUT = "timeout"          # a wall-clock or CPU limit
    MEMORY = "memory"            # the memory limit
    CRASHED = "crashed"          # the student's process ended
    FORBIDDEN = "forbidden-call"  # the answer uses a library call the question forbids
    UNANSWERED = "unanswered"    # the answer cell is still the starter code


class Status(StrEnum):
    GRADED = "graded"
    UNGRADED = "ungraded"  # the submission cannot be graded (final)
    RETRY = "retry"        # the grader failed; graded again on the next run


@dataclass
class TestResult:
    """How one hidden test went for one submission."""
    __test__ = False  # not a pytest test class
    test: str
    question: str
    points: float
    description: str
    outcome: Outcome
    message: str = ""     # for the student: what their code did
    detail: str = ""      # for instructors only: the assertion text, which may show expected values
    seconds: float = 0.0
    earned: float = 0.0
    untrusted: bool = False  # a foreign-format test cell that ran in the student's process

    @classmethod
    def from_json(cls, data):
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["outcome"] = Outcome(values["outcome"])
        return cls(**values)


@dataclass
class GradebookView:
    """What nbgrader's gradebook says of a recorded submission (late penalty, manual grades)."""
    sha256: str = None            # the notebook bytes recorded
    db_url: str = ""
    duedate: str = None
    seconds_late: float = 0.0
    late_penalty: float = 0.0
    manual: dict = field(default_factory=dict)   # grade_id -> manual score
    score: float = 0.0
    max_score: float = 0.0
    needs_manual_grade: bool = False


@dataclass
class Result:
    student: str
    assignment: str
    notebook: str = ""
    status: Status = Status.GRADED
    reason: str = ""              # why not graded, in words
    isolation: str = ""           # the sandbox's layers, e.g. "bubblewrap + seccomp + landlock"
    problems: list = field(default_factory=list)   # what is wrong but gradeable, in words
    cells: dict = field(default_factory=dict)      # cell name -> {"kind", "message"} of cells that failed
    tests: list = field(default_factory=list)      # [TestResult]
    scores: dict = field(default_factory=dict)     # question -> points earned
    max_scores: dict = field(default_factory=dict)
    total: float = 0.0
    max_total: float = 0.0
    seconds: float = 0.0
    # The submission's stamp (batch.stamp): what it was graded from.
    sha256: str = None
    material_sha256: str = None
    timestamp: str = None
    submission_problems: list = field(default_factory=list)
    written_answers: dict = None  # grade_id -> "answered"/"unanswered", once recorded
    gradebook: GradebookView = None
    schema_version: int = SCHEMA_VERSION

    @property
    def graded(self):
        return self.status is Status.GRADED

    @property
    def final(self):
        """Whether this result stands (a retry is graded again on the next run)."""
        return self.status is not Status.RETRY

    def tests_of(self, question):
        return [t for t in self.tests if t.question == question]

    def finish(self, assignment, started):
        """Scores from the tests' points earned, against the assignment's questions."""
        questions = assignment.autograded_questions
        self.scores = {q: 0.0 for q in questions}
        for test in self.tests:
            self.scores[test.question] = self.scores.get(test.question, 0.0) + test.earned
        self.max_scores = {q: assignment.points(q) for q in questions}
        self.total = sum(self.scores.values())
        self.max_total = sum(self.max_scores.values())
        self.seconds = round(time.monotonic() - started, 3)
        return self

    def to_json(self):
        return _plain(self)

    def dumps(self):
        # Compact: json's C encoder (indent= falls back to its Python one, three times slower).
        return json.dumps(self.to_json(), separators=(",", ":"), default=str)

    @classmethod
    def from_json(cls, data):
        """A result from its stored form; results of schema 1 (before typed results) too."""
        if not isinstance(data, dict) or "student" not in data or "assignment" not in data:
            raise ValueError("not a result")
        data = _upgrade(dict(data))
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = Status(values.get("status", Status.GRADED))
        values["tests"] = [TestResult.from_json(t) for t in values.get("tests", [])]
        if isinstance(values.get("gradebook"), dict):
            view = {f.name for f in fields(GradebookView)}
            values["gradebook"] = GradebookView(**{k: v for k, v in values["gradebook"].items() if k in view})
        values["schema_version"] = SCHEMA_VERSION
        return cls(**values)


def start(student, assignment, notebook, isolation=""):
    """A graded result to which tests are added (grading/suite.py)."""
    return Result(student=student, assignment=assignment.name, notebook=str(notebook),
                  isolation=isolation)


def not_graded(assignment, student, reason, notebook="", retry=False):
    """A result that says why a submission was not graded: the submission's fault (final) or,
    with `retry`, the grader's (graded again on the next run)."""
    result = Result(student=student, assignment=assignment.name, notebook=str(notebook),
                    status=Status.RETRY if retry else Status.UNGRADED, reason=reason)
    return result.finish(assignment, time.monotonic())


# Schema 1 said "ungraded" for both kinds, telling them apart by the reason's first words,
# and kept the gradebook's view as flat keys.
_V1_RETRY_REASONS = ("the grading worker died", "the sandbox failed")
_V1_GRADEBOOK = {"duedate": "duedate", "seconds_late": "seconds_late", "late_penalty": "late_penalty",
                 "manual": "manual", "gradebook_score": "score", "gradebook_max_score": "max_score",
                 "needs_manual_grade": "needs_manual_grade"}


def _upgrade(data):
    if data.get("schema_version", 1) >= 2:
        return data
    if data.get("status") == "ungraded" and str(data.get("reason", "")).startswith(_V1_RETRY_REASONS):
        data["status"] = "retry"
    if isinstance(data.get("gradebook"), dict):
        view = dict(data["gradebook"])
        for old, new in _V1_GRADEBOOK.items():
            if old in data:
                view[new] = data[old]
        data["gradebook"] = view
    return data


def _plain(value):
    """What dataclasses.asdict makes of a result (nested dataclasses as dicts, lists and dicts
    copied), for the plain types results hold: a fifth of asdict's time, which deep-copies
    every leaf (a millisecond a result, paid each time one is written or sent)."""
    kind = type(value)
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if kind is list:
        return [_plain(v) for v in value]
    if kind in _FIELDS:
        return {name: _plain(getattr(value, name)) for name in _FIELDS[kind]}
    if kind in (str, int, float, bool, type(None), Status, Outcome):
        return value
    return asdict(value) if hasattr(value, "__dataclass_fields__") else copy.deepcopy(value)


_FIELDS = {cls: [f.name for f in fields(cls)] for cls in (Result, TestResult, GradebookView)}
