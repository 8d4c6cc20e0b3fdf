// SPDX-License-Identifier: BSD-3-Clause
// pybind11 bindings of the readers (sgdlearn.io): reader options, whole-file loads, and
// the background chunk stream. Parsed arrays move to numpy without copies; the GIL is
// released while parsing or waiting; reader errors become ReaderParseError (path, line,
// reason), which sgdlearn.io re-raises as its ParseError, and OSError with errno.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cerrno>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "sgdlearn/errors.hpp"
#include "sgdlearn/readers/readers.hpp"
#include "sgdlearn/stop_token.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
namespace rd = sgdlearn::readers;

namespace {

// A vector's buffer as a 1-d numpy array that owns it (no copy).
template <class V>
py::array to_numpy(V&& values) {
  auto* owned = new V(std::move(values));
  py::capsule owner(owned, [](void* p) { delete static_cast<V*>(p); });
  return py::array_t<typename V::value_type>(py::ssize_t(owned->size()), owned->data(), owner);
}

// Reasons quote the input's bytes, which need not be UTF-8: shown escaped, never an error.
py::str text(const std::string& bytes) {
  PyObject* decoded = PyUnicode_DecodeUTF8(bytes.data(), py::ssize_t(bytes.size()), "backslashreplace");
  if (!decoded) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(decoded);
}

// Runs `work` with the GIL released; a Ctrl-C seen by the stop token becomes the
// KeyboardInterrupt that PyErr_CheckSignals has set.
template <class Work>
auto without_gil(Work&& work) {
  try {
    py::gil_scoped_release release;
    return work();
  } catch (const sgdlearn::Interrupted&) {
    if (PyErr_Occurred()) throw py::error_already_set();
    throw py::value_error("reading was interrupted");
  }
}

sgdlearn::StopToken ctrl_c_token() {
  return sgdlearn::StopToken([] {
    py::gil_scoped_acquire acquire;
    return PyErr_CheckSignals() != 0;
  });
}

rd::ReaderOptions make_options(const std::string& format, const std::string& on_error,
                               bool query_id, int first_index, std::int64_t n_features,
                               const std::string& delimiter, bool header, std::int64_t n_columns,
                               std::int64_t label_column, int hash_bits, bool labels_required) {
  rd::ReaderOptions o;
  if (format == "svmlight") o.format = rd::Format::kSvmlight;
  else if (format == "csv") o.format = rd::Format::kCsv;
  else if (format == "vw") o.format = rd::Format::kVw;
  else throw py::value_error("unknown format " + format);
  if (on_error != "raise" && on_error != "skip") throw py::value_error("on_error must be 'raise' or 'skip'");
  o.on_error = on_error == "skip" ? rd::OnError::kSkip : rd::OnError::kRaise;
  if (first_index < -1 || first_index > 1) throw py::value_error("first_index must be -1, 0 or 1");
  o.svmlight = {query_id, first_index, n_features};
  if (delimiter.size() != 1) throw py::value_error("delimiter must be one character");
  if (n_columns < 0 || label_column < 0 || (n_columns > 0 && label_column >= n_columns)) {
    throw py::value_error("label_column must be one of the n_columns columns");
  }
  o.csv = {delimiter[0], header, n_columns, label_column};
  if (hash_bits < 1 || hash_bits > 31) throw py::value_error("hash_bits must be in [1, 31]");
  o.vw = {hash_bits, labels_required};
  return o;
}

py::dict stats_dict(const rd::BlockStats& s) {
  return py::dict("min_index"_a = s.max_index >= 0 ? py::object(py::int_(s.min_index)) : py::none(),
                  "max_index"_a = s.max_index >= 0 ? py::object(py::int_(s.max_index)) : py::none(),
                  "rows"_a = s.rows, "skipped"_a = s.skipped, "first_skipped"_a = text(s.first_skipped));
}

template <class T>
py::dict load_text(const std::vector<std::string>& paths, const rd::ReaderOptions& options,
                   std::int64_t n_features, int n_threads, std::size_t block_bytes, bool weights) {
  rd::BlockStats stats;
  std::vector<rd::RowBlock<T>> blocks;
  int first_index = 0;
  std::int64_t width = 0;
  auto stop = ctrl_c_token();
  without_gil([&] {
    blocks = rd::parse_files<T>(paths, options, n_threads, block_bytes, stats, stop);
    if (options.format == rd::Format::kSvmlight) {
      first_index = rd::resolve_first_index(options.svmlight.first_index, stats);
      width = rd::resolve_width(n_features, first_index, stats, paths);
    }
  });
  std::size_t rows = 0, nnz = 0;
  for (const auto& b : blocks) {
    rows += b.n_rows();
    nnz += b.nnz();
  }
  const bool query_id = options.format == rd::Format::kSvmlight && options.svmlight.query_id;
  py::array_t<T> data{py::ssize_t(nnz)};
  py::array_t<double> y{py::ssize_t(rows)};
  py::array_t<double> weight{py::ssize_t(weights ? rows : 0)};
  py::array_t<std::int64_t> qid{py::ssize_t(query_id ? rows : 0)};
  auto fill = [&](auto index_tag) -> py::tuple {
    using Index = decltype(index_tag);
    py::array_t<Index> indices{py::ssize_t(nnz)}, indptr{py::ssize_t(rows + 1)};
    T* d = data.mutable_data();
    Index* ind = indices.mutable_data();
    Index* ptr = indptr.mutable_data();
    double* yy = y.mutable_data();
    double* w = weights ? weight.mutable_data() : nullptr;
    std::int64_t* q = query_id ? qid.mutable_data() : nullptr;
    {
      py::gil_scoped_release release;
      rd::concatenate(blocks, first_index, d, ind, ptr, yy, w, q, n_threads);
      blocks.clear();
    }
    return py::make_tuple(indices, indptr);
  };
  const py::tuple csr = nnz <= std::size_t(std::numeric_limits<std::int32_t>::max())
                            ? fill(std::int32_t{})
                            : fill(std::int64_t{});
  return py::dict("data"_a = data, "indices"_a = csr[0], "indptr"_a = csr[1], "y"_a = y,
                  "weight"_a = weights ? py::object(weight) : py::none(),
                  "qid"_a = query_id ? py::object(qid) : py::none(), "n_features"_a = width,
                  "first_index"_a = first_index, "stats"_a = stats_dict(stats));
}

py::dict scan_text(const std::vector<std::string>& paths, const rd::ReaderOptions& options,
                   std::int64_t n_features, int n_threads, std::size_t block_bytes) {
  rd::BlockStats stats;
  rd::LabelSet labels;
  int first_index = 0;
  std::int64_t width = 0;
  auto stop = ctrl_c_token();
  without_gil([&] {
    rd::parse_files<double>(paths, options, n_threads, block_bytes, stats, stop, &labels);
    if (options.format == rd::Format::kSvmlight) {
      first_index = rd::resolve_first_index(options.svmlight.first_index, stats);
      width = rd::resolve_width(n_features, first_index, stats, paths);
    }
  });
  py::object distinct = py::none();
  if (!labels.overflow) {
    distinct = to_numpy(std::vector<double>(labels.values.begin(), labels.values.end()));
  }
  return py::dict("n_features"_a = width, "first_index"_a = first_index, "labels"_a = distinct,
                  "stats"_a = stats_dict(stats));
}

// The chunk stream for Python: next() returns a dict of arrays, or None at the end.
class ChunkReader {
 public:
  ChunkReader(const std::vector<std::string>& paths, const rd::ReaderOptions& options,
              std::int64_t n_features, std::size_t chunk_rows, std::size_t block_bytes, int n_threads,
              std::size_t queue_chunks, bool float32) {
    if (float32) {
      f32_ = std::make_unique<rd::ChunkStream<float>>(paths, options, n_features, chunk_rows,
                                                      block_bytes, n_threads, queue_chunks);
    } else {
      f64_ = std::make_unique<rd::ChunkStream<double>>(paths, options, n_features, chunk_rows,
                                                       block_bytes, n_threads, queue_chunks);
    }
  }

