"""Where one grading worker's time goes: the engine's worker loop run in this process on a
synthetic batch, with its phases timed (and optionally under cProfile).

    .venv/bin/python bench/profile_worker.py [--assignment ps1] [--count 20] [--cprofile 40]
                                             [--sort tottime]

Start-up: engine imports, zygote launch to ready, pytest collection. Per notebook: reading the
JSON, static checks (forbidden calls, unanswered questions), forking a child, executing the
notebook's cells (per cell), the hidden tests (called directly, mostly calls into the sandbox),
pytest's protocol for any test that needs it, killing the child. The phase timers wrap engine
functions from the outside (nothing in the engine is changed); if the engine's internals are
renamed, the missing timers are skipped. Timings are of one worker on a machine others may be
using: compare runs made back to back.
"""
import argparse
import collections
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECONDS = collections.Counter()
CALLS = collections.Counter()
PER_CELL = collections.defaultdict(list)


def timed(owner, name, key):
    original = getattr(owner, name, None)
    if original is None:
        print(f"(no {owner.__name__}.{name}: phase {key!r} not timed)", file=sys.stderr)
        return

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SECONDS[key] += time.perf_counter() - started
            CALLS[key] += 1
    setattr(owner, name, wrapper)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="ps1")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--slow", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cprofile", type=int, metavar="LINES", default=0,
                        help="also run under cProfile and print this many lines")
    parser.add_argument("--sort", default="cumulative",
                        help="cProfile's order: cumulative (default), tottime, calls, ...")
    options = parser.parse_args(argv)

    started = time.perf_counter()
    from coursegrade.core.course import Course
    from coursegrade.grading.sandbox import SandboxedRun, Zygote
    from coursegrade.grading.suite import HiddenSuite
    import coursegrade.grading.suite as suite_module
    import benchmark
    imports = time.perf_counter() - started

    folder = Path(tempfile.mkdtemp(prefix="profile-"))
    try:
        benchmark.make_course(folder)
        course = Course(folder)
        assignment = course.assignment(options.assignment)
        notebooks, kinds = benchmark.build_batch(assignment, options.count, options.slow, 2.5,
                                                 options.seed)
        submissions = benchmark.write_submissions(folder, notebooks, assignment)

        timed(suite_module, "read_submission", "read notebook (JSON -> cells)")
        timed(HiddenSuite, "_settled_without_running", "static checks (forbidden, unanswered)")
        timed(Zygote, "spawn", "fork a child (zygote.spawn)")
        timed(Zygote, "end", "kill the child (zygote.end)")
        timed(HiddenSuite, "_call_directly", "hidden tests called directly (incl. sandbox calls)")
        timed(suite_module, "_failure_detail", "  failure tracebacks")
        timed(HiddenSuite, "_run_item", "hidden tests through pytest's protocol")
        request = SandboxedRun._request

        def timed_request(self, message, seconds, restart=True):
            began = time.perf_counter()
            try:
                return request(self, message, seconds, restart)
            finally:
                spent = time.perf_counter() - began
                key = f"sandbox request: {message.get('op')}"
                SECONDS[key] += spent
                CALLS[key] += 1
                if message.get("op") == "exec":
                    PER_CELL[message.get("name")].append(spent)
        SandboxedRun._request = timed_request

        marks = {}
        started = time.perf_counter()
        zygote = Zygote(preload=assignment.sandbox_preload,
                        warm_cells=assignment.sandbox_warm_cells).start()
        zygote.wait_ready()
        marks["zygote"] = time.perf_counter() - started

        def jobs():
            marks["collected"] = time.perf_counter()
            SECONDS.clear()  # the first spawn may include waiting for the zygote: start clean
            CALLS.clear()
            for student, path in submissions:
                yield {"student": student, "path": str(path)}

        results = []
        profile = cProfile.Profile() if options.cprofile else None
        began_suite = time.perf_counter()
        if profile:
            profile.enable()
        HiddenSuite(assignment, zygote, jobs(), results.append).run()
        if profile:
            profile.disable()
        loop = time.perf_counter() - marks["collected"]
        zygote.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    n = len(results)
    tests = sum(len(r.tests) for r in results)
    failing = sum(t.outcome != "passed" for r in results for t in r.tests)
    print(f"{assignment.name}: {n} notebooks ({benchmark._mix(kinds)}), {tests / n:.0f} tests "
          f"per notebook, {failing / n:.1f} not passed; zygote preloaded "
          f"{(zygote.info or {}).get('preloaded')}")
    print(f"start-up: engine imports {imports:.2f} s, zygote ready {marks['zygote']:.2f} s, "
          f"pytest start + collection {marks['collected'] - began_suite:.2f} s")
    print(f"grading loop: {loop:.2f} s, {1000 * loop / n:.0f} ms per notebook (one worker); "
          f"points awarded in all: {sum(r.total for r in results):g} "
          "(must not change between experiments)")
    for key, spent in sorted(SECONDS.items(), key=lambda item: -item[1]):
        print(f"  {key:<42} {1000 * spent / n:8.1f} ms/notebook  "
              f"({CALLS[key] / n:5.1f} calls, {1000 * spent / CALLS[key]:7.2f} ms each)")
    cells = sorted(PER_CELL.items(), key=lambda item: -sum(item[1]))[:8]
    print("  slowest cells (ms per notebook): "
          + ", ".join(f"{name} {1000 * sum(v) / n:.1f}" for name, v in cells))
    if profile:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(options.sort).print_stats(options.cprofile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
