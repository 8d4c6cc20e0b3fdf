"""The order in which an epoch visits the examples (shuffle=True).

The order is read back from a model: one-hot rows, all targets 1, squared loss, no
penalty and a constant rate eta. The intercept after t steps is 1 - (1 - eta)^t, and
example i's only weight is set once, at its own step t_i, to eta (1 - eta)^t_i.
"""
import numpy as np
import pytest
from scipy import stats

from sgdlearn import SGDRegressor

ETA = 0.01


def visiting_order(n, random_state):
    model = SGDRegressor(loss="squared_error", penalty=None, learning_rate="constant",
                         eta0=ETA, max_iter=1, tol=None, shuffle=True,
                         random_state=random_state)
    model.fit(np.eye(n), np.ones(n))
    steps = np.log(model.coef_ / ETA) / np.log(1.0 - ETA)
    assert np.allclose(steps, np.round(steps), atol=1e-6)
    order = np.empty(n, dtype=np.int64)
    order[np.round(steps).astype(np.int64)] = np.arange(n)
    return order, model


def xoshiro256ss(seed):
    """The core's generator (shuffle.hpp): xoshiro256** seeded through splitmix64."""
    mask = (1 << 64) - 1
    state = []
    for _ in range(4):
        seed = (seed + 0x9E3779B97F4A7C15) & mask
        z = seed
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        state.append(z ^ (z >> 31))

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & mask

    while True:
        s0, s1, s2, s3 = state
        result = (rotl((s1 * 5) & mask, 7) * 9) & mask
        t = (s1 << 17) & mask
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        state = [s0, s1, s2, s3]
        yield result


def textbook_shuffle(n, seed):
    """Fisher-Yates from the last position down, each place drawn by Lemire's method."""
    numbers = xoshiro256ss(seed)
    order = list(range(n))
    for i in range(n, 1, -1):
        product = next(numbers) * i
        threshold = (1 << 64) % i  # (2^64 - i) mod i, as the core computes -n % n
        while product & ((1 << 64) - 1) < threshold:
            product = next(numbers) * i
        j = product >> 64
        order[i - 1], order[j] = order[j], order[i - 1]
    return order


@pytest.mark.parametrize("n", [2, 65, 200])  # blocks of 64 swaps: one, two, four
@pytest.mark.parametrize("random_state", [0, 7])
def test_order_is_the_textbook_fisher_yates(n, random_state):
    order, model = visiting_order(n, random_state)
    seed = int(model._draw_seeds(1)[0])
    assert order.tolist() == textbook_shuffle(n, seed)


def test_every_position_equally_likely():
    # An independent check of uniformity: where example 0 and example n - 1 land, over
    # many seeds (a place drawn from a wrong range leaves some positions short).
    n, draws = 70, 1400
    landed = np.array([np.argsort(visiting_order(n, seed)[0])[[0, n - 1]]
                       for seed in range(draws)])
    for column in landed.T:
        counts = np.bincount(column, minlength=n)
        assert stats.chisquare(counts).pvalue > 1e-4
