// SPDX-License-Identifier: BSD-3-Clause
// svmlight / libsvm lines, read as scikit-learn's load_svmlight_file reads them:
//   <label> [qid:<int>] <index>:<value> <index>:<value> ...   [# comment]
// Tokens are split on ASCII whitespace, everything from '#' on is a comment, blank lines
// are skipped, the label and values are decimal floats (correctly rounded; float32 data
// is the float64 value rounded once more, as scikit-learn stores it), and indices are
// non-negative integers, strictly increasing along a line. Indices are stored as
// written; the caller shifts one-based files (zero_based) once every line is known.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "sgdlearn/readers/block_parse.hpp"
#include "sgdlearn/readers/number_parsing.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"

namespace sgdlearn::readers {

struct SvmlightOptions {
  bool query_id = false;  // keep qid values (else they are read and dropped)
  // -1: not known yet ("auto"); 0 or 1: the index of the first column, so that each
  // index can be checked against n_features as it is read.
  int first_index = -1;
  std::int64_t n_features = -1;  // -1: any width
};

namespace detail {

// An error for the token starting at p: says what is wrong with it.
[[noreturn]] inline void bad_feature(const char* p, const char* end) {
  const char* t = token_end(p, end);
  const char* colon = static_cast<const char*>(std::memchr(p, ':', std::size_t(t - p)));
  if (!colon) throw LineError{"feature without ':' " + quoted(p, t)};
  const std::int64_t index = parse_integer(p, colon, "feature index");
  if (index < 0) throw LineError{"negative feature index " + quoted(p, colon)};
  parse_double(colon + 1, t, "feature value");
  throw LineError{"bad feature " + quoted(p, t)};
}

}  // namespace detail

// The line is [p, end) (its '\n', or the end of the file, at end); the bytes up to
// readable_end, the end of its block, may be read past it, never used.
template <class T>
void parse_svmlight_line(const char* p, const char* end, const char* readable_end,
                         const SvmlightOptions& opt, LinePlace place, RowBlock<T>& out) {
  if (const void* hash = std::memchr(p, '#', std::size_t(end - p))) {
    end = static_cast<const char*>(hash);
  }
  p = skip_spaces(p, end);
  if (p == end) return;
  const char* t = token_end(p, end);
  const double label = parse_double(p, t, "label");
  p = skip_spaces(t, end);

  if (end - p >= 3 && std::memcmp(p, "qid", 3) == 0) {
    t = token_end(p, end);
    const char* colon = static_cast<const char*>(std::memchr(p, ':', std::size_t(t - p)));
    if (!colon) throw LineError{"bad qid " + quoted(p, t)};
    const std::int64_t qid = parse_integer(colon + 1, t, "qid");
    if (opt.query_id) out.qid.push_back(qid);
    p = skip_spaces(t, end);
  } else if (opt.query_id) {
    out.qid.push_back(0);
  }

  constexpr std::int64_t kMaxIndex = std::numeric_limits<std::int32_t>::max();
  // Room for every feature the rest of the line can hold (each takes at least "i:v"),
  // trimmed to those read at the end; a LineError leaves truncate_to to trim it.
  const std::size_t first = out.indices.size();
  const std::size_t room = std::size_t(end - p) / 3 + 1;
  out.indices.resize(first + room);
  out.data.resize(first + room);
  std::int32_t* const indices = out.indices.data() + first;
  T* const data = out.data.data() + first;
  std::size_t count = 0;
  std::int64_t previous = -1;
  while (p < end) {
    // Fast path: digits, ':', a number that ends at whitespace; anything else is an
    // error that bad_feature explains (or a '+' sign, which Python's int() accepts).
    // An index of up to 7 digits is read a word at a time (number_parsing.hpp).
    const char* q = p;
    std::int64_t index = 0;
    int run = 0;
    std::uint64_t word = 0;
    if (kWordDigits && readable_end - p >= 8) {
      word = load_word(p) - kAsciiZeros;
      run = leading_digits(word);
    }
    if (run >= 1 && run <= 7 && p[run] == ':') {
      index = std::int64_t(digits_value(word, run));
      q = p + run;
    } else {
      while (q < end && static_cast<unsigned>(*q - '0') < 10u && q - p < 12) {
        index = index * 10 + (*q - '0');
        ++q;
      }
    }
    if (q == p || q == end || *q != ':') {
      t = token_end(p, end);
      const char* colon = static_cast<const char*>(std::memchr(p, ':', std::size_t(t - p)));
      if (!colon || *p != '+') detail::bad_feature(p, end);
      index = parse_integer(p, colon, "feature index");
      q = colon;
    }
    const char* v = skip_plus(q + 1, end);
    double value = 0.0;
    const char* stop = parse_unit_decimal(v, readable_end, value);
    bool finite = stop != nullptr;
    if (!stop) stop = parse_decimal(v, end, value, &finite, readable_end);
    if (!stop || (stop != end && !is_space(*stop)) || (!finite && !std::isfinite(value))) {
      t = token_end(p, end);
      parse_double(q + 1, t, "feature value");  // throws the precise reason
      detail::bad_feature(p, end);
    }
    if (index > kMaxIndex) throw LineError{"feature index " + quoted(p, q) + " too large"};
    if (index <= previous) {
      throw LineError{"feature indices must be sorted and unique (" + std::to_string(index) +
                      " after " + std::to_string(previous) + ")"};
    }
    if (opt.first_index >= 0) {
      if (index < opt.first_index) {
        throw LineError{"feature index 0 in a one-based file (pass zero_based=True if the "
                        "file is zero-based)"};
      }
      if (opt.n_features >= 0 && index - opt.first_index >= opt.n_features) {
        throw LineError{"feature index " + std::to_string(index) + " beyond n_features=" +
                        std::to_string(opt.n_features) +
                        (opt.first_index ? " (indices are one-based)" : " (indices are zero-based)")};
      }
    }
    previous = index;
    indices[count] = std::int32_t(index);
    data[count] = finite ? T(value) : stored_value<T>(value);
    ++count;
    p = skip_spaces(stop, end);
  }
  out.indices.resize(first + count);
  out.data.resize(first + count);
  if (count > 0) {
    out.stats.note_index(indices[0], place.file, place.line);
    out.stats.note_index(previous, place.file, place.line);
  }
  out.y.push_back(label);
  out.indptr.push_back(std::int64_t(out.indices.size()));
}

}  // namespace sgdlearn::readers
