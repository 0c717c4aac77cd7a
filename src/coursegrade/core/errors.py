"""The engine's own exceptions: what is wrong with the course, as opposed to a submission.

A submission's problems never raise out of grading (they become outcomes in its result); these
stop a command with a one-line message.
"""


class CourseError(Exception):
    """The course folder is not what a command needs (no such assignment, a bad setting)."""


class BrokenMaterial(CourseError):
    """The grading material itself is broken: a hidden suite that cannot be collected, a
    reference that cannot be imported, a grading worker that cannot start."""
