"""An assignment as a Gradescope autograder: `course export PS --gradescope` writes
exports/<ps>_gradescope.zip; Gradescope runs it on every submission with this engine, so that
its scores are `course grade`'s and its trust boundary holds there too.

The zip follows Gradescope's autograder contract (https://gradescope-autograders.readthedocs.io/
en/latest/specs/) as otter-grader's `otter generate` lays it out: at its root `setup.sh`, which
Gradescope runs once as root to build the image, and `run_autograder`, which it runs for each
submission in /autograder with the submission in /autograder/submission/, and which writes
/autograder/results/results.json. otter's runner executes the notebook and its tests in one
Python process, where a submission that monkeypatches the testing helpers passes them all; so
the zip's runner (`run_gradescope.py`, a few lines) calls this engine instead
(`run_submission`): student code in the sandbox, the hidden suite on the trusted side, through
`grade_batch` as `course grade` does. The zip holds:

    setup.sh, run_autograder, run_gradescope.py
    engine/coursegrade-<version>-py3-none-any.whl  the engine, built from its source tree
    constraints.txt                                 the engine's pinned dependencies
    gradescope.json                                 what the zip is: assignment, versions, hashes
    signatures.json                                 the mutants' failure signatures (mistake hints)
    course/nbgrader_config.py                       the engine's settings only (no database URL)
    course/source/<ps>/<ps>.ipynb                   the source notebook, its answers as released
    course/release/<ps>/                            the release (public: notebook, public checks)
    course/autograder/<ps>/                         the reference and the hidden suite

and nothing else of the course: no other assignment, no mutants and no alternative solutions,
no solution in the notebook (the references are the only answers in it), no gradebook.

`setup.sh` installs Python (the version of this machine), torch as a CPU build from PyTorch's
index and the engine under constraints.txt, and bubblewrap; it makes the grading material
readable by root only: the sandbox runs student code as nobody, so where Gradescope's container
lets neither bubblewrap (user namespaces) nor Landlock run, the files still keep it out. Which
layers the sandbox had is said in every result and in the grader's log. A run also shows each
question's public checks (grading/public_checks.py): their sandbox warms up beside the hidden
tests' where the container has the memory (`BOTH_SANDBOXES_MB`), else after them.

`try_zip` (`course gradescope-run ZIP NOTEBOOK`) runs the zip's own `run_autograder` on this
machine in a temporary folder laid out as Gradescope's /autograder, with this machine's Python
(`COURSEGRADE_PYTHON`) instead of the one setup.sh installs.
"""
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from importlib import metadata
from pathlib import Path

import nbformat

from coursegrade.core.cells import grade_id as cell_grade_id
from coursegrade.core.course import MATERIAL_PACKAGE, Course
from coursegrade.core.errors import CourseError
from coursegrade.core.results import Status, not_graded
from coursegrade.core.settings import CONFIG_FILE, DECLARED
from coursegrade.outputs.gradescope import VISIBILITIES, not_graded_json, results_json

VENV = "/opt/coursegrade-venv"  # where setup.sh installs the engine (readable by the sandbox's uid)
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
STUDENT = "submission"  # the one submission a Gradescope container grades
# Variables that run_autograder reads (documented in docs/instructor.md, "Gradescope").
PYTHON_VARIABLE, FOLDER_VARIABLE = "COURSEGRADE_PYTHON", "COURSEGRADE_AUTOGRADER_DIR"
_LEFT_OUT = ("mutants.py", "alternatives.py")  # known-wrong and other correct answers: not grading's
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)  # every member's date: the same material gives the same members
_SETTINGS_SECTIONS = ("Sandbox", "Grading", "Gradescope")
_THIS_MACHINE_ONLY = {("Grading", "cluster")}  # a container grades its one submission itself
# Memory a run needs with both sandboxes warm at once (ps2 on this machine peaks at about 680 MB
# of the process tree's PSS, measured with the demo's full solution): twice that, for headroom.
BOTH_SANDBOXES_MB = 1400
PACKAGE = Path(__file__).resolve().parents[1]  # the engine's package folder (coursegrade/)


