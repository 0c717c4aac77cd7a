"""ps7 — Ensembles and second-order boosting"""

# Library calls that would do a question's asked-for work (docs/course.md): the grader reports
# them when they appear in that question's answer cell. The engine matches the last component
# of a dotted name (any attribute use, import or unbound bare call), so the packages themselves
# (`import xgboost as xgb`) and their estimators are listed by name. numpy's own sampling
# (`rng.integers`, `rng.choice`) is what bootstrap_indices is meant to use, and stays allowed.
_SKLEARN = ["sklearn", "sklearn.ensemble", "sklearn.tree", "sklearn.utils.resample",
            "sklearn.ensemble.BaggingRegressor", "sklearn.ensemble.BaggingClassifier",
            "sklearn.ensemble.RandomForestRegressor", "sklearn.ensemble.RandomForestClassifier",
            "sklearn.ensemble.GradientBoostingClassifier", "sklearn.ensemble.GradientBoostingRegressor",
            "sklearn.ensemble.HistGradientBoostingClassifier", "sklearn.ensemble.HistGradientBoostingRegressor",
            "sklearn.ensemble.VotingRegressor", "sklearn.ensemble.VotingClassifier",
            "sklearn.tree.DecisionTreeRegressor", "sklearn.tree.DecisionTreeClassifier"]
_XGBOOST = ["xgboost", "xgboost.XGBClassifier", "xgboost.XGBRegressor", "xgboost.XGBRFClassifier",
            "xgboost.DMatrix", "xgboost.Booster"]
_LIGHTGBM = ["lightgbm", "lightgbm.LGBMClassifier", "lightgbm.LGBMRegressor", "lightgbm.Dataset",
             "lightgbm.Booster"]
_LIBRARIES = _SKLEARN + _XGBOOST + _LIGHTGBM

FORBIDDEN_CALLS = {
    "bootstrap_indices": _LIBRARIES,
    "bagging_predict": _LIBRARIES,
    "xgb_leaf_weight": _LIBRARIES,
    "xgb_split_gain": _LIBRARIES,
    "best_split": _LIBRARIES,
    "boost_logistic": _LIBRARIES,
}
