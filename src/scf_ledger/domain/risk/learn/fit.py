"""Fit a points scorecard: bin every feature, keep the informative ones, fit a logistic regression on their
weights of evidence, and scale it to integer points. The result is a RiskConfig the engine loads as it is.

Scaling: score = offset + factor * ln(good:bad odds), factor = pdo / ln 2, offset = base_score - factor *
ln(base_odds). With ln(bad odds) = b0 + sum(b_j * woe_j), a feature's bin scores round(-factor * b_j * woe) and
the base is round(offset - factor * b0)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scf_ledger.domain.risk.config import (
    Band,
    Bin,
    ColumnSpec,
    FeatureBins,
    FitOptions,
    RiskConfig,
    Scorecard,
)
from scf_ledger.domain.risk.learn.binning import BinnedFeature, Group, bin_feature, information_value
from scf_ledger.domain.risk.learn.dataset import Dataset, DatasetError, column_specs, feature_values
from scf_ledger.domain.risk.learn.metrics import auc, band_table, ks


@dataclass(frozen=True)
class Candidate:
    spec: ColumnSpec
    binned: BinnedFeature
    values: list


@dataclass(frozen=True)
class FitReport:
    information_values: dict[str, float]  # every candidate feature
    coefficients: dict[str, float]  # the selected ones
    intercept: float


@dataclass(frozen=True)
class Scaling:
    factor: float
    offset: float

    @classmethod
    def of(cls, options: FitOptions) -> Scaling:
        factor = options.pdo / math.log(2)
        return cls(factor, options.base_score - factor * math.log(options.base_odds))

    def points(self, coefficient: float, woe: float) -> int:
        return round(-self.factor * coefficient * woe)

    def score_at_bad_rate(self, bad_rate: float) -> int:
        """The lowest score whose predicted bad rate is at most `bad_rate`."""
        return math.ceil(self.offset + self.factor * math.log((1 - bad_rate) / bad_rate) - 1e-9)


def _sklearn():
    try:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError:
        raise DatasetError("fitting needs scikit-learn: pip install 'scf-ledger[risk]'") from None
    return LogisticRegression, StratifiedKFold


def bin_candidates(dataset: Dataset, options: FitOptions) -> list[Candidate]:
    out = []
    for spec in column_specs(dataset, options.columns):
        values, numeric = feature_values(dataset, spec)
        binned = bin_feature(
            values,
            dataset.bad,
            numeric,
            options.max_bins,
            options.min_bin_share,
            options.monotonic,
        )
        out.append(Candidate(spec, binned, values))
    names = [c.spec.feature_name for c in out]
    if len(names) != len(set(names)):
        raise DatasetError(
            f"two columns become the same feature name: {sorted(n for n in names if names.count(n) > 1)[0]}"
        )
    return out


def fit_logistic(dataset: Dataset, options: FitOptions) -> tuple[list[Candidate], list[float], float, FitReport]:
    """Selects features by IV, then refits without any feature whose coefficient has the wrong sign (a
    feature whose better bins would cost points is collinear noise, not evidence)."""
    logistic_regression, _ = _sklearn()
    candidates = bin_candidates(dataset, options)
    ivs = {c.spec.feature_name: c.binned.iv for c in candidates}
    selected = sorted((c for c in candidates if c.binned.iv >= options.min_iv), key=lambda c: -c.binned.iv)
    while selected:
        columns = [[c.binned.woe_of(v) for v in c.values] for c in selected]
        rows = [list(row) for row in zip(*columns, strict=True)]
        # Solved to a tight tolerance, so that the points (rounded) do not move with the library version.
        model = logistic_regression(C=options.regularisation, tol=1e-10, max_iter=10_000).fit(rows, dataset.bad)
        coefficients = [float(b) for b in model.coef_[0]]
        worst = max(range(len(selected)), key=lambda i: coefficients[i])
        if coefficients[worst] < 0:
            intercept = float(model.intercept_[0])
            report = FitReport(
                ivs, {c.spec.feature_name: b for c, b in zip(selected, coefficients, strict=True)}, intercept
            )
            return selected, coefficients, intercept, report
        selected.pop(worst)
    raise DatasetError(f"no feature reaches an information value of {options.min_iv} on {dataset.name.split()[0]}")


def _feature_bins(candidate: Candidate, coefficient: float, scaling: Scaling) -> FeatureBins:
    binned = candidate.binned
    bins = [
        Bin(
            lower=g.lower,
            upper=g.upper,
            categories=g.categories,
            points=scaling.points(coefficient, w),
        )
        for g, w in zip(binned.groups, binned.woes, strict=True)
    ]
    return FeatureBins(
        name=candidate.spec.feature_name,
        reason_code=candidate.spec.reason,
        bins=bins,
        missing_points=scaling.points(coefficient, binned.missing_woe),
    )


def _bands(template: RiskConfig, options: FitOptions, scaling: Scaling) -> list[Band]:
    rates = options.band_max_bad_rate
    if any(not 0 < r < 1 for r in rates) or rates != sorted(set(rates)):
        raise DatasetError(f"band bad rates {rates} must rise strictly between 0 and 1")
    template_bands = template.scorecard.bands
    if len(template_bands) != len(rates) + 1:
        raise DatasetError(
            f"{len(rates)} band bad rates need {len(rates) + 1} bands; the template has {len(template_bands)}"
        )
    floors = [scaling.score_at_bad_rate(r) for r in rates] + [template_bands[-1].min_score]
    return [b.model_copy(update={"min_score": floor}) for b, floor in zip(template_bands, floors, strict=True)]


def fit_scorecard(
    dataset: Dataset, options: FitOptions, template: RiskConfig, *, carry_features: bool = False, version: str = ""
) -> tuple[RiskConfig, FitReport]:
    """Fits the points; bands take their names, outcomes and limits from `template`, and their floors from
    `options.band_max_bad_rate`. With `carry_features`, the template's features the data does not have
    (behaviour on our own ledger, say) are kept with their points."""
    selected, coefficients, intercept, report = fit_logistic(dataset, options)
    scaling = Scaling.of(options)
    features = [_feature_bins(c, b, scaling) for c, b in zip(selected, coefficients, strict=True)]
    fitted = {f.name for f in features}
    if carry_features:
        features += [f for f in template.scorecard.features if f.name not in fitted]
    scorecard = Scorecard(
        base_points=round(scaling.offset - scaling.factor * intercept),
        features=features,
        bands=_bands(template, options, scaling),
        max_reason_codes=template.scorecard.max_reason_codes,
        fit=options.model_copy(update={"source": dataset.name, "rows": dataset.rows}),
    )
    scorecard = scorecard.model_copy(update={"bands": calibrated_bands(scorecard, dataset)})
    digest = dataset.name.rsplit(":", 1)[-1][:12]
    config = template.model_copy(update={"version": version or f"fitted-{digest}", "scorecard": scorecard})
    return RiskConfig.model_validate(config.model_dump()), report


def calibrated_bands(scorecard: Scorecard, dataset: Dataset) -> list[Band]:
    """The bands with their 12-month PD: each band's observed bad rate on `dataset` (ppm, rounded down); a band
    no row falls in keeps the PD it had."""
    scores, _, _ = score_dataset(scorecard, dataset)
    rows = band_table(scores, dataset.bad, [(b.name, b.min_score) for b in scorecard.bands])
    return [
        band.model_copy(update={"pd_ppm": row.bads * 1_000_000 // row.rows}) if row.rows else band
        for band, row in zip(scorecard.bands, rows, strict=True)
    ]


# SCORING A DATA SET


def _spec_for(feature: FeatureBins, options: FitOptions | None) -> ColumnSpec:
    for spec in (options.columns or []) if options else []:
        if spec.feature_name == feature.name:
            return spec
    return ColumnSpec(column=feature.name)


def _columns_of(scorecard: Scorecard, dataset: Dataset) -> list[tuple[FeatureBins, ColumnSpec]]:
    """The scorecard's features that the data set has, each with the spec that reads it."""
    out = []
    auto_names = {ColumnSpec(column=c).feature_name: c for c in dataset.columns}
    for feature in scorecard.features:
        spec = _spec_for(feature, scorecard.fit)
        if spec.column not in dataset.columns and feature.name in auto_names:
            spec = ColumnSpec(column=auto_names[feature.name])
        if spec.column in dataset.columns:
            kind = "categorical" if any(b.categories is not None for b in feature.bins) else "numeric"
            out.append((feature, spec.model_copy(update={"kind": kind})))
    return out


