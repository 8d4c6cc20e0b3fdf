// SPDX-License-Identifier: BSD-3-Clause
// Fuzz target of the text parsers (libFuzzer's entry point). The first byte picks the
// format and options, the rest is the text. Every input must either parse into a
// well-formed CSR block (sizes agree, indptr non-decreasing, indices in range, values
// finite) or raise ParseError; anything else (a crash, a sanitizer report, another
// exception, a broken invariant) is a bug.
//
//   clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -I ../cpp/include \
//       fuzz_parsers.cpp -o fuzz_parsers && ./fuzz_parsers new-inputs/ corpus/
//   g++ -std=c++17 -O1 -g -fsanitize=address,undefined -I ../cpp/include \
//       fuzz_parsers.cpp standalone_main.cpp -o fuzz_parsers && ./fuzz_parsers -runs=200000 corpus/
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sgdlearn/readers/readers.hpp"

namespace rd = sgdlearn::readers;

namespace {

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
  }
}

template <class T>
void check_block(const rd::RowBlock<T>& out, const rd::ReaderOptions& options,
                 long long block_lines) {
  const std::size_t rows = out.n_rows();
  check(out.indptr.size() == rows + 1, "indptr size");
  check(out.indptr.front() == 0, "indptr starts at 0");
  check(std::size_t(out.indptr.back()) == out.indices.size(), "indptr ends at nnz");
  check(out.indices.size() == out.data.size(), "indices and data agree");
  check(out.weight.empty() || out.weight.size() == rows, "weights per row");
  check(out.qid.empty() || out.qid.size() == rows, "qid per row");
  check(out.file.size() == rows && out.line.size() == rows, "a place per row");
  for (std::size_t r = 0; r < rows; ++r) {
    check(out.line[r] >= 1 && out.line[r] <= (long long)(block_lines), "row's line in the block");
    check(r == 0 || out.line[r] > out.line[r - 1], "rows' lines increasing");
    check(out.indptr[r] <= out.indptr[r + 1], "indptr non-decreasing");
    check(std::isfinite(out.y[r]) || (options.format == rd::Format::kVw && !options.vw.labels_required),
          "finite label");
    for (auto k = out.indptr[r]; k < out.indptr[r + 1]; ++k) {
      check(out.indices[std::size_t(k)] >= 0, "non-negative index");
      check(k == out.indptr[r] || out.indices[std::size_t(k)] > out.indices[std::size_t(k - 1)],
            "increasing indices");
      check(std::isfinite(double(out.data[std::size_t(k)])), "finite value");
    }
  }
  for (double w : out.weight) check(w >= 0.0 && std::isfinite(w), "importance weight");
  if (options.format == rd::Format::kVw) {
    for (auto j : out.indices) check(j < (1 << options.vw.hash_bits), "hashed column in range");
  }
  if (options.format == rd::Format::kCsv) {
    for (auto j : out.indices) check(j < options.csv.n_columns - 1, "CSV column in range");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const unsigned pick = bytes[0];
  rd::ReaderOptions options;
  options.format = pick % 3 == 0 ? rd::Format::kSvmlight : pick % 3 == 1 ? rd::Format::kCsv : rd::Format::kVw;
  options.on_error = (pick & 4) ? rd::OnError::kSkip : rd::OnError::kRaise;
  options.svmlight = {bool(pick & 8), (pick & 16) ? 1 : ((pick & 32) ? 0 : -1), (pick & 64) ? 50 : -1};
  options.csv = {(pick & 8) ? ';' : ',', bool(pick & 16), 1 + (pick >> 5), (pick >> 6) % (1 + (pick >> 5))};
  options.vw = {1 + int(pick % 20), !(pick & 128)};

  rd::TextBlock block;
  block.text.assign(reinterpret_cast<const char*>(bytes) + 1, reinterpret_cast<const char*>(bytes) + size);
  block.n_lines = std::count(block.text.begin(), block.text.end(), '\n') + 1;
  rd::RowBlock<double> out64;
  rd::RowBlock<float> out32;
  try {
    rd::parse_text_block(block, "fuzz", options, out64);
  } catch (const rd::ParseError& error) {
    check(error.line() >= 1 && error.line() <= block.n_lines, "error line in the block");
  }
  check_block(out64, options, block.n_lines);
  try {
    rd::parse_text_block(block, "fuzz", options, out32);
  } catch (const rd::ParseError&) {
  }
  check_block(out32, options, block.n_lines);
  return 0;
}
