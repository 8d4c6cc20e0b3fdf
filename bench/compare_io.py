# SPDX-License-Identifier: BSD-3-Clause
"""Readers and streaming against their peers, in one run on the same files.

1. ``sgdlearn.io.load_svmlight`` against scikit-learn's ``load_svmlight_file``.
2. One pass of ``sgdlearn train`` (plain SGD, logistic loss, alpha=1e-6, file order; and
   AdaGrad, the adaptive rule nearest Vowpal Wabbit's default learner) over an svmlight
   file against one pass of Vowpal Wabbit 9 (``vowpalwabbit`` from PyPI, its default
   adaptive updates, ``--loss_function logistic``) over the same examples in its own
   format, with the test accuracy of each model.
3. Peak memory of ``sgdlearn train`` on the file once and on a list of it several
   times: it must not grow with the size of the source.

The data are generated (RCV1-like: sparse, ~41 values a row of 47,236 columns, labels
from a sparse linear rule with noise) into a temporary folder, never into the
repository. Timings are wall-clock, best of ``--repeat``, in this process for both
sides (the interpreter's start-up is left out of both); the files are read once first
so that both read them from the page cache.

    python bench/compare_io.py --rows 400000           # about 300 MB of svmlight
    python bench/compare_io.py --rows 400000 --record  # and append to bench/RESULTS.md
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_FEATURES = 47236
# Plain SGD with logistic loss, in file order as Vowpal Wabbit learns; a weaker penalty
# than the default (1e-4) suits one pass.
SGDLEARN_OPTIONS = ["--loss", "log_loss", "--alpha", "1e-6", "--no-shuffle"]
ADAGRAD_OPTIONS = ["--optimizer", "adagrad", "--learning-rate", "constant", "--eta0", "1.0"]


def generate(folder, n_rows, seed=0):
    """train/test files in svmlight and VW formats with the same examples."""
    rng = np.random.default_rng(seed)
    truth = rng.standard_normal(N_FEATURES) * (rng.random(N_FEATURES) < 0.2)
    paths = {}
    for part, rows in (("train", n_rows), ("test", max(n_rows // 10, 1000))):
        svm, vw = folder / f"{part}.svm", folder / f"{part}.vw"
        with open(svm, "w") as fs, open(vw, "w") as fv:
            for start in range(0, rows, 20000):
                lines_svm, lines_vw = [], []
                for _ in range(min(20000, rows - start)):
                    k = int(rng.integers(20, 90))
                    frequent = rng.zipf(1.4, size=k) % N_FEATURES
                    index = (
                        np.unique(
                            np.where(
                                rng.random(k) < 0.5, frequent, rng.integers(0, N_FEATURES, size=k)
                            )
                        )
                        + 1
                    )
                    value = np.round(rng.random(len(index)) * 0.2, 6)
                    label = 1 if truth[index - 1] @ value + 0.05 * rng.standard_normal() > 0 else -1
                    features = " ".join(
                        f"{i}:{v:g}" for i, v in zip(index.tolist(), value.tolist())
                    )
                    lines_svm.append(f"{label} {features}\n")
                    lines_vw.append(f"{label} |f {features}\n")
                fs.writelines(lines_svm)
                fv.writelines(lines_vw)
        paths[part] = (svm, vw)
    return paths


def best_of(repeat, fn):
    """Best wall time, the CPU time (all threads) of that run, and the result."""
    runs, result = [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, cpu = min(runs)
    return wall, cpu, result


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def compare_loaders(svm, repeat):
    from sklearn.datasets import load_svmlight_file

    from sgdlearn import io

    ours, ours_cpu, (X, y) = best_of(repeat, lambda: io.load_svmlight(svm))
    theirs, theirs_cpu, (X_ref, y_ref) = best_of(1, lambda: load_svmlight_file(str(svm)))
    assert (X != X_ref).nnz == 0 and np.array_equal(y, y_ref), "loaders disagree"
    return {
        "sgdlearn_s": ours,
        "sklearn_s": theirs,
        "ratio": theirs / ours,
        "cpu_ratio": theirs_cpu / ours_cpu,
        "nnz": int(X.nnz),
    }


def vw_train_and_test(train_vw, test_vw, folder):
    from vowpalwabbit import pyvw

    model = folder / "vw.model"

    def train():
        workspace = pyvw.Workspace(
            f"-d {train_vw} --loss_function logistic -b 18 --quiet -f {model}"
        )
        workspace.run_parser()
        workspace.finish()

    return train, model


def vw_accuracy(model, test_vw, folder):
    from vowpalwabbit import pyvw

    predictions = folder / "vw.predictions"
    workspace = pyvw.Workspace(f"-d {test_vw} -t -i {model} -p {predictions} --quiet")
    workspace.run_parser()
    workspace.finish()
    scores = np.loadtxt(predictions)
    labels = np.array([1 if line.startswith("1") else -1 for line in open(test_vw)])
    return float(np.mean(np.where(scores > 0, 1, -1) == labels))


def compare_training(paths, folder, repeat):
    from sgdlearn.cli import main

    train_svm, train_vw = paths["train"]
    test_svm, test_vw = paths["test"]
    told = ["--n-features", str(N_FEATURES), "--classes=-1,1"]
    results = {}
    for name, extra in (
        ("sgdlearn_told", told),
        ("sgdlearn_scan", []),
        ("sgdlearn_adagrad", told + ADAGRAD_OPTIONS),
    ):
        model = folder / f"{name}.sgdl"
        argv = ["train", str(train_svm), "-o", str(model), "--quiet"] + SGDLEARN_OPTIONS + extra
        results[name + "_s"], results[name + "_s_cpu"], status = best_of(
            repeat, lambda argv=argv: main(argv)
        )
        assert status == 0
        out = subprocess.run(
            [sys.executable, "-m", "sgdlearn", "test", str(model), str(test_svm), "--json"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        results[name + "_accuracy"] = json.loads(out)["accuracy"]
    vw_train, vw_model = vw_train_and_test(train_vw, test_vw, folder)
    results["vw_s"], results["vw_s_cpu"], _ = best_of(repeat, vw_train)
    results["vw_accuracy"] = vw_accuracy(vw_model, test_vw, folder)
    for name in ("told", "scan", "adagrad"):
        results[f"ratio_{name}"] = results["vw_s"] / results[f"sgdlearn_{name}_s"]
        results[f"cpu_ratio_{name}"] = results["vw_s_cpu"] / results[f"sgdlearn_{name}_s_cpu"]
    return results


# VmHWM, not ru_maxrss: a child's ru_maxrss starts from its parent's size at the fork.
_PEAK = """
import sys
from sgdlearn.cli import main
status = main(["train", *sys.argv[2:], "-o", sys.argv[1], "--quiet", "--n-features", "47236",
               "--classes=-1,1"])
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def peak_memory(train_svm, folder, copies):
    """Peak RSS (MB) of sgdlearn train on the file once and `copies` times over."""
    peaks = {}
    for n in (1, copies):
        out = subprocess.run(
            [sys.executable, "-c", _PEAK, str(folder / "peak.sgdl")] + [str(train_svm)] * n,
            capture_output=True,
            text=True,
            check=True,
        )
        peaks[n] = int(out.stdout.split()[-1]) / 1024
    return peaks


