// SPDX-License-Identifier: BSD-3-Clause
// pybind11 bindings: numpy/scipy buffers to core views (no copies, checked), the GIL
// released around training, Ctrl-C polled through the core's stop token, and core
// exceptions mapped to Python ones. No algorithm and no default lives here.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <omp.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sgdlearn/sgdlearn.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using sgdlearn::Index;

namespace {

// Names looked up on every training call, as interned Python strings made once: a name
// made afresh misses CPython's attribute cache (it compares names by identity), and
// each lookup on a scipy matrix then searches its long class hierarchy class by class.
// Interned strings live as long as the interpreter; these references are never dropped.
struct Names {
  PyObject* data = PyUnicode_InternFromString("data");
  PyObject* indices = PyUnicode_InternFromString("indices");
  PyObject* indptr = PyUnicode_InternFromString("indptr");
  PyObject* shape = PyUnicode_InternFromString("shape");
  PyObject* n_iter = PyUnicode_InternFromString("n_iter");
  PyObject* steps = PyUnicode_InternFromString("steps");
  PyObject* objective = PyUnicode_InternFromString("objective");
  PyObject* loss_sum = PyUnicode_InternFromString("loss_sum");
  PyObject* validation_score = PyUnicode_InternFromString("validation_score");
  PyObject* learning_rate = PyUnicode_InternFromString("learning_rate");
  PyObject* seconds = PyUnicode_InternFromString("seconds");
  PyObject* coordinate_updates = PyUnicode_InternFromString("coordinate_updates");
};

const Names& names() {
  static const Names interned;  // first made under the GIL, by the first call
  return interned;
}

py::object attribute(const py::handle& obj, PyObject* name) {
  return obj.attr(py::handle(name));
}

// The buffer of `obj` as a C-contiguous array of dtype T, of any shape, or a
// TypeError/ValueError naming `name`. Never copies.
template <class T>
py::array checked_buffer(const py::handle& obj, const char* name, bool writable) {
  if (!py::isinstance<py::array>(obj)) {
    throw py::type_error(std::string(name) + " must be a numpy array");
  }
  auto arr = py::reinterpret_borrow<py::array>(obj);
  if (!arr.dtype().equal(py::dtype::of<T>())) {
    throw py::type_error(std::string(name) + " must have dtype " +
                         std::string(py::str(py::dtype::of<T>())) + ", got " +
                         std::string(py::str(arr.dtype())));
  }
  if (!(arr.flags() & py::array::c_style)) {
    throw py::value_error(std::string(name) + " must be C-contiguous");
  }
  if (writable && !arr.writeable()) {
    throw py::value_error(std::string(name) + " must be writable");
  }
  return arr;
}

// checked_buffer, of the given shape (-1: any length).
template <class T>
py::array checked_array(const py::handle& obj, const char* name,
                        std::initializer_list<Index> shape, bool writable) {
  auto arr = checked_buffer<T>(obj, name, writable);
  if (arr.ndim() != py::ssize_t(shape.size())) {
    throw py::value_error(std::string(name) + " must have " + std::to_string(shape.size()) +
                          " dimension(s), got " + std::to_string(arr.ndim()));
  }
  py::ssize_t d = 0;
  for (const Index expected : shape) {
    if (expected >= 0 && arr.shape(d) != expected) {
      throw py::value_error(std::string(name) + " has shape[" + std::to_string(d) + "] = " +
                            std::to_string(arr.shape(d)) + ", expected " +
                            std::to_string(expected));
    }
    ++d;
  }
  return arr;
}

template <class T>
T* mutable_ptr(const py::handle& obj, const char* name, std::initializer_list<Index> shape) {
  if (obj.is_none()) return nullptr;
  return static_cast<T*>(checked_array<T>(obj, name, shape, true).mutable_data());
}

template <class T>
const T* const_ptr(const py::handle& obj, const char* name, std::initializer_list<Index> shape) {
  if (obj.is_none()) return nullptr;
  return static_cast<const T*>(checked_array<T>(obj, name, shape, false).data());
}

// A dense 2-d array or a scipy CSR matrix (int32 indices) as a core view.
template <class T>
sgdlearn::MatrixView<T> matrix_view(const py::handle& X) {
  const Names& name = names();
  if (py::hasattr(X, py::handle(name.indptr))) {
    const auto shape = attribute(X, name.shape).cast<std::pair<Index, Index>>();
    const auto [n_rows, n_cols] = shape;
    const py::object data_array = attribute(X, name.data);
    const py::object indices_array = attribute(X, name.indices);
    const T* data = const_ptr<T>(data_array, "X.data", {-1});
    const auto* indices = const_ptr<std::int32_t>(indices_array, "X.indices", {-1});
    const auto* indptr =
        const_ptr<std::int32_t>(attribute(X, name.indptr), "X.indptr", {n_rows + 1});
    if (indptr[0] != 0) throw py::value_error("X.indptr must start at 0");
    const Index nnz = py::len(indices_array);
    if (Index(indptr[n_rows]) > nnz || py::len(data_array) < size_t(indptr[n_rows])) {
      throw py::value_error("X.indptr points past the end of X.indices");
    }
    for (Index i = 0; i < n_rows; ++i) {
      if (indptr[i + 1] < indptr[i]) throw py::value_error("X.indptr must be non-decreasing");
    }
    const sgdlearn::CsrMatrix<T> view{data, indices, indptr, n_rows, n_cols};
    Index bad;
    {
      py::gil_scoped_release release;
      bad = view.first_bad_index();
    }
    if (bad >= 0) {
      throw py::value_error("X has a column index " + std::to_string(indices[bad]) +
                            " outside [0, " + std::to_string(n_cols) + ")");
    }
    return view;
  }
  auto arr = checked_array<T>(X, "X", {-1, -1}, false);
  return sgdlearn::DenseMatrix<T>{static_cast<const T*>(arr.data()), Index(arr.shape(0)),
                                  Index(arr.shape(1))};
}

template <class T>
py::list fit_outputs(const sgdlearn::TrainerConfig& config, const py::handle& X,
                     const py::handle& targets, const py::handle& positive_class,
                     const py::handle& weight_positive, const py::handle& weight_negative,
                     const py::handle& seeds, const py::handle& sample_weight,
                     const py::handle& validation, const py::handle& coef,
                     const py::handle& intercept, const py::handle& average_coef,
                     const py::handle& average_intercept, const py::handle& l1_q,
                     const py::handle& l1_u, const py::handle& slots,
                     const py::handle& weight_norms, const py::handle& coef_scale,
                     const py::handle& average_factors, const py::handle& average_counts,
                     double t, const py::handle& gradient_buffers) {
  sgdlearn::TrainingSet<T> data{matrix_view<T>(X), {}, nullptr, nullptr};
  const Index n_rows = std::visit([](const auto& m) { return m.n_rows; }, data.X);
  const Index n_features = std::visit([](const auto& m) { return m.n_cols; }, data.X);
  const auto targets_array = py::reinterpret_borrow<py::array>(targets);
  if (py::isinstance<py::array>(targets) && targets_array.dtype().kind() == 'i') {
    data.targets.classes = const_ptr<std::int32_t>(targets, "targets", {n_rows});
  } else {
    data.targets.values = const_ptr<double>(targets, "targets", {n_rows});
  }
  data.sample_weight = const_ptr<double>(sample_weight, "sample_weight", {n_rows});
  data.validation = const_ptr<std::uint8_t>(validation, "validation", {n_rows});

  const Index n_outputs = py::len(seeds);
  const auto* positive = const_ptr<std::int32_t>(positive_class, "positive_class", {n_outputs});
  const auto* w_pos = const_ptr<double>(weight_positive, "weight_positive", {n_outputs});
  const auto* w_neg = const_ptr<double>(weight_negative, "weight_negative", {n_outputs});
  const auto* seed = const_ptr<std::uint64_t>(seeds, "seeds", {n_outputs});
  T* coef_ptr = mutable_ptr<T>(coef, "coef", {n_outputs, n_features});
  T* intercept_ptr = mutable_ptr<T>(intercept, "intercept", {n_outputs});
  T* avg_ptr = mutable_ptr<T>(average_coef, "average_coef", {n_outputs, n_features});
  T* avg_intercept_ptr = mutable_ptr<T>(average_intercept, "average_intercept", {n_outputs});
  T* q_ptr = mutable_ptr<T>(l1_q, "l1_q", {n_outputs, n_features});
  double* u_ptr = mutable_ptr<double>(l1_u, "l1_u", {n_outputs});
  double* norms_ptr = mutable_ptr<double>(weight_norms, "weight_norms",
                                           {n_outputs, sgdlearn::kNormEntries});
  double* scale_ptr = mutable_ptr<double>(coef_scale, "coef_scale", {n_outputs});
  double* factors_ptr = mutable_ptr<double>(average_factors, "average_factors", {n_outputs, 2});
  double* counts_ptr = mutable_ptr<double>(average_counts, "average_counts", {n_outputs});
  if (!coef_ptr || !intercept_ptr || !positive || !w_pos || !w_neg || !seed) {
    throw py::value_error("coef, intercept and the per-output arrays are required");
  }
  if (config.average > 0 && (!avg_ptr || !avg_intercept_ptr || !counts_ptr)) {
    throw py::value_error("averaging needs average_coef, average_intercept and average_counts");
  }
  if (sgdlearn::has_l1(config.penalty) && (!q_ptr || !u_ptr)) {
    throw py::value_error("an L1 penalty needs l1_q and l1_u");
  }

  std::vector<sgdlearn::OutputTask> tasks(n_outputs);
  for (Index k = 0; k < n_outputs; ++k) tasks[k] = {positive[k], w_pos[k], w_neg[k], seed[k]};

  // Optimizer state: (weights slot 0, weights slot 1, intercept slot 0, intercept slot 1).
  const auto slot_list = slots.is_none() ? py::make_tuple(py::none(), py::none(), py::none(), py::none())
                                         : slots.cast<py::tuple>();
  if (slot_list.size() != 4) throw py::value_error("slots must hold 4 arrays or None");
  sgdlearn::JointState<T> joint{coef_ptr, intercept_ptr, avg_ptr, avg_intercept_ptr, q_ptr, u_ptr,
      mutable_ptr<T>(slot_list[0], "slots[0]", {n_outputs, n_features}),
      mutable_ptr<T>(slot_list[1], "slots[1]", {n_outputs, n_features}),
      mutable_ptr<T>(slot_list[2], "slots[2]", {n_outputs}),
      mutable_ptr<T>(slot_list[3], "slots[3]", {n_outputs}), scale_ptr, norms_ptr, factors_ptr,
      counts_ptr};
  std::vector<sgdlearn::OutputState<T>> states(n_outputs);
  for (Index k = 0; k < n_outputs; ++k) {
    auto row = [k, n_features](T* base) { return base ? base + k * n_features : nullptr; };
    auto one = [k](auto* base) { return base ? base + k : nullptr; };
    states[k] = {row(coef_ptr), one(intercept_ptr), row(avg_ptr), one(avg_intercept_ptr),
                 row(q_ptr),    one(u_ptr),
                 norms_ptr ? norms_ptr + sgdlearn::kNormEntries * k : nullptr,
                 one(scale_ptr), factors_ptr ? factors_ptr + 2 * k : nullptr, one(counts_ptr)};
  }

  auto* buffers = gradient_buffers.is_none() ? nullptr
                                             : gradient_buffers.cast<sgdlearn::GradientBuffers*>();

  sgdlearn::StopToken stop([] {
    py::gil_scoped_acquire acquire;
    return PyErr_CheckSignals() != 0;
  });
  std::vector<sgdlearn::OutputResult> results;
  try {
    py::gil_scoped_release release;
    if (sgdlearn::is_plain_sgd(config)) {
      results = sgdlearn::fit_outputs(config, data, tasks, states, t, stop);
    } else {
      results.push_back(sgdlearn::fit_joint(config, data, tasks, joint, t, stop, buffers));
    }
  } catch (const sgdlearn::Interrupted&) {
    // PyErr_CheckSignals has set KeyboardInterrupt (or whatever the handler raised).
    if (PyErr_Occurred()) throw py::error_already_set();
    throw py::value_error("training was interrupted");
  }

  // Lists, not arrays: the estimator extends its history lists with them, and a small
  // partial_fit batch would spend more on making and converting arrays than on training.
  py::list out;
  for (const auto& r : results) {
    py::list objective, loss_sum, score, rate, seconds, updates;
    for (const auto& epoch : r.history) {
      objective.append(epoch.objective);
      loss_sum.append(epoch.loss_sum);
      score.append(epoch.validation_score);
      rate.append(epoch.learning_rate);
      seconds.append(epoch.seconds);
      updates.append(epoch.coordinate_updates);
    }
    const Names& name = names();
    py::dict history;
    history[py::handle(name.n_iter)] = r.n_iter;
    history[py::handle(name.steps)] = r.steps;
    history[py::handle(name.objective)] = objective;
    history[py::handle(name.loss_sum)] = loss_sum;
    history[py::handle(name.validation_score)] = score;
    history[py::handle(name.learning_rate)] = rate;
    history[py::handle(name.seconds)] = seconds;
    history[py::handle(name.coordinate_updates)] = updates;
    out.append(history);
  }
  return out;
}

// Calls call(T{}) with T the dtype of the numpy array `values`: float or double. `what`
// names it in the errors.
template <class F>
auto with_float_type(const py::handle& values, const std::string& what, F&& call) {
  if (!py::isinstance<py::array>(values)) throw py::type_error(what + " must be a numpy array");
  const auto dtype = py::reinterpret_borrow<py::array>(values).dtype();
  if (dtype.equal(py::dtype::of<double>())) return call(double{});
  if (dtype.equal(py::dtype::of<float>())) return call(float{});
  throw py::type_error(what + " must be float32 or float64, got " + std::string(py::str(dtype)));
}

// Calls call(T{}) with T the value type of X (dense array or CSR data): float or double.
template <class F>
auto with_value_type(const py::handle& X, F&& call) {
  const Names& name = names();
  const py::object values = py::hasattr(X, py::handle(name.indptr))
                                ? attribute(X, name.data)
                                : py::reinterpret_borrow<py::object>(X);
  if (!py::isinstance<py::array>(values)) {
    throw py::type_error("X must be a numpy array or a scipy CSR matrix");
  }
  return with_float_type(values, "X", std::forward<F>(call));
}

py::list fit_outputs_any(const sgdlearn::TrainerConfig& config, const py::handle& X,
                         const py::handle& targets, const py::handle& positive_class,
                         const py::handle& weight_positive, const py::handle& weight_negative,
                         const py::handle& seeds, const py::handle& sample_weight,
                         const py::handle& validation, const py::handle& coef,
                         const py::handle& intercept, const py::handle& average_coef,
                         const py::handle& average_intercept, const py::handle& l1_q,
                         const py::handle& l1_u, const py::handle& slots,
                         const py::handle& weight_norms, const py::handle& coef_scale,
                         const py::handle& average_factors, const py::handle& average_counts,
                         double t, const py::handle& gradient_buffers) {
  return with_value_type(X, [&](auto tag) {
    using T = decltype(tag);
    return fit_outputs<T>(config, X, targets, positive_class, weight_positive, weight_negative,
                          seeds, sample_weight, validation, coef, intercept, average_coef,
                          average_intercept, l1_q, l1_u, slots, weight_norms, coef_scale,
                          average_factors, average_counts, t, gradient_buffers);
  });
}

// Scores of X under coef (n_outputs x n_features) and intercept, in X's dtype.
py::array decision_scores(const py::handle& X, const py::handle& coef,
                          const py::handle& intercept, const py::handle& scale, int n_threads) {
  return with_value_type(X, [&](auto tag) -> py::array {
    using T = decltype(tag);
    const auto view = matrix_view<T>(X);
    const Index n_features = std::visit([](const auto& m) { return m.n_cols; }, view);
    const Index n_rows = std::visit([](const auto& m) { return m.n_rows; }, view);
    const auto coef_array = checked_array<T>(coef, "coef", {-1, n_features}, false);
    const Index n_outputs = coef_array.shape(0);
    const T* intercept_ptr = const_ptr<T>(intercept, "intercept", {n_outputs});
    const double* scale_ptr = const_ptr<double>(scale, "scale", {n_outputs});
    py::array_t<T> out({n_rows, n_outputs});
    T* out_ptr = out.mutable_data();
    const T* coef_ptr = static_cast<const T*>(coef_array.data());
    {
      py::gil_scoped_release release;
      std::visit([&](const auto& m) {
        sgdlearn::decision_scores(m, coef_ptr, intercept_ptr, scale_ptr, n_outputs, out_ptr,
                                  n_threads);
      }, view);
    }
    return out;
  });
}

// Whether every value of a float32 or float64 array (any shape, C-contiguous) is finite.
bool all_finite(const py::handle& values) {
  return with_float_type(values, "values", [&](auto tag) {
    using T = decltype(tag);
    const auto array = checked_buffer<T>(values, "values", false);
    return sgdlearn::all_finite(static_cast<const T*>(array.data()), Index(array.size()));
  });
}

// (positions, first unknown label or -1) of 1-d labels among 1-d classes of the same
// dtype: int32, int64, float32 or float64.
template <class Label>
py::tuple class_positions_of(const py::handle& labels, const py::handle& classes) {
  const auto label_array = checked_array<Label>(labels, "labels", {-1}, false);
  const auto class_array = checked_array<Label>(classes, "classes", {-1}, false);
  py::array_t<std::int32_t> positions(label_array.shape(0));
  const Index first_unknown = sgdlearn::class_positions(
      static_cast<const Label*>(label_array.data()), Index(label_array.shape(0)),
      static_cast<const Label*>(class_array.data()), Index(class_array.shape(0)),
      positions.mutable_data());
  return py::make_tuple(positions, first_unknown);
}

py::tuple class_positions(const py::handle& labels, const py::handle& classes) {
  if (!py::isinstance<py::array>(labels)) throw py::type_error("labels must be a numpy array");
  const auto dtype = py::reinterpret_borrow<py::array>(labels).dtype();
  if (dtype.equal(py::dtype::of<std::int64_t>())) return class_positions_of<std::int64_t>(labels, classes);
  if (dtype.equal(py::dtype::of<double>())) return class_positions_of<double>(labels, classes);
  if (dtype.equal(py::dtype::of<std::int32_t>())) return class_positions_of<std::int32_t>(labels, classes);
  if (dtype.equal(py::dtype::of<float>())) return class_positions_of<float>(labels, classes);
  throw py::type_error("labels must be int32, int64, float32 or float64, got " +
                       std::string(py::str(dtype)));
}

}  // namespace

