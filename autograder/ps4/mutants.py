"""Known-wrong implementations of ps4's answers: each must lose points.

Each is a realistic student mistake; its hint says, in the student's terms, what it behaves like.
"""
import numpy as np
from coursegrade import mutant, mutant_code


# --- linear_fit -------------------------------------------------------------------------------

@mutant("linear_fit", hint="this behaves like a fit without an intercept: b is always 0, so the line is forced "
                           "through the origin")
def linear_fit_no_intercept(X, y):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > 1e-10 * s.max()
    w = Vt[keep].T @ (U[:, keep].T @ y / s[keep])
    return w, 0.0


@mutant("linear_fit", hint="this behaves like b = mean(y): the intercept forgets the term -mean(X) @ w")
def linear_fit_intercept_mean_y(X, y):
    x_mean = X.mean(axis=0)
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    keep = s > 1e-10 * s.max()
    w = Vt[keep].T @ (U[:, keep].T @ (y - y.mean()) / s[keep])
    return w, float(y.mean())


@mutant("linear_fit", hint="this behaves like the minimum-norm solution of X with a column of ones appended: it "
                           "penalises the intercept too, so for redundant features (a constant column) it returns "
                           "another (w, b). Centre X and y first")
def linear_fit_augmented_min_norm(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    keep = s > 1e-10 * s.max()
    theta = Vt[keep].T @ (U[:, keep].T @ y / s[keep])
    return theta[:-1], float(theta[-1])


@mutant("linear_fit", hint="this behaves like solving the normal equations with np.linalg.solve: it fails for "
                           "rank-deficient X (singular matrix, or huge weights)")
def linear_fit_normal_equations(X, y):
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.linalg.solve(A.T @ A, A.T @ y)
    return theta[:-1], float(theta[-1])


@mutant("linear_fit", hint="this behaves like an SVD without a rank cut-off: dividing by singular values of about "
                           "1e-16 gives enormous weights for rank-deficient X")
def linear_fit_no_cutoff(X, y):
    x_mean = X.mean(axis=0)
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    s = np.maximum(s, 1e-300)
    w = Vt.T @ (U.T @ (y - y.mean()) / s)
    return w, float(y.mean() - x_mean @ w)


@mutant("linear_fit", hint="this behaves like a rank cut-off that is far too large (1e-3 of the largest singular "
                           "value): small but real directions of nearly collinear features are dropped")
def linear_fit_cutoff_too_large(X, y):
    x_mean = X.mean(axis=0)
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    keep = s > 1e-3 * s.max()
    w = Vt[keep].T @ (U[:, keep].T @ (y - y.mean()) / s[keep])
    return w, float(y.mean() - x_mean @ w)


@mutant("linear_fit", hint="this behaves like fitting w without an intercept first and only then setting "
                           "b = mean(y - X @ w): w is wrong whenever the features have non-zero means")
def linear_fit_two_stage(X, y):
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    keep = s > 1e-10 * s.max()
    w = Vt[keep].T @ (U[:, keep].T @ y / s[keep])
    return w, float(np.mean(y - X @ w))


# --- mse_loss_and_grad ------------------------------------------------------------------------

@mutant("mse_loss_and_grad", hint="this behaves like gradients with 1/N instead of 2/N: the derivative of the "
                                  "square brings down a factor 2")
def mse_one_over_n(w, b, X, y):
    r = X @ w + b - y
    return float(np.mean(r ** 2)), X.T @ r / len(y), float(np.mean(r))


@mutant("mse_loss_and_grad", hint="this behaves like residuals without the intercept: r = X @ w - y ignores b")
def mse_no_intercept(w, b, X, y):
    r = X @ w - y
    return float(np.mean(r ** 2)), 2.0 / len(y) * X.T @ r, float(2.0 * np.mean(r))


@mutant("mse_loss_and_grad", hint="this behaves like the residual y - prediction in the gradient: both gradients "
                                  "have the wrong sign")
def mse_sign_flipped(w, b, X, y):
    r = y - (X @ w + b)
    return float(np.mean(r ** 2)), 2.0 / len(y) * X.T @ r, float(2.0 * np.mean(r))


@mutant("mse_loss_and_grad", hint="this behaves like db = 0: the gradient of the intercept is missing")
def mse_db_zero(w, b, X, y):
    r = X @ w + b - y
    return float(np.mean(r ** 2)), 2.0 / len(y) * X.T @ r, 0.0


@mutant("mse_loss_and_grad", hint="this behaves like the sum of squared residuals instead of their mean")
def mse_sum_loss(w, b, X, y):
    r = X @ w + b - y
    return float(np.sum(r ** 2)), 2.0 / len(y) * X.T @ r, float(2.0 * np.mean(r))


@mutant("mse_loss_and_grad", hint="this behaves like the 1/2 convention: loss = mean(r**2) / 2 with gradients "
                                  "X.T @ r / N; this course's loss is the plain mean")
def mse_half_convention(w, b, X, y):
    r = X @ w + b - y
    return float(np.mean(r ** 2) / 2), X.T @ r / len(y), float(np.mean(r))


@mutant("mse_loss_and_grad", hint="this behaves like squaring the mean residual, mean(r)**2, instead of taking the "
                                  "mean of the squares")
def mse_square_of_mean(w, b, X, y):
    r = X @ w + b - y
    return float(np.mean(r) ** 2), 2.0 / len(y) * X.T @ r, float(2.0 * np.mean(r))


@mutant("mse_loss_and_grad", hint="this behaves like dw = 2 * mean(r) * mean(X, axis=0): averaging the residual "
                                  "and the features separately before multiplying them")
def mse_means_multiplied(w, b, X, y):
    r = X @ w + b - y
    return float(np.mean(r ** 2)), 2.0 * np.mean(r) * X.mean(axis=0), float(2.0 * np.mean(r))


# --- gradient_descent -------------------------------------------------------------------------

@mutant("gradient_descent", hint="this behaves like gradient ascent: x + lr * grad climbs instead of descending")
def gradient_descent_ascent(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = [x.copy()]
    for _ in range(steps):
        x = x + lr * np.asarray(grad_fn(x))
        trajectory.append(x.copy())
    return np.array(trajectory)


@mutant("gradient_descent", hint="this behaves like a trajectory without its starting point x0 (only steps rows)")
def gradient_descent_missing_x0(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = []
    for _ in range(steps):
        x = x - lr * np.asarray(grad_fn(x))
        trajectory.append(x.copy())
    return np.array(trajectory).reshape(steps, -1)


@mutant("gradient_descent", hint="this behaves like an off-by-one loop: one step fewer than asked")
def gradient_descent_one_step_short(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = [x.copy()]
    for _ in range(steps - 1):
        x = x - lr * np.asarray(grad_fn(x))
        trajectory.append(x.copy())
    return np.array(trajectory)


@mutant("gradient_descent", hint="this behaves like appending the same array every step while updating it in place "
                                 "(x -= ...): every row of the trajectory is the last point")
def gradient_descent_aliased(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(steps):
        x -= lr * np.asarray(grad_fn(x))
        trajectory.append(x)
    return np.array(trajectory)


@mutant("gradient_descent", hint="this behaves like ignoring the learning rate: x - grad, a step of lr = 1")
def gradient_descent_no_lr(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = [x.copy()]
    for _ in range(steps):
        x = x - np.asarray(grad_fn(x))
        trajectory.append(x.copy())
    return np.array(trajectory)


@mutant("gradient_descent", hint="this behaves like evaluating the gradient at x0 at every step instead of at the "
                                 "current point")
def gradient_descent_gradient_at_x0(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    g = np.asarray(grad_fn(x))
    trajectory = [x.copy()]
    for _ in range(steps):
        x = x - lr * g
        trajectory.append(x.copy())
    return np.array(trajectory)


@mutant("gradient_descent", hint="this behaves like stopping early as soon as the gradient grows: a diverging run is "
                                 "cut short instead of following the update rule")
def gradient_descent_stops_when_diverging(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = [x.copy()]
    previous = np.inf
    for _ in range(steps):
        g = np.asarray(grad_fn(x))
        if np.linalg.norm(g) > previous:
            break
        previous = np.linalg.norm(g)
        x = x - lr * g
        trajectory.append(x.copy())
    return np.array(trajectory)


@mutant("gradient_descent", hint="this behaves like steps of fixed length lr along the normalised gradient "
                                 "g / ||g||: the step size no longer shrinks with the gradient")
def gradient_descent_normalised(grad_fn, x0, lr, steps):
    x = np.array(x0, dtype=float)
    trajectory = [x.copy()]
    for _ in range(steps):
        g = np.asarray(grad_fn(x))
        x = x - lr * g / max(np.linalg.norm(g), 1e-300)
        trajectory.append(x.copy())
    return np.array(trajectory)


# --- minibatch_sgd ----------------------------------------------------------------------------

@mutant("minibatch_sgd", hint="this behaves like shuffling with np.random.permutation instead of rng: runs are not "
                              "reproducible from the seed and the global random state changes")
def minibatch_sgd_global_random(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = np.random.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like a fresh unseeded generator (np.random.default_rng()) inside the "
                              "function: equal seeds no longer give equal runs")
def minibatch_sgd_unseeded_generator(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    own = np.random.default_rng()
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = own.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like skipping the last, shorter batch of each epoch: some samples are "
                              "never used in that epoch (and a batch larger than N gives no step at all)")
def minibatch_sgd_drops_last(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X) - len(X) % batch_size, batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like shuffling once before the first epoch: every epoch then uses the "
                              "same batches")
def minibatch_sgd_shuffle_once(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    order = rng.permutation(len(X))
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like never shuffling: the batches are always the samples in their "
                              "original order")
def minibatch_sgd_no_shuffle(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = np.arange(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like shuffling X but not y: each input is paired with another "
                              "sample's target")
def minibatch_sgd_misaligned(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        X_shuffled = X[rng.permutation(len(X))]
        for start in range(0, len(X), batch_size):
            _, grad = loss_and_grad(w, X_shuffled[start:start + batch_size], y[start:start + batch_size])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like drawing every batch with replacement (rng.integers): an epoch may "
                              "use some samples twice and miss others")
def minibatch_sgd_with_replacement(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = rng.integers(0, len(X), size=len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like a trajectory without its starting point w0")
def minibatch_sgd_missing_w0(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)[1:]


@mutant("minibatch_sgd", hint="this behaves like ignoring batch_size: one full-batch step per epoch")
def minibatch_sgd_full_batch(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), len(X)):
            batch = order[start:start + len(X)]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


@mutant("minibatch_sgd", hint="this behaves like gradient ascent: w + lr * grad")
def minibatch_sgd_ascent(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    w = np.array(w0, dtype=float)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w + lr * np.asarray(grad)
            trajectory.append(w.copy())
    return np.array(trajectory)


# --- sigmoid ----------------------------------------------------------------------------------

@mutant("sigmoid", hint="this behaves like exp(z) / (1 + exp(z)) everywhere: for large z it is inf / inf = nan")
def sigmoid_overflows(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1.0 + e)


@mutant("sigmoid", hint="this behaves like 1 - sigmoid(-z) for negative z: the subtraction cancels tiny "
                        "probabilities to 0")
def sigmoid_one_minus(z):
    z = np.asarray(z, dtype=float)
    upper = 1.0 / (1.0 + np.exp(-np.abs(z)))
    return np.where(z >= 0, upper, 1.0 - upper)


@mutant("sigmoid", hint="this behaves like the tanh formula (1 + tanh(z / 2)) / 2: tiny probabilities for very "
                        "negative z are rounded to 0")
def sigmoid_tanh(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


@mutant("sigmoid", hint="this behaves like clipping z to [-500, 500] first: the far-left and far-right values are no "
                        "longer exactly 0 and 1 (clipping changes the answer)")
def sigmoid_clipped(z):
    z = np.clip(np.asarray(z, dtype=float), -500.0, 500.0)
    return 1.0 / (1.0 + np.exp(-z))


@mutant("sigmoid", hint="this behaves like 1 / (1 + exp(z)), which is sigmoid(-z): the sign in the exponent is wrong")
def sigmoid_sign(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return np.where(np.asarray(z) >= 0, e / (1.0 + e), 1.0 / (1.0 + e))


@mutant("sigmoid", hint="this behaves like a sigmoid computed in float32: about 7 digits only, and probabilities "
                        "below 1e-45 become 0")
def sigmoid_float32(z):
    z = np.asarray(z, dtype=np.float32)
    with np.errstate(over="ignore"):
        return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


@mutant("sigmoid", hint="this behaves like exp(-z) / (1 + exp(-z)), which is 1 - sigmoid(z)")
def sigmoid_complement(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))


# --- bernoulli_nll ----------------------------------------------------------------------------

mutant_code("likelihood", "likelihood_ignores_label", "likelihood = p\n",
            hint="likelihood behaves like p whatever the label: for y = 0 the probability of the label is 1 - p")
mutant_code("likelihood", "likelihood_labels_swapped", "likelihood = p ** (1 - y) * (1 - p) ** y\n",
            hint="likelihood has the labels swapped: it gives 1 - p for y = 1")
mutant_code("likelihood", "likelihood_is_log", "likelihood = y * sp.log(p) + (1 - y) * sp.log(1 - p)\n",
            hint="likelihood behaves like the log-likelihood: the likelihood itself is p**y * (1 - p)**(1 - y)")
mutant_code("nll", "nll_missing_minus", "nll = y * sp.log(p) + (1 - y) * sp.log(1 - p)\n",
            hint="nll is the log-likelihood without the minus sign: the negative log-likelihood is positive")
mutant_code("nll", "nll_dropped_second_log", "nll = -(y * sp.log(p) + (1 - y) * (1 - p))\n",
            hint="nll lost the log on the second term: (1 - y) * (1 - p) should be (1 - y) * log(1 - p)")
mutant_code("nll", "nll_labels_swapped", "nll = -((1 - y) * sp.log(p) + y * sp.log(1 - p))\n",
            hint="nll has the labels swapped: it charges -log p for a label 0")
mutant_code("nll", "nll_forgot_log", "nll = -(p ** y * (1 - p) ** (1 - y))\n",
            hint="nll behaves like minus the likelihood: the log is missing")
mutant_code("dnll_dz", "dnll_dz_sign_flipped", "dnll_dz = y - p\n",
            hint="dnll_dz has the wrong sign: it behaves like y - p")
mutant_code("dnll_dz", "dnll_dz_derivative_of_p", "dnll_dz = p * (1 - p)\n",
            hint="dnll_dz behaves like the derivative of the sigmoid p(1 - p), not of the loss")
mutant_code("dnll_dz", "dnll_dz_in_p", "dnll_dz = -y / p + (1 - y) / (1 - p)\n",
            hint="dnll_dz behaves like the derivative with respect to p: the chain rule's factor dp/dz = p(1 - p) "
                 "is missing")
mutant_code("dnll_dz", "dnll_dz_one_minus_p", "dnll_dz = (1 - p) - y\n",
            hint="dnll_dz behaves like (1 - p) - y: the sigmoid of -z instead of z")


# --- logistic_loss_and_grad -------------------------------------------------------------------

@mutant("logistic_loss_and_grad", hint="this behaves like the log-loss with the labels swapped: -(1 - y) log p - "
                                       "y log(1 - p)")
def logistic_labels_swapped(w, b, X, y):
    z = X @ w + b
    t = 1.0 - y
    delta = sigmoid(z) - t
    return float(np.mean((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - t * z)), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like -y log(sigmoid(z)) - (1 - y) log(1 - sigmoid(z)) computed "
                                       "directly: for large logits it is log(0) = -inf, and the loss becomes inf or nan")
def logistic_naive_log(w, b, X, y):
    z = X @ w + b
    p = sigmoid(z)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))
    delta = p - y
    return float(loss), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like clipping p to [1e-12, 1 - 1e-12]: a confidently wrong "
                                       "sample costs at most 27.6 instead of its |z|")
def logistic_clipped(w, b, X, y):
    z = X @ w + b
    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)
    loss = np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))
    delta = sigmoid(z) - y
    return float(loss), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like the gradient of the log-likelihood, y - p, instead of the "
                                       "loss's p - y: both gradients have the wrong sign")
def logistic_gradient_sign(w, b, X, y):
    z = X @ w + b
    delta = y - sigmoid(z)
    return float(np.mean((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - y * z)), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like dw = X.T @ (p - y) without dividing by N")
def logistic_dw_sum(w, b, X, y):
    z = X @ w + b
    delta = sigmoid(z) - y
    return float(np.mean((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - y * z)), X.T @ delta, float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like logits without the intercept: z = X @ w ignores b")
def logistic_no_intercept(w, b, X, y):
    z = X @ w
    delta = sigmoid(z) - y
    return float(np.mean((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - y * z)), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like the summed loss instead of the mean over samples")
def logistic_sum_loss(w, b, X, y):
    z = X @ w + b
    delta = sigmoid(z) - y
    return float(np.sum((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - y * z)), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like the gradient of the squared error of the probabilities: an "
                                       "extra factor 2 p (1 - p)")
def logistic_mse_gradient(w, b, X, y):
    z = X @ w + b
    p = sigmoid(z)
    delta = 2 * (p - y) * p * (1 - p)
    return float(np.mean((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - y * z)), X.T @ delta / len(y), float(np.mean(delta))


@mutant("logistic_loss_and_grad", hint="this behaves like db = sum(p - y): the 1/N of the mean is missing in db")
def logistic_db_sum(w, b, X, y):
    z = X @ w + b
    delta = sigmoid(z) - y
    return float(np.mean((np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))) - y * z)), X.T @ delta / len(y), float(np.sum(delta))


# --- predict_proba ----------------------------------------------------------------------------

@mutant("predict_proba", hint="this behaves like forgetting the intercept: sigmoid(X @ w)")
def predict_proba_no_intercept(w, b, X):
    return sigmoid(X @ w)


@mutant("predict_proba", hint="this behaves like the probability of the label 0, 1 - sigmoid(X @ w + b)")
def predict_proba_class_zero(w, b, X):
    return sigmoid(-(X @ w + b))


@mutant("predict_proba", hint="this behaves like hard labels (p > 0.5) instead of probabilities")
def predict_proba_labels(w, b, X):
    return (sigmoid(X @ w + b) > 0.5).astype(float)


@mutant("predict_proba", hint="this behaves like returning the logits X @ w + b instead of their sigmoid")
def predict_proba_logits(w, b, X):
    return X @ w + b


@mutant("predict_proba", hint="this behaves like exp(z) / (1 + exp(z)): nan for large logits")
def predict_proba_overflows(w, b, X):
    e = np.exp(X @ w + b)
    return e / (1.0 + e)


@mutant("predict_proba", hint="this behaves like a softmax over the samples: the probabilities are normalised to "
                              "sum to 1 over the batch instead of each being a sigmoid")
def predict_proba_softmax_over_samples(w, b, X):
    z = X @ w + b
    e = np.exp(z - z.max())
    return e / e.sum()


@mutant("predict_proba", hint="this behaves like tanh(z) instead of sigmoid(z): values in (-1, 1), not probabilities")
def predict_proba_tanh(w, b, X):
    return np.tanh(X @ w + b)


# --- logistic_fit -----------------------------------------------------------------------------

@mutant("logistic_fit", hint="this behaves like gradient ascent on the loss: w + lr * dw")
def logistic_fit_ascent(X, y, lr, steps):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, db = logistic_loss_and_grad(w, b, X, y)
        w, b = w + lr * dw, b + lr * db
    return w, float(b)


@mutant("logistic_fit", hint="this behaves like starting from w = 1 instead of w = 0")
def logistic_fit_starts_at_ones(X, y, lr, steps):
    w, b = np.ones(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, db = logistic_loss_and_grad(w, b, X, y)
        w, b = w - lr * dw, b - lr * db
    return w, float(b)


@mutant("logistic_fit", hint="this behaves like updating w first and then taking db at the new w: the two updates "
                             "are not simultaneous")
def logistic_fit_sequential(X, y, lr, steps):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, _ = logistic_loss_and_grad(w, b, X, y)
        w = w - lr * dw
        _, _, db = logistic_loss_and_grad(w, b, X, y)
        b = b - lr * db
    return w, float(b)


@mutant("logistic_fit", hint="this behaves like never updating the intercept: b stays 0")
def logistic_fit_no_intercept(X, y, lr, steps):
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        _, dw, _ = logistic_loss_and_grad(w, 0.0, X, y)
        w = w - lr * dw
    return w, 0.0


@mutant("logistic_fit", hint="this behaves like an off-by-one loop: one update fewer than steps")
def logistic_fit_one_short(X, y, lr, steps):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps - 1):
        _, dw, db = logistic_loss_and_grad(w, b, X, y)
        w, b = w - lr * dw, b - lr * db
    return w, float(b)


@mutant("logistic_fit", hint="this behaves like a fixed learning rate of 0.1 whatever lr is")
def logistic_fit_ignores_lr(X, y, lr, steps):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, db = logistic_loss_and_grad(w, b, X, y)
        w, b = w - 0.1 * dw, b - 0.1 * db
    return w, float(b)


@mutant("logistic_fit", hint="this behaves like gradient descent on the squared error (linear regression on the "
                             "0/1 labels) instead of the log-loss")
def logistic_fit_least_squares(X, y, lr, steps):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, db = mse_loss_and_grad(w, b, X, y)
        w, b = w - lr * dw, b - lr * db
    return w, float(b)
