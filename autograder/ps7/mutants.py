"""Known-wrong implementations of ps7's answers: each must lose points under the hidden suite.

A mutant replaces one function of an otherwise correct notebook; the others (for example the
best_split and xgb_leaf_weight that boost_logistic calls) stay correct. Each is written out in
full, as a student's answer would be.
"""
import ast
import inspect
import textwrap

import numpy as np
from coursegrade import mutant, mutant_code


def mutant_with(helpers, target, hint):
    """Like `mutant`, for mutants that share helpers: the helpers' source is written into the
    notebook with the mutant (a mutant's body may use only np, math and the notebook's names)."""
    def register(fn):
        source = textwrap.dedent(inspect.getsource(fn))
        node = ast.parse(source).body[0]
        lines = source.splitlines()[node.lineno - 1:]          # without the decorator
        lines[0] = lines[0].replace(f"def {fn.__name__}(", f"def {target}(", 1)
        shared = "\n\n".join(textwrap.dedent(inspect.getsource(h)) for h in helpers)
        mutant_code(target, fn.__name__, shared + "\n\n" + "\n".join(lines) + "\n", hint)
        return fn
    return register


# --- bootstrap_indices ------------------------------------------------------------------------

@mutant("bootstrap_indices", hint="this draws without replacement (a permutation of all n samples): every bootstrap sample is the whole data set again")
def bootstrap_without_replacement(n, rng):
    return rng.permutation(n)


@mutant("bootstrap_indices", hint="this draws from numpy's global random state (np.random.*) instead of the rng it is given")
def bootstrap_global_state(n, rng):
    return np.random.randint(0, n, size=n)


@mutant("bootstrap_indices", hint="this never draws the last index: the upper bound of rng.integers is exclusive, so it should be n, not n - 1")
def bootstrap_off_by_one(n, rng):
    return rng.integers(0, max(n - 1, 1), size=n)


@mutant("bootstrap_indices", hint="this draws indices 1..n instead of 0..n-1")
def bootstrap_one_based(n, rng):
    return rng.integers(1, n + 1, size=n)


