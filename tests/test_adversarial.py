"""Hostile submissions, graded in one batch by the real engine next to an honest control.

Each attack replaces ps1's `expectation` answer (and sometimes adds a cell) in an otherwise
correct notebook. Each must end with zero points on `expectation` (what it attacks) or be
harmless, the batch must account for every submission, and the grader's machine must be
untouched. README's security section lists the same attacks with what each gets.
"""
import io
import os
import socket
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from coursegrade.grading.batch import grade_batch
from coursegrade.core.course import Course
from coursegrade.grading.sandbox import Limits, bwrap_usable
from coursegrade.authoring.synthetic import solution_notebook, with_replacement, write_batch

ROOT = Path(__file__).resolve().parents[1]
PWNED = Path("/tmp/autograder-adversarial-pwned")
SIGNATURE = "def expectation(values, probs):\n"


def attack(body, cell=None):
    """An `expectation` made of `body` (indented), plus an optional extra top-level cell."""
    return SIGNATURE + "".join(f"    {line}\n" for line in body.strip("\n").splitlines()), cell


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.5)
    return server


LISTENER = _listener()
ATTACKS = {
    "monkeypatch-testing-helpers": attack("return 0.0", cell=(
        "import numpy as np, builtins\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda *a, **k: np.array(True)\n"
        "builtins.abs = lambda x: 0\n"
        "try:\n    import torch\n    torch.testing.assert_close = lambda *a, **k: None\n"
        "except ImportError:\n    pass\n")),
    "lying-__eq__": attack("class Liar(float):\n    def __eq__(self, other):\n        return True\n"
                           "    __hash__ = float.__hash__\nreturn Liar(0.0)"),
    "lying-__array__": attack("class Liar:\n    def __array__(self, *a, **k):\n"
                              "        import builtins; builtins.LIE = True\n        return np.array(0.0)\n"
                              "return Liar()"),
    "lying-__float__": attack("class Liar:\n    def __float__(self):\n        return 0.0\n"
                              "    def __bool__(self):\n        return True\nreturn Liar()"),
    "lying-__reduce__": attack("import os\nclass Liar:\n    def __reduce__(self):\n"
                               f"        return (os.system, ('touch {PWNED}',))\nreturn Liar()"),
    "patch-the-engine": attack("return 0.0", cell=(
        "try:\n    import coursegrade.grading.suite as suite\n    suite.PASSED = 'failed'\n"
        "    import coursegrade.grading.sandbox as sandbox\n    sandbox.StudentError = Exception\n"
        "except ImportError:\n    pass\n")),
    "sys-exit-0": attack("import sys\nsys.exit(0)", cell="import sys\nsys.exit(0)\n"),
    "os-_exit": attack("import os\nos._exit(0)"),
    "kill-the-zygote": attack("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nreturn 0.0"),
    "kill-everything": attack("import os, signal\nos.kill(-1, signal.SIGKILL)\nos.kill(1, signal.SIGKILL)\n"
                              "return 0.0"),
    "read-reference-absolute": attack(
        f"ns = {{}}\nexec(open({str(ROOT / 'autograder/ps1/reference.py')!r}).read(), ns)\n"
        "return ns['expectation'](values, probs)"),
    "read-reference-relative": attack(
        "import glob\n"
        "paths = glob.glob('../**/autograder/ps1/reference.py', recursive=True)\n"
        "paths += glob.glob('/work/**/autograder/ps1/reference.py', recursive=True)\n"
        "ns = {}\nexec(open(paths[0]).read(), ns)\nreturn ns['expectation'](values, probs)"),
    "read-source-notebook": attack(
        f"text = open({str(ROOT / 'source/ps1/ps1.ipynb')!r}).read()\nreturn 0.0 if text else 1.0"),
    "gc-hunt-for-reference": attack(
        "import gc, types\n"
        "for obj in gc.get_objects():\n"
        "    if isinstance(obj, types.FunctionType) and obj.__name__ == 'expectation' \\\n"
        "            and 'reference' in (obj.__module__ or ''):\n"
        "        return obj(values, probs)\n"
        "return 0.0"),
    "network-connection": attack(
        f"import socket\ns = socket.create_connection(('127.0.0.1', {LISTENER.getsockname()[1]}), timeout=1)\n"
        "s.sendall(b'leak')\nreturn 0.0"),
    "infinite-loop": attack("while True:\n    pass"),
    "fork-bomb": attack("import os\nwhile True:\n    os.fork()"),
    "subprocess-that-outlives": attack(
        "import subprocess\nsubprocess.Popen(['sleep', '600'])\nreturn float(np.dot(values, probs))"),
    "allocate-50-GB": attack("block = bytearray(50 * 2**30)\nreturn 0.0"),
    "write-10-GB-file": attack(
        "chunk = b'x' * 2**20\nwith open('big.bin', 'wb') as f:\n"
        "    for _ in range(10 * 1024):\n        f.write(chunk)\nreturn 0.0"),
    "torch-tensor-subclass": attack(
        "import torch\nclass Liar(torch.Tensor):\n    def __eq__(self, other):\n        return True\n"
        "return Liar(torch.tensor(0.0))"),
    "numpy-object-array": attack("return np.array([values, probs, 'x'], dtype=object)"),
}
# Attacks that do no harm to anyone: they may keep their points, the batch must survive them.
HARMLESS = {
    "print-1-GB": attack("import sys\nline = 'x' * 2**20\nfor _ in range(1024):\n    print(line)\n"
                         "sys.stderr.write(line)\nreturn float(np.dot(values, probs))"),
    "thread-that-outlives-the-call": attack(
        "import threading, time\n"
        "def spin():\n    while True:\n        time.sleep(0.001)\n"
        "threading.Thread(target=spin, daemon=True).start()\n"
        "return float(np.dot(values, probs))"),
    "warnings-and-stderr": attack("import warnings, sys\nwarnings.warn('noise')\n"
                                  "sys.stderr.write('error!' * 1000)\nreturn float(np.dot(values, probs))"),
}
NEEDS_BWRAP = {"read-reference-absolute", "read-reference-relative", "read-source-notebook"}


