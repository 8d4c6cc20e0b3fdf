# SPDX-License-Identifier: BSD-3-Clause
"""Learning from data files of any size: ``fit_stream`` on both estimators.

The source is read as CSR chunks parsed ahead by a background thread
(:func:`sgdlearn.io.iter_chunks`), and each chunk is learned by the estimator's own
``partial_fit``, so a stream fit is exactly ``partial_fit`` over the same chunks.
The loss of each example under the model that has not yet seen it is *progressive
validation* (Blum, Kalai and Langford, 1999), the running loss Vowpal Wabbit prints.
The trainer computes it anyway, as the loss of the prediction that each step starts
from, and reports its sum: it is Vowpal Wabbit's per-example figure whatever the chunk
size (a mini-batch's examples are scored by the weights before the batch's step), at no
cost. Averaged SGD (whose model is the average, not the weights that predict in a
step) and class weights (which the trainer's losses include) score each chunk under
the model before it instead, one chunk older at most; so do held-out rows.
"""

import math
import os
import sys
import tempfile
import time

import numpy as np
from sklearn.base import is_classifier

from sgdlearn import _schedules, io

_CHECKPOINT_KEYS = ("pass", "rows", "sums")


# -- losses ------------------------------------------------------------------------
# The estimators' losses, elementwise (scikit-learn's definitions, as the core
# computes them): p is the decision value, y the target (+-1 for a binary problem).


def _hinge(p, y, threshold):
    return np.maximum(0.0, threshold - y * p)


def _modified_huber(p, y):
    z = y * p
    return np.where(z >= 1.0, 0.0, np.where(z >= -1.0, (1.0 - z) ** 2, -4.0 * z))


def _huber(p, y, epsilon):
    r = np.abs(y - p)
    return np.where(r <= epsilon, 0.5 * r * r, epsilon * r - 0.5 * epsilon * epsilon)


_LOSSES = {
    "hinge": lambda p, y, eps: _hinge(p, y, 1.0),
    "perceptron": lambda p, y, eps: _hinge(p, y, 0.0),
    "squared_hinge": lambda p, y, eps: _hinge(p, y, 1.0) ** 2,
    "log_loss": lambda p, y, eps: np.logaddexp(0.0, -y * p),
    "modified_huber": lambda p, y, eps: _modified_huber(p, y),
    "squared_error": lambda p, y, eps: 0.5 * (p - y) ** 2,
    "huber": _huber,
    "epsilon_insensitive": lambda p, y, eps: np.maximum(0.0, np.abs(y - p) - eps),
    "squared_epsilon_insensitive": lambda p, y, eps: np.maximum(0.0, np.abs(y - p) - eps) ** 2,
}


def example_losses(estimator, X, y, classes):
    """The loss of each example under the estimator as it is now (zeros if unfitted).

    A binary classifier scores its one problem (the second class is +1); one-vs-rest
    problems add up (as ``loss_curve_`` does); a multinomial model is its
    cross-entropy.
    """
    fitted = estimator._has_weights()
    if not is_classifier(estimator):
        p = estimator.predict(X) if fitted else np.zeros(X.shape[0])
        return _LOSSES[estimator.loss](p, y, estimator.epsilon)
    n_classes = len(classes)
    if fitted:
        p = estimator.decision_function(X)
    else:
        p = np.zeros(X.shape[0] if n_classes == 2 else (X.shape[0], n_classes))
    if n_classes == 2:
        return _LOSSES[estimator.loss](p, np.where(y == classes[1], 1.0, -1.0), estimator.epsilon)
    target = np.searchsorted(classes, y)
    if getattr(estimator, "multi_class", "ovr") == "multinomial" and estimator.loss == "log_loss":
        top = p.max(axis=1)
        log_norm = top + np.log(np.exp(p - top[:, None]).sum(axis=1))
        return log_norm - p[np.arange(len(y)), target]
    signs = np.where(np.arange(n_classes)[None, :] == target[:, None], 1.0, -1.0)
    return _LOSSES[estimator.loss](p, signs, estimator.epsilon).sum(axis=1)


# -- holdout -----------------------------------------------------------------------


