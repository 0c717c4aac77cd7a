"""Trusted reference implementations for ps4 (linear and logistic regression, gradient descent).

Conventions (docs/course.md): `X` is `(N, D)` with samples on axis 0; the MSE is
`mean((X @ w + b - y)**2)` with gradients `2/N * ...`; the log-loss is the mean over samples;
functions that sample draw only from their `rng` argument; inputs are never modified.
"""
import numpy as np
import sympy as sp

# Singular values below RANK_RTOL times the largest count as zero in linear_fit (the contract:
# the hidden tests' full-rank X have condition numbers of at most about 1e4 after centring, and
# their rank-deficient X have "zero" singular values near 1e-15 of the largest).
RANK_RTOL = 1e-10


# --- linear regression ------------------------------------------------------------------------

def linear_fit(X, y):
    """Least squares with an intercept: among all minimisers of ||X w + b - y||^2, the one with
    the smallest ||w|| (the intercept is not penalised). w = pinv(Xc) yc on centred data,
    b = mean(y) - mean(X, axis=0) @ w, by an SVD with the RANK_RTOL cut-off."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    U, s, Vt = np.linalg.svd(X - x_mean, full_matrices=False)
    keep = s > RANK_RTOL * (s[0] if s.size else 0.0)
    w = Vt[keep].T @ ((U[:, keep].T @ (y - y_mean)) / s[keep])
    return w, float(y_mean - x_mean @ w)


def linear_fit_pinv(X, y):
    """Oracle: numpy's pseudo-inverse of the centred data (numpy's own SVD cut-off)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    x_mean = X.mean(axis=0)
    w = np.linalg.pinv(X - x_mean, rcond=1e-10) @ (y - y.mean())
    return w, float(y.mean() - x_mean @ w)


def linear_fit_lstsq(X, y):
    """Oracle for full-rank X only: numpy's lstsq on X with a column of ones appended."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    theta = np.linalg.lstsq(np.column_stack([X, np.ones(len(X))]), y, rcond=None)[0]
    return theta[:-1], float(theta[-1])


def mse_loss(w, b, X, y):
    r = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b - np.asarray(y, dtype=float)
    return float(np.mean(r ** 2))


def mse_loss_and_grad(w, b, X, y):
    """(mean squared residual, 2/N X^T r, 2/N sum r) with r = X w + b - y."""
    X, y, w = np.asarray(X, dtype=float), np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    r = X @ w + b - y
    n = len(y)
    return float(np.mean(r ** 2)), 2.0 / n * (X.T @ r), float(2.0 / n * np.sum(r))


def mse_loss_and_grad_torch(w, b, X, y):
    """Oracle: torch's mse_loss and autograd (float64)."""
    import torch
    wt = torch.tensor(np.asarray(w, dtype=float), requires_grad=True)
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    Xt, yt = torch.as_tensor(np.asarray(X, dtype=float)), torch.as_tensor(np.asarray(y, dtype=float))
    loss = torch.nn.functional.mse_loss(Xt @ wt + bt, yt)
    loss.backward()
    return float(loss), wt.grad.numpy(), float(bt.grad)


# --- gradient descent -------------------------------------------------------------------------

def gradient_descent(grad_fn, x0, lr, steps):
    """x_{k+1} = x_k - lr * grad_fn(x_k); returns the (steps + 1, *x0.shape) trajectory, x0 first."""
    x = np.array(x0, dtype=float)
    trajectory = [x.copy()]
    for _ in range(steps):
        x = x - lr * np.asarray(grad_fn(x), dtype=float)
        trajectory.append(x.copy())
    return np.array(trajectory)


def quadratic_trajectory(A, c, x0, lr, steps):
    """Closed form of gradient descent on f(x) = 1/2 (x - c)^T A (x - c), A symmetric:
    x_k = c + (I - lr A)^k (x0 - c), by the eigendecomposition of A."""
    lam, V = np.linalg.eigh(A)
    coords = V.T @ (np.asarray(x0, dtype=float) - c)
    factors = (1.0 - lr * lam)[None, :] ** np.arange(steps + 1)[:, None]
    return c + (factors * coords) @ V.T


def minibatch_sgd(loss_and_grad, w0, X, y, lr, epochs, batch_size, rng):
    """Each epoch: order = rng.permutation(N), batches order[i:i + batch_size] for i = 0,
    batch_size, ... (the last one may be shorter); each step w <- w - lr * grad on the batch.
    Returns the (epochs * ceil(N / batch_size) + 1, *w0.shape) trajectory, w0 first."""
    w = np.array(w0, dtype=float)
    n = len(X)
    trajectory = [w.copy()]
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            _, grad = loss_and_grad(w, X[batch], y[batch])
            w = w - lr * np.asarray(grad, dtype=float)
            trajectory.append(w.copy())
    return np.array(trajectory)