def sandbox_processes(marker):
    """PIDs of sandboxes started by this batch: bubblewrap's command line names the batch's
    scratch folder; without bubblewrap the zygote's working folder is in it."""
    found = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(proc / "cwd")
        except OSError:
            continue
        if marker in cmdline or cwd.startswith(marker):
            found.add(proc.name)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = Course(ROOT)
    assignment = course.assignment("ps1")
    solution = solution_notebook(assignment)
    notebooks = {"control-honest": solution}
    for name, (source, cell) in {**ATTACKS, **HARMLESS}.items():
        notebook = with_replacement(solution, "expectation", source)
        if cell:
            import nbformat
            notebook.cells.insert(2, nbformat.v4.new_code_cell(cell))
        notebooks[name] = notebook
    folder = tmp_path_factory.mktemp("adversarial")
    paths = write_batch(notebooks, folder / "submitted", "ps1")
    scratch = folder / "scratch"  # the batch's own TMPDIR: sandboxes of this batch are found by it
    scratch.mkdir()
    limits = Limits(call_seconds=3, cell_seconds=5, submission_seconds=60, memory_mb=1024)
    saved = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(scratch)
    try:
        results = grade_batch(course, assignment, [(p.parent.parent.name, p) for p in paths],
                              workers=2, limits=limits, out=io.StringIO(), keep_results=False)
    finally:
        if saved is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = saved
    connections = []
    try:
        while True:
            connections.append(LISTENER.accept())
    except OSError:
        pass
    return {"results": {r.student: r for r in results}, "scratch": scratch,
            "connections": connections, "submitted": set(notebooks)}


def test_every_submission_is_accounted_for(graded):
    assert set(graded["results"]) == graded["submitted"]
    for name, result in graded["results"].items():
        assert result.status == "graded", f"{name}: {result.reason}"