def held_out(first_row, n_rows, fraction):
    """Which of the rows first_row .. first_row + n_rows - 1 of a pass are held out.

    Row i is held out when floor((i + 1) f) > floor(i f): exactly a fraction f of the
    rows, evenly spread (f = 0.1 holds out every tenth, as Vowpal Wabbit does), the
    same rows in every pass and whatever the chunk size.
    """
    if fraction <= 0.0:
        return None
    rows = np.arange(first_row, first_row + n_rows, dtype=np.float64)
    return np.floor((rows + 1.0) * fraction) > np.floor(rows * fraction)


# -- the binary cache for passes after the first -----------------------------------


class _ChunkCache:
    """Chunks written as raw arrays during the first pass and read back in later ones.

    Each chunk is a header (rows, stored values, width, weighted) of int64 and then
    indptr, indices (int32), data (X's dtype), y and, when weighted, the weights
    (float64). Reading it back costs a copy from the disk cache, not a parse.
    """

    def __init__(self, directory):
        handle, self.path = tempfile.mkstemp(prefix="sgdlearn-stream-", suffix=".cache",
                                             dir=directory)
        os.close(handle)
        self.complete = False
        self._file = open(self.path, "wb")
        self._dtype = None

    def write(self, X, y, weight):
        self._dtype = X.dtype
        header = np.array([X.shape[0], X.nnz, X.shape[1], weight is not None], dtype=np.int64)
        header.tofile(self._file)
        X.indptr.astype(np.int32, copy=False).tofile(self._file)
        X.indices.astype(np.int32, copy=False).tofile(self._file)
        X.data.tofile(self._file)
        np.asarray(y, dtype=np.float64).tofile(self._file)
        if weight is not None:
            np.asarray(weight, dtype=np.float64).tofile(self._file)

    def finish(self):
        self._file.close()
        self.complete = True

    def read(self):
        import scipy.sparse as sp

        with open(self.path, "rb") as f:
            while True:
                header = np.fromfile(f, dtype=np.int64, count=4)
                if header.size == 0:
                    return
                n_rows, nnz, width, weighted = (int(v) for v in header)
                indptr = np.fromfile(f, dtype=np.int32, count=n_rows + 1)
                indices = np.fromfile(f, dtype=np.int32, count=nnz)
                data = np.fromfile(f, dtype=self._dtype, count=nnz)
                y = np.fromfile(f, dtype=np.float64, count=n_rows)
                weight = np.fromfile(f, dtype=np.float64, count=n_rows) if weighted else None
                yield sp.csr_matrix((data, indices, indptr), shape=(n_rows, width)), y, weight

    def remove(self):
        if not self._file.closed:
            self._file.close()
        if os.path.exists(self.path):
            os.unlink(self.path)


# -- reporting ---------------------------------------------------------------------


class _Report:
    """A tqdm bar on a terminal, and Vowpal Wabbit's table of the progressive loss at
    doubling example counts when the estimator is verbose."""

    def __init__(self, progress, verbose, passes):
        from tqdm.auto import tqdm

        self.verbose = verbose
        self.passes = passes
        self._next_line = 1
        self._since_sum = self._since_weight = 0.0
        show_bar = bool(progress) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.bar = tqdm(unit=" examples", disable=not show_bar, leave=False, dynamic_ncols=True)
        if verbose:
            self._print(f"{'average loss':>14} {'since last':>12} {'examples':>12} {'pass':>6}")

    def _print(self, line):
        if not self.bar.disable:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr)

    def chunk(self, pass_index, learned, examples, loss_sum, weight, total_sum, total_weight):
        self._since_sum += loss_sum
        self._since_weight += weight
        self.bar.update(learned)
        if total_weight > 0:
            self.bar.set_postfix(loss=f"{total_sum / total_weight:.4f}", refresh=False)
        if self.verbose and examples >= self._next_line and self._since_weight > 0:
            since_last = self._since_sum / self._since_weight
            self._print(f"{total_sum / total_weight:14.6f} {since_last:12.6f} {examples:12d} "
                        f"{pass_index + 1:6d}")
            self._since_sum = self._since_weight = 0.0
            while self._next_line <= examples:
                self._next_line *= 2

    def end_pass(self, pass_index, entry):
        self.bar.reset()
        if self.verbose:
            holdout = entry["holdout_loss"]
            text = f"pass {pass_index + 1}: {entry['examples']} examples, progressive loss " \
                   f"{entry['progressive_loss']:.6f}"
            if not math.isnan(holdout):
                text += f", holdout loss {holdout:.6f}"
            self._print(text)

    def close(self):
        self.bar.close()


