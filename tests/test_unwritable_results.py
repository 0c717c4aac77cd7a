"""A read-only autograded/ or a full disk: `course grade` stops with a one-line message, leaves
no temporary file behind and loses nothing already recorded (every results.json written before
is as it was). The read-only folder is a read-only bind mount (bubblewrap: permissions alone do
not stop root); the full disk is a file-size limit (RLIMIT_FSIZE) that a results.json is over.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursegrade.authoring.synthetic import solution_notebook, write_batch
from coursegrade.core.errors import ResultsUnwritable
from coursegrade.core.results import Result
from coursegrade.grading.batch import write_result

from test_batch_inputs import make_course

COURSE_BIN = Path(sys.executable).with_name("course")


def _grade(folder, prefix=(), preexec_fn=None):
    return subprocess.run([*prefix, str(COURSE_BIN), "--root", str(folder), "grade", "ps1",
                           "--workers", "1", "--no-diagnosis"],
                          capture_output=True, text=True, timeout=600, preexec_fn=preexec_fn)


def _stored(course):
    return {p.relative_to(course.autograded_dir): p.read_bytes()
            for p in course.autograded_dir.rglob("*") if p.is_file()}


@pytest.fixture
def graded_once(tmp_path):
    """A course where alice and bob were graded; then bob resubmits and carol submits."""
    course = make_course(tmp_path)
    solution = solution_notebook(course.assignment("ps1"))
    write_batch({"alice": solution, "bob": solution}, tmp_path / "submitted", "ps1")
    first = _grade(tmp_path)
    assert first.returncode == 0, first.stderr
    changed = solution_notebook(course.assignment("ps1"))
    changed.cells.append(nbformat.v4.new_code_cell("resubmitted = True"))
    write_batch({"bob": changed, "carol": solution}, tmp_path / "submitted", "ps1")
    return course, _stored(course)


def _assert_stopped_in_one_line(done, words):
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("course: cannot write ") and words in last, last
    assert "results.json" in last and "every result written before is kept" in last


def _assert_nothing_lost(course, before):
    after = _stored(course)
    assert not [p for p in after if p.name.endswith(".tmp")], sorted(after)
    for path, data in before.items():
        assert after.get(path) == data, f"{path} changed or vanished"


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap for a read-only mount")
def test_a_read_only_autograded_folder(graded_once):
    course, before = graded_once
    folder = str(course.autograded_dir)
    done = _grade(course.root, prefix=["bwrap", "--dev-bind", "/", "/", "--ro-bind", folder, folder])
    _assert_stopped_in_one_line(done, "the file system is read-only")
    _assert_nothing_lost(course, before)
    assert not (course.autograded_dir / "carol").exists()


def _file_size_limit():  # no file larger than 2 kB (a results.json of ps1 is larger)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2048, resource.RLIM_INFINITY))


def test_a_full_disk(graded_once):
    course, before = graded_once
    done = _grade(course.root, preexec_fn=_file_size_limit)
    _assert_stopped_in_one_line(done, "the file-size limit is reached")
    _assert_nothing_lost(course, before)


def test_write_result_keeps_the_old_file_when_the_new_one_cannot_be_written(tmp_path):
    """The same in one process: the write fails half way (the size limit), the old file
    stays whole, the temporary one goes."""
    course = make_course(tmp_path)
    old = Result(student="dora", assignment="ps1", total=1.0)
    write_result(course, old)
    path = course.autograded_dir / "dora" / "ps1" / "results.json"
    kept = path.read_bytes()
    big = Result(student="dora", assignment="ps1", problems=["x" * 100_000])
    pid = os.fork()
    if pid == 0:  # the limit in a child only: the test process keeps writing files
        code = 3
        try:
            resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, resource.RLIM_INFINITY))
            write_result(course, big)
        except ResultsUnwritable as error:
            code = 0 if "file-size limit" in str(error) and "\n" not in str(error) else 4
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert path.read_bytes() == kept and json.loads(kept)["total"] == 1.0
    assert sorted(p.name for p in path.parent.iterdir()) == ["results.json"]