class GradescopeError(CourseError):
    """The assignment cannot be made into a Gradescope autograder (a missing release, a leak)."""


# ------------------------------------------------------------------------------ building

def build_autograder(course, assignment, out_path=None, hidden_visibility=None, signatures=None,
                     diagnosis=True, workers=None, log=None):
    """Write the autograder zip of `assignment` (default exports/<ps>_gradescope.zip) and
    return its path. `signatures` are the mutants' (diagnosis.py); by default the cached ones,
    computed first if the material changed, unless not `diagnosis` (then no mistake hints)."""
    visibility = hidden_visibility or course.settings["Gradescope", "hidden_visibility"]
    if visibility not in VISIBILITIES:
        raise GradescopeError(f"c.Gradescope.hidden_visibility must be one of {', '.join(VISIBILITIES)}, "
                              f"not {visibility!r}")
    members = {}  # name in the zip -> bytes
    members.update(_release_files(assignment))
    members[f"course/source/{assignment.name}/{assignment.name}.ipynb"] = _answers_as_released(assignment)
    members.update(_material_files(assignment))
    members["course/" + CONFIG_FILE] = _engine_settings(course, assignment, visibility).encode()
    project = _engine_project()
    wheel_name, wheel = _engine_wheel(project)
    members[f"engine/{wheel_name}"] = wheel
    members["constraints.txt"] = (project / "constraints.txt").read_bytes()
    if signatures is None and diagnosis:
        from coursegrade.authoring.signatures import ensure_signatures
        signatures = ensure_signatures(course, assignment, workers, out=log)
    if signatures:
        members["signatures.json"] = json.dumps(signatures, indent=1).encode()
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    torch = metadata.version("torch").split("+")[0]
    pip = metadata.version("pip")
    manifest = {"assignment": assignment.name, "title": assignment.title,
                "engine": coursegrade_version(), "engine_sha256": engine_sha256(),
                "python": python, "torch": torch, "hidden_visibility": visibility,
                "questions": {q: assignment.points(q) for q in assignment.autograded_questions},
                "mistake_hints": bool(signatures)}
    members["gradescope.json"] = json.dumps(manifest, indent=1).encode()
    members["setup.sh"] = SETUP_SH.format(ps=assignment.name, python=python, torch=torch, pip=pip,
                                          venv=VENV, index=TORCH_INDEX, wheel=wheel_name).encode()
    members["run_autograder"] = RUN_AUTOGRADER.format(venv=VENV, python_variable=PYTHON_VARIABLE,
                                                      folder_variable=FOLDER_VARIABLE).encode()
    members["run_gradescope.py"] = RUNNER.encode()
    path = Path(out_path) if out_path else course.exports_dir / f"{assignment.name}_gradescope.zip"
    _write_zip(path, members)
    return path


def _release_files(assignment):
    """release/<ps>/ as it is (public by construction), once `course release` made it leak-free."""
    from coursegrade.authoring.release import find_leaks
    if not assignment.release_notebook.is_file():
        raise GradescopeError(f"{assignment.release_notebook} does not exist: run "
                              f"`course release {assignment.name}` first")
    leaks = find_leaks(assignment)
    if leaks:
        raise GradescopeError("the release leaks grading material, so it is not shipped: "
                              + "; ".join(leaks[:3]))
    return {f"course/release/{assignment.name}/{p.relative_to(assignment.release_dir).as_posix()}":
            p.read_bytes() for p in _files_under(assignment.release_dir)}


