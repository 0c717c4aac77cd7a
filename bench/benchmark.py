"""Throughput of the grading engine against `nbgrader autograde`, on the same submissions in
the same run, and whether the two agree on the scores where both can grade.

    .venv/bin/python bench/benchmark.py [--count 200] [--assignment ps2] [--workers N]
                                        [--nbgrader-count K] [--engine-only] [--json PATH]

A temporary course folder is built from this repository's source/, release/ and
nbgrader_config.py; a synthetic batch (`coursegrade.authoring.synthetic.mixed_batch` plus a few
slow submissions) is written into its submitted/ folder in nbgrader's layout, each notebook
with the release's supporting files next to it, as a student submits the whole folder. Then:

- the engine grades every submission (`grade_batch`, each result written to autograded/ as
  `course grade` does, then set aside for nbgrader);
- nbgrader autogrades all of them (sequentially, one Jupyter kernel per notebook), or the first
  K for a quick look, its rate then scaled to all N from its start-up timed alone;
- per question, "full marks or not" is compared between nbgrader's gradebook and the engine.

Figures only: nothing here asserts on time. See bench/README.md for how to read the output.
"""
# Keep the top of this module light: the engine's workers are started with "spawn", which
# re-imports the main module in every worker.
import argparse
import ast
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SLOW_PREFIX = "_unhurried_"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Grade one synthetic batch with nbgrader autograde and with the engine; "
        "print throughput, the ratio, and score agreement.")
    parser.add_argument("--assignment", default="ps2", help="assignment to grade (default ps2)")
    parser.add_argument("--count", type=int, default=200,
                        help="submissions in the batch, slow ones included (default 200)")
    parser.add_argument("--workers", type=int, help="engine workers (default: number of cores)")
    parser.add_argument("--nbgrader-count", type=int, metavar="K",
                        help="nbgrader grades only the first K submissions (default: all); it "
                        "runs sequentially at a few seconds per notebook")
    parser.add_argument("--engine-only", action="store_true",
                        help="skip nbgrader: grade with the engine only and check that every "
                        "submission is accounted for (graded, or ungraded with a reason)")
    parser.add_argument("--slow", type=int, default=3,
                        help="how many of the submissions are slow (default 3)")
    parser.add_argument("--slow-seconds", type=float, default=2.5,
                        help="busy CPU time of a slow submission's first call (default 2.5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mixed batch")
    parser.add_argument("--no-bwrap", action="store_true",
                        help="engine without bubblewrap (rlimits only)")
    parser.add_argument("--no-end-to-end", action="store_true",
                        help="skip the whole-command figures: `course grade` (gradebook, feedback, "
                        "exports, report included) against nbgrader autograde and against "
                        "autograde + generate_feedback + export")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor (the references' own compute on the hidden tests' inputs)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary course folder (its path is printed)")
    options = parser.parse_args(argv)
    if options.count < 1:
        parser.error("--count must be at least 1")
    options.slow = max(0, min(options.slow, options.count))
    return options


# ----------------------------------------------------------------------------- the course

def assignment_problem(name):
    """Why `name` cannot be benchmarked yet, or None."""
    if not (ROOT / "source" / name / f"{name}.ipynb").is_file():
        return f"source/{name}/{name}.ipynb does not exist"
    if not (ROOT / "release" / name / f"{name}.ipynb").is_file():
        return f"release/{name}/ does not exist (run `course release {name}`)"
    if not (ROOT / "autograder" / name / "hidden").is_dir():
        return f"autograder/{name}/hidden/ does not exist"
    return None


def make_course(folder):
    """A throwaway course: source/, release/, autograder/ and nbgrader_config.py of this
    repository, copied."""
    skip = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
    for part in ("source", "release", "autograder"):
        shutil.copytree(ROOT / part, folder / part, symlinks=False, ignore=skip)
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")


# ------------------------------------------------------------------------------ the batch

def slow_notebook(assignment, seconds):
    """The solution, where the first answer function spends `seconds` of busy CPU on its first
    call (a student's expensive set-up), then answers correctly."""
    from coursegrade.authoring.synthetic import solution_notebook, with_replacement
    notebook = solution_notebook(assignment)
    for cell in notebook.cells:
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("solution"):
            continue
        tree = ast.parse(cell.source)
        function = next((n for n in tree.body if isinstance(n, ast.FunctionDef)), None)
        if function is None:
            continue
        name = function.name
        original = ast.get_source_segment(cell.source, function)
        renamed = original.replace(f"def {name}(", f"def {SLOW_PREFIX}{name}(", 1)
        wrapper = f'''{renamed}


_{name}_warm = False


def {name}(*args, **kwargs):
    """{name}, with {seconds:g} s of busy work on the first call."""
    global _{name}_warm
    if not _{name}_warm:
        import time
        stop = time.process_time() + {seconds!r}
        while time.process_time() < stop:
            pass
        _{name}_warm = True
    return {SLOW_PREFIX}{name}(*args, **kwargs)
'''
        return with_replacement(notebook, name, wrapper), name
    raise RuntimeError(f"{assignment.name}: no answer function to slow down")


