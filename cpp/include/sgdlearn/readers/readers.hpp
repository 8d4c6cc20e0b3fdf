// SPDX-License-Identifier: BSD-3-Clause
// Everything of the readers, for the bindings, benchmarks and the fuzz target.
#pragma once

#include "sgdlearn/readers/block_parse.hpp"
#include "sgdlearn/readers/byte_source.hpp"
#include "sgdlearn/readers/chunk_stream.hpp"
#include "sgdlearn/readers/csv_parser.hpp"
#include "sgdlearn/readers/line_blocks.hpp"
#include "sgdlearn/readers/murmurhash3.hpp"
#include "sgdlearn/readers/number_parsing.hpp"
#include "sgdlearn/readers/parallel_for.hpp"
#include "sgdlearn/readers/parse_error.hpp"
#include "sgdlearn/readers/row_block.hpp"
#include "sgdlearn/readers/svmlight_parser.hpp"
#include "sgdlearn/readers/text_format.hpp"
#include "sgdlearn/readers/vw_parser.hpp"
#include "sgdlearn/readers/whole_load.hpp"
