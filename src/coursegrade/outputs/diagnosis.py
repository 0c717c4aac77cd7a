"""Known mistakes, recognised by how a submission fails.

Every mutant of an assignment (autograder/<ps>/mutants.py) is a known-wrong implementation with
a `hint` in words a student understands. Grading the solution with one mutant written in gives
the mutant's *failure signature*: per question, the set of hidden tests it does not pass, each
with how it failed (a wrong value, or an error/timeout/crash). A student's failures are matched
against those signatures, question by question; where they match, feedback shows the hint
("this behaves like applying softmax over the wrong axis") and the report counts it.

Matching, per question, best first:
1. the same behaviour: the same tests fail, and each wrong value is the mutant's wrong value.
   Hidden tests use fixed seeds, so an implementation with the mutant's mistake produces the
   mutant's very numbers; the signature keeps a hash of each failure's assertion text for this
   (a hash only: the text, which shows expected values, stays in results.json);
2. the same tests fail (Jaccard similarity of the two sets of tests, |A & B| / |A | B|, at least
   0.75). The hidden suites have two to five tests per question, so 0.75 admits at most one
   differing test, and only when the mistake shows in at least three tests; anything looser
   would give a hint for nearly any failure of a small question. A submission that fails every
   test of a question gets no hint from this rule: most mutants do too, so it tells nothing.
How a test failed is part of the signature: a stub that raises NotImplementedError everywhere
matches no mutant that computes a wrong value.

Signatures are cached in autograded/.mutants/<ps>-<key>.json (and in a cache shared by copies
of the course on the machine), the key a hash of the grading material and the engine: computed
once per version (`course validate` saves them too), reused by every batch.
"""
import hashlib
import json
import os
import re
from pathlib import Path

from coursegrade.content.variants import MUTANT
from coursegrade.core.results import Outcome

THRESHOLD = 0.75
VERSION = 4  # of the cached signature format
MAX_HINTS = 3
# The engine's parts that decide how a failure is reported (outcomes, messages, assertion text).
_ENGINE_LAYERS = ("content", "grading", "inside")
_ENGINE_FILES = ("outputs/diagnosis.py", "authoring/synthetic.py")
_UNDIAGNOSED = (Outcome.PASSED, Outcome.FORBIDDEN, Outcome.UNANSWERED)  # their message says it all
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")     # object reprs differ from run to run
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Failed)\b")
_LOCATION = re.compile(r"\(<[^>]*> line \d+, in [^)]*\)")  # where in the student's cell it raised


def failure_signature(result):
    """{question: {"test" (a wrong value) or "test!outcome": hash of how it failed}}."""
    signature = {}
    for test in result.tests:
        if test.outcome in _UNDIAGNOSED:
            continue
        if test.outcome is Outcome.FAILED:
            item, how = test.test, _hash(_failure_text(test.detail))
        else:
            item, how = f"{test.test}!{test.outcome}", _hash(_LOCATION.sub("", test.message))
        signature.setdefault(test.question, {})[item] = how
    return signature


def _failure_text(detail):
    """The part of a failure report that holds the compared values: pytest's explanation
    lines ("E   ...") in its long style, else the final exception and its message."""
    lines = detail.splitlines()
    explained = [line for line in lines if line.startswith("E ")]
    if explained:
        return "\n".join(explained)
    for index in range(len(lines) - 1, -1, -1):
        if _EXCEPTION.match(lines[index]):
            return "\n".join(lines[index:])
    return detail


def _hash(text):
    return hashlib.sha256(_ADDRESS.sub("", text).encode()).hexdigest()[:16]