// Defined in readers.cpp: the streaming readers (sgdlearn.io).
void bind_readers(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "sgdlearn's compiled core (private: use the sgdlearn package)";

  py::register_exception<sgdlearn::DivergenceError>(m, "DivergenceError", PyExc_ValueError);

  py::enum_<sgdlearn::LossKind>(m, "LossKind")
      .value("hinge", sgdlearn::LossKind::kHinge)
      .value("squared_hinge", sgdlearn::LossKind::kSquaredHinge)
      .value("modified_huber", sgdlearn::LossKind::kModifiedHuber)
      .value("perceptron", sgdlearn::LossKind::kPerceptron)
      .value("log_loss", sgdlearn::LossKind::kLogLoss)
      .value("squared_error", sgdlearn::LossKind::kSquaredError)
      .value("huber", sgdlearn::LossKind::kHuber)
      .value("epsilon_insensitive", sgdlearn::LossKind::kEpsilonInsensitive)
      .value("squared_epsilon_insensitive", sgdlearn::LossKind::kSquaredEpsilonInsensitive);
  py::enum_<sgdlearn::PenaltyKind>(m, "PenaltyKind")
      .value("none", sgdlearn::PenaltyKind::kNone)
      .value("l2", sgdlearn::PenaltyKind::kL2)
      .value("l1", sgdlearn::PenaltyKind::kL1)
      .value("elasticnet", sgdlearn::PenaltyKind::kElasticNet);
  py::enum_<sgdlearn::LearningRateKind>(m, "LearningRateKind")
      .value("constant", sgdlearn::LearningRateKind::kConstant)
      .value("optimal", sgdlearn::LearningRateKind::kOptimal)
      .value("invscaling", sgdlearn::LearningRateKind::kInvScaling)
      .value("adaptive", sgdlearn::LearningRateKind::kAdaptive)
      .value("pa1", sgdlearn::LearningRateKind::kPa1)
      .value("pa2", sgdlearn::LearningRateKind::kPa2)
      .value("exponential", sgdlearn::LearningRateKind::kExponential)
      .value("step", sgdlearn::LearningRateKind::kStep)
      .value("cosine", sgdlearn::LearningRateKind::kCosine);
  py::enum_<sgdlearn::OptimizerKind>(m, "OptimizerKind")
      .value("sgd", sgdlearn::OptimizerKind::kSgd)
      .value("momentum", sgdlearn::OptimizerKind::kMomentum)
      .value("nesterov", sgdlearn::OptimizerKind::kNesterov)
      .value("adagrad", sgdlearn::OptimizerKind::kAdagrad)
      .value("rmsprop", sgdlearn::OptimizerKind::kRmsprop)
      .value("adam", sgdlearn::OptimizerKind::kAdam)
      .value("adamw", sgdlearn::OptimizerKind::kAdamW)
      .value("ftrl", sgdlearn::OptimizerKind::kFtrl);
  m.def("state_slots", &sgdlearn::state_slots, "optimizer"_a,
        "Number of state arrays the optimizer keeps per parameter.");

  py::class_<sgdlearn::GradientBuffers>(
      m, "GradientBuffers",
      "The mini-batch trainer's gradient buffers, which a caller keeps between "
      "fit_outputs calls (partial_fit): opaque.")
      .def(py::init<>());

  py::class_<sgdlearn::ScheduleParams>(m, "ScheduleParams")
      .def(py::init<>())
      .def_readwrite("kind", &sgdlearn::ScheduleParams::kind)
      .def_readwrite("eta0", &sgdlearn::ScheduleParams::eta0)
      .def_readwrite("power_t", &sgdlearn::ScheduleParams::power_t)
      .def_readwrite("gamma", &sgdlearn::ScheduleParams::gamma)
      .def_readwrite("step_size", &sgdlearn::ScheduleParams::step_size)
      .def_readwrite("eta_min", &sgdlearn::ScheduleParams::eta_min)
      .def_readwrite("warmup_steps", &sgdlearn::ScheduleParams::warmup_steps);
  py::class_<sgdlearn::OptimizerParams>(m, "OptimizerParams")
      .def(py::init<>())
      .def_readwrite("kind", &sgdlearn::OptimizerParams::kind)
      .def_readwrite("momentum", &sgdlearn::OptimizerParams::momentum)
      .def_readwrite("beta_1", &sgdlearn::OptimizerParams::beta_1)
      .def_readwrite("beta_2", &sgdlearn::OptimizerParams::beta_2)
      .def_readwrite("rho", &sgdlearn::OptimizerParams::rho)
      .def_readwrite("eps", &sgdlearn::OptimizerParams::eps)
      .def_readwrite("ftrl_beta", &sgdlearn::OptimizerParams::ftrl_beta)
      .def_readwrite("first_step", &sgdlearn::OptimizerParams::first_step);

  py::class_<sgdlearn::TrainerConfig>(m, "TrainerConfig")
      .def(py::init<>())
      .def_readwrite("loss", &sgdlearn::TrainerConfig::loss)
      .def_readwrite("epsilon", &sgdlearn::TrainerConfig::epsilon)
      .def_readwrite("penalty", &sgdlearn::TrainerConfig::penalty)
      .def_readwrite("alpha", &sgdlearn::TrainerConfig::alpha)
      .def_readwrite("l1_ratio", &sgdlearn::TrainerConfig::l1_ratio)
      .def_readwrite("multinomial", &sgdlearn::TrainerConfig::multinomial)
      .def_readwrite("schedule", &sgdlearn::TrainerConfig::schedule)
      .def_readwrite("optimizer", &sgdlearn::TrainerConfig::optimizer)
      .def_readwrite("batch_size", &sgdlearn::TrainerConfig::batch_size)
      .def_readwrite("lazy_sparse_updates", &sgdlearn::TrainerConfig::lazy_sparse_updates)
      .def_readwrite("clip_norm", &sgdlearn::TrainerConfig::clip_norm)
      .def_readwrite("fit_intercept", &sgdlearn::TrainerConfig::fit_intercept)
      .def_readwrite("intercept_decay", &sgdlearn::TrainerConfig::intercept_decay)
      .def_readwrite("max_iter", &sgdlearn::TrainerConfig::max_iter)
      .def_readwrite("tol", &sgdlearn::TrainerConfig::tol)
      .def_readwrite("n_iter_no_change", &sgdlearn::TrainerConfig::n_iter_no_change)
      .def_readwrite("early_stopping", &sgdlearn::TrainerConfig::early_stopping)
      .def_readwrite("shuffle", &sgdlearn::TrainerConfig::shuffle)
      .def_readwrite("average", &sgdlearn::TrainerConfig::average)
      .def_readwrite("n_jobs", &sgdlearn::TrainerConfig::n_jobs)
      .def_readwrite("hogwild", &sgdlearn::TrainerConfig::hogwild)
      .def("check", [](const sgdlearn::TrainerConfig& c) { return sgdlearn::check_config(c); });

  m.def("fit_outputs", &fit_outputs_any, "config"_a, "X"_a, "targets"_a, "positive_class"_a,
        "weight_positive"_a, "weight_negative"_a, "seeds"_a, "sample_weight"_a, "validation"_a,
        "coef"_a, "intercept"_a, "average_coef"_a, "average_intercept"_a, "l1_q"_a, "l1_u"_a,
        "slots"_a, "weight_norms"_a, "coef_scale"_a, "average_factors"_a, "average_counts"_a, "t"_a,
        "gradient_buffers"_a = py::none(),
        "Trains each output's linear model in place, outputs in parallel. targets holds "
        "float64 values (regression) or int32 class indices; the per-output arrays have one "
        "entry per output. coef_scale, when given, holds the factor of each output's "
        "weights (w = coef_scale * coef), which training may leave other than 1; "
        "average_factors, when given, each output's (a, b) with the average "
        "(average_coef + a * coef) / b; average_counts (with averaging) the iterates in each "
        "output's average (0: not begun, and the average arrays may hold anything). Returns one "
        "history dict per output. gradient_buffers (a GradientBuffers or None): the mini-batch "
        "trainer's gradient buffers, kept by the caller between calls.");

  m.def("all_finite", &all_finite, "values"_a,
        "Whether every value of a float32 or float64 C-contiguous array is finite.");
  m.def("class_positions", &class_positions, "labels"_a, "classes"_a,
        "(positions, first_unknown): each label's position (int32) among classes, sorted "
        "and distinct, of the labels' dtype (int32, int64, float32 or float64), and the "
        "index of the first label that is none of them (-1 if none).");
  m.def("max_threads", [] { return omp_get_max_threads(); },
        "OpenMP's thread limit here (OMP_NUM_THREADS, or what threadpoolctl or joblib set).");
  m.def("decision_scores", &decision_scores, "X"_a, "coef"_a, "intercept"_a, "scale"_a,
        "n_threads"_a,
        "X coef.T * scale + intercept (scale: float64 per output, or None for ones) as an "
        "(n_rows, n_outputs) array in X's dtype, rows in parallel over n_threads threads "
        "(GIL released).");

  bind_readers(m);
}
