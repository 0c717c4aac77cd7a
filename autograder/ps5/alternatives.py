"""Other correct ways to answer ps5: each must get full marks from the hidden suite (a false
rejection otherwise). The Value alternatives differ in how the graph is ordered (Kahn's
algorithm on counts of users; micrograd-style closures with an explicit-stack depth-first
order); the Dual ones in representation (a tuple subclass; functions of a shared helper).
"""
from coursegrade import alternative, alternative_code

alternative_code("Value", "value_kahn_order", '''
import math
from collections import defaultdict


class Value:
    def __init__(self, data, parents=(), locals_=()):
        self.data, self.grad = float(data), 0.0
        self.parents, self.locals_ = tuple(parents), tuple(locals_)

    def _lift(self, other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = self._lift(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __sub__(self, other):
        other = self._lift(other)
        return Value(self.data - other.data, (self, other), (1.0, -1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def __truediv__(self, other):
        other = self._lift(other)
        return Value(self.data / other.data, (self, other),
                     (1.0 / other.data, -self.data / (other.data * other.data)))

    def __pow__(self, c):
        return Value(self.data ** c, (self,), (c * self.data ** (c - 1),))

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,))

    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return self._lift(other) - self

    def __rtruediv__(self, other):
        return self._lift(other) / self

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def log(self):
        return Value(math.log(self.data), (self,), (1.0 / self.data,))

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t ** 2,))

    def relu(self):
        return Value(self.data if self.data > 0 else 0.0, (self,), (float(self.data > 0),))

    def backward(self):
        users, nodes, stack = defaultdict(int), {id(self): self}, [self]
        while stack:                       # every node reachable, and how many edges leave it
            node = stack.pop()
            for p in node.parents:
                users[id(p)] += 1
                if id(p) not in nodes:
                    nodes[id(p)] = p
                    stack.append(p)
        for node in nodes.values():
            node.grad = 0.0
        self.grad = 1.0
        ready = [self]                     # Kahn: a node is done once all its users are
        while ready:
            node = ready.pop()
            for p, d in zip(node.parents, node.locals_):
                p.grad += d * node.grad
                users[id(p)] -= 1
                if users[id(p)] == 0:
                    ready.append(p)
''')

alternative_code("Value", "value_closures", '''
import math


class Value:
    def __init__(self, data, children=()):
        self.data = data
        self.grad = 0
        self._prev = children
        self._backward = lambda: None

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))
        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))
        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, (self,))
        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def _unary(self, value, slope):
        out = Value(value, (self,))
        def _backward():
            self.grad += slope * out.grad
        out._backward = _backward
        return out

    def exp(self):
        return self._unary(math.exp(self.data), math.exp(self.data))

    def log(self):
        return self._unary(math.log(self.data), 1 / self.data)

    def tanh(self):
        t = math.tanh(self.data)
        return self._unary(t, 1 - t * t)

    def relu(self):
        return self._unary(max(0.0, self.data), 1.0 if self.data > 0 else 0.0)

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return (-self) + other

    def __rtruediv__(self, other):
        return Value(other) * self ** -1

    def backward(self):
        topo, visited, stack = [], set(), [(self, iter(self._prev))]
        visited.add(self)
        while stack:                       # depth-first post-order with an explicit stack
            node, children = stack[-1]
            child = next((c for c in children if c not in visited), None)
            if child is None:
                stack.pop()
                topo.append(node)
            else:
                visited.add(child)
                stack.append((child, iter(child._prev)))
        for v in topo:
            v.grad = 0
        self.grad = 1
        for v in reversed(topo):
            v._backward()
''')

alternative_code("Dual", "dual_tuple", '''
import math


class Dual(tuple):
    def __new__(cls, real, dual=0.0):
        return super().__new__(cls, (float(real), float(dual)))

    real = property(lambda self: self[0])
    dual = property(lambda self: self[1])

    @staticmethod
    def of(x):
        return x if isinstance(x, Dual) else Dual(x)

    def __add__(self, o):
        o = Dual.of(o)
        return Dual(self[0] + o[0], self[1] + o[1])

    def __mul__(self, o):
        o = Dual.of(o)
        return Dual(self[0] * o[0], self[0] * o[1] + self[1] * o[0])

    def __neg__(self):
        return Dual(-self[0], -self[1])

    def __sub__(self, o):
        return self + -Dual.of(o)

    def __truediv__(self, o):
        o = Dual.of(o)
        return self * Dual(1 / o[0], -o[1] / o[0] ** 2)

    def __pow__(self, c):
        return Dual(self[0] ** c, c * self[0] ** (c - 1) * self[1])

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, o):
        return Dual.of(o) - self

    def __rtruediv__(self, o):
        return Dual.of(o) / self

    def _apply(self, f, df):
        return Dual(f, df * self[1])

    def exp(self):
        return self._apply(math.exp(self[0]), math.exp(self[0]))

    def log(self):
        return self._apply(math.log(self[0]), 1 / self[0])

    def tanh(self):
        return self._apply(math.tanh(self[0]), 1 - math.tanh(self[0]) ** 2)

    def relu(self):
        return self._apply(max(self[0], 0.0), 1.0 if self[0] > 0 else 0.0)
''')

alternative_code("Dual", "dual_plain_attributes", '''
import math


class Dual:
    def __init__(self, real, dual=0):
        self.real = real
        self.dual = dual

    def __add__(self, other):
        if not isinstance(other, Dual):
            return Dual(self.real + other, self.dual)
        return Dual(self.real + other.real, self.dual + other.dual)

    def __mul__(self, other):
        if not isinstance(other, Dual):
            return Dual(self.real * other, self.dual * other)
        return Dual(self.real * other.real, self.real * other.dual + self.dual * other.real)

    def __sub__(self, other):
        return self + (-1) * other

    def __truediv__(self, other):
        if not isinstance(other, Dual):
            return Dual(self.real / other, self.dual / other)
        return Dual(self.real / other.real,
                    (self.dual * other.real - self.real * other.dual) / other.real ** 2)

    def __pow__(self, n):
        return Dual(self.real ** n, n * self.real ** (n - 1) * self.dual)

    def __neg__(self):
        return Dual(-self.real, -self.dual)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return -self + other

    def __rtruediv__(self, other):
        return Dual(other) / self

    def exp(self):
        return Dual(math.exp(self.real), math.exp(self.real) * self.dual)

    def log(self):
        return Dual(math.log(self.real), self.dual / self.real)

    def tanh(self):
        t = math.tanh(self.real)
        return Dual(t, (1 - t ** 2) * self.dual)

    def relu(self):
        return Dual(self.real, self.dual) if self.real > 0 else Dual(0.0, 0.0)
''')


@alternative("derivative")
def derivative_checks_type(f, x):
    out = f(Dual(float(x), 1.0))
    if isinstance(out, Dual):
        return float(out.dual)
    return 0.0


@alternative("derivative")
def derivative_getattr(f, x):
    return float(getattr(f(Dual(x, 1)), "dual", 0.0))