def _answers_as_released(assignment):
    """The source notebook with the text of every cell the release has too (answers, public
    checks, written answers) as released: its cells, roles and points are the source's, which
    grading reads, but its answers are the starter code, as students get them."""
    from coursegrade.authoring.release import MARKERS, solution_lines
    source = nbformat.read(assignment.source_notebook, as_version=4)
    released = {cell_grade_id(c): c.source for c in nbformat.read(assignment.release_notebook, as_version=4).cells
                if cell_grade_id(c)}
    solutions = solution_lines(source)
    missing = []
    for cell in source.cells:
        name = cell_grade_id(cell)
        if name is None:
            continue
        if name not in released:
            missing.append(name)
            continue
        cell.source = released[name]
        cell.outputs = [] if cell.cell_type == "code" else cell.get("outputs")
        if cell.cell_type != "code":
            cell.pop("outputs", None)
    if missing:
        raise GradescopeError(f"release/{assignment.name} lacks the cells {', '.join(missing[:5])} of the "
                              f"source: run `course release {assignment.name}`")
    text = nbformat.writes(source)
    found = [m for m in MARKERS if m in text] + [line for line in solutions if line in text]
    if found:  # (a solution line outside any named cell)
        raise GradescopeError(f"the notebook would still hold solution text ({found[0][:60]!r}); "
                              "keep solutions in the answer cells, between nbgrader's markers")
    return text.encode()


def _material_files(assignment):
    """autograder/__init__.py and autograder/<ps>/ but its mutants and alternatives."""
    files = {}
    package_init = assignment.course.root / MATERIAL_PACKAGE / "__init__.py"
    if package_init.is_file():
        files[f"course/{MATERIAL_PACKAGE}/__init__.py"] = package_init.read_bytes()
    for path in _files_under(assignment.material_dir):
        relative = path.relative_to(assignment.material_dir)
        if relative.as_posix() in _LEFT_OUT:
            continue
        files[f"course/{MATERIAL_PACKAGE}/{assignment.name}/{relative.as_posix()}"] = path.read_bytes()
    return files


def _files_under(folder):
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and not p.is_symlink()
                  and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts) and p.suffix != ".pyc")


def _engine_settings(course, assignment, visibility):
    """An nbgrader_config.py with the engine's effective settings (nothing of nbgrader's own:
    not its database URL). The modules the source's answers import are preloaded as in the
    course (the notebook shipped has the starter code in their place)."""
    settings = course.settings
    later = list(settings["Sandbox", "preload_later"])
    preload = [m for m in assignment.sandbox_preload.split(",") if m != "warmup" and m not in later]
    values = {(s.section, s.name): settings[s.section, s.name] for s in DECLARED
              if s.section in _SETTINGS_SECTIONS and (s.section, s.name) not in _THIS_MACHINE_ONLY}
    values["Sandbox", "preload"] = preload
    values["Gradescope", "hidden_visibility"] = visibility
    lines = [f'"""The grading engine\'s settings for {assignment.name} on Gradescope, written by `course '
             f'export {assignment.name} --gradescope`\nfrom the course\'s {CONFIG_FILE} (the engine\'s '
             'settings only)."""', "c = get_config()  # noqa: F821", ""]
    lines += [f"c.{section}.{name} = {value!r}" for (section, name), value in values.items()]
    return "\n".join(lines) + "\n"


def _engine_project():
    """The source tree the installed engine comes from (pyproject.toml, constraints.txt, src/)."""
    package = PACKAGE
    project = package.parents[1]
    if not ((project / "pyproject.toml").is_file() and (project / "constraints.txt").is_file()):
        raise GradescopeError(f"the engine at {package} is not installed from its source tree "
                              "(pyproject.toml and constraints.txt beside src/): install coursegrade "
                              "with `pip install -e` from a checkout to export for Gradescope")
    return project


