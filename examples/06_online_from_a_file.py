# SPDX-License-Identifier: BSD-3-Clause
"""Online learning from a file: progressive validation loss, from Python and the command line.

    python examples/06_online_from_a_file.py [--quick] [--out DIR]

Writes a stream of text-like examples (Zipf-distributed words, labels from a sparse
linear model) to an svmlight file, and learns from it in one pass, chunk by chunk,
never holding the whole file in memory. Progressive validation scores each example
with the model as it was before learning it, so the loss of a single pass is an honest
estimate of the error on new data, with no held-out set (Vowpal Wabbit reports the same
"average loss"); the trainer reports it as it learns, and each chunk of 1000 examples
gets the mean over its examples.

Three online learners read the same stream: SGD with Bottou's schedule, AdaGrad and
FTRL-Proximal. The plot shows the progressive loss of each chunk, and the log loss of
the final model on 5000 held-out examples (the dots): by the end of the pass the
progressive loss has found it. SGD's schedule starts with large steps and is still
settling late in the pass; AdaGrad and FTRL settle within a few thousand examples.

Then the command line does the same job: with AdaGrad's options it writes a model file
holding the same model as ``fit_stream`` did, and tests it on the held-out file:

    sgdlearn train stream.svm --format svmlight --loss log_loss --optimizer adagrad \
        --learning-rate constant --eta0 1.0 --alpha 1e-05 --chunk-size 1000 \
        --n-features 16384 --classes 0,1 --random-state 0 -o model.sgdl
    sgdlearn test model.sgdl heldout.svm --json
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import dump_svmlight_file
from sklearn.metrics import accuracy_score, log_loss

import sgdlearn

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    raise SystemExit('this example draws with matplotlib: pip install "sgdlearn[plot]"') from None

if not hasattr(sgdlearn.SGDClassifier, "fit_stream"):
    raise SystemExit("this example needs SGDClassifier.fit_stream (sgdlearn.io), "
                     "which this installation of sgdlearn lacks")

N_FEATURES = 2**14
CHUNK_SIZE = 1_000
LEARNERS = {
    "sgd, optimal rate": dict(alpha=1e-5),
    "adagrad": dict(optimizer="adagrad", learning_rate="constant", eta0=1.0, alpha=1e-5),
    "ftrl": dict(optimizer="ftrl", learning_rate="constant", eta0=3.0, alpha=1e-5,
                 penalty="elasticnet", l1_ratio=0.5),
}
LAST_CHUNKS = 5  # the progressive loss at the end of the pass: the mean of these chunks


def text_like(n_samples, seed):
    """Rows of Zipf-popular words, unit norm; labels from a sparse linear model."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, N_FEATURES + 1) ** 1.1
    words = rng.choice(N_FEATURES, size=(n_samples, 20), p=popularity / popularity.sum())
    indptr = np.arange(0, words.size + 1, 20)
    X = sp.csr_matrix((np.ones(words.size), words.ravel(), indptr), shape=(n_samples, N_FEATURES))
    X.sum_duplicates()
    X = sp.csr_matrix(X.multiply(1.0 / np.sqrt(X.multiply(X).sum(axis=1))))
    truth = np.random.default_rng(12345).standard_normal(N_FEATURES) * 3
    truth[np.random.default_rng(54321).random(N_FEATURES) > 0.3] = 0.0
    margin = X @ truth
    return X, (margin + 0.3 * rng.standard_normal(n_samples) > 0).astype(int)


def run_cli(*arguments):
    """`sgdlearn ARGUMENTS`, run by this Python; its standard output."""
    command = [sys.executable, "-m", "sgdlearn", *map(str, arguments)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"sgdlearn {' '.join(map(str, arguments))} failed: {result.stderr}")
    return result.stdout


