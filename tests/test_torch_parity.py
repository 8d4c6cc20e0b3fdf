# SPDX-License-Identifier: BSD-3-Clause
"""Step for step, the optimizers equal torch.optim on the same objective.

Objective: mean loss over the batch + alpha/2 ||w||^2 (coupled, torch's weight_decay on
the weights only; decoupled for AdamW), or the elastic net's alpha (l1_ratio ||w||_1 +
(1 - l1_ratio)/2 ||w||^2), its L1 part in the loss (a subgradient term for every rule,
AdamW's too), intercept unpenalised, weights starting at zero,
shuffle=False, constant learning rate, dense float64 data; and lazy updates on sparse
rows against torch.optim.SparseAdam.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification, make_regression

from sgdlearn import SGDClassifier, SGDRegressor

torch = pytest.importorskip("torch")

ALPHA = 0.01
EPOCHS = 40
OPTIMIZERS = {
    "sgd": (1e-2, lambda groups, lr: torch.optim.SGD(groups, lr=lr)),
    "momentum": (1e-2, lambda groups, lr: torch.optim.SGD(groups, lr=lr, momentum=0.9)),
    "nesterov": (1e-2, lambda g, lr: torch.optim.SGD(g, lr=lr, momentum=0.9, nesterov=True)),
    "adagrad": (5e-2, lambda groups, lr: torch.optim.Adagrad(groups, lr=lr)),
    "rmsprop": (1e-3, lambda groups, lr: torch.optim.RMSprop(groups, lr=lr, alpha=0.99)),
    "adam": (1e-2, lambda groups, lr: torch.optim.Adam(groups, lr=lr)),
    "adamw": (1e-2, lambda groups, lr: torch.optim.AdamW(groups, lr=lr)),
}


def _problem(kind):
    if kind == "regression":
        X, y = make_regression(60, 5, noise=1.0, random_state=0)
        return X / 5, y / 50
    # Unbalanced classes: with balanced ones the multinomial intercepts' gradient is
    # zero up to rounding, which adaptive rules amplify into noise on both sides.
    weights = [0.6, 0.4] if kind == "binary" else [0.5, 0.3, 0.2]
    return make_classification(60, 5, n_informative=3, n_redundant=0, n_classes=len(weights),
                               weights=weights, random_state=1)


def _torch_loss(kind):
    if kind == "regression":
        return lambda p, y: 0.5 * torch.mean((p[:, 0] - y) ** 2)
    if kind == "binary":
        return lambda p, y: torch.nn.functional.binary_cross_entropy_with_logits(p[:, 0], y)
    return lambda p, y: torch.nn.functional.cross_entropy(p, y.long())


L1_RATIO = 0.5


@pytest.mark.parametrize("batch_size", [None, 16], ids=["full-batch", "mini-batch"])
@pytest.mark.parametrize("kind", ["regression", "binary", "multinomial"])
@pytest.mark.parametrize("optimizer, penalty", [
    *((optimizer, "l2") for optimizer in OPTIMIZERS),
    # Plain SGD's L1 is the cumulative penalty, not a subgradient (test_sgd.py).
    *((optimizer, "elasticnet") for optimizer in OPTIMIZERS if optimizer != "sgd"),
])
def test_optimizer_matches_torch_every_epoch(optimizer, penalty, kind, batch_size):
    X, y = _problem(kind)
    lr, make_torch_optimizer = OPTIMIZERS[optimizer]
    l1_ratio = L1_RATIO if penalty == "elasticnet" else 0.0
    params = dict(optimizer=optimizer, batch_size=batch_size, learning_rate="constant", eta0=lr,
                  alpha=ALPHA, penalty=penalty, l1_ratio=l1_ratio, shuffle=False)
    if kind == "regression":
        ours, fit_kw = SGDRegressor(**params), {}
    else:
        ours = SGDClassifier(loss="log_loss", multi_class="multinomial", **params)
        fit_kw = {"classes": np.unique(y)}

    n_outputs = 3 if kind == "multinomial" else 1
    W = torch.zeros(n_outputs, X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(n_outputs, dtype=torch.float64, requires_grad=True)
    groups = [{"params": [W], "weight_decay": ALPHA * (1 - l1_ratio)},
              {"params": [b], "weight_decay": 0.0}]
    reference = make_torch_optimizer(groups, lr)
    data_loss = _torch_loss(kind)

    def loss_fn(p, y):  # torch's gradient of |w| at 0 is 0, as sign(0) is
        return data_loss(p, y) + ALPHA * l1_ratio * W.abs().sum()
    X_t, y_t = torch.tensor(X), torch.tensor(y, dtype=torch.float64)
    step = len(y) if batch_size is None else batch_size

    for epoch in range(EPOCHS):
        ours.partial_fit(X, y, **fit_kw)
        for start in range(0, len(y), step):
            reference.zero_grad()
            loss_fn(X_t[start:start + step] @ W.T + b, y_t[start:start + step]).backward()
            reference.step()
        expected_coef = W.detach().numpy().reshape(np.shape(ours.coef_))
        scale = max(np.max(np.abs(expected_coef)), 1e-12)
        assert np.max(np.abs(ours.coef_ - expected_coef)) / scale < 1e-6, f"epoch {epoch + 1}"
        np.testing.assert_allclose(ours.intercept_, b.detach().numpy(), rtol=1e-6, atol=1e-9)
    assert ours.t_ == 1 + EPOCHS * -(-len(y) // step)


@pytest.mark.parametrize("first", ["momentum", "sgd"])
def test_an_optimizer_switched_to_between_calls_is_a_new_torch_optimizer(first):
    # Zero state and Adam's bias correction counted from its own first step, as torch's
    # Adam created at the switch from the weights so far; plain SGD (batch_size=1, t_
    # counting examples) first, too.
    X, y = _problem("regression")
    lr_first = OPTIMIZERS[first][0]
    batch_first = 1 if first == "sgd" else 16
    ours = SGDRegressor(optimizer=first, batch_size=batch_first, learning_rate="constant",
                        eta0=lr_first, alpha=ALPHA, penalty="l2", shuffle=False)
    W = torch.zeros(1, X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    groups = [{"params": [W], "weight_decay": ALPHA}, {"params": [b], "weight_decay": 0.0}]
    loss_fn = _torch_loss("regression")
    X_t, y_t = torch.tensor(X), torch.tensor(y, dtype=torch.float64)

    def epochs(reference, n, step):
        for _ in range(n):
            for start in range(0, len(y), step):
                reference.zero_grad()
                loss_fn(X_t[start:start + step] @ W.T + b, y_t[start:start + step]).backward()
                reference.step()

    for _ in range(5):
        ours.partial_fit(X, y)
    if first == "sgd":  # scikit-learn's plain SGD: its own oracle is the weights so far
        with torch.no_grad():
            W[...] = torch.tensor(ours.coef_)
            b[...] = torch.tensor(ours.intercept_)
    else:
        epochs(OPTIMIZERS[first][1](groups, lr_first), 5, 16)
    ours.set_params(optimizer="adam", batch_size=16, eta0=OPTIMIZERS["adam"][0])
    adam = OPTIMIZERS["adam"][1](groups, OPTIMIZERS["adam"][0])
    for epoch in range(10):
        ours.partial_fit(X, y)
        epochs(adam, 1, 16)
        np.testing.assert_allclose(ours.coef_, W.detach().numpy()[0], rtol=1e-6, atol=1e-9,
                                   err_msg=f"adam epoch {epoch + 1}")
        np.testing.assert_allclose(ours.intercept_, b.detach().numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_intercept_decay_is_the_intercepts_learning_rate(optimizer):
    # torch: the intercept in a parameter group of its own, at lr * intercept_decay.
    X, y = _problem("regression")
    lr, make_torch_optimizer = OPTIMIZERS[optimizer]
    ours = SGDRegressor(optimizer=optimizer, batch_size=16, learning_rate="constant", eta0=lr,
                        alpha=ALPHA, penalty="l2", shuffle=False, intercept_decay=0.3)
    W = torch.zeros(1, X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    reference = make_torch_optimizer([{"params": [W], "weight_decay": ALPHA},
                                      {"params": [b], "weight_decay": 0.0, "lr": 0.3 * lr}], lr)
    loss_fn = _torch_loss("regression")
    X_t, y_t = torch.tensor(X), torch.tensor(y, dtype=torch.float64)
    for epoch in range(10):
        ours.partial_fit(X, y)
        for start in range(0, len(y), 16):
            reference.zero_grad()
            loss_fn(X_t[start:start + 16] @ W.T + b, y_t[start:start + 16]).backward()
            reference.step()
    np.testing.assert_allclose(ours.coef_, W.detach().numpy()[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, b.detach().numpy(), rtol=1e-6, atol=1e-9)


def test_fit_equals_epochs_of_partial_fit():
    X, y = _problem("multinomial")
    params = dict(optimizer="adam", batch_size=8, learning_rate="constant", eta0=0.01,
                  loss="log_loss", multi_class="multinomial", shuffle=False)
    fitted = SGDClassifier(max_iter=15, tol=None, **params).fit(X, y)
    stepped = SGDClassifier(**params)
    for _ in range(15):
        stepped.partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_allclose(stepped.coef_, fitted.coef_, rtol=1e-12)
    np.testing.assert_allclose(stepped.loss_curve_, fitted.loss_curve_, rtol=1e-12)


def _ftrl_reference(X, y, alpha, beta, l1, l2, epochs):
    """McMahan et al. 2013, "Ad click prediction: a view from the trenches", Algorithm 1,
    for logistic loss, one example a step; the intercept is a coordinate without
    regularization."""
    n_features = X.shape[1] + 1
    z, n = np.zeros(n_features), np.zeros(n_features)
    l1s = np.r_[np.full(X.shape[1], l1), 0.0]
    l2s = np.r_[np.full(X.shape[1], l2), 0.0]

    def weights():
        w = -(z - np.sign(z) * l1s) / ((beta + np.sqrt(n)) / alpha + l2s)
        return np.where(np.abs(z) <= l1s, 0.0, w)

    for _ in range(epochs):
        for x_row, label in zip(X, y):
            x = np.r_[x_row, 1.0]
            w = weights()
            p = 1.0 / (1.0 + np.exp(-(w @ x)))
            g = (p - label) * x
            sigma = (np.sqrt(n + g * g) - np.sqrt(n)) / alpha
            z += g - sigma * w
            n += g * g
    w = weights()
    return w[:-1], w[-1]


@pytest.mark.parametrize(
    "penalty,l1_ratio,alpha", [("l2", 0.0, 0.05), ("elasticnet", 0.5, 0.05), ("l1", 1.0, 5.0)]
)
def test_ftrl_matches_the_papers_algorithm(penalty, l1_ratio, alpha):
    X, y = _problem("binary")
    eta0, beta = 0.2, 1.0
    ours = SGDClassifier(loss="log_loss", optimizer="ftrl", learning_rate="constant", eta0=eta0,
                         alpha=alpha, penalty=penalty, l1_ratio=l1_ratio, ftrl_beta=beta,
                         shuffle=False, max_iter=5, tol=None).fit(X, y)
    coef, intercept = _ftrl_reference(X, y, eta0, beta, alpha * l1_ratio,
                                      alpha * (1 - l1_ratio), epochs=5)
    np.testing.assert_allclose(ours.coef_.ravel(), coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_[0], intercept, rtol=1e-9)
    if penalty == "l1":
        assert np.any(ours.coef_ == 0.0)


# Plain SGD one example a step (scikit-learn's trainer) shrinks, then adds the clipped
# step: w (1 - lr alpha) - lr g, which is torch's SGD with weight_decay.
@pytest.mark.parametrize("optimizer, batch_size, momentum", [("momentum", 16, 0.9),
                                                             ("sgd", 1, 0.0)])
def test_gradient_clipping_matches_clip_grad_norm(optimizer, batch_size, momentum):
    X, y = _problem("regression")
    X = X * 10
    ours = SGDRegressor(optimizer=optimizer, batch_size=batch_size, learning_rate="constant",
                        eta0=0.01, alpha=ALPHA, clip_norm=0.5, shuffle=False)
    W = torch.zeros(1, X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    reference = torch.optim.SGD([{"params": [W], "weight_decay": ALPHA},
                                 {"params": [b], "weight_decay": 0.0}], lr=0.01,
                                momentum=momentum)
    X_t, y_t = torch.tensor(X), torch.tensor(y)
    for _ in range(10):
        ours.partial_fit(X, y)
        for start in range(0, len(y), batch_size):
            reference.zero_grad()
            r = X_t[start:start + batch_size] @ W[0] + b - y_t[start:start + batch_size]
            (0.5 * torch.mean(r * r)).backward()
            torch.nn.utils.clip_grad_norm_([W, b], max_norm=0.5)
            reference.step()
    np.testing.assert_allclose(ours.coef_, W.detach().numpy()[0], rtol=1e-6)
    np.testing.assert_allclose(ours.intercept_, b.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("n_jobs, batch_size, clip_norm", [(1, 16, None), (2, 64, None),
                                                          (2, 64, 1e9)])
def test_lazy_sparse_adam_matches_sparse_adam(n_jobs, batch_size, clip_norm):
    # sparse_update="lazy" on CSR rows is torch.optim.SparseAdam over the batch's
    # coordinates (embedding_bag with sparse gradients), L2 on those coordinates only.
    # Over 260 steps: the trainer's record of which coordinates a step touched restarts
    # every step and is cleared wholesale every 255, by one thread, by threads sharing
    # the step by column, and by threads each summing a piece of the batch, which a
    # clip_norm forces (one that never clips). SparseAdam adds eps to sqrt(v)
    # before v's bias correction, where Adam (and sgdlearn, lazily or not) adds it
    # after: a tiny eps makes that difference vanish.
    import torch.nn.functional as F

    rng = np.random.RandomState(0)
    n_rows, n_features, per_row = 260 * batch_size, 300, 6
    popularity = 1.0 / np.arange(1, n_features + 1)  # a few columns in most batches
    popularity[-1] = 0.0
    rows = [np.sort(rng.choice(n_features, per_row, replace=False, p=popularity / popularity.sum()))
            for _ in range(n_rows)]
    # The last column only in the first step and in step 255, which reuses the first
    # step's mark once the marks wrap: a mark left over would hide it from that step.
    for i in (0, 255 * batch_size):
        rows[i] = np.r_[rows[i], n_features - 1]
    indptr = np.r_[0, np.cumsum([len(r) for r in rows])]
    X = sp.csr_matrix((rng.uniform(0.5, 1.5, indptr[-1]), np.concatenate(rows), indptr),
                      shape=(n_rows, n_features))
    true_w = rng.normal(size=n_features)
    y = (X @ true_w + 0.3 * rng.normal(size=n_rows) > 0).astype(int)
    lr, alpha, eps = 0.01, 0.01, 1e-12
    ours = SGDClassifier(loss="log_loss", optimizer="adam", eps=eps, learning_rate="constant",
                         eta0=lr, alpha=alpha, penalty="l2", intercept_decay=1.0, shuffle=False,
                         batch_size=batch_size, max_iter=1, tol=None, n_jobs=n_jobs,
                         clip_norm=clip_norm).fit(X, y)
    assert ours.t_ - 1 == 260

    weight = torch.zeros(n_features, 1, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    weight_step = torch.optim.SparseAdam([weight], lr=lr, eps=eps)
    bias_step = torch.optim.Adam([bias], lr=lr, eps=eps)
    indptr = torch.from_numpy(X.indptr.astype(np.int64))
    indices = torch.from_numpy(X.indices.astype(np.int64))
    values, labels = torch.from_numpy(X.data), torch.tensor(y, dtype=torch.float64)
    for start in range(0, n_rows, batch_size):
        stop = min(n_rows, start + batch_size)
        first, last = int(indptr[start]), int(indptr[stop])
        columns = indices[first:last]
        p = F.embedding_bag(columns, weight, indptr[start:stop] - first, mode="sum",
                            per_sample_weights=values[first:last], sparse=True)[:, 0] + bias
        touched = F.embedding(torch.unique(columns), weight, sparse=True)
        loss = (F.binary_cross_entropy_with_logits(p, labels[start:stop])
                + 0.5 * alpha * touched.pow(2).sum())
        weight_step.zero_grad()
        bias_step.zero_grad()
        loss.backward()
        weight_step.step()
        bias_step.step()
    expected = weight.detach().numpy()[:, 0]
    np.testing.assert_allclose(ours.coef_[0], expected, rtol=1e-6,
                               atol=1e-9 * np.abs(expected).max())
    np.testing.assert_allclose(ours.intercept_, bias.detach().numpy(), rtol=1e-6)
