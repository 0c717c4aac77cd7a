"""Run in the zygote before it forks: the first use of numpy's printing, SymPy's solver and
printer, and torch's autograd each cost tens of milliseconds; paid here, every forked child
starts warm. Generic on purpose: nothing of any assignment. SymPy and torch are warmed only if
the zygote has imported them (`run`); a mother that imports torch later warms it then
(`warm_torch`). The zygote then runs the assignment's own fixed cells (zygote.warm_up)."""
import sys


def run():
    warm_numpy()
    if "sympy" in sys.modules:
        warm_sympy()
    if "torch" in sys.modules:
        warm_torch()


def warm_numpy():
    import numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(170.0, 8.0, size=1000)
    _ = [f"{x.mean():.2f} {x.var():.2f}", repr(x), str(x[:3]), repr(np.float64(1.5)), str(np.eye(2))]
    _ = (np.linspace(0, 1, 5), np.argmax(x), np.isclose(1.0, 1.0), np.allclose(x, x),
         np.roots([1.0, -3.0, 2.0]), np.logaddexp(0.0, 1.0), np.where(x > 0, 1, 0),
         np.einsum("i,i->", x, x), np.cumsum(x), np.linalg.svd(np.eye(3)))


def warm_sympy():
    import sympy as sp
    h, n, t = sp.symbols("h n theta", positive=True)
    ll = h * sp.log(t) + (n - h) * sp.log(1 - t)
    _ = (sp.solve(sp.diff(ll, t), t), sp.simplify(ll.diff(t)), str(ll),
         sp.lambdify([h, n, t], ll)(1, 2, 0.5))


def warm_torch():
    import torch
    z = torch.randn(4, 3, requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.tensor([0, 1, 2, 0])).backward()
    _ = (torch.softmax(z, 1), torch.log_softmax(z, 1), z.detach().numpy())
