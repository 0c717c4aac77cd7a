"""Static detection of library calls that do a question's work."""
from coursegrade.grading.forbidden import forbidden_calls_in, names_defined

FORBIDDEN = ["torch.nn.functional.cross_entropy", "scipy.special.logsumexp"]


def test_attribute_calls_and_imports_are_found():
    assert forbidden_calls_in("import torch.nn.functional as F\nF.cross_entropy(a, b)", FORBIDDEN) == \
        ["torch.nn.functional.cross_entropy"]
    assert forbidden_calls_in("from scipy.special import logsumexp as lse", FORBIDDEN) == \
        ["scipy.special.logsumexp"]


def test_a_students_own_helper_of_the_same_name_is_fine():
    source = "def logsumexp(z):\n    return z\n\ndef loss(z):\n    return logsumexp(z)\n"
    assert forbidden_calls_in(source, FORBIDDEN, names_defined([source])) == []
    assert forbidden_calls_in("np.exp(z).sum()", FORBIDDEN) == []


def test_unparsable_answers_report_nothing():
    assert forbidden_calls_in("def broken(:", FORBIDDEN) == []


def test_local_variables_named_like_a_forbidden_call_are_fine():
    source = ("def cross_entropy_grad(logits, labels):\n    grad = logits.copy()\n"
              "    cross_entropy = 1.0\n    return grad * cross_entropy\n")
    forbidden = ["torch.autograd.grad", "torch.nn.functional.cross_entropy"]
    assert forbidden_calls_in(source, forbidden) == []
    assert forbidden_calls_in("import torch\ntorch.autograd.grad(y, x)", forbidden) == ["torch.autograd.grad"]
