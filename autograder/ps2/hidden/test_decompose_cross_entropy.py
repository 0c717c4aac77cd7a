import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps2 import reference as ref

pytestmark = question("decompose_cross_entropy")


def _triple(got):
    assert isinstance(got, (tuple, list)) and len(got) == 3, f"expected three numbers, got {got!r}"
    values = [np.asarray(v, dtype=float) for v in got]
    assert all(v.size == 1 for v in values), f"expected three numbers, got {got!r}"
    return [float(v.reshape(())) for v in values]


@points(1)
def test_bits_by_default(student):
    "decompose_cross_entropy(p, q) returns (H(P), KL(P || Q), H(P, Q)) in bits by default."
    rng = np.random.default_rng(241)
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    got = _triple(student.decompose_cross_entropy(p, q))
    assert_allclose(got, ref.decompose_cross_entropy(p, q), rtol=1e-6)


@points(1)
def test_other_bases(student):
    "All three quantities are in the requested base (nats for base e, base 10)."
    rng = np.random.default_rng(242)
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5) * 3)
    for base in [np.e, 10.0]:
        got = _triple(student.decompose_cross_entropy(p, q, base))
        assert_allclose(got, ref.decompose_cross_entropy(p, q, base), rtol=1e-6,
                                   err_msg=f"base={base}")


@points(1)
def test_identity_holds(student):
    "The three numbers satisfy H(P, Q) = H(P) + KL(P || Q), with zeros in P and base 3."
    rng = np.random.default_rng(243)
    p, q = rng.dirichlet(np.ones(9)), rng.dirichlet(np.ones(9))
    p[[2, 5]] = 0.0
    p /= p.sum()
    h, kl, ce = _triple(student.decompose_cross_entropy(p, q, 3.0))
    assert np.all(np.isfinite([h, kl, ce])), (h, kl, ce)
    assert_allclose(h + kl, ce, rtol=1e-6, atol=1e-9)
    assert_allclose([h, kl, ce], ref.decompose_cross_entropy(p, q, 3.0), rtol=1e-6)


@points(1)
def test_infinite_cost_when_q_rules_out_an_outcome(student):
    "When Q rules out an outcome P makes possible, the entropy stays finite and the other two are infinite."
    rng = np.random.default_rng(244)
    p, q = rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(4))
    q[1] = 0.0
    q /= q.sum()
    h, kl, ce = _triple(student.decompose_cross_entropy(p, q))
    assert_allclose(h, ref.entropy(p), rtol=1e-6)
    assert kl == np.inf and ce == np.inf, (kl, ce)
