"""Other correct implementations of ps3's answers: each must keep full marks.

None of them uses a call listed in FORBIDDEN_CALLS for its question: the torch versions use
elementary tensor operations and write the backward pass by hand, without autograd.
"""
import numpy as np
from coursegrade import alternative


# --- affine_forward ---------------------------------------------------------------------------

@alternative("affine_forward")
def affine_forward_einsum(x, W, b):
    return np.einsum("nd,dh->nh", x, W) + b[None, :]


@alternative("affine_forward")
def affine_forward_loop_float32(x, W, b):
    x32, W32, b32 = (np.asarray(a, dtype=np.float32) for a in (x, W, b))
    out = np.empty((x.shape[0], W.shape[1]), dtype=np.float32)
    for n in range(x.shape[0]):
        out[n] = x32[n] @ W32 + b32
    return out


@alternative("affine_forward")
def affine_forward_torch(x, W, b):
    import torch
    return torch.addmm(torch.from_numpy(b), torch.from_numpy(x), torch.from_numpy(W)).numpy()


# --- relu_forward -----------------------------------------------------------------------------

@alternative("relu_forward")
def relu_forward_times_mask(x):
    return x * (x > 0)


@alternative("relu_forward")
def relu_forward_loop(x):
    out = np.array(x, dtype=float, copy=True)
    flat = out.reshape(-1)  # a view on out
    for i in range(flat.size):
        if flat[i] < 0:
            flat[i] = 0.0
    return out


@alternative("relu_forward")
def relu_forward_torch_clamp(x):
    import torch
    return torch.clamp(torch.as_tensor(x), min=0.0).numpy()


# --- chain_rule_example -----------------------------------------------------------------------

@alternative("chain_rule_example")
def chain_rule_forward_mode(x, w1, b1, w2, b2):
    # Carry (value, d/dw1) through the computation: forward-mode differentiation.
    y1, dy1 = x * w1 + b1, x
    y2, dy2 = y1 * w2 + b2, dy1 * w2
    return dy2


@alternative("chain_rule_example")
def chain_rule_numpy_scalar(x, w1, b1, w2, b2):
    local = np.array([w2, x])  # dy2/dy1, dy1/dw1
    return np.prod(local)


# --- affine_backward --------------------------------------------------------------------------

@alternative("affine_backward")
def affine_backward_einsum(dout, x, W):
    return (np.einsum("nh,dh->nd", dout, W), np.einsum("nd,nh->dh", x, dout),
            np.einsum("nh->h", dout))


