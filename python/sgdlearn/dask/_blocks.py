# SPDX-License-Identifier: BSD-3-Clause
"""Training data on the cluster: blocks computed from the task graph and placed on workers.

A block is a list of pieces ``(X, y, sample_weight)``: one for a chunk of a dask array or
a partition of a dask dataframe, one per reader chunk for a file. Blocks are computed on
the workers from the task graph (never scattered from the client), so Dask can rebuild one
that a dead worker held. We place them ourselves (Dask's own placement can be lopsided):
for mixing, block i goes to worker i mod K; for the relay, runs of consecutive blocks.
The pinning is soft, as a task pinned to a dead worker would wait forever.
"""

import dask
import numpy as np
import scipy.sparse as sp

_COLLECTION_HINT = (
    "pass dask arrays (dense or of scipy.sparse chunks) or dask dataframes; for data in this "
    "process use sgdlearn.SGDClassifier/SGDRegressor, or dask.array.from_array"
)


# -- on the workers ------------------------------------------------------------------


def collection_piece(X, y, sample_weight):
    """A chunk or partition as a block of one piece, with numpy/scipy types."""
    if hasattr(X, "to_numpy"):  # a pandas partition
        X = X.to_numpy()
    X = X.tocsr() if sp.issparse(X) else np.asarray(X)
    y = np.asarray(y.to_numpy() if hasattr(y, "to_numpy") else y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if sample_weight is not None:
        sample_weight = np.asarray(
            sample_weight.to_numpy() if hasattr(sample_weight, "to_numpy") else sample_weight
        ).ravel()
    return [(X, y, sample_weight)]


def file_pieces(path, format, options):
    """A file read on the worker with sgdlearn's readers: one piece per chunk."""
    from sgdlearn import io

    pieces = []
    for chunk in io.iter_chunks(path, format=format, **options):
        X, y = chunk[0], np.asarray(chunk[1])
        pieces.append((X, y, np.asarray(chunk[2]) if len(chunk) > 2 else None))
    return pieces


def describe(block, classification):
    """What the client needs to know of a block: size, width, dtype and labels."""
    rows = sum(X.shape[0] for X, _, _ in block)
    info = {
        "rows": int(rows),
        "n_features": max((int(X.shape[1]) for X, _, _ in block), default=0),
        "float32": all(X.dtype == np.float32 for X, _, _ in block),
        "sparse": any(sp.issparse(X) for X, _, _ in block),
    }
    for X, y, _ in block:
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"a block has {X.shape[0]} rows in X but {y.shape[0]} targets: X and y must be "
                "chunked alike (same row chunks, or the same partitions)"
            )
    if classification and rows:
        labels, counts = np.unique(np.concatenate([y for _, y, _ in block]), return_counts=True)
        info["labels"], info["counts"] = labels, counts
    return info


def concatenate(*blocks):
    """The blocks of one worker as a block of one piece (its shard)."""
    pieces = [piece for block in blocks for piece in block if piece[0].shape[0] > 0]
    if not pieces:
        return []
    if len(pieces) == 1:
        return pieces
    width = max(X.shape[1] for X, _, _ in pieces)
    if any(sp.issparse(X) for X, _, _ in pieces):
        X = sp.vstack([with_width(sp.csr_matrix(X), width) for X, _, _ in pieces], format="csr")
    else:
        X = np.concatenate([X for X, _, _ in pieces])
    y = np.concatenate([y for _, y, _ in pieces])
    weights = None
    if any(w is not None for _, _, w in pieces):
        weights = np.concatenate(
            [np.ones(y.shape[0]) if w is None else w for _, y, w in pieces]
        )
    return [(X, y, weights)]


def with_width(X, n_features):
    """X with n_features columns: sparse rows read from files may stop short of the last."""
    if X.shape[1] == n_features:
        return X
    if sp.issparse(X) and X.shape[1] < n_features:
        X = X.tocsr()
        return sp.csr_matrix((X.data, X.indices, X.indptr), shape=(X.shape[0], n_features))
    raise ValueError(f"a block has {X.shape[1]} features where the others have {n_features}")


