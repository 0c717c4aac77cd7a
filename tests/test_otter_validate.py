"""`course validate` on an otter-grader assignment (authoring/otter_validate.py): otter's own
example passes (its solution, given the student file it names, earns every point; its student
version earns none; the test importing that file is named as running in the student's process),
and the validator finds what is wrong with a master notebook or with a student version edited
after otter assign."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_otter_course import make_course

COURSE = [str(Path(sys.executable).parent / "course")]
LIMITS = ["--call-seconds", "5", "--cell-seconds", "20", "--submission-seconds", "60"]


def _validate(root, *names):
    done = subprocess.run(COURSE + ["--root", str(root), "validate", *names], capture_output=True,
                          text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def course(tmp_path):
    return make_course(tmp_path)


def test_otters_example_passes_and_the_untrusted_case_is_named(course):
    code, output = _validate(course)  # no name: every assignment, otter's among them
    assert code == 0, output
    assert "hw01 (otter format): ok" in output
    assert "solution: 41/41; student version: 0/41" in output
    assert "13 test cases in 4 questions: 12 run on the trusted side" in output
    assert "q1 - 6 runs in the student's process (untrusted): it imports `student_file`" in output


def test_a_student_version_edited_to_hold_a_solution_fails(course):
    built = course / "autograder" / "hw01" / "otter" / "student.ipynb"
    notebook = json.loads(built.read_text())
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                              "source": "def add(a, b):\n    return a + b\n"})
    built.write_text(json.dumps(notebook))  # (the master notebook unchanged: no rebuild)
    code, output = _validate(course, "hw01")
    assert code == 1, output
    assert "example.ipynb (student version) holds a line of a solution: 'return a + b'" in output


def _add_question(master, cells):
    notebook = json.loads(master.read_text())
    notebook["cells"] += [{"cell_type": kind, "metadata": {}, "source": text,
                           **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                          for kind, text in cells]
    master.write_text(json.dumps(notebook))


def test_a_question_whose_tests_pass_unanswered_fails_and_the_build_is_renewed(course):
    master = course / "source" / "hw01" / "example.ipynb"
    before = master.stat().st_mtime_ns
    _add_question(master, [("raw", "# BEGIN QUESTION\nname: q10\npoints: 2"),
                           ("code", "x10 = 5 # SOLUTION"),
                           ("raw", "# BEGIN TESTS"), ("code", "assert 1 + 1 == 2"), ("raw", "# END TESTS"),
                           ("raw", "# END QUESTION")])
    os.utime(master, ns=(before + 10**9, before + 10**9))
    code, output = _validate(course, "hw01")
    assert code == 1, output
    assert "rebuilt with otter assign" in output
    assert "the student version (nothing answered) earns 2 on q10: its tests test nothing" in output
    assert "solution: 43/43" in output


def test_a_built_test_file_for_no_question_fails(course):
    tests = course / "autograder" / "hw01" / "otter" / "tests"
    (tests / "q42.py").write_text((tests / "q9.py").read_text())
    code, output = _validate(course, "hw01")
    assert code == 1, output
    assert "the built test file q42.py is for no question of example.ipynb with tests" in output
