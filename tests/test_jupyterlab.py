"""The student's side, as a student meets it: a released notebook in a real JupyterLab, driven in
headless Chromium (playwright with Debian's chromium). Run All reaches every question and shows
each question's check report; fixing one answer and re-running its cells turns its report green."""
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coursegrade.authoring.synthetic import solution_notebook
from coursegrade.core.cells import grade_id
from coursegrade.core.course import Course

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TOKEN = "student-token"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package "
                                "chromium): the JupyterLab test needs a real browser")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("student")
    shutil.copytree(ROOT / "release" / "ps2", folder, dirs_exist_ok=True)
    # Every cell in the page (JupyterLab 4 renders only the visible ones by default), no news.
    settings = tmp_path_factory.mktemp("lab-settings")
    for extension, values in (("notebook-extension/tracker", {"windowingMode": "none"}),
                              ("apputils-extension/notification", {"fetchNews": "false"})):
        path = settings / "@jupyterlab" / f"{extension}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={folder}",
         "--allow-root", f"--LabApp.user_settings_dir={settings}",
         f"--LabApp.workspaces_dir={settings}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start: " + server.stderr.read().decode()[-2000:])
    yield {"url": url, "folder": folder}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def _outputs_of(page):
    """The text of each code cell's output area, in notebook order."""
    return page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell", "cells => cells.map(c => (c.querySelector('.jp-OutputArea') || {}).innerText || '')")


def _wait_for_kernel(url, timeout=180):
    """Until the server has a running kernel that is idle (a fresh machine's first kernel start
    builds caches for seconds; JupyterLab's own indicator says idle before the kernel is there)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{url}/api/kernels?token={TOKEN}", timeout=5) as reply:
            kernels = json.loads(reply.read())
        if kernels and all(k.get("execution_state") == "idle" for k in kernels):
            return
        time.sleep(0.5)
    pytest.fail("the notebook's kernel did not start")


def _wait_idle(page, timeout=120):
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout * 1000)


def test_a_student_runs_all_then_fixes_one_answer(lab):
    from playwright.sync_api import sync_playwright
    course = Course(ROOT)
    assignment = course.assignment("ps2")
    questions = assignment.autograded_questions
    solution = next(c.source for c in solution_notebook(assignment).cells
                    if grade_id(c) == "softmax_answer")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{lab['url']}/lab/tree/ps2.ipynb?token={TOKEN}")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=120_000)
        _wait_for_kernel(lab["url"])
        _wait_idle(page)
        page.click("li.lm-MenuBar-item:has-text('Run')", timeout=30_000)  # the menu
        page.click("text=Run All Cells", timeout=30_000)
        # every question's check cell reports, the last one included: Run All did not stop
        try:
            page.wait_for_function(f"document.body.innerText.includes('checks passed for {questions[-1]}')",
                                   timeout=180_000)
        except Exception:
            page.screenshot(path=str(lab["folder"] / "run-all.png"))
            raise AssertionError("Run All did not reach the last question; the page said:\n"
                                 + page.inner_text("body")[-3000:]) from None
        _wait_idle(page)
        text = "\n".join(_outputs_of(page))
        for question in questions:
            assert f"checks passed for {question}" in text, question
        assert "not implemented yet" in text and "\u2717" in text
        assert "0/" in text.split("checks passed for softmax")[0].splitlines()[-1]

        # fix the softmax answer: replace the cell's text, run it and its check cell
        cells = page.locator(".jp-Notebook .jp-CodeCell")
        index = next(i for i, out in enumerate(_outputs_of(page)) if "checks passed for softmax" in out)
        answer = cells.nth(index - 1)
        answer.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(solution)
        page.keyboard.press("Shift+Enter")  # runs the answer, moves to its check cell
        _wait_idle(page)
        page.keyboard.press("Shift+Enter")
        _wait_idle(page)
        report = _outputs_of(page)[index]
        browser.close()
    lines = [line for line in report.splitlines() if line.strip()]
    assert lines[-1].endswith("checks passed for softmax.")
    passed, total = lines[-1].split(" ")[0].split("/")
    assert passed == total and int(total) >= 3, report
    assert all(line.startswith("\u2713") for line in lines[:-1]), report
