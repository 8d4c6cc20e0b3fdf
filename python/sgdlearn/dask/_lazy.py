# SPDX-License-Identifier: BSD-3-Clause
"""Prediction on dask collections: the local model applied block by block, lazily."""

import numpy as np

from sgdlearn.dask._blocks import is_dataframe


def apply(model, method, X):
    """``model.<method>`` on every block of X: a dask array (or series/dataframe) of its rows.

    ``model`` is a local estimator; it travels in the task graph, the rows stay where
    they are.
    """
    columns = _output_columns(model, method)
    labels = method == "predict" and hasattr(model, "classes_")
    dtype = model.classes_.dtype if labels else np.float64
    if is_dataframe(X):
        import pandas as pd

        meta = (pd.Series(np.empty(0, dtype=dtype)) if columns is None
                else pd.DataFrame(np.empty((0, columns), dtype=dtype)))
        return X.map_partitions(_frame_call, model, method, columns is not None, meta=meta)
    if X.ndim != 2:
        raise ValueError(f"X has {X.ndim} dimensions; expected a 2-d dask array")
    if X.numblocks[1] > 1:
        X = X.rechunk({1: -1})
    if columns is None:
        return X.map_blocks(_call, model, method, drop_axis=1, dtype=dtype,
                            meta=np.empty((0,), dtype=dtype))
    return X.map_blocks(_call, model, method, chunks=(X.chunks[0], (columns,)), dtype=dtype,
                        meta=np.empty((0, 0), dtype=dtype))


def _output_columns(model, method):
    """Columns of the method's output, None when it is one value per row."""
    if method in ("predict_proba", "predict_log_proba"):
        return len(model.classes_)
    if method == "decision_function" and model.coef_.shape[0] > 1:
        return model.coef_.shape[0]
    return None


def _call(block, model, method):
    return getattr(model, method)(block)


def _frame_call(partition, model, method, two_dimensional):
    import pandas as pd

    result = getattr(model, method)(partition)
    if two_dimensional:
        return pd.DataFrame(result, index=partition.index)
    return pd.Series(result, index=partition.index)
