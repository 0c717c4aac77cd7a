"""Known-wrong implementations of ps5's answers: each must lose points under the hidden suite.

The Value and Dual mutants are the reference class (reference.py, the notebook's solution) with
one mistake edited in; each edit must apply exactly where it is meant to, so a change of the
reference cannot silently turn a mutant into a correct class.
"""
import ast
from pathlib import Path

from coursegrade import mutant, mutant_code


def _reference_class(name):
    path = Path(__file__).with_name("reference.py")
    text = path.read_text()
    for node in ast.parse(text).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return "\n".join(text.splitlines()[node.lineno - 1:node.end_lineno]) + "\n"
    raise LookupError(f"{path} defines no class {name}")


def edited(target, name, hint, *edits):
    """The reference class `target` with `edits` ((old, new, count): `old` occurs `count` times)."""
    source = _reference_class(target)
    for old, new, count in edits:
        found = source.count(old)
        if found != count:
            raise ValueError(f"mutant {name}: {old!r} occurs {found} times in the reference, not {count}")
        source = source.replace(old, new)
    mutant_code(target, name, source, hint)


# --- Value ------------------------------------------------------------------------------------

edited("Value", "value_grad_overwritten",
       "a node's gradient is overwritten (=) instead of accumulated (+=): a node used by several "
       "others keeps only the last path's contribution",
       ("parent.grad += local * node.grad", "parent.grad = local * node.grad", 1))

edited("Value", "value_wrong_topological_order",
       "the nodes are processed in the order found (output first, then depth first) instead of "
       "reverse topological order: a shared node passes its gradient on before all its users "
       "have added theirs",
       ("for node in reversed(order):", "for node in [self] + [n for n in reversed(order) if n is not self][::-1]:", 1))

edited("Value", "value_no_reflected_subtraction",
       "1 - a is computed as a - 1 (__rsub__ written like __sub__): the reflected operator must "
       "put the number on the left",
       ("return Value._wrap(other) - self", "return self - other", 1))

edited("Value", "value_tanh_derivative_one_minus_tanh",
       "tanh'(x) is written 1 - tanh(x); it is 1 - tanh(x)^2",
       ("return Value(t, ((self, 1.0 - t * t),))", "return Value(t, ((self, 1.0 - t),))", 1))

edited("Value", "value_pow_exponent_off_by_one",
       "d/dx x^c is written c x^c; it is c x^(c - 1)",
       ("exponent * self.data ** (exponent - 1)", "exponent * self.data ** exponent", 1))

edited("Value", "value_relu_derivative_one_at_zero",
       "relu'(0) is taken as 1; the convention (torch's) is 0 at 0",
       ("1.0 if self.data > 0 else 0.0", "1.0 if self.data >= 0 else 0.0", 1))

edited("Value", "value_log_derivative_wrong",
       "log'(x) is written log(x); it is 1/x",
       ("((self, 1.0 / self.data),)", "((self, math.log(self.data)),)", 1))

edited("Value", "value_backward_does_not_reset",
       "backward() does not zero the gradients first: a second call doubles them (the contract "
       "asks for the same gradients however many times it is called)",
       ("        for node in order:\n            node.grad = 0.0\n", "", 1))

edited("Value", "value_mul_local_derivative_swapped",
       "the product rule is applied with the derivatives swapped: d(ab)/da is b, not a",
       ("((self, other.data), (other, self.data))", "((self, self.data), (other, other.data))", 1))

edited("Value", "value_recursive_topological_order",
       "the topological order is built recursively: a deep chain (thousands of nodes) hits "
       "Python's recursion limit",
       ("        order, seen, stack = [], set(), [(self, False)]\n"
        "        while stack:\n"
        "            node, expanded = stack.pop()\n"
        "            if expanded:\n"
        "                order.append(node)\n"
        "                continue\n"
        "            if id(node) in seen:\n"
        "                continue\n"
        "            seen.add(id(node))\n"
        "            stack.append((node, True))\n"
        "            for parent, _ in node._parents:\n"
        "                if id(parent) not in seen:\n"
        "                    stack.append((parent, False))\n",
        "        order, seen = [], set()\n"
        "        def visit(node):\n"
        "            if id(node) not in seen:\n"
        "                seen.add(id(node))\n"
        "                for parent, _ in node._parents:\n"
        "                    visit(parent)\n"
        "                order.append(node)\n"
        "        visit(self)\n", 1))

