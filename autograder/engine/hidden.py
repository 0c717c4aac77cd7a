"""What hidden test suites use, besides pytest and numpy.

A hidden test module grades one question (the ``grade_id`` of a graded cell of the notebook)::

    pytestmark = question("softmax")

    @points(2)
    def test_rows_sum_to_one(student):
        "softmax(z) returns rows that sum to one, also for logits of +-1000."
        ...

The docstring is what the student sees as the check's description: it must not contain
expected values. ``student`` is a handle on the submission running in the sandbox:
``student.softmax(z)`` sends ``z`` in and returns plain data; a call that raises, times out or
crashes in the sandbox raises :class:`StudentError` here, and the engine records that outcome.
"""
import pytest

question = pytest.mark.question
points = pytest.mark.points
