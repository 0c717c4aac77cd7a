"""The sandbox: student code runs in a child of the zygote; every misbehaviour is an outcome."""
import os

import numpy as np
import pytest

from coursegrade.grading.sandbox import (Limits, SandboxedRun, StudentError, Zygote, ZygoteMother,
                                       bwrap_usable, mother_usable)
from coursegrade.grading.student import Student

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


def test_a_formula_is_read_as_it_is_bound_now(zygote):
    """The sandbox keeps the text of a formula it has sent (SymPy prints slowly); a name bound
    to a new formula is read anew."""
    cells = [("f", "import sympy as sp\nz = sp.Symbol('z')\nf = sp.exp(z)\n"
                   "def rebind(k):\n    global f\n    f = sp.exp(z) + k\n")]
    symbols = {"z": {}}
    with SandboxedRun(zygote, cells) as run:
        student = Student(run)
        assert str(student.expression("f", symbols)) == str(student.expression("f", symbols)) == "exp(z)"
        for k in range(1, 30):
            student.rebind(k)
            assert str(student.expression("f", symbols)) == f"exp(z) + {k}"


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


def test_each_submission_may_signal_itself_and_no_other_process(zygote):
    # The seccomp filter is built once in the zygote; each child writes its own pid into it.
    cells = [("signals", "import os\n"
                         "def own():\n    os.kill(os.getpid(), 0)\n    return 'allowed'\n"
                         "def zygote():\n    try:\n        os.kill(os.getppid(), 0)\n"
                         "    except PermissionError:\n        return 'refused'\n    return 'allowed'\n")]
    refused = "refused" if zygote.wait_ready().get("seccomp") else "allowed"
    for _ in range(2):
        with SandboxedRun(zygote, cells) as run:
            assert run.call("own") == "allowed"
            assert run.call("zygote") == refused


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


# ------------------------------------------------------------------ Landlock and the mother

READ_PROBE = ("def can_read(path):\n    try:\n        open(path, 'rb').close()\n        return True\n"
              "    except OSError:\n        return False\n"
              "def can_list(path):\n    try:\n        import os\n        os.listdir(path)\n        return True\n"
              "    except OSError:\n        return False\n"
              "import os, tempfile\nHERE = os.getcwd()\nTMP = tempfile.gettempdir()\n"
              "open('mine.txt', 'w').write('answer')\n")


@pytest.mark.skipif(not mother_usable(), reason="this kernel has no Landlock")
def test_landlock_confines_a_submission_to_its_own_folder(course):
    """Without bubblewrap the whole disk is there; Landlock still keeps the course, the other
    submissions' folders and the shared /tmp out of reach, and temporary files work."""
    zygote = Zygote(Limits(call_seconds=5), use_bwrap=False).start()
    try:
        with SandboxedRun(zygote, [("probe", READ_PROBE)]) as first, \
                SandboxedRun(zygote, [("probe", READ_PROBE)]) as second:
            one, two = Student(first), Student(second)
            own = one.value("HERE")
            assert one.value("TMP") == own  # tempfile writes where it may
            assert one.can_read(f"{own}/mine.txt") is True
            assert one.can_read(str(course.root / "autograder" / "ps2" / "reference.py")) is False
            assert one.can_read(str(course.root / "source" / "ps2" / "ps2.ipynb")) is False
            assert one.can_read(f"{two.value('HERE')}/mine.txt") is False  # a neighbour's file
            assert one.can_list(os.path.dirname(own)) is False
            assert one.can_read("/etc/hostname") is True  # the OS stays readable
            assert zygote.info["landlock"] >= 1 and "landlock" in zygote.isolation
    finally:
        zygote.close()


