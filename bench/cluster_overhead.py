"""The Ray path's overhead against the local pool, on this machine, in one run: the same batch
graded by grade_batch (one worker per core) and by grade_on_cluster on a one-node Ray cluster
with as many CPUs (started here, loopback only), alternating the order; prints each wall time
(actors' start included: what `course grade --cluster` waits for), the ratio, and each path's
steady rate (submissions per second once every sandbox is warm, from the results' arrival).

    .venv/bin/python bench/cluster_overhead.py FOLDER [N] [ASSIGNMENT]   (default 40 of ps2)

FOLDER is made afresh (outside /tmp: the sandbox's /tmp is its own)."""
import io, os, shutil, signal, socket, subprocess, sys, time
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


class Timed(io.StringIO):
    """Progress output that notes when each result arrived."""
    def __init__(self):
        super().__init__(); self.arrivals = []
    def write(self, text):
        if text.startswith("["):
            self.arrivals.append(time.monotonic())
        return super().write(text)


def steady_rate(arrivals):
    half = len(arrivals) // 2  # the second half: every sandbox warm
    return (len(arrivals) - half - 1) / (arrivals[-1] - arrivals[half]) if len(arrivals) > 3 else float("nan")


def start_head(folder, cpus):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(ROOT / "tests" / "ray_env")}
    log = folder / "head.log"
    head = subprocess.Popen([str(Path(sys.executable).parent / "ray"), "start", "--head", f"--port={port}",
                             f"--num-cpus={cpus}", "--node-ip-address=127.0.0.1", "--include-dashboard=false",
                             "--disable-usage-stats", f"--temp-dir={folder / 'ray'}",
                             "--object-store-memory=200000000", "--block"],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
    end = time.monotonic() + 240
    while "Ray runtime started" not in log.read_text(errors="replace"):
        if head.poll() is not None or time.monotonic() > end:
            raise SystemExit(f"ray start failed: {log.read_text()[-1500:]}")
        time.sleep(0.5)
    return head, f"127.0.0.1:{port}"


def main():
    from test_gradebook import make_course
    from coursegrade.authoring.synthetic import mixed_batch, write_batch
    from coursegrade.grading.batch import grade_batch
    from coursegrade.grading.cluster import grade_on_cluster
    folder = Path(sys.argv[1]); shutil.rmtree(folder, ignore_errors=True); folder.mkdir(parents=True)
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    name = sys.argv[3] if len(sys.argv) > 3 else "ps2"
    course = make_course(folder / "course"); assignment = course.assignment(name)
    paths = write_batch(mixed_batch(assignment, n, 0), folder / "submitted", name)
    submissions = [(p.parent.parent.name, p) for p in paths]
    cpus = os.cpu_count() or 1
    head, address = start_head(folder, cpus)
    times = {"local": [], "ray": []}
    try:
        for order in (("local", "ray"), ("ray", "local")):
            for path in order:
                out = Timed()
                started = time.monotonic()
                if path == "local":
                    results = grade_batch(course, assignment, submissions, workers=cpus, out=out, keep_results=False)
                else:
                    results = grade_on_cluster(course, assignment, submissions, address, out=out, keep_results=False)
                wall = time.monotonic() - started
                assert len(results) == n
                times[path].append((wall, steady_rate(out.arrivals), sum(r.total for r in results)))
    finally:
        os.killpg(head.pid, signal.SIGTERM); time.sleep(2)
        try:
            os.killpg(head.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for path, runs in times.items():
        print(f"{path:5}: " + "; ".join(f"{w:.1f} s wall, steady {r:.2f}/s, total score {t:g}" for w, r, t in runs))
    local = sum(w for w, _, _ in times["local"]); ray = sum(w for w, _, _ in times["ray"])
    steady_local = sum(r for _, r, _ in times["local"]) / 2; steady_ray = sum(r for _, r, _ in times["ray"]) / 2
    print(f"{n} submissions of {name}, {cpus} CPU(s): wall ray/local = {ray / local:.2f}x; "
          f"steady rate ray/local = {steady_ray / steady_local:.2f}x (same run, alternating order)")
    print(f"sizing: one node of {cpus} CPU(s) grades about {steady_ray * 3600:.0f} {name} submissions an hour "
          f"on Ray ({steady_ray * 3600 / cpus:.0f} per CPU-hour)")


if __name__ == "__main__":
    main()
