"""Public checks for ps2: run `check("<question>")` in the notebook.

These are quick sanity checks on small examples you can verify by hand. Passing them is a good
sign, not a guarantee: the grade comes from a larger hidden test suite.
"""
import math

import numpy as np
import sympy as sp
from checking import Checks, expect

checks = Checks()


def _close(got, want, tol=1e-6):
    """True when `got` (a number or an array) has `want`'s shape and values."""
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    return got.shape == want.shape and np.allclose(got, want, rtol=tol, atol=tol)


def _is_number(x):
    return np.asarray(x).size == 1


# --- self_information -------------------------------------------------------------------------

@checks.add("self_information", "a fair coin flip carries 1 bit of surprise")
def _(self_information):
    got = self_information(0.5)
    expect(_close(got, 1.0), f"self_information(0.5) should be 1 (bit); yours gives {got}")


@checks.add("self_information", "the base sets the unit (bits, nats, decimal digits)")
def _(self_information):
    nats = self_information(1 / math.e, math.e)
    expect(_close(nats, 1.0), f"an event of probability 1/e carries 1 nat; self_information(1/e, e) gave {nats}")
    digits = self_information(0.01, 10)
    expect(_close(digits, 2.0), f"an event of probability 1/100 carries 2 decimal digits; "
                                f"self_information(0.01, 10) gave {digits}. Remember log_b(p) = ln(p) / ln(b).")


@checks.add("self_information", "works elementwise on arrays, with 0 for certain and inf for impossible events")
def _(self_information):
    p = np.array([1.0, 0.25, 0.125, 0.0])
    got = np.asarray(self_information(p), dtype=float)
    expect(got.shape == p.shape, f"the result should have the shape of p, {p.shape}; yours has {got.shape}")
    expect(_close(got[:3], [0.0, 2.0, 3.0]),
           f"for p = [1, 1/4, 1/8] the surprise is [0, 2, 3] bits; yours is {got[:3]}")
    expect(got[3] == np.inf, f"an impossible event (p = 0) should give inf; yours gives {got[3]}")


# --- entropy ----------------------------------------------------------------------------------

@checks.add("entropy", "a fair coin has 1 bit of entropy, a certain outcome none")
def _(entropy):
    got = entropy(np.array([0.5, 0.5]))
    expect(_is_number(got) and _close(got, 1.0),
           f"entropy([0.5, 0.5]) should be one number, 1 (bit); yours gives {got}")
    got = entropy(np.array([0.0, 1.0]))
    expect(_close(got, 0.0), f"entropy([0, 1]) should be 0: nothing is uncertain; yours gives {got}. "
                             "Do outcomes with p = 0 add nothing (0 log 0 = 0)?")


@checks.add("entropy", "zero-probability outcomes add nothing (0 log 0 = 0, no nan)")
def _(entropy):
    got = entropy(np.array([0.25, 0.0, 0.25, 0.5, 0.0]))
    expect(not np.isnan(got), "entropy returned nan: 0 * np.log(0) is 0 * (-inf) = nan in numpy. "
                              "Leave out the outcomes with p = 0 (their contribution is 0).")
    expect(_close(got, 1.5), f"entropy([1/4, 0, 1/4, 1/2, 0]) should be 1.5 bits; yours gives {got}")


@checks.add("entropy", "a uniform distribution over 8 outcomes: 3 bits, ln 8 nats")
def _(entropy):
    p = np.full(8, 1 / 8)
    bits, nats = entropy(p), entropy(p, math.e)
    expect(_close(bits, 3.0), f"entropy(uniform over 8) should be 3 bits; yours gives {bits}")
    expect(_close(nats, math.log(8)), f"entropy(uniform over 8, base e) should be ln 8 = {math.log(8):.6f} nats; "
                                      f"yours gives {nats}")


# --- kl_divergence ----------------------------------------------------------------------------

@checks.add("kl_divergence", "KL(P || P) is zero")
def _(kl_divergence):
    p = np.array([0.2, 0.5, 0.3])
    got = kl_divergence(p, p)
    expect(_is_number(got) and _close(got, 0.0), f"KL(P || P) should be one number, 0; yours gives {got}")