@pytest.mark.skipif(not mother_usable(), reason="this kernel has no Landlock")
@pytest.mark.parametrize("use_bwrap", [False, True])
def test_a_submission_sees_only_its_own_process_in_proc(use_bwrap):
    """/proc shows a submission its own process (and global figures), not the zygote's or a
    neighbour's: their names, memory, limits and state would be a channel between them."""
    if use_bwrap and not bwrap_usable():
        pytest.skip("bubblewrap cannot run here")
    probe = READ_PROBE + "PID = os.getpid()\n"
    zygote = Zygote(Limits(call_seconds=5), use_bwrap=use_bwrap, preload="numpy").start()
    try:
        with SandboxedRun(zygote, [("probe", probe)]) as first, \
                SandboxedRun(zygote, [("probe", probe)]) as second:
            one, other = Student(first), Student(second).value("PID")
            for own in ("/proc/self/status", "/proc/self/statm", f"/proc/{one.value('PID')}/stat",
                        "/proc/thread-self/stat", "/proc/meminfo", "/proc/cpuinfo"):
                assert one.can_read(own) is True, own
            for theirs in (f"/proc/{other}/status", f"/proc/{other}/comm",
                           f"/proc/{zygote.info['pid']}/cmdline", "/proc/1/status"):
                assert one.can_read(theirs) is False, theirs
            assert one.can_list("/proc") is False
    finally:
        zygote.close()


@pytest.mark.skipif(not mother_usable(), reason="this kernel has no Landlock")
def test_a_mother_makes_a_zygote_per_worker_and_replaces_one_that_dies():
    mother = ZygoteMother(Limits(), use_bwrap=bwrap_usable(), preload="numpy,warmup",
                          warm_cells=["WARMED = 42"]).start()
    zygotes = [Zygote(Limits(call_seconds=5), use_bwrap=bwrap_usable(), preload="numpy",
                      channel=mother.channel()).start() for _ in range(2)]
    try:
        pids = [z.wait_ready()["pid"] for z in zygotes]
        assert len(set(pids)) == 2 and all(z.info["mother"] != p for z, p in zip(zygotes, pids))
        assert zygotes[0].info["warmed_cells"] == 1
        for z in zygotes:
            with SandboxedRun(z, [("a", "def f(x):\n    return x + 1\n")]) as run:
                assert Student(run).f(1) == 2
                assert Student(run).defines("WARMED") is False  # warm-up names stay behind
        zygotes[0].ctrl.close()  # as if its zygote had died
        zygotes[0].ctrl = None
        with SandboxedRun(zygotes[0], [("a", "x = 5")]) as run:
            assert Student(run).value("x") == 5
        assert zygotes[0].info["pid"] != pids[0] and zygotes[0].starts == 2
    finally:
        for z in zygotes:
            z.close()
        mother.close()


@pytest.mark.skipif(not mother_usable(), reason="this kernel has no Landlock")
def test_without_its_mother_a_zygote_starts_its_own_sandbox():
    mother = ZygoteMother(Limits(), use_bwrap=bwrap_usable(), preload="numpy").start()
    zygote = Zygote(Limits(call_seconds=5), use_bwrap=bwrap_usable(), preload="numpy",
                    channel=mother.channel())
    mother.close()
    try:
        with SandboxedRun(zygote.start(), [("a", "y = 7")]) as run:
            assert Student(run).value("y") == 7
        assert zygote.channel is None and zygote.process is not None
    finally:
        zygote.close()


def _huge_kb(pid):
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        return next(int(line.split()[1]) for line in rollup if line.startswith("AnonHugePages"))


def test_a_zygote_with_torch_moves_to_huge_pages_once_enough_submissions_came():
    """Without torch a zygote moves its heap onto huge pages at once (cheap); with torch only
    after HUGE_PAGES_AFTER submissions, the cost of moving 160 MB paid back by cheaper forks."""
    from coursegrade.inside.zygote import HUGE_PAGES_AFTER
    light = Zygote(Limits(), use_bwrap=False, preload="numpy").start()
    try:
        if not light.wait_ready()["huge_pages_mb"]:
            pytest.skip("this kernel cannot move memory onto huge pages (MADV_COLLAPSE)")
    finally:
        light.close()
    zygote = Zygote(Limits(), use_bwrap=False, preload="numpy,torch").start()
    try:
        assert zygote.wait_ready()["huge_pages_mb"] == 0
        before = _huge_kb(zygote.process.pid)
        for count in range(1, HUGE_PAGES_AFTER + 1):
            with SandboxedRun(zygote, [("a", "x = 1")]):
                pass
            if count == HUGE_PAGES_AFTER - 1:
                assert _huge_kb(zygote.process.pid) == before
        assert _huge_kb(zygote.process.pid) >= before + 50 * 1024
    finally:
        zygote.close()
