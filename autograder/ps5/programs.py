"""Random expression DAGs for ps5's hidden tests, as plain data.

A program is a list of steps (op, args); node i < n_leaves is leaf i, node n_leaves + s is the
result of step s. The same program is run in the sandbox on the student's class (the sources
below, evaluated there), on the trusted side on the reference, and where the course is validated
on torch (the oracle). Steps use node indices and plain float constants only.
"""
import math

import numpy as np

# op -> (how it reads in the sandbox, on nodes n and args a)
_OPS = {
    "add": "n[a[0]] + n[a[1]]", "sub": "n[a[0]] - n[a[1]]", "mul": "n[a[0]] * n[a[1]]",
    "div": "n[a[0]] / n[a[1]]", "pow": "n[a[0]] ** a[1]", "neg": "-n[a[0]]",
    "addc": "n[a[0]] + a[1]", "mulc": "n[a[0]] * a[1]", "subc": "n[a[0]] - a[1]",
    "divc": "n[a[0]] / a[1]",
    "radd": "a[1] + n[a[0]]", "rmul": "a[1] * n[a[0]]", "rsub": "a[1] - n[a[0]]",
    "rdiv": "a[1] / n[a[0]]",
    "exp": "n[a[0]].exp()", "log": "n[a[0]].log()", "tanh": "n[a[0]].tanh()",
    "relu": "n[a[0]].relu()",
}
_TABLE = "{" + ", ".join(f"{op!r}: lambda n, a: {text}" for op, text in _OPS.items()) + "}"

# In the sandbox: build the graph on the student's Value, call backward() on the last node
# `times` times, return every node's (data, grad).
VALUE_RUNNER = (
    "lambda leaves, prog, times: (lambda n, ops: ("
    "[n.append(ops[op](n, a)) for op, a in prog], "
    "[n[-1].backward() for _ in range(times)], "
    "[(float(v.data), float(v.grad)) for v in n])[-1])"
    f"([Value(x) for x in leaves], {_TABLE})")

# In the sandbox: run the program on Duals, leaf `seed` with dual part 1, the others 0; return
# the last node's (real, dual).
DUAL_RUNNER = (
    "lambda leaves, seed, prog: (lambda n, ops: ("
    "[n.append(ops[op](n, a)) for op, a in prog], "
    "(float(n[-1].real), float(n[-1].dual)))[-1])"
    f"([Dual(x, 1.0 if i == seed else 0.0) for i, x in enumerate(leaves)], {_TABLE})")

_APPLY = {op: eval("lambda n, a: " + text) for op, text in _OPS.items()}


def run(cls, leaves, prog):
    """The nodes of `prog` built on `cls` (a Value- or Dual-like class)."""
    n = [cls(x) for x in leaves]
    for op, a in prog:
        n.append(_APPLY[op](n, a))
    return n


def torch_gradients(leaves, prog):
    """Oracle: (data, grad) of every node by torch.autograd on the same graph."""
    import torch
    n = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in leaves]
    torch_ops = dict(_APPLY, exp=lambda n, a: torch.exp(n[a[0]]), log=lambda n, a: torch.log(n[a[0]]),
                     tanh=lambda n, a: torch.tanh(n[a[0]]), relu=lambda n, a: torch.relu(n[a[0]]))
    for op, a in prog:
        n.append(torch_ops[op](n, a))
    for v in n:
        if not v.is_leaf:
            v.retain_grad()
    n[-1].backward()
    return [(v.item(), 0.0 if v.grad is None else v.grad.item()) for v in n]


def random_program(rng, n_leaves, n_steps, reuse=0.5):
    """Leaves and steps of a random DAG whose every value stays finite and in its domain: log
    only of values > 0.05, division only by values away from 0, tanh to tame large values.
    With probability `reuse` an operand is a node used before (shared subexpressions)."""
    from autograder.ps5.reference import Value
    leaves = [float(v) for v in rng.uniform(-2.0, 2.0, size=n_leaves)]
    values = [Value(x).data for x in leaves]
    prog, used = [], set()

    def pick():
        pool = sorted(used) if used and rng.random() < reuse else range(len(values))
        i = int(rng.choice(list(pool)))
        used.add(i)
        return i

    while len(prog) < n_steps:
        i, j = pick(), pick()
        x, y = values[i], values[j]
        c = float(np.round(rng.uniform(-3.0, 3.0), 3)) or 1.5
        op = str(rng.choice(list(_OPS)))
        if op in ("div",) and abs(y) < 0.3 or op in ("rdiv",) and abs(x) < 0.3:
            continue
        if op == "divc" and abs(c) < 0.3 or op == "log" and x <= 0.05:
            continue
        if op == "pow":
            c = float(rng.choice([2, 3, -1, 0.5, 1.5])) if x > 0.1 else float(rng.choice([2, 3]))
            if abs(x) > 5:
                continue
        if op == "exp" and x > 3:
            continue
        args = (i, j) if op in ("add", "sub", "mul", "div") else (i, c)
        value = _APPLY[op]([Value(v) for v in values], args).data
        if not math.isfinite(value) or abs(value) > 50:
            op, args = "tanh", (i, 0.0)
            value = math.tanh(x)
        prog.append((op, [int(args[0]), args[1]]))
        values.append(value)
    return leaves, prog


def sandbox_program(prog):
    """The program as plain lists for the wire."""
    return [[op, [int(a[0]), a[1] if isinstance(a[1], float) else int(a[1])]] for op, a in prog]