@checks.add("kl_divergence", "a hand-computed example, in both directions (KL is not symmetric)")
def _(kl_divergence):
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    pq = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    qp = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    got = kl_divergence(p, q)
    expect(_close(got, pq), f"KL([.5, .5] || [.9, .1]) should be {pq:.6f} nats; yours gives {got}. "
                            "Natural log, and p in front: sum p_i log(p_i / q_i).")
    got = kl_divergence(q, p)
    expect(_close(got, qp), f"KL([.9, .1] || [.5, .5]) should be {qp:.6f} nats; yours gives {got}")


@checks.add("kl_divergence", "zeros: p = 0 adds nothing, q = 0 < p gives inf")
def _(kl_divergence):
    got = kl_divergence(np.array([1.0, 0.0]), np.array([0.5, 0.5]))
    expect(_close(got, math.log(2)), f"KL([1, 0] || [.5, .5]) should be ln 2 = {math.log(2):.6f}; yours gives {got}. "
                                     "A term with p_i = 0 contributes 0.")
    got = kl_divergence(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.5, 0.0]))
    expect(_close(got, 0.0), f"KL(P || P) with a zero in both should be 0; yours gives {got}")
    got = kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    expect(got == np.inf, f"KL([.5, .5] || [1, 0]) should be inf: Q rules out an outcome that happens under P; "
                          f"yours gives {got}")


# --- cross_entropy_pq -------------------------------------------------------------------------

