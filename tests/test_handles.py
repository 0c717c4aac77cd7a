"""Objects of a student's class, graded across the trust boundary: they stay in the sandbox behind
handles, hidden tests combine them with Python's operators (reflected ones too), call their
methods, read plain attributes, and pass them (and the notebook's functions) to other calls.
Nothing of the student's object runs on the trusted side, whatever its class does."""
import math

import numpy as np
import pytest

from coursegrade.grading.sandbox import SandboxedRun, StudentError
from coursegrade.grading.student import RemoteObject, Student

VALUE = '''
import math

class Value:
    """A tiny reverse-mode scalar, as ps5 asks for."""
    def __init__(self, data, parents=(), backward=None):
        self.data, self.grad = float(data), 0.0
        self._parents, self._backward = parents, backward or (lambda: None)

    def _lift(self, other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._lift(other)
        out = Value(self.data + other.data, (self, other))
        def backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = backward
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = Value(self.data * other.data, (self, other))
        def backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def __pow__(self, k):
        out = Value(self.data ** k, (self,))
        def backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def exp(self):
        out = Value(math.exp(self.data), (self,))
        def backward():
            self.grad += out.data * out.grad
        out._backward = backward
        return out

    def backward(self):
        order, seen = [], set()
        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for parent in node._parents:
                    visit(parent)
                order.append(node)
        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node._backward()

def grad_of(f, x):
    v = Value(x)
    out = f(v)
    out.backward()
    return v.grad

def square(v):
    return v * v
'''

HOSTILE = '''
import os

class AlwaysEqual:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__
    def __bool__(self):
        return True

class Shapeshifter:
    def __getattr__(self, name):
        return AlwaysEqual()

class DiesWhenCollected:
    def __del__(self):
        os._exit(0)

class Liar:
    @property
    def data(self):
        raise RuntimeError("no data for you")
    def __repr__(self):
        raise RuntimeError("a repr that raises")

def drop_one():
    DiesWhenCollected()  # collected at once: its __del__ ends the process mid-call
    return 1

def make(kind):
    return {"equal": AlwaysEqual, "shift": Shapeshifter, "die": DiesWhenCollected, "liar": Liar}[kind]()
'''


@pytest.fixture
def student(zygote):
    with SandboxedRun(zygote, [("value", VALUE), ("hostile", HOSTILE)]) as run:
        yield Student(run)


def test_operators_methods_and_attributes_read_naturally(student):
    a, b = student.Value(2.0), student.Value(-3.0)
    assert isinstance(a, RemoteObject) and "Value" in repr(a)
    c = a * b + a          # a shared node: gradients accumulate
    c.backward()
    assert c.data == -4.0 and type(c.data) is float
    assert a.grad == -2.0 and b.grad == 2.0


def test_reflected_operators_run_the_students_reflected_methods(student):
    a = student.Value(4.0)
    for expression, data in ((2 * a, 8.0), (1 - a, -3.0), (1 / a, 0.25), (3 + a, 7.0),
                             (-a, -4.0), (a ** 2, 16.0), (a / 8, 0.5), (a - 1.5, 2.5)):
        assert isinstance(expression, RemoteObject)
        assert math.isclose(expression.data, data)


def test_a_missing_reflected_operator_is_the_students_error(student):
    with pytest.raises(StudentError, match="TypeError"):
        2 ** student.Value(3.0)  # Value has no __rpow__


def test_handles_and_notebook_functions_are_passed_as_arguments(student):
    x = student.Value(3.0)
    y = student.Value(4.0)
    total = x + y
    assert total.data == 7.0
    # a function of the notebook, by its name, and one defined by the test
    assert student.grad_of(student.square, 3.0) == 6.0
    cube = student.function("lambda v: v * v * v")
    assert student.grad_of(cube, 2.0) == 12.0
    uses_notebook = student.function("lambda v: square(v).exp()", notebook=True)
    assert math.isclose(student.grad_of(uses_notebook, 0.5), 2 * 0.5 * math.exp(0.25))
    assert math.isclose(uses_notebook(student.Value(0.5)).data, math.exp(0.25))


def test_a_students_eq_cannot_say_equal_on_the_trusted_side(student):
    liar = student.make("equal")
    assert (liar == 3) is False and (liar == liar) is True
    assert liar != student.make("equal")  # another object: another handle
    with pytest.raises(TypeError):
        bool(liar)  # its __bool__ never runs here
    with pytest.raises(TypeError):
        liar.anything = 1
    got = np.asarray(liar, dtype=object)  # numpy's probes see a plain object
    assert got.shape == () and got.item() is liar


def test_getattr_tricks_give_handles_not_plain_values(student):
    shifty = student.make("shift")
    assert isinstance(shifty.grad, RemoteObject)
    with pytest.raises(AttributeError):
        shifty.__array__  # names with "_" are never looked up in the sandbox
    with pytest.raises((TypeError, AssertionError, ValueError)):
        assert float(shifty.data) == 1.0  # not a number, whatever it claims


def test_raising_properties_and_dying_destructors_are_outcomes(student):
    liar = student.make("liar")
    assert "Liar" in repr(liar)  # the student's __repr__ never runs here
    with pytest.raises(StudentError, match="no data for you"):
        liar.data
    with pytest.raises(StudentError) as died:
        student.drop_one()
    assert died.value.kind == "crashed"
    assert student.Value(1.5).data == 1.5  # a fresh process, the notebook's cells run again


def test_objects_of_one_submission_cannot_be_used_by_another(zygote, student):
    with SandboxedRun(zygote, [("value", VALUE)]) as other_run:
        other = Student(other_run)
        mine = student.Value(1.0)
        with pytest.raises(ValueError, match="another submission"):
            other.square(mine)
