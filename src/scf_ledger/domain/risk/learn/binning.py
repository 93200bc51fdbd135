"""Supervised binning with weight of evidence (WoE) and information value (IV).

WoE of a bin = ln(share of all goods in it / share of all bads in it): positive where goods gather. A count
of zero is taken as 0.5 so that a pure bin has a finite WoE. IV = sum over bins of (good share - bad share) x WoE.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, replace

from scf_ledger.domain.risk.learn.dataset import Value

PREBINS = 20  # quantile bins a numeric feature starts from


@dataclass(frozen=True)
class Group:
    """Rows in one bin: numbers in [lower, upper) or the given categories."""

    lower: float | None
    upper: float | None
    categories: frozenset[str] | None
    good: int
    bad: int

    @property
    def count(self) -> int:
        return self.good + self.bad

    @property
    def bad_rate(self) -> float:
        return self.bad / self.count

    def merge(self, other: Group) -> Group:
        cats = None if self.categories is None else self.categories | (other.categories or frozenset())
        lower = self.lower if self.categories is None else None
        upper = other.upper if self.categories is None else None
        return Group(lower, upper, cats, self.good + other.good, self.bad + other.bad)


def woe(good: int, bad: int, total_good: int, total_bad: int) -> float:
    return math.log((max(good, 0.5) / total_good) / (max(bad, 0.5) / total_bad))


def information_value(groups: list[Group], total_good: int, total_bad: int) -> float:
    return sum((g.good / total_good - g.bad / total_bad) * woe(g.good, g.bad, total_good, total_bad) for g in groups)


@dataclass(frozen=True)
class BinnedFeature:
    groups: list[Group]
    woes: list[float]
    missing: Group | None  # rows without a value, when there are any
    missing_woe: float
    iv: float
    numeric: bool

    def woe_of(self, value: Value) -> float:
        if value is None:
            return self.missing_woe
        for group, w in zip(self.groups, self.woes, strict=True):
            if _holds(group, value):
                return w
        return 0.0  # a category not seen in training: neutral


def _holds(group: Group, value: float | str) -> bool:
    if group.categories is not None:
        return isinstance(value, str) and value in group.categories
    if isinstance(value, str):  # a category never falls in a numeric bin
        return False
    return (group.lower is None or value >= group.lower) and (group.upper is None or value < group.upper)


def bin_feature(
    values: list[Value], bad: list[int], numeric: bool, max_bins: int, min_share: float, monotonic: bool
) -> BinnedFeature:
    """Bins one feature: quantile pre-bins (numbers) or one bin per category, then merges bins that are too
    small or pure, enforces a monotonic bad rate on numbers, and merges the pair losing least IV down to
    `max_bins`."""
    total_bad = sum(bad)
    total_good = len(bad) - total_bad
    min_count = max(1, math.ceil(min_share * len(bad)))
    present = [(v, b) for v, b in zip(values, bad, strict=True) if v is not None]
    if numeric:
        candidates = [_numeric_groups(present, min_count, total_good, total_bad, max_bins, trend) for trend in (1, -1)]
        groups = (
            max(candidates, key=lambda gs: information_value(gs, total_good, total_bad))
            if monotonic
            else (_numeric_groups(present, min_count, total_good, total_bad, max_bins, 0))
        )
    else:
        groups = _categorical_groups(present, min_count, total_good, total_bad, max_bins)
    absent = [b for v, b in zip(values, bad, strict=True) if v is None]
    missing = None
    if absent:
        missing = Group(None, None, None, len(absent) - sum(absent), sum(absent))
    # A handful of missing rows says nothing: they score as neutral (WoE 0) rather than as noise.
    missing_woe = (
        woe(missing.good, missing.bad, total_good, total_bad) if missing and missing.count >= min_count else 0.0
    )
    woes = [woe(g.good, g.bad, total_good, total_bad) for g in groups]
    all_groups = groups + ([missing] if missing else [])
    return BinnedFeature(
        groups, woes, missing, missing_woe, information_value(all_groups, total_good, total_bad), numeric
    )


def _numeric_groups(
    present: list[tuple[float | str, int]], min_count: int, tg: int, tb: int, max_bins: int, trend: int
) -> list[Group]:
    numbers = sorted(float(v) for v, _ in present)
    if not numbers:
        return [Group(None, None, None, 0, 0)]
    distinct = sorted(set(numbers))
    if len(distinct) <= PREBINS:
        cuts = distinct[1:]
    else:
        cuts = sorted({numbers[len(numbers) * k // PREBINS] for k in range(1, PREBINS)} - {distinct[0]})
    bounds = [None, *cuts, None]
    good = [0] * (len(cuts) + 1)
    badc = [0] * (len(cuts) + 1)
    for v, b in present:
        i = bisect_right(cuts, float(v))
        badc[i] += b
        good[i] += 1 - b
    groups = [Group(bounds[i], bounds[i + 1], None, good[i], badc[i]) for i in range(len(cuts) + 1)]
    groups = [g for g in groups if g.count] or groups[:1]
    groups = _close_gaps(groups)
    groups = _merge_small(groups, min_count)
    if trend:
        groups = _make_monotonic(groups, trend)
    return _merge_to(groups, max_bins, tg, tb)


def _close_gaps(groups: list[Group]) -> list[Group]:
    """After dropping empty pre-bins, each bin starts where the previous one ends and the ends are open."""
    out = [replace(g, lower=groups[i - 1].upper if i else None) for i, g in enumerate(groups)]
    out[-1] = replace(out[-1], upper=None)
    return out


def _categorical_groups(
    present: list[tuple[float | str, int]], min_count: int, tg: int, tb: int, max_bins: int
) -> list[Group]:
    counts: dict[str, list[int]] = {}
    for v, b in present:
        counts.setdefault(str(v), [0, 0])[b] += 1
    groups = [Group(None, None, frozenset([c]), g, b) for c, (g, b) in counts.items()]
    rare = [g for g in groups if g.count < min_count]
    if len(rare) > 1:  # rare categories are pooled before anything else
        pooled = rare[0]
        for g in rare[1:]:
            pooled = pooled.merge(g)
        groups = [g for g in groups if g.count >= min_count] + [pooled]
    groups.sort(key=lambda g: (g.bad_rate, sorted(g.categories or ())))
    return _merge_to(_merge_small(groups, min_count), max_bins, tg, tb)


def _merge_small(groups: list[Group], min_count: int) -> list[Group]:
    """Merges each bin that is under `min_count` rows or has no good or no bad into its closer neighbour."""
    groups = list(groups)
    while len(groups) > 1:
        weak = [i for i, g in enumerate(groups) if g.count < min_count or g.good == 0 or g.bad == 0]
        if not weak:
            break
        i = min(weak, key=lambda k: groups[k].count)
        if i == 0:
            j = 1
        elif i == len(groups) - 1:
            j = i - 1
        else:
            left, right = groups[i - 1], groups[i + 1]
            rate = groups[i].bad_rate
            j = i - 1 if abs(left.bad_rate - rate) <= abs(right.bad_rate - rate) else i + 1
        a, b = min(i, j), max(i, j)
        groups[a : b + 1] = [groups[a].merge(groups[b])]
    return groups


def _make_monotonic(groups: list[Group], trend: int) -> list[Group]:
    """Pools adjacent bins until the bad rate only rises (trend 1) or only falls (trend -1)."""
    groups = list(groups)
    i = 0
    while i < len(groups) - 1:
        if (groups[i + 1].bad_rate - groups[i].bad_rate) * trend < 0:
            groups[i : i + 2] = [groups[i].merge(groups[i + 1])]
            i = max(i - 1, 0)
        else:
            i += 1
    return groups


def _merge_to(groups: list[Group], max_bins: int, tg: int, tb: int) -> list[Group]:
    groups = list(groups)
    while len(groups) > max_bins:
        best = max(
            range(len(groups) - 1),
            key=lambda i: information_value([*groups[:i], groups[i].merge(groups[i + 1]), *groups[i + 2 :]], tg, tb),
        )
        groups[best : best + 2] = [groups[best].merge(groups[best + 1])]
    return groups