@checks.add("cross_entropy_pq", "H(P, P) is the entropy of P, in nats")
def _(cross_entropy_pq):
    got = cross_entropy_pq(np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    expect(_is_number(got) and _close(got, math.log(2)),
           f"H(P, P) for a fair coin should be one number, ln 2 = {math.log(2):.6f} nats; yours gives {got}")


@checks.add("cross_entropy_pq", "with a one-hot P, H(P, Q) = -log q_y")
def _(cross_entropy_pq):
    p, q = np.array([0.0, 1.0, 0.0]), np.array([0.2, 0.5, 0.3])
    got = cross_entropy_pq(p, q)
    expect(_close(got, -math.log(0.5)), f"H([0, 1, 0], [.2, .5, .3]) should be -ln 0.5 = {-math.log(0.5):.6f}; "
                                        f"yours gives {got}")
    got = cross_entropy_pq(p, np.array([0.0, 0.5, 0.5]))
    expect(_close(got, -math.log(0.5)), f"H([0, 1, 0], [0, .5, .5]) should be {-math.log(0.5):.6f}: the zero of Q is "
                                        f"where P is zero too, so it adds nothing; yours gives {got}")


@checks.add("cross_entropy_pq", "H(P, Q) is inf where Q rules out an outcome of P")
def _(cross_entropy_pq):
    got = cross_entropy_pq(np.array([0.5, 0.5]), np.array([1.0, 0.0]))
    expect(got == np.inf, f"H([.5, .5], [1, 0]) should be inf; yours gives {got}")


# --- decompose_cross_entropy ------------------------------------------------------------------

@checks.add("decompose_cross_entropy", "returns three numbers, in bits by default")
def _(decompose_cross_entropy):
    result = decompose_cross_entropy(np.array([0.5, 0.5]), np.array([0.25, 0.75]))
    expect(isinstance(result, (tuple, list)) and len(result) == 3,
           f"return a tuple (H(P), KL(P || Q), H(P, Q)); yours returns {result!r}")
    h, kl, ce = result
    want_ce = 0.5 * 2 + 0.5 * -math.log2(0.75)
    expect(_close(h, 1.0), f"H(P) for a fair coin is 1 bit; yours gives {h}")
    expect(_close(ce, want_ce), f"H(P, Q) for P = [.5, .5], Q = [.25, .75] is {want_ce:.6f} bits; yours gives {ce}. "
                                "cross_entropy_pq returns nats: divide by ln 2 for bits.")
    expect(_close(kl, want_ce - 1.0), f"KL(P || Q) here is {want_ce - 1.0:.6f} bits; yours gives {kl}")


@checks.add("decompose_cross_entropy", "H(P, Q) = H(P) + KL(P || Q) in nats and in bits")
def _(decompose_cross_entropy):
    p, q = np.array([0.1, 0.6, 0.3, 0.0]), np.array([0.3, 0.3, 0.2, 0.2])
    for base, unit in [(math.e, "nats"), (2, "bits")]:
        h, kl, ce = decompose_cross_entropy(p, q, base)
        expect(np.isclose(h + kl, ce, rtol=1e-6, atol=1e-9),
               f"in {unit}: H(P) + KL(P || Q) = {h + kl} but H(P, Q) = {ce}. Are all three in the same unit?")
    h, kl, ce = decompose_cross_entropy(p, q, math.e)
    expect(_close(h, -(0.1 * math.log(0.1) + 0.6 * math.log(0.6) + 0.3 * math.log(0.3))),
           f"H(P) in nats is wrong: {h}. Did you pass `base` on to entropy?")


# --- softmax ----------------------------------------------------------------------------------

@checks.add("softmax", "a hand-computed example: logits 0, ln 2, ln 5 give 1/8, 2/8, 5/8")
def _(softmax):
    got = softmax(np.log(np.array([1.0, 2.0, 5.0])))
    expect(_close(got, [0.125, 0.25, 0.625]),
           f"softmax([0, ln 2, ln 5]) should be [0.125, 0.25, 0.625]; yours is {got}")


@checks.add("softmax", "each row of an (N, C) batch sums to one, and the shape is kept")
def _(softmax):
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    p = np.asarray(softmax(z), dtype=float)
    expect(p.shape == z.shape, f"softmax of a {z.shape} array should have shape {z.shape}; yours has {p.shape}")
    expect(np.allclose(p.sum(axis=-1), 1.0), f"each row should sum to 1; yours sum to {p.sum(axis=-1)}. "
                                             "Use keepdims=True so the row sums broadcast against the rows.")


@checks.add("softmax", "large logits do not overflow or underflow (subtract each row's max)")
def _(softmax):
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -998.0], [-800.0, 0.0, 800.0]])
    got = np.asarray(softmax(z), dtype=float)
    small = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    expect(np.all(np.isfinite(got)), f"softmax of\n{z}\ngave\n{got}\nnp.exp(1000) is inf and np.exp(-1000) is 0 in "
                                     "float64. Subtract the max of each row (not of the whole array) first.")
    expect(_close(got, [small, small, [0.0, 0.0, 1.0]]),
           f"rows [1000, 1001, 1002] and [-1000, -999, -998] should both equal softmax([0, 1, 2]) = {small}, "
           f"and [-800, 0, 800] should be about [0, 0, 1]; yours is\n{got}")


@checks.add("softmax", "the axis argument chooses what sums to one")
def _(softmax):
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    p = np.asarray(softmax(z, axis=0), dtype=float)
    expect(p.shape == z.shape and np.allclose(p.sum(axis=0), 1.0),
           f"softmax(z, axis=0) should make each column sum to 1; yours sum to {p.sum(axis=0)}")


# --- log_softmax ------------------------------------------------------------------------------

@checks.add("log_softmax", "a hand-computed example: logits 0, ln 2, ln 5 give ln(1/8), ln(2/8), ln(5/8)")
def _(log_softmax):
    got = log_softmax(np.log(np.array([1.0, 2.0, 5.0])))
    want = np.log([0.125, 0.25, 0.625])
    expect(_close(got, want), f"log_softmax([0, ln 2, ln 5]) should be {want}; yours is {got}")


@checks.add("log_softmax", "finite where the probability underflows: rows [0, -1000] and [-2000, -3000]")
def _(log_softmax):
    got = np.asarray(log_softmax(np.array([[0.0, -1000.0], [-2000.0, -3000.0]])), dtype=float)
    expect(np.all(np.isfinite(got)), f"yours gives\n{got}\nsoftmax([0, -1000]) rounds to [1, 0] and log(0) = -inf: "
                                     "compute z - logsumexp(z) instead of log(softmax(z)), with the max of each row.")
    expect(_close(got, [[0.0, -1000.0], [0.0, -1000.0]]),
           f"both rows should give about [0, -1000] (only differences of logits matter); yours is\n{got}")


