import numpy as np
from coursegrade import assert_allclose, points, question
from autograder.ps7 import reference as ref

pytestmark = question("bagging_predict")


def _stumps(rng, M, D):
    return [{"feature": int(rng.integers(D)), "threshold": float(rng.normal()),
             "left": float(rng.normal(scale=2.0)), "right": float(rng.normal(scale=2.0))}
            for _ in range(M)]


def _linears(rng, M, D):
    return [{"w": rng.normal(size=D), "b": float(rng.normal())} for _ in range(M)]


def _predict(student, models, X):
    got = np.asarray(student.bagging_predict(models, X), dtype=float)
    assert got.shape == (X.shape[0],), f"shape {got.shape}, expected ({X.shape[0]},)"
    return got


@points(2)
def test_average_of_stumps(student):
    "bagging_predict averages the predictions of several stumps on random data, one number per sample."
    rng = np.random.default_rng(741)
    X = rng.normal(size=(13, 4))
    models = _stumps(rng, 6, 4)
    assert_allclose(_predict(student, models, X), ref.bagging_predict(models, X), rtol=1e-9, atol=1e-12)


@points(1)
def test_mixed_stumps_and_linear_models(student):
    "A list mixing stumps and linear models is averaged too; the average of linear models is the linear model with the averaged weights and bias."
    rng = np.random.default_rng(742)
    X = rng.normal(size=(11, 3)) * 2.0
    models = _linears(rng, 3, 3) + _stumps(rng, 4, 3) + _linears(rng, 2, 3)
    assert_allclose(_predict(student, models, X), ref.bagging_predict(models, X), rtol=1e-9, atol=1e-12)
    linears = _linears(rng, 5, 3)
    averaged = {"w": np.mean([m["w"] for m in linears], axis=0), "b": float(np.mean([m["b"] for m in linears]))}
    assert_allclose(_predict(student, linears, X), ref.model_predict(averaged, X), rtol=1e-9, atol=1e-12)


@points(1)
def test_samples_at_the_threshold_go_right(student):
    "A sample whose feature equals a stump's threshold goes right (left only when x < threshold)."
    rng = np.random.default_rng(743)
    X = rng.normal(size=(9, 5))
    models = _stumps(rng, 4, 5)
    for row, model in enumerate(models):            # put samples exactly on every threshold
        X[row, model["feature"]] = model["threshold"]
        X[row + 4, model["feature"]] = model["threshold"]
    assert_allclose(_predict(student, models, X), ref.bagging_predict(models, X), rtol=1e-9, atol=1e-12)


@points(1)
def test_one_model_and_fitted_bags(student):
    "A bag of one model predicts what that model predicts; for stumps fitted to bootstrap samples the average does not depend on the order of the models."
    rng = np.random.default_rng(744)
    X = rng.uniform(-3, 3, size=(14, 2))
    y = np.sin(X[:, 0]) + X[:, 1] + 0.2 * rng.normal(size=14)
    single = _linears(rng, 1, 2)
    assert_allclose(_predict(student, single, X), ref.model_predict(single[0], X), rtol=1e-9, atol=1e-12)
    bag = []
    for _ in range(7):
        idx = ref.bootstrap_indices(14, rng)
        bag.append(ref.fit_regression_stump(X[idx], y[idx]))
    expected = ref.bagging_predict(bag, X)
    assert_allclose(_predict(student, bag, X), expected, rtol=1e-9, atol=1e-12)
    assert_allclose(_predict(student, bag[::-1], X), expected, rtol=1e-9, atol=1e-12)
