# SPDX-License-Identifier: BSD-3-Clause
"""How each library trains a linear classifier on a `datasets.Dataset`, at its best.

Every factory returns a `Contender`: a `fit` to time (it trains from scratch and returns
the model) and a `score` (test accuracy, not timed). Whatever a library needs before
training (its preferred dtype, a text file, Python dicts) is prepared by the factory,
outside the timed `fit`. A factory raises `PeerUnavailable` when its library is not
installed or cannot run the setting.

    sgdlearn          the estimators, in float64 or float32, n_jobs threads (also hogwild)
    scikit-learn      SGDClassifier on float64 CSR/C arrays (what it converts to anyway)
    PyTorch           Adam in float32 with torch.set_num_threads(threads): sparse rows
                      through embedding_bag and SparseAdam (the lazy rule of sgdlearn's
                      sparse Adam) or a CSR matmul and Adam (every coordinate a step, as
                      sparse_update="dense"); dense rows through a matmul
    Vowpal Wabbit     the vowpalwabbit package's native driver on its binary cache file
                      (written beforehand), its default adaptive/normalised learner
    River             learn_one on dicts, scikit-learn's "optimal" schedule and intercept rule
"""

import os
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
import sklearn.linear_model

import sgdlearn


class PeerUnavailable(Exception):
    """The library is not installed, or cannot train this setting."""


@dataclass(frozen=True)
class Setting:
    """What every library is asked to train: hinge loss, L2 penalty alpha, epochs passes
    over shuffled data, `optimizer` "sgd" (scikit-learn's optimal schedule) or "adam"
    (constant eta0) on batches of batch_size examples."""

    optimizer: str = "sgd"
    batch_size: int = 1
    epochs: int = 5
    alpha: float = 1e-6
    eta0: float = 0.01
    seed: int = 0

    def estimator_params(self):
        """The parameters of sgdlearn's (and, for sgd, scikit-learn's) SGDClassifier."""
        params = dict(loss="hinge", penalty="l2", alpha=self.alpha, max_iter=self.epochs,
                      tol=None, shuffle=True, random_state=self.seed)
        if self.optimizer != "sgd":
            params.update(learning_rate="constant", eta0=self.eta0)
        return params


@dataclass
class Contender:
    library: str
    variant: str
    threads: int
    fit: Callable[[], object]
    score: Callable[[object], float]
    examples: int  # examples one fit processes (rows times epochs)
    nnz: int       # stored values one fit processes
    max_repeats: int = 1_000
    notes: list = field(default_factory=list)
    # Bytes that are equal when two fitted models are bit-identical (None: not checked).
    fingerprint: Callable[[object], bytes] | None = None


def sgdlearn_classifier(data, setting, n_jobs=1, dtype=np.float64, sparse_update="lazy",
                        hogwild=False):
    X_train, X_test = data.X_train.astype(dtype), data.X_test.astype(dtype)
    params = dict(setting.estimator_params(), n_jobs=n_jobs, sparse_update=sparse_update,
                  hogwild=hogwild)
    if setting.optimizer != "sgd" or setting.batch_size != 1:
        params.update(optimizer=setting.optimizer, batch_size=setting.batch_size)
    variant = np.dtype(dtype).name
    if sparse_update != "lazy":
        variant += f", {sparse_update} update"
    if hogwild:
        variant += ", hogwild"
    racy = hogwild and n_jobs > 1  # Hogwild's threads race: no two runs alike
    return Contender(
        "sgdlearn", variant, n_jobs,
        fit=lambda: sgdlearn.SGDClassifier(**params).fit(X_train, data.y_train),
        score=lambda model: model.score(X_test, data.y_test),
        examples=data.n_train * setting.epochs, nnz=data.nnz_train * setting.epochs,
        fingerprint=None if racy else
        lambda model: model.coef_.tobytes() + model.intercept_.tobytes(),
        notes=["lock-free threads: not deterministic"] if racy else [])


