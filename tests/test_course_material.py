"""Every assignment is gradeable and fair, proven in the sandboxed engine (`course validate`):
solution full marks, release stub zero, a monkeypatching cheat zero, every mutant loses points,
every alternative keeps full marks, and the release leaks nothing."""
import ast
from pathlib import Path

import pytest

from coursegrade.core.cells import Role
from coursegrade.core.course import Course
from coursegrade.grading.unanswered import release_answers
from coursegrade.content.variants import load_variants
from coursegrade.authoring.validate import validate

COURSE = Course(Path(__file__).resolve().parents[1])
ASSIGNMENTS = COURSE.assignment_names()
VARIANTS = [(name, v.kind, v.name) for name in ASSIGNMENTS
            for v in load_variants(COURSE.assignment(name).material_dir)]


@pytest.fixture(scope="session")
def validations():
    """Each assignment validated once per session, when a test first asks for it."""
    done = {}

    def validation(name):
        if name not in done:
            done[name] = validate(COURSE.assignment(name))
        return done[name]
    return validation


@pytest.fixture
def verdict(validations):
    def find(name, kind, variant=None):
        found = [v for v in validations(name).verdicts
                 if v.kind == kind and (variant is None or v.name == variant)]
        assert found, f"no {kind} {variant or ''} in the validation of {name}"
        return found[0]
    return find


def test_the_course_has_assignments():
    assert {"ps1", "ps2", "ps3"} <= set(ASSIGNMENTS)


@pytest.mark.parametrize("name", ASSIGNMENTS)
@pytest.mark.parametrize("kind", ["release", "solution", "stub", "cheat"])
def test_reference_submissions(verdict, name, kind):
    v = verdict(name, kind)
    assert v.ok, f"{name} {kind}: expected {v.expected}, got {v.score} {v.detail}"


STARTERS = [(name, q) for name in ASSIGNMENTS for q in COURSE.assignment(name).autograded_questions
            if f"{q}_answer" in release_answers(COURSE.assignment(name))]


@pytest.mark.parametrize("name, question", STARTERS, ids=[f"{n}-{q}" for n, q in STARTERS])
def test_each_questions_starter_code_alone_scores_zero(verdict, name, question):
    """What lets grading record an untouched answer cell as "unanswered" without running it."""
    v = verdict(name, "stub", f"starter code of {question} alone")
    assert v.ok, f"{name} {question}: expected {v.expected}, got {v.score}: {v.detail}"


@pytest.mark.parametrize("name, kind, variant", VARIANTS, ids=[f"{n}-{k}-{v}" for n, k, v in VARIANTS])
def test_variants(verdict, name, kind, variant):
    v = verdict(name, kind, variant)
    assert v.ok, f"{name} {kind} {variant}: expected {v.expected}, got {v.score}: {v.detail}"


def _answer_names(assignment):
    """question -> the names its answer cell defines (functions, classes, variables)."""
    found = {}
    for question in assignment.autograded_questions:
        cell = assignment.source_cells.get(f"{question}_answer")
        if cell is None or cell.role is not Role.ANSWER:
            continue
        names = set()
        for node in ast.parse(cell.source).body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        found[question] = names
    return found


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_answered_question_has_mutants_and_alternatives(name):
    """Each question with an answer cell has at least one mutant and one alternative of a name
    that cell defines, and every variant replaces a name some answer cell defines."""
    assignment = COURSE.assignment(name)
    answers = _answer_names(assignment)
    assert answers, f"{name} has no answer cells"
    variants = load_variants(assignment.material_dir)
    defined = set().union(*answers.values())
    strays = sorted({v.target for v in variants} - defined)
    assert not strays, f"variants of names no answer cell defines: {strays}"
    for kind in ("mutant", "alternative"):
        targets = {v.target for v in variants if v.kind == kind}
        missing = [q for q, names in answers.items() if not names & targets]
        assert not missing, f"{name}: questions without a {kind}: {missing}"


def test_a_mutant_counts_for_the_question_whose_answer_it_replaces():
    """ps5's mutant of the class `Value`, caught by a test of the question `dual`, counts for
    `value` (the answer cell defining `Value`), not for the question whose test caught it."""
    from coursegrade.authoring.validate import Verdict, _mutation_scores
    assignment = COURSE.assignment("ps5")
    caught = Verdict("mutant", "value_grad_overwritten", True, "3/10", "loses points",
                     "dual::test_against_reference", "Value")
    scores = _mutation_scores(assignment, [], [caught])
    assert scores == {"value": (1, 1)}