def steps_per_epoch(n, batch_size):
    return -(-n // batch_size)


# --- logistic regression ----------------------------------------------------------------------

def sigmoid(z):
    """1 / (1 + exp(-z)) without overflow: exp of -|z| only, accurate in relative terms for
    very negative z too (no 1 - something)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_torch(z):
    import torch
    return torch.sigmoid(torch.as_tensor(np.asarray(z, dtype=float))).numpy()


def softplus(z):
    """log(1 + exp(z)), stable: max(z, 0) + log1p(exp(-|z|))."""
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def logistic_loss(w, b, X, y):
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b
    return float(np.mean(softplus(z) - np.asarray(y, dtype=float) * z))


def logistic_loss_and_grad(w, b, X, y):
    """Mean log-loss of y in {0, 1} under p = sigmoid(X w + b) and its gradients
    (X^T (p - y) / N, mean(p - y)). Per sample: -y log p - (1 - y) log(1 - p) = softplus(z) - y z."""
    X, y, w = np.asarray(X, dtype=float), np.asarray(y, dtype=float), np.asarray(w, dtype=float)
    z = X @ w + b
    n = len(y)
    delta = sigmoid(z) - y
    return float(np.mean(softplus(z) - y * z)), X.T @ delta / n, float(np.mean(delta))


def logistic_loss_and_grad_torch(w, b, X, y):
    """Oracle: torch's binary_cross_entropy_with_logits and autograd (float64)."""
    import torch
    wt = torch.tensor(np.asarray(w, dtype=float), requires_grad=True)
    bt = torch.tensor(float(b), dtype=torch.float64, requires_grad=True)
    Xt, yt = torch.as_tensor(np.asarray(X, dtype=float)), torch.as_tensor(np.asarray(y, dtype=float))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(Xt @ wt + bt, yt)
    loss.backward()
    return float(loss), wt.grad.numpy(), float(bt.grad)


def logistic_fit(X, y, lr, steps):
    """Full-batch gradient descent on the mean log-loss from w = 0, b = 0: `steps` updates
    w <- w - lr dw, b <- b - lr db, both gradients taken at the current (w, b)."""
    X = np.asarray(X, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(steps):
        _, dw, db = logistic_loss_and_grad(w, b, X, y)
        w, b = w - lr * dw, b - lr * db
    return w, float(b)


def logistic_mle(X, y, iterations=50):
    """The minimiser of the mean log-loss by Newton's method (non-separable data)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    A = np.column_stack([X, np.ones(len(X))])
    theta = np.zeros(A.shape[1])
    for _ in range(iterations):
        p = sigmoid(A @ theta)
        H = A.T @ (A * (p * (1 - p))[:, None]) / len(y)
        theta = theta - np.linalg.solve(H, A.T @ (p - y) / len(y))
    return theta[:-1], float(theta[-1])


def logistic_mle_torch(X, y):
    """Oracle: torch's L-BFGS on binary_cross_entropy_with_logits (float64)."""
    import torch
    Xt, yt = torch.as_tensor(np.asarray(X, dtype=float)), torch.as_tensor(np.asarray(y, dtype=float))
    theta = torch.zeros(Xt.shape[1] + 1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([theta], max_iter=500, tolerance_grad=1e-13, tolerance_change=1e-16,
                            line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(Xt @ theta[:-1] + theta[-1], yt)
        loss.backward()
        return loss
    opt.step(closure)
    theta = theta.detach().numpy()
    return theta[:-1], float(theta[-1])


def predict_proba(w, b, X):
    """P(y = 1 | x) = sigmoid(X w + b), shape (N,)."""
    return sigmoid(np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b)


def numerical_gradient(f, x, h=1e-6):
    """Centred differences of the scalar function f at x (float64)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


# --- the derive question ----------------------------------------------------------------------
# One sample with logit z and label y in {0, 1}; p = sigmoid(z) = P(Y = 1 | z).

z, y = sp.symbols("z y", real=True)
DERIVE_SYMBOLS = {"z": {"real": True}, "y": {"real": True}}
DERIVE_NAMES = ("likelihood", "nll", "dnll_dz")


def derive_answers():
    """{name: SymPy expression}: the Bernoulli likelihood p^y (1 - p)^(1 - y) of the label, its
    negative log (the log-loss of one sample) and the derivative of that in z, p - y."""
    p = 1 / (1 + sp.exp(-z))
    return {"likelihood": p ** y * (1 - p) ** (1 - y),
            "nll": -(y * sp.log(p) + (1 - y) * sp.log(1 - p)),
            "dnll_dz": p - y}