  py::object next() { return f32_ ? next_from(*f32_) : next_from(*f64_); }
  int first_index() const { return f32_ ? f32_->first_index() : f64_->first_index(); }
  std::size_t max_queued() const { return f32_ ? f32_->max_queued() : f64_->max_queued(); }
  void close() {
    py::gil_scoped_release release;
    f32_.reset();
    f64_.reset();
  }

 private:
  template <class T>
  static py::object next_from(rd::ChunkStream<T>& stream) {
    rd::RowBlock<T> chunk;
    auto stop = ctrl_c_token();
    const bool more = without_gil([&] { return stream.next(chunk, stop); });
    if (!more) return py::none();
    return py::dict("data"_a = to_numpy(std::move(chunk.data)),
                    "indices"_a = to_numpy(std::move(chunk.indices)),
                    "indptr"_a = to_numpy(std::move(chunk.indptr)), "y"_a = to_numpy(std::move(chunk.y)),
                    "weight"_a = chunk.weight.empty() ? py::object(py::none())
                                                      : py::object(to_numpy(std::move(chunk.weight))),
                    "qid"_a = chunk.qid.empty() ? py::object(py::none())
                                                : py::object(to_numpy(std::move(chunk.qid))),
                    "file"_a = to_numpy(std::move(chunk.file)),
                    "line"_a = to_numpy(std::move(chunk.line)),
                    "stats"_a = stats_dict(chunk.stats));
  }