@mutant("bootstrap_indices", hint="this draws only n // 2 indices; a bootstrap sample has as many draws as the data set has samples")
def bootstrap_half_size(n, rng):
    return rng.integers(0, n, size=max(n // 2, 1))


@mutant("bootstrap_indices", hint="this ignores the rng it is given and makes a new generator with a fixed seed: every call returns the same indices")
def bootstrap_fixed_seed(n, rng):
    return np.random.default_rng(0).integers(0, n, size=n)


@mutant("bootstrap_indices", hint="this draws one index and repeats it n times, instead of n independent draws")
def bootstrap_one_draw_repeated(n, rng):
    return np.full(n, rng.integers(0, n))


@mutant("bootstrap_indices", hint="this returns fractional positions (rng.uniform) instead of integer indices")
def bootstrap_floats(n, rng):
    return rng.uniform(0, n, size=n)


# --- bagging_predict --------------------------------------------------------------------------

@mutant("bagging_predict", hint="this returns the prediction of the first model only, not the average of all of them")
def bagging_first_model(models, X):
    model = models[0]
    if "w" in model:
        return X @ np.asarray(model["w"], dtype=float) + model["b"]
    return np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"])


@mutant("bagging_predict", hint="this sums the models' predictions instead of averaging them")
def bagging_sum(models, X):
    total = np.zeros(X.shape[0])
    for model in models:
        if "w" in model:
            total = total + X @ np.asarray(model["w"], dtype=float) + model["b"]
        else:
            total = total + np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"])
    return total


@mutant("bagging_predict", hint="this sends a sample equal to the threshold left (x <= t); it should go right (left only when x < t)")
def bagging_less_equal(models, X):
    total = np.zeros(X.shape[0])
    for model in models:
        if "w" in model:
            total = total + X @ np.asarray(model["w"], dtype=float) + model["b"]
        else:
            total = total + np.where(X[:, model["feature"]] <= model["threshold"], model["left"], model["right"])
    return total / len(models)


@mutant("bagging_predict", hint="this swaps the leaves: samples below the threshold get the 'right' value")
def bagging_leaves_swapped(models, X):
    total = np.zeros(X.shape[0])
    for model in models:
        if "w" in model:
            total = total + X @ np.asarray(model["w"], dtype=float) + model["b"]
        else:
            total = total + np.where(X[:, model["feature"]] < model["threshold"], model["right"], model["left"])
    return total / len(models)


@mutant("bagging_predict", hint="this takes the median of the models' predictions instead of the mean")
def bagging_median(models, X):
    predictions = []
    for model in models:
        if "w" in model:
            predictions.append(X @ np.asarray(model["w"], dtype=float) + model["b"])
        else:
            predictions.append(np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"]))
    return np.median(predictions, axis=0)


@mutant("bagging_predict", hint="this forgets the bias b of the linear models")
def bagging_linear_without_bias(models, X):
    total = np.zeros(X.shape[0])
    for model in models:
        if "w" in model:
            total = total + X @ np.asarray(model["w"], dtype=float)
        else:
            total = total + np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"])
    return total / len(models)


@mutant("bagging_predict", hint="this returns the sign of the average (a majority vote of signs) instead of the average itself")
def bagging_sign_vote(models, X):
    total = np.zeros(X.shape[0])
    for model in models:
        if "w" in model:
            total = total + X @ np.asarray(model["w"], dtype=float) + model["b"]
        else:
            total = total + np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"])
    return np.sign(total / len(models))


@mutant("bagging_predict", hint="this averages over the samples (axis 1) instead of over the models: one number per model comes out")
def bagging_wrong_axis(models, X):
    predictions = []
    for model in models:
        if "w" in model:
            predictions.append(X @ np.asarray(model["w"], dtype=float) + model["b"])
        else:
            predictions.append(np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"]))
    return np.mean(predictions, axis=1)


# --- xgb_leaf_weight --------------------------------------------------------------------------

@mutant("xgb_leaf_weight", hint="the minus sign is missing: the weight G / (H + lambda) moves the prediction along the gradient, uphill")
def leaf_weight_no_minus(g, h, lam):
    return float(np.sum(g) / (np.sum(h) + lam))


@mutant("xgb_leaf_weight", hint="lambda is added to the wrong term: to the gradient sum G instead of to the hessian sum H")
def leaf_weight_lambda_in_numerator(g, h, lam):
    return float(-(np.sum(g) + lam) / np.sum(h))


@mutant("xgb_leaf_weight", hint="lambda is missing: this is the unregularised Newton step -G / H")
def leaf_weight_no_lambda(g, h, lam):
    return float(-np.sum(g) / np.sum(h))


@mutant("xgb_leaf_weight", hint="this uses the means of g and h instead of their sums: lambda then shrinks small and large leaves alike")
def leaf_weight_means(g, h, lam):
    return float(-np.mean(g) / (np.mean(h) + lam))


@mutant("xgb_leaf_weight", hint="this is a first-order (gradient) step -G / (1 + lambda): it ignores the hessians")
def leaf_weight_first_order(g, h, lam):
    return float(-np.sum(g) / (1.0 + lam))


@mutant("xgb_leaf_weight", hint="this treats every hessian as 1 (the squared loss): it divides by the number of samples plus lambda instead of H + lambda")
def leaf_weight_count_not_hessian(g, h, lam):
    return float(-np.sum(g) / (len(g) + lam))


@mutant("xgb_leaf_weight", hint="lambda has the wrong sign: -G / (H - lambda)")
def leaf_weight_minus_lambda(g, h, lam):
    return float(-np.sum(g) / (np.sum(h) - lam))


@mutant("xgb_leaf_weight", hint="this averages the per-sample steps -g_i / (h_i + lambda) instead of dividing the sums")
def leaf_weight_per_sample_average(g, h, lam):
    return float(np.mean(-g / (h + lam)))


# --- xgb_split_gain ---------------------------------------------------------------------------

@mutant("xgb_split_gain", hint="the factor 1/2 in front of the bracket is missing")
def split_gain_no_half(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL + GR) ** 2 / (HL + HR + lam) - gamma)


@mutant("xgb_split_gain", hint="gamma, the cost of the extra leaf, is not subtracted")
def split_gain_no_gamma(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL + GR) ** 2 / (HL + HR + lam)))


@mutant("xgb_split_gain", hint="gamma is added instead of subtracted: an extra leaf costs gamma")
def split_gain_plus_gamma(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL + GR) ** 2 / (HL + HR + lam)) + gamma)


