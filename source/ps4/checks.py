"""Public checks for ps4: run `check("<question>")` in the notebook.

These are quick sanity checks on small examples you can verify by hand. Passing them is a good
sign, not a guarantee: the grade comes from a larger hidden test suite.
"""
import math
import random

import numpy as np
import sympy as sp
from checking import Checks, expect

checks = Checks()


def _close(got, want, tol=1e-6):
    """True when `got` (a number or an array) has `want`'s shape and values."""
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    return got.shape == want.shape and np.allclose(got, want, rtol=tol, atol=tol)


def _pair(got, what):
    expect(isinstance(got, (tuple, list)) and len(got) == 2, f"{what} should return a pair (w, b); yours returned {got!r:.200}")
    return np.asarray(got[0], dtype=float), got[1]


def _triple(got, what):
    expect(isinstance(got, (tuple, list)) and len(got) == 3,
           f"{what} should return three values (loss, dw, db); yours returned {got!r:.200}")
    return got[0], np.asarray(got[1], dtype=float), got[2]


def _numerical_gradient(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step.flat[i] = h
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


# --- linear_fit -------------------------------------------------------------------------------

@checks.add("linear_fit", "four points on the line y = 1 + 2x give w = [2], b = 1")
def _(linear_fit):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    w, b = _pair(linear_fit(X, 1.0 + 2.0 * X[:, 0]), "linear_fit")
    expect(w.shape == (1,), f"w should have shape (D,) = (1,); yours has {w.shape}")
    expect(_close(w, [2.0]) and _close(b, 1.0), f"expected w = [2], b = 1; yours gave w = {w}, b = {b}. "
                                                "Is the intercept fitted (centre X and y, then b = mean(y) - mean(X) @ w)?")


@checks.add("linear_fit", "on noisy data the residual sums to zero and is orthogonal to every feature")
def _(linear_fit):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3)) + [2.0, -1.0, 4.0]
    y = X @ np.array([0.5, -1.0, 2.0]) + 3.0 + rng.normal(size=30)
    w, b = _pair(linear_fit(X, y), "linear_fit")
    expect(w.shape == (3,), f"w should have shape (3,); yours has {w.shape}")
    r = X @ w + b - y
    expect(abs(np.sum(r)) < 1e-8, f"at the least-squares fit the residuals X @ w + b - y sum to 0; yours sum to {np.sum(r):.3g}")
    expect(np.max(np.abs(X.T @ r)) < 1e-7, f"at the least-squares fit X.T @ residual = 0 (the normal equations); "
                                           f"yours is {X.T @ r}")


@checks.add("linear_fit", "redundant features: duplicated columns share the weight, a constant column gets none")
def _(linear_fit):
    x = np.array([-1.0, 0.5, 2.0, 3.5, 4.0])
    X = np.column_stack([x, x, np.full(5, 5.0)])       # rank 1 after centring
    got = _pair(linear_fit(X, 3.0 * x + 1.0), "linear_fit")
    w, b = got
    expect(np.all(np.isfinite(w)) and np.max(np.abs(w)) < 1e3,
           f"for rank-deficient X the weights should be small and finite; yours are {w}. "
           "Treat singular values below 1e-10 times the largest as zero instead of dividing by them.")
    expect(_close(w, [1.5, 1.5, 0.0]) and _close(b, 1.0),
           f"the minimum-norm fit of y = 3x + 1 with X = [x, x, 5] is w = [1.5, 1.5, 0], b = 1; yours gave "
           f"w = {w}, b = {b}. The intercept is not penalised: centre X and y first (a column of ones appended "
           "to X would share the job of the constant column and give another answer).")


@checks.add("linear_fit", "with fewer samples than features the fit interpolates")
def _(linear_fit):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(3, 5)), rng.normal(size=3)
    w, b = _pair(linear_fit(X, y), "linear_fit")
    expect(w.shape == (5,), f"w should have shape (5,); yours has {w.shape}")
    expect(_close(X @ w + b, y), f"with N = 3 < D = 5 a perfect fit exists; your predictions are {X @ w + b}, the "
                                 f"targets {y}")


# --- mse_loss_and_grad ------------------------------------------------------------------------

@checks.add("mse_loss_and_grad", "a hand-computed example: every residual is 0.5")
def _(mse_loss_and_grad):
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    loss, dw, db = _triple(mse_loss_and_grad(np.array([1.0, 2.0]), 0.5, X, np.array([1.0, 2.0, 3.0])), "mse_loss_and_grad")
    expect(_close(loss, 0.25), f"the residuals are [0.5, 0.5, 0.5], so the loss is 0.25; yours is {loss}")
    expect(_close(dw, [2 / 3, 2 / 3]), f"dw = 2/N * X.T @ r = [2/3, 2/3]; yours is {dw}. Check the factor 2/N and X.T.")
    expect(_close(db, 1.0), f"db = 2/N * sum(r) = 1; yours is {db}")


