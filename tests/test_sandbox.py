"""The sandbox: student code runs in a child of the zygote; every misbehaviour is an outcome."""
import numpy as np
import pytest

from autograder.engine.sandbox import SandboxedRun, StudentError, bwrap_usable
from autograder.engine.student import Student

CELLS = [
    ("setup", "import numpy as np"),
    ("double", "def double(x):\n    return 2 * x\n"),
    ("broken", "1 / 0"),
    ("after_broken", "def still_defined():\n    return 'yes'\n"),
    ("misbehave", "import os, time\n"
                  "def spin():\n    while True:\n        pass\n"
                  "def leave():\n    os._exit(3)\n"
                  "def hog():\n    return np.ones((1 << 40,))\n"
                  "def fail():\n    raise ValueError('shapes do not match')\n"
                  "def tensor(x):\n    import torch\n    return torch.as_tensor(x) * 3\n"
                  "def object_array():\n    return np.array([1, 'a'], dtype=object)\n"
                  "class Box:\n    pass\n"
                  "def box():\n    return Box()\n"),
]


@pytest.fixture
def run(zygote):
    with SandboxedRun(zygote, CELLS) as run:
        yield run


def test_cells_run_in_order_and_a_raising_cell_does_not_stop_the_rest(run):
    assert run.cell_outcomes["broken"]["kind"] == "error"
    assert "ZeroDivisionError" in run.cell_outcomes["broken"]["message"]
    student = Student(run)
    assert student.still_defined() == "yes"
    np.testing.assert_array_equal(student.double(np.arange(3.0)), [0.0, 2.0, 4.0])


def test_exceptions_timeouts_and_exits_are_outcomes_and_the_run_recovers(run):
    student = Student(run)
    outcomes = {}
    for name in ("fail", "spin", "leave", "hog"):
        with pytest.raises(StudentError) as caught:
            getattr(student, name)()
        outcomes[name] = caught.value.kind
    assert outcomes == {"fail": "error", "spin": "timeout", "leave": "crashed", "hog": "memory"}
    assert student.double(21) == 42  # a fresh child, cells re-executed


def test_results_come_back_as_plain_data_only(run):
    student = Student(run)
    got = student.tensor(np.ones(2))
    assert type(got) is np.ndarray and got.tolist() == [3.0, 3.0]
    with pytest.raises(StudentError, match="dtype object"):
        student.object_array()
    assert "Box" in repr(student.box())  # a handle: the object stays in the sandbox


def test_missing_names_are_reported_in_words(run):
    with pytest.raises(StudentError, match="not defined"):
        Student(run).softmax(1)


def test_monkeypatching_inside_the_sandbox_leaves_the_grader_untouched(zygote):
    cells = [("cheat", "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None\n"
                       "np.allclose = lambda *a, **k: True\n")]
    with SandboxedRun(zygote, cells) as run:
        Student(run).defines("np")
    assert not np.allclose(1.0, 2.0)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(1.0, 2.0)


@pytest.mark.skipif(not bwrap_usable(), reason="bubblewrap cannot run here")
def test_bubblewrap_hides_the_course_and_the_network(zygote, course):
    cells = [("probe", "import os, socket\n"
                       f"SEES_COURSE = os.path.exists({str(course.root / 'autograder')!r})\n"
                       f"SEES_SOURCE = os.path.exists({str(course.root / 'source')!r})\n"
                       "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=1)\n    NET = True\n"
                       "except OSError:\n    NET = False\n")]
    with SandboxedRun(zygote, cells) as run:
        student = Student(run)
        assert student.value("SEES_COURSE") is False
        assert student.value("SEES_SOURCE") is False
        assert student.value("NET") is False