edited("Value", "value_division_gradient_sign",
       "the quotient's gradient with respect to the denominator has the wrong sign",
       ("return self * Value._wrap(other) ** -1",
        "other = Value._wrap(other)\n"
        "        return Value(self.data / other.data, ((self, 1.0 / other.data), (other, self.data / other.data ** 2)))", 1))


# --- Dual -------------------------------------------------------------------------------------

edited("Dual", "dual_product_rule_wrong",
       "the dual part of a product is a.dual * b.dual; the product rule gives a.real b.dual + a.dual b.real",
       ("self.real * other.dual + self.dual * other.real", "self.dual * other.dual", 1))

edited("Dual", "dual_quotient_rule_sign",
       "the quotient rule with a plus: (a/b)' = (a' b - a b') / b^2",
       ("(self.dual * other.real - self.real * other.dual)", "(self.dual * other.real + self.real * other.dual)", 1))

edited("Dual", "dual_pow_exponent_off_by_one",
       "d/dx x^c is written c x^c; it is c x^(c - 1)",
       ("exponent * self.real ** (exponent - 1) * self.dual", "exponent * self.real ** exponent * self.dual", 1))

edited("Dual", "dual_chain_rule_forgotten",
       "exp's dual part is exp(x), forgetting the chain rule's factor (the dual part of x)",
       ("return Dual(e, e * self.dual)", "return Dual(e, e)", 1))

edited("Dual", "dual_no_reflected_subtraction",
       "1 - a is computed as a - 1 (__rsub__ written like __sub__)",
       ("return Dual._wrap(other) - self", "return self - other", 1))

edited("Dual", "dual_tanh_derivative_one_minus_tanh",
       "tanh'(x) is written 1 - tanh(x); it is 1 - tanh(x)^2",
       ("(1.0 - t * t) * self.dual", "(1.0 - t) * self.dual", 1))

edited("Dual", "dual_log_derivative_wrong",
       "log's dual part is x'/x; this uses x' * x",
       ("self.dual / self.real)", "self.dual * self.real)", 1))


# --- derivative -------------------------------------------------------------------------------

@mutant("derivative", hint="the input's dual part is 0: nothing is differentiated, every derivative comes out 0")
def derivative_not_seeded(f, x):
    y = f(Dual(x, 0.0))
    return y.dual if isinstance(y, Dual) else 0.0


@mutant("derivative", hint="this returns the real part f(x), not the dual part f'(x)")
def derivative_returns_value(f, x):
    y = f(Dual(x, 1.0))
    return y.real if isinstance(y, Dual) else float(y)


@mutant("derivative", hint="a finite difference (f(x + h) - f(x)) / h is an approximation; forward mode gives the exact derivative")
def derivative_finite_difference(f, x):
    h = 1e-6
    a, b = f(Dual(x + h, 1.0)), f(Dual(x, 1.0))
    a, b = (v.real if isinstance(v, Dual) else float(v) for v in (a, b))
    return (a - b) / h


@mutant("derivative", hint="the seed's dual part is 2: every derivative comes out doubled")
def derivative_seed_two(f, x):
    y = f(Dual(x, 2.0))
    return y.dual if isinstance(y, Dual) else 0.0


@mutant("derivative", hint="a function returning a plain number fails (.dual of a float); its derivative is 0")
def derivative_constant_fails(f, x):
    return f(Dual(x, 1.0)).dual


@mutant("derivative", hint="the seed is the dual number (1, x) instead of (x, 1): f is evaluated at the wrong point")
def derivative_seed_swapped(f, x):
    y = f(Dual(1.0, x))
    return y.dual if isinstance(y, Dual) else 0.0


edited("Value", "value_marks_nodes_when_pushed",
       "the depth-first search marks a node as seen when it is PUSHED, not when it is expanded: a "
       "node waiting on the stack that a later node also uses is skipped there, so that user is "
       "finished first and the order is not topological (a shared node passes on its gradient "
       "before all of it has arrived)",
       ("            if id(node) in seen:\n                continue\n            seen.add(id(node))\n", "", 1),
       ("                if id(parent) not in seen:\n                    stack.append((parent, False))",
        "                if id(parent) not in seen:\n                    seen.add(id(parent))\n"
        "                    stack.append((parent, False))", 1))