@mutant("xgb_split_gain", hint="lambda is in the wrong term: only the parent's denominator has it, the children's should too")
def split_gain_lambda_in_parent_only(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(0.5 * (GL ** 2 / HL + GR ** 2 / HR - (GL + GR) ** 2 / (HL + HR + lam)) - gamma)


@mutant("xgb_split_gain", hint="the parent term (G_L + G_R)^2 / (H_L + H_R + lambda), the score of not splitting, is missing")
def split_gain_no_parent(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam)) - gamma)


@mutant("xgb_split_gain", hint="the parent term squares G_L and G_R separately (G_L^2 + G_R^2) instead of squaring their sum")
def split_gain_parent_squares_separately(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL ** 2 + GR ** 2) / (HL + HR + lam)) - gamma)


@mutant("xgb_split_gain", hint="gamma is inside the factor 1/2: the gain is lowered by gamma / 2 instead of gamma")
def split_gain_gamma_inside_half(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL + GR) ** 2 / (HL + HR + lam) - gamma))


@mutant("xgb_split_gain", hint="this returns the change of the structure score with the wrong sign: the gain is the old objective minus the new one")
def split_gain_sign_flipped(g, h, left_mask, lam, gamma):
    GL, HL, GR, HR = g[left_mask].sum(), h[left_mask].sum(), g[~left_mask].sum(), h[~left_mask].sum()
    return float(-0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL + GR) ** 2 / (HL + HR + lam)) - gamma)


# --- best_split -------------------------------------------------------------------------------

def _gains_by_position(x, g, h, lam, gamma):
    """Sorted x, and the gain of putting the first k + 1 sorted samples left, for every k."""
    order = np.argsort(x, kind="stable")
    xs, GL, HL = x[order], np.cumsum(g[order])[:-1], np.cumsum(h[order])[:-1]
    G, H = g.sum(), h.sum()
    gains = 0.5 * (GL ** 2 / (HL + lam) + (G - GL) ** 2 / (H - HL + lam) - G ** 2 / (H + lam)) - gamma
    return xs, gains


@mutant_with([_gains_by_position], "best_split", hint="this splits with x <= v but reports the value v itself as the threshold: with the rule 'left when x < threshold', the samples at v land on the wrong side (report the midpoint)")
def best_split_value_as_threshold(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, gamma)
    ok = xs[:-1] < xs[1:]
    if not ok.any():
        return np.nan, -np.inf
    k = np.argmax(gains[ok])
    return float(xs[:-1][ok][k]), float(gains[ok][k])


@mutant_with([_gains_by_position], "best_split", hint="this also splits between equal values (by sorted position): it scores partitions that no threshold can make")
def best_split_between_equal_values(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, gamma)
    if len(xs) < 2 or xs[0] == xs[-1]:
        return np.nan, -np.inf
    k = np.argmax(gains)
    return float((xs[k] + xs[k + 1]) / 2), float(gains[k])


@mutant_with([_gains_by_position], "best_split", hint="among equal gains this keeps the last (largest) threshold; the convention is the smallest")
def best_split_ties_to_largest(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, gamma)
    ok = xs[:-1] < xs[1:]
    if not ok.any():
        return np.nan, -np.inf
    gains, mids = gains[ok], ((xs[:-1] + xs[1:]) / 2)[ok]
    k = len(gains) - 1 - np.argmax(gains[::-1])
    return float(mids[k]), float(gains[k])


