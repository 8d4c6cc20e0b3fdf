# SPDX-License-Identifier: BSD-3-Clause
"""Reading data files: svmlight/libsvm, CSV and Vowpal Wabbit text, plain or gzip.

The parsers are C++ (``cpp/include/sgdlearn/readers/``) and run with the GIL
released. Whole files load in parallel blocks cut at newlines
(:func:`load_svmlight`, :func:`load_csv`, :func:`load_vw`); files of any size stream
as CSR chunks parsed ahead by a background thread (:func:`iter_chunks`), so that
parsing overlaps training and memory holds only a few chunks.

Sources are a path (``str`` or ``os.PathLike``) or a list of them, read one after the
other. Gzip is recognised by its magic bytes, not by the file name. Malformed input
raises :class:`ParseError` naming the file, the line and the reason; with
``on_error="skip"`` such lines are dropped instead, counted, and reported in a
:class:`SkippedLinesWarning`.

Formats
-------
svmlight / libsvm
    ``<label> [qid:<n>] <index>:<value> ...  [# comment]``, read exactly as
    :func:`sklearn.datasets.load_svmlight_file` reads it (labels are any float:
    ±1, 0/1, class numbers, targets; indices strictly increasing along a line).
CSV
    Numbers separated by ``delimiter``, one column of which is the label (chosen by
    position or, with a header line, by name). Zeros are not stored.
Vowpal Wabbit text
    ``<label> [<importance> [<base>]] [<tag>]|<namespace>[:<scale>] <name>[:<value>] ...``.
    Feature names are hashed as Vowpal Wabbit hashes them, into ``2**hash_bits``
    columns, with Vowpal Wabbit's ``hashstring``: a name made only of digits hashes to
    ``int(name) + seed``, any other name to ``murmurhash3_x86_32(name, seed)``. A
    namespace's hash is its name hashed with seed 0 (the default namespace, a ``|``
    followed by a space, has 0), and a feature's column is its name hashed with the
    namespace's hash as seed, modulo ``2**hash_bits``. These are the
    weight indices Vowpal Wabbit itself uses (``--audit`` shows them). Values are
    scaled by the namespace's scale, features that collide are summed, and the
    importance weight is the example's sample weight.
"""

import gzip
import os
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp

from sgdlearn import _native

__all__ = [
    "ParseError",
    "ChunkIterator",
    "SkippedLinesWarning",
    "detect_format",
    "iter_chunks",
    "load_csv",
    "load_svmlight",
    "load_vw",
    "scan",
]

_FORMATS = ("svmlight", "csv", "vw")
_SUFFIXES = {
    ".svm": "svmlight", ".svmlight": "svmlight", ".libsvm": "svmlight", ".csv": "csv",
    ".tsv": "csv", ".vw": "vw",
}
# Bytes of text per parsed block: large enough to amortise a thread's start, small
# enough that a group of blocks (one per thread) stays a few MB.
_LOAD_BLOCK_BYTES = 4 << 20
_STREAM_BLOCK_BYTES = 1 << 20
# Chunks parsed ahead of the one being used: bounds the memory of a stream.
_QUEUE_CHUNKS = 2
_INT32_MAX = np.iinfo(np.int32).max


class ParseError(ValueError):
    """A data file could not be read: which file, which line, and why.

    Attributes
    ----------
    path : str
        The file.
    line : int or None
        The 1-based line number, or None when the problem is the file as a whole
        (such as a truncated gzip stream).
    reason : str
        What is wrong.
    """

    def __init__(self, path, line, reason):
        super().__init__(path, line, reason)
        self.path = str(path)
        self.line = int(line) if line else None
        self.reason = str(reason)

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class SkippedLinesWarning(UserWarning):
    """Malformed lines were dropped (``on_error="skip"``): how many, and the first."""


def _raise_parse_errors(call, *args):
    try:
        return call(*args)
    except _native.ReaderParseError as exc:
        raise ParseError(*exc.args) from None


