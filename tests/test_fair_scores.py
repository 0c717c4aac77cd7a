"""Fair scores against hostile or broken submissions (issue 14).

- A crash costs one question: an answer that ends its process on every call scores 0 on its
  question, the others keep their marks; a hanging answer costs about one call limit.
- Forbidden library calls are refused however they are reached (another cell, an alias,
  getattr, vars, eval, importlib, a method, an object made in a cell), only while a call for
  the question that forbids them runs.
- Inputs are never modified: a call that changes an argument in place fails, naming it.
- The gate's own mutants: constant answers must score 0, np.random instead of rng loses points.
"""
import io
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from coursegrade.authoring import synthetic
from coursegrade.authoring.synthetic import solution_notebook, with_replacement, write_batch
from coursegrade.authoring.validate import _judge_automatic
from coursegrade.core.course import Course
from coursegrade.core.results import Outcome, Result, TestResult
from coursegrade.grading.batch import grade_batch
from coursegrade.grading.sandbox import Limits, SandboxedRun, StudentError
from coursegrade.grading.student import Student
from coursegrade.inside import guards

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
CALL_SECONDS = 2.0


def _grade(assignment, notebooks, tmp_path, **limits):
    paths = write_batch(notebooks, tmp_path / "submitted", assignment.name)
    settings = dict(call_seconds=CALL_SECONDS, cell_seconds=10, submission_seconds=120, memory_mb=1024)
    results = grade_batch(COURSE, assignment, [(p.parent.parent.name, p) for p in paths], workers=2,
                          limits=Limits(**{**settings, **limits}), out=io.StringIO(), keep_results=False)
    return {r.student: r for r in results}


def _with(notebook, target, source, cell=None):
    notebook = with_replacement(notebook, target, source)
    if cell:
        notebook.cells.insert(2, nbformat.v4.new_code_cell(cell))
    return notebook


def _full_elsewhere(result, question):
    return {q: (s, result.max_scores[q]) for q, s in result.scores.items()
            if q != question and s != result.max_scores[q]}


# ------------------------------------------------------------------ a crash costs one question

CRASHES = {
    "os-_exit": "import os\n    os._exit(3)",
    "segfault": "import ctypes\n    ctypes.string_at(0)",
    "signal-to-itself": "import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)",
}
HANGS = "gaussian_mle"


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    ps1 = COURSE.assignment("ps1")
    solution = solution_notebook(ps1)
    notebooks = {"control": solution}
    for name, body in CRASHES.items():
        notebooks[name] = _with(solution, "bernoulli_log_likelihood",
                                f"def bernoulli_log_likelihood(theta, x):\n    {body}\n")
    notebooks["hang"] = _with(solution, HANGS, "def gaussian_mle(x):\n    while True:\n        pass\n")
    # restarts=1: each question may rebuild the process once; the crashing one needs more
    return _grade(ps1, notebooks, tmp_path_factory.mktemp("crashes"), restarts=1)


def test_the_control_keeps_full_marks(crashed):
    assert crashed["control"].total == crashed["control"].max_total


@pytest.mark.parametrize("name", sorted(CRASHES))
def test_an_answer_that_crashes_on_every_call_costs_only_its_question(crashed, name):
    result = crashed[name]
    tests = result.tests_of("bernoulli_log_likelihood")
    assert result.scores["bernoulli_log_likelihood"] == 0
    assert {t.outcome for t in tests} == {Outcome.CRASHED}, [(t.test, t.outcome, t.message) for t in tests]
    assert "not run" in tests[-1].message  # its budget of restarts spent, the last is not run
    assert _full_elsewhere(result, "bernoulli_log_likelihood") == {}, \
        [(t.test, t.outcome, t.message) for t in result.tests if t.outcome != "passed"][:5]


def test_a_hanging_answer_costs_about_one_call_limit(crashed):
    result = crashed["hang"]
    tests = result.tests_of(HANGS)
    assert len(tests) >= 2 and {t.outcome for t in tests} == {Outcome.TIMEOUT}
    assert all("an earlier test of this question timed out" in t.message for t in tests[1:])
    assert sum(t.seconds for t in tests) < 1.5 * CALL_SECONDS, [(t.test, t.seconds) for t in tests]
    assert _full_elsewhere(result, HANGS) == {}


