"""The engine's own exceptions: what is wrong with the course, as opposed to a submission.

A submission's problems never raise out of grading (they become outcomes in its result); these
stop a command with a one-line message. `StudentError` is the one exception about a
submission: it ends one hidden test with an outcome and a message, never more.
"""


class CourseError(Exception):
    """The course folder is not what a command needs (no such assignment, a bad setting)."""


class BrokenMaterial(CourseError):
    """The grading material itself is broken: a hidden suite that cannot be collected, a
    reference that cannot be imported, a grading worker that cannot start."""


class ResultsUnwritable(CourseError):
    """A result cannot be written (autograded/ read-only, the disk full): grading stops, and
    every result written before is kept."""


class StudentError(Exception):
    """Student code did not return normally, or its answer cannot be checked: the test that
    met it ends with outcome `kind` (error, timeout, memory, crashed) and `message` (for the
    student). Raised by the sandbox's trusted side and by trusted work on a submission's data
    (core/trusted.py); the hidden suite records it as the test's outcome."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind, self.message = kind, message
