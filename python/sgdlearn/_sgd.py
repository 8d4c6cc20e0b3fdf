# SPDX-License-Identifier: BSD-3-Clause
"""SGDClassifier and SGDRegressor: scikit-learn's estimators on sgdlearn's core.

The Python layer validates and orchestrates; the C++ core trains in place on the
estimator's own numpy arrays, so fitted state pickles, clones and warm-starts like
any scikit-learn estimator.
"""

import functools
import operator
import threading
import warnings
import weakref
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model._base import LinearClassifierMixin, SparseCoefMixin
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import check_random_state, compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import safe_sparse_dot, softmax
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from sgdlearn import _model_file, _native, _schedules, _stream

_MAX_SEED = np.iinfo(np.int32).max
_DEFAULT_EPSILON = 0.1
_CLASSIFICATION_LOSSES = (
    "hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron",
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive",
)
_REGRESSION_LOSSES = (
    "squared_error", "huber", "epsilon_insensitive", "squared_epsilon_insensitive",
)
_LEARNING_RATES = (
    "constant", "optimal", "invscaling", "adaptive", "pa1", "pa2", "exponential", "step", "cosine",
)
_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "ftrl")
# Their step sizes are scale-free: Bottou's "optimal" rate (1 / (alpha t)) is far too large.
_ADAPTIVE_OPTIMIZERS = ("adagrad", "rmsprop", "adam", "adamw", "ftrl")
# How history_ combines one-vs-rest problems per epoch, and whether a problem that
# stopped early carries its last value into the later epochs.
_HISTORY_COMBINE = {
    "objective": (np.sum, True),
    "validation_score": (np.mean, True),
    "learning_rate": (np.mean, True),
    "seconds": (np.max, False),
    "coordinate_updates": (np.sum, False),
}
# scikit-learn multiplies intercept steps by this on sparse input (intercept_decay="auto").
_SKLEARN_SPARSE_INTERCEPT_DECAY = 0.01

# Per estimator, what _train built at its last call (see _config_and_seeds). Kept off
# the estimator, so pickles, clones and model files never see it.
_CALL_CACHE = weakref.WeakKeyDictionary()
_SETTLE_LOCK = threading.Lock()
# A binary classifier's one output: class 1 against class 0, both of weight 1.
_UNWEIGHTED_BINARY_TASKS = (np.array([1], np.int32), np.ones(1), np.ones(1))


def _plain_average_factors(n_outputs):
    """(a, b) = (0, 1) per output: the average is the stored _average_coef."""
    return np.tile([0.0, 1.0], (n_outputs, 1))


def _partial_fit_context(partial_fit):
    """scikit-learn's ``_fit_context`` around a partial_fit, for its first call only.

    The context validates the parameters on a first call alone anyway; on later ones it
    checks fittedness and enters its configuration and callback contexts, which costs
    about as much as training a 100-row batch. sgdlearn registers no scikit-learn
    callbacks, so later calls go straight to the method.
    """
    first_call = _fit_context(prefer_skip_nested_validation=True)(partial_fit)

    @functools.wraps(partial_fit)
    def wrapper(self, *args, **kwargs):
        # Training state, not coef_: a user may set coef_ on an unfitted estimator.
        if "_standard_coef" in self.__dict__:
            return partial_fit(self, *args, **kwargs)
        epoch_rate_set = _CALL_CACHE.get(self, {}).get("epoch_rate") is not None
        if self.learning_rate in _schedules.EPOCH_SCHEDULES and not epoch_rate_set:
            warnings.warn(
                f"learning_rate={self.learning_rate!r} follows the epochs of one call: "
                "each partial_fit call starts it again. fit_stream gives each pass its "
                "epoch's rate; 'optimal', 'invscaling' and 'constant' follow the step "
                "count t_ across calls.",
                UserWarning, stacklevel=2,
            )
        return first_call(self, *args, **kwargs)

    return wrapper


def _copy_weights(target, value, message):
    """Copy given weights (coef_init, an assigned coef_) into `target`, in its dtype:
    for one output any shape of its size, for several its exact shape."""
    value = np.asarray(value, dtype=target.dtype)
    if value.size != target.size or (target.ndim == 2 and target.shape[0] > 1
                                     and value.shape != target.shape):
        raise ValueError(message)
    target[...] = value.reshape(target.shape)


def _checked_classes(y):
    """np.unique(y), after scikit-learn's check_classification_targets.

    A numeric label vector's target type (binary, multiclass, continuous) depends only
    on its distinct values, so the check reads those. numpy's unique hashes integers
    (2.6 ms for 250,000 labels, and the check draws them once more); sorting and
    comparing neighbours takes 1.2-1.9 ms, and telling that every label is the
    smallest or the largest (two classes, the common case) 0.26.
    """
    if not (isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype.kind in "biuf"):
        check_classification_targets(y)
        return np.unique(y)
    classes = np.array([y.min(), y.max()])
    if classes[0] == classes[1]:
        classes = classes[:1]
    elif not ((y == classes[0]) | (y == classes[1])).all():  # a third label
        ordered = np.sort(y)
        classes = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    check_classification_targets(classes)
    return classes


