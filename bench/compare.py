# SPDX-License-Identifier: BSD-3-Clause
"""sgdlearn against scikit-learn, PyTorch, Vowpal Wabbit and River, in one run.

    python bench/compare.py [--quick] [--out DIR] [--record] [--datasets text,digits]
                            [--cases sgd,adam-b1,adam-b256,partial_fit] [--repeats N]

Trains every contender from scratch on the same data and reports the median time over
repeats, examples and nonzeros per second, test accuracy and throughput relative to
scikit-learn's SGDClassifier, then checks the speed targets of issue 4. Repeats are
interleaved (each round runs every contender once), so a change in the machine's load
touches all of them alike. Writes DIR/compare.md and DIR/compare.png; --record also
rewrites the compare.py section of bench/RESULTS.md and bench/compare.png.

Peers that are not installed are skipped, and the report says so. RCV1 extracts in
Vowpal Wabbit format are added as a dataset when --rcv1 DIR (or the environment
variable SGDLEARN_BENCH_RCV1) names the folder holding rcv1_small.dat and
rcv1_small_test.data.
"""

import argparse
import contextlib
import datetime
import gc
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
import sklearn.linear_model

import datasets
import machine
import peers
import sgdlearn

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
CASE_KEYS = ("sgd", "adam-b1", "adam-b256", "partial_fit")
SECTION_BEGIN = "<!-- compare.py: begin (rewritten by `python bench/compare.py --record`) -->"
SECTION_END = "<!-- compare.py: end -->"
DISTURBED_CORES = 0.25


@dataclass
class Case:
    key: str
    dataset: datasets.Dataset
    setting: peers.Setting
    contenders: list
    skipped: list = field(default_factory=list)  # (library, reason)

    @property
    def short(self):
        return f"{self.setting.optimizer} b{self.setting.batch_size}"

    @property
    def title(self):
        s = self.setting
        how = "plain SGD" if s.optimizer == "sgd" else f"{s.optimizer}, eta0={s.eta0:g}"
        return f"{self.dataset.name}: {how}, batch_size={s.batch_size}, {s.epochs} epochs"


@dataclass
class Result:
    case: Case
    contender: peers.Contender
    seconds: list
    accuracy: float
    identical_runs: bool | None = None  # all repeats gave bit-identical models
    other_cores: float | None = None    # cores other processes kept busy meanwhile

    @property
    def median(self):
        return float(np.median(self.seconds))

    @property
    def examples_per_second(self):
        return self.contender.examples / self.median

    @property
    def nnz_per_second(self):
        return self.contender.nnz / self.median


@dataclass
class PartialFitResult:
    library: str
    classes_every_call: bool
    microseconds: list  # per call, after warm-up
    rows: int
    nnz: int            # stored values of one call's batch, on average
    accuracy: float
    other_cores: float | None = None

    @property
    def median(self):
        return float(np.median(self.microseconds))


# -- what runs ------------------------------------------------------------------------

