// SPDX-License-Identifier: BSD-3-Clause
// Chunks of exactly chunk_rows rows (the last may be shorter), parsed ahead by a
// background thread while the caller trains on the previous ones. The thread reads
// groups of line blocks, has them parsed in parallel, cuts the rows into chunks and
// queues them (see produce()); the queue holds at most `queue_chunks`, so memory stays bounded by a few
// chunks and a group of blocks whatever the size of the files. An error in the thread
// is rethrown by next(), after the chunks that came before it.
//
// svmlight with zero_based="auto" (first_index -1): the first group of blocks decides
// (one-based when none of its indices is 0); later lines are then checked as they are
// parsed, so a 0 index further on is a ParseError, never a silently shifted column.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sgdlearn/errors.hpp"
#include "sgdlearn/readers/line_blocks.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"
#include "sgdlearn/readers/text_format.hpp"
#include "sgdlearn/readers/whole_load.hpp"
#include "sgdlearn/stop_token.hpp"

namespace sgdlearn::readers {

template <class T>
class ChunkStream {
 public:
  ChunkStream(std::vector<std::string> paths, ReaderOptions options, std::int64_t n_features,
              std::size_t chunk_rows, std::size_t block_bytes, int n_threads, std::size_t queue_chunks)
      : paths_(std::move(paths)),
        options_(options),
        n_features_(n_features),
        chunk_rows_(std::max<std::size_t>(chunk_rows, 1)),
        block_bytes_(block_bytes),
        n_threads_(std::max(1, n_threads)),
        queue_chunks_(std::max<std::size_t>(queue_chunks, 1)) {
    options_.svmlight.n_features = n_features;
    thread_ = std::thread([this] { produce(); });
  }

  ~ChunkStream() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  ChunkStream(const ChunkStream&) = delete;
  ChunkStream& operator=(const ChunkStream&) = delete;

  // The next chunk (indices shifted to zero-based); false when the files are done.
  // While it waits, `stop` is polled (Ctrl-C): Interrupted when it says stop.
  bool next(RowBlock<T>& chunk, StopToken& stop) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!changed_.wait_for(lock, std::chrono::milliseconds(20),
                              [this] { return !queue_.empty() || finished_; })) {
      lock.unlock();
      if (stop.should_stop()) throw Interrupted();
      lock.lock();
    }
    if (queue_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return false;
    }
    chunk = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    return true;
  }

  // The first column once known (0 or 1; -1 before the first chunk for "auto").
  int first_index() const { return first_index_; }

  // Most chunks alive in the queue at once so far (tests check the bound).
  std::size_t max_queued() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return max_queued_;
  }

 private:
  // Queues a chunk; false when the consumer has gone.
  bool push(RowBlock<T>&& chunk) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return queue_.size() < queue_chunks_ || cancelled_; });
    if (cancelled_) return false;
    queue_.push_back(std::move(chunk));
    max_queued_ = std::max(max_queued_, queue_.size());
    changed_.notify_all();
    return true;
  }

  // Decides zero_based="auto" on the first group and checks its indices, which were
  // parsed before the first column was known.
  void settle_first_index(const std::vector<RowBlock<T>>& group, std::size_t n) {
    BlockStats stats;
    for (std::size_t i = 0; i < n; ++i) stats.merge(group[i].stats);
    const int first = resolve_first_index(-1, stats);
    resolve_width(n_features_, first, stats, paths_);
    options_.svmlight.first_index = first;
    first_index_ = first;
  }

  // Cuts the rows of parsed blocks [0, good) into chunks and queues the full ones;
  // false when the consumer has gone.
  bool assemble(std::vector<RowBlock<T>>& group, std::size_t good, RowBlock<T>& chunk) {
    for (std::size_t i = 0; i < good; ++i) {
      RowBlock<T>& block = group[i];
      if (first_index_ > 0) {
        for (auto& index : block.indices) index -= first_index_;
      }
      chunk.stats.merge(block.stats);
      for (std::size_t from = 0; from < block.n_rows();) {
        const std::size_t take = std::min(block.n_rows() - from, chunk_rows_ - chunk.n_rows());
        chunk.append_rows(block, from, take);
        from += take;
        if (chunk.n_rows() == chunk_rows_) {
          // The next chunk is reserved at this one's size: no growing, no copies.
          const std::size_t values = chunk.nnz() + chunk.nnz() / 8;
          if (!push(std::move(chunk))) return false;
          chunk = RowBlock<T>();
          chunk.reserve(chunk_rows_, values);
        }
      }
    }
    return true;
  }

  // A pipeline of two groups of blocks: while worker threads parse group k, this
  // thread reads group k + 1 and then cuts group k into chunks, so that reading,
  // parsing and cutting overlap. After a bad line (or a read error), the rows before
  // it are still queued, then the error.
  void produce() {
    try {
      const bool svmlight = options_.format == Format::kSvmlight;
      if (!svmlight) first_index_ = 0;
      else if (options_.svmlight.first_index >= 0) first_index_ = options_.svmlight.first_index;
      BlockReader reader(paths_, block_bytes_);
      const auto group_size = std::size_t(n_threads_);
      std::vector<TextBlock> text[2];
      std::vector<RowBlock<T>> parsed[2];
      std::vector<std::exception_ptr> parse_errors[2];
      // Declared after the buffers its tasks use, so that it is destroyed (waiting for
      // a parse in flight) before them.
      WorkerTeam team(n_threads_);
      auto start_parse = [&](int slot, std::size_t n) {
        start_parse_group(text[slot], n, paths_, options_, parsed[slot], parse_errors[slot], team);
      };
      RowBlock<T> chunk;
      int k = 0;
      std::size_t n = read_group(reader, text[0], group_size);
      if (n > 0) start_parse(0, n);
      while (n > 0) {
        std::size_t next = 0;
        std::exception_ptr read_error;
        try {
          next = read_group(reader, text[1 - k], group_size);
        } catch (...) {
          read_error = std::current_exception();
        }
        std::exception_ptr parse_error;
        const std::size_t good = finish_parse_group(team, parse_errors[k], parse_error);
        if (svmlight && first_index_ < 0) settle_first_index(parsed[k], good);
        const bool failed = parse_error || read_error;
        if (next > 0 && !failed) start_parse(1 - k, next);
        if (!assemble(parsed[k], good, chunk)) return;
        if (failed) {
          if (chunk.n_rows() > 0 && !push(std::move(chunk))) return;
          std::rethrow_exception(parse_error ? parse_error : read_error);
        }
        k = 1 - k;
        n = next;
      }
      if (chunk.n_rows() > 0 || chunk.stats.skipped > 0) {
        if (!push(std::move(chunk))) return;
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  std::vector<std::string> paths_;
  ReaderOptions options_;
  std::int64_t n_features_;
  std::size_t chunk_rows_, block_bytes_;
  int n_threads_;
  std::size_t queue_chunks_;
  std::atomic<int> first_index_{-1};

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<RowBlock<T>> queue_;
  std::size_t max_queued_ = 0;
  bool finished_ = false, cancelled_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace sgdlearn::readers
