"""Known-wrong implementations of ps3's answers: each must lose points under the hidden suite.

A mutant replaces one function of an otherwise correct notebook; the others (for example the
affine_forward that two_layer_loss calls) stay correct.
"""
import numpy as np
from coursegrade import mutant


# --- affine_forward ---------------------------------------------------------------------------

@mutant("affine_forward", hint="this behaves like an affine layer that forgets the bias b")
def affine_forward_no_bias(x, W, b):
    return x @ W


@mutant("affine_forward", hint="this behaves like an affine layer that subtracts the bias instead of adding it")
def affine_forward_minus_bias(x, W, b):
    return x @ W - b


@mutant("affine_forward", hint="this returns the output transposed, shape (H, N) instead of (N, H)")
def affine_forward_transposed(x, W, b):
    return (x @ W + b).T


@mutant("affine_forward", hint="this adds the sum of the biases to every output instead of b_j to output j")
def affine_forward_bias_summed(x, W, b):
    return x @ W + np.sum(b)


# --- relu_forward -----------------------------------------------------------------------------

@mutant("relu_forward", hint="this behaves like a leaky ReLU: negative inputs are scaled by 0.01, not set to 0")
def relu_forward_leaky(x):
    return np.where(x > 0, x, 0.01 * x)


@mutant("relu_forward", hint="this behaves like the absolute value: negative inputs are flipped instead of set to 0")
def relu_forward_abs(x):
    return np.abs(x)


@mutant("relu_forward", hint="this caps the output at 1, like a hard sigmoid, instead of letting positive inputs through unchanged")
def relu_forward_clipped(x):
    return np.clip(x, 0.0, 1.0)


@mutant("relu_forward", hint="this returns the on/off mask (x > 0) instead of the values max(x, 0)")
def relu_forward_mask(x):
    return (x > 0).astype(float)


# --- chain_rule_example -----------------------------------------------------------------------

@mutant("chain_rule_example", hint="this returns only dy2/dy1 = w2 and forgets the local derivative dy1/dw1 = x")
def chain_rule_w2_only(x, w1, b1, w2, b2):
    return w2


@mutant("chain_rule_example", hint="this returns dy2/dw2 = y1 instead of dy2/dw1")
def chain_rule_wrt_w2(x, w1, b1, w2, b2):
    return x * w1 + b1


@mutant("chain_rule_example", hint="this returns dy2/dx = w1 * w2 instead of dy2/dw1")
def chain_rule_wrt_x(x, w1, b1, w2, b2):
    return w1 * w2


@mutant("chain_rule_example", hint="this adds the local derivatives (w2 + x) instead of multiplying them")
def chain_rule_added(x, w1, b1, w2, b2):
    return w2 + x


# --- affine_backward --------------------------------------------------------------------------

