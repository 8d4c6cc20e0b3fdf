// SPDX-License-Identifier: BSD-3-Clause
// CSV lines of numbers: one column is the label, the others are the features, in order.
// Fields are decimal floats, with spaces around them allowed; quoting is not (a CSV of
// numbers has no use for it). Every line must have the same number of columns. Zeros
// are not stored (the rows are CSR). The header line, when there is one, is the first
// line of each file and is skipped here; the caller reads the column names.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "sgdlearn/readers/block_parse.hpp"
#include "sgdlearn/readers/number_parsing.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"

namespace sgdlearn::readers {

struct CsvOptions {
  char delimiter = ',';
  bool header = false;        // skip the first line of each file
  std::int64_t n_columns = 0; // label included
  std::int64_t label_column = 0;
};

template <class T>
void parse_csv_line(const char* p, const char* end, const CsvOptions& opt, LinePlace place,
                    RowBlock<T>& out) {
  if (opt.header && place.line == 1) return;
  if (end > p && end[-1] == '\r') --end;
  if (skip_spaces(p, end) == end) return;
  double label = 0.0;
  std::int64_t column = 0, feature = 0;
  for (const char* field = p;; ++column) {
    const char* stop = static_cast<const char*>(std::memchr(field, opt.delimiter, std::size_t(end - field)));
    if (!stop) stop = end;
    const char* a = skip_spaces(field, stop);
    const char* b = stop;
    while (b > a && is_space(b[-1])) --b;
    if (column >= opt.n_columns) {
      throw LineError{"more than the " + std::to_string(opt.n_columns) + " columns of the first line"};
    }
    if (a == b) throw LineError{"empty field in column " + std::to_string(column + 1)};
    const double value = parse_double(a, b, column == opt.label_column ? "label" : "value");
    if (column == opt.label_column) {
      label = value;
    } else {
      if (value != 0.0) {
        out.indices.push_back(std::int32_t(feature));
        out.data.push_back(stored_value<T>(value));
      }
      ++feature;
    }
    if (stop == end) break;
    field = stop + 1;
  }
  if (column + 1 != opt.n_columns) {
    throw LineError{std::to_string(column + 1) + " columns where the first line has " +
                    std::to_string(opt.n_columns)};
  }
  if (feature > 0) out.stats.note_index(feature - 1, place.file, place.line);
  out.y.push_back(label);
  out.indptr.push_back(std::int64_t(out.indices.size()));
}

}  // namespace sgdlearn::readers