# ---------------------------------------------------------- forbidden calls, however reached

def _loss(expression, imports="import torch\n    import torch.nn.functional as F"):
    """A cross_entropy_loss that computes with `expression` (of torch tensors l and y)."""
    return (f"def cross_entropy_loss(logits, labels):\n    {imports}\n"
            "    l = torch.as_tensor(np.asarray(logits, dtype=float))\n"
            "    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)\n"
            f"    return float({expression})\n")


TORCH_CELL = "import torch\nimport torch.nn.functional as F\n"
# Each cheat does cross_entropy_loss's (or log_softmax's, softmax's, cross_entropy_grad's) work
# with a library call the question forbids, reached so that the answer cell never names it.
ATTACKS = {
    "helper-in-another-cell": ("cross_entropy_loss", _loss("_helper(l, y)", imports="import torch"),
                               TORCH_CELL + "def _helper(l, y):\n    return F.cross_entropy(l, y)\n"),
    "alias-in-another-cell": ("cross_entropy_loss", _loss("ce(l, y)", imports="import torch"),
                              TORCH_CELL + "ce = F.cross_entropy\n"),
    "getattr-computed-name": ("cross_entropy_loss", _loss("getattr(F, 'cross_' + 'entropy')(l, y)"), None),
    "vars": ("cross_entropy_loss", _loss("vars(F)['cross_' 'entropy'](l, y)"), None),
    "__dict__": ("cross_entropy_loss", _loss("F.__dict__['cross_entropy'](l, y)"), None),
    "eval-of-a-string": ("cross_entropy_loss", _loss("eval('F.cross' + '_entropy')(l, y)"), None),
    "object-made-in-another-cell": ("cross_entropy_loss", _loss("_criterion(l, y)", imports="import torch"),
                                    TORCH_CELL + "_criterion = torch.nn.CrossEntropyLoss()\n"),
    "importlib": ("log_softmax",
                  "def log_softmax(z, axis=-1):\n    import importlib\n"
                  "    special = importlib.import_module('scipy' + '.special')\n"
                  "    return getattr(special, 'log_' + 'softmax')(np.asarray(z, dtype=float), axis=axis)\n", None),
    "tensor-method": ("softmax",
                      "def softmax(z, axis=-1):\n    import torch\n"
                      "    t = torch.as_tensor(np.asarray(z, dtype=float))\n"
                      "    return getattr(t, 'soft' + 'max')(axis).numpy()\n", None),
    "autograd-by-name": ("cross_entropy_grad",
                         "def cross_entropy_grad(logits, labels):\n    import torch\n"
                         "    l = torch.tensor(np.asarray(logits, dtype=float), requires_grad=True)\n"
                         "    p = torch.exp(l - torch.amax(l, 1, keepdim=True))\n"
                         "    p = p / p.sum(1, keepdim=True)\n"
                         "    loss = -torch.log(p[torch.arange(len(labels)), torch.as_tensor(labels)]).mean()\n"
                         "    getattr(loss, 'back' + 'ward')()\n"
                         "    return l.grad.numpy()\n", None),
}
ALLOWED = {
    # F.nll_loss on the student's own log_softmax: nothing cross_entropy_loss forbids
    "allowed-nll-loss": ("cross_entropy_loss",
                         _loss("F.nll_loss(torch.as_tensor(log_softmax(logits, axis=1)), y)"), None),
    # torch.softmax is forbidden in softmax, not in cross_entropy_grad
    "forbidden-elsewhere-allowed-here": ("cross_entropy_grad",
                                         "def cross_entropy_grad(logits, labels):\n    import torch\n"
                                         "    p = torch.softmax(torch.as_tensor(np.asarray(logits, dtype=float)), dim=1).numpy()\n"
                                         "    onehot = np.zeros_like(p)\n"
                                         "    onehot[np.arange(p.shape[0]), labels] = 1.0\n"
                                         "    return (p - onehot) / p.shape[0]\n", None),
}


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    ps2 = COURSE.assignment("ps2")
    solution = solution_notebook(ps2)
    notebooks = {"control": solution}
    for name, (target, source, cell) in {**ATTACKS, **ALLOWED}.items():
        notebooks[name] = _with(solution, target, source, cell)
    return _grade(ps2, notebooks, tmp_path_factory.mktemp("forbidden"))


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_forbidden_call_reached_indirectly_earns_nothing(refused, name):
    question = ATTACKS[name][0]
    result = refused[name]
    tests = result.tests_of(question)
    assert result.scores[question] == 0, [(t.test, t.outcome, t.message) for t in tests]
    assert {t.outcome for t in tests} == {Outcome.FORBIDDEN}, [(t.test, t.outcome, t.message) for t in tests]
    # refused at run time (the static scan of the answer cell does not see these), with the rule
    assert all("refused while its tests ran" in t.message and "does the work this question asks"
               in t.message for t in tests)