def score_dataset(scorecard: Scorecard, dataset: Dataset) -> tuple[list[int], dict[str, list[int]], list[str]]:
    """Each row's score, each feature's points per row, and the features the data set lacks (scored as 0)."""
    per_feature = {}
    for feature, spec in _columns_of(scorecard, dataset):
        values, _ = feature_values(dataset, spec)
        per_feature[feature.name] = [feature.points_for(v) for v in values]
    scores = (
        [scorecard.base_points + sum(p) for p in zip(*per_feature.values(), strict=True)]
        if per_feature
        else [scorecard.base_points] * dataset.rows
    )
    lacking = [f.name for f in scorecard.features if f.name not in per_feature]
    return scores, per_feature, lacking


def feature_ivs(scorecard: Scorecard, dataset: Dataset) -> dict[str, float]:
    """Information value of each feature as the scorecard bins it, measured on `dataset`."""
    total_bad = sum(dataset.bad)
    total_good = dataset.rows - total_bad
    out = {}
    for feature, spec in _columns_of(scorecard, dataset):
        values, _ = feature_values(dataset, spec)
        counts: dict[int, list[int]] = {}
        for value, b in zip(values, dataset.bad, strict=True):
            slot = next((i for i, bin_ in enumerate(feature.bins) if value is not None and bin_.contains(value)), -1)
            counts.setdefault(slot, [0, 0])[b] += 1
        groups = [Group(None, None, None, g, b) for g, b in counts.values()]
        out[feature.name] = information_value(groups, total_good, total_bad)
    return out