@mutant("affine_backward", hint="this sums db over the wrong axis: over the outputs of each sample instead of over the samples")
def affine_backward_db_wrong_axis(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.sum(axis=1)


@mutant("affine_backward", hint="this averages db over the samples instead of summing")
def affine_backward_db_mean(dout, x, W):
    return dout @ W.T, x.T @ dout, dout.mean(axis=0)


@mutant("affine_backward", hint="this computes dW as dout^T x, the transpose of the gradient (shape (H, D) instead of (D, H))")
def affine_backward_dW_transposed(dout, x, W):
    return dout @ W.T, dout.T @ x, dout.sum(axis=0)


@mutant("affine_backward", hint="this computes dx as dout W instead of dout W^T")
def affine_backward_dx_no_transpose(dout, x, W):
    return dout @ W, x.T @ dout, dout.sum(axis=0)


@mutant("affine_backward", hint="this divides dW by N; a layer's backward pass sums over samples (any mean in the loss is already in dout)")
def affine_backward_dW_divided_by_N(dout, x, W):
    return dout @ W.T, x.T @ dout / x.shape[0], dout.sum(axis=0)


@mutant("affine_backward", hint="the signs of all three gradients are flipped")
def affine_backward_sign_flipped(dout, x, W):
    return -(dout @ W.T), -(x.T @ dout), -dout.sum(axis=0)


# --- relu_backward ----------------------------------------------------------------------------

@mutant("relu_backward", hint="this takes the mask from the upstream gradient (dout > 0) instead of from the forward input (x > 0)")
def relu_backward_mask_from_dout(dout, x):
    return np.where(dout > 0, dout, 0.0)


@mutant("relu_backward", hint="this passes the upstream gradient through unchanged, as if there were no ReLU")
def relu_backward_pass_through(dout, x):
    return dout


@mutant("relu_backward", hint="this uses relu'(0) = 1 (mask x >= 0); this course uses relu'(0) = 0 (mask x > 0)")
def relu_backward_ge_zero(dout, x):
    return np.where(x >= 0, dout, 0.0)


@mutant("relu_backward", hint="this returns the mask (x > 0) without multiplying by the upstream gradient")
def relu_backward_mask_only(dout, x):
    return (x > 0).astype(float)


@mutant("relu_backward", hint="this multiplies by the ReLU output max(x, 0) instead of by the mask (x > 0)")
def relu_backward_times_relu(dout, x):
    return dout * np.maximum(x, 0.0)


# --- numerical_gradient -----------------------------------------------------------------------

@mutant("numerical_gradient", hint="this uses one-sided differences (f(x + h) - f(x)) / h, which are only accurate to O(h)")
def numerical_gradient_one_sided(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    fx = f(x)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        grad[i] = (f(x) - fx) / h
        x[i] = original
    return grad


@mutant("numerical_gradient", hint="this never puts x back: after each entry x stays shifted by -h, so later entries are taken at the wrong point")
def numerical_gradient_no_restore(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


@mutant("numerical_gradient", hint="this divides by h instead of 2h, so every entry is twice too large")
def numerical_gradient_missing_2(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / h
    return grad


@mutant("numerical_gradient", hint="this ignores the step h it is given and always uses 1e-5")
def numerical_gradient_ignores_h(f, x, h=1e-5):
    step = 1e-5
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + step
        f_plus = f(x)
        x[i] = original - step
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * step)
    return grad


@mutant("numerical_gradient", hint="this only handles 1-D arrays: it loops over range(len(x)) and perturbs whole rows of a 2-D x")
def numerical_gradient_rows_only(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        original = x[i].copy()
        x[i] = original + h
        f_plus = f(x)
        x[i] = original - h
        f_minus = f(x)
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


# --- two_layer_loss ---------------------------------------------------------------------------
# Each mutant is the correct solution with one mistake; `_forward` and `_backward_from_scores`
# would hide the mistake, so each is written out in full like a student's answer.

@mutant("two_layer_loss", hint="this leaves out the regularisation gradient reg * W from dW1 and dW2")
def two_layer_loss_reg_grad_missing(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


@mutant("two_layer_loss", hint="this adds 2 * reg * W to the weight gradients; the gradient of 0.5 * reg * sum(W**2) is reg * W")
def two_layer_loss_reg_grad_doubled(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + 2 * reg * W1, "b1": db1, "W2": dW2 + 2 * reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this regularises the biases too; the L2 penalty applies to the weights W1 and W2 only")
def two_layer_loss_reg_on_biases(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    penalty = np.sum(W1 ** 2) + np.sum(b1 ** 2) + np.sum(W2 ** 2) + np.sum(b2 ** 2)
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * penalty
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1 + reg * b1, "W2": dW2 + reg * W2, "b2": db2 + reg * b2}


@mutant("two_layer_loss", hint="this computes dW2 from the pre-activations X W1 + b1 instead of the ReLU outputs")
def two_layer_loss_dW2_from_pre_activation(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h_pre, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this skips the ReLU in the backward pass: the gradient reaches W1 and b1 even through units that were off")
def two_layer_loss_relu_backward_skipped(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(dh, X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this forgets to divide the score gradient by N: the gradients are those of the summed loss, not the mean")
def two_layer_loss_not_divided_by_N(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="the score gradient has the wrong sign: onehot(y) - p instead of p - onehot(y)")
def two_layer_loss_sign_flipped(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = -np.exp(log_p)
    dscores[np.arange(N), y] += 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this computes softmax without subtracting the row maximum: large scores overflow to inf or nan")
def two_layer_loss_unstable_softmax(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    p = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(N), y])) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = p.copy()
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this shifts the scores by their maximum but then takes log(p): when the true class's probability underflows to 0, the loss becomes inf; use log p = shifted - log(sum(exp(shifted)))")
def two_layer_loss_log_of_softmax(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    loss = -np.mean(np.log(p[np.arange(N), y])) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = p.copy()
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this sums the cross-entropy over samples instead of taking the mean (loss and gradients N times too large)")
def two_layer_loss_sum_not_mean(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(log_p[np.arange(N), y]) + 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


@mutant("two_layer_loss", hint="this leaves the regularisation penalty out of the loss value (the gradients include it)")
def two_layer_loss_penalty_missing_from_loss(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = affine_forward(X, W1, b1)
    h = relu_forward(h_pre)
    scores = affine_forward(h, W2, b2)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_p[np.arange(N), y])
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= 1.0
    dscores /= N
    dh, dW2, db2 = affine_backward(dscores, h, W2)
    _, dW1, db1 = affine_backward(relu_backward(dh, h_pre), X, W1)
    return float(loss), {"W1": dW1 + reg * W1, "b1": db1, "W2": dW2 + reg * W2, "b2": db2}


# --- sgd_train --------------------------------------------------------------------------------

@mutant("sgd_train", hint="this steps along the gradient (params + lr * grads) instead of against it, so the loss goes up")
def sgd_train_ascent(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in params:
                params[name] += lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this ignores reg: it always calls two_layer_loss with reg = 0")
def sgd_train_ignores_reg(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], 0.0)
            for name in params:
                params[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this only updates the weights W1 and W2 and leaves the biases at their starting values")
def sgd_train_biases_frozen(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in ("W1", "W2"):
                params[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this ignores batch_size and takes one full-batch gradient step per epoch")
def sgd_train_full_batch(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    loss_history = []
    for _ in range(epochs):
        loss, grads = two_layer_loss(params, X, y, reg)
        for name in params:
            params[name] -= lr * grads[name]
        loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this runs only the first mini-batch of each epoch instead of all of them")
def sgd_train_one_batch_per_epoch(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        batch = rng.permutation(N)[:batch_size]
        loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
        for name in params:
            params[name] -= lr * grads[name]
        loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this returns the parameters it started from instead of the trained ones")
def sgd_train_returns_initial(params, X, y, lr, reg, epochs, batch_size, rng):
    trained = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(trained, X[batch], y[batch], reg)
            for name in trained:
                trained[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this forgets the learning rate: params - grads instead of params - lr * grads")
def sgd_train_no_lr(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in params:
                params[name] -= grads[name]
            loss_history.append(loss)
    return params, loss_history


# Inputs are never modified (docs/course.md): the engine compares each argument after the call.
@mutant("relu_forward", hint="this writes the result into x (x[x < 0] = 0): the array you were "
                             "given is changed; return a new array instead")
def relu_forward_in_place(x):
    x[x < 0] = 0.0
    return x


@mutant("sgd_train", hint="this copies the dict of parameters but not the arrays in it (dict(params)): "
                          "every update changes the caller's arrays; copy each array")
def sgd_train_shallow_copy(params, X, y, lr, reg, epochs, batch_size, rng):
    params = dict(params)
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in params:
                params[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this drops the last, smaller batch of each epoch (N // batch_size steps): "
                          "the samples left over are never trained on in that epoch; keep it as a "
                          "step of its own, ceil(N / batch_size) steps per epoch")
def sgd_train_drops_last_batch(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in params:
                params[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history


@mutant("sgd_train", hint="this fills the last batch up to batch_size with samples from the start of "
                          "the order: those samples are used twice in the epoch; the last batch is "
                          "simply smaller")
def sgd_train_wraps_last_batch(params, X, y, lr, reg, epochs, batch_size, rng):
    params = {name: value.copy() for name, value in params.items()}
    N = X.shape[0]
    loss_history = []
    for _ in range(epochs):
        order = rng.permutation(N)
        for start in range(0, N, batch_size):
            batch = np.take(order, np.arange(start, start + min(batch_size, N)), mode="wrap")
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            for name in params:
                params[name] -= lr * grads[name]
            loss_history.append(loss)
    return params, loss_history
