"""A time limit on the trusted side's own work on a submission's data.

Rebuilding a student's formula, comparing it with the reference's, evaluating it at random
points, rebuilding what the sandbox sent back: all of it runs in the grading worker, outside
the sandbox and its limits, where a formula that is short as text but costly to build would
hold the worker (and the batch behind it) for good. `limited(what, fn, ...)` runs one such step
under c.Grading.trusted_work_seconds of wall clock (`configure`, once per worker): a SIGALRM
timer interrupts it, and the step raises `TooCostly`, a StudentError of kind "error": the
answer loses the check that needed it, nothing else.

CPython runs signal handlers between bytecodes, so one long C operation (a power of an integer
with millions of digits) is not interrupted: the steps also bound the sizes of what they build
(grading/student.py: numbers, exponents, nesting). The timer works in the main thread (where
a grading worker runs its suite); elsewhere only those size limits apply.
"""
import signal
import threading
import time

from coursegrade.core.errors import StudentError

DEFAULT_SECONDS = 5.0  # c.Grading.trusted_work_seconds
REPEAT = 0.05          # after the deadline the timer fires again until the step has stopped

_seconds = [DEFAULT_SECONDS]
_deadline = [None]     # the monotonic time by which the innermost running step must end
_installed = [False]


class TooCostly(StudentError):
    """A step of trusted work on a submission's data went over its limit."""

    def __init__(self, message):
        super().__init__("error", message)


class _Expired(BaseException):
    """Raised by the timer inside a step. Not an Exception, so that a library's own `except
    Exception` does not take it for an error of its own; and it comes again every REPEAT
    seconds until the step has stopped."""


def configure(seconds):
    """The time limit of each step from now on (c.Grading.trusted_work_seconds)."""
    _seconds[0] = float(seconds)


def seconds():
    return _seconds[0]


def _on_alarm(signum, frame):
    if _deadline[0] is not None and time.monotonic() >= _deadline[0]:
        raise _Expired


def limited(what, fn, *args, **kwargs):
    """`fn(*args, **kwargs)`, or TooCostly("<what> took longer than N s") once the time limit
    is over (nested steps share the outer one's deadline when it comes first)."""
    limit = _seconds[0]
    if threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)  # signals reach the main thread only
    if not _installed[0]:
        signal.signal(signal.SIGALRM, _on_alarm)
        _installed[0] = True
    outer = _deadline[0]
    until = time.monotonic() + limit
    if outer is not None and outer < until:
        until = outer
    try:
        try:
            _deadline[0] = until
            signal.setitimer(signal.ITIMER_REAL, max(until - time.monotonic(), 1e-4), REPEAT)
            result = fn(*args, **kwargs)
        finally:
            _deadline[0] = outer  # first: from here on the timer raises nothing for this step
            if outer is None:
                signal.setitimer(signal.ITIMER_REAL, 0)
            else:
                signal.setitimer(signal.ITIMER_REAL, max(outer - time.monotonic(), 1e-4), REPEAT)
    except _Expired:
        raise TooCostly(f"{what} took longer than {limit:g} s") from None
    if time.monotonic() > until:  # over time, and an interruption may have been swallowed
        raise TooCostly(f"{what} took longer than {limit:g} s")
    return result