def build_batch(assignment, count, slow, slow_seconds, seed):
    """({student: notebook}, {student: (kind, detail)}): `count` submissions of which `slow`
    are slow, spread through the batch (the first at position 1, so that nbgrader's first K
    include one)."""
    from coursegrade.authoring.synthetic import mixed_batch
    mixed = list(mixed_batch(assignment, count - slow, seed=seed).values())
    ordered = list(mixed)
    slow_positions = [min(1 + i * max(count // max(slow, 1), 1), count - 1) for i in range(slow)]
    for position in sorted(slow_positions):
        notebook, function = slow_notebook(assignment, slow_seconds)
        ordered.insert(position, ("slow", notebook, function))
    classify = _classifier(assignment)
    notebooks, kinds = {}, {}
    for index, entry in enumerate(ordered):
        student = f"student-{index:04d}"
        if isinstance(entry, tuple):
            _, notebook, function = entry
            kinds[student] = ("slow", f"{function} spins {slow_seconds:g} s once")
        else:
            notebook = entry
            kinds[student] = classify(notebook)
        notebooks[student] = notebook
    return notebooks, kinds


def _classifier(assignment):
    """What kind of synthetic submission a notebook is, recognised from its cells."""
    from coursegrade.authoring.synthetic import CHEAT_SOURCE, solution_notebook, stub_notebook
    from coursegrade.content.variants import MUTANT, load_variants
    variants = load_variants(assignment.material_dir)
    solution = [c.source for c in solution_notebook(assignment).cells]
    stub = [c.source for c in stub_notebook(assignment).cells]

    def classify(notebook):
        sources = [c.source for c in notebook.cells]
        text = "\n".join(sources)
        if CHEAT_SOURCE.strip() in text:
            return "cheating", "monkeypatches numpy's and torch's testing helpers"
        if "undefined_helper(42)" in text:
            return "raising", "first answer cell raises NameError; one function raises"
        if sources == solution:
            return "correct", ""
        if sources == stub:
            return "stub", ""
        found = [v for v in variants if v.source.rstrip("\n") in text]
        if found:
            kind = "mutant" if any(v.kind == MUTANT for v in found) else "alternative"
            return kind, ", ".join(f"{v.target}:{v.name}" for v in found)
        return "other", ""
    return classify


def write_submissions(course_root, notebooks, assignment):
    """submitted/<student>/<ps>/<ps>.ipynb plus the release's other files next to it."""
    from coursegrade.authoring.synthetic import write_batch
    paths = write_batch(notebooks, course_root / "submitted", assignment.name)
    release = course_root / "release" / assignment.name
    support = [p for p in release.iterdir() if p.is_file() and p.suffix != ".ipynb"]
    for path in paths:
        for file in support:
            shutil.copy(file, path.parent / file.name)
    return [(student, path) for student, path in zip(notebooks, paths)]


# ----------------------------------------------------------------------------- the engine

def _sink():
    return sys.stderr if sys.stderr.isatty() else open(os.devnull, "w")


def measure_startup(course, assignment, submission, limits, use_bwrap):
    """Cost of starting grading before any notebook: a zygote alone (started here), and one
    worker end to end (spawned interpreter, imports, zygote, pytest collection) grading one
    notebook, minus that notebook's own grading time."""
    from coursegrade.grading.batch import grade_batch
    from coursegrade.grading.sandbox import Zygote
    started = time.monotonic()
    zygote = Zygote(limits, use_bwrap=use_bwrap, preload=assignment.sandbox_preload,
                        warm_cells=assignment.sandbox_warm_cells).start()
    zygote.wait_ready()
    zygote_seconds = time.monotonic() - started
    zygote.close()
    started = time.monotonic()
    [result] = grade_batch(course, assignment, [submission], workers=1, limits=limits,
                           use_bwrap=use_bwrap, out=_sink(), keep_results=False)
    wall = time.monotonic() - started
    return {"zygote_start_s": round(zygote_seconds, 3),
            "worker_start_s": round(wall - result.seconds, 3),
            "one_notebook_s": round(result.seconds, 3)}


def run_engine(course, assignment, submissions, workers, limits, use_bwrap):
    """(results, wall seconds, share of the machine's CPU time that was busy meanwhile)."""
    from coursegrade.grading.batch import grade_batch
    _stop_fork_server()  # the timed run starts cold, as `course grade` does
    busy_before = _cpu_ticks()
    started = time.monotonic()
    # Results written to autograded/ as they arrive, as `course grade` does (nbgrader, too,
    # writes each notebook's grades as it goes).
    results = grade_batch(course, assignment, submissions, workers=workers, limits=limits,
                          use_bwrap=use_bwrap, out=_sink(), keep_results=True)
    seconds = time.monotonic() - started
    busy_after = _cpu_ticks()
    busy = None
    if busy_before and busy_after and busy_after[1] > busy_before[1]:
        busy = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])
    return results, seconds, busy


def _set_aside_engine_results(course):
    """nbgrader skips a student whose autograded/ folder exists: move the engine's results
    out of its way (to engine-results/) before it runs."""
    if course.autograded_dir.is_dir():
        os.replace(course.autograded_dir, course.root / "engine-results")


def _stop_fork_server():
    """The engine's workers come from a fork server that outlives a batch within a process;
    the start-up measurement started one: stop it (multiprocessing's own method)."""
    import multiprocessing.forkserver
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    if server is not None and hasattr(server, "_stop"):
        server._stop()


def _cpu_ticks():
    """(busy, total) jiffies of all cores from /proc/stat; None where there is none."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def account(submissions, results):
    """Every submission graded, or ungraded with its reason; none lost, none twice."""
    expected = [s for s, _ in submissions]
    got = [r.student for r in results]
    graded = [r for r in results if r.graded]
    ungraded = [r for r in results if not r.graded]
    reasons = {}
    for r in ungraded:
        reason = r.reason or "(no reason given)"
        reasons[reason] = reasons.get(reason, 0) + 1
    outcomes = {}
    for r in graded:
        for test in r.tests:
            outcomes[test.outcome] = outcomes.get(test.outcome, 0) + 1
    return {"submissions": len(expected), "results": len(results),
            "graded": len(graded), "ungraded": len(ungraded),
            "missing": sorted(set(expected) - set(got)),
            "duplicated": sorted({s for s in got if got.count(s) > 1}),
            "ungraded_reasons": reasons, "test_outcomes": outcomes,
            "unreasoned": [r.student for r in ungraded if not r.reason]}


# ------------------------------------------------------------------ CPU time of processes

class CpuGroup:
    """The CPU time of this process and of every process it starts (workers, sandboxes,
    nbgrader's kernels, `course grade`), whatever the other sessions on the machine do: a
    cgroup of the cpuacct controller that this process joins. None where there is none."""

    def __init__(self):
        self.path = None
        base = Path("/sys/fs/cgroup/cpuacct")
        if not (base / "cpuacct.usage").exists():
            base = Path("/sys/fs/cgroup")  # cgroup v2: cpu.stat's usage_usec
        for stale in base.glob("coursegrade-bench-*"):  # earlier runs' groups, once empty
            try:
                stale.rmdir()
            except OSError:
                pass
        try:
            folder = base / f"coursegrade-bench-{os.getpid()}"
            folder.mkdir()
            (folder / "cgroup.procs").write_text(str(os.getpid()))
            self.path = folder
            self.read()
        except (OSError, ValueError):
            self.path = None

    def read(self):
        """CPU seconds used in the group so far, or None."""
        if self.path is None:
            return None
        usage = self.path / "cpuacct.usage"
        if usage.exists():
            return int(usage.read_text()) / 1e9
        for line in (self.path / "cpu.stat").read_text().splitlines():
            if line.startswith("usage_usec"):
                return int(line.split()[1]) / 1e6
        return None

    def close(self):
        if self.path is None:
            return
        try:  # back to the parent group, then the group can go once its last process has
            (self.path.parent / "cgroup.procs").write_text(str(os.getpid()))
        except OSError:
            return
        for _ in range(20):  # (a fork server may outlive a batch by a moment; else the next run)
            try:
                self.path.rmdir()
                return
            except OSError:
                time.sleep(0.1)


def _timed(cpu, function):
    """(value, wall seconds, CPU seconds or None) of function()."""
    before = cpu.read()
    started = time.monotonic()
    value = function()
    wall = time.monotonic() - started
    after = cpu.read()
    return value, wall, (after - before if before is not None and after is not None else None)


# -------------------------------------------------------------------------------- the floor

def measure_floor(assignment, passes=15):
    """The references' own compute on the hidden tests' inputs, in this one warm process: every
    hidden test that takes only `student` is called with `student` bound to the reference
    itself (its own functions, not memoised), the expected side memoised as in a worker, no
    sandbox and no calls between processes. Returns CPU seconds of one pass (the median of
    `passes`, after a warm-up pass) and how many tests were measured or could not be."""
    import importlib
    import inspect
    import types
    from coursegrade.grading.suite import memoize_reference
    assignment.package  # the course folder on sys.path
    reference = importlib.import_module(f"{assignment.package_name}.reference")
    own = {n: f for n, f in vars(reference).items()
           if inspect.isfunction(f) and f.__module__ == reference.__name__ and not n.startswith("_")}
    own.update({n: c for n, c in vars(reference).items()
                if inspect.isclass(c) and c.__module__ == reference.__name__ and not n.startswith("_")})
    student = types.SimpleNamespace(**own)
    memoize_reference(assignment)
    tests, unmeasured = [], []
    for path in sorted(assignment.hidden_dir.glob("test_*.py")):
        module = importlib.import_module(f"{assignment.package_name}.hidden.{path.stem}")
        for name, fn in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(fn):
                if list(inspect.signature(fn).parameters) == ["student"]:
                    tests.append((f"{path.stem}::{name}", fn))
                else:
                    unmeasured.append(f"{path.stem}::{name} (other fixtures)")

    def one_pass():
        for name, fn in list(tests):
            try:
                fn(student=student)
            except Exception as error:  # a test that needs what the sandbox's student gives
                tests.remove((name, fn))
                unmeasured.append(f"{name} ({type(error).__name__})")

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one_pass()  # warm-up: imports, first evaluations, the expected side memoised
        seconds = []
        for _ in range(passes):
            started = time.process_time()
            one_pass()
            seconds.append(time.process_time() - started)
    return {"cpu_s_per_notebook": round(statistics.median(seconds), 5), "tests": len(tests),
            "unmeasured": unmeasured, "passes": passes}


# ------------------------------------------------------------------- the whole command

def e2e_course(folder, assignment_name):
    """A course folder of its own for `course grade` (its own gradebook, autograded/, exports/),
    grading the benchmark's submitted/ folder in place."""
    root = folder / "end-to-end"
    make_course(root)
    return root


def _clear_outputs(root):
    for name in ("autograded", "exports", "feedback"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "gradebook.db").unlink(missing_ok=True)


def run_course_grade(cpu, root, assignment_name, submitted, workers, no_bwrap, log_path):
    """`course grade` from nothing (no results, no gradebook, the mutants' signatures cached):
    wall and CPU seconds of the whole command, and its own split (grading, then the steps after)."""
    import re
    _clear_outputs(root)
    argv = [str(BIN / "course"), "--root", str(root), "grade", assignment_name, "--submitted",
            str(submitted), "--force"]
    if workers:
        argv += ["--workers", str(workers)]
    if no_bwrap:
        argv.append("--no-bwrap")
    with open(log_path, "w") as log:
        # (from its own folder: see the os.chdir in main)
        done, wall, cpu_s = _timed(cpu, lambda: subprocess.run(argv, stdout=subprocess.PIPE, cwd=root,
                                                               stderr=log, text=True))
        log.write(done.stdout)
    grading = re.search(r"graded now in ([\d.]+) s", done.stdout)
    after = re.search(r"\(([\d.]+) s for gradebook, feedback, exports, report\)", done.stdout)
    return {"seconds": round(wall, 3), "cpu_s": None if cpu_s is None else round(cpu_s, 3),
            "grading_s": float(grading.group(1)) if grading else None,
            "after_grading_s": float(after.group(1)) if after else None, "exit_code": done.returncode}


def run_nbgrader_rest(cpu, course_root, assignment_name, log_path, first_student=None):
    """nbgrader's work that `course grade` also does after grading: `generate_feedback` (an
    HTML page per autograded student) and `export` (the CSV of grades). Returns {feedback_s,
    export_s, cpu_s, exit_codes}; with `first_student`, also feedback_one_s: generate_feedback
    of that one student alone (its start-up, for scaling from K notebooks to N)."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    nbgrader = str(BIN / "nbgrader")
    found = {"exit_codes": []}

    def run(argv):
        with open(log_path, "a") as log:
            found["exit_codes"].append(subprocess.run(argv, cwd=course_root, env=env, stdout=log,
                                                      stderr=subprocess.STDOUT).returncode)
    if first_student is not None:
        _, found["feedback_one_s"], _ = _timed(cpu, lambda: run(
            [nbgrader, "generate_feedback", assignment_name, "--force", f"--student={first_student}"]))
    _, found["feedback_s"], feedback_cpu = _timed(cpu, lambda: run(
        [nbgrader, "generate_feedback", assignment_name, "--force"]))
    _, found["export_s"], export_cpu = _timed(cpu, lambda: run(
        [nbgrader, "export", "--to", str(course_root / "nbgrader_export.csv")]))
    found["cpu_s"] = None if feedback_cpu is None else round(feedback_cpu + export_cpu, 3)
    return found


# ------------------------------------------------------------------------------- nbgrader

def run_nbgrader(course_root, assignment_name, students, everyone, log_path, cpu=None, used=None):
    """`nbgrader autograde` on `students` (the others excluded); returns seconds, exit code.
    With `cpu` (a CpuGroup), the CPU seconds of autograde are put in used["cpu_s"]."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    nbgrader = str(BIN / "nbgrader")
    with open(log_path, "w") as log:
        generated = subprocess.run([nbgrader, "generate_assignment", assignment_name, "--force"],
                                   cwd=course_root, env=env, stdout=log, stderr=subprocess.STDOUT)
        if generated.returncode != 0:
            return None, generated.returncode
        excluded = sorted(set(everyone) - set(students))
        argv = [nbgrader, "autograde", assignment_name]
        if excluded:
            argv.append(f"--CourseDirectory.student_id_exclude={','.join(excluded)}")
        before = cpu.read() if cpu is not None else None
        started = time.monotonic()
        graded = subprocess.run(argv, cwd=course_root, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        seconds = time.monotonic() - started
        if before is not None and used is not None:
            used["cpu_s"] = round(cpu.read() - before, 3)
        return seconds, graded.returncode


def nbgrader_scores(course_root, assignment_name, students, questions):
    """{student: {question: (score, max_score)}} from nbgrader's gradebook; a student whose
    submission nbgrader did not record is left out."""
    from nbgrader.api import Gradebook, MissingEntry
    from coursegrade.core.course import Course
    db_url = Course(course_root).settings.nbgrader_value("CourseDirectory", "db_url", "sqlite:///gradebook.db")
    if db_url.startswith("sqlite:///") and not db_url.startswith("sqlite:////"):
        db_url = f"sqlite:///{course_root / db_url[len('sqlite:///'):]}"
    scores = {}
    course_id = Course(course_root).settings.nbgrader_value("CourseDirectory", "course_id", "default_course")
    with Gradebook(db_url, course_id) as gradebook:
        for student in students:
            try:
                submission = gradebook.find_submission(assignment_name, student)
            except MissingEntry:
                continue
            grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
            if any(q in grades and grades[q].score is None for q in questions):
                continue
            scores[student] = {q: (float(grades[q].score), float(grades[q].max_score))
                               for q in questions if q in grades}
    return scores


def nbgrader_cell_output(course_root, assignment_name, student, question):
    """Why nbgrader scored a public-checks cell as it did: its error, or its stderr (nbgrader
    gives no points to a graded cell that wrote anything to stderr), from the autograded copy."""
    import nbformat
    path = course_root / "autograded" / student / assignment_name / f"{assignment_name}.ipynb"
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return ""
    for cell in notebook.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") != question:
            continue
        said = []
        outputs = cell.get("outputs", [])
        for output in outputs:
            if output.get("output_type") == "error":
                said.append(f"error {output.get('ename')}: {str(output.get('evalue'))[:100]}")
        stdout = "".join(str(o.get("text", "")) for o in outputs
                         if o.get("output_type") == "stream" and o.get("name") == "stdout")
        failed = [line for line in stdout.splitlines() if line.startswith("\u2717")]
        if failed:
            said.append(failed[0][:160])
        stderr = "".join(str(o.get("text", "")) for o in outputs
                         if o.get("output_type") == "stream" and o.get("name") == "stderr")
        if stderr.strip():
            lines = stderr.strip().splitlines()
            warning = next((line for line in lines if "Warning" in line), lines[0])
            said.append("wrote to stderr: " + warning.strip()[:140])
        return "; ".join(said)
    return ""


def compare(results, nb_scores, kinds, questions, course_root=None, assignment_name=None):
    """Per (student, question) both graded: full marks vs not. Disagreements grouped by the
    submission's kind and direction."""
    by_student = {r.student: r for r in results if r.graded}
    pairs = agree = 0
    groups = {}
    totals = {}
    for student, per_question in nb_scores.items():
        ours = by_student.get(student)
        if ours is None:
            continue
        totals[student] = {"nbgrader": sum(s for s, _ in per_question.values()),
                           "engine": ours.total,
                           "max": sum(m for _, m in per_question.values())}
        for question in questions:
            if question not in per_question:
                continue
            nb_score, nb_max = per_question[question]
            nb_full = nb_score >= nb_max - 1e-9
            our_full = ours.scores.get(question, 0.0) >= ours.max_scores[question] - 1e-9
            pairs += 1
            if nb_full == our_full:
                agree += 1
                continue
            direction = ("nbgrader full, engine not" if nb_full else "engine full, nbgrader not")
            kind, detail = kinds[student]
            failing = [t for t in ours.tests if t.question == question
                       and t.outcome != "passed"]
            why = "; ".join(sorted({f"{t.test}: {t.outcome}" for t in failing}))
            nbgrader_why = (nbgrader_cell_output(course_root, assignment_name, student, question)
                            if course_root is not None and not nb_full else "")
            groups.setdefault((kind, direction), []).append(
                {"student": student, "question": question, "detail": detail,
                 "engine": f"{ours.scores.get(question, 0):g}/{ours.max_scores[question]:g}",
                 "nbgrader": f"{nb_score:g}/{nb_max:g}", "engine_failures": why,
                 "nbgrader_output": nbgrader_why})
    return {"pairs": pairs, "agree": agree, "groups": groups, "totals": totals}


EXPLAIN = {
    ("mutant", "nbgrader full, engine not"):
        "expected: a known-wrong implementation that the public checks miss; the hidden suite "
        "catches it",
    ("mutant", "engine full, nbgrader not"):
        "expected: this answer is right, but nbgrader's public check of it leans on another of "
        "the student's answers that is wrong (cross_entropy_grad is checked against finite "
        "differences of the student's own cross_entropy_loss); the hidden suite grades each "
        "answer against the reference",
    ("cheating", "nbgrader full, engine not"):
        "TRUST BOUNDARY: the submission monkeypatches numpy/torch testing helpers in the process "
        "nbgrader's checks run in; the engine's tests never run in the student's process",
    ("alternative", "engine full, nbgrader not"):
        "a correct alternative that nbgrader's public-checks cell rejects; known causes: a "
        "warning on stderr (nbgrader gives 0 to a graded cell with any stderr output; the engine "
        "never takes points for warnings), or a helper defined later in the notebook (nbgrader "
        "runs the check in notebook order; the engine runs every cell, then the tests)",
    ("correct", "engine full, nbgrader not"):
        "the solution itself fails a public check under nbgrader: see nbgrader's cell below",
    ("slow", "engine full, nbgrader not"): "the slow submission: check the nbgrader log",
}


# -------------------------------------------------------------------------------- report

def report_lines(figures, comparison, kinds, nbgrader_results):
    lines = []
    f = figures
    lines.append(f"Benchmark: {f['assignment']}, {f['count']} submissions "
                 f"({_mix(kinds)}), {f['cores']} cores, engine sandbox: {f['isolation']}, "
                 f"load average before: {f['load_before']}; code: {f['engine_version']}")
    lines.append("")
    lines.append(f"{'grader':<28}{'notebooks':>10}{'seconds':>10}{'notebooks/s':>13}{'s/notebook':>12}")
    if "nbgrader" in f:
        n = f["nbgrader"]
        lines.append(f"{'nbgrader autograde':<28}{n['notebooks']:>10}{n['seconds']:>10.1f}"
                     f"{n['per_second']:>13.3f}{n['seconds_per_notebook']:>12.3f}")
    e = f["engine"]
    label = f"engine ({e['workers']} workers)"
    lines.append(f"{label:<28}{e['notebooks']:>10}{e['seconds']:>10.1f}"
                 f"{e['per_second']:>13.3f}{e['seconds_per_notebook']:>12.3f}")
    if "runs_s" in e:
        lines.append(f"  (the engine graded the {f['count']} twice, before and after nbgrader: "
                     + " s and ".join(f"{r:.1f}" for r in e["runs_s"]) + " s)")
    if "ratio" in f:
        lines.append("")
        lines.append(f"RATIO (engine notebooks/s / nbgrader notebooks/s): {f['ratio']:.1f}x   "
                     f"(issue target: >= 50x)")
        n = f["nbgrader"]
        if "scaled_per_second" in n:
            lines.append(f"  nbgrader timed on the first {n['notebooks']} of {f['count']} submissions "
                         f"(--nbgrader-count), the engine on all; the ratio uses nbgrader's rate scaled "
                         f"to all {f['count']}")
            lines.append(f"  (its start-up alone, {n['startup_s']:.1f} s, plus the rest x "
                         f"{f['count']}/{n['notebooks']}: {n['scaled_seconds']:.0f} s, "
                         f"{n['scaled_per_second']:.3f} notebooks/s; unscaled, the ratio would be "
                         f"{f['ratio_unscaled']:.1f}x). Without --nbgrader-count both grade every file.")
    lines.append("")
    lines.append("engine only:")
    s = f["startup"]
    lines.append(f"  zygote start (sandbox + numpy/sympy/torch imports) {s['zygote_start_s']:>7.2f} s")
    lines.append(f"  one worker ready (spawn, imports, zygote, pytest)  {s['worker_start_s']:>7.2f} s")
    lines.append(f"  per notebook inside a worker: median {e['median_s']:.3f} s, "
                 f"p90 {e['p90_s']:.3f} s, max {e['max_s']:.3f} s")
    lines.append("  median per notebook by kind: " + ", ".join(
        f"{k} {v:.3f} s" for k, v in e["median_s_by_kind"].items()))
    lines.append(f"  steady state (wall minus one worker start): {e['steady_per_second']:.2f} notebooks/s")
    if e.get("cpu_busy") is not None:
        lines.append(f"  CPU busy during the engine's run: {100 * e['cpu_busy']:.0f}% of {f['cores']} cores")
    a = f["accounted"]
    lines.append(f"  accounted for: {a['results']}/{a['submissions']} "
                 f"({a['graded']} graded, {a['ungraded']} ungraded with a reason; "
                 f"missing {len(a['missing'])}, duplicated {len(a['duplicated'])}, "
                 f"ungraded without a reason {len(a['unreasoned'])})")
    for reason, n in sorted(a["ungraded_reasons"].items(), key=lambda x: -x[1]):
        lines.append(f"    ungraded x{n}: {reason}")
    lines.append("  test outcomes: " + ", ".join(f"{k} {v}" for k, v in
                                                 sorted(a["test_outcomes"].items())))
    if comparison is not None:
        lines += _agreement_lines(comparison, kinds, nbgrader_results)
    return lines


def _end_to_end_ratios(figures, count, nbgrader_count):
    """nbgrader's wall time (scaled to all `count` where it graded fewer) over the mean of
    the `course grade` runs, for autograde alone and for autograde + generate_feedback + export."""
    n, e = figures["nbgrader"], figures["end_to_end"]
    runs = [r["seconds"] for r in e["runs"]]
    ours = sum(runs) / len(runs)
    autograde = n.get("scaled_seconds", n["seconds"])
    rest = n.get("rest_s")  # (scaled to all `count` already, where nbgrader graded fewer)
    e["mean_s"] = round(ours, 3)
    e["ratio_vs_autograde"] = round(autograde / ours, 2)
    if rest is not None:
        e["nbgrader_equal_work_s"] = round(autograde + rest, 3)
        e["ratio_vs_equal_work"] = round((autograde + rest) / ours, 2)


def end_to_end_lines(figures):
    lines = []
    e = figures.get("end_to_end")
    if e:
        lines.append("")
        lines.append(f"END TO END: `course grade` from no results and no gradebook (the mutants' "
                     f"signatures cached: {e['diagnosis_once_s']:.1f} s once per material)")
        for i, run in enumerate(e["runs"], 1):
            share = (f"; after grading = {run['after_grading_s'] / run['grading_s']:.2f} of grading"
                     if run["after_grading_s"] is not None and run["grading_s"] else "")
            cpu_text = f", CPU {run['cpu_s']:.1f} s" if run["cpu_s"] is not None else ""
            lines.append(f"  run {i}: {run['seconds']:.1f} s wall{cpu_text} (grading {run['grading_s']} s, "
                         f"gradebook + feedback + exports + report {run['after_grading_s']} s{share})"
                         + (f"  EXIT {run['exit_code']}" if run["exit_code"] else ""))
        n = figures.get("nbgrader")
        if n and "ratio_vs_autograde" in e:
            lines.append(f"  nbgrader autograde {n.get('scaled_seconds', n['seconds']):.1f} s"
                         + (f", + generate_feedback + export {n['rest_s']:.1f} s"
                            if n.get("rest_s") is not None else ""))
            lines.append(f"  RATIO end to end vs nbgrader autograde: {e['ratio_vs_autograde']:.1f}x")
            if "ratio_vs_equal_work" in e:
                lines.append(f"  RATIO end to end vs nbgrader's equal work (autograde + "
                             f"generate_feedback + export): {e['ratio_vs_equal_work']:.1f}x")
            if n.get("cpu_s") is not None and e["runs"][0]["cpu_s"] is not None \
                    and n["notebooks"] == figures["count"]:  # (unscaled: only when nbgrader did all)
                ours = sum(r["cpu_s"] for r in e["runs"]) / len(e["runs"])
                total = n["cpu_s"] + (n.get("rest_cpu_s") or 0)
                lines.append(f"  CPU seconds (this run's processes only): course grade {ours:.1f}, "
                             f"nbgrader autograde {n['cpu_s']:.1f}"
                             + (f" + the rest {n['rest_cpu_s']:.1f}" if n.get("rest_cpu_s") is not None else "")
                             + f" (ratio {total / ours:.1f}x)")
    f = figures.get("floor")
    if f:
        lines.append("")
        lines.append(f"FLOOR: the references' own compute on the hidden tests' inputs, one warm "
                     f"process: {1000 * f['cpu_s_per_notebook']:.2f} ms CPU per notebook "
                     f"({f['tests']} tests; {len(f['unmeasured'])} not measurable this way)")
        if f.get("multiple") is not None:
            lines.append(f"  engine CPU per ordinary notebook (all its processes, slow submissions' "
                         f"spinning taken out): {1000 * f['engine_cpu_s_per_notebook']:.1f} ms = "
                         f"{f['multiple']:.0f}x the floor")
    return lines


def _mix(kinds):
    counts = {}
    for kind, _ in kinds.values():
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items(), key=lambda x: -x[1]))


def _agreement_lines(comparison, kinds, nbgrader_results):
    c = comparison
    lines = [""]
    ungraded = nbgrader_results["asked"] - len(nbgrader_results["scores"])
    rate = c["agree"] / c["pairs"] if c["pairs"] else 0.0
    lines.append(f"score agreement, per question full marks vs not, on the "
                 f"{len(c['totals'])} submissions both graded: {c['agree']}/{c['pairs']} "
                 f"= {100 * rate:.1f}%")
    if ungraded:
        lines.append(f"  nbgrader recorded no complete grade for {ungraded} of the "
                     f"{nbgrader_results['asked']} it was given (see its log)")
    if not c["groups"]:
        lines.append("  no disagreements")
    for (kind, direction), items in sorted(c["groups"].items()):
        students = sorted({i["student"] for i in items})
        lines.append(f"  [{kind}] {direction}: {len(items)} question(s) in "
                     f"{len(students)} submission(s)")
        explanation = EXPLAIN.get((kind, direction))
        if explanation:
            lines.append(f"      {explanation}")
        for item in items[:12]:
            detail = f"  ({item['detail']})" if item["detail"] else ""
            lines.append(f"      {item['student']} {item['question']}: nbgrader {item['nbgrader']}, "
                         f"engine {item['engine']}{detail}")
            if item["engine_failures"] and kind != "cheating":
                lines.append(f"          engine's failing tests: {item['engine_failures'][:160]}")
            if item["nbgrader_output"]:
                lines.append(f"          nbgrader's cell: {item['nbgrader_output']}")
        if len(items) > 12:
            lines.append(f"      ... {len(items) - 12} more (see --json)")
    cheaters = sorted(s for s, (k, _) in kinds.items() if k == "cheating" and s in c["totals"])
    if cheaters:
        lines.append("")
        lines.append("TRUST BOUNDARY (submissions that monkeypatch numpy's testing helpers):")
        for student in cheaters:
            t = c["totals"][student]
            lines.append(f"  {student}: nbgrader {t['nbgrader']:g}/{t['max']:g}, "
                         f"engine {t['engine']:g}/{t['max']:g}")
    return lines


def _engine_version():
    """The repository's commit, marked dirty when the working tree has changes."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------- main

def main(argv=None):
    options = parse_args(argv)
    # (coursegrade comes from the venv. Not this repository's folder on sys.path: its
    # autograder/ would be imported in place of the temporary course's, which is refused.)
    from coursegrade.core.course import Course
    from coursegrade.grading.sandbox import bwrap_usable

    problem = assignment_problem(options.assignment)
    if problem:
        print(f"benchmark: {options.assignment} is not ready: {problem}", file=sys.stderr)
        return 2
    # Outside /tmp: the sandbox's /tmp is its own (a course folder there is hidden from it).
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{options.assignment}-", dir="/var/tmp"))
    # Work from the temporary folder: started from this repository's folder, the workers' fork
    # server would find the repository's autograder/ (the current folder is on its sys.path)
    # before the temporary course's, and the workers refuse to mix two courses' material.
    os.chdir(folder)
    cpu = CpuGroup()
    try:
        make_course(folder)
        course = Course(folder)
        assignment = course.assignment(options.assignment)
        limits = course.settings.limits
        use_bwrap = False if options.no_bwrap else bwrap_usable()
        print(f"building {options.count} submissions of {assignment.name} in {folder} ...",
              file=sys.stderr, flush=True)
        notebooks, kinds = build_batch(assignment, options.count, options.slow,
                                       options.slow_seconds, options.seed)
        submissions = write_submissions(folder, notebooks, assignment)
        workers = max(1, min(options.workers or os.cpu_count() or 1, len(submissions)))
        figures = {"assignment": assignment.name, "count": len(submissions),
                   "cores": os.cpu_count(), "isolation": "bubblewrap" if use_bwrap else "rlimits only",
                   "python": platform.python_version(),
                   "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
                   "mix": _mix(kinds), "engine_version": _engine_version()}

        print("engine: measuring start-up ...", file=sys.stderr, flush=True)
        first_correct = next((s for s in submissions if kinds[s[0]][0] == "correct"), submissions[0])
        figures["startup"] = measure_startup(course, assignment, first_correct, limits, use_bwrap)
        print(f"engine: grading {len(submissions)} with {workers} workers ...", file=sys.stderr,
              flush=True)
        cpu_before = cpu.read()
        results, seconds, busy = run_engine(course, assignment, submissions, workers, limits, use_bwrap)
        engine_cpu = None if cpu_before is None else cpu.read() - cpu_before
        per_notebook = [r.seconds for r in results]
        steady = max(seconds - figures["startup"]["worker_start_s"], 1e-9)
        figures["engine"] = {
            "workers": workers, "notebooks": len(results), "seconds": round(seconds, 3),
            "per_second": round(len(results) / seconds, 3),
            "seconds_per_notebook": round(seconds / len(results), 4),
            "steady_per_second": round(len(results) / steady, 3),
            "median_s": round(statistics.median(per_notebook), 4),
            "p90_s": round(_percentile(per_notebook, 0.9), 4),
            "max_s": round(max(per_notebook), 4),
            "cpu_busy": None if busy is None else round(busy, 3)}
        by_kind = {}
        for r in results:
            by_kind.setdefault(kinds[r.student][0], []).append(r.seconds)
        figures["engine"]["median_s_by_kind"] = {
            k: round(statistics.median(v), 3) for k, v in sorted(by_kind.items())}
        figures["engine"]["cpu_s"] = None if engine_cpu is None else round(engine_cpu, 3)
        figures["accounted"] = account(submissions, results)
        if not options.no_floor:
            print("floor: the references on the hidden tests' inputs, in this process ...",
                  file=sys.stderr, flush=True)
            figures["floor"] = measure_floor(assignment)
            if engine_cpu is not None:
                ordinary = len(results) - options.slow
                spun = options.slow * options.slow_seconds  # the slow submissions' own spinning
                per = (engine_cpu - spun) / max(ordinary, 1)
                figures["floor"].update({
                    "engine_cpu_s_per_notebook": round(per, 5),
                    "multiple": round(per / figures["floor"]["cpu_s_per_notebook"], 1)
                    if figures["floor"]["cpu_s_per_notebook"] > 0 else None})
        e2e = None
        if not options.no_end_to_end:
            from coursegrade.authoring.signatures import ensure_signatures
            e2e = e2e_course(folder, assignment.name)
            print("end to end: the mutants' signatures (once per material, cached) ...",
                  file=sys.stderr, flush=True)
            # (of this course: the same material, so the machine's cache serves the other's)
            _, once, _ = _timed(cpu, lambda: ensure_signatures(course, assignment, workers, limits,
                                                                use_bwrap))
            figures["end_to_end"] = {"diagnosis_once_s": round(once, 3), "runs": []}
            print(f"end to end: course grade {assignment.name} ({len(submissions)}) ...",
                  file=sys.stderr, flush=True)
            figures["end_to_end"]["runs"].append(run_course_grade(
                cpu, e2e, assignment.name, folder / "submitted", workers, options.no_bwrap,
                folder / "course-grade-1.log"))
        figures["isolation"] = next((r.isolation for r in results if r.isolation),
                                    figures["isolation"])

        comparison = nbgrader_results = None
        if not options.engine_only:
            _set_aside_engine_results(course)
            k = len(submissions) if options.nbgrader_count is None else max(1, min(
                options.nbgrader_count, len(submissions)))
            chosen = [s for s, _ in submissions[:k]]
            log_path = folder / "nbgrader.log"
            print(f"nbgrader: autograding {k} submission(s), sequentially ...", file=sys.stderr,
                  flush=True)
            nb_used = {}
            nb_seconds, code = run_nbgrader(folder, assignment.name, chosen,
                                            [s for s, _ in submissions], log_path, cpu, nb_used)
            if nb_seconds is None:
                print(f"nbgrader generate_assignment failed (exit {code}); log:\n"
                      + log_path.read_text()[-3000:], file=sys.stderr)
                return 1
            scores = nbgrader_scores(folder, assignment.name, chosen,
                                     assignment.autograded_questions)
            nbgrader_results = {"asked": k, "scores": scores}
            figures["nbgrader"] = {"notebooks": k, "seconds": round(nb_seconds, 3),
                                   "per_second": round(k / nb_seconds, 4),
                                   "seconds_per_notebook": round(nb_seconds / k, 3),
                                   "exit_code": code, "recorded": len(scores),
                                   "cpu_s": nb_used.get("cpu_s")}
            if e2e is not None:
                print("nbgrader: generate_feedback and export (its equal work) ...", file=sys.stderr,
                      flush=True)
                rest = run_nbgrader_rest(cpu, folder, assignment.name, log_path,
                                         chosen[0] if k < len(submissions) and k > 1 else None)
                feedback = rest["feedback_s"]
                if "feedback_one_s" in rest:  # its start-up once, the rest per notebook, to all N
                    per = (rest["feedback_s"] - rest["feedback_one_s"]) / (k - 1)
                    feedback = rest["feedback_one_s"] - per + per * len(submissions)
                    rest["feedback_scaled_s"] = round(feedback, 3)
                figures["nbgrader"].update({"rest_s": round(feedback + rest["export_s"], 3),
                                            "rest": rest, "rest_cpu_s": rest["cpu_s"]})
            if k < len(submissions):
                # nbgrader's own start-up, spread over K notebooks instead of N, would flatter
                # the engine: time it alone (no submission selected) and scale the rest to N.
                print("nbgrader: timing its start-up alone ...", file=sys.stderr, flush=True)
                startup, _ = run_nbgrader(folder, assignment.name, [], [s for s, _ in submissions],
                                          folder / "nbgrader-startup.log")
                startup = min(startup or 0.0, nb_seconds)
                all_seconds = startup + (nb_seconds - startup) * len(submissions) / k
                figures["nbgrader"].update({
                    "startup_s": round(startup, 3),
                    "scaled_to": len(submissions), "scaled_seconds": round(all_seconds, 3),
                    "scaled_per_second": round(len(submissions) / all_seconds, 4)})
            # The machine's speed drifts over minutes: grade with the engine again after
            # nbgrader, and rate it over both runs, so both graders see the same conditions.
            print("engine: grading again, after nbgrader ...", file=sys.stderr, flush=True)
            again, again_seconds, _ = run_engine(course, assignment, submissions, workers, limits,
                                                 use_bwrap)
            e = figures["engine"]
            e["runs_s"] = [e["seconds"], round(again_seconds, 3)]
            e["notebooks"] = len(results) + len(again)
            e["seconds"] = round(e["seconds"] + again_seconds, 3)
            e["per_second"] = round(e["notebooks"] / e["seconds"], 3)
            e["seconds_per_notebook"] = round(e["seconds"] / e["notebooks"], 4)
            n = figures["nbgrader"]
            figures["ratio"] = round(e["per_second"] / n.get("scaled_per_second", n["per_second"]), 2)
            if "scaled_per_second" in n:
                figures["ratio_unscaled"] = round(e["per_second"] / n["per_second"], 2)
            if e2e is not None:
                print("end to end: course grade again, after nbgrader ...", file=sys.stderr, flush=True)
                figures["end_to_end"]["runs"].append(run_course_grade(
                    cpu, e2e, assignment.name, folder / "submitted", workers, options.no_bwrap,
                    folder / "course-grade-2.log"))
                _end_to_end_ratios(figures, len(submissions), k)
            comparison = compare(results, scores, kinds, assignment.autograded_questions,
                                 folder, assignment.name)
            figures["agreement"] = {
                "pairs": comparison["pairs"], "agree": comparison["agree"],
                "rate": round(comparison["agree"] / comparison["pairs"], 4) if comparison["pairs"] else None,
                "disagreements": {f"{k}: {d}": v for (k, d), v in comparison["groups"].items()},
                "totals": comparison["totals"]}
            if code != 0:
                print(f"nbgrader autograde exited with {code}; log: {log_path}", file=sys.stderr)

        print("\n".join(report_lines(figures, comparison, kinds, nbgrader_results)
                        + end_to_end_lines(figures)))
        if options.json:
            figures["kinds"] = {s: list(k) for s, k in kinds.items()}
            Path(options.json).parent.mkdir(parents=True, exist_ok=True)
            Path(options.json).write_text(json.dumps(figures, indent=1, default=str))
            print(f"\nfigures written to {options.json}")
        return 0
    finally:
        cpu.close()
        if options.keep:
            print(f"course folder kept: {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
