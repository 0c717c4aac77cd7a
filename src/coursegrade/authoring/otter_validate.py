"""`course validate` for an otter-grader assignment (grading/otter_course.py), as far as it goes
without the engine's own material (no mutants, no alternatives):

- the built tests are in sync with the master notebook: `otter assign` runs again when the
  master notebook changed since the last build (said so), and every question of the master
  notebook with tests has its test file;
- the solution otter assign wrote earns every question's points (here and under `otter run`
  alike: a solution otter itself scores below full marks is a problem of the material, named
  with the case that fails);
- the student version earns nothing on a question with points (a test it passes tests nothing);
- the student version leaks nothing: no `# SOLUTION` / `# BEGIN SOLUTION` marker, no line of a
  solution, no hidden test case, neither in its notebook (cells and metadata, where otter keeps
  tests by default) nor in the public test files students get;
- how many test cases run on the trusted side, and why the others cannot.
"""
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from coursegrade.core.cells import read_notebook_json, source_text
from coursegrade.grading.otter_cases import case_code, case_fallback
from coursegrade.grading.otter_course import OtterAssignment, _config_text, grade_all

_SOLUTION_LINE = re.compile(r"\s*#\s*SOLUTION(\s+NO\s+PROMPT)?\s*$")
_MARKERS = re.compile(r"#\s*(BEGIN|END)\s+(SOLUTION|TESTS|QUESTION)\b|" + _SOLUTION_LINE.pattern)
_SHORTEST_SECRET = 8  # characters: shorter lines (`x = 2`) could be anywhere; their markers are not


@dataclass
class OtterValidation:
    name: str
    problems: list = field(default_factory=list)
    lines: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems

    @property
    def text(self):
        status = "ok" if self.ok else "FAILED"
        return "\n".join([f"{self.name} (otter format): {status}", *(f"  {l}" for l in self.lines),
                          *(f"  PROBLEM: {p}" for p in self.problems)])


def validate_otter(course, name, limits=None):
    assignment = OtterAssignment(course, name)
    report = OtterValidation(name)
    if not (assignment.built_is_current and (assignment.built_dir / "student.ipynb").is_file()):
        report.lines.append(f"the built tests were older than {assignment.master.name} (or missing): "
                            "rebuilt with otter assign")
        (assignment.built_dir / "master.sha").unlink(missing_ok=True)
    assignment.build()
    report.problems += _sync_problems(assignment)
    files = {q: assignment.test_file(q) for q in assignment.autograded_questions}
    cases = [(q, f, c) for q, f in files.items() for c in f.test_cases]
    untrusted = [(q, c, case_fallback(f, c)) for q, f, c in cases if case_fallback(f, c)]
    report.lines.append(f"{len(cases)} test cases in {len(files)} questions: "
                        f"{len(cases) - len(untrusted)} run on the trusted side by reading them")
    for question, case, reasons in untrusted:
        report.lines.append(f"{question}: {case.name} runs in the student's process (untrusted): it "
                            + "; ".join(reasons))
    with tempfile.TemporaryDirectory(prefix="otter-validate-") as tmp:
        folders = []
        for kind in ("solution", "student"):
            folder = Path(tmp) / kind / name
            folder.mkdir(parents=True)
            (folder / assignment.master.name).write_bytes((assignment.built_dir / f"{kind}.ipynb").read_bytes())
            for own in assignment.student_files:  # (what each student submits with the notebook)
                if (assignment.source_dir / own).is_file():
                    (folder / own).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(assignment.source_dir / own, folder / own)
            folders.append((kind, folder))
        results = {r.student: r for r in grade_all(assignment, folders, limits, keep_results=False)}
    solution, student = results["solution"], results["student"]
    for result in (solution, student):
        if result.status != "graded":
            report.problems.append(f"the {result.student} version could not be graded: {result.reason}")
    for test in solution.tests:
        if test.earned < test.points:
            report.problems.append(f"otter assign's solution earns {test.earned:g}/{test.points:g} on "
                                   f"{test.question}: {test.message or 'a test case failed'}"
                                   + (f"\n    {test.detail[:600]}" if test.detail else ""))
    report.lines.append(f"solution: {solution.total:g}/{solution.max_total:g}; student version: "
                        f"{student.total:g}/{student.max_total:g}")
    for test in student.tests:
        if test.earned > 0 and test.points > 0:
            report.problems.append(f"the student version (nothing answered) earns {test.earned:g} on "
                                   f"{test.question}: its tests test nothing")
    report.problems += _leaks(assignment, files)
    return report


