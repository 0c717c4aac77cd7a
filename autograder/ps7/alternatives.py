"""Other correct implementations of ps7's answers: each must keep full marks.

None uses a call listed in FORBIDDEN_CALLS. The bootstrap samplers draw differently from the
solution's rng.integers(0, n, size=n) (other methods, other draws): bootstrap_indices is graded
by the properties every correct sampler has.
"""
import numpy as np
from coursegrade import alternative


# --- bootstrap_indices ------------------------------------------------------------------------

@alternative("bootstrap_indices")
def bootstrap_choice(n, rng):
    return rng.choice(n, size=n, replace=True)


@alternative("bootstrap_indices")
def bootstrap_floor_of_uniform(n, rng):
    return np.floor(rng.random(n) * n).astype(np.int64)


@alternative("bootstrap_indices")
def bootstrap_one_draw_at_a_time(n, rng):
    return np.array([int(rng.integers(n)) for _ in range(n)], dtype=np.int64)


@alternative("bootstrap_indices")
def bootstrap_sorted_multiset(n, rng):
    # The same multiset of indices, in sorted order: X[idx] is the same bootstrap sample.
    counts = rng.multinomial(n, np.full(n, 1.0 / n))
    return np.repeat(np.arange(n), counts)


# --- bagging_predict --------------------------------------------------------------------------

@alternative("bagging_predict")
def bagging_stack_and_mean(models, X):
    def one(model):
        if "w" in model:
            return X @ np.asarray(model["w"]) + model["b"]
        return np.where(X[:, model["feature"]] < model["threshold"], model["left"], model["right"])
    return np.stack([one(m) for m in models]).mean(axis=0)


@alternative("bagging_predict")
def bagging_sample_by_sample(models, X):
    import math
    out = []
    for x in X:
        values = []
        for model in models:
            if "w" in model:
                values.append(sum(float(a) * float(b) for a, b in zip(x, model["w"])) + model["b"])
            else:
                values.append(model["left"] if x[model["feature"]] < model["threshold"] else model["right"])
        out.append(math.fsum(values) / len(values))
    return np.array(out)


@alternative("bagging_predict")
def bagging_torch(models, X):
    import torch
    Xt = torch.as_tensor(X)
    rows = []
    for model in models:
        if "w" in model:
            rows.append(Xt @ torch.as_tensor(np.asarray(model["w"], dtype=float)) + model["b"])
        else:
            below = Xt[:, model["feature"]] < model["threshold"]
            rows.append(torch.where(below, torch.tensor(float(model["left"]), dtype=torch.float64),
                                    torch.tensor(float(model["right"]), dtype=torch.float64)))
    return torch.stack(rows).mean(dim=0).numpy()


# --- xgb_leaf_weight --------------------------------------------------------------------------

@alternative("xgb_leaf_weight")
def leaf_weight_loop(g, h, lam):
    G = H = 0.0
    for gi, hi in zip(g, h):
        G += gi
        H += hi
    return -G / (H + lam)


@alternative("xgb_leaf_weight")
def leaf_weight_by_stationarity(g, h, lam):
    import math
    # The objective G w + (H + lam) w^2 / 2 is a quadratic a w^2 + b w: minimised at -b / (2a).
    a, b = 0.5 * (math.fsum(h) + lam), math.fsum(g)
    return -b / (2 * a)


@alternative("xgb_leaf_weight")
def leaf_weight_torch(g, h, lam):
    import torch
    return float(-torch.as_tensor(g).sum() / (torch.as_tensor(h).sum() + lam))


# --- xgb_split_gain ---------------------------------------------------------------------------

@alternative("xgb_split_gain")
def split_gain_from_structure_scores(g, h, left_mask, lam, gamma):
    def best_objective(gs, hs):
        # G w + (H + lam) w^2 / 2 at its minimiser w = -G / (H + lam)
        w = xgb_leaf_weight(gs, hs, lam)
        return np.sum(gs) * w + 0.5 * (np.sum(hs) + lam) * w * w
    mask = np.asarray(left_mask, dtype=bool)
    before = best_objective(g, h) + gamma
    after = best_objective(g[mask], h[mask]) + best_objective(g[~mask], h[~mask]) + 2 * gamma
    return float(before - after)


@alternative("xgb_split_gain")
def split_gain_dot_products(g, h, left_mask, lam, gamma):
    m = np.asarray(left_mask, dtype=float)
    GL, HL = g @ m, h @ m
    G, H = g.sum(), h.sum()
    GR, HR = G - GL, H - HL
    return 0.5 * (GL * GL / (HL + lam) + GR * GR / (HR + lam) - G * G / (H + lam)) - gamma


@alternative("xgb_split_gain")
def split_gain_loops(g, h, left_mask, lam, gamma):
    sums = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for gi, hi, side in zip(g, h, left_mask):
        sums[bool(side)][0] += gi
        sums[bool(side)][1] += hi
    (GL, HL), (GR, HR) = sums[True], sums[False]
    return 0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - (GL + GR) ** 2 / (HL + HR + lam)) - gamma


# --- best_split -------------------------------------------------------------------------------

@alternative("best_split")
def best_split_every_candidate(x, g, h, lam, gamma):
    # O(n * candidates): the student's own xgb_split_gain for every midpoint.
    values = np.unique(x)
    best = (np.nan, -np.inf)
    for t in (values[:-1] + values[1:]) / 2:
        gain = xgb_split_gain(g, h, x < t, lam, gamma)
        if gain > best[1]:
            best = (float(t), gain)
    return best


