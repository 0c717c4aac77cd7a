"""Public checks for week1: run `check("<question>")` in the notebook. Quick sanity checks on
small examples; the grade comes from a larger hidden test suite."""
import numpy as np
from checking import Checks, expect

checks = Checks()


@checks.add("standardize", "a column [1, 2, 3] becomes [-1.22, 0, 1.22]")
def _(standardize):
    got = np.asarray(standardize(np.array([[1.0], [2.0], [3.0]])), dtype=float)
    want = np.array([[-1.0], [0.0], [1.0]]) * np.sqrt(1.5)
    expect(got.shape == (3, 1), f"the result should keep X's shape (3, 1); yours has {got.shape}")
    expect(np.allclose(got, want), f"expected {want.ravel().round(4)}, got {got.ravel().round(4)}. "
                                   "Divide by the population standard deviation (np.std's default).")


@checks.add("standardize", "each column is standardised on its own")
def _(standardize):
    X = np.array([[0.0, 100.0], [2.0, 300.0]])
    got = np.asarray(standardize(X), dtype=float)
    expect(np.allclose(got, [[-1.0, -1.0], [1.0, 1.0]]),
           f"both columns should become [-1, 1]; yours gives {got.tolist()}. Use axis=0.")


check = checks.run