@mutant_with([_gains_by_position], "best_split", hint="for a constant feature this returns a threshold and gain 0 instead of (nan, -inf)")
def best_split_constant_feature(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, gamma)
    ok = xs[:-1] < xs[1:]
    if not ok.any():
        return float(x[0]), 0.0
    gains, mids = gains[ok], ((xs[:-1] + xs[1:]) / 2)[ok]
    k = np.argmax(gains)
    return float(mids[k]), float(gains[k])


@mutant_with([_gains_by_position], "best_split", hint="the reported gain ignores gamma (it should be xgb_split_gain's, gamma subtracted)")
def best_split_without_gamma(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, 0.0)
    ok = xs[:-1] < xs[1:]
    if not ok.any():
        return np.nan, -np.inf
    gains, mids = gains[ok], ((xs[:-1] + xs[1:]) / 2)[ok]
    k = np.argmax(gains)
    return float(mids[k]), float(gains[k])


@mutant_with([_gains_by_position], "best_split", hint="this also considers a threshold above the largest value (everything left, nothing right), which is no split at all")
def best_split_empty_side(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, gamma)
    ok = xs[:-1] < xs[1:]
    if not ok.any():
        return np.nan, -np.inf
    gains, mids = list(gains[ok]), list(((xs[:-1] + xs[1:]) / 2)[ok])
    gains.append(-gamma)                                # G_R = H_R = 0: the bracket is 0
    mids.append(float(xs[-1]) + 1.0)
    k = int(np.argmax(gains))
    return float(mids[k]), float(gains[k])


@mutant_with([_gains_by_position], "best_split", hint="x is not sorted: the candidates are midpoints of neighbours in the original order and the prefix sums mix up the samples")
def best_split_unsorted(x, g, h, lam, gamma):
    if np.all(x == x[0]):
        return np.nan, -np.inf
    GL, HL = np.cumsum(g)[:-1], np.cumsum(h)[:-1]
    G, H = g.sum(), h.sum()
    gains = 0.5 * (GL ** 2 / (HL + lam) + (G - GL) ** 2 / (H - HL + lam) - G ** 2 / (H + lam)) - gamma
    k = np.argmax(gains)
    return float((x[k] + x[k + 1]) / 2), float(gains[k])


@mutant_with([_gains_by_position], "best_split", hint="this returns the split with the smallest gain (argmin) instead of the largest")
def best_split_argmin(x, g, h, lam, gamma):
    xs, gains = _gains_by_position(x, g, h, lam, gamma)
    ok = xs[:-1] < xs[1:]
    if not ok.any():
        return np.nan, -np.inf
    gains, mids = gains[ok], ((xs[:-1] + xs[1:]) / 2)[ok]
    k = np.argmin(gains)
    return float(mids[k]), float(gains[k])


# --- boost_logistic ---------------------------------------------------------------------------
# Each is the solution with one mistake, written out in full.

def _log_loss(F, y):
    return float(np.mean(np.logaddexp(0.0, F) - y * F))


def _round_stump(X, g, h, lam, gamma, lr):
    feature, threshold, gain = -1, np.inf, 0.0
    for j in range(X.shape[1]):
        t, gain_j = best_split(X[:, j], g, h, lam, gamma)
        if gain_j > gain:
            feature, threshold, gain = j, t, gain_j
    if feature < 0:
        value = lr * xgb_leaf_weight(g, h, lam)
        return {"feature": -1, "threshold": np.inf, "left": value, "right": value}
    below = X[:, feature] < threshold
    return {"feature": feature, "threshold": threshold,
            "left": lr * xgb_leaf_weight(g[below], h[below], lam),
            "right": lr * xgb_leaf_weight(g[~below], h[~below], lam)}


def _apply(stump, X):
    return np.where(X[:, stump["feature"]] < stump["threshold"], stump["left"], stump["right"])


