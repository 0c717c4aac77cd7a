"""`course`: the instructor's command line. Run `course --help` or `course COMMAND --help`."""
import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path

from coursegrade.core.course import Course
from coursegrade.core.errors import BrokenMaterial, CourseError
from coursegrade.core.settings import Limits


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
                                "table, record the scores in nbgrader's gradebook, and write each "
                                "student's feedback (autograded/<student>/<ps>/feedback.html), the "
                                "exports (exports/<ps>_grades.csv, _nbgrader.csv, _canvas.csv) and the "
                                "report (exports/<ps>_report.html). A bad submission is reported and the "
                                "batch goes on. Resumable: submissions graded before from the same "
                                "notebook bytes and grading material are not graded again.")
    grade.add_argument("assignment", metavar="PS")
    grade.add_argument("--force", action="store_true", help="grade every submission again, "
                       "also those unchanged since they were graded")
    grade.add_argument("--no-diagnosis", action="store_true", help="do not grade the assignment's "
                       "mutants to learn how known mistakes fail, if that is not known yet "
                       "(feedback then has no mistake hints)")
    grade.add_argument("--submitted", help="folder of <student>/<ps>/<ps>.ipynb "
                       "(default: submitted/ in the course folder)")
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    grade.add_argument("--workers", type=int, help="parallel sandboxes (default: number of cores)")
    grade.add_argument("--cluster", metavar="ADDRESS", help="grade on a Ray cluster (head's "
                       "host:port; or c.Grading.cluster): one sandbox per CPU of each node, the "
                       "material sent through Ray, results written here as usual")
    grade.add_argument("--no-bwrap", action="store_true", help="run without bubblewrap "
                       "(rlimits only); for machines where bwrap cannot run")
    for field in fields(Limits):
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

    feedback = commands.add_parser("feedback", help="write (and release) students' feedback",
                                   description="Write autograded/<student>/<ps>/feedback.html for every "
                                   "graded submission, with the gradebook's current manual grades, "
                                   "comments and late penalties. With --release, also copy it into "
                                   "nbgrader's feedback/<student>/<ps>/<ps>.html, from where `nbgrader "
                                   "release_feedback PS` hands it to students.")
    feedback.add_argument("assignment", metavar="PS")
    feedback.add_argument("--release", action="store_true", help="copy into nbgrader's feedback/ layout")
    feedback.add_argument("--student", action="append", help="only this student (repeatable)")
    feedback.set_defaults(run=_feedback)

    export = commands.add_parser("export", help="export grades (nbgrader CSV, Canvas CSV)",
                                 description="From nbgrader's gradebook (autograded and manual "
                                 "grades, late penalties): exports/<ps>_nbgrader.csv in nbgrader's "
                                 "export format and exports/<ps>_canvas.csv for Canvas's gradebook import.")
    export.add_argument("assignments", nargs="*", metavar="PS", help="default: all")
    export.add_argument("--gradescope", action="store_true", help="instead, write "
                        "exports/<ps>_gradescope.zip, the assignment as a Gradescope autograder "
                        "(upload it as the programming assignment's autograder; docs/instructor.md)")
    export.add_argument("--hidden-visibility", choices=("hidden", "after_due_date", "after_published",
                                                        "visible"),
                        help="with --gradescope: when students see the hidden tests' results "
                        "(default: c.Gradescope.hidden_visibility, after_published)")
    export.add_argument("--no-diagnosis", action="store_true", help="with --gradescope: do not grade "
                        "the mutants to learn how known mistakes fail, if not known yet (no mistake hints)")
    export.set_defaults(run=_export)

    gradescope = commands.add_parser("gradescope-run", help="try a Gradescope autograder zip locally",
                                     description="Run ZIP's run_autograder on NOTEBOOK (a notebook, or "
                                     "a folder as a student uploads it) in a temporary folder laid out "
                                     "as Gradescope's /autograder, with this machine's Python and engine; "
                                     "print the grader's log and the results.json students get.")
    gradescope.add_argument("zip", metavar="ZIP")
    gradescope.add_argument("notebook", metavar="NOTEBOOK")
    gradescope.add_argument("--keep", metavar="DIR", help="lay the autograder folder out in DIR and keep it")
    gradescope.add_argument("--json", action="store_true", help="print results.json whole")
    gradescope.set_defaults(run=_gradescope_run, needs_course=False)

    report = commands.add_parser("report", help="write the batch report (HTML)",
                                 description="Write exports/<ps>_report.html: score distribution, "
                                 "per-question and per-test pass rates, common mistakes, flags, "
                                 "slowest submissions; one self-contained file.")
    report.add_argument("assignments", nargs="*", metavar="PS", help="default: all")
    report.set_defaults(run=_report)

    synth = commands.add_parser("synth", help="write synthetic submissions (demo, benchmark)",
                                description="Write submissions made from an assignment's solution, "
                                "stub, mutants and alternatives in nbgrader's submitted/ layout.")
    synth.add_argument("assignment", metavar="PS")
    synth.add_argument("--out", required=True, help="folder to write <student>/<ps>/<ps>.ipynb into")
    synth.add_argument("--count", type=int, help="a mixed batch of this many "
                       "(default: the demo batch, one submission of each kind)")
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--messy", action="store_true", help="as submissions really arrive: a "
                       "timestamp.txt for each (about one in ten after --duedate), and bad inputs "
                       "(invalid JSON, an empty file, another assignment's notebook, deleted, "
                       "duplicated or retyped cells, a changed grade_id, huge outputs, non-UTF-8 "
                       "bytes, a misnamed file) in place of the first submissions")
    synth.add_argument("--duedate", default=None, help="the due date the timestamps of --messy "
                       "are around (default: 2025-10-06 17:00:00 UTC); set the same one in the "
                       "gradebook with `nbgrader db assignment add PS --duedate=...`")
    synth.set_defaults(run=_synth)

    init = commands.add_parser("init", help="write a minimal working course into a new folder",
                               description="Write a course folder (nbgrader_config.py, source/week1/ "
                               "with one question, autograder/week1/ with its reference, hidden tests, "
                               "mutants and an alternative) and release it: `course validate week1` "
                               "passes in it at once. Nothing is overwritten.")
    init.add_argument("folder", metavar="DIR")
    init.set_defaults(run=_init, needs_course=False)

    config = commands.add_parser("config", help="print the effective settings and where each comes from",
                                 description="Every setting the engine reads, its value and its origin "
                                 "(default, nbgrader_config.py). A misspelt or mistyped setting is an error.")
    config.set_defaults(run=_config)

    options = parser.parse_args(argv)
    try:
        if not getattr(options, "needs_course", True):
            return options.run(options) or 0
        course = Course(options.root)
        course.settings  # loaded and validated once, before any work
        return options.run(course, options) or 0
    except CourseError as error:
        print(f"course: {error}", file=sys.stderr)
        return 2


