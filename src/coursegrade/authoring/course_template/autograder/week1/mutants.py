"""Known-wrong answers: each must lose points; its hint appears in the feedback of students whose
answers fail the same way."""
import numpy as np

from coursegrade import mutant


@mutant("standardize", hint="this divides by the standard deviation without first subtracting the mean")
def standardize_not_centred(X):
    X = np.asarray(X, dtype=float)
    return X / X.std(axis=0)


@mutant("standardize", hint="this uses the mean and standard deviation of the whole matrix, not of each column")
def standardize_whole_matrix(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean()) / X.std()


@mutant("standardize", hint="this divides by the sample standard deviation (n - 1); the task asks for the population one")
def standardize_sample_std(X):
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
