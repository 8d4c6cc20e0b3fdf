// SPDX-License-Identifier: BSD-3-Clause
// pybind11 bindings of the streaming readers (filled in by the readers work).
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_readers(py::module_& m) { (void)m; }
