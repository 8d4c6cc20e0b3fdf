// SPDX-License-Identifier: BSD-3-Clause
// How many threads run the parts of a mini-batch step: one each, or one thread taking
// them all in turn, whichever measured faster on recent steps. The parts stay those
// that n_jobs gives, so the results do not depend on the choice (a smaller team takes
// several parts, in the same order of summation).
//
// Sharing a step costs its synchronisation and the data that crosses between the
// cores (the parts of the dot products, the loss derivatives). Where the cores sit in
// different CPU complexes, as the two vCPUs of a virtual machine may from one minute
// to the next (measured here: 190 ns to hand a cache line to the other core, against
// 45 ns within one complex), that can cost more than the second core gains.
#pragma once

namespace sgdlearn::detail {

class TeamChooser {
 public:
  explicit TeamChooser(int parts) : parts_(parts), chosen_(parts) {}

  // The team for the next step.
  int team() const {
    if (parts_ == 1) return 1;
    if (phase_ < kTrialSteps) return parts_;
    if (phase_ < 2 * kTrialSteps) return 1;
    return chosen_;
  }

  // Records how long the step run with team() took.
  void record(double seconds) {
    if (parts_ == 1) return;
    // A trial's first steps are not counted: they fetch what the other team left in
    // the other core's cache.
    const int in_trial = phase_ % kTrialSteps;
    if (phase_ < 2 * kTrialSteps && in_trial >= kSettlingSteps) {
      (phase_ < kTrialSteps ? shared_ : alone_) += seconds;
    }
    ++phase_;
    if (phase_ == 2 * kTrialSteps) chosen_ = shared_ <= alone_ ? parts_ : 1;
    if (phase_ == kCycleSteps) {
      phase_ = 0;
      shared_ = alone_ = 0.0;
    }
  }

 private:
  // Each cycle tries both teams for a few steps, then keeps the faster: the machine can
  // change under a run.
  static constexpr int kTrialSteps = 24;     // per team
  static constexpr int kSettlingSteps = 8;   // of each trial, not counted
  static constexpr int kCycleSteps = 1024;   // steps, trials included

  int parts_;
  int chosen_;
  int phase_ = 0;
  double shared_ = 0.0, alone_ = 0.0;
};

}  // namespace sgdlearn::detail
