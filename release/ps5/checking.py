"""Public checks that students run in JupyterLab: ``check("softmax")`` runs every check of one
question against the functions defined in the notebook and prints, per check, pass or fail with
a message that says what to look at; ``check_all()`` prints where every question stands.

This file is public: ``course release`` writes it next to each released notebook, with
``forbidden_calls.json`` (the library calls each question forbids: public rules, not grading
logic). It holds no hidden test; the grade comes from the hidden suites, run elsewhere.

An assignment's ``checks.py`` declares its checks::

    checks = Checks()

    @checks.add("softmax", "each row sums to one")
    def _(softmax):                      # parameters are looked up by name in the notebook
        p = softmax(np.array([[1.0, 2.0, 3.0]]))
        expect(np.allclose(p.sum(axis=-1), 1), f"rows should sum to 1, yours sum to {p.sum(-1)}")

    check = checks.run

The notebook's last cell, `from checks import checks` + `checks.run_all()`, shows where every
question stands.

A failing check raises only where nbgrader executes the notebook (its Validate button and
autograde set NBGRADER_EXECUTION), so that Validate sees the failure; in a student's own "Run
All" every question's checks run and report, and the notebook goes on to the next question.
"""
import inspect
import json
import os
import sys
import time
import traceback

# (run from source text, as the gate does in the sandbox, it has no file and no forbidden calls)
_HERE = os.path.dirname(os.path.abspath(globals().get("__file__", os.devnull)))


class CheckFailed(AssertionError):
    """Raised by ``check`` under nbgrader's execution when a check fails.

    The per-check report is already printed; IPython shows only this one line, not a traceback.
    """

    def _render_traceback_(self):
        return [f"\x1b[31m{self}\x1b[0m"]


class _Expectation(AssertionError):
    pass


class _Forbidden(Exception):
    def __init__(self, name):
        super().__init__(name)
        self.name = name


def expect(condition, message):
    """Fail the current check with `message` (written for the student) unless `condition`."""
    if not condition:
        raise _Expectation(message)


class Checks:
    def __init__(self, forbidden=None):
        self._by_question = {}
        self.forbidden = _forbidden_calls() if forbidden is None else dict(forbidden)

    def add(self, question, description):
        def register(fn):
            self._by_question.setdefault(question, []).append((description, fn))
            return fn
        return register

    def questions(self):
        return list(self._by_question)

    def run(self, question, namespace=None, raise_on_failure=None):
        """Run the checks of `question` and print one line per check. Returns None (so that
        Jupyter prints nothing more); with raise_on_failure=False, whether all passed. A failure
        raises CheckFailed where nbgrader executes the notebook (raise_on_failure=None) or
        always (raise_on_failure=True)."""
        if question not in self._by_question:
            known = ", ".join(self._by_question)
            raise KeyError(f"no checks for {question!r}; this notebook has checks for: {known}")
        namespace = vars(sys.modules["__main__"]) if namespace is None else namespace
        results = self._results(question, namespace)
        passed = sum(ok for ok, _ in results)
        for ok, line in results:
            print(line)
        print(f"{passed}/{len(results)} checks passed for {question}.")
        if raise_on_failure is False:
            return passed == len(results)
        if raise_on_failure is None:
            raise_on_failure = bool(os.environ.get("NBGRADER_EXECUTION"))
        if passed < len(results) and raise_on_failure:
            raise CheckFailed(f"{len(results) - passed} of {len(results)} checks failed for "
                              f"{question}; see the messages above.")

    def run_all(self, namespace=None):
        """One line per question: how many of its checks pass. Never raises."""
        namespace = vars(sys.modules["__main__"]) if namespace is None else namespace
        width = max(map(len, self._by_question), default=0)
        complete = 0
        for question in self._by_question:
            results = self._results(question, namespace)
            passed = sum(ok for ok, _ in results)
            complete += passed == len(results)
            first = next((line for ok, line in results if not ok), "")
            mark = "\u2713" if passed == len(results) else "\u2717"
            print(f"{mark} {question:<{width}}  {passed}/{len(results)} checks pass"
                  + (f"   first failure: {first[2:][:120]}" if first else ""))
        print(f"{complete}/{len(self._by_question)} questions pass all their public checks. "
              "(The grade comes from hidden tests, which check more.)")

    def _results(self, question, namespace):
        with _Guard(self.forbidden.get(question, ()), namespace):
            return [_run_one(description, fn, namespace, question)
                    for description, fn in self._by_question[question]]