@alternative("affine_backward")
def affine_backward_loop(dout, x, W):
    dx = np.zeros(x.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(W.shape[1])
    for n in range(x.shape[0]):  # each sample adds its own outer product to dW
        dx[n] = W @ dout[n]
        dW += np.outer(x[n], dout[n])
        db += dout[n]
    return dx, dW, db


@alternative("affine_backward")
def affine_backward_torch_float32(dout, x, W):
    import torch
    d, xt, Wt = (torch.tensor(a, dtype=torch.float32) for a in (dout, x, W))
    return [(d @ Wt.T).numpy(), (xt.T @ d).numpy(), d.sum(dim=0).numpy()]


# --- relu_backward ----------------------------------------------------------------------------

@alternative("relu_backward")
def relu_backward_mask_multiply(dout, x):
    return dout * (x > 0)


@alternative("relu_backward")
def relu_backward_copy_and_zero(dout, x):
    dx = np.array(dout, dtype=float, copy=True)
    dx[x <= 0] = 0.0
    return dx


@alternative("relu_backward")
def relu_backward_torch(dout, x):
    import torch
    d, xt = torch.as_tensor(dout), torch.as_tensor(x)
    return torch.where(xt > 0, d, torch.zeros_like(d)).numpy()


# --- numerical_gradient -----------------------------------------------------------------------

@alternative("numerical_gradient")
def numerical_gradient_copies(f, x, h=1e-5):
    # Never touches x: perturbs fresh copies instead.
    grad = np.zeros_like(x, dtype=float)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = h
        step = step.reshape(x.shape)
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


@alternative("numerical_gradient")
def numerical_gradient_nditer(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = float(x[i])
        x[i] = old + h
        fxph = float(f(x))
        x[i] = old - h
        fxmh = float(f(x))
        x[i] = old
        grad[i] = (fxph - fxmh) / (2 * h)
        it.iternext()
    return grad


@alternative("numerical_gradient")
def numerical_gradient_flat_view(f, x, h=1e-5):
    flat = x.reshape(-1)  # a view: writing to it perturbs x itself
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x)
        flat[i] = old - h
        f_minus = f(x)
        flat[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad.reshape(x.shape)


# --- two_layer_loss ---------------------------------------------------------------------------

@alternative("two_layer_loss")
def two_layer_loss_einsum_onehot(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N, C = X.shape[0], W2.shape[1]
    onehot = np.eye(C)[y]
    h_pre = np.einsum("nd,dh->nh", X, W1) + b1
    mask = h_pre > 0
    h = h_pre * mask
    scores = np.einsum("nh,hc->nc", h, W2) + b2
    m = scores.max(axis=1, keepdims=True)
    logsumexp = m + np.log(np.exp(scores - m).sum(axis=1, keepdims=True))
    data_loss = np.sum(onehot * (logsumexp - scores)) / N
    loss = data_loss + reg / 2 * (np.einsum("ij,ij->", W1, W1) + np.einsum("ij,ij->", W2, W2))
    dscores = (np.exp(scores - logsumexp) - onehot) / N
    dh = np.einsum("nc,hc->nh", dscores, W2) * mask
    return loss, {
        "W1": np.einsum("nd,nh->dh", X, dh) + reg * W1,
        "b1": dh.sum(axis=0),
        "W2": np.einsum("nh,nc->hc", h, dscores) + reg * W2,
        "b2": dscores.sum(axis=0),
    }


@alternative("two_layer_loss")
def two_layer_loss_torch_manual(params, X, y, reg):
    import torch
    P = {k: torch.from_numpy(np.asarray(v, dtype=float)) for k, v in params.items()}
    Xt, yt = torch.from_numpy(X), torch.as_tensor(y, dtype=torch.long)
    N = Xt.shape[0]
    h_pre = Xt @ P["W1"] + P["b1"]
    h = torch.clamp(h_pre, min=0.0)
    scores = h @ P["W2"] + P["b2"]
    log_p = scores - torch.logsumexp(scores, dim=1, keepdim=True)
    rows = torch.arange(N)
    loss = -log_p[rows, yt].mean() + 0.5 * reg * ((P["W1"] ** 2).sum() + (P["W2"] ** 2).sum())
    dscores = log_p.exp()
    dscores[rows, yt] -= 1.0
    dscores /= N
    dh = (dscores @ P["W2"].T) * (h_pre > 0)
    grads = {"W1": Xt.T @ dh + reg * P["W1"], "b1": dh.sum(0),
             "W2": h.T @ dscores + reg * P["W2"], "b2": dscores.sum(0)}
    return loss.item(), {k: v.numpy() for k, v in grads.items()}


@alternative("two_layer_loss")
def two_layer_loss_float32(params, X, y, reg):
    f32 = np.float32
    W1, b1, W2, b2 = (np.asarray(params[k], dtype=f32) for k in ("W1", "b1", "W2", "b2"))
    X32, reg32 = np.asarray(X, dtype=f32), f32(reg)
    N = X.shape[0]
    h_pre = X32 @ W1 + b1
    h = np.maximum(h_pre, f32(0))
    scores = h @ W2 + b2
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(N), y].mean() + f32(0.5) * reg32 * (np.sum(W1 * W1) + np.sum(W2 * W2))
    dscores = np.exp(log_p)
    dscores[np.arange(N), y] -= f32(1)
    dscores /= f32(N)
    dh = (dscores @ W2.T) * (h_pre > 0)
    return loss, {"W1": X32.T @ dh + reg32 * W1, "b1": dh.sum(axis=0),
                  "W2": h.T @ dscores + reg32 * W2, "b2": dscores.sum(axis=0)}


@alternative("two_layer_loss")
def two_layer_loss_per_sample_loop(params, X, y, reg):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    grads = {"W1": reg * W1, "b1": np.zeros_like(b1), "W2": reg * W2, "b2": np.zeros_like(b2)}
    loss = 0.5 * reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
    for n in range(N):  # one sample at a time, each contributing 1/N of the mean
        h_pre = X[n] @ W1 + b1
        h = np.maximum(h_pre, 0.0)
        s = h @ W2 + b2
        log_p = s - s.max() - np.log(np.sum(np.exp(s - s.max())))
        loss += -log_p[y[n]] / N
        ds = np.exp(log_p)
        ds[y[n]] -= 1.0
        ds /= N
        grads["W2"] += np.outer(h, ds)
        grads["b2"] += ds
        dh_pre = (W2 @ ds) * (h_pre > 0)
        grads["W1"] += np.outer(X[n], dh_pre)
        grads["b1"] += dh_pre
    return loss, grads


# --- sgd_train --------------------------------------------------------------------------------

@alternative("sgd_train")
def sgd_train_shuffle_in_place(params, X, y, lr, reg, epochs, batch_size, rng):
    # rng.shuffle of an index array instead of rng.permutation: another order from the same rng,
    # which the hidden tests accept (they check what any shuffle drawn from rng gives).
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    N = len(X)
    n_batches = -(-N // batch_size)  # the short last batch is kept
    idx = np.arange(N)
    history = []
    for epoch in range(epochs):
        rng.shuffle(idx)
        for j in range(n_batches):
            batch = idx[j * batch_size:(j + 1) * batch_size]
            loss, grads = two_layer_loss(params, X[batch], y[batch], reg)
            params = {k: params[k] - lr * grads[k] for k in params}
            history.append(float(loss))
    return params, np.array(history)


@alternative("sgd_train")
def sgd_train_while_loop(params, X, y, lr, reg, epochs, batch_size, rng):
    current = dict(params)  # new arrays are created by each update, the caller's stay untouched
    history = []
    epoch = 0
    while epoch < epochs:
        order = rng.permutation(X.shape[0])
        Xs, ys = X[order], y[order]
        start = 0
        while start < len(Xs):
            loss, grads = two_layer_loss(current, Xs[start:start + batch_size], ys[start:start + batch_size], reg)
            current = {k: v - lr * grads[k] for k, v in current.items()}
            history.append(loss)
            start += batch_size
        epoch += 1
    return current, tuple(history)