@checks.add("mse_loss_and_grad", "the gradients agree with finite differences of your loss")
def _(mse_loss_and_grad):
    rng = np.random.default_rng(2)
    X, y, w, b = rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=3), 0.7
    _, dw, db = _triple(mse_loss_and_grad(w, b, X, y), "mse_loss_and_grad")
    num_w = _numerical_gradient(lambda v: float(mse_loss_and_grad(v, b, X, y)[0]), w)
    num_b = _numerical_gradient(lambda v: float(mse_loss_and_grad(w, v[0], X, y)[0]), np.array([b]))[0]
    expect(dw.shape == (3,) and _close(dw, num_w, 1e-5), f"dw should match finite differences {num_w}; yours is {dw}")
    expect(_close(db, num_b, 1e-5), f"db should match the finite difference {num_b:.6f}; yours is {db}")


@checks.add("mse_loss_and_grad", "at an exact fit the loss and both gradients are 0")
def _(mse_loss_and_grad):
    X = np.array([[1.0, 2.0], [3.0, -1.0], [0.0, 4.0], [2.0, 2.0]])
    w = np.array([0.5, -1.5])
    loss, dw, db = _triple(mse_loss_and_grad(w, 2.0, X, X @ w + 2.0), "mse_loss_and_grad")
    expect(_close(loss, 0.0) and _close(dw, [0.0, 0.0]) and _close(db, 0.0),
           f"y = X @ w + b exactly, so everything should be 0; yours gave loss {loss}, dw {dw}, db {db}. "
           "Is the intercept b inside the residual?")


# --- gradient_descent -------------------------------------------------------------------------

@checks.add("gradient_descent", "three steps on f(x) = x^2 halve x each time (lr = 0.25)")
def _(gradient_descent):
    got = np.asarray(gradient_descent(lambda x: 2 * x, np.array([3.0]), 0.25, 3), dtype=float)
    expect(got.shape == (4, 1), f"steps = 3 from x0 of shape (1,) gives a trajectory of shape (4, 1); yours has {got.shape}. "
                                "Is x0 the first row?")
    expect(_close(got[:, 0], [3.0, 1.5, 0.75, 0.375]),
           f"x_(k+1) = x_k - 0.25 * 2 x_k = x_k / 2 gives [3, 1.5, 0.75, 0.375]; yours is {got[:, 0]}. "
           "Do you step against the gradient, and append a copy of x each time?")


@checks.add("gradient_descent", "the trajectory starts at x0, and x0 itself is not modified")
def _(gradient_descent):
    x0 = np.array([1.0, -2.0])
    got = np.asarray(gradient_descent(lambda x: np.array([x[0], 4.0 * x[1]]), x0, 0.1, 5), dtype=float)
    expect(np.array_equal(x0, [1.0, -2.0]), f"x0 was modified in place: it is now {x0}")
    expect(got.shape == (6, 2), f"5 steps in 2-D give shape (6, 2); yours has {got.shape}")
    expect(_close(got[0], [1.0, -2.0]) and _close(got[-1], [0.9 ** 5, -2.0 * 0.6 ** 5]),
           f"expected first row [1, -2] and last row [{0.9 ** 5:.5f}, {-2 * 0.6 ** 5:.5f}]; yours are {got[0]} and {got[-1]}")


@checks.add("gradient_descent", "too large a learning rate diverges: on f(x) = x^2 with lr = 1.5, x is multiplied by -2")
def _(gradient_descent):
    got = np.asarray(gradient_descent(lambda x: 2 * x, np.array([1.0]), 1.5, 4), dtype=float)
    expect(_close(got.ravel(), [1.0, -2.0, 4.0, -8.0, 16.0]),
           f"x - 1.5 * 2x = -2x, so the iterates are [1, -2, 4, -8, 16]; yours are {got.ravel()}. "
           "Take every step, even when the iterates grow.")


# --- minibatch_sgd ----------------------------------------------------------------------------

def _recording(batches):
    """A loss_and_grad on X = sample indices that records each batch; its gradient is 0."""
    def loss_and_grad(w, X_batch, y_batch):
        batches.append(sorted(int(i) for i in np.asarray(X_batch)[:, 0]))
        return 0.0, np.zeros_like(w)
    return loss_and_grad