def _engine_wheel(project):
    """(file name, bytes) of the engine's wheel, built from a copy of its source tree (the
    tree itself gets no build folders), offline, with this environment's setuptools."""
    with tempfile.TemporaryDirectory(prefix="coursegrade-wheel-") as scratch:
        copy = Path(scratch) / "project"
        (copy / "src").mkdir(parents=True)
        shutil.copy(project / "pyproject.toml", copy)
        shutil.copytree(project / "src" / "coursegrade", copy / "src" / "coursegrade",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"))
        built = Path(scratch) / "wheel"
        done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                               "--no-build-isolation", "--no-index", "-w", str(built), str(copy)],
                              capture_output=True, text=True,
                              env={**os.environ, "SOURCE_DATE_EPOCH": "1577836800"})
        wheels = sorted(built.glob("coursegrade-*.whl"))
        if done.returncode != 0 or not wheels:
            raise GradescopeError(f"the engine's wheel could not be built: {done.stderr.strip()[-800:]}")
        return wheels[0].name, wheels[0].read_bytes()


def _write_zip(path, members):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, members[name])
    os.replace(temporary, path)


def coursegrade_version():
    try:
        return metadata.version("coursegrade")
    except metadata.PackageNotFoundError:
        return "unknown"


def engine_sha256():
    """A hash of the engine's code (its .py files), to tell whether a zip's engine is the one
    grading (a local trial uses this machine's)."""
    package = PACKAGE
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


# ------------------------------------------------------------------ grading one submission

def run_submission(autograder_dir="/autograder", log=sys.stdout):
    """Grade the notebook in <autograder_dir>/submission/ and write results/results.json: what
    the zip's run_autograder does on Gradescope, once per submission. Whatever happens, a
    results.json is written (a score of 0 and the reason in words where the notebook cannot be
    graded, or where the grader itself fails), so Gradescope never shows only "autograder
    failed"; the grader's log (stdout, for instructors) says more."""
    started = time.monotonic()
    folder = Path(autograder_dir)
    results_path = folder / "results" / "results.json"
    try:
        manifest = json.loads((folder / "source" / "gradescope.json").read_text())
        course = Course(folder / "source" / "course")
        assignment = course.assignment(manifest["assignment"])
        course.settings  # a broken setting is the zip's problem, said here
    except Exception as error:
        print(f"the autograder zip is broken: {type(error).__name__}: {error}", file=log)
        _write_results(results_path, not_graded_json("the autograder is broken (its log says why)",
                                                     retry=True))
        return 1
    print(f"coursegrade {coursegrade_version()} grading {assignment.name} ({assignment.title})", file=log)
    if manifest.get("engine_sha256") not in (None, engine_sha256()):
        print("NOTE: the engine grading here is not the one this zip was built with (a local trial "
              "uses this machine's): scores follow the engine here", file=log)
    try:
        document = _grade(course, assignment, folder, manifest, log)
    except Exception as error:  # the grader's fault, never the student's: say so, write a result
        print(f"the grader failed: {type(error).__name__}: {error}", file=log)
        traceback.print_exc(file=log)
        document = not_graded_json(f"{type(error).__name__} in the grader", retry=True,
                                   max_score=sum(manifest.get("questions", {}).values()))
    _write_results(results_path, document)
    tests = [t for t in document["tests"] if "score" in t]
    print(f"\nscore: {document['score']:g} / {sum(t.get('max_score', 0) for t in tests):g} "
          f"in {time.monotonic() - started:.1f} s; wrote {results_path}", file=log)
    return 0


