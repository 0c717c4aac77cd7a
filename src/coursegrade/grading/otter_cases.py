"""One otter test case run on the trusted side, or in the student's process when it must be.

otter's test files come in two formats, both read and scored by otter's own classes:
OK-format (`OK_FORMAT = True`, doctests: otter's OKTestFile) and plain Python (`OK_FORMAT =
False`, `@test_case` functions: otter's ExceptionTestFile; a case passes when its function
returns without an exception, and its function takes the student's values as arguments named
like the notebook's variables, `env` being the whole namespace).

Each case runs with otter's own `run`, given foreign_cells.StudentGlobals as its globals: the
instructor's imports and the built-ins are the trusted side's, every other name the sandbox's.
A case that cannot run so (foreign_cells.fallback_reasons on its code, or NeedsSandbox while it
runs) runs in the student's process instead, as otter itself would run it, and is marked
untrusted: its result is what that process says.
"""
import ast
import doctest

from coursegrade.core.optional_imports import skip_costly_optional_imports
skip_costly_optional_imports()  # before otter (and nbformat with it) is imported
from otter.test_files.abstract_test import TestCaseResult  # noqa: E402
from otter.test_files.exception_test import ExceptionTestFile  # noqa: E402

from coursegrade.core.errors import StudentError  # noqa: E402
from coursegrade.grading.foreign_cells import NeedsSandbox, StudentGlobals, SubmissionStopped, fallback_reasons

PASSED, FAILED = "✅ Test case passed", "❌ Test case failed\n"  # otter's own words
_RESULT = "__otter_case_result__"


def case_code(test_file, case):
    """The Python code of a test case: its doctest's examples, or its test function."""
    if isinstance(test_file, ExceptionTestFile):
        return _function_source(test_file, case)
    try:
        return "\n".join(e.source for e in doctest.DocTestParser().get_examples(case.body))
    except ValueError:
        return ""  # a malformed doctest fails in otter's own run too


def _function_source(test_file, case):
    """The source of the case's test function, without its @test_case decorator."""
    name = case.body.test_func.__name__
    for node in ast.parse(test_file.source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            node.decorator_list = []
            return ast.unparse(node)
    return ""


def case_fallback(test_file, case):
    """Why the case cannot run on the trusted side, by reading it ([] when it can)."""
    return fallback_reasons(case_code(test_file, case))


def run_case(test_file, case, run, namespace):
    """(otter's TestCaseResult, the reasons it ran in the student's process: [] when trusted)."""
    reasons = case_fallback(test_file, case)
    if not reasons:
        translating = namespace.run
        translating.stopped = translating.refused = None
        try:
            outcome = _otter_run(test_file, case, StudentGlobals(namespace))
        except NeedsSandbox as why:  # (a plain test function lets it through)
            reasons = [str(why)]
        except SubmissionStopped as stop:
            return TestCaseResult(case, FAILED + stop.failure.message, False), []
        else:
            if translating.refused:  # (a doctest caught it as a failure)
                reasons = [translating.refused]
            elif translating.stopped is not None:  # a time-out or crash, caught or not
                return TestCaseResult(case, FAILED + translating.stopped.message, False), []
            else:
                return outcome, []
    passed, message = _run_in_sandbox(test_file, case, run)
    return TestCaseResult(case, PASSED if passed else FAILED + message, passed), reasons


def _otter_run(test_file, case, globals_):
    """otter's own `run` of the file, on this one case."""
    cases = test_file.test_cases
    test_file.test_cases = [case]
    try:
        test_file.run(globals_)
        return test_file.test_case_results[0]
    finally:
        test_file.test_cases = cases


def _run_in_sandbox(test_file, case, run):
    """(passed, message) of the case run in the student's process, as otter runs it there."""
    if isinstance(test_file, ExceptionTestFile):
        code = _FUNCTION_CASE.format(source=_function_source(test_file, case),
                                     name=case.body.test_func.__name__, result=_RESULT)
    else:
        code = _DOCTEST_CASE.format(body=case.body, name=case.name, result=_RESULT)
    try:
        run.execute(f"otter case {case.name} (untrusted)", code)
        said = run.get(_RESULT)
    except StudentError as failure:
        return False, failure.message
    if type(said) is not list or len(said) != 2 or type(said[1]) is not str:
        return False, "the student's process answered something that is no test result"
    return said[0] is True, said[1][-3000:]


# Run in the student's process (the names are kept out of the notebook's namespace but the result).
_DOCTEST_CASE = '''
def __otter_case__(body={body!r}, name={name!r}):
    import contextlib, doctest, io
    examples = [e for e in doctest.DocTestParser().parse(body, name) if isinstance(e, doctest.Example)]
    test = doctest.DocTest(examples, globals(), name, None, None, body)
    runner, out = doctest.DocTestRunner(verbose=False), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        runner.run(test, clear_globs=False, out=out.write)
    return [runner.failures == 0, out.getvalue()]
{result} = __otter_case__()
del __otter_case__
'''

_FUNCTION_CASE = '''
def __otter_case__(source={source!r}, name={name!r}):
    import inspect
    scope = {{}}
    exec(compile(source, name, "exec"), scope)
    env = globals()
    test = scope[name]
    try:
        test(**{{a: (env if a == "env" else env.get(a)) for a in inspect.signature(test).parameters}})
        return [True, ""]
    except Exception as error:
        return [False, type(error).__name__ + ": " + str(error)]
{result} = __otter_case__()
del __otter_case__
'''
