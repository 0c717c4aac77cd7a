"""Public checks for ps7 (ensembles and second-order boosting): quick hints, run in your notebook.

Your grade comes from a separate set of hidden tests; passing these checks is a good sign, not a
guarantee.
"""
import math

import numpy as np
from checking import Checks, expect

checks = Checks()


def _array(value, name):
    """The student's result as a float array, or a failed check that says what came back."""
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        expect(False, f"{name} should be a numpy array of numbers; yours is {type(value).__name__}")


def _number(value, name):
    got = _array(value, name)
    expect(got.size == 1, f"{name} should be one number; yours has shape {got.shape}")
    return float(got.reshape(()))


def _close(got, expected, rtol=1e-6, atol=1e-9):
    return np.allclose(got, expected, rtol=rtol, atol=atol)


def _pair(result, name):
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"{name} should return a pair (threshold, gain); yours returned {result!r}")
    return _number(result[0], "the threshold"), _number(result[1], "the gain")


# --- bootstrap_indices ------------------------------------------------------------------------

@checks.add("bootstrap_indices", "n integer indices in [0, n)")
def _(bootstrap_indices):
    idx = np.asarray(bootstrap_indices(50, np.random.default_rng(0)))
    expect(idx.shape == (50,), f"bootstrap_indices(50, rng) should have shape (50,); yours has {idx.shape}")
    expect(idx.dtype.kind in "iu",
           f"indices should be integers (to index X[idx]); yours have dtype {idx.dtype}")
    expect(idx.min() >= 0 and idx.max() < 50,
           f"indices should lie in 0..49 for n = 50; yours range from {idx.min()} to {idx.max()}")


@checks.add("bootstrap_indices", "drawn with replacement: about 63.2% distinct")
def _(bootstrap_indices):
    n = 10_000
    distinct = len(np.unique(np.asarray(bootstrap_indices(n, np.random.default_rng(1))))) / n
    hint = (" All distinct: you drew without replacement (a permutation); a bootstrap sample "
            "draws each index independently, so some repeat." if distinct == 1.0 else "")
    expect(0.61 < distinct < 0.655,
           f"with n = {n}, about 1 - (1 - 1/n)^n = 63.2% of the indices should be distinct; "
           f"yours has {100 * distinct:.1f}%.{hint}")


@checks.add("bootstrap_indices", "randomness from rng only")
def _(bootstrap_indices):
    before = np.random.get_state()[1].copy()
    a = np.asarray(bootstrap_indices(30, np.random.default_rng(5)))
    b = np.asarray(bootstrap_indices(30, np.random.default_rng(5)))
    c = np.asarray(bootstrap_indices(30, np.random.default_rng(6)))
    expect(np.array_equal(np.random.get_state()[1], before),
           "bootstrap_indices changed numpy's global random state: draw from the rng you are "
           "given (rng.integers(...)), never from np.random.*")
    expect(np.array_equal(a, b), "two generators with the same seed should give the same indices; "
           "yours differ, so your draws do not come only from rng")
    expect(not np.array_equal(a, c), "generators with different seeds should give different indices; "
           "yours are equal, so your draws do not come from rng")


# --- bagging_predict --------------------------------------------------------------------------

_X3 = np.array([[0.0, 5.0], [2.0, -1.0], [4.0, 3.0]])
_STUMP = {"feature": 0, "threshold": 3.0, "left": -1.0, "right": 2.0}
_LINEAR = {"w": np.array([0.5, 1.0]), "b": 1.0}


@checks.add("bagging_predict", "a hand-computed example: one stump and one linear model")
def _(bagging_predict):
    got = _array(bagging_predict([_STUMP, _LINEAR], _X3), "bagging_predict")
    expect(got.shape == (3,), f"3 samples should give shape (3,); yours has shape {got.shape}")
    # stump: [-1, -1, 2]; linear: 0.5 x0 + x1 + 1 = [6, 1, 6]; mean: [2.5, 0, 4]
    expect(_close(got, [2.5, 0.0, 4.0]),
           "the stump (feature 0 < 3 -> -1, else 2) predicts [-1, -1, 2], the linear model "
           "(w = [0.5, 1], b = 1) predicts [6, 1, 6], so their mean is [2.5, 0, 4]; "
           f"yours is {got.tolist()}")