def _grade(course, assignment, folder, manifest, log):
    from coursegrade.grading.batch import grade_batch
    from coursegrade.grading.notebooks import NotebookError, read_submission
    from coursegrade.grading.public_checks import public_check_reports
    from coursegrade.grading.sandbox import Zygote, bwrap_usable

    notebook, why = submitted_notebook(folder / "submission", assignment.name)
    if notebook is None:
        print(f"not graded: {why}", file=log)
        return results_json(assignment, not_graded(assignment, STUDENT, why),
                            hidden_visibility=manifest["hidden_visibility"])
    path = _take_submission(notebook, course.submitted_dir / STUDENT / assignment.name)
    try:  # a notebook that cannot be read needs no sandbox started: say why at once
        read_submission(path, assignment)
    except NotebookError as error:  # (grading says the same: suite.py reads it the same way)
        print(f"not graded: {error}", file=log)
        return results_json(assignment, not_graded(assignment, STUDENT, str(error), path),
                            hidden_visibility=manifest["hidden_visibility"])
    limits = course.settings.limits
    use_bwrap = bwrap_usable()
    for line in sandbox_report(use_bwrap):
        print(line, file=log)
    # The public checks' sandbox warms up (imports) while the hidden suite grades, where the
    # container has the memory for both at once (Gradescope's smallest has not): else after it.
    memory = available_memory_mb()
    at_once = memory is None or memory >= BOTH_SANDBOXES_MB
    print(f"memory: {'unknown' if memory is None else f'{memory} MB'} available; public checks run "
          + ("while the hidden tests grade" if at_once else "after the hidden tests"), file=log)
    checks_zygote = Zygote(limits, use_bwrap=use_bwrap, preload=assignment.sandbox_preload,
                           warm_cells=assignment.sandbox_warm_cells)
    if at_once:
        checks_zygote.start()
    try:
        result = None
        for attempt in range(2):  # a failure of the grader itself (a worker died) is tried again once
            [result] = grade_batch(course, assignment, [(STUDENT, path)], workers=1, limits=limits,
                                   use_bwrap=use_bwrap, out=log, keep_results=False)
            if result.status is not Status.RETRY:
                break
            print(f"the grader failed ({result.reason}); trying again", file=log)
        if result.graded and not at_once:
            checks_zygote.start()
        checks = public_check_reports(assignment, checks_zygote, path) if result.graded else {}
    finally:
        checks_zygote.close()
    _log_result(result, checks, log)
    signatures = _shipped_signatures(folder / "source" / "signatures.json")
    grader = (f"Graded by coursegrade {coursegrade_version()}; your code ran in the grader's sandbox "
              f"({result.isolation or 'not started'}), the hidden tests in another process.")
    return results_json(assignment, result, checks, signatures, manifest["hidden_visibility"], grader)


def available_memory_mb():
    """MB this container can still use (the kernel's MemAvailable, capped by the cgroup's limit
    where there is one: Docker's, on Gradescope), or None where neither can be read."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) // 1024)
    except (OSError, ValueError):
        pass
    for limit, usage in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                         ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                          "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            cap, used = Path(limit).read_text().strip(), int(Path(usage).read_text())
        except (OSError, ValueError):
            continue
        if cap.isdigit() and int(cap) < 1 << 60:
            found.append((int(cap) - used) // (1 << 20))
        break
    return min(found) if found else None


def submitted_notebook(folder, name, most_files=10000):
    """(path, None) of the notebook to grade in a Gradescope submission folder, else (None,
    why): <name>.ipynb, or the only notebook there (in a subfolder too: an uploaded zip is
    unpacked). Only regular files count (a symbolic link is not followed)."""
    found, seen = [], 0
    for root, folders, files in os.walk(folder, followlinks=False):
        folders[:] = sorted(f for f in folders if f not in (".ipynb_checkpoints", "__MACOSX"))
        for file in sorted(files):
            seen += 1
            path = Path(root) / file
            if file.endswith(".ipynb") and not file.startswith("._") and not path.is_symlink() \
                    and path.is_file():
                found.append(path)
        if seen > most_files:
            break
    named = [p for p in found if p.name == f"{name}.ipynb"]
    if len(named) == 1 or (named and len(found) == len(named)):
        return min(named, key=lambda p: len(p.parts)), None
    if len(found) == 1:
        return found[0], None
    if not found:
        return None, f"no notebook was submitted: upload {name}.ipynb"
    listed = ", ".join(str(p.relative_to(folder))[:80] for p in found[:5])
    return None, (f"the submission holds {len(found)} notebooks ({listed}) and not one {name}.ipynb: "
                  f"submit {name}.ipynb alone")


def _take_submission(notebook, folder):
    """Copy the notebook into the course's submitted/ layout (its name kept: a renamed
    notebook is graded and the result says so), never following a link."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(notebook.name).name
    descriptor = os.open(notebook, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "rb") as source, open(target, "wb") as copy:
        shutil.copyfileobj(source, copy)
    return target