@dataclass(frozen=True)
class BandCalibration:
    """One band on held-out rows: how many, how many went bad, and the PD the fit on the other folds gave it."""

    band: str
    rows: int
    bads: int
    predicted_ppm: int


@dataclass(frozen=True)
class FoldResult:
    auc: float
    ks: float
    brier: float  # mean (PD of the row's band - outcome)^2 on the fold left out
    reference_brier: float  # the same for the fit's logistic regression's own probabilities
    bands: list[BandCalibration]


def _reference_probabilities(train: Dataset, held_out: Dataset, options: FitOptions) -> list[float]:
    """The logistic regression behind the points, fitted on `train`, as probabilities of the held-out rows."""
    selected, coefficients, intercept, _ = fit_logistic(train, options)
    logits = [intercept] * held_out.rows
    for candidate, coefficient in zip(selected, coefficients, strict=True):
        values, _ = feature_values(held_out, candidate.spec)
        for row, value in enumerate(values):
            logits[row] += coefficient * candidate.binned.woe_of(value)
    return [1 / (1 + math.exp(-z)) for z in logits]


def _brier(probabilities: Sequence[float], outcomes: Sequence[int]) -> float:
    return sum((p - y) ** 2 for p, y in zip(probabilities, outcomes, strict=True)) / len(outcomes)


def cross_validate(
    dataset: Dataset, options: FitOptions, template: RiskConfig, folds: int, seed: int = 0
) -> list[FoldResult]:
    """Stratified k-fold: the whole fit (binning, selection, regression, points, the bands' PDs) on k-1 folds,
    scored and calibrated on the fold left out."""
    _, stratified_k_fold = _sklearn()
    if folds < 2:
        raise DatasetError(f"--folds {folds}: cross-validation needs at least 2 folds")
    if min(sum(dataset.bad), dataset.rows - sum(dataset.bad)) < folds:
        raise DatasetError(f"--folds {folds}: fewer goods or bads than folds")
    results = []
    splitter = stratified_k_fold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split([[0]] * dataset.rows, dataset.bad):
        train_set, held_out = dataset.subset(list(train)), dataset.subset(list(test))
        config, _ = fit_scorecard(train_set, options, template)
        bands = config.scorecard.bands
        scores, _, _ = score_dataset(config.scorecard, held_out)
        rows = band_table(scores, held_out.bad, [(b.name, b.min_score) for b in bands])
        pd_of = {b.name: (b.pd_ppm or 0) for b in bands}
        predicted = [pd_of[next((b.name for b in bands if s >= b.min_score), bands[-1].name)] / 1e6 for s in scores]
        results.append(
            FoldResult(
                auc(scores, held_out.bad),
                ks(scores, held_out.bad),
                _brier(predicted, held_out.bad),
                _brier(_reference_probabilities(train_set, held_out, options), held_out.bad),
                [BandCalibration(r.band, r.rows, r.bads, pd_of[r.band]) for r in rows],
            )
        )
    return results
