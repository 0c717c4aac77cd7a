import numpy as np
from coursegrade import assert_allclose, cross_checked, points, question
from autograder.ps8 import reference as ref

pytestmark = question("lora_forward")


def _inputs(seed, lead, d_in, d_out, r):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=lead + (d_in,)), rng.normal(size=(d_in, d_out)) / np.sqrt(d_in),
            rng.normal(size=(d_in, r)) / np.sqrt(d_in), rng.normal(size=(r, d_out)) * 0.5)


def _run(student, x, W, A, B, alpha, r):
    got = np.asarray(student.lora_forward(x, W, A, B, alpha, r), dtype=float)
    shape = x.shape[:-1] + (W.shape[1],)
    assert got.shape == shape, f"shape {got.shape}, expected {shape}"
    return got


@points(2)
def test_matches_torch_linear_layers(student):
    "x (5, 7), W (7, 4), rank 3, alpha 16, against a frozen and two adapter torch.nn.Linear layers."
    x, W, A, B = _inputs(891, (5,), 7, 4, 3)
    expected = cross_checked(ref.lora_forward(x, W, A, B, 16, 3), lambda: ref.lora_forward_torch(x, W, A, B, 16, 3))
    assert_allclose(_run(student, x, W, A, B, 16, 3), expected, rtol=1e-7, atol=1e-10)


@points(1)
def test_batch_of_sequences(student):
    "x (B, T, d_in) = (2, 6, 5), W (5, 8), rank 2, alpha 6."
    x, W, A, B = _inputs(892, (2, 6), 5, 8, 2)
    expected = cross_checked(ref.lora_forward(x, W, A, B, 6, 2), lambda: ref.lora_forward_torch(x, W, A, B, 6, 2))
    assert_allclose(_run(student, x, W, A, B, 6, 2), expected, rtol=1e-7, atol=1e-10)


@points(1)
def test_zero_B_is_the_frozen_layer(student):
    "With B = 0 (LoRA's initialisation) the output is x @ W; with a nonzero B it is the adapted layer."
    x, W, A, B = _inputs(893, (4,), 6, 9, 2)
    assert_allclose(_run(student, x, W, A, np.zeros_like(B), 32, 2), x @ W, rtol=1e-9, atol=1e-12)
    assert_allclose(_run(student, x, W, A, B, 32, 2), ref.lora_forward(x, W, A, B, 32, 2), rtol=1e-7, atol=1e-10)


@points(1)
def test_equals_the_merged_layer(student):
    "The unmerged output equals x @ (W + alpha / r A B): x (3, 9), W (9, 6), rank 4, alpha 10."
    x, W, A, B = _inputs(894, (3,), 9, 6, 4)
    expected = cross_checked(x @ ref.lora_merge(W, A, B, 10, 4), lambda: ref.lora_forward_torch(x, W, A, B, 10, 4))
    assert_allclose(_run(student, x, W, A, B, 10, 4), expected, rtol=1e-7, atol=1e-10)


@points(1)
def test_scale_alpha_over_r(student):
    "Rank 1: doubling alpha doubles the adapter's contribution; both outputs are correct."
    x, W, A, B = _inputs(895, (6,), 5, 3, 1)
    small, large = _run(student, x, W, A, B, 7, 1), _run(student, x, W, A, B, 14, 1)
    assert_allclose(large - x @ W, 2 * (small - x @ W), rtol=1e-7, atol=1e-10)
    assert_allclose(small, ref.lora_forward(x, W, A, B, 7, 1), rtol=1e-7, atol=1e-10)