def signatures_key(assignment):
    """What signatures depend on: the assignment's grading material and the engine that grades
    it (how a failure is reported). Any change to either computes them again."""
    from coursegrade.grading.batch import material_sha256
    digest = hashlib.sha256(f"v{VERSION}:{material_sha256(assignment)}".encode())
    engine = Path(__file__).resolve().parents[1]
    paths = [engine / name for name in _ENGINE_FILES]
    for layer in _ENGINE_LAYERS:
        paths += sorted((engine / layer).glob("*.py"))
    for path in paths:
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def signatures_paths(course, assignment):
    """The course's own cache, then the machine's (shared by copies of the course, as tests
    and CI make them; COURSE_MUTANT_CACHE or $XDG_CACHE_HOME/coursegrade)."""
    name = f"{assignment.name}-{signatures_key(assignment)}.json"
    shared = os.environ.get("COURSE_MUTANT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "coursegrade")
    return [course.autograded_dir / ".mutants" / name, Path(shared) / "mutants" / name]


def load_signatures(course, assignment):
    """The cached signatures of the assignment's current material, or None."""
    for path in signatures_paths(course, assignment):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data.get("version") == VERSION:
            return data
    return None


def save_signatures(course, assignment, mutants, own_cache=True):
    """Cache `mutants` ([{name, target, hint, signature}]) for the current material: in the
    course's autograded/.mutants (unless not `own_cache`) and in the machine's shared cache."""
    data = {"version": VERSION, "assignment": assignment.name, "key": signatures_key(assignment),
            "mutants": mutants}
    own, shared = signatures_paths(course, assignment)
    for path in (own, shared) if own_cache else (shared,):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"{assignment.name}-*.json") if path == own else ():
                if old != path:
                    old.unlink(missing_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data, indent=1))
            os.replace(temporary, path)
        except OSError:  # the shared cache is a convenience; the course's own is enough
            continue
    return data


def mutant_entries(variants, results_by_name):
    """[{name, target, hint, signature}] from graded mutant submissions keyed by variant name."""
    entries = []
    for variant in variants:
        result = results_by_name.get(variant.name)
        if variant.kind != MUTANT or result is None or not result.graded:
            continue
        entries.append({"name": variant.name, "target": variant.target, "hint": variant.hint,
                        "signature": failure_signature(result)})
    return entries


def diagnose(result, signatures):
    """{question: {"hints": [hint, ...], "elsewhere": [names], "exact": bool}} for the
    questions where `result` fails like a known mistake: `exact` when it fails with the
    mistake's very values; `elsewhere` names the functions the mistakes are in when that is
    not the question's own (a wrong `softmax` also fails `cross_entropy_loss`)."""
    if not signatures or not result.graded:
        return {}
    found = {}
    tests_of = {}
    for test in result.tests:
        tests_of.setdefault(test.question, []).append(test.test)
    for question, mine in failure_signature(result).items():
        ranked = []
        for mutant in signatures.get("mutants", []):
            theirs = mutant["signature"].get(question, {})
            if not theirs or not mutant.get("hint"):
                continue
            similarity = len(mine.keys() & theirs.keys()) / len(mine.keys() | theirs.keys())
            if similarity < THRESHOLD:
                continue
            same = mine == theirs
            if not same and len(mine) == len(tests_of.get(question, ())):
                continue  # fails every check: that alone tells one mistake from another not at all
            ranked.append(((same, similarity, _is_home(mutant, question)), mutant))
        if not ranked:
            continue
        best = max(key for key, _ in ranked)
        chosen = list({m["hint"]: m for key, m in ranked if key == best}.values())[:MAX_HINTS]
        found[question] = {"hints": [m["hint"] for m in chosen],
                           "elsewhere": sorted({m["target"] for m in chosen} - {question}),
                           "exact": best[0]}
    return found


def _is_home(mutant, question):
    """Whether `question` is where the mutant's mistake lives (its target, or the question
    where it fails the most tests) rather than one it merely spills into."""
    if mutant["target"] == question:
        return True
    sizes = {q: len(tests) for q, tests in mutant["signature"].items()}
    return bool(sizes) and max(sizes, key=sizes.get) == question
