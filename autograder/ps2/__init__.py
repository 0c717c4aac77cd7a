"""ps2 — Information theory and cross-entropy"""

# Library calls that do the asked-for work of a question (COURSE.md): the grader reports them when
# they appear in that question's answer cell. Keys are the grade_ids of the public-checks cells.
_SOFTMAX = ["torch.nn.functional.softmax", "torch.softmax", "scipy.special.softmax"]
_LOG_SOFTMAX = ["torch.nn.functional.log_softmax", "torch.log_softmax", "scipy.special.log_softmax",
                "scipy.special.logsumexp", "torch.logsumexp"]
_CROSS_ENTROPY = ["torch.nn.functional.cross_entropy", "torch.nn.CrossEntropyLoss"]
# Autograd does the whole work of the gradient question. Only `.backward` is listed: the last
# name of `torch.autograd.grad` is `grad`, which students also use for their own variables.
_AUTOGRAD = ["torch.Tensor.backward"]

FORBIDDEN_CALLS = {
    "entropy": ["scipy.stats.entropy", "scipy.special.entr"],
    "kl_divergence": ["scipy.stats.entropy", "scipy.special.rel_entr", "scipy.special.kl_div",
                      "torch.nn.functional.kl_div"],
    "softmax": _SOFTMAX,
    "log_softmax": _LOG_SOFTMAX,
    "cross_entropy_loss": _CROSS_ENTROPY + _LOG_SOFTMAX,
    "cross_entropy_grad": _CROSS_ENTROPY + _AUTOGRAD,
    "dL_dz": ["sympy.diff", "sympy.Derivative"],
    "binary_cross_entropy_with_logits": ["torch.nn.functional.binary_cross_entropy_with_logits",
                                         "torch.nn.BCEWithLogitsLoss"],
}
