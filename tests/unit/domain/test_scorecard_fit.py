"""Scorecard fitting: WoE/IV by hand, exact points scaling, recovered ordering, metrics against direct
computations, the German credit cross-validation, the shipped scorecard as the fit's output, bad input."""

from __future__ import annotations

import csv
import json
import math
import random
import tomllib
from pathlib import Path

import pytest

from scf_ledger.cli.main import main
from scf_ledger.domain.risk import ApplicantProfile, BuyerHistory, OrderRequest, RiskEngine, load_risk_config
from scf_ledger.domain.risk.config import FitOptions, dump_risk_config
from scf_ledger.domain.risk.learn.binning import Group, bin_feature, information_value, woe
from scf_ledger.domain.risk.learn.dataset import Dataset, load_dataset
from scf_ledger.domain.risk.learn.fit import Scaling, cross_validate, fit_scorecard, score_dataset
from scf_ledger.domain.risk.learn.metrics import auc, histogram, ks, psi, score_edges
from scf_ledger.domain.risk.model import Outcome

ROOT = Path(__file__).resolve().parents[3]
GERMAN = ROOT / "data" / "germancredit.csv"
SPEC = ROOT / "data" / "engine-spec.toml"
TEMPLATE = load_risk_config(Path(__file__).with_name("handset_risk.toml"))


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_woe_and_iv_of_a_tiny_table_by_hand() -> None:
    # 10 goods and 10 bads; bin x=0 holds 8 goods and 2 bads, bin x=1 holds 2 goods and 8 bads.
    values: list[float | str | None] = [0.0] * 10 + [1.0] * 10
    bad = [0] * 8 + [1] * 2 + [0] * 2 + [1] * 8
    binned = bin_feature(values, bad, numeric=True, max_bins=6, min_share=0.05, monotonic=True)
    # WoE = ln((8/10) / (2/10)) = ln 4 and ln(1/4); IV = (0.8 - 0.2) ln 4 + (0.2 - 0.8) ln(1/4) = 1.2 ln 4.
    assert binned.woes == pytest.approx([math.log(4), -math.log(4)])
    assert binned.iv == pytest.approx(1.2 * math.log(4))
    assert (binned.groups[0].upper, binned.groups[1].lower) == (1.0, 1.0)
    # A pure bin takes 0.5 for its empty count: ln((3/10) / (0.5/10)).
    assert woe(3, 0, 10, 10) == pytest.approx(math.log(6))
    assert information_value([Group(None, None, None, 5, 5)], 5, 5) == 0


def test_rare_categories_are_pooled_and_unseen_ones_are_neutral() -> None:
    values: list[float | str | None] = ["a"] * 50 + ["b"] * 46 + ["r1", "r2", "r3", "r4"]
    bad = [0] * 40 + [1] * 10 + [0] * 10 + [1] * 36 + [1, 0, 1, 0]
    binned = bin_feature(values, bad, numeric=False, max_bins=6, min_share=0.05, monotonic=True)
    categories = [g.categories for g in binned.groups]
    assert frozenset({"a"}) in categories
    assert any(c is not None and {"r1", "r2", "r3", "r4"} <= c for c in categories)
    assert binned.woe_of("never-seen") == 0.0


def test_points_scaling_is_exact() -> None:
    scaling = Scaling.of(FitOptions(target="t", bad="b", pdo=20, base_score=600, base_odds=50))
    factor = 20 / math.log(2)
    assert scaling.factor == pytest.approx(factor)
    assert scaling.offset == pytest.approx(600 - factor * math.log(50))
    assert scaling.points(-0.8, 0.5) == round(factor * 0.4)
    # The band floor for a 10 % bad rate: odds 9:1, offset + factor ln 9.
    assert scaling.score_at_bad_rate(0.1) == math.ceil(scaling.offset + factor * math.log(9))
    # 20 more points double the odds.
    assert scaling.score_at_bad_rate(1 / 3) - scaling.score_at_bad_rate(1 / 2) in (19, 20, 21)