def _settings(course, options):
    """The course's settings with the command line's sandbox limits applied."""
    return course.settings.overridden({("Sandbox", f.name): getattr(options, f.name, None)
                                       for f in fields(Limits)})


def _workers(course, options):
    return options.workers or course.settings["Grading", "workers"] or None


def _init(options):
    from coursegrade.authoring.scaffold import FIRST_ASSIGNMENT, init_course
    course = init_course(options.folder)
    print(f"wrote a course to {course.root}: source/{FIRST_ASSIGNMENT}/, autograder/{FIRST_ASSIGNMENT}/ "
          f"(reference, hidden tests, mutants, alternatives), release/{FIRST_ASSIGNMENT}/ and "
          f"nbgrader_config.py.\nNext: cd {options.folder} && course validate {FIRST_ASSIGNMENT}")


def _config(course, options):
    print(f"# settings of the course in {course.root}")
    for line in course.settings.describe():
        print(line)


def _release(course, options):
    from coursegrade.authoring.release import ReleaseError, release
    names = options.assignments or course.assignment_names()
    for name in names:
        try:
            files = release(course.assignment(name))
        except ReleaseError as error:
            print(f"course release: {error}", file=sys.stderr)
            return 1
        print(f"released {name}: " + ", ".join(str(f) for f in files))