def _master_questions(assignment):
    """{question: whether it has tests} from the master notebook's BEGIN QUESTION cells."""
    questions, current = {}, None
    for cell in read_notebook_json(assignment.master)["cells"]:
        config = _config_text(cell).strip()
        if config.upper().startswith("# BEGIN QUESTION"):
            try:
                current = str((yaml.safe_load(config.split("\n", 1)[1] if "\n" in config else "") or {})["name"])
            except (yaml.YAMLError, KeyError, TypeError):
                current = None
            if current:
                questions.setdefault(current, False)
        elif config.upper().startswith("# END QUESTION"):
            current = None
        elif config.upper().startswith("# BEGIN TESTS") and current:
            questions[current] = True
    return questions


def _sync_problems(assignment):
    tested = {q for q, has in _master_questions(assignment).items() if has}
    built = set(assignment.test_files)
    problems = [f"question {q} has tests in {assignment.master.name} but no built test file "
                f"(autograder/{assignment.name}/otter/tests/)" for q in sorted(tested - built)]
    problems += [f"the built test file {q}.py is for no question of {assignment.master.name} with tests"
                 for q in sorted(built - tested)]
    return problems


def _solution_lines(assignment):
    """Lines of the master notebook's solutions (marked `# SOLUTION`, between `# BEGIN SOLUTION`
    and `# END SOLUTION` in a cell, or a markdown cell between solution raw cells), and every
    other line (public: a line the student version shows anyway is no secret)."""
    secret, public, in_block = [], set(), False
    for cell in read_notebook_json(assignment.master)["cells"]:
        config = _config_text(cell).strip().upper()
        if config.startswith("# BEGIN SOLUTION"):
            in_block = True
            continue
        if config.startswith("# END SOLUTION"):
            in_block = False
            continue
        text = source_text(cell.get("source", ""))
        tags = (cell.get("metadata") or {}).get("tags") or []
        inside = in_block and cell.get("cell_type") == "markdown" and "otter_include" not in tags
        for line in text.splitlines():
            stripped = line.strip()
            if re.match(r"#\s*BEGIN\s+SOLUTION", stripped, re.I):
                inside = True
            elif re.match(r"#\s*END\s+SOLUTION", stripped, re.I):
                inside = in_block and cell.get("cell_type") == "markdown" and "otter_include" not in tags
            elif _SOLUTION_LINE.search(line):
                secret.append(_SOLUTION_LINE.sub("", line).strip())
            elif inside:
                secret.append(stripped)
            else:
                public.add(stripped)
    return secret, public


def _leaks(assignment, files):
    """What the student version (its notebook, its public test files) holds that it must not."""
    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file
    problems = []
    released = {f"{assignment.master.name} (student version)":
                _released_code((assignment.built_dir / "student.ipynb").read_text())}
    for path in sorted((assignment.built_dir / "student_tests").glob("*.py")):
        public_file = create_test_file(str(path), NBMetadataConfig())  # (otter's own build: trusted)
        if any(case.hidden for case in public_file.test_cases):
            problems.append(f"tests/{path.name} of the student version holds a hidden test case")
        released[f"tests/{path.name} (student version)"] = [
            line for case in public_file.test_cases for line in case_code(public_file, case).splitlines()]
    solution, public = _solution_lines(assignment)
    hidden, shown = [], set()
    for test_file in files.values():
        for case in test_file.test_cases:
            lines = [l.strip() for l in case_code(test_file, case).splitlines()]
            (hidden.extend(lines) if case.hidden else shown.update(lines))
    secrets = [("a line of a solution", l) for l in solution] + \
              [("a line of a hidden test case", l) for l in hidden if l not in shown]
    for where, code in released.items():
        if any(_MARKERS.search(line) for line in code):
            problems.append(f"{where} still holds one of otter's solution or test markers")
        lines = {line.strip() for line in code}
        for kind, secret in dict.fromkeys(secrets):
            if len(secret) >= _SHORTEST_SECRET and secret not in public and secret in lines:
                problems.append(f"{where} holds {kind}: {secret[:60]!r}")
    return problems


def _released_code(text):
    """The lines of a notebook: its cells' sources, and the tests otter keeps in its metadata."""
    try:
        notebook = json.loads(text)
    except ValueError:
        return text.splitlines()
    lines = [l for c in notebook.get("cells", []) for l in source_text(c.get("source", "")).splitlines()]
    tests = ((notebook.get("metadata") or {}).get("otter") or {}).get("tests") or {}
    for test in tests.values() if isinstance(tests, dict) else []:
        if isinstance(test, str):
            lines += test.splitlines()
        else:
            for suite in test.get("suites", []):
                for case in suite.get("cases", []):
                    lines += [re.sub(r"^\s*(>>>|\.\.\.) ?", "", l) for l in str(case.get("code", "")).splitlines()]
    return lines
