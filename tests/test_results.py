"""Typed results: every outcome is explained to students and coloured in the report; results
survive their stored form; results written before typed results are still read, and whether a
result is retried is decided by its status, never by the wording of its message."""
import json

import pytest

from coursegrade.core.results import Outcome, Result, Status, TestResult
from coursegrade.outputs.feedback import OUTCOME_WORDS
from coursegrade.outputs.report import OUTCOME_COLOURS


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_outcome_has_words_and_a_colour(outcome):
    assert OUTCOME_WORDS.get(outcome), f"feedback has no words for {outcome}"
    assert OUTCOME_COLOURS.get(outcome, "").startswith("#"), f"the report has no colour for {outcome}"


def _result(**changes):
    test = TestResult("test_rows", "softmax", 2.0, "softmax of rows", Outcome.FAILED,
                      message="", detail="AssertionError: 0.3 != 0.7", seconds=0.01)
    values = dict(student="ada", assignment="ps2", tests=[test], scores={"softmax": 0.0},
                  max_scores={"softmax": 2.0}, max_total=2.0, sha256="ab" * 32)
    return Result(**{**values, **changes})


def test_a_result_survives_its_stored_form():
    result = _result()
    again = Result.from_json(json.loads(result.dumps()))
    assert again == result
    assert again.tests[0].outcome is Outcome.FAILED and again.status is Status.GRADED


def test_results_of_schema_1_are_read():
    old = {"student": "bo", "assignment": "ps2", "status": "ungraded",
           "reason": "the grading worker died (exit code -9); it will be retried",
           "tests": [], "scores": {}, "late_penalty": 1.5, "seconds_late": 3600.0,
           "gradebook": {"sha256": "x", "db_url": "sqlite:///g.db"}}
    result = Result.from_json(old)
    assert result.status is Status.RETRY and not result.final
    assert result.gradebook.late_penalty == 1.5 and result.gradebook.seconds_late == 3600.0
    final = Result.from_json({**old, "reason": "ps2.ipynb is empty"})
    assert final.status is Status.UNGRADED and final.final


def test_retrying_does_not_depend_on_the_message():
    worded_like_a_retry = _result(status=Status.UNGRADED, reason="the grading worker died")
    assert Result.from_json(json.loads(worded_like_a_retry.dumps())).final
    silent_retry = _result(status=Status.RETRY, reason="")
    assert not Result.from_json(json.loads(silent_retry.dumps())).final


@pytest.mark.parametrize("data", [None, [], {"student": "x"}, {"assignment": "ps1"},
                                  {"student": "x", "assignment": "ps1", "status": "bogus"},
                                  {"student": "x", "assignment": "ps1", "tests": [{"outcome": "won"}]}])
def test_a_damaged_results_file_is_refused_not_trusted(data):
    with pytest.raises((ValueError, TypeError, KeyError)):
        Result.from_json(data)