def _grade(course, options):
    from coursegrade.grading.batch import find_submissions, grade_batch, unchanged_results
    from coursegrade.grading.sandbox import bwrap_usable, mother_usable
    from coursegrade.outputs.scoreboard import score_table, write_grades_csv

    if _nbgrader_format(course, options.assignment):
        return _grade_nbgrader(course, options)
    if _otter_format(course, options.assignment):
        return _grade_otter(course, options)
    assignment = course.assignment(options.assignment)
    submitted = Path(options.submitted) if options.submitted else course.submitted_dir
    submissions = find_submissions(submitted, assignment.name)
    if options.student:
        submissions = [(s, p) for s, p in submissions if s in options.student]
    if not submissions:
        print(f"no submissions of {assignment.name} in {submitted} "
              f"(expected {submitted}/<student>/{assignment.name}/{assignment.name}.ipynb)")
        return 1
    limits = _settings(course, options).limits
    use_bwrap = False if options.no_bwrap else bwrap_usable()
    if not use_bwrap:
        files = ("Landlock keeps it to its own folder" if mother_usable() else
                 "WITHOUT file-system isolation (no Landlock either)")
        print("WARNING: bubblewrap is not available"
              f"{' (disabled by --no-bwrap)' if options.no_bwrap else ''}: student code runs "
              f"with seccomp and rlimits, WITHOUT network and PID isolation; {files}.", file=sys.stderr)
    kept = {} if options.force else unchanged_results(course, assignment, submissions)
    to_grade = [(s, p) for s, p in submissions if s not in kept]
    print(f"grading {len(to_grade)} submission(s) of {assignment.name} "
          f"({'bubblewrap sandbox' if use_bwrap else 'rlimits only'})"
          + (f"; {len(kept)} unchanged since graded, skipped (--force regrades them)" if kept else ""),
          file=sys.stderr, flush=True)
    started = time.monotonic()
    fresh = []
    if to_grade:
        from coursegrade.outputs.gradebook import import_ahead
        import_ahead()  # (for the gradebook, while the workers grade)
        try:
            cluster = options.cluster or course.settings["Grading", "cluster"]
            if cluster:  # each node decides on bubblewrap for itself, unless --no-bwrap
                from coursegrade.grading.cluster import grade_on_cluster
                fresh = grade_on_cluster(course, assignment, to_grade, cluster, limits,
                                         False if options.no_bwrap else None)
            else:
                fresh = grade_batch(course, assignment, to_grade, _workers(course, options), limits, use_bwrap)
        except BrokenMaterial as error:  # the course material itself is broken: say so, stop
            print(f"course grade: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"\ninterrupted: every submission graded so far is saved in "
                  f"{course.autograded_dir}; run the same command again to grade the rest.",
                  file=sys.stderr)
            return 130
    seconds = time.monotonic() - started
    by_student = {**kept, **{r.student: r for r in fresh}}
    results = [by_student[s] for s, _ in submissions]
    print(score_table(assignment, results))
    csv_path = write_grades_csv(assignment, results, course.exports_dir / f"{assignment.name}_grades.csv")
    graded = sum(r.graded for r in results)
    rate = f" ({len(fresh) / seconds:.1f} notebooks/s)" if fresh and seconds > 0 else ""
    print(f"\n{graded}/{len(results)} graded; {len(fresh)} graded now in {seconds:.1f} s{rate}; "
          f"details: {course.autograded_dir}/<student>/{assignment.name}/results.json", flush=True)
    try:
        _after_grading(course, assignment, results, options, limits, use_bwrap, csv_path)
    except KeyboardInterrupt:
        print("\ninterrupted after grading: the results are saved; run the same command again to "
              "update the gradebook, feedback, exports and report (nothing is graded again).",
              file=sys.stderr)
        return 130
    except Exception as error:  # e.g. the gradebook's database is unreachable
        print(f"course grade: the results are saved in {course.autograded_dir}, but then: "
              f"{type(error).__name__}: {error}\nFix that and run the same command again "
              "(nothing is graded again).", file=sys.stderr)
        return 1


def _after_grading(course, assignment, results, options, limits, use_bwrap, csv_path):
    """Gradebook, then feedback, exports and report: what an instructor expects after grading."""
    from coursegrade.authoring.signatures import ensure_signatures
    from coursegrade.outputs.after_grading import write_outputs
    from coursegrade.outputs.diagnosis import load_signatures

    signatures = load_signatures(course, assignment)
    if signatures is None and not options.no_diagnosis:
        try:  # (grading, of the mutants: before the clock of the steps after grading starts)
            signatures = ensure_signatures(course, assignment, _workers(course, options), limits, use_bwrap,
                                           out=sys.stdout)
        except BrokenMaterial as error:  # a broken mutant must not cost the batch its feedback
            print(f"diagnosis failed, feedback has no mistake hints: {error}", file=sys.stderr)
    started = time.monotonic()
    paths, exports, report = write_outputs(course, assignment, results, signatures, out=sys.stdout)
    print(f"feedback: {len(paths)} file(s), autograded/<student>/{assignment.name}/feedback.html "
          f"(release with `course feedback {assignment.name} --release`)")
    print("exports: " + ", ".join(str(p) for p in [csv_path, *exports]))
    print(f"report: {report}  ({time.monotonic() - started:.1f} s for gradebook, feedback, exports, report)")