def synthetic(n: int = 2_000, seed: int = 7) -> Dataset:
    """Bad odds fall with income and rise with a 'risky' category; noise carries no signal."""
    rng = random.Random(seed)
    income, kind, noise, bad = [], [], [], []
    for _ in range(n):
        x = rng.uniform(0, 10)
        k = rng.choice(["safe", "risky"])
        logit = 1.0 - 0.5 * x + (1.5 if k == "risky" else 0.0)
        income.append(f"{x:.3f}")
        kind.append(k)
        noise.append(str(rng.randint(0, 9)))
        bad.append(int(rng.random() < 1 / (1 + math.exp(-logit))))
    return Dataset("synthetic sha256:00", {"income": income, "kind": kind, "noise": noise}, bad)


def test_the_fit_recovers_a_known_relationship() -> None:
    config, report = fit_scorecard(synthetic(), FitOptions(target="t", bad="b"), TEMPLATE)
    assert "noise" not in report.coefficients  # no information: dropped
    features = {f.name: f for f in config.scorecard.features}
    income_points = [b.points for b in features["income"].bins]
    assert income_points == sorted(income_points) and income_points[0] < income_points[-1]  # more income, more points
    assert features["kind"].points_for("safe") > features["kind"].points_for("risky")
    scores, _, _ = score_dataset(config.scorecard, synthetic(seed=8))  # unseen data from the same process
    assert auc(scores, synthetic(seed=8).bad) > 0.8


def brute_auc(scores: list[float], bad: list[int]) -> float:
    pairs = [
        (g, b) for g, gb in zip(scores, bad, strict=True) if not gb for b, bb in zip(scores, bad, strict=True) if bb
    ]
    return sum(1.0 if g > b else 0.5 if g == b else 0.0 for g, b in pairs) / len(pairs)


def brute_ks(scores: list[float], bad: list[int]) -> float:
    goods, bads = bad.count(0), bad.count(1)
    return max(
        abs(
            sum(1 for s, b in zip(scores, bad, strict=True) if b and s <= t) / bads
            - sum(1 for s, b in zip(scores, bad, strict=True) if not b and s <= t) / goods
        )
        for t in set(scores)
    )


def test_auc_and_ks_match_direct_computations() -> None:
    rng = random.Random(3)
    for _ in range(20):
        bad = [rng.randint(0, 1) for _ in range(60)] + [0, 1]
        scores = [rng.randint(0, 15) + (0 if b else rng.randint(0, 5)) for b in bad]  # ties on purpose
        assert auc(scores, bad) == pytest.approx(brute_auc(scores, bad))
        assert ks(scores, bad) == pytest.approx(brute_ks(scores, bad))


def test_psi_is_zero_for_the_same_population_and_large_for_a_shift() -> None:
    rng = random.Random(5)
    base = [rng.gauss(500, 40) for _ in range(5_000)]
    edges = score_edges(base)
    assert psi(histogram(base, edges), histogram(base, edges)) == 0
    same = [rng.gauss(500, 40) for _ in range(5_000)]
    assert psi(histogram(base, edges), histogram(same, edges)) < 0.02
    shifted = [s - 40 for s in same]
    assert psi(histogram(base, edges), histogram(shifted, edges)) > 0.25


def test_german_credit_cross_validated_auc() -> None:
    dataset = load_dataset(GERMAN, "creditability", "bad")
    folds = cross_validate(dataset, FitOptions(target="creditability", bad="bad"), TEMPLATE, folds=5)
    mean_auc = sum(f.auc for f in folds) / len(folds)
    assert mean_auc >= 0.76  # measured 0.790 (README); a floor well under it keeps the test stable
    # Calibrated: the bands' PDs (each band's bad rate on the other folds) predict the fold left out about as
    # well as the regression's own probabilities, and no band's prediction is far from what it observed.
    brier = sum(f.brier for f in folds) / len(folds)
    reference = sum(f.reference_brier for f in folds) / len(folds)
    assert 0 < reference <= brier < reference + 0.01 < 0.21  # a constant 30 % would score 0.21
    for band in zip(*(f.bands for f in folds), strict=True):
        rows = sum(b.rows for b in band)
        observed = sum(b.bads for b in band) / rows
        predicted = sum(b.rows * b.predicted_ppm for b in band) / rows / 1e6
        assert abs(predicted - observed) < 0.06, band[0].band


