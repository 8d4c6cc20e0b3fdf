#!/usr/bin/env bash
# Smoke run of the benchmarks, so that they cannot rot: builds the C++ microbenchmarks
# and runs each on tiny sizes (skipped, with a message, when Google Benchmark is not
# installed), and runs compare.py --quick with whatever peers are installed. Timings
# are meaningless here (the build and the comparison run side by side); it checks that
# everything builds, runs and writes its report. Exits non-zero when anything fails.
#
#   bash bench/run_smoke.sh
#   PYTHON=...                 the interpreter with sgdlearn installed (default: python)
#   SGDLEARN_BENCH_BUILD=DIR   keep the C++ build there, to reuse it (default: a temporary one)
#
# Building the microbenchmarks needs cmake, a C++17 compiler, Google Benchmark
# (Debian: libbenchmark-dev) and, because CMakeLists.txt configures the whole project,
# pybind11 and cmeel-eigen installed in PYTHON's environment.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python}"
scratch="$(mktemp -d)"
build_pid=""
cleanup() {
  if [[ -n "$build_pid" ]]; then kill "$build_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
build="${SGDLEARN_BENCH_BUILD:-$scratch/build}"
targets=()
for source in bench/cpp/bench_*.cpp; do targets+=("$(basename "$source" .cpp)"); done

have_google_benchmark() {
  mkdir -p "$scratch/probe"
  printf '%s\n' 'cmake_minimum_required(VERSION 3.18)' 'project(probe LANGUAGES CXX)' \
    'find_package(benchmark CONFIG REQUIRED)' > "$scratch/probe/CMakeLists.txt"
  cmake -S "$scratch/probe" -B "$scratch/probe/build" > "$scratch/probe.log" 2>&1
}

build_microbenchmarks() {
  local generator=()
  if command -v ninja > /dev/null; then generator=(-G Ninja); fi
  # No optimisation: compiles in a quarter of the time, and speed does not matter here.
  cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE= \
    -DSGDLEARN_BUILD_BENCHMARKS=ON \
    -DPython_EXECUTABLE="$(command -v "$python")" \
    -Dpybind11_DIR="$("$python" -m pybind11 --cmakedir)" > "$scratch/configure.log" 2>&1 ||
    { cat "$scratch/configure.log"; return 1; }
  cmake --build "$build" --target "${targets[@]}"
}

cxx=skip
if ! command -v cmake > /dev/null; then
  echo "== C++ microbenchmarks: SKIPPED, cmake is not installed"
elif ! have_google_benchmark; then
  echo "== C++ microbenchmarks: SKIPPED, Google Benchmark is not installed" \
       "(Debian: apt-get install libbenchmark-dev)"
else
  echo "== C++ microbenchmarks: building ${targets[*]} (in the background)"
  build_microbenchmarks > "$scratch/build.log" 2>&1 &
  build_pid=$!
  cxx=run
fi

echo "== compare.py --quick"
"$python" bench/compare.py --quick --out "$scratch/compare"
test -s "$scratch/compare/compare.md" && test -s "$scratch/compare/compare.png"

if [[ "$cxx" == run ]]; then
  if ! wait "$build_pid"; then
    build_pid=""
    cat "$scratch/build.log"
    echo "== C++ microbenchmarks: the build FAILED"
    exit 1
  fi
  build_pid=""
  for target in "${targets[@]}"; do
    echo "== $target (tiny sizes)"
    "$build/$target" --benchmark_min_time=0.001 \
      --rows=300 --sparse_features=4096 --nnz_per_row=20 --dense_features=16
  done
fi
echo "== benchmark smoke run passed"