def _as_paths(source):
    """A list of path strings from a path or a list of paths."""
    if isinstance(source, (str, bytes, os.PathLike)):
        source = [source]
    try:
        paths = [os.fsdecode(os.fspath(p)) for p in source]
    except TypeError:
        raise TypeError(
            f"source must be a path or a list of paths, got {type(source).__name__}"
        ) from None
    if not paths:
        raise ValueError("source is an empty list of paths")
    return paths


def _n_threads(n_threads):
    if n_threads is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not isinstance(n_threads, Integral) or n_threads < 1:
        raise ValueError(f"n_threads must be a positive integer or None, got {n_threads!r}")
    return int(n_threads)


def _open_text(path):
    """The file as a binary stream, inflated when it starts with the gzip magic."""
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def _first_line(path):
    try:
        with _open_text(path) as f:
            # utf-8-sig: a byte-order mark is not part of the first column's name.
            return f.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    except (EOFError, gzip.BadGzipFile) as exc:
        raise ParseError(path, None, f"corrupt gzip data ({exc})") from None


def detect_format(source):
    """The format of a source: from its first file's suffix, else from its first line.

    ``.svm``/``.svmlight``/``.libsvm`` are svmlight, ``.csv``/``.tsv`` CSV and ``.vw``
    Vowpal Wabbit (a ``.gz`` suffix is looked through). Otherwise a first line with
    a ``|`` is Vowpal Wabbit, one with commas and no colon CSV, anything else svmlight.

    Parameters
    ----------
    source : str, path-like, or list of them
        The files.

    Returns
    -------
    str
        ``"svmlight"``, ``"csv"`` or ``"vw"``.
    """
    path = _as_paths(source)[0]
    name = path[:-3] if path.endswith(".gz") else path
    suffix = os.path.splitext(name)[1].lower()
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    line = _first_line(path)
    if "|" in line:
        return "vw"
    if "," in line and ":" not in line:
        return "csv"
    return "svmlight"


def _check_format(format, source):
    if format == "auto":
        return detect_format(source)
    if format not in _FORMATS:
        raise ValueError(f"format must be one of {_FORMATS + ('auto',)}, got {format!r}")
    return format


def _first_index(zero_based):
    """svmlight's first column: -1 (decide from the data), 0 or 1."""
    if isinstance(zero_based, str) and zero_based == "auto":
        return -1
    if isinstance(zero_based, (bool, np.bool_)):
        return 0 if zero_based else 1
    raise ValueError(f"zero_based must be True, False or 'auto', got {zero_based!r}")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_layout(paths, label, delimiter, header):
    """(n_columns, label_column, header, names) from the first line of the first file."""
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"delimiter must be one character, got {delimiter!r}")
    first = _first_line(paths[0])
    fields = [f.strip() for f in first.split(delimiter)]
    if header == "auto":
        header = not all(_is_number(f) for f in fields)
    elif not isinstance(header, (bool, np.bool_)):
        raise ValueError(f"header must be True, False or 'auto', got {header!r}")
    names = fields if header else None
    n_columns = len(fields)
    if n_columns < 1 or first.strip() == "":
        raise ParseError(paths[0], 1, "empty first line: cannot tell the number of columns")
    if isinstance(label, str):
        if names is None:
            raise ValueError(f"label={label!r} is a column name, but the CSV has no header line")
        if label not in names:
            raise ValueError(f"label column {label!r} not in the header {names}")
        label_column = names.index(label)
    elif isinstance(label, Integral):
        label_column = int(label) + (n_columns if label < 0 else 0)
        if not 0 <= label_column < n_columns:
            raise ValueError(f"label={label} is outside the {n_columns} columns")
    else:
        raise TypeError(f"label must be a column position or name, got {label!r}")
    return n_columns, label_column, bool(header), names