def _feedback(course, options):
    from coursegrade.grading.batch import load_results
    from coursegrade.outputs.diagnosis import load_signatures
    from coursegrade.outputs.feedback import release_feedback, write_feedback
    from coursegrade.outputs.gradebook import grades

    assignment = _foreign_assignment(course, options.assignment) or course.assignment(options.assignment)
    results = [r for s, r in sorted(load_results(course, assignment.name).items())
               if not options.student or s in options.student]
    if not results:
        print(f"no graded submissions of {assignment.name} in {course.autograded_dir}: "
              f"run `course grade {assignment.name}` first", file=sys.stderr)
        return 1
    if hasattr(assignment, "grade_one"):  # nbgrader's or otter's format: no mistake hints
        from coursegrade.outputs.foreign_feedback import write_foreign_feedback
        signatures = True
        paths = write_foreign_feedback(course, assignment, results, grades(course, assignment.name))
    else:
        signatures = load_signatures(course, assignment)
        paths = write_feedback(course, assignment, results, grades(course, assignment.name), signatures)
    print(f"feedback: {len(paths)} file(s) in {course.autograded_dir}/<student>/{assignment.name}/feedback.html"
          + ("" if signatures else " (no mistake hints: run `course grade` or `course validate` first)"))
    if options.release:
        released, skipped = release_feedback(course, assignment, options.student)
        print(f"released {len(released)} file(s) to {course.root}/feedback/<student>/{assignment.name}/; "
              f"`nbgrader release_feedback {assignment.name}` hands them to students")
        if skipped:
            print(f"not released: {len(skipped)} submission(s) without submission_secret.txt (not "
                  "made with `nbgrader submit`/`collect`, so nbgrader cannot return feedback to "
                  "them; hand them autograded/<student>/" f"{assignment.name}/feedback.html directly): "
                  + ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else ""))


def _export(course, options):
    from coursegrade.outputs.exports import export_all
    names = options.assignments or course.assignment_names()
    if options.gradescope:
        return _export_gradescope(course, names, options)
    for name in names:
        course.assignment(name)
        print(f"{name}: " + ", ".join(str(p) for p in export_all(course, name)))


def _export_gradescope(course, names, options):
    from coursegrade.authoring.gradescope import build_autograder
    for name in names:
        try:
            path = build_autograder(course, course.assignment(name), hidden_visibility=options.hidden_visibility,
                                    diagnosis=not options.no_diagnosis, log=sys.stdout)
        except BrokenMaterial as error:  # a broken mutant: the zip is still useful, without hints
            print(f"diagnosis failed, the zip has no mistake hints: {error}", file=sys.stderr)
            path = build_autograder(course, course.assignment(name), hidden_visibility=options.hidden_visibility,
                                    diagnosis=False, log=sys.stdout)
        print(f"{name}: {path} (upload it as the autograder of a Gradescope programming assignment; "
              f"try it first with `course gradescope-run {path} NOTEBOOK`)")


def _gradescope_run(options):
    import json
    from coursegrade.authoring.gradescope import try_zip
    document, log, kept = try_zip(options.zip, options.notebook, keep=options.keep)
    print(log.rstrip())
    print("\n--- results.json (what Gradescope shows)")
    if options.json:
        print(json.dumps(document, indent=1))
    else:
        for test in document.get("tests", []):
            points = f"{test['score']:g}/{test['max_score']:g}" if "max_score" in test else "-"
            print(f"  {test.get('status', ''):<7} {points:>7}  [{test.get('visibility', '')}] {test['name'][:90]}")
        print(f"score: {document.get('score', 0):g}" + (f"; the folder is kept in {kept}" if kept else ""))


