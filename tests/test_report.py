"""The batch report: one self-contained HTML file with the numbers an instructor needs and its
plots inside it as images; it renders in a real browser (headless Chromium) with every plot
decoded, and, like feedback, holds no assertion text of hidden tests."""
import base64
import io
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from coursegrade.grading.batch import grade_batch, load_results
from coursegrade.core.course import Course
from coursegrade.outputs.diagnosis import mutant_entries
from coursegrade.outputs.report import write_report
from coursegrade.grading.sandbox import Limits
from coursegrade.authoring.synthetic import demo_batch, solution_notebook, with_replacement, write_batch
from coursegrade.content.variants import MUTANT, load_variants

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage"]
PROBE = """<script>
window.addEventListener('load', function () {
  var probe = document.createElement('pre');
  probe.id = 'probe';
  probe.textContent = JSON.stringify(Array.prototype.map.call(document.querySelectorAll('img.plot'),
    function (i) { return {alt: i.alt, complete: i.complete, width: i.naturalWidth,
                           height: i.naturalHeight, shown: Math.round(i.getBoundingClientRect().width)}; }));
  document.body.appendChild(probe);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "autograder").symlink_to(ROOT / "autograder")  # the grading material
    shutil.copy(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    course = Course(folder)
    assignment = course.assignment("ps1")
    mutants = [v for v in load_variants(assignment.material_dir) if v.kind == MUTANT]
    blaise = list({m.target: m for m in reversed(mutants)}.values())[::-1][:3]  # demo_batch's mistakes
    notebooks = dict(demo_batch(assignment))
    notebooks["gus-loops-forever"] = with_replacement(
        solution_notebook(assignment), "expectation", "def expectation(values, probs):\n    while True:\n        pass\n")
    notebooks["hal-uses-np-average"] = with_replacement(
        solution_notebook(assignment), "expectation",
        "def expectation(values, probs):\n    return float(np.average(values, weights=probs))\n")
    # the known mistakes themselves, graded alongside, give the signatures (as validate does)
    notebooks.update({f"mutant--{m.name}": with_replacement(solution_notebook(assignment), m.target, m.source)
                      for m in blaise})
    paths = write_batch(notebooks, folder / "submitted", "ps1")
    (folder / "submitted" / "ivy-broken" / "ps1").mkdir(parents=True)
    (folder / "submitted" / "ivy-broken" / "ps1" / "ps1.ipynb").write_text('{"cells": [')
    submissions = [(p.parent.parent.name, p) for p in paths]
    submissions.append(("ivy-broken", folder / "submitted" / "ivy-broken" / "ps1" / "ps1.ipynb"))
    results = grade_batch(course, assignment, submissions, workers=2, out=io.StringIO(),
                          limits=Limits(call_seconds=1, cell_seconds=5, submission_seconds=60))
    by_name = {r.student: r for r in results}
    signatures = {"mutants": mutant_entries(blaise, {m.name: by_name[f"mutant--{m.name}"] for m in blaise})}
    for m in blaise:
        shutil.rmtree(course.autograded_dir / f"mutant--{m.name}")
    students = list(load_results(course, "ps1").values())
    path = write_report(course, assignment, students, signatures)
    return {"path": path, "html": path.read_text(), "results": {r.student: r for r in students},
            "hints": [m.hint for m in blaise], "course": course}


def test_the_report_is_one_self_contained_file(report):
    html = report["html"]
    assert report["path"] == report["course"].exports_dir / "ps1_report.html"
    assert not re.search(r'(src|href)="(?!data:|#)', html), "everything must be inside the file"
    images = re.findall(r'<img alt="([^"]+)" class="plot" src="data:image/png;base64,([^"]+)"', html)
    assert [alt for alt, _ in images] == ["score distribution", "per-question scores",
                                          "per-test pass rates", "outcomes per question"]
    for alt, data in images:
        png = base64.b64decode(data)
        assert png[:8] == b"\x89PNG\r\n\x1a\n", alt
        width, height = struct.unpack(">II", png[16:24])
        assert width > 300 and height > 150, alt


def test_the_numbers_an_instructor_needs_are_there(report):
    html, results = report["html"], report["results"]
    assert len(results) == 9
    assert '<div class="v">9</div><div class="k">submissions</div>' in html
    assert '<div class="v">1</div><div class="k">not graded</div>' in html
    tests = {(t.question, t.test) for r in results.values() for t in r.tests}
    for question, test in tests:
        assert f"<code>{test}</code>" in html
    for hint in report["hints"]:  # blaise made these mistakes: the most common ones
        assert hint.replace("'", "&#39;") in html
    # flags: the broken file, the endless loop, the forbidden call, the cheat's raising cells
    for student, kind in [("ivy-broken", "not graded"), ("gus-loops-forever", "timeout"),
                          ("hal-uses-np-average", "forbidden-call"), ("carl-raises", "cells raised")]:
        assert re.search(rf"<td>{student}</td><td><span class=\"tag [^\"]+\">{kind}</span>", html), (student, kind)
    slowest = sorted((r for r in results.values() if r.status == "graded"), key=lambda r: -r.seconds)
    assert html.index("<h2>Slowest submissions") < html.index(f"<td>{slowest[0].student}</td><td class=\"num\">")


def test_the_report_holds_no_assertion_text(report):
    html = report["html"]
    for result in report["results"].values():
        for test in result.tests:
            for line in test.detail.splitlines():
                if len(line.strip()) >= 20:
                    assert line.strip() not in html, line
    assert "DESIRED" not in html and "AssertionError" not in html


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian packages chromium, "
                    "chromium-driver); the report's browser rendering is not checked")
def test_the_report_renders_in_chromium_with_its_plots(report, tmp_path):
    probed = tmp_path / "probed.html"
    probed.write_text(report["html"].replace("</body>", PROBE + "</body>"))
    profile = tmp_path / "profile"
    dom = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                          "--virtual-time-budget=10000", "--window-size=1200,2000", "--dump-dom",
                          probed.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom.stdout, re.S)
    assert found, f"the page did not load in Chromium: {dom.stderr[-2000:]}"
    images = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(images) == 4
    for image in images:
        assert image["complete"] and image["width"] > 300 and image["height"] > 150, image
        assert image["shown"] > 200, image  # laid out on the page, not collapsed
    screenshot = tmp_path / "report.png"
    shot = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--window-size=1200,2000", "--hide-scrollbars", f"--screenshot={screenshot}",
                           report["path"].as_uri()], capture_output=True, text=True, timeout=120)
    assert screenshot.is_file(), shot.stderr[-2000:]
    import matplotlib.image
    pixels = matplotlib.image.imread(screenshot)
    assert pixels.shape[:2] == (2000, 1200)
    colours = {tuple(p) for p in (pixels[::20, ::20, :3] * 255).astype(int).reshape(-1, 3)}
    assert len(colours) > 50, "the screenshot is (nearly) blank"