def sandbox_report(use_bwrap):
    """What this machine gives the sandbox, in words: bubblewrap (and why not), Landlock,
    cgroups; the zygote reports seccomp and the rest in each result's isolation."""
    from coursegrade.grading import cgroups
    from coursegrade.inside import landlock
    lines = []
    if use_bwrap:
        lines.append("sandbox: bubblewrap runs here (namespaces: no network, own PIDs, no course files)")
    else:
        why = "not installed" if not shutil.which("bwrap") else "installed, but it cannot create its namespaces here"
        knobs = []
        for knob in ("/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces",
                     "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"):
            try:
                knobs.append(f"{knob.rsplit('/', 1)[1]}={Path(knob).read_text().strip()}")
            except OSError:
                pass
        lines.append(f"sandbox: bubblewrap {why}" + (f" ({', '.join(knobs)})" if knobs else "")
                     + "; student code runs with seccomp and rlimits, as an unprivileged user where it can")
    abi = landlock.abi_version()
    lines.append(f"sandbox: Landlock {'ABI ' + str(abi) if abi else 'not available in this kernel'}")
    missing = cgroups.why_not()
    lines.append(f"sandbox: cgroups {'usable' if not missing else 'not usable (' + missing + ')'}")
    return lines  # (what the sandbox lacks, grading's batch says next: isolation_warnings)


def _log_result(result, checks, log):
    print(f"isolation: {result.isolation or '(no sandbox started)'}", file=log)
    if not result.graded:
        print(f"not graded ({result.status}): {result.reason}", file=log)
    for problem in result.problems:
        print(f"problem: {problem}", file=log)
    for test in result.tests:
        print(f"  {test.outcome:<14} {test.earned:g}/{test.points:g}  {test.question}::{test.test}", file=log)
    if checks:
        passing = sum(c["passed"] for c in checks.values())
        print(f"public checks: {passing}/{len(checks)} questions pass all of theirs", file=log)


def _shipped_signatures(path):
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _write_results(path, document):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(document, indent=1))
    os.replace(temporary, path)


# ------------------------------------------------------------------ trying a zip locally

