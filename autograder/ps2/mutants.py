"""Known-wrong implementations of ps2's answers: each must lose points under the hidden suite.

Each is a realistic student mistake; its hint says, in the student's terms, what it behaves like.
"""
import numpy as np
from coursegrade import mutant, mutant_code


# --- self_information -------------------------------------------------------------------------

@mutant("self_information", hint="this behaves like the surprise in nats whatever the base: the "
                                 "`base` argument is ignored")
def self_information_ignores_base(p, base=2):
    with np.errstate(divide="ignore"):
        return -np.log(np.asarray(p, dtype=float))


@mutant("self_information", hint="this behaves like log_base(p) without the minus sign: surprise "
                                 "comes out negative")
def self_information_no_minus(p, base=2):
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype=float)) / np.log(base)


@mutant("self_information", hint="this behaves like 1 / p instead of -log(p)")
def self_information_inverse_probability(p, base=2):
    with np.errstate(divide="ignore"):
        return 1.0 / np.asarray(p, dtype=float)


@mutant("self_information", hint="this behaves like the surprise of the complement, -log(1 - p)")
def self_information_complement(p, base=2):
    with np.errstate(divide="ignore"):
        return -np.log(1.0 - np.asarray(p, dtype=float)) / np.log(base)


@mutant("self_information", hint="this behaves like -p log p (one term of the entropy) instead of "
                               "the surprise -log p")
def self_information_times_p(p, base=2):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -p * np.log(p) / np.log(base)


@mutant("self_information", hint="this behaves like multiplying by ln(base) instead of dividing: "
                                 "the change of base is upside down")
def self_information_base_multiplied(p, base=2):
    with np.errstate(divide="ignore"):
        return -np.log(np.asarray(p, dtype=float)) * np.log(base)


@mutant("self_information", hint="this behaves like log10 whatever the base")
def self_information_log10(p, base=2):
    with np.errstate(divide="ignore"):
        return -np.log10(np.asarray(p, dtype=float))


# --- entropy ----------------------------------------------------------------------------------

@mutant("entropy", hint="this behaves like the entropy in nats whatever the base: the `base` "
                        "argument is ignored")
def entropy_ignores_base(p, base=2):
    p = np.asarray(p, dtype=float)
    nz = p > 0
    return -np.sum(p[nz] * np.log(p[nz]))


@mutant("entropy", hint="this behaves like a formula that returns nan when a probability is zero: "
                        "0 * log(0) is nan in numpy, but 0 log 0 = 0 by convention")
def entropy_nan_at_zero(p, base=2):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(p * np.log(p)) / np.log(base)


@mutant("entropy", hint="this behaves like sum p log p without the minus sign: entropy comes out negative")
def entropy_no_minus(p, base=2):
    p = np.asarray(p, dtype=float)
    nz = p > 0
    return np.sum(p[nz] * np.log(p[nz])) / np.log(base)


@mutant("entropy", hint="this behaves like summing the surprises -log p without weighting them by p")
def entropy_unweighted(p, base=2):
    p = np.asarray(p, dtype=float)
    nz = p > 0
    return -np.sum(np.log(p[nz])) / np.log(base)


@mutant("entropy", hint="this behaves like log2 hard-coded: right in bits, wrong for any other base")
def entropy_always_bits(p, base=2):
    p = np.asarray(p, dtype=float)
    nz = p > 0
    return -np.sum(p[nz] * np.log2(p[nz]))


@mutant("entropy", hint="this behaves like multiplying by ln(base) instead of dividing: the change "
                        "of base is upside down")
def entropy_base_multiplied(p, base=2):
    p = np.asarray(p, dtype=float)
    nz = p > 0
    return -np.sum(p[nz] * np.log(p[nz])) * np.log(base)


@mutant("entropy", hint="this behaves like a mean over outcomes instead of a sum")
def entropy_mean_not_sum(p, base=2):
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -np.mean(terms) / np.log(base)


# --- kl_divergence ----------------------------------------------------------------------------

