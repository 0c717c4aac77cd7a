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


def test_a_students_own_objects_are_not_library_calls():
    # ps5 forbids torch.autograd: a Value's own .grad, a node's .functional, are the student's
    forbidden = ["torch.autograd", "torch.autograd.functional", "torch.func.jvp"]
    source = ("class Value:\n    def backward(self):\n        self.grad = 1.0\n"
              "        for node in self.order:\n            node.functional.jvp(node.grad)\n")
    assert forbidden_calls_in(source, forbidden) == []
    # importing torch.nn.functional is not importing torch.autograd.functional
    assert forbidden_calls_in("import torch.nn.functional as F\nF.relu(x)", forbidden) == []


def test_imports_match_by_their_full_path():
    forbidden = ["torch.autograd", "autograd", "jax"]
    assert forbidden_calls_in("from torch.autograd import grad\ngrad(y, x)", forbidden) == ["torch.autograd"]
    assert forbidden_calls_in("import autograd.numpy as anp", forbidden) == ["autograd"]
    assert forbidden_calls_in("import jax.numpy as jnp", forbidden) == ["jax"]
    assert forbidden_calls_in("import torch as t\nt.autograd.grad(y, x)", forbidden) == ["torch.autograd"]
    assert forbidden_calls_in("from torch import autograd as ag\nag.grad(y, x)", forbidden) == ["torch.autograd"]
    assert forbidden_calls_in("import torch\ntorch.nn.functional.relu(x)", forbidden) == []


def test_a_name_imported_in_another_cell_matches_by_its_last_part():
    # `F` bound nowhere in the answer: imported elsewhere in the notebook
    assert forbidden_calls_in("F.cross_entropy(a, b)", FORBIDDEN) == ["torch.nn.functional.cross_entropy"]
