"""ps3 — Backprop a two-layer net"""

# Library calls that would do the asked-for work of a question (see COURSE.md). The engine flags
# a call in the answer cell whose last name component matches, unless the student defined it.
_AUTOGRAD = ["torch.autograd.grad", "torch.Tensor.backward"]

FORBIDDEN_CALLS = {
    "affine_forward": ["torch.nn.functional.linear"],
    "relu_forward": ["torch.relu", "torch.nn.functional.relu"],
    "chain_rule_example": _AUTOGRAD + ["sympy.diff"],
    "affine_backward": _AUTOGRAD,
    "relu_backward": _AUTOGRAD,
    "numerical_gradient": ["scipy.optimize.approx_fprime"],
    "two_layer_loss": _AUTOGRAD + ["torch.nn.functional.cross_entropy"],
}