_BEGIN = "<!-- compare_io.py: begin (rewritten by `python bench/compare_io.py --record`) -->"
_END = "<!-- compare_io.py: end -->"


def record(text):
    """Rewrite this script's section of bench/RESULTS.md (between its markers)."""
    results = Path(__file__).with_name("RESULTS.md")
    existing = results.read_text() if results.exists() else "# Benchmark results\n"
    section = f"{_BEGIN}\n{text.rstrip()}\n{_END}"
    if _BEGIN in existing and _END in existing:
        before, rest = existing.split(_BEGIN, 1)
        existing = before + section + rest.split(_END, 1)[1]
    else:
        existing = existing.rstrip() + "\n\n" + section + "\n"
    results.write_text(existing)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=400000, help="training rows (~740 B each)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=3, help="list length of the memory test")
    parser.add_argument("--dir", default=None, help="where to generate (default: a temp dir)")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        paths = generate(folder, args.rows)
        size_mb = os.path.getsize(paths["train"][0]) / 1e6
        print(
            f"generated {args.rows} rows, {size_mb:.0f} MB of svmlight in "
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
        for path in (*paths["train"], *paths["test"]):
            warm(path)
        loaders = compare_loaders(paths["train"][0], args.repeat)
        print(
            f"load_svmlight: sgdlearn {loaders['sgdlearn_s']:.2f} s, scikit-learn "
            f"{loaders['sklearn_s']:.2f} s: {loaders['ratio']:.1f}x "
            f"(CPU time: {loaders['cpu_ratio']:.1f}x)",
            flush=True,
        )
        training = compare_training(paths, folder, args.repeat)
        print(
            f"one pass: sgdlearn train {training['sgdlearn_told_s']:.3f} s "
            f"({training['sgdlearn_scan_s']:.3f} s with the first scan for width and classes), "
            f"Vowpal Wabbit {training['vw_s']:.3f} s: {training['ratio_told']:.2f}x "
            f"({training['ratio_scan']:.2f}x); CPU time {training['cpu_ratio_told']:.2f}x "
            f"({training['cpu_ratio_scan']:.2f}x); test accuracy "
            f"{training['sgdlearn_told_accuracy']:.4f} vs {training['vw_accuracy']:.4f}; "
            f"AdaGrad {training['sgdlearn_adagrad_s']:.3f} s: {training['ratio_adagrad']:.2f}x, "
            f"test accuracy {training['sgdlearn_adagrad_accuracy']:.4f}",
            flush=True,
        )
        peaks = peak_memory(paths["train"][0], folder, args.copies)
        print(
            f"peak RSS of sgdlearn train: {peaks[1]:.0f} MB on the file, "
            f"{peaks[args.copies]:.0f} MB on {args.copies} copies of it",
            flush=True,
        )
    if args.record:
        load = os.getloadavg()[0]
        record(
            "## Readers and streaming\n\n"
            f"`python bench/compare_io.py --rows {args.rows} --repeat {args.repeat} --record` "
            f"({platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} at the end; "
            f"svmlight file of {size_mb:.0f} MB, {loaders['nnz']} values; "
            f"best of {args.repeat})\n\n"
            "| what | sgdlearn | peer | wall ratio | CPU ratio |\n|---|---|---|---|---|\n"
            f"| load the svmlight file | {loaders['sgdlearn_s']:.2f} s | scikit-learn "
            f"`load_svmlight_file` {loaders['sklearn_s']:.2f} s | {loaders['ratio']:.1f}x | "
            f"{loaders['cpu_ratio']:.1f}x |\n"
            f"| one training pass, width and classes given | {training['sgdlearn_told_s']:.3f} s | "
            f"Vowpal Wabbit {training['vw_s']:.3f} s | {training['ratio_told']:.2f}x | "
            f"{training['cpu_ratio_told']:.2f}x |\n"
            f"| one training pass, first scan for them | {training['sgdlearn_scan_s']:.3f} s | "
            f"Vowpal Wabbit {training['vw_s']:.3f} s | {training['ratio_scan']:.2f}x | "
            f"{training['cpu_ratio_scan']:.2f}x |\n"
            f"| one training pass with AdaGrad (eta0=1), width and classes given | "
            f"{training['sgdlearn_adagrad_s']:.3f} s | Vowpal Wabbit {training['vw_s']:.3f} s | "
            f"{training['ratio_adagrad']:.2f}x | {training['cpu_ratio_adagrad']:.2f}x |\n"
            f"| test accuracy after one pass: plain SGD / AdaGrad | "
            f"{training['sgdlearn_told_accuracy']:.4f} / {training['sgdlearn_adagrad_accuracy']:.4f} | "
            f"{training['vw_accuracy']:.4f} | | |\n"
            f"| peak RSS (VmHWM), file once / {args.copies} times | {peaks[1]:.0f} MB / "
            f"{peaks[args.copies]:.0f} MB | | | |\n"
        )


if __name__ == "__main__":
    main()