def _reader_options(fmt, paths, *, on_error, n_features, zero_based="auto", query_id=False,
                    hash_bits=18, label=0, delimiter=",", header="auto", require_labels=True):
    """Core reader options and the matrix width when the format fixes it (else None)."""
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    if n_features is not None and (not isinstance(n_features, Integral) or n_features < 1):
        raise ValueError(f"n_features must be a positive integer or None, got {n_features!r}")
    if not isinstance(hash_bits, Integral) or not 1 <= hash_bits <= 31:
        raise ValueError(f"hash_bits must be an integer in [1, 31], got {hash_bits!r}")
    n_columns, label_column, has_header, width = 0, 0, False, None
    if fmt == "csv":
        n_columns, label_column, has_header, _ = _csv_layout(paths, label, delimiter, header)
        width = n_columns - 1
    elif fmt == "vw":
        width = 1 << int(hash_bits)
    if width is not None and n_features is not None and n_features != width:
        raise ValueError(
            f"n_features={n_features} but the {fmt} source has {width} columns"
            + (" (2**hash_bits)" if fmt == "vw" else "")
        )
    options = _native.reader_options(
        fmt, on_error, bool(query_id), _first_index(zero_based),
        -1 if n_features is None else int(n_features), delimiter, has_header, n_columns,
        label_column, int(hash_bits), bool(require_labels),
    )
    return options, width


def _float_dtype(dtype):
    dtype = np.dtype(dtype)
    return dtype, dtype == np.float32


def _csr(data, indices, indptr, shape, dtype):
    if indptr.dtype != indices.dtype and indptr[-1] <= _INT32_MAX:
        indptr = indptr.astype(np.int32)
    X = sp.csr_matrix((data, indices, indptr), shape=shape)
    X.has_sorted_indices = True
    return X if data.dtype == dtype else X.astype(dtype)


def _warn_skipped(stats):
    if stats["skipped"]:
        warnings.warn(
            f"skipped {stats['skipped']} malformed line(s); the first: {stats['first_skipped']}",
            SkippedLinesWarning, stacklevel=3,
        )


def _load(fmt, source, dtype, n_threads, *, weights=False, **options):
    paths = _as_paths(source)
    core_options, width = _reader_options(fmt, paths, **options)
    dtype, float32 = _float_dtype(dtype)
    n_features = options.get("n_features")
    loaded = _raise_parse_errors(
        _native.load_text, paths, core_options, -1 if n_features is None else n_features,
        _n_threads(n_threads), _LOAD_BLOCK_BYTES, weights, float32,
    )
    _warn_skipped(loaded["stats"])
    width = loaded["n_features"] if width is None else width
    X = _csr(loaded["data"], loaded["indices"], loaded["indptr"], (len(loaded["y"]), width), dtype)
    return X, loaded


def load_svmlight(path, n_features=None, dtype=np.float64, zero_based="auto", query_id=False,
                  on_error="raise", n_threads=None):
    """Load svmlight/libsvm files; the same result as scikit-learn's loader, faster.

    Returns what :func:`sklearn.datasets.load_svmlight_file` returns for the same
    file and arguments (equal ``X`` and ``y``), parsing blocks of the file in
    parallel threads. ``X`` has int32 indices (int64 above 2**31 values).

    Parameters
    ----------
    path : str, path-like, or list of them
        The file(s), plain or gzip; a list is read as one file.
    n_features : int, default=None
        The number of columns; None is one more than the largest index. A larger
        index is a :class:`ParseError` naming its line.
    dtype : {np.float64, np.float32}, default=np.float64
        The dtype of ``X`` (float32 values are the float64 values rounded).
    zero_based : bool or "auto", default="auto"
        Whether indices start at 0. ``"auto"``: one-based unless an index 0 occurs
        (scikit-learn's rule).
    query_id : bool, default=False
        Also return the ``qid:`` of each line (0 where a line has none).
    on_error : {"raise", "skip"}, default="raise"
        Raise :class:`ParseError` at the first malformed line, or drop such lines and
        report them in a :class:`SkippedLinesWarning`.
    n_threads : int, default=None
        Parsing threads; None uses every available core.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,), float64
    qid : ndarray of shape (n_samples,), int64
        Only with ``query_id=True``.

    Examples
    --------
    >>> import os, tempfile
    >>> from sgdlearn.io import load_svmlight
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.svm")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 1:0.5 3:2\\n-1 2:1.5  # a comment\\n")
    >>> X, y = load_svmlight(path)
    >>> X.toarray()
    array([[0.5, 0. , 2. ],
           [0. , 1.5, 0. ]])
    >>> y
    array([ 1., -1.])
    """
    X, loaded = _load("svmlight", path, dtype, n_threads, on_error=on_error,
                      n_features=n_features, zero_based=zero_based, query_id=query_id)
    if query_id:
        return X, loaded["y"], loaded["qid"]
    return X, loaded["y"]


