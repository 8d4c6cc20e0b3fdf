// SPDX-License-Identifier: BSD-3-Clause
// The three text formats behind one call: options of a reader, and the parse of one
// block of lines in the chosen format. Blocks of a group parse in parallel threads,
// each into its own RowBlock; the first error in file order is the one reported, so
// errors do not depend on the number of threads.
#pragma once

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "sgdlearn/readers/block_parse.hpp"
#include "sgdlearn/readers/csv_parser.hpp"
#include "sgdlearn/readers/line_blocks.hpp"
#include "sgdlearn/readers/parallel_for.hpp"
#include "sgdlearn/readers/row_block.hpp"
#include "sgdlearn/readers/svmlight_parser.hpp"
#include "sgdlearn/readers/vw_parser.hpp"

namespace sgdlearn::readers {

enum class Format { kSvmlight, kCsv, kVw };

struct ReaderOptions {
  Format format = Format::kSvmlight;
  OnError on_error = OnError::kRaise;
  SvmlightOptions svmlight;
  CsvOptions csv;
  VwOptions vw;
};

template <class T>
void parse_text_block(const TextBlock& block, const std::string& path, const ReaderOptions& o,
                      RowBlock<T>& out) {
  // Line parsers may read ahead of a line to its block's end (never past it).
  const char* const block_end = block.text.data() + block.text.size();
  switch (o.format) {
    case Format::kSvmlight:
      parse_block(block, path, o.on_error, out, [&](const char* b, const char* e, LinePlace at, RowBlock<T>& r) {
        parse_svmlight_line(b, e, block_end, o.svmlight, at, r);
      });
      break;
    case Format::kCsv:
      parse_block(block, path, o.on_error, out, [&](const char* b, const char* e, LinePlace at, RowBlock<T>& r) {
        parse_csv_line(b, e, o.csv, at, r);
      });
      break;
    case Format::kVw: {
      std::vector<std::pair<std::int32_t, double>> row;
      parse_block(block, path, o.on_error, out, [&](const char* b, const char* e, LinePlace at, RowBlock<T>& r) {
        parse_vw_line(b, e, block_end, o.vw, at, r, row);
      });
      break;
    }
  }
}

// About how many values a block holds (a few too many at most): reserving that
// much saves the copies and page faults of growing the arrays.
inline std::size_t expected_values(const TextBlock& block, const ReaderOptions& options) {
  const char mark = options.format == Format::kCsv ? options.csv.delimiter
                    : options.format == Format::kVw ? ' '
                                                    : ':';
  return std::size_t(std::count(block.text.begin(), block.text.end(), mark)) + std::size_t(block.n_lines);
}

// Parsing a group of blocks: blocks[0..n) into parsed[0..n) (resized; each cleared,
// its memory kept), one task a block on a team's threads. finish_parse_group says how
// many blocks hold good rows: n, or, after an error, the blocks up to the first failing
// one, which keeps the rows before its bad line; `error` is then set. The first error
// in file order is the one reported, whatever the number of threads.
template <class T>
void start_parse_group(const std::vector<TextBlock>& blocks, std::size_t n,
                       const std::vector<std::string>& paths, const ReaderOptions& options,
                       std::vector<RowBlock<T>>& parsed, std::vector<std::exception_ptr>& errors,
                       WorkerTeam& team, bool caller_helps = false) {
  if (parsed.size() < n) parsed.resize(n);
  errors.assign(n, nullptr);
  auto task = [&blocks, &paths, &options, &parsed, &errors](std::size_t i) {
    try {
      RowBlock<T>& out = parsed[i];
      out.clear();
      const TextBlock& block = blocks[i];
      if (out.indices.capacity() == 0) {  // a reused block keeps its capacity
        out.reserve(std::size_t(block.n_lines), expected_values(block, options));
      }
      parse_text_block(block, paths[block.file], options, out);
      out.stats.rows = static_cast<long long>(out.n_rows());
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  if (caller_helps) {
    team.run(n, task);
  } else {
    team.start(n, task);
  }
}

inline std::size_t finish_parse_group(WorkerTeam& team, const std::vector<std::exception_ptr>& errors,
                                      std::exception_ptr& error) {
  team.wait();
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (errors[i]) {
      error = errors[i];
      return i + 1;
    }
  }
  return errors.size();
}

// The group parsed by the team and the calling thread together, before it returns.
template <class T>
std::size_t parse_group(const std::vector<TextBlock>& blocks, std::size_t n,
                        const std::vector<std::string>& paths, const ReaderOptions& options,
                        std::vector<RowBlock<T>>& parsed, WorkerTeam& team, std::exception_ptr& error) {
  std::vector<std::exception_ptr> errors;
  start_parse_group(blocks, n, paths, options, parsed, errors, team, /*caller_helps=*/true);
  return finish_parse_group(team, errors, error);
}

// Reads up to `n` blocks (fewer at the end); returns how many.
inline std::size_t read_group(BlockReader& reader, std::vector<TextBlock>& blocks, std::size_t n) {
  if (blocks.size() < n) blocks.resize(n);
  std::size_t got = 0;
  while (got < n && reader.next(blocks[got])) ++got;
  return got;
}

}  // namespace sgdlearn::readers
