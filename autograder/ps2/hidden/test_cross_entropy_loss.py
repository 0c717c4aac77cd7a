import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps2 import reference as ref

pytestmark = question("cross_entropy_loss")


@points(2)
def test_matches_reference(student):
    "cross_entropy_loss(logits, labels) on a random batch of logits (N, C)."
    rng = np.random.default_rng(271)
    logits = rng.normal(scale=2.0, size=(6, 4))
    labels = rng.integers(0, 4, size=6)
    got = number(student.cross_entropy_loss(logits, labels))
    expected = cross_checked(ref.cross_entropy_loss(logits, labels),
                             lambda: ref.cross_entropy_loss_torch(logits, labels))
    assert_allclose(got, expected, rtol=1e-5)


@points(1)
def test_mean_over_samples(student):
    "The loss is a mean over samples: repeating the whole batch twice does not change it."
    rng = np.random.default_rng(272)
    logits = rng.normal(scale=2.0, size=(5, 3))
    labels = rng.integers(0, 3, size=5)
    once = number(student.cross_entropy_loss(logits, labels))
    twice = number(student.cross_entropy_loss(np.vstack([logits, logits]), np.concatenate([labels, labels])))
    assert_allclose(twice, once, rtol=1e-6)
    assert_allclose(once, ref.cross_entropy_loss(logits, labels), rtol=1e-5)


@points(1)
def test_stable_for_huge_logits(student):
    "The loss stays finite and exact for logits as large as +-1e4 (no overflow, no capping)."
    rng = np.random.default_rng(273)
    logits = rng.normal(size=(7, 5)) * 1e4
    labels = rng.integers(0, 5, size=7)
    got = number(student.cross_entropy_loss(logits, labels))
    assert np.isfinite(got), got
    assert_allclose(got, ref.cross_entropy_loss(logits, labels), rtol=1e-6)


@points(1)
def test_confident_predictions(student):
    "Confidently right predictions cost almost nothing; confidently wrong ones cost their full margin."
    right = np.array([[60.0, 0.0, 5.0], [1.0, 70.0, -3.0]])
    got = number(student.cross_entropy_loss(right, np.array([0, 1])))
    assert_allclose(got, ref.cross_entropy_loss(right, np.array([0, 1])), atol=1e-12)
    wrong = np.array([[0.0, 45.0, -2.0], [80.0, 1.0, 0.0], [3.0, 2.0, 1.0]])
    labels = np.array([0, 2, 1])
    got = number(student.cross_entropy_loss(wrong, labels))
    assert_allclose(got, ref.cross_entropy_loss(wrong, labels), rtol=1e-6)


@points(1)
def test_labels_index_the_classes(student):
    "labels[i] picks column labels[i] of row i, for every class from 0 to C - 1."
    rng = np.random.default_rng(275)
    logits = rng.normal(scale=3.0, size=(8, 4))
    labels = np.array([0, 3, 1, 2, 3, 0, 2, 1])
    got = number(student.cross_entropy_loss(logits, labels))
    expected = cross_checked(ref.cross_entropy_loss(logits, labels),
                             lambda: ref.cross_entropy_loss_torch(logits, labels))
    assert_allclose(got, expected, rtol=1e-5)
