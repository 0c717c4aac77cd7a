"""Public checks that students run in JupyterLab: ``check("softmax")`` runs every check of one
question against the functions defined in the notebook and prints, per check, pass or fail with
a message that says what to look at.

This file is public: ``course release`` ships it next to each released notebook. It holds no
hidden test and no grading logic; the grade comes from the hidden suites, run elsewhere.

An assignment's ``checks.py`` declares its checks::

    checks = Checks()

    @checks.add("softmax", "each row sums to one")
    def _(softmax):                      # parameters are looked up by name in the notebook
        p = softmax(np.array([[1.0, 2.0, 3.0]]))
        expect(np.allclose(p.sum(axis=-1), 1), f"rows should sum to 1, yours sum to {p.sum(-1)}")

    check = checks.run
"""
import inspect
import sys
import time
import traceback


class CheckFailed(AssertionError):
    """Raised by ``check`` when a check fails, so that nbgrader's Validate sees the failure.

    The per-check report is already printed; IPython shows only this one line, not a traceback.
    """

    def _render_traceback_(self):
        return [f"\x1b[31m{self}\x1b[0m"]


class _Expectation(AssertionError):
    pass


def expect(condition, message):
    """Fail the current check with `message` (written for the student) unless `condition`."""
    if not condition:
        raise _Expectation(message)


class Checks:
    def __init__(self):
        self._by_question = {}

    def add(self, question, description):
        def register(fn):
            self._by_question.setdefault(question, []).append((description, fn))
            return fn
        return register

    def questions(self):
        return list(self._by_question)

    def run(self, question, namespace=None, raise_on_failure=True):
        """Run the checks of `question` and print one line per check. Returns None (so that
        Jupyter prints nothing more); with raise_on_failure=False, whether all passed."""
        if question not in self._by_question:
            known = ", ".join(self._by_question)
            raise KeyError(f"no checks for {question!r}; this notebook has checks for: {known}")
        namespace = vars(sys.modules["__main__"]) if namespace is None else namespace
        results = [_run_one(description, fn, namespace)
                   for description, fn in self._by_question[question]]
        passed = sum(ok for ok, _ in results)
        for ok, line in results:
            print(line)
        print(f"{passed}/{len(results)} checks passed for {question}.")
        if not raise_on_failure:
            return passed == len(results)
        if passed < len(results):
            raise CheckFailed(f"{len(results) - passed} of {len(results)} checks failed for "
                              f"{question}; see the messages above.")


def _run_one(description, fn, namespace):
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
    except NotImplementedError:
        return False, f"\u2717 {description}: not implemented yet (the cell still raises NotImplementedError)."
    except Exception as error:  # the student's code raised: say where, briefly
        where = traceback.extract_tb(error.__traceback__)[-1]
        return False, (f"\u2717 {description}: your code raised {type(error).__name__}: {error} "
                       f"(line {where.lineno}, in {where.name})")
    seconds = time.perf_counter() - start
    slow = f" (took {seconds:.1f} s)" if seconds > 1 else ""
    return True, f"\u2713 {description}{slow}"