@mutant("kl_divergence", hint="this behaves like KL(Q || P): the arguments are swapped")
def kl_divergence_swapped(p, q):
    p, q = np.asarray(q, dtype=float), np.asarray(p, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return np.sum(p[nz] * np.log(p[nz] / q[nz]))


@mutant("kl_divergence", hint="this behaves like KL in bits (log2) instead of nats")
def kl_divergence_bits(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return np.sum(p[nz] * np.log2(p[nz] / q[nz]))


@mutant("kl_divergence", hint="this behaves like a formula that returns nan where p = 0: terms with "
                              "p = 0 must count 0")
def kl_divergence_nan_at_zero(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(p * np.log(p / q))


@mutant("kl_divergence", hint="this behaves like adding a small epsilon to q: the result is a large "
                              "finite number instead of inf when q = 0 < p")
def kl_divergence_epsilon(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    return np.sum(p[nz] * np.log(p[nz] / (q[nz] + 1e-10)))


@mutant("kl_divergence", hint="this behaves like skipping the outcomes where q = 0: when q = 0 < p "
                              "the divergence must be inf")
def kl_divergence_skips_q_zero(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    both = (p > 0) & (q > 0)
    return np.sum(p[both] * np.log(p[both] / q[both]))


@mutant("kl_divergence", hint="this behaves like log(q / p) instead of log(p / q): the sign is flipped")
def kl_divergence_ratio_inverted(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return np.sum(p[nz] * np.log(q[nz] / p[nz]))


@mutant("kl_divergence", hint="this behaves like the cross-entropy -sum p log q: the entropy of P "
                              "is not subtracted")
def kl_divergence_is_cross_entropy(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return -np.sum(p[nz] * np.log(q[nz]))


# --- cross_entropy_pq -------------------------------------------------------------------------

@mutant("cross_entropy_pq", hint="this behaves like H(Q, P): the arguments are swapped")
def cross_entropy_pq_swapped(p, q):
    p, q = np.asarray(q, dtype=float), np.asarray(p, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return -np.sum(p[nz] * np.log(q[nz]))


@mutant("cross_entropy_pq", hint="this behaves like cross-entropy in bits (log2) instead of nats")
def cross_entropy_pq_bits(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return -np.sum(p[nz] * np.log2(q[nz]))


@mutant("cross_entropy_pq", hint="this behaves like a formula that returns nan where p = q = 0: terms "
                                 "with p = 0 must count 0")
def cross_entropy_pq_nan_at_zero(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(p * np.log(q))


@mutant("cross_entropy_pq", hint="this behaves like adding a small epsilon inside the log: the result "
                                 "is a large finite number instead of inf when q = 0 < p")
def cross_entropy_pq_epsilon(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return -np.sum(p * np.log(q + 1e-12))


@mutant("cross_entropy_pq", hint="this behaves like sum p log q without the minus sign")
def cross_entropy_pq_no_minus(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return np.sum(p[nz] * np.log(q[nz]))


@mutant("cross_entropy_pq", hint="this behaves like summing -log q over the possible outcomes "
                                 "without weighting by p")
def cross_entropy_pq_unweighted(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return -np.sum(np.log(q[nz]))


@mutant("cross_entropy_pq", hint="this behaves like a mean over outcomes instead of a sum")
def cross_entropy_pq_mean(p, q):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    nz = p > 0
    if np.any(q[nz] == 0):
        return np.inf
    return -np.sum(p[nz] * np.log(q[nz])) / p.size


# --- decompose_cross_entropy ------------------------------------------------------------------

@mutant("decompose_cross_entropy", hint="this behaves like mixing units: the entropy in the requested "
                                        "base but KL and cross-entropy left in nats")
def decompose_mixed_units(p, q, base=2):
    return entropy(p, base), kl_divergence(p, q), cross_entropy_pq(p, q)


@mutant("decompose_cross_entropy", hint="this behaves like calling entropy(p) without passing the base "
                                        "on: the entropy stays in bits")
def decompose_entropy_default_base(p, q, base=2):
    return entropy(p), kl_divergence(p, q) / np.log(base), cross_entropy_pq(p, q) / np.log(base)


@mutant("decompose_cross_entropy", hint="this behaves like multiplying by ln(base) instead of dividing "
                                        "when converting from nats")
def decompose_base_multiplied(p, q, base=2):
    return entropy(p, base), kl_divergence(p, q) * np.log(base), cross_entropy_pq(p, q) * np.log(base)


@mutant("decompose_cross_entropy", hint="this behaves like KL(Q || P): the arguments of the divergence "
                                        "are swapped")
def decompose_kl_swapped(p, q, base=2):
    return entropy(p, base), kl_divergence(q, p) / np.log(base), cross_entropy_pq(p, q) / np.log(base)


@mutant("decompose_cross_entropy", hint="this behaves like returning the three numbers in the wrong "
                                        "order: the tuple is (H(P), KL(P || Q), H(P, Q))")
def decompose_wrong_order(p, q, base=2):
    return cross_entropy_pq(p, q) / np.log(base), kl_divergence(p, q) / np.log(base), entropy(p, base)


@mutant("decompose_cross_entropy", hint="this behaves like H(P, Q) computed as H(P) - KL(P || Q): the "
                                        "identity has a plus sign")
def decompose_minus_sign(p, q, base=2):
    h, kl = entropy(p, base), kl_divergence(p, q) / np.log(base)
    return h, kl, h - kl


@mutant("decompose_cross_entropy", hint="this behaves like H(Q, P) for the cross-entropy: the arguments "
                                        "are swapped")
def decompose_cross_entropy_swapped(p, q, base=2):
    return entropy(p, base), kl_divergence(p, q) / np.log(base), cross_entropy_pq(q, p) / np.log(base)


# --- softmax ----------------------------------------------------------------------------------

@mutant("softmax", hint="this behaves like softmax without subtracting the max: it overflows to "
                        "nan for large logits")
def softmax_no_max_shift(z, axis=-1):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype=float))
        return e / np.sum(e, axis=axis, keepdims=True)


@mutant("softmax", hint="this behaves like softmax that always normalises the last axis: the `axis` "
                        "argument is ignored")
def softmax_ignores_axis(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


@mutant("softmax", hint="this behaves like subtracting the maximum of the whole array instead of "
                        "each row's: rows far below the global max underflow to 0 / 0")
def softmax_global_max(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    with np.errstate(invalid="ignore"):
        return e / np.sum(e, axis=axis, keepdims=True)


@mutant("softmax", hint="this behaves like normalising by the sum of the whole array: the rows do "
                        "not each sum to one")
def softmax_global_sum(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e)


@mutant("softmax", hint="this behaves like summing without keepdims=True: the row sums do not "
                        "broadcast against the rows of a matrix")
def softmax_no_keepdims(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis)


@mutant("softmax", hint="this behaves like subtracting the mean instead of the max: large logits "
                        "still overflow")
def softmax_mean_shift(z, axis=-1):
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z - np.mean(z, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)


@mutant("softmax", hint="this behaves like dividing by the largest exponential instead of their sum")
def softmax_divides_by_max(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.max(e, axis=axis, keepdims=True)


# --- log_softmax ------------------------------------------------------------------------------

@mutant("log_softmax", hint="this behaves like log(softmax(z)): -inf wherever a probability "
                            "underflows to zero")
def log_softmax_log_of_softmax(z, axis=-1):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    with np.errstate(divide="ignore"):
        return np.log(e / np.sum(e, axis=axis, keepdims=True))


@mutant("log_softmax", hint="this behaves like z - log(sum(exp(z))) without the max trick: it "
                            "overflows for large logits")
def log_softmax_no_max_shift(z, axis=-1):
    z = np.asarray(z, dtype=float)
    with np.errstate(over="ignore", divide="ignore"):
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


@mutant("log_softmax", hint="this behaves like z - max(z): the log-sum-exp term is missing")
def log_softmax_forgets_lse(z, axis=-1):
    z = np.asarray(z, dtype=float)
    return z - np.max(z, axis=axis, keepdims=True)


@mutant("log_softmax", hint="this behaves like log-softmax that always works on the last axis: the "
                            "`axis` argument is ignored")
def log_softmax_ignores_axis(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


@mutant("log_softmax", hint="this behaves like the max trick without adding the max back: "
                            "z - log(sum(exp(z - m))) is off by m")
def log_softmax_forgets_max_back(z, axis=-1):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=axis, keepdims=True)
    return z - np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))


@mutant("log_softmax", hint="this behaves like subtracting the maximum of the whole array instead of "
                            "each row's: rows far below it give log(0)")
def log_softmax_global_max(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z)
    with np.errstate(divide="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@mutant("log_softmax", hint="this behaves like logsumexp(z) - z: the sign is flipped (negative "
                            "log-probabilities)")
def log_softmax_sign_flipped(z, axis=-1):
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True)) - shifted


# --- cross_entropy_loss -----------------------------------------------------------------------

@mutant("cross_entropy_loss", hint="this behaves like exponentiating the logits without subtracting "
                                   "the max: the loss overflows for large logits")
def cross_entropy_loss_no_max_shift(logits, labels):
    z = np.asarray(logits, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
        return -np.mean(np.log(p[np.arange(len(z)), labels]))


@mutant("cross_entropy_loss", hint="this behaves like a sum over samples instead of a mean")
def cross_entropy_loss_sum(logits, labels):
    log_probs = log_softmax(logits, axis=1)
    return -np.sum(log_probs[np.arange(log_probs.shape[0]), labels])


@mutant("cross_entropy_loss", hint="this behaves like clipping probabilities at 1e-12 before the log: "
                                   "the loss of a confidently wrong sample is capped near 27.6")
def cross_entropy_loss_clipped(logits, labels):
    p = softmax(logits, axis=1)
    p = np.clip(p[np.arange(p.shape[0]), labels], 1e-12, 1.0)
    return -np.mean(np.log(p))


@mutant("cross_entropy_loss", hint="this behaves like labels shifted by one: row i uses column "
                                   "labels[i] - 1")
def cross_entropy_loss_off_by_one(logits, labels):
    log_probs = log_softmax(logits, axis=1)
    return -np.mean(log_probs[np.arange(log_probs.shape[0]), np.asarray(labels) - 1])


@mutant("cross_entropy_loss", hint="this behaves like indexing with [:, labels] instead of "
                                   "[np.arange(N), labels]: every row is paired with every label")
def cross_entropy_loss_wrong_indexing(logits, labels):
    log_probs = log_softmax(logits, axis=1)
    return -np.mean(log_probs[:, labels])


@mutant("cross_entropy_loss", hint="this behaves like the mean over all N * C entries of "
                                   "-onehot * log p: it divides by N * C instead of N")
def cross_entropy_loss_mean_over_classes(logits, labels):
    log_probs = log_softmax(logits, axis=1)
    onehot = np.eye(log_probs.shape[1])[labels]
    return -np.mean(onehot * log_probs)


@mutant("cross_entropy_loss", hint="this behaves like log-softmax over the samples (axis 0) instead of "
                                   "the classes")
def cross_entropy_loss_wrong_axis(logits, labels):
    log_probs = log_softmax(logits, axis=0)
    return -np.mean(log_probs[np.arange(log_probs.shape[0]), labels])


@mutant("cross_entropy_loss", hint="this behaves like the loss in bits (log2) instead of nats")
def cross_entropy_loss_bits(logits, labels):
    log_probs = log_softmax(logits, axis=1)
    return -np.mean(log_probs[np.arange(log_probs.shape[0]), labels]) / np.log(2)


# --- dL_dz ------------------------------------------------------------------------------------
# Each source defines all three names (two right, one wrong), so it works whether the engine
# replaces one assignment or the whole answer cell.

_SUM = "(sp.exp(z0) + sp.exp(z1) + sp.exp(z2))"
_RIGHT = {"dL_dz0": f"sp.exp(z0) / {_SUM} - 1", "dL_dz1": f"sp.exp(z1) / {_SUM}", "dL_dz2": f"sp.exp(z2) / {_SUM}"}


def _derive_mutant(target, name, wrong, hint):
    lines = [f"{n} = {wrong if n == target else right}" for n, right in _RIGHT.items()]
    mutant_code(target, name, "\n".join(lines) + "\n", hint=hint)


_derive_mutant("dL_dz0", "dL_dz0_sign_flipped", f"1 - sp.exp(z0) / {_SUM}",
               hint="the derivative for the true class has the wrong sign: it behaves like 1 - p0")
_derive_mutant("dL_dz0", "dL_dz0_missing_minus_one", f"sp.exp(z0) / {_SUM}",
               hint="the derivative for the true class misses the -1 that comes from the -z_y term: "
                    "it behaves like p0")
_derive_mutant("dL_dz0", "dL_dz0_forgot_log", f"-sp.exp(z0) * (sp.exp(z1) + sp.exp(z2)) / {_SUM}**2",
               hint="this behaves like the derivative of -p0 instead of -log p0: the log was dropped "
                    "before differentiating")
_derive_mutant("dL_dz1", "dL_dz1_sign_flipped", f"-sp.exp(z1) / {_SUM}",
               hint="the derivative for a wrong class has the wrong sign: it behaves like -p1")
_derive_mutant("dL_dz1", "dL_dz1_minus_one_everywhere", f"sp.exp(z1) / {_SUM} - 1",
               hint="the -1 belongs only to the true class (k = y = 0); this behaves like p1 - 1")
_derive_mutant("dL_dz1", "dL_dz1_forgot_denominator", "sp.exp(z1)",
               hint="the chain rule through log S lost the 1 / S factor: this behaves like exp(z1)")
_derive_mutant("dL_dz2", "dL_dz2_copy_paste", f"sp.exp(z1) / {_SUM}",
               hint="dL_dz2 behaves like the derivative with respect to z1 (a copy-paste slip)")


# --- cross_entropy_grad -----------------------------------------------------------------------

@mutant("cross_entropy_grad", hint="this behaves like the gradient of the summed loss: the 1/N of "
                                   "the mean is missing")
def cross_entropy_grad_no_mean(logits, labels):
    p = softmax(logits, axis=1)
    p[np.arange(p.shape[0]), labels] -= 1.0
    return p


@mutant("cross_entropy_grad", hint="this behaves like onehot - softmax: the sign is flipped")
def cross_entropy_grad_sign_flipped(logits, labels):
    p = softmax(logits, axis=1)
    n = p.shape[0]
    onehot = np.zeros_like(p)
    onehot[np.arange(n), labels] = 1.0
    return (onehot - p) / n


@mutant("cross_entropy_grad", hint="this behaves like softmax / N: the one-hot of the labels is "
                                   "never subtracted")
def cross_entropy_grad_no_onehot(logits, labels):
    p = softmax(logits, axis=1)
    return p / p.shape[0]


@mutant("cross_entropy_grad", hint="this behaves like a one-hot shifted by one class: the -1 lands "
                                   "in column labels[i] + 1")
def cross_entropy_grad_onehot_off_by_one(logits, labels):
    p = softmax(logits, axis=1)
    n, c = p.shape
    p[np.arange(n), (np.asarray(labels) + 1) % c] -= 1.0
    return p / n


@mutant("cross_entropy_grad", hint="this behaves like a softmax without the max trick: nan for "
                                   "large logits")
def cross_entropy_grad_no_max_shift(logits, labels):
    z = np.asarray(logits, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    p[np.arange(p.shape[0]), labels] -= 1.0
    return p / p.shape[0]


@mutant("cross_entropy_grad", hint="this behaves like a softmax over the samples (axis 0) instead of "
                                   "the classes")
def cross_entropy_grad_wrong_axis(logits, labels):
    p = softmax(logits, axis=0)
    p[np.arange(p.shape[0]), labels] -= 1.0
    return p / p.shape[0]


@mutant("cross_entropy_grad", hint="this behaves like dividing by the number of classes C instead of "
                                   "the number of samples N")
def cross_entropy_grad_divides_by_c(logits, labels):
    p = softmax(logits, axis=1)
    p[np.arange(p.shape[0]), labels] -= 1.0
    return p / p.shape[1]


@mutant("cross_entropy_grad", hint="this behaves like logits - onehot: the softmax is missing")
def cross_entropy_grad_no_softmax(logits, labels):
    z = np.array(logits, dtype=float)
    z[np.arange(z.shape[0]), labels] -= 1.0
    return z / z.shape[0]


# --- binary_cross_entropy_with_logits ---------------------------------------------------------

@mutant("binary_cross_entropy_with_logits", hint="this behaves like the textbook formula with "
        "log(sigmoid(z)) and log(1 - sigmoid(z)): log(0) and overflow for large |z|")
def bce_naive(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = 1 / (1 + np.exp(-z))
        return -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))


@mutant("binary_cross_entropy_with_logits", hint="this behaves like clipping sigmoid(z) to "
        "[1e-12, 1 - 1e-12]: the loss of a confidently wrong prediction is capped near 27.6")
def bce_clipped(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(over="ignore"):
        s = np.clip(1 / (1 + np.exp(-z)), 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))


@mutant("binary_cross_entropy_with_logits", hint="this behaves like a sum over samples instead of a mean")
def bce_sum(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    return np.sum(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))


@mutant("binary_cross_entropy_with_logits", hint="this behaves like log(1 + exp(z)) computed "
        "directly: exp overflows for large positive z")
def bce_unstable_softplus(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(over="ignore"):
        return np.mean(np.log1p(np.exp(z)) - y * z)


@mutant("binary_cross_entropy_with_logits", hint="this behaves like max(z, 0) + log1p(exp(-z)) "
        "without the absolute value: exp overflows for large negative z")
def bce_forgot_abs(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(over="ignore"):
        return np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-z)))


@mutant("binary_cross_entropy_with_logits", hint="this behaves like the loss of the opposite labels "
        "(y and 1 - y swapped)")
def bce_labels_swapped(z, y):
    z, y = np.asarray(z, dtype=float), 1.0 - np.asarray(y, dtype=float)
    return np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z))))


@mutant("binary_cross_entropy_with_logits", hint="this behaves like softplus without its linear part "
        "max(z, 0)")
def bce_missing_max_term(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    return np.mean(-y * z + np.log1p(np.exp(-np.abs(z))))


@mutant("binary_cross_entropy_with_logits", hint="this behaves like the loss in bits (log2) instead of nats")
def bce_bits(z, y):
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    return np.mean(np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))) / np.log(2)


# --- perplexity -------------------------------------------------------------------------------

@mutant("perplexity", hint="this behaves like exp of the summed negative log-probability: a mean "
                           "over tokens is needed")
def perplexity_sum(token_log_probs):
    return np.exp(-np.sum(token_log_probs))


@mutant("perplexity", hint="this behaves like 2 ** (mean NLL): the log-probabilities are natural "
                           "logs, so use exp")
def perplexity_base_two(token_log_probs):
    return 2.0 ** (-np.mean(token_log_probs))


@mutant("perplexity", hint="this behaves like exp(mean log-probability): the minus sign is missing")
def perplexity_no_minus(token_log_probs):
    return np.exp(np.mean(token_log_probs))


@mutant("perplexity", hint="this behaves like the arithmetic mean of 1 / p instead of exp of the "
                           "mean negative log-probability")
def perplexity_arithmetic_mean(token_log_probs):
    return np.mean(np.exp(-np.asarray(token_log_probs, dtype=float)))


@mutant("perplexity", hint="this behaves like the mean negative log-probability itself: the exp "
                           "is missing")
def perplexity_no_exp(token_log_probs):
    return -np.mean(token_log_probs)


@mutant("perplexity", hint="this behaves like 1 / mean(p): the inverse of the average probability, "
                           "not of the geometric mean")
def perplexity_inverse_mean_probability(token_log_probs):
    return 1.0 / np.mean(np.exp(np.asarray(token_log_probs, dtype=float)))


@mutant("perplexity", hint="this behaves like dividing the summed NLL by T - 1 instead of T")
def perplexity_t_minus_one(token_log_probs):
    lp = np.asarray(token_log_probs, dtype=float)
    return np.exp(-np.sum(lp) / (lp.size - 1))


# Inputs are never modified (docs/course.md): the engine compares each argument after the call.
@mutant("softmax", hint="this subtracts the maximum from z in place (z -= max): the logits you were "
                        "given are changed; compute z - max into a new array instead")
def softmax_shifts_in_place(z, axis=-1):
    z -= np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


@mutant("perplexity", hint="this multiplies the token probabilities, (prod p)^(-1/T): right on paper, "
                           "but the product of thousands of probabilities underflows to 0 and the "
                           "perplexity becomes inf; average the log-probabilities instead")
def perplexity_product_of_probabilities(token_log_probs):
    p = np.exp(np.asarray(token_log_probs, dtype=float))
    with np.errstate(divide="ignore"):
        return np.prod(p) ** (-1.0 / p.size)