def build_cases(data, keys, libraries, threads, river_rows, workdir, epochs):
    """The cases of one dataset; contenders whose library is missing become `skipped`."""
    binary_sparse = sp.issparse(data.X_train) and len(data.classes) == 2
    thread_counts = sorted({1, threads})
    # Lock-free plain SGD on several threads, where it applies (sparse binary data).
    hogwild = [("sgdlearn", lambda s: peers.sgdlearn_classifier(data, s, n_jobs=threads,
                                                                hogwild=True))
               ] if binary_sparse and threads > 1 else []
    specs = {
        "sgd": (peers.Setting(epochs=epochs), [
            ("scikit-learn", lambda s: peers.sklearn_classifier(data, s)),
            *[("sgdlearn", lambda s, n=n: peers.sgdlearn_classifier(data, s, n_jobs=n))
              for n in (thread_counts if not binary_sparse else [1])],
            ("sgdlearn", lambda s: peers.sgdlearn_classifier(data, s, dtype=np.float32)),
            *hogwild,
            ("vw", lambda s: peers.vowpal_wabbit(data, s, workdir)),
            ("river", lambda s: peers.river_classifier(data, s, river_rows)),
        ]),
        "adam-b1": (peers.Setting(optimizer="adam", epochs=epochs), [
            ("sgdlearn", lambda s: peers.sgdlearn_classifier(data, s)),
            ("sgdlearn", lambda s: peers.sgdlearn_classifier(data, s, dtype=np.float32)),
        ]),
        "adam-b256": (peers.Setting(optimizer="adam", batch_size=256, epochs=epochs), [
            *[("sgdlearn", lambda s, n=n: peers.sgdlearn_classifier(data, s, n_jobs=n))
              for n in thread_counts],
            ("sgdlearn", lambda s: peers.sgdlearn_classifier(data, s, n_jobs=threads,
                                                             dtype=np.float32)),
            *[("sgdlearn", lambda s, n=n: peers.sgdlearn_classifier(
                data, s, n_jobs=n, sparse_update="dense")) for n in thread_counts
              if sp.issparse(data.X_train)],
            *[("torch", lambda s, n=n: peers.torch_adam(data, s, n)) for n in thread_counts],
            *[("torch", lambda s, n=n: peers.torch_adam(data, s, n, lazy=False))
              for n in thread_counts if sp.issparse(data.X_train)],
        ]),
    }
    if not binary_sparse:  # small dense multi-class data: a smaller batch makes more steps
        specs["adam-b256"] = (replace(specs["adam-b256"][0], batch_size=32), specs["adam-b256"][1])
    cases = []
    for key in keys:
        if key not in specs:
            continue
        setting, factories = specs[key]
        case = Case(key, data, setting, [])
        for library, make in factories:
            if library not in libraries:
                continue
            try:
                case.contenders.append(make(setting))
            except peers.PeerUnavailable as reason:
                case.skipped.append((library, str(reason)))
        cases.append(case)
    return cases


def measure(case, repeats, budget):
    """Median over interleaved repeats; accuracy of the last model; bit-identity.

    A contender stops repeating once its runs have taken `budget` seconds in all (after
    two runs where bit-identity is checked)."""
    seconds = {id(c): [] for c in case.contenders}
    fingerprints = {id(c): set() for c in case.contenders}
    others = {id(c): machine.OtherLoad() for c in case.contenders}
    models = {}
    for round_ in range(repeats):
        for c in case.contenders:
            done = seconds[id(c)]
            enough = len(done) >= (2 if c.fingerprint else 1) and sum(done) > budget
            if round_ >= c.max_repeats or enough:
                continue
            with garbage_collection_paused(), others[id(c)].watch():
                started = time.perf_counter()
                model = c.fit()
                seconds[id(c)].append(time.perf_counter() - started)
            models[id(c)] = model
            if c.fingerprint is not None:
                fingerprints[id(c)].add(c.fingerprint(model))
    results = []
    for c in case.contenders:
        identical = None
        if c.fingerprint is not None and len(seconds[id(c)]) > 1:
            identical = len(fingerprints[id(c)]) == 1
        # The result keeps the contender's description, not its data.
        bare = replace(c, fit=None, score=None, fingerprint=None)
        results.append(Result(case, bare, seconds[id(c)], c.score(models[id(c)]), identical,
                              others[id(c)].cores))
        print(f"  {c.library} {c.variant} threads={c.threads}: median {results[-1].median:.3f} s "
              f"of {len(seconds[id(c)])}, accuracy {results[-1].accuracy:.4f}", flush=True)
    return results


def measure_partial_fit(data, setting, warmup, calls, rows=100):
    """Cost of one partial_fit call on `rows` new rows, steady state: each library called
    in turn on the same consecutive batches of the training data, passing `classes` on
    every call (as scikit-learn's out-of-core example does) or on the first one only."""
    params = setting.estimator_params()
    estimators = {(library, every_call): make(**params)
                  for library, make in (("scikit-learn", sklearn.linear_model.SGDClassifier),
                                        ("sgdlearn", sgdlearn.SGDClassifier))
                  for every_call in (True, False)}
    batches = data.n_train // rows
    classes = data.classes  # computed once: a fresh np.unique per call would evict caches
    shuffler = random.Random(0)
    times = {key: [] for key in estimators}
    nnz = []
    others = machine.OtherLoad()
    with garbage_collection_paused(), others.watch():
        for call in range(warmup + calls):
            start = (call % batches) * rows
            X, y = data.X_train[start:start + rows], data.y_train[start:start + rows]
            # A fresh order each call: whoever runs first after another library's call
            # finds its own state evicted from the caches.
            order = list(estimators.items())
            shuffler.shuffle(order)
            for (library, every_call), estimator in order:
                passed = classes if every_call or call == 0 else None
                started = time.perf_counter()
                estimator.partial_fit(X, y, classes=passed)
                if call >= warmup:
                    times[library, every_call].append((time.perf_counter() - started) * 1e6)
            if call >= warmup:
                nnz.append(X.nnz if sp.issparse(X) else X.size)
    return [PartialFitResult(library, every_call, times[library, every_call], rows,
                             int(np.mean(nnz)), estimator.score(data.X_test, data.y_test),
                             others.cores)
            for (library, every_call), estimator in estimators.items()]


