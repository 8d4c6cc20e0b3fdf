// SPDX-License-Identifier: BSD-3-Clause
// Exceptions the core throws; the bindings map each to a Python exception.
#pragma once

#include <stdexcept>
#include <string>

namespace sgdlearn {

// Weights or intercept became inf/NaN.
class DivergenceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The caller's stop callback asked to stop (Ctrl-C): the model is left as it was after
// the last completed step and the caller re-raises its own error.
class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted") {}
};

// Bad arguments that the Python layer should have caught first.
class InvalidArgument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace sgdlearn