def _forbidden_calls():
    """question -> dotted names of library calls it forbids, as `course release` wrote them."""
    try:
        with open(os.path.join(_HERE, "forbidden_calls.json"), encoding="utf-8") as handle:
            found = json.load(handle)
    except (OSError, ValueError):
        return {}
    return {q: [n for n in names if isinstance(n, str)] for q, names in found.items()
            if isinstance(names, list)} if isinstance(found, dict) else {}


class _Guard:
    """While a question's checks run, the library functions it forbids raise instead of working:
    reached through their module (`F.cross_entropy`), or through a name of the notebook bound to
    them (`from torch.nn.functional import cross_entropy`, `ce = F.cross_entropy`). Only modules
    the notebook already imported are touched; everything is put back afterwards."""

    def __init__(self, names, namespace):
        self.names, self.namespace, self.undo = names, namespace, []

    def __enter__(self):
        for dotted in self.names:
            owner, attribute = _resolve(dotted)
            if owner is None:
                continue
            original = getattr(owner, attribute)
            guard = _refusing(dotted, original)
            try:
                setattr(owner, attribute, guard)
            except (AttributeError, TypeError):
                continue
            self.undo.append((owner, attribute, original))
            for name, value in list(self.namespace.items()):
                if value is original:
                    self.namespace[name] = guard
                    self.undo.append((self.namespace, name, original))
        return self

    def __exit__(self, *exc):
        for owner, attribute, original in reversed(self.undo):
            if isinstance(owner, dict):
                owner[attribute] = original
            else:
                setattr(owner, attribute, original)
        self.undo.clear()


def _resolve(dotted):
    """(object holding the last name, the last name) of an already imported dotted name."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:split]))
        if module is None:
            continue
        owner = module
        for part in parts[split:-1]:
            owner = getattr(owner, part, None)
            if owner is None:
                return None, None
        return (owner, parts[-1]) if hasattr(owner, parts[-1]) else (None, None)
    return None, None


def _refusing(dotted, original):
    def refuse(*args, **kwargs):
        raise _Forbidden(dotted)
    refuse.__name__ = getattr(original, "__name__", dotted.rsplit(".", 1)[-1])
    refuse.__wrapped_forbidden__ = original
    return refuse


def _run_one(description, fn, namespace, question):
    names = list(inspect.signature(fn).parameters)
    missing = [n for n in names if n not in namespace]
    if missing:
        return False, (f"\u2717 {description}: {', '.join(missing)} is not defined yet. "
                       "Run the cell with your answer first.")
    start = time.perf_counter()
    try:
        fn(*(namespace[n] for n in names))
    except _Expectation as failure:
        return False, f"\u2717 {description}: {failure}"
    except _Forbidden as forbidden:
        return False, (f"\u2717 {description}: your answer calls {forbidden.name}, which {question} "
                       "does not allow: it does the very work this question asks you to implement. "
                       "The grader gives this question 0 points while it is used.")
    except NotImplementedError:
        return False, f"\u2717 {description}: not implemented yet (the cell still raises NotImplementedError)."
    except Exception as error:  # the student's code raised: say where, briefly
        where = traceback.extract_tb(error.__traceback__)[-1]
        return False, (f"\u2717 {description}: your code raised {type(error).__name__}: {error} "
                       f"(line {where.lineno}, in {where.name})")
    seconds = time.perf_counter() - start
    slow = f" (took {seconds:.1f} s)" if seconds > 1 else ""
    return True, f"\u2713 {description}{slow}"