@pytest.mark.parametrize("name", sorted(ALLOWED) + ["control"])
def test_an_allowed_call_keeps_full_marks(refused, name):
    result = refused[name]
    assert result.total == result.max_total, \
        [(t.test, t.outcome, t.message) for t in result.tests if t.outcome != "passed"]


def test_cells_and_other_questions_run_unguarded(refused):
    """The cells that call F.cross_entropy at top level ran; the questions the attacks do not
    touch kept their marks (their calls are not refused)."""
    untouched = ("self_information", "entropy", "kl_divergence", "perplexity",
                 "binary_cross_entropy_with_logits")
    for name in ATTACKS:
        result = refused[name]
        assert result.cells == {}, (name, result.cells)
        assert all(result.scores[q] == result.max_scores[q] for q in untouched), name


CELLS = [("setup", "import numpy as np\nimport torch\nimport torch.nn.functional as F\n"
                   "ce = F.cross_entropy\nsaved = torch.Tensor.softmax\n"
                   "top_level = float(F.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1])))\n"),
         ("answers", "def loss(l, y):\n    return float(ce(torch.as_tensor(l), torch.as_tensor(y)))\n"
                     "def swallowed(l, y):\n    try:\n        return float(ce(torch.as_tensor(l), torch.as_tensor(y)))\n"
                     "    except BaseException:\n        return 0.0\n"
                     "def method(z):\n    return torch.as_tensor(z).softmax(-1).numpy()\n"
                     "def uncovered(z):\n    del torch.Tensor.softmax\n    return torch.as_tensor(z).softmax(-1).numpy()\n"
                     "def restored(z):\n    torch.Tensor.softmax = saved\n    return torch.as_tensor(z).softmax(-1).numpy()\n")]
FORBIDDEN = {"q": ["torch.nn.functional.cross_entropy", "torch.softmax"]}


def test_the_guard_refuses_only_for_the_question_that_forbids(zygote):
    l, y = np.random.default_rng(0).normal(size=(4, 3)), np.array([0, 1, 2, 1])
    with SandboxedRun(zygote, CELLS, FORBIDDEN) as run:
        assert run.cell_outcomes == {}
        student = Student(run)
        run.question = "other"
        assert abs(student.loss(l, y) - student.swallowed(l, y)) < 1e-12
        assert student.method(l).shape == (4, 3)
        run.question = "q"
        for call in (lambda: student.loss(l, y), lambda: student.swallowed(l, y),
                     lambda: student.method(l), lambda: student.uncovered(l), lambda: student.restored(l)):
            with pytest.raises(StudentError) as caught:
                call()
            assert caught.value.kind == "forbidden-call", caught.value.message
        run.question = "other"
        assert student.loss(l, y) > 0 and student.value("top_level") > 0


# -------------------------------------------------------------------- inputs never modified