@checks.add("log_softmax", "large positive logits do not overflow: log_softmax([1000, 1000]) = [-ln 2, -ln 2]")
def _(log_softmax):
    got = log_softmax(np.array([1000.0, 1000.0]))
    expect(_close(got, [-math.log(2)] * 2), f"yours gives {got}. Subtract the max m inside the exponentials, "
                                            "and remember to add it back: logsumexp(z) = m + log(sum(exp(z - m))).")


@checks.add("log_softmax", "works on (N, C) batches along the given axis")
def _(log_softmax):
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 4.0]])
    for axis in (-1, 0):
        got = np.asarray(log_softmax(z, axis=axis), dtype=float)
        expect(got.shape == z.shape and np.allclose(np.exp(got).sum(axis=axis), 1.0),
               f"exp(log_softmax(z, axis={axis})) should sum to 1 along axis {axis}; "
               f"yours sums to {np.exp(got).sum(axis=axis)}")


# --- cross_entropy_loss -----------------------------------------------------------------------

@checks.add("cross_entropy_loss", "equal logits: the loss is ln C whatever the labels")
def _(cross_entropy_loss):
    got = cross_entropy_loss(np.zeros((4, 5)), np.array([0, 4, 2, 1]))
    expect(_is_number(got), f"the loss should be one number (the mean over samples); yours is {got}")
    expect(_close(got, math.log(5)), f"with equal logits every class has probability 1/5, so the loss is "
                                     f"ln 5 = {math.log(5):.6f}; yours gives {got}")


@checks.add("cross_entropy_loss", "a hand-computed batch of two samples (the mean of -log q_y)")
def _(cross_entropy_loss):
    logits = np.log(np.array([[1.0, 2.0, 5.0], [6.0, 1.0, 1.0]]))   # probabilities /8
    labels = np.array([2, 1])
    want = -(math.log(5 / 8) + math.log(1 / 8)) / 2
    got = cross_entropy_loss(logits, labels)
    expect(_close(got, want), f"the loss should be -(ln(5/8) + ln(1/8)) / 2 = {want:.6f}; yours gives {got}. "
                              "Row i uses column labels[i]; the loss is a mean, not a sum.")


@checks.add("cross_entropy_loss", "confidently wrong costs its full margin: not inf, not capped")
def _(cross_entropy_loss):
    got = cross_entropy_loss(np.array([[0.0, 1000.0]]), np.array([0]))
    expect(_close(got, 1000.0), f"logits [0, 1000] with true class 0 cost about 1000; yours gives {got}. "
                                "inf or nan means an overflow or log(0); a value near 27.6 means a clipped "
                                "probability (np.clip(p, 1e-12, 1)). Use your log_softmax.")


# --- dL_dz ------------------------------------------------------------------------------------

_POINT = {"z0": 0.3, "z1": -1.2, "z2": 2.0}


def _value(expr, z0, z1, z2, point=_POINT):
    return float(sp.sympify(expr).subs({z0: point["z0"], z1: point["z1"], z2: point["z2"]}).evalf())


@checks.add("dL_dz", "dL_dz0, dL_dz1, dL_dz2 are SymPy expressions in z0, z1, z2")
def _(dL_dz0, dL_dz1, dL_dz2, z0, z1, z2):
    for name, expr in [("dL_dz0", dL_dz0), ("dL_dz1", dL_dz1), ("dL_dz2", dL_dz2)]:
        expect(isinstance(expr, sp.Expr), f"{name} should be a SymPy expression; it is a {type(expr).__name__}")
        extra = expr.free_symbols - {z0, z1, z2}
        expect(not extra, f"{name} uses symbols other than z0, z1, z2: {extra}. Use the symbols defined in the "
                          "cell above (symbols made again with other assumptions count as different symbols).")
        expect(not expr.has(sp.Derivative), f"{name} contains an unevaluated Derivative: write the derivative out")


