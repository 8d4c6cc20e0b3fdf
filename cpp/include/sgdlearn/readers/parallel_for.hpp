// SPDX-License-Identifier: BSD-3-Clause
// A parallel loop on plain threads, for the readers: threads started per call and
// joined at its end, so that none spins after it (OpenMP's idle threads spin for a
// while, and would take the core that the trainer needs while the next group of
// blocks is read). A call runs tasks of a few MB each, so starting threads is cheap.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace sgdlearn::readers {

// Runs task(i) for i in [0, n) on up to n_threads threads (the caller's among them).
// task must not throw.
template <class Task>
void parallel_for(std::size_t n, int n_threads, Task&& task) {
  const std::size_t workers = std::min<std::size_t>(n, std::size_t(std::max(1, n_threads)));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) task(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) task(i);
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (std::size_t k = 1; k < workers; ++k) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();
}

}  // namespace sgdlearn::readers
