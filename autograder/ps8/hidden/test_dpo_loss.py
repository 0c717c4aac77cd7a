import math

import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps8 import reference as ref

pytestmark = question("dpo_loss")


def _logps(seed, N, spread=60.0):
    """Policy and reference log-probabilities of chosen and rejected responses (sums over tokens)."""
    rng = np.random.default_rng(seed)
    ref_chosen, ref_rejected = -rng.uniform(20, 200, size=N), -rng.uniform(20, 200, size=N)
    return (ref_chosen + rng.normal(size=N) * spread / 10, ref_rejected + rng.normal(size=N) * spread / 10,
            ref_chosen, ref_rejected)


def _loss(student, logps, beta):
    return number(student.dpo_loss(*logps, beta))


@points(2)
def test_matches_torch(student):
    "Six random preference pairs, beta = 0.1, against torch's logsigmoid."
    logps = _logps(911, 6)
    expected = cross_checked(ref.dpo_loss(*logps, 0.1), lambda: ref.dpo_loss_torch(*logps, 0.1))
    assert_allclose(_loss(student, logps, 0.1), expected, rtol=1e-7, atol=1e-10)


@points(1)
def test_starts_at_log_two_and_uses_log_ratios(student):
    "A policy equal to the reference gives log 2; adding a constant to a response's policy and reference log-probabilities changes nothing."
    pc, pr, rc, rr = _logps(912, 5)
    assert_allclose(_loss(student, (rc, rr, rc, rr), 0.3), math.log(2), rtol=1e-9)
    fresh = np.random.default_rng(9121)
    shift = fresh.normal(size=(2, 5)) * 40
    expected = ref.dpo_loss(pc, pr, rc, rr, 0.3)
    assert_allclose(_loss(student, (pc, pr, rc, rr), 0.3), expected, rtol=1e-7, atol=1e-10)
    assert_allclose(_loss(student, (pc + shift[0], pr + shift[1], rc + shift[0], rr + shift[1]), 0.3), expected,
                    rtol=1e-7, atol=1e-10)


@points(1)
def test_stable_for_huge_margins(student):
    "Margins z up to +-1e4 give a finite, correct loss."
    rng = np.random.default_rng(913)
    rc, rr = -rng.uniform(20, 200, size=6), -rng.uniform(20, 200, size=6)
    z = np.array([-1e4, -3e3, -40.0, 25.0, 2e3, 1e4])
    beta = 0.5
    pc, pr = rc + z / (2 * beta), rr - z / (2 * beta)
    got = _loss(student, (pc, pr, rc, rr), beta)
    assert np.isfinite(got), got
    expected = cross_checked(ref.dpo_loss(pc, pr, rc, rr, beta), lambda: ref.dpo_loss_torch(pc, pr, rc, rr, beta))
    assert_allclose(got, expected, rtol=1e-9)


@points(1)
def test_gradient_signs(student):
    "Raising a chosen response's policy log-probability lowers the loss, raising a rejected one's raises it, by the amounts of the exact gradient."
    logps = _logps(914, 4)
    beta, h = 0.2, 1e-3
    expected = cross_checked(ref.dpo_loss_grad(*logps, beta), lambda: ref.dpo_loss_grad_torch(*logps, beta))
    for which in (0, 1):
        slopes = []
        for i in range(4):
            up = [np.array(a, dtype=float) for a in logps]
            down = [np.array(a, dtype=float) for a in logps]
            up[which][i] += h
            down[which][i] -= h
            slopes.append((_loss(student, up, beta) - _loss(student, down, beta)) / (2 * h))
        slopes = np.array(slopes)
        assert np.all(slopes < 0) if which == 0 else np.all(slopes > 0), (which, slopes)
        assert_allclose(slopes, expected[which], rtol=1e-4, atol=1e-9)


@points(1)
def test_mean_over_pairs(student):
    "The loss of a batch is the mean of the pairs' losses, and repeating the batch leaves it unchanged."
    pc, pr, rc, rr = _logps(915, 3)
    singles = [_loss(student, (pc[i:i + 1], pr[i:i + 1], rc[i:i + 1], rr[i:i + 1]), 0.7) for i in range(3)]
    expected = ref.dpo_loss(pc, pr, rc, rr, 0.7)
    assert_allclose(_loss(student, (pc, pr, rc, rr), 0.7), expected, rtol=1e-7, atol=1e-10)
    assert_allclose(np.mean(singles), expected, rtol=1e-7, atol=1e-10)
    twice = tuple(np.concatenate([a, a]) for a in (pc, pr, rc, rr))
    assert_allclose(_loss(student, twice, 0.7), expected, rtol=1e-7, atol=1e-10)