# -- the stream fit ----------------------------------------------------------------


class _PassTotals:
    """A pass's running sums: the progressive loss and weight of the examples learned,
    the loss and weight of the held-out ones, and how many were learned. A checkpoint
    keeps them as a list."""

    def __init__(self, values=(0.0, 0.0, 0.0, 0.0, 0)):
        self.loss, self.weight, self.holdout_loss, self.holdout_weight, self.learned = values

    def as_list(self):
        return [self.loss, self.weight, self.holdout_loss, self.holdout_weight, self.learned]

    def progressive(self):
        return self.loss / self.weight if self.weight else math.nan

    def holdout(self):
        return self.holdout_loss / self.holdout_weight if self.holdout_weight else math.nan


def _fresh_history():
    return {"examples": [], "progressive_loss": [], "holdout_loss": [], "seconds": []}


def _restore(estimator, path):
    """Make the estimator the one checkpointed at path; returns its stream position."""
    from sgdlearn._model_file import load

    saved = load(path)
    if type(saved) is not type(estimator):
        raise ValueError(f"{path} holds a {type(saved).__name__}, not a {type(estimator).__name__}")
    ours, theirs = estimator.get_params(deep=False), saved.get_params(deep=False)
    changed = sorted(k for k in ours if ours[k] != theirs.get(k))
    if changed:
        raise ValueError(f"{path} was trained with other parameters ({', '.join(changed)}): "
                         "resume with the estimator that wrote it")
    position = getattr(saved, "_stream_state", None)
    if not isinstance(position, dict) or any(k not in position for k in _CHECKPOINT_KEYS):
        raise ValueError(f"{path} is a model file but not a fit_stream checkpoint")
    estimator.__dict__.update(saved.__dict__)
    return position


def _save_checkpoint(estimator, path, position):
    estimator._stream_state = dict(position)
    partial = f"{path}.partial"
    estimator.save(partial)
    os.replace(partial, path)  # atomic: a crash leaves the previous checkpoint whole


def _skip_rows(chunks, rows):
    """The chunks after the first `rows` rows (a resumed pass)."""
    for chunk in chunks:
        n = chunk[0].shape[0]
        if rows >= n:
            rows -= n
            continue
        if rows > 0:
            chunk = tuple(part[rows:] if part is not None else None for part in chunk)
            rows = 0
        yield chunk


def _holdout_stopping(estimator, holdout_losses):
    """scikit-learn's stopping rule (_schedules.Stopping) as the passes so far left it,
    replayed from their holdout losses, so that a resumed run decides as the
    uninterrupted one. With the adaptive schedule a stall divides the rate by 5
    instead, down to 1e-6."""
    adaptive_eta0 = estimator.eta0 if estimator.learning_rate == "adaptive" else None
    stopping = _schedules.Stopping(estimator.tol, estimator.n_iter_no_change, adaptive_eta0)
    for loss in holdout_losses:
        stopping.says_stop(loss)
    return stopping


