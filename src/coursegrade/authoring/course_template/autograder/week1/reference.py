"""The trusted answers of week1: the hidden tests compare the student's values with these."""
import numpy as np


def standardize(X):
    """Each column of X shifted to mean 0 and scaled to standard deviation 1 (population std)."""
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)
