import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps2 import reference as ref

pytestmark = question("self_information")


def _array(got, shape):
    got = np.asarray(got, dtype=float)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(1)
def test_bits_for_single_probabilities(student):
    "self_information(p) gives the surprise of a single probability in bits (the default base)."
    for p in [0.5, 0.125, 0.3, 0.9, 0.01]:
        got = _array(student.self_information(p), ())
        assert_allclose(got, ref.self_information(p), rtol=1e-6, err_msg=f"p={p}")


@points(1)
def test_other_bases(student):
    "self_information(p, base) uses the given base (nats for base e, digits for base 10, base 3)."
    rng = np.random.default_rng(201)
    p = rng.uniform(0.01, 1.0, size=7)
    for base in [np.e, 10.0, 3.0]:
        got = _array(student.self_information(p, base), p.shape)
        assert_allclose(got, ref.self_information(p, base), rtol=1e-6, err_msg=f"base={base}")


@points(1)
def test_arrays_keep_their_shape(student):
    "self_information works elementwise on a 2-D array of probabilities and keeps its shape."
    rng = np.random.default_rng(202)
    p = rng.uniform(1e-6, 1.0, size=(4, 7))
    got = _array(student.self_information(p), p.shape)
    assert_allclose(got, ref.self_information(p), rtol=1e-6)


@points(1)
def test_certain_and_impossible_events(student):
    "A certain event carries no surprise and an impossible one is infinitely surprising."
    p = np.array([1.0, 0.0, 0.25, 1.0, 0.0])
    got = _array(student.self_information(p), p.shape)
    expected = ref.self_information(p)
    assert np.array_equal(np.isposinf(got), np.isposinf(expected)), got
    finite = np.isfinite(expected)
    assert_allclose(got[finite], expected[finite], rtol=1e-6, atol=1e-12)
