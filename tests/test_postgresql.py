"""The gradebook on a live PostgreSQL server (the `postgres` fixture: Debian's postgresql,
started for the session): what `course grade` records there, nbgrader's own tools read; two
`course grade` runs writing to one new database at once both land, nothing twice."""
import json
import multiprocessing
import subprocess
import sys

from sqlalchemy import text
from coursegrade.core.course import Course
from coursegrade.core.results import Result
from coursegrade.outputs.exports import export_nbgrader_csv
from coursegrade.outputs.gradebook import grades, open_gradebook, record
from coursegrade.authoring.synthetic import solution_notebook, stub_notebook, write_batch
from test_gradebook import _env_with_venv, _row_counts, make_course

COURSE = [sys.executable, "-m", "coursegrade.cli"]


def _use_database(course_root, url):
    with open(course_root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {url!r}\n")
    return Course(course_root)


def test_the_gradebook_on_postgresql_records_and_nbgrader_reads_it(tmp_path, postgres):
    course = _use_database(make_course(tmp_path).root, postgres.create_database("one"))
    assignment = course.assignment("ps1")
    questions = assignment.autograded_questions
    results = [Result(student="pg", assignment="ps1", sha256="1" * 64, scores={q: 1.0 for q in questions}),
               Result(student="qa", assignment="ps1", sha256="2" * 64, scores={q: 0.0 for q in questions})]
    record(course, assignment, results)
    with open_gradebook(course) as gradebook:
        counts = _row_counts(gradebook)
        grade = gradebook.find_grade("mle_derivation_written", "ps1", "ps1", "pg")
        grade.manual_score = 2.0  # what the formgrader does
        gradebook.db.commit()
    record(course, assignment, results)  # again: replaced, not duplicated; the manual grade stays
    with open_gradebook(course) as gradebook:
        assert _row_counts(gradebook) == counts and counts["SubmittedAssignment"] == 2
        assert gradebook.db.bind.dialect.name == "postgresql"
    assert grades(course, "ps1")["pg"]["score"] == len(questions) + 2.0
    assert grades(course, "ps1")["qa"]["score"] == 0.0
    rows = export_nbgrader_csv(course, "ps1").read_text().splitlines()
    assert {r.split(",")[3]: float(r.split(",")[7]) for r in rows[1:]} == {"pg": len(questions) + 2.0, "qa": 0.0}
    # nbgrader's own command, its own SQLAlchemy engine, on the same URL
    done = subprocess.run([sys.executable, "-m", "nbgrader", "export", "--to", "by_nbgrader.csv",
                           "--log-level=WARN"], cwd=course.root, capture_output=True, text=True,
                          timeout=120, env=_env_with_venv())
    assert done.returncode == 0, done.stderr
    assert (course.root / "by_nbgrader.csv").read_text().splitlines()[1:] == rows[1:]


def test_two_course_grade_runs_write_to_one_new_database_at_once(tmp_path, postgres):
    """Two instructors (or two shells) grade different students of one assignment at the same
    moment into one PostgreSQL gradebook that neither has created yet: both create it, both
    add the assignment; each must land, none twice."""
    course = _use_database(make_course(tmp_path).root, postgres.create_database("two"))
    assignment = course.assignment("ps1")
    good, stub = solution_notebook(assignment), stub_notebook(assignment)
    write_batch({"ada": good, "bo": stub, "cy": good, "di": stub}, course.root / "submitted", "ps1")
    runs = [subprocess.Popen(COURSE + ["--root", str(course.root), "grade", "ps1", "--workers", "1",
                                       "--no-diagnosis", *[a for s in students for a in ("--student", s)]],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             env=_env_with_venv())
            for students in (("ada", "bo"), ("cy", "di"))]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0, output
        assert "2 submission(s) of ps1 recorded in postgresql://grader@127.0.0.1" in output, output
    recorded = grades(course, "ps1")
    assert sorted(recorded) == ["ada", "bo", "cy", "di"]
    for student in recorded:
        saved = json.loads((course.autograded_dir / student / "ps1" / "results.json").read_text())
        assert recorded[student]["score"] == sum(saved["scores"].values())
    assert recorded["ada"]["score"] > 0 and recorded["bo"]["score"] == 0
    with open_gradebook(course) as gradebook:
        counts = _row_counts(gradebook)
        assert counts["SubmittedAssignment"] == 4 and counts["Student"] == 4
        assert len(gradebook.assignments) == 1 and len(gradebook.find_assignment("ps1").notebooks) == 1
        assert counts["Grade"] == 4 * len(gradebook.find_notebook("ps1", "ps1").grade_cells)


def _record_one_at_the_barrier(root, student, barrier, answers):
    course = Course(root)
    assignment = course.assignment("ps1")
    result = Result(student=student, assignment="ps1", sha256="3" * 64,
                    scores={q: 1.0 for q in assignment.autograded_questions})
    barrier.wait()
    try:
        record(course, assignment, [result])
        answers.put((student, "recorded"))
    except Exception as error:
        answers.put((student, f"{type(error).__name__}: {error}"))


def test_two_records_started_at_the_same_instant_into_a_new_database_both_land(tmp_path, postgres):
    """The race the lock is for, made certain: without it one of the two dies on a unique
    constraint (the tables' types, the assignment's cells) nearly every time."""
    course = _use_database(make_course(tmp_path).root, postgres.create_database("three"))
    fork = multiprocessing.get_context("fork")  # no imports to wait for: both start together
    barrier, answers = fork.Barrier(3), fork.Queue()
    writers = [fork.Process(target=_record_one_at_the_barrier, args=(course.root, s, barrier, answers))
               for s in ("x", "y")]
    for writer in writers:
        writer.start()
    barrier.wait(timeout=120)
    said = dict(answers.get(timeout=120) for _ in writers)
    for writer in writers:
        writer.join(timeout=60)
    assert said == {"x": "recorded", "y": "recorded"}
    assert sorted(grades(course, "ps1")) == ["x", "y"]
    with open_gradebook(course) as gradebook:  # and the lock is not left held
        held = gradebook.db.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar()
        assert held == 0