def load_csv(path, label=0, delimiter=",", header="auto", dtype=np.float64, on_error="raise",
             n_threads=None):
    """Load CSV files of numbers as a CSR matrix and a label vector.

    Parameters
    ----------
    path : str, path-like, or list of them
        The file(s), plain or gzip. With a header, each file starts with it.
    label : int or str, default=0
        The label column: its position (negative counts from the end) or, with a
        header, its name.
    delimiter : str, default=","
        The field separator.
    header : bool or "auto", default="auto"
        Whether the first line holds column names; ``"auto"``: when one of its fields
        is not a number.
    dtype : {np.float64, np.float32}, default=np.float64
        The dtype of ``X``.
    on_error : {"raise", "skip"}, default="raise"
        As in :func:`load_svmlight`.
    n_threads : int, default=None
        Parsing threads; None uses every available core.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_columns - 1)
        The other columns, in order (zeros not stored).
    y : ndarray of shape (n_samples,), float64
    """
    X, loaded = _load("csv", path, dtype, n_threads, on_error=on_error, n_features=None,
                      label=label, delimiter=delimiter, header=header)
    return X, loaded["y"]


def load_vw(path, hash_bits=18, dtype=np.float64, on_error="raise", return_weights=False,
            n_threads=None):
    """Load Vowpal Wabbit text files, hashing feature names as Vowpal Wabbit does.

    Parameters
    ----------
    path : str, path-like, or list of them
        The file(s), plain or gzip.
    hash_bits : int, default=18
        Columns are ``2**hash_bits`` hash buckets (Vowpal Wabbit's ``-b``).
    dtype : {np.float64, np.float32}, default=np.float64
        The dtype of ``X``.
    on_error : {"raise", "skip"}, default="raise"
        As in :func:`load_svmlight`.
    return_weights : bool, default=False
        Also return the importance weights (1 where a line has none).
    n_threads : int, default=None
        Parsing threads; None uses every available core.

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, 2**hash_bits)
    y : ndarray of shape (n_samples,), float64
    sample_weight : ndarray of shape (n_samples,), float64
        Only with ``return_weights=True``.
    """
    X, loaded = _load("vw", path, dtype, n_threads, weights=return_weights, on_error=on_error,
                      n_features=None, hash_bits=hash_bits)
    if return_weights:
        return X, loaded["y"], loaded["weight"]
    return X, loaded["y"]


