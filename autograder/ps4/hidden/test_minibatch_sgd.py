import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps4 import reference as ref

pytestmark = question("minibatch_sgd")

# minibatch_sgd is graded through what it does, never by one exact shuffle: any way of drawing a
# fresh random order from `rng` each epoch (rng.permutation, rng.shuffle, rng.choice without
# replacement, ...) earns full marks. The probe loss below makes each step show its batch: the
# last N columns of X are the identity, and the loss adds mean(X_batch[:, R:] @ w[R:]), whose
# gradient mean(X_batch[:, R:], axis=0) is 1/|batch| on exactly the batch's samples. Its first R
# columns carry a real least-squares loss, so every step is also checked against the gradient
# of the batch's own (x, y) pairs at the current w.

_PROBE = ("lambda w, Xb, yb: (float(np.mean((Xb[:, :{R}] @ w[:{R}] - yb) ** 2) + np.mean(Xb[:, {R}:] @ w[{R}:])), "
          "np.concatenate([2.0 / len(yb) * Xb[:, :{R}].T @ (Xb[:, :{R}] @ w[:{R}] - yb), np.mean(Xb[:, {R}:], axis=0)]))")
_MSE = ("lambda w, Xb, yb: (float(np.mean((Xb @ w[:-1] + w[-1] - yb) ** 2)), "
        "np.concatenate([2.0 / len(yb) * Xb.T @ (Xb @ w[:-1] + w[-1] - yb), [2.0 * np.mean(Xb @ w[:-1] + w[-1] - yb)]]))")


def _probe_problem(seed, N, R):
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.normal(size=(N, R)), np.eye(N)])
    y = rng.normal(size=N)
    w0 = np.concatenate([rng.normal(size=R), np.zeros(N)])
    return X, y, w0


def _run(student, loss_and_grad, w0, X, y, lr, epochs, batch_size, seed):
    got = student.minibatch_sgd(loss_and_grad, w0, X, y, lr, epochs, batch_size, np.random.default_rng(seed))
    got = np.asarray(got, dtype=float)
    steps = epochs * ref.steps_per_epoch(len(X), batch_size)
    assert got.shape == (steps + 1, len(w0)), f"trajectory shape {got.shape}, expected {(steps + 1, len(w0))}"
    assert_allclose(got[0], w0, rtol=0, atol=0, err_msg="the first point is not w0")
    return got


def _batches(trajectory, X, y, R, lr):
    """The batch of every step, decoded from the probe columns, after checking that the step is
    -lr times the gradient of that batch at the current point."""
    steps = np.diff(trajectory, axis=0)
    share = -steps[:, R:] / lr                        # 1/|batch| on the batch, 0 elsewhere
    member = share > 0.5 / len(X)
    sizes = member.sum(axis=1)
    assert np.all(sizes > 0), f"steps {np.flatnonzero(sizes == 0)} use no sample"
    assert_allclose(share, member / sizes[:, None], rtol=1e-8, atol=1e-10,
                    err_msg="a step is not -lr times the mean gradient of a batch")
    expected = np.empty((len(steps), R))
    batches = []
    for k, row in enumerate(member):
        members = np.flatnonzero(row)
        Xb, yb = X[members, :R], y[members]
        expected[k] = -lr * 2.0 / len(members) * Xb.T @ (Xb @ trajectory[k, :R] - yb)
        batches.append(members)
    assert_allclose(steps[:, :R], expected, rtol=1e-8, atol=1e-10,
                    err_msg="a step is not the gradient of the batch's own (x, y) pairs at the current w")
    return batches


