"""The `student` object of hidden tests: the submission, reached across the sandbox boundary.

``student.softmax(z)`` sends `z` to the sandbox, calls the student's `softmax` there and returns
the result as plain data. A SymPy answer comes back as text and is rebuilt here by a whitelist
parser (`parse_expression`): never `sympify`, never `eval`. Rebuilding runs in the grading
worker, so it is bounded: by size while building (numbers of at most about a thousand digits,
exponents of at most 1000, no towers of exponentials) and by c.Grading.trusted_work_seconds of
time (core/trusted.py); a formula over either is "too costly to check" and loses only the
check that read it.

Objects of the student's classes never cross: they stay in the sandbox and come back as
`RemoteObject`s, so a test reads naturally::

    a, b = student.Value(2.0), student.Value(-3.0)
    c = a * b + 2 * a          # each operator is applied in the sandbox (reflected ones too)
    c.backward()               # a method call, in the sandbox
    assert c.data == -2.0 and a.grad == -1.0   # attributes that are plain data come back as such

Nothing of the student's object runs on the trusted side: `==` and `hash` are the handle's
identity (a student's `__eq__` cannot say "equal" here), a RemoteObject has no truth value, and
names starting with "_" are not looked up remotely (numpy's and pytest's probes for `__array__`
and the like see a plain object).
"""
import ast
import functools
import math
import re

from coursegrade.core import trusted
from coursegrade.grading.sandbox import StudentError
from coursegrade.inside.wire import ExpressionText, Handle

MAX_EXPRESSION_CHARS = 20_000
MAX_EXPRESSION_NODES = 5_000
MAX_NUMBER_BITS = 3_322   # numbers a formula may hold or build: about a thousand digits
MAX_EXPONENT = 1000       # of a number exponent (CPython's big-integer powers ignore signals)
MAX_ARGUMENT = 1000       # numbers given to factorial and binomial
MAX_GROWTH_DEPTH = 3      # exponents and exp/factorial/binomial arguments nested in one another
_GROWING = frozenset({"exp", "factorial", "binomial"})
_LONG_NUMBER = re.compile(r"\d{1001}")
_FUNCTION_NAMES = ("exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "sinh", "cosh", "Abs", "Max",
                   "Min", "sign", "Heaviside", "factorial", "binomial", "Rational", "KroneckerDelta")
_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
              ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}


@functools.cache
def _sympy():
    """SymPy, imported on first use: half a second of a worker's start that suites without
    symbolic questions need not pay."""
    import sympy
    return sympy


class Student:
    def __init__(self, run):
        self._run = run

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self._run, name)

    def defines(self, name):
        """Whether the notebook defines `name`."""
        return self._run.has(name)

    def value(self, name):
        """The value bound to `name` in the notebook: plain data, or a RemoteObject."""
        return _remote(self._run, self._run.get(name))

    def function(self, source, notebook=False):
        """A function defined in the sandbox from `source` (with `np` and `math` available; with
        `notebook`, the notebook's names too), as a RemoteObject to call or to pass as an
        argument to the student's functions."""
        return _remote(self._run, self._run.define(source, notebook))

    def global_random_state(self):
        """A fingerprint of the sandbox's global random states (numpy's legacy `np.random` and
        the `random` module), to compare before and after a call: a function that takes an
        `rng` must draw from it alone (docs/course.md)."""
        probe = self._run.define("lambda: (__import__('numpy').random.get_state()[1].tolist(), "
                                 "list(__import__('random').getstate()[1]))")
        return self._run.call(probe)

    def expression(self, name, symbols):
        """The SymPy expression (or list of them) bound to `name`, rebuilt with `symbols`:
        {"z0": {"real": True}, ...} - symbol names and their assumptions."""
        value = self._run.get(name)
        key = tuple(sorted((s, tuple(sorted(a.items()))) for s, a in symbols.items()))
        try:  # (the sandbox call above is under its own limits, not this one)
            return trusted.limited("rebuilding it", _expressions_of, value, name, key)
        except trusted.TooCostly as error:
            raise _too_costly(name, error.message) from None


class RemoteFunction:
    def __init__(self, run, name):
        self._run, self.__name__ = run, name

    def __call__(self, *args, **kwargs):
        args, kwargs = _handles(self._run, args), _handles(self._run, kwargs)
        return _remote(self._run, self._run.call(self.__name__, args, kwargs))

    def __repr__(self):
        return f"<student's {self.__name__}>"