INPUT_CELLS = [("a", "import numpy as np\n"
                     "def softmax(z):\n    z -= z.max(axis=-1, keepdims=True)\n    return np.exp(z) / np.exp(z).sum(-1, keepdims=True)\n"
                     "def same(z):\n    return z\n"
                     "def view(z):\n    return z[..., ::-1]\n"
                     "def nan_in(z):\n    return float(np.nansum(z))\n"
                     "def appends(items):\n    items.append(1.0)\n    return len(items)\n"
                     "def shallow(params, lr=0.1):\n    p = dict(params)\n    p['W'] -= lr\n    return p\n"
                     "def keyword(x, *, out):\n    out[0] = 1.0\n    return x\n"
                     "class Box:\n    def __init__(self):\n        self.items = []\n"
                     "    def add(self, x):\n        self.items.append(x)\n        return len(self.items)\n")]


def test_a_function_that_modifies_its_input_fails_naming_it(zygote):
    z = np.array([[1.0, 2.0, 3.0], [0.0, np.nan, -0.0]])
    with SandboxedRun(zygote, INPUT_CELLS) as run:
        student = Student(run)
        for function, args, kwargs, name, kind in (
                ("softmax", (z,), {}, "z", "array"), ("appends", ([1.0, 2.0],), {}, "items", "list"),
                ("shallow", ({"W": np.ones(3), "b": 0.0},), {}, "params", "dict"),
                ("keyword", (1.0,), {"out": np.zeros(2)}, "out", "array")):
            with pytest.raises(StudentError) as caught:
                getattr(student, function)(*args, **kwargs)
            assert caught.value.kind == "failed"
            assert caught.value.message.startswith(f"{function} modified its argument {name} in place; "
                                                   f"return a new {kind} instead"), caught.value.message
        np.testing.assert_array_equal(student.same(z), z)       # its input back unchanged
        np.testing.assert_array_equal(student.view(z), z[..., ::-1])  # a view of it
        assert student.nan_in(z) == 6.0                        # nan and -0.0 compare as unchanged
        box = student.Box()
        assert box.add(np.ones(2)) == 1 and box.add([1, 2]) == 2  # an object's own state may change


def test_the_input_check_costs_next_to_nothing():
    """Copying and comparing the arguments of a typical call (a few arrays of thousands of
    numbers, a dict of parameters): well under the cost of one call across the boundary."""
    rng = np.random.default_rng(1)
    args = (rng.normal(size=(200, 50)), rng.integers(0, 5, size=200),
            {"W1": rng.normal(size=(50, 30)), "b1": np.zeros(30), "W2": rng.normal(size=(30, 5))}, 0.1)
    started, rounds = time.perf_counter(), 2000
    for _ in range(rounds):
        guards.check_unmodified(None, guards.kept(args, {}))
    per_call = (time.perf_counter() - started) / rounds
    assert per_call < 100e-6, f"{per_call * 1e6:.1f} us per call"


# ---------------------------------------------------------------- the gate's automatic mutants

def test_the_gate_makes_constant_and_global_random_mutants():
    ps3 = COURSE.assignment("ps3")
    mutants, skipped = synthetic.automatic_mutants(ps3)
    kinds = {(m.kind, m.target, m.constant) for m in mutants}
    assert {("constant", "relu_forward", c) for c in synthetic.CONSTANTS} <= kinds
    assert ("rng", "sgd_train", "") in kinds and not any(m.kind == "rng" and m.target != "sgd_train" for m in mutants)
    ps1_mutants, _ = synthetic.automatic_mutants(COURSE.assignment("ps1"))
    derivation = [m for m in ps1_mutants if m.question == "mle_derivation"]
    assert [m.names for m in derivation] == [("log_likelihood", "theta_mle")] * 2  # a formula: 0 and 1
    if "ps6" in COURSE.assignment_names():
        assert "kdtree" in synthetic.automatic_mutants(COURSE.assignment("ps6"))[1]  # a class: skipped


