// SPDX-License-Identifier: BSD-3-Clause
// Cooperative cancellation. The caller passes a poll function (the bindings check for
// Ctrl-C there); only the thread that created the token calls it, at most every
// kPollPeriod, so worker threads never call back into the caller. Any thread may read
// the flag, and any thread may raise it (to stop the others after an error).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <utility>

namespace sgdlearn {

class StopToken {
 public:
  explicit StopToken(std::function<bool()> poll = {})
      : poll_(std::move(poll)), owner_(std::this_thread::get_id()) {}

  // Cheap enough to call every few thousand examples.
  bool should_stop() {
    if (stop_.load(std::memory_order_relaxed)) return true;
    if (poll_ && std::this_thread::get_id() == owner_) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_poll_ >= kPollPeriod) {
        last_poll_ = now;
        if (poll_()) request_stop();
      }
    }
    return stop_.load(std::memory_order_relaxed);
  }

  void request_stop() { stop_.store(true, std::memory_order_relaxed); }

 private:
  static constexpr std::chrono::milliseconds kPollPeriod{20};
  std::function<bool()> poll_;
  std::thread::id owner_;
  std::chrono::steady_clock::time_point last_poll_{};
  std::atomic<bool> stop_{false};
};

}  // namespace sgdlearn