@checks.add("dL_dz", "the three derivatives sum to zero (adding c to every logit leaves the loss unchanged)")
def _(dL_dz0, dL_dz1, dL_dz2, z0, z1, z2):
    total = sum(_value(e, z0, z1, z2) for e in (dL_dz0, dL_dz1, dL_dz2))
    expect(abs(total) < 1e-9, f"at z = (0.3, -1.2, 2.0) your three derivatives sum to {total:.6g}, not 0")


@checks.add("dL_dz", "raising the true class's logit lowers the loss; raising another logit raises it")
def _(dL_dz0, dL_dz1, dL_dz2, z0, z1, z2):
    values = [_value(e, z0, z1, z2) for e in (dL_dz0, dL_dz1, dL_dz2)]
    expect(values[0] < 0 < min(values[1:]), f"at z = (0.3, -1.2, 2.0) expected dL_dz0 < 0 < dL_dz1, dL_dz2; "
                                            f"yours give {np.round(values, 6)}")


@checks.add("dL_dz", "agrees with finite differences of L at z = (0.3, -1.2, 2.0)")
def _(dL_dz0, dL_dz1, dL_dz2, L, z0, z1, z2):
    h = 1e-6
    for name, expr, sym in [("dL_dz0", dL_dz0, "z0"), ("dL_dz1", dL_dz1, "z1"), ("dL_dz2", dL_dz2, "z2")]:
        up, down = dict(_POINT), dict(_POINT)
        up[sym] += h
        down[sym] -= h
        numeric = (_value(L, z0, z1, z2, up) - _value(L, z0, z1, z2, down)) / (2 * h)
        got = _value(expr, z0, z1, z2)
        expect(abs(got - numeric) < 1e-6, f"{name} is {got:.6f} at this point but (L(z + h) - L(z - h)) / 2h "
                                          f"is {numeric:.6f}")


# --- cross_entropy_grad -----------------------------------------------------------------------

@checks.add("cross_entropy_grad", "shape (N, C), and each row sums to zero")
def _(cross_entropy_grad):
    logits = np.array([[1.0, 2.0, 3.0, 0.5], [-1.0, 0.0, 4.0, 2.0]])
    g = np.asarray(cross_entropy_grad(logits, np.array([3, 0])), dtype=float)
    expect(g.shape == logits.shape, f"the gradient should have the logits' shape {logits.shape}; yours has {g.shape}")
    expect(np.allclose(g.sum(axis=1), 0.0, atol=1e-6),
           f"each row of softmax - onehot sums to 0; yours sum to {g.sum(axis=1)}")


@checks.add("cross_entropy_grad", "a hand-computed example: equal logits")
def _(cross_entropy_grad):
    g = cross_entropy_grad(np.zeros((2, 3)), np.array([0, 2]))
    want = (np.full((2, 3), 1 / 3) - np.array([[1.0, 0, 0], [0, 0, 1.0]])) / 2
    expect(_close(g, want), f"for equal logits, labels [0, 2] the gradient is (1/3 - onehot) / 2 =\n{want}\nyours is\n"
                            f"{np.asarray(g)}. Check the sign, the one-hot and the 1/N of the mean.")