class _BaseSGD(SparseCoefMixin, BaseEstimator):
    """What SGDClassifier and SGDRegressor share: validation, state, the training call."""

    # Whether targets are values that must be finite (regression), not class labels.
    _continuous_targets = False

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2", "l1", "elasticnet"}), None],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "fit_intercept": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left"), None],
        "shuffle": ["boolean"],
        "verbose": ["verbose"],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "learning_rate": [StrOptions(set(_LEARNING_RATES))],
        "eta0": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, None, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "hogwild": ["boolean"],
        "warm_start": ["boolean"],
        "average": [Interval(Integral, 0, None, closed="neither"), "boolean"],
        "intercept_decay": [Interval(Real, 0, 1, closed="right"), StrOptions({"auto"})],
        "optimizer": [StrOptions(set(_OPTIMIZERS))],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "rho": [Interval(Real, 0, 1, closed="left")],
        "eps": [Interval(Real, 0, None, closed="neither"), None],
        "ftrl_beta": [Interval(Real, 0, None, closed="left")],
        "gamma": [Interval(Real, 0, 1, closed="right")],
        "step_size": [Interval(Integral, 1, None, closed="left")],
        "eta_min": [Interval(Real, 0, None, closed="left")],
        "warmup_steps": [Interval(Integral, 0, None, closed="left")],
        "clip_norm": [Interval(Real, 0, None, closed="neither"), None],
        "sparse_update": [StrOptions({"lazy", "dense"})],
    }

    # -- validation ---------------------------------------------------------------

    def _more_validate_params(self, for_partial_fit=False):
        if self.early_stopping and for_partial_fit:
            raise ValueError("early_stopping should be False with partial_fit")
        if self.learning_rate == "optimal" and self.alpha == 0:
            raise ValueError(
                "alpha must be > 0 since learning_rate is 'optimal'. alpha is used "
                "to compute the optimal learning rate."
            )
        if self.learning_rate in ("pa1", "pa2"):
            needed = "hinge" if is_classifier(self) else "epsilon_insensitive"
            if self.loss != needed:
                raise ValueError(
                    f"Learning rate '{self.learning_rate}' only works with loss '{needed}'."
                )
        if self.penalty == "elasticnet" and self.l1_ratio is None:
            raise ValueError("l1_ratio must be set when penalty is 'elasticnet'")
        plain = self.optimizer == "sgd" and self.batch_size == 1
        if self.learning_rate in ("pa1", "pa2") and not plain:
            raise ValueError(
                f"learning_rate={self.learning_rate!r} needs optimizer='sgd' and batch_size=1"
            )
        if self.optimizer in _ADAPTIVE_OPTIMIZERS and self.learning_rate == "optimal":
            raise ValueError(
                f"learning_rate='optimal' is scikit-learn's schedule for plain SGD; with "
                f"optimizer={self.optimizer!r} choose a schedule such as "
                "learning_rate='constant' (with eta0=0.001 for adam, 0.01 for adagrad)"
            )
        if self.average and self.optimizer != "sgd":
            raise ValueError("average (averaged SGD) needs optimizer='sgd'")
        if getattr(self, "multi_class", "ovr") == "multinomial" and self.loss != "log_loss":
            raise ValueError("multi_class='multinomial' needs loss='log_loss'")

    def _validate_X_y(self, X, y, reset):
        if not reset:
            checked = self._validate_ready_batch(X, y)
            if checked is not None:
                return checked
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32], order="C",
            accept_large_sparse=False, reset=reset,
        )
        return _native.as_core_matrix(X), y

    def _validate_ready_batch(self, X, y):
        """The checks validate_data makes, for a batch the core can read as it is.

        partial_fit on small batches is dominated by validate_data's generality; a
        CSR matrix or C-contiguous array of the model's dtype and width, with a plain
        numeric label vector, needs only its values checked. Anything else (None
        returned) takes the general path, which also gives its error messages.
        """
        if "feature_names_in_" in self.__dict__ or type(y) is not np.ndarray:
            return None
        dtype = self._standard_coef.dtype
        if isinstance(X, (sp.csr_matrix, sp.csr_array)):
            if X.indices.dtype != np.int32 or X.indptr.dtype != np.int32:
                return None
            values = X.data
        elif type(X) is np.ndarray and X.ndim == 2 and X.flags.c_contiguous:
            values = X
        else:
            return None
        n_rows, n_columns = X.shape
        if (values.dtype != dtype or n_columns != self.n_features_in_ or n_rows < 1
                or y.ndim != 1 or y.shape[0] != n_rows or y.dtype.kind not in "biuf"):
            return None
        if not _native.all_finite(values):
            return None
        if self._continuous_targets and not np.isfinite(y).all():
            return None
        return X, y

    def _checked_sample_weight(self, sample_weight, X, early_stopping):
        """sample_weight as the core reads it. None, all ones, stays None (the core's
        default, and no array to build per partial_fit call) unless the early-stopping
        split must look at the weights."""
        if sample_weight is None and not (early_stopping and self.early_stopping):
            return None
        return _check_sample_weight(sample_weight, X, dtype=X.dtype)

    def _validation_mask(self, y, sample_weight):
        """Held-out examples for early stopping, as scikit-learn draws them."""
        n_samples = y.shape[0]
        mask = np.zeros(n_samples, dtype=np.uint8)
        if not self.early_stopping:
            return None
        splitter = StratifiedShuffleSplit if is_classifier(self) else ShuffleSplit
        cv = splitter(test_size=self.validation_fraction, random_state=self.random_state)
        idx_train, idx_val = next(cv.split(np.zeros((n_samples, 1)), y))
        if not np.any(sample_weight[idx_val] > 0):
            raise ValueError(
                "The sample weights for validation set are all zero, consider using a"
                " different random state."
            )
        if idx_train.shape[0] == 0 or idx_val.shape[0] == 0:
            raise ValueError(
                f"Splitting {n_samples} samples into a train set and a validation set with "
                f"validation_fraction={self.validation_fraction!r} led to an empty set "
                f"({idx_train.shape[0]} and {idx_val.shape[0]} samples). Please either "
                "change validation_fraction, increase number of samples, or disable "
                "early_stopping."
            )
        mask[idx_val] = 1
        return mask

    # -- state --------------------------------------------------------------------

    def _allocate_state(self, n_outputs, n_features, dtype, coef_init, intercept_init):
        """Fresh training arrays, shaped (n_outputs, n_features) and (n_outputs,)."""
        coef = np.zeros((n_outputs, n_features), dtype=dtype)
        intercept = np.zeros(n_outputs, dtype=dtype)
        if coef_init is not None:
            _copy_weights(coef, coef_init, "Provided coef_init does not match dataset.")
        if intercept_init is not None:
            _copy_weights(intercept, intercept_init,
                          "Provided intercept_init does not match dataset.")
        self._standard_coef = coef
        self._standard_intercept = intercept
        # The weights are _coef_scale * _standard_coef, row by row (see coef_).
        self._coef_scale = np.ones(n_outputs)
        if self.average > 0:
            self._allocate_average()
        # Cumulative L1 penalty (u, q): model state, carried across partial_fit calls.
        self._l1_u = np.zeros(n_outputs, dtype=np.float64)
        self._l1_q = np.zeros_like(coef) if self.penalty in ("l1", "elasticnet") else None
        self.t_ = 1.0
        self._reset_optimizer_state()
        self.loss_curve_ = []
        self.history_ = {"objective": [], "validation_score": [], "learning_rate": [],
                         "seconds": [], "coordinate_updates": []}
        self._set_public_coef()

    def _reset_optimizer_state(self):
        """Zero state for the optimizer: per weight and per intercept, as many arrays as
        its rule keeps, whose first step is the next (Adam counts its steps from it)."""
        coef, intercept = self._standard_coef, self._standard_intercept
        n_slots = _native.state_slots(self.optimizer)
        self._optimizer_state = (
            np.zeros_like(coef) if n_slots >= 1 else None,
            np.zeros_like(coef) if n_slots >= 2 else None,
            np.zeros_like(intercept) if n_slots >= 1 else None,
            np.zeros_like(intercept) if n_slots >= 2 else None,
        )
        self._optimizer_state_of = self.optimizer
        self._optimizer_first_step = self.t_

    def _state_for_changed_parameters(self):
        """The state that parameters changed between partial_fit calls need: another
        optimizer starts from zero state, as a new torch optimizer does (the last one's
        moments mean something else to it), and an L1 term switched on starts its
        cumulative penalty at zero, as the first call's would; see _state_for_average."""
        # Models pickled before this attribute existed: the state is the optimizer's.
        if self.__dict__.get("_optimizer_state_of", self.optimizer) != self.optimizer:
            self._reset_optimizer_state()
        if self.penalty in ("l1", "elasticnet") and self._l1_q is None:
            self._l1_q = np.zeros_like(self._standard_coef)
        if self.average > 0:
            self._state_for_average()

    def _state_for_average(self):
        """The mean counts the iterates from step `average` on: a start step that has
        passed must be the one the mean has counted from (_average_from); a new one
        still ahead starts a new mean there, from zero state."""
        kept = getattr(self, "_average_coef", None) is not None
        start = int(self.average)
        if start != self.__dict__.get("_average_from", start if kept else None):
            if start <= self.t_ - 1:
                counted = (f"it counts from step {self._average_from}" if kept
                           else "averaging was off")
                raise ValueError(
                    f"average={start} asks for the mean of the iterates from step {start}, "
                    f"but {counted} and {int(self.t_ - 1)} steps are done: call fit, or "
                    f"set average to {int(self.t_)} or more"
                )
            self._allocate_average()
            return
        if self.__dict__.get("_average_factors") is None:  # older pickles
            self._average_factors = _plain_average_factors(len(self._standard_intercept))
        if self.__dict__.get("_average_counts") is None:  # older pickles and model files
            self._average_counts = self._average_counts_from_t()

    def _allocate_average(self):
        """Zero averaged-SGD state. The average is (_average_coef + a _standard_coef) / b
        with (a, b) a row of _average_factors (see _settle_average)."""
        self._average_coef = np.zeros_like(self._standard_coef)
        self._average_intercept = np.zeros_like(self._standard_intercept)
        self._average_factors = _plain_average_factors(len(self._standard_intercept))
        # Per output, the iterates in its average: not t_ - average, as an output may skip
        # steps (held-out rows, an early stop; see _show_weights_until_averaging).
        self._average_counts = np.zeros(len(self._standard_intercept))
        self._average_from = int(self.average)

    def _average_counts_from_t(self):
        """Each output's averaged iterates when every step was every output's: t_ -
        average. Older pickles and model files keep no counts; a Dask mix counts its
        workers' steps as if taken one after another."""
        return np.full(len(self._standard_intercept), max(0.0, self.t_ - int(self.average)))

    def _set_public_coef(self):
        """Point coef_ and intercept_ at the model: the average once averaging has begun."""
        counts = self.__dict__.get("_average_counts")
        if self.average > 0 and counts is None:  # older pickles and model files
            counts = self._average_counts_from_t()
        use_average = self.average > 0 and bool((counts > 0).any())
        self._public_coef = "_average_coef" if use_average else "_standard_coef"
        self.intercept_ = self._average_intercept if use_average else self._standard_intercept

    @property
    def coef_(self):
        """The weights; reading them first folds in the factor training left on them.

        Plain SGD keeps its L2 shrink as a factor beside the stored weights
        (``_coef_scale``), and averaged SGD two beside its sum (``_average_factors``), so
        that a partial_fit call costs O(rows' nonzeros), not O(n_features); they are
        folded in here, once, when someone looks.
        """
        try:
            public = self.__dict__["_public_coef"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'coef_'") from None
        if not isinstance(public, str):
            return public  # set by sparsify(), densify() or a user, as scikit-learn allows
        self._settle_factors()
        return self._public_coef_shape(getattr(self, public))

    @coef_.setter
    def coef_(self, value):
        self.__dict__["_public_coef"] = value

    def _has_weights(self):
        """Whether the estimator holds weights, without settling them as coef_ would."""
        return "_public_coef" in self.__dict__

    def _pending_scale(self):
        """_coef_scale when a factor in it is not 1 (the weights are not the stored
        values), else None."""
        scale = self.__dict__.get("_coef_scale")
        return None if scale is None or (scale == 1.0).all() else scale

    def _pending_average(self):
        """_average_factors when a row is not (0, 1) (the average is not the stored
        _average_coef), else None."""
        factors = self.__dict__.get("_average_factors")
        if factors is None or ((factors[:, 0] == 0.0) & (factors[:, 1] == 1.0)).all():
            return None
        return factors

    def _averaged_coef(self, factors):
        """(_average_coef + a _standard_coef) / b, row by row, in the stored dtype; the
        core's fold computes the same."""
        a, b = factors[:, :1], factors[:, 1:]
        average = (self._average_coef + a * self._standard_coef) * (1.0 / b)
        return average.astype(self._average_coef.dtype, copy=False)

    def _settle_factors(self):
        """Fold the factors training left beside the stored arrays into them: the
        average's first (it reads _standard_coef before its scale), then the scale."""
        if self._pending_average() is None and self._pending_scale() is None:
            return
        with _SETTLE_LOCK:  # two threads reading coef_ must not both fold
            self._settle_average()
            self._settle_scale()

    def _settle_average(self):
        """Write the average into _average_coef and reset _average_factors to (0, 1)."""
        factors = self._pending_average()
        if factors is None:
            return
        average = self._averaged_coef(factors)
        if self._average_coef.flags.writeable and factors.flags.writeable:
            self._average_coef[...] = average
            factors[:] = (0.0, 1.0)
        else:  # read-only state (a memory-mapped pickle): settle into new arrays
            self._average_coef = average
            self._average_factors = _plain_average_factors(len(factors))

    def _settle_scale(self):
        """Multiply _coef_scale into _standard_coef and reset it to ones."""
        scale = self._pending_scale()
        if scale is None:
            return
        coef = self._standard_coef
        if coef.flags.writeable and scale.flags.writeable:
            coef *= scale[:, np.newaxis]
            cache = _CALL_CACHE.get(self, {})
            if cache.get("norms_of") is coef:
                cache["weight_norms"][:, :2] *= np.column_stack([scale * scale, np.abs(scale)])
            scale[:] = 1.0
        else:  # read-only state (a memory-mapped pickle): settle into new arrays
            self._standard_coef = (coef * scale[:, np.newaxis]).astype(coef.dtype)
            self._coef_scale = np.ones_like(scale)

    def _public_coef_shape(self, coef):
        return coef

    def _scores(self, X):
        """X coef_.T + intercept_ as an (n_samples, n_outputs) array.

        Sparse rows go to the core, shared among n_jobs threads; dense X goes to
        numpy, whose BLAS is already parallel.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        coef, scale = self._scoring_weights()
        if (sp.issparse(X) and not sp.issparse(coef) and X.dtype == coef.dtype
                and X.dtype in (np.float32, np.float64)):
            return _native.decision_scores(
                _native.as_core_matrix(X), np.ascontiguousarray(coef),
                np.ascontiguousarray(np.atleast_1d(self.intercept_), dtype=coef.dtype),
                _native.thread_count(self.n_jobs), scale,
            )
        scores = safe_sparse_dot(X, coef.T, dense_output=True)
        if scale is not None:
            scores *= scale
        return scores + self.intercept_

    def _scoring_weights(self):
        """The weights as a 2-D array (or sparse matrix) and the factor on each row
        (None: ones), without settling them: predicting leaves the state as it is, so
        that it never changes how training continues."""
        public = self.__dict__["_public_coef"]
        if not isinstance(public, str):
            return (public if sp.issparse(public) else np.atleast_2d(public)), None
        if public == "_average_coef":
            factors = self._pending_average()
            return (self._average_coef if factors is None else self._averaged_coef(factors)), None
        return self._standard_coef, self._pending_scale()

    def _ready_to_continue(self, X):
        """Check that training can go on with X, from weights assigned to coef_ or
        intercept_ if any (_adopt_assigned_weights)."""
        public = self.__dict__.get("_public_coef")
        if not isinstance(public, str) and sp.issparse(public):  # str: the training state
            raise ValueError("coef_ is sparse after sparsify(): call densify() before partial_fit")
        if self._standard_coef.dtype != X.dtype:
            raise ValueError(
                f"X has dtype {X.dtype} but the model was trained on {self._standard_coef.dtype}"
                " data: pass the same dtype to every partial_fit call"
            )
        if not isinstance(public, str) or self.intercept_ is not self._standard_intercept:
            self._adopt_assigned_weights()

    def _adopt_assigned_weights(self):
        """Weights assigned to coef_ or intercept_ (or densify()'s) become the training
        state, which scikit-learn's partial_fit continues from; they would otherwise
        sit beside it, read by predict but neither trained nor saved. As in
        scikit-learn, averaged SGD continues from its own state instead (its coef_ and
        intercept_ are the average's again after the call). Returns whether weights
        were assigned."""
        public = self.__dict__.get("_public_coef")
        coef_assigned = not isinstance(public, str) and not sp.issparse(public)
        intercept_assigned = not any(self.intercept_ is kept for kept in (
            self._standard_intercept, self.__dict__.get("_average_intercept")))
        if self.average > 0 or not (coef_assigned or intercept_assigned):
            return coef_assigned or intercept_assigned
        if coef_assigned:
            shape = self._public_coef_shape(self._standard_coef).shape
            _copy_weights(self._standard_coef, public,
                          f"coef_ has shape {np.shape(public)}; the model's is {shape}")
            scale = self.__dict__.get("_coef_scale")
            if scale is not None:
                scale[...] = 1.0
        if intercept_assigned:
            _copy_weights(self._standard_intercept, self.intercept_,
                          f"intercept_ has shape {np.shape(self.intercept_)}; the model's is "
                          f"{self._standard_intercept.shape}")
        _CALL_CACHE.get(self, {}).pop("weight_norms", None)  # of the weights replaced
        self._set_public_coef()
        return True

    # -- training -----------------------------------------------------------------

    def _intercept_decay_for(self, X):
        """scikit-learn's rule ("auto") where its algorithm runs, plain SGD on sparse X."""
        if self.intercept_decay == "auto":
            sklearn_rule = sp.issparse(X) and self.optimizer == "sgd"
            return _SKLEARN_SPARSE_INTERCEPT_DECAY if sklearn_rule else 1.0
        return float(self.intercept_decay)

    def _train(self, X, targets, tasks, sample_weight, validation, max_iter, n_jobs,
               keep_buffers):
        """Run the core on the estimator's arrays; update t_, n_iter_ and the history.

        keep_buffers (partial_fit): the core's mini-batch gradient buffers stay in the
        estimator's _CALL_CACHE entry for the next call, which would otherwise allocate
        and zero K x n_features sums per thread (with batch_size > 1, 1000 rows of 2^22
        features: most of the call). fit drops them: it pays that once for whole epochs.
        """
        cache = _CALL_CACHE.setdefault(self, {})
        buffers = cache.get("gradient_buffers")
        if not keep_buffers:
            cache.pop("gradient_buffers", None)
            buffers = None
        elif buffers is None:
            buffers = cache["gradient_buffers"] = _native.GradientBuffers()
        self._state_for_changed_parameters()
        config, seeds = self._config_and_seeds(cache, X, validation, max_iter, n_jobs,
                                               len(tasks[0]))
        averaging = self.average > 0
        if not averaging:
            # The mean would miss this call's iterates: it ends here (switching averaging
            # back on then asks for a new start step).
            self._average_coef = self._average_intercept = self._average_factors = None
            self._average_counts = None
            self.__dict__.pop("_average_from", None)
        histories = _native.fit_outputs(
            config, X, targets,
            positive_class=tasks[0], weight_positive=tasks[1], weight_negative=tasks[2],
            seeds=seeds, sample_weight=sample_weight, validation=validation,
            coef=self._standard_coef, intercept=self._standard_intercept,
            average_coef=self._average_coef if averaging else None,
            average_intercept=self._average_intercept if averaging else None,
            l1_q=self._l1_q, l1_u=self._l1_u, slots=self._optimizer_state,
            weight_norms=self._weight_norms_for(cache, self._standard_coef),
            coef_scale=self.__dict__.get("_coef_scale"),
            average_factors=self.__dict__.get("_average_factors") if averaging else None,
            average_counts=self._average_counts if averaging else None,
            t=self.t_, gradient_buffers=buffers,
        )
        self.n_iter_ = n_epochs = max(h["n_iter"] for h in histories)
        if self._is_plain_sgd():
            # scikit-learn's count, held-out examples included.
            self.t_ += n_epochs * X.shape[0]
        else:
            self.t_ += histories[0]["steps"]
        self._record_history(histories, n_epochs)
        if averaging:
            self._show_weights_until_averaging()
        self._set_public_coef()
        cache["histories"] = histories  # for _last_loss_sum

    def _show_weights_until_averaging(self):
        """Outputs whose average has not begun keep their weights where the model shows
        the average, when others' has begun: one-vs-rest problems that stopped early, or
        whose held-out rows kept their steps short of `average`, would show zeros (as
        scikit-learn's do). The core starts an average afresh when it begins."""
        not_begun = self._average_counts == 0
        if not not_begun.any() or not_begun.all():
            return
        self._settle_factors()
        self._average_coef[not_begun] = self._standard_coef[not_begun]
        self._average_intercept[not_begun] = self._standard_intercept[not_begun]

    def _last_loss_sum(self):
        """The sum, over the last training call's examples (and epochs, and one-vs-rest
        problems), of each example's weighted loss before its own step: progressive
        validation, which fit_stream reports without scoring the examples again."""
        return sum(sum(h["loss_sum"]) for h in _CALL_CACHE[self]["histories"])

    def _training_options(self, X, validation, max_iter, n_jobs):
        """The core's options for a training call (make_config's keywords)."""
        return dict(
            loss=self.loss,
            epsilon=float(self.epsilon),
            penalty=self.penalty,
            alpha=float(self.alpha),
            l1_ratio=0.0 if self.l1_ratio is None else float(self.l1_ratio),
            learning_rate=self.learning_rate,
            eta0=float(self.eta0),
            power_t=float(self.power_t),
            gamma=float(self.gamma),
            step_size=int(self.step_size),
            eta_min=float(self.eta_min),
            warmup_steps=int(self.warmup_steps),
            optimizer=self.optimizer,
            momentum=float(self.momentum),
            beta_1=float(self.beta_1),
            beta_2=float(self.beta_2),
            rho=float(self.rho),
            eps=float(self._eps()),
            ftrl_beta=float(self.ftrl_beta),
            # Models pickled before this attribute existed: the state began at step 1.
            first_step=int(self.__dict__.get("_optimizer_first_step", 1.0)),
            batch_size=0 if self.batch_size is None else int(self.batch_size),
            lazy_sparse_updates=self.sparse_update == "lazy",
            clip_norm=0.0 if self.clip_norm is None else float(self.clip_norm),
            multinomial=self._multinomial(),
            fit_intercept=bool(self.fit_intercept),
            intercept_decay=self._intercept_decay_for(X),
            max_iter=int(max_iter),
            tol=-np.inf if self.tol is None else float(self.tol),
            n_iter_no_change=int(self.n_iter_no_change),
            early_stopping=bool(self.early_stopping and validation is not None),
            shuffle=bool(self.shuffle),
            average=int(self.average),
            n_jobs=n_jobs,
            hogwild=bool(self.hogwild),
        )

    def _weight_norms_for(self, cache, coef):
        """The norms of each row of coef as the core left them (NaN: to be summed):
        squared L2, L1, and the coordinate updates since the core last summed them.

        They spare partial_fit a pass over every feature. Kept off the estimator's
        state, so that a new coef array (fit, coef_init, a loaded model) is never paired
        with stale norms. Editing coef_ in place between calls leaves them stale until
        the core next re-sums them; they only enter the reported objective and the
        divergence check. `cache` is the estimator's _CALL_CACHE entry.
        """
        norms = cache.get("weight_norms")
        if norms is None or cache.get("norms_of") is not coef or norms.shape[0] != coef.shape[0]:
            norms = np.full((coef.shape[0], 3), np.nan)
            cache["weight_norms"], cache["norms_of"] = norms, coef
        return norms

    def _config_and_seeds(self, cache, X, validation, max_iter, n_jobs, n_outputs):
        """The core's config and one seed per output, reused while nothing changed.

        Building them costs more than training on a small partial_fit batch, so the
        config is kept with what it was built from: every constructor parameter (read
        in one go) and the call's own settings, in `cache` (the estimator's _CALL_CACHE
        entry). The seeds of an integer random_state are the same at every call, as in
        scikit-learn.
        """
        # X is core-ready (see as_core_matrix): sparse is whatever is not an ndarray.
        epoch_rate = cache.get("epoch_rate")  # see _hold_epoch_rate
        key = (self._parameter_values(), self._multinomial(), not isinstance(X, np.ndarray),
               max_iter, n_jobs, validation is not None, epoch_rate,
               self.__dict__.get("_optimizer_first_step"))
        if cache.get("config_key") != key:
            options = self._training_options(X, validation, max_iter, n_jobs)
            if epoch_rate is not None:
                options.update(learning_rate="constant", eta0=float(epoch_rate))
            cache["config_key"] = key
            cache["config"] = _native.make_config(**options)

        if not isinstance(self.random_state, (int, np.integer)):  # numbers.Integral, faster
            return cache["config"], self._draw_seeds(n_outputs)
        key = (self.random_state, n_outputs)
        if cache.get("seeds_key") != key:
            cache["seeds_key"], cache["seeds"] = key, self._draw_seeds(n_outputs)
        return cache["config"], cache["seeds"]

    def _draw_seeds(self, n_outputs):
        """One seed per output from random_state, in the core's dtype (no conversion at
        each call)."""
        seeds = check_random_state(self.random_state).randint(_MAX_SEED, size=n_outputs)
        return seeds.astype(np.uint64)

    def _hold_epoch_rate(self, epoch, n_epochs, stopping=None):
        """Until the next call of this, training calls take the rate of epoch `epoch` of
        `n_epochs` of an epoch-based schedule (or the adaptive rate `stopping` has come
        to) as a constant (_schedules.epoch_rate), for an epoch made of many calls
        (fit_stream's pass); epoch None lets go. Held in the call cache, so the
        parameters, pickles and model files never show it."""
        cache = _CALL_CACHE.setdefault(self, {})
        if epoch is None:
            cache.pop("epoch_rate", None)
        else:
            cache["epoch_rate"] = _schedules.epoch_rate(self, epoch, n_epochs, stopping)

    def _parameter_values(self):
        """Every constructor parameter's value, as one tuple.

        Read from the instance's __dict__, where scikit-learn's convention keeps them:
        each attribute lookup would first search the class hierarchy for a descriptor,
        and on a partial_fit call that follows other work (whose lookups evicted
        CPython's type cache and the CPU's) a classifier's 38 lookups cost ~5 us."""
        cls = type(self)
        read = cls.__dict__.get("_read_parameters")
        if read is None:
            read = operator.itemgetter(*cls._get_param_names())
            cls._read_parameters = read
        try:
            return read(self.__dict__)
        except KeyError:  # a parameter that a subclass keeps elsewhere
            return operator.attrgetter(*cls._get_param_names())(self)

    def _eps(self):
        if self.eps is not None:
            return self.eps
        return 1e-10 if self.optimizer == "adagrad" else 1e-8

    def _multinomial(self):
        return False

    def _is_plain_sgd(self):
        """scikit-learn's algorithm: one example a step, one binary problem per output."""
        return self.optimizer == "sgd" and self.batch_size == 1 and not self._multinomial()

    def _record_history(self, histories, n_epochs):
        """Append this call's `n_epochs` epochs; one-vs-rest problems sum their objectives.

        A one-vs-rest problem that stopped early keeps its last objective, score and
        rate in the later epochs, and adds no time or work to them.
        """

        def per_epoch(key, combine, carry):
            columns = []
            for h in histories:
                values = h[key]
                fill = values[-1] if carry and len(values) else 0.0
                columns.append(np.concatenate([values, np.full(n_epochs - len(values), fill)]))
            return combine(np.vstack(columns), axis=0)

        if len(histories) == 1:
            entries = histories[0]  # holds n_iter and steps too, which the loop skips
        else:
            entries = {key: per_epoch(key, combine, carry).tolist()
                       for key, (combine, carry) in _HISTORY_COMBINE.items()}
        objective = entries["objective"]
        for key in _HISTORY_COMBINE:
            self.history_[key].extend(entries[key])
        self.loss_curve_.extend(objective)
        if self.early_stopping:
            self.validation_scores_ = list(self.history_["validation_score"])
        if self.verbose:
            first = len(self.loss_curve_) - n_epochs
            for e in range(n_epochs):
                print(
                    f"-- Epoch {first + e + 1}\nAvg. objective: {objective[e]:.6f}, "
                    f"learning rate: {entries['learning_rate'][e]:.6g}, "
                    f"time: {entries['seconds'][e]:.2f} s"
                )

    def _finish_fit(self):
        """Settle the L2 factor into the weights, as scikit-learn's fit ends with
        w * wscale: predictions then read the same weights as coef_ and sparsify() do
        (partial_fit keeps the factor, so that a call stays O(rows' nonzeros))."""
        self._settle_factors()
        if self.tol is not None and self.tol > -np.inf and self.n_iter_ == self.max_iter:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider "
                "increasing max_iter to improve the fit.",
                ConvergenceWarning,
            )

    fit_stream = _stream.fit_stream  # learning from data files: see sgdlearn/_stream.py

    def save(self, path):
        """Write the fitted model, with its whole training state, to a model file.

        The format is versioned and checksummed, and loading it (``sgdlearn.load``)
        never executes code; ``partial_fit`` on the loaded model continues exactly.

        Parameters
        ----------
        path : str or path-like
            Where to write.
        """
        _model_file.save(self, path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class SGDClassifier(LinearClassifierMixin, _BaseSGD):
    """Linear classifiers (SVM, logistic regression, ...) trained by SGD.

    A drop-in replacement for :class:`sklearn.linear_model.SGDClassifier`: the same
    parameters, methods and fitted attributes, and on dense data with
    ``shuffle=False`` the same ``coef_``, ``intercept_``, ``n_iter_`` and ``t_``.
    Training runs in sgdlearn's C++ core with the GIL released; one-vs-rest classes
    train in parallel threads (``n_jobs``).

    Parameters
    ----------
    loss : {"hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron", \
            "squared_error", "huber", "epsilon_insensitive", \
            "squared_epsilon_insensitive"}, default="hinge"
        The loss function. ``"log_loss"`` gives logistic regression and, with
        ``"modified_huber"``, probability estimates.
    penalty : {"l2", "l1", "elasticnet", None}, default="l2"
        The regularization term.
    alpha : float, default=0.0001
        Regularization strength; also sets the "optimal" learning rate.
    l1_ratio : float in [0, 1], default=0.15
        Elastic net mixing: 0 is pure L2, 1 is pure L1.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    max_iter : int, default=1000
        Maximum number of epochs (passes over the data) in ``fit``.
    tol : float or None, default=1e-3
        Stopping criterion: training stops when the epoch objective has not improved
        by ``tol`` for ``n_iter_no_change`` epochs. None disables it.
    shuffle : bool, default=True
        Whether to shuffle the examples before each epoch.
    verbose : int, default=0
        Print one line per epoch when positive.
    epsilon : float, default=0.1
        Huber's threshold and the width of the epsilon-insensitive losses.
    n_jobs : int, default=None
        Threads: one-vs-rest classes train in parallel, and a mini-batch is shared out
        in fixed pieces (sparse rows with sorted indices by range of columns, others
        by range of examples), so a given n_jobs always gives the same model; another
        n_jobs changes only rounding. None is 1, -1 is all cores.
    hogwild : bool, default=False
        Plain SGD (``optimizer="sgd"``, ``batch_size=1``) with ``n_jobs`` threads that
        take disjoint shards of each epoch and update shared weights without locks
        (Hogwild!, Niu et al. 2011); L2 goes through plain SGD's scale factor, whose
        value at every step of an epoch is computed before it, so no thread writes it.
        Pays on sparse data whose threads rarely touch the same weights; NOT
        deterministic. One thread is plain SGD (bit for bit without an intercept). The
        per-epoch objective counts the penalty at the epoch's end. No L1 part,
        averaging, clipping or passive-aggressive rates.
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling and the early-stopping split.
    learning_rate : {"constant", "optimal", "invscaling", "adaptive", "pa1", "pa2", \
            "exponential", "step", "cosine"}, default="optimal"
        The learning rate schedule (see the README). "exponential", "step" and "cosine"
        count the epochs of one call: each ``partial_fit`` call starts them again
        (``fit_stream`` gives each pass the rate of its epoch).
    eta0 : float, default=0.01
        The initial learning rate (for pa1/pa2 the aggressiveness C).
    power_t : float, default=0.5
        Exponent of the "invscaling" schedule.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its accuracy stalls.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping (or shrinking an adaptive rate).
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    average : bool or int, default=False
        Averaged SGD: return the mean of the weights over the steps, starting at step
        ``average`` (True means 1). A ``partial_fit`` call with averaging off ends the
        mean; switching it on or moving its start between calls needs a start step
        still ahead, where a new mean begins.
    intercept_decay : float in (0, 1] or "auto", default="auto"
        Multiplies each step of the intercept (the intercept's learning rate, for every
        optimizer). ``"auto"`` is scikit-learn's rule for its plain SGD: 0.01 on sparse
        input (the intercept moves at every example, a sparse feature rarely), 1 on
        dense and with the other optimizers. It makes the same data train a different
        model when stored sparse; a number applies to any storage.
    multi_class : {"ovr", "multinomial"}, default="ovr"
        With more than two classes: one-vs-rest binary problems, or one softmax
        (cross-entropy) model trained jointly (needs ``loss="log_loss"``); its
        ``predict_proba`` is the softmax of the decision function.
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", \
            "adamw", "ftrl"}, default="sgd"
        The update rule; the others match ``torch.optim`` (see the README's table).
        The adaptive ones (adagrad, rmsprop, adam, adamw, ftrl) need a schedule other
        than "optimal", e.g. ``learning_rate="constant", eta0=1e-3``.
    batch_size : int or None, default=1
        Examples per step: 1 is streaming SGD (scikit-learn's algorithm), B > 1 a step
        on the mean gradient of B examples (the last batch of an epoch may be smaller),
        None the whole training set (gradient descent, one step per epoch).
    momentum : float, default=0.9
        Momentum of "momentum" and "nesterov".
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decays.
    rho : float, default=0.99
        RMSprop's decay of the squared gradients (torch's ``alpha``).
    eps : float or None, default=None
        Denominator guard of the adaptive rules: None is 1e-10 for adagrad, 1e-8 else.
    ftrl_beta : float, default=1.0
        FTRL-Proximal's beta; its alpha is the learning rate, its l1 and l2 are
        ``alpha * l1_ratio`` and ``alpha * (1 - l1_ratio)`` (of the penalty in use).
    gamma : float, default=0.9
        Decay factor of the "exponential" (every epoch) and "step" schedules.
    step_size : int, default=10
        Epochs between decays of the "step" schedule.
    eta_min : float, default=0.0
        Floor of the "cosine" schedule, reached after ``max_iter`` epochs.
    warmup_steps : int, default=0
        Linear warm-up: the rate is multiplied by ``t / warmup_steps`` for the first steps.
    clip_norm : float or None, default=None
        Rescale each step's loss gradient (weights and intercept) to this L2 norm when
        it is longer.
    sparse_update : {"lazy", "dense"}, default="lazy"
        On sparse input, "lazy" updates only the coordinates present in the batch
        (O(nnz) a step); "dense" updates every coordinate every step. They differ only
        in what happens to absent coordinates (see the README).

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    n_iter_ : int
        Epochs run by the last ``fit`` (the maximum over one-vs-rest problems).
    t_ : float
        Number of weight updates so far, plus one.
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    loss_curve_ : list of float
        The objective (mean weighted loss plus penalty) of each epoch, summed over
        one-vs-rest problems.
    history_ : dict of lists
        Per epoch: ``objective``, ``validation_score``, ``learning_rate``, ``seconds``
        and ``coordinate_updates`` (weights the steps updated: the work done). Each
        ``partial_fit`` call adds an epoch here and to ``loss_curve_`` (about 170
        bytes); emptying the lists bounds that on a long stream, and changes nothing
        in the training that follows.
    validation_scores_ : list of float
        With early stopping, the held-out accuracy of each epoch (mean over
        one-vs-rest problems).
    progressive_loss_ : list of float
        After ``fit_stream``: per chunk, over all passes, the mean loss of each example
        just before the step that learned it (progressive validation; under the model
        before the chunk for averaged SGD and with class weights).
    stream_history_ : dict of lists
        After ``fit_stream``: per pass, ``examples``, ``progressive_loss``,
        ``holdout_loss`` and ``seconds``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sgdlearn import SGDClassifier
    >>> X = np.array([[-1.0, -1.0], [-2.0, -1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> y = np.array([1, 1, 2, 2])
    >>> clf = SGDClassifier(random_state=0).fit(X, y)
    >>> clf.predict([[-0.8, -1.0]])
    array([1])
    """

    _parameter_constraints: dict = {
        **_BaseSGD._parameter_constraints,
        "loss": [StrOptions(set(_CLASSIFICATION_LOSSES))],
        "n_jobs": [Integral, None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "multi_class": [StrOptions({"ovr", "multinomial"})],
    }

    def __init__(
        self,
        loss="hinge",
        *,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        epsilon=_DEFAULT_EPSILON,
        n_jobs=None,
        hogwild=False,
        random_state=None,
        learning_rate="optimal",
        eta0=0.01,
        power_t=0.5,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
        average=False,
        intercept_decay="auto",
        multi_class="ovr",
        optimizer="sgd",
        batch_size=1,
        momentum=0.9,
        beta_1=0.9,
        beta_2=0.999,
        rho=0.99,
        eps=None,
        ftrl_beta=1.0,
        gamma=0.9,
        step_size=10,
        eta_min=0.0,
        warmup_steps=0,
        clip_norm=None,
        sparse_update="lazy",
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.n_jobs = n_jobs
        self.hogwild = hogwild
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.average = average
        self.intercept_decay = intercept_decay
        self.multi_class = multi_class
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.momentum = momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.rho = rho
        self.eps = eps
        self.ftrl_beta = ftrl_beta
        self.gamma = gamma
        self.step_size = step_size
        self.eta_min = eta_min
        self.warmup_steps = warmup_steps
        self.clip_norm = clip_norm
        self.sparse_update = sparse_update

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the linear model by stochastic gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target labels.
        coef_init : ndarray of shape (n_classes, n_features), default=None
            Initial coefficients.
        intercept_init : ndarray of shape (n_classes,), default=None
            Initial intercepts.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples, multiplied with the class weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._more_validate_params()
        if self.warm_start and hasattr(self, "coef_"):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        if hasattr(self, "classes_"):
            del self.classes_
        X, y = self._validate_X_y(X, y, reset=True)
        self.classes_ = _checked_classes(y)
        self._allocate_for(X, coef_init, intercept_init)
        self._fit_classes(X, y, sample_weight, self.max_iter, early_stopping=True,
                          classes_from_y=True)
        self._finish_fit()
        return self

    @_partial_fit_context
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of stochastic gradient descent on the given examples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,)
            Its labels, all of them in ``classes``.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole stream; required on the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first_call = not hasattr(self, "classes_")
        if first_call:
            self._more_validate_params(for_partial_fit=True)
            if self.class_weight == "balanced":
                raise ValueError(
                    "class_weight 'balanced' is not supported for partial_fit: compute the "
                    "weights with sklearn.utils.compute_class_weight('balanced', classes=..., "
                    "y=...) on a large enough sample and pass them as a dict."
                )
        X, y = self._validate_X_y(X, y, reset=first_call)
        if not self._same_classes(classes):
            _check_partial_fit_first_call(self, classes)
        if first_call or not self._has_weights():
            self._allocate_for(X, None, None)
        else:
            self._ready_to_continue(X)
        self._fit_classes(X, y, sample_weight, max_iter=1, early_stopping=False,
                          classes_from_y=False)
        return self

    def _class_index(self, y, classes_from_y):
        """Each label's position in classes_, as the core reads it; unknown labels raise.

        classes_from_y: classes_ are y's own labels (fit), so none is unknown, and two
        classes are told apart by one comparison (30 times cheaper than searchsorted).
        """
        if classes_from_y and len(self.classes_) == 2:
            return (y == self.classes_[1]).astype(np.int32)
        index, first_unknown = _native.class_positions(y, self.classes_)
        if first_unknown >= 0:
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            raise ValueError(
                f"y contains labels {unknown.tolist()} that are not in classes "
                f"{self.classes_.tolist()} given to the first partial_fit call"
            )
        return index

    def _same_classes(self, classes):
        """Whether `classes` is exactly classes_ again, as callers pass it every call.

        scikit-learn's check runs unique_labels on it each time, which costs more than
        training a small batch; classes_ is sorted and unique, so equal is the same.
        """
        known = getattr(self, "classes_", None)
        if known is None or classes is None:
            return False
        classes = np.asarray(classes)  # np.array_equal's steps, without its overhead
        return classes.shape == known.shape and bool((classes == known).all())

    def _allocate_for(self, X, coef_init, intercept_init):
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"The number of classes has to be greater than one; got {n_classes} class"
            )
        n_outputs = 1 if n_classes == 2 else n_classes
        self._allocate_state(n_outputs, X.shape[1], X.dtype, coef_init, intercept_init)

    def _fit_classes(self, X, y, sample_weight, max_iter, early_stopping, classes_from_y):
        # early_stopping: a fit, which may hold out examples; else partial_fit.
        sample_weight = self._checked_sample_weight(sample_weight, X, early_stopping)
        n = len(self.classes_)
        class_index = self._class_index(y, classes_from_y)
        if n == 2 and self.class_weight is None:
            tasks = _UNWEIGHTED_BINARY_TASKS
        else:
            class_weight = (np.ones(n) if self.class_weight is None else
                            compute_class_weight(self.class_weight, classes=self.classes_, y=y))
            if n == 2:
                tasks = ([1], [class_weight[1]], [class_weight[0]])
            else:
                # Output k is class k, weighted by its class weight: in one joint softmax
                # problem (multinomial), or as scikit-learn's one-vs-rest, whose rest
                # keeps weight 1.
                tasks = (np.arange(n), class_weight, np.ones(n))
        validation = self._validation_mask(y, sample_weight) if early_stopping else None
        n_jobs = _native.thread_count(self.n_jobs)
        self._train(X, class_index, tasks, sample_weight, validation, max_iter, n_jobs,
                    keep_buffers=not early_stopping)

    def _multinomial(self):
        return self.multi_class == "multinomial" and len(getattr(self, "classes_", ())) > 2

    def _check_proba(self):
        if self.loss not in ("log_loss", "modified_huber"):
            raise AttributeError(
                f"probability estimates are not available for loss={self.loss!r}"
            )
        return True

    def decision_function(self, X):
        """Confidence scores: the signed distance of each sample to each hyperplane.

        Sparse input is scored in the C++ core, rows shared among ``n_jobs`` threads.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The samples.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            Scores of the positive class (binary), or of each class.
        """
        scores = self._scores(X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    @available_if(_check_proba)
    def predict_proba(self, X):
        """Probability estimates (log_loss and modified_huber losses).

        Multiclass probabilities normalise the one-vs-rest estimates (Zadrozny and
        Elkan, 2002), as scikit-learn does; binary modified_huber probabilities are
        ``(clip(decision_function(X), -1, 1) + 1) / 2``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``.
        """
        check_is_fitted(self)
        if self.loss == "log_loss" and self._multinomial():
            return softmax(self.decision_function(X))
        if self.loss == "log_loss":
            return self._predict_proba_lr(X)
        scores = self.decision_function(X)
        if len(self.classes_) == 2:
            positive = (np.clip(scores, -1, 1) + 1.0) / 2.0
            return np.column_stack([1.0 - positive, positive])
        prob = (np.clip(scores, -1, 1) + 1.0) / 2.0
        prob_sum = prob.sum(axis=1)
        all_zero = prob_sum == 0
        prob[all_zero, :] = 1
        prob_sum[all_zero] = len(self.classes_)
        return prob / prob_sum[:, np.newaxis]

    @available_if(_check_proba)
    def predict_log_proba(self, X):
        """Log of the probability estimates; see ``predict_proba``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Log-probability of each class, in the order of ``classes_``.
        """
        return np.log(self.predict_proba(X))


class SGDRegressor(RegressorMixin, _BaseSGD):
    """Linear regression trained by SGD.

    A drop-in replacement for :class:`sklearn.linear_model.SGDRegressor`: the same
    parameters, methods and fitted attributes, and on dense data with
    ``shuffle=False`` the same ``coef_``, ``intercept_``, ``n_iter_`` and ``t_``.

    Parameters
    ----------
    loss : {"squared_error", "huber", "epsilon_insensitive", \
            "squared_epsilon_insensitive"}, default="squared_error"
        The loss function.
    penalty : {"l2", "l1", "elasticnet", None}, default="l2"
        The regularization term.
    alpha : float, default=0.0001
        Regularization strength; also sets the "optimal" learning rate.
    l1_ratio : float in [0, 1], default=0.15
        Elastic net mixing: 0 is pure L2, 1 is pure L1.
    fit_intercept : bool, default=True
        Whether to fit an intercept.
    max_iter : int, default=1000
        Maximum number of epochs in ``fit``.
    tol : float or None, default=1e-3
        Stopping criterion; None disables it.
    shuffle : bool, default=True
        Whether to shuffle the examples before each epoch.
    verbose : int, default=0
        Print one line per epoch when positive.
    epsilon : float, default=0.1
        Huber's threshold and the width of the epsilon-insensitive losses.
    n_jobs : int, default=None
        Threads sharing each mini-batch in fixed pieces (sparse rows with sorted
        indices by range of columns, others by range of examples), so a given n_jobs
        always gives the same model; another n_jobs changes only rounding. None is 1,
        -1 is all cores.
    hogwild : bool, default=False
        Plain SGD (``optimizer="sgd"``, ``batch_size=1``) with ``n_jobs`` threads that
        take disjoint shards of each epoch and update shared weights without locks
        (Hogwild!, Niu et al. 2011); L2 goes through plain SGD's scale factor, whose
        value at every step of an epoch is computed before it, so no thread writes it.
        Pays on sparse data whose threads rarely touch the same weights; NOT
        deterministic. One thread is plain SGD (bit for bit without an intercept). The
        per-epoch objective counts the penalty at the epoch's end. No L1 part,
        averaging, clipping or passive-aggressive rates.
    random_state : int, RandomState instance or None, default=None
        Seeds shuffling and the early-stopping split.
    learning_rate : {"constant", "optimal", "invscaling", "adaptive", "pa1", "pa2", \
            "exponential", "step", "cosine"}, default="invscaling"
        The learning rate schedule (see SGDClassifier).
    eta0 : float, default=0.01
        The initial learning rate.
    power_t : float, default=0.25
        Exponent of the "invscaling" schedule.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its R^2 stalls.
    validation_fraction : float, default=0.1
        Fraction held out for early stopping.
    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution.
    average : bool or int, default=False
        Averaged SGD from step ``average`` (True means 1); see SGDClassifier.
    intercept_decay : float in (0, 1] or "auto", default="auto"
        Multiplies each step of the intercept (the intercept's learning rate, for every
        optimizer). ``"auto"`` is scikit-learn's rule for its plain SGD: 0.01 on sparse
        input (the intercept moves at every example, a sparse feature rarely), 1 on
        dense and with the other optimizers. It makes the same data train a different
        model when stored sparse; a number applies to any storage.
    optimizer : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", \
            "adamw", "ftrl"}, default="sgd"
        The update rule; the others match ``torch.optim`` (see the README's table).
        The adaptive ones (adagrad, rmsprop, adam, adamw, ftrl) need a schedule other
        than "optimal", e.g. ``learning_rate="constant", eta0=1e-3``.
    batch_size : int or None, default=1
        Examples per step: 1 is streaming SGD (scikit-learn's algorithm), B > 1 a step
        on the mean gradient of B examples (the last batch of an epoch may be smaller),
        None the whole training set (gradient descent, one step per epoch).
    momentum : float, default=0.9
        Momentum of "momentum" and "nesterov".
    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's moment decays.
    rho : float, default=0.99
        RMSprop's decay of the squared gradients (torch's ``alpha``).
    eps : float or None, default=None
        Denominator guard of the adaptive rules: None is 1e-10 for adagrad, 1e-8 else.
    ftrl_beta : float, default=1.0
        FTRL-Proximal's beta; its alpha is the learning rate, its l1 and l2 are
        ``alpha * l1_ratio`` and ``alpha * (1 - l1_ratio)`` (of the penalty in use).
    gamma : float, default=0.9
        Decay factor of the "exponential" (every epoch) and "step" schedules.
    step_size : int, default=10
        Epochs between decays of the "step" schedule.
    eta_min : float, default=0.0
        Floor of the "cosine" schedule, reached after ``max_iter`` epochs.
    warmup_steps : int, default=0
        Linear warm-up: the rate is multiplied by ``t / warmup_steps`` for the first steps.
    clip_norm : float or None, default=None
        Rescale each step's loss gradient (weights and intercept) to this L2 norm when
        it is longer.
    sparse_update : {"lazy", "dense"}, default="lazy"
        On sparse input, "lazy" updates only the coordinates present in the batch
        (O(nnz) a step); "dense" updates every coordinate every step. They differ only
        in what happens to absent coordinates (see the README).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Weights.
    intercept_ : ndarray of shape (1,)
        Intercept.
    n_iter_ : int
        Epochs run by the last ``fit``.
    t_ : float
        Number of weight updates so far, plus one.
    loss_curve_ : list of float
        The objective (mean weighted loss plus penalty) of each epoch.
    history_ : dict of lists
        Per epoch: ``objective``, ``validation_score``, ``learning_rate``, ``seconds``
        and ``coordinate_updates`` (weights the steps updated: the work done). Each
        ``partial_fit`` call adds an epoch here and to ``loss_curve_`` (about 170
        bytes); emptying the lists bounds that on a long stream, and changes nothing
        in the training that follows.
    validation_scores_ : list of float
        With early stopping, the held-out R^2 of each epoch.
    progressive_loss_ : list of float
        After ``fit_stream``: per chunk, over all passes, the mean loss of each example
        just before the step that learned it (progressive validation; under the model
        before the chunk for averaged SGD and with class weights).
    stream_history_ : dict of lists
        After ``fit_stream``: per pass, ``examples``, ``progressive_loss``,
        ``holdout_loss`` and ``seconds``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from sgdlearn import SGDRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(200, 3)
    >>> y = X @ np.array([1.0, -2.0, 0.5]) + 0.3
    >>> reg = SGDRegressor(random_state=0).fit(X, y)
    >>> bool(reg.score(X, y) > 0.99)
    True
    """

    _continuous_targets = True
    _parameter_constraints: dict = {
        **_BaseSGD._parameter_constraints,
        "loss": [StrOptions(set(_REGRESSION_LOSSES))],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        loss="squared_error",
        *,
        penalty="l2",
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        epsilon=_DEFAULT_EPSILON,
        n_jobs=None,
        hogwild=False,
        random_state=None,
        learning_rate="invscaling",
        eta0=0.01,
        power_t=0.25,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        warm_start=False,
        average=False,
        intercept_decay="auto",
        optimizer="sgd",
        batch_size=1,
        momentum=0.9,
        beta_1=0.9,
        beta_2=0.999,
        rho=0.99,
        eps=None,
        ftrl_beta=1.0,
        gamma=0.9,
        step_size=10,
        eta_min=0.0,
        warmup_steps=0,
        clip_norm=None,
        sparse_update="lazy",
    ):
        self.loss = loss
        self.penalty = penalty
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.shuffle = shuffle
        self.verbose = verbose
        self.epsilon = epsilon
        self.n_jobs = n_jobs
        self.hogwild = hogwild
        self.random_state = random_state
        self.learning_rate = learning_rate
        self.eta0 = eta0
        self.power_t = power_t
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.average = average
        self.intercept_decay = intercept_decay
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.momentum = momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.rho = rho
        self.eps = eps
        self.ftrl_beta = ftrl_beta
        self.gamma = gamma
        self.step_size = step_size
        self.eta_min = eta_min
        self.warmup_steps = warmup_steps
        self.clip_norm = clip_norm
        self.sparse_update = sparse_update

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the linear model by stochastic gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Target values.
        coef_init : ndarray of shape (n_features,), default=None
            Initial coefficients.
        intercept_init : ndarray of shape (1,), default=None
            Initial intercept.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._more_validate_params()
        if self.warm_start and getattr(self, "coef_", None) is not None:
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        X, y = self._validate_X_y(X, y, reset=True)
        self._allocate_state(1, X.shape[1], X.dtype, coef_init, intercept_init)
        self._fit_regressor(X, y, sample_weight, self.max_iter, early_stopping=True)
        self._finish_fit()
        return self

    @_partial_fit_context
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of stochastic gradient descent on the given examples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,)
            Its target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the examples.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first_call = not self._has_weights()
        if first_call:
            self._more_validate_params(for_partial_fit=True)
        X, y = self._validate_X_y(X, y, reset=first_call)
        if first_call:
            self._allocate_state(1, X.shape[1], X.dtype, None, None)
        else:
            self._ready_to_continue(X)
        self._fit_regressor(X, y, sample_weight, max_iter=1, early_stopping=False)
        return self

    def _fit_regressor(self, X, y, sample_weight, max_iter, early_stopping):
        # early_stopping: a fit, which may hold out examples; else partial_fit.
        sample_weight = self._checked_sample_weight(sample_weight, X, early_stopping)
        # Targets take the data's precision, as in scikit-learn.
        y = np.asarray(y, dtype=X.dtype).astype(np.float64)
        validation = self._validation_mask(y, sample_weight) if early_stopping else None
        tasks = ([-1], [1.0], [1.0])
        self._train(X, y, tasks, sample_weight, validation, max_iter,
                    _native.thread_count(self.n_jobs), keep_buffers=not early_stopping)

    def _public_coef_shape(self, coef):
        return coef.reshape(-1)

    def _decision_function(self, X):
        return self._scores(X).ravel()

    def predict(self, X):
        """Predict with the linear model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        ndarray of shape (n_samples,)
            Predicted values.
        """
        return self._decision_function(X)