def test_the_shipped_scorecard_is_the_fit_of_the_german_data(tmp_path: Path) -> None:
    shipped = load_risk_config()
    base = tmp_path / "base.toml"
    base.write_text(dump_risk_config(shipped))
    out = tmp_path / "refit.toml"
    args = ["risk", "fit", "--data", str(GERMAN), "--spec", str(SPEC), "--base-config", str(base)]
    assert main([*args, "--carry-features", "--out", str(out)]) == 0
    assert load_risk_config(out) == shipped


def test_the_toml_writer_round_trips() -> None:
    for config in (load_risk_config(), TEMPLATE):
        text = dump_risk_config(config, "a header")
        assert text.startswith("# a header\n")
        assert type(config).model_validate(tomllib.loads(text)) == config


def test_reason_codes_rank_the_points_lost_with_the_fitted_scorecard() -> None:
    engine = RiskEngine()
    order = OrderRequest("0xB", 15_000 * 10**6, 24, 1_800_000_000, login_hour=12)
    weak = ApplicantProfile(21, None, 3, "none_taken", "lt_100", "free", None, "overdrawn")
    d = engine.decide(order, weak, BuyerHistory())
    assert d.outcome is Outcome.DECLINE
    lost = sorted(
        ((f.best_points - f.points, f.name) for f in d.features if f.known and f.best_points > f.points),
        key=lambda x: (-x[0], x[1]),
    )
    codes = {f.name: f.reason_code for f in engine.config.scorecard.features}
    assert d.reason_codes == tuple(codes[name] for _, name in lost[:4])
    strong = ApplicantProfile(45, None, 96, "critical", "ge_1000", "own", None, "none")
    assert engine.decide(OrderRequest("0xB", 1_000 * 10**6, 3, 1_800_000_000), strong, BuyerHistory()).approved


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("", ["--target", "y", "--bad", "1"], "empty file"),
        ("a,b\n1,2\n", ["--target", "y", "--bad", "1"], "no target column 'y'"),
        ("a,y\n1,1\n2,1\n", ["--target", "y", "--bad", "1"], "one class"),
        ("a,y\n1,1\n2,0\n", ["--target", "y", "--bad", "bad"], "has no value 'bad'"),
        (
            "a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(40)) + "x1,0\n",
            ["--target", "y", "--bad", "1"],
            "row 42: column 'a' is numeric but has 'x1'",
        ),
        ("a,y\n1,1\n2\n", ["--target", "y", "--bad", "1"], "row 3: 1 fields"),
    ],
)
def test_bad_data_gets_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, args: list[str], message: str
) -> None:
    data = tmp_path / "d.csv"
    data.write_text(content)
    assert main(["risk", "fit", "--data", str(data), "--out", str(tmp_path / "o.toml"), *args]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and not (tmp_path / "o.toml").exists()


def test_validate_reports_and_cross_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.reader(GERMAN.open()))
    write_csv(tmp_path / "recent.csv", rows[0], rows[501:])
    assert (
        main(
            [
                "risk",
                "validate",
                "--data",
                str(GERMAN),
                "--scorecard",
                str(ROOT / "src/scf_ledger/domain/risk/default_risk.toml"),
                "--folds",
                "3",
                "--psi-against",
                str(tmp_path / "recent.csv"),
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    scores, _, _ = score_dataset(load_risk_config().scorecard, load_dataset(GERMAN, "creditability", "bad"))
    assert report["auc"] == pytest.approx(auc(scores, load_dataset(GERMAN, "creditability", "bad").bad))
    assert report["gini"] == pytest.approx(2 * report["auc"] - 1)
    assert sum(b["rows"] for b in report["bands"]) == 1_000 and sum(b["bads"] for b in report["bands"]) == 300
    assert len(report["cross_validation"]["fold_auc"]) == 3 and 0 <= report["psi"] < 0.25
    assert "login_hour" in report["features_not_in_data"]