def try_zip(zip_path, notebook, python=None, keep=None):
    """Run the zip's run_autograder on `notebook` (a file or a folder of files, as uploaded)
    in a temporary folder laid out as Gradescope's /autograder, with `python` (default: this
    one) in place of the one setup.sh installs. Returns (results.json as a dict, the grader's
    log, the folder: `keep` or None once removed)."""
    zip_path, notebook = Path(zip_path), Path(notebook)
    if not zipfile.is_zipfile(zip_path):
        raise GradescopeError(f"{zip_path} is not a zip file")
    if not notebook.exists():
        raise GradescopeError(f"{notebook} does not exist")
    base = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="gradescope-"))
    folder = base / "autograder"
    try:
        for name in ("source", "submission", "results"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(folder / "source")
        runner = folder / "run_autograder"  # where Gradescope puts it when it builds the image
        if not (folder / "source" / "run_autograder").is_file():
            raise GradescopeError(f"{zip_path} has no run_autograder at its root")
        shutil.copy(folder / "source" / "run_autograder", runner)
        runner.chmod(0o755)
        if notebook.is_dir():
            shutil.copytree(notebook, folder / "submission", dirs_exist_ok=True, symlinks=True)
        else:
            shutil.copy(notebook, folder / "submission" / notebook.name)
        (folder / "submission_metadata.json").write_text(json.dumps(
            {"id": 0, "created_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "users": [
                {"id": 0, "name": "local trial", "email": ""}], "assignment": {"title": zip_path.stem}}))
        env = {**os.environ, PYTHON_VARIABLE: python or sys.executable, FOLDER_VARIABLE: str(folder)}
        with open(folder / "results" / "stdout", "wb") as stdout:
            subprocess.run([str(runner)], cwd=folder, env=env, stdout=stdout, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
        log = (folder / "results" / "stdout").read_text(errors="replace")
        try:
            document = json.loads((folder / "results" / "results.json").read_text())
        except (OSError, ValueError) as error:
            raise GradescopeError(f"run_autograder wrote no readable results.json ({error}); "
                                  f"its output:\n{log[-3000:]}") from None
        return document, log, (base if keep else None)
    finally:
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------- the zip's scripts

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (Ubuntu): Python
# {python}, torch {torch} as a CPU build, the coursegrade engine with its pinned dependencies,
# and bubblewrap, the sandbox's outer layer. Written by `course export {ps} --gradescope`.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SOURCE=/autograder/source
VENV={venv}
PY=python{python}

apt-get update
apt-get install -y --no-install-recommends bubblewrap ca-certificates
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
  apt-get install -y --no-install-recommends "$PY" "$PY-venv" || {{
    # not in this Ubuntu's own archive (24.04 has 3.12 only): the deadsnakes builds
    apt-get install -y --no-install-recommends software-properties-common gpg-agent
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update
    apt-get install -y --no-install-recommends "$PY" "$PY-venv"
  }}
fi

"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --progress-bar off pip=={pip}
# torch first, the CPU build from PyTorch's own index (PyPI's wheel is the CUDA one)
"$VENV/bin/python" -m pip install --progress-bar off --index-url {index} torch=={torch}
"$VENV/bin/python" -m pip install --progress-bar off -c "$SOURCE/constraints.txt" "$SOURCE/engine/{wheel}"

# The hidden tests and references: root's only. Student code runs as nobody, so even where this
# container lets neither bubblewrap nor Landlock run, it cannot read them.
chmod -R go-rwx "$SOURCE/course"
chmod 0755 "$SOURCE/run_autograder"

# Fail here, once, rather than on every submission.
"$VENV/bin/course" --root "$SOURCE/course" config >/dev/null
"$VENV/bin/python" -c "import torch; print('torch', torch.__version__, 'CUDA' if torch.version.cuda else 'CPU build')"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission, in /autograder: the coursegrade engine grades the
# notebook in submission/ (student code in its sandbox) and writes results/results.json.
#   {folder_variable}  the autograder folder (default /autograder)
#   {python_variable}          the Python whose coursegrade grades (default {venv}/bin/python,
#                               which setup.sh installs); `course gradescope-run` sets both
AUTOGRADER="${{{folder_variable}:-/autograder}}"
PYTHON="${{{python_variable}:-{venv}/bin/python}}"
mkdir -p "$AUTOGRADER/results"
rm -f "$AUTOGRADER/results/results.json"
"$PYTHON" "$AUTOGRADER/source/run_gradescope.py" "$AUTOGRADER"
if [ ! -s "$AUTOGRADER/results/results.json" ]; then
  # the engine could not even start: still a result, so that Gradescope shows words, not a crash
  cat > "$AUTOGRADER/results/results.json" <<'EOF'
{{"score": 0.0, "output": "The grader failed, not your notebook: it could not start. Submit again; if this happens again, tell your instructor.", "output_format": "text", "stdout_visibility": "hidden", "tests": [{{"name": "Grading", "status": "failed", "score": 0.0, "visibility": "visible", "output": "The grader could not start (its log says why)."}}]}}
EOF
fi
exit 0
"""

RUNNER = '''"""Gradescope's run_autograder calls this for every submission: the coursegrade engine grades
the notebook in <autograder>/submission/ and writes <autograder>/results/results.json."""
import sys

if __name__ == "__main__":  # (the engine's grading workers import this file again)
    from coursegrade.authoring.gradescope import run_submission
    sys.exit(run_submission(sys.argv[1] if len(sys.argv) > 1 else "/autograder"))
'''
