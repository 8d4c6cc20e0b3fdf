// SPDX-License-Identifier: BSD-3-Clause
// The line loop every format shares: cut a block into lines, hand each to the format's
// line parser, and apply the error policy to a malformed one (a ParseError with file
// and line, or the line dropped, undone and counted).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "sgdlearn/readers/line_blocks.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"

namespace sgdlearn::readers {

// Where a line comes from, for the parsers that record it (largest index, errors).
struct LinePlace {
  std::size_t file;
  long long line;
};

// parse_line(begin, end, place, out) appends zero rows (blank or comment lines) or one
// row to `out`, or throws LineError.
template <class T, class ParseLine>
void parse_block(const TextBlock& block, const std::string& path, OnError on_error,
                 RowBlock<T>& out, ParseLine&& parse_line) {
  const char* p = block.text.data();
  const char* const end = p + block.text.size();
  long long line = block.first_line;
  for (; p < end; ++line) {
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p)));
    const char* line_end = newline ? newline : end;
    const std::size_t rows = out.n_rows();
    try {
      parse_line(p, line_end, LinePlace{block.file, line}, out);
      if (out.n_rows() > rows) {
        out.file.push_back(std::uint32_t(block.file));
        out.line.push_back(line);
      }
    } catch (const LineError& error) {
      out.truncate_to(rows);  // on a raise too: the rows before the error stay usable
      if (on_error == OnError::kRaise) throw ParseError(path, line, error.reason);
      if (out.stats.skipped++ == 0) out.stats.first_skipped = path + ":" + std::to_string(line) + ": " + error.reason;
    }
    p = line_end + 1;
  }
}

}  // namespace sgdlearn::readers
