import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps3 import reference as ref

pytestmark = question("sgd_train")

KEYS = ("W1", "b1", "W2", "b2")


def _student(student, params, *args):
    trained, history = student.sgd_train(params, *args)
    assert set(trained) == set(KEYS), f"keys {sorted(trained)}"
    trained = {k: np.asarray(trained[k], dtype=float) for k in KEYS}
    for k in KEYS:
        assert trained[k].shape == params[k].shape, f"{k} shape {trained[k].shape}"
    history = np.asarray(history, dtype=float)
    assert history.ndim == 1, f"loss_history shape {history.shape}"
    return trained, history


def _small_problem(seed):
    rng = np.random.default_rng(seed)
    N, D, H, C = 12, 3, 7, 4  # all different (docs/course.md): a misplaced transpose shows
    params = ref.init_params(D, H, C, rng)
    params["b1"], params["b2"] = 0.1 * rng.normal(size=H), 0.1 * rng.normal(size=C)
    X, y = rng.normal(size=(N, D)), rng.integers(0, C, size=N)
    return params, X, y


@points(2)
def test_one_full_batch_step(student):
    "With one epoch and batch_size = N, sgd_train takes exactly one step against the gradient of every parameter."
    params, X, y = _small_problem(371)
    lr, reg = 0.3, 0.2
    trained, _ = _student(student, params, X, y, lr, reg, 1, len(X), np.random.default_rng(0))
    _, grads = ref.two_layer_loss(params, X, y, reg)
    for k in KEYS:
        assert_allclose(trained[k], params[k] - lr * grads[k], rtol=1e-6, atol=1e-8, err_msg=k)


@points(1)
def test_loss_history(student):
    "loss_history holds the loss of every mini-batch step, in order, and the loss goes down during training."
    # Full batch: the first entry is the loss at the starting parameters.
    params, X, y = _small_problem(372)
    _, history = _student(student, params, X, y, 0.3, 0.2, 2, len(X), np.random.default_rng(1))
    assert history.shape == (2,), f"{len(history)} losses for 2 full-batch epochs"
    assert_allclose(history[0], ref.two_layer_loss(params, X, y, 0.2)[0], rtol=1e-6)
    # Mini-batches: 60 samples in batches of 16 give 4 steps an epoch, the last of 12 samples.
    X, y = ref.make_spiral(20, 3, np.random.default_rng(373))
    params = ref.init_params(2, 30, 3, np.random.default_rng(374))
    epochs = 40
    trained, history = _student(student, params, X, y, 0.5, 1e-3, epochs, 16, np.random.default_rng(375))
    assert len(history) == epochs * 4, f"{len(history)} losses for {epochs} epochs of 4 batches"
    assert np.all(np.isfinite(history)), "loss_history is not finite"
    first, last = history[:len(history) // 10].mean(), history[-len(history) // 10:].mean()
    assert last < 0.8 * first, f"loss went from {first:.3f} to {last:.3f}"
    assert ref.two_layer_loss(trained, X, y, 1e-3)[0] < ref.two_layer_loss(params, X, y, 1e-3)[0]


@points(1)
def test_last_smaller_batch_is_a_step(student):
    "When batch_size does not divide N, every epoch ends with one smaller batch that is trained on like the others: ceil(N / batch_size) steps, batches that cover every sample once."
    # With lr = 0 every loss is a batch's loss at the starting parameters, whatever the shuffle.
    # Batches of sizes B, B, ..., r that partition the data satisfy
    # sum_b |batch_b| * loss_b = N * (loss on all the data): the reg term is in every loss alike.
    params, X, y = _small_problem(382)
    N, reg = len(X), 0.2
    full = ref.two_layer_loss(params, X, y, reg)[0]
    for batch_size, sizes in ((5, (5, 5, 2)), (7, (7, 5)), (20, (12,))):
        epochs = 2
        _, history = _student(student, params, X, y, 0.0, reg, epochs, batch_size, np.random.default_rng(383))
        assert len(history) == epochs * len(sizes), (
            f"batch_size {batch_size}: {len(history)} losses for {epochs} epochs of {len(sizes)} batches")
        for epoch in range(epochs):
            losses = history[epoch * len(sizes):(epoch + 1) * len(sizes)]
            assert_allclose(np.dot(sizes, losses), N * full, rtol=1e-6,
                            err_msg=f"batch_size {batch_size}, epoch {epoch}: batch sizes {sizes}")


@points(3)
def test_learns_the_spirals(student):
    "sgd_train reaches a training accuracy of at least 0.9 on a spiral data set."
    X, y = ref.make_spiral(100, 3, np.random.default_rng(376))
    params = ref.init_params(2, 100, 3, np.random.default_rng(377))
    trained, _ = _student(student, params, X, y, 0.5, 1e-3, 150, 30, np.random.default_rng(378))
    accuracy = ref.accuracy(trained, X, y)
    assert accuracy >= 0.9, f"training accuracy {accuracy:.3f} < 0.9"


@points(1)
def test_randomness_comes_from_rng_only(student):
    "Equal seeds give identical training, different seeds a different shuffle, and numpy's and Python's global random states are left untouched."
    params, X, y = _small_problem(379)
    args = (X, y, 0.3, 0.1, 3, 5)  # batches of 5 out of 12: the order of the samples matters
    before = student.global_random_state()
    first, first_history = _student(student, params, *args, np.random.default_rng(380))
    again, again_history = _student(student, params, *args, np.random.default_rng(380))
    other, other_history = _student(student, params, *args, np.random.default_rng(381))
    after = student.global_random_state()
    assert all(np.array_equal(first[k], again[k]) for k in KEYS), "equal seeds gave different parameters"
    assert np.array_equal(first_history, again_history), "equal seeds gave different loss histories"
    assert not np.array_equal(first_history, other_history), "different seeds gave the same loss history"
    assert before == after, "the global random state changed"