def sklearn_classifier(data, setting):
    if setting.optimizer != "sgd" or setting.batch_size != 1:
        raise PeerUnavailable("scikit-learn's SGD has no optimizers or mini-batches")
    X_train, X_test = data.X_train.astype(np.float64), data.X_test.astype(np.float64)
    params = setting.estimator_params()
    return Contender(
        "scikit-learn", "float64", 1,
        fit=lambda: sklearn.linear_model.SGDClassifier(**params).fit(X_train, data.y_train),
        score=lambda model: model.score(X_test, data.y_test),
        examples=data.n_train * setting.epochs, nnz=data.nnz_train * setting.epochs)


# -- PyTorch -------------------------------------------------------------------------

def torch_adam(data, setting, threads, lazy=True):
    """Adam in float32. Sparse rows: `lazy` runs SparseAdam on embedding_bag's sparse
    gradients (only the batch's coordinates move, as sgdlearn's sparse_update="lazy");
    otherwise a CSR-by-dense matmul and Adam over every coordinate (sparse_update="dense").
    Dense rows: a matmul and Adam."""
    try:
        import torch
    except ImportError:
        raise PeerUnavailable("PyTorch is not installed (pip install torch)") from None
    if setting.optimizer != "adam":
        raise PeerUnavailable("only the Adam setting is run with PyTorch")
    classes = data.classes
    sparse = sp.issparse(data.X_train)
    X = data.X_train.astype(np.float32)
    targets = _one_vs_rest_signs(data.y_train, classes).astype(np.float32)
    train = _torch_train_lazy if sparse and lazy else _torch_train_matmul

    def fit():
        previous = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            with warnings.catch_warnings():
                # torch calls its sparse CSR tensors beta; they work for a matmul.
                warnings.filterwarnings("ignore", "Sparse CSR tensor support", UserWarning)
                return train(torch, X, targets, setting)
        finally:
            torch.set_num_threads(previous)

    def score(model):
        weight, bias = model
        return _linear_accuracy(data, classes, weight, bias)

    if not sparse:
        variant, notes = "Adam, matmul", []
    elif lazy:
        variant, notes = "SparseAdam, embedding_bag", ["lazy update; L2 on the batch's coordinates"]
    else:
        variant, notes = "Adam, CSR matmul", ["dense update, as sparse_update='dense'"]
    return Contender(
        "PyTorch", variant, threads, fit=fit, score=score, max_repeats=2,
        examples=data.n_train * setting.epochs, nnz=data.nnz_train * setting.epochs,
        notes=["float32"] + notes)


def _torch_train_lazy(torch, X, targets, setting):
    """Hinge + L2 on the coordinates present in the batch, SparseAdam on the weights."""
    import torch.nn.functional as F

    n_rows, n_features = X.shape
    generator = torch.Generator().manual_seed(setting.seed)
    weight = torch.nn.Parameter(torch.zeros(n_features, targets.shape[1]))
    bias = torch.nn.Parameter(torch.zeros(targets.shape[1]))
    weight_step = torch.optim.SparseAdam([weight], lr=setting.eta0)
    bias_step = torch.optim.Adam([bias], lr=setting.eta0)
    for _ in range(setting.epochs):
        order = torch.randperm(n_rows, generator=generator).numpy()
        shuffled = X[order]
        indptr = torch.from_numpy(shuffled.indptr)
        indices = torch.from_numpy(shuffled.indices)
        values = torch.from_numpy(shuffled.data)
        signs = torch.from_numpy(targets[order])
        for start in range(0, n_rows, setting.batch_size):
            stop = min(n_rows, start + setting.batch_size)
            first, last = int(indptr[start]), int(indptr[stop])
            columns = indices[first:last]
            predictions = F.embedding_bag(columns, weight, indptr[start:stop] - first, mode="sum",
                                          per_sample_weights=values[first:last], sparse=True)
            touched = F.embedding(torch.unique(columns), weight, sparse=True)
            loss = (torch.clamp(1 - signs[start:stop] * (predictions + bias), min=0).sum(1).mean()
                    + 0.5 * setting.alpha * touched.pow(2).sum())
            weight_step.zero_grad()
            bias_step.zero_grad()
            loss.backward()
            weight_step.step()
            bias_step.step()
    return weight.detach().numpy().copy(), bias.detach().numpy().copy()


