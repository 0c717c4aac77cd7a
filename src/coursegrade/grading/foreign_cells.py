"""Running a foreign grader's test cell (nbgrader's asserts, otter's doctests) on the TRUSTED side,
against the student's namespace in the sandbox.

nbgrader and otter run a test cell in the student's kernel, where one line of the submission
(`numpy.testing.assert_allclose = lambda *a, **k: None`) passes every test. Here the cell is
executed in this process with `exec(code, TrustedGlobals, StudentNamespace)`:

- every name the cell reads that the cell itself did not bind is looked up in the sandbox
  (`run.get`): plain data comes back as data, anything else (a function, an object) as a
  RemoteObject whose calls, attributes and operators are answered in the sandbox;
- names of the instructor's imports (every `import` of the source notebook) and built-in names
  resolve on the trusted side first, so a submission that rebinds `np`, `all` or
  `AssertionError`, or patches numpy in its own process, changes nothing the test uses (a
  built-in name the source's solution cells define, `def sum(...)`, is the student's);
- assigning a name the sandbox has (`squares = orig_squares`) or deleting one (`del squares`)
  does so in the sandbox; any other name a cell binds stays here (a test's expected values
  never reach the student's process);
- an exception raised in the sandbox arrives as the same built-in type (`ValueError`,
  `NameError`, the first built-in base of a student's own class), so `try/except` in a test
  behaves as in the kernel; a time-out, a crash or the memory limit cannot be caught by the
  cell (it is a BaseException, and the cell fails whatever it catches).

Python 3.11's exec looks names of the cell's top level up in `locals` (the proxy) and names
inside the cell's functions, lambdas and comprehensions in `globals`, a dict subclass whose
`__missing__` asks the proxy.

A cell that cannot run this way runs in the sandbox instead, and its result is marked
untrusted (`fallback_reasons` says why, by reading the cell; a cell can also ask for it while
it runs, by binding a name of the notebook to a trusted-side function, or by a call that changes
its arguments in place):
object identity (`is` between two values that are not constants, `id()`), type tests against a
bare name of the notebook (`isinstance(v, Vector)`: a student's class), a class defined in the
cell, and `global`/`nonlocal` statements; while running: a call that passes a function of the
test to the student's code, a call that changes its arguments in place, binding a name of the
notebook to something of the test that cannot cross, and reading a file the student's code
wrote.
"""
import ast
import builtins
import functools
import importlib.util
import sys
from collections.abc import MutableMapping

import numpy as np

from coursegrade.core.errors import StudentError
from coursegrade.grading.student import RemoteObject, _handles, _remote
from coursegrade.inside.wire import Handle

BUILTIN_NAMES = frozenset(dir(builtins))
_BUILTIN_EXCEPTIONS = {name: getattr(builtins, name) for name in BUILTIN_NAMES
                       if isinstance(getattr(builtins, name), type)
                       and issubclass(getattr(builtins, name), Exception)}
_TYPE_TESTS = frozenset({"isinstance", "issubclass", "id"})
_CONSTANTS = (type(None), bool, type(Ellipsis))


class SubmissionStopped(BaseException):
    """The student's process timed out, crashed or ran out of memory during a test cell's call:
    not an exception a test cell can catch (BaseException), and the cell fails regardless."""

    def __init__(self, failure):
        super().__init__(failure.message)
        self.failure = failure


class NeedsSandbox(BaseException):
    """The cell turned out to need the student's own process (see the module's docstring)."""


class StudentException(Exception):
    """A student's exception of a class with no built-in base but Exception."""