def _assert_epochs(batches, N, batch_size):
    """Every epoch splits the N samples into disjoint batches of batch_size (one may be shorter)."""
    per_epoch = ref.steps_per_epoch(N, batch_size)
    sizes = sorted([min(batch_size, N)] * (per_epoch - 1) + [N - (per_epoch - 1) * min(batch_size, N)])
    for e in range(len(batches) // per_epoch):
        epoch = batches[e * per_epoch:(e + 1) * per_epoch]
        assert sorted(len(b) for b in epoch) == sizes, f"epoch {e}: batch sizes {[len(b) for b in epoch]}"
        assert sorted(np.concatenate(epoch).tolist()) == list(range(N)), f"epoch {e} does not use every sample once"


@points(2)
def test_each_epoch_splits_the_data_into_batches(student):
    "Each epoch visits every sample exactly once in batches of batch_size (the last one shorter), and each step is w - lr * (gradient of that batch's own samples at the current w)."
    N, R, batch_size = 11, 3, 4
    X, y, w0 = _probe_problem(4401, N, R)
    lr = 0.25
    got = _run(student, student.function(_PROBE.format(R=R)), w0, X, y, lr, 3, batch_size, seed=4402)
    _assert_epochs(_batches(got, X, y, R, lr), N, batch_size)


@points(1)
def test_batch_size_one(student):
    "With batch_size = 1 every epoch takes N single-sample steps, each sample once."
    N, R = 6, 2
    X, y, w0 = _probe_problem(4403, N, R)
    lr = 0.1
    got = _run(student, student.function(_PROBE.format(R=R)), w0, X, y, lr, 2, 1, seed=4404)
    _assert_epochs(_batches(got, X, y, R, lr), N, 1)


@points(1)
def test_batch_larger_than_the_data_is_full_batch_descent(student):
    "A batch_size larger than N gives one full-batch step per epoch: the trajectory of plain gradient descent on the whole data."
    rng = np.random.default_rng(4405)
    N, D = 13, 4
    X = rng.normal(size=(N, D)) + 1.0
    y = X @ rng.normal(size=D) + 0.5 + 0.3 * rng.normal(size=N)
    w0 = rng.normal(size=D + 1)
    lr, epochs = 0.05, 5
    got = _run(student, student.function(_MSE), w0, X, y, lr, epochs, 50, seed=4406)

    def full_gradient(theta):
        _, dw, db = ref.mse_loss_and_grad(theta[:-1], theta[-1], X, y)
        return np.append(dw, db)
    assert_allclose(got, ref.gradient_descent(full_gradient, w0, lr, epochs), rtol=1e-9, atol=1e-12)


@points(1)
def test_reshuffles_every_epoch(student):
    "Every epoch draws a new random order: the batches change from epoch to epoch and each sample is equally likely to be in the first batch."
    N, R, batch_size, epochs = 7, 1, 3, 120
    X, y, w0 = _probe_problem(4407, N, R)
    lr = 0.01
    got = _run(student, student.function(_PROBE.format(R=R)), w0, X, y, lr, epochs, batch_size, seed=4408)
    batches = _batches(got, X, y, R, lr)
    _assert_epochs(batches, N, batch_size)
    per_epoch = ref.steps_per_epoch(N, batch_size)
    firsts = [frozenset(batches[e * per_epoch].tolist()) for e in range(epochs)]
    assert len(set(firsts)) > epochs // 4, f"only {len(set(firsts))} different first batches in {epochs} epochs"
    counts = np.bincount(np.concatenate([list(f) for f in firsts]), minlength=N)
    expected = epochs * batch_size / N                # about 51, standard deviation about 5.4
    assert np.all(np.abs(counts - expected) < 25), f"times in the first batch {counts}, expected about {expected:.0f}"


@points(2)
def test_randomness_comes_from_rng_only(student):
    "Equal seeds give identical trajectories, different seeds different ones, and numpy's and Python's global random states are left untouched."
    N, R, batch_size = 9, 2, 4
    X, y, w0 = _probe_problem(4409, N, R)
    lr = 0.2
    probe = student.function(_PROBE.format(R=R))
    before = student.global_random_state()
    first = _run(student, probe, w0, X, y, lr, 2, batch_size, seed=4410)
    again = _run(student, probe, w0, X, y, lr, 2, batch_size, seed=4410)
    other = _run(student, probe, w0, X, y, lr, 2, batch_size, seed=4411)
    after = student.global_random_state()
    _assert_epochs(_batches(first, X, y, R, lr), N, batch_size)
    assert np.array_equal(first, again), "equal seeds gave different trajectories"
    assert not np.array_equal(first, other), "different seeds gave equal trajectories"
    assert before == after, "the global random state changed"


@points(1)
def test_reaches_the_exact_fit_on_consistent_data(student):
    "On noise-free linear data (every sample agrees on the same w and b) mini-batch SGD converges to the exact weights and intercept."
    rng = np.random.default_rng(4412)
    N, D = 20, 3
    X = rng.normal(size=(N, D))
    w_true, b_true = rng.normal(size=D), -1.5
    y = X @ w_true + b_true
    got = _run(student, student.function(_MSE), np.zeros(D + 1), X, y, 0.1, 60, 6, seed=4413)
    assert_allclose(got[-1], np.append(w_true, b_true), rtol=0, atol=1e-6)
