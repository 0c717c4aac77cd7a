"""The checks students run in JupyterLab: all pass on the solution, fail on the stub with a
message in words (not a bare AssertionError), one call per question."""
import importlib.util
import io
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.authoring.synthetic import solution_notebook, stub_notebook

COURSE = Course(Path(__file__).resolve().parents[1])
ASSIGNMENTS = COURSE.assignment_names()


def load_checks(assignment):
    folder = assignment.source_notebook.parent
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(f"checks_{assignment.name}", folder / "checks.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.checks
    finally:
        sys.path.remove(str(folder))


def namespace_of(notebook):
    """Run our own notebook's code (solution or stub) the way a kernel would, minus checks."""
    namespace = {"__name__": "__main__"}
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        try:
            with redirect_stdout(io.StringIO()):
                exec(compile(cell.source, meta.get("grade_id", "cell"), "exec"), namespace)
        except Exception:
            pass  # stub cells raise NotImplementedError; later cells still run
    return namespace


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_question_has_checks_and_they_pass_on_the_solution(name):
    assignment = COURSE.assignment(name)
    checks = load_checks(assignment)
    assert set(checks.questions()) == set(assignment.autograded_questions)
    namespace = namespace_of(solution_notebook(assignment))
    for question in checks.questions():
        out = io.StringIO()
        with redirect_stdout(out):
            passed = checks.run(question, namespace=namespace, raise_on_failure=False)
        assert passed, f"{name}.{question} public checks fail on the solution:\n{out.getvalue()}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_checks_fail_on_the_stub_with_messages(name):
    assignment = COURSE.assignment(name)
    checks = load_checks(assignment)
    namespace = namespace_of(stub_notebook(assignment))
    for question in checks.questions():
        out = io.StringIO()
        # checks.py imports the released copy of the runner, so its own CheckFailed class
        check_failed = sys.modules[type(checks).__module__].CheckFailed
        with redirect_stdout(out), pytest.raises(check_failed):
            checks.run(question, namespace=namespace)
        report = out.getvalue()
        assert "\u2717" in report and "checks passed" in report
        assert "AssertionError" not in report