def _torch_train_matmul(torch, X, targets, setting):
    """Hinge on every output, Adam with weight_decay (sgdlearn's coupled L2) on weights;
    each batch is a dense tensor, or a CSR tensor over the shuffled CSR arrays."""
    n_rows, n_features = X.shape
    generator = torch.Generator().manual_seed(setting.seed)
    weight = torch.nn.Parameter(torch.zeros(n_features, targets.shape[1]))
    bias = torch.nn.Parameter(torch.zeros(targets.shape[1]))
    step = torch.optim.Adam([{"params": [weight], "weight_decay": setting.alpha},
                             {"params": [bias], "weight_decay": 0.0}], lr=setting.eta0)
    for _ in range(setting.epochs):
        order = torch.randperm(n_rows, generator=generator).numpy()
        shuffled = X[order]
        signs = torch.from_numpy(targets[order])
        if sp.issparse(shuffled):
            indptr = shuffled.indptr
            indices, values = torch.from_numpy(shuffled.indices), torch.from_numpy(shuffled.data)

            def batch(start, stop):
                first, last = indptr[start], indptr[stop]
                return torch.sparse_csr_tensor(
                    torch.from_numpy(indptr[start:stop + 1] - first), indices[first:last],
                    values[first:last], size=(stop - start, n_features), check_invariants=False)
        else:
            rows = torch.from_numpy(np.ascontiguousarray(shuffled))

            def batch(start, stop):
                return rows[start:stop]
        for start in range(0, n_rows, setting.batch_size):
            stop = min(n_rows, start + setting.batch_size)
            predictions = batch(start, stop) @ weight + bias
            loss = torch.clamp(1 - signs[start:stop] * predictions, min=0).sum(1).mean()
            step.zero_grad()
            loss.backward()
            step.step()
    return weight.detach().numpy().copy(), bias.detach().numpy().copy()


def _one_vs_rest_signs(y, classes):
    """+-1 per example and output: one output for two classes, one per class otherwise."""
    if len(classes) == 2:
        return np.where(y == classes[1], 1.0, -1.0)[:, np.newaxis]
    return np.where(y[:, np.newaxis] == classes[np.newaxis, :], 1.0, -1.0)


def _linear_accuracy(data, classes, weight, bias):
    scores = np.asarray(data.X_test @ weight) + bias
    if len(classes) == 2:
        predicted = np.where(scores[:, 0] > 0, classes[1], classes[0])
    else:
        predicted = classes[np.argmax(scores, axis=1)]
    return float(np.mean(predicted == data.y_test))


# -- Vowpal Wabbit ---------------------------------------------------------------------

def vowpal_wabbit(data, setting, workdir):
    try:
        from vowpalwabbit import pyvw
    except ImportError:
        raise PeerUnavailable("Vowpal Wabbit is not installed (pip install vowpalwabbit)") from None
    if setting.optimizer != "sgd" or setting.batch_size != 1:
        raise PeerUnavailable("only the one-example-a-step setting is run with Vowpal Wabbit")
    classes = data.classes
    binary = len(classes) == 2
    train = os.path.join(workdir, f"{data.name}.train.vw")
    test = os.path.join(workdir, f"{data.name}.test.vw")
    cache, model_path = train + ".cache", train + ".model"
    _write_vw(train, data.X_train, _vw_labels(data.y_train, classes))
    _write_vw(test, data.X_test, _vw_labels(data.y_test, classes))
    bits = max(18, int(np.ceil(np.log2(data.n_features))) + 1)  # no hash collisions
    options = ["--quiet", "-b", str(bits), "--loss_function", "hinge", "--l2", str(setting.alpha)]
    if not binary:
        options += ["--oaa", str(len(classes))]
    pyvw.Workspace(arg_list=options + ["-d", train, "--cache_file", cache, "--noop"]).finish()

    def fit():
        pyvw.Workspace(arg_list=options + [
            "-d", train, "--cache_file", cache, "--passes", str(setting.epochs), "--holdout_off",
            "-f", model_path]).finish()
        return model_path

    def score(model):
        predictions = os.path.join(workdir, "predictions.txt")
        pyvw.Workspace(
            arg_list=["--quiet", "-t", "-d", test, "-i", model, "-p", predictions]).finish()
        raw = np.loadtxt(predictions, ndmin=1)
        predicted = (np.where(raw > 0, classes[1], classes[0]) if binary
                     else classes[raw.astype(int) - 1])
        return float(np.mean(predicted == data.y_test))

    return Contender(
        "Vowpal Wabbit", "defaults", 1, fit=fit, score=score, max_repeats=3,
        examples=data.n_train * setting.epochs, nnz=data.nnz_train * setting.epochs,
        notes=["its own learner (adaptive, normalised), in-order passes over its cache file"])