_BOOST_HELPERS = [_log_loss, _round_stump, _apply]


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="the hessian of the logistic loss is p (1 - p), not p")
def boost_hessian_p(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, p - y, p, lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="the gradient has the wrong sign: it is p - y, not y - p")
def boost_gradient_sign_flipped(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, y - p, p * (1 - p), lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="the learning rate is not applied: each round takes the full Newton step")
def boost_without_learning_rate(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, p - y, p * (1 - p), lam, gamma, 1.0)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="this starts from log-odds 0 (probability 1/2) instead of the log-odds of the positive rate")
def boost_base_score_zero(X, y, n_rounds, lr, lam, gamma):
    base = 0.0
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, p - y, p * (1 - p), lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="this starts from the positive rate itself (a probability) instead of its log-odds")
def boost_base_score_probability(X, y, n_rounds, lr, lam, gamma):
    base = float(np.mean(y))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, p - y, p * (1 - p), lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="this always splits, even when the best gain is not positive: gamma never stops the tree from growing")
def boost_always_splits(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        g, h = p - y, p * (1 - p)
        feature, threshold, gain = 0, np.inf, -np.inf
        for j in range(X.shape[1]):
            t, gain_j = best_split(X[:, j], g, h, lam, gamma)
            if gain_j > gain:
                feature, threshold, gain = j, t, gain_j
        below = X[:, feature] < threshold
        stump = {"feature": feature, "threshold": threshold,
                 "left": lr * xgb_leaf_weight(g[below], h[below], lam),
                 "right": lr * xgb_leaf_weight(g[~below], h[~below], lam)}
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="the gradients and hessians are computed once, at the start, instead of at the current prediction in every round")
def boost_gradients_not_updated(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    p = 1.0 / (1.0 + np.exp(-F))
    g, h = p - y, p * (1 - p)
    for _ in range(n_rounds):
        stump = _round_stump(X, g, h, lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="this only ever splits on feature 0: every feature's best split should be compared")
def boost_first_feature_only(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X[:, :1], p - y, p * (1 - p), lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="both leaves get the weight of all samples: each leaf's weight should use only the g and h of its own samples")
def boost_leaves_from_all_samples(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        g, h = p - y, p * (1 - p)
        stump = _round_stump(X, g, h, lam, gamma, lr)
        stump["left"] = stump["right"] = lr * xgb_leaf_weight(g, h, lam)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="the loss history misses the loss before the first round: it should have n_rounds + 1 entries")
def boost_loss_without_start(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], []
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, p - y, p * (1 - p), lam, gamma, lr)
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="the stored leaves are the raw weights -G/(H + lambda); they should be multiplied by the learning rate, as the update of F is")
def boost_stores_unscaled_leaves(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        stump = _round_stump(X, p - y, p * (1 - p), lam, gamma, 1.0)
        stumps.append(stump)
        F = F + lr * _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@mutant_with(_BOOST_HELPERS, "boost_logistic", hint="among features with equal gains this keeps the last one; the convention is the lowest feature index")
def boost_feature_ties_to_last(X, y, n_rounds, lr, lam, gamma):
    base = float(np.log(np.mean(y) / (1.0 - np.mean(y))))
    F = np.full(X.shape[0], base)
    stumps, loss = [], [_log_loss(F, y)]
    for _ in range(n_rounds):
        p = 1.0 / (1.0 + np.exp(-F))
        g, h = p - y, p * (1 - p)
        feature, threshold, gain = -1, np.inf, 0.0
        for j in range(X.shape[1]):
            t, gain_j = best_split(X[:, j], g, h, lam, gamma)
            if gain_j >= gain and gain_j > 0:
                feature, threshold, gain = j, t, gain_j
        if feature < 0:
            value = lr * xgb_leaf_weight(g, h, lam)
            stump = {"feature": -1, "threshold": np.inf, "left": value, "right": value}
        else:
            below = X[:, feature] < threshold
            stump = {"feature": feature, "threshold": threshold,
                     "left": lr * xgb_leaf_weight(g[below], h[below], lam),
                     "right": lr * xgb_leaf_weight(g[~below], h[~below], lam)}
        stumps.append(stump)
        F = F + _apply(stump, X)
        loss.append(_log_loss(F, y))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}