  std::unique_ptr<rd::ChunkStream<float>> f32_;
  std::unique_ptr<rd::ChunkStream<double>> f64_;
};

}  // namespace

void bind_readers(py::module_& m) {
  static py::exception<rd::ParseError> parse_error(m, "ReaderParseError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const rd::ParseError& e) {
      py::object args = py::make_tuple(text(e.path()), e.line(), text(e.reason()));
      PyErr_SetObject(parse_error.ptr(), args.ptr());
    } catch (const rd::SourceError& e) {
      errno = e.error_number();
      PyErr_SetFromErrnoWithFilename(PyExc_OSError, e.path().c_str());
    }
  });

  py::class_<rd::ReaderOptions>(m, "ReaderOptions");
  m.def("reader_options", &make_options, "format"_a, "on_error"_a, "query_id"_a, "first_index"_a,
        "n_features"_a, "delimiter"_a, "header"_a, "n_columns"_a, "label_column"_a, "hash_bits"_a,
        "labels_required"_a,
        "Options of a reader; first_index is svmlight's first column (-1: auto).");
  m.def("load_text",
        [](const std::vector<std::string>& paths, const rd::ReaderOptions& options,
           std::int64_t n_features, int n_threads, std::size_t block_bytes, bool weights, bool float32) {
          return float32 ? load_text<float>(paths, options, n_features, n_threads, block_bytes, weights)
                         : load_text<double>(paths, options, n_features, n_threads, block_bytes, weights);
        },
        "paths"_a, "options"_a, "n_features"_a, "n_threads"_a, "block_bytes"_a, "weights"_a,
        "float32"_a,
        "Parses whole files in parallel blocks; returns CSR arrays, y, optional weights and "
        "qid, the width and the statistics.");
  m.def("scan_text", &scan_text, "paths"_a, "options"_a, "n_features"_a, "n_threads"_a,
        "block_bytes"_a,
        "Parses the files without keeping rows: width, distinct labels (None past 1000) and "
        "statistics.");
  py::class_<ChunkReader>(m, "ChunkReader")
      .def(py::init<const std::vector<std::string>&, const rd::ReaderOptions&, std::int64_t,
                    std::size_t, std::size_t, int, std::size_t, bool>(),
           "paths"_a, "options"_a, "n_features"_a, "chunk_rows"_a, "block_bytes"_a, "n_threads"_a,
           "queue_chunks"_a, "float32"_a)
      .def("next", &ChunkReader::next, "The next chunk as a dict of arrays, or None.")
      .def("close", &ChunkReader::close, "Stops the background thread.")
      .def_property_readonly("first_index", &ChunkReader::first_index)
      .def_property_readonly("max_queued", &ChunkReader::max_queued);
  m.def("murmurhash3_x86_32",
        [](const py::bytes& key, std::uint32_t seed) {
          const std::string s = key;
          return rd::murmurhash3_x86_32(s.data(), s.size(), seed);
        },
        "key"_a, "seed"_a);
  m.def("vw_hash",
        [](const py::bytes& name, std::uint64_t seed) {
          const std::string s = name;
          return rd::vw_hash(s.data(), s.size(), seed);
        },
        "name"_a, "seed"_a);
}
