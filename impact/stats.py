"""The mean change of a measure from intake to follow-up, with its 95 % confidence interval.

Paired differences (follow-up minus intake, one per person measured at both), their mean, and
Student's t interval: mean ± t(0.975, n - 1) × sd / √n, sd the sample standard deviation. Plain
functions over plain numbers; scipy gives the t quantile.
"""

import dataclasses
import math
from collections.abc import Iterable

CONFIDENCE = 0.95


@dataclasses.dataclass(frozen=True)
class MeanChange:
    n: int
    mean: float | None
    low: float | None
    high: float | None

    @property
    def covers_zero(self) -> bool:
        return self.low is not None and self.low <= 0 <= self.high


def mean_change(pairs: Iterable[tuple[float, float]]) -> MeanChange:
    """From (intake, follow-up) pairs. One pair gives a mean but no interval; none, nothing."""
    differences = [after - before for before, after in pairs]
    n = len(differences)
    if n == 0:
        return MeanChange(0, None, None, None)
    mean = math.fsum(differences) / n
    if n == 1:
        return MeanChange(1, mean, None, None)
    variance = math.fsum((d - mean) ** 2 for d in differences) / (n - 1)
    half = _t_quantile(n - 1) * math.sqrt(variance / n)
    return MeanChange(n, mean, mean - half, mean + half)


def mean_change_from_sums(n: int, total: float, squares: float) -> MeanChange:
    """The same from the count, sum and sum of squares of the differences (summed where the
    data is, so the differences need not be read one by one)."""
    if n == 0:
        return MeanChange(0, None, None, None)
    mean = total / n
    if n == 1:
        return MeanChange(1, mean, None, None)
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    half = _t_quantile(n - 1) * math.sqrt(variance / n)
    return MeanChange(n, mean, mean - half, mean + half)


def _t_quantile(degrees: int) -> float:
    """Student's t quantile of the interval's upper bound, for these degrees of freedom."""
    # scipy.stats is imported on the first interval, not with the module: every web worker
    # imports this one, and only the impact reports need an interval.
    from scipy import stats

    return float(stats.t.ppf((1 + CONFIDENCE) / 2, degrees))
