"""Other correct answers: each must keep full marks."""
import numpy as np

from coursegrade import alternative


@alternative("standardize")
def standardize_by_columns(X):
    X = np.asarray(X, dtype=float)
    out = np.empty_like(X)
    for j in range(X.shape[1]):
        column = X[:, j]
        centred = column - column.sum() / len(column)
        out[:, j] = centred / np.sqrt((centred ** 2).mean())
    return out
