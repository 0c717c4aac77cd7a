"""Public checks for ps3 (backprop a two-layer net): quick hints, run in your notebook.

Your grade comes from a separate set of hidden tests; passing these checks is a good sign, not a
guarantee.
"""
import numpy as np
from checking import Checks, expect

checks = Checks()


def _array(value, name):
    """The student's result as a float array, or a failed check that says what came back."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        expect(False, f"{name} should be a numpy array of numbers; yours is {type(value).__name__}")


def _close(got, expected):
    """Equal up to rounding, also for a float32 computation."""
    return np.allclose(got, expected, rtol=1e-5, atol=1e-6)


def _shape(value, expected, name):
    got = _array(value, name)
    expect(got.shape == expected, f"{name} should have shape {expected}; yours has shape {got.shape}")
    return got


# A small example whose results are easy to work out by hand.
_X1 = np.array([[1.0, 2.0]])
_W1 = np.array([[1.0, 0.0, -1.0],
                [0.0, 1.0, 2.0]])
_B1 = np.array([0.5, 0.0, -1.0])


# --- affine_forward ---------------------------------------------------------------------------

@checks.add("affine_forward", "output has shape (N, H)")
def _(affine_forward):
    rng = np.random.default_rng(0)
    _shape(affine_forward(rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)),
           (4, 2), "affine_forward(x of shape (4, 3), W of shape (3, 2), b of shape (2,))")


@checks.add("affine_forward", "a hand-computed example")
def _(affine_forward):
    got = _shape(affine_forward(_X1, _W1, _B1), (1, 3), "the output")
    expect(_close(got, [[1.5, 2.0, 2.0]]),
           f"x = [[1, 2]], W = [[1, 0, -1], [0, 1, 2]], b = [0.5, 0, -1] should give "
           f"x W + b = [[1.5, 2, 2]]; yours gives {got.tolist()}")


@checks.add("affine_forward", "the bias is added to every row")
def _(affine_forward):
    x = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]])
    got = _shape(affine_forward(x, _W1, _B1), (3, 3), "the output")
    expect(_close(got[0], got[1]) and _close(got[2], _B1),
           "two equal rows of x should give two equal rows of output, and a row of zeros should "
           f"give exactly b = {_B1.tolist()}; yours gives {got.tolist()}")


# --- relu_forward -----------------------------------------------------------------------------

@checks.add("relu_forward", "negatives become 0, positives pass unchanged")
def _(relu_forward):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 3.0])
    got = _shape(relu_forward(x), (5,), "relu_forward of a 5-vector")
    expect(np.array_equal(got, [0.0, 0.0, 0.0, 0.5, 3.0]),
           f"relu([-2, -0.5, 0, 0.5, 3]) should be [0, 0, 0, 0.5, 3]; yours is {got.tolist()}")


@checks.add("relu_forward", "works on arrays of any shape")
def _(relu_forward):
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    got = _shape(relu_forward(x), (2, 3, 4), "relu_forward of a (2, 3, 4) array")
    expect(_close(got, np.where(x > 0, x, 0.0)),
           "each entry should be max(entry, 0), whatever the shape of the array")


# --- chain_rule_example -----------------------------------------------------------------------

@checks.add("chain_rule_example", "a hand-computed example")
def _(chain_rule_example):
    got = float(np.asarray(chain_rule_example(2.0, 3.0, 1.0, -4.0, 5.0), dtype=float))
    expect(np.isclose(got, -8.0),
           "with x = 2, w1 = 3, b1 = 1, w2 = -4, b2 = 5: dy2/dy1 = w2 = -4 and dy1/dw1 = x = 2, "
           f"so dy2/dw1 should be -8; yours is {got}")


@checks.add("chain_rule_example", "agrees with nudging w1")
def _(chain_rule_example):
    x, w1, b1, w2, b2 = 0.7, -1.3, 0.4, 2.5, -0.6
    def y2(w):
        return (x * w + b1) * w2 + b2
    nudged = (y2(w1 + 0.5) - y2(w1)) / 0.5  # y2 is linear in w1, so this slope is exact
    got = float(np.asarray(chain_rule_example(x, w1, b1, w2, b2), dtype=float))
    expect(np.isclose(got, nudged),
           f"moving w1 by 0.5 changes y2 by {nudged * 0.5:.4f}, a slope of {nudged:.4f}; "
           f"your dy2/dw1 is {got}")


# --- affine_backward --------------------------------------------------------------------------

@checks.add("affine_backward", "each gradient has the shape of what it is the gradient of")
def _(affine_backward):
    rng = np.random.default_rng(2)
    grads = affine_backward(rng.normal(size=(4, 2)), rng.normal(size=(4, 3)), rng.normal(size=(3, 2)))
    expect(isinstance(grads, (tuple, list)) and len(grads) == 3,
           "affine_backward should return three arrays: dx, dW, db")
    for value, shape, name in zip(grads, [(4, 3), (3, 2), (2,)], ["dx", "dW", "db"]):
        _shape(value, shape, f"{name} (for N = 4, D = 3, H = 2)")


@checks.add("affine_backward", "a hand-computed example")
def _(affine_backward):
    dout = np.array([[1.0, 0.0, -1.0]])
    dx, dW, db = affine_backward(dout, _X1, _W1)
    dx, dW, db = _shape(dx, (1, 2), "dx"), _shape(dW, (2, 3), "dW"), _shape(db, (3,), "db")
    expect(_close(dx, [[2.0, -2.0]]),
           f"with x = [[1, 2]], W = [[1, 0, -1], [0, 1, 2]], dout = [[1, 0, -1]]: "
           f"dx = dout W^T should be [[2, -2]]; yours is {dx.tolist()}")
    expect(_close(dW, [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0]]),
           f"dW = x^T dout should be [[1, 0, -1], [2, 0, -2]]; yours is {dW.tolist()}")
    expect(_close(db, [1.0, 0.0, -1.0]), f"db should be [1, 0, -1]; yours is {db.tolist()}")


@checks.add("affine_backward", "dW and db add up the contributions of all samples")
def _(affine_backward):
    dout = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
    x = np.array([[1.0, 2.0], [1.0, 2.0]])
    _, dW, db = affine_backward(dout, x, _W1)
    dW, db = _shape(dW, (2, 3), "dW"), _shape(db, (3,), "db")
    expect(_close(db, [2.0, 0.0, -2.0]) and _close(dW, [[2.0, 0.0, -2.0], [4.0, 0.0, -4.0]]),
           "two identical samples should give twice the gradient of one, because W and b are "
           "shared by all samples and their gradients sum over samples: expected "
           f"dW = [[2, 0, -2], [4, 0, -4]] and db = [2, 0, -2]; yours are {dW.tolist()} and {db.tolist()}")


# --- relu_backward ----------------------------------------------------------------------------

@checks.add("relu_backward", "the gradient passes where x > 0 and stops where x <= 0")
def _(relu_backward):
    got = _shape(relu_backward(np.array([5.0, 6.0, 7.0]), np.array([-1.0, 0.0, 2.0])), (3,), "dx")
    expect(np.array_equal(got, [0.0, 0.0, 7.0]),
           "dout = [5, 6, 7] at x = [-1, 0, 2] should give [0, 0, 7] (relu'(0) = 0 in this course); "
           f"yours gives {got.tolist()}")


@checks.add("relu_backward", "the mask comes from x, not from the sign of dout")
def _(relu_backward):
    got = _shape(relu_backward(np.array([-3.0, -3.0, 4.0]), np.array([1.0, -1.0, -2.0])), (3,), "dx")
    expect(np.array_equal(got, [-3.0, 0.0, 0.0]),
           "dout = [-3, -3, 4] at x = [1, -1, -2] should give [-3, 0, 0]: negative gradients flow "
           f"through units that were on, nothing flows through units that were off; yours gives {got.tolist()}")


@checks.add("relu_backward", "works on 2-D arrays")
def _(relu_backward):
    rng = np.random.default_rng(3)
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    got = _shape(relu_backward(dout, x), (3, 4), "dx")
    expect(_close(got, dout * (x > 0)), "each entry should be dout where x > 0, else 0")


# --- numerical_gradient -----------------------------------------------------------------------

@checks.add("numerical_gradient", "gradient of sum(x**2) is 2x")
def _(numerical_gradient):
    x = np.array([1.0, -2.0, 3.0])
    got = _shape(numerical_gradient(lambda v: np.sum(v ** 2), x), (3,), "the gradient")
    expect(np.allclose(got, [2.0, -4.0, 6.0], atol=1e-6),
           f"at x = [1, -2, 3] the gradient of sum(x**2) is [2, -4, 6]; yours is {got.tolist()}")


@checks.add("numerical_gradient", "x is restored and any shape works")
def _(numerical_gradient):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    original = x.copy()
    got = _shape(numerical_gradient(lambda v: np.sum(v ** 3), x), (2, 3), "the gradient of a (2, 3) array")
    expect(np.array_equal(x, original),
           "after numerical_gradient returns, x should hold exactly its original values; "
           f"yours changed it to {x.tolist()}")
    expect(np.allclose(got, 3 * original ** 2, atol=1e-6),
           "the gradient of sum(x**3) is 3 x**2, entry by entry")


@checks.add("numerical_gradient", "centred differences with the step h you are given")
def _(numerical_gradient):
    # For x**3 the centred difference is exactly 3x**2 + h**2; a one-sided one is 3x**2 + 3xh + h**2.
    got = _shape(numerical_gradient(lambda v: np.sum(v ** 3), np.array([1.0, 2.0]), h=0.1), (2,),
                 "the gradient")
    expect(np.allclose(got, [3.01, 12.01], rtol=1e-6, atol=1e-6),
           "with h = 0.1, centred differences of sum(x**3) at x = [1, 2] give "
           "(f(x+h) - f(x-h)) / (2h) = 3x**2 + h**2 = [3.01, 12.01]; "
           f"yours gives {got.tolist()} (one-sided differences would give [3.31, 13.21])")


# --- two_layer_loss ---------------------------------------------------------------------------

def _small_net(rng, D=4, H=5, C=3, scale=1.0):
    return {"W1": scale * rng.normal(size=(D, H)), "b1": scale * rng.normal(size=H),
            "W2": scale * rng.normal(size=(H, C)), "b2": scale * rng.normal(size=C)}


@checks.add("two_layer_loss", "returns a number and a gradient of the right shape for each parameter")
def _(two_layer_loss):
    rng = np.random.default_rng(4)
    params = _small_net(rng)
    result = two_layer_loss(params, rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2]), 0.1)
    expect(isinstance(result, tuple) and len(result) == 2, "two_layer_loss should return (loss, grads)")
    loss, grads = result
    expect(np.ndim(loss) == 0 and np.isfinite(float(loss)), f"loss should be one finite number; yours is {loss!r}")
    expect(isinstance(grads, dict) and set(grads) == set(params),
           f"grads should be a dict with keys {sorted(params)}")
    for name in params:
        _shape(grads[name], params[name].shape, f"grads['{name}']")


@checks.add("two_layer_loss", "tiny weights give a loss of about log(C)")
def _(two_layer_loss):
    rng = np.random.default_rng(5)
    params = _small_net(rng, scale=1e-4)
    loss, _ = two_layer_loss(params, rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2]), 0.0)
    expect(abs(float(loss) - np.log(3)) < 1e-3,
           "with weights near zero every class gets probability about 1/3, so the mean "
           f"cross-entropy should be about log(3) = {np.log(3):.4f}; yours is {float(loss):.4f}")


@checks.add("two_layer_loss", "all-zero weights: db2 is 1/C minus the class frequencies")
def _(two_layer_loss):
    params = {"W1": np.zeros((4, 5)), "b1": np.zeros(5), "W2": np.zeros((5, 3)), "b2": np.zeros(3)}
    X = np.random.default_rng(6).normal(size=(3, 4))
    _, grads = two_layer_loss(params, X, np.array([0, 0, 1]), 0.0)
    db2 = _shape(grads["b2"], (3,), "grads['b2']")
    expect(_close(db2, [-1 / 3, 0.0, 1 / 3]),
           "with zero weights p = 1/3 for every class, and db2 = mean over samples of "
           "(p - onehot(y)); for labels [0, 0, 1] that is [1/3 - 2/3, 1/3 - 1/3, 1/3 - 0] = "
           f"[-1/3, 0, 1/3]; yours is {db2.tolist()}")


@checks.add("two_layer_loss", "regularisation adds 0.5*reg*sum(W**2) to the loss and reg*W to the weight gradients")
def _(two_layer_loss):
    rng = np.random.default_rng(7)
    params = _small_net(rng)
    X, y = rng.normal(size=(6, 4)), np.array([2, 1, 0, 0, 1, 2])
    loss0, grads0 = two_layer_loss(params, X, y, 0.0)
    loss1, grads1 = two_layer_loss(params, X, y, 0.5)
    penalty = 0.25 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    expect(np.isclose(float(loss1) - float(loss0), penalty),
           f"going from reg = 0 to reg = 0.5 should add 0.5 * 0.5 * (sum(W1**2) + sum(W2**2)) = "
           f"{penalty:.4f} to the loss; yours adds {float(loss1) - float(loss0):.4f}")
    for name in params:
        extra = _array(grads1[name], name) - _array(grads0[name], name)
        expected = 0.5 * params[name] if name.startswith("W") else np.zeros_like(params[name])
        expect(_close(extra, expected),
               f"going from reg = 0 to reg = 0.5 should add 0.5 * {name} to grads['{name}']"
               if name.startswith("W") else
               f"regularisation applies to weights only: grads['{name}'] should not depend on reg")


# --- sgd_train --------------------------------------------------------------------------------

def _accuracy(params, X, y):
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0.0)
    return np.mean(np.argmax(hidden @ params["W2"] + params["b2"], axis=1) == y)


@checks.add("sgd_train", "returns parameters of the same shapes and one loss per step")
def _(sgd_train):
    rng = np.random.default_rng(8)
    params = _small_net(rng, D=2, H=6, C=3, scale=0.5)
    X, y = rng.normal(size=(22, 2)), rng.integers(0, 3, size=22)
    result = sgd_train(params, X, y, 0.1, 0.0, 2, 5, np.random.default_rng(0))
    expect(isinstance(result, tuple) and len(result) == 2, "sgd_train should return (params, loss_history)")
    trained, history = result
    expect(isinstance(trained, dict) and set(trained) == set(params),
           f"the trained params should be a dict with keys {sorted(params)}")
    for name in params:
        _shape(trained[name], params[name].shape, f"trained['{name}']")
    expect(len(history) == 10,
           f"22 samples in batches of 5 are 5 steps an epoch (4 batches of 5 and a last, smaller "
           f"batch of 2, which is a step too), so 2 epochs give 10 losses; yours has {len(history)}")


@checks.add("sgd_train", "one full-batch epoch is one step params - lr * grads")
def _(sgd_train, two_layer_loss):
    rng = np.random.default_rng(9)
    params = _small_net(rng, D=2, H=6, C=3, scale=0.5)
    before = {name: value.copy() for name, value in params.items()}
    X, y = rng.normal(size=(10, 2)), rng.integers(0, 3, size=10)
    loss, grads = two_layer_loss(params, X, y, 0.1)
    trained, history = sgd_train(params, X, y, 0.3, 0.1, 1, 10, np.random.default_rng(0))
    for name in params:
        expect(np.array_equal(params[name], before[name]),
               f"sgd_train changed the caller's params['{name}']: work on copies")
        expect(_close(_array(trained[name], name), before[name] - 0.3 * _array(grads[name], name)),
               f"with batch_size = N and one epoch, trained['{name}'] should be "
               f"params['{name}'] - lr * grads['{name}'] (a step against the gradient)")
    expect(len(history) == 1 and np.isclose(float(history[0]), float(loss)),
           f"the history should hold that one step's loss, {float(loss):.4f}; yours is {list(history)}")


@checks.add("sgd_train", "learns the spirals: training accuracy of at least 0.9")
def _(sgd_train, make_spiral, init_params):
    X, y = make_spiral(100, 3, np.random.default_rng(3))
    params = init_params(2, 100, 3, np.random.default_rng(4))
    trained, history = sgd_train(params, X, y, 0.5, 1e-3, 150, 32, np.random.default_rng(5))
    accuracy = _accuracy({k: _array(v, k) for k, v in trained.items()}, X, y)
    expect(accuracy >= 0.9,
           f"after 150 epochs (lr = 0.5, reg = 1e-3, batch_size = 32, H = 100) the training accuracy "
           f"should be at least 0.9; yours is {accuracy:.3f}. Check your gradients first.")


check = checks.run
