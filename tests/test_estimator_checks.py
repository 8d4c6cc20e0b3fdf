# SPDX-License-Identifier: BSD-3-Clause
"""scikit-learn's own estimator checks, on both estimators."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sgdlearn import SGDClassifier, SGDRegressor

# The only checks scikit-learn also expects its SGD estimators to fail: one epoch
# over an example twice is not one epoch over it with weight 2.
_SAMPLE_WEIGHT_XFAILS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "SGD takes one step per example: repeating an example is not doubling its weight"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "SGD takes one step per example: repeating an example is not doubling its weight"
    ),
}


@parametrize_with_checks(
    [SGDClassifier(random_state=0), SGDRegressor(random_state=0)],
    expected_failed_checks=lambda estimator: _SAMPLE_WEIGHT_XFAILS,
)
# Some checks cap max_iter on purpose; scikit-learn's own SGD warns there too.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