@checks.add("bagging_predict", "a sample exactly at the threshold goes right")
def _(bagging_predict):
    X = np.array([[2.9, 0.0], [3.0, 0.0], [3.1, 0.0]])
    got = _array(bagging_predict([_STUMP], X), "bagging_predict")
    expect(_close(got, [-1.0, 2.0, 2.0]),
           "feature values [2.9, 3.0, 3.1] against threshold 3 should give [left, right, right] = "
           f"[-1, 2, 2] (left only when x < threshold); yours is {got.tolist()}")


@checks.add("bagging_predict", "the average over models, one number per sample")
def _(bagging_predict):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(6, 2))
    models = [{"feature": int(j), "threshold": float(t), "left": float(a), "right": float(b)}
              for j, t, a, b in zip([0, 1, 0, 1, 0], rng.normal(size=5), rng.normal(size=5), rng.normal(size=5))]
    got = _array(bagging_predict(models, X), "bagging_predict")
    expect(got.shape == (6,),
           f"5 models on 6 samples should give one prediction per sample, shape (6,); yours has "
           f"shape {got.shape} (average over the models, not over the samples)")
    twice = _array(bagging_predict(models + models, X), "bagging_predict")
    expect(_close(got, twice),
           "each model listed twice should not change the average; yours changed, so it is "
           "not the mean (a sum grows with the number of models)")


# --- xgb_leaf_weight --------------------------------------------------------------------------

@checks.add("xgb_leaf_weight", "a hand-computed example")
def _(xgb_leaf_weight):
    g, h = np.array([0.5, -1.5, 3.0]), np.array([0.25, 0.5, 0.25])
    got = _number(xgb_leaf_weight(g, h, 1.0), "xgb_leaf_weight")
    expect(np.isclose(got, -1.0),
           f"G = 0.5 - 1.5 + 3 = 2 and H = 1, so with lambda = 1 the weight is -G / (H + lambda) "
           f"= -2 / 2 = -1; yours is {got}")


@checks.add("xgb_leaf_weight", "squared loss, lambda = 0: the mean residual")
def _(xgb_leaf_weight):
    y, F = np.array([1.0, 4.0, 2.5, -0.5]), np.array([0.5, 1.0, 1.0, 0.0])
    got = _number(xgb_leaf_weight(F - y, np.ones(4), 0.0), "xgb_leaf_weight")
    expect(np.isclose(got, np.mean(y - F)),
           "for (F - y)^2 / 2, g = F - y and h = 1, so with lambda = 0 the weight is the mean of "
           f"y - F = {np.mean(y - F)}; yours is {got} (check the sign and that you sum g and h)")


@checks.add("xgb_leaf_weight", "lambda shrinks the weight towards 0")
def _(xgb_leaf_weight):
    g, h = np.array([-0.4, -0.3, 0.1]), np.array([0.2, 0.2, 0.1])
    weights = [_number(xgb_leaf_weight(g, h, lam), "xgb_leaf_weight") for lam in (0.0, 0.5, 5.0)]
    expect(weights[0] > weights[1] > weights[2] > 0,
           "G = -0.6 < 0, so the weight should be positive (against the gradient) and shrink as "
           f"lambda grows through 0, 0.5, 5: {[0.6 / (0.5 + l) for l in (0.0, 0.5, 5.0)]}; yours "
           f"are {weights}")


# --- xgb_split_gain ---------------------------------------------------------------------------

@checks.add("xgb_split_gain", "a hand-computed example")
def _(xgb_split_gain):
    g = np.array([1.0, 1.0, -1.0, -2.0])
    h = np.array([0.5, 0.5, 0.5, 0.5])
    mask = np.array([True, True, False, False])
    got = _number(xgb_split_gain(g, h, mask, 1.0, 0.5), "xgb_split_gain")
    # G_L = 2, H_L = 1; G_R = -3, H_R = 1; G = -1, H = 2: 1/2 (4/2 + 9/2 - 1/3) - 0.5
    expected = 0.5 * (4 / 2 + 9 / 2 - 1 / 3) - 0.5
    expect(np.isclose(got, expected),
           "G_L = 2, H_L = 1, G_R = -3, H_R = 1, lambda = 1, gamma = 0.5 give "
           f"1/2 (2^2/2 + 3^2/2 - 1^2/3) - 0.5 = {expected:.6f}; yours is {got:.6f}")


