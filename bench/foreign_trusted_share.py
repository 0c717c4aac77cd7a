"""Issue 19's measure: of the test cells of public nbgrader courses, how many run on the trusted
side (read from the cell, then while grading the instructor's own solution) and how many need
the student's process (the untrusted fallback); and whether the solution keeps full marks and
nbgrader's own stub earns nothing (course validate's checks).

    .venv/bin/python bench/foreign_trusted_share.py GIT_DIR:SUBFOLDER_WITH_source/ ...

Each argument is a git directory (e.g. a `fetch`ed mirror) and the folder in it that holds
source/<ps>/; its HEAD is extracted to a temporary course folder.
"""
import subprocess
import sys
import tempfile
from pathlib import Path

from coursegrade.authoring.nbgrader_validate import validate_nbgrader
from coursegrade.core.course import Course
from coursegrade.grading.nbgrader_course import NbgraderAssignment, nbgrader_assignment_names
from coursegrade.grading.sandbox import Limits


def measure(spec, limits):
    git_dir, _, folder = spec.partition(":")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "--git-dir", git_dir, "archive", "HEAD", folder],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        root = Path(tmp) / folder
        (root / "nbgrader_config.py").write_text("c = get_config()\n")
        course = Course(root)
        for name in nbgrader_assignment_names(course):
            assignment = NbgraderAssignment(course, name)
            report = validate_nbgrader(course, name, limits)
            static = sum(1 for t in assignment.test_cells if t.fallback)
            found = sum(1 for line in report.lines if "found while it ran" in line)
            summary = next(line for line in report.lines if line.startswith("solution:"))
            rows.append((name, len(assignment.test_cells), static, found, summary, report.problems))
    return rows


def main(specs):
    limits = Limits(call_seconds=20, cell_seconds=60, submission_seconds=300, memory_mb=2048)
    total = trusted = 0
    for spec in specs:
        print(f"== {spec}")
        for name, cells, static, found, summary, problems in measure(spec, limits):
            total += cells
            trusted += cells - static - found
            print(f"  {name}: {cells} test cells, {cells - static - found} trusted side, "
                  f"{static} fallback (read), {found} fallback (while running); {summary}")
            for problem in problems[:3]:
                print(f"      problem: {problem[:160]}")
    print(f"\nall: {total} test cells, {trusted} on the trusted side "
          f"({100 * trusted / max(total, 1):.0f}%), {total - trusted} in the student's process")


if __name__ == "__main__":
    main(sys.argv[1:])
