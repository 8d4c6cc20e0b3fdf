// SPDX-License-Identifier: BSD-3-Clause
// Everything in the core, for benchmarks and other C++ users.
#pragma once

#include "sgdlearn/batch_trainer.hpp"
#include "sgdlearn/checks.hpp"
#include "sgdlearn/config.hpp"
#include "sgdlearn/data_view.hpp"
#include "sgdlearn/errors.hpp"
#include "sgdlearn/losses.hpp"
#include "sgdlearn/optimizers.hpp"
#include "sgdlearn/penalties.hpp"
#include "sgdlearn/predict.hpp"
#include "sgdlearn/schedules.hpp"
#include "sgdlearn/stop_token.hpp"
#include "sgdlearn/trainer.hpp"
#include "sgdlearn/trainer_common.hpp"
#include "sgdlearn/weight_vector.hpp"
