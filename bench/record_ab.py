"""record() (the gradebook step of `course grade`) at a git revision against the working tree,
on the same graded results, in one run, alternating the order; prints both and the ratio.

    .venv/bin/python bench/record_ab.py FOLDER N [REVISION]   (default: before issue 21's changes)

FOLDER is made afresh (outside /tmp: the sandbox's /tmp is its own)."""
import copy, importlib.util, io, shutil, subprocess, sys, tempfile, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
def main():
    from test_gradebook import make_course
    from coursegrade.grading.batch import grade_batch
    from coursegrade.outputs import gradebook as now
    from coursegrade.authoring.synthetic import solution_notebook, write_batch
    revision = sys.argv[3] if len(sys.argv) > 3 else "c8de9db~1"
    old = Path(tempfile.mkdtemp()) / "gradebook_before.py"
    old.write_bytes(subprocess.check_output(["git", "-C", str(ROOT), "show",
                                             f"{revision}:src/coursegrade/outputs/gradebook.py"]))
    spec = importlib.util.spec_from_file_location("gradebook_before", old)
    before = importlib.util.module_from_spec(spec); spec.loader.exec_module(before)
    folder = Path(sys.argv[1]); shutil.rmtree(folder, ignore_errors=True); folder.mkdir()
    course = make_course(folder); a = course.assignment("ps2"); n = int(sys.argv[2])
    paths = write_batch({f"s{i:04d}": solution_notebook(a) for i in range(n)}, folder / "submitted", "ps2")
    results = grade_batch(course, a, [(p.parent.parent.name, p) for p in paths], workers=2, out=io.StringIO())
    import nbgrader.api  # imported once, outside the timings
    times = {"before": [], "now": []}
    for round_ in range(2):
        for name, module in (("before", before), ("now", now)) if round_ == 0 else (("now", now), ("before", before)):
            (folder / "gradebook.db").unlink(missing_ok=True)
            fresh = [copy.deepcopy(r) for r in results]
            t = time.perf_counter(); module.record(course, a, fresh); t_new = time.perf_counter() - t
            t = time.perf_counter(); module.record(course, a, fresh); t_again = time.perf_counter() - t
            times[name].append((t_new, t_again))
    for name, runs in times.items():
        print(name, " ".join(f"fresh db {x:.2f} s, again {y:.2f} s;" for x, y in runs))
    b = [x + y for x, y in times["before"]]; w = [x + y for x, y in times["now"]]
    print(f"{n} submissions: record before/now = {sum(b)/sum(w):.2f}x (same run, alternating order)")
if __name__ == "__main__":
    main()