@checks.add("minibatch_sgd", "10 samples in batches of 4: three steps an epoch (4, 4 and the last 2), each sample once")
def _(minibatch_sgd):
    batches = []
    X, y = np.arange(10.0)[:, None], np.zeros(10)
    got = np.asarray(minibatch_sgd(_recording(batches), np.zeros(2), X, y, 0.1, 2, 4, np.random.default_rng(0)))
    expect(got.shape == (7, 2), f"2 epochs of ceil(10 / 4) = 3 steps give a trajectory of shape (7, 2) with w0 first; "
                                f"yours has {got.shape}. Keep the last, shorter batch.")
    for epoch in (batches[:3], batches[3:6]):
        expect(sorted(len(b) for b in epoch) == [2, 4, 4] and sorted(sum(epoch, [])) == list(range(10)),
               f"each epoch should split the 10 samples into batches of 4, 4 and 2, each sample once; yours used {epoch}")
    expect(batches[:3] != batches[3:6], f"both epochs used the same batches {batches[:3]}: draw a new order every epoch")


@checks.add("minibatch_sgd", "a batch larger than the data is one full-batch gradient step per epoch")
def _(minibatch_sgd):
    X = np.array([[1.0], [2.0], [4.0]])
    y = np.array([1.0, 3.0, 2.0])

    def loss_and_grad(w, X_batch, y_batch):
        r = X_batch[:, 0] * w[0] - y_batch
        return float(np.mean(r ** 2)), np.array([2 * np.mean(r * X_batch[:, 0])])
    got = np.asarray(minibatch_sgd(loss_and_grad, np.array([0.0]), X, y, 0.05, 2, 100, np.random.default_rng(1)), dtype=float)
    w1 = 0.0 - 0.05 * loss_and_grad(np.array([0.0]), X, y)[1][0]
    w2 = w1 - 0.05 * loss_and_grad(np.array([w1]), X, y)[1][0]
    expect(_close(got.ravel(), [0.0, w1, w2]), f"expected the full-batch iterates [0, {w1:.4f}, {w2:.4f}]; yours are {got.ravel()}")


@checks.add("minibatch_sgd", "equal seeds give equal runs, and the global random state is left alone")
def _(minibatch_sgd):
    X, y = np.arange(9.0)[:, None], np.zeros(9)
    state, py_state = np.random.get_state()[1].copy(), random.getstate()
    first, second = [], []
    minibatch_sgd(_recording(first), np.zeros(1), X, y, 0.1, 3, 2, np.random.default_rng(5))
    minibatch_sgd(_recording(second), np.zeros(1), X, y, 0.1, 3, 2, np.random.default_rng(5))
    expect(np.array_equal(state, np.random.get_state()[1]) and py_state == random.getstate(),
           "the global random state changed: shuffle with rng (rng.permutation), never np.random.* or random.*")
    expect(len(first) == 15, f"3 epochs of 9 samples in batches of 2 take 15 steps (5 an epoch, the last with one sample); "
                             f"yours took {len(first)}")
    expect(first == second, f"two runs with the same seed should use the same batches; yours used {first} and {second}")


# --- sigmoid ----------------------------------------------------------------------------------

@checks.add("sigmoid", "sigmoid(0) = 1/2, sigmoid(log 3) = 3/4, sigmoid(-log 3) = 1/4, elementwise")
def _(sigmoid):
    got = np.asarray(sigmoid(np.array([[0.0, math.log(3.0), -math.log(3.0)]])), dtype=float)
    expect(got.shape == (1, 3), f"the result should keep the shape (1, 3); yours has {got.shape}")
    expect(_close(got, [[0.5, 0.75, 0.25]]), f"expected [[0.5, 0.75, 0.25]]; yours is {got}")


@checks.add("sigmoid", "no overflow for |z| = 1e4: exactly 0 and 1 at the extremes")
def _(sigmoid):
    try:
        with np.errstate(over="raise", invalid="raise"):
            got = np.asarray(sigmoid(np.array([-1e4, -800.0, 800.0, 1e4])), dtype=float)
    except FloatingPointError as error:
        expect(False, f"numpy reported {error}: some exp(t) with t > 709 overflowed. Only ever exponentiate -|z|.")
    expect(np.array_equal(got, [0.0, 0.0, 1.0, 1.0]), f"expected exactly [0, 0, 1, 1]; yours is {got}")


