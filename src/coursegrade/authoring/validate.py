"""Proof that an assignment is gradeable and fair, in the same sandboxed engine students get:
the solution earns full marks, the release stub zero, every mutant loses points, every
alternative keeps full marks, a monkeypatching cheat earns nothing, and the release leaks nothing.
Besides the hand-written mutants, the gate makes its own from each solution function
(synthetic.automatic_mutants): a constant answer of the right shape (zeros, ones, inf, nan, a
uniform distribution, the first input unchanged) must score 0 on its question, and a function
that takes an `rng` but draws from numpy's global state instead must lose points.
"""
import ast
import io
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from coursegrade.grading.batch import grade_batch
from coursegrade.outputs.diagnosis import mutant_entries, save_signatures
from coursegrade.grading.notebooks import parse_cells
from coursegrade.authoring.release import ReleaseError, find_leaks, release_drift
from coursegrade.grading.sandbox import Limits, SandboxedRun, StudentError, Zygote
from coursegrade.authoring.synthetic import (automatic_mutants, automatic_notebook, cheating_notebook,
                                         question_defining, solution_notebook, starter_notebook, stub_notebook,
                                         variant_notebook, write_batch)
from coursegrade.grading.unanswered import release_answers
from coursegrade.content.variants import ALTERNATIVE, MUTANT, load_variants
from coursegrade.core.results import Outcome


@dataclass
class Verdict:
    kind: str          # solution, stub, cheat, mutant, alternative, constant, rng, release
    name: str
    ok: bool
    score: str = ""    # "earned/max"
    expected: str = ""
    detail: str = ""   # the tests that caught a mutant, or what went wrong
    target: str = ""


@dataclass
class Validation:
    assignment: str
    verdicts: list = field(default_factory=list)
    mutation_scores: dict = field(default_factory=dict)  # question -> (caught, total)
    # the gate's own mutants (automatic_mutants), counted apart from the hand-written ones:
    constant_scores: dict = field(default_factory=dict)  # question -> (scored 0, total)
    rng_scores: dict = field(default_factory=dict)       # question -> (lost points, total)
    skipped: dict = field(default_factory=dict)          # question -> why it has no constants
    seconds: float = 0.0
    mutants: list = field(default_factory=list)  # failure signatures (see diagnosis.py)

    @property
    def ok(self):
        return all(v.ok for v in self.verdicts)

    def failures(self):
        return [v for v in self.verdicts if not v.ok]


REPEATED = 8  # mutants graded twice, besides the solution, to show the suites deterministic


def validate(assignment, workers=None, use_bwrap=None, limits=None):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as background:  # overlaps the grading batch
        release_checks = background.submit(_release_verdicts, assignment, use_bwrap)
        report = _validate_grading(assignment, workers, use_bwrap, limits)
        report.verdicts[1:1] = release_checks.result()
    report.verdicts.append(_unseeded_randomness_verdict(assignment))
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _validate_grading(assignment, workers, use_bwrap, limits):
    report = Validation(assignment.name)
    leaks = find_leaks(assignment)
    report.verdicts.append(Verdict("release", "no leaks", not leaks, expected="nothing secret in release/", detail="; ".join(leaks)))
    variants = load_variants(assignment.material_dir)
    notebooks = {"solution": solution_notebook(assignment), "cheat": cheating_notebook(assignment)}
    starters = []
    if not leaks:
        notebooks["stub"] = stub_notebook(assignment)
        # Grading skips a question left at its starter code; each one is run here, alone in
        # the solution, to prove that running it would have scored 0 too.
        starters = [q for q in assignment.autograded_questions if f"{q}_answer" in release_answers(assignment)]
        for question in starters:
            notebooks[f"starter--{question}"] = starter_notebook(assignment, question)
    for variant in variants:
        notebooks[f"{variant.kind}--{variant.name}"] = variant_notebook(assignment, [variant])
    automatic, report.skipped = automatic_mutants(assignment)
    for generated in automatic:
        notebooks[generated.key] = automatic_notebook(assignment, generated)
    repeated = ["solution"] + [f"{MUTANT}--{v.name}" for v in variants if v.kind == MUTANT][::4][:REPEATED]
    for name in repeated:
        notebooks[f"again--{name}"] = notebooks[name]
    with tempfile.TemporaryDirectory(prefix=f"validate-{assignment.name}-") as folder:
        paths = write_batch(notebooks, Path(folder), assignment.name)
        submissions = [(p.parent.parent.name, p) for p in paths]
        results = grade_batch(assignment.course, assignment, submissions, workers, limits,
                              use_bwrap, out=io.StringIO(), keep_results=False, skip_unanswered=False,
                              verify_oracles=True)
    by_name = {r.student: r for r in results}
    report.verdicts += _judge_reference_runs(by_name)
    report.verdicts += [_judge_starter(q, by_name[f"starter--{q}"]) for q in starters]
    report.verdicts += [_judge_variant(v, by_name[f"{v.kind}--{v.name}"]) for v in variants]
    report.mutation_scores = _mutation_scores(assignment, variants, report.verdicts)
    for generated in automatic:
        verdict = _judge_automatic(generated, by_name[generated.key])
        report.verdicts.append(verdict)
        scores = report.constant_scores if generated.kind == "constant" else report.rng_scores
        done, total = scores.get(generated.question, (0, 0))
        scores[generated.question] = (done + verdict.ok, total + 1)
    report.mutants = mutant_entries(variants, {v.name: by_name[f"{v.kind}--{v.name}"] for v in variants})
    # Grading a batch needs these to recognise known mistakes: keep them in the machine's cache
    # (the course's own folder is the CLI's to write, see cli._validate).
    save_signatures(assignment.course, assignment, report.mutants, own_cache=False)
    report.verdicts.append(_determinism_verdict(by_name, repeated))
    return report


