// SPDX-License-Identifier: BSD-3-Clause
// Parallel loops on plain threads, for the readers. A WorkerTeam keeps its threads for
// its lifetime, asleep on a condition variable between loops: none spins (OpenMP's idle
// threads spin for a while, and would take the core that the trainer needs while the
// next group of blocks is read), and none is started per loop: a thread started for a
// loop of ~1 ms tasks often ran only after the caller had done the tasks itself (the
// scheduler queued it behind the busy reader thread), so two threads parsed barely
// faster than one.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sgdlearn::readers {

class WorkerTeam {
 public:
  explicit WorkerTeam(int n_workers) {
    threads_.reserve(std::size_t(std::max(0, n_workers)));
    for (int k = 0; k < n_workers; ++k) threads_.emplace_back([this] { serve(); });
  }

  ~WorkerTeam() {
    wait();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closing_ = true;
    }
    wake_.notify_all();
    for (auto& thread : threads_) thread.join();
  }
  WorkerTeam(const WorkerTeam&) = delete;
  WorkerTeam& operator=(const WorkerTeam&) = delete;

  // Starts task(i) for i in [0, n) on the workers and returns at once; wait() blocks
  // until every task has run. One loop at a time; task must not throw. With no
  // workers the loop runs here, now.
  void start(std::size_t n, std::function<void(std::size_t)> task) {
    wait();
    if (threads_.empty()) {
      for (std::size_t i = 0; i < n; ++i) task(i);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = std::move(task);
      n_ = n;
      next_.store(0, std::memory_order_relaxed);
      busy_ = threads_.size();
      ++generation_;
    }
    wake_.notify_all();
  }

  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return busy_ == 0; });
  }

  // start(n, task), with the calling thread taking tasks too, then wait().
  void run(std::size_t n, const std::function<void(std::size_t)>& task) {
    start(n, task);
    if (!threads_.empty()) take_tasks(task, n);
    wait();
  }

 private:
  void take_tasks(const std::function<void(std::size_t)>& task, std::size_t n) {
    for (std::size_t i = next_++; i < n; i = next_++) task(i);
  }

  void serve() {
    std::uint64_t seen = 0;
    for (;;) {
      std::function<void(std::size_t)>* task = nullptr;
      std::size_t n = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return closing_ || generation_ != seen; });
        if (closing_) return;
        seen = generation_;
        task = &task_;
        n = n_;
      }
      take_tasks(*task, n);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_ == 0) done_.notify_all();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::function<void(std::size_t)> task_;
  std::size_t n_ = 0, busy_ = 0;
  std::atomic<std::size_t> next_{0};
  std::uint64_t generation_ = 0;
  bool closing_ = false;
};

// Runs task(i) for i in [0, n) on up to n_threads threads (the caller's among them),
// started for this call. task must not throw.
template <class Task>
void parallel_for(std::size_t n, int n_threads, Task&& task) {
  const std::size_t threads = std::min<std::size_t>(n, std::size_t(std::max(1, n_threads)));
  WorkerTeam team(int(threads) - 1);
  team.run(n, task);
}

}  // namespace sgdlearn::readers