@checks.add("cross_entropy_grad", "agrees with finite differences of your cross_entropy_loss")
def _(cross_entropy_grad, cross_entropy_loss):
    logits = np.array([[0.2, -1.0, 0.5], [1.5, 0.3, -0.7], [0.0, 2.0, 1.0], [-0.4, 0.1, 0.9]])
    labels = np.array([1, 0, 2, 2])
    g = np.asarray(cross_entropy_grad(logits, labels), dtype=float)
    h = 1e-3          # centred differences are accurate to about h**2
    numeric = np.zeros_like(logits)
    for idx in np.ndindex(logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (cross_entropy_loss(up, labels) - cross_entropy_loss(down, labels)) / (2 * h)
    expect(g.shape == logits.shape and np.allclose(g, numeric, rtol=1e-3, atol=2e-4),
           f"your gradient\n{g}\ndiffers from the finite differences of your loss\n{numeric}")


@checks.add("cross_entropy_grad", "large logits give a finite gradient")
def _(cross_entropy_grad):
    g = np.asarray(cross_entropy_grad(np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.array([1, 1])), dtype=float)
    want = np.array([[1.0, -1.0], [1.0, -1.0]]) / 2     # softmax is [1, 0] in both rows
    expect(np.all(np.isfinite(g)) and _close(g, want),
           f"logits [[1000, 0], [0, -1000]] with labels [1, 1] should give {want.tolist()}; yours is {g.tolist()}. "
           "Does your softmax subtract the max of each row?")


# --- binary_cross_entropy_with_logits ---------------------------------------------------------

@checks.add("binary_cross_entropy_with_logits", "a logit of 0 (probability 1/2) costs ln 2 for either label")
def _(binary_cross_entropy_with_logits):
    got = binary_cross_entropy_with_logits(np.array([0.0, 0.0]), np.array([1.0, 0.0]))
    expect(_is_number(got) and _close(got, math.log(2)),
           f"should be one number, ln 2 = {math.log(2):.6f}; yours gives {got}")


@checks.add("binary_cross_entropy_with_logits", "a hand-computed example: the mean of softplus(z) - y z")
def _(binary_cross_entropy_with_logits):
    z, y = np.array([2.0, -1.0, 0.5]), np.array([1.0, 0.0, 0.0])
    want = (math.log1p(math.exp(-2.0)) + math.log1p(math.exp(-1.0)) + math.log1p(math.exp(0.5))) / 3
    got = binary_cross_entropy_with_logits(z, y)
    expect(_close(got, want), f"z = [2, -1, 0.5], y = [1, 0, 0] should give {want:.6f}; yours gives {got}")


@checks.add("binary_cross_entropy_with_logits", "huge logits: right costs 0, wrong costs |z|, never inf or nan")
def _(binary_cross_entropy_with_logits):
    got = binary_cross_entropy_with_logits(np.array([1e4, -1e4]), np.array([1.0, 0.0]))
    expect(_close(got, 0.0), f"confidently right predictions (z = +-1e4) should cost 0; yours gives {got}")
    got = binary_cross_entropy_with_logits(np.array([1e4, -1e4]), np.array([0.0, 1.0]))
    expect(_close(got, 1e4), f"confidently wrong predictions (z = +-1e4) should cost 1e4 each; yours gives {got}. "
                             "inf or nan: an exponential overflowed or log(0); a value near 27.6: a clipped "
                             "probability. Use softplus(z) = max(z, 0) + log1p(exp(-|z|)).")


# --- perplexity -------------------------------------------------------------------------------

@checks.add("perplexity", "a uniform model over 50 tokens has perplexity 50")
def _(perplexity):
    got = perplexity(np.full(6, -math.log(50)))
    expect(_is_number(got) and _close(got, 50.0), f"should be one number, 50; yours gives {got}")


@checks.add("perplexity", "a hand-computed example: probabilities 1/2 and 1/8 give 4 (their geometric mean's inverse)")
def _(perplexity):
    got = perplexity(np.log(np.array([0.5, 0.125])))
    expect(_close(got, 4.0), f"exp(-(ln(1/2) + ln(1/8)) / 2) = 4; yours gives {got}")


@checks.add("perplexity", "per token: repeating the text does not change the perplexity")
def _(perplexity):
    lp = np.log(np.array([0.3, 0.05, 0.6, 0.2]))
    once, twice = perplexity(lp), perplexity(np.tile(lp, 2))
    expect(_close(once, twice), f"the text once gives {once}, twice gives {twice}: average over tokens, don't sum")



@checks.add("perplexity", "a text of 2000 tokens, each of probability 1/20: perplexity 20, not inf")
def _(perplexity):
    got = perplexity(np.full(2000, -math.log(20)))
    expect(_is_number(got) and _close(got, 20.0),
           f"should be 20; yours gives {got}. inf or nan: the product of 2000 probabilities of 1/20 "
           f"(about 1e-2602) underflows to 0; average the log-probabilities instead.")


check = checks.run
