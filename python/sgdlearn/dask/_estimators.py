# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn.dask.SGDClassifier and SGDRegressor: the local estimators, trained on a cluster.

Each is the local estimator (same parameters, fitted attributes and local ``predict``)
whose ``fit`` takes dask collections and files; the training state is the local one, so
``to_local()`` is a copy and a model file written by ``save`` loads as a local estimator.
"""

import copy
import inspect
import os
import uuid
from numbers import Real

import numpy as np
from distributed import default_client
from sklearn.base import is_classifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

import sgdlearn
from sgdlearn import _schedules
from sgdlearn.dask import _blocks, _lazy, _training

_MAX_SEED = np.iinfo(np.int32).max
# What distribution adds to the local parameters, with their defaults.
_DISTRIBUTION_PARAMETERS = {"strategy": "mix", "timeout": None}
_DISTRIBUTION_CONSTRAINTS = {
    "strategy": [StrOptions({"mix", "relay", "gradient"})],
    "timeout": [Interval(Real, 0, None, closed="neither"), None],
}
# Update rules that are affine in the gradient, given the weights: averaging the steps the
# workers take from the same weights is the step on the mean gradient.
_AFFINE_OPTIMIZERS = ("sgd", "momentum", "nesterov")


def _init_with_distribution_parameters(local_class):
    """An __init__ taking the local estimator's parameters plus the distribution ones.

    scikit-learn reads an estimator's parameters from its __init__ signature; deriving
    the signature from the local class keeps the two estimators' parameters the same.
    """
    local = inspect.signature(local_class.__init__)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
             for name, default in _DISTRIBUTION_PARAMETERS.items()]
    signature = local.replace(parameters=[*local.parameters.values(), *extra])

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    __init__.__doc__ = f"The parameters of {local_class.__name__}, plus strategy and timeout."
    return __init__


def _client():
    try:
        return default_client()
    except ValueError as exc:
        raise ValueError(
            "sgdlearn.dask trains on a dask.distributed cluster: create a client first, "
            "e.g. distributed.Client(distributed.LocalCluster()) or Client('scheduler:8786')"
        ) from exc


def _feature_names(X):
    columns = getattr(X, "columns", None)
    if columns is not None and len(columns) and all(isinstance(c, str) for c in columns):
        return np.asarray(columns, dtype=object)
    return None


def _balanced_class_weight(classes, counts):
    """compute_class_weight("balanced")'s weights, from the counts of all blocks."""
    if np.any(counts == 0):
        missing = classes[counts == 0].tolist()
        raise ValueError(
            f"class_weight='balanced' needs examples of every class; none of {missing}"
        )
    return dict(zip(classes.tolist(), (counts.sum() / (len(classes) * counts)).tolist()))


