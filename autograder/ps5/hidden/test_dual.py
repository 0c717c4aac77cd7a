import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps5 import programs, reference as ref

pytestmark = question("dual")

# The student's Dual runs a program (programs.py) with one input's dual part set to 1: the
# result's dual part is the partial derivative by that input, which must match the reference's
# reverse mode (itself checked against torch in test_value).


def _check(student, leaves, prog, where, rtol=1e-9):
    run = student.function(programs.DUAL_RUNNER, notebook=True)
    nodes = programs.run(ref.Value, leaves, prog)
    nodes[-1].backward()
    for seed in range(len(leaves)):
        got = run([float(x) for x in leaves], seed, programs.sandbox_program(prog))
        assert isinstance(got, (tuple, list)) and len(got) == 2
        real, dual = float(got[0]), float(got[1])
        assert_allclose(real, nodes[-1].data, rtol=rtol, atol=1e-12, err_msg=f"{where}: the real part")
        assert_allclose(dual, nodes[seed].grad, rtol=rtol, atol=1e-10,
                        err_msg=f"{where}: the dual part, seeded on input {seed}")


@points(2)
def test_each_operation_alone(student):
    "Each operation on dual numbers (+ - * / ** with numbers on either side, exp, log, tanh, relu): the real part is the value, the dual part the derivative."
    steps = [("add", [0, 1]), ("sub", [0, 1]), ("mul", [0, 1]), ("div", [0, 1]), ("pow", [0, 3.0]),
             ("pow", [0, 0.5]), ("pow", [0, -2.0]), ("neg", [0, 0.0]), ("addc", [0, 2.5]),
             ("subc", [0, 2.5]), ("mulc", [0, -1.5]), ("divc", [0, 4.0]), ("radd", [0, 2.5]),
             ("rsub", [0, 2.5]), ("rmul", [0, -1.5]), ("rdiv", [0, 3.0]), ("exp", [0, 0.0]),
             ("log", [0, 0.0]), ("tanh", [0, 0.0]), ("relu", [0, 0.0])]
    for leaves in ([1.7, -0.6], [0.3, 2.2]):
        for op, a in steps:
            _check(student, leaves, [(op, a)], f"{op} on inputs {leaves}")


@points(2)
def test_random_polynomials(student):
    "Random polynomials in one variable (sums of products and powers): the dual part is p'(x)."
    rng = np.random.default_rng(511)
    for case in range(15):
        prog = []
        for s in range(int(rng.integers(3, 12))):
            node = int(rng.integers(0, s + 1))
            kind = rng.choice(["mul", "add", "mulc", "addc", "pow"])
            if kind in ("mul", "add"):
                prog.append((str(kind), [node, int(rng.integers(0, s + 1))]))
            elif kind == "pow":
                prog.append(("pow", [node, float(rng.choice([2, 3]))]))
            else:
                prog.append((str(kind), [node, float(np.round(rng.uniform(-2, 2), 3))]))
        _check(student, [float(rng.uniform(-1.5, 1.5))], prog, f"polynomial {case}", rtol=1e-8)


@points(2)
def test_random_compositions(student):
    "Random compositions of every operation in several variables (seeded): each partial derivative by seeding that input."
    rng = np.random.default_rng(512)
    for case in range(12):
        leaves, prog = programs.random_program(rng, int(rng.integers(1, 4)), int(rng.integers(4, 30)))
        _check(student, leaves, prog, f"composition {case}")
