"""`course init DIR`: a minimal working course to start from.

One assignment, `week1`, with one question: its lesson and answer cell in the notebook, public
checks, and in `autograder/week1/` its reference, a hidden test suite, mutants and an
alternative. It is released at once, so `course validate week1` passes in the new folder and
`course grade week1` grades whatever lands in `submitted/`.
"""
import shutil
from pathlib import Path

from coursegrade.authoring.release import release
from coursegrade.core.course import Course
from coursegrade.core.errors import CourseError

TEMPLATE = Path(__file__).resolve().parent / "course_template"
FIRST_ASSIGNMENT = "week1"


def init_course(folder):
    """Write the template course into `folder` (new or empty of course files) and release its
    assignment. Returns the Course."""
    folder = Path(folder).resolve()
    clashes = [name for name in ("source", "autograder", "release", "nbgrader_config.py")
               if (folder / name).exists()]
    if clashes:
        raise CourseError(f"{folder} already holds {', '.join(clashes)}: `course init` writes a new "
                          "course and overwrites nothing; choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(TEMPLATE, folder, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    course = Course(folder)
    release(course.assignment(FIRST_ASSIGNMENT))
    return course