class FormulaTooLarge(ValueError):
    """A formula over the size limits: too costly to build on the trusted side."""


def _too_costly(name, why):
    return StudentError("error", f"your formula {name} is too costly to check: {why}; write it "
                        "in a simpler form (as you would on paper)")


def _expressions_of(value, name, symbols_key):
    if isinstance(value, (list, tuple)):
        return [_expression_of(v, name, symbols_key) for v in value]
    return _expression_of(value, name, symbols_key)


def _expression_of(value, name, symbols_key):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, int) and value.bit_length() > MAX_NUMBER_BITS:
            raise _too_costly(name, "it is a number of more than a thousand digits")
        return _sympy().nsimplify(value)
    if not isinstance(value, ExpressionText):
        kind = value.type_name if isinstance(value, Handle) else type(value).__name__
        raise StudentError("error", f"{name} should be a SymPy expression, but it is a {kind}")
    parsed = _parsed(str(value), symbols_key)
    if isinstance(parsed, FormulaTooLarge):
        raise _too_costly(name, str(parsed)) from None
    if isinstance(parsed, ValueError):
        raise StudentError("error", f"{name} could not be read as a formula: {parsed}") from None
    return parsed


@functools.lru_cache(maxsize=1024)  # many submissions send the same formula; SymPy's are immutable
def _parsed(text, symbols_key):
    """The expression `text` rebuilt with the symbols of `symbols_key`, or the ValueError."""
    sp = _sympy()
    symbols = {s: sp.Symbol(s, **dict(assumptions)) for s, assumptions in symbols_key}
    try:
        return parse_expression(text, symbols)
    except ValueError as error:
        return error


