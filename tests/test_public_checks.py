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


def _checks_module(assignment):
    folder = assignment.source_notebook.parent
    sys.path.insert(0, str(folder))
    try:
        spec = importlib.util.spec_from_file_location(f"checks_{assignment.name}", folder / "checks.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(folder))


def load_checks(assignment):
    return _checks_module(assignment).checks


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
    # the notebook's check cells do `from checks import check`
    assert callable(getattr(_checks_module(assignment), "check", None)), \
        f"{name}'s checks.py does not define check (the notebook imports it): add `check = checks.run`"
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
            checks.run(question, namespace=namespace, raise_on_failure=True)
        report = out.getvalue()
        assert "\u2717" in report and "checks passed" in report
        assert "AssertionError" not in report


def test_run_all_goes_on_and_validate_still_sees_failures(monkeypatch):
    """In a student's "Run All" a failing check reports and the notebook goes on; where nbgrader
    executes the notebook (Validate, autograde) it raises, so nbgrader sees the failure."""
    assignment = COURSE.assignment("ps2")
    checks = load_checks(assignment)
    namespace = namespace_of(stub_notebook(assignment))
    check_failed = sys.modules[type(checks).__module__].CheckFailed
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    with redirect_stdout(io.StringIO()):
        assert checks.run("softmax", namespace=namespace) is None
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with redirect_stdout(io.StringIO()), pytest.raises(check_failed):
        checks.run("softmax", namespace=namespace)
    out = io.StringIO()
    with redirect_stdout(out):
        checks.run_all(namespace=namespace)  # never raises
    lines = out.getvalue().splitlines()
    assert len(lines) == len(checks.questions()) + 1 and lines[-1].startswith("0/")
    assert all(line.startswith("\u2717 ") for line in lines[:-1])


@pytest.mark.parametrize("answer", [
    "import torch\ndef softmax(z, axis=-1):\n    return torch.softmax(torch.as_tensor(z), dim=axis).numpy()\n",
    "import torch.nn.functional as F\nsm = F.softmax\n"
    "def softmax(z, axis=-1):\n    return sm(__import__('torch').as_tensor(z), dim=axis).numpy()\n",
    "from torch.nn.functional import softmax as _s\nimport torch\n"
    "def softmax(z, axis=-1):\n    return _s(torch.as_tensor(z), dim=axis).numpy()\n",
])
def test_a_forbidden_call_is_said_at_once(answer):
    """The public check tells the student that the answer uses a call the question forbids,
    however it is reached, instead of passing (the grader would give 0)."""
    import torch
    original = torch.softmax, torch.nn.functional.softmax
    assignment = COURSE.assignment("ps2")
    checks = load_checks(assignment)
    checks.forbidden = dict(assignment.forbidden_calls)
    namespace = namespace_of(solution_notebook(assignment))
    exec(compile(answer, "answer", "exec"), namespace)
    out = io.StringIO()
    with redirect_stdout(out):
        assert checks.run("softmax", namespace=namespace, raise_on_failure=False) is False
    assert "which softmax does not allow" in out.getvalue()
    assert (torch.softmax, torch.nn.functional.softmax) == original  # put back afterwards
    with redirect_stdout(io.StringIO()):  # other questions are not guarded against it
        assert checks.run("entropy", namespace=namespace, raise_on_failure=False)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_release_ships_the_forbidden_calls(name):
    import json
    assignment = COURSE.assignment(name)
    shipped = json.loads((assignment.release_dir / "forbidden_calls.json").read_text())
    assert shipped == {q: list(n) for q, n in assignment.forbidden_calls.items()}