def test_the_honest_control_keeps_full_marks(graded):
    control = graded["results"]["control-honest"]
    assert control.total == control.max_total


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_earns_nothing_on_what_it_attacks(graded, name):
    if name in NEEDS_BWRAP and not bwrap_usable():
        pytest.skip("without bubblewrap the file system is not hidden (README: security)")
    result = graded["results"][name]
    assert result.scores["expectation"] == 0, (
        f"{name} earned {result.scores['expectation']} on expectation: "
        + "; ".join(f"{t.test} {t.outcome} {t.message}" for t in result.tests
                    if t.question == "expectation"))


@pytest.mark.parametrize("name", sorted(HARMLESS))
def test_harmless_noise_costs_nothing(graded, name):
    result = graded["results"][name]
    assert result.scores["expectation"] == result.max_scores["expectation"], result.tests


def test_outcomes_say_what_happened(graded):
    def outcomes(name):
        return {t.outcome for t in graded["results"][name].tests if t.question == "expectation"}
    assert outcomes("infinite-loop") == {"timeout"}
    assert "memory" in outcomes("allocate-50-GB")
    assert outcomes("os-_exit") == {"crashed"}
    assert outcomes("write-10-GB-file") == {"error"}  # CPython ignores SIGXFSZ: OSError EFBIG
    assert "File too large" in " ".join(t.message for t in graded["results"]["write-10-GB-file"].tests)
    assert outcomes("fork-bomb") == {"error"}
    failed_messages = " ".join(t.message for t in graded["results"]["numpy-object-array"].tests)
    assert "returned an ungradable value: arrays of dtype object" in failed_messages


def test_the_grading_machine_is_untouched(graded):
    assert not PWNED.exists(), "a __reduce__ payload ran on the trusted side"
    assert graded["connections"] == [], "a submission reached the network"
    assert sandbox_processes(str(graded["scratch"])) == set(), "sandbox processes outlived the batch"
    assert list(graded["scratch"].iterdir()) == [], "the sandboxes' scratch folders were left behind"
    leftovers = subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True, text=True).stdout
    assert leftovers == ""
    assert not getattr(__import__("builtins"), "LIE", False)
    assert np.allclose(1.0, 1.0) and not np.allclose(1.0, 2.0)


# What each attack gets, as README's security table says (the outcomes of its `expectation` tests).
EXPECTED_OUTCOMES = {
    "allocate-50-GB": {"memory"}, "fork-bomb": {"error"}, "gc-hunt-for-reference": {"failed"},
    "infinite-loop": {"timeout"}, "kill-everything": {"error"}, "kill-the-zygote": {"error"},
    "lying-__array__": {"failed"}, "lying-__eq__": {"failed"}, "lying-__float__": {"failed"},
    "lying-__reduce__": {"failed"}, "monkeypatch-testing-helpers": {"failed"},
    "network-connection": {"error"}, "numpy-object-array": {"error"}, "os-_exit": {"crashed"},
    "patch-the-engine": {"failed"}, "print-1-GB": {"passed"},
    "read-reference-absolute": {"error"}, "read-reference-relative": {"error"},
    "read-source-notebook": {"error"}, "subprocess-that-outlives": {"error"}, "sys-exit-0": {"error"},
    "thread-that-outlives-the-call": {"passed"}, "torch-tensor-subclass": {"failed"},
    "warnings-and-stderr": {"passed"}, "write-10-GB-file": {"error"},
}


def test_each_attack_gets_what_readme_says(graded, capsys):
    """Every attack ends as README's table says; `pytest -s` prints the table's rows."""
    assert set(EXPECTED_OUTCOMES) == set(ATTACKS) | set(HARMLESS), "README's table and the attacks differ"
    wrong = []
    for name in sorted(EXPECTED_OUTCOMES):
        result = graded["results"][name]
        tests = [t for t in result.tests if t.question == "expectation"]
        kinds = {str(t.outcome) for t in tests}
        message = next((t.message for t in tests if t.message), "")
        with capsys.disabled():
            print(f"| {name} | {result.scores['expectation']:g}/{result.max_scores['expectation']:g} "
                  f"| {', '.join(sorted(kinds))} | {message[:90]} |")
        if kinds != EXPECTED_OUTCOMES[name]:
            wrong.append(f"{name}: {sorted(kinds)}, README says {sorted(EXPECTED_OUTCOMES[name])}")
    assert not wrong, "\n".join(wrong)
