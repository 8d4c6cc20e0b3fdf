// SPDX-License-Identifier: BSD-3-Clause
// The trainer's instantiations for float32 and float64 data: compiled once here.
#include "sgdlearn/trainer.hpp"

namespace sgdlearn {

template SGDLEARN_FIT_OUTPUTS(float);
template SGDLEARN_FIT_OUTPUTS(double);

}  // namespace sgdlearn
