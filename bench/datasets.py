# SPDX-License-Identifier: BSD-3-Clause
"""The data every sgdlearn benchmark trains on: generated, shipped with scikit-learn, or
read from a file the caller names. Nothing is downloaded.

    text_like()   sparse rows like tf-idf documents: Zipf-popular words, unit norm
    digits()      scikit-learn's handwritten digits (dense, 10 classes), standardised
    vw_pair()     a training and a test file in Vowpal Wabbit's `label |ns idx:val` format,
                  for instance RCV1 extracts (binary labels +-1)

Each returns a `Dataset` whose arrays are what scikit-learn likes best (float64, C-ordered
or CSR with sorted int32 indices); `Dataset.astype` gives the float32 twin.
"""

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    X_train: object  # ndarray or csr_matrix
    y_train: np.ndarray
    X_test: object
    y_test: np.ndarray

    @property
    def n_train(self):
        return self.X_train.shape[0]

    @property
    def n_features(self):
        return self.X_train.shape[1]

    @property
    def nnz_train(self):
        """Stored values of the training rows: the work of one epoch."""
        X = self.X_train
        return X.nnz if sp.issparse(X) else X.size

    @property
    def classes(self):
        return np.unique(self.y_train)

    def astype(self, dtype):
        return replace(self, X_train=self.X_train.astype(dtype), X_test=self.X_test.astype(dtype))

    def head(self, n_rows):
        """The first n_rows training rows (the test rows are kept whole)."""
        return replace(self, X_train=self.X_train[:n_rows], y_train=self.y_train[:n_rows])


def text_like(n_train=250_000, n_test=50_000, n_features=2**16, nnz_per_row=45,
              zipf_exponent=1.0, label_noise=0.03, seed=0):
    """Binary classification on sparse, text-like rows.

    Each row is a document: words drawn with Zipf popularity (probability of the r-th
    most popular word proportional to 1 / r^zipf_exponent), repeated words summed into
    counts, weighted by tf-idf and scaled to unit L2 norm. Word ids are a random
    permutation of popularity ranks, so popular features are spread over the weight
    vector as hashed or dictionary ids are. Rows hold about `nnz_per_row` distinct words.
    Labels are the sign of a hidden dense linear model plus noise; a `label_noise`
    fraction is flipped, so no model reaches 100 %.
    """
    rng = np.random.default_rng(seed)
    n_rows = n_train + n_test
    popularity = 1.0 / np.arange(1, n_features + 1) ** zipf_exponent
    popularity /= popularity.sum()
    word_of_rank = rng.permutation(n_features).astype(np.int32)

    tokens = _tokens_for_distinct(popularity, nnz_per_row)
    ranks = np.searchsorted(np.cumsum(popularity), rng.random(n_rows * tokens))
    ranks = np.minimum(ranks, n_features - 1)
    indptr = np.arange(0, n_rows * tokens + 1, tokens, dtype=np.int64)
    counts = sp.csr_matrix((np.ones(ranks.size), word_of_rank[ranks], indptr),
                           shape=(n_rows, n_features))
    counts.sum_duplicates()  # also sorts the indices of each row

    X = counts
    idf_of_word = np.log(1.0 / popularity)[np.argsort(word_of_rank)]
    X.data *= idf_of_word[X.indices]
    X.data /= np.repeat(np.sqrt(np.add.reduceat(X.data**2, X.indptr[:-1])), np.diff(X.indptr))
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)

    hidden = rng.standard_normal(n_features)
    margin = X @ hidden
    margin += 0.1 * margin.std() * rng.standard_normal(n_rows)
    y = np.where(margin > np.median(margin), 1, -1)
    flip = rng.random(n_rows) < label_noise
    y[flip] = -y[flip]

    description = (f"generated text-like: {n_train} training and {n_test} test rows, "
                   f"2^{int(np.log2(n_features))} features, Zipf({zipf_exponent}) word "
                   f"popularity, {X[:n_train].nnz / n_train:.1f} nonzeros a row, tf-idf, "
                   f"unit-norm rows, {label_noise:.0%} flipped labels")
    return Dataset("text", description, X[:n_train], y[:n_train], X[n_train:], y[n_train:])


def _tokens_for_distinct(popularity, distinct):
    """Words to draw so that a row holds `distinct` different ones on average.

    The expected number of distinct words among k draws is sum_j 1 - (1 - p_j)^k.
    """
    expected = lambda k: float(np.sum(-np.expm1(k * np.log1p(-popularity))))
    k = distinct
    while expected(k) < distinct:
        k += 1
    return k


def digits(seed=0):
    """scikit-learn's 8x8 handwritten digits: 1797 dense rows, 64 features, 10 classes."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return Dataset("digits", "scikit-learn's digits: 1347 training and 450 test rows, "
                   "64 dense standardised features, 10 classes",
                   np.ascontiguousarray(scaler.transform(X_train)), y_train,
                   np.ascontiguousarray(scaler.transform(X_test)), y_test)


def vw_pair(train_path, test_path, name="rcv1"):
    """A training and a test file of `label |namespace index:value ...` lines.

    Only numeric feature indices are read (all namespaces share one index space); the
    number of features is one more than the largest index of either file.
    """
    train = _read_vw_lines(train_path)
    test = _read_vw_lines(test_path)
    n_features = 1 + max(train[3], test[3])

    def matrix(parsed):
        values, indices, indptr, _, labels = parsed
        X = sp.csr_matrix((values, indices, indptr), shape=(len(labels), n_features))
        X.sum_duplicates()
        return X, np.asarray(labels)

    X_train, y_train = matrix(train)
    X_test, y_test = matrix(test)
    return Dataset(name, f"{name} (Vowpal Wabbit files): {X_train.shape[0]} training and "
                   f"{X_test.shape[0]} test rows, {n_features} features, "
                   f"{X_train.nnz / X_train.shape[0]:.1f} nonzeros a row",
                   X_train, y_train, X_test, y_test)


def _read_vw_lines(path):
    values, indices, indptr, labels = [], [], [0], []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            head, *namespaces = line.rstrip("\n").split("|")
            try:
                labels.append(int(float(head.split()[0])))
                for namespace in namespaces:
                    # "|ns i:v ..." names its namespace first; "| i:v ..." has none.
                    tokens = namespace.split()[0 if namespace[:1].isspace() else 1:]
                    for token in tokens:
                        index, _, value = token.partition(":")
                        indices.append(int(index))
                        values.append(float(value) if value else 1.0)
            except (ValueError, IndexError) as error:
                raise ValueError(f"{path}:{number}: not a `label |namespace index:value` "
                                 f"line ({error})") from None
            indptr.append(len(indices))
    indices = np.asarray(indices, dtype=np.int32)
    largest = int(indices.max()) if indices.size else 0
    return (np.asarray(values), indices, np.asarray(indptr, dtype=np.int32), largest, labels)
