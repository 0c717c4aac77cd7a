"""week1 — Standardising data"""

# Library calls that would do a question's work, reported when they appear in its answer.
FORBIDDEN_CALLS = {"standardize": ["scipy.stats.zscore", "sklearn.preprocessing.scale",
                                   "sklearn.preprocessing.StandardScaler"]}
