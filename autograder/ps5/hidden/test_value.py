import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps5 import programs, reference as ref

pytestmark = question("value")

# The graph is built in the sandbox on the student's Value from a program (plain data, see
# programs.py); what comes back is every node's (data, grad). The expected numbers are the
# reference's on the same program, checked against torch.autograd where the course is validated.


def _expected(leaves, prog, times=1):
    nodes = programs.run(ref.Value, leaves, prog)
    for _ in range(times):
        nodes[-1].backward()
    answer = np.array([(v.data, v.grad) for v in nodes])
    cross_checked(answer, lambda: np.array(programs.torch_gradients(leaves, prog)), rtol=1e-9, atol=1e-12)
    return answer


def _check(student, leaves, prog, where, times=1, rtol=1e-9):
    got = student.function(programs.VALUE_RUNNER, notebook=True)(
        [float(x) for x in leaves], programs.sandbox_program(prog), times)
    got = np.asarray(got, dtype=float)
    expected = _expected(leaves, prog, times)
    assert got.shape == expected.shape, f"{where}: {got.shape[0]} nodes came back, expected {expected.shape[0]}"
    assert_allclose(got[:, 0], expected[:, 0], rtol=rtol, atol=1e-12, err_msg=f"{where}: the values (.data)")
    n_leaves = len(leaves)
    assert_allclose(got[:n_leaves, 1], expected[:n_leaves, 1], rtol=rtol, atol=1e-10,
                    err_msg=f"{where}: the gradients of the inputs")
    assert_allclose(got[:, 1], expected[:, 1], rtol=rtol, atol=1e-10,
                    err_msg=f"{where}: the gradients of the intermediate nodes")


@points(2)
def test_each_operation_alone(student):
    "Each operation on its own (+ - * / ** with numbers on either side, exp, log, tanh, relu): values and gradients as torch.autograd gives them."
    steps = [("add", [0, 1]), ("sub", [0, 1]), ("mul", [0, 1]), ("div", [0, 1]), ("pow", [0, 3.0]),
             ("pow", [0, 0.5]), ("pow", [0, -2.0]), ("neg", [0, 0.0]), ("addc", [0, 2.5]),
             ("subc", [0, 2.5]), ("mulc", [0, -1.5]), ("divc", [0, 4.0]), ("radd", [0, 2.5]),
             ("rsub", [0, 2.5]), ("rmul", [0, -1.5]), ("rdiv", [0, 3.0]), ("exp", [0, 0.0]),
             ("log", [0, 0.0]), ("tanh", [0, 0.0]), ("relu", [0, 0.0])]
    for leaves in ([1.7, -0.6], [0.3, 2.2]):
        for op, a in steps:
            _check(student, leaves, [(op, a)], f"{op} on inputs {leaves}")


@points(1)
def test_reflected_operators(student):
    "A number on the left of a Value: 2 * a, 1 - a, 1 / a, 3 + a, also in a chain."
    prog = [("rmul", [0, 2.0]), ("rsub", [2, 1.0]), ("rdiv", [3, 1.0]), ("radd", [4, 3.0]),
            ("mul", [5, 1])]
    _check(student, [0.8, -1.3], prog, "2 * a, 1 - .., 1 / .., 3 + .., times b")


@points(4)
def test_random_graphs_with_shared_nodes(student):
    "Random expression graphs (seeded) where many nodes are used several times: the gradient of a shared node is the sum over every path to the output."
    rng = np.random.default_rng(501)
    for case in range(25):
        leaves, prog = programs.random_program(rng, int(rng.integers(1, 6)), int(rng.integers(5, 60)),
                                               reuse=float(rng.uniform(0.3, 0.9)))
        _check(student, leaves, prog, f"random graph {case}")


@points(1)
def test_a_node_used_twice_by_one_operation(student):
    "a * a, a + a, a / a and a - a: the two operands are the same node, both contributions count."
    for op in ("mul", "add", "div", "sub"):
        _check(student, [1.3], [(op, [0, 0])], f"{op} of a with itself")
    _check(student, [0.7], [("mul", [0, 0]), ("mul", [1, 1]), ("add", [2, 0]), ("mul", [3, 1])],
           "a*a, (a*a)*(a*a), + a, times a*a")


@points(2)
def test_deep_chain(student):
    "A chain 3000 operations deep: backward() must not hit Python's recursion limit (an iterative topological order)."
    prog = [("tanh", [0, 0.0])]
    for s in range(1, 3000):
        prog.append(("mulc", [s, 1.001]) if s % 2 else ("add", [s, 0]))
    _check(student, [0.5], prog, "a chain of 3000", rtol=1e-7)


@points(1)
def test_backward_twice_gives_the_same_gradients(student):
    "backward() called twice on the same output gives the same gradients as once (it zeroes the graph's gradients first, docs/course.md)."
    rng = np.random.default_rng(502)
    leaves, prog = programs.random_program(rng, 3, 20)
    _check(student, leaves, prog, "backward() twice", times=2)
    _check(student, leaves, prog, "backward() three times", times=3)


@points(1)
def test_constants_and_unused_inputs(student):
    "An input the output does not depend on has gradient 0; a lone Value's gradient with respect to itself is 1; before backward() every gradient is 0."
    _check(student, [1.0, 2.0, 3.0], [("mul", [0, 2])], "x * z, y unused")
    _check(student, [4.0], [], "a single Value")
    _check(student, [1.5, 2.0], [("mulc", [0, 0.0]), ("add", [2, 1])], "0 * x + y")
    got = student.function("lambda: [float(v.grad) for v in (Value(2.0), Value(2.0) * 3)]", notebook=True)()
    assert got == [0.0, 0.0], f"gradients before any backward(): {got}, expected [0.0, 0.0]"


@points(1)
def test_relu_at_zero(student):
    "relu'(0) = 0 (torch's convention), and relu' = 1 for positive, 0 for negative inputs."
    for x in (0.0, 1e-300, -1e-300, 2.0, -2.0):
        _check(student, [x], [("relu", [0, 0.0])], f"relu at {x}")
    _check(student, [1.0], [("subc", [0, 1.0]), ("relu", [1, 0.0])], "relu(a - 1) at a = 1")


@points(1)
def test_near_the_edges_of_log_and_division(student):
    "log and 1/x for x close to 0 and very large: the gradients 1/x and -1/x^2 are large but exact."
    for x in (1e-8, 1e-4, 3e7):
        _check(student, [x], [("log", [0, 0.0])], f"log at {x}")
        _check(student, [x], [("rdiv", [0, 1.0])], f"1 / x at {x}")
        _check(student, [2.0, x], [("div", [0, 1])], f"2 / x at {x}")