class ChunkIterator:
    """The chunks of a source, parsed ahead by a background thread (see iter_chunks).

    Attributes
    ----------
    n_features : int
        The width of every chunk.
    format : str
        The format being read.
    skipped_lines : int
        Malformed lines dropped so far (``on_error="skip"``).
    rows : int
        Rows yielded so far.

    ``place(row)`` tells where a row of the last chunk was read, and
    ``check_labels(y, classes)`` names the first of its labels that is not a class.
    """

    def __init__(self, paths, fmt, core_options, n_features, chunk_size, dtype, return_weights,
                 n_threads):
        self.format = fmt
        self.n_features = n_features
        self.skipped_lines = 0
        self.rows = 0
        self._first_skipped = ""
        self._dtype, float32 = _float_dtype(dtype)
        self._return_weights = return_weights
        self._paths = paths
        self._files = self._lines = None  # of the last chunk's rows
        self._reader = _native.ChunkReader(
            paths, core_options, n_features, chunk_size, _STREAM_BLOCK_BYTES, n_threads,
            _QUEUE_CHUNKS, float32,
        )

    def __iter__(self):
        return self

    def __next__(self):
        while self._reader is not None:
            try:
                chunk = _raise_parse_errors(self._reader.next)
            except BaseException:
                self.close()
                raise
            if chunk is None:
                self.close()
                if self.skipped_lines:
                    _warn_skipped({"skipped": self.skipped_lines,
                                   "first_skipped": self._first_skipped})
                break
            stats = chunk["stats"]
            if stats["skipped"] and not self.skipped_lines:
                self._first_skipped = stats["first_skipped"]
            self.skipped_lines += stats["skipped"]
            y = chunk["y"]
            if len(y) == 0:
                continue
            self.rows += len(y)
            self._files, self._lines = chunk["file"], chunk["line"]
            X = _csr(chunk["data"], chunk["indices"], chunk["indptr"], (len(y), self.n_features),
                     self._dtype)
            if self._return_weights:
                weight = chunk["weight"] if chunk["weight"] is not None else np.ones(len(y))
                return X, y, weight
            return X, y
        raise StopIteration

    def place(self, row):
        """"path:line" where row `row` of the last chunk yielded was read."""
        return f"{self._paths[self._files[row]]}:{self._lines[row]}"

    def check_labels(self, y, classes, whose="the"):
        """Each of `y`'s labels' position in `classes` (sorted and distinct), `y` being
        the last chunk's labels; a ValueError naming the file and line of the first
        that is none of them, where an estimator's check could only list them."""
        positions, first_unknown = _native.class_positions(y, classes)
        if first_unknown >= 0:
            raise ValueError(f"{self.place(first_unknown)}: label {y[first_unknown].item()!r} "
                             f"is not among {whose} classes {classes.tolist()}")
        return positions

    @property
    def max_queued(self):
        """Most chunks that waited in the queue at once (at most 2: memory is bounded)."""
        return self._max_queued if self._reader is None else self._reader.max_queued

    def close(self):
        """Stop the background thread (also done at the end and on errors)."""
        if self._reader is not None:
            self._max_queued = self._reader.max_queued
            self._reader.close()
            self._reader = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        if getattr(self, "_reader", None) is not None:
            self.close()


def _scan(paths, fmt, options, threads):
    core_options, width = _reader_options(fmt, paths, **options)
    n_features = options.get("n_features")
    found = _raise_parse_errors(
        _native.scan_text, paths, core_options, -1 if n_features is None else n_features, threads,
        _LOAD_BLOCK_BYTES,
    )
    stats = found["stats"]
    return {
        "format": fmt,
        "n_features": found["n_features"] if width is None else width,
        "zero_based": found["first_index"] == 0,
        "rows": stats["rows"],
        "labels": found["labels"],
        "skipped_lines": stats["skipped"],
    }


def scan(source, format="auto", n_features=None, zero_based="auto", hash_bits=18,
         on_error="raise", n_threads=None, **format_options):
    """Read a source once without keeping its rows: its width, size and labels.

    One parallel parse of the files (every line is checked, as a load would), for
    what streaming needs to know before it starts: the number of columns of an
    svmlight source and whether its indices are zero-based, and the classes of a
    classifier.

    Parameters
    ----------
    source, format, n_features, zero_based, hash_bits, on_error, n_threads, **format_options
        As in :func:`iter_chunks`.

    Returns
    -------
    dict
        ``format``; ``n_features`` (the width the chunks will have); ``zero_based``
        (svmlight: as "auto" decides it); ``rows``; ``labels`` (the sorted distinct
        labels, or None when there are more than 1000: a regression target);
        ``skipped_lines``.
    """
    paths = _as_paths(source)
    fmt = _check_format(format, paths)
    options = dict(on_error=on_error, n_features=n_features, zero_based=zero_based,
                   hash_bits=hash_bits, **format_options)
    return _scan(paths, fmt, options, _n_threads(n_threads))


