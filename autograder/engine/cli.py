"""`course`: the instructor's command line. Run `course --help` or `course COMMAND --help`."""
import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

from autograder.engine.course import Course, CourseError


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="course", description="Release, grade and validate the course's assignments. "
        "Student code always runs in a sandbox; hidden tests never leave this machine's trusted side.")
    parser.add_argument("--root", default=".", help="course folder holding source/, release/, "
                        "submitted/ and nbgrader_config.py (default: current folder)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    release = commands.add_parser("release", help="generate the student version of assignments",
                                  description="Generate release/<ps>/ from source/<ps>/ with "
                                  "nbgrader's generate_assignment, then check it leaks no solution "
                                  "and no hidden test.")
    release.add_argument("assignments", nargs="*", metavar="PS", help="default: all")
    release.set_defaults(run=_release)

    grade = commands.add_parser("grade", help="grade a batch of submissions",
                                description="Grade every submitted/<student>/<ps>/<ps>.ipynb in a "
                                "sandbox, write autograded/<student>/<ps>/results.json, print a score "
                                "table and write exports/<ps>_grades.csv. A bad submission is reported "
                                "and the batch goes on.")
    grade.add_argument("assignment", metavar="PS")
    grade.add_argument("--submitted", help="folder of <student>/<ps>/<ps>.ipynb "
                       "(default: submitted/ in the course folder)")
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    grade.add_argument("--workers", type=int, help="parallel sandboxes (default: number of cores)")
    grade.add_argument("--no-bwrap", action="store_true", help="run without bubblewrap "
                       "(rlimits only); for machines where bwrap cannot run")
    for field in fields(_limits_class()):
        grade.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default),
                           help=f"sandbox limit (default {field.default}, or c.Sandbox.{field.name} "
                           "in nbgrader_config.py)")
    grade.set_defaults(run=_grade)

    validate = commands.add_parser("validate", help="prove assignments gradeable and fair",
                                   description="For each assignment, in the sandboxed engine: the "
                                   "solution scores full marks, the release stub zero, every mutant "
                                   "loses points, every alternative keeps full marks, a monkeypatching "
                                   "cheat scores zero, and the release leaks nothing. Exit 1 on any failure.")
    validate.add_argument("assignments", nargs="*", metavar="PS", help="default: all")
    validate.add_argument("--workers", type=int, help="parallel sandboxes (default: number of cores)")
    validate.set_defaults(run=_validate)

    synth = commands.add_parser("synth", help="write synthetic submissions (demo, benchmark)",
                                description="Write submissions made from an assignment's solution, "
                                "stub, mutants and alternatives in nbgrader's submitted/ layout.")
    synth.add_argument("assignment", metavar="PS")
    synth.add_argument("--out", required=True, help="folder to write <student>/<ps>/<ps>.ipynb into")
    synth.add_argument("--count", type=int, help="a mixed batch of this many "
                       "(default: the demo batch, one submission of each kind)")
    synth.add_argument("--seed", type=int, default=0)
    synth.set_defaults(run=_synth)

    options = parser.parse_args(argv)
    try:
        return options.run(Course(options.root), options) or 0
    except CourseError as error:
        print(f"course: {error}", file=sys.stderr)
        return 2


def _limits_class():
    from autograder.engine.sandbox import Limits
    return Limits


def _release(course, options):
    from autograder.engine.release import ReleaseError, release
    names = options.assignments or course.assignment_names()
    for name in names:
        try:
            files = release(course.assignment(name))
        except ReleaseError as error:
            print(f"course release: {error}", file=sys.stderr)
            return 1
        print(f"released {name}: " + ", ".join(str(f) for f in files))


def _grade(course, options):
    from autograder.engine.batch import find_submissions, grade_batch
    from autograder.engine.sandbox import bwrap_usable
    from autograder.engine.scoreboard import score_table, write_grades_csv
    from autograder.engine.settings import sandbox_limits

    assignment = course.assignment(options.assignment)
    submitted = Path(options.submitted) if options.submitted else course.submitted_dir
    submissions = find_submissions(submitted, assignment.name)
    if options.student:
        submissions = [(s, p) for s, p in submissions if s in options.student]
    if not submissions:
        print(f"no submissions of {assignment.name} in {submitted} "
              f"(expected {submitted}/<student>/{assignment.name}/{assignment.name}.ipynb)")
        return 1
    limits = sandbox_limits(course, options)
    use_bwrap = False if options.no_bwrap else bwrap_usable()
    if not use_bwrap:
        print("WARNING: bubblewrap is not available"
              f"{' (disabled by --no-bwrap)' if options.no_bwrap else ''}: student code runs "
              "with rlimits only, WITHOUT file-system and network isolation.", file=sys.stderr)
    print(f"grading {len(submissions)} submission(s) of {assignment.name} "
          f"({'bubblewrap sandbox' if use_bwrap else 'rlimits only'})", file=sys.stderr)
    started = time.monotonic()
    try:
        results = grade_batch(course, assignment, submissions, options.workers, limits, use_bwrap)
    except RuntimeError as error:  # the course material itself is broken: say so, stop
        print(f"course grade: {error}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    print(score_table(assignment, results))
    csv_path = write_grades_csv(assignment, results, course.exports_dir / f"{assignment.name}_grades.csv")
    graded = sum(r.get("status") == "graded" for r in results)
    print(f"\n{graded}/{len(results)} graded in {seconds:.1f} s "
          f"({len(results) / seconds:.1f} notebooks/s); grades: {csv_path}; "
          f"details: {course.autograded_dir}/<student>/{assignment.name}/results.json")


def _validate(course, options):
    from autograder.engine.validate import format_validation, validate
    started = time.monotonic()
    failed = []
    for name in options.assignments or course.assignment_names():
        report = validate(course.assignment(name), workers=options.workers)
        print(format_validation(report), flush=True)
        if not report.ok:
            failed.append(name)
    print(f"\nvalidated in {time.monotonic() - started:.1f} s: "
          + (f"FAILED {', '.join(failed)}" if failed else "all assignments pass"))
    return 1 if failed else 0


def _synth(course, options):
    from autograder.engine.synthetic import demo_batch, mixed_batch, write_batch
    assignment = course.assignment(options.assignment)
    notebooks = (mixed_batch(assignment, options.count, options.seed) if options.count
                 else demo_batch(assignment))
    paths = write_batch(notebooks, Path(options.out), assignment.name)
    print(f"wrote {len(paths)} submission(s) of {assignment.name} to {options.out}")


if __name__ == "__main__":
    sys.exit(main())