@checks.add("xgb_split_gain", "both sides wanting the same weight gain nothing")
def _(xgb_split_gain):
    g, h = np.array([0.6, 0.3, -0.9, 1.2]), np.array([0.2, 0.1, 0.3, 0.4])
    g = 2.0 * h   # G/H = 2 on any side
    got = _number(xgb_split_gain(g, h, np.array([True, False, True, False]), 0.0, 0.0), "xgb_split_gain")
    expect(abs(got) < 1e-9,
           "with lambda = 0 and G/H equal on both sides, both children want the parent's weight, "
           f"so the bracket is 0 and so is the gain for gamma = 0; yours is {got} (is the parent "
           "term (G_L + G_R)^2 / (H_L + H_R + lambda)?)")


@checks.add("xgb_split_gain", "gamma is subtracted once")
def _(xgb_split_gain):
    rng = np.random.default_rng(3)
    g, h, mask = rng.normal(size=7), rng.uniform(0.1, 0.3, size=7), rng.random(7) < 0.5
    mask[:2] = [True, False]
    a = _number(xgb_split_gain(g, h, mask, 0.5, 0.0), "xgb_split_gain")
    b = _number(xgb_split_gain(g, h, mask, 0.5, 0.75), "xgb_split_gain")
    expect(np.isclose(a - b, 0.75),
           f"raising gamma from 0 to 0.75 should lower the gain by exactly 0.75 (the price of the "
           f"one extra leaf); yours dropped by {a - b:.6f}")


# --- best_split -------------------------------------------------------------------------------

@checks.add("best_split", "a hand-computed example")
def _(best_split):
    x = np.array([3.0, 1.0, 4.0, 2.0])
    g = np.array([-1.0, 1.0, -1.0, 1.0])     # samples at x = 1, 2 want to go down, 3, 4 up
    h = np.ones(4)
    t, gain = _pair(best_split(x, g, h, 0.0, 0.0), "best_split")
    expect(np.isclose(t, 2.5),
           "x = [3, 1, 4, 2] with g = [-1, 1, -1, 1]: the best split puts x = 1, 2 left and 3, 4 "
           f"right, at the midpoint 2.5; your threshold is {t} (sort x first, and report the midpoint "
           "between the last value that goes left and the first that goes right)")
    expect(np.isclose(gain, 0.5 * (4 / 2 + 4 / 2 - 0)),
           f"its gain is 1/2 (2^2/2 + 2^2/2 - 0^2/4) = 2; yours is {gain}")


@checks.add("best_split", "no threshold between equal values")
def _(best_split):
    x = np.array([1.0, 1.0, 1.0, 2.0, 2.0, 3.0])
    g = np.array([-2.0, -2.0, 3.0, 1.0, 0.5, -1.0])
    h = np.full(6, 0.5)
    t, gain = _pair(best_split(x, g, h, 0.1, 0.0), "best_split")
    expect(t in (1.5, 2.5),
           "the distinct values are 1, 2, 3, so the only candidates are 1.5 and 2.5 (samples with "
           f"equal x always go to the same side); your threshold is {t}")


@checks.add("best_split", "equal gains: the smallest threshold")
def _(best_split):
    x = np.array([0.0, 1.0, 2.0, 3.0])
    g, h = np.array([1.0, -1.0, -1.0, 1.0]), np.ones(4)   # symmetric: 0.5 and 2.5 tie
    t, _ = _pair(best_split(x, g, h, 1.0, 0.0), "best_split")
    expect(np.isclose(t, 0.5),
           "x = [0, 1, 2, 3], g = [1, -1, -1, 1]: the splits at 0.5 and 2.5 have exactly the same "
           f"gain, and the smallest threshold should win; yours is {t}")


@checks.add("best_split", "a constant feature has no split")
def _(best_split):
    result = best_split(np.full(5, 2.0), np.array([1.0, -1.0, 0.5, 0.2, -0.3]), np.ones(5), 1.0, 0.0)
    expect(isinstance(result, (tuple, list)) and len(result) == 2,
           f"best_split should return a pair; yours returned {result!r}")
    t, gain = float(result[0]), float(result[1])
    expect(math.isnan(t) and gain == -math.inf,
           f"a feature whose values are all equal has no candidate threshold: return "
           f"(np.nan, -np.inf); yours returned ({t}, {gain})")


# --- boost_logistic ---------------------------------------------------------------------------

def _toy_problem():
    rng = np.random.default_rng(4)
    X = np.round(rng.normal(size=(16, 2)), 2)
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.normal(size=16) > 0).astype(float)
    return X, y