def test_the_global_random_mutant_draws_from_numpys_state(zygote):
    ps3 = COURSE.assignment("ps3")
    rng_mutant = next(m for m in synthetic.automatic_mutants(ps3)[0] if m.kind == "rng")
    notebook = synthetic.automatic_notebook(ps3, rng_mutant)
    from coursegrade.grading.notebooks import parse_cells
    cells = [c for c in parse_cells(notebook, ps3).cells if not c[0].startswith("demo")]
    with SandboxedRun(zygote, cells) as run:
        student = Student(run)
        data = np.random.default_rng(3)
        X, y = data.normal(size=(30, 2)), data.integers(0, 3, size=30)
        params = {"W1": data.normal(size=(2, 4)) * 0.1, "b1": np.zeros(4), "W2": data.normal(size=(4, 3)) * 0.1,
                  "b2": np.zeros(3)}
        before = student.global_random_state()
        first = student.sgd_train(params, X, y, 0.1, 0.0, 2, 7, np.random.default_rng(5))
        second = student.sgd_train(params, X, y, 0.1, 0.0, 2, 7, np.random.default_rng(5))
        assert student.global_random_state() != before
        assert not np.allclose(first[1], second[1])  # the same seed, other draws


def _result(question, earned, points=2.0):
    test = TestResult("test_a", question, points, "", Outcome.PASSED if earned else Outcome.FAILED,
                      earned=earned)
    return Result("s", "ps", tests=[test], scores={question: earned}, max_scores={question: points})


@pytest.mark.parametrize("kind, earned, ok", [("constant", 0.0, True), ("constant", 1.0, False),
                                              ("rng", 1.0, True), ("rng", 2.0, False)])
def test_a_constant_must_score_zero_and_global_random_must_lose_points(kind, earned, ok):
    generated = synthetic.AutomaticMutant(kind, "q", "f", "zeros" if kind == "constant" else "")
    result = _result("q", earned)
    if earned == 1.0 and kind == "constant":  # partly caught: still let through by a test
        result.tests.append(TestResult("test_b", "q", 1.0, "", Outcome.FAILED))
    verdict = _judge_automatic(generated, result)
    assert verdict.ok is ok and verdict.kind == kind
    if kind == "constant" and not ok:
        assert verdict.detail == "let through by test_a"


COURSE_COMMAND = [str(Path(sys.executable).with_name("course"))]
WEAK_TEST = '''
@points(1)
def test_shape_only(student):
    "standardize keeps the shape of X."
    X = np.random.default_rng(104).normal(size=(9, 2))
    assert np.asarray(student.standardize(X)).shape == X.shape
'''


@pytest.fixture(scope="module")
def new_course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fair") / "course"
    done = subprocess.run(COURSE_COMMAND + ["init", str(folder)], cwd=folder.parent, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return folder


def _validate(folder):
    return subprocess.run(COURSE_COMMAND + ["validate", "week1"], cwd=folder, capture_output=True,
                          text=True, timeout=900)


def test_constant_answers_score_zero_in_the_gate(new_course):
    done = _validate(new_course)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if line.strip().startswith("constant     ")]
    assert len(rows) == len(synthetic.CONSTANTS) and all(" ok " in row for row in rows), rows
    assert "standardize returns first input" in done.stdout
    assert "constant answers scoring 0 per question (zero/total): standardize 6/6" in done.stdout
    assert "mutation score per question (caught/total): standardize 3/3" in done.stdout  # apart


def test_a_suite_that_lets_a_constant_through_fails_the_gate(new_course, tmp_path):
    import shutil
    weak = tmp_path / "weak"
    shutil.copytree(new_course, weak)
    suite = weak / "autograder" / "week1" / "hidden" / "test_standardize.py"
    suite.write_text(suite.read_text() + WEAK_TEST)  # a point for the shape alone
    notebook = nbformat.read(weak / "source" / "week1" / "week1.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "standardize":
            cell.metadata["nbgrader"]["points"] = 4
    nbformat.write(notebook, weak / "source" / "week1" / "week1.ipynb")
    subprocess.run(COURSE_COMMAND + ["release", "week1"], cwd=weak, capture_output=True, timeout=600)
    done = _validate(weak)
    assert done.returncode == 1, done.stdout + done.stderr
    failing = [line for line in done.stdout.splitlines() if line.strip().startswith("constant     ") and "FAIL" in line]
    assert failing and all("let through by test_shape_only" in line for line in failing), done.stdout
    assert "standardize returns nan" in " ".join(failing)
