# SPDX-License-Identifier: BSD-3-Clause
"""Model files: a documented, versioned binary format that loading never executes.

Layout (all integers little-endian)::

    magic      8 bytes   b"SGDLEARN"
    version    uint32    format version (1)
    header_len uint64    length of the header
    header     JSON      UTF-8: estimator class, constructor parameters, fitted scalars
                         and lists, and a table of arrays (name, dtype, shape, offset)
    arrays     bytes     each array's raw C-order data, at its offset from here
    checksum   32 bytes  SHA-256 of everything before it

The arrays hold the whole training state (weights and their scale factor, intercepts,
averaging, cumulative L1 penalty and optimizer state), so ``partial_fit`` on a loaded
model continues exactly as it would have on the saved one. Loading checks the magic,
version, checksum, estimator class, dtypes, and that the arrays' shapes fit the weights,
the classes and n_features_in_, and builds the estimator from plain data: no pickle, no
code.
"""

import hashlib
import json
import struct

import numpy as np

MAGIC = b"SGDLEARN"
FORMAT_VERSION = 1
_DIGEST_SIZE = 32
_ALLOWED_DTYPES = {"<f4", "<f8", "<i4", "<i8", "|b1", "|u1"}
# Fitted state written as arrays; everything else fitted is JSON.
_ARRAY_ATTRIBUTES = (
    "_standard_coef", "_coef_scale", "_standard_intercept", "_average_coef",
    "_average_intercept", "_average_factors", "_average_counts", "_l1_u", "_l1_q",
)
_JSON_ATTRIBUTES = ("t_", "n_iter_", "n_features_in_", "loss_curve_", "history_",
                    "validation_scores_", "progressive_loss_", "stream_history_",
                    "_stream_state", "_optimizer_state_of", "_optimizer_first_step",
                    "_average_from")


class ModelFileError(ValueError):
    """A model file is corrupt, truncated, foreign or of an unsupported version."""


def _estimator_classes():
    from sgdlearn._sgd import SGDClassifier, SGDRegressor

    return {"SGDClassifier": SGDClassifier, "SGDRegressor": SGDRegressor}


def _json_value(value, what):
    """Plain JSON for numpy scalars; refuse anything that is not plain data."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(v, what) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v, what) for k, v in value.items()}
    raise TypeError(f"cannot save {what}={value!r}: only plain data goes in a model file")


def save(estimator, path):
    """Write a fitted estimator to ``path`` (see the module docstring for the format)."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    if estimator._adopt_assigned_weights() and estimator.average > 0:
        raise ValueError(
            "coef_ or intercept_ was assigned to an averaged model, whose training state "
            "is its own: a model file would not keep them (pickle it instead)")
    name = type(estimator).__name__
    if name not in _estimator_classes():
        raise TypeError(f"cannot save a {name}")
    params = estimator.get_params(deep=False)
    if not (params.get("random_state") is None or isinstance(params["random_state"], int)):
        params["random_state"] = None  # a RandomState instance is state, not a parameter
    header = {
        "estimator": name,
        "params": _json_value(params, "a parameter"),
        "attributes": {
            key: _json_value(getattr(estimator, key), key)
            for key in _JSON_ATTRIBUTES if hasattr(estimator, key)
        },
        "arrays": [],
    }
    arrays = {key: getattr(estimator, key) for key in _ARRAY_ATTRIBUTES
              if getattr(estimator, key, None) is not None}
    for slot, array in enumerate(getattr(estimator, "_optimizer_state", ())):
        if array is not None:
            arrays[f"_optimizer_state.{slot}"] = array
    if hasattr(estimator, "classes_"):
        classes = estimator.classes_
        if classes.dtype.kind in "iub":
            arrays["classes_"] = classes
        else:
            header["attributes"]["classes_"] = [_json_value(c, "a class label") for c in classes]
    if hasattr(estimator, "feature_names_in_"):
        header["attributes"]["feature_names_in_"] = [str(f) for f in estimator.feature_names_in_]

    blobs, offset = [], 0
    for key, array in arrays.items():
        array = np.ascontiguousarray(array)
        array = array.astype(array.dtype.newbyteorder("<"), copy=False)
        header["arrays"].append({"name": key, "dtype": array.dtype.str,
                                 "shape": list(array.shape), "offset": offset})
        blobs.append(array.tobytes())
        offset += array.nbytes
    header_bytes = json.dumps(header, sort_keys=True).encode("utf-8")
    body = MAGIC + struct.pack("<IQ", FORMAT_VERSION, len(header_bytes)) + header_bytes
    body += b"".join(blobs)
    with open(path, "wb") as f:
        f.write(body + hashlib.sha256(body).digest())


