"""Trusted reference implementations for ps5 (automatic differentiation).

Plain Python floats, the notebook's solution. Conventions (docs/course.md, ps5): a `Value` holds
`.data` and `.grad` (0.0 until a backward pass); `backward()` zeroes the gradient of every node
it reaches, seeds the output with 1 and propagates in reverse topological order, so calling it
twice gives the same gradients; relu'(0) = 0. A `Dual` holds `.real` and `.dual`;
`derivative(f, x)` is the `.dual` of `f(Dual(x, 1.0))` (0.0 when f returns a plain number).
"""
import math


class Value:
    """A scalar node of a computational graph, for reverse-mode differentiation."""

    def __init__(self, data, _parents=()):
        self.data = float(data)
        self.grad = 0.0
        self._parents = _parents          # pairs (parent, local derivative d self / d parent)

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = Value._wrap(other)
        return Value(self.data + other.data, ((self, 1.0), (other, 1.0)))

    def __mul__(self, other):
        other = Value._wrap(other)
        return Value(self.data * other.data, ((self, other.data), (other, self.data)))

    def __pow__(self, exponent):
        exponent = float(exponent)
        return Value(self.data ** exponent, ((self, exponent * self.data ** (exponent - 1)),))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Value._wrap(other))

    def __truediv__(self, other):
        return self * Value._wrap(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value._wrap(other) - self

    def __rtruediv__(self, other):
        return Value._wrap(other) / self

    def exp(self):
        e = math.exp(self.data)
        return Value(e, ((self, e),))

    def log(self):
        return Value(math.log(self.data), ((self, 1.0 / self.data),))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, ((self, 1.0 - t * t),))

    def relu(self):
        return Value(max(self.data, 0.0), ((self, 1.0 if self.data > 0 else 0.0),))

    def backward(self):
        # Iterative depth-first post-order: every node comes after all the nodes it depends on.
        # A node is marked when it is expanded, not when it is pushed: a node pushed earlier
        # that a later node also uses is pushed again, so that it comes out before that user.
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for parent, _ in node._parents:
                if id(parent) not in seen:
                    stack.append((parent, False))
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):       # the output first, each node after all its users
            for parent, local in node._parents:
                parent.grad += local * node.grad

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"


class Dual:
    """A dual number real + dual * eps with eps^2 = 0, for forward-mode differentiation."""

    def __init__(self, real, dual=0.0):
        self.real, self.dual = float(real), float(dual)

    @staticmethod
    def _wrap(other):
        return other if isinstance(other, Dual) else Dual(other)

    def __add__(self, other):
        other = Dual._wrap(other)
        return Dual(self.real + other.real, self.dual + other.dual)

    def __sub__(self, other):
        other = Dual._wrap(other)
        return Dual(self.real - other.real, self.dual - other.dual)

    def __mul__(self, other):
        other = Dual._wrap(other)
        return Dual(self.real * other.real, self.real * other.dual + self.dual * other.real)

    def __truediv__(self, other):
        other = Dual._wrap(other)
        return Dual(self.real / other.real,
                    (self.dual * other.real - self.real * other.dual) / (other.real * other.real))

    def __pow__(self, exponent):
        exponent = float(exponent)
        return Dual(self.real ** exponent, exponent * self.real ** (exponent - 1) * self.dual)

    def __neg__(self):
        return Dual(-self.real, -self.dual)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Dual._wrap(other) - self

    def __rtruediv__(self, other):
        return Dual._wrap(other) / self

    def exp(self):
        e = math.exp(self.real)
        return Dual(e, e * self.dual)

    def log(self):
        return Dual(math.log(self.real), self.dual / self.real)

    def tanh(self):
        t = math.tanh(self.real)
        return Dual(t, (1.0 - t * t) * self.dual)

    def relu(self):
        return Dual(max(self.real, 0.0), self.dual if self.real > 0 else 0.0)

    def __repr__(self):
        return f"Dual({self.real}, {self.dual})"


def derivative(f, x):
    """f'(x) by one forward pass of f on the dual number x + 1 eps."""
    y = f(Dual(x, 1.0))
    return y.dual if isinstance(y, Dual) else 0.0