def fit_stream(self, source, *, passes=1, classes=None, holdout=0.0, format="auto",
               chunk_size=10000, progress=True, n_features=None, zero_based="auto",
               hash_bits=18, dtype=np.float64, on_error="raise", cache="auto", cache_dir=None,
               checkpoint=None, checkpoint_every=None, resume=None, callback=None,
               verbose=None, n_threads=None, **format_options):
    """Learn from data files of any size, chunk by chunk, with progressive validation.

    The files are parsed ahead by a background thread while the model learns, and
    each chunk is learned by ``partial_fit``: one pass equals ``partial_fit`` over
    the same chunks (an epoch-based schedule at the pass's rate: see ``passes``), and
    memory holds a few chunks whatever the size of the files.
    The loss of each example just before the model learns it (progressive validation,
    Vowpal Wabbit's per-example figure, reported by the trainer), meaned per chunk, is
    kept in ``progressive_loss_`` and shown as it goes. Averaged SGD and class weights
    score each chunk under the model before it instead.

    Parameters
    ----------
    source : str, path-like, or list of them
        svmlight, CSV or Vowpal Wabbit text files, plain or gzip (see
        :mod:`sgdlearn.io`). VW importance weights are sample weights.
    passes : int, default=1
        Passes over the source. Later passes read a binary cache of the chunks
        written during the first (see ``cache``) or the files again. Each pass is an
        epoch of the "exponential", "step" and "cosine" schedules: pass p learns at
        their rate of epoch p (cosine: over ``passes``), held over the pass, as Vowpal
        Wabbit's ``--decay_learning_rate`` decays between passes.
    classes : array-like, default=None
        Classifiers: every class of the stream. None reads them in a first scan of
        the source (which also finds the width of an svmlight source without
        ``n_features``); give them (and ``n_features``) to read the source once.
    holdout : float in [0, 1), default=0.0
        Fraction of the examples never learned (every 1/holdout-th one, the same in
        every pass), scored before each chunk: their mean loss per pass is
        ``stream_history_["holdout_loss"]``. With several passes, training stops
        when it has not improved by ``tol`` for ``n_iter_no_change`` passes (the
        "adaptive" schedule divides its rate by 5 instead, until it is below 1e-6).
    format : {"auto", "svmlight", "csv", "vw"}, default="auto"
        The source's format.
    chunk_size : int, default=10000
        Examples per chunk (per ``partial_fit`` call).
    progress : bool, default=True
        Show a progress bar (tqdm) with the running progressive loss, when standard
        error is a terminal.
    n_features, zero_based, hash_bits, dtype, on_error, n_threads, **format_options
        Reading options, as in :func:`sgdlearn.io.iter_chunks`. A fitted estimator
        (warm start, resume) keeps its ``n_features_in_``.
    cache : bool or "auto", default="auto"
        Write the parsed chunks to a temporary binary file during the first pass,
        and read later passes from it. "auto": when ``passes > 1``.
    cache_dir : str, default=None
        Where the cache goes (the system's temporary directory by default); it is
        removed at the end.
    checkpoint : str or path-like, default=None
        Model file written (atomically, with ``save``) every ``checkpoint_every``
        examples, at the end of each pass and at the end. It holds the stream
        position: ``resume=checkpoint`` continues a run that crashed.
    checkpoint_every : int, default=None
        Examples between checkpoints (rounded up to whole chunks); None writes one
        at the end of each pass only.
    resume : str or path-like, default=None
        A checkpoint to continue from, written by an estimator with the same
        parameters on the same source and ``chunk_size``: its model and position are
        restored and the rest of the stream is learned, so that the result equals an
        uninterrupted run.
    verbose : int, default=None
        When positive, print Vowpal Wabbit's table to standard error as the stream
        goes (average progressive loss, loss since the last line, examples, at
        doubling example counts) and a line per pass. None: the estimator's
        ``verbose``.
    callback : callable, default=None
        Called after each chunk as ``callback(estimator, info)``, info a dict with
        ``pass``, ``rows`` (of this pass, read so far) and ``progressive_loss`` (the
        running mean of this pass). An exception it raises stops the fit.

    Returns
    -------
    self : object
        The fitted estimator, with ``progressive_loss_`` (the mean progressive loss of
        each learned chunk, in order, over all passes) and ``stream_history_`` (per
        pass: ``examples`` learned, ``progressive_loss``, ``holdout_loss``, ``seconds``).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sgdlearn import SGDClassifier
    >>> rng = np.random.RandomState(0)
    >>> path = os.path.join(tempfile.mkdtemp(), "train.svm")
    >>> with open(path, "w") as f:
    ...     for _ in range(2000):
    ...         x = rng.randn(3)
    ...         line = f"{int(x @ [1, -2, 0.5] > 0)} 1:{x[0]:.4f} 2:{x[1]:.4f} 3:{x[2]:.4f}"
    ...         _ = f.write(line + "\\n")
    >>> clf = SGDClassifier(loss="log_loss", random_state=0)
    >>> clf = clf.fit_stream(path, chunk_size=500, passes=2, progress=False)
    >>> clf.classes_, clf.n_features_in_
    (array([0., 1.]), 3)
    >>> len(clf.progressive_loss_), clf.stream_history_["examples"]
    (8, [2000, 2000])
    >>> bool(clf.progressive_loss_[-1] < clf.progressive_loss_[0])
    True
    """
    _check_stream_args(passes, holdout, chunk_size, checkpoint_every, cache)
    position = {"pass": 0, "rows": 0, "sums": _PassTotals().as_list()}
    if resume is not None:
        position = _restore(self, resume)
    elif not self._has_weights() or not hasattr(self, "stream_history_"):
        self.progressive_loss_ = []
        self.stream_history_ = _fresh_history()
    paths = io._as_paths(source)
    fmt = io._check_format(format, paths)
    fitted = self._has_weights()
    if fitted and n_features is None and fmt == "svmlight":
        n_features = self.n_features_in_
    classifier = is_classifier(self)
    if not classifier and classes is not None:
        raise ValueError("classes is for classifiers; a regressor learns any target")
    if classifier and classes is None and hasattr(self, "classes_"):
        classes = self.classes_
    need_width = fmt == "svmlight" and n_features is None
    if need_width or (classifier and classes is None):
        found = io.scan(paths, format=fmt, n_features=n_features, zero_based=zero_based,
                        hash_bits=hash_bits, on_error=on_error, n_threads=n_threads,
                        **format_options)
        if need_width:
            n_features, zero_based = max(found["n_features"], 1), found["zero_based"]
        if classifier and classes is None:
            if found["labels"] is None:
                raise ValueError("the source has more than 1000 distinct labels: pass classes")
            classes = found["labels"]
    if classifier:
        classes = np.unique(np.asarray(classes))
    weighted = fmt == "vw"

    def read_source():
        return io.iter_chunks(paths, format=fmt, chunk_size=chunk_size, n_features=n_features,
                              zero_based=zero_based, hash_bits=hash_bits, dtype=dtype,
                              on_error=on_error, return_weights=True, n_threads=n_threads,
                              **format_options)

    use_cache = passes > 1 if cache == "auto" else bool(cache)
    chunk_cache = None
    report = _Report(progress, self.verbose if verbose is None else verbose, passes)
    # The rule as the passes so far left it (a resumed run's too); each pass goes on.
    stopping = _holdout_stopping(self, self.stream_history_["holdout_loss"])
    try:
        while position["pass"] < passes:
            pass_index = position["pass"]
            self._hold_epoch_rate(pass_index, passes, stopping if holdout else None)
            started = time.perf_counter()
            writing = None
            if chunk_cache is not None and chunk_cache.complete:
                chunks = chunk_cache.read()
            else:
                reader = read_source()
                chunks = (c if weighted else (c[0], c[1], None)
                          for c in _labels_checked(reader, classes))
                if use_cache and position["rows"] == 0 and pass_index + 1 < passes:
                    chunk_cache = writing = _ChunkCache(cache_dir)
            rows = position["rows"]
            totals = _PassTotals(position["sums"])
            since_checkpoint = 0
            for X, y, weight in _skip_rows(chunks, rows):
                if writing is not None:
                    writing.write(X, y, weight)
                learned, chunk_loss, chunk_weight = _learn_chunk(
                    self, X, y, weight, held_out(rows, X.shape[0], holdout), classes, totals)
                if learned:
                    report.chunk(pass_index, learned, totals.learned, chunk_loss, chunk_weight,
                                 totals.loss, totals.weight)
                rows += X.shape[0]
                since_checkpoint += X.shape[0]
                position = {"pass": pass_index, "rows": rows, "sums": totals.as_list()}
                due = checkpoint_every is not None and since_checkpoint >= checkpoint_every
                if checkpoint is not None and due:
                    _save_checkpoint(self, checkpoint, position)
                    since_checkpoint = 0
                if callback is not None:
                    callback(self, {"pass": pass_index, "rows": rows,
                                    "progressive_loss": totals.progressive()})
            if writing is not None:
                writing.finish()
            history = self.stream_history_
            history["examples"].append(int(totals.learned))
            history["progressive_loss"].append(totals.progressive())
            history["holdout_loss"].append(totals.holdout())
            history["seconds"].append(time.perf_counter() - started)
            report.end_pass(pass_index, {key: values[-1] for key, values in history.items()})
            stop = holdout > 0 and stopping.says_stop(history["holdout_loss"][-1])
            position = {"pass": passes if stop else pass_index + 1, "rows": 0,
                        "sums": _PassTotals().as_list()}
            if checkpoint is not None:
                _save_checkpoint(self, checkpoint, position)
        if not self._has_weights():
            raise ValueError("the source holds no training examples")
    finally:
        self._hold_epoch_rate(None, None)
        report.close()
        if chunk_cache is not None:
            chunk_cache.remove()
    self._stream_state = position
    return self