@alternative("best_split")
def best_split_grouped_sweep(x, g, h, lam, gamma):
    # Sum g and h per distinct value first, then sweep over the distinct values.
    values, group = np.unique(x, return_inverse=True)
    if len(values) < 2:
        return float("nan"), float("-inf")
    Gv, Hv = np.bincount(group, weights=g), np.bincount(group, weights=h)
    G, H = Gv.sum(), Hv.sum()
    best_t, best_gain, GL, HL = float("nan"), float("-inf"), 0.0, 0.0
    for k in range(len(values) - 1):
        GL, HL = GL + Gv[k], HL + Hv[k]
        GR, HR = G - GL, H - HL
        gain = 0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - G ** 2 / (H + lam)) - gamma
        if gain > best_gain:
            best_t, best_gain = 0.5 * (values[k] + values[k + 1]), gain
    return best_t, best_gain


@alternative("best_split")
def best_split_descending_sweep(x, g, h, lam, gamma):
    # Sweep from the largest value down, keeping right-side sums; ties resolved explicitly.
    order = np.argsort(-x, kind="stable")
    xs, gs, hs = x[order], g[order], h[order]
    G, H = gs.sum(), hs.sum()
    GR, HR, candidates = 0.0, 0.0, []
    for k in range(len(xs) - 1):
        GR, HR = GR + gs[k], HR + hs[k]
        if xs[k + 1] < xs[k]:
            GL, HL = G - GR, H - HR
            gain = 0.5 * (GL ** 2 / (HL + lam) + GR ** 2 / (HR + lam) - G ** 2 / (H + lam)) - gamma
            candidates.append((gain, -0.5 * (xs[k] + xs[k + 1])))
    if not candidates:
        return np.nan, -np.inf
    gain, minus_t = max(candidates)                 # largest gain, then largest -t: smallest t
    return -minus_t, gain


# --- boost_logistic ---------------------------------------------------------------------------

@alternative("boost_logistic")
def boost_self_contained(X, y, n_rounds, lr, lam, gamma):
    import math
    # Without the notebook's helpers: every feature's sweep inline, sigmoid by tanh.
    N, D = X.shape
    base = math.log(y.sum() / (N - y.sum()))
    F = np.full(N, base)
    stumps, loss = [], [float(np.mean(np.logaddexp(0, -(2 * y - 1) * F)))]
    for _ in range(n_rounds):
        p = 0.5 * (1.0 + np.tanh(0.5 * F))
        g, h = p - y, p * (1 - p)
        G, H = g.sum(), h.sum()
        best = (0.0, -1, math.inf)
        for j in range(D):
            order = np.argsort(X[:, j], kind="stable")
            xs = X[order, j]
            GL, HL = np.cumsum(g[order])[:-1], np.cumsum(h[order])[:-1]
            gains = 0.5 * (GL ** 2 / (HL + lam) + (G - GL) ** 2 / (H - HL + lam) - G ** 2 / (H + lam)) - gamma
            gains = np.where(xs[:-1] < xs[1:], gains, -np.inf)
            if len(gains) and gains.max() > best[0]:
                k = int(np.argmax(gains))
                best = (gains[k], j, 0.5 * (xs[k] + xs[k + 1]))
        _, j, t = best
        if j < 0:
            v = -lr * G / (H + lam)
            stump = {"feature": -1, "threshold": math.inf, "left": v, "right": v}
            F = F + v
        else:
            left = X[:, j] < t
            a = -lr * g[left].sum() / (h[left].sum() + lam)
            b = -lr * g[~left].sum() / (h[~left].sum() + lam)
            stump = {"feature": j, "threshold": t, "left": a, "right": b}
            F = F + np.where(left, a, b)
        stumps.append(stump)
        loss.append(float(np.mean(np.logaddexp(0, -(2 * y - 1) * F))))
    return {"base_score": base, "stumps": stumps, "loss": np.array(loss)}


@alternative("boost_logistic")
def boost_candidates_sorted_by_gain(X, y, n_rounds, lr, lam, gamma):
    import math
    # Collect (gain, -feature) of every feature and take the max; sigmoid by 1 / (1 + e^-F).
    F = np.full(len(y), math.log(y.mean() / (1 - y.mean())))
    result = {"base_score": float(F[0]), "stumps": [], "loss": []}
    for _ in range(n_rounds + 1):
        p = 1.0 / (1.0 + np.exp(-F))
        result["loss"].append(float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))))
        if len(result["stumps"]) == n_rounds:
            break
        g, h = p - y, p * (1 - p)
        options = [(best_split(X[:, j], g, h, lam, gamma), j) for j in range(X.shape[1])]
        (t, gain), j = max(options, key=lambda o: (o[0][1], -o[1]))
        if gain > 0:
            left = X[:, j] < t
            stump = {"feature": j, "threshold": t, "left": lr * xgb_leaf_weight(g[left], h[left], lam),
                     "right": lr * xgb_leaf_weight(g[~left], h[~left], lam)}
        else:
            v = lr * xgb_leaf_weight(g, h, lam)
            stump = {"feature": -1, "threshold": np.inf, "left": v, "right": v}
        result["stumps"].append(stump)
        F = F + bagging_predict([stump], X)
    result["loss"] = np.array(result["loss"])
    return result
