"""Proof that an assignment is gradeable and fair, in the same sandboxed engine students get:
the solution earns full marks, the release stub zero, every mutant loses points, every
alternative keeps full marks, a monkeypatching cheat earns nothing, and the release leaks nothing.
"""
import io
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.engine.batch import grade_batch
from autograder.engine.release import find_leaks
from autograder.engine.synthetic import (cheating_notebook, solution_notebook, stub_notebook,
                                         variant_notebook, write_batch)
from autograder.engine.variants import ALTERNATIVE, MUTANT, load_variants


@dataclass
class Verdict:
    kind: str          # solution, stub, cheat, mutant, alternative, release
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
    seconds: float = 0.0

    @property
    def ok(self):
        return all(v.ok for v in self.verdicts)

    def failures(self):
        return [v for v in self.verdicts if not v.ok]


def validate(assignment, workers=None, use_bwrap=None, limits=None):
    started = time.monotonic()
    report = Validation(assignment.name)
    leaks = find_leaks(assignment)
    report.verdicts.append(Verdict("release", "no leaks", not leaks, expected="no solution, "
                                   "hidden test or marker in release/", detail="; ".join(leaks)))
    variants = load_variants(assignment.material_dir)
    notebooks = {"solution": solution_notebook(assignment), "cheat": cheating_notebook(assignment)}
    if not leaks:
        notebooks["stub"] = stub_notebook(assignment)
    for variant in variants:
        notebooks[f"{variant.kind}--{variant.name}"] = variant_notebook(assignment, [variant])
    with tempfile.TemporaryDirectory(prefix=f"validate-{assignment.name}-") as folder:
        paths = write_batch(notebooks, Path(folder), assignment.name)
        submissions = [(p.parent.parent.name, p) for p in paths]
        results = grade_batch(assignment.course, assignment, submissions, workers, limits,
                              use_bwrap, out=io.StringIO(), keep_results=False)
    by_name = {r["student"]: r for r in results}
    report.verdicts += _judge_reference_runs(by_name)
    report.verdicts += [_judge_variant(v, by_name[f"{v.kind}--{v.name}"]) for v in variants]
    report.mutation_scores = _mutation_scores(assignment, variants, report.verdicts)
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _score(result):
    if result.get("status") != "graded":
        return f"not graded ({result.get('reason')})"
    return f"{result['total']:g}/{result['max_total']:g}"


def _full(result):
    return result.get("status") == "graded" and result["total"] == result["max_total"]


def _failed_tests(result):
    return [f"{t['question']}::{t['test']}" for t in result.get("tests", []) if t["outcome"] != "passed"]


def _judge_reference_runs(by_name):
    verdicts = []
    solution = by_name["solution"]
    verdicts.append(Verdict("solution", "source solution", _full(solution), _score(solution),
                            "full marks", "; ".join(_failed_tests(solution))))
    if "stub" in by_name:
        stub = by_name["stub"]
        scored = [q for q, s in stub.get("scores", {}).items() if s > 0]
        verdicts.append(Verdict("stub", "release stub", stub.get("status") == "graded" and not scored,
                                _score(stub), "zero on every question",
                                ("scores on " + ", ".join(scored)) if scored else ""))
    cheat = by_name["cheat"]
    verdicts.append(Verdict("cheat", "monkeypatches numpy/torch testing helpers",
                            cheat.get("status") == "graded" and cheat["total"] == 0, _score(cheat),
                            "zero"))
    return verdicts


def _judge_variant(variant, result):
    if variant.kind == MUTANT:
        caught = result.get("status") == "graded" and result["total"] < result["max_total"]
        return Verdict(MUTANT, variant.name, caught, _score(result), "loses points",
                       ", ".join(_failed_tests(result)) if caught else "SURVIVED: no test caught it",
                       variant.target)
    full = _full(result)
    return Verdict(ALTERNATIVE, variant.name, full, _score(result), "full marks",
                   "" if full else "falsely rejected by " + ", ".join(_failed_tests(result)),
                   variant.target)


def _mutation_scores(assignment, variants, verdicts):
    """question -> (caught, total) over the mutants whose target the question grades."""
    questions = assignment.autograded_questions
    scores = {}
    for verdict in verdicts:
        if verdict.kind != MUTANT:
            continue
        question = verdict.target if verdict.target in questions else _question_of(verdict, questions)
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
    return "\n".join(lines)