@contextlib.contextmanager
def garbage_collection_paused():
    """What timeit does: no collection inside timed code, where it would charge the cost
    of every Python object alive (a peer's data, say) to whatever runs then."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- the report -----------------------------------------------------------------------

def find(results, dataset, key, library, variant=None, threads=None):
    for r in results:
        c = r.contender
        if (r.case.dataset.name == dataset and r.case.key == key and c.library == library
                and (variant is None or c.variant == variant)
                and (threads is None or c.threads == threads)):
            return r
    return None


def sklearn_reference(results, dataset):
    return find(results, dataset, "sgd", "scikit-learn")


def target_lines(results, partial, threads):
    """The speed targets of issue 4 that this run measured, on the text-like data."""
    def verdict(ok):
        return "**met**" if ok else "**not met**"

    def identical(result):
        if result.identical_runs is None:
            return f"n_jobs={result.contender.threads} not checked (one run)"
        return f"n_jobs={result.contender.threads} {'yes' if result.identical_runs else 'NO'}"

    lines = []
    sk = sklearn_reference(results, "text")
    sg = find(results, "text", "sgd", "sgdlearn", "float64", 1)
    if sk and sg:
        ratio = sg.examples_per_second / sk.examples_per_second
        points = 100 * (sg.accuracy - sk.accuracy)
        lines.append(f"single thread, batch_size=1: {ratio:.2f}x scikit-learn's throughput "
                     f"(target >= 4x): {verdict(ratio >= 4)}; test accuracy "
                     f"{100 * sg.accuracy:.2f} % vs {100 * sk.accuracy:.2f} % "
                     f"({points:+.2f} points, target within 0.5): {verdict(abs(points) <= 0.5)}")
    one = find(results, "text", "adam-b256", "sgdlearn", "float64", 1)
    many = find(results, "text", "adam-b256", "sgdlearn", "float64", threads)
    if one and many and threads > 1:
        ratio = one.median / many.median
        lines.append(f"adam, batch_size=256: n_jobs={threads} runs at {ratio:.2f}x the speed of "
                     f"n_jobs=1 (target >= 1.6x): {verdict(ratio >= 1.6)} (others' load "
                     f"{cores(one.other_cores)} and {cores(many.other_cores)}); repeated runs "
                     f"bit-identical: {identical(one)}, {identical(many)}")
    lazy = find(results, "text", "adam-b1", "sgdlearn", "float64", 1)
    if sk and lazy:
        ratio = lazy.examples_per_second / sk.examples_per_second
        lines.append(f"lazy sparse adam, batch_size=1: {ratio:.2f}x the throughput of "
                     f"scikit-learn's plain SGD (target >= 1x): {verdict(ratio >= 1)}")
    for every_call in (True, False):
        by = {p.library: p for p in partial if p.classes_every_call == every_call}
        if len(by) == 2:
            ratio = by["scikit-learn"].median / by["sgdlearn"].median
            lines.append(f"partial_fit on {by['sgdlearn'].rows}-row binary batches, "
                         f"{partial_fit_variant(every_call)}: {by['sgdlearn'].median:.0f} µs "
                         f"a call vs scikit-learn's {by['scikit-learn'].median:.0f} µs, "
                         f"{ratio:.2f}x cheaper (target >= 10x): {verdict(ratio >= 10)}")
    for key, n in (("sgd", 1), ("adam-b1", 1), ("adam-b256", threads)):
        f32 = find(results, "text", key, "sgdlearn", "float32", n)
        f64 = find(results, "text", key, "sgdlearn", "float64", n)
        if f32 and f64:
            ratio = f64.median / f32.median
            # Medians of a few runs on a shared machine differ by a percent or so from
            # run to run: a verdict within that says little, and the line says so.
            tie = " (within 1%: a tie on this machine)" if abs(ratio - 1) < 0.01 else ""
            lines.append(f"float32 vs float64 ({f32.case.title.split(': ', 1)[1]}, n_jobs={n}): "
                         f"float32 {ratio:.3f}x as fast (target > 1x): {verdict(ratio > 1)}{tie}")
    return lines


def si(value):
    for scale, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if value >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def results_table(results):
    head = ("| case | library | threads | time (s) | runs | examples/s | nnz/s | test accuracy "
            "| ratio vs sklearn | others' load | notes |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for r in results:
        c = r.contender
        sk = sklearn_reference(results, r.case.dataset.name)
        ratio = f"{r.examples_per_second / sk.examples_per_second:.2f}x" if sk else "-"
        notes = list(c.notes)
        if r.identical_runs is not None:
            notes.append("runs bit-identical" if r.identical_runs else "runs DIFFER")
        library = c.library + ("" if c.variant in ("", "float64") else f" ({c.variant})")
        rows.append(f"| {r.case.title} | {library} | {c.threads} | {r.median:.3f} | "
                    f"{len(r.seconds)} | {si(r.examples_per_second)} | "
                    f"{si(r.nnz_per_second)} | {100 * r.accuracy:.2f} % | {ratio} | "
                    f"{cores(r.other_cores)} | {'; '.join(notes)} |")
    return "\n".join([head, *rows])


def cores(value):
    return "-" if value is None else f"{value:.2f} cores"


def partial_fit_variant(classes_every_call):
    return "classes passed on every call" if classes_every_call else "classes on the first call"


def partial_fit_table(partial, calls):
    head = ("| library | calls | µs a call (median) | examples/s | nnz/s | test accuracy after "
            f"{calls} timed calls | ratio vs sklearn | others' load |\n"
            "|---|---|---|---|---|---|---|---|")
    rows = []
    for p in partial:
        sk = next(q for q in partial if q.library == "scikit-learn"
                  and q.classes_every_call == p.classes_every_call)
        rows.append(f"| {p.library} | {partial_fit_variant(p.classes_every_call)} | "
                    f"{p.median:.0f} | {si(p.rows / p.median * 1e6)} | "
                    f"{si(p.nnz / p.median * 1e6)} | {100 * p.accuracy:.2f} % | "
                    f"{sk.median / p.median:.2f}x | {cores(p.other_cores)} |")
    return "\n".join([head, *rows])


def machine_lines(run_load, load_before, load_after):
    versions = [f"sgdlearn {getattr(sgdlearn, '__version__', '?')} ({git_state()})",
                f"Python {platform.python_version()}"]
    for module in ("numpy", "scipy", "sklearn", "torch", "vowpalwabbit", "river"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except (ImportError, AttributeError):
            pass
    return [f"Machine: {machine.describe()}; other processes kept {cores(run_load.cores)} "
            f"busy on average during the run (load average {load_before:.2f} at the start, "
            f"{load_after:.2f} at the end, this run included)",
            "Software: " + ", ".join(versions),
            "Threading environment: " + (", ".join(
                f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY",
                                                  "GOMP_SPINCOUNT", "OMP_PROC_BIND")
                if k in os.environ) or "no OpenMP variables set"),
            f"Date: {datetime.date.today().isoformat()}"]


def git_state():
    def git(*args):
        return subprocess.run(["git", "-C", BENCH_DIR, *args], capture_output=True,
                              text=True, check=False).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "cpp", "python")
    return f"git {commit}" + (", with uncommitted changes in cpp/ or python/" if dirty else "")


def command_line(argv):
    """The command as typed, with folder arguments replaced by DIR (no local paths)."""
    words, hide = ["python", "bench/compare.py"], False
    for arg in argv:
        words.append("DIR" if hide else arg)
        hide = arg in ("--out", "--rcv1")
    return " ".join(shlex.quote(w) if w != "DIR" else w for w in words)


def report(argv, args, all_data, cases, results, partial, run_load, load_before, load_after):
    lines = ["## sgdlearn against its peers (compare.py)", "",
             f"Command: `{command_line(argv)}`", ""]
    lines += [f"- {line}" for line in machine_lines(run_load, load_before, load_after)]
    lines += ["", "Data:", ""] + [f"- `{d.name}`: {d.description}" for d in all_data]
    lines += ["", "Every case trains from scratch with hinge loss and an L2 penalty "
              "(alpha=1e-6, `tol=None`, shuffled each epoch, `random_state=0`); time is the "
              "median wall-clock time of `fit` over interleaved runs; examples/s counts rows "
              "times epochs; ratio vs sklearn is examples/s over that of scikit-learn's "
              "SGDClassifier on the same data; others' load is the number of cores that other "
              "processes kept busy, on average, during the contender's runs (- where they "
              "took under half a second, too short to tell).", ""]
    disturbed = [r for r in results if (r.other_cores or 0.0) >= DISTURBED_CORES]
    if disturbed:
        lines += [f"**Other processes were busy** during {len(disturbed)} of the "
                  f"{len(results)} contenders' runs (others' load of {DISTURBED_CORES} cores "
                  "or more): they took turns on the cores, which slows most the "
                  "multi-threaded runs, whose threads must all hold a core at once.", ""]
    targets = target_lines(results, partial, args.threads)
    if targets:
        lines += ["### Targets (text-like data)", ""] + [f"- {t}" for t in targets] + [""]
    lines += ["### All runs", "", results_table(results), ""]
    if partial:
        lines += [f"### partial_fit, {partial[0].rows}-row batches of the text-like data "
                  f"(binary), after {args.partial_warmup} warm-up calls", "",
                  partial_fit_table(partial, args.partial_calls), ""]
    skipped = sorted({(library, reason) for c in cases for library, reason in c.skipped})
    if skipped:
        lines += ["Skipped: " + "; ".join(f"{lib}: {reason}" for lib, reason in skipped), ""]
    lines += ["![throughput of each contender](compare.png)", ""]
    return "\n".join(lines)


def plot(results, partial, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(r.case.dataset.name for r in results))
    panels = [(name, [r for r in results if r.case.dataset.name == name]) for name in names]
    heights = [max(2.0, 0.32 * len(rs) + 1.0) for _, rs in panels] + ([2.2] if partial else [])
    fig, axes = plt.subplots(len(heights), 1, figsize=(9, sum(heights)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    colors = {"sgdlearn": "tab:blue", "scikit-learn": "tab:orange", "PyTorch": "tab:red",
              "Vowpal Wabbit": "tab:green", "River": "tab:purple"}
    for ax, (name, rs) in zip(axes[:, 0], panels):
        labels = [f"{r.case.short} · {r.contender.library}"
                  + ("" if r.contender.variant in ("", "float64") else f" {r.contender.variant}")
                  + f" · {r.contender.threads}t" for r in rs]
        ax.barh(labels, [r.examples_per_second for r in rs],
                color=[colors.get(r.contender.library, "grey") for r in rs])
        ax.set_xscale("log")
        ax.invert_yaxis()
        ax.set_title(f"{name}: training examples per second (median, higher is better)")
    if partial:
        ax = axes[-1, 0]
        ax.barh([f"{p.library} · classes {'every call' if p.classes_every_call else 'once'}"
                 for p in partial], [p.median for p in partial],
                color=[colors.get(p.library, "grey") for p in partial])
        ax.invert_yaxis()
        ax.set_title(f"partial_fit on {partial[0].rows} rows: µs a call (lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def record(section, png):
    """Rewrite the compare.py section of bench/RESULTS.md; keep every other section."""
    path = os.path.join(BENCH_DIR, "RESULTS.md")
    block = f"{SECTION_BEGIN}\n{section}\n{SECTION_END}"
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmark results\n"
    if SECTION_BEGIN in text and SECTION_END in text:
        before, rest = text.split(SECTION_BEGIN, 1)
        text = before + block + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)
    with open(png, "rb") as source, open(os.path.join(BENCH_DIR, "compare.png"), "wb") as out:
        out.write(source.read())


# -- command line ---------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and 2 runs: checks that everything runs (CI)")
    parser.add_argument("--out", default=os.path.join(BENCH_DIR, "results"),
                        help="folder for compare.md and compare.png (default bench/results)")
    parser.add_argument("--record", action="store_true",
                        help="also rewrite bench/RESULTS.md's section and bench/compare.png")
    parser.add_argument("--datasets", default="text,digits",
                        help="comma-separated: text, digits, rcv1 (default text,digits; rcv1 "
                             "is added when --rcv1 or SGDLEARN_BENCH_RCV1 is set)")
    parser.add_argument("--cases", default=",".join(CASE_KEYS),
                        help=f"comma-separated, of {', '.join(CASE_KEYS)}")
    parser.add_argument("--libraries", default="sgdlearn,scikit-learn,torch,vw,river",
                        help="comma-separated contenders (default all)")
    parser.add_argument("--repeats", type=int, help="runs per contender (default 5; --quick 2)")
    parser.add_argument("--budget", type=float, default=30.0,
                        help="seconds of runs after which a contender stops repeating (default 30)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="the multi-threaded runs' thread count (default: all cores)")
    parser.add_argument("--rows", type=int,
                        help="training rows of the text-like data (default 250000; --quick 3000)")
    parser.add_argument("--rcv1", default=os.environ.get("SGDLEARN_BENCH_RCV1"),
                        help="folder with rcv1_small.dat and rcv1_small_test.data")
    args = parser.parse_args(argv)
    args.repeats = args.repeats or (2 if args.quick else 5)
    args.rows = args.rows or (3_000 if args.quick else 250_000)
    args.river_rows = 1_000 if args.quick else 50_000
    args.partial_warmup, args.partial_calls = (5, 20) if args.quick else (30, 300)
    for name, allowed in (("cases", CASE_KEYS), ("datasets", ("text", "digits", "rcv1")),
                          ("libraries", ("sgdlearn", "scikit-learn", "torch", "vw", "river"))):
        chosen = [w for w in getattr(args, name).split(",") if w]
        unknown = sorted(set(chosen) - set(allowed))
        if unknown:
            parser.error(f"--{name}: unknown {', '.join(unknown)} "
                         f"(choose from {', '.join(allowed)})")
        setattr(args, name, chosen)
    if args.repeats < 1 or args.threads < 1 or args.rows < 1000:
        parser.error("--repeats and --threads must be >= 1, --rows >= 1000")
    if args.rcv1 and "rcv1" not in args.datasets:
        args.datasets.append("rcv1")
    if "rcv1" in args.datasets and not args.rcv1:
        parser.error("the rcv1 dataset needs --rcv1 DIR or SGDLEARN_BENCH_RCV1")
    return args


def load_datasets(args):
    loaded = []
    for name in args.datasets:
        print(f"loading {name} ...", flush=True)
        if name == "text":
            loaded.append(datasets.text_like(n_train=args.rows, n_test=max(1000, args.rows // 5)))
        elif name == "digits":
            loaded.append(datasets.digits())
        else:
            try:
                loaded.append(datasets.vw_pair(os.path.join(args.rcv1, "rcv1_small.dat"),
                                               os.path.join(args.rcv1, "rcv1_small_test.data")))
            except (OSError, ValueError) as error:
                sys.exit(f"compare.py: --rcv1: {error}")
    return loaded


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    load_before = os.getloadavg()[0]
    run_load = machine.OtherLoad()
    all_data = load_datasets(args)
    libraries = set(args.libraries)
    results, partial, cases = [], [], []
    with tempfile.TemporaryDirectory() as workdir, run_load.watch():
        for data in all_data:
            epochs = 5 if sp.issparse(data.X_train) else 10
            if args.quick:
                epochs = min(epochs, 3)
            built = build_cases(data, args.cases, libraries, args.threads, args.river_rows,
                                workdir, epochs)
            cases += built
            for case in built:
                print(f"{case.title} ({args.repeats} runs)", flush=True)
                for library, reason in case.skipped:
                    print(f"  skipped {library}: {reason}", flush=True)
                results += measure(case, args.repeats, args.budget)
            if ("partial_fit" in args.cases and data.name == "text"
                    and {"scikit-learn", "sgdlearn"} <= libraries):
                print("partial_fit ...", flush=True)
                partial = measure_partial_fit(data, peers.Setting(), args.partial_warmup,
                                              args.partial_calls)
    load_after = os.getloadavg()[0]

    section = report(argv, args, all_data, cases, results, partial, run_load, load_before,
                     load_after)
    os.makedirs(args.out, exist_ok=True)
    markdown, png = os.path.join(args.out, "compare.md"), os.path.join(args.out, "compare.png")
    with open(markdown, "w", encoding="utf-8") as out:
        out.write(section)
    plot(results, partial, png)
    if args.record:
        record(section, png)
    print()
    print(section)
    print(f"wrote {markdown} and {png}" + (" and bench/RESULTS.md" if args.record else ""))


if __name__ == "__main__":
    main()
