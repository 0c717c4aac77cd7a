"""Grading on a real Ray cluster on this machine: a head and a second node, each started with
`ray start` in a process group of its own, one CPU each. `course grade --cluster` grades a
batch there into a PostgreSQL gradebook while the second node is killed mid-batch: what it
held is graded on the head, nothing is lost or counted twice. And the material reaches a node
through Ray: a node grades with the course folder gone from the disk."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from coursegrade.core.course import Course
from coursegrade.outputs.gradebook import grades, open_gradebook
from coursegrade.authoring.synthetic import solution_notebook, stub_notebook, write_batch
from test_gradebook import _env_with_venv, _row_counts, make_course

pytest.importorskip("ray", reason="ray is not installed (pip install -c constraints.txt ray)")
RAY = str(Path(sys.executable).parent / "ray")
ENV = {**_env_with_venv(), "RAY_USAGE_STATS_ENABLED": "0"}
# The nodes' own processes: without rfc3987_syntax (tests/ray_env/rfc3987_syntax.py says why)
NODE_ENV = {**ENV, "PYTHONPATH": str(Path(__file__).parent / "ray_env")}
# Loopback only: a cluster of this machine, nothing on its network address.
NODE = ["--num-cpus=1", "--object-store-memory=80000000", "--node-ip-address=127.0.0.1", "--block"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    """`ray start ... --block` in a process group of its own: killing the group is losing the node."""

    def __init__(self, args, log):
        self.log = log
        self.process = subprocess.Popen([RAY, "start", *args, *NODE], stdout=open(log, "w"),
                                        stderr=subprocess.STDOUT, env=NODE_ENV, start_new_session=True)

    def wait_started(self, seconds=240):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            text = Path(self.log).read_text(errors="replace")
            if "Ray runtime started" in text:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"ray start exited: {text[-2000:]}")
            time.sleep(0.5)
        raise RuntimeError(f"ray start did not finish in {seconds} s: {Path(self.log).read_text()[-2000:]}")

    def kill(self, sig=signal.SIGKILL):
        """The group and every descendant (Ray's workers may leave the group; a worker that
        outlived its raylet would go on answering the head, and the node would not be lost)."""
        family = _descendants(self.process.pid)
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        for pid in family:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass


def _descendants(pid):
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.fixture(scope="module")
def cluster():
    folder = Path(tempfile.mkdtemp(prefix="rt-", dir="/var/tmp"))  # short: Ray's socket paths
    port = _free_port()
    address = f"127.0.0.1:{port}"
    nodes = []
    try:
        _start(nodes, ["--head", f"--port={port}", "--include-dashboard=false", "--disable-usage-stats",
                       f"--temp-dir={folder}"], folder / "head.log")
        second = _start(nodes, [f"--address={address}"], folder / "second.log")
        yield {"address": address, "second": second, "folder": folder}
    finally:
        for node in reversed(nodes):
            node.kill(signal.SIGTERM)
        time.sleep(2)
        for node in nodes:
            node.kill()
        _kill_stragglers(folder)
        shutil.rmtree(folder, ignore_errors=True)


def _start(nodes, args, log, tries=3):
    """A node, started again if it gave up: `ray start` waits a fixed 30 s for its raylet to
    register, which a loaded 2-core machine can miss."""
    for attempt in range(tries):
        node = Node(args, f"{log}.{attempt}")
        nodes.append(node)
        try:
            node.wait_started()
            return node
        except RuntimeError:
            node.kill()
            if attempt == tries - 1:
                raise


def _kill_stragglers(folder):
    """Ray's processes of this cluster that left their group (they name its temp folder)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if str(folder).encode() in (entry / "cmdline").read_bytes():
                os.kill(int(entry.name), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


DRIVER = r"""
import json, shutil, sys
from pathlib import Path
import ray
from coursegrade.core.course import Course
from coursegrade.core.settings import Limits
from coursegrade.grading.cluster import Grader, connect, material_bundle
from coursegrade.authoring.synthetic import solution_notebook
import nbformat
root, address = Path(sys.argv[1]), sys.argv[2]
course = Course(root)
assignment = course.assignment("ps1")
notebook = nbformat.writes(solution_notebook(assignment)).encode()
bundle = material_bundle(course, assignment)
shutil.rmtree(root)  # nothing of the course is left on the disk for a node to read
ray = connect(address)
actor = ray.remote(Grader).options(num_cpus=1).remote(bundle, "ps1", Limits(), None, True)
result = json.loads(ray.get(actor.grade.remote("ada", "ps1.ipynb", notebook, None), timeout=300))
node, material, reference = ray.get(actor.where.remote())
ray.get(actor.close.remote())
print(json.dumps({"total": sum(result["scores"].values()), "status": result["status"],
                  "material": material, "reference": reference}))
"""


def test_a_node_grades_from_the_material_sent_through_ray(tmp_path, cluster):
    course = make_course(tmp_path / "course")
    (course.root / "autograder").unlink()  # a copy, not make_course's link to the repository's
    shutil.copytree(Path(__file__).resolve().parents[1] / "autograder", course.root / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    full = sum(course.assignment("ps1").points(q) for q in course.assignment("ps1").autograded_questions)
    done = subprocess.run([sys.executable, "-c", DRIVER, str(course.root), cluster["address"]],
                          capture_output=True, text=True, timeout=600, env=ENV, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["status"] == "graded" and said["total"] == full
    assert not course.root.exists()
    assert said["reference"].startswith(said["material"] + "/autograder/ps1/")


def test_a_batch_on_ray_survives_losing_a_node_and_lands_in_postgresql_once(tmp_path, cluster, postgres):
    course = make_course(tmp_path)
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {postgres.create_database('ray')!r}\n")
    course = Course(course.root)
    assignment = course.assignment("ps1")
    good, stub = solution_notebook(assignment), stub_notebook(assignment)
    students = [f"s{i}" for i in range(8)]
    write_batch({s: good if i % 2 else stub for i, s in enumerate(students)}, course.root / "submitted", "ps1")
    killed = threading.Event()

    def kill_the_second_node_at_the_first_result():
        while not killed.is_set():
            if list(course.autograded_dir.glob("*/ps1/results.json")):
                cluster["second"].kill()
                killed.set()
            time.sleep(0.1)

    killer = threading.Thread(target=kill_the_second_node_at_the_first_result, daemon=True)
    killer.start()
    try:
        done = subprocess.run([sys.executable, "-m", "coursegrade.cli", "--root", str(course.root), "grade",
                               "ps1", "--cluster", cluster["address"], "--no-diagnosis"],
                              capture_output=True, text=True, timeout=600, env=ENV)
    finally:
        killed.set()
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "2 actor(s) on 2 node(s)" in said, said
    assert "lost a grading actor" in said, said  # the second node held submissions when it died
    results = {s: json.loads((course.autograded_dir / s / "ps1" / "results.json").read_text()) for s in students}
    full = sum(assignment.points(q) for q in assignment.autograded_questions)
    for i, student in enumerate(students):
        assert results[student]["status"] == "graded", results[student]
        assert sum(results[student]["scores"].values()) == (full if i % 2 else 0.0)
        assert results[student]["notebook"] == str(course.submitted_dir / student / "ps1" / "ps1.ipynb")
    recorded = grades(course, "ps1")
    assert sorted(recorded) == students
    assert all(recorded[s]["score"] == sum(results[s]["scores"].values()) for s in students)
    with open_gradebook(course) as gradebook:
        assert _row_counts(gradebook)["SubmittedAssignment"] == len(students)
    # the formgrader's copy is the head's submission, not a node's
    assert (course.autograded_dir / "s1" / "ps1" / "ps1.ipynb").is_file()


def test_the_material_sent_to_nodes_holds_nothing_of_the_students(tmp_path):
    """Only the grading material goes to the nodes: no submission, result or gradebook."""
    import io
    import tarfile
    from coursegrade.grading.cluster import material_bundle
    course = make_course(tmp_path)
    assignment = course.assignment("ps1")
    write_batch({"ada": solution_notebook(assignment)}, course.root / "submitted", "ps1")
    (course.root / "autograded" / "ada").mkdir(parents=True)
    (course.root / "gradebook.db").write_bytes(b"")
    with tarfile.open(fileobj=io.BytesIO(material_bundle(course, assignment))) as tar:
        names = tar.getnames()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"nbgrader_config.py", "source", "release", "autograder"}
    assert {n.split("/")[1] for n in names if "/" in n} == {"ps1", "__init__.py"}
    assert "autograder/ps1/reference.py" in names and "source/ps1/ps1.ipynb" in names
    assert not [n for n in names if "__pycache__" in n]