def _report(course, options):
    from coursegrade.grading.batch import load_results
    from coursegrade.outputs.diagnosis import load_signatures
    from coursegrade.outputs.report import write_report
    for name in options.assignments or _all_assignment_names(course):
        foreign = _foreign_assignment(course, name)
        assignment = foreign or course.assignment(name)
        results = list(load_results(course, name).values())
        if not results:
            print(f"{name}: nothing graded yet", file=sys.stderr)
            continue
        signatures = None if foreign else load_signatures(course, assignment)
        print(f"{name}: {write_report(course, assignment, results, signatures)}")


def _nbgrader_format(course, name):
    """Whether `name` is an assignment in nbgrader's own format (no autograder/<ps>/)."""
    if name in course.assignment_names():  # (first: the foreign formats' modules import otter, nbformat)
        return False
    from coursegrade.grading.nbgrader_course import nbgrader_assignment_names
    return name in nbgrader_assignment_names(course)


def _foreign_assignment(course, name):
    """The nbgrader- or otter-format assignment `name`, or None."""
    if _nbgrader_format(course, name):
        from coursegrade.grading.nbgrader_course import NbgraderAssignment
        return NbgraderAssignment(course, name)
    if _otter_format(course, name):
        from coursegrade.grading.otter_course import OtterAssignment
        return OtterAssignment(course, name)
    return None


def _otter_format(course, name):
    """Whether `name` is an otter-grader master notebook's assignment."""
    if name in course.assignment_names():  # (first: importing otter costs seconds)
        return False
    from coursegrade.grading.otter_course import otter_assignment_names
    return name in otter_assignment_names(course)


def _grade_otter(course, options):
    """`course grade PS` of an otter-grader assignment as it is (grading/otter_course.py)."""
    from coursegrade.grading.otter_course import OtterAssignment, grade_all
    from coursegrade.outputs.nbgrader_gradebook import record_otter
    from coursegrade.outputs.scoreboard import score_table
    assignment = OtterAssignment(course, options.assignment)
    results = _grade_foreign_batch(course, options, assignment, grade_all,
                                   "otter format, its tests run on the trusted side")
    if not isinstance(results, list):
        return results
    print(score_table(assignment, results))
    record_otter(course, assignment, results, out=sys.stdout)
    _foreign_outputs(course, assignment, results)
    return 0


def _grade_nbgrader(course, options):
    """`course grade PS` of an nbgrader course as it is (grading/nbgrader_course.py)."""
    from coursegrade.grading.nbgrader_course import NbgraderAssignment, grade_all
    from coursegrade.outputs.nbgrader_gradebook import record_nbgrader
    from coursegrade.outputs.scoreboard import score_table
    assignment = NbgraderAssignment(course, options.assignment)
    results = _grade_foreign_batch(course, options, assignment, grade_all,
                                   f"nbgrader format: {len(assignment.test_cells)} test cells in "
                                   f"{len(assignment.notebooks)} notebook(s), run on the trusted side")
    if not isinstance(results, list):
        return results
    print(score_table(assignment, results))
    record_nbgrader(course, assignment, results, out=sys.stdout)
    _foreign_outputs(course, assignment, results)
    return 0


def _grade_foreign_batch(course, options, assignment, grade_all, what):
    """The results of every submission of a foreign-format assignment, those unchanged since
    graded kept (unless --force), the others graded by `workers` processes; or an exit code."""
    from coursegrade.grading.batch import unchanged_results
    submissions = assignment.submissions(options.submitted)
    if options.student:
        submissions = [(s, p) for s, p in submissions if s in options.student]
    if not submissions:
        print(f"no submissions of {assignment.name} (expected submitted/<student>/{assignment.name}/)")
        return 1
    try:
        kept = {} if options.force else unchanged_results(course, assignment, submissions)
    except BrokenMaterial as error:
        print(f"course grade: {error}", file=sys.stderr)
        return 1
    to_grade = [(s, p) for s, p in submissions if s not in kept]
    print(f"grading {len(to_grade)} submission(s) of {assignment.name} ({what})"
          + (f"; {len(kept)} unchanged since graded, skipped (--force regrades them)" if kept else ""),
          file=sys.stderr, flush=True)
    fresh = []
    if to_grade:
        try:
            fresh = grade_all(assignment, to_grade, _settings(course, options).limits,
                              False if options.no_bwrap else None, workers=_workers(course, options),
                              out=sys.stderr)
        except BrokenMaterial as error:
            print(f"course grade: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"\ninterrupted: every submission graded so far is saved in "
                  f"{course.autograded_dir}; run the same command again to grade the rest.",
                  file=sys.stderr)
            return 130
    by_student = {**kept, **{r.student: r for r in fresh}}
    return [by_student[s] for s, _ in submissions]