def load(path):
    """Read an estimator written by ``save``; raise ModelFileError if the file is not one.

    Parameters
    ----------
    path : str or path-like
        The model file.

    Returns
    -------
    estimator : SGDClassifier or SGDRegressor
        The fitted estimator, ready to predict or to continue with ``partial_fit``.
    """
    with open(path, "rb") as f:
        data = f.read()
    where = f"{path}: "
    fixed = len(MAGIC) + 12
    if len(data) < fixed + _DIGEST_SIZE or data[: len(MAGIC)] != MAGIC:
        raise ModelFileError(where + "not an sgdlearn model file")
    version, header_len = struct.unpack("<IQ", data[len(MAGIC):fixed])
    if version != FORMAT_VERSION:
        raise ModelFileError(
            where + f"model file format version {version}; this sgdlearn reads {FORMAT_VERSION}"
        )
    body, digest = data[:-_DIGEST_SIZE], data[-_DIGEST_SIZE:]
    if hashlib.sha256(body).digest() != digest:
        raise ModelFileError(where + "checksum mismatch: the file is corrupt or truncated")
    try:
        header = json.loads(body[fixed:fixed + header_len].decode("utf-8"))
        classes = _estimator_classes()
        if header["estimator"] not in classes:
            raise ModelFileError(where + f"unknown estimator {header['estimator']!r}")
        estimator = classes[header["estimator"]](**header["params"])
        estimator._validate_params()
        blob = memoryview(body)[fixed + header_len:]
        slots = [None] * 4
        for entry in header["arrays"]:
            array = _read_array(blob, entry, where)
            if entry["name"].startswith("_optimizer_state."):
                slots[int(entry["name"].rsplit(".", 1)[1])] = array
            elif entry["name"] in _ARRAY_ATTRIBUTES or entry["name"] == "classes_":
                setattr(estimator, entry["name"], array)
            else:
                raise ModelFileError(where + f"unexpected array {entry['name']!r}")
        attributes = header["attributes"]
    except (KeyError, TypeError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(where + f"malformed model file ({exc})") from exc
    for key, value in attributes.items():
        if key == "classes_":
            value = np.asarray(value)
        elif key == "feature_names_in_":
            value = np.asarray(value, dtype=object)
        setattr(estimator, key, value)
    for key in ("_average_coef", "_average_intercept", "_average_factors", "_average_counts",
                "_l1_q"):
        if not hasattr(estimator, key):
            setattr(estimator, key, None)
    if not hasattr(estimator, "_standard_coef") or not hasattr(estimator, "_standard_intercept"):
        raise ModelFileError(where + "the weights or the intercepts are missing")
    if not hasattr(estimator, "_coef_scale"):  # written before the scale was kept
        estimator._coef_scale = np.ones(estimator._standard_coef.shape[0])
    estimator._optimizer_state = tuple(slots)
    _check_state(estimator, where)
    estimator._set_public_coef()
    return estimator


def _check_state(estimator, where):
    """The arrays must fit together as training leaves them, or a file whose header was
    edited (and its checksum recomputed) would load and fail later, in predict or
    partial_fit, without naming the file."""
    coef = estimator._standard_coef
    if coef.ndim != 2 or coef.dtype.kind != "f":
        raise ModelFileError(where + f"the weights are {coef.dtype} of shape {list(coef.shape)}, "
                                     "not a 2-d float array")
    n_outputs, n_features = coef.shape
    slots = estimator._optimizer_state
    expected = [  # (name, array, shape, dtype)
        ("_standard_intercept", estimator._standard_intercept, (n_outputs,), coef.dtype),
        ("_average_coef", estimator._average_coef, coef.shape, coef.dtype),
        ("_average_intercept", estimator._average_intercept, (n_outputs,), coef.dtype),
        ("_l1_q", estimator._l1_q, coef.shape, coef.dtype),
        ("_optimizer_state.0", slots[0], coef.shape, coef.dtype),
        ("_optimizer_state.1", slots[1], coef.shape, coef.dtype),
        ("_optimizer_state.2", slots[2], (n_outputs,), coef.dtype),
        ("_optimizer_state.3", slots[3], (n_outputs,), coef.dtype),
        ("_coef_scale", estimator._coef_scale, (n_outputs,), np.float64),
        ("_l1_u", getattr(estimator, "_l1_u", None), (n_outputs,), np.float64),
        ("_average_factors", estimator._average_factors, (n_outputs, 2), np.float64),
        ("_average_counts", estimator._average_counts, (n_outputs,), np.float64),
    ]
    for name, array, shape, dtype in expected:
        if array is not None and (array.shape != shape or array.dtype != dtype):
            raise ModelFileError(
                where + f"array {name!r} is {array.dtype} of shape {list(array.shape)} where "
                f"weights of shape {list(coef.shape)} need {np.dtype(dtype)} of shape "
                f"{list(shape)}"
            )
    if getattr(estimator, "n_features_in_", n_features) != n_features:
        raise ModelFileError(where + f"n_features_in_ is {estimator.n_features_in_} but the "
                                     f"weights have {n_features} columns")
    classes = getattr(estimator, "classes_", None)
    if classes is not None and (len(classes) < 2 or
                                n_outputs != (1 if len(classes) == 2 else len(classes))):
        raise ModelFileError(where + f"{len(classes)} classes but weights for {n_outputs} "
                                     "outputs")


def _read_array(blob, entry, where):
    dtype = entry["dtype"]
    if dtype not in _ALLOWED_DTYPES:
        raise ModelFileError(where + f"array {entry['name']!r} has unsupported dtype {dtype}")
    shape = tuple(int(n) for n in entry["shape"])
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    offset = int(entry["offset"])
    if offset < 0 or offset + nbytes > len(blob):
        raise ModelFileError(where + f"array {entry['name']!r} runs past the end of the file")
    array = np.frombuffer(blob[offset:offset + nbytes], dtype=dtype).reshape(shape)
    return array.astype(array.dtype.newbyteorder("="), copy=True)
