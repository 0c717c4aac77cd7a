"""A submission's public checks, run in the sandbox: per question, whether all its checks pass
and the lines `check("q")` prints, as the student sees them in JupyterLab.

Where students see their results elsewhere than in their own notebook (Gradescope), the public
checks are shown beside the hidden tests. They run on the student's code, so they run where it
does: in a child of the zygote, with the release's `checking.py` and `checks.py` loaded after
the notebook's cells, and the question's forbidden library calls refused as in JupyterLab. What
comes back is plain data (a bool and text) and decides nothing: a submission that fakes its own
public checks fools only its own report. Scores come from the hidden suite alone.
"""
import json

from coursegrade.core.errors import StudentError
from coursegrade.grading.notebooks import NotebookError, read_submission
from coursegrade.grading.sandbox import SandboxedRun, SandboxUnavailable

REPORT_CHARS = 8000  # of one question's report: the checks' lines, not a student's prints
# Run in the sandbox as a module of its own (no name of the notebook's is touched): the lines
# that Checks.run prints for one question, and whether all its checks passed.
_REPORTER = '''
import contextlib, io, sys

def report(question):
    checks = sys.modules["checks"].checks
    if question not in checks.questions():
        return None
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        passed = checks.run(question, raise_on_failure=False)
    return [passed is True, printed.getvalue()]
'''


def public_check_reports(assignment, zygote, path):
    """{question: {"passed": bool, "report": text}} for the questions of `assignment` that have
    public checks, for the notebook at `path`; {} where there is nothing to run (no checks.py
    in the release, or a notebook that cannot be read: grading says why)."""
    release = assignment.release_dir
    if not ((release / "checks.py").is_file() and (release / "checking.py").is_file()):
        return {}
    try:
        cells = read_submission(path, assignment).cells
    except NotebookError:
        return {}
    sources = [(name, (release / f"{name}.py").read_text()) for name in ("checking", "checks")]
    sources.append(("_coursegrade_public_checks", _REPORTER))
    forbidden = _forbidden_calls(release / "forbidden_calls.json")
    loader = ("import sys as _sys, types as _types\n"
              f"for _name, _source in {sources!r}:\n"
              "    _module = _types.ModuleType(_name)\n"
              "    exec(compile(_source, _name + '.py', 'exec'), _module.__dict__)\n"
              "    _sys.modules[_name] = _module\n"
              f"_sys.modules['checks'].checks.forbidden = {forbidden!r}\n")
    reports = {}
    try:
        with SandboxedRun(zygote, cells + [("public checks", loader)]) as run:
            reporter = run.define("lambda q: __import__('_coursegrade_public_checks').report(q)")
            for question in assignment.autograded_questions:
                try:
                    reply = run.call(reporter, [question])
                except StudentError as failure:
                    reply = [False, f"The public checks could not run: {failure.message}"]
                if reply is None:
                    continue
                if not (isinstance(reply, list) and len(reply) == 2 and isinstance(reply[1], str)):
                    reply = [False, "The public checks sent back something that is not a report."]
                reports[question] = {"passed": reply[0] is True, "report": reply[1][:REPORT_CHARS]}
    except (StudentError, SandboxUnavailable):
        return reports
    return reports


def _forbidden_calls(path):
    """question -> dotted names, as `course release` wrote them for the check runner."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {str(q): [str(n) for n in names] for q, names in found.items() if isinstance(names, list)}