def _foreign_outputs(course, assignment, results):
    """After an nbgrader- or otter-format batch (recorded in the gradebook first): the score
    CSV, each student's feedback page, the gradebook's exports and the report (its untrusted
    test cells flagged)."""
    from coursegrade.outputs.exports import export_all
    from coursegrade.outputs.foreign_feedback import write_foreign_feedback
    from coursegrade.outputs.gradebook import grades, open_gradebook
    from coursegrade.outputs.report import write_report
    from coursegrade.outputs.scoreboard import write_grades_csv
    csv_path = write_grades_csv(assignment, results, course.exports_dir / f"{assignment.name}_grades.csv")
    with open_gradebook(course) as gradebook:
        book = grades(course, assignment.name, gradebook)
        exports = export_all(course, assignment.name, None, gradebook, book)
    paths = write_foreign_feedback(course, assignment, results, book)
    print(f"feedback: {len(paths)} file(s), autograded/<student>/{assignment.name}/feedback.html "
          f"(release with `course feedback {assignment.name} --release`)")
    print("exports: " + ", ".join(str(p) for p in [csv_path, *exports]))
    print(f"report: {write_report(course, assignment, results)}")
    print(f"results: autograded/<student>/{assignment.name}/results.json (a test cell that ran in "
          "the student's process has \"untrusted\": true); gradebook.db, nbgrader's gradebook, holds "
          "the scores (nbgrader's formgrader and `nbgrader export` read them)")


def _validate(course, options):
    from coursegrade.authoring.validate import format_validation, validate
    started = time.monotonic()
    failed = []
    for name in options.assignments or _all_assignment_names(course):
        if _nbgrader_format(course, name) or _otter_format(course, name):
            report = _validate_foreign(course, name, options)
            print(report.text, flush=True)
            if not report.ok:
                failed.append(name)
            continue
        assignment = course.assignment(name)
        report = validate(assignment, workers=_workers(course, options))
        print(format_validation(report), flush=True)
        if report.mutants:
            from coursegrade.outputs.diagnosis import save_signatures
            save_signatures(course, assignment, report.mutants)  # feedback's mistake hints
        if not report.ok:
            failed.append(name)
    print(f"\nvalidated in {time.monotonic() - started:.1f} s: "
          + (f"FAILED {', '.join(failed)}" if failed else "all assignments pass"))
    return 1 if failed else 0


def _all_assignment_names(course):
    """The course's own assignments, then its nbgrader- and otter-format ones."""
    from coursegrade.grading.nbgrader_course import nbgrader_assignment_names
    from coursegrade.grading.otter_course import otter_assignment_names
    native = course.assignment_names()
    foreign = nbgrader_assignment_names(course) + otter_assignment_names(course)
    return native + [n for n in dict.fromkeys(foreign) if n not in native]


def _validate_foreign(course, name, options):
    if _nbgrader_format(course, name):
        from coursegrade.authoring.nbgrader_validate import validate_nbgrader
        return validate_nbgrader(course, name)
    from coursegrade.authoring.otter_validate import validate_otter
    return validate_otter(course, name, _settings(course, options).limits)


def _synth(course, options):
    from coursegrade.authoring.synthetic import demo_batch, mixed_batch, write_batch
    assignment = course.assignment(options.assignment)
    notebooks = (mixed_batch(assignment, options.count, options.seed) if options.count
                 else demo_batch(assignment))
    paths = write_batch(notebooks, Path(options.out), assignment.name)
    print(f"wrote {len(paths)} submission(s) of {assignment.name} to {options.out}")
    if options.messy:
        from coursegrade.authoring.badinputs import DEFAULT_DUEDATE, write_messy
        done = write_messy(assignment, Path(options.out), list(notebooks),
                           options.duedate or DEFAULT_DUEDATE, options.seed)
        print("made messy: timestamp.txt for each; " + ", ".join(f"{s}: {k}" for s, k in done.items()))


if __name__ == "__main__":
    sys.exit(main())
