// SPDX-License-Identifier: BSD-3-Clause
// One shuffled training epoch from zero weights (hinge loss, L2 with alpha = 1e-6), as
// Python's fit runs it: plain SGD a row at a time through fit_outputs, every optimizer
// in mini-batches of 256 through fit_joint on 1..N threads, and lazy sparse Adam a row
// at a time. Sparse and dense data, float32 and float64. Items are rows; the
// "nnz/s" counter is stored values per second. Times are wall-clock (threads).
//
//   bench_epoch [--benchmark_...] [--rows=N --sparse_features=N --nnz_per_row=N --dense_features=N]
//   names: BM_Epoch/<sparse|dense>/<f32|f64>/<optimizer>/batch:<B>/threads:<n>
#include <omp.h>

#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "sgdlearn/sgdlearn.hpp"
#include "synthetic.hpp"

namespace {

using sgdlearn::Index;
using sgdlearn::OptimizerKind;
namespace synth = sgdlearn::bench;

struct Optimizer {
  const char* name;
  OptimizerKind kind;
};

constexpr Optimizer kOptimizers[] = {
    {"sgd", OptimizerKind::kSgd},         {"momentum", OptimizerKind::kMomentum},
    {"nesterov", OptimizerKind::kNesterov}, {"adagrad", OptimizerKind::kAdagrad},
    {"rmsprop", OptimizerKind::kRmsprop}, {"adam", OptimizerKind::kAdam},
    {"adamw", OptimizerKind::kAdamW},     {"ftrl", OptimizerKind::kFtrl},
};

// The estimators' defaults for these settings (python/sgdlearn/_sgd.py).
sgdlearn::TrainerConfig epoch_config(OptimizerKind kind, long batch, int threads, bool sparse) {
  sgdlearn::TrainerConfig c;
  c.loss = sgdlearn::LossKind::kHinge;
  c.penalty = sgdlearn::PenaltyKind::kL2;
  c.alpha = 1e-6;
  c.optimizer.kind = kind;
  c.optimizer.eps = kind == OptimizerKind::kAdagrad ? 1e-10 : 1e-8;
  c.schedule.kind = kind == OptimizerKind::kSgd ? sgdlearn::LearningRateKind::kOptimal
                                                : sgdlearn::LearningRateKind::kConstant;
  c.schedule.eta0 = 0.01;
  c.batch_size = batch;
  c.intercept_decay = sparse ? 0.01 : 1.0;  // intercept_decay="auto"
  c.max_iter = 1;
  c.tol = -std::numeric_limits<double>::infinity();
  c.shuffle = true;
  c.n_jobs = threads;
  return c;
}

template <class Data>
void one_epoch(benchmark::State& state, const Data& data, OptimizerKind kind, long batch,
               int threads) {
  using T = typename decltype(data.view())::Scalar;
  constexpr bool kSparse = decltype(data.view())::kSparse;
  const auto X = data.view();
  const Index nf = X.n_cols;
  const sgdlearn::TrainerConfig cfg = epoch_config(kind, batch, threads, kSparse);
  sgdlearn::TrainingSet<T> set{X, {nullptr, data.classes.data()}, nullptr, nullptr};
  const std::vector<sgdlearn::OutputTask> tasks{{1, 1.0, 1.0, 12345}};

  std::vector<T> coef(nf), slot0(nf), slot1(nf), intercept(1), slot0_b(1), slot1_b(1);
  sgdlearn::JointState<T> joint{coef.data(), intercept.data(), nullptr, nullptr, nullptr, nullptr,
                                slot0.data(), slot1.data(), slot0_b.data(), slot1_b.data()};
  std::vector<sgdlearn::OutputState<T>> outputs{{coef.data(), intercept.data()}};
  sgdlearn::StopToken stop;
  for (auto _ : state) {
    state.PauseTiming();
    for (auto* v : {&coef, &slot0, &slot1, &intercept, &slot0_b, &slot1_b}) {
      std::fill(v->begin(), v->end(), T(0));
    }
    state.ResumeTiming();
    if (sgdlearn::is_plain_sgd(cfg)) {
      benchmark::DoNotOptimize(sgdlearn::fit_outputs(cfg, set, tasks, outputs, 1.0, stop));
    } else {
      benchmark::DoNotOptimize(sgdlearn::fit_joint(cfg, set, tasks, joint, 1.0, stop));
    }
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(X.n_rows));
  state.counters["nnz/s"] = benchmark::Counter(double(state.iterations()) * double(X.nnz()),
                                               benchmark::Counter::kIsRate);
}

template <class T>
void register_layouts(const char* type_name, int max_threads) {
  struct Case {
    const char* optimizer;
    OptimizerKind kind;
    long batch;
    int threads;
  };
  std::vector<Case> cases{{"sgd", OptimizerKind::kSgd, 1, 1}, {"adam", OptimizerKind::kAdam, 1, 1}};
  for (const Optimizer& o : kOptimizers) {
    for (int n = 1; n <= max_threads; ++n) cases.push_back({o.name, o.kind, 256, n});
  }
  for (const Case& c : cases) {
    const std::string suffix = std::string("/") + type_name + "/" + c.optimizer + "/batch:" +
                               std::to_string(c.batch) + "/threads:" + std::to_string(c.threads);
    benchmark::RegisterBenchmark(("BM_Epoch/sparse" + suffix).c_str(), [c](benchmark::State& s) {
      one_epoch(s, synth::sparse_data<T>(), c.kind, c.batch, c.threads);
    })->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("BM_Epoch/dense" + suffix).c_str(), [c](benchmark::State& s) {
      one_epoch(s, synth::dense_data<T>(), c.kind, c.batch, c.threads);
    })->UseRealTime()->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (std::string error; !synth::parse_size_flags(argc, argv, error)) {
    std::fprintf(stderr, "%s: %s\n", argv[0], error.c_str());
    return 2;
  }
  const int max_threads = omp_get_num_procs();
  register_layouts<float>("f32", max_threads);
  register_layouts<double>("f64", max_threads);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