def _labels_checked(reader, classes):
    """The reader's chunks; with `classes` (a classifier's), each chunk's labels are
    checked first, so that an unknown one is an error naming its file and line."""
    for chunk in reader:
        if classes is not None:
            reader.check_labels(chunk[1], classes)
        yield chunk


def _learn_chunk(estimator, X, y, weight, held, classes, totals):
    """Learn a chunk's examples that are not held out, and add up its losses in totals:
    the progressive loss of the learned examples (each example's loss before its own
    step, reported by the trainer, or under the model before the chunk: see
    _scored_by_trainer) and the holdout loss of the others, under the model before the
    chunk. Returns how many were learned and their loss and weight sums."""
    w = np.ones(X.shape[0]) if weight is None else weight
    if held is not None:
        held_losses = example_losses(estimator, X[held], y[held], classes)
        # Sums without BLAS (np.dot), whose idle threads would spin beside the parser's.
        totals.holdout_loss += float((held_losses * w[held]).sum())
        totals.holdout_weight += float(w[held].sum())
        keep = ~held
        X, y, w = X[keep], y[keep], w[keep]
        weight = None if weight is None else weight[keep]
    if len(y) == 0:
        return 0, 0.0, 0.0
    by_trainer = _scored_by_trainer(estimator)
    if not by_trainer:
        losses = example_losses(estimator, X, y, classes)
    if classes is not None:
        estimator.partial_fit(X, y, classes=classes, sample_weight=weight)
    else:
        estimator.partial_fit(X, y, sample_weight=weight)
    chunk_loss = estimator._last_loss_sum() if by_trainer else float((losses * w).sum())
    chunk_weight = float(w.sum())
    totals.loss += chunk_loss
    totals.weight += chunk_weight
    totals.learned += len(y)
    estimator.progressive_loss_.append(chunk_loss / chunk_weight if chunk_weight else 0.0)
    return len(y), chunk_loss, chunk_weight


def _scored_by_trainer(estimator):
    """Whether the trainer's own losses are the progressive ones: the loss of each
    example under the weights that predict it, before its step, weighted by its sample
    weight alone. Not so for averaged SGD, whose model is the average of those weights,
    nor with class weights, which the trainer's losses include."""
    return not estimator.average and getattr(estimator, "class_weight", None) is None


def _check_stream_args(passes, holdout, chunk_size, checkpoint_every, cache):
    from numbers import Integral, Real

    if not isinstance(passes, Integral) or passes < 1:
        raise ValueError(f"passes must be a positive integer, got {passes!r}")
    if not isinstance(holdout, Real) or not 0.0 <= holdout < 1.0:
        raise ValueError(f"holdout must be a fraction in [0, 1), got {holdout!r}")
    if not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if checkpoint_every is not None and (not isinstance(checkpoint_every, Integral)
                                         or checkpoint_every < 1):
        raise ValueError(f"checkpoint_every must be a positive integer, got {checkpoint_every!r}")
    if not (cache == "auto" or isinstance(cache, bool)):
        raise ValueError(f"cache must be True, False or 'auto', got {cache!r}")
