"""ps5 — Automatic differentiation"""

# The library machinery that would do the differentiation itself: torch's autograd and its
# functional transforms, jax, the autograd package. The engine matches a dotted name's last
# component, so names whose last part a student's own Value uses are left out on purpose
# (torch.autograd.grad and jax.grad would match `.grad`, torch.autograd.backward `.backward`,
# torch.func `func`): their modules are listed instead.
_AUTODIFF = ["torch.autograd", "torch.func.jvp", "torch.func.vjp", "torch.func.jacrev",
             "torch.func.jacfwd", "torch.autograd.functional", "functorch", "jax", "autograd"]

FORBIDDEN_CALLS = {
    "value": _AUTODIFF,
    "dual": _AUTODIFF,
    "derivative": _AUTODIFF,
}