def fallback_reasons(code):
    """Why the cell `code` cannot run on the trusted side, in words ([] when it can)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # it fails either way; on the trusted side it fails without running anything
    reasons = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            operands = [node.left, *node.comparators]
            if sum(not (isinstance(o, ast.Constant) and isinstance(o.value, _CONSTANTS))
                   for o in operands) > 1:
                reasons.append("compares objects by identity (`is`)")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _TYPE_TESTS:
            # isinstance(x, float), isinstance(x, np.ndarray): answered here, values being plain;
            # against a bare name of the notebook (a student's class) it needs the student's process
            if node.func.id == "id" or any(isinstance(n, ast.Name) and n.id not in BUILTIN_NAMES
                                           and not _in_attribute(n, node) for n in
                                           ast.walk(node.args[1] if len(node.args) > 1 else node)
                                           if n is not node.func):
                reasons.append(f"asks for the type or identity of a value (`{node.func.id}()`)")
        elif isinstance(node, ast.ClassDef):
            reasons.append("defines a class")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            reasons.append("uses global or nonlocal")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for module in _imported(node):
                if not _installed(module):
                    reasons.append(f"imports `{module}`, which the grader does not have (a file of "
                                   "the submission or of the assignment's folder)")
    return sorted(set(reasons))


def _imported(node):
    """The top-level modules an import statement imports ('.' for a relative import)."""
    if isinstance(node, ast.ImportFrom):
        return ["." if node.level else node.module.split(".")[0]]
    return [alias.name.split(".")[0] for alias in node.names]


@functools.lru_cache(maxsize=256)
def _installed(module):
    """Whether the trusted side can import `module` itself (nose: provide_nose_tools gives it)."""
    if module == "." or module not in sys.modules and module != "nose" and \
            importlib.util.find_spec(module) is None:
        return False
    return True


def provide_nose_tools():
    """nose.tools, for the many nbgrader courses whose test cells import it, where nose is not
    installed (nose does not run on Python 3.10+): what nose.tools was, unittest.TestCase's
    assert methods under PEP 8 names (assert_equal, assert_raises...), plus ok_ and eq_. Only on
    the trusted side, and only when no real nose can be imported."""
    if "nose.tools" in sys.modules or importlib.util.find_spec("nose") is not None:
        return
    import re
    import types
    import unittest
    case = unittest.TestCase("__init__")
    case.maxDiff = None
    tools = types.ModuleType("nose.tools")
    for name in dir(case):
        if name.startswith("assert") and "_" not in name:
            setattr(tools, re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name), getattr(case, name))

    def ok_(expr, msg=None):
        if not expr:
            raise AssertionError(msg)

    def eq_(a, b, msg=None):
        if not a == b:
            raise AssertionError(msg or f"{a!r} != {b!r}")
    tools.ok_, tools.eq_ = ok_, eq_
    nose = types.ModuleType("nose")
    nose.tools = tools
    sys.modules["nose"], sys.modules["nose.tools"] = nose, tools


def _in_attribute(name, call):
    """Whether the Name node `name` is the root of an attribute chain (np.ndarray) in `call`."""
    return any(isinstance(n, ast.Attribute) and n.value is name for n in ast.walk(call))


def instructor_imports(sources):
    """name -> module (or object) bound by the `import` statements of the instructor's cells,
    imported here, on the trusted side. An import that fails here is left out (the test then
    reads that name from the sandbox)."""
    provide_nose_tools()
    bound = {}
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                scope = {}
                try:
                    exec(compile(ast.Module([node], []), "<instructor import>", "exec"), scope)
                except Exception:
                    continue
                bound.update({k: v for k, v in scope.items() if k != "__builtins__"})
    return bound


class TranslatingRun:
    """A SandboxedRun whose failures arrive as Python exceptions a test cell understands."""

    def __init__(self, run):
        self.run = run
        run.plain_bases = True  # a student's list subclass comes back as the list it holds
        self.stopped = None      # the StudentError that stopped the process during this cell
        self.changed = False     # whether the cell set or deleted a name in the sandbox
        self.refused = None      # why the cell needs the student's process (kept here too: a
                                 # doctest runner catches every exception, NeedsSandbox too)

    def refuse(self, reason):
        self.refused = reason
        return NeedsSandbox(reason)

    def _do(self, method, *args):
        try:
            return getattr(self.run, method)(*args)
        except StudentError as failure:
            raise self._translated(failure) from None

    def _translated(self, failure):
        raised = getattr(failure, "raised", None)
        if failure.kind == "failed":  # (ModifiedInput: the engine's own rule, not nbgrader's)
            return self.refuse("makes a call that changes its arguments in place")
        if failure.kind != "error" or raised is None:
            self.stopped = failure
            return SubmissionStopped(failure)
        name, message, bases = raised
        for base in bases:
            if base in _BUILTIN_EXCEPTIONS:
                if base == "NameError" and message.endswith(" is not defined in the notebook"):
                    message = message[:-len(" in the notebook")]
                error = _BUILTIN_EXCEPTIONS[base](message)
                error.student_type = name
                return error
        return StudentException(f"{name}: {message}")

    def call(self, target, args=(), kwargs=None):
        if not _crosses_wire(args) or not _crosses_wire(kwargs or {}):
            raise self.refuse("passes a function or object of the test to the student's code")
        return self._do("call", target, args, kwargs)

    def operator(self, name, args):
        if not _crosses_wire(args):
            raise self.refuse("applies an operator to an object of the test and one of the student's")
        return self._do("operator", name, args)

    def get(self, name):
        return self._do("get", name)

    def getattr(self, handle, name):
        return self._do("getattr", handle, name)

    def set(self, name, value):
        self.changed = True
        return self._do("set", name, value)

    def delete(self, name):
        self.changed = True
        return self._do("delete", name)


def _crosses_wire(value):
    """Whether `value`, RemoteObjects already made handles (student._handles), can be sent."""
    return _crosses(value) if not isinstance(value, Handle) else True


def _crosses(value, depth=0):
    """Whether `value` can be sent to the sandbox: plain data or handles on the student's own
    objects (never a trusted-side function, module or class)."""
    if depth > 32:
        return False
    if value is None or isinstance(value, (bool, int, float, complex, str, np.generic, RemoteObject, Handle)):
        return True
    if type(value) is np.ndarray:
        return value.dtype.kind in "biufc"
    if type(value) in (list, tuple):
        return all(_crosses(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(isinstance(k, (str, int, float, bool)) and _crosses(v, depth + 1)
                   for k, v in value.items())
    return False


class StudentNamespace(MutableMapping):
    """The local namespace of a trusted-side test cell (see the module's docstring)."""

    def __init__(self, run, trusted_names=None, student_builtins=()):
        self.run = TranslatingRun(run)
        self.trusted = dict(trusted_names or {})   # names bound on this side
        self.student_builtins = frozenset(student_builtins)
        self.remote = set()                         # names known to be the sandbox's

    def __getitem__(self, name):
        if name in self.trusted:
            return self.trusted[name]
        if name in BUILTIN_NAMES and name not in self.student_builtins:
            raise KeyError(name)  # exec goes on to the trusted builtins
        if name.startswith("__") and name.endswith("__"):
            raise KeyError(name)  # __name__, __doc__...: the trusted side's
        try:
            value = self.run.get(name)
        except NameError:
            raise KeyError(name) from None
        self.remote.add(name)
        if isinstance(value, Handle) and value.type_name == "module":
            module = self._same_module(value)
            if module is not None:
                return module
        return _remote(self.run, value)

    def _same_module(self, handle):
        """A module the student's namespace holds, as this process has it already imported: a
        test's `np.testing` is numpy's own, whatever the student did to theirs. Only modules
        imported here already (importing one by a name the student chose could run anything
        installed, `antigravity` opening a browser)."""
        try:
            name = self.run.getattr(handle, "__name__")
        except Exception:
            return None
        return sys.modules.get(name) if isinstance(name, str) else None

    def __setitem__(self, name, value):
        if name in self.remote or (name not in self.trusted and self._sandbox_has(name)):
            if not _crosses(value):
                raise self.run.refuse(f"binds the notebook's name {name!r} to a "
                                      f"{type(value).__name__} of the test")
            self.trusted.pop(name, None)
            self.run.set(name, _handles(self.run, value))
            self.remote.add(name)
        else:
            self.trusted[name] = value

    def _sandbox_has(self, name):
        try:
            return self.run.run.has(name)
        except StudentError as failure:
            raise self.run._translated(failure) from None

    def __delitem__(self, name):
        if name in self.trusted:
            del self.trusted[name]
            return
        self.run.delete(name)  # NameError when it has no such name, as `del` says
        self.remote.add(name)

    def __iter__(self):
        return iter(self.trusted)

    def __len__(self):
        return len(self.trusted)


class TrustedGlobals(dict):
    """The globals of a trusted-side cell: the trusted builtins, and every other name from the
    namespace proxy (names read inside the cell's functions and comprehensions)."""

    def __init__(self, namespace):
        super().__init__(__builtins__=builtins.__dict__, __name__="__main__")
        self.namespace = namespace

    def __missing__(self, name):
        return self.namespace[name]


class StudentGlobals(dict):
    """The student's namespace as a dict, for code that is given a globals dict and runs it
    itself (otter's doctests): reads go to the trusted side's own names, then the sandbox;
    writes and deletions to the namespace proxy. `copy()` is itself (doctest copies its globals)."""

    def __init__(self, namespace):
        super().__init__(__builtins__=builtins.__dict__, __name__="__main__")
        self.namespace = namespace

    def __missing__(self, name):
        return self.namespace[name]

    def __setitem__(self, name, value):
        self.namespace[name] = value

    def __delitem__(self, name):
        del self.namespace[name]

    def __contains__(self, name):
        return dict.__contains__(self, name) or name in self.namespace.trusted

    def get(self, name, default=None):  # (otter's test functions take their arguments so)
        try:
            return self[name]
        except KeyError:
            return default

    def copy(self):
        return self


def run_trusted(code, namespace, name="test cell"):
    """Execute test cell `code` against `namespace` (a StudentNamespace). Returns (passed,
    value of its last expression or None, error text); raises NeedsSandbox when the cell turns
    out to need the student's process."""
    namespace.run.stopped, namespace.run.changed = None, False
    try:
        tree = ast.parse(code, f"<{name}>")
    except SyntaxError as error:
        return False, None, f"SyntaxError: {error}"
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    scope = TrustedGlobals(namespace)
    value = None
    try:
        exec(compile(tree, f"<{name}>", "exec"), scope, namespace)
        if last is not None:
            value = eval(compile(last, f"<{name}>", "eval"), scope, namespace)
    except NeedsSandbox:
        raise
    except FileNotFoundError as error:
        if getattr(error, "student_type", None) is None:  # a file the student's code wrote, read here
            raise NeedsSandbox("reads a file of the student's folder") from None
        return False, None, f"FileNotFoundError: {str(error)[:500]}"
    except SubmissionStopped as stop:
        return False, None, stop.failure.message
    except BaseException as error:  # the test failed (a wrong value, or the student's error)
        if isinstance(error, KeyboardInterrupt):
            raise
        if namespace.run.stopped is not None:
            return False, None, namespace.run.stopped.message
        text = f"{type(error).__name__}: {str(error)[:500]}"
        if getattr(error, "student_type", None) == "NameError":
            bound = [n for n in namespace.trusted if f"'{n}'" in str(error)]
            if bound:  # nbgrader's kernel would have had the test's own variable there
                text += (f" (the student's code reads {bound[0]!r} as a global, which this test cell "
                         "binds: test values stay on the trusted side and never reach the student)")
        return False, None, text
    if namespace.run.stopped is not None:  # caught by a bare `except:` in the cell: still a failure
        return False, None, namespace.run.stopped.message
    return True, value, ""


def displayed_text(value):
    """What Jupyter would show as the cell's text/plain result (None: no result shown)."""
    if value is None:
        return None
    if isinstance(value, RemoteObject):
        return repr(value)
    try:
        return repr(value)[:1000]
    except Exception:
        return "?"


def run_in_sandbox(code, run, name="test cell"):
    """Execute `code` in the student's process (the untrusted fallback). Returns (passed, text of
    its last expression's value or None, error text)."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        return False, None, f"SyntaxError: {error}"
    holder = "__foreign_cell_value__"
    shown = bool(tree.body) and isinstance(tree.body[-1], ast.Expr)
    if shown:
        tree.body[-1] = ast.Assign([ast.Name(holder, ast.Store())], tree.body[-1].value, lineno=0)
        ast.fix_missing_locations(tree)
    try:
        run.execute(name, ast.unparse(tree))
        if not shown:
            return True, None, ""
        probe = run.define(f"lambda: (lambda v: None if v is None else repr(v)[:1000])"
                           f"(globals().get({holder!r}))", notebook=True)
        text = run.call(probe)
        return True, text if isinstance(text, str) else None, ""
    except StudentError as failure:
        return False, None, failure.message