def _vw_labels(y, classes):
    if len(classes) == 2:
        return np.where(y == classes[1], 1, -1)
    return np.searchsorted(classes, y) + 1  # --oaa wants 1..K


def _write_vw(path, X, labels):
    X = sp.csr_matrix(X)
    indptr, indices, values = X.indptr, X.indices.tolist(), X.data.tolist()
    with open(path, "w", encoding="ascii") as out:
        for i, label in enumerate(labels.tolist()):
            first, last = indptr[i], indptr[i + 1]
            features = " ".join(
                f"{j}:{v:.7g}" for j, v in zip(indices[first:last], values[first:last]))
            out.write(f"{label} |f {features}\n")


# -- River -----------------------------------------------------------------------------

def river_classifier(data, setting, max_rows):
    """One example a step over the first max_rows rows (River is slow in pure Python)."""
    try:
        from river import linear_model, multiclass, optim
    except ImportError:
        raise PeerUnavailable("River is not installed (pip install river)") from None
    if setting.optimizer != "sgd" or setting.batch_size != 1:
        raise PeerUnavailable("only the one-example-a-step setting is run with River")
    classes = data.classes
    binary = len(classes) == 2
    n_rows = min(max_rows, data.n_train)
    rows = _as_dicts(data.X_train[:n_rows])
    test_rows = _as_dicts(data.X_test)
    labels = (data.y_train[:n_rows] == classes[1]) if binary else data.y_train[:n_rows]
    labels = labels.tolist()

    class ScaledSchedule(optim.base.Scheduler):
        """scikit-learn's intercept rule: its rate times 0.01 on sparse data."""

        def __init__(self, schedule, factor):
            self.schedule, self.factor = schedule, factor

        def get(self, t):
            return self.factor * self.schedule.get(t)

    def make():
        def schedule():
            return optim.schedulers.Optimal(optim.losses.Hinge(), alpha=setting.alpha)

        model = linear_model.LogisticRegression(
            optimizer=optim.SGD(schedule()), loss=optim.losses.Hinge(), l2=setting.alpha,
            intercept_lr=ScaledSchedule(schedule(), 0.01 if sp.issparse(data.X_train) else 1.0))
        return model if binary else multiclass.OneVsRestClassifier(model)

    def fit():
        model = make()
        order = np.arange(n_rows)
        rng = np.random.default_rng(setting.seed)
        for _ in range(setting.epochs):
            rng.shuffle(order)
            for i in order.tolist():
                model.learn_one(rows[i], labels[i])
        return model

    def score(model):
        predicted = np.array([model.predict_one(x) for x in test_rows])
        if binary:
            predicted = np.where(predicted.astype(bool), classes[1], classes[0])
        return float(np.mean(predicted == data.y_test))

    nnz = data.X_train[:n_rows].nnz if sp.issparse(data.X_train) else n_rows * data.n_features
    notes = [f"trained on the first {n_rows} rows"] if n_rows < data.n_train else []
    return Contender("River", "learn_one", 1, fit=fit, score=score, max_repeats=1,
                     examples=n_rows * setting.epochs, nnz=nnz * setting.epochs, notes=notes)


def _as_dicts(X):
    if not sp.issparse(X):
        return [dict(enumerate(row)) for row in np.asarray(X).tolist()]
    X = sp.csr_matrix(X)
    indices, values = X.indices.tolist(), X.data.tolist()
    return [dict(zip(indices[a:b], values[a:b])) for a, b in zip(X.indptr[:-1], X.indptr[1:])]
