import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("dpo_loss_grad")


def _logps(seed, N, spread=6.0):
    rng = np.random.default_rng(seed)
    ref_chosen, ref_rejected = -rng.uniform(20, 200, size=N), -rng.uniform(20, 200, size=N)
    return (ref_chosen + rng.normal(size=N) * spread, ref_rejected + rng.normal(size=N) * spread,
            ref_chosen, ref_rejected)


def _grads(student, logps, beta):
    result = student.dpo_loss_grad(*logps, beta)
    assert isinstance(result, (tuple, list)) and len(result) == 2, type(result)
    N = len(logps[0])
    chosen, rejected = (np.asarray(g, dtype=float) for g in result)
    assert chosen.shape == (N,) and rejected.shape == (N,), (chosen.shape, rejected.shape)
    return chosen, rejected


def _expected(logps, beta):
    return cross_checked(ref.dpo_loss_grad(*logps, beta), lambda: ref.dpo_loss_grad_torch(*logps, beta))


@points(2)
def test_matches_autograd(student):
    "Seven random pairs, beta = 0.2, against torch.autograd of the loss."
    logps = _logps(921, 7)
    got = _grads(student, logps, 0.2)
    expected = _expected(logps, 0.2)
    assert_allclose(got[0], expected[0], rtol=1e-6, atol=1e-12)
    assert_allclose(got[1], expected[1], rtol=1e-6, atol=1e-12)


@functools.cache  # the same for every submission
def _finite_differences():
    logps = _logps(922, 4)
    beta = 0.5
    numeric = []
    for which in (0, 1):
        def loss(values, which=which):
            args = list(logps)
            args[which] = values
            return ref.dpo_loss(*args, beta)
        numeric.append(ref.numerical_gradient(loss, logps[which]))
    return logps, beta, numeric


@points(1)
def test_matches_finite_differences(student):
    "The gradient agrees with centred finite differences of the loss."
    logps, beta, numeric = _finite_differences()
    got = _grads(student, logps, beta)
    assert_allclose(got[0], numeric[0], rtol=1e-5, atol=1e-10)
    assert_allclose(got[1], numeric[1], rtol=1e-5, atol=1e-10)


@points(1)
def test_signs_and_weights(student):
    "grad_chosen < 0 < grad_rejected = -grad_chosen, and pairs the implicit reward ranks the wrong way get larger gradients."
    rc, rr = -np.array([50.0, 80.0, 35.0, 120.0, 64.0]), -np.array([70.0, 45.0, 90.0, 60.0, 52.0])
    z = np.array([-3.0, -0.5, 0.2, 1.5, 4.0])
    beta = 0.4
    logps = (rc + z / beta, rr.copy(), rc, rr)
    chosen, rejected = _grads(student, logps, beta)
    assert np.all(chosen < 0) and np.all(rejected > 0), (chosen, rejected)
    assert_allclose(rejected, -chosen, rtol=1e-9, atol=1e-15)
    assert np.all(np.diff(np.abs(chosen)) < 0), chosen
    assert_allclose(chosen, _expected(logps, beta)[0], rtol=1e-6, atol=1e-12)


@points(1)
def test_stable_for_huge_margins(student):
    "Margins z up to +-1e4 give finite gradients: about beta / N for pairs ranked wrong, about 0 for pairs ranked right."
    rng = np.random.default_rng(924)
    rc, rr = -rng.uniform(20, 200, size=6), -rng.uniform(20, 200, size=6)
    z = np.array([-1e4, -3e3, -40.0, 25.0, 2e3, 1e4])
    beta = 0.5
    logps = (rc + z / (2 * beta), rr - z / (2 * beta), rc, rr)
    chosen, rejected = _grads(student, logps, beta)
    assert np.all(np.isfinite(chosen)) and np.all(np.isfinite(rejected)), (chosen, rejected)
    expected = _expected(logps, beta)
    assert_allclose(chosen, expected[0], rtol=1e-6, atol=1e-15)
    assert_allclose(rejected, expected[1], rtol=1e-6, atol=1e-15)


@points(1)
def test_mean_over_pairs(student):
    "Because the loss is a mean, repeating the batch halves each entry of the gradient."
    logps = _logps(925, 3)
    once = _grads(student, logps, 0.9)
    twice = _grads(student, tuple(np.concatenate([a, a]) for a in logps), 0.9)
    assert_allclose(twice[0], np.concatenate([once[0], once[0]]) / 2, rtol=1e-9, atol=1e-15)
    assert_allclose(twice[1], np.concatenate([once[1], once[1]]) / 2, rtol=1e-9, atol=1e-15)
    expected = _expected(logps, 0.9)
    assert_allclose(once[0], expected[0], rtol=1e-6, atol=1e-12)
