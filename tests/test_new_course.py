"""A course is a folder, the engine a package: `course init` writes a course outside this
repository, and the installed `course` command releases, validates and grades it there. The
copy of the folder keeps working (no symbolic links into the engine)."""
import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = [str(Path(sys.executable).with_name("course"))]


def run(*args, cwd):
    return subprocess.run(COURSE + list(args), cwd=cwd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def new_course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("elsewhere") / "my-course"
    done = run("init", str(folder), cwd=folder.parent)
    assert done.returncode == 0, done.stderr
    return folder


def test_init_writes_a_course_that_passes_the_gate(new_course):
    assert not any(p.is_symlink() for p in new_course.rglob("*"))
    done = run("validate", "week1", cwd=new_course)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "week1: PASS" in done.stdout and "mutation score per question (caught/total): standardize 3/3" in done.stdout


def test_a_copied_course_grades_its_submissions(new_course, tmp_path):
    copy = tmp_path / "copied"
    shutil.copytree(new_course, copy)  # as `cp -r` would
    done = run("synth", "week1", "--out", "submitted", cwd=copy)  # the demo batch: one of each kind
    assert done.returncode == 0, done.stderr
    done = run("grade", "week1", cwd=copy)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(copy / "exports" / "week1_grades.csv") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals["ada-full-solution"] == totals["fay-alternative-solutions"] == 3.0
    assert totals["dana-untouched-stub"] == totals["eve-monkeypatches-numpy"] == 0.0
    assert (copy / "autograded" / "ada-full-solution" / "week1" / "feedback.html").is_file()
    assert (copy / "release" / "week1" / "checking.py").is_file()


def test_init_overwrites_nothing(new_course):
    done = run("init", str(new_course), cwd=new_course.parent)
    assert done.returncode == 2 and "overwrites nothing" in done.stderr


@pytest.mark.parametrize("line, said", [
    ("c.Sandbox.memory_mbb = 100", "unknown setting c.Sandbox.memory_mbb; did you mean c.Sandbox.memory_mb?"),
    ("c.Grading.max_notebook_mb = 'big'", "c.Grading.max_notebook_mb must be a number, got 'big'"),
    ("c.Exports.canvas_column = {}", "unknown setting c.Exports.canvas_column; did you mean c.Exports.canvas_columns?"),
    ("c.Sandbox.preload = 'torch'", "c.Sandbox.preload must be a list of strings"),
    ("c.Sandbox = 1 +", "could not be loaded: SyntaxError"),
])
def test_a_bad_setting_is_one_line_not_a_traceback(new_course, tmp_path, line, said):
    copy = tmp_path / "course"
    shutil.copytree(new_course, copy)
    with open(copy / "nbgrader_config.py", "a") as config:
        config.write("\n" + line + "\n")
    for command in (["config"], ["grade", "week1"]):
        done = run(*command, cwd=copy)
        assert done.returncode == 2, done.stdout
        assert said in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_config_says_where_each_value_comes_from(new_course):
    done = run("config", cwd=new_course)
    assert done.returncode == 0, done.stderr
    lines = {line.split(" = ")[0]: line for line in done.stdout.splitlines() if " = " in line}
    assert "# nbgrader_config.py:" in lines["c.Sandbox.memory_mb"] and "= 1024" in lines["c.Sandbox.memory_mb"]
    assert "# default:" in lines["c.Sandbox.cpu_seconds"]
    assert "'my-course'" in lines["c.CourseDirectory.course_id"]


def test_a_course_grades_from_a_folder_holding_another_courses_material(new_course, tmp_path):
    """Run from this repository (its own autograder/ in the current folder), `course --root`
    grades the other course with that course's material: workers must not take the current
    folder's (Python 3.11's fork server puts it first on the path)."""
    copy = tmp_path / "other"
    shutil.copytree(new_course, copy)
    assert run("synth", "week1", "--out", "submitted", cwd=copy).returncode == 0
    here = Path(__file__).resolve().parents[1]
    assert (here / "autograder" / "__init__.py").is_file()
    done = run("--root", str(copy), "grade", "week1", cwd=here)
    assert done.returncode == 0, done.stdout + done.stderr
    with open(copy / "exports" / "week1_grades.csv") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals["ada-full-solution"] == 3.0 and totals["dana-untouched-stub"] == 0.0
