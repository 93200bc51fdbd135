"""Ranking and stability metrics of a score, where a higher score means a better (less risky) applicant."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def auc(scores: Sequence[float], bad: Sequence[int]) -> float:
    """P(a random good scores above a random bad), ties counting one half (Mann-Whitney U over average ranks)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    goods = len(bad) - sum(bad)
    bads = sum(bad)
    if not goods or not bads:
        raise ValueError("AUC needs at least one good and one bad")
    rank_sum_good = sum(r for r, b in zip(ranks, bad, strict=True) if not b)
    return (rank_sum_good - goods * (goods + 1) / 2) / (goods * bads)


def gini(auc_value: float) -> float:
    return 2 * auc_value - 1


def ks(scores: Sequence[float], bad: Sequence[int]) -> float:
    """Kolmogorov-Smirnov: the largest gap between the score distributions of bads and goods."""
    goods = len(bad) - sum(bad)
    bads = sum(bad)
    seen_good = seen_bad = 0
    best = 0.0
    pairs = sorted(zip(scores, bad, strict=True))
    for i, (score, b) in enumerate(pairs):
        seen_bad += b
        seen_good += 1 - b
        if i + 1 == len(pairs) or pairs[i + 1][0] != score:  # compare only between distinct scores
            best = max(best, abs(seen_bad / bads - seen_good / goods))
    return best


def psi(expected: Sequence[int], actual: Sequence[int]) -> float:
    """Population stability index between two count distributions over the same bins; an empty bin counts
    as half a row so that the index stays finite. Under 0.1 is stable, over 0.25 is a shift."""
    te, ta = sum(expected), sum(actual)
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        pe, pa = max(e, 0.5) / te, max(a, 0.5) / ta
        total += (pa - pe) * math.log(pa / pe)
    return total


def score_edges(scores: Sequence[float], parts: int = 10) -> list[float]:
    """Inner edges of `parts` score bins of about equal counts (the baseline's deciles for PSI)."""
    ordered = sorted(scores)
    return sorted({ordered[len(ordered) * k // parts] for k in range(1, parts)})


def histogram(scores: Sequence[float], edges: Sequence[float]) -> list[int]:
    counts = [0] * (len(edges) + 1)
    for s in scores:
        counts[sum(s >= e for e in edges)] += 1
    return counts


@dataclass(frozen=True)
class BandRow:
    band: str
    min_score: int
    rows: int
    bads: int

    @property
    def bad_rate(self) -> float:
        return self.bads / self.rows if self.rows else 0.0


def band_table(scores: Sequence[int], bad: Sequence[int], bands: Sequence[tuple[str, int]]) -> list[BandRow]:
    """Rows and bads per band; `bands` lists (name, min_score) from the highest down, as a scorecard does."""
    rows = {name: [0, 0] for name, _ in bands}
    for score, b in zip(scores, bad, strict=True):
        name = next((n for n, floor in bands if score >= floor), bands[-1][0])
        rows[name][0] += 1
        rows[name][1] += b
    return [BandRow(name, floor, *rows[name]) for name, floor in bands]
