# SPDX-License-Identifier: BSD-3-Clause
"""The ``sgdlearn`` command: train a model on data files, test it, predict with it.

::

    sgdlearn train DATA... -o MODEL [--loss L] [--optimizer O] [--passes N] ...
    sgdlearn test MODEL DATA... [--json]
    sgdlearn predict MODEL DATA... [-o FILE] [--proba]

Data files are svmlight, CSV or Vowpal Wabbit text, plain or gzip (``--format``,
detected by default). Training streams the files (``fit_stream``), printing the
progressive validation loss as it goes; testing and predicting stream them too, so
no file has to fit in memory. A problem prints one line, ``sgdlearn: error:
FILE:LINE: REASON``, and the command exits with status 2 (``--debug`` shows the
traceback instead).
"""

import argparse
import json
import math
import os
import sys
import warnings

import numpy as np

from sgdlearn import io
from sgdlearn._model_file import ModelFileError, load
from sgdlearn._sgd import (
    _CLASSIFICATION_LOSSES,
    _LEARNING_RATES,
    _OPTIMIZERS,
    _REGRESSION_LOSSES,
    SGDClassifier,
    SGDRegressor,
)

_EXIT_ERROR = 2
_EXIT_INTERRUPTED = 130
_PROBABILITY_EPS = 1e-15  # log loss clips probabilities as scikit-learn's log_loss does


def _reading_arguments(parser):
    group = parser.add_argument_group("reading the data")
    group.add_argument("--format", choices=("auto", "svmlight", "csv", "vw"), default="auto",
                       help="data format (default: from the file suffix or first line)")
    group.add_argument("--chunk-size", type=int, default=10000, metavar="N",
                       help="examples per chunk (default: 10000)")
    group.add_argument("--on-error", choices=("raise", "skip"), default="raise",
                       help="stop at a malformed line, or skip and count such lines")
    group.add_argument("--n-threads", type=int, default=None, metavar="N",
                       help="parsing threads (default: every core)")
    group.add_argument("--label", default="0",
                       help="CSV: the label column, a position or a header name (default: 0)")
    group.add_argument("--delimiter", default=",", help="CSV: the field separator")
    return group


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="sgdlearn",
        description="Linear models trained by stochastic gradient methods, from data files "
                    "of any size (svmlight, CSV, Vowpal Wabbit text; plain or gzip).",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a model on data files",
                                description="Train a model on data files, one chunk at a time.")
    train.add_argument("data", nargs="+", metavar="DATA", help="data files, read in order")
    train.add_argument("-o", "--output", required=True, metavar="MODEL",
                       help="where to write the model file")
    train.add_argument("--quiet", action="store_true", help="print nothing but errors")
    model = train.add_argument_group("the model")
    model.add_argument("--task", choices=("auto", "classification", "regression"),
                       default="auto",
                       help="auto: regression for the regression losses, else classification")
    model.add_argument("--loss", default="log_loss",
                       choices=sorted(set(_CLASSIFICATION_LOSSES) | set(_REGRESSION_LOSSES)),
                       help="the loss (default: log_loss)")
    model.add_argument("--penalty", choices=("l2", "l1", "elasticnet", "none"), default="l2")
    model.add_argument("--alpha", type=float, default=1e-4, help="regularization strength")
    model.add_argument("--l1-ratio", type=float, default=0.15)
    model.add_argument("--optimizer", choices=_OPTIMIZERS, default="sgd")
    model.add_argument("--learning-rate", choices=_LEARNING_RATES, default=None,
                       help="schedule (default: optimal for sgd, constant for the others, "
                            "invscaling for regression)")
    model.add_argument("--eta0", type=float, default=None,
                       help="initial learning rate (default: the estimator's, 0.01; 0.001 "
                            "for adam/adamw)")
    model.add_argument("--batch-size", type=int, default=1, metavar="B")
    model.add_argument("--average", action="store_true", help="averaged SGD")
    model.add_argument("--multi-class", choices=("ovr", "multinomial"), default="ovr")
    model.add_argument("--n-jobs", type=int, default=None, metavar="J",
                       help="training threads (default: 1)")
    model.add_argument("--no-shuffle", dest="shuffle", action="store_false",
                       help="learn each chunk in file order (default: shuffled, as partial_fit)")
    model.add_argument("--random-state", type=int, default=0)
    stream = train.add_argument_group("the stream")
    stream.add_argument("--passes", type=int, default=1, metavar="N")
    stream.add_argument("--holdout", type=float, default=0.0, metavar="F",
                        help="fraction of examples held out to score each pass and stop early")
    stream.add_argument("--classes", default=None,
                        help="comma-separated class labels, e.g. --classes=-1,1 (default: read "
                             "in a first scan)")
    stream.add_argument("--n-features", type=int, default=None, metavar="N",
                        help="svmlight: number of columns (default: found in a first scan)")
    stream.add_argument("--zero-based", choices=("auto", "yes", "no"), default="auto",
                        help="svmlight: whether indices start at 0")
    stream.add_argument("--hash-bits", type=int, default=18, metavar="B",
                        help="Vowpal Wabbit: 2**B hashed columns (default: 18)")
    stream.add_argument("--checkpoint-every", type=int, default=None, metavar="N",
                        help="write the model file every N examples (and resume with --resume)")
    stream.add_argument("--resume", action="store_true",
                        help="continue the run whose checkpoint is the -o model file")
    _reading_arguments(train)

    test = commands.add_parser("test", help="score a model on data files",
                               description="Accuracy and log loss (classifiers) or R^2 and "
                                           "MSE (regressors) of a model on data files.")
    test.add_argument("model", metavar="MODEL")
    test.add_argument("data", nargs="+", metavar="DATA")
    test.add_argument("--json", action="store_true", help="print one JSON object")
    _reading_arguments(test)

    predict = commands.add_parser("predict", help="predict with a model",
                                  description="One prediction per example and line.")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", nargs="+", metavar="DATA")
    predict.add_argument("-o", "--output", default="-", metavar="FILE",
                         help="where to write (default: standard output)")
    predict.add_argument("--proba", action="store_true",
                         help="classifiers: probabilities (of the positive class when binary, "
                              "of each class in order otherwise)")
    _reading_arguments(predict)
    return parser