def _outcomes(result):
    return [(t.question, t.test, t.outcome, t.earned) for t in result.tests]


def _determinism_verdict(by_name, repeated):
    differing = [name for name in repeated if _outcomes(by_name[name]) != _outcomes(by_name[f"again--{name}"])]
    return Verdict("determinism", f"{len(repeated)} submissions graded twice", not differing,
                   expected="same outcome for every test",
                   detail=("differ: " + ", ".join(differing)) if differing else "")


def _unseeded_randomness_verdict(assignment):
    """Hidden tests draw from generators with a fixed seed, never from global state."""
    found = []
    for path in sorted(assignment.hidden_dir.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            call = ast.unparse(node.func)
            unseeded_rng = call.endswith("default_rng") and not node.args and not node.keywords
            # a function of the module itself (np.random.normal), not a method of a seeded
            # generator made in the same expression (np.random.default_rng(3).normal)
            owner = ast.unparse(node.func.value) if isinstance(node.func, ast.Attribute) else ""
            global_state = owner in ("np.random", "numpy.random", "random") and \
                node.func.attr not in ("default_rng", "Generator", "SeedSequence", "PCG64")
            if unseeded_rng or global_state:
                found.append(f"{path.name}:{node.lineno} {call}(...)")
    return Verdict("determinism", "hidden tests use seeded generators only", not found,
                   expected="no global or unseeded randomness", detail="; ".join(found))


def _release_verdicts(assignment, use_bwrap):
    """The release is what source/ generates, and its public checks pass on the solution and
    fail on the stub (run in the sandbox, as the students' own code would)."""
    try:
        drift = release_drift(assignment)
    except ReleaseError as error:
        drift = [str(error)[:300]]
    verdicts = [Verdict("release", "in sync with source", not drift,
                        expected="regenerated release identical", detail="; ".join(drift))]
    if not (assignment.release_dir / "checks.py").is_file():
        return verdicts + [Verdict("checks", "public checks", False, detail="release has no checks.py")]
    zygote = Zygote(Limits(call_seconds=30), use_bwrap=use_bwrap,
                    preload=assignment.sandbox_preload, warm_cells=assignment.sandbox_warm_cells).start()
    try:
        for kind, notebook, want in (("solution", solution_notebook(assignment), True),
                                     ("stub", stub_notebook(assignment), False)):
            got = _public_checks_in_sandbox(assignment, zygote, notebook)
            wrong = [q for q, passed in got.items() if passed is not want]
            verdicts.append(Verdict("checks", f"public checks on the {kind}", not wrong,
                                    expected="all pass" if want else "all fail",
                                    detail=("wrong for: " + ", ".join(wrong)) if wrong else ""))
    finally:
        zygote.close()
    return verdicts


def _public_checks_in_sandbox(assignment, zygote, notebook):
    """question -> whether all its public checks pass, with the release's checks.py."""
    sources = [(name, (assignment.release_dir / f"{name}.py").read_text()) for name in ("checking", "checks")]
    loader = ("import sys as _sys, types as _types\n"
              f"for _name, _source in {sources!r}:\n"
              "    _module = _types.ModuleType(_name)\n"
              "    exec(compile(_source, _name + '.py', 'exec'), _module.__dict__)\n"
              "    _sys.modules[_name] = _module\n")
    cells = parse_cells(notebook, assignment).cells + [("release checks", loader)]
    results = {}
    with SandboxedRun(zygote, cells) as run:
        runner = run.define("lambda q: __import__('checks').checks.run(q, raise_on_failure=False)")
        for question in assignment.autograded_questions:
            try:
                results[question] = run.call(runner, [question]) is True
            except StudentError:
                results[question] = False
    return results


def _score(result):
    if not result.graded:
        return f"not graded ({result.reason})"
    return f"{result.total:g}/{result.max_total:g}"


def _full(result):
    return result.graded and result.total == result.max_total


def _failed_tests(result):
    return [f"{t.question}::{t.test}" for t in result.tests if t.outcome is not Outcome.PASSED]


def _judge_reference_runs(by_name):
    verdicts = []
    solution = by_name["solution"]
    verdicts.append(Verdict("solution", "source solution", _full(solution), _score(solution),
                            "full marks", "; ".join(_failed_tests(solution))))
    if "stub" in by_name:
        stub = by_name["stub"]
        scored = [q for q, s in stub.scores.items() if s > 0]
        verdicts.append(Verdict("stub", "release stub", stub.graded and not scored,
                                _score(stub), "zero on every question",
                                ("scores on " + ", ".join(scored)) if scored else ""))
    cheat = by_name["cheat"]
    verdicts.append(Verdict("cheat", "monkeypatches numpy/torch testing helpers",
                            cheat.graded and cheat.total == 0, _score(cheat),
                            "zero"))
    return verdicts


def _judge_starter(question, result):
    earned = result.scores.get(question, 0.0)
    ran = result.tests_of(question)
    ok = result.graded and earned == 0 and bool(ran)
    return Verdict("stub", f"starter code of {question} alone", ok,
                   f"{earned:g}/{result.max_scores.get(question, 0):g}", f"0 on {question}",
                   "" if ok else "passed: " + ", ".join(t.test for t in ran if t.outcome is Outcome.PASSED),
                   question)


def _judge_variant(variant, result):
    if variant.kind == MUTANT:
        caught = result.graded and result.total < result.max_total
        return Verdict(MUTANT, variant.name, caught, _score(result), "loses points",
                       ", ".join(_failed_tests(result)) if caught else "SURVIVED: no test caught it",
                       variant.target)
    full = _full(result)
    return Verdict(ALTERNATIVE, variant.name, full, _score(result), "full marks",
                   "" if full else "falsely rejected by " + ", ".join(_failed_tests(result)),
                   variant.target)


def _judge_automatic(generated, result):
    """A constant answer must score 0 on its question; a global-random one must lose points."""
    question = generated.question
    earned, most = result.scores.get(question, 0.0), result.max_scores.get(question, 0.0)
    score = f"{earned:g}/{most:g}" if result.graded else _score(result)
    passed = [t.test for t in result.tests_of(question) if t.outcome is Outcome.PASSED]
    if generated.kind == "constant":
        ok = result.graded and earned == 0
        expected, detail = f"0 on {question}", "" if ok else "let through by " + ", ".join(passed)
    else:
        ok = result.graded and earned < most
        expected = "loses points"
        detail = "" if ok else "SURVIVED: no test of " + question + " notices np.random used instead of rng"
    return Verdict(generated.kind, generated.name, ok, score, expected, detail, generated.target)


def _mutation_scores(assignment, variants, verdicts):
    """question -> (caught, total) over the mutants whose target the question grades."""
    questions = assignment.autograded_questions
    scores = {}
    for verdict in verdicts:
        if verdict.kind != MUTANT:
            continue
        question = (verdict.target if verdict.target in questions
                    else question_defining(assignment, verdict.target) or _question_of(verdict, questions))
        caught, total = scores.get(question, (0, 0))
        scores[question] = (caught + verdict.ok, total + 1)
    return scores


def _question_of(verdict, questions):
    for part in verdict.detail.split(", "):
        if "::" in part:
            return part.split("::")[0]
    return verdict.target


def format_validation(report):
    lines = [f"{report.assignment}: {'PASS' if report.ok else 'FAIL'} ({report.seconds} s)",
             f"  {'kind':<12} {'name':<44} {'score':>9}  {'expected':<24} result"]
    for v in report.verdicts:
        mark = "ok  " if v.ok else "FAIL"
        lines.append(f"  {v.kind:<12} {v.name[:44]:<44} {v.score:>9}  {v.expected:<24} {mark} {v.detail[:160]}")
    if report.mutation_scores:
        lines.append("  mutation score per question (caught/total): " + ", ".join(
            f"{q} {c}/{t}" for q, (c, t) in sorted(report.mutation_scores.items())))
    if report.constant_scores:
        lines.append("  constant answers scoring 0 per question (zero/total): " + ", ".join(
            f"{q} {c}/{t}" for q, (c, t) in sorted(report.constant_scores.items()))
            + "".join(f"; {q} skipped: {why}" for q, why in sorted(report.skipped.items())))
    if report.rng_scores:
        lines.append("  np.random instead of rng, losing points per question (caught/total): " + ", ".join(
            f"{q} {c}/{t}" for q, (c, t) in sorted(report.rng_scores.items())))
    return "\n".join(lines)