def learn_in_python(stream, n_samples, X_test, y_test, ax):
    """fit_stream with each learner: print and draw the progressive loss of each chunk.

    Returns the fitted models by name.
    """
    models = {}
    print(f"\n{'learner (Python, fit_stream)':<30} {'progressive loss':>16} "
          f"{f'last {LAST_CHUNKS} chunks':>14} {'held-out log loss':>17} {'accuracy':>8}")
    for name, params in LEARNERS.items():
        model = sgdlearn.SGDClassifier(loss="log_loss", random_state=0, **params)
        model.fit_stream(stream, passes=1, classes=[0, 1], format="svmlight",
                         chunk_size=CHUNK_SIZE, n_features=N_FEATURES, progress=False)
        # progressive_loss_: per chunk, the mean loss of each example before its step.
        per_chunk = np.asarray(model.progressive_loss_, dtype=float)
        seen = np.minimum(np.arange(1, len(per_chunk) + 1) * CHUNK_SIZE, n_samples)
        whole_pass = np.average(per_chunk, weights=np.diff(seen, prepend=0))
        heldout_loss = log_loss(y_test, model.predict_proba(X_test))
        (line,) = ax.plot(seen, per_chunk, label=name)
        ax.plot(seen[-1], heldout_loss, "o", color=line.get_color())
        print(f"{name:<30} {whole_pass:>16.4f} {per_chunk[-LAST_CHUNKS:].mean():>14.4f} "
              f"{heldout_loss:>17.4f} {accuracy_score(y_test, model.predict(X_test)):>8.3f}")
        models[name] = model
    ax.set(xlabel="examples seen", ylabel="log loss of each chunk before learning it",
           title="Progressive validation over one pass (dots: held-out loss)")
    ax.legend()
    return models


def learn_on_the_command_line(stream, heldout, model_file, name, python_model):
    """Train the learner `name` with the sgdlearn command, compare, and test the model file."""
    options = [f"--{key.replace('_', '-')}={value}" for key, value in LEARNERS[name].items()]
    options += [f"--chunk-size={CHUNK_SIZE}", f"--n-features={N_FEATURES}", "--classes=0,1",
                "--random-state=0"]
    print(f"\n$ sgdlearn train {stream.name} --format=svmlight --loss=log_loss "
          f"{' '.join(options)} -o {model_file.name}")
    run_cli("train", stream, "--format=svmlight", "--loss=log_loss", *options, "-o", model_file,
            "--quiet")
    difference = np.abs(sgdlearn.load(model_file).coef_ - python_model.coef_).max()
    print(f"the same model as fit_stream's {name}: largest coefficient difference {difference:g}")
    print(f"$ sgdlearn test {model_file.name} {heldout.name} --json")
    print(json.dumps(json.loads(run_cli("test", model_file, heldout, "--json"))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("."),
                        help="folder for the PNG (default: the current one)")
    args = parser.parse_args(argv)
    n_samples = 5_000 if args.quick else 50_000

    with tempfile.TemporaryDirectory() as folder:
        stream, heldout = pathlib.Path(folder, "stream.svm"), pathlib.Path(folder, "heldout.svm")
        dump_svmlight_file(*text_like(n_samples, seed=0), str(stream), zero_based=True)
        X_test, y_test = text_like(5_000, seed=1)
        dump_svmlight_file(X_test, y_test, str(heldout), zero_based=True)
        print(f"{stream.name}: {n_samples} examples, {stream.stat().st_size / 1e6:.1f} MB; "
              f"{heldout.name}: 5000 examples")

        fig, ax = plt.subplots(figsize=(7, 4))
        models = learn_in_python(stream, n_samples, X_test, y_test, ax)
        fig.tight_layout()
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "06_online_from_a_file.png"
        fig.savefig(path, dpi=80)
        print(f"wrote {path}")

        learn_on_the_command_line(stream, heldout, pathlib.Path(folder, "model.sgdl"),
                                  "adagrad", models["adagrad"])


if __name__ == "__main__":
    main()
