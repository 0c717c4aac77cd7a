"""Trusted reference implementations for ps3 (backprop a two-layer net).

Plain numpy in the CS231n `layers.py` style: one forward/backward pair per idea. The torch
versions at the end are oracles: where the course is validated, every reference answer a hidden
test uses is checked against them (`hidden.cross_checked`).
"""
import numpy as np


def affine_forward(x, W, b):
    """x (N, D), W (D, H), b (H,) -> x @ W + b, shape (N, H)."""
    return x @ W + b


def affine_backward(dout, x, W):
    """Upstream dout (N, H) -> (dx (N, D), dW (D, H), db (H,))."""
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(x, 0.0)


def relu_backward(dout, x):
    """relu'(x) is 1 where x > 0 and 0 elsewhere, including at x == 0."""
    return np.where(x > 0, dout, 0.0)


def chain_rule_example(x, w1, b1, w2, b2):
    """y1 = x*w1 + b1, y2 = y1*w2 + b2: dy2/dw1 = dy2/dy1 * dy1/dw1 = w2 * x."""
    return w2 * x


def log_softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def scores(params, X):
    """Forward pass of the two-layer net: class scores (N, C)."""
    hidden = relu_forward(affine_forward(X, params["W1"], params["b1"]))
    return affine_forward(hidden, params["W2"], params["b2"])


def predict(params, X):
    return np.argmax(scores(params, X), axis=1)


def accuracy(params, X, y):
    return float(np.mean(predict(params, X) == y))


def two_layer_loss(params, X, y, reg):
    """Mean softmax cross-entropy of the ReLU net plus 0.5*reg*(|W1|^2 + |W2|^2), and its grads."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    n = X.shape[0]
    hidden_pre = affine_forward(X, W1, b1)
    hidden = relu_forward(hidden_pre)
    log_probs = log_softmax(affine_forward(hidden, W2, b2))
    loss = -log_probs[np.arange(n), y].mean() + 0.5 * reg * (np.sum(W1**2) + np.sum(W2**2))

    dscores = np.exp(log_probs)            # p - onehot(y), divided by N for the mean
    dscores[np.arange(n), y] -= 1.0
    dscores /= n
    dhidden, dW2, db2 = affine_backward(dscores, hidden, W2)
    _, dW1, db1 = affine_backward(relu_backward(dhidden, hidden_pre), X, W1)
    grads = {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}
    return float(loss), grads


def numerical_gradient(f, x, h=1e-5):
    """Centred differences, one entry at a time, on a copy (x is not modified)."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def sgd_train(params, X, y, lr, reg, epochs, batch_size, rng):
    """Mini-batch SGD; one loss_history entry per update step."""
    params = {name: np.array(value, dtype=float) for name, value in params.items()}
    n = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in params:
                params[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


def make_spiral(n_per_class, n_classes, rng):
    """The CS231n spiral: `n_classes` interleaved arms in 2-D, `n_per_class` points each."""
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.zeros(n_per_class * n_classes, dtype=int)
    for k in range(n_classes):
        rows = slice(n_per_class * k, n_per_class * (k + 1))
        radius = np.linspace(0.0, 1.0, n_per_class)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) + 0.2 * rng.normal(size=n_per_class)
        X[rows] = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
        y[rows] = k
    return X, y


def init_params(D, H, C, rng):
    """He initialisation for W1 (ReLU layer), small W2, zero biases."""
    return {
        "W1": rng.normal(size=(D, H)) * np.sqrt(2.0 / D),
        "b1": np.zeros(H),
        "W2": rng.normal(size=(H, C)) * np.sqrt(1.0 / H),
        "b2": np.zeros(C),
    }


# --- torch oracles --------------------------------------------------------------------------

def two_layer_loss_torch(params, X, y, reg):
    """The same loss built from torch ops; gradients by torch.autograd (float64)."""
    import torch
    leaves = {name: torch.tensor(np.asarray(value, dtype=float), requires_grad=True)
              for name, value in params.items()}
    X_t = torch.tensor(np.asarray(X, dtype=float))
    hidden = torch.relu(X_t @ leaves["W1"] + leaves["b1"])
    scores_t = hidden @ leaves["W2"] + leaves["b2"]
    data_loss = torch.nn.functional.cross_entropy(scores_t, torch.as_tensor(y, dtype=torch.long))
    loss = data_loss + 0.5 * reg * (leaves["W1"].pow(2).sum() + leaves["W2"].pow(2).sum())
    loss.backward()
    return float(loss), {name: t.grad.numpy() for name, t in leaves.items()}


def affine_backward_torch(dout, x, W, b):
    """(dx, dW, db) by autograd of sum(dout * (x @ W + b))."""
    import torch
    x_t, W_t, b_t = (torch.tensor(np.asarray(a, dtype=float), requires_grad=True) for a in (x, W, b))
    (torch.as_tensor(np.asarray(dout, dtype=float)) * (x_t @ W_t + b_t)).sum().backward()
    return x_t.grad.numpy(), W_t.grad.numpy(), b_t.grad.numpy()


def relu_backward_torch(dout, x):
    """dx by autograd of sum(dout * relu(x))."""
    import torch
    x_t = torch.tensor(np.asarray(x, dtype=float), requires_grad=True)
    (torch.relu(x_t) * torch.as_tensor(np.asarray(dout, dtype=float))).sum().backward()
    return x_t.grad.numpy()