def parse_expression(text, symbols):
    """Rebuild a SymPy expression from `text`, allowing only `symbols`, numbers, arithmetic
    and a fixed list of functions. Raises ValueError with a readable reason otherwise
    (FormulaTooLarge for a formula over the size limits), and nothing else."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise FormulaTooLarge(f"it is longer than {MAX_EXPRESSION_CHARS:,} characters")
    if _LONG_NUMBER.search(text):
        raise FormulaTooLarge("it holds a number of more than a thousand digits")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        raise ValueError(f"{text[:80]!r} is not a formula") from None
    except (RecursionError, MemoryError):  # the parser's own limits on nesting
        raise FormulaTooLarge("it is nested too deeply") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_EXPRESSION_NODES:
        raise FormulaTooLarge(f"it has more than {MAX_EXPRESSION_NODES:,} parts")
    try:
        return _build(tree.body, symbols, 0)
    except (ValueError, StudentError):
        raise
    except RecursionError:
        raise FormulaTooLarge("it is nested too deeply") from None
    except Exception as error:  # SymPy's own complaint about a legal-looking formula
        raise ValueError(f"it could not be built ({type(error).__name__}: {str(error)[:120]})") from None


def _bounded(value):
    """`value`, or FormulaTooLarge if it is a number over MAX_NUMBER_BITS."""
    if isinstance(value, _sympy().Rational) and (
            abs(value.p).bit_length() > MAX_NUMBER_BITS or value.q.bit_length() > MAX_NUMBER_BITS):
        raise FormulaTooLarge("it builds a number of more than a thousand digits")
    return value


def _magnitude(number):
    """|number| as a float (inf when too large), or None when it has no finite size."""
    try:
        return abs(complex(number.evalf(15)))
    except (TypeError, ValueError, OverflowError, AttributeError):
        return None


def _power(base, exponent):
    """base ** exponent, unless that builds a number over the limits (before building it:
    one big-integer power can take minutes and cannot be interrupted)."""
    if exponent.is_number:
        size = _magnitude(exponent)
        if size is None or size > MAX_EXPONENT:
            raise FormulaTooLarge("exponent too large")
        if base.is_Rational and base not in (0, 1, -1):
            bits = max(math.log2(abs(base.p)), math.log2(base.q))
            if bits * size > MAX_NUMBER_BITS:
                raise FormulaTooLarge("it builds a number of more than a thousand digits")
    return _bounded(base ** exponent)


def _build(node, symbols, growth):
    sp = _sympy()
    if growth > MAX_GROWTH_DEPTH:
        raise FormulaTooLarge("it nests exponentials (or factorials) more than "
                              f"{MAX_GROWTH_DEPTH} deep")
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        if type(node.value) is int:
            if node.value.bit_length() > MAX_NUMBER_BITS:
                raise FormulaTooLarge("it holds a number of more than a thousand digits")
            return sp.Integer(node.value)
        return sp.Float(node.value)
    if isinstance(node, ast.Name):
        if node.id in symbols:
            return symbols[node.id]
        if node.id in ("pi", "E", "I", "oo"):
            return getattr(sp, node.id)
        allowed = ", ".join(sorted(symbols))
        raise ValueError(f"unknown name {node.id!r} (use only the symbols {allowed})")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, symbols, growth)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _bounded(_OPERATORS[type(node.op)](_build(node.left, symbols, growth),
                                                  _build(node.right, symbols, growth)))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _power(_build(node.left, symbols, growth), _build(node.right, symbols, growth + 1))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTION_NAMES and not node.keywords):
        name = node.func.id
        inner = growth + 1 if name in _GROWING else growth
        args = [_build(a, symbols, inner) for a in node.args]
        if name in ("factorial", "binomial"):
            for arg in args:
                if arg.is_number and ((_magnitude(arg) or float("inf")) > MAX_ARGUMENT):
                    raise FormulaTooLarge(f"{name} of a number larger than {MAX_ARGUMENT}")
        return _bounded(getattr(sp, name)(*args))
    raise ValueError(f"unsupported part of a formula: {ast.unparse(node)[:80]!r}")


class RemoteObject:
    """An object that lives in the sandbox (see the module's docstring)."""
    __slots__ = ("_run", "_handle")

    def __init__(self, run, handle):
        object.__setattr__(self, "_run", run)
        object.__setattr__(self, "_handle", handle)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _remote(self._run, self._run.getattr(self._handle, name))

    def __setattr__(self, name, value):
        raise TypeError("objects of the submission cannot be changed from a hidden test")

    def __call__(self, *args, **kwargs):
        args, kwargs = _handles(self._run, args), _handles(self._run, kwargs)
        return _remote(self._run, self._run.call(self._handle, args, kwargs))

    def __eq__(self, other):
        return isinstance(other, RemoteObject) and other._handle.id == self._handle.id

    def __hash__(self):
        return hash(("remote", self._handle.id))

    def __bool__(self):
        raise TypeError(f"{self!r} has no truth value outside the sandbox: read a plain attribute")

    def __iter__(self):
        raise TypeError(f"{self!r} cannot be iterated outside the sandbox")

    def __repr__(self):
        return f"<sandbox object {self._handle.type_name}>"


def _operator(name, reflected=False):
    def apply(self, *other):
        args = (self, *other)
        if reflected:
            args = args[::-1]
        return _remote(self._run, self._run.operator(name, _handles(self._run, args)))
    apply.__name__ = f"__{'r' if reflected else ''}{name}__"
    return apply


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul"):
    setattr(RemoteObject, f"__{_name}__", _operator(_name))
    setattr(RemoteObject, f"__r{_name}__", _operator(_name, reflected=True))
for _name in ("neg", "pos", "abs", "getitem"):
    setattr(RemoteObject, f"__{_name}__", _operator(_name))


def _remote(run, value):
    """`value` from the sandbox, each Handle in it made a RemoteObject."""
    if isinstance(value, Handle):
        return RemoteObject(run, value)
    if type(value) is list:
        return [_remote(run, v) for v in value]
    if type(value) is tuple:
        return tuple(_remote(run, v) for v in value)
    if type(value) is dict:
        return {k: _remote(run, v) for k, v in value.items()}
    return value


def _handles(run, value):
    """Arguments for the sandbox: RemoteObjects as their handles; a RemoteFunction (a name of the
    notebook, `student.f`) as a handle on what the name is bound to."""
    if isinstance(value, RemoteObject):
        if value._run is not run:
            raise ValueError("an object of another submission cannot be passed here")
        return value._handle
    if isinstance(value, RemoteFunction):
        return run.get(value.__name__)
    if type(value) is list:
        return [_handles(run, v) for v in value]
    if type(value) is tuple:
        return tuple(_handles(run, v) for v in value)
    if type(value) is dict:
        return {k: _handles(run, v) for k, v in value.items()}
    return value
