"""Accuracy measures against hand-computed values."""

import math

import pytest

from forecasting import bias, coverage, mape, wape


def test_hand_computed():
    actual = [10, 0, 30]
    fc = [12, 1, 24]
    assert wape(actual, fc) == pytest.approx((2 + 1 + 6) / 40)
    assert mape(actual, fc) == pytest.approx((0.2 + 0.2) / 2)
    assert bias(actual, fc) == pytest.approx((37 - 40) / 40)
    assert coverage(actual, [9, 0, 25], [11, 0, 29]) == pytest.approx(2 / 3)


def test_undefined_cases_are_nan():
    assert math.isnan(wape([0, 0], [1, 1]))
    assert math.isnan(mape([0], [1]))