def _model(boost_logistic, *args):
    model = boost_logistic(*args)
    expect(isinstance(model, dict) and {"base_score", "stumps", "loss"} <= set(model),
           "boost_logistic should return a dict with keys 'base_score', 'stumps' and 'loss'")
    return model


@checks.add("boost_logistic", "what it returns")
def _(boost_logistic):
    X, y = _toy_problem()
    model = _model(boost_logistic, X, y, 5, 0.5, 1.0, 0.0)
    rate = y.mean()
    base = _number(model["base_score"], "base_score")
    expect(np.isclose(base, np.log(rate / (1 - rate))),
           f"{int(y.sum())} of {len(y)} labels are 1, so base_score should be the log-odds "
           f"log({rate:.4f} / {1 - rate:.4f}) = {np.log(rate / (1 - rate)):.6f}; yours is {base}")
    expect(len(model["stumps"]) == 5, f"5 rounds should give 5 stumps; yours has {len(model['stumps'])}")
    loss = _array(model["loss"], "loss")
    expect(loss.shape == (6,), "'loss' should hold the loss before the first round and after each "
           f"of the 5 rounds, 6 numbers; yours has shape {loss.shape}")
    entropy = -(rate * np.log(rate) + (1 - rate) * np.log(1 - rate))
    expect(np.isclose(loss[0], entropy),
           "at the constant log-odds F_0 the mean log-loss is -(r log r + (1 - r) log(1 - r)) = "
           f"{entropy:.6f} for r = {rate:.4f}; your first loss is {loss[0]}")


@checks.add("boost_logistic", "the first stump, by hand")
def _(boost_logistic):
    X, y = _toy_problem()
    lr, lam = 0.5, 1.0
    stump = _model(boost_logistic, X, y, 1, lr, lam, 0.0)["stumps"][0]
    rate = y.mean()
    g, h = rate - y, np.full(len(y), rate * (1 - rate))   # at F_0: p = mean(y) for everyone
    best = None
    for j in range(X.shape[1]):
        values = np.unique(X[:, j])
        for t in (values[:-1] + values[1:]) / 2:
            left = X[:, j] < t
            score = sum(G ** 2 / (H + lam) for G, H in ((g[left].sum(), h[left].sum()),
                                                        (g[~left].sum(), h[~left].sum())))
            if best is None or score > best[0]:
                best = (score, j, t, left)
    _, j, t, left = best
    expected = {"feature": j, "threshold": t,
                "left": -lr * g[left].sum() / (h[left].sum() + lam),
                "right": -lr * g[~left].sum() / (h[~left].sum() + lam)}
    expect(isinstance(stump, dict) and set(expected) <= set(stump),
           "each stump should be a dict with keys 'feature', 'threshold', 'left', 'right'")
    got = {k: _number(stump[k], f"stump[{k!r}]") for k in expected}
    expect(got["feature"] == j and np.isclose(got["threshold"], t),
           f"at F_0, g = mean(y) - y and h = mean(y)(1 - mean(y)); the best split is feature {j} "
           f"< {t:.3f}; yours is feature {got['feature']:g} < {got['threshold']}")
    expect(_close([got["left"], got["right"]], [expected["left"], expected["right"]]),
           f"its leaves should be lr * -G/(H + lambda) = {expected['left']:.6f} and "
           f"{expected['right']:.6f}; yours are {got['left']:.6f} and {got['right']:.6f} "
           "(is the sign right? is lr applied? is h = p (1 - p)?)")


@checks.add("boost_logistic", "the loss goes down and gamma can stop the splits")
def _(boost_logistic):
    X, y = _toy_problem()
    loss = _array(_model(boost_logistic, X, y, 20, 0.5, 1.0, 0.0)["loss"], "loss")
    expect(loss[-1] < 0.6 * loss[0],
           f"20 rounds should bring the training loss well down from {loss[0]:.4f}; yours ends at "
           f"{loss[-1]:.4f} (check the signs of g and of the leaf weights, and h = p (1 - p))")
    stumps = _model(boost_logistic, X, y, 3, 0.5, 1.0, 50.0)["stumps"]
    values = [(_number(s["left"], "left"), _number(s["right"], "right")) for s in stumps]
    expect(all(np.isclose(a, b) for a, b in values),
           "with gamma = 50 no split pays for its extra leaf, so every round should grow a single "
           f"leaf (left == right); yours have leaves {values}")


check = checks.run