def _format_options(args, fmt):
    if fmt != "csv":
        return {}
    label = int(args.label) if args.label.lstrip("-").isdigit() else args.label
    return {"label": label, "delimiter": args.delimiter}


def _estimator(args):
    auto_regression = args.task == "auto" and args.loss in _REGRESSION_LOSSES
    regression = args.task == "regression" or auto_regression
    params = dict(loss=args.loss, penalty=None if args.penalty == "none" else args.penalty,
                  alpha=args.alpha, l1_ratio=args.l1_ratio, optimizer=args.optimizer,
                  batch_size=args.batch_size, average=args.average, n_jobs=args.n_jobs,
                  shuffle=args.shuffle, random_state=args.random_state)
    if args.learning_rate is not None:
        params["learning_rate"] = args.learning_rate
    elif args.optimizer != "sgd":
        params["learning_rate"] = "constant"
    if args.eta0 is not None:
        params["eta0"] = args.eta0
    elif args.optimizer in ("adam", "adamw"):
        params["eta0"] = 1e-3
    if regression:
        return SGDRegressor(**params)
    return SGDClassifier(multi_class=args.multi_class, **params)


def _parse_classes(text):
    values = [v.strip() for v in text.split(",") if v.strip()]
    try:
        return np.array([float(v) for v in values])
    except ValueError:
        raise ValueError(f"--classes must be numbers separated by commas, got {text!r}") from None


def _train(args):
    fmt = io._check_format(args.format, args.data)
    estimator = _estimator(args)
    zero_based = {"auto": "auto", "yes": True, "no": False}[args.zero_based]
    estimator.fit_stream(
        args.data, passes=args.passes, holdout=args.holdout, format=fmt,
        chunk_size=args.chunk_size, progress=not args.quiet, verbose=0 if args.quiet else 1,
        classes=None if args.classes is None else _parse_classes(args.classes),
        n_features=args.n_features, zero_based=zero_based, hash_bits=args.hash_bits,
        on_error=args.on_error, checkpoint=args.output, checkpoint_every=args.checkpoint_every,
        resume=args.output if args.resume else None, n_threads=args.n_threads,
        **_format_options(args, fmt),
    )
    # fit_stream has written the model: it checkpoints to the output at the end of every
    # pass, and the last checkpoint is the finished model (writing it again would double
    # the time spent writing a large model).
    if not args.quiet:
        history = estimator.stream_history_
        print(f"trained {type(estimator).__name__}(loss={estimator.loss!r}) on "
              f"{sum(history['examples'])} examples in {len(history['examples'])} pass(es), "
              f"{sum(history['seconds']):.2f} s; model written to {args.output}", file=sys.stderr)


