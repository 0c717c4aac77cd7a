"""The `student` object of hidden tests: the submission, reached across the sandbox boundary.

``student.softmax(z)`` sends `z` to the sandbox, calls the student's `softmax` there and returns
the result as plain data. A SymPy answer comes back as text and is rebuilt here by a whitelist
parser (`parse_expression`): never `sympify`, never `eval`.

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

from coursegrade.grading.sandbox import StudentError
from coursegrade.inside.wire import ExpressionText, Handle

MAX_EXPRESSION_CHARS = 20_000
MAX_EXPRESSION_NODES = 5_000
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
        if isinstance(value, (list, tuple)):
            return [_expression_of(v, name, key) for v in value]
        return _expression_of(value, name, key)


class RemoteFunction:
    def __init__(self, run, name):
        self._run, self.__name__ = run, name

    def __call__(self, *args, **kwargs):
        args, kwargs = _handles(self._run, args), _handles(self._run, kwargs)
        return _remote(self._run, self._run.call(self.__name__, args, kwargs))

    def __repr__(self):
        return f"<student's {self.__name__}>"


def _expression_of(value, name, symbols_key):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _sympy().nsimplify(value)
    if not isinstance(value, ExpressionText):
        kind = value.type_name if isinstance(value, Handle) else type(value).__name__
        raise StudentError("error", f"{name} should be a SymPy expression, but it is a {kind}")
    parsed = _parsed(str(value), symbols_key)
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
    and a fixed list of functions. Raises ValueError with a readable reason otherwise."""
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ValueError("the expression is too long")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"{text[:80]!r} is not a formula") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_EXPRESSION_NODES:
        raise ValueError("the expression is too large")
    return _build(tree.body, symbols)


def _build(node, symbols):
    sp = _sympy()
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sp.Integer(node.value) if type(node.value) is int else sp.Float(node.value)
    if isinstance(node, ast.Name):
        if node.id in symbols:
            return symbols[node.id]
        if node.id in ("pi", "E", "I", "oo"):
            return getattr(sp, node.id)
        allowed = ", ".join(sorted(symbols))
        raise ValueError(f"unknown name {node.id!r} (use only the symbols {allowed})")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, symbols)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_build(node.left, symbols), _build(node.right, symbols))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _build(node.left, symbols), _build(node.right, symbols)
        if exponent.is_number and abs(exponent) > 1000:
            raise ValueError("exponent too large")
        return base ** exponent
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTION_NAMES and not node.keywords):
        return getattr(sp, node.func.id)(*(_build(a, symbols) for a in node.args))
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
