// SPDX-License-Identifier: BSD-3-Clause
// Vowpal Wabbit text lines:
//   <label> [<importance> [<base>]] [['<tag>|<tag>]] |<namespace>[:<scale>] <feature>[:<value>] ... |...
// The label and the optional importance weight (default 1) come before the first '|';
// one non-numeric token there, last (a tag, with or without a leading quote), is
// ignored, and so is the base. Each '|' opens a namespace, named by the characters right after it
// (none: the default namespace), optionally scaled by ":<scale>". A feature is a name
// with an optional ":<value>" (default 1); its column is vw_hash(name, namespace hash)
// mod 2^hash_bits (murmurhash3.hpp: VW's own hashing, so columns are VW's weight
// indices). Values are multiplied by the namespace scale, zeros are dropped, and
// features that collide in a column are summed (the row is CSR, sorted, canonical).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "sgdlearn/readers/block_parse.hpp"
#include "sgdlearn/readers/murmurhash3.hpp"
#include "sgdlearn/readers/number_parsing.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"

namespace sgdlearn::readers {

struct VwOptions {
  int hash_bits = 18;
  // Test examples may have no label (VW's own test files): their label is NaN.
  bool labels_required = true;
};

namespace detail {

inline bool looks_numeric(const char* p, const char* end) {
  if (p == end) return false;
  const char c = *p == '+' || *p == '-' ? (p + 1 < end ? p[1] : 'x') : *p;
  return (c >= '0' && c <= '9') || c == '.';
}

// A row's (column, value) pairs, sorted and with collisions summed, into `out`.
template <class T>
void append_canonical(std::vector<std::pair<std::int32_t, double>>& row, RowBlock<T>& out) {
  std::sort(row.begin(), row.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t k = 0; k < row.size();) {
    const std::int32_t column = row[k].first;
    double sum = 0.0;
    for (; k < row.size() && row[k].first == column; ++k) sum += row[k].second;
    if (sum != 0.0) {
      out.indices.push_back(column);
      out.data.push_back(stored_value<T>(sum));
    }
  }
}

}  // namespace detail

// The line is [p, end) (its '\n', or the end of the file, at end); the bytes up to
// readable_end, the end of its block, may be read past a value, never used.
template <class T>
void parse_vw_line(const char* p, const char* end, const char* readable_end, const VwOptions& opt,
                   LinePlace place, RowBlock<T>& out,
                   std::vector<std::pair<std::int32_t, double>>& row) {
  if (end > p && end[-1] == '\r') --end;
  if (skip_spaces(p, end) == end) return;
  const char* bar = static_cast<const char*>(std::memchr(p, '|', std::size_t(end - p)));
  const char* header_end = bar ? bar : end;

  // Header: label, importance, base (numbers, in that order), tag (anything else).
  double numbers[3] = {0.0, 1.0, 0.0};
  int n_numbers = 0;
  bool tag = false;
  for (const char* q = skip_spaces(p, header_end); q < header_end; q = skip_spaces(q, header_end)) {
    const char* t = token_end(q, header_end);
    if (*q != '\'' && detail::looks_numeric(q, t) && n_numbers < 3 && !tag) {
      numbers[n_numbers] = parse_double(q, t, n_numbers == 0 ? "label" : "importance weight");
      ++n_numbers;
    } else if (tag) {
      throw LineError{"unexpected token " + quoted(q, t) + " after the tag"};
    } else {
      tag = true;
    }
    q = t;
  }
  if (n_numbers == 0) {
    if (opt.labels_required) throw LineError{"missing label"};
    numbers[0] = std::numeric_limits<double>::quiet_NaN();
  }
  if (numbers[1] < 0.0) throw LineError{"negative importance weight"};

  const std::uint64_t mask = (std::uint64_t(1) << opt.hash_bits) - 1;
  row.clear();
  while (bar) {
    // The namespace: its name and scale, right after the '|'.
    const char* q = bar + 1;
    const char* next_bar = static_cast<const char*>(std::memchr(q, '|', std::size_t(end - q)));
    const char* section_end = next_bar ? next_bar : end;
    std::uint64_t namespace_hash = 0;
    double scale = 1.0;
    if (q < section_end && !is_space(*q)) {
      const char* t = token_end(q, section_end);
      const char* colon = static_cast<const char*>(std::memchr(q, ':', std::size_t(t - q)));
      const char* name_end = colon ? colon : t;
      namespace_hash = vw_hash(q, std::size_t(name_end - q), 0);
      if (colon) scale = parse_double(colon + 1, t, "namespace scale");
      q = t;
    }
    for (q = skip_spaces(q, section_end); q < section_end; q = skip_spaces(q, section_end)) {
      const char* t = token_end(q, section_end);
      const char* colon = static_cast<const char*>(std::memchr(q, ':', std::size_t(t - q)));
      const char* name_end = colon ? colon : t;
      if (name_end == q) throw LineError{"feature without a name " + quoted(q, t)};
      double value = 1.0;
      if (colon) {
        // The commonest values take parse_unit_decimal's fast path; anything else, and
        // every error, parse_double.
        const char* v = colon + 1;
        if (parse_unit_decimal(v, readable_end, value) != t) value = parse_double(v, t, "feature value");
      }
      const std::uint64_t column = vw_hash(q, std::size_t(name_end - q), namespace_hash) & mask;
      if (value != 0.0) row.emplace_back(std::int32_t(column), value * scale);
      q = t;
    }
    bar = next_bar;
  }
  detail::append_canonical(row, out);
  if (out.indices.size() > std::size_t(out.indptr.back())) {
    out.stats.note_index(out.indices[std::size_t(out.indptr.back())], place.file, place.line);
    out.stats.note_index(out.indices.back(), place.file, place.line);
  }
  out.y.push_back(numbers[0]);
  out.weight.push_back(numbers[1]);
  out.indptr.push_back(std::int64_t(out.indices.size()));
}

}  // namespace sgdlearn::readers