class _DaskSGD:
    """What both distributed estimators share: fitting on blocks, local copies, prediction."""

    _local_class = None

    # -- fitting ------------------------------------------------------------------

    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit on dask collections; the data stays on the workers.

        Parameters
        ----------
        X : dask array of shape (n_samples, n_features) or dask dataframe
            Training data; array chunks may be numpy arrays or scipy.sparse matrices.
        y : dask array of shape (n_samples,) or dask series
            Targets, split into the same row blocks as X.
        coef_init, intercept_init : ndarray, default=None
            Initial weights and intercepts, as for the local ``fit``.
        sample_weight : dask array or series of shape (n_samples,), default=None
            Weights of the examples, split like X.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        blocks = _blocks.collection_blocks(X, y, sample_weight)
        return self._fit_blocks(blocks, coef_init, intercept_init, _feature_names(X))

    def fit_files(self, paths, format="svmlight", *, chunk_size=10000, n_features=None,
                  hash_bits=18, **reader_options):
        """Fit on data files, each read by the worker it is assigned to.

        File i goes to worker i mod K, which reads it with ``sgdlearn.io.iter_chunks``;
        the client never opens the files, so they must be readable at the same path on
        the workers (a shared file system, or copies).

        Parameters
        ----------
        paths : str, path-like or list of them
            The files, in the order strategy "relay" visits them.
        format : {"svmlight", "csv", "vw"}, default="svmlight"
            Their format (plain or gzip).
        chunk_size : int, default=10000
            Rows per chunk read; "relay" calls ``partial_fit`` once per chunk.
        n_features : int, default=None
            Width of X; None takes the widest file's.
        hash_bits : int, default=18
            Feature hashing width for formats with named features ("vw").
        **reader_options
            Passed to ``sgdlearn.io.iter_chunks``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if not paths:
            raise ValueError("fit_files needs at least one file")
        options = dict(chunk_size=chunk_size, n_features=n_features, hash_bits=hash_bits,
                       **reader_options)
        blocks = _blocks.file_blocks([os.fspath(p) for p in paths], format, options)
        return self._fit_blocks(blocks, None, None, None)

    def _partial_fit_collection(self, X, y, sample_weight, classes=None):
        """One relay pass over the blocks of dask collections, from the current state."""
        self._validate_params()
        blocks = _blocks.collection_blocks(X, y, sample_weight)
        fitted = self._has_weights()
        return self._fit_blocks(blocks, None, None, _feature_names(X), strategy="relay",
                                passes=1, resume=fitted, classes=classes)

    def _fit_blocks(self, blocks, coef_init, intercept_init, feature_names, strategy=None,
                    passes=None, resume=False, classes=None):
        """Place the blocks, start (or resume) the model, train it with the strategy."""
        strategy = strategy or self.strategy
        self._check_parameters(strategy, resume)
        if self.warm_start and not resume and self._has_weights():
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        client = _client()
        workers = sorted(client.nthreads())
        if not workers:
            raise RuntimeError("sgdlearn.dask: the cluster has no workers")
        cluster = _training.Cluster(client, self.timeout)
        place = _blocks.in_runs if strategy == "relay" else _blocks.shards
        data, owners = place(client, blocks, workers)
        settings = {
            "strategy": strategy,
            "max_iter": passes or self.max_iter,
            "stopping": _schedules.Stopping(
                self.tol, self.n_iter_no_change,
                self.eta0 if self.learning_rate == "adaptive" and strategy != "relay" else None,
            ),
            "seed": int(check_random_state(self.random_state).randint(_MAX_SEED)),
            "token": uuid.uuid4().hex,
            "verbose": self.verbose,
        }
        try:
            infos = cluster.gather(
                [cluster.submit(_blocks.describe, part, is_classifier(self), worker=owner,
                                key=f"sgdlearn-describe-{i}-{settings['token']}")
                 for i, (part, owner) in enumerate(zip(data, owners))],
                "reading the data",
            )
            rows = [info["rows"] for info in infos]
            if sum(rows) == 0:
                raise ValueError("the training data has no rows")
            n_features = max(info["n_features"] for info in infos)
            if strategy == "gradient":
                self._check_gradient_input(any(info["sparse"] for info in infos))
            if resume:
                model = self._training_copy()
            else:
                float32 = all(info["float32"] for info in infos if info["rows"])
                model = self._start_model(n_features, np.float32 if float32 else np.float64,
                                          self._labels(infos, classes), coef_init,
                                          intercept_init)
            train = _training.fit_relay if strategy == "relay" else _training.fit_mixing
            model, n_iter = train(cluster, model, data, owners, rows, n_features, settings)
        finally:
            for future in data:
                future.release()
        self._take_state(model, feature_names)
        self.n_iter_ = n_iter
        if passes is None:  # a fit, not a partial_fit pass
            self._finish_fit()
        return self

    def _check_parameters(self, strategy, resume):
        self._more_validate_params(for_partial_fit=resume)
        if self.early_stopping:
            raise ValueError(
                "early_stopping is not supported by sgdlearn.dask: stop on the training "
                "objective (tol, n_iter_no_change), or score a held-out dask array after fit"
            )
        if strategy == "mix" and self.batch_size is None:
            raise ValueError(
                "with batch_size=None each round is one gradient step: use "
                "strategy='gradient', which sums the workers' gradients"
            )
        if strategy == "gradient":
            if self.batch_size is not None:
                raise ValueError(
                    "strategy='gradient' is gradient descent: it needs batch_size=None"
                )
            if self.optimizer not in _AFFINE_OPTIMIZERS:
                raise ValueError(
                    f"strategy='gradient' supports optimizer in {_AFFINE_OPTIMIZERS}, whose "
                    f"step is affine in the gradient; with optimizer={self.optimizer!r} use "
                    "strategy='mix'"
                )
            if self.optimizer == "sgd" and self.penalty in ("l1", "elasticnet"):
                raise ValueError(
                    "strategy='gradient' with optimizer='sgd' cannot sum the cumulative L1 "
                    "penalty's clipped steps: use penalty='l2', another optimizer, or "
                    "strategy='mix'"
                )
            if self.clip_norm is not None:
                raise ValueError("strategy='gradient' clips each worker's gradient, not their "
                                 "sum: use clip_norm=None")

    def _check_gradient_input(self, sparse):
        if sparse and self.optimizer != "sgd" and self.sparse_update == "lazy":
            raise ValueError(
                f"strategy='gradient' with optimizer={self.optimizer!r} on sparse data needs "
                "sparse_update='dense': lazily, a worker leaves alone the coordinates its "
                "shard lacks, which single-machine gradient descent would update"
            )

    # -- training state -----------------------------------------------------------

    def _local_params(self):
        params = self.get_params(deep=False)
        for name in _DISTRIBUTION_PARAMETERS:
            del params[name]
        return params

    def _start_model(self, n_features, dtype, labels, coef_init, intercept_init):
        """A local estimator with fresh training state, as its first partial_fit makes it."""
        params = {**self._local_params(), "verbose": 0}
        if labels is not None and self.class_weight == "balanced":
            params["class_weight"] = _balanced_class_weight(*labels)
        model = self._local_class(**params)
        model.n_features_in_ = n_features
        empty = np.empty((0, n_features), dtype=dtype)
        if labels is None:
            model._allocate_state(1, n_features, dtype, coef_init, intercept_init)
        else:
            model.classes_ = labels[0]
            model._allocate_for(empty, coef_init, intercept_init)
        return model

    def _labels(self, infos, classes):
        """The classes of all blocks together and their counts; None for regressors."""
        if not is_classifier(self):
            return None
        found = {}
        for info in infos:
            for label, count in zip(info.get("labels", ()), info.get("counts", ())):
                found[label] = found.get(label, 0) + int(count)
        labels = np.unique(np.asarray(list(found)))
        if classes is not None:
            classes = np.unique(np.asarray(classes))
            unknown = np.setdiff1d(labels, classes)
            if unknown.size:
                raise ValueError(f"y contains labels {unknown.tolist()} that are not in "
                                 f"classes {classes.tolist()}")
            labels = classes
        return labels, np.array([found.get(label, 0) for label in labels], dtype=np.float64)

    def _training_copy(self):
        """The model to continue from: a local copy without feature names (blocks are numpy)."""
        model = self.to_local()
        model.set_params(verbose=0)
        if hasattr(model, "feature_names_in_"):
            del model.feature_names_in_
        return model

    def _take_state(self, model, feature_names):
        """Copy the fitted state of the local model that training returned."""
        params = self.get_params(deep=False)
        for key, value in vars(model).items():
            if key not in params:
                setattr(self, key, value)
        if feature_names is not None:
            self.feature_names_in_ = feature_names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def to_local(self):
        """A plain sgdlearn estimator with the same parameters and training state.

        Returns
        -------
        SGDClassifier or SGDRegressor
            The local estimator: it predicts in this process, pickles, and continues
            with ``partial_fit`` exactly where this one stopped.
        """
        check_is_fitted(self)
        local = self._local_class(**self._local_params())
        params = self.get_params(deep=False)
        for key, value in vars(self).items():
            if key not in params:
                setattr(local, key, copy.deepcopy(value))
        return local

    def save(self, path):
        """Write the model file of ``to_local()``; ``sgdlearn.load`` gives the local estimator.

        Parameters
        ----------
        path : str or path-like
            Where to write.
        """
        self.to_local().save(path)

    # -- prediction ---------------------------------------------------------------

    def _local_or_lazy(self, method, X):
        if _blocks.is_collection(X):
            return _lazy.apply(self.to_local(), method, X)
        return getattr(self._local_class, method)(self, X)

    def predict(self, X):
        """Predict; on a dask collection, lazily (a dask array or series of the rows).

        Parameters
        ----------
        X : {array-like, sparse matrix} or dask array or dask dataframe
            Input data.

        Returns
        -------
        ndarray or dask array or dask series of shape (n_samples,)
            Predictions.
        """
        return self._local_or_lazy("predict", X)


class SGDClassifier(_DaskSGD, sgdlearn.SGDClassifier):
    """:class:`sgdlearn.SGDClassifier` trained on a Dask cluster.

    Every parameter of the local estimator, plus the two below. ``fit`` takes dask
    arrays (numpy or scipy.sparse chunks) and dask dataframes, ``fit_files`` data
    files that the workers read; the data stays on the workers. The fitted estimator
    predicts locally on in-memory data and lazily on dask collections, and
    ``to_local()`` returns a plain :class:`sgdlearn.SGDClassifier`.

    Parameters
    ----------
    strategy : {"mix", "relay", "gradient"}, default="mix"
        How the workers train one model (see :mod:`sgdlearn.dask`): "mix" averages the
        models the workers train from the same start, once per epoch (iterative
        parameter mixing); "relay" passes the model from block to block in order, which
        equals local ``partial_fit`` over the blocks; "gradient" (``batch_size=None``)
        sums the workers' gradients each step, which equals single-machine gradient
        descent.
    timeout : float or None, default=None
        Seconds a round (or a relay pass) may take before ``fit`` gives up with a
        ``TimeoutError``; None waits as long as the workers are alive.

    Attributes
    ----------
    n_iter_ : int
        Rounds (passes over the data) of the last fit.

    Other attributes are those of :class:`sgdlearn.SGDClassifier`; ``loss_curve_`` and
    ``history_`` hold one entry per round (per block with "relay", as ``partial_fit``).
    ``t_`` counts the steps of all workers.

    Examples
    --------
    >>> import dask.array as da  # doctest: +SKIP
    >>> from distributed import Client, LocalCluster  # doctest: +SKIP
    >>> from sgdlearn.dask import SGDClassifier  # doctest: +SKIP
    >>> client = Client(LocalCluster(n_workers=2))  # doctest: +SKIP
    >>> X = da.random.random((100_000, 20), chunks=10_000)  # doctest: +SKIP
    >>> y = (X[:, 0] > 0.5).astype(int)  # doctest: +SKIP
    >>> clf = SGDClassifier(max_iter=5, tol=None).fit(X, y)  # doctest: +SKIP
    >>> clf.predict(X[:5]).compute()  # doctest: +SKIP
    """

    _local_class = sgdlearn.SGDClassifier
    _parameter_constraints: dict = {
        **sgdlearn.SGDClassifier._parameter_constraints, **_DISTRIBUTION_CONSTRAINTS,
    }
    __init__ = _init_with_distribution_parameters(sgdlearn.SGDClassifier)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch: a relay pass over dask collections, or the local ``partial_fit``.

        Parameters
        ----------
        X : dask collection, or {array-like, sparse matrix}
            A batch of training data.
        y : dask collection, or array-like
            Its labels, all of them in ``classes``.
        classes : array-like, default=None
            Every class of the stream; on the first call, None takes those of y.
        sample_weight : dask collection or array-like, default=None
            Weights of the examples.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if _blocks.is_collection(X):
            if hasattr(self, "classes_") and classes is not None:
                if not np.array_equal(self.classes_, np.unique(classes)):
                    raise ValueError(f"classes={classes!r} is not the same as on the first "
                                     f"call to partial_fit, {self.classes_!r}")
            return self._partial_fit_collection(X, y, sample_weight, classes)
        return sgdlearn.SGDClassifier.partial_fit(self, X, y, classes=classes,
                                                  sample_weight=sample_weight)

    def decision_function(self, X):
        """Confidence scores; on a dask collection, lazily.

        Parameters
        ----------
        X : {array-like, sparse matrix} or dask array or dask dataframe
            Input data.

        Returns
        -------
        ndarray or dask collection of shape (n_samples,) or (n_samples, n_classes)
            The scores.
        """
        return self._local_or_lazy("decision_function", X)

    @available_if(lambda self: self._check_proba())
    def predict_proba(self, X):
        """Probability estimates (log_loss, modified_huber); on a dask collection, lazily.

        Parameters
        ----------
        X : {array-like, sparse matrix} or dask array or dask dataframe
            Input data.

        Returns
        -------
        ndarray or dask collection of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        return self._local_or_lazy("predict_proba", X)

    @available_if(lambda self: self._check_proba())
    def predict_log_proba(self, X):
        """Log of the probability estimates; on a dask collection, lazily.

        Parameters
        ----------
        X : {array-like, sparse matrix} or dask array or dask dataframe
            Input data.

        Returns
        -------
        ndarray or dask collection of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        return self._local_or_lazy("predict_log_proba", X)


class SGDRegressor(_DaskSGD, sgdlearn.SGDRegressor):
    """:class:`sgdlearn.SGDRegressor` trained on a Dask cluster.

    Every parameter of the local estimator, plus ``strategy`` and ``timeout`` (see
    :class:`sgdlearn.dask.SGDClassifier`). ``fit`` takes dask arrays and dataframes,
    ``fit_files`` data files that the workers read; ``predict`` is local on in-memory
    data and lazy on dask collections; ``to_local()`` returns a plain
    :class:`sgdlearn.SGDRegressor`.

    Parameters
    ----------
    strategy : {"mix", "relay", "gradient"}, default="mix"
        How the workers train one model; see :class:`sgdlearn.dask.SGDClassifier`.
    timeout : float or None, default=None
        Seconds a round may take before ``fit`` gives up with a ``TimeoutError``.

    Attributes
    ----------
    n_iter_ : int
        Rounds (passes over the data) of the last fit.

    Other attributes are those of :class:`sgdlearn.SGDRegressor`.
    """

    _local_class = sgdlearn.SGDRegressor
    _parameter_constraints: dict = {
        **sgdlearn.SGDRegressor._parameter_constraints, **_DISTRIBUTION_CONSTRAINTS,
    }
    __init__ = _init_with_distribution_parameters(sgdlearn.SGDRegressor)

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch: a relay pass over dask collections, or the local ``partial_fit``.

        Parameters
        ----------
        X : dask collection, or {array-like, sparse matrix}
            A batch of training data.
        y : dask collection, or array-like
            Its targets.
        sample_weight : dask collection or array-like, default=None
            Weights of the examples.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if _blocks.is_collection(X):
            return self._partial_fit_collection(X, y, sample_weight)
        return sgdlearn.SGDRegressor.partial_fit(self, X, y, sample_weight=sample_weight)