@checks.add("sigmoid", "tiny probabilities keep their precision: sigmoid(-50) = 1.93e-22, not 0")
def _(sigmoid):
    got = float(np.asarray(sigmoid(np.array([-50.0])), dtype=float)[0])
    want = math.exp(-50.0) / (1.0 + math.exp(-50.0))
    expect(abs(got - want) < 1e-10 * want, f"sigmoid(-50) should be {want:.6e}; yours is {got:.6e}. "
                                            "1 - sigmoid(50) and tanh formulas cancel to 0: use exp(z) / (1 + exp(z)) for z < 0.")


# --- bernoulli_nll ----------------------------------------------------------------------------

_z, _y = sp.symbols("z y", real=True)


def _value(expr, name, z_value, y_value):
    expect(isinstance(expr, sp.Expr), f"{name} should be a SymPy expression; it is a {type(expr).__name__}")
    extra = expr.free_symbols - {_z, _y}
    expect(not extra, f"{name} should use only the symbols z and y; it also uses {extra}")
    return complex(sp.N(expr.subs({_z: z_value, _y: y_value})))


@checks.add("bernoulli_nll", "likelihood is p for y = 1 and 1 - p for y = 0")
def _(likelihood):
    for z_value in (0.7, -1.9):
        p = 1.0 / (1.0 + math.exp(-z_value))
        for y_value, want in ((1, p), (0, 1 - p)):
            got = _value(likelihood, "likelihood", z_value, y_value)
            expect(abs(got - want) < 1e-9, f"at z = {z_value}, y = {y_value} the likelihood should be {want:.6f}; "
                                           f"yours is {got.real:.6f}")


@checks.add("bernoulli_nll", "nll is -log(likelihood): log 2 at z = 0, -log p for y = 1, -log(1 - p) for y = 0")
def _(nll):
    expect(abs(_value(nll, "nll", 0.0, 1) - math.log(2.0)) < 1e-9,
           f"at z = 0 (p = 1/2) the loss is log 2 = 0.693147; yours is {_value(nll, 'nll', 0.0, 1).real:.6f}")
    p = 1.0 / (1.0 + math.exp(-1.3))
    for y_value, want in ((1, -math.log(p)), (0, -math.log(1 - p))):
        got = _value(nll, "nll", 1.3, y_value)
        expect(abs(got - want) < 1e-9, f"at z = 1.3, y = {y_value} the loss should be {want:.6f}; yours is {got.real:.6f}. "
                                       "Is there a log on both terms, and a minus sign in front?")


@checks.add("bernoulli_nll", "dnll_dz agrees with a finite difference of your nll")
def _(nll, dnll_dz):
    for y_value in (0, 1):
        for z_value in (-0.8, 1.6):
            h = 1e-6
            numeric = (_value(nll, "nll", z_value + h, y_value) - _value(nll, "nll", z_value - h, y_value)).real / (2 * h)
            got = _value(dnll_dz, "dnll_dz", z_value, y_value)
            expect(abs(got - numeric) < 1e-6, f"at z = {z_value}, y = {y_value} the slope of your nll is {numeric:.6f}; "
                                              f"your dnll_dz is {got.real:.6f}")


# --- logistic_loss_and_grad -------------------------------------------------------------------

@checks.add("logistic_loss_and_grad", "at w = 0, b = 0 every p is 1/2: the loss is log 2")
def _(logistic_loss_and_grad):
    X = np.array([[1.0, 2.0], [-1.0, 0.5], [3.0, -1.0], [0.0, 1.0]])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss, dw, db = _triple(logistic_loss_and_grad(np.zeros(2), 0.0, X, y), "logistic_loss_and_grad")
    expect(_close(loss, math.log(2.0)), f"the loss should be log 2 = 0.693147; yours is {loss}")
    want = X.T @ (0.5 - y) / 4
    expect(dw.shape == (2,) and _close(dw, want), f"dw = X.T @ (p - y) / N = {want}; yours is {dw}")
    expect(_close(db, 0.0), f"db = mean(p - y) = 0 here; yours is {db}")


@checks.add("logistic_loss_and_grad", "the gradients agree with finite differences of your loss")
def _(logistic_loss_and_grad):
    rng = np.random.default_rng(3)
    X, w, b = rng.normal(size=(7, 3)), rng.normal(size=3), -0.4
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0])
    _, dw, db = _triple(logistic_loss_and_grad(w, b, X, y), "logistic_loss_and_grad")
    num_w = _numerical_gradient(lambda v: float(logistic_loss_and_grad(v, b, X, y)[0]), w)
    num_b = _numerical_gradient(lambda v: float(logistic_loss_and_grad(w, v[0], X, y)[0]), np.array([b]))[0]
    expect(_close(dw, num_w, 1e-5), f"dw should match finite differences {num_w}; yours is {dw}. Is it X.T @ (p - y) / N?")
    expect(_close(db, num_b, 1e-5), f"db should match the finite difference {num_b:.6f}; yours is {db}")