def iter_chunks(source, format="auto", chunk_size=10000, n_features=None, zero_based="auto",
                hash_bits=18, dtype=np.float64, on_error="raise", return_weights=False,
                n_threads=None, **format_options):
    """Stream a source as CSR chunks of ``chunk_size`` rows, parsed in the background.

    A background thread reads and parses ahead while the caller uses the previous
    chunk (training, say); at most two parsed chunks wait, so memory stays bounded
    whatever the size of the files.

    Every chunk has the same width. For svmlight it is ``n_features`` when given;
    when it is not, a first pass over the source finds the largest index (and, for
    ``zero_based="auto"``, whether an index 0 occurs), which costs one parse of the
    files: pass ``n_features`` (and ``zero_based``) to stream in one pass. With
    ``n_features`` given and ``zero_based="auto"``, the first few MB decide (one-based
    unless an index 0 occurs there); an index 0 after a one-based start is then a
    :class:`ParseError`, never a shifted column. CSV chunks have one column fewer
    than the file; Vowpal Wabbit chunks ``2**hash_bits``.

    Parameters
    ----------
    source : str, path-like, or list of them
        The file(s), plain or gzip, read in order.
    format : {"auto", "svmlight", "csv", "vw"}, default="auto"
        The format; "auto" looks at the suffix, then the first line (see
        ``detect_format``).
    chunk_size : int, default=10000
        Rows per chunk (the last may have fewer).
    n_features : int, default=None
        svmlight: the number of columns (see above).
    zero_based : bool or "auto", default="auto"
        svmlight: whether indices start at 0.
    hash_bits : int, default=18
        Vowpal Wabbit: columns are ``2**hash_bits`` hash buckets.
    dtype : {np.float64, np.float32}, default=np.float64
        The dtype of ``X``.
    on_error : {"raise", "skip"}, default="raise"
        Raise :class:`ParseError` at the first malformed line, or drop such lines,
        count them (``skipped_lines``) and warn at the end.
    return_weights : bool, default=False
        Yield ``(X, y, sample_weight)``: the importance weights of Vowpal Wabbit
        lines, ones for the other formats.
    n_threads : int, default=None
        Parsing threads; None uses every available core.
    **format_options
        CSV: ``label`` (position or name, default 0), ``delimiter`` (","), ``header``
        (True, False or "auto"). Vowpal Wabbit: ``require_labels`` (default True;
        False reads unlabeled test lines, whose label is NaN).

    Returns
    -------
    ChunkIterator
        An iterator of ``(X, y)`` (or ``(X, y, sample_weight)``): ``X`` a
        ``scipy.sparse.csr_matrix`` of shape (rows, n_features), ``y`` float64. Its
        ``n_features`` and ``skipped_lines`` attributes tell the width and the lines
        dropped; ``close()`` stops the thread early.

    Examples
    --------
    >>> import os, tempfile
    >>> from sgdlearn.io import iter_chunks
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.vw")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1 |f a b:2\\n-1 2.0 |f c\\n0.5 |g a\\n")
    >>> for X, y, w in iter_chunks(path, chunk_size=2, hash_bits=10, return_weights=True):
    ...     print(X.shape, y, w)
    (2, 1024) [ 1. -1.] [1. 2.]
    (1, 1024) [0.5] [1.]
    """
    if not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    unknown = set(format_options) - {"label", "delimiter", "header", "require_labels"}
    if unknown:
        raise TypeError(f"iter_chunks got unexpected options {sorted(unknown)}")
    paths = _as_paths(source)
    fmt = _check_format(format, paths)
    wrong = set(format_options) - ({"require_labels"} if fmt == "vw" else
                                   {"label", "delimiter", "header"} if fmt == "csv" else set())
    if wrong:
        raise TypeError(f"{sorted(wrong)} are not options of the {fmt} format")
    threads = _n_threads(n_threads)
    options = dict(on_error=on_error, n_features=n_features, zero_based=zero_based,
                   hash_bits=hash_bits, **format_options)
    core_options, width = _reader_options(fmt, paths, **options)
    if fmt == "svmlight" and n_features is None:
        found = _scan(paths, fmt, options, threads)
        width = max(found["n_features"], 1)
        options.update(n_features=width, zero_based=found["zero_based"])
        core_options, _ = _reader_options(fmt, paths, **options)
    elif width is None:
        width = n_features
    return ChunkIterator(paths, fmt, core_options, width, int(chunk_size), dtype,
                         return_weights, threads)
