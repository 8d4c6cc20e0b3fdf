// SPDX-License-Identifier: BSD-3-Clause
// Line blocks: the files' bytes cut into blocks of whole lines (a block ends just after
// a newline, or at the end of a file), each knowing its file and the number of its
// first line, so that blocks parse independently, in parallel, and still report exact
// line numbers. A block never spans two files; a line longer than the block size
// grows its block.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sgdlearn/readers/byte_source.hpp"
#include "sgdlearn/readers/uninitialized_vector.hpp"

namespace sgdlearn::readers {

// Text buffers grow to be read into: zero-filling them first would write every byte of
// the files once more.
using TextBuffer = UninitializedVector<char>;

struct TextBlock {
  TextBuffer text;          // whole lines; the last may lack its '\n' at the end of a file
  std::size_t file = 0;     // index into the reader's paths
  long long first_line = 1; // 1-based number of the block's first line in its file
  long long n_lines = 0;    // lines in the block
};

class BlockReader {
 public:
  BlockReader(std::vector<std::string> paths, std::size_t block_bytes)
      : paths_(std::move(paths)), block_bytes_(std::max<std::size_t>(block_bytes, 64)) {}

  const std::vector<std::string>& paths() const { return paths_; }

  // Fills `block` with the next lines; false when every file is read. Empty files yield
  // no block.
  bool next(TextBlock& block) {
    for (;;) {
      if (!source_) {
        if (file_ >= paths_.size()) return false;
        source_ = open_source(paths_[file_]);
        line_ = 1;
        carry_.clear();
      }
      TextBuffer& text = block.text;
      text.swap(carry_);
      carry_.clear();
      bool at_end = false;
      std::size_t cut = 0;  // bytes of whole lines in text
      for (;;) {
        const std::size_t old_size = text.size();
        // A block's worth, or (for a line longer than that) double what is held.
        const std::size_t want = old_size < block_bytes_ ? block_bytes_ - old_size : old_size;
        text.resize(old_size + want);
        std::size_t got = 0;
        while (got < want) {
          const std::size_t n = source_->read(text.data() + old_size + got, want - got);
          if (n == 0) {
            at_end = true;
            break;
          }
          got += n;
        }
        text.resize(old_size + got);
        if (at_end) {
          cut = text.size();
          break;
        }
        // The last newline of what is read so far ends the block.
        const char* base = text.data();
        const void* last = memrchr(base + old_size, '\n', got);
        if (last) {
          cut = std::size_t(static_cast<const char*>(last) - base) + 1;
          break;
        }
      }
      carry_.assign(text.begin() + std::ptrdiff_t(cut), text.end());
      text.resize(cut);
      block.file = file_;
      block.first_line = line_;
      block.n_lines = count_lines(text);
      line_ += block.n_lines;
      if (at_end) {
        source_.reset();
        ++file_;
      }
      if (!text.empty()) return true;
    }
  }

 private:
  // memchr from newline to newline: lines are long, and memchr is vectorised where
  // std::count over chars is not.
  static long long count_lines(const TextBuffer& text) {
    long long n = 0;
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p < end && (p = static_cast<const char*>(std::memchr(p, '\n', std::size_t(end - p))))) {
      ++n;
      ++p;
    }
    if (!text.empty() && text.back() != '\n') ++n;
    return n;
  }

  std::vector<std::string> paths_;
  std::size_t block_bytes_;
  std::size_t file_ = 0;
  std::unique_ptr<ByteSource> source_;
  long long line_ = 1;
  TextBuffer carry_;
};

}  // namespace sgdlearn::readers
