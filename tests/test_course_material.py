"""Every assignment is gradeable and fair, proven in the sandboxed engine (`course validate`):
solution full marks, release stub zero, a monkeypatching cheat zero, every mutant loses points,
every alternative keeps full marks, and the release leaks nothing."""
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.grading.unanswered import release_answers
from coursegrade.content.variants import load_variants
from coursegrade.authoring.validate import validate

COURSE = Course(Path(__file__).resolve().parents[1])
ASSIGNMENTS = COURSE.assignment_names()
VARIANTS = [(name, v.kind, v.name) for name in ASSIGNMENTS
            for v in load_variants(COURSE.assignment(name).material_dir)]
_validations = {}


def validation(name):
    if name not in _validations:
        _validations[name] = validate(COURSE.assignment(name))
    return _validations[name]


def verdict(name, kind, variant=None):
    found = [v for v in validation(name).verdicts if v.kind == kind and (variant is None or v.name == variant)]
    assert found, f"no {kind} {variant or ''} in the validation of {name}"
    return found[0]


def test_the_course_has_assignments():
    assert {"ps1", "ps2", "ps3"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("name", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["release", "solution", "stub", "cheat"])
def test_reference_submissions(name, kind):
    v = verdict(name, kind)
    assert v.ok, f"{name} {kind}: expected {v.expected}, got {v.score} {v.detail}"


STARTERS = [(name, q) for name in ASSIGNMENTS for q in COURSE.assignment(name).autograded_questions
            if f"{q}_answer" in release_answers(COURSE.assignment(name))]


@pytest.mark.parametrize("name, question", STARTERS, ids=[f"{n}-{q}" for n, q in STARTERS])
def test_each_questions_starter_code_alone_scores_zero(name, question):
    """What lets grading record an untouched answer cell as "unanswered" without running it."""
    v = verdict(name, "stub", f"starter code of {question} alone")
    assert v.ok, f"{name} {question}: expected {v.expected}, got {v.score}: {v.detail}"


@pytest.mark.parametrize("name, kind, variant", VARIANTS, ids=[f"{n}-{k}-{v}" for n, k, v in VARIANTS])
def test_variants(name, kind, variant):
    v = verdict(name, kind, variant)
    assert v.ok, f"{name} {kind} {variant}: expected {v.expected}, got {v.score}: {v.detail}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_autograded_function_has_mutants_and_alternatives(name):
    variants = load_variants(COURSE.assignment(name).material_dir)
    mutated = {v.target for v in variants if v.kind == "mutant"}
    alternated = {v.target for v in variants if v.kind == "alternative"}
    assert mutated and alternated
    assert mutated == alternated, f"targets with mutants but no alternative or back: {mutated ^ alternated}"
