// SPDX-License-Identifier: BSD-3-Clause
// The trainers' instantiations for float32 and float64 data: compiled once here.
#include "sgdlearn/batch_trainer.hpp"
#include "sgdlearn/trainer.hpp"

namespace sgdlearn {

template SGDLEARN_FIT_OUTPUTS(float);
template SGDLEARN_FIT_OUTPUTS(double);
template SGDLEARN_FIT_JOINT(float);
template SGDLEARN_FIT_JOINT(double);

}  // namespace sgdlearn