def _chunks(args, model, labels=True):
    """The data files as chunks of the model's width (labels may be absent in VW lines
    to predict)."""
    fmt = io._check_format(args.format, args.data)
    n_features = model.n_features_in_
    hash_bits = 18
    if fmt == "vw":
        hash_bits = int(n_features).bit_length() - 1
        if 1 << hash_bits != n_features:
            raise ValueError(f"the model has {n_features} features: not the 2**hash_bits columns "
                             "of Vowpal Wabbit data")
    options = _format_options(args, fmt)
    if fmt == "vw":
        options["require_labels"] = labels
    return io.iter_chunks(args.data, format=fmt, chunk_size=args.chunk_size,
                          n_features=None if fmt != "svmlight" else n_features,
                          hash_bits=hash_bits, on_error=args.on_error, n_threads=args.n_threads,
                          **options)


def _load_model(path):
    model = load(path)
    if not model._has_weights():
        raise ModelFileError(f"{path}: the model is not fitted")
    return model


def _test(args):
    model = _load_model(args.model)
    classifier = isinstance(model, SGDClassifier)
    proba = classifier and hasattr(model, "predict_proba")
    n = 0
    hits = log_loss_sum = 0.0
    sum_y = sum_y2 = squared_error = 0.0
    chunks = _chunks(args, model)
    for X, y in chunks:
        n += len(y)
        if classifier:
            positions = chunks.check_labels(y, model.classes_, whose="the model's")
            hits += float(np.sum(model.predict(X) == y))
            if proba:
                p = model.predict_proba(X)[np.arange(len(y)), positions]
                log_loss_sum -= float(np.sum(np.log(np.clip(p, _PROBABILITY_EPS, 1.0))))
        else:
            residual = y - model.predict(X)
            squared_error += float(residual @ residual)
            sum_y += float(y.sum())
            sum_y2 += float(y @ y)
    if n == 0:
        raise ValueError("the data holds no examples")
    if classifier:
        result = {"accuracy": hits / n, "log_loss": log_loss_sum / n if proba else None, "n": n}
    else:
        total = sum_y2 - sum_y * sum_y / n
        r2 = 1.0 - squared_error / total if total > 0 else (1.0 if squared_error == 0 else 0.0)
        result = {"r2": r2, "mse": squared_error / n, "n": n}
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            shown = "n/a (no probabilities for this loss)" if value is None else (
                f"{value:.6f}" if isinstance(value, float) else value)
            print(f"{key:>9}: {shown}")


def _format_value(value):
    value = float(value)
    return str(int(value)) if value.is_integer() and math.isfinite(value) else repr(value)


def _predict(args):
    model = _load_model(args.model)
    classifier = isinstance(model, SGDClassifier)
    if args.proba and not (classifier and hasattr(model, "predict_proba")):
        raise ValueError("--proba needs a classifier trained with loss log_loss or modified_huber")
    out = sys.stdout if args.output == "-" else open(args.output, "w")
    try:
        for X, _ in _chunks(args, model, labels=False):
            if args.proba:
                p = model.predict_proba(X)
                rows = p[:, 1:] if p.shape[1] == 2 else p
                out.write("".join(" ".join(repr(float(v)) for v in row) + "\n" for row in rows))
            else:
                out.write("".join(_format_value(v) + "\n" for v in model.predict(X)))
    finally:
        if out is not sys.stdout:
            out.close()


def _error_text(exc):
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A warning as one line (skipped lines, say), not Python's two naming our code."""
    print(f"sgdlearn: warning: {message}", file=sys.stderr if file is None else file)


def main(argv=None):
    """Run the command line; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    commands = {"train": _train, "test": _test, "predict": _predict}
    try:
        with warnings.catch_warnings():
            # The count of skipped lines that --on-error skip promises, whatever the filters.
            warnings.simplefilter("always", io.SkippedLinesWarning)
            if not args.debug:
                warnings.showwarning = _show_warning
            commands[args.command](args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("sgdlearn: interrupted", file=sys.stderr)
        return _EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our output has gone (`sgdlearn predict ... | head`): stop quietly,
        # and keep Python from complaining when it flushes standard output at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (io.ParseError, ModelFileError, OSError, ValueError, TypeError) as exc:
        if args.debug:
            raise
        print(f"sgdlearn: error: {_error_text(exc)}", file=sys.stderr)
        return _EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
