import functools

import numpy as np
from coursegrade import assert_allclose, cross_checked, number, points, question
from autograder.ps7 import reference as ref

pytestmark = question("boost_logistic")

KEYS = ("feature", "threshold", "left", "right")


def _problem(seed, N, D):
    """Features of different scales, rounded (some repeated values); labels from two features."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(N, D)) * rng.uniform(0.5, 3.0, size=D), 2)
    signal = X[:, 0] / np.std(X[:, 0]) + 0.7 * (X[:, 1] / np.std(X[:, 1])) ** 2
    y = (signal + 0.6 * rng.normal(size=N) > 0.4).astype(float)
    return X, y


def _model(student, X, y, n_rounds, lr, lam, gamma):
    got = student.boost_logistic(X, y, n_rounds, lr, lam, gamma)
    assert isinstance(got, dict) and {"base_score", "stumps", "loss"} <= set(got), f"keys {sorted(got)}"
    stumps = got["stumps"]
    assert isinstance(stumps, (list, tuple)) and len(stumps) == n_rounds, f"{len(stumps)} stumps"
    for stump in stumps:
        assert isinstance(stump, dict) and set(KEYS) <= set(stump), f"stump {stump!r}"
    loss = np.asarray(got["loss"], dtype=float)
    assert loss.shape == (n_rounds + 1,), f"loss shape {loss.shape}"
    return {"base_score": number(got["base_score"]),
            "stumps": [{k: number(s[k]) for k in KEYS} for s in stumps], "loss": loss}


def _assert_stumps(got, expected):
    for t, (a, e) in enumerate(zip(got["stumps"], expected["stumps"])):
        assert_allclose([a["left"], a["right"]], [e["left"], e["right"]], rtol=1e-6, atol=1e-9,
                        err_msg=f"leaves of round {t}")
        if e["feature"] >= 0:
            assert a["feature"] == e["feature"], f"round {t}: feature {a['feature']}, expected {e['feature']}"
            assert_allclose(a["threshold"], e["threshold"], rtol=1e-9, err_msg=f"threshold of round {t}")


@points(1)
def test_base_score_and_first_round(student):
    "boost_logistic starts from the log-odds of the positive rate and returns one stump per round and n_rounds + 1 losses; the first stump is the best split at that start."
    X, y = _problem(781, N=27, D=3)
    got = _model(student, X, y, 1, 0.6, 0.8, 0.0)
    expected = ref.boost_logistic(X, y, 1, 0.6, 0.8, 0.0)
    assert_allclose(got["base_score"], expected["base_score"], rtol=1e-9)
    assert_allclose(got["loss"][0], expected["loss"][0], rtol=1e-9)
    _assert_stumps(got, expected)


@points(2)
def test_every_round_matches(student):
    "Every round's stump (feature, threshold, both leaf values) matches, over many rounds with shrinkage and regularisation; equal gains go to the lower feature index."
    X, y = _problem(782, N=41, D=4)
    X = np.column_stack([X[:, :1], X[:, 3:], X[:, 1:3], X[:, 3:]])   # columns 1 and 4 equal: ties
    got = _model(student, X, y, 12, 0.4, 1.5, 0.05)
    expected = ref.boost_logistic(X, y, 12, 0.4, 1.5, 0.05)
    assert 1 in {s["feature"] for s in expected["stumps"]}, "the duplicated feature should be used"
    _assert_stumps(got, expected)


@points(2)
def test_log_odds_per_round_agree_with_xgboost(student):
    "The model's training log-odds after every round agree with the xgboost library configured to the same model (depth-one trees, exact splits, the same lambda, gamma and learning rate)."
    X, y, args, expected = _log_odds_case()
    got = _model(student, X, y, *args)
    assert_allclose(ref.log_odds_per_round(got, X), expected, rtol=1e-6, atol=1e-8)


@functools.cache  # the same for every submission
def _log_odds_case():
    X, y = _problem(783, N=53, D=2)
    args = (15, 0.7, 0.9, 0.6)                     # n_rounds, lr, lam, gamma: the late rounds do not split
    model = ref.boost_logistic(X, y, *args)
    assert any(s["feature"] < 0 for s in model["stumps"]), "some rounds should not split"
    expected = cross_checked(ref.log_odds_per_round(model, X),
                             lambda: ref.boost_logistic_xgboost_log_odds(X, y, *args), rtol=1e-5, atol=1e-5)
    return X, y, args, expected


@points(1)
def test_loss_per_round(student):
    "The recorded mean training log-loss matches at every round and falls well below its starting value."
    X, y = _problem(784, N=36, D=3)
    got = _model(student, X, y, 10, 0.8, 0.5, 0.0)
    expected = ref.boost_logistic(X, y, 10, 0.8, 0.5, 0.0)["loss"]
    assert_allclose(got["loss"], expected, rtol=1e-6, atol=1e-9)
    assert expected[-1] < 0.7 * expected[0]


@points(1)
def test_gamma_stops_the_splits(student):
    "Rounds split only while some split gains more than gamma; after that each round grows a single leaf (left == right) over all samples."
    X, y = _problem(785, N=30, D=2)
    args = (8, 1.0, 0.3, 0.9)
    expected = ref.boost_logistic(X, y, *args)
    kinds = [s["feature"] >= 0 for s in expected["stumps"]]
    assert any(kinds) and not all(kinds), f"the case should mix split and no-split rounds: {kinds}"
    got = _model(student, X, y, *args)
    for t, (stump, split) in enumerate(zip(got["stumps"], kinds)):
        if not split:
            assert stump["left"] == stump["right"], f"round {t} should not split"
    _assert_stumps(got, expected)
    assert_allclose(ref.log_odds_per_round(got, X), ref.log_odds_per_round(expected, X), rtol=1e-6, atol=1e-9)