@checks.add("logistic_loss_and_grad", "a confidently wrong sample with logit 1000 costs 1000, not inf")
def _(logistic_loss_and_grad):
    X = np.array([[1.0], [-1.0]])
    loss, dw, db = _triple(logistic_loss_and_grad(np.array([1000.0]), 0.0, X, np.array([0.0, 0.0])), "logistic_loss_and_grad")
    expect(np.isfinite(loss) and _close(loss, 500.0),
           f"the first sample (logit 1000, label 0) costs 1000, the second (logit -1000, label 0) nothing: the mean is 500; "
           f"yours is {loss}. Compute log(1 + e^z) as max(z, 0) + log1p(exp(-|z|)), and do not clip p.")
    expect(_close(dw, [0.5]) and _close(db, 0.5), f"dw should be [0.5] and db 0.5; yours are {dw} and {db}")


# --- predict_proba ----------------------------------------------------------------------------

@checks.add("predict_proba", "one probability per row: sigmoid(X @ w + b)")
def _(predict_proba):
    X = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, -1.0]])
    got = np.asarray(predict_proba(np.array([1.0, -0.5]), 0.25, X), dtype=float)
    want = 1 / (1 + np.exp(-np.array([0.25, 0.25, 2.75])))
    expect(got.shape == (3,), f"the result should have shape (N,) = (3,); yours has {got.shape}")
    expect(_close(got, want), f"expected {want}; yours is {got}. Is the intercept added to every logit?")


@checks.add("predict_proba", "negating w and b gives 1 - p; huge logits give exactly 0 or 1")
def _(predict_proba):
    X = np.array([[1.0, 3.0], [-2.0, 0.5]])
    w = np.array([0.3, -0.7])
    p, q = np.asarray(predict_proba(w, 0.2, X), dtype=float), np.asarray(predict_proba(-w, -0.2, X), dtype=float)
    expect(_close(p + q, [1.0, 1.0]), f"p(w, b) + p(-w, -b) should be 1 for every row; yours sum to {p + q}")
    got = np.asarray(predict_proba(np.array([2000.0, 0.0]), 0.0, X), dtype=float)
    expect(np.array_equal(got, [1.0, 0.0]), f"logits +2000 and -4000 should give [1, 0]; yours gave {got}")


# --- logistic_fit -----------------------------------------------------------------------------

_X_FIT = np.array([[0.5, 1.0], [1.5, -0.5], [-1.0, 0.5], [-0.5, -1.5], [2.0, 1.0], [-2.0, 0.0], [0.2, -0.4], [1.0, 0.8]])
_Y_FIT = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0])     # not separable: the MLE is finite


@checks.add("logistic_fit", "zero steps leave w = 0, b = 0; one step moves against the gradient at zero")
def _(logistic_fit):
    w, b = _pair(logistic_fit(_X_FIT, _Y_FIT, 0.5, 0), "logistic_fit")
    expect(w.shape == (2,) and _close(w, [0.0, 0.0]) and _close(b, 0.0), f"steps = 0 should return w = [0, 0], b = 0; "
                                                                         f"yours gave {w}, {b}")
    w, b = _pair(logistic_fit(_X_FIT, _Y_FIT, 0.5, 1), "logistic_fit")
    want_w, want_b = -0.5 * _X_FIT.T @ (0.5 - _Y_FIT) / 8, -0.5 * np.mean(0.5 - _Y_FIT)
    expect(_close(w, want_w) and _close(b, want_b), f"one step from zero gives w = {want_w}, b = {want_b + 0.0:.4f}; yours "
                                                    f"gave {w}, {b}. Step against the gradient, w - lr * dw and b - lr * db, "
                                                    "with both gradients taken at the same (w, b).")


@checks.add("logistic_fit", "training lowers the loss below log 2 and classifies most points right")
def _(logistic_fit):
    w, b = _pair(logistic_fit(_X_FIT, _Y_FIT, 1.0, 200), "logistic_fit")
    z = _X_FIT @ w + float(b)
    loss = float(np.mean(np.logaddexp(0.0, z) - _Y_FIT * z))
    expect(loss < 0.45, f"after 200 steps the mean log-loss should be about 0.41, well below log 2 = 0.693; "
                        f"yours is {loss:.4f}")
    expect(np.mean((z > 0) == (_Y_FIT == 1)) >= 6 / 8, f"6 of the 8 points should be classified right (two are "
                                                      f"mislabelled on purpose); your logits are {z}")

check = checks.run
