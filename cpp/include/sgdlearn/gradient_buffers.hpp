// SPDX-License-Identifier: BSD-3-Clause
// A mini-batch step's gradient sums, one part per thread (batch_trainer.hpp), and the
// buffers a caller may keep for them between calls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "sgdlearn/data_view.hpp"
#include "sgdlearn/huge_pages.hpp"

namespace sgdlearn {
namespace detail {

// The coordinates a step updates: those its examples touch, in the order first touched,
// or a fixed range (dense updates). Its storage only grows:
// appending a row's worth is a bump of the size, where std::vector::resize made an
// out-of-line call that zero-filled what was about to be written, twice a row.
class CoordinateList {
 public:
  const Index* data() const { return items_.data(); }
  Index size() const { return size_; }
  const Index* begin() const { return items_.data(); }
  const Index* end() const { return items_.data() + size_; }
  void clear() { size_ = 0; }
  void push_back(Index j) {
    *room(1) = j;
    ++size_;
  }
  // Storage for n more coordinates at the end; grow(added) then keeps `added` of them.
  Index* room(Index n) {
    if (Index(items_.size()) < size_ + n) items_.resize(std::size_t(size_ + n));
    return items_.data() + size_;
  }
  void grow(Index added) { size_ += added; }
  // The list first, ..., last - 1.
  void assign_range(Index first, Index last) {
    clear();
    Index* out = room(last - first);
    for (Index j = first; j < last; ++j) out[j - first] = j;
    grow(last - first);
  }

 private:
  std::vector<Index> items_;
  Index size_ = 0;
};

// One part of a batch's gradient: the sums over some of its examples, the coordinates
// they touch, and their objective. Parts are summed in a fixed order, so a run is
// bit-identical for a given number of threads. Each part starts a cache line of its
// own: the parts are written by different threads, and a line shared by the end of one
// and the start of the next moved between the cores at every example.
struct alignas(64) GradientPart {
  // K x n_features sums, on huge pages (huge_pages.hpp), as the marks: over 2^22
  // hashed features, 4 kB pages made adam batch_size=256 4% slower on one thread
  // (0.72 -> 0.75 s) and 10% on two (0.40 -> 0.45 s).
  std::vector<double, HugePageAllocator<double>> G;
  std::vector<double> Gb, p, d;
  CoordinateList touched;
  // marked[j] == step_mark: j is in `touched`. A new step takes the next mark rather
  // than clearing the old marks one by one (a pass over the touched coordinates);
  // when the byte wraps, every mark is cleared at once, one step in 255.
  std::vector<std::uint8_t, HugePageAllocator<std::uint8_t>> marked;
  std::uint8_t step_mark = 1;
  double objective = 0.0;

  GradientPart(Index K, Index nf, bool every_coordinate)
      : G(std::size_t(K * nf), 0.0), Gb(K, 0.0), p(K), d(K), marked(every_coordinate ? 0 : nf, 0) {
    if (every_coordinate) touched.assign_range(0, nf);
  }

  // Without a branch on whether j was marked: that branch goes either way about as
  // often, and its mispredictions cost more than the rest of the gradient's sum.
  template <class Row>
  void touch(const Row& row) {
    if (marked.empty()) return;  // every coordinate is touched anyway
    // Locals: a byte store may alias anything, the caller's row and marked's own pointer
    // included, which would otherwise be reloaded after every mark.
    const Row local_row = row;
    std::uint8_t* const mark = marked.data();
    const std::uint8_t now = step_mark;
    Index* const out = touched.room(local_row.size());
    Index added = 0;
    local_row.for_each([&](Index j, auto) {
      out[added] = j;
      added += mark[j] != now;
      mark[j] = now;
    });
    touched.grow(added);
  }

  // Adds this part's intercept gradients and objective into `total` and clears them.
  void add_sums_into(GradientPart& total, Index K) {
    for (Index k = 0; k < K; ++k) {
      total.Gb[k] += Gb[k];
      Gb[k] = 0.0;
    }
    total.objective += objective;
    objective = 0.0;
  }

  // Adds this part into `total` and clears it.
  void move_into(GradientPart& total, Index K, Index nf) {
    for (Index k = 0; k < K; ++k) {
      for (Index j : touched) {
        total.G[k * nf + j] += G[k * nf + j];
        G[k * nf + j] = 0.0;
      }
    }
    if (!marked.empty()) {
      for (Index j : touched) {
        if (total.marked[j] != total.step_mark) {
          total.marked[j] = total.step_mark;
          total.touched.push_back(j);
        }
      }
      forget_touched();
    }
    add_sums_into(total, K);
  }

  // Clears the sums for the next step; `gradient_zeroed`: a CoordinateRule step took the
  // touched coordinates' gradients and left them zero.
  void clear(Index K, Index nf, bool gradient_zeroed) {
    if (!gradient_zeroed) {
      for (Index k = 0; k < K; ++k) {
        for (Index j : touched) G[k * nf + j] = 0.0;
      }
    }
    std::fill(Gb.begin(), Gb.end(), 0.0);
    if (!marked.empty()) forget_touched();
    objective = 0.0;
  }

 private:
  void forget_touched() {
    touched.clear();
    if (++step_mark == 0) {
      std::fill(marked.begin(), marked.end(), std::uint8_t(0));
      step_mark = 1;
    }
  }
};

}  // namespace detail

// The gradient parts of the mini-batch trainer (fit_joint), kept between calls: making
// them allocates and zeroes K x n_features sums per thread, which costs more than the
// steps of a small partial_fit batch over many features. A call takes them when they
// have its shape, and hands them back clean when it ends normally; one that ends by an
// exception keeps them, and the next call makes new ones. Two calls at once (two
// threads training one model) do not share them: the second makes its own.
class GradientBuffers {
 public:
  // Parts of K outputs over `width` features each for `parts` threads; `every_coordinate`:
  // every step touches every coordinate (dense updates, which cost O(n_features) a step
  // anyway: never kept).
  std::vector<detail::GradientPart> take(Index K, Index width, bool every_coordinate,
                                         int parts) {
    std::vector<detail::GradientPart> kept;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!every_coordinate && Index(parts_.size()) == parts && K_ == K && width_ == width) {
        kept = std::move(parts_);
      }
      parts_.clear();
    }
    if (kept.empty()) {
      for (int part = 0; part < parts; ++part) kept.emplace_back(K, width, every_coordinate);
    }
    return kept;
  }
  // The parts that take() gave a call which ended normally, cleared for the next one.
  void give_back(std::vector<detail::GradientPart> parts, Index K, Index width,
                 bool every_coordinate) {
    if (every_coordinate) return;
    for (auto& part : parts) part.clear(K, width, false);
    std::lock_guard<std::mutex> lock(mutex_);
    parts_ = std::move(parts);
    K_ = K;
    width_ = width;
  }

 private:
  std::mutex mutex_;
  std::vector<detail::GradientPart> parts_;  // with K_ x width_ sums each
  Index K_ = 0, width_ = 0;
};

}  // namespace sgdlearn