# -- on the client -------------------------------------------------------------------


def is_collection(obj):
    return dask.is_dask_collection(obj)


def is_dataframe(obj):
    """A dask dataframe or series (dask arrays have partitions too, but no divisions)."""
    return is_collection(obj) and hasattr(obj, "divisions")


def collection_blocks(X, y, sample_weight=None):
    """One delayed block per row chunk (dask arrays) or partition (dask dataframes)."""
    if not is_collection(X) or not is_collection(y):
        raise TypeError(
            f"X and y are {type(X).__name__} and {type(y).__name__}: {_COLLECTION_HINT}"
        )
    if sample_weight is not None and not is_collection(sample_weight):
        raise TypeError(f"sample_weight is a {type(sample_weight).__name__}: {_COLLECTION_HINT}")
    y = _chunked_like(X, y, "y")
    sample_weight = _chunked_like(X, sample_weight, "sample_weight")
    X_parts = _row_parts(X, "X")
    y_parts = _row_parts(y, "y")
    w_parts = ([None] * len(X_parts) if sample_weight is None
               else _row_parts(sample_weight, "sample_weight"))
    if not len(X_parts) == len(y_parts) == len(w_parts):
        raise ValueError(
            f"X, y and sample_weight must be split alike: they have {len(X_parts)}, "
            f"{len(y_parts)} and {len(w_parts)} row blocks"
        )
    piece = dask.delayed(collection_piece, pure=True)
    return [piece(x, t, w) for x, t, w in zip(X_parts, y_parts, w_parts)]


def _chunked_like(X, other, name):
    """`other` with the row chunks of X, when both are dask arrays of known chunks."""
    if other is None or not hasattr(X, "chunks") or not hasattr(other, "chunks"):
        return other
    rows = X.chunks[0]
    if other.chunks[0] == rows or np.isnan(X.shape[0]) or np.isnan(other.shape[0]):
        return other
    if X.shape[0] != other.shape[0]:
        raise ValueError(f"{X.shape[0]} rows in X but {other.shape[0]} in {name}")
    return other.rechunk({0: rows})


def _row_parts(collection, name):
    """The delayed row blocks of a dask array (one column block) or dataframe partitions."""
    if is_dataframe(collection):
        return list(collection.to_delayed())
    if not hasattr(collection, "chunks"):
        raise TypeError(f"{name} is a {type(collection).__name__}: {_COLLECTION_HINT}")
    if collection.ndim == 2 and collection.numblocks[1] > 1:
        collection = collection.rechunk({1: -1})
    if collection.ndim not in (1, 2):
        raise ValueError(f"{name} has {collection.ndim} dimensions")
    return list(collection.to_delayed().ravel())


def file_blocks(paths, format, options):
    """One delayed block per file, read on the worker that gets it."""
    read = dask.delayed(file_pieces, pure=True)
    return [read(str(path), format, options) for path in paths]


def in_runs(client, blocks, workers):
    """Strategy "relay": runs of consecutive blocks on each worker, where they are computed.

    The model visits the blocks in order, so it moves between workers K times a pass
    rather than at every block. Returns the blocks' futures and their workers.
    """
    owners = [workers[i * len(workers) // len(blocks)] for i in range(len(blocks))]
    futures = [client.compute(block, workers=[owner], allow_other_workers=True)
               for block, owner in zip(blocks, owners)]
    return futures, owners


def shards(client, blocks, workers):
    """Block i to worker i mod K, each worker's blocks concatenated there into one shard.

    Returns the shards' futures and their workers.
    """
    join = dask.delayed(concatenate, pure=True)
    owners = workers[:min(len(workers), len(blocks))]
    futures = [
        client.compute(join(*blocks[k::len(owners)]), workers=[owner], allow_other_workers=True)
        for k, owner in enumerate(owners)
    ]
    return futures, owners
